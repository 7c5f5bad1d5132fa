//! Bundles and minifies the JS and CSS of a dist folder in place with esbuild, pinned in
//! package-lock.json.
//!
//! Only what is deployed is changed: `www/` stays the readable source that `cargo xtask serve`
//! runs as it is, module by module. In dist, the page's entry module ([`ENTRY`]) and every module
//! it imports statically become one file (a first visit fetched 22 small modules, each gzipped
//! on its own, with their exported names kept whole: bundled, the same code is about 8 KB
//! smaller gzipped), and each module the page imports on demand (`import('./export.js')`, ...)
//! becomes a chunk of its own, loaded when first used as before, with the code it shares with
//! others in shared chunks. The wasm bindings (`../pkg/`) stay files of their own (they fetch
//! their wasm next to themselves). The modules that were bundled are removed; the rest (the
//! check worker, the `nomodule` fallback, the embedding example) are minified one by one.
//! The Content-Security-Policy in `index.html` holds as before: esbuild adds no inline code and
//! no `eval`. Comments go (most of the JS's bytes are doc comments), local names shrink.

use crate::proc::{repo_root, run_step_with};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The syntax the page already requires (classes with fields, optional chaining, `??`), so the
/// minifier neither lowers what the source uses nor writes newer syntax than the source does.
const TARGET: &str = "es2022";

/// The page's entry module (index.html's `<script type="module">`), relative to the dist folder.
const ENTRY: &str = "js/main.js";

/// Scripts for browsers without ES modules (the `nomodule` fallback): left as written, since
/// they must stay the old syntax such browsers read, and no module-capable browser loads them.
const NOT_MINIFIED: &[&str] = &["legacy.js"];

/// Bundles [`ENTRY`] (see the module comment), then minifies every `.js` and `.css` file under
/// `dir` (except [`NOT_MINIFIED`]) in place.
pub fn minify_dir(dir: &Path) -> Result<(), String> {
    let tool = crate::build::npm_tool("esbuild", "esbuild")?;
    bundle_entry(&tool, dir)?;
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

/// Bundles [`ENTRY`] with its static imports into itself, splits what it imports on demand into
/// chunks beside it, and removes the modules that went into the bundle or a chunk.
fn bundle_entry(tool: &Path, dir: &Path) -> Result<(), String> {
    let meta = dir.join("bundle-meta.json");
    let entry = dir.join(ENTRY);
    let out_dir = entry.parent().unwrap_or(dir);
    run_step_with(
        &format!("bundle {ENTRY} (esbuild, split at each import())"),
        Command::new(tool)
            .arg(&entry)
            .args(["--bundle", "--splitting", "--format=esm", "--minify"])
            .arg(format!("--target={TARGET}"))
            .arg("--charset=utf8")
            .arg("--log-level=warning")
            .arg("--allow-overwrite")
            // The wasm bindings stay files: they find their wasm beside themselves.
            .arg("--external:../pkg/*")
            .arg("--entry-names=[name]")
            .arg("--chunk-names=[name]-[hash]")
            .arg(format!("--outdir={}", out_dir.display()))
            .arg(format!("--metafile={}", meta.display())),
    )?;
    let text = fs::read_to_string(&meta).map_err(|e| format!("read {}: {e}", meta.display()))?;
    fs::remove_file(&meta).map_err(|e| format!("remove {}: {e}", meta.display()))?;
    let parsed: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("esbuild's metafile: {e}"))?;
    let inputs = parsed
        .get("inputs")
        .and_then(|inputs| inputs.as_object())
        .ok_or("esbuild's metafile has no inputs")?;
    let outputs: Vec<&String> = parsed
        .get("outputs")
        .and_then(|outputs| outputs.as_object())
        .map(|outputs| outputs.keys().collect())
        .unwrap_or_default();
    // The metafile's paths are relative to esbuild's working directory, the repository's root
    // (where `run_step_with` runs every step).
    let root = repo_root();
    for input in inputs.keys() {
        // The entry's own path now holds the bundle.
        if outputs.contains(&input) {
            continue;
        }
        let file = root.join(input);
        fs::remove_file(&file).map_err(|e| format!("remove {}: {e}", file.display()))?;
    }
    Ok(())
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
