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
            // Only the start of a long summary can show (see `shortened`): it is not written
            // whole (a message with many entries describes each one).
            bounded(format_args!(
                "n{from} sent message m{message} to n{to}: {summary}"
            )),
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
        text: shortened(text),
    }
}

/// Longest event text in the view, in characters. A sentence is shorter; what is longer is a
/// message carrying many entries, whose full text (the trace's, for `raftlab run`'s `trace`)
/// would make the page copy and parse kilobytes per event every frame for a line the event
/// log cuts anyway.
pub const TEXT_MAX: usize = 200;

/// `args` written out, but only its first [`TEXT_MAX`] characters and one more (so that
/// [`shortened`] still sees it was longer): writing stops there.
fn bounded(args: std::fmt::Arguments) -> String {
    /// A string that refuses more than `room` further characters.
    struct Bounded {
        text: String,
        room: usize,
    }
    impl std::fmt::Write for Bounded {
        fn write_str(&mut self, part: &str) -> std::fmt::Result {
            match part.char_indices().nth(self.room) {
                Some((at, _)) => {
                    self.text.push_str(&part[..at]);
                    self.room = 0;
                    Err(std::fmt::Error)
                }
                None => {
                    self.text.push_str(part);
                    self.room -= part.chars().count();
                    Ok(())
                }
            }
        }
    }
    let mut out = Bounded {
        text: String::new(),
        room: TEXT_MAX + 1,
    };
    // An error here only means the text was cut.
    let _ = std::fmt::Write::write_fmt(&mut out, args);
    out.text
}

/// `text`, cut to [`TEXT_MAX`] characters with an ellipsis.
fn shortened(mut text: String) -> String {
    if let Some((at, _)) = text.char_indices().nth(TEXT_MAX) {
        text.truncate(at);
        text.push('…');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_texts_are_cut_to_the_maximum_with_an_ellipsis() {
        assert_eq!(shortened("short".to_string()), "short");
        let exact = "é".repeat(TEXT_MAX);
        assert_eq!(shortened(exact.clone()), exact, "at the maximum: whole");
        let long = format!("{exact}xyz");
        let cut = shortened(long);
        assert_eq!(cut.chars().count(), TEXT_MAX + 1);
        assert!(cut.ends_with("é…"), "cut on a character boundary");
    }

    #[test]
    fn a_bounded_text_stops_one_character_past_the_maximum() {
        assert_eq!(bounded(format_args!("n{} says {}", 1, "hi")), "n1 says hi");
        let long = "é".repeat(TEXT_MAX * 3);
        let written = bounded(format_args!("n1 sent message m1 to n2: {long}"));
        assert_eq!(written.chars().count(), TEXT_MAX + 1);
        let text = shortened(written);
        assert_eq!(text.chars().count(), TEXT_MAX + 1);
        assert!(text.starts_with("n1 sent message m1 to n2: éé"));
        assert!(text.ends_with("é…"));
        let exact = "x".repeat(TEXT_MAX);
        assert_eq!(
            shortened(bounded(format_args!("{exact}"))),
            exact,
            "at the maximum: whole"
        );
    }
}
