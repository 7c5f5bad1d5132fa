//! Clients and their operations: every pending one and the newest finished ones.

use super::text::cut;
use crate::sim::client::{ClientOp, OpState};
use crate::sim::cluster::Sim;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// At most this many characters of an operation's line or output (a 1 MB line stays cheap).
const TEXT_CHARS: usize = 4_000;

/// One client.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientView {
    /// The client id.
    pub client: u64,
    /// How many of its operations wait for an answer.
    pub pending: u64,
    /// Its pending operations and its newest finished ones, oldest first.
    pub ops: Vec<OpView>,
}

/// One client operation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OpView {
    /// Stable id in call order (`op<id>` in the trace).
    pub id: u64,
    /// The node the client sent it to.
    pub node: u64,
    /// The line as typed (cut to 4,000 characters).
    pub line: String,
    /// `pending`, `done` or `timed-out` (no answer in time: unknown outcome).
    pub state: String,
    /// When it was sent (ms).
    pub call_ms: u64,
    /// When it was answered (ms); absent while pending or after a timeout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_ms: Option<u64>,
    /// What etcdctl would print, watch events included (cut to 4,000 characters).
    pub output: String,
    /// False when the answer is an error.
    pub ok: bool,
}

/// Every client that sent something still in the simulator's ops window, by client id.
pub fn build(sim: &Sim, finished_max: usize) -> Vec<ClientView> {
    let mut by_client: BTreeMap<u64, Vec<&ClientOp>> = BTreeMap::new();
    for op in sim.ops().values() {
        by_client.entry(op.client).or_default().push(op);
    }
    by_client
        .into_iter()
        .map(|(client, ops)| {
            let pending = ops.iter().filter(|o| o.state == OpState::Pending).count();
            let finished = ops.len() - pending;
            let skip = finished.saturating_sub(finished_max);
            let mut skipped = 0;
            let shown = ops
                .into_iter()
                .filter(|op| {
                    if op.state == OpState::Pending {
                        return true;
                    }
                    skipped += 1;
                    skipped > skip
                })
                .map(op_view)
                .collect();
            ClientView {
                client,
                pending: pending as u64,
                ops: shown,
            }
        })
        .collect()
}

fn op_view(op: &ClientOp) -> OpView {
    OpView {
        id: op.id,
        node: op.node.0,
        line: cut(&op.line, TEXT_CHARS),
        state: match op.state {
            OpState::Pending => "pending",
            OpState::Done => "done",
            OpState::TimedOut => "timed-out",
        }
        .to_string(),
        call_ms: op.call_ms.0,
        return_ms: op.return_ms.map(|t| t.0),
        output: cut(&op.output, TEXT_CHARS),
        ok: op.ok,
    }
}
