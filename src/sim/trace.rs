//! The trace: every observable thing that happened in a run, as structured events with stable
//! ids. Its text form is what determinism tests compare byte for byte, and what the page's
//! space-time diagram and event log draw.

use crate::raft::text::{TextSink, write_debug_lossy, write_u64};
use crate::raft::types::NodeId;
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

/// The one-line description of a sent message (`describe_message`), kept as the message
/// itself and written out only when the text is read (the trace's text and hash, the page's
/// event log): formatting every message as it was sent was the largest cost of a run, and most
/// events leave the window, or the run, without being read. It compares, hashes and
/// serializes as its text, exactly like the string it replaces. A snapshot's data is left out
/// (the description names only its index, term and configuration).
#[derive(Clone, Debug, Default)]
pub struct SendSummary(Option<std::sync::Arc<crate::raft::message::Message>>);

impl SendSummary {
    /// The summary of `message`: the message itself, shared with the wire (its copy on the
    /// wire and this record were two allocations and a copy of its entries per message). A
    /// snapshot message is kept as a copy without the snapshot's data, which the trace would
    /// otherwise hold for as long as the event stays in its window.
    pub fn of(message: &std::sync::Arc<crate::raft::message::Message>) -> SendSummary {
        let Some(snapshot) = &message.snapshot else {
            return SendSummary(Some(std::sync::Arc::clone(message)));
        };
        let kept = crate::raft::message::Message {
            snapshot: Some(Box::new(crate::raft::message::Snapshot {
                data: std::sync::Arc::default(),
                metadata: snapshot.metadata.clone(),
            })),
            ..crate::raft::message::Message::clone(message)
        };
        SendSummary(Some(std::sync::Arc::new(kept)))
    }

    /// The message as sent (without a snapshot's data); `None` for [`SendSummary::default`]
    /// (a run that does not record its trace).
    pub fn message(&self) -> Option<&crate::raft::message::Message> {
        self.0.as_deref()
    }

    /// The text: `describe_message` of the message (empty for [`SendSummary::default`]).
    pub fn text(&self) -> String {
        self.0
            .as_deref()
            .map(crate::raft::message::describe_message)
            .unwrap_or_default()
    }
}

impl fmt::Display for SendSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.as_deref() {
            Some(message) => crate::raft::message::write_message(f, message),
            None => Ok(()),
        }
    }
}

impl PartialEq for SendSummary {
    fn eq(&self, other: &SendSummary) -> bool {
        self.text() == other.text()
    }
}

impl Eq for SendSummary {}

impl std::hash::Hash for SendSummary {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.text().hash(state);
    }
}

impl Serialize for SendSummary {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text())
    }
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
        from: NodeId,
        to: NodeId,
        summary: SendSummary,
    },
    /// A message arrived at `to`.
    Deliver { message: u64, to: NodeId },
    /// A message was lost.
    Drop { message: u64, reason: DropReason },
    /// The network delivered a second copy of a message.
    Duplicate { message: u64, copy: u64 },
    /// A node's role or term changed.
    Role { node: NodeId, text: String },
    /// A node made state durable.
    Persist {
        node: NodeId,
        term: u64,
        vote: u64,
        first: u64,
        last: u64,
    },
    /// A node's commit index advanced.
    Commit { node: NodeId, index: u64 },
    /// A node applied entries up to `index`.
    Apply { node: NodeId, index: u64 },
    /// A node installed or took a snapshot at `index`.
    Snapshot { node: NodeId, index: u64 },
    /// A read became servable at a node.
    Read { node: NodeId, index: u64 },
    /// Something a node said (config changes, refused votes, refused proposals).
    Note { node: NodeId, text: String },
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
        write_event(f, self)
    }
}

/// An event's text (its `Display`), written with `write_u64` and `write_str` rather than
/// `write!` (see `raft::text`), and generic over the writer so that the trace hash's writer is
/// called directly: every event's text is hashed.
fn write_event<W: TextSink>(f: &mut W, event: &TraceEvent) -> fmt::Result {
    {
        f.write_char('#')?;
        write_u64(f, event.id)?;
        f.write_char(' ')?;
        write_u64(f, event.at_ms.0)?;
        f.write_str("ms ")?;
        match &event.kind {
            TraceKind::Action { text } => {
                f.write_str("action ")?;
                f.write_str(text)
            }
            TraceKind::Send {
                message, summary, ..
            } => {
                f.write_str("send m")?;
                write_u64(f, *message)?;
                f.write_char(' ')?;
                match summary.message() {
                    Some(message) => crate::raft::message::write_message(f, message),
                    None => Ok(()),
                }
            }
            TraceKind::Deliver { message, to } => {
                f.write_str("deliver m")?;
                write_u64(f, *message)?;
                f.write_str(" to n")?;
                write_u64(f, to.0)
            }
            TraceKind::Drop { message, reason } => write!(f, "drop m{message} ({reason:?})"),
            TraceKind::Duplicate { message, copy } => {
                f.write_str("duplicate m")?;
                write_u64(f, *message)?;
                f.write_str(" as m")?;
                write_u64(f, *copy)
            }
            TraceKind::Role { text, .. } => {
                f.write_str("role ")?;
                f.write_str(text)
            }
            TraceKind::Persist {
                node,
                term,
                vote,
                first,
                last,
            } => {
                f.write_str("persist n")?;
                write_u64(f, node.0)?;
                f.write_str(" term=")?;
                write_u64(f, *term)?;
                f.write_str(" vote=")?;
                write_u64(f, *vote)?;
                if last >= first && *last > 0 {
                    f.write_str(" entries=")?;
                    write_u64(f, *first)?;
                    f.write_str("..")?;
                    write_u64(f, *last)?;
                }
                Ok(())
            }
            TraceKind::Commit { node, index } => node_index(f, "commit n", *node, " ", *index),
            TraceKind::Apply { node, index } => node_index(f, "apply n", *node, " ", *index),
            TraceKind::Snapshot { node, index } => node_index(f, "snapshot n", *node, " ", *index),
            TraceKind::Read { node, index } => node_index(f, "read n", *node, " index=", *index),
            TraceKind::Note { node, text } => {
                f.write_str("note n")?;
                write_u64(f, node.0)?;
                f.write_char(' ')?;
                f.write_str(text)
            }
            TraceKind::Violation { invariant } => {
                f.write_str("VIOLATION ")?;
                f.write_str(invariant)
            }
        }
    }
}

/// `{before}{node}{between}{index}`, the shape of the commit, apply, snapshot and read events.
fn node_index<W: fmt::Write>(
    f: &mut W,
    before: &str,
    node: NodeId,
    between: &str,
    index: u64,
) -> fmt::Result {
    f.write_str(before)?;
    write_u64(f, node.0)?;
    f.write_str(between)?;
    write_u64(f, index)
}

/// Events per shared chunk of the trace window: a clone of the trace (a timeline checkpoint)
/// shares every full chunk and copies at most one partial chunk.
const CHUNK_EVENTS: usize = 256;

/// FNV-1a's offset basis and prime: the trace hash is FNV-1a over the trace's text, fed one
/// event at a time, so it can cover events that already left the window.
const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

fn fnv_feed(mut hash: u64, bytes: &[u8]) -> u64 {
    for &byte in bytes {
        hash = (hash ^ u64::from(byte)).wrapping_mul(FNV_PRIME);
    }
    hash
}

/// Feeds the text of `events`, each followed by its line break, into the FNV-1a state `hash`:
/// the same bytes as `event.to_string()` per event, formatted straight into the hash without
/// building a string.
fn fnv_feed_events<'a>(hash: u64, events: impl IntoIterator<Item = &'a TraceEvent>) -> u64 {
    let mut feed = FnvFeed {
        hash,
        entries: Vec::new(),
    };
    for event in events {
        // Feeding the hash cannot fail.
        let _ = write_event(&mut feed, event);
        feed.hash = fnv_feed(feed.hash, b"\n");
    }
    feed.hash
}

/// Entry texts an [`FnvFeed`] remembers: a proposal and its appends to every follower are a
/// few events apart.
const ENTRY_TEXTS: usize = 8;

/// A `fmt::Write` that feeds FNV-1a. `write_char` is its own: `fmt::Write`'s default encodes
/// the character into a buffer and loops over it, and the numbers of the text are written a
/// digit at a time (`write_u64`), which made the default about half of the hashing's cost.
/// It keeps the text of the last [`ENTRY_TEXTS`] entries it wrote (see [`TextSink`]).
struct FnvFeed {
    hash: u64,
    /// (an entry's data, its text). Holding the data keeps its allocation alive, so no other
    /// data can be found at its address.
    entries: Vec<(std::sync::Arc<[u8]>, String)>,
}

impl fmt::Write for FnvFeed {
    #[inline]
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.hash = fnv_feed(self.hash, s.as_bytes());
        Ok(())
    }

    #[inline]
    fn write_char(&mut self, c: char) -> fmt::Result {
        match u8::try_from(c) {
            Ok(byte) if byte.is_ascii() => self.hash = fnv_feed(self.hash, &[byte]),
            _ => self.hash = fnv_feed(self.hash, c.encode_utf8(&mut [0; 4]).as_bytes()),
        }
        Ok(())
    }
}

impl TextSink for FnvFeed {
    fn write_entry_data(&mut self, data: &std::sync::Arc<[u8]>) -> fmt::Result {
        let seen = self
            .entries
            .iter()
            .find(|(seen, _)| std::sync::Arc::ptr_eq(seen, data));
        if let Some((_, text)) = seen {
            self.hash = fnv_feed(self.hash, text.as_bytes());
            return Ok(());
        }
        let mut text = String::with_capacity(data.len() + 16);
        write_debug_lossy(&mut text, data)?;
        self.hash = fnv_feed(self.hash, text.as_bytes());
        if self.entries.len() == ENTRY_TEXTS {
            self.entries.remove(0);
        }
        self.entries.push((std::sync::Arc::clone(data), text));
        Ok(())
    }
}

/// The trace of a run. Recording can be switched off for fast randomized runs; ids keep
/// counting either way, so event ids mean the same with and without recording.
///
/// Only the last `window` recorded events stay in memory (0 = all), in shared chunks, so a long
/// run's trace costs memory for the window, not for the run. Full chunks (whose events never
/// change) are folded into a running FNV-1a hash of the trace's text, so [`Trace::text_hash`]
/// is the hash of the whole trace, exactly as if every event were kept. The folding is lazy:
/// a chunk is folded before it leaves the window (or [`Trace::keep_last`] drops it), when
/// [`Trace::fold_full_chunks`] is called, or never, when the trace is dropped first. A timeline
/// seek replays thousands of events into a trace that the next seek throws away: formatting
/// them for the hash as they filled chunks was a seventh of a seek's instructions (callgrind).
#[derive(Clone, Debug)]
pub struct Trace {
    chunks: std::collections::VecDeque<std::sync::Arc<Vec<TraceEvent>>>,
    kept: usize,
    next_id: u64,
    recording: bool,
    window: usize,
    /// Recorded events that left the window.
    dropped: u64,
    /// FNV-1a state over the text of every event in a folded chunk: every chunk that left the
    /// window, and the window's full chunks but the newest `unfolded`.
    sealed_hash: u64,
    /// How many of the window's newest full chunks are not in `sealed_hash` yet.
    unfolded: usize,
    /// Whether the text hash is kept ([`Trace::stop_hashing`]): when not, no event is ever
    /// formatted for it and [`Trace::text_hash`] has no answer.
    hashing: bool,
    /// Notes pushed so far, recorded or not ([`Trace::notes_pushed`]).
    notes: u64,
}

impl Default for Trace {
    fn default() -> Self {
        Trace::new(false)
    }
}

impl Trace {
    /// A trace that records (and keeps all) events when `recording` is true.
    pub fn new(recording: bool) -> Trace {
        Trace::with_window(recording, 0)
    }

    /// A trace that keeps the last `window` recorded events in memory (0 = all).
    pub fn with_window(recording: bool, window: u64) -> Trace {
        Trace {
            chunks: std::collections::VecDeque::new(),
            kept: 0,
            next_id: 0,
            recording,
            window: usize::try_from(window).unwrap_or(usize::MAX),
            dropped: 0,
            sealed_hash: FNV_OFFSET,
            unfolded: 0,
            hashing: true,
            notes: 0,
        }
    }

    /// Stops keeping the text hash: events leave the window without being hashed, and
    /// [`Trace::text_hash`] is `None` from now on. For a run whose trace hash nobody reads (the
    /// page's timeline: the page shows the state hash, and the `trace-hash` command belongs to
    /// scripts): formatting every event's text into the hash was a tenth of the page's step
    /// (callgrind), and it is the same text the views format again for the few events they
    /// show. Nothing else changes: the events, their ids and every other hash stay the same.
    pub fn stop_hashing(&mut self) {
        self.hashing = false;
        self.unfolded = 0;
    }

    /// Whether events are kept (callers skip building expensive summaries otherwise).
    pub fn is_recording(&self) -> bool {
        self.recording
    }

    /// Appends an event and returns its id.
    pub fn push(&mut self, at_ms: TimeMs, kind: TraceKind) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        if matches!(kind, TraceKind::Note { .. }) {
            self.notes += 1;
        }
        if self.recording {
            let event = TraceEvent { id, at_ms, kind };
            match self.chunks.back_mut() {
                Some(last) if last.len() < CHUNK_EVENTS => {
                    std::sync::Arc::make_mut(last).push(event);
                }
                _ => {
                    let mut chunk = Vec::with_capacity(CHUNK_EVENTS);
                    chunk.push(event);
                    self.chunks.push_back(std::sync::Arc::new(chunk));
                }
            }
            self.kept += 1;
            if self.hashing
                && self
                    .chunks
                    .back()
                    .is_some_and(|last| last.len() == CHUNK_EVENTS)
            {
                self.unfolded += 1;
            }
            self.evict();
        }
        id
    }

    /// Drops whole chunks from the front while the rest still holds `window` events.
    fn evict(&mut self) {
        if self.window != 0 {
            self.keep_last(self.window);
        }
    }

    /// Drops whole chunks from the front while the rest still holds `events` events: at least
    /// the last `events` stay, at most a chunk more. The hash of the whole trace is unchanged
    /// (the full chunks not yet in it are folded in before any leaves). A timeline checkpoint keeps a short tail this way: the
    /// events before it come back by replay, and a checkpoint costs memory for its own state,
    /// not for its trace window.
    pub fn keep_last(&mut self, events: usize) {
        while let Some(front) = self.chunks.front()
            && self.chunks.len() > 1
            && self.kept - front.len() >= events
        {
            if self.unfolded > 0 {
                self.fold_full_chunks();
                continue;
            }
            self.kept -= front.len();
            self.dropped += front.len() as u64;
            self.chunks.pop_front();
        }
    }

    /// Gives this trace its own copy of a partial last chunk, exactly as long as its events. A
    /// timeline checkpoint's tail is made so: the run goes on filling the chunk it shared
    /// with the copy, and would copy it at its next event anyway (with room for a whole chunk),
    /// while the checkpoint kept the original with room for events it never gets (a quarter
    /// of what its tail held on average). Events, ids and the hash are unchanged.
    pub fn trim_partial_last_chunk(&mut self) {
        if let Some(last) = self.chunks.back_mut()
            && last.len() < CHUNK_EVENTS
        {
            *last = std::sync::Arc::new(last.as_slice().to_vec());
        }
    }

    /// Folds the window's full chunks that are not yet in the hash into it, oldest first. The
    /// hash is the same whenever this runs; a timeline calls it before keeping a checkpoint,
    /// so that the run and the checkpoint do not each fold the same chunks later.
    pub fn fold_full_chunks(&mut self) {
        let (first, full) = self.unfolded_chunks();
        self.sealed_hash = fnv_feed_events(
            self.sealed_hash,
            self.chunks
                .range(first..full)
                .flat_map(|chunk| chunk.iter()),
        );
        self.unfolded = 0;
    }

    /// The window's full chunks not yet in `sealed_hash`, as the range `first..full` of chunk
    /// positions (`full`: every chunk but a partial last one).
    fn unfolded_chunks(&self) -> (usize, usize) {
        let partial = self
            .chunks
            .back()
            .is_some_and(|last| last.len() < CHUNK_EVENTS);
        let full = self.chunks.len() - usize::from(partial);
        (full - self.unfolded.min(full), full)
    }

    /// The id the next event will get.
    pub fn next_id(&self) -> u64 {
        self.next_id
    }

    /// How many notes were ever pushed (like [`Trace::next_id`], not only the kept ones): the
    /// timeline looks for a client's answer among a step's events only when a note came, not
    /// through every event of every step.
    pub fn notes_pushed(&self) -> u64 {
        self.notes
    }

    /// The recorded events still in the window, oldest first.
    pub fn events(&self) -> impl DoubleEndedIterator<Item = &TraceEvent> {
        self.chunks.iter().flat_map(|chunk| chunk.iter())
    }

    /// The recorded events in the window with an id at or above `id`, oldest first. The
    /// timeline asks for the newest events after every step: a scan from the window's start
    /// cost about 8% of a recorded run's instructions.
    pub fn events_from(&self, id: u64) -> impl Iterator<Item = &TraceEvent> {
        let (skip, first) = self
            .newest_from(id)
            .unwrap_or_else(|| self.prefix_end(|e| e.id < id));
        self.events_starting(skip, first)
    }

    /// [`Trace::events_from`]'s start when `id` is in the newest chunk and sits where the ids
    /// say (each event's id is its place in the trace): the timeline asks for the events of the
    /// last step after every step, and the binary search over the window's chunks was most of
    /// that. None sends the caller to the search, which gives the same answer.
    fn newest_from(&self, id: u64) -> Option<(usize, &[TraceEvent])> {
        let newest = self.chunks.back()?;
        let at = usize::try_from(id.checked_sub(newest.first()?.id)?).ok()?;
        let fits = match at.checked_sub(1) {
            None => true,
            Some(before) => newest.get(before).is_some_and(|e| e.id < id),
        };
        let starts_here = newest.get(at).is_none_or(|e| e.id >= id);
        (fits && starts_here).then(|| (self.chunks.len() - 1, newest.get(at..).unwrap_or(&[])))
    }

    /// The recorded events in the window at or after virtual time `ms`, oldest first, so
    /// reading a short stretch of a long trace costs the stretch, not the trace.
    pub fn events_from_ms(&self, ms: TimeMs) -> impl Iterator<Item = &TraceEvent> {
        self.events_after_prefix(move |e| e.at_ms < ms)
    }

    /// The window's events after its longest prefix that satisfies `before`, found by binary
    /// search over the chunks and then within one: `before` must hold for a prefix of the
    /// events in order (ids and times only grow). The iterator starts at the found event
    /// itself (a slice of its chunk): skipping to it through the chained chunks walked every
    /// event before it in its chunk, half a chunk on average, and the timeline reads the few
    /// newest events this way after every step.
    fn events_after_prefix(
        &self,
        before: impl Fn(&TraceEvent) -> bool,
    ) -> impl Iterator<Item = &TraceEvent> {
        let (skip, first) = self.prefix_end(before);
        self.events_starting(skip, first)
    }

    /// Where [`Trace::events_after_prefix`] starts: the chunk (by place in the window) and the
    /// part of it after the prefix.
    fn prefix_end(&self, before: impl Fn(&TraceEvent) -> bool) -> (usize, &[TraceEvent]) {
        let skip = self
            .chunks
            .partition_point(|chunk| chunk.last().is_some_and(&before));
        let first: &[TraceEvent] = self
            .chunks
            .get(skip)
            .and_then(|chunk| chunk.get(chunk.partition_point(&before)..))
            .unwrap_or(&[]);
        (skip, first)
    }

    /// The events of `first` (part of chunk `skip`), then those of every later chunk.
    fn events_starting<'a>(
        &'a self,
        skip: usize,
        first: &'a [TraceEvent],
    ) -> impl Iterator<Item = &'a TraceEvent> {
        first.iter().chain(
            self.chunks
                .iter()
                .skip(skip + 1)
                .flat_map(|chunk| chunk.iter()),
        )
    }

    /// Number of recorded events in the window.
    pub fn kept_len(&self) -> usize {
        self.kept
    }

    /// Number of events recorded over the whole run (in the window or not).
    pub fn recorded_len(&self) -> u64 {
        self.dropped + self.kept as u64
    }

    /// Number of recorded events that left the window.
    pub fn dropped_len(&self) -> u64 {
        self.dropped
    }

    /// The hash of the whole trace's text ([`Trace::to_text`] as if no event had left the
    /// window): equal to `stable_hash` of that text, which is what the goldens pin. `None`
    /// once [`Trace::stop_hashing`] was called.
    pub fn text_hash(&self) -> Option<u64> {
        if !self.hashing {
            return None;
        }
        let (first, _) = self.unfolded_chunks();
        // The unfolded full chunks, then the partial one: every event not yet in the hash.
        let hash = fnv_feed_events(
            self.sealed_hash,
            self.chunks.range(first..).flat_map(|chunk| chunk.iter()),
        );
        // `str`'s `Hash` ends with 0xff.
        Some(fnv_feed(hash, &[0xff]))
    }

    /// The events in the window as text, one event per line.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for event in self.events() {
            out.push_str(&event.to_string());
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::hash::stable_hash;

    fn fill(trace: &mut Trace, n: u64) {
        for i in 0..n {
            trace.push(
                TimeMs(i * 3),
                TraceKind::Commit {
                    node: NodeId(i % 5),
                    index: i,
                },
            );
        }
    }

    #[test]
    fn a_send_summary_compares_and_hashes_as_its_text() {
        use crate::raft::message::{Message, MessageType};
        let heartbeat = Message {
            msg_type: MessageType::MsgHeartbeat,
            from: NodeId(1),
            to: NodeId(2),
            term: crate::raft::types::Term(3),
            ..Message::default()
        };
        let other_term = Message {
            term: crate::raft::types::Term(4),
            ..heartbeat.clone()
        };
        let a = SendSummary::of(&std::sync::Arc::new(heartbeat.clone()));
        let text = crate::raft::message::describe_message(&heartbeat);
        assert_eq!(a.text(), text);
        assert_eq!(a.to_string(), text);
        assert_eq!(a, SendSummary::of(&std::sync::Arc::new(heartbeat.clone())));
        assert_eq!(stable_hash(&a), stable_hash(&text), "hashes as its text");
        let b = SendSummary::of(&std::sync::Arc::new(other_term));
        assert_ne!(a, b);
        assert_ne!(stable_hash(&a), stable_hash(&b));
        assert_eq!(SendSummary::default().text(), "");
        assert_ne!(a, SendSummary::default());
    }

    #[test]
    fn a_summary_shares_the_message_but_keeps_no_snapshot_data() {
        use crate::raft::message::{Message, MessageType, Snapshot};
        let append = std::sync::Arc::new(Message {
            msg_type: MessageType::MsgApp,
            ..Message::default()
        });
        let kept = SendSummary::of(&append);
        assert!(
            kept.0
                .as_ref()
                .is_some_and(|m| std::sync::Arc::ptr_eq(m, &append)),
            "the wire's message itself, not a copy"
        );
        let mut snapshot = Snapshot::default();
        snapshot.metadata.index = crate::raft::types::Index(7);
        snapshot.data = std::sync::Arc::from(&b"the whole store"[..]);
        let install = std::sync::Arc::new(Message {
            msg_type: MessageType::MsgSnapshot,
            snapshot: Some(Box::new(snapshot)),
            ..Message::default()
        });
        let kept = SendSummary::of(&install);
        let message = kept.message().expect("kept");
        let data = message.snapshot.as_ref().map(|s| s.data.len());
        assert_eq!(data, Some(0), "the data is left out");
        assert_eq!(
            message.snapshot.as_ref().map(|s| s.metadata.index.0),
            Some(7)
        );
        assert_eq!(
            kept.text(),
            crate::raft::message::describe_message(&install),
            "the same description"
        );
    }

    #[test]
    fn keeping_a_short_tail_keeps_the_whole_trace_hash_before_and_after_more_events() {
        let mut all = Trace::new(true);
        fill(&mut all, 3 * CHUNK_EVENTS as u64 + 100);
        let mut tail = all.clone();
        tail.keep_last(10);
        assert_eq!(tail.kept_len(), 100, "only the partial last chunk stays");
        assert_eq!(tail.dropped_len(), 3 * CHUNK_EVENTS as u64);
        assert_eq!(tail.text_hash(), all.text_hash());
        assert_eq!(tail.text_hash(), Some(stable_hash(&all.to_text())));
        // Exactly at a chunk boundary the last (full) chunk stays.
        let mut full = Trace::new(true);
        fill(&mut full, 2 * CHUNK_EVENTS as u64);
        let mut one = full.clone();
        one.keep_last(0);
        assert_eq!(one.kept_len(), CHUNK_EVENTS);
        assert_eq!(one.text_hash(), full.text_hash());
        assert_eq!(
            full.text_hash(),
            Some(stable_hash(&full.to_text())),
            "a full last chunk is hashed once"
        );
        // The same events pushed on both: still the same hash, ids go on.
        for trace in [&mut all, &mut tail] {
            for i in 0..CHUNK_EVENTS as u64 + 7 {
                trace.push(
                    TimeMs(100_000 + i),
                    TraceKind::Commit {
                        node: NodeId(1),
                        index: i,
                    },
                );
            }
        }
        assert_eq!(tail.text_hash(), all.text_hash());
        assert_eq!(tail.text_hash(), Some(stable_hash(&all.to_text())));
        assert_eq!(tail.next_id(), all.next_id());
        assert_eq!(tail.recorded_len(), all.recorded_len());
        // keep_last never goes below the asked count.
        let mut kept = all.clone();
        let want = CHUNK_EVENTS + 10;
        kept.keep_last(want);
        assert!(kept.kept_len() >= want && kept.kept_len() < want + CHUNK_EVENTS);
    }

    #[test]
    fn a_trimmed_copy_owns_its_partial_chunk_and_keeps_the_events_and_the_hash() {
        let mut run = Trace::new(true);
        fill(&mut run, CHUNK_EVENTS as u64 + 40);
        let mut copy = run.clone();
        copy.keep_last(0);
        copy.trim_partial_last_chunk();
        assert_eq!(copy.kept_len(), 40, "the partial last chunk");
        let (Some(ours), Some(theirs)) = (run.chunks.back(), copy.chunks.back()) else {
            panic!("both hold a chunk");
        };
        assert!(!std::sync::Arc::ptr_eq(ours, theirs), "not shared");
        assert_eq!(theirs.capacity(), 40, "exactly sized");
        assert_eq!(copy.text_hash(), run.text_hash());
        // The run fills its chunk in place (no copy), and both go on alike.
        let in_place = std::sync::Arc::as_ptr(ours);
        for trace in [&mut run, &mut copy] {
            fill(trace, 300);
        }
        assert!(
            run.chunks
                .iter()
                .any(|c| std::sync::Arc::as_ptr(c) == in_place)
        );
        assert_eq!(copy.text_hash(), run.text_hash());
        assert_eq!(copy.text_hash(), Some(stable_hash(&run.to_text())));
        assert_eq!(copy.next_id(), run.next_id());
    }

    #[test]
    fn events_from_any_id_are_the_window_events_at_or_after_it() {
        let mut windowed = Trace::with_window(true, 1500);
        fill(&mut windowed, 5000);
        let first = windowed.events().next().map(|e| e.id).expect("events");
        assert!(first > 0, "the window dropped the oldest chunks");
        let step = |id: u64| {
            if id.is_multiple_of(97) || (id + 1) % CHUNK_EVENTS as u64 <= 2 {
                1
            } else {
                13
            }
        };
        let mut id = 0;
        while id <= 5010 {
            let found: Vec<u64> = windowed.events_from(id).map(|e| e.id).collect();
            let wanted: Vec<u64> = windowed
                .events()
                .map(|e| e.id)
                .filter(|&e| e >= id)
                .collect();
            assert_eq!(found, wanted, "from {id}");
            id += step(id);
        }
    }

    #[test]
    fn a_window_keeps_ids_and_the_whole_trace_hash() {
        let mut all = Trace::new(true);
        let mut windowed = Trace::with_window(true, 1500);
        fill(&mut all, 5000);
        fill(&mut windowed, 5000);
        assert_eq!(all.kept_len(), 5000);
        assert!(windowed.kept_len() >= 1500 && windowed.kept_len() < 1500 + CHUNK_EVENTS);
        assert_eq!(windowed.recorded_len(), 5000);
        assert_eq!(windowed.next_id(), all.next_id());
        // Ids stay stable: the window is a suffix of the full trace, event for event.
        let tail: Vec<&TraceEvent> = all.events().skip(5000 - windowed.kept_len()).collect();
        let kept: Vec<&TraceEvent> = windowed.events().collect();
        assert_eq!(tail, kept);
        assert_eq!(kept.last().map(|e| e.id), Some(4999));
        // The hash covers every event, as the full text's stable hash (what goldens pin).
        assert_eq!(all.text_hash(), Some(stable_hash(&all.to_text())));
        assert_eq!(windowed.text_hash(), all.text_hash());
        assert_ne!(windowed.to_text(), all.to_text());
        let from: Vec<u64> = windowed.events_from(4990).map(|e| e.id).collect();
        assert_eq!(from, (4990..5000).collect::<Vec<u64>>());
        // Events at or after a time: ids 4000.. have at_ms 12000.. (at_ms = id * 3).
        for ms in [0, 11_999, 12_000, 12_001, 14_997, 14_998, 20_000] {
            let by_time: Vec<u64> = windowed.events_from_ms(TimeMs(ms)).map(|e| e.id).collect();
            let by_scan: Vec<u64> = windowed
                .events()
                .filter(|e| e.at_ms.0 >= ms)
                .map(|e| e.id)
                .collect();
            assert_eq!(by_time, by_scan, "from {ms}ms");
        }
    }

    /// Folding is lazy: whenever full chunks are folded (now, at eviction, at a tail cut, or
    /// never), the hash is the full text's.
    #[test]
    fn the_hash_is_the_same_whenever_full_chunks_are_folded() {
        let mut plain = Trace::new(true);
        let mut folding = Trace::new(true);
        let mut windowed = Trace::with_window(true, 700);
        for round in 0..12u64 {
            let n = 37 + round * 61;
            for trace in [&mut plain, &mut folding, &mut windowed] {
                fill(trace, n);
            }
            if round % 3 == 0 {
                folding.fold_full_chunks();
            }
            if round % 4 == 1 {
                let mut tail = folding.clone();
                tail.keep_last(round as usize * 10);
                assert_eq!(tail.text_hash(), folding.text_hash(), "round {round}");
            }
            let want = Some(stable_hash(&plain.to_text()));
            assert_eq!(plain.text_hash(), want, "round {round}");
            assert_eq!(folding.text_hash(), want, "round {round}");
            assert_eq!(windowed.text_hash(), want, "round {round}");
        }
    }

    /// A trace that stops hashing keeps the same events and ids, through eviction too, and
    /// has no hash to give.
    #[test]
    fn a_trace_without_its_hash_keeps_the_same_events() {
        let mut hashed = Trace::with_window(true, 700);
        let mut unhashed = Trace::with_window(true, 700);
        unhashed.stop_hashing();
        for trace in [&mut hashed, &mut unhashed] {
            fill(trace, 3_000);
            trace.fold_full_chunks();
            trace.keep_last(100);
            fill(trace, 300);
        }
        assert_eq!(unhashed.to_text(), hashed.to_text());
        assert_eq!(unhashed.recorded_len(), hashed.recorded_len());
        assert_eq!(unhashed.next_id(), hashed.next_id());
        assert_eq!(unhashed.text_hash(), None);
        assert!(hashed.text_hash().is_some());
    }

    #[test]
    fn a_clone_shares_full_chunks() {
        let mut trace = Trace::with_window(true, 0);
        fill(&mut trace, 3000);
        let copy = trace.clone();
        assert!(std::sync::Arc::ptr_eq(&trace.chunks[0], &copy.chunks[0]));
        trace.push(
            TimeMs(1),
            TraceKind::Commit {
                node: NodeId(1),
                index: 1,
            },
        );
        assert_eq!(copy.kept_len(), 3000, "the copy does not see later events");
        assert_eq!(trace.kept_len(), 3001);
    }

    /// Kills the mutants of `Trace::push` that stop counting notes (`self.notes += 1` as
    /// `*= 1`) and of `Trace::notes_pushed` made a constant (0 or 1): the count moves with
    /// every note, recorded or not, and with no other event.
    #[test]
    fn notes_pushed_counts_every_note_and_only_notes() {
        let note = |text: &str| TraceKind::Note {
            node: NodeId(2),
            text: text.to_string(),
        };
        let mut recorded = Trace::new(true);
        let mut unrecorded = Trace::new(false);
        for trace in [&mut recorded, &mut unrecorded] {
            assert_eq!(trace.notes_pushed(), 0);
            fill(trace, 3);
            assert_eq!(trace.notes_pushed(), 0, "commits are not notes");
            for n in 1..=3 {
                trace.push(TimeMs(10), note("client c1 answered"));
                assert_eq!(trace.notes_pushed(), n);
            }
            fill(trace, 4);
            assert_eq!(trace.notes_pushed(), 3, "no note since");
            assert_eq!(trace.next_id(), 10);
        }
        assert_eq!(
            recorded
                .events()
                .filter(|e| matches!(e.kind, TraceKind::Note { .. }))
                .count(),
            3
        );
    }
}
