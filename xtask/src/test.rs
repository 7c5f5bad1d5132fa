//! `cargo xtask test`: every test, in order, stopping at the first failure.
//!
//! fmt -> clippy -> native tests -> fuzz -> wasm build -> size budget (xtask/src/size.rs) ->
//! wasm tests in Node -> the benchmark's quick mode (`raftlab bench --quick`, native and wasm)
//! -> browser end-to-end tests in Debian's Chromium driven by npm `playwright-core`. The
//! browser step serves `www/` at `/`
//! and a fresh dist build at a sub-path, the way GitHub Pages would, and passes the native CLI
//! as `RAFTLAB_BIN` (the replay test runs the page's script with it).

use crate::build;
use crate::proc::{output_of, repo_root, run_step, run_step_with};
use crate::serve::{self, Mount};
use crate::size;
use crate::target_dir::target_dir;
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

/// The sub-path the dist build is served from in the end-to-end tests.
const DIST_SUB_PATH: &str = "/raftlab-pages/";

pub fn run_all() -> Result<(), String> {
    let started = Instant::now();
    run_step(
        "cargo fmt --check",
        "cargo",
        &["fmt", "--all", "--", "--check"],
    )?;
    run_step(
        "cargo clippy (warnings are errors)",
        "cargo",
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
    )?;
    run_step(
        "cargo clippy for wasm32 (the bindings of both modules only compile there)",
        "cargo",
        &[
            "clippy",
            "--lib",
            "--package",
            "raftlab",
            "--package",
            "raftlab-tools",
            "--target",
            "wasm32-unknown-unknown",
            "--",
            "-D",
            "warnings",
        ],
    )?;
    run_step(
        "cargo clippy for wasm32, the small on-demand module's features alone (raftlab_check)",
        "cargo",
        &[
            "clippy",
            "--lib",
            "--package",
            "raftlab-tools",
            "--no-default-features",
            "--features",
            build::SMALL_TOOLS_FEATURES,
            "--target",
            "wasm32-unknown-unknown",
            "--",
            "-D",
            "warnings",
        ],
    )?;
    run_step("native tests", "cargo", &["test", "--workspace"])?;
    fuzz_campaign()?;
    build::web_and_node()?;
    size::check_budget()?;
    wasm_tests()?;
    crate::bench::run(&["--quick".to_string()])?;
    browser_tests()?;
    eprintln!(
        "\nall test steps passed in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Seeds of the healthy-core campaign (every seed must pass) and the bound within which each
/// teaching switch must be caught.
const FUZZ_SEEDS: &str = "2000";
const FUZZ_SEEDS_PER_SWITCH: &str = "400";

/// Randomized fault runs in release mode: 2,000 seeds across 1-9 nodes with no violation, and
/// every teaching switch caught by a monitor that sees its harm, with the monitors that restate
/// rules switched off (proof that the consequence monitors have teeth).
fn fuzz_campaign() -> Result<(), String> {
    run_step(
        "build the raftlab CLI (release)",
        "cargo",
        &["build", "--release", "--bin", "raftlab"],
    )?;
    let cli = target_dir().join("release").join("raftlab");
    let cli = cli.to_string_lossy().into_owned();
    run_step(
        "fuzz: healthy core, 2000 seeds, 1..9 nodes",
        &cli,
        &["fuzz", "--seeds", FUZZ_SEEDS, "--nodes", "1..9"],
    )?;
    let switches = output_of(&cli, &["fuzz", "--unsafe", "list"])
        .ok_or("`raftlab fuzz --unsafe list` failed")?;
    for switch in switches.lines() {
        eprintln!(
            "\n==> fuzz: teaching switch {switch} must be caught by a consequence monitor (rule monitors off) within {FUZZ_SEEDS_PER_SWITCH} seeds"
        );
        let out = Command::new(&cli)
            .args([
                "fuzz",
                "--seeds",
                FUZZ_SEEDS_PER_SWITCH,
                "--unsafe",
                switch,
                "--rule-monitors",
                "off",
                "--stop-on-violation",
            ])
            .output()
            .map_err(|e| format!("run {cli}: {e}"))?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        let first = stdout.lines().find(|l| l.contains("VIOLATION"));
        match (out.status.code(), first) {
            (Some(1), Some(line)) if line.contains("(consequence)") => {
                eprintln!("<== caught: {line}")
            }
            _ => {
                return Err(format!(
                    "no consequence monitor caught teaching switch {switch} in {FUZZ_SEEDS_PER_SWITCH} seeds:\n{stdout}"
                ));
            }
        }
    }
    Ok(())
}

fn node_test_files(dir: &str) -> Result<Vec<String>, String> {
    let folder = repo_root().join(dir);
    let mut files: Vec<String> = std::fs::read_dir(&folder)
        .map_err(|e| format!("read {}: {e}", folder.display()))?
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.path())
        .filter(|path| path.to_string_lossy().ends_with(".test.mjs"))
        .map(|path| path.to_string_lossy().into_owned())
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(format!("no *.test.mjs files in {dir}"));
    }
    Ok(files)
}

fn wasm_tests() -> Result<(), String> {
    let files = node_test_files("tests/wasm")?;
    run_step_with(
        "wasm tests (compiled wasm through its bindings, in Node)",
        Command::new("node").arg("--test").args(&files).env(
            "RAFTLAB_WASM_NODE",
            build::node_pkg_dir().join("raftlab.js"),
        ),
    )
}

fn chromium_path() -> Result<PathBuf, String> {
    let path = std::env::var_os("RAFTLAB_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    if path.is_file() {
        Ok(path)
    } else {
        Err(format!(
            "Chromium not found at {}: the browser tests need it.\n\
             Install Debian's Chromium with `apt-get install -y chromium chromium-driver` \
             (or run .ci/run, which does), or point RAFTLAB_CHROMIUM at a Chromium binary.",
            path.display()
        ))
    }
}

/// The native CLI the replay test runs the page's script with (built by the fuzz step
/// already; building again is a no-op then).
fn native_cli() -> Result<PathBuf, String> {
    run_step(
        "build the raftlab CLI (release) for the page-vs-native replay test",
        "cargo",
        &["build", "--release", "--bin", "raftlab"],
    )?;
    Ok(target_dir().join("release").join("raftlab"))
}

fn browser_tests() -> Result<(), String> {
    let chromium = chromium_path()?;
    build::ensure_node_modules()?;
    let cli = native_cli()?;
    let dist = target_dir().join("dist-e2e");
    build::make_dist(&dist)?;
    let mounts = vec![
        Mount {
            prefix: "/".into(),
            dir: repo_root().join("www"),
        },
        Mount {
            prefix: DIST_SUB_PATH.into(),
            dir: dist,
        },
    ];
    let (addr, _workers) = serve::start(0, mounts)?;
    let files = node_test_files("tests/e2e")?;
    let version = output_of("cargo", &["pkgid", "--package", "raftlab"])
        .and_then(|id| id.rsplit(['#', '@']).next().map(str::to_string))
        .unwrap_or_default();
    run_step_with(
        "browser end-to-end tests (headless Chromium)",
        Command::new("node")
            .args(["--test", "--test-concurrency=1"])
            .args(&files)
            .env("RAFTLAB_URL", format!("http://{addr}/"))
            .env("RAFTLAB_DIST_URL", format!("http://{addr}{DIST_SUB_PATH}"))
            .env("RAFTLAB_CHROMIUM", chromium)
            .env("RAFTLAB_BIN", cli)
            .env("RAFTLAB_EXPECTED_VERSION", version),
    )
    // The server threads end with the process.
}

/// `cargo xtask bench-page`: builds the wasm, serves `www/` on a free port and runs
/// `bench/page.mjs` against it in headless Chromium (it prints the numbers).
pub fn bench_page() -> Result<(), String> {
    let chromium = chromium_path()?;
    build::ensure_node_modules()?;
    build::web_and_node()?;
    let mounts = vec![Mount {
        prefix: "/".into(),
        dir: repo_root().join("www"),
    }];
    let (addr, _workers) = serve::start(0, mounts)?;
    run_step_with(
        "page benchmark (headless Chromium)",
        Command::new("node")
            .arg(repo_root().join("bench").join("page.mjs"))
            .arg(format!("http://{addr}/"))
            .env("RAFTLAB_CHROMIUM", chromium),
    )
}
