//! Builds the crate for wasm32, generates the JS bindings with the pinned wasm-bindgen and
//! shrinks the wasm with wasm-opt from the npm `binaryen` package pinned in package-lock.json.
//!
//! Three wasm modules: the core (`raftlab`, the page's first load) and two on-demand ones built
//! from tools-wasm/ with different features: `raftlab_check` (the checker and the lesson parser,
//! no simulator: loaded by the history check's Web Worker and the lesson player) and
//! `raftlab_tools` (everything, with the simulator: the run's text exports and script runner,
//! loaded by the Share & export dialog, and the Node tests' and benchmark's module). Two
//! outputs for each: `www/pkg/` (ES module for the page, `--target web` equivalent) and
//! `wasm-node/` in cargo's target directory (CommonJS for the Node wasm tests). Both get the same
//! optimized wasm, so the Node tests run what the page ships. `dist` copies `www/` to a static
//! folder with relative paths only, so it works from any sub-path (GitHub Pages), and minifies
//! its JS and CSS there.

use crate::proc::{output_of, repo_root, run_step, run_step_with};
use crate::target_dir::target_dir;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use wasm_bindgen_cli_support::Bindgen;

const TARGET: &str = "wasm32-unknown-unknown";

/// The cargo profile of the modules that run the simulator: Cargo.toml's
/// `[profile.wasm-release]` (opt-level 2, inlining held back; the measurements are there); the
/// native CLI and tests keep `release`.
const WASM_PROFILE: &str = "wasm-release";

/// The cargo profile of the small on-demand module: `[profile.wasm-small]` (opt-level "s":
/// the checker and the lesson parser are fast enough, and its own output folder keeps the two
/// tools-wasm builds from overwriting each other).
const WASM_SMALL_PROFILE: &str = "wasm-small";

/// wasm-opt's arguments. `-Oz` optimizes for size; without `-g` wasm-opt also drops the name
/// section (function names, about 200 KB; a panic's message still says what went wrong), and
/// `--strip-producers` the toolchain note. No `--enable-*` flags: wasm-opt reads the features
/// rustc used from the module's `target_features` section (never `-all`: TOOLCHAIN.md).
const WASM_OPT_ARGS: &[&str] = &["-Oz", "--strip-debug", "--strip-producers"];

/// One wasm module the page loads: the cargo package that builds it, its library's name (which
/// names cargo's `LIB.wasm`), the package features it is built with, and its own name, which
/// names the files wasm-bindgen writes (`pkg/NAME.js` and `pkg/NAME_bg.wasm`).
struct Module {
    package: &'static str,
    lib: &'static str,
    /// `None`: the package's default features; `Some(list)`: only those.
    features: Option<&'static str>,
    name: &'static str,
    /// The cargo profile it is built with ([`WASM_PROFILE`] or [`WASM_SMALL_PROFILE`]).
    profile: &'static str,
}

/// The features of tools-wasm/ in the small on-demand module (`raftlab_check`): the ones whose
/// exports need no simulator.
pub const SMALL_TOOLS_FEATURES: &str = "checker,lessons";

/// The page's modules: the core every visit loads first; the small on-demand module, which the
/// History tab's Web Worker loads when a check is asked for and the lesson player when a lesson
/// is opened; and the big one (tools-wasm/ with every feature, a copy of the simulator in it),
/// which the Share & export dialog loads when first opened. They are compiled one at a time:
/// together, cargo would unify the library's features and give the tools modules the page's
/// exports too. The two tools builds write `raftlab_tools.wasm` in their own profiles' folders.
const MODULES: &[Module] = &[
    Module {
        package: "raftlab",
        lib: "raftlab",
        features: None,
        name: "raftlab",
        profile: WASM_PROFILE,
    },
    Module {
        package: "raftlab-tools",
        lib: "raftlab_tools",
        features: Some(SMALL_TOOLS_FEATURES),
        name: "raftlab_check",
        profile: WASM_SMALL_PROFILE,
    },
    Module {
        package: "raftlab-tools",
        lib: "raftlab_tools",
        features: None,
        name: "raftlab_tools",
        profile: WASM_PROFILE,
    },
];

/// Where a module's compiled (pre-bindgen) wasm lands.
fn raw_wasm_path(module: &Module) -> PathBuf {
    target_dir()
        .join(TARGET)
        .join(module.profile)
        .join(format!("{}.wasm", module.lib))
}

/// Where the page's generated module goes.
pub fn web_pkg_dir() -> PathBuf {
    repo_root().join("www").join("pkg")
}

/// Where the Node test module goes.
pub fn node_pkg_dir() -> PathBuf {
    target_dir().join("wasm-node")
}

/// Adds the wasm target if the pinned toolchain lacks it (rust-toolchain.toml's `targets` line
/// is not applied to an already-installed toolchain by `cargo build`).
fn ensure_wasm_target() -> Result<(), String> {
    let installed = output_of("rustup", &["target", "list", "--installed"]).unwrap_or_default();
    if installed.lines().any(|line| line.trim() == TARGET) {
        return Ok(());
    }
    run_step(
        "add the wasm32 target",
        "rustup",
        &["target", "add", TARGET],
    )
    .map_err(|e| {
        format!("{e}\nraftlab needs the {TARGET} target: run `rustup target add {TARGET}`")
    })
}

/// Compiles a module for wasm32 with its profile, with the git commit as build id.
fn compile_wasm(module: &Module) -> Result<PathBuf, String> {
    ensure_wasm_target()?;
    let build_id =
        output_of("git", &["rev-parse", "--short=10", "HEAD"]).unwrap_or_else(|| "dev".into());
    let mut cargo = Command::new("cargo");
    cargo.args([
        "build",
        "--lib",
        "--profile",
        module.profile,
        "--target",
        TARGET,
        "--package",
        module.package,
    ]);
    if let Some(features) = module.features {
        cargo.args(["--no-default-features", "--features", features]);
    }
    run_step_with(
        &format!(
            "build the wasm module {} ({}, profile {})",
            module.name,
            module.features.map_or_else(
                || format!("package {}", module.package),
                |features| format!("package {} with {features}", module.package)
            ),
            module.profile
        ),
        cargo.env("RAFTLAB_BUILD_ID", build_id),
    )?;
    let wasm = raw_wasm_path(module);
    if wasm.is_file() {
        Ok(wasm)
    } else {
        Err(format!("the wasm build did not produce {}", wasm.display()))
    }
}

/// Writes `NAME.js` and `NAME_bg.wasm` (named for the module, not for cargo's file) into `out`.
fn generate(wasm: &Path, name: &str, out: &Path, node: bool) -> Result<(), String> {
    let mut bindgen = Bindgen::new();
    bindgen.input_path(wasm).out_name(name).typescript(true);
    if node {
        bindgen.nodejs(true).map_err(|e| format!("{e:#}"))?;
    } else {
        // Without omit_default_module_path(false) the generated init() cannot find the .wasm.
        bindgen
            .web(true)
            .map_err(|e| format!("{e:#}"))?
            .omit_default_module_path(false);
    }
    fs::create_dir_all(out).map_err(|e| format!("create {}: {e}", out.display()))?;
    bindgen
        .generate(out)
        .map_err(|e| format!("wasm-bindgen generation into {}: {e:#}", out.display()))
}

/// Builds each wasm module once, generates both the web and the Node bindings for it and
/// optimizes its wasm.
pub fn web_and_node() -> Result<(), String> {
    ensure_node_modules()?;
    for module in MODULES {
        let wasm = compile_wasm(module)?;
        eprintln!(
            "\n==> generate JS bindings for {} (wasm-bindgen {})",
            module.name,
            bindgen_version()
        );
        generate(&wasm, module.name, &web_pkg_dir(), false)?;
        generate(&wasm, module.name, &node_pkg_dir(), true)?;
        optimize_both(module)?;
    }
    // The repo's package.json says "type": "module"; the Node bindings are CommonJS.
    let marker = node_pkg_dir().join("package.json");
    fs::write(&marker, "{ \"type\": \"commonjs\" }\n")
        .map_err(|e| format!("write {}: {e}", marker.display()))
}

/// Runs wasm-opt on a module's page wasm and gives the Node module the same bytes.
/// wasm-bindgen writes the same wasm for both targets (only the JS glue differs), so one run
/// serves both; should they ever differ, each is optimized on its own.
fn optimize_both(module: &Module) -> Result<(), String> {
    let file = format!("{}_bg.wasm", module.name);
    let web = web_pkg_dir().join(&file);
    let node = node_pkg_dir().join(&file);
    let read = |p: &Path| fs::read(p).map_err(|e| format!("read {}: {e}", p.display()));
    let before = read(&web)?;
    let same = read(&node)? == before;
    optimize(&web)?;
    if same {
        fs::copy(&web, &node).map_err(|e| format!("copy to {}: {e}", node.display()))?;
    } else {
        optimize(&node)?;
    }
    let after = fs::metadata(&web).map(|m| m.len()).unwrap_or(0);
    eprintln!(
        "<== www/pkg/{file}: {after} bytes ({} before wasm-opt)",
        before.len()
    );
    Ok(())
}

/// `wasm-opt WASM_OPT_ARGS wasm -o wasm` with the pinned binaryen from node_modules.
fn optimize(wasm: &Path) -> Result<(), String> {
    let tool = npm_tool("wasm-opt", "binaryen")?;
    run_step_with(
        &format!("wasm-opt {}", WASM_OPT_ARGS.join(" ")),
        Command::new(tool)
            .args(WASM_OPT_ARGS)
            .arg(wasm)
            .arg("-o")
            .arg(wasm),
    )
}

/// The path of `command` from the pinned npm devDependency `package` (node_modules/.bin), or
/// an error that says how to install it.
pub fn npm_tool(command: &str, package: &str) -> Result<PathBuf, String> {
    let tool = repo_root().join("node_modules").join(".bin").join(command);
    if tool.is_file() {
        Ok(tool)
    } else {
        Err(format!(
            "{} is missing: run `npm ci` ({package} is a devDependency in package.json)",
            tool.display()
        ))
    }
}

/// Installs the npm dev dependencies (binaryen's wasm-opt for the build, esbuild for the dist
/// build, playwright-core for the browser tests) from the committed lockfile when they are
/// missing or stale.
pub fn ensure_node_modules() -> Result<(), String> {
    let root = repo_root();
    let marker = root.join("node_modules").join(".package-lock.json");
    if is_newer_or_equal(&marker, &root.join("package-lock.json")) {
        return Ok(());
    }
    run_step(
        "npm ci (wasm-opt, esbuild and browser test dependencies, from package-lock.json)",
        "npm",
        &["ci", "--no-audit", "--no-fund"],
    )
}

fn is_newer_or_equal(a: &Path, b: &Path) -> bool {
    let modified = |p: &Path| fs::metadata(p).and_then(|m| m.modified()).ok();
    matches!((modified(a), modified(b)), (Some(x), Some(y)) if x >= y)
}

fn bindgen_version() -> &'static str {
    // Kept in step with the `=` pins in both Cargo.toml files.
    "0.2.130"
}

/// `cargo xtask dist [--out DIR]`.
pub fn dist_command(rest: &[String]) -> Result<(), String> {
    let mut out = repo_root().join("dist");
    let mut i = 0;
    while i < rest.len() {
        if let Some(value) = crate::flag_value(rest, &mut i, "--out") {
            out = PathBuf::from(value?);
        } else {
            return Err(crate::usage_error(format!("unknown option '{}'", rest[i])));
        }
        i += 1;
    }
    web_and_node()?;
    make_dist(&out)?;
    eprintln!(
        "\ndist ready: {}\ncopy that folder to any static host (it uses relative paths only)",
        out.display()
    );
    Ok(())
}

/// Copies `www/` (with the freshly generated `pkg/`) into `out`, replacing what was there, and
/// minifies its JS and CSS (xtask/src/minify.rs): what is deployed is what visitors download,
/// while `www/` stays the readable source `cargo xtask serve` runs.
pub fn make_dist(out: &Path) -> Result<(), String> {
    if out.exists() {
        fs::remove_dir_all(out).map_err(|e| format!("clear {}: {e}", out.display()))?;
    }
    ensure_node_modules()?;
    copy_dir(&repo_root().join("www"), out)?;
    crate::minify::minify_dir(out)
}

fn copy_dir(from: &Path, to: &Path) -> Result<(), String> {
    fs::create_dir_all(to).map_err(|e| format!("create {}: {e}", to.display()))?;
    let entries = fs::read_dir(from).map_err(|e| format!("read {}: {e}", from.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("read {}: {e}", from.display()))?;
        let path = entry.path();
        let target = to.join(entry.file_name());
        if path.is_dir() {
            copy_dir(&path, &target)?;
        } else {
            fs::copy(&path, &target).map_err(|e| format!("copy {}: {e}", path.display()))?;
        }
    }
    Ok(())
}
