//! Watchers of one node. Watches are not replicated state: a client watches the node it talks
//! to. A watch from revision N first replays the store's kept history since N, then receives
//! each event the node applies afterwards; a client that reconnects after a partition resumes
//! with `start = last seen revision + 1`, so it sees no gap and nothing twice.

use super::range::RangeSelector;
use super::store::MvccStore;
use super::types::{Event, KvError, Revision};
use std::collections::BTreeMap;

/// Watches per node at most; creating more fails (a limit on every queue).
pub const WATCHERS_MAX: usize = 256;

/// A watch's id on its node.
pub type WatchId = i64;

/// One open watch.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Watcher {
    key: Vec<u8>,
    range_end: Vec<u8>,
    prev_kv: bool,
    /// Events below this revision are not delivered (a watch may start in the future).
    start_revision: Revision,
}

/// The watchers of one node.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WatchHub {
    next_id: WatchId,
    watchers: BTreeMap<WatchId, Watcher>,
}

/// Why a watch could not be created.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WatchError {
    /// The start revision was compacted (or another store error).
    Store(KvError),
    /// [`WATCHERS_MAX`] watches are open.
    TooManyWatchers,
}

impl WatchHub {
    /// Open a watch on `[key, range_end)` from revision `start` (0 = only future events) and
    /// return its id with the replayed history.
    pub fn create(
        &mut self,
        store: &MvccStore,
        key: &[u8],
        range_end: &[u8],
        start: Revision,
        prev_kv: bool,
    ) -> Result<(WatchId, Vec<Event>), WatchError> {
        if self.watchers.len() >= WATCHERS_MAX {
            return Err(WatchError::TooManyWatchers);
        }
        let mut replay = store
            .events_since(key, range_end, start)
            .map_err(WatchError::Store)?;
        if !prev_kv {
            replay.iter_mut().for_each(|event| event.prev_kv = None);
        }
        let id = self.next_id;
        self.next_id += 1;
        self.watchers.insert(
            id,
            Watcher {
                key: key.to_vec(),
                range_end: range_end.to_vec(),
                prev_kv,
                start_revision: start,
            },
        );
        Ok((id, replay))
    }

    /// Close a watch; returns false if it was not open.
    pub fn cancel(&mut self, id: WatchId) -> bool {
        self.watchers.remove(&id).is_some()
    }

    /// Number of open watches.
    pub fn len(&self) -> usize {
        self.watchers.len()
    }

    /// True when no watch is open.
    pub fn is_empty(&self) -> bool {
        self.watchers.is_empty()
    }

    /// Route freshly applied events to the watches they match, in watch-id then event order.
    pub fn notify(&self, events: &[Event]) -> Vec<(WatchId, Event)> {
        let mut routed = Vec::new();
        for (id, watcher) in &self.watchers {
            let selector = RangeSelector::new(&watcher.key, &watcher.range_end);
            for event in events.iter().filter(|event| {
                selector.contains(&event.kv.key) && event.kv.mod_revision >= watcher.start_revision
            }) {
                let mut event = event.clone();
                if !watcher.prev_kv {
                    event.prev_kv = None;
                }
                routed.push((*id, event));
            }
        }
        routed
    }
}
