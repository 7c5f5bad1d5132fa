//! The trace: every observable thing that happened in a run, as structured events with stable
//! ids. Its text form is what determinism tests compare byte for byte, and what the page's
//! space-time diagram and event log draw.

use crate::sim::queue::TimeMs;
use serde::Serialize;
use std::fmt;

/// Why a message did not arrive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DropReason {
    /// The link was cut when it was sent.
    LinkDown,
    /// The link lost it at random.
    Loss,
    /// The recipient was down when it arrived.
    NodeDown,
    /// A user dropped it.
    User,
    /// The recipient refused it as malformed.
    Rejected,
}

/// What happened.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum TraceKind {
    /// A user action took effect.
    Action { text: String },
    /// A message left `from` (message ids are stable: assigned in send order).
    Send {
        message: u64,
        from: u64,
        to: u64,
        summary: String,
    },
    /// A message arrived at `to`.
    Deliver { message: u64, to: u64 },
    /// A message was lost.
    Drop { message: u64, reason: DropReason },
    /// The network delivered a second copy of a message.
    Duplicate { message: u64, copy: u64 },
    /// A node's role or term changed.
    Role { node: u64, text: String },
    /// A node made state durable.
    Persist {
        node: u64,
        term: u64,
        vote: u64,
        first: u64,
        last: u64,
    },
    /// A node's commit index advanced.
    Commit { node: u64, index: u64 },
    /// A node applied entries up to `index`.
    Apply { node: u64, index: u64 },
    /// A node installed or took a snapshot at `index`.
    Snapshot { node: u64, index: u64 },
    /// A read became servable at a node.
    Read { node: u64, index: u64 },
    /// Something a node said (config changes, refused votes, refused proposals).
    Note { node: u64, text: String },
    /// A safety monitor fired.
    Violation { invariant: String },
}

/// One event of the trace.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct TraceEvent {
    /// Stable id: the event's position in the trace.
    pub id: u64,
    /// Virtual time.
    pub at_ms: TimeMs,
    /// What happened.
    #[serde(flatten)]
    pub kind: TraceKind,
}

impl fmt::Display for TraceEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{} {}ms ", self.id, self.at_ms)?;
        match &self.kind {
            TraceKind::Action { text } => write!(f, "action {text}"),
            TraceKind::Send {
                message, summary, ..
            } => write!(f, "send m{message} {summary}"),
            TraceKind::Deliver { message, to } => write!(f, "deliver m{message} to n{to}"),
            TraceKind::Drop { message, reason } => write!(f, "drop m{message} ({reason:?})"),
            TraceKind::Duplicate { message, copy } => write!(f, "duplicate m{message} as m{copy}"),
            TraceKind::Role { text, .. } => write!(f, "role {text}"),
            TraceKind::Persist {
                node,
                term,
                vote,
                first,
                last,
            } => {
                write!(f, "persist n{node} term={term} vote={vote}")?;
                if last >= first && *last > 0 {
                    write!(f, " entries={first}..{last}")?;
                }
                Ok(())
            }
            TraceKind::Commit { node, index } => write!(f, "commit n{node} {index}"),
            TraceKind::Apply { node, index } => write!(f, "apply n{node} {index}"),
            TraceKind::Snapshot { node, index } => write!(f, "snapshot n{node} {index}"),
            TraceKind::Read { node, index } => write!(f, "read n{node} index={index}"),
            TraceKind::Note { node, text } => write!(f, "note n{node} {text}"),
            TraceKind::Violation { invariant } => write!(f, "VIOLATION {invariant}"),
        }
    }
}

/// The trace of a run. Recording can be switched off for fast randomized runs; ids keep
/// counting either way, so event ids mean the same with and without recording.
#[derive(Clone, Debug, Default)]
pub struct Trace {
    events: Vec<TraceEvent>,
    next_id: u64,
    recording: bool,
}

impl Trace {
    /// A trace that records events when `recording` is true.
    pub fn new(recording: bool) -> Trace {
        Trace {
            events: Vec::new(),
            next_id: 0,
            recording,
        }
    }

    /// Whether events are kept (callers skip building expensive summaries otherwise).
    pub fn is_recording(&self) -> bool {
        self.recording
    }

    /// Appends an event and returns its id.
    pub fn push(&mut self, at_ms: TimeMs, kind: TraceKind) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        if self.recording {
            self.events.push(TraceEvent { id, at_ms, kind });
        }
        id
    }

    /// The id the next event will get.
    pub fn next_id(&self) -> u64 {
        self.next_id
    }

    /// The recorded events.
    pub fn events(&self) -> &[TraceEvent] {
        &self.events
    }

    /// The whole trace as text, one event per line.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for event in &self.events {
            out.push_str(&event.to_string());
            out.push('\n');
        }
        out
    }
}
