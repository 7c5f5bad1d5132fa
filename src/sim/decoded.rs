//! Each KV command decoded once for the whole cluster instead of once per node.
//!
//! Every node applies every committed entry, and each apply decoded the entry's command from
//! JSON: with 5 nodes, about a tenth of a run with a client was the same JSON decoded five
//! times (callgrind). An entry's bytes are shared (`Arc`) by every log, message and node that
//! holds the entry, so the simulator keeps the last few decoded commands keyed by those shared
//! bytes. Decoding is a pure function of the bytes, so a hit gives exactly what decoding again
//! would: the cache changes no outcome, only the time.

use crate::kv::command::Command;
use crate::kv::types::KvError;
use std::sync::Arc;

/// Decoded commands kept: the entries applied between the first node applying an entry and
/// the last one doing so (a heartbeat or two at the page's rates) fit many times over. A miss
/// only costs a decode.
const SLOTS: usize = 32;

/// An entry's data and the decode of its command bytes. Holding the data keeps its allocation
/// alive, so no other entry's data can reuse the address the slot is found by.
type Slot = (Arc<[u8]>, Result<Command, KvError>);

/// The last [`SLOTS`] decoded commands, by the entry bytes they came from.
#[derive(Default)]
pub struct DecodedCommands {
    slots: Vec<Slot>,
    /// The slot the next miss overwrites (once all are in use): oldest first.
    next: usize,
}

impl DecodedCommands {
    /// `Command::decode(command)`, where `command` is the command part of `data` (an entry's
    /// data): from the cache when an entry with these very bytes was decoded lately.
    pub fn decode(&mut self, data: &Arc<[u8]>, command: &[u8]) -> Result<&Command, &KvError> {
        let at = match self
            .slots
            .iter()
            .position(|(seen, _)| Arc::ptr_eq(seen, data))
        {
            Some(at) => at,
            None => {
                let decoded = (Arc::clone(data), Command::decode(command));
                if self.slots.len() < SLOTS {
                    self.slots.push(decoded);
                    self.slots.len() - 1
                } else {
                    let at = self.next;
                    self.slots[at] = decoded;
                    self.next = (at + 1) % SLOTS;
                    at
                }
            }
        };
        self.slots[at].1.as_ref()
    }
}

/// A copy starts empty: it is a cache, and a timeline checkpoint (a clone of the run) should
/// not carry it.
impl Clone for DecodedCommands {
    fn clone(&self) -> Self {
        DecodedCommands::default()
    }
}

impl std::fmt::Debug for DecodedCommands {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DecodedCommands({} kept)", self.slots.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hit_is_the_decode_and_equal_bytes_elsewhere_decode_on_their_own() {
        let mut cache = DecodedCommands::default();
        let put: Arc<[u8]> = Arc::from(
            &br#"{"session":null,"request":{"Put":{"key":"a","value":"b","prev_kv":false,"lease":0}}}"#[..],
        );
        let owned = |r: Result<&Command, &KvError>| r.cloned().map_err(Clone::clone);
        let first = owned(cache.decode(&put, &put));
        assert_eq!(first, Command::decode(&put));
        assert!(first.is_ok(), "{first:?}");
        assert_eq!(owned(cache.decode(&put, &put)), first);
        assert_eq!(cache.slots.len(), 1, "the second look-up hits");
        // The same bytes in another allocation: decoded again, the same result.
        let copy: Arc<[u8]> = Arc::from(&put[..]);
        assert_eq!(owned(cache.decode(&copy, &copy)), first);
        assert_eq!(cache.slots.len(), 2);
        // Bad bytes give the decoder's error.
        let bad: Arc<[u8]> = Arc::from(&b"not json"[..]);
        assert_eq!(owned(cache.decode(&bad, &bad)), Command::decode(&bad));
        assert_eq!(cache.clone().slots.len(), 0, "a copy starts empty");
    }

    #[test]
    fn old_slots_are_reused_oldest_first() {
        let mut cache = DecodedCommands::default();
        let entries: Vec<Arc<[u8]>> = (0..SLOTS + 3)
            .map(|i| Arc::from(format!("{{\"bad\":{i}}}").as_bytes()))
            .collect();
        for data in &entries {
            let _ = cache.decode(data, data);
        }
        assert_eq!(cache.slots.len(), SLOTS);
        assert!(Arc::ptr_eq(&cache.slots[0].0, &entries[SLOTS]));
        assert!(Arc::ptr_eq(&cache.slots[3].0, &entries[3]));
        assert_eq!(cache.next, 3);
    }
}
