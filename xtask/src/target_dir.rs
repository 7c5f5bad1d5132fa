//! Where cargo puts build outputs. `CARGO_TARGET_DIR`, `build.target-dir` in a config file or
//! `--target-dir` can all move it away from `./target`; only cargo knows the answer for sure, so
//! xtask asks it once (`cargo metadata`) instead of guessing, and every path to a build output
//! (the wasm, the CLI, the Node module, the end-to-end dist folder) is built from that answer.

use crate::proc::repo_root;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The workspace's target directory, as cargo reports it (asked once per run).
pub fn target_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| ask_cargo().unwrap_or_else(|why| fallback(&why)))
}

/// `cargo metadata --format-version 1 --no-deps`, field `target_directory`.
fn ask_cargo() -> Result<PathBuf, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(&cargo)
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .current_dir(repo_root())
        .output()
        .map_err(|e| format!("could not start cargo metadata: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    target_directory_of(&String::from_utf8_lossy(&out.stdout))
}

/// The `target_directory` field of `cargo metadata` output.
fn target_directory_of(metadata_json: &str) -> Result<PathBuf, String> {
    let metadata: serde_json::Value = serde_json::from_str(metadata_json)
        .map_err(|e| format!("cargo metadata printed something that is not JSON: {e}"))?;
    metadata
        .get("target_directory")
        .and_then(serde_json::Value::as_str)
        .map(PathBuf::from)
        .ok_or_else(|| "cargo metadata has no target_directory".to_string())
}

/// If cargo cannot be asked, `CARGO_TARGET_DIR` (relative to the repo root, as cargo reads it)
/// or `./target`, with a warning so a wrong guess is not silent.
fn fallback(why: &str) -> PathBuf {
    let root = repo_root();
    let dir = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => root.join(dir),
        _ => root.join("target"),
    };
    eprintln!(
        "xtask: {why}; assuming the target directory is {}",
        dir.display()
    );
    dir
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_target_directory_from_cargo_metadata() {
        let json = r#"{"packages":[],"target_directory":"/tmp/elsewhere","version":1}"#;
        assert_eq!(
            target_directory_of(json),
            Ok(PathBuf::from("/tmp/elsewhere"))
        );
        assert!(target_directory_of(r#"{"version":1}"#).is_err());
        assert!(target_directory_of("warning: not json").is_err());
    }

    #[test]
    fn cargo_reports_this_workspace_target_directory() {
        // The test itself runs from a build in cargo's target directory.
        let dir = ask_cargo().expect("cargo metadata works where the tests run");
        let exe = std::env::current_exe().expect("test binary path");
        assert!(
            exe.starts_with(&dir),
            "{} is not under {}",
            exe.display(),
            dir.display()
        );
    }
}
