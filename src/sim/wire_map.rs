//! The messages on the wire, by id: a deque kept in id order.
//!
//! Every send puts a message on the wire with the next id, so a new message always goes at the
//! back; delays are close to each other, so deliveries take messages mostly from the front. A
//! `BTreeMap` paid a tree insert and a tree removal (with rebalancing) per message, about 4% of
//! the page's engine in Node's profiler, and compiled its own copy of the B-tree's code. Here a
//! send is a push at the back and a delivery a binary search and a removal that moves the
//! shorter side, a few messages at these sizes. Iteration is in id order, as the map's was, so
//! the views, the state hash and every trace are unchanged.

use super::cluster::InFlight;
use std::collections::VecDeque;

/// The messages on the wire in increasing id order, each id at most once.
#[derive(Clone, Debug, Default)]
pub struct WireMap {
    flights: VecDeque<InFlight>,
}

impl WireMap {
    /// Where message `id` is, or where it would go.
    fn position(&self, id: u64) -> Result<usize, usize> {
        self.flights.binary_search_by_key(&id, |flight| flight.id)
    }

    /// Puts `flight` on the wire under its id (replacing a message of the same id). A new
    /// message has the highest id yet and goes at the back without a search.
    pub fn insert(&mut self, flight: InFlight) {
        if self.flights.back().is_none_or(|last| last.id < flight.id) {
            self.flights.push_back(flight);
            return;
        }
        match self.position(flight.id) {
            Ok(at) => self.flights[at] = flight,
            Err(at) => self.flights.insert(at, flight),
        }
    }

    /// Message `id`, if it is on the wire.
    pub fn get(&self, id: &u64) -> Option<&InFlight> {
        self.position(*id).ok().and_then(|at| self.flights.get(at))
    }

    /// Message `id` to change (its hold), if it is on the wire.
    pub fn get_mut(&mut self, id: &u64) -> Option<&mut InFlight> {
        let at = self.position(*id).ok()?;
        self.flights.get_mut(at)
    }

    /// Whether message `id` is on the wire.
    pub fn contains_key(&self, id: &u64) -> bool {
        self.position(*id).is_ok()
    }

    /// Takes message `id` off the wire.
    pub fn remove(&mut self, id: &u64) -> Option<InFlight> {
        let at = self.position(*id).ok()?;
        self.flights.remove(at)
    }

    /// The number of messages on the wire.
    pub fn len(&self) -> usize {
        self.flights.len()
    }

    /// Whether no message is on the wire.
    pub fn is_empty(&self) -> bool {
        self.flights.is_empty()
    }

    /// The messages in id order.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &InFlight> + ExactSizeIterator {
        self.flights.iter()
    }

    /// The ids in order.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &u64> + ExactSizeIterator {
        self.flights.iter().map(|flight| &flight.id)
    }

    /// (id, message) in id order, as a map's iteration gives them.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&u64, &InFlight)> + ExactSizeIterator {
        self.flights.iter().map(|flight| (&flight.id, flight))
    }
}

impl<'a> IntoIterator for &'a WireMap {
    type Item = (&'a u64, &'a InFlight);
    type IntoIter = std::iter::Map<
        std::collections::vec_deque::Iter<'a, InFlight>,
        fn(&'a InFlight) -> (&'a u64, &'a InFlight),
    >;

    fn into_iter(self) -> Self::IntoIter {
        self.flights.iter().map(|flight| (&flight.id, flight))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::raft::message::Message;
    use crate::sim::queue::TimeMs;
    use rand_core::{Rng, SeedableRng};
    use std::collections::BTreeMap;
    use std::sync::Arc;

    fn flight(id: u64, held: bool) -> InFlight {
        InFlight {
            id,
            sent_ms: TimeMs(id),
            due_ms: TimeMs(id + 10),
            held,
            message: Arc::new(Message::default()),
        }
    }

    /// What the map holds, as (id, held) in iteration order.
    fn contents(map: &WireMap) -> Vec<(u64, bool)> {
        map.values().map(|f| (f.id, f.held)).collect()
    }

    #[test]
    fn answers_as_a_btree_map_under_random_sends_deliveries_and_holds() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(27);
        let mut next = move || rng.next_u64();
        let mut map = WireMap::default();
        let mut model: BTreeMap<u64, bool> = BTreeMap::new();
        let mut next_id = 1;
        for _ in 0..5_000 {
            let present: Vec<u64> = model.keys().copied().collect();
            let pick = |r: u64| {
                present
                    .get((r % present.len().max(1) as u64) as usize)
                    .copied()
            };
            match next() % 6 {
                // Sends: the next id, at the back.
                0 | 1 => {
                    map.insert(flight(next_id, false));
                    model.insert(next_id, false);
                    next_id += 1;
                }
                // A delivery or a drop, mostly of the oldest.
                2 | 3 => {
                    let r = next();
                    let id = if r % 3 == 0 {
                        pick(r)
                    } else {
                        present.first().copied()
                    };
                    let id = id.unwrap_or(next_id + 5);
                    assert_eq!(
                        map.remove(&id).map(|f| f.id),
                        model.remove(&id).map(|_| id),
                        "remove {id}"
                    );
                }
                // A hold changes a message in place.
                4 => {
                    if let Some(id) = pick(next()) {
                        map.get_mut(&id).expect("present").held = true;
                        model.insert(id, true);
                    }
                }
                // A message put back under an older id, or one replaced.
                _ => {
                    let id = next() % (next_id + 1);
                    let held = next() % 2 == 0;
                    map.insert(flight(id, held));
                    model.insert(id, held);
                }
            }
            let expected: Vec<(u64, bool)> = model.iter().map(|(id, held)| (*id, *held)).collect();
            assert_eq!(contents(&map), expected);
            assert_eq!(map.len(), model.len());
            assert_eq!(map.is_empty(), model.is_empty());
            let probe = next() % (next_id + 2);
            assert_eq!(map.contains_key(&probe), model.contains_key(&probe));
            assert_eq!(map.get(&probe).map(|f| f.held), model.get(&probe).copied());
        }
        let keys: Vec<u64> = map.keys().copied().collect();
        let pairs: Vec<u64> = (&map)
            .into_iter()
            .map(|(id, f)| {
                assert_eq!(*id, f.id);
                *id
            })
            .collect();
        assert_eq!(keys, model.keys().copied().collect::<Vec<_>>());
        assert_eq!(pairs, keys);
        assert_eq!(map.iter().count(), keys.len());
    }
}
