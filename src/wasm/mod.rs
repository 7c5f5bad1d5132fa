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
