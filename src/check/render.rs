//! A check report as text, for `raftlab check` and for test failure messages.
//!
//! Keys and values come from users, so they are printed as JSON string literals: quoted, with
//! control characters escaped, never able to forge a line of the report.

use std::fmt::Write as _;

use super::history::{History, Operation};
use super::model::{Input, Output};
use super::report::{CheckReport, KeyReport, Verdict, Violation};

/// Most operations listed per line or list; a shrink cut short by its budget can leave
/// thousands, which no one reads in a terminal (the report data keeps them all).
const LISTED_MAX: usize = 50;

/// Renders `report` (of `history`) as a few lines per key that needs attention.
pub fn render_text(history: &History, report: &CheckReport) -> String {
    render(history, report, false)
}

/// [`render_text`] with a line before the verdict that says how much of the step budget the
/// check used: what `raftlab check` prints.
pub fn render_text_with_budget(history: &History, report: &CheckReport) -> String {
    render(history, report, true)
}

/// One line on the budget: `budget: used 376 of 1,000,000 steps on the busiest key, 512 of
/// 10,000,000 in all`, with a hint when a key ran out.
pub fn render_budget(report: &CheckReport) -> String {
    let budget = &report.budget;
    let hint = if report.verdict == Verdict::Unknown {
        " (raise it with --budget N)"
    } else {
        ""
    };
    format!(
        "budget: used {} of {} steps on the busiest key, {} of {} in all{hint}",
        grouped(budget.steps_key_most),
        grouped(budget.steps_max_per_key),
        grouped(budget.steps_spent),
        grouped(budget.steps_max_total),
    )
}

/// `1234567` as `1,234,567`.
pub fn grouped(number: u64) -> String {
    let digits = number.to_string();
    let mut text = String::with_capacity(digits.len() + digits.len() / 3);
    for (position, digit) in digits.chars().enumerate() {
        if position > 0 && (digits.len() - position).is_multiple_of(3) {
            text.push(',');
        }
        text.push(digit);
    }
    text
}

fn render(history: &History, report: &CheckReport, with_budget: bool) -> String {
    let mut text = String::new();
    let _ = writeln!(
        text,
        "{} operations on {} key(s), {} search steps",
        report.op_count,
        report.keys.len(),
        report.steps
    );
    for key in &report.keys {
        render_key(&mut text, history, key);
    }
    if with_budget {
        let _ = writeln!(text, "{}", render_budget(report));
    }
    let _ = writeln!(text, "verdict: {}", report.verdict.name());
    text
}

fn render_key(text: &mut String, history: &History, key: &KeyReport) {
    match (&key.verdict, &key.violation) {
        (Verdict::Ok, _) => {}
        (Verdict::Unknown, _) => {
            let _ = writeln!(
                text,
                "key {}: unknown, step budget spent ({} steps, {} operations)",
                quote(&key.key),
                key.steps,
                key.op_count
            );
        }
        (Verdict::Violation, Some(violation)) => render_violation(text, history, key, violation),
        (Verdict::Violation, None) => {
            let _ = writeln!(text, "key {}: violation", quote(&key.key));
        }
    }
}

fn render_violation(text: &mut String, history: &History, key: &KeyReport, violation: &Violation) {
    let _ = writeln!(
        text,
        "key {}: NOT linearizable: no order explains these {} (of {}) operations{}:",
        quote(&key.key),
        violation.failing_ops.len(),
        key.op_count,
        if violation.shrink_complete {
            ""
        } else {
            " (shrinking stopped at its budget)"
        }
    );
    for &index in violation.failing_ops.iter().take(LISTED_MAX) {
        if let Some(op) = history.ops().get(index) {
            let ignored = if violation.outcome_ignored_ops.contains(&index) {
                " (answer not used: running at a cut)"
            } else {
                ""
            };
            let _ = writeln!(text, "  {}{ignored}", describe(index, op));
        }
    }
    if violation.failing_ops.len() > LISTED_MAX {
        let _ = writeln!(
            text,
            "  ... and {} more",
            violation.failing_ops.len() - LISTED_MAX
        );
    }
    // The end of the longest linearization is where the story breaks: keep that part.
    let skipped = violation
        .longest_linearization
        .len()
        .saturating_sub(LISTED_MAX);
    let mut order: Vec<String> = violation
        .longest_linearization
        .iter()
        .skip(skipped)
        .map(|step| {
            format!(
                "#{} (then {})",
                step.op,
                show_value(step.value_after.as_deref())
            )
        })
        .collect();
    if skipped > 0 {
        order.insert(0, format!("... {skipped} earlier"));
    }
    if violation.any_initial_value {
        let _ = writeln!(
            text,
            "  (whatever the key held before them; shown from {})",
            show_value(violation.initial_value.as_deref())
        );
    }
    let _ = writeln!(
        text,
        "  longest linearization: {}",
        if order.is_empty() {
            "none".to_string()
        } else {
            order.join(", ")
        }
    );
    let mut unplaced: Vec<String> = violation
        .unplaced_ops
        .iter()
        .take(LISTED_MAX)
        .map(|index| format!("#{index}"))
        .collect();
    if violation.unplaced_ops.len() > LISTED_MAX {
        unplaced.push(format!(
            "... {} more",
            violation.unplaced_ops.len() - LISTED_MAX
        ));
    }
    let _ = writeln!(text, "  cannot be placed after it: {}", unplaced.join(", "));
}

/// One operation as `#3 client 2 [40, 50] get -> "1"`.
pub fn describe(index: usize, op: &Operation) -> String {
    let interval = match op.ret {
        Some(ret) => format!("[{}, {}]", op.call, ret),
        None => format!("[{}, ?]", op.call),
    };
    let input = match &op.input {
        Input::Put { value } => format!("put {}", quote(value)),
        Input::Get => "get".to_string(),
        Input::Delete => "delete".to_string(),
        Input::Cas { expect, value } => {
            format!("cas {} -> {}", show_value(expect.as_deref()), quote(value))
        }
    };
    let output = match &op.output {
        None => " => unknown outcome".to_string(),
        Some(Output::Put) => String::new(),
        Some(Output::Get { value }) => format!(" => {}", show_value(value.as_deref())),
        Some(Output::Delete { deleted }) => format!(" => deleted {deleted}"),
        Some(Output::Cas { succeeded }) => {
            format!(" => {}", if *succeeded { "succeeded" } else { "failed" })
        }
    };
    format!("#{index} client {} {interval} {input}{output}", op.client)
}

fn show_value(value: Option<&str>) -> String {
    value.map_or_else(|| "absent".to_string(), quote)
}

fn quote(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"?\"".to_string())
}

#[cfg(test)]
mod tests {
    use super::grouped;

    #[test]
    fn numbers_are_grouped_by_thousands() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1_000), "1,000");
        assert_eq!(grouped(1_234_567), "1,234,567");
        assert_eq!(grouped(u64::MAX), "18,446,744,073,709,551,615");
    }
}
