//! The checker's verdict as plain data: what the page draws and what `raftlab check` prints.
//!
//! Operations are named by their index in the checked [`History`](super::history::History),
//! so a view can highlight them on its own timeline. Everything is in a deterministic order:
//! keys sorted, operations in call order or in linearization order.

use serde::Serialize;

/// The answer to "is this history linearizable?".
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Linearizable: there is an order of the operations that a single atomic map explains.
    Ok,
    /// Not linearizable, with a proof in [`Violation`].
    Violation,
    /// The search ran out of its step budget before deciding.
    Unknown,
}

impl Verdict {
    /// The exit status of `raftlab check`: 0 ok, 1 violation, 3 unknown (2 is bad input).
    pub fn exit_code(self) -> u8 {
        match self {
            Verdict::Ok => 0,
            Verdict::Violation => 1,
            Verdict::Unknown => 3,
        }
    }

    /// The lowercase name, as in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::Violation => "violation",
            Verdict::Unknown => "unknown",
        }
    }

    /// Combines per-key verdicts: any violation wins (it is a proof), then any unknown.
    pub fn combine(self, other: Verdict) -> Verdict {
        match (self, other) {
            (Verdict::Violation, _) | (_, Verdict::Violation) => Verdict::Violation,
            (Verdict::Unknown, _) | (_, Verdict::Unknown) => Verdict::Unknown,
            _ => Verdict::Ok,
        }
    }
}

/// The result of checking a whole history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CheckReport {
    /// The overall verdict.
    pub verdict: Verdict,
    /// Number of operations checked.
    pub op_count: usize,
    /// Search steps spent deciding, over all keys (shrinking not included).
    pub steps: u64,
    /// The budgets the check had and how much of them it used.
    pub budget: BudgetUse,
    /// One report per key, sorted by key.
    pub keys: Vec<KeyReport>,
}

/// How much of its step budgets a check used, so a person whose check came back
/// [`Verdict::Unknown`] (or close to it) knows how far to raise them (`raftlab check --budget`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct BudgetUse {
    /// The budget each key's verdict search had.
    pub steps_max_per_key: u64,
    /// The budget of the whole check, shrinking and explaining included.
    pub steps_max_total: u64,
    /// The most steps one key's verdict search took: a key that reaches `steps_max_per_key`
    /// is [`Verdict::Unknown`].
    pub steps_key_most: u64,
    /// Every step the check took, shrinking and explaining included (at most
    /// `steps_max_total`).
    pub steps_spent: u64,
}

impl CheckReport {
    /// The keys that are not linearizable, with their proofs.
    pub fn violations(&self) -> impl Iterator<Item = (&KeyReport, &Violation)> {
        self.keys
            .iter()
            .filter_map(|key| key.violation.as_ref().map(|violation| (key, violation)))
    }
}

/// The result for one key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KeyReport {
    /// The key.
    pub key: String,
    /// This key's verdict.
    pub verdict: Verdict,
    /// Number of operations on this key.
    pub op_count: usize,
    /// Search steps spent deciding this key.
    pub steps: u64,
    /// Present exactly when `verdict` is [`Verdict::Violation`].
    pub violation: Option<Violation>,
}

/// Why a key is not linearizable.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// A small set of operations (history indices, in call order) that on its own has no
    /// linearization, obtained from the key's history by removals that cannot turn a
    /// linearizable history into a non-linearizable one: so it proves the violation.
    pub failing_ops: Vec<usize>,
    /// Failing operations whose answers the proof does not use: they were still running where
    /// the history was cut, so they count as unknown outcomes (shown open-ended).
    pub outcome_ignored_ops: Vec<usize>,
    /// False when the shrink budget ran out: the set is still a proof, but maybe not minimal.
    pub shrink_complete: bool,
    /// Search steps spent shrinking and explaining.
    pub shrink_steps: u64,
    /// True when the failing set cannot be ordered whatever value the key held before it (the
    /// operations before it were cut away); false when it fails from an absent key, as the
    /// history starts.
    pub any_initial_value: bool,
    /// The key's value at the start of `longest_linearization` (`None`: absent).
    pub initial_value: Option<String>,
    /// The longest sequence of failing operations the search could linearize, each with the
    /// value the key held after it: where a correct store's story runs out.
    pub longest_linearization: Vec<LinearizedOp>,
    /// The failing operations that are not in `longest_linearization`, in call order.
    pub unplaced_ops: Vec<usize>,
}

/// One step of a linearization.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LinearizedOp {
    /// History index of the operation.
    pub op: usize,
    /// The key's value after it (`None`: absent).
    pub value_after: Option<String>,
}
