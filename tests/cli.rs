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
        &["run", "x.txt", "--history"],
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
fn every_command_answers_help_with_its_own_usage() {
    for command in [
        "run",
        "fuzz",
        "console",
        "check",
        "export-etcd",
        "export-test",
        "bench",
        "version",
    ] {
        for flag in ["--help", "-h"] {
            let out = raftlab(&[command, flag]);
            let text = String::from_utf8_lossy(&out.stdout);
            assert_eq!(
                out.status.code(),
                Some(0),
                "{command} {flag}: {}",
                stderr(&out)
            );
            assert!(
                text.starts_with(&format!("usage: raftlab {command}")),
                "{command} {flag}: {text}"
            );
            // Only that command's entries: no other command's first line.
            assert!(!text.contains("\n  help\n"), "{command} {flag}: {text}");
        }
    }
    // Help wins over other arguments, even bad ones, and the fuzz entry has both of its forms.
    let out = raftlab(&["fuzz", "--seeds", "ten", "--help"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0));
    assert!(text.contains("fuzz --unsafe list"), "{text}");
    assert!(!text.contains("bench"), "{text}");
}

#[cfg(unix)]
#[test]
fn a_closed_pipe_ends_the_output_without_a_panic() {
    use std::io::Read;
    use std::process::Stdio;
    // `raftlab fuzz --unsafe list` and `help` are short; `run --trace` of a long script is
    // not, so its writes meet the closed pipe.
    let dir = temp_dir("closed-pipe");
    let script = dir.join("long.txt");
    std::fs::write(
        &script,
        "cluster voters=5 seed=3\n----\nok\n\nrun 60000\n----\nok\n",
    )
    .expect("write script");
    let mut child = Command::new(env!("CARGO_BIN_EXE_raftlab"))
        .args(["run", "--trace"])
        .arg(&script)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn raftlab");
    let mut first = [0u8; 64];
    child
        .stdout
        .take()
        .expect("stdout")
        .read_exact(&mut first)
        .expect("some output");
    // The read end is dropped here, as `head` closes it.
    let out = child.wait_with_output().expect("wait");
    let err = stderr(&out);
    assert!(!err.contains("panicked"), "{err}");
    assert!(!err.contains("Broken pipe"), "{err}");
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

/// A fresh, empty directory for one test's files.
fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("raftlab-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// The history file's operations, after `raftlab check` accepted it with `exit` status.
fn checked_ops(path: &std::path::Path, exit: i32) -> Vec<serde_json::Value> {
    let out = raftlab(&["check", &path.display().to_string()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(exit),
        "{}: {stdout}",
        path.display()
    );
    assert!(stdout.contains("budget: used"), "{stdout}");
    let text = std::fs::read_to_string(path).expect("readable history");
    let json: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    json["ops"].as_array().expect("ops").clone()
}

#[test]
fn fuzz_writes_every_seeds_history_and_check_reads_them() {
    let dir = temp_dir("fuzz-histories");
    let histories = dir.join("passing");
    let out = raftlab(&[
        "fuzz",
        "--seeds",
        "4",
        "--start",
        "1",
        "--nodes",
        "3..3",
        "--histories",
        &histories.display().to_string(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("4 client histories written"),
        "{}",
        stderr(&out)
    );
    let mut names: Vec<String> = std::fs::read_dir(&histories)
        .expect("the directory was created")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["seed-1.json", "seed-2.json", "seed-3.json", "seed-4.json"]
    );
    let mut ops_total = 0;
    for name in &names {
        ops_total += checked_ops(&histories.join(name), 0).len();
    }
    assert!(ops_total > 0, "the runs' clients did something");
    // A failing seed's history is written too (seed 6 breaks the read-lease monitor with this
    // switch; the monitor stops the run before a client sees a stale answer, so the history
    // itself is linearizable), and its description says how the run ended.
    let failing = dir.join("failing");
    let out = raftlab(&[
        "fuzz",
        "--seeds",
        "1",
        "--start",
        "6",
        "--unsafe",
        "lease-without-check-quorum",
        "--rule-monitors",
        "off",
        "--histories",
        &failing.display().to_string(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let path = failing.join("seed-6.json");
    assert!(!checked_ops(&path, 0).is_empty());
    let text = std::fs::read_to_string(&path).expect("readable");
    assert!(
        text.contains("--start 6") && text.contains("the run: violation"),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn run_and_export_history_write_the_clients_history() {
    let dir = temp_dir("run-history");
    let script = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/scripts/sim/kv_stale_reads.txt"
    ))
    .expect("the script");
    let exported = dir.join("exported.json");
    let script = format!(
        "{script}\nexport-history {path}\n----\nhistory written to {path}\n",
        path = exported.display()
    );
    let script_path = dir.join("script.txt");
    std::fs::write(&script_path, script).expect("write script");
    let from_run = dir.join("from-run.json");
    let out = raftlab(&[
        "run",
        &script_path.display().to_string(),
        "--history",
        &from_run.display().to_string(),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", stderr(&out));
    assert!(stdout.contains("0 unmet expectations"), "{stdout}");
    // The script's check-history judged 4 operations; both files hold the same 4.
    let exported_ops = checked_ops(&exported, 0);
    assert_eq!(exported_ops.len(), 4);
    assert_eq!(checked_ops(&from_run, 0), exported_ops);
    // Without a cluster there is no history to write.
    let empty = dir.join("empty.txt");
    std::fs::write(&empty, "").expect("write script");
    let out = raftlab(&[
        "run",
        &empty.display().to_string(),
        "--history",
        &dir.join("none.json").display().to_string(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no history"), "{}", stderr(&out));
    let _ = std::fs::remove_dir_all(&dir);
}
