//! Runs every script in tests/scripts/raft/ against an in-memory cluster and compares the
//! output with the expected blocks. `UPDATE_GOLDEN=1 cargo test --test raft_scripts` rewrites
//! the expected blocks; review the diff by hand: it must show correct Raft behaviour.

mod common;

use std::path::Path;

use raftlab::scenario::script;

fn run_script(path: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut parsed = script::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    script::normalize(&mut parsed);
    if parsed
        .cases
        .first()
        .is_none_or(|c| !c.preamble.iter().any(|l| l.starts_with('#')))
    {
        return Err(format!(
            "{}: a script must open with a # comment stating its goal",
            path.display()
        ));
    }
    let mut cluster = common::Cluster::default();
    let mut outputs = Vec::new();
    let mut failures = String::new();
    for case in &parsed.cases {
        let output = cluster.run(&case.command);
        if output != case.expected {
            failures.push_str(&format!(
                "\n{}:{}: {}\n--- expected\n{}\n--- actual\n{}\n",
                path.display(),
                case.command.line,
                case.raw,
                case.expected,
                output
            ));
        }
        outputs.push(output);
    }
    if std::env::var("UPDATE_GOLDEN").is_ok_and(|v| v == "1") {
        let rendered = script::render(&parsed, &outputs);
        std::fs::write(path, rendered).map_err(|e| e.to_string())?;
        return Ok(());
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures)
    }
}

#[test]
fn raft_scripts() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scripts/raft");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/scripts/raft exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no scripts found");
    let failures: Vec<String> = paths.iter().filter_map(|p| run_script(p).err()).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
