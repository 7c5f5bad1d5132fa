//! The benchmark workloads for `raftlab bench`'s wasm column that must run on the page's own
//! module (bench/wasm_bench.mjs times them in Node): the recorded run, its seek targets and the
//! linear memory it takes. Each runs the same function the native side runs (src/bench/) and
//! returns what it did, never how long it took: the timing is the caller's. The simulation and
//! Raft-core workloads (`benchWorkload`, `benchRaftCycles`: the big on-demand module's) and the
//! checker's reference history (`benchHistoryJson`, beside the checker) are in tools-wasm/, so
//! the page's first download does not carry them.

use crate::bench::recorded;
use wasm_bindgen::prelude::*;

use super::playground::{Playground, whole};

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
