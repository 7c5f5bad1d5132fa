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
//! The page's stylesheets (`index.html` links 14, one per view) are joined, in their order, into
//! one ([`STYLES`], about 5 KB smaller gzipped than the 14 gzipped one by one), which
//! `index.html` then links alone. The Content-Security-Policy in `index.html` holds as before: esbuild adds no inline code and
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

/// The page whose stylesheets are joined.
const PAGE: &str = "index.html";

/// The one stylesheet [`PAGE`] links in dist: the ones it links in `www/`, joined in order.
const STYLES: &str = "page.css";

/// Scripts for browsers without ES modules (the `nomodule` fallback): left as written, since
/// they must stay the old syntax such browsers read, and no module-capable browser loads them.
const NOT_MINIFIED: &[&str] = &["legacy.js"];

/// Bundles [`ENTRY`] and joins [`PAGE`]'s stylesheets (see the module comment), then minifies
/// every `.js` and `.css` file under `dir` (except [`NOT_MINIFIED`]) in place.
pub fn minify_dir(dir: &Path) -> Result<(), String> {
    let tool = crate::build::npm_tool("esbuild", "esbuild")?;
    bundle_entry(&tool, dir)?;
    join_styles(&tool, dir)?;
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

/// Joins the stylesheets [`PAGE`] links (one `<link rel="stylesheet" href="...">` a line, as
/// `www/index.html` writes them) into [`STYLES`], in their order so the cascade is the same,
/// links that one in the first one's place, and removes the joined files no other page links.
fn join_styles(tool: &Path, dir: &Path) -> Result<(), String> {
    const LINK: &str = "<link rel=\"stylesheet\" href=\"";
    let page = dir.join(PAGE);
    let html = fs::read_to_string(&page).map_err(|e| format!("read {}: {e}", page.display()))?;
    let mut hrefs = Vec::new();
    let mut lines = Vec::new();
    for line in html.lines() {
        let href = line
            .trim()
            .strip_prefix(LINK)
            .and_then(|rest| rest.strip_suffix("\">"));
        match href {
            Some(href) => {
                if hrefs.is_empty() {
                    lines.push(line.replace(href, STYLES));
                }
                hrefs.push(href.to_string());
            }
            None => lines.push(line.to_string()),
        }
    }
    if hrefs.is_empty() {
        return Ok(());
    }
    let entry = dir.join("styles-entry.css");
    let imports: String = hrefs
        .iter()
        .map(|href| format!("@import \"./{href}\";\n"))
        .collect();
    fs::write(&entry, imports).map_err(|e| format!("write {}: {e}", entry.display()))?;
    run_step_with(
        &format!("join {} stylesheets into {STYLES} (esbuild)", hrefs.len()),
        Command::new(tool)
            .arg(&entry)
            .args(["--bundle", "--minify"])
            .arg("--charset=utf8")
            .arg("--log-level=warning")
            .arg(format!("--outfile={}", dir.join(STYLES).display())),
    )?;
    fs::remove_file(&entry).map_err(|e| format!("remove {}: {e}", entry.display()))?;
    let mut joined = lines.join("\n");
    if html.ends_with('\n') {
        joined.push('\n');
    }
    fs::write(&page, joined).map_err(|e| format!("write {}: {e}", page.display()))?;
    // Another page (the embedding example) may link one of them: that one stays.
    let mut others = String::new();
    let entries = fs::read_dir(dir).map_err(|e| format!("read {}: {e}", dir.display()))?;
    for entry in entries.filter_map(|entry| entry.ok()) {
        let path = entry.path();
        if path.extension().is_some_and(|x| x == "html") && path != page {
            others.push_str(&fs::read_to_string(&path).unwrap_or_default());
        }
    }
    for href in &hrefs {
        if !others.contains(&format!("\"{href}\"")) {
            let file = dir.join(href);
            fs::remove_file(&file).map_err(|e| format!("remove {}: {e}", file.display()))?;
        }
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
