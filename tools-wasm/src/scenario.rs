//! wasm-bindgen exports of the run's text forms that only the Share & export dialog and the
//! tests ask for: a run as an exact replay script, as a shell script for a real etcd cluster and
//! as a Rust regression test; a script file as a run; a script run headless with its report.
//!
//! They live here rather than in the page's first module because no first paint needs them:
//! the script runner, the etcd and Rust writers and the checker they pull in are bytes every
//! visitor would otherwise download. They are the feature `scenario`, built into the big
//! on-demand module (`raftlab_tools`) only: replaying a run takes the simulator, which the small
//! module (`raftlab_check`, for the History tab and lessons) is kept free of. A run crosses as
//! scenario JSON (docs/scenario-format.md), which the page's module writes
//! (`Playground.scenarioJson`) and reads (`Playground.fromScenarioJson`), so the modules share
//! no memory and no objects.

use raftlab::scenario::etcd_export::etcd_script;
use raftlab::scenario::link::Scenario;
use raftlab::scenario::rust_test_export::rust_test;
use raftlab::scenario::script_timeline::timeline_of_script;
use raftlab::scenario::sim_script;
use wasm_bindgen::prelude::*;

fn scenario_of(json: &str) -> Result<Scenario, JsError> {
    Scenario::from_json(json).map_err(|e| JsError::new(&e))
}

/// The run in `scenarioJson` as a scenario script (the `raftlab run FILE` format): the
/// settings, every action applied up to the moment shown right after the simulator step it
/// was taken at, and a final `hash` whose expected output is the state hash there, so a native
/// `raftlab run` of it fails unless it reaches exactly that state. The run is replayed here
/// (its hash checked, as a link's is) and the script once more for its other outputs.
#[wasm_bindgen(js_name = replayScript)]
pub fn replay_script(scenario_json: &str) -> Result<String, JsError> {
    let timeline = scenario_of(scenario_json)?
        .replay()
        .map_err(|e| JsError::new(&format!("script: {e}")))?;
    sim_script::replay_script(&timeline).map_err(|e| JsError::new(&format!("script: {e}")))
}

/// A POSIX shell script that replays the run in `scenarioJson` up to its moment against a real
/// etcd cluster on 127.0.0.1 (docs/export.md). Console text is quoted, so the script is safe
/// to run whatever was typed.
#[wasm_bindgen(js_name = etcdScript)]
pub fn etcd_script_of(scenario_json: &str) -> Result<String, JsError> {
    Ok(etcd_script(&scenario_of(scenario_json)?))
}

/// The text of a Rust integration test (a file for raftlab's `tests/`) that replays the run in
/// `scenarioJson` to its moment and asserts its state hash.
#[wasm_bindgen(js_name = rustTest)]
pub fn rust_test_of(scenario_json: &str) -> Result<String, JsError> {
    Ok(rust_test(&scenario_of(scenario_json)?, "a playground run"))
}

/// A scenario script (the `raftlab run` format) recorded as a run, as scenario JSON for
/// `Playground.fromScenarioJson`: its runs and actions recorded as the page records them. A
/// script that does not parse or cannot be recorded is a JS error in words.
#[wasm_bindgen(js_name = scriptScenarioJson)]
pub fn script_scenario_json(text: &str) -> Result<String, JsError> {
    let timeline = timeline_of_script(text).map_err(|e| JsError::new(&e))?;
    Ok(Scenario::of(&timeline).to_json())
}

/// Runs a scenario script (the `raftlab run` format) and returns a JSON report:
/// `{ outputs: [..], mismatches: [{ line, expected, actual }], violation, violationKind,
/// violationWhy, stateHash, traceEvents }` (kind: consequence, structure or rule; why: the
/// learner's explanation, with the teaching switches' rules and harms),
/// or `{ error }` for a script that does not parse. Used by the wasm determinism test, which
/// compares the outputs with the same golden file the native tests check.
#[wasm_bindgen(js_name = runScript)]
pub fn run_script(text: &str) -> String {
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
