//! The wasm column: runs bench/wasm_bench.mjs (compiled into this binary) in Node against the
//! Node build of the wasm module (`cargo xtask build` writes it to target/wasm-node/).

use std::path::{Path, PathBuf};
use std::process::Command;

use super::measured::Measured;
use super::plan::Plan;

/// The Node driver, as text: the binary carries it, so `raftlab bench` works from anywhere.
const DRIVER: &str = include_str!("../../../bench/wasm_bench.mjs");

/// Where the wasm column comes from.
pub struct WasmTarget {
    /// The Node build's JS module (raftlab.js beside raftlab_bg.wasm).
    pub module: PathBuf,
    /// The Node.js executable.
    pub node: String,
}

/// Runs the plan in Node; the measurements and Node's version.
pub fn measure(target: &WasmTarget, plan: &Plan) -> Result<(Measured, String), String> {
    let module = std::fs::canonicalize(&target.module).map_err(|e| {
        format!(
            "no wasm Node module at {} ({e}); `cargo xtask build` makes it",
            target.module.display()
        )
    })?;
    let plan_json = serde_json::to_string(plan).map_err(|e| e.to_string())?;
    let driver = DriverFile::write()?;
    let output = Command::new(&target.node)
        .arg(driver.path())
        .arg(&module)
        .arg(plan_json)
        .output()
        .map_err(|e| {
            format!(
                "could not start `{}` ({e}); Node.js 20+ is needed",
                target.node
            )
        })?;
    if !output.status.success() {
        return Err(format!(
            "the wasm benchmark failed in Node ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let line = text.lines().last().unwrap_or_default();
    #[derive(serde::Deserialize)]
    struct Reply {
        node: String,
        #[serde(flatten)]
        measured: Measured,
    }
    let reply: Reply = serde_json::from_str(line)
        .map_err(|e| format!("the wasm benchmark printed something unexpected ({e}): {line}"))?;
    Ok((reply.measured, reply.node))
}

/// The driver written to a temporary file for Node to run, removed when dropped.
struct DriverFile(PathBuf);

impl DriverFile {
    fn write() -> Result<DriverFile, String> {
        let path =
            std::env::temp_dir().join(format!("raftlab-wasm-bench-{}.mjs", std::process::id()));
        std::fs::write(&path, DRIVER)
            .map_err(|e| format!("could not write {} ({e})", path.display()))?;
        Ok(DriverFile(path))
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for DriverFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
