//! Goal: every KV behaviour of SCENARIOS.md that one store can show, as readable console
//! scripts with golden output (tests/scripts/kv/*.txt).
//!
//! Script format: lines starting with `> ` are console input, run in order on one fresh
//! [`LocalExecutor`] per file; the lines after each input up to the next input are its
//! expected output (stdout, then stderr). Lines starting with `#` before the first input are
//! comments (each script opens with its goal). The directive `> @events` prints the live watch
//! events delivered since the last `@events`, as `watch N:` followed by the simple output;
//! `> @advance MS` advances logical time and lets the executor, acting as leader, revoke
//! expired leases.
//!
//! Regenerate after an intended change with `RAFTLAB_BLESS=1 cargo test --test kv_scripts`
//! and review the diff.

use raftlab::kv::console::{HeaderInfo, LocalExecutor, OutputFormat, render_events, run_line};
use std::path::PathBuf;

/// Run one script's inputs; return the script text with fresh outputs.
fn run_script(text: &str) -> String {
    let mut executor = LocalExecutor::new();
    let mut out = String::new();
    let mut in_output = false;
    for line in text.lines() {
        if let Some(input) = line.strip_prefix("> ") {
            in_output = true;
            out.push_str(line);
            out.push('\n');
            out.push_str(&execute(&mut executor, input));
        } else if !in_output {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

fn execute(executor: &mut LocalExecutor, input: &str) -> String {
    if let Some(elapsed) = input.trim().strip_prefix("@advance ") {
        let elapsed_ms: u64 = elapsed.trim().parse().expect("@advance takes milliseconds");
        let revoked: Vec<String> = executor
            .advance_time(elapsed_ms)
            .iter()
            .map(|id| format!("{id:016x}"))
            .collect();
        return format!(
            "time {} ms; leader revoked [{}]\n",
            executor.now_ms(),
            revoked.join(" ")
        );
    }
    if input.trim() == "@events" {
        let mut out = String::new();
        for (id, event) in executor.take_watch_events() {
            out.push_str(&format!("watch {id}:\n"));
            out.push_str(&render_events(
                OutputFormat::Simple,
                &HeaderInfo::default(),
                0,
                &[event],
            ));
        }
        return out;
    }
    let output = run_line(executor, input);
    format!("{}{}", output.stdout, output.stderr)
}

#[test]
fn kv_scripts_match_golden_output() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/scripts/kv");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/scripts/kv")
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "txt"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no scripts in {}", dir.display());
    let bless = std::env::var_os("RAFTLAB_BLESS").is_some();
    let mut failures = Vec::new();
    for path in &paths {
        let expected = std::fs::read_to_string(path).expect("read script");
        let actual = run_script(&expected);
        if actual != expected {
            if bless {
                std::fs::write(path, &actual).expect("write script");
            } else {
                failures.push(format!(
                    "{}:\n--- expected\n{expected}\n--- actual\n{actual}",
                    path.display()
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "scripts differ (RAFTLAB_BLESS=1 to regenerate):\n{}",
        failures.join("\n")
    );
}
