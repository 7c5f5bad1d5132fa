//! `raftlab bench [--quick] [--json] [--wasm MODULE]`: every performance figure of issue 13 in
//! one table, measured in one run: the simulation (events, committed writes and simulated time
//! per wall second; 3, 5 and 9 nodes; monitors on and off), the Raft core alone, seeking in a
//! long recorded run, the checker, fuzz throughput and memory, natively and (the same
//! workloads, from the same library code) in wasm under Node, with wasm's speed relative to
//! native. It prints numbers and asserts nothing about speed; it fails only when a workload
//! misbehaves (a monitor fires, native and wasm runs differ, a check gives the wrong verdict).

mod measured;
mod native;
mod plan;
mod table;
mod wasm;

use measured::{Measured, quantile};
use native::{NativeOnly, on_off};
use plan::Plan;
use table::{Better, Row};

const BENCH_USAGE: &str = "usage: raftlab bench [--quick] [--json] [--wasm MODULE] [--node NODE]";

/// The command line.
struct Options {
    quick: bool,
    json: bool,
    wasm: Option<wasm::WasmTarget>,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut quick = false;
    let mut json = false;
    let mut module = std::env::var_os("RAFTLAB_WASM_NODE").map(std::path::PathBuf::from);
    let mut node = "node".to_string();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--quick" => quick = true,
            "--json" => json = true,
            "--wasm" => {
                let path = args
                    .next()
                    .ok_or_else(|| format!("bench: --wasm needs a path ({BENCH_USAGE})"))?;
                module = Some(path.into());
            }
            "--node" => {
                node = args
                    .next()
                    .ok_or_else(|| format!("bench: --node needs a program ({BENCH_USAGE})"))?
                    .clone();
            }
            other => return Err(format!("bench: unknown argument {other} ({BENCH_USAGE})")),
        }
    }
    Ok(Options {
        quick,
        json,
        wasm: module.map(|module| wasm::WasmTarget { module, node }),
    })
}

/// `raftlab bench`. Exit 0 with the table, 1 when a workload misbehaved or the wasm side
/// failed, 2 for bad arguments.
pub fn main(args: &[String]) -> u8 {
    let options = match parse(args) {
        Ok(options) => options,
        Err(message) => return super::usage_error(&message),
    };
    match run(&options) {
        Ok(()) => 0,
        Err(message) => {
            eprintln!("raftlab bench: {message}");
            1
        }
    }
}

fn run(options: &Options) -> Result<(), String> {
    let plan = Plan::new(options.quick);
    let mut progress = |what: &str| eprintln!("raftlab bench: {what}");
    let native = native::measure(&plan, &mut progress)?;
    let native_only = native::measure_native_only(&plan, &mut progress)?;
    let mut notes = Vec::new();
    let (wasm, node) = match &options.wasm {
        Some(target) => {
            progress("wasm in Node: every shared measurement");
            let (measured, node) = wasm::measure(target, &plan)?;
            (Some(measured), Some(node))
        }
        None => {
            notes.push(
                "wasm not measured: pass --wasm target/wasm-node/raftlab.js (or set \
                 RAFTLAB_WASM_NODE); `cargo xtask bench` builds it and does"
                    .to_string(),
            );
            (None, None)
        }
    };
    if let Some(wasm) = &wasm {
        same_work(&native, wasm)?;
    }
    check_verdicts(&native)?;
    if let Some(wasm) = &wasm {
        check_verdicts(wasm)?;
    }
    if native_only.fuzz_failures > 0 {
        return Err(format!(
            "{} of {} fuzz seeds failed: run `raftlab fuzz --seeds {} --start {}` to see them",
            native_only.fuzz_failures,
            native_only.fuzz_seeds,
            native_only.fuzz_seeds,
            native::FUZZ_FIRST_SEED,
        ));
    }
    let rows = rows(&plan, &native, wasm.as_ref(), &native_only)?;
    let machine = machine(node.as_deref());
    let mode = if options.quick {
        "quick (a smoke run: tiny sizes, the figures are not meaningful)"
    } else {
        "full"
    };
    if options.json {
        let report = serde_json::json!({
            "mode": if options.quick { "quick" } else { "full" },
            "machine": machine,
            "rows": rows,
            "notes": notes,
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?
        );
    } else {
        println!("raftlab bench, {mode}");
        println!("machine: {machine}");
        println!(
            "simulation workload: client writes at {} per simulated second, {} simulated s; \
             times are the best of {} runs",
            plan::PUTS_PER_SECOND,
            plan.workloads.first().map_or(0, |w| w.seconds),
            plan.repeats
        );
        println!();
        print!("{}", table::render(&rows));
        for note in notes {
            println!("note: {note}");
        }
    }
    Ok(())
}

/// Native and wasm must have done the same work, or their times do not compare.
fn same_work(native: &Measured, wasm: &Measured) -> Result<(), String> {
    for (n, w) in native.workloads.iter().zip(&wasm.workloads) {
        if n.outcome != w.outcome {
            return Err(format!(
                "the same workload gave different runs natively and in wasm: {:?} vs {:?}",
                n.outcome, w.outcome
            ));
        }
    }
    for (n, w) in native.raft.iter().zip(&wasm.raft) {
        if n.applied != w.applied {
            return Err(format!(
                "the Raft core applied {} entries natively and {} in wasm ({} nodes)",
                n.applied, w.applied, n.size
            ));
        }
    }
    if native.seek.end_hash != wasm.seek.end_hash {
        return Err(format!(
            "the recorded run ended in state {} natively and {} in wasm",
            native.seek.end_hash, wasm.seek.end_hash
        ));
    }
    Ok(())
}

/// The checker must find the reference history linearizable and the stale read not.
fn check_verdicts(measured: &Measured) -> Result<(), String> {
    for check in &measured.checker {
        let expected = if check.violation { "violation" } else { "ok" };
        if check.verdict != expected {
            return Err(format!(
                "the checker said {} where {expected} was expected",
                check.verdict
            ));
        }
    }
    Ok(())
}

/// Per second of wall time, from a count and a wall time in ms.
fn per_second(count: f64, wall_ms: f64) -> f64 {
    count / (wall_ms / 1e3)
}

fn rows(
    plan: &Plan,
    native: &Measured,
    wasm: Option<&Measured>,
    only: &NativeOnly,
) -> Result<Vec<Row>, String> {
    let mut rows = Vec::new();
    for (i, spec) in plan.workloads.iter().enumerate() {
        let n = &native.workloads[i];
        let w = wasm.and_then(|w| w.workloads.get(i));
        let name = format!("{} nodes, monitors {}", spec.nodes, on_off(spec.monitors));
        let rate = |count: fn(&measured::WorkloadTime) -> f64| {
            (
                Some(per_second(count(n), n.wall_ms)),
                w.map(|w| per_second(count(w), w.wall_ms)),
            )
        };
        let (native_events, wasm_events) = rate(|t| t.outcome.events as f64);
        let mut events = Row::new(
            "simulation",
            format!("{name}: events"),
            "events / wall s",
            Better::More,
            native_events,
            wasm_events,
        );
        if spec.nodes == 5 && !spec.monitors {
            events = events.target(">= 1,000,000 native, wasm >= 0.5x");
        }
        rows.push(events);
        let (native_ops, wasm_ops) = rate(|t| t.outcome.committed as f64);
        rows.push(Row::new(
            "simulation",
            format!("{name}: committed client writes"),
            "writes / wall s",
            Better::More,
            native_ops,
            wasm_ops,
        ));
        let (native_time, wasm_time) = rate(|t| t.outcome.sim_ms as f64 / 1e3);
        let mut time = Row::new(
            "simulation",
            format!("{name}: simulated time"),
            "sim s / wall s",
            Better::More,
            native_time,
            wasm_time,
        );
        if spec.nodes == 5 && spec.monitors {
            time = time.target(">= 4,650 in the page");
        }
        rows.push(time);
    }
    for (i, r) in native.raft.iter().enumerate() {
        let expected = (plan.raft_cycles * r.size) as f64;
        if r.applied != expected {
            return Err(format!(
                "the Raft core applied {} of {expected} entries on {} nodes",
                r.applied, r.size
            ));
        }
        let per_cycle = |t: &measured::RaftTime| t.wall_ms * 1e3 / plan.raft_cycles as f64;
        rows.push(Row::new(
            "Raft core alone (in-memory nodes)",
            format!("{} nodes: propose -> commit -> apply", r.size),
            "us / cycle",
            Better::Less,
            Some(per_cycle(r)),
            wasm.and_then(|w| w.raft.get(i)).map(per_cycle),
        ));
    }
    let minutes = plan.record_minutes;
    let seek_group = "time travel (the page's engine: 5 nodes, 10 writes per simulated s)";
    let record_rate = |s: &measured::SeekTimes| per_second(s.end_ms / 1e3, s.record_wall_ms);
    rows.push(Row::new(
        seek_group,
        format!("recording a {minutes}-minute run"),
        "sim s / wall s",
        Better::More,
        Some(record_rate(&native.seek)),
        wasm.map(|w| record_rate(&w.seek)),
    ));
    for (q, label, target) in [(0.5, "p50", None), (0.95, "p95", Some("< 16"))] {
        let mut row = Row::new(
            seek_group,
            format!(
                "seek in the {minutes}-minute run, {label} ({} seeks)",
                plan.seeks
            ),
            "ms",
            Better::Less,
            Some(quantile(&native.seek.seek_ms, q)),
            wasm.map(|w| quantile(&w.seek.seek_ms, q)),
        );
        if let Some(target) = target {
            row = row.target(target);
        }
        rows.push(row);
    }
    for (i, check) in native.checker.iter().enumerate() {
        let figure = if check.violation {
            "10,000 ops + a stale read (found, shrunk)"
        } else {
            "10,000 ops, 10 clients, 50 keys"
        };
        let mut row = Row::new(
            "linearizability checker",
            figure,
            "ms",
            Better::Less,
            Some(check.wall_ms),
            wasm.and_then(|w| w.checker.get(i)).map(|c| c.wall_ms),
        );
        if !check.violation {
            row = row.target("< 100 native");
        }
        rows.push(row);
    }
    rows.push(Row::new(
        "fuzz (native, one thread, monitors on)",
        format!(
            "60 simulated s of faults, then liveness ({} seeds)",
            only.fuzz_seeds
        ),
        "seeds / wall s",
        Better::More,
        Some(per_second(only.fuzz_seeds as f64, only.fuzz_wall_ms)),
        None,
    ));
    rows.push(Row::new(
        "memory",
        "Raft log entry (16-byte proposal, core alone)",
        "bytes / entry",
        Better::Size,
        Some(only.bytes_per_raft_entry),
        None,
    ));
    rows.push(Row::new(
        "memory",
        "committed write, 5-node cluster, no compaction (all nodes)",
        "bytes / write",
        Better::Size,
        Some(only.bytes_per_write),
        None,
    ));
    let mb = |bytes: f64| bytes / (1024.0 * 1024.0);
    rows.push(
        Row::new(
            "memory",
            format!("heap after the {minutes}-minute run (wasm: linear memory)"),
            "MB",
            Better::Size,
            Some(mb(native.seek.memory_bytes)),
            wasm.map(|w| mb(w.seek.memory_bytes)),
        )
        .target("< 64"),
    );
    Ok(rows)
}

/// The machine in one line: CPU, cores, OS, and the Node.js that ran the wasm column.
fn machine(node: Option<&str>) -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split(':').nth(1))
                .map(|name| name.trim().to_string())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_string());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mut text = format!(
        "{cpu}, {cores} cores, {}; raftlab {}",
        std::env::consts::OS,
        crate::build_info::version_line()
    );
    if let Some(node) = node {
        text.push_str(&format!("; Node {node}"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn arguments_parse_and_bad_ones_say_why() {
        let options = parse(&strings(&["--quick", "--json", "--wasm", "m.js"])).expect("ok");
        assert!(options.quick && options.json);
        assert_eq!(
            options.wasm.map(|w| w.module),
            Some(std::path::PathBuf::from("m.js"))
        );
        assert!(
            parse(&strings(&["--wasm"]))
                .err()
                .is_some_and(|e| e.contains("--wasm needs a path"))
        );
        assert!(
            parse(&strings(&["--fast"]))
                .err()
                .is_some_and(|e| e.contains("unknown argument --fast"))
        );
    }
}
