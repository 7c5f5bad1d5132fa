//! wasm-bindgen bindings: the only module that knows about JavaScript. It turns simulator state
//! into plain-data view models and actions into calls; no protocol logic lives here.

mod bench;
mod catalog;
mod exports;
mod lessons;
mod links;
mod log_slice;
mod monitors;
mod playground;
mod replay;
mod spacetime;
mod time_travel;
use wasm_bindgen::prelude::*;

/// The core's version (from Cargo.toml), shown in the page's header.
#[wasm_bindgen]
pub fn version() -> String {
    crate::build_info::VERSION.to_string()
}

/// The build id (git commit or `dev`).
#[wasm_bindgen(js_name = buildId)]
pub fn build_id() -> String {
    crate::build_info::BUILD_ID.to_string()
}

/// A fresh random seed for a new run, as a decimal string (a `u64` would cross as a BigInt;
/// links keep seeds as strings). Falls back to a fixed seed if the browser has no crypto source.
#[wasm_bindgen(js_name = freshSeed)]
pub fn fresh_seed() -> String {
    let mut bytes = [0u8; 8];
    match getrandom::fill(&mut bytes) {
        Ok(()) => u64::from_le_bytes(bytes).to_string(),
        Err(_) => "1".to_string(),
    }
}

/// Runs a scenario script (the `raftlab run` format) and returns a JSON report:
/// `{ outputs: [..], mismatches: [{ line, expected, actual }], violation, violationKind,
/// violationWhy, stateHash, traceEvents }` (kind: consequence, structure or rule; why: the
/// learner's explanation, with the teaching switches' rules and harms),
/// or `{ error }` for a script that does not parse. Used by the wasm determinism test, which
/// compares the outputs with the same golden file the native tests check.
#[wasm_bindgen(js_name = runScript)]
pub fn run_script(text: &str) -> String {
    use crate::scenario::sim_script;
    let report = match sim_script::run_script(text) {
        Ok(run) => serde_json::json!({
            "outputs": run.outputs,
            "mismatches": run.mismatches.iter().map(|(line, expected, actual)| serde_json::json!({
                "line": line, "expected": expected, "actual": actual,
            })).collect::<Vec<_>>(),
            "violation": run.violation.as_ref().map(|v| v.to_string()),
            "violationKind": run.violation.as_ref().map(|v| v.kind.name()),
            "violationWhy": run.violation.as_ref().map(|v| v.explanation.clone()),
            "stateHash": run.state_hash.map(|h| format!("{h:016x}")),
            "traceEvents": run.trace.lines().count(),
        }),
        Err(error) => serde_json::json!({ "error": error.to_string() }),
    };
    report.to_string()
}

/// A generated linearizable history (the benchmark's shape) as checker JSON, so the wasm
/// benchmark times the check alone. Sizes are clamped to the checker's limits.
#[wasm_bindgen(js_name = generateHistoryJson)]
pub fn generate_history_json(ops: u32, clients: u32, keys: u32, seed: u32) -> String {
    let config = crate::check::GenerateConfig {
        ops: ops as usize,
        clients: u64::from(clients),
        keys: u64::from(keys),
        unknown_per_mille: 0,
        seed: u64::from(seed),
    };
    match crate::check::generate_linearizable(&config) {
        Ok(history) => crate::check::to_json(&history),
        Err(error) => serde_json::json!({ "error": error.to_string() }).to_string(),
    }
}

/// The budgets for a check from the page: `budget` steps per key when given (see
/// [`CheckConfig::with_budget`](crate::check::CheckConfig::with_budget)), the defaults when
/// `undefined`. A budget crosses as a JS number; one below 1 or not finite is ignored.
fn check_config(budget: Option<f64>) -> crate::check::CheckConfig {
    match budget {
        // Above 2^53 a JS number is no longer an exact integer; no page waits that long anyway.
        Some(steps) if steps.is_finite() && steps >= 1.0 => {
            crate::check::CheckConfig::with_budget(steps.min(9_007_199_254_740_992.0) as u64)
        }
        _ => crate::check::CheckConfig::default(),
    }
}

/// Checks a history in the JSON format of docs/history-format.md; returns the verdict
/// (`ok`, `violation`, `unknown`) or `error: ...` for input that does not parse. `budget`
/// (optional, so `checkHistoryJson(json)` works as before) raises the steps allowed per key.
#[wasm_bindgen(js_name = checkHistoryJson)]
pub fn check_history_json(json: &str, budget: Option<f64>) -> String {
    match crate::check::check_json_with(json, &check_config(budget)) {
        Ok(report) => report.verdict.name().to_string(),
        Err(error) => format!("error: {error}"),
    }
}

/// Checks a history like [`check_history_json`] and returns the whole report as JSON (the
/// `CheckReport` of docs/history-format.md, with `budget` saying how much of it was used), or
/// `{ "error": ... }` for input that does not parse.
#[wasm_bindgen(js_name = checkHistoryReport)]
pub fn check_history_report(json: &str, budget: Option<f64>) -> String {
    match crate::check::check_json_with(json, &check_config(budget)) {
        Ok(report) => serde_json::to_string(&report)
            .unwrap_or_else(|error| serde_json::json!({ "error": error.to_string() }).to_string()),
        Err(error) => serde_json::json!({ "error": error.to_string() }).to_string(),
    }
}

/// A parsed history kept on the wasm side, so a benchmark can time the search alone.
#[wasm_bindgen]
pub struct PreparedHistory {
    history: crate::check::History,
}

#[wasm_bindgen]
impl PreparedHistory {
    /// Parses a history (docs/history-format.md); a malformed one is a JS error with the reason.
    #[wasm_bindgen(constructor)]
    pub fn new(json: &str) -> Result<PreparedHistory, JsError> {
        crate::check::from_json(json)
            .map(|history| PreparedHistory { history })
            .map_err(|e| JsError::new(&e.to_string()))
    }

    /// Runs the checker (with `budget` steps per key when given); returns `ok`, `violation` or
    /// `unknown`.
    pub fn check(&self, budget: Option<f64>) -> String {
        let report = crate::check::check_history(&self.history, &check_config(budget));
        report.verdict.name().to_string()
    }
}
