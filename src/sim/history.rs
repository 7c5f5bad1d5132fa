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
use crate::sim::answer::Answer;
use crate::sim::client::{ClientOp, OpState};
use std::collections::BTreeSet;
use std::sync::Arc;

/// A history ready for the checker, with what was left out.
#[derive(Clone, Debug)]
pub struct ClientHistory {
    /// The operations the checker judges.
    pub history: History,
    /// Operations left out, by why.
    pub left_out: LeftOut,
}

/// How many operations the history leaves out, by why: a reader told "2 operations left out"
/// after two puts that failed for want of a leader should learn that they failed, not that
/// they were of a shape the checker cannot judge.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LeftOut {
    /// Answered with an error, or never sent as a request: they changed nothing.
    pub failed: usize,
    /// Serializable reads: allowed to be stale, so not judged.
    pub serializable: usize,
    /// Ranges, prefixes, leases, multi-op transactions, and operations on keys those may have
    /// written: the register model cannot judge them.
    pub unjudged: usize,
    /// Reads that got no answer: they constrain nothing.
    pub unanswered_reads: usize,
}

impl LeftOut {
    /// All operations left out.
    pub fn total(&self) -> usize {
        self.failed + self.serializable + self.unjudged + self.unanswered_reads
    }

    /// "3 operations left out: 2 answered with an error (no effect), 1 serializable read (may
    /// be stale by design)", or `None` when nothing was left out.
    pub fn describe(&self) -> Option<String> {
        let total = self.total();
        if total == 0 {
            return None;
        }
        let plural =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        // (count, the singular phrase, the plural phrase)
        let reasons = [
            (self.failed, FAILED, FAILED),
            (self.serializable, SERIALIZABLE.0, SERIALIZABLE.1),
            (self.unjudged, UNJUDGED.0, UNJUDGED.1),
            (self.unanswered_reads, UNANSWERED.0, UNANSWERED.1),
        ];
        let parts: Vec<String> = reasons
            .into_iter()
            .filter(|(n, ..)| *n > 0)
            .map(|(n, one, many)| plural(n, one, many))
            .collect();
        Some(format!(
            "{} left out: {}",
            plural(total, "operation", "operations"),
            parts.join(", ")
        ))
    }
}

const FAILED: &str = "answered with an error (no effect)";
const SERIALIZABLE: (&str, &str) = (
    "serializable read (may be stale by design)",
    "serializable reads (may be stale by design)",
);
const UNJUDGED: (&str, &str) = (
    "outside the register model (a range, lease or multi-op txn, or a key one may have written)",
    "outside the register model (ranges, leases, multi-op txns, or keys they may have written)",
);
const UNANSWERED: (&str, &str) = ("read with no answer", "reads with no answer");

/// What one client operation means to the register model.
enum Shape {
    /// Judged on this key.
    Register { key: String, input: Input },
    /// Not judged, and it may have written these keys (`None`: any key).
    Unjudged { writes: Option<Vec<Vec<u8>>> },
    /// Not judged, writes nothing, for this reason.
    Ignored(Ignored),
}

/// Why an operation that writes nothing is not judged.
enum Ignored {
    /// Answered with an error, or no request at all.
    Failed,
    /// A serializable read.
    Serializable,
    /// A read the register model cannot state (a range, a prefix, a count), or a compaction.
    Unjudged,
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn shape(op: &ClientOp) -> Shape {
    let Some(request) = &op.request() else {
        return Shape::Ignored(Ignored::Failed);
    };
    if op.state == OpState::Done && !op.ok {
        return Shape::Ignored(Ignored::Failed);
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
        Request::Range(range) if range.serializable => Shape::Ignored(Ignored::Serializable),
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
        Request::Range(_) => Shape::Ignored(Ignored::Unjudged),
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
        Request::Compact(_) => Shape::Ignored(Ignored::Unjudged),
        _ => Shape::Unjudged { writes: None },
    }
}

fn output(input: &Input, answer: &Answer) -> Option<Output> {
    match (input, answer) {
        (Input::Put { .. }, Answer::Put) => Some(Output::Put),
        (Input::Get, Answer::Range { first_value }) => Some(Output::Get {
            value: first_value.as_deref().map(text),
        }),
        (Input::Delete, Answer::DeleteRange { deleted }) => Some(Output::Delete {
            deleted: (*deleted).max(0) as u64,
        }),
        (Input::Cas { .. }, Answer::Txn { succeeded }) => Some(Output::Cas {
            succeeded: *succeeded,
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
    let mut left_out = LeftOut::default();
    for (op, s) in shapes {
        let (key, input) = match s {
            Shape::Register { key, input } => (key, input),
            Shape::Ignored(Ignored::Failed) => {
                left_out.failed += 1;
                continue;
            }
            Shape::Ignored(Ignored::Serializable) => {
                left_out.serializable += 1;
                continue;
            }
            Shape::Ignored(Ignored::Unjudged) | Shape::Unjudged { .. } => {
                left_out.unjudged += 1;
                continue;
            }
        };
        if taint_all || tainted.contains(&key) {
            left_out.unjudged += 1;
            continue;
        }
        let reads_only = matches!(input, Input::Get);
        match (op.state, op.return_ms, op.answer.as_ref()) {
            (OpState::Done, Some(ret), Some(answer)) => {
                let Some(out) = output(&input, answer) else {
                    left_out.unjudged += 1;
                    continue;
                };
                let id = recorder.invoke(op.client, op.call_ms.0, &key, input);
                recorder
                    .complete(id, ret.0, out)
                    .map_err(|e| e.to_string())?;
            }
            // A read with no answer constrains nothing; a write may or may not have happened.
            (_, _, _) if reads_only => left_out.unanswered_reads += 1,
            (OpState::Pending | OpState::TimedOut, _, _) => {
                recorder.invoke(op.client, op.call_ms.0, &key, input);
            }
            _ => left_out.unjudged += 1,
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
    if let Some(left_out) = built.left_out.describe() {
        description.push_str("; ");
        description.push_str(&left_out);
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
    if let Some(left_out) = built.left_out.describe() {
        text.push_str(&format!("({left_out})\n"));
    }
    Ok((report.verdict, text))
}

#[cfg(test)]
mod tests {
    use super::LeftOut;

    #[test]
    fn nothing_left_out_says_nothing() {
        assert_eq!(LeftOut::default().describe(), None);
    }

    #[test]
    fn left_out_names_each_reason_with_its_count_in_a_fixed_order() {
        let one = LeftOut {
            failed: 1,
            ..LeftOut::default()
        };
        assert_eq!(
            one.describe().as_deref(),
            Some("1 operation left out: 1 answered with an error (no effect)")
        );
        let mixed = LeftOut {
            failed: 2,
            serializable: 1,
            unjudged: 3,
            unanswered_reads: 4,
        };
        assert_eq!(mixed.total(), 10);
        assert_eq!(
            mixed.describe().as_deref(),
            Some(
                "10 operations left out: 2 answered with an error (no effect), 1 serializable read \
                 (may be stale by design), 3 outside the register model (ranges, leases, \
                 multi-op txns, or keys they may have written), 4 reads with no answer"
            )
        );
    }
}
