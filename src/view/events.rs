//! The newest trace events, each as one sentence in plain words (the page's event log and its
//! screen-reader narration).

use crate::raft::types::NodeId;
use crate::sim::cluster::Sim;
use crate::sim::trace::{DropReason, TraceEvent, TraceKind};
use serde::{Deserialize, Serialize};

/// One trace event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventView {
    /// Stable id: its position in the whole trace.
    pub id: u64,
    /// Virtual time (ms).
    pub at_ms: u64,
    /// The trace kind: `action`, `send`, `deliver`, `drop`, `duplicate`, `role`, `persist`,
    /// `commit`, `apply`, `snapshot`, `read`, `note` or `violation`.
    pub kind: String,
    /// The node it is about, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<u64>,
    /// What happened, in plain words.
    pub text: String,
}

/// The newest `max` events, oldest first (empty when the run does not record its trace).
pub fn build(sim: &Sim, max: usize) -> Vec<EventView> {
    let mut events: Vec<EventView> = sim.trace().events().rev().take(max).map(view).collect();
    events.reverse();
    events
}

fn node(id: NodeId) -> Option<u64> {
    (id != NodeId::NONE).then_some(id.0)
}

fn view(event: &TraceEvent) -> EventView {
    let (kind, node, text) = match &event.kind {
        TraceKind::Action { text } => ("action", None, format!("you: {text}")),
        TraceKind::Send {
            message,
            from,
            to,
            summary,
        } => (
            "send",
            node(*from),
            format!("n{from} sent message m{message} to n{to}: {summary}"),
        ),
        TraceKind::Deliver { message, to } => (
            "deliver",
            node(*to),
            format!("message m{message} arrived at n{to}"),
        ),
        TraceKind::Drop { message, reason } => {
            let why = match reason {
                DropReason::LinkDown => "the link was cut",
                DropReason::Loss => "the link lost it",
                DropReason::NodeDown => "its recipient was down",
                DropReason::User => "you dropped it",
                DropReason::Rejected => "its recipient refused it as malformed",
            };
            ("drop", None, format!("message m{message} was lost: {why}"))
        }
        TraceKind::Duplicate { message, copy } => (
            "duplicate",
            None,
            format!("the network delivers message m{message} twice (copy m{copy})"),
        ),
        TraceKind::Role { node: id, text } => ("role", node(*id), text.clone()),
        TraceKind::Persist {
            node: id,
            term,
            vote,
            first,
            last,
        } => {
            let mut text = format!("n{id} wrote term {term}");
            if *vote != 0 {
                text.push_str(&format!(", vote for n{vote}"));
            }
            if last >= first && *last > 0 {
                text.push_str(&format!(", entries {first} to {last}"));
            }
            ("persist", node(*id), format!("{text} to disk"))
        }
        TraceKind::Commit { node: id, index } => (
            "commit",
            node(*id),
            format!("n{id} knows entries up to {index} are committed"),
        ),
        TraceKind::Apply { node: id, index } => (
            "apply",
            node(*id),
            format!("n{id} applied entries up to {index}"),
        ),
        TraceKind::Snapshot { node: id, index } => (
            "snapshot",
            node(*id),
            format!("n{id} has a snapshot up to entry {index}"),
        ),
        TraceKind::Read { node: id, index } => (
            "read",
            node(*id),
            format!("n{id} may serve a read once it applied entry {index}"),
        ),
        TraceKind::Note { node: id, text } => match node(*id) {
            Some(n) => ("note", Some(n), format!("n{n}: {text}")),
            None => ("note", None, text.clone()),
        },
        TraceKind::Violation { invariant } => {
            ("violation", None, format!("safety violation: {invariant}"))
        }
    };
    EventView {
        id: event.id,
        at_ms: event.at_ms.0,
        kind: kind.to_string(),
        node,
        text,
    }
}
