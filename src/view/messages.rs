//! Messages on the wire, with their kind and a one-line summary.

use crate::raft::message::{Message, MessageType};
use crate::sim::cluster::Sim;
use serde::{Deserialize, Serialize};
use std::fmt::Write;

/// One message in flight.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageView {
    /// Stable id in send order (the `m<id>` of the trace and the actions).
    pub id: u64,
    /// Sender.
    pub from: u64,
    /// Recipient.
    pub to: u64,
    /// etcd's message type name: `MsgApp`, `MsgHeartbeat`, `MsgVote`, `MsgSnap`, ...
    pub kind: String,
    /// A response (`MsgAppResp`, `MsgVoteResp`, ...).
    pub response: bool,
    /// A response that refuses the request (a rejected append or vote).
    pub reject: bool,
    /// The sender's term.
    pub term: u64,
    /// Entries carried (appends and forwarded proposals).
    pub entries: u64,
    /// A short line: kind, term, log position, commit, entries range, reject hint.
    pub summary: String,
    /// When it was sent (ms).
    pub sent_ms: u64,
    /// When it arrives (ms); for a held message, when it was due.
    pub due_ms: u64,
    /// Held by the user: it stays on the wire until released or dropped.
    pub held: bool,
}

/// Every message in flight, by id.
pub fn build(sim: &Sim) -> Vec<MessageView> {
    sim.in_flight()
        .values()
        .map(|flight| {
            let m = &flight.message;
            MessageView {
                id: flight.id,
                from: m.from.0,
                to: m.to.0,
                kind: m.msg_type.name().to_string(),
                response: m.msg_type.is_response(),
                reject: m.reject,
                term: m.term.0,
                entries: m.entries.len() as u64,
                summary: summary(m),
                sent_ms: flight.sent_ms.0,
                due_ms: flight.due_ms.0,
                held: flight.held,
            }
        })
        .collect()
}

/// Like etcd's `DescribeMessage`, but bounded: entries as an index range, not their data.
pub fn summary(m: &Message) -> String {
    let mut out = format!("{} term {}", m.msg_type.name(), m.term);
    match m.msg_type {
        MessageType::MsgApp
        | MessageType::MsgVote
        | MessageType::MsgPreVote
        | MessageType::MsgAppResp => {
            let _ = write!(out, " log {}/{}", m.log_term, m.index);
        }
        MessageType::MsgReadIndexResp => {
            let _ = write!(out, " read index {}", m.index);
        }
        _ => {}
    }
    if let (Some(first), Some(last)) = (m.entries.first(), m.entries.last()) {
        let _ = write!(
            out,
            " entries {}..{} ({})",
            first.index,
            last.index,
            m.entries.len()
        );
    }
    if m.commit.0 != 0 {
        let _ = write!(out, " commit {}", m.commit);
    }
    if m.reject {
        let _ = write!(out, " rejected (hint {})", m.reject_hint);
    }
    if let Some(snapshot) = &m.snapshot {
        let _ = write!(
            out,
            " snapshot {}/{}",
            snapshot.metadata.term, snapshot.metadata.index
        );
    }
    out
}
