//! Running child processes with a visible step banner and a clear error when a tool is missing.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// The repository root (the parent of this crate's folder).
pub fn repo_root() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.parent().unwrap_or(here).to_path_buf()
}

/// Runs `program args` in the repo root, printing a banner and the step's wall time.
pub fn run_step(title: &str, program: &str, args: &[&str]) -> Result<(), String> {
    run_step_with(title, Command::new(program).args(args))
}

/// Runs a prepared command as a named step (banner, timing, error naming the step).
pub fn run_step_with(title: &str, command: &mut Command) -> Result<(), String> {
    eprintln!("\n==> {title}");
    let started = Instant::now();
    let status = command
        .current_dir(repo_root())
        .status()
        .map_err(|e| format!("{title}: could not start {:?}: {e}", command.get_program()))?;
    eprintln!("<== {title}: {:.1} s", started.elapsed().as_secs_f64());
    if status.success() {
        Ok(())
    } else {
        Err(format!("step failed: {title} ({status})"))
    }
}

/// Runs a command and returns its trimmed standard output, or None if it fails.
pub fn output_of(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program)
        .args(args)
        .current_dir(repo_root())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}
