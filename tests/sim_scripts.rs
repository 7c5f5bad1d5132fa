//! Scenario scripts of the whole simulated cluster (tests/scripts/sim/*.txt) against their
//! golden outputs. `UPDATE_GOLDEN=1 cargo test --test sim_scripts` rewrites the outputs; review
//! the diff before committing.

use raftlab::scenario::sim_script::{render_with_outputs, run_script};
use std::path::Path;

#[test]
fn sim_scripts_match_their_golden_outputs() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scripts/sim");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("scripts dir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    files.sort();
    assert!(!files.is_empty());
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut failures = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).expect("read script");
        let run = run_script(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        if update {
            let rendered = render_with_outputs(&text, &run.outputs).expect("render");
            std::fs::write(&path, rendered).expect("write");
            continue;
        }
        for (line, expected, actual) in &run.mismatches {
            failures.push(format!(
                "{}:{line}\n--- expected\n{expected}\n--- actual\n{actual}",
                path.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn the_same_script_twice_gives_a_byte_identical_trace() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scripts/sim/determinism.txt");
    let text = std::fs::read_to_string(path).expect("read");
    let a = run_script(&text).expect("run");
    let b = run_script(&text).expect("run");
    assert!(a.trace.len() > 10_000, "a long trace");
    assert!(a.trace == b.trace, "traces differ");
    assert_eq!(a.state_hash, b.state_hash);
}
