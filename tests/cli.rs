//! The `raftlab` binary: bad arguments get usage text and exit status 2, never a panic.

use std::process::{Command, Output};

fn raftlab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_raftlab"))
        .args(args)
        .output()
        .expect("run raftlab")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn bad_arguments_print_usage_and_exit_2() {
    for args in [
        &[][..],
        &["frobnicate"],
        &["fuzz"],
        &["fuzz", "--seeds"],
        &["fuzz", "--seeds", "ten"],
        &["fuzz", "--seeds", "0"],
        &["fuzz", "--seeds", "5", "--nodes", "0..3"],
        &["fuzz", "--seeds", "5", "--nodes", "4..2"],
        &["fuzz", "--seeds", "5", "--unsafe", "no-such-switch"],
        &["fuzz", "--seeds", "18446744073709551615", "--start", "2"],
        &["run"],
        &["run", "--bogus", "x"],
    ] {
        let out = raftlab(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("usage: raftlab"),
            "{args:?}: {}",
            stderr(&out)
        );
        assert!(!stderr(&out).contains("panicked"), "{args:?}");
    }
}

#[test]
fn unreadable_or_malformed_scripts_are_reported() {
    let out = raftlab(&["run", "/no/such/file.txt"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("cannot read"));
    let dir = std::env::temp_dir().join(format!("raftlab-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let bad = dir.join("bad.txt");
    std::fs::write(&bad, "cluster voters=3\nno separator here\n").expect("write");
    let out = raftlab(&["run", bad.to_str().expect("utf-8 path")]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("line 2"), "{}", stderr(&out));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn unsafe_list_prints_every_switch() {
    let out = raftlab(&["fuzz", "--unsafe", "list"]);
    assert_eq!(out.status.code(), Some(0));
    let names: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    let expected: Vec<String> = raftlab::raft::config::UnsafeSwitch::all()
        .iter()
        .map(|s| s.name().to_string())
        .collect();
    assert_eq!(names, expected);
}

#[test]
fn fuzz_and_run_report_results_and_exit_status() {
    let out = raftlab(&["fuzz", "--seeds", "5", "--nodes", "3..3"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(
            "5 seeds, 0 violations, 0 liveness failures, 0 checker unknown (budget spent)"
        ),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/scripts/sim/determinism.txt"
    );
    let out = raftlab(&["run", script]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("monitors: ok"));
}
