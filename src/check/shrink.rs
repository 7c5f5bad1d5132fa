//! Shrinking a non-linearizable key history to a small failing set that still proves the
//! violation.
//!
//! A subset of a history can be non-linearizable while the whole is fine (drop the write a read
//! saw, and the read becomes impossible), so shrinking by blind deletion could "explain" a
//! violation with one it invented. Every removal here is *sound*: it is one that keeps any
//! linearizable history linearizable. Then, working backwards, the small set being
//! non-linearizable proves the original was too, and the page can show it as the reason.
//!
//! Sound removals used, each re-checked by a search within the budget:
//!
//! 1. A quiescent suffix: the operations called after a moment when no completed operation is
//!    in flight. Every linearization orders all operations before that moment first, so cutting
//!    the rest leaves a valid prefix. Non-linearizability is monotone along such cuts, so a
//!    binary search finds the shortest failing prefix.
//! 2. An operation that leaves the register unchanged as observed: a get, a delete that deleted
//!    nothing, a cas that failed. Dropping it from a linearization changes no state.
//! 3. A write (a put, a successful cas, a delete of one key) that nothing else in the set can
//!    tell apart from its absence: no remaining operation reads or compares against the value
//!    it leaves (for a delete: against "absent"), and no failed cas, deleting delete or
//!    unknown-outcome cas remains whose answer could flip.

use super::linearize::{Outcome, search};
use super::model::{Input, Output};
use super::partition::KeyOp;

/// A shrunk failing set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shrunk {
    /// Indices into the key's operations, in call order; non-linearizable on their own.
    pub kept: Vec<usize>,
    /// False when the budget ran out before no further removal was possible.
    pub complete: bool,
    /// Search steps spent.
    pub steps: u64,
}

struct Shrinker<'a> {
    ops: &'a [KeyOp],
    steps: u64,
    steps_max: u64,
    out_of_budget: bool,
}

impl Shrinker<'_> {
    /// Whether the subset is proven non-linearizable. `false` also when unproven for lack of
    /// budget, which then stops the shrinking.
    fn violates(&mut self, subset: &[usize]) -> bool {
        if self.out_of_budget {
            return false;
        }
        let ops: Vec<KeyOp> = subset
            .iter()
            .map(|&index| self.ops[index].clone())
            .collect();
        let result = search(&ops, self.steps_max - self.steps, false);
        self.steps += result.steps;
        match result.outcome {
            Outcome::NotLinearizable => true,
            Outcome::Linearizable => false,
            Outcome::BudgetExceeded => {
                self.out_of_budget = true;
                false
            }
        }
    }
}

/// Shrinks `ops` (a key history already proven non-linearizable) within `steps_max` search
/// steps in total.
pub fn shrink(ops: &[KeyOp], steps_max: u64) -> Shrunk {
    let mut shrinker = Shrinker {
        ops,
        steps: 0,
        steps_max,
        out_of_budget: false,
    };
    let mut kept: Vec<usize> = (0..ops.len()).collect();
    kept.sort_by_key(|&index| (ops[index].call, index));
    kept = shortest_failing_prefix(&mut shrinker, kept);
    // Each pass tries every operation once; a pass that removes nothing ends the loop, and
    // every other pass removes at least one, so there are at most `len + 1` passes.
    let mut changed = true;
    while changed && !shrinker.out_of_budget {
        changed = false;
        let mut position = 0;
        while position < kept.len() && !shrinker.out_of_budget {
            let candidate = kept[position];
            if removable(ops, &kept, candidate) {
                let mut smaller = kept.clone();
                smaller.remove(position);
                if shrinker.violates(&smaller) {
                    kept = smaller;
                    changed = true;
                    continue;
                }
            }
            position += 1;
        }
    }
    Shrunk {
        kept,
        complete: !shrinker.out_of_budget,
        steps: shrinker.steps,
    }
}

/// Rule 1: binary search over quiescent cut points of `kept` (in call order).
fn shortest_failing_prefix(shrinker: &mut Shrinker<'_>, kept: Vec<usize>) -> Vec<usize> {
    let ops = shrinker.ops;
    // Prefix lengths at which every completed operation so far returned before the next call.
    let mut cuts = Vec::new();
    let mut ret_max: Option<u64> = None;
    for (length, &index) in kept.iter().enumerate() {
        if length > 0 && ret_max.is_none_or(|ret| ret < ops[index].call) {
            cuts.push(length);
        }
        if let Some(ret) = ops[index].ret {
            ret_max = Some(ret_max.map_or(ret, |max| max.max(ret)));
        }
    }
    cuts.push(kept.len());
    // Invariant: the prefix at cuts[high] is proven to fail; those below `low` are not.
    let (mut low, mut high) = (0, cuts.len() - 1);
    while low < high && !shrinker.out_of_budget {
        let middle = low + (high - low) / 2;
        if shrinker.violates(&kept[..cuts[middle]]) {
            high = middle;
        } else {
            low = middle + 1;
        }
    }
    let mut prefix = kept;
    prefix.truncate(cuts[high]);
    prefix
}

/// Rules 2 and 3: whether dropping `candidate` from `kept` keeps linearizable sets
/// linearizable.
fn removable(ops: &[KeyOp], kept: &[usize], candidate: usize) -> bool {
    let op = &ops[candidate];
    let others = || {
        kept.iter()
            .filter(move |&&index| index != candidate)
            .map(|&index| &ops[index])
    };
    match (&op.input, &op.output) {
        (Input::Get, _) => true,
        (Input::Delete, Some(Output::Delete { deleted: 0 })) => true,
        (Input::Cas { .. }, Some(Output::Cas { succeeded: false })) => true,
        (Input::Put { value }, Some(_))
        | (Input::Cas { value, .. }, Some(Output::Cas { succeeded: true })) => {
            no_flippable_answers(others()) && others().all(|other| !observes(other, Some(*value)))
        }
        (Input::Delete, Some(Output::Delete { .. })) => {
            no_flippable_answers(others()) && others().all(|other| !observes(other, None))
        }
        _ => false,
    }
}

/// No failed cas, no delete that deleted, and no unknown-outcome cas: the answers that could
/// change if an earlier write vanished.
fn no_flippable_answers<'a>(mut others: impl Iterator<Item = &'a KeyOp>) -> bool {
    others.all(|other| {
        !matches!(
            (&other.input, &other.output),
            (Input::Cas { .. }, Some(Output::Cas { succeeded: false }))
                | (Input::Cas { .. }, None)
                | (Input::Delete, Some(Output::Delete { deleted: 1 }))
        )
    })
}

/// Whether `op` reads or compares against the register holding `value` (`None`: absent).
fn observes(op: &KeyOp, value: Option<u32>) -> bool {
    let read = matches!(&op.output, Some(Output::Get { value: seen }) if *seen == value);
    let compared = matches!(&op.input, Input::Cas { expect, .. } if *expect == value);
    let absence_seen = value.is_none() && matches!(&op.output, Some(Output::Delete { deleted: 0 }));
    read || compared || absence_seen
}
