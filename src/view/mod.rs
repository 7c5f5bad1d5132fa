//! The view model: everything the page draws, as plain serde data built from a [`Sim`].
//!
//! It lives outside `src/wasm` so native tests cover it: the bindings only serialize it. The
//! page is a function of this data; no protocol logic is needed to draw it. Field names are
//! camelCase (the JavaScript convention) everywhere, times are virtual milliseconds, node ids
//! are the bare numbers, and an absent value is an omitted field (`undefined` in JavaScript),
//! never a sentinel. The shape is documented in docs/view-model.md.
//!
//! Building a view reads the simulation and never changes it. Every list is bounded by
//! [`ViewOptions`] so a view stays cheap with long logs, many keys and long traces.

mod clients;
mod etcd;
mod events;
mod kv;
mod links;
mod logs;
mod messages;
mod nodes;
pub mod spacetime;
mod text;

pub use clients::{ClientView, OpView};
pub use etcd::{MemberFlags, etcd_command};
pub use events::EventView;
pub use kv::{KeyView, KvView};
pub use links::LinkView;
pub use logs::{LogEntryView, LogView, SLICE_MAX as LOG_SLICE_MAX};
pub use messages::MessageView;
pub use nodes::{NodeView, PeerProgressView};
pub use spacetime::{ArrowView, MarkView, SpacetimeView};

use crate::sim::cluster::Sim;
use crate::sim::timeline::Timeline;
use crate::vec_map::VecMap;
use serde::{Deserialize, Serialize};

/// Bounds on what one view carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ViewOptions {
    /// The newest this-many entries of each node's log.
    pub log_window: usize,
    /// At most this many keys of each node's KV state (in key order).
    pub keys_max: usize,
    /// The newest this-many trace events.
    pub events_max: usize,
    /// Per client, the newest this-many finished operations (pending ones always show).
    pub finished_ops_max: usize,
}

impl Default for ViewOptions {
    fn default() -> Self {
        ViewOptions {
            log_window: 64,
            keys_max: 100,
            events_max: 50,
            finished_ops_max: 10,
        }
    }
}

/// The whole picture at one moment of a run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct View {
    /// Virtual time now (ms).
    pub now_ms: u64,
    /// Simulator events run so far.
    pub steps: u64,
    /// When the next event is due (ms); absent when nothing is scheduled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_event_ms: Option<u64>,
    /// The state hash: 16 lower-case hex digits, the `hash` script command's output.
    pub state_hash: String,
    /// Virtual ms per Raft tick (to turn the nodes' tick counts into time).
    pub tick_ms: u64,
    /// The current leader (a running leader with the highest term); absent when none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leader: Option<u64>,
    /// Every node, by id.
    pub nodes: Vec<NodeView>,
    /// Every direction of every link, by (from, to).
    pub links: Vec<LinkView>,
    /// Messages on the wire, by id (send order).
    pub messages: Vec<MessageView>,
    /// Each node's log window, by node id.
    pub logs: Vec<LogView>,
    /// Each node's applied key-value state, by node id.
    pub kv: Vec<KvView>,
    /// Clients and their operations, by client id.
    pub clients: Vec<ClientView>,
    /// The newest trace events, oldest first, in plain words.
    pub events: Vec<EventView>,
    /// The safety monitors' status.
    pub monitor: MonitorView,
}

/// The safety monitors: all quiet, or the first violation (which froze the run).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MonitorView {
    /// True while no monitor has fired.
    pub ok: bool,
    /// The first violation; absent while `ok`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub violation: Option<ViolationView>,
}

/// A broken invariant, as the monitor reported it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ViolationView {
    /// The invariant's number in SCENARIOS.md's catalogue; absent if its name has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<u32>,
    /// The invariant's catalogue name (number and plain words).
    pub invariant: String,
    /// `consequence`, `structure` or `rule`.
    pub kind: String,
    /// The nodes involved.
    pub nodes: Vec<u64>,
    /// When it fired (ms).
    pub at_ms: u64,
    /// What was seen.
    pub evidence: String,
    /// For the learner: what the invariant protects and why it matters.
    pub explanation: String,
}

impl View {
    /// The view of `sim` now, bounded by `options`.
    pub fn of_sim(sim: &Sim, options: &ViewOptions) -> View {
        View {
            logs: logs::build(sim, options.log_window),
            kv: kv::build(sim, options.keys_max),
            ..View::of_sim_without_logs_and_kv(sim, options, true)
        }
    }

    /// The view of a timeline at its current moment.
    pub fn of_timeline(timeline: &Timeline, options: &ViewOptions) -> View {
        View::of_sim(timeline.sim(), options)
    }

    /// The view of `sim` as JSON text: exactly `serde_json::to_string(&View::of_sim(..))`,
    /// but each node's log window and KV state (most of the text) is rebuilt only when it
    /// changed since the last call with the same `cache`: the page reads a view every frame,
    /// and in most frames most nodes neither append nor apply.
    pub fn json_cached(sim: &Sim, options: &ViewOptions, cache: &mut ViewCache) -> String {
        View::json_with(sim, options, cache, None, true)
    }

    /// Like [`json_cached`](Self::json_cached), but a node's log window or KV state that is the
    /// same as in the previous call with the same `sent` is written as `{"node":ID,"same":true}`:
    /// the page keeps what it parsed before, and neither copies nor parses it again (at 9 nodes
    /// they are about two thirds of the text). Only a reader that keeps every earlier answer
    /// of this `sent`, and nothing else, can use it (the page's controller).
    ///
    /// Without `with_hash`, `stateHash` is empty: the state hash re-hashes the whole KV history
    /// of every node that applied an entry since it was last computed (milliseconds at 9
    /// nodes), which a page playing at speed need not pay in every frame for a number nobody
    /// can read as it flickers by (the page asks for it twice a second while playing).
    pub fn json_changes(
        sim: &Sim,
        options: &ViewOptions,
        cache: &mut ViewCache,
        sent: &mut ViewSent,
        with_hash: bool,
    ) -> String {
        View::json_with(sim, options, cache, Some(sent), with_hash)
    }

    fn json_with(
        sim: &Sim,
        options: &ViewOptions,
        cache: &mut ViewCache,
        mut sent: Option<&mut ViewSent>,
        with_hash: bool,
    ) -> String {
        let view = View::of_sim_without_logs_and_kv(sim, options, with_hash);
        let text = serde_json::to_string(&view).unwrap_or_default();
        // `"logs":[],"kv":[]` occurs once: at the top level (inside a JSON string a quote is
        // always escaped, and no nested object has these fields).
        const EMPTY: &str = ",\"logs\":[],\"kv\":[],";
        let Some(at) = text.find(EMPTY) else {
            return serde_json::to_string(&View::of_sim(sim, options)).unwrap_or_default();
        };
        let mut logs = String::new();
        let mut kv = String::new();
        for node in sim.nodes().values() {
            let id = node.id.0;
            let cached = cache.logs.remove(&id);
            let (logs_key, json) =
                logs::keyed_json(node, options.log_window, cached, &mut cache.commands);
            let was = sent.as_deref().and_then(|s| s.0.get(&id)).copied();
            push_item(
                &mut logs,
                id,
                &json,
                was.is_some_and(|(k, _)| k == logs_key),
            );
            cache.logs.insert(id, (logs_key, json));
            let cached = cache.kv.remove(&id);
            let (kv_key, json) = kv::keyed_json(node, options.keys_max, cached);
            push_item(&mut kv, id, &json, was.is_some_and(|(_, k)| k == kv_key));
            cache.kv.insert(id, (kv_key, json));
            if let Some(sent) = sent.as_deref_mut() {
                sent.0.insert(id, (logs_key, kv_key));
            }
        }
        let live = |id: &u64| sim.nodes().contains_key(&crate::raft::types::NodeId(*id));
        cache.logs.retain(|id, _| live(id));
        cache.kv.retain(|id, _| live(id));
        if let Some(sent) = sent {
            sent.0.retain(|id, _| live(id));
        }
        let mut out = String::with_capacity(text.len() + logs.len() + kv.len() + 16);
        out.push_str(&text[..at]);
        out.push_str(",\"logs\":[");
        out.push_str(&logs);
        out.push_str("],\"kv\":[");
        out.push_str(&kv);
        out.push_str("],");
        out.push_str(&text[at + EMPTY.len()..]);
        out
    }

    fn of_sim_without_logs_and_kv(sim: &Sim, options: &ViewOptions, with_hash: bool) -> View {
        View {
            now_ms: sim.now_ms().0,
            steps: sim.steps(),
            next_event_ms: sim.next_event_ms().map(|t| t.0),
            state_hash: if with_hash {
                format!("{:016x}", sim.state_hash())
            } else {
                String::new()
            },
            tick_ms: sim.config().tick_ms.0,
            leader: sim.leader().map(|id| id.0),
            nodes: nodes::build(sim),
            links: links::build(sim),
            messages: messages::build(sim),
            logs: Vec::new(),
            kv: Vec::new(),
            clients: clients::build(sim, options.finished_ops_max),
            events: events::build(sim, options.events_max),
            monitor: monitor_view(sim),
        }
    }

    /// Node `node`'s log entries from index `from` on, at most `count` (and at most
    /// [`LOG_SLICE_MAX`]): what the page shows when the user scrolls back past the view's window.
    /// `None` when there is no such node.
    pub fn log_slice(sim: &Sim, node: u64, from: u64, count: usize) -> Option<LogView> {
        logs::slice(sim, crate::raft::types::NodeId(node), from, count)
    }
}

/// The JSON text of each node's log window and KV state from the last [`View::json_cached`],
/// with the key it was built for (one per node: bounded).
#[derive(Clone, Debug, Default)]
pub struct ViewCache {
    logs: VecMap<u64, (u64, String)>,
    kv: VecMap<u64, (u64, String)>,
    commands: logs::CommandTexts,
}

/// What [`View::json_changes`] last sent for each node: the keys of its log window and KV
/// state.
#[derive(Debug, Default)]
pub struct ViewSent(VecMap<u64, (u64, u64)>);

/// Appends one node's item to a JSON array's text: `json`, or a "same as before" marker.
fn push_item(list: &mut String, id: u64, json: &str, same: bool) {
    if !list.is_empty() {
        list.push(',');
    }
    if same {
        list.push_str("{\"node\":");
        list.push_str(&id.to_string());
        list.push_str(",\"same\":true}");
    } else {
        list.push_str(json);
    }
}

fn monitor_view(sim: &Sim) -> MonitorView {
    let violation = sim.violation().map(|v| {
        let digits: String = v
            .invariant
            .chars()
            .take_while(|c| c.is_ascii_digit())
            .collect();
        ViolationView {
            number: digits.parse().ok(),
            invariant: v.invariant.to_string(),
            kind: v.kind.name().to_string(),
            nodes: v.nodes.iter().map(|n| n.0).collect(),
            at_ms: v.at_ms.0,
            evidence: v.evidence.clone(),
            explanation: v.explanation.clone(),
        }
    });
    MonitorView {
        ok: violation.is_none(),
        violation,
    }
}
