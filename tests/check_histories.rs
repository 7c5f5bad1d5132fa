//! Goal: every hand-written history in tests/histories/ gets the verdict its name promises
//! (`ok-*` or `violation-*`), and its report text matches the golden `*.expected` file next to
//! it. Run with `UPDATE_GOLDEN=1` to rewrite the golden files, then review them as a diff.

use std::fs;
use std::path::{Path, PathBuf};

use raftlab::check::{CheckConfig, Verdict, check_history, from_json, render_text};

fn histories() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/histories");
    let mut paths: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("tests/histories exists")
        .map(|entry| entry.expect("readable directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    paths.sort();
    paths
}

fn expected_verdict(path: &Path) -> Verdict {
    let name = path
        .file_name()
        .and_then(|name| name.to_str())
        .unwrap_or("");
    if name.starts_with("ok-") {
        Verdict::Ok
    } else if name.starts_with("violation-") {
        Verdict::Violation
    } else {
        panic!("{name}: history files are named ok-* or violation-*");
    }
}

#[test]
fn hand_written_histories_get_their_verdicts_and_golden_reports() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let paths = histories();
    assert!(paths.len() >= 10, "the corpus lost files: {paths:?}");
    let mut mismatches = Vec::new();
    for path in paths {
        let text = fs::read_to_string(&path).expect("readable history");
        let history =
            from_json(&text).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
        let report = check_history(&history, &CheckConfig::default());
        let rendered = render_text(&history, &report);
        assert_eq!(
            report.verdict,
            expected_verdict(&path),
            "{}:\n{rendered}",
            path.display()
        );
        let golden = path.with_extension("expected");
        if update {
            fs::write(&golden, &rendered).expect("writable golden file");
        } else {
            let expected = fs::read_to_string(&golden).unwrap_or_default();
            if expected != rendered {
                mismatches.push(format!(
                    "{}:\n--- expected\n{expected}--- actual\n{rendered}",
                    golden.display()
                ));
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "golden reports differ (rerun with UPDATE_GOLDEN=1 and review the diff):\n{}",
        mismatches.join("\n")
    );
}

#[test]
fn deposed_leader_failing_set_names_only_the_stale_read_and_the_newer_write() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/histories/violation-deposed-leader.json");
    let history = from_json(&fs::read_to_string(path).expect("readable")).expect("valid");
    let report = check_history(&history, &CheckConfig::default());
    let violations: Vec<_> = report.violations().collect();
    assert_eq!(violations.len(), 1, "only key x is violated");
    let (key, violation) = violations[0];
    assert_eq!(key.key, "x");
    // The put acked by the new leader and the stale read that started after it: whatever x
    // held before, that pair cannot be ordered. Key y and the good reads are not needed.
    assert_eq!(violation.failing_ops, vec![4, 6]);
    assert!(violation.any_initial_value);
    assert!(violation.shrink_complete);
    assert_eq!(violation.unplaced_ops, vec![6]);
}

/// The shape that used to spend the whole budget: 13 timed-out writes of values nobody reads,
/// and three completed operations that prove a violation (put v17, put v47, then a get of
/// v17). Every subset of the timed-out writes was a new search state; with unread values
/// collapsed and identical timed-out writes tried once, the verdict takes a few hundred steps.
#[test]
fn unread_timed_out_writes_do_not_hide_a_violation() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/histories/violation-unknown-writes-unread.json");
    let history = from_json(&fs::read_to_string(&path).expect("readable")).expect("valid");
    let unknown = history.ops().iter().filter(|op| op.ret.is_none()).count();
    assert_eq!(unknown, 13, "the file keeps its 13 timed-out writes");
    let report = check_history(&history, &CheckConfig::default());
    assert_eq!(report.verdict, Verdict::Violation);
    assert!(report.steps < 1_000, "deciding took {} steps", report.steps);
    // Explaining it (shrinking to the failing set) is cheap too, and complete.
    let (_, violation) = report.violations().next().expect("a violation");
    assert!(violation.shrink_complete);
    assert!(
        report.budget.steps_spent < 20_000,
        "the whole check took {} steps",
        report.budget.steps_spent
    );
    // The failing set names the overwrite and the stale read, not the timed-out writes.
    let failing: Vec<String> = violation
        .failing_ops
        .iter()
        .map(|&index| format!("{:?}", history.ops()[index].input))
        .collect();
    assert!(
        failing.iter().any(|input| input.contains("v47")),
        "{failing:?}"
    );
    assert!(
        violation
            .failing_ops
            .iter()
            .all(|&index| history.ops()[index].ret.is_some()),
        "{failing:?}"
    );
}
