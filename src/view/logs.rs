//! Each node's log window: the newest entries with their term, a short command and whether they
//! are committed and applied, plus the snapshot boundary.

use super::text::{SHORT_CHARS, short};
use crate::kv::command::Command;
use crate::kv::request::Request;
use crate::raft::message::{Entry, EntryType};
use crate::raft::types::{Index, NodeId};
use crate::sim::app::open_envelope;
use crate::sim::cluster::Sim;
use crate::sim::node::SimNode;
use serde::{Deserialize, Serialize};

/// One node's log, windowed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogView {
    /// The node.
    pub node: u64,
    /// Entries up to here were compacted into a snapshot (0 = none).
    pub snapshot_index: u64,
    /// First entry still in the log (`snapshotIndex + 1`).
    pub first_index: u64,
    /// Last entry.
    pub last_index: u64,
    /// Commit index; absent for a crashed node (only its disk is shown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<u64>,
    /// Applied index.
    pub applied: u64,
    /// The newest entries (at most the window), oldest first.
    pub entries: Vec<LogEntryView>,
}

/// One log entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogEntryView {
    /// Log index.
    pub index: u64,
    /// Term it was created in.
    pub term: u64,
    /// `normal` or `config` (a membership change).
    pub kind: String,
    /// Short command: `put k v`, `del k`, `txn`, `(no-op)`, ... (keys and values cut to 40
    /// characters).
    pub command: String,
    /// The client operation that proposed it; absent for entries no client sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub op: Option<u64>,
    /// At or below the node's commit index.
    pub committed: bool,
    /// At or below the node's applied index.
    pub applied: bool,
}

/// Every node's log window of at most `window` entries, by node id.
pub fn build(sim: &Sim, window: usize) -> Vec<LogView> {
    sim.nodes()
        .values()
        .map(|node| log_view(node, window))
        .collect()
}

/// What one node's log view is made of: (first, last, commit, the window's entries).
type Window = (Index, Index, Option<u64>, Vec<Entry>);

/// One node's log view as JSON text, and a key that changes whenever that text may: the
/// window's bounds, commit and applied indexes, and every entry in it (index, term, type and
/// data). The page's view reuses the text while the key stays (see `View::json_cached`).
pub(super) fn keyed_json(
    node: &SimNode,
    window: usize,
    cached: Option<(u64, String)>,
    commands: &mut CommandTexts,
) -> (u64, String) {
    let data = window_of(node, window);
    let mut hasher = crate::kv::state_hash::StateHasher::new();
    let (first, last, commit, entries) = &data;
    hasher.u64(first.0);
    hasher.u64(last.0);
    hasher.u64(commit.map_or(u64::MAX, |c| c));
    hasher.u64(node.app.applied().0);
    for entry in entries {
        hasher.u64(entry.index.0);
        hasher.u64(entry.term.0);
        hasher.u64(entry.entry_type as u64);
        hasher.bytes(&entry.data);
    }
    let key = hasher.finish();
    match cached {
        Some((cached_key, text)) if cached_key == key => (key, text),
        _ => (
            key,
            serde_json::to_string(&view_of(node, data, commands)).unwrap_or_default(),
        ),
    }
}

fn window_of(node: &SimNode, window: usize) -> Window {
    range_of(node, |first, last| {
        (window_start(first, last, window), last.next())
    })
}

/// At most this many entries in one [`slice`] (the page asks for what it can show).
pub const SLICE_MAX: usize = 1_000;

/// Node `node`'s log entries from index `from` on, at most `count` of them (and at most
/// [`SLICE_MAX`]), clipped to the entries the node holds (a range below its snapshot starts at
/// its first entry; one past its last entry is empty). The bounds, commit and applied fields are
/// those of the whole log, as in the view's window. `None` when there is no such node.
pub fn slice(sim: &Sim, node: NodeId, from: u64, count: usize) -> Option<LogView> {
    let node = sim.nodes().get(&node)?;
    let count = count.min(SLICE_MAX) as u64;
    let data = range_of(node, |first, last| {
        let low = Index(from.max(first.0).min(last.0.saturating_add(1)));
        let high = Index(low.0.saturating_add(count).min(last.0.saturating_add(1)));
        (low, high)
    });
    Some(view_of(node, data, &mut CommandTexts::default()))
}

/// `node`'s log bounds and commit with the entries in `[low, high)` that `range(first, last)`
/// picks (always within `first..=last`): the running log, or a crashed node's disk.
fn range_of(node: &SimNode, range: impl Fn(Index, Index) -> (Index, Index)) -> Window {
    match (node.raft(), node.durable()) {
        (Some(raw), _) => {
            let log = raw.raft().log();
            let (first, last) = (log.first_index(), log.last_index());
            let (low, high) = range(first, last);
            let entries = log.slice(low, high, u64::MAX).unwrap_or_default();
            (first, last, Some(log.committed.0), entries)
        }
        (None, Some(disk)) => {
            let (first, last) = (disk.first_index(), disk.last_index());
            let (low, high) = range(first, last);
            let entries = disk.entries(low, high, u64::MAX).unwrap_or_default();
            (first, last, None, entries)
        }
        (None, None) => (Index(1), Index(0), None, Vec::new()),
    }
}

fn log_view(node: &SimNode, window: usize) -> LogView {
    view_of(node, window_of(node, window), &mut CommandTexts::default())
}

fn view_of(
    node: &SimNode,
    (first, last, commit, entries): Window,
    commands: &mut CommandTexts,
) -> LogView {
    let applied = node.app.applied().0;
    LogView {
        node: node.id.0,
        snapshot_index: first.0.saturating_sub(1),
        first_index: first.0,
        last_index: last.0,
        commit,
        applied,
        entries: entries
            .iter()
            .map(|e| entry_view(e, commit.unwrap_or(0), applied, commands))
            .collect(),
    }
}

/// The first index of the window: the newest `window` entries, never below the log's start.
fn window_start(first: Index, last: Index, window: usize) -> Index {
    let from_end = last.0.saturating_add(1).saturating_sub(window as u64);
    Index(from_end.max(first.0))
}

/// The short text of normal entries' commands, by the entries' bytes: every node holds the same
/// entries, and a node's window is rebuilt whenever it appends or commits, so without it each
/// command would be decoded again for each node in each such frame (at 9 nodes most of a
/// window's cost). Exact: the key is the whole data, not a hash of it.
#[derive(Clone, Debug, Default)]
pub struct CommandTexts(std::collections::BTreeMap<std::sync::Arc<[u8]>, (Option<u64>, String)>);

impl CommandTexts {
    /// At most this many texts are kept (then the cache starts again): the windows of every
    /// node hold far fewer distinct entries.
    const MAX: usize = 4_096;

    fn get(&mut self, data: &std::sync::Arc<[u8]>) -> (Option<u64>, String) {
        if let Some(known) = self.0.get(data) {
            return known.clone();
        }
        if self.0.len() >= Self::MAX {
            self.0.clear();
        }
        let made = short_command(data);
        self.0.insert(data.clone(), made.clone());
        made
    }
}

fn entry_view(
    entry: &Entry,
    commit: u64,
    applied: u64,
    commands: &mut CommandTexts,
) -> LogEntryView {
    let (op, command) = match entry.entry_type {
        EntryType::Normal => commands.get(&entry.data),
        EntryType::ConfChange | EntryType::ConfChangeV2 => (None, "config change".to_string()),
    };
    LogEntryView {
        index: entry.index.0,
        term: entry.term.0,
        kind: match entry.entry_type {
            EntryType::Normal => "normal",
            _ => "config",
        }
        .to_string(),
        command,
        op,
        committed: entry.index.0 <= commit,
        applied: entry.index.0 <= applied,
    }
}

/// (client op, short text) of a normal entry's data.
fn short_command(data: &[u8]) -> (Option<u64>, String) {
    if data.is_empty() {
        return (None, "(no-op)".to_string());
    }
    let (op, bytes) = open_envelope(data);
    // Commands are JSON objects; anything else is a raw proposal (the `propose` action), shown
    // as its text without paying for a failed parse.
    let decoded = match bytes.first() {
        Some(b'{') => Command::decode(bytes).ok(),
        _ => None,
    };
    let text = match decoded {
        Some(command) => describe_request(&command.request),
        None => format!("data {}", short(bytes, SHORT_CHARS)),
    };
    (op, text)
}

fn describe_request(request: &Request) -> String {
    let s = |b: &[u8]| short(b, SHORT_CHARS);
    match request {
        Request::Put(put) => format!("put {} {}", s(&put.key), s(&put.value)),
        Request::DeleteRange(del) if del.range_end.is_empty() => format!("del {}", s(&del.key)),
        Request::DeleteRange(del) => format!("del {} {}", s(&del.key), s(&del.range_end)),
        Request::Range(range) => format!("get {}", s(&range.key)),
        Request::Txn(_) => "txn".to_string(),
        Request::Compact(compact) => format!("compact {}", compact.revision),
        Request::LeaseGrant(_) => "lease grant".to_string(),
        Request::LeaseRevoke(id) => format!("lease revoke {id}"),
        Request::LeaseKeepAlive(_) => "lease keep-alive".to_string(),
        Request::LeaseTimeToLive(_) => "lease timetolive".to_string(),
        Request::LeaseLeases => "lease list".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_texts_are_the_decoded_ones_and_stay_bounded() {
        let mut texts = CommandTexts::default();
        let raw: std::sync::Arc<[u8]> = std::sync::Arc::from(&b"hello"[..]);
        assert_eq!(texts.get(&raw), short_command(&raw));
        assert_eq!(texts.get(&raw), (None, "data hello".to_string()), "kept");
        for i in 0..CommandTexts::MAX + 10 {
            let data: std::sync::Arc<[u8]> = std::sync::Arc::from(format!("entry {i}").as_bytes());
            assert_eq!(texts.get(&data), short_command(&data));
        }
        assert!(texts.0.len() <= CommandTexts::MAX);
        assert_eq!(
            texts.get(&raw),
            short_command(&raw),
            "right after starting again"
        );
    }

    #[test]
    fn the_window_is_the_newest_entries_within_the_log() {
        assert_eq!(window_start(Index(1), Index(1000), 64), Index(937));
        assert_eq!(window_start(Index(1), Index(10), 64), Index(1));
        assert_eq!(window_start(Index(990), Index(1000), 64), Index(990));
        assert_eq!(window_start(Index(1), Index(0), 64), Index(1));
    }

    #[test]
    fn commands_are_short_and_name_their_op() {
        let put = Request::Put(crate::kv::request::PutRequest {
            key: b"k".to_vec(),
            value: vec![b'v'; 100],
            ..Default::default()
        });
        let data = crate::sim::app::envelope(7, &Command::new(put).encode());
        let (op, text) = short_command(&data);
        assert_eq!(op, Some(7));
        assert_eq!(text, format!("put k {}…", "v".repeat(40)));
        assert_eq!(short_command(b""), (None, "(no-op)".to_string()));
        assert_eq!(short_command(b"hello"), (None, "data hello".to_string()));
    }
}
