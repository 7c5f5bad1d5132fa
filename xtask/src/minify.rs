//! Minifies the JS and CSS of a dist folder in place with esbuild, pinned in package-lock.json.
//!
//! Only what is deployed is minified: `www/` stays the readable source that `cargo xtask serve`
//! runs as it is. Each file is minified on its own (no bundling), so every module keeps its path,
//! its exports and its `import` lines, the page's `import()`s on demand still load separate files,
//! and the Content-Security-Policy in `index.html` holds as before: esbuild adds no inline code
//! and no `eval`. Comments go (most of the JS's bytes are doc comments), local names shrink.

use crate::proc::run_step_with;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The syntax the page already requires (classes with fields, optional chaining, `??`), so the
/// minifier neither lowers what the source uses nor writes newer syntax than the source does.
const TARGET: &str = "es2022";

/// Scripts for browsers without ES modules (the `nomodule` fallback): left as written, since
/// they must stay the old syntax such browsers read, and no module-capable browser loads them.
const NOT_MINIFIED: &[&str] = &["legacy.js"];

/// Minifies every `.js` and `.css` file under `dir` (except [`NOT_MINIFIED`]) in place.
pub fn minify_dir(dir: &Path) -> Result<(), String> {
    let tool = crate::build::npm_tool("esbuild", "esbuild")?;
    let mut files = Vec::new();
    collect(dir, &mut files)?;
    if files.is_empty() {
        return Ok(());
    }
    run_step_with(
        &format!("minify {} JS and CSS files (esbuild)", files.len()),
        Command::new(tool)
            .args(&files)
            .arg("--minify")
            .arg(format!("--target={TARGET}"))
            .arg("--charset=utf8")
            .arg("--log-level=warning")
            .arg("--allow-overwrite")
            .arg(format!("--outbase={}", dir.display()))
            .arg(format!("--outdir={}", dir.display())),
    )
}

/// The files to minify under `dir`, in a stable order.
fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries = fs::read_dir(dir).map_err(|e| format!("read {}: {e}", dir.display()))?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.path())
        .collect();
    paths.sort();
    for path in paths {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if path.is_dir() {
            collect(&path, out)?;
        } else if (name.ends_with(".js") || name.ends_with(".css"))
            && !NOT_MINIFIED.contains(&name.as_str())
        {
            out.push(path);
        }
    }
    Ok(())
}
