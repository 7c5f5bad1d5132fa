//! wasm-bindgen exports of the checker (feature `checker`, in both on-demand modules; see the
//! crate comment): the History tab's worker needs only these, so they are in the small module
//! that holds no simulator.

use raftlab::check::{self, CheckConfig};
use wasm_bindgen::prelude::*;

/// A generated linearizable history (the benchmark's shape) as checker JSON, so the wasm
/// benchmark times the check alone. Sizes are clamped to the checker's limits.
#[wasm_bindgen(js_name = generateHistoryJson)]
pub fn generate_history_json(ops: u32, clients: u32, keys: u32, seed: u32) -> String {
    let config = check::GenerateConfig {
        ops: ops as usize,
        clients: u64::from(clients),
        keys: u64::from(keys),
        unknown_per_mille: 0,
        seed: u64::from(seed),
    };
    match check::generate_linearizable(&config) {
        Ok(history) => check::to_json(&history),
        Err(error) => serde_json::json!({ "error": error.to_string() }).to_string(),
    }
}

/// The checker's reference history (10,000 ops, 10 clients, 50 keys; `raftlab bench`'s), with a
/// stale read appended when `violation`, as checker JSON.
#[wasm_bindgen(js_name = benchHistoryJson)]
pub fn bench_history_json(violation: bool) -> Result<String, JsError> {
    raftlab::bench::histories::reference(violation)
        .map(|history| check::to_json(&history))
        .map_err(|e| JsError::new(&e.to_string()))
}

/// The budgets for a check from the page: `budget` steps per key when given (see
/// [`CheckConfig::with_budget`]), the defaults when `undefined`. A budget crosses as a JS
/// number; one below 1 or not finite is ignored.
fn check_config(budget: Option<f64>) -> CheckConfig {
    match budget {
        // Above 2^53 a JS number is no longer an exact integer; no page waits that long anyway.
        Some(steps) if steps.is_finite() && steps >= 1.0 => {
            CheckConfig::with_budget(steps.min(9_007_199_254_740_992.0) as u64)
        }
        _ => CheckConfig::default(),
    }
}

/// Checks a history in the JSON format of docs/history-format.md; returns the verdict
/// (`ok`, `violation`, `unknown`) or `error: ...` for input that does not parse. `budget`
/// (optional, so `checkHistoryJson(json)` works as before) raises the steps allowed per key.
#[wasm_bindgen(js_name = checkHistoryJson)]
pub fn check_history_json(json: &str, budget: Option<f64>) -> String {
    match check::check_json_with(json, &check_config(budget)) {
        Ok(report) => report.verdict.name().to_string(),
        Err(error) => format!("error: {error}"),
    }
}

/// Checks a history like [`check_history_json`] and returns the whole report as JSON (the
/// `CheckReport` of docs/history-format.md, with `budget` saying how much of it was used), or
/// `{ "error": ... }` for input that does not parse.
#[wasm_bindgen(js_name = checkHistoryReport)]
pub fn check_history_report(json: &str, budget: Option<f64>) -> String {
    match check::check_json_with(json, &check_config(budget)) {
        Ok(report) => serde_json::to_string(&report)
            .unwrap_or_else(|error| serde_json::json!({ "error": error.to_string() }).to_string()),
        Err(error) => serde_json::json!({ "error": error.to_string() }).to_string(),
    }
}

/// A parsed history kept on the wasm side, so a benchmark can time the search alone.
#[wasm_bindgen]
pub struct PreparedHistory {
    history: check::History,
}

#[wasm_bindgen]
impl PreparedHistory {
    /// Parses a history (docs/history-format.md); a malformed one is a JS error with the reason.
    #[wasm_bindgen(constructor)]
    pub fn new(json: &str) -> Result<PreparedHistory, JsError> {
        check::from_json(json)
            .map(|history| PreparedHistory { history })
            .map_err(|e| JsError::new(&e.to_string()))
    }

    /// Runs the checker (with `budget` steps per key when given); returns `ok`, `violation` or
    /// `unknown`.
    pub fn check(&self, budget: Option<f64>) -> String {
        let report = check::check_history(&self.history, &check_config(budget));
        report.verdict.name().to_string()
    }
}
