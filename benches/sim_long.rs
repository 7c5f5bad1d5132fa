//! Long simulated runs: does the simulator's cost grow with the work or with the run's history?
//!
//! Two cases, both with every safety monitor on, printing numbers (nothing asserts a time):
//!
//! - `long`: 5 nodes, clients writing 10 puts per simulated second through the console path
//!   (`Action::Console`, like a script's `console` line) for `--minutes N` simulated minutes
//!   (default 60). Prints simulated seconds per wall second over the first minute and over the
//!   whole run, the peak heap, and the final sizes of everything that could grow.
//! - `puts`: the `raftlab run` shape, a generated script of `--puts N` scheduled puts (default
//!   30,000), run in slices of 10,000 so that time and memory per 10k puts can be compared.
//!
//! ```sh
//! cargo bench --bench sim_long                       # both cases, full size
//! cargo bench --bench sim_long -- --minutes 5 --puts 10000
//! cargo bench --bench sim_long -- --case long
//! cargo bench --bench sim_long -- --case timeline --minutes 10   # the page's shape (not in "all")
//! cargo bench --bench sim_long -- --case timeline --trace-window 10000  # smaller trace window
//! cargo bench --bench sim_long -- --case cow --minutes 28   # what a copy kept 28 s still holds
//! ```
//!
//! The heap is measured by a counting global allocator in this binary: exact, and the same on
//! every OS (VmHWM would also count the allocator's own retention).

use raftlab::raft::types::NodeId;
use raftlab::scenario::sim_script::run_script;
use raftlab::sim::action::Action;
use raftlab::sim::cluster::Sim;
use raftlab::sim::config::SimConfig;
use raftlab::sim::queue::TimeMs;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// The system allocator, counting live bytes and their high-water mark.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call forwards to `System` with the caller's layout unchanged; the counters are
// only bookkeeping.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        ptr
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded as is.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded as is.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            if new_size >= layout.size() {
                let live = LIVE.fetch_add(new_size - layout.size(), Ordering::Relaxed)
                    + (new_size - layout.size());
                PEAK.fetch_max(live, Ordering::Relaxed);
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        new
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn mb(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn reset_peak() {
    PEAK.store(LIVE.load(Ordering::Relaxed), Ordering::Relaxed);
}

struct Options {
    minutes: u64,
    /// The `timeline` case's `trace_window` (default: the config's).
    trace_window: Option<u64>,
    puts: u64,
    case: String,
}

fn options() -> Options {
    let mut options = Options {
        minutes: 60,
        trace_window: None,
        puts: 30_000,
        case: "all".into(),
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let value = args.get(i + 1).cloned().unwrap_or_default();
        match args[i].as_str() {
            "--minutes" => options.minutes = value.parse().expect("--minutes N"),
            "--puts" => options.puts = value.parse().expect("--puts N"),
            "--trace-window" => {
                options.trace_window = Some(value.parse().expect("--trace-window N"))
            }
            "--case" => options.case = value,
            _ => {
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    options
}

/// One put every 100 ms of simulated time, three clients in turn, all to node 1 (a follower
/// forwards the proposal, as etcd does), over 100 keys.
fn long_run(minutes: u64) {
    let config = SimConfig {
        voters: 5,
        seed: 7,
        ..SimConfig::default()
    };
    reset_peak();
    let start = Instant::now();
    let mut sim = Sim::new(config).expect("valid config");
    let end_ms = minutes * 60_000;
    let mut first_minute = None;
    let mut next_report = 60_000;
    let mut at_ms = 1_000;
    let mut put = 0u64;
    println!(
        "long: 5 nodes, 10 puts per simulated second, {minutes} simulated minutes, monitors on"
    );
    while at_ms <= end_ms {
        sim.run_until(TimeMs(at_ms), u64::MAX);
        assert!(
            sim.violation().is_none(),
            "violation: {:?}",
            sim.violation()
        );
        let action = Action::Console {
            client: 1 + put % 3,
            node: NodeId(1),
            line: format!("put key{} value{put}", put % 100),
        };
        // A refused put (no leader yet) is answered with an error; the run goes on.
        let _ = sim.apply_action(&action);
        put += 1;
        at_ms += 100;
        if at_ms > next_report {
            let wall = start.elapsed().as_secs_f64();
            if first_minute.is_none() {
                first_minute = Some(60.0 / wall);
            }
            println!(
                "  {:>5} sim s  {:>8.1} wall s  {:>8.1} sim s / wall s so far  heap {:>7.1} MB (peak {:>7.1} MB)",
                next_report / 1000,
                wall,
                next_report as f64 / 1000.0 / wall,
                mb(LIVE.load(Ordering::Relaxed)),
                mb(PEAK.load(Ordering::Relaxed)),
            );
            next_report += 60_000;
        }
    }
    let wall = start.elapsed().as_secs_f64();
    let whole = end_ms as f64 / 1000.0 / wall;
    println!(
        "long: first minute {:.1} sim s / wall s, whole run {whole:.1} sim s / wall s (ratio {:.2}); {wall:.1} wall s; peak heap {:.1} MB",
        first_minute.unwrap_or(whole),
        first_minute.unwrap_or(whole) / whole,
        mb(PEAK.load(Ordering::Relaxed)),
    );
    print_sizes(&sim);
}

fn print_sizes(sim: &Sim) {
    for node in sim.nodes().values() {
        let (log, first, last) = node.durable().map_or((0, 0, 0), |d| {
            let (first, last) = (d.first_index().0, d.last_index().0);
            (last + 1 - first, first, last)
        });
        let store = node.app.kv().store();
        println!(
            "  n{}: raft log {log} entries ({first}..={last}), applied {}, MVCC revision {} compacted {} kept changes {}",
            node.id,
            node.app.applied().0,
            store.revision(),
            store.compact_revision(),
            store.kept_changes(),
        );
    }
    let monitors: Vec<String> = sim
        .monitor()
        .sizes()
        .iter()
        .map(|(name, n)| format!("{name}={n}"))
        .collect();
    println!(
        "  trace: {} events kept of {}; ops map {}; monitors {}",
        sim.trace().kept_len(),
        sim.trace().next_id(),
        sim.ops().len(),
        monitors.join(" ")
    );
}

/// The script `raftlab run` would get: puts scheduled every 100 ms from 3 s on. Each `at`
/// case is written without its expected `ok` (3 lines a put, so 30,000 puts fit the script
/// length limit); those unmet expectations are not counted.
fn puts_script(puts: u64) -> String {
    let mut text = String::from("cluster voters=5 seed=7\n----\nok\n\n");
    for i in 0..puts {
        let at = 3_000 + i * 100;
        text.push_str(&format!(
            "at {at} console client={} node=1 put key{} value{i}\n----\n\n",
            1 + i % 3,
            i % 100
        ));
    }
    let end = 3_000 + puts * 100 + 5_000;
    text.push_str(&format!(
        "run-until {end}\n----\n\nexpect-no-violation\n----\nok\n"
    ));
    text
}

fn puts_run(total: u64) {
    println!("puts: generated `raftlab run` scripts, 5 nodes, monitors on");
    let mut slice = 10_000u64.min(total);
    while slice <= total {
        reset_peak();
        let start = Instant::now();
        let run = run_script(&puts_script(slice)).expect("the generated script parses");
        let wall = start.elapsed().as_secs_f64();
        println!(
            "  {slice:>6} puts: {wall:>7.2} wall s ({:.2} s per 10k), peak heap {:>7.1} MB ({:.1} MB per 10k), violation: {}",
            wall * 10_000.0 / slice as f64,
            mb(PEAK.load(Ordering::Relaxed)),
            mb(PEAK.load(Ordering::Relaxed)) * 10_000.0 / slice as f64,
            run.violation.map_or("none".into(), |v| v.to_string()),
        );
        if slice == total {
            break;
        }
        slice = (slice + 10_000).min(total);
    }
}

/// The page's shape: the same load through a [`Timeline`], every put taken as a timeline action,
/// plus a partition (n1 n2 | n3 n4 n5) or a heal at every whole minute. Each checkpoint keeps
/// its own trace window (`--trace-window`), so that window weighs on memory. Prints the run's speed,
/// the peak heap, the checkpoints held and what one costs (the heap a clone of the `Sim`
/// takes), then the latency of seeks to 200 pseudo-random moments and whether a seek back to
/// the end gives the end state again.
fn timeline_run(minutes: u64, trace_window: Option<u64>) {
    use raftlab::sim::timeline::Timeline;
    let defaults = SimConfig::default();
    let config = SimConfig {
        voters: 5,
        seed: 7,
        trace_window: trace_window.unwrap_or(defaults.trace_window),
        ..defaults
    };
    let baseline = LIVE.load(Ordering::Relaxed);
    reset_peak();
    let start = Instant::now();
    let mut timeline = Timeline::new(config).expect("valid config");
    let end_ms = minutes * 60_000;
    let mut at_ms = 1_000;
    let mut put = 0u64;
    while at_ms <= end_ms {
        timeline.run_until(TimeMs(at_ms));
        if at_ms.is_multiple_of(60_000) {
            let fault = if (at_ms / 60_000).is_multiple_of(2) {
                Action::Heal
            } else {
                Action::Partition {
                    groups: vec![
                        vec![NodeId(1), NodeId(2)],
                        vec![NodeId(3), NodeId(4), NodeId(5)],
                    ],
                }
            };
            timeline
                .act(fault)
                .expect("partition and heal are always accepted");
        }
        let _ = timeline.act(Action::Console {
            client: 1 + put % 3,
            node: NodeId(1),
            line: format!("put key{} value{put}", put % 100),
        });
        put += 1;
        at_ms += 100;
    }
    let run_wall = start.elapsed().as_secs_f64();
    let run_peak = PEAK.load(Ordering::Relaxed);
    let live = LIVE.load(Ordering::Relaxed);
    let copy = timeline.sim().clone();
    let sim_bytes = LIVE.load(Ordering::Relaxed) - live;
    drop(copy);
    print_copy_costs(timeline.sim());
    println!(
        "timeline: {minutes} simulated minutes, {} steps, {} actions in {run_wall:.1} wall s ({:.1} sim s / wall s); peak heap {:.1} MB, heap now {:.1} MB; {} checkpoints, one Sim is {:.2} MB now; VmHWM {}",
        timeline.sim().steps(),
        timeline.actions().len(),
        end_ms as f64 / 1000.0 / run_wall,
        mb(run_peak),
        mb(live),
        timeline.checkpoint_count(),
        mb(sim_bytes),
        vm_hwm(),
    );
    let end_hash = timeline.sim().state_hash();
    // A fixed pseudo-random walk (64-bit LCG): the same 200 targets on every run.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut latencies: Vec<f64> = Vec::new();
    for _ in 0..200 {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let target = (state >> 33) % (end_ms + 1);
        let seek = Instant::now();
        timeline.seek_ms(TimeMs(target));
        latencies.push(seek.elapsed().as_secs_f64() * 1000.0);
    }
    latencies.sort_by(f64::total_cmp);
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q).round() as usize];
    timeline.seek_ms(TimeMs(end_ms));
    println!(
        "timeline: 200 seeks to random moments: p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms; peak heap {:.1} MB; back at the end, same state: {}",
        at(0.5),
        at(0.95),
        at(1.0),
        mb(PEAK.load(Ordering::Relaxed)),
        timeline.sim().state_hash() == end_hash,
    );
    // What the time travel costs: the whole timeline against the present alone.
    let with_timeline = LIVE.load(Ordering::Relaxed);
    let present = timeline.sim().clone();
    let checkpoints = timeline.checkpoint_count();
    drop(timeline);
    let present_only = LIVE.load(Ordering::Relaxed);
    println!(
        "timeline: the present alone {:.1} MB; the {checkpoints} checkpoints, the start and the recorded actions {:.1} MB more",
        mb(present_only.saturating_sub(baseline)),
        mb(with_timeline.saturating_sub(present_only)),
    );
    drop(present);
}

/// The heap one copy of each part of `sim` takes (what a checkpoint pays for it), and the
/// trace window's events as if nothing were shared.
fn print_copy_costs(sim: &Sim) {
    fn cost<T>(make: impl FnOnce() -> T) -> f64 {
        let before = LIVE.load(Ordering::Relaxed);
        let value = make();
        let bytes = LIVE.load(Ordering::Relaxed).saturating_sub(before);
        drop(value);
        mb(bytes)
    }
    let mut parts = vec![
        ("monitor", cost(|| sim.monitor().clone())),
        ("trace (shared chunks)", cost(|| sim.trace().clone())),
        (
            "trace window unshared",
            cost(|| sim.trace().events().cloned().collect::<Vec<_>>()),
        ),
        ("ops map", cost(|| sim.ops().clone())),
    ];
    for node in sim.nodes().values() {
        parts.push(("  node raft (RawNode)", cost(|| node.raft().cloned())));
        parts.push(("  node durable disk", cost(|| node.durable().cloned())));
        parts.push(("  node app (KV)", cost(|| node.app.clone())));
        parts.push(("  node whole", cost(|| node.clone())));
    }
    let text: Vec<String> = parts
        .iter()
        .map(|(name, m)| format!("{name} {m:.2} MB"))
        .collect();
    println!("timeline: one copy of each part: {}", text.join("; "));
}

/// The process's resident high-water mark (Linux), for comparison with the counted heap.
fn vm_hwm() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l["VmHWM:".len()..].trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}

/// What a checkpoint really costs: the heap a kept copy of each part of the state still holds
/// after the run goes on for `gap_s` simulated seconds (10 puts a second over 50 keys, as the
/// page's benchmark), that is the part the live run no longer shares with it.
fn cow_run(gap_s: u64) {
    let config = SimConfig {
        voters: 5,
        seed: 7,
        ..SimConfig::default()
    };
    let mut sim = Sim::new(config).expect("valid config");
    let mut put = 0u64;
    let mut run = |sim: &mut Sim, until_ms: u64| {
        while sim.now_ms() < TimeMs(until_ms) {
            let next = sim.now_ms().0 + 100;
            sim.run_until(TimeMs(next), u64::MAX);
            let _ = sim.apply_action(&Action::Console {
                client: 1 + put % 3,
                node: NodeId(1),
                line: format!("put key-{} value-{put}", put % 50),
            });
            put += 1;
        }
    };
    run(&mut sim, 600_000);
    let kept_for = |sim: &mut Sim,
                    run: &mut dyn FnMut(&mut Sim, u64),
                    keep: &dyn Fn(&Sim) -> Box<dyn std::any::Any>| {
        let copy = keep(sim);
        let until = sim.now_ms().0 + gap_s * 1000;
        run(sim, until);
        let with = LIVE.load(Ordering::Relaxed);
        drop(copy);
        mb(with.saturating_sub(LIVE.load(Ordering::Relaxed)))
    };
    type Keep = Box<dyn Fn(&Sim) -> Box<dyn std::any::Any>>;
    let parts: Vec<(&str, Keep)> = vec![
        ("whole Sim", Box::new(|s: &Sim| Box::new(s.clone()))),
        (
            "nodes' KV apps",
            Box::new(|s: &Sim| {
                Box::new(
                    s.nodes()
                        .values()
                        .map(|n| n.app.clone())
                        .collect::<Vec<_>>(),
                )
            }),
        ),
        (
            "nodes' Raft",
            Box::new(|s: &Sim| {
                Box::new(
                    s.nodes()
                        .values()
                        .map(|n| n.raft().cloned())
                        .collect::<Vec<_>>(),
                )
            }),
        ),
        (
            "nodes whole",
            Box::new(|s: &Sim| Box::new(s.nodes().clone())),
        ),
        ("monitor", Box::new(|s: &Sim| Box::new(s.monitor().clone()))),
        ("ops", Box::new(|s: &Sim| Box::new(s.ops().clone()))),
        ("trace", Box::new(|s: &Sim| Box::new(s.trace().clone()))),
    ];
    let mut text = Vec::new();
    for (name, keep) in &parts {
        text.push(format!(
            "{name} {:.2} MB",
            kept_for(&mut sim, &mut run, keep.as_ref())
        ));
    }
    println!(
        "cow: a copy kept while the run goes on {gap_s} s still holds: {}",
        text.join("; ")
    );
}

fn main() {
    let options = options();
    if options.case == "cow" {
        cow_run(options.minutes);
    }
    if options.case == "timeline" {
        timeline_run(options.minutes, options.trace_window);
    }
    if options.case == "all" || options.case == "long" {
        long_run(options.minutes);
    }
    if options.case == "all" || options.case == "puts" {
        puts_run(options.puts);
    }
}
