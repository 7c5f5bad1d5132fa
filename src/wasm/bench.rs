//! The benchmark workloads for `raftlab bench`'s wasm column (bench/wasm_bench.mjs times them
//! in Node). Each runs the same function the native side runs (src/bench/) and returns what it
//! did, never how long it took: the timing is the caller's. The checker's reference history
//! (`benchHistoryJson`) is the on-demand module's, beside the checker (tools-wasm/).

use crate::bench::{raft_cycle, recorded, workload};
use wasm_bindgen::prelude::*;

use super::playground::{Playground, whole};

/// Runs a simulation workload (`{ nodes, monitors, seconds, putsPerSecond, seed }`) and returns
/// its outcome (`{ events, committed, simMs, stateHash }`) as JSON.
#[wasm_bindgen(js_name = benchWorkload)]
pub fn bench_workload(spec: &str) -> Result<String, JsError> {
    let spec: workload::Workload = crate::json_text::from_text(spec)
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

/// `count` seek targets over `0..=end_ms`, the same sequence the native benchmark uses.
#[wasm_bindgen(js_name = benchSeekTargets)]
pub fn bench_seek_targets(end_ms: f64, count: f64) -> Result<Vec<f64>, JsError> {
    let count = usize::try_from(whole(count, "count")?).unwrap_or(usize::MAX);
    Ok(recorded::seek_targets(whole(end_ms, "end")?, count)
        .into_iter()
        .map(|t| t as f64)
        .collect())
}

/// The wasm instance's linear memory, in bytes: its whole heap as the page would hold it.
#[wasm_bindgen(js_name = wasmMemoryBytes)]
pub fn wasm_memory_bytes() -> f64 {
    (core::arch::wasm32::memory_size(0) as f64) * 65_536.0
}

#[wasm_bindgen]
impl Playground {
    /// A fresh 5-node run with `minutes` simulated minutes of client writes recorded (the
    /// seek benchmark's run).
    #[wasm_bindgen(js_name = benchRecorded)]
    pub fn bench_recorded(minutes: f64) -> Result<Playground, JsError> {
        let timeline =
            recorded::record(whole(minutes, "minutes")?).map_err(|e| JsError::new(&e))?;
        Ok(Playground::over(timeline))
    }
}
