//! Client sessions for exactly-once semantics (Raft thesis §6.3). A client stamps each command
//! with its id and a sequence number that grows by one per new request, and reuses the stamp
//! when it retries. The state machine remembers, per client, the latest sequence it applied and
//! that response: a retry of it gets the cached response instead of applying twice.
//!
//! Sessions are replicated state (they decide what apply does), so they are in the state hash
//! and in every node's copy. Without a stamp a command is applied each time it is committed,
//! which is what lets the playground show a retried "increment" txn applied twice.

use super::response::Response;
use super::state_hash::Feed;
use super::types::KvError;
use crate::vec_map::VecMap;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Most sessions kept; beyond this the least recently used one is forgotten (deterministically:
/// smallest last-applied index), and a retry from it will be reported stale.
pub const SESSIONS_MAX: usize = 1024;

/// The session part of a command.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionStamp {
    /// Who sent it.
    pub client_id: u64,
    /// Per client, increasing by one per new request; the same on a retry.
    pub sequence: u64,
}

/// What a session says about an incoming command.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum SessionVerdict {
    /// A new request: apply it.
    Apply,
    /// A retry of the latest request: return this cached outcome.
    Duplicate(Result<Response, KvError>),
    /// Older than the latest request: its response is gone.
    Stale(KvError),
}

/// The latest request of one client.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(super) struct SessionEntry {
    pub(super) sequence: u64,
    pub(super) outcome: Result<Response, KvError>,
    /// Raft index of the last apply for this client, for least-recently-used eviction.
    pub(super) last_index: u64,
}

/// Every client's latest request.
///
/// Shared behind an `Arc` (copied on write): every node holds the same sessions once it has
/// applied the same entries, and a timeline checkpoint keeps every node's, so
/// [`Sessions::share_with`] lets the nodes of a checkpoint keep one copy (a map with one
/// client allocates a whole B-tree node, about 1.3 KB, so five copies in each of 192
/// checkpoints were 1.3 MB of the one-hour bench run).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Sessions {
    pub(super) clients: Arc<VecMap<u64, SessionEntry>>,
}

impl Sessions {
    /// Decide what to do with a stamped command.
    pub fn check(&self, stamp: SessionStamp) -> SessionVerdict {
        match self.clients.get(&stamp.client_id) {
            None => SessionVerdict::Apply,
            Some(entry) if stamp.sequence > entry.sequence => SessionVerdict::Apply,
            Some(entry) if stamp.sequence == entry.sequence => {
                SessionVerdict::Duplicate(entry.outcome.clone())
            }
            Some(entry) => SessionVerdict::Stale(KvError::StaleSequence {
                client_id: stamp.client_id,
                sequence: stamp.sequence,
                latest: entry.sequence,
            }),
        }
    }

    /// Remember the outcome of a newly applied stamped command.
    pub fn record(&mut self, stamp: SessionStamp, outcome: Result<Response, KvError>, index: u64) {
        let entry = SessionEntry {
            sequence: stamp.sequence,
            outcome,
            last_index: index,
        };
        let clients = Arc::make_mut(&mut self.clients);
        clients.insert(stamp.client_id, entry);
        while clients.len() > SESSIONS_MAX {
            let oldest = clients
                .iter()
                .min_by_key(|(_, entry)| entry.last_index)
                .map(|(id, _)| *id);
            match oldest {
                Some(id) => clients.remove(&id),
                None => break,
            };
        }
    }

    /// Makes these sessions share `other`'s copy when they are equal (see [`Sessions`]).
    /// Memory only: what they hold is unchanged.
    pub fn share_with(&mut self, other: &Sessions) {
        if !Arc::ptr_eq(&self.clients, &other.clients) && self.clients == other.clients {
            self.clients = Arc::clone(&other.clients);
        }
    }

    /// Number of clients with a session.
    pub fn len(&self) -> usize {
        self.clients.len()
    }

    /// True when no client has a session.
    pub fn is_empty(&self) -> bool {
        self.clients.is_empty()
    }

    /// Feed the sessions into the state hash (cached responses by their header and kind only:
    /// they are a function of the same applied log, so that is enough to tell states apart).
    pub fn hash_into<H: Feed>(&self, hasher: &mut H) {
        hasher.u64(self.clients.len() as u64);
        for (client_id, entry) in self.clients.iter() {
            hasher.u64(*client_id);
            hasher.u64(entry.sequence);
            hasher.u64(entry.last_index);
            match &entry.outcome {
                Ok(response) => {
                    hasher.i64(response.header.revision);
                    hasher.u64(response.header.raft_index);
                }
                Err(error) => hasher.bytes(error.to_string().as_bytes()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp(client_id: u64, sequence: u64) -> SessionStamp {
        SessionStamp {
            client_id,
            sequence,
        }
    }

    #[test]
    fn equal_sessions_share_one_copy_and_a_later_record_leaves_the_other_as_it_was() {
        let build = || {
            let mut sessions = Sessions::default();
            sessions.record(stamp(1, 1), Err(KvError::RequestTooLarge), 5);
            sessions
        };
        let (mut a, b) = (build(), build());
        assert!(!Arc::ptr_eq(&a.clients, &b.clients));
        a.share_with(&b);
        assert!(Arc::ptr_eq(&a.clients, &b.clients));
        assert_eq!(a, build());
        a.record(stamp(1, 2), Err(KvError::RequestTooLarge), 6);
        assert_eq!(b, build());
        assert!(matches!(a.check(stamp(1, 2)), SessionVerdict::Duplicate(_)));
        assert_eq!(b.check(stamp(1, 2)), SessionVerdict::Apply);
        // Different sessions are never shared.
        let mut c = build();
        c.share_with(&a);
        assert!(!Arc::ptr_eq(&c.clients, &a.clients));
        assert_eq!(c, build());
    }
}
