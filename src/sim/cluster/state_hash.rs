//! The cluster's state hash: what the page shows and the determinism golden pins.
//!
//! Its own file because what goes into the hash is a compatibility promise (the native tests and
//! the wasm test compare it): a change here changes every pinned hash, so it should be a
//! deliberate, visible edit.

use super::Sim;
use crate::sim::hash::stable_hash;

impl Sim {
    /// A hash of the whole cluster state that matters to the protocol: nodes' durable and
    /// volatile Raft state, applied state, messages in flight, links and time. The page shows
    /// it; tests compare it natively and in wasm.
    pub fn state_hash(&self) -> u64 {
        let nodes: Vec<_> = self
            .nodes
            .values()
            .map(|n| {
                let raft = n.raft().map(|r| {
                    let s = r.status();
                    (
                        s.role as u8,
                        s.term.0,
                        s.vote.map_or(0, |v| v.0),
                        s.commit.0,
                        s.applied.0,
                        s.last_index.0,
                        r.raft().log().last_term().0,
                        s.leader.map_or(0, |l| l.0),
                    )
                });
                let durable = n
                    .durable()
                    .map(|d| (d.hard_state().clone(), d.last_index().0, d.first_index().0));
                (n.id, n.epoch, n.paused, raft, durable, n.app.state_hash())
            })
            .collect();
        let flights: Vec<_> = self
            .in_flight
            .values()
            .map(|f| {
                (
                    f.id,
                    f.due_ms,
                    f.held,
                    f.message.from.0,
                    f.message.to.0,
                    f.message.msg_type as u8,
                )
            })
            .collect();
        let links: Vec<_> = self.network.overrides().map(|(k, v)| (*k, *v)).collect();
        stable_hash(&(
            self.now_ms,
            nodes,
            flights,
            links,
            self.network.default_link(),
        ))
    }
}
