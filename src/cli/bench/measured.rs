//! What one side (native or wasm) measured: the shape bench/wasm_bench.mjs prints as JSON and
//! the native side fills in itself.

use crate::bench::workload::Outcome;
use serde::Deserialize;

/// One side's measurements.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Measured {
    /// The simulation workloads, in the plan's order.
    pub workloads: Vec<WorkloadTime>,
    /// The Raft core alone, in the plan's order of sizes.
    pub raft: Vec<RaftTime>,
    /// The checker: linearizable, then with a stale read.
    pub checker: Vec<CheckTime>,
    /// The recorded run and the seeks in it.
    pub seek: SeekTimes,
}

/// A simulation workload's outcome and median wall time.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkloadTime {
    pub outcome: Outcome,
    pub wall_ms: f64,
}

/// The Raft core's cycles on one cluster size.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RaftTime {
    pub size: u64,
    /// Entries applied over all nodes (cycles x size when every cycle reached every node).
    pub applied: f64,
    pub wall_ms: f64,
}

/// One checker measurement.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckTime {
    pub violation: bool,
    /// `ok`, `violation` or `unknown`.
    pub verdict: String,
    pub wall_ms: f64,
}

/// The seek benchmark: the recorded run and each seek's wall time.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeekTimes {
    pub end_ms: f64,
    pub end_hash: String,
    pub record_wall_ms: f64,
    /// The heap after the recorded run: live bytes natively, linear memory in wasm.
    pub memory_bytes: f64,
    pub seek_ms: Vec<f64>,
}

/// The value at quantile `q` (0..=1) of `values` (nearest rank), or NaN when there are none.
pub fn quantile(values: &[f64], q: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

#[cfg(test)]
mod tests {
    use super::quantile;

    #[test]
    fn quantiles_are_nearest_rank() {
        let values: Vec<f64> = (1..=100).rev().map(f64::from).collect();
        assert_eq!(quantile(&values, 0.0), 1.0);
        assert_eq!(quantile(&values, 0.5), 50.0);
        assert_eq!(quantile(&values, 0.95), 95.0);
        assert_eq!(quantile(&values, 1.0), 100.0);
        assert_eq!(quantile(&[7.0], 0.95), 7.0);
        assert!(quantile(&[], 0.5).is_nan());
    }
}
