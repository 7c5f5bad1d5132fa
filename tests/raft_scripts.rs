//! Runs every script in tests/scripts/raft/ against an in-memory cluster and compares the
//! output with the expected blocks. `UPDATE_GOLDEN=1 cargo test --test raft_scripts` rewrites
//! the expected blocks; review the diff by hand: it must show correct Raft behaviour. A normal
//! run fails with a line diff (`-` expected, `+` actual) for every mismatching step.

mod raft_harness;

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
    let mut cluster = raft_harness::Cluster::default();
    let mut outputs = Vec::new();
    let mut failures = String::new();
    for case in &parsed.cases {
        let output = cluster.run(&case.command);
        if output != case.expected {
            failures.push_str(&format!(
                "\n{}:{}: {}\n{}",
                path.display(),
                case.command.line,
                case.raw,
                line_diff(&case.expected, &output)
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

/// A unified-style line diff (`-` expected, `+` actual) from a longest common subsequence;
/// outputs are small, so the quadratic table is fine.
fn line_diff(expected: &str, actual: &str) -> String {
    let a: Vec<&str> = expected.lines().collect();
    let b: Vec<&str> = actual.lines().collect();
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, String::new());
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            out.push_str(&format!("  {}\n", a[i]));
            i += 1;
            j += 1;
        } else if j < b.len() && (i == a.len() || lcs[i][j + 1] >= lcs[i + 1][j]) {
            out.push_str(&format!("+ {}\n", b[j]));
            j += 1;
        } else {
            out.push_str(&format!("- {}\n", a[i]));
            i += 1;
        }
    }
    out
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
