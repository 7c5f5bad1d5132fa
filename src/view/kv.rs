//! Each node's applied key-value state, with etcd's revisions.

use super::text::{SHORT_CHARS, short};
use crate::sim::cluster::Sim;
use crate::sim::node::SimNode;
use serde::{Deserialize, Serialize};

/// Values are cut to this many characters in the view (keys to [`SHORT_CHARS`]), so one huge
/// value cannot make every view large.
const VALUE_CHARS: usize = 200;

/// One node's KV state as of its applied index. A crashed node shows what it held when it
/// crashed; a restart rebuilds it from the node's snapshot and log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KvView {
    /// The node.
    pub node: u64,
    /// The applied index this state is at.
    pub applied: u64,
    /// The store's current revision (1 for an empty store, as in etcd).
    pub revision: i64,
    /// The latest compaction revision (0 = never compacted).
    pub compact_revision: i64,
    /// How many live keys there are (possibly more than `keys` holds).
    pub key_count: u64,
    /// Live keys in key order, at most the view's bound.
    pub keys: Vec<KeyView>,
    /// True when `keys` was cut at the bound.
    pub truncated: bool,
}

/// One live key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyView {
    /// The key as text (invalid UTF-8 replaced; cut to 40 characters).
    pub key: String,
    /// The value as text (invalid UTF-8 replaced; cut to 200 characters).
    pub value: String,
    /// Revision that created this incarnation of the key.
    pub create_revision: i64,
    /// Revision of its latest put.
    pub mod_revision: i64,
    /// Puts since creation (1 after creation).
    pub version: i64,
    /// Attached lease id in decimal (etcd's lease ids are 64-bit, beyond a JavaScript number's
    /// exact integers); absent when the key has no lease.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease: Option<String>,
}

/// Every node's KV state (at most `keys_max` keys each), by node id.
pub fn build(sim: &Sim, keys_max: usize) -> Vec<KvView> {
    sim.nodes()
        .values()
        .map(|node| kv_view(node, keys_max))
        .collect()
}

/// One node's KV view as JSON text, and its key: the node's application state hash (kept by
/// the node until its next apply) and the bound. The text is reused while the key stays.
pub(super) fn keyed_json(
    node: &SimNode,
    keys_max: usize,
    cached: Option<(u64, String)>,
) -> (u64, String) {
    let key = crate::sim::hash::stable_hash(&(node.app.state_hash(), keys_max as u64));
    match cached {
        Some((cached_key, text)) if cached_key == key => (key, text),
        _ => (
            key,
            serde_json::to_string(&kv_view(node, keys_max)).unwrap_or_default(),
        ),
    }
}

fn kv_view(node: &SimNode, keys_max: usize) -> KvView {
    let store = node.app.kv().store();
    let count = store.live_key_count();
    KvView {
        node: node.id.0,
        applied: node.app.applied().0,
        revision: store.revision(),
        compact_revision: store.compact_revision(),
        key_count: count as u64,
        keys: store
            .live()
            .take(keys_max)
            .map(|kv| KeyView {
                key: short(&kv.key, SHORT_CHARS),
                value: short(&kv.value, VALUE_CHARS),
                create_revision: kv.create_revision,
                mod_revision: kv.mod_revision,
                version: kv.version,
                lease: (kv.lease != 0).then(|| kv.lease.to_string()),
            })
            .collect(),
        truncated: count > keys_max,
    }
}
