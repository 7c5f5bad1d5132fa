//! The simulation and Raft-core workloads of `raftlab bench`'s wasm column
//! (bench/wasm_bench.mjs times them in Node). Each runs the same function the native side runs
//! (`raftlab::bench`) and returns what it did, never how long it took.
//!
//! They are here, not in the page's module, because no visitor of the page runs them: there
//! they were about 5 KB of the page's gzipped first download. This module is built with the
//! same profile from the same library, so the work timed is the same code. What must be
//! measured on the page's own module stays there (`src/wasm/bench.rs`: the recorded run, its
//! seeks and the linear memory they take).

use raftlab::bench::{raft_cycle, workload};
use wasm_bindgen::prelude::*;

/// Runs a simulation workload (`{ nodes, monitors, seconds, putsPerSecond, seed }`) and returns
/// its outcome (`{ events, committed, simMs, stateHash }`) as JSON.
#[wasm_bindgen(js_name = benchWorkload)]
pub fn bench_workload(spec: &str) -> Result<String, JsError> {
    let spec: workload::Workload = raftlab::json_text::from_text(spec)
        .map_err(|e| JsError::new(&format!("bad workload: {e}")))?;
    let outcome = workload::run(&spec).map_err(|e| JsError::new(&e))?;
    serde_json::to_string(&outcome).map_err(|e| JsError::new(&e.to_string()))
}

/// Runs `cycles` propose -> commit -> apply cycles on a fresh in-memory Raft cluster of `size`
/// nodes; returns the entries applied over all nodes.
#[wasm_bindgen(js_name = benchRaftCycles)]
pub fn bench_raft_cycles(size: f64, cycles: f64) -> Result<f64, JsError> {
    let applied = raft_cycle::run(whole(size, "size")?, whole(cycles, "cycles")?)
        .map_err(|e| JsError::new(&e))?;
    Ok(applied as f64)
}

/// A JS number that must be a whole number from 0 to 2^53 (the page module's rule for counts).
fn whole(value: f64, what: &str) -> Result<u64, JsError> {
    if value.is_finite() && value >= 0.0 && value.fract() == 0.0 && value <= 9_007_199_254_740_992.0
    {
        Ok(value as u64)
    } else {
        Err(JsError::new(&format!(
            "bad {what}: {value} is not a whole number from 0 to 2^53"
        )))
    }
}
