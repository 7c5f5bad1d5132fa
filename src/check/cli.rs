//! `raftlab check FILE [--budget N] [--json]`: read a JSON history, check it, describe the
//! result.

use std::path::Path;

use super::checker::{CheckConfig, check_history};
use super::history::limits;
use super::json::from_json;
use super::render::render_text_with_budget;
use super::report::Verdict;

/// How `raftlab check` reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// The text report, ending with the budget used and the verdict.
    Text,
    /// The [`CheckReport`](super::report::CheckReport) as JSON (docs/history-format.md).
    Json,
}

/// Checks the history in the file at `path` within the budgets of `config`. `Ok` carries the
/// verdict (for the exit status, see [`Verdict::exit_code`]) and the report in `format`; `Err`
/// says why the file could not be read (exit status 2).
pub fn check_file(
    path: &Path,
    config: &CheckConfig,
    format: Format,
) -> Result<(Verdict, String), String> {
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
    let report = check_history(&history, config);
    let output = match format {
        Format::Text => render_text_with_budget(&history, &report),
        Format::Json => {
            let mut json = serde_json::to_string_pretty(&report)
                .map_err(|error| format!("{}: {error}", path.display()))?;
            json.push('\n');
            json
        }
    };
    Ok((report.verdict, output))
}
