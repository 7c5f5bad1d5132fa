//! The native column: every measurement of the plan, timed with the OS clock, plus the figures
//! only the native side can give (fuzz throughput, heap per entry, from the counting allocator
//! the `raftlab` binary installs).

use std::time::Instant;

use super::measured::{CheckTime, Measured, RaftTime, SeekTimes, WorkloadTime};
use super::plan::Plan;
use crate::bench::heap::live_bytes;
use crate::bench::{histories, raft_cycle, recorded, workload};
use crate::check::{CheckConfig, check_history};
use crate::sim::cluster::Sim;
use crate::sim::config::SimConfig;
use crate::sim::fuzz::{FuzzOptions, Verdict, run_seed};
use crate::sim::queue::TimeMs;

/// The first seed of the fuzz measurement (a range of its own, apart from the test command's).
pub const FUZZ_FIRST_SEED: u64 = 1_000_000_000;

/// The native side's figures beyond the shared ones.
#[derive(Clone, Debug, Default)]
pub struct NativeOnly {
    /// Fuzz seeds run, failures among them, and the wall time.
    pub fuzz_seeds: u64,
    pub fuzz_failures: u64,
    pub fuzz_wall_ms: f64,
    /// Heap per Raft log entry in the in-memory core (16-byte proposals, 3 nodes).
    pub bytes_per_raft_entry: f64,
    /// Heap per committed client write in a 5-node simulated cluster without compaction.
    pub bytes_per_write: f64,
}

/// Runs `work` `repeats` times; the best (least) wall time in ms and the last result. The
/// best, not the mean or the median: on a shared machine other work only ever adds time.
fn timed<T>(repeats: u32, mut work: impl FnMut() -> Result<T, String>) -> Result<(f64, T), String> {
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..repeats.max(1) {
        let start = Instant::now();
        last = Some(work()?);
        times.push(start.elapsed().as_secs_f64() * 1e3);
    }
    let best = super::measured::quantile(&times, 0.0);
    last.map(|value| (best, value))
        .ok_or_else(|| "nothing was measured".to_string())
}

/// Every shared measurement, natively, in the plan's order; `progress` is told what runs.
pub fn measure(plan: &Plan, progress: &mut dyn FnMut(&str)) -> Result<Measured, String> {
    progress("native: the recorded run and seeks");
    let seek = seek_times(plan)?;
    let mut workloads = Vec::new();
    for spec in &plan.workloads {
        progress(&format!(
            "native: simulation, {} nodes, monitors {}",
            spec.nodes,
            on_off(spec.monitors)
        ));
        let (wall_ms, outcome) = timed(plan.repeats, || workload::run(spec))?;
        workloads.push(WorkloadTime { outcome, wall_ms });
    }
    progress("native: the Raft core");
    let mut raft = Vec::new();
    for &size in &plan.raft_sizes {
        let (wall_ms, applied) = timed(plan.repeats, || raft_cycle::run(size, plan.raft_cycles))?;
        raft.push(RaftTime {
            size,
            applied: applied as f64,
            wall_ms,
        });
    }
    progress("native: the checker");
    let mut checker = Vec::new();
    for violation in [false, true] {
        let history = histories::reference(violation).map_err(|e| e.to_string())?;
        let config = CheckConfig::default();
        let (wall_ms, report) = timed(plan.checker_repeats, || {
            Ok(check_history(&history, &config))
        })?;
        checker.push(CheckTime {
            violation,
            verdict: report.verdict.name().to_string(),
            wall_ms,
        });
    }
    Ok(Measured {
        workloads,
        raft,
        checker,
        seek,
    })
}

/// "on" or "off".
pub fn on_off(on: bool) -> &'static str {
    if on { "on" } else { "off" }
}

/// Records the plan's long run, takes the heap, then seeks to the shared targets.
fn seek_times(plan: &Plan) -> Result<SeekTimes, String> {
    let before = live_bytes();
    let start = Instant::now();
    let mut timeline = recorded::record(plan.record_minutes)?;
    let record_wall_ms = start.elapsed().as_secs_f64() * 1e3;
    let memory_bytes = live_bytes().saturating_sub(before) as f64;
    let end_ms = timeline.sim().now_ms();
    let end_hash = format!("{:016x}", timeline.sim().state_hash());
    let seek_ms = recorded::seek_targets(end_ms.0, plan.seeks)
        .into_iter()
        .map(|target| {
            let start = Instant::now();
            timeline.seek_ms(TimeMs(target));
            start.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    Ok(SeekTimes {
        end_ms: end_ms.0 as f64,
        end_hash,
        record_wall_ms,
        memory_bytes,
        seek_ms,
    })
}

/// The native-only figures.
pub fn measure_native_only(
    plan: &Plan,
    progress: &mut dyn FnMut(&str),
) -> Result<NativeOnly, String> {
    progress("native: fuzz");
    let options = FuzzOptions {
        fault_phase_ms: TimeMs(60_000),
        ..FuzzOptions::default()
    };
    let start = Instant::now();
    let mut fuzz_failures = 0;
    for seed in FUZZ_FIRST_SEED..FUZZ_FIRST_SEED + plan.fuzz_seeds {
        if run_seed(seed, &options).verdict != Verdict::Ok {
            fuzz_failures += 1;
        }
    }
    let fuzz_wall_ms = start.elapsed().as_secs_f64() * 1e3;
    progress("native: heap per entry");
    Ok(NativeOnly {
        fuzz_seeds: plan.fuzz_seeds,
        fuzz_failures,
        fuzz_wall_ms,
        bytes_per_raft_entry: bytes_per_raft_entry(plan.memory_writes)?,
        bytes_per_write: bytes_per_write(plan.memory_writes)?,
    })
}

/// Heap growth per Raft log entry: a 3-node in-memory core (every entry kept, no snapshot)
/// before and after `entries` cycles of 16-byte proposals, over the 3 copies.
fn bytes_per_raft_entry(entries: u64) -> Result<f64, String> {
    let mut cluster = raft_cycle::Cluster::new(3)?;
    let before = live_bytes();
    for _ in 0..entries {
        cluster.cycle(&[0u8; 16])?;
    }
    let grown = live_bytes().saturating_sub(before) as f64;
    Ok(grown / (entries * cluster.size()) as f64)
}

/// Heap growth per committed client write in a 5-node simulated cluster with automatic
/// snapshots and MVCC compaction off (so nothing is given back): every node's log entry and
/// store revision, plus the monitors' records. The trace and the finished operations are
/// bounded windows, filled before the first measurement.
fn bytes_per_write(writes: u64) -> Result<f64, String> {
    let mut sim = Sim::new(SimConfig {
        voters: 5,
        snapshot_count: 0,
        mvcc_retention: 0,
        trace_window: 1_000,
        ops_window: 100,
        ..SimConfig::default()
    })?;
    let mut counter = workload::CommitCounter::default();
    let mut n = 0;
    let mut write = |sim: &mut Sim, counter: &mut workload::CommitCounter, count: u64| {
        for _ in 0..count {
            let at = sim.now_ms().saturating_add(TimeMs(100));
            sim.run_until(at, u64::MAX);
            counter.update(sim);
            workload::send_put(sim, n);
            n += 1;
        }
    };
    // Warm up: a leader, full trace and ops windows.
    write(&mut sim, &mut counter, 200);
    let (before, committed_before) = (live_bytes(), counter.committed);
    write(&mut sim, &mut counter, writes);
    let grown = live_bytes().saturating_sub(before) as f64;
    let committed = counter.committed - committed_before;
    if committed == 0 {
        return Err("no write was committed in the heap measurement".into());
    }
    Ok(grown / committed as f64)
}
