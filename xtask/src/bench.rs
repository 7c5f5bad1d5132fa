//! `cargo xtask bench [--quick] [--json]`: builds the release CLI and the wasm (its Node build
//! carries the benchmark bindings), then runs `raftlab bench` with the wasm column, so native
//! and wasm figures come from one run. The test command runs the quick mode (that it works,
//! not how fast).

use crate::build;
use crate::proc::run_step_with;
use crate::target_dir::target_dir;
use std::process::Command;

/// Options passed through to `raftlab bench`.
const PASSED: [&str; 2] = ["--quick", "--json"];

pub fn command(rest: &[String]) -> Result<(), String> {
    if let Some(other) = rest.iter().find(|a| !PASSED.contains(&a.as_str())) {
        return Err(format!("'bench' takes --quick and --json, got '{other}'"));
    }
    build::web_and_node()?;
    run(rest)
}

/// Runs `raftlab bench` with the wasm column (the wasm must be built already).
pub fn run(options: &[String]) -> Result<(), String> {
    crate::proc::run_step(
        "build the raftlab CLI (release)",
        "cargo",
        &["build", "--release", "--bin", "raftlab"],
    )?;
    let cli = target_dir().join("release").join("raftlab");
    let title = if options.iter().any(|o| o == "--quick") {
        "raftlab bench --quick (every figure, tiny sizes: it runs, not how fast)"
    } else {
        "raftlab bench"
    };
    run_step_with(
        title,
        Command::new(cli)
            .arg("bench")
            .args(options)
            .arg("--wasm")
            .arg(build::node_pkg_dir().join("raftlab.js")),
    )
}
