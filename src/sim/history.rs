//! The clients' history, in the linearizability checker's terms ([`crate::check`]).
//!
//! Single-key puts, gets, deletes and one-compare value CAS transactions map onto the checker's
//! register model. Anything else (ranges, prefixes, multi-op transactions, leases) cannot be
//! judged per key by that model: such operations are left out, and so is every operation on a
//! key they may have written, so the checker never judges a key whose history is incomplete.
//! Serializable reads are left out by design: they may be stale. An operation that timed out
//! has an unknown outcome (no return): the checker allows it to have happened or not.

use crate::check::{History, Input, Output, Recorder};
use crate::kv::request::{CompareResult, CompareTarget, Request, RequestOp};
use crate::kv::response::{Response, ResponseBody};
use crate::sim::client::{ClientOp, OpState};
use std::collections::BTreeSet;
use std::sync::Arc;

/// A history ready for the checker, with what was left out.
#[derive(Clone, Debug)]
pub struct ClientHistory {
    /// The operations the checker judges.
    pub history: History,
    /// Operations left out (unsupported shapes, failures, serializable reads, their keys).
    pub left_out: usize,
}

/// What one client operation means to the register model.
enum Shape {
    /// Judged on this key.
    Register { key: String, input: Input },
    /// Not judged, and it may have written these keys (`None`: any key).
    Unjudged { writes: Option<Vec<Vec<u8>>> },
    /// Not judged, writes nothing (a serializable read, a failed or refused op).
    Ignored,
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn shape(op: &ClientOp) -> Shape {
    let Some(request) = &op.request() else {
        return Shape::Ignored;
    };
    if op.state == OpState::Done && !op.ok {
        return Shape::Ignored;
    }
    let single = |end: &[u8]| end.is_empty();
    match request {
        // A put that keeps a value or lease (`--ignore-value`, `--ignore-lease`) writes what
        // the history cannot name: unjudged, like a put with a lease.
        Request::Put(put) if put.lease == 0 && !put.ignore_value && !put.ignore_lease => {
            Shape::Register {
                key: text(&put.key),
                input: Input::Put {
                    value: text(&put.value),
                },
            }
        }
        Request::Range(range) if range.serializable => Shape::Ignored,
        Request::Range(range)
            if single(&range.range_end)
                && range.revision == 0
                && range.limit == 0
                && !range.count_only
                && !range.keys_only =>
        {
            Shape::Register {
                key: text(&range.key),
                input: Input::Get,
            }
        }
        Request::Range(_) => Shape::Ignored,
        Request::DeleteRange(del) if single(&del.range_end) => Shape::Register {
            key: text(&del.key),
            input: Input::Delete,
        },
        Request::DeleteRange(_) => Shape::Unjudged { writes: None },
        Request::Txn(txn) => match (
            txn.compare.as_slice(),
            txn.success.as_slice(),
            txn.failure.as_slice(),
        ) {
            ([cmp], [RequestOp::Put(put)], failure)
                if cmp.key == put.key
                    && single(&cmp.range_end)
                    && cmp.result == CompareResult::Equal
                    && put.lease == 0
                    && !put.ignore_value
                    && !put.ignore_lease
                    && failure.iter().all(|f| matches!(f, RequestOp::Range(_))) =>
            {
                match &cmp.target {
                    CompareTarget::Value(expect) => Shape::Register {
                        key: text(&put.key),
                        input: Input::Cas {
                            expect: Some(text(expect)),
                            value: text(&put.value),
                        },
                    },
                    _ => Shape::Unjudged {
                        writes: Some(vec![put.key.clone()]),
                    },
                }
            }
            _ => {
                let mut writes = Vec::new();
                for op in txn.success.iter().chain(txn.failure.iter()) {
                    match op {
                        RequestOp::Put(put) => writes.push(put.key.clone()),
                        RequestOp::DeleteRange(_) => return Shape::Unjudged { writes: None },
                        _ => {}
                    }
                }
                Shape::Unjudged {
                    writes: Some(writes),
                }
            }
        },
        Request::Compact(_) => Shape::Ignored,
        _ => Shape::Unjudged { writes: None },
    }
}

fn output(input: &Input, response: &Response) -> Option<Output> {
    match (input, &response.body) {
        (Input::Put { .. }, ResponseBody::Put(_)) => Some(Output::Put),
        (Input::Get, ResponseBody::Range(range)) => Some(Output::Get {
            value: range.kvs.first().map(|kv| text(&kv.value)),
        }),
        (Input::Delete, ResponseBody::DeleteRange(del)) => Some(Output::Delete {
            deleted: del.deleted.max(0) as u64,
        }),
        (Input::Cas { .. }, ResponseBody::Txn(txn)) => Some(Output::Cas {
            succeeded: txn.succeeded,
        }),
        _ => None,
    }
}

/// Builds the checker's history from the simulator's client operations.
pub fn client_history(ops: &imbl::OrdMap<u64, Arc<ClientOp>>) -> Result<ClientHistory, String> {
    let shapes: Vec<(&ClientOp, Shape)> = ops.values().map(|op| (&**op, shape(op))).collect();
    let mut tainted: BTreeSet<String> = BTreeSet::new();
    let mut taint_all = false;
    for (_, s) in &shapes {
        match s {
            Shape::Unjudged { writes: None } => taint_all = true,
            Shape::Unjudged { writes: Some(keys) } => tainted.extend(keys.iter().map(|k| text(k))),
            _ => {}
        }
    }
    let mut recorder = Recorder::new();
    let mut left_out = 0;
    for (op, s) in shapes {
        let Shape::Register { key, input } = s else {
            left_out += 1;
            continue;
        };
        if taint_all || tainted.contains(&key) {
            left_out += 1;
            continue;
        }
        let reads_only = matches!(input, Input::Get);
        match (op.state, op.return_ms, op.response.as_ref()) {
            (OpState::Done, Some(ret), Some(response)) => {
                let Some(out) = output(&input, response) else {
                    left_out += 1;
                    continue;
                };
                let id = recorder.invoke(op.client, op.call_ms.0, &key, input);
                recorder
                    .complete(id, ret.0, out)
                    .map_err(|e| e.to_string())?;
            }
            // A read with no answer constrains nothing; a write may or may not have happened.
            (_, _, _) if reads_only => left_out += 1,
            (OpState::Pending | OpState::TimedOut, _, _) => {
                recorder.invoke(op.client, op.call_ms.0, &key, input);
            }
            _ => left_out += 1,
        }
    }
    let history = recorder.history().map_err(|e| e.to_string())?;
    Ok(ClientHistory { history, left_out })
}

/// A run's client history as a file in docs/history-format.md, for `export-history FILE`,
/// `raftlab run --history` and `raftlab fuzz --histories`: `description` says where it came
/// from, followed by what was left out and, if the operations window dropped early operations,
/// a warning that the history is only a window (whose first reads may see writes that left
/// it, so a checker may wrongly call it non-linearizable).
pub fn history_file(
    ops: &imbl::OrdMap<u64, Arc<ClientOp>>,
    ops_forgotten: u64,
    description: &str,
) -> Result<String, String> {
    Ok(history_json(
        &client_history(ops)?,
        ops_forgotten,
        description,
    ))
}

/// [`history_file`] for a history already built.
pub fn history_json(built: &ClientHistory, ops_forgotten: u64, description: &str) -> String {
    let mut description = description.to_string();
    if built.left_out > 0 {
        let noun = if built.left_out == 1 {
            "operation"
        } else {
            "operations"
        };
        description.push_str(&format!(
            "; {} {noun} left out (not single-key register operations, or serializable reads)",
            built.left_out
        ));
    }
    if ops_forgotten > 0 {
        description.push_str(&format!(
            "; truncated: the {ops_forgotten} earliest finished operations left the operations \
             window, so this is only a window of the run"
        ));
    }
    let mut json = crate::check::to_json_described(&built.history, &description);
    json.push('\n');
    json
}

/// The checker's verdict on a run's client history, with its text report.
pub fn check_clients(
    ops: &imbl::OrdMap<u64, Arc<ClientOp>>,
) -> Result<(crate::check::Verdict, String), String> {
    let built = client_history(ops)?;
    let report = crate::check::check_history(&built.history, &crate::check::CheckConfig::default());
    let mut text = crate::check::render_text(&built.history, &report);
    if built.left_out > 0 {
        text.push_str(&format!(
            "({} operations left out: not single-key register operations, or serializable reads)\n",
            built.left_out
        ));
    }
    Ok((report.verdict, text))
}
