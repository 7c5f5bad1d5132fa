//! The space-time diagram's data: the message arrows and the lane marks (elections, commits,
//! crashes) of a window of virtual time, read from the trace. Bounded and cheap: the page asks
//! for the visible window only, and the trace is searched by time, not scanned from its start.

use crate::raft::types::NodeId;
use crate::sim::cluster::Sim;
use crate::sim::queue::TimeMs;
use crate::sim::trace::{DropReason, TraceEvent, TraceKind};
use crate::vec_map::VecMap;
use serde::{Deserialize, Serialize};

/// How far before the window the trace is read for sends whose arrow reaches into it (ms),
/// beyond the slowest link's largest delay now. Messages still on the wire always show; a
/// message that was on the wire longer than this (held by the user, or sent over a link that
/// was slower then) and arrived inside the window is looked up in the rest of the trace (one
/// pass, only when there is such a message), so it shows too while its send is still kept.
pub const LOOKBACK_MS: u64 = 1_000;
/// How far after the window the trace is read for the end of an arrow that leaves it (ms).
/// An arrow whose end is later still (and not on the wire now) ends `unknown`.
pub const LOOKAHEAD_MS: u64 = 10_000;
/// The most arrows (and, separately, marks) one call returns, whatever it asks for.
pub const ARROWS_MAX: usize = 5_000;

/// Arrows and marks in `fromMs..=toMs`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SpacetimeView {
    /// The window asked for (ms), `toMs` clipped to now.
    pub from_ms: u64,
    /// End of the window (ms): at most `nowMs`.
    pub to_ms: u64,
    /// Virtual time now (the present: nothing after it exists).
    pub now_ms: u64,
    /// The oldest moment the trace still holds (ms), once older events have left it (a long
    /// run keeps only the newest events): before it the diagram has no data. Absent while the
    /// trace holds the whole run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_start_ms: Option<u64>,
    /// The lanes: every node, by id.
    pub nodes: Vec<u64>,
    /// Arrows that overlap the window, by id (at most the bound asked for: the newest).
    pub arrows: Vec<ArrowView>,
    /// Arrows that overlap the window in all (more than `arrows.len()` when cut).
    pub arrows_total: u64,
    /// Lane marks in the window, oldest first (at most the bound: the newest).
    pub marks: Vec<MarkView>,
    /// Marks in the window in all.
    pub marks_total: u64,
}

/// One message, from its send to its end.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArrowView {
    /// The message id (`m<id>`; a duplicate copy has its own id).
    pub id: u64,
    /// Sender.
    pub from: u64,
    /// Recipient.
    pub to: u64,
    /// etcd's message type name (`MsgApp`, `MsgVote`, ...).
    pub kind: String,
    /// A response.
    pub response: bool,
    /// A response refusing the request.
    pub reject: bool,
    /// The sender's term.
    pub term: u64,
    /// Entries carried.
    pub entries: u64,
    /// The one-line summary (as `Message.summary`).
    pub summary: String,
    /// When it left (ms).
    pub sent_ms: u64,
    /// When it ended: arrived or was lost; for one still on the wire, when it is due (for a
    /// held one, when it was due). Absent when `end` is `unknown`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_ms: Option<u64>,
    /// How it ended: `delivered`, `dropped`, `in-flight` (on the wire now), `held` (on the wire,
    /// held by the user) or `unknown` (it ends after the part of the trace read).
    pub end: String,
    /// Why it was dropped (`link-down`, `loss`, `node-down`, `user`, `rejected`); absent
    /// unless `end` is `dropped`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// For a copy made by a duplicating link: the id of the message it copies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copy_of: Option<u64>,
}

/// Something that happened on one node's lane.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MarkView {
    /// The trace event's id.
    pub id: u64,
    /// When (ms).
    pub at_ms: u64,
    /// The node.
    pub node: u64,
    /// `leader` (became leader), `candidate` (started an election), `commit` (the node learned
    /// that entries up to `index` are committed: the trace's commit event, or its apply event
    /// when no commit event came first, once per node and index), `crash`, `restart`, `pause`
    /// or `resume`.
    pub kind: String,
    /// The term (`leader`, `candidate`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub term: Option<u64>,
    /// The new commit index (`commit`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<u64>,
    /// In plain words.
    pub text: String,
}

fn reason_name(reason: DropReason) -> &'static str {
    match reason {
        DropReason::LinkDown => "link-down",
        DropReason::Loss => "loss",
        DropReason::NodeDown => "node-down",
        DropReason::User => "user",
        DropReason::Rejected => "rejected",
    }
}

/// A role change's new role and term, from its trace text `n1@1 candidate -> n1@2 leader`.
fn role_change(text: &str) -> Option<(&str, u64)> {
    let (_, after) = text.split_once(" -> ")?;
    let (who, role) = after.split_once(' ')?;
    let (_, term) = who.split_once('@')?;
    Some((role, term.parse().ok()?))
}

/// A lifecycle action's kind and node, from its trace text (`crash n2`, `restart n2`, ...).
fn lifecycle(text: &str) -> Option<(&'static str, u64)> {
    let (verb, node) = text.split_once(' ')?;
    let kind = match verb {
        "crash" => "crash",
        "restart" => "restart",
        "pause" => "pause",
        "resume" => "resume",
        _ => return None,
    };
    let node = node.strip_prefix('n')?.parse().ok()?;
    Some((kind, node))
}

fn mark_of(event: &crate::sim::trace::TraceEvent) -> Option<MarkView> {
    let mark = |node: u64, kind: &str, term, index, text: String| MarkView {
        id: event.id,
        at_ms: event.at_ms.0,
        node,
        kind: kind.to_string(),
        term,
        index,
        text,
    };
    match &event.kind {
        TraceKind::Role { node, text } => match role_change(text)? {
            ("leader", term) => Some(mark(
                node.0,
                "leader",
                Some(term),
                None,
                format!("n{node} became leader of term {term}"),
            )),
            ("candidate", term) => Some(mark(
                node.0,
                "candidate",
                Some(term),
                None,
                format!("n{node} started an election for term {term}"),
            )),
            _ => None,
        },
        TraceKind::Commit { node, index } | TraceKind::Apply { node, index } => Some(mark(
            node.0,
            "commit",
            None,
            Some(*index),
            format!("n{node} knows entries up to {index} are committed"),
        )),
        TraceKind::Action { text } => {
            let (kind, node) = lifecycle(text)?;
            let words = match kind {
                "crash" => "crashed",
                "restart" => "restarted",
                "pause" => "was paused",
                _ => "resumed",
            };
            Some(mark(node, kind, None, None, format!("n{node} {words}")))
        }
        _ => None,
    }
}

fn arrow_of(id: u64, m: &crate::raft::message::Message, sent_ms: u64) -> ArrowView {
    ArrowView {
        id,
        from: m.from.0,
        to: m.to.0,
        kind: m.msg_type.name().to_string(),
        response: m.msg_type.is_response(),
        reject: m.reject,
        term: m.term.0,
        entries: m.entries.len() as u64,
        summary: super::messages::summary(m),
        sent_ms,
        end_ms: None,
        end: "unknown".to_string(),
        reason: None,
        copy_of: None,
    }
}

/// Notes `event`, at `from_ms` or later, in `sent_earlier` when it ends a message that is not
/// an arrow and was sent before the part of the trace read: inside the window every such end
/// is one, after it an id below `first_late_send`, the first message sent after the window
/// (which a send event after `to_ms` sets).
fn note_earlier_end(
    event: &TraceEvent,
    to_ms: u64,
    arrows: &VecMap<u64, ArrowView>,
    first_late_send: &mut Option<u64>,
    sent_earlier: &mut VecMap<u64, (u64, &'static str, Option<DropReason>)>,
) {
    let (message, end, reason) = match &event.kind {
        TraceKind::Send { message, .. } => {
            if event.at_ms.0 > to_ms {
                first_late_send.get_or_insert(*message);
            }
            return;
        }
        TraceKind::Deliver { message, .. } => (message, "delivered", None),
        TraceKind::Drop { message, reason } => (message, "dropped", Some(*reason)),
        _ => return,
    };
    if arrows.contains_key(message) || first_late_send.is_some_and(|first| *message >= first) {
        return;
    }
    sent_earlier.get_or_insert_with(*message, || (event.at_ms.0, end, reason));
}

/// The arrows and marks of `from_ms..=to_ms` (`to_ms` clipped to now), at most `max` of each
/// (and at most [`ARROWS_MAX`]): the newest when there are more.
pub fn build(sim: &Sim, from_ms: u64, to_ms: u64, max: usize) -> SpacetimeView {
    let max = max.min(ARROWS_MAX);
    let now = sim.now_ms().0;
    let to_ms = to_ms.min(now);
    let from_ms = from_ms.min(to_ms);
    let trace = sim.trace();
    let mut arrows: VecMap<u64, ArrowView> = VecMap::new();
    let mut open = 0usize;
    let mut marks: Vec<MarkView> = Vec::new();
    let mut committed: VecMap<u64, u64> = VecMap::new();
    // Messages that ended inside the window or after it but were sent before the part of the
    // trace read (held by the user, then released or dropped): id -> (end ms, end, drop reason).
    let mut sent_earlier: VecMap<u64, (u64, &'static str, Option<DropReason>)> = VecMap::new();
    let horizon = to_ms.saturating_add(LOOKAHEAD_MS);
    let network = sim.network();
    let slowest = network
        .overrides()
        .map(|(_, link)| link.latency_ms_max.0)
        .chain([network.default_link().latency_ms_max.0])
        .max()
        .unwrap_or(0);
    let start = from_ms.saturating_sub(LOOKBACK_MS.saturating_add(slowest));
    // Messages on the wire sent before the part of the trace read.
    for flight in sim.in_flight().values() {
        if flight.sent_ms.0 < start {
            arrows.insert(
                flight.id,
                arrow_of(flight.id, &flight.message, flight.sent_ms.0),
            );
        }
    }
    // Messages sent before `start` and held by the user past the lookback end inside the window
    // or after it (neither on the wire now): `note_earlier_end` finds their ends, the second
    // pass below their sends. Message ids are given in send order, so after the window an id
    // below the first one sent after it, not among the arrows, was sent before `start`.
    let mut first_late_send: Option<u64> = None;
    let mut events = trace.events_from_ms(TimeMs(start));
    for event in events.by_ref() {
        let at = event.at_ms.0;
        if at >= from_ms {
            note_earlier_end(
                event,
                to_ms,
                &arrows,
                &mut first_late_send,
                &mut sent_earlier,
            );
        }
        if at > to_ms && (at > horizon || open == 0) {
            break;
        }
        match &event.kind {
            TraceKind::Send {
                message,
                from,
                to,
                summary,
            } if at <= to_ms => {
                let Some(m) = summary.message() else { continue };
                let mut arrow = arrow_of(*message, m, at);
                (arrow.from, arrow.to) = (from.0, to.0);
                arrows.insert(*message, arrow);
                open += 1;
            }
            TraceKind::Duplicate { message, copy } => {
                if let Some(original) = arrows.get(message) {
                    let mut arrow = original.clone();
                    arrow.id = *copy;
                    arrow.copy_of = Some(*message);
                    arrow.end_ms = None;
                    arrow.end = "unknown".to_string();
                    arrow.reason = None;
                    arrows.insert(*copy, arrow);
                    open += 1;
                }
            }
            TraceKind::Deliver { message, .. } => {
                if let Some(arrow) = arrows.get_mut(message)
                    && arrow.end_ms.is_none()
                {
                    arrow.end_ms = Some(at);
                    arrow.end = "delivered".to_string();
                    open = open.saturating_sub(1);
                }
            }
            TraceKind::Drop { message, reason } => {
                if let Some(arrow) = arrows.get_mut(message)
                    && arrow.end_ms.is_none()
                {
                    arrow.end_ms = Some(at);
                    arrow.end = "dropped".to_string();
                    arrow.reason = Some(reason_name(*reason).to_string());
                    open = open.saturating_sub(1);
                }
            }
            _ => {}
        }
        if at <= to_ms
            && let Some(mark) = mark_of(event)
        {
            // A commit shows once per node and index: the trace has a commit event where the
            // commit index moves in a Ready, and an apply event once committed entries are
            // applied (the leader learns of a commit while stepping an answer, so only its
            // apply shows it).
            if let Some(index) = mark.index {
                let known = committed.get_or_insert_with(mark.node, || 0);
                if index <= *known {
                    continue;
                }
                *known = index;
            }
            if mark.kind == "restart" {
                // A restarted node learns its commit index again.
                committed.remove(&mark.node);
            }
            if at >= from_ms {
                marks.push(mark);
            }
        }
    }
    // The rest of the trace, for the late ends of messages sent before `start` (only a window
    // in the past has a rest: one pass over the newer events, reading message ids).
    for event in events {
        note_earlier_end(
            event,
            to_ms,
            &arrows,
            &mut first_late_send,
            &mut sent_earlier,
        );
    }
    if !sent_earlier.is_empty() {
        for event in trace.events().take_while(|e| e.at_ms.0 < start) {
            if let TraceKind::Send {
                message,
                from,
                to,
                summary,
            } = &event.kind
                && let Some((end_ms, end, reason)) = sent_earlier.remove(message)
                && let Some(m) = summary.message()
            {
                let mut arrow = arrow_of(*message, m, event.at_ms.0);
                (arrow.from, arrow.to) = (from.0, to.0);
                arrow.end_ms = Some(end_ms);
                arrow.end = end.to_string();
                arrow.reason = reason.map(|r| reason_name(r).to_string());
                arrows.insert(*message, arrow);
                if sent_earlier.is_empty() {
                    break;
                }
            }
        }
    }
    // Messages still on the wire: their arrow runs to when they are due.
    for (id, flight) in sim.in_flight() {
        if let Some(arrow) = arrows.get_mut(id)
            && arrow.end_ms.is_none()
        {
            arrow.end_ms = Some(flight.due_ms.0);
            arrow.end = if flight.held { "held" } else { "in-flight" }.to_string();
        }
    }
    let mut arrows: Vec<ArrowView> = arrows
        .into_values()
        // A held message is on the wire until now, whenever it was due.
        .filter(|a| a.end == "held" || a.end_ms.is_none_or(|end| end >= from_ms))
        .collect();
    let arrows_total = arrows.len() as u64;
    if arrows.len() > max {
        arrows.drain(..arrows.len() - max);
    }
    let marks_total = marks.len() as u64;
    if marks.len() > max {
        marks.drain(..marks.len() - max);
    }
    SpacetimeView {
        from_ms,
        to_ms,
        now_ms: now,
        trace_start_ms: (trace.dropped_len() > 0)
            .then(|| trace.events().next().map(|e| e.at_ms.0))
            .flatten(),
        nodes: sim.nodes().keys().map(|id: &NodeId| id.0).collect(),
        arrows,
        arrows_total,
        marks,
        marks_total,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_and_action_texts_parse() {
        assert_eq!(
            role_change("n1@1 candidate -> n1@2 leader"),
            Some(("leader", 2))
        );
        assert_eq!(
            role_change("n3@0 follower -> n3@1 pre-candidate"),
            Some(("pre-candidate", 1))
        );
        assert_eq!(role_change("n1 applied config voters=(1 2 3)"), None);
        assert_eq!(lifecycle("crash n2"), Some(("crash", 2)));
        assert_eq!(lifecycle("restart n12"), Some(("restart", 12)));
        assert_eq!(lifecycle("drop m3"), None);
        assert_eq!(lifecycle("client c1 -> n1: put a b"), None);
    }
}
