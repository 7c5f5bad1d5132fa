//! What one `raftlab bench` run measures: the same plan drives the native measurements and,
//! as JSON, the wasm ones in Node (bench/wasm_bench.mjs).

use crate::bench::workload::Workload;
use serde::Serialize;

/// The sizes of every measurement. Quick mode is a smoke run: every figure, tiny sizes.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    /// The simulation workloads: 3, 5 and 9 nodes, monitors on and off.
    pub workloads: Vec<Workload>,
    /// Runs of each workload and Raft-core measurement; the best time counts.
    pub repeats: u32,
    /// Cluster sizes for the Raft core alone.
    pub raft_sizes: Vec<u64>,
    /// Propose -> commit -> apply cycles per Raft-core measurement.
    pub raft_cycles: u64,
    /// Runs of each checker measurement; the best counts.
    pub checker_repeats: u32,
    /// Simulated minutes of the seek benchmark's recorded run.
    pub record_minutes: u64,
    /// Seeks to random moments of it.
    pub seeks: usize,
    /// Fuzz seeds (60 simulated seconds each), native only.
    #[serde(skip)]
    pub fuzz_seeds: u64,
    /// Client writes of the bytes-per-entry measurement, native only.
    #[serde(skip)]
    pub memory_writes: u64,
}

/// Client writes per simulated second in the simulation workloads: the page's target shape.
pub const PUTS_PER_SECOND: u64 = 10;

impl Plan {
    /// The full plan (about two minutes on a 2-core machine) or the quick one (seconds).
    pub fn new(quick: bool) -> Plan {
        let seconds = if quick { 10 } else { 600 };
        let workloads = [3, 5, 9]
            .into_iter()
            .flat_map(|nodes| {
                [true, false].map(|monitors| Workload {
                    nodes,
                    monitors,
                    seconds,
                    puts_per_second: PUTS_PER_SECOND,
                    seed: 1,
                })
            })
            .collect();
        Plan {
            workloads,
            repeats: if quick { 1 } else { 3 },
            raft_sizes: vec![3, 5, 7],
            raft_cycles: if quick { 200 } else { 20_000 },
            checker_repeats: if quick { 1 } else { 5 },
            record_minutes: if quick { 2 } else { 60 },
            seeks: if quick { 20 } else { 200 },
            fuzz_seeds: if quick { 4 } else { 200 },
            memory_writes: if quick { 500 } else { 5_000 },
        }
    }
}
