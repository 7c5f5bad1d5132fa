//! Goal: `raftlab check FILE` prints a report and exits 0 for a linearizable history, 1 for a
//! violation, 2 for a malformed file or bad usage (with the reason on stderr).

use std::path::Path;
use std::process::{Command, Output};

fn raftlab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_raftlab"))
        .args(args)
        .output()
        .expect("the raftlab binary runs")
}

fn history(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/histories")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn a_linearizable_history_exits_0() {
    let output = raftlab(&["check", &history("ok-cas-one-wins.json")]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(stdout.ends_with("verdict: ok\n"), "{stdout}");
}

#[test]
fn a_violation_exits_1_and_names_the_failing_operations() {
    let output = raftlab(&["check", &history("violation-stale-read.json")]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("#2 client 2 [40, 50] get => \"1\""),
        "{stdout}"
    );
    assert!(stdout.ends_with("verdict: violation\n"), "{stdout}");
}

#[test]
fn a_malformed_file_exits_2_with_the_reason() {
    let dir = std::env::temp_dir().join(format!("raftlab-check-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("bad.json");
    std::fs::write(
        &path,
        "{\"version\": 1, \"ops\": [\n  {\"client\": 1, \"call\": 0, \"return\": 1, \"kind\": \"teleport\", \"key\": \"x\"}\n]}",
    )
    .expect("write temp file");
    let output = raftlab(&["check", &path.display().to_string()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("line 2 column"), "{stderr}");
    assert!(stderr.contains("unknown variant `teleport`"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn missing_file_and_bad_usage_exit_2() {
    let output = raftlab(&["check", "/nonexistent/history.json"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("/nonexistent/history.json"));
    let output = raftlab(&["check"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("usage: raftlab check FILE"));
}

#[test]
fn a_history_over_the_step_budget_exits_3() {
    // Twenty concurrent writes, then a read of a value none of them wrote: proving that
    // impossible means trying every order of the writes, more than the default budget allows.
    let mut ops: Vec<String> = (0..20)
        .map(|client| {
            format!(
                r#"{{"client": {client}, "call": {client}, "return": 100, "kind": "put", "key": "x", "input": {{"value": "v{client}"}}}}"#
            )
        })
        .collect();
    ops.push(
        r#"{"client": 99, "call": 200, "return": 210, "kind": "get", "key": "x", "output": {"value": "nobody"}}"#
            .to_string(),
    );
    let dir = std::env::temp_dir().join(format!("raftlab-check-cli-hard-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("hard.json");
    let text = format!("{{\"version\": 1, \"ops\": [{}]}}", ops.join(",\n"));
    std::fs::write(&path, text).expect("write temp file");
    let output = raftlab(&["check", &path.display().to_string()]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(3), "{stdout}");
    assert!(stdout.contains("unknown, step budget spent"), "{stdout}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_budget_can_be_raised_and_the_report_says_how_much_was_used() {
    let path = history("violation-doc-example.json");
    // One step per key cannot decide key "x" (it has five operations): unknown, and the
    // report says the budget ran out and how to raise it.
    let output = raftlab(&["check", &path, "--budget", "1"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(3), "{stdout}");
    assert!(
        stdout.contains("budget: used 1 of 1 steps on the busiest key")
            && stdout.contains("(raise it with --budget N)"),
        "{stdout}"
    );
    assert!(stdout.ends_with("verdict: unknown\n"), "{stdout}");
    // Raised, the same history is decided, and the line shows the new budget.
    let output = raftlab(&["check", "--budget", "2_000_000", &path]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("budget: used 17 of 2,000,000 steps on the busiest key"),
        "{stdout}"
    );
    assert!(stdout.contains("of 20,000,000 in all\n"), "{stdout}");
    // As JSON: the report as data, budget included.
    let output = raftlab(&["check", &path, "--json", "--budget", "5000"]);
    assert_eq!(output.status.code(), Some(1));
    let report: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("--json prints JSON");
    assert_eq!(report["verdict"], "violation");
    assert_eq!(report["budget"]["steps_max_per_key"], 5000);
    assert_eq!(report["budget"]["steps_max_total"], 50000);
    assert_eq!(report["budget"]["steps_key_most"], 17);
    // A budget that is not a positive number is bad usage.
    for bad in ["0", "lots", "-5"] {
        let output = raftlab(&["check", &path, "--budget", bad]);
        assert_eq!(output.status.code(), Some(2), "--budget {bad}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("--budget needs a number"), "{stderr}");
    }
    let output = raftlab(&["check", &path, "--budget"]);
    assert_eq!(output.status.code(), Some(2));
}
