//! `raftlab check FILE`: read a JSON history, check it, describe the result.

use std::path::Path;

use super::checker::{CheckConfig, check_history};
use super::history::limits;
use super::json::from_json;
use super::render::render_text;
use super::report::Verdict;

/// Checks the history in the file at `path` with the default budgets. `Ok` carries the verdict
/// (for the exit status, see [`Verdict::exit_code`]) and the report text; `Err` says why the file
/// could not be read (exit status 2).
pub fn check_file(path: &Path) -> Result<(Verdict, String), String> {
    let size = std::fs::metadata(path)
        .map_err(|error| format!("{}: {error}", path.display()))?
        .len();
    if size > limits::JSON_BYTES_MAX as u64 {
        return Err(format!(
            "{}: {size} bytes, more than the limit of {}",
            path.display(),
            limits::JSON_BYTES_MAX
        ));
    }
    let text =
        std::fs::read_to_string(path).map_err(|error| format!("{}: {error}", path.display()))?;
    let history = from_json(&text).map_err(|error| format!("{}: {error}", path.display()))?;
    let report = check_history(&history, &CheckConfig::default());
    Ok((report.verdict, render_text(&history, &report)))
}
