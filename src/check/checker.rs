//! The checker's entry point: partition by key, search each key, explain each violation.

use super::history::History;
use super::linearize::{Outcome, Search, search};
use super::partition::{KeyHistory, KeyOp, Partition, partition};
use super::report::{CheckReport, KeyReport, LinearizedOp, Verdict, Violation};
use super::shrink::{observable_states, shrink};

/// Budgets that bound the checker's work, so that it always answers, and answers the same on
/// every machine (steps are counted, not timed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CheckConfig {
    /// Search steps allowed per key before that key's verdict is [`Verdict::Unknown`].
    pub steps_max_per_key: u64,
    /// Search steps allowed per violating key for shrinking and explaining it.
    pub shrink_steps_max: u64,
}

impl Default for CheckConfig {
    /// Generous for the playground's histories (a 10,000-operation run needs about one step
    /// per event), small enough to answer within a frame or two when a history is hard.
    fn default() -> Self {
        CheckConfig {
            steps_max_per_key: 1_000_000,
            shrink_steps_max: 1_000_000,
        }
    }
}

/// Checks a history for linearizability against the per-key register model.
pub fn check_history(history: &History, config: &CheckConfig) -> CheckReport {
    let partition = partition(history);
    let keys: Vec<KeyReport> = partition
        .keys
        .iter()
        .map(|key| check_key(&partition, key, config))
        .collect();
    CheckReport {
        verdict: keys
            .iter()
            .fold(Verdict::Ok, |verdict, key| verdict.combine(key.verdict)),
        op_count: history.len(),
        steps: keys.iter().map(|key| key.steps).sum(),
        keys,
    }
}

fn check_key(partition: &Partition<'_>, key: &KeyHistory<'_>, config: &CheckConfig) -> KeyReport {
    let result = search(&key.ops, None, config.steps_max_per_key, false);
    let (verdict, violation) = match result.outcome {
        Outcome::Linearizable => (Verdict::Ok, None),
        Outcome::BudgetExceeded => (Verdict::Unknown, None),
        Outcome::NotLinearizable => (Verdict::Violation, Some(explain(partition, key, config))),
    };
    KeyReport {
        key: key.key.to_string(),
        verdict,
        op_count: key.ops.len(),
        steps: result.steps,
        violation,
    }
}

/// Shrinks a violating key history and finds the longest linearization of the failing set.
fn explain(partition: &Partition<'_>, key: &KeyHistory<'_>, config: &CheckConfig) -> Violation {
    let shrunk = shrink(&key.ops, config.shrink_steps_max);
    let failing: Vec<KeyOp> = shrunk
        .kept
        .iter()
        .map(|&index| key.ops[index].clone())
        .collect();
    // The longest linearization from an absent key, or, when the failing set fails from every
    // initial value, from the observable value that lets the search go furthest (ties: the
    // first, so the choice is deterministic).
    let initials = if shrunk.any_initial {
        observable_states(&failing)
    } else {
        vec![None]
    };
    let mut steps = shrunk.steps;
    let mut best: Option<(Option<u32>, Search)> = None;
    for initial in initials {
        let steps_left = config.shrink_steps_max.saturating_sub(steps);
        let result = search(&failing, initial, steps_left, true);
        steps += result.steps;
        if best
            .as_ref()
            .is_none_or(|(_, best)| result.longest.len() > best.longest.len())
        {
            best = Some((initial, result));
        }
    }
    // `initials` always holds at least the absent state, so `best` is set.
    let (initial, longest) = best.unwrap_or_else(|| {
        let nothing = Search {
            outcome: Outcome::BudgetExceeded,
            steps: 0,
            longest: Vec::new(),
        };
        (None, nothing)
    });
    let mut placed = vec![false; failing.len()];
    let longest_linearization = longest
        .longest
        .iter()
        .map(|&(index, state)| {
            placed[index] = true;
            LinearizedOp {
                op: failing[index].history_index,
                value_after: partition.value(state),
            }
        })
        .collect();
    let unplaced_ops = failing
        .iter()
        .zip(&placed)
        .filter(|(_, placed)| !**placed)
        .map(|(op, _)| op.history_index)
        .collect();
    Violation {
        failing_ops: failing.iter().map(|op| op.history_index).collect(),
        shrink_complete: shrunk.complete,
        shrink_steps: steps,
        any_initial_value: shrunk.any_initial,
        initial_value: partition.value(initial),
        longest_linearization,
        unplaced_ops,
    }
}
