//! The checker's entry point: partition by key, search each key, explain each violation.

use super::history::History;
use super::linearize::{Outcome, Search, search};
use super::partition::{KeyHistory, KeyOp, Partition, partition};
use super::report::{BudgetUse, CheckReport, KeyReport, LinearizedOp, Verdict, Violation};
use super::shrink::{observable_states, shrink};

/// Budgets that bound the checker's work, so that it always answers, and answers the same on
/// every machine (steps are counted, not timed; roughly 10 million steps a second natively).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CheckConfig {
    /// Search steps allowed per key before that key's verdict is [`Verdict::Unknown`].
    pub steps_max_per_key: u64,
    /// Search steps allowed per violating key for shrinking and explaining it.
    pub shrink_steps_max: u64,
    /// Search steps allowed for the whole history, shrinking included. Keys are checked in
    /// key order; once this is spent, the remaining keys get smaller budgets, down to none
    /// (their verdict is then [`Verdict::Unknown`], and a violation is explained by the key's
    /// whole history).
    pub steps_max_total: u64,
}

impl Default for CheckConfig {
    /// Generous for the playground's histories (the benchmark's 10,000 operations over 50
    /// keys take about 20,000 steps), and bounded to about a second in the worst case, so a
    /// hard history cannot freeze the page.
    fn default() -> Self {
        CheckConfig {
            steps_max_per_key: 1_000_000,
            shrink_steps_max: 1_000_000,
            steps_max_total: 10_000_000,
        }
    }
}

impl CheckConfig {
    /// The budgets for `raftlab check --budget N` and the page's check: `steps` for each key's
    /// verdict and as many for explaining a violation, ten times as many for the whole history
    /// (the default's proportions: `with_budget(1_000_000)` is the default).
    pub fn with_budget(steps: u64) -> CheckConfig {
        CheckConfig {
            steps_max_per_key: steps,
            shrink_steps_max: steps,
            steps_max_total: steps.saturating_mul(10),
        }
    }
}

/// Checks a history for linearizability against the per-key register model.
pub fn check_history(history: &History, config: &CheckConfig) -> CheckReport {
    let partition = partition(history);
    let mut steps_left = config.steps_max_total;
    let mut keys: Vec<KeyReport> = Vec::with_capacity(partition.keys.len());
    for key in &partition.keys {
        let (report, steps) = check_key(&partition, key, config, steps_left);
        steps_left = steps_left.saturating_sub(steps);
        keys.push(report);
    }
    let budget = BudgetUse {
        steps_max_per_key: config.steps_max_per_key,
        steps_max_total: config.steps_max_total,
        steps_key_most: keys.iter().map(|key| key.steps).max().unwrap_or(0),
        steps_spent: config.steps_max_total - steps_left,
    };
    CheckReport {
        verdict: keys
            .iter()
            .fold(Verdict::Ok, |verdict, key| verdict.combine(key.verdict)),
        op_count: history.len(),
        steps: keys.iter().map(|key| key.steps).sum(),
        budget,
        keys,
    }
}

/// Checks one key within the budgets; also returns all the steps it took, shrinking included.
fn check_key(
    partition: &Partition<'_>,
    key: &KeyHistory<'_>,
    config: &CheckConfig,
    steps_left: u64,
) -> (KeyReport, u64) {
    let result = search(
        &key.ops,
        None,
        config.steps_max_per_key.min(steps_left),
        false,
    );
    let (verdict, violation) = match result.outcome {
        Outcome::Linearizable => (Verdict::Ok, None),
        Outcome::BudgetExceeded => (Verdict::Unknown, None),
        Outcome::NotLinearizable => {
            let shrink_budget = config
                .shrink_steps_max
                .min(steps_left.saturating_sub(result.steps));
            (
                Verdict::Violation,
                Some(explain(partition, key, shrink_budget, result.stuck_at)),
            )
        }
    };
    let steps_total = result.steps + violation.as_ref().map_or(0, |v| v.shrink_steps);
    let report = KeyReport {
        key: key.key.to_string(),
        verdict,
        op_count: key.ops.len(),
        steps: result.steps,
        violation,
    };
    (report, steps_total)
}

/// Shrinks a violating key history and finds the longest linearization of the failing set.
fn explain(
    partition: &Partition<'_>,
    key: &KeyHistory<'_>,
    steps_max: u64,
    stuck_at: Option<u64>,
) -> Violation {
    // A quarter of the budget is kept for the longest linearization, so that even a shrink cut
    // short by its budget leaves the page something to draw.
    let shrunk = shrink(&key.ops, steps_max - steps_max / 4, stuck_at);
    let failing: &[KeyOp] = &shrunk.failing;
    // The longest linearization from an absent key, or, when the failing set fails from every
    // initial value, from the observable value that lets the search go furthest (ties: the
    // first, so the choice is deterministic).
    let initials = if shrunk.any_initial {
        observable_states(failing)
    } else {
        vec![None]
    };
    let mut steps = shrunk.steps;
    let mut best: Option<(Option<u32>, Search)> = None;
    for initial in initials {
        let steps_left = steps_max.saturating_sub(steps);
        let result = search(failing, initial, steps_left, true);
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
            stuck_at: None,
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
        outcome_ignored_ops: shrunk
            .outcome_ignored
            .iter()
            .map(|&index| key.ops[index].history_index)
            .collect(),
        shrink_complete: shrunk.complete,
        shrink_steps: steps,
        any_initial_value: shrunk.any_initial,
        initial_value: partition.value(initial),
        longest_linearization,
        unplaced_ops,
    }
}
