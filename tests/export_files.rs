//! Goal: `raftlab export-test` and `raftlab export-etcd` as a user runs them, and the exported
//! regression test in `tests/` that must not rot.
//!
//! `tests/exported_regression.rs` is what `raftlab export-test
//! tests/scripts/sim/export_regression.txt` prints; a change to the script, to the exporter or
//! to the run's behaviour shows here as a difference. `UPDATE_GOLDEN=1 cargo test --test
//! export_files` rewrites the file; review the diff (a new state hash means the run changed).

use std::path::Path;
use std::process::{Command, Output};

const SOURCE: &str = "tests/scripts/sim/export_regression.txt";
const EXPORTED: &str = "tests/exported_regression.rs";

/// `raftlab ARGS` run from the repository's root, as the paths above are written.
fn raftlab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_raftlab"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run raftlab")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn the_exported_regression_test_is_what_export_test_makes_of_its_script() {
    let out = raftlab(&["export-test", SOURCE]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let fresh = text(&out.stdout);
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(EXPORTED);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &fresh).expect("write the exported test");
        return;
    }
    let kept = std::fs::read_to_string(&path).expect("read the exported test");
    assert!(
        kept == fresh,
        "{EXPORTED} is not what `raftlab export-test {SOURCE}` prints now: regenerate it with \
         UPDATE_GOLDEN=1 cargo test --test export_files, and review the diff"
    );
}

#[test]
fn the_exported_run_is_the_scripts_run() {
    // The script ends with `hash`: the run recorded for the export reaches the same state.
    let script = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(SOURCE))
        .expect("read the script");
    let hash = script
        .trim_end()
        .lines()
        .last()
        .expect("the script ends with the hash");
    let exported = raftlab(&["export-test", SOURCE]);
    assert!(
        text(&exported.stdout).contains(&format!("const STATE_HASH: &str = \"{hash}\";")),
        "the script's `hash` says {hash}"
    );
}

#[test]
fn export_etcd_prints_a_shell_script_for_a_script_or_a_link() {
    let out = raftlab(&["export-etcd", SOURCE]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let script = text(&out.stdout);
    assert!(script.starts_with("#!/bin/sh\n"), "{script}");
    assert!(script.contains("ctl --endpoints=\"$C1\" put colour blue\n"));
    assert!(script.contains("# 2303ms (step 143): drop m59\n# not reproduced:"));
    let check = Command::new("sh")
        .args(["-n", "-c", &script])
        .output()
        .expect("sh -n");
    assert!(check.status.success(), "sh -n: {}", text(&check.stderr));

    let exported = text(&raftlab(&["export-test", SOURCE]).stdout);
    let json = exported
        .split_once("r#\"")
        .and_then(|(_, rest)| rest.split_once("\"#;"))
        .map(|(json, _)| json)
        .expect("the scenario JSON");
    let scenario: raftlab::scenario::link::Scenario =
        serde_json::from_str(json).expect("a scenario");
    let from_link = raftlab(&["export-etcd", "--link", &scenario.to_link()]);
    assert_eq!(
        from_link.status.code(),
        Some(0),
        "{}",
        text(&from_link.stderr)
    );
    assert_eq!(
        text(&from_link.stdout),
        script,
        "the same run, the same script"
    );
}

#[test]
fn exports_refuse_what_they_cannot_read_in_words() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bad = dir.path().join("bad.txt");
    std::fs::write(&bad, "cluster voters=3\n----\n\nfly 2\n----\n").expect("write");
    let bad = bad.to_str().expect("utf-8 path");
    for command in ["export-etcd", "export-test"] {
        let missing = raftlab(&[command, "/no/such/script.txt"]);
        assert_eq!(missing.status.code(), Some(2));
        assert!(
            text(&missing.stderr).contains(&format!(
                "raftlab {command}: cannot read /no/such/script.txt"
            )),
            "{}",
            text(&missing.stderr)
        );
        let wrong = raftlab(&[command, bad]);
        assert_eq!(wrong.status.code(), Some(2));
        assert!(
            text(&wrong.stderr).contains("line 4: unknown command 'fly'"),
            "{}",
            text(&wrong.stderr)
        );
        let link = raftlab(&[command, "--link", "1.@@@"]);
        assert_eq!(link.status.code(), Some(2));
        assert!(
            text(&link.stderr).contains("damaged"),
            "{}",
            text(&link.stderr)
        );
        for args in [&[command][..], &[command, "a", "b"], &[command, "--link"]] {
            let usage = raftlab(args);
            assert_eq!(usage.status.code(), Some(2), "{args:?}");
            assert!(text(&usage.stderr).contains("usage: raftlab"), "{args:?}");
        }
        assert!(text(&missing.stdout).is_empty() && text(&wrong.stdout).is_empty());
    }
}
