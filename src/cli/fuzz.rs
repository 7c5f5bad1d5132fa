//! `raftlab fuzz`: randomized fault runs over many seeds.

use crate::cli::{EXIT_USAGE, usage_error};
use crate::raft::config::UnsafeSwitch;
use crate::scenario::sim_script::script_for;
use crate::sim::fuzz::{FuzzOptions, SeedReport, Verdict, run_seed_then};
use crate::sim::history::{ClientHistory, client_history, history_json};
use std::time::Instant;

/// Scripts printed inline; more failures are listed by seed only (all are saved with --scripts).
const INLINE_SCRIPTS_MAX: usize = 2;

struct Args {
    seeds: u64,
    start: u64,
    options: FuzzOptions,
    scripts_dir: Option<String>,
    histories_dir: Option<String>,
    stop_on_violation: bool,
}

fn parse(args: &[String]) -> Result<Option<Args>, String> {
    let mut parsed = Args {
        seeds: 0,
        start: 0,
        options: FuzzOptions::default(),
        scripts_dir: None,
        histories_dir: None,
        stop_on_violation: false,
    };
    let mut seeds_given = false;
    let mut i = 0;
    while i < args.len() {
        let flag = args[i].as_str();
        if flag == "--stop-on-violation" {
            parsed.stop_on_violation = true;
            i += 1;
            continue;
        }
        let value = args
            .get(i + 1)
            .ok_or_else(|| format!("fuzz: {flag} needs a value"));
        match flag {
            "--seeds" => {
                parsed.seeds = number(value?, "--seeds")?;
                seeds_given = true;
            }
            "--start" => parsed.start = number(value?, "--start")?,
            "--nodes" => {
                let v = value?;
                let (a, b) = v.split_once("..").unwrap_or((v, v));
                parsed.options.nodes_min = number(a, "--nodes")?;
                parsed.options.nodes_max = number(b, "--nodes")?;
                if !(1..=9).contains(&parsed.options.nodes_min)
                    || !(parsed.options.nodes_min..=9).contains(&parsed.options.nodes_max)
                {
                    return Err(format!(
                        "fuzz: --nodes must be A..B with 1 <= A <= B <= 9, got '{v}'"
                    ));
                }
            }
            "--unsafe" => {
                let v = value?;
                if v == "list" {
                    return Ok(None);
                }
                let Some(switch) = UnsafeSwitch::from_name(v) else {
                    return Err(format!(
                        "fuzz: unknown switch '{v}' (see: raftlab fuzz --unsafe list)"
                    ));
                };
                parsed.options.unsafe_switch = Some(switch);
            }
            "--scripts" => parsed.scripts_dir = Some(value?.clone()),
            "--histories" => parsed.histories_dir = Some(value?.clone()),
            "--rule-monitors" => {
                parsed.options.rule_monitors = match value?.as_str() {
                    "on" => true,
                    "off" => false,
                    other => {
                        return Err(format!(
                            "fuzz: --rule-monitors must be on or off, got '{other}'"
                        ));
                    }
                }
            }
            other => return Err(format!("fuzz: unknown option '{other}'")),
        }
        i += 2;
    }
    if !seeds_given || parsed.seeds == 0 {
        return Err("fuzz needs --seeds N (N >= 1)".into());
    }
    if parsed.start.checked_add(parsed.seeds).is_none() {
        return Err("fuzz: --start + --seeds overflows".into());
    }
    Ok(Some(parsed))
}

fn number(text: &str, flag: &str) -> Result<u64, String> {
    text.parse()
        .map_err(|_| format!("fuzz: {flag} needs a whole number, got '{text}'"))
}

/// Runs the subcommand; returns the exit status.
pub fn main(args: &[String]) -> u8 {
    let parsed = match parse(args) {
        Ok(Some(parsed)) => parsed,
        Ok(None) => {
            for switch in UnsafeSwitch::all() {
                println!("{}", switch.name());
            }
            return 0;
        }
        Err(message) => return usage_error(&message),
    };
    for dir in [&parsed.scripts_dir, &parsed.histories_dir]
        .into_iter()
        .flatten()
    {
        if let Err(e) = std::fs::create_dir_all(dir) {
            eprintln!("raftlab: cannot create {dir}: {e}");
            return EXIT_USAGE;
        }
    }
    let mut histories_written = 0u64;
    let started = Instant::now();
    let o = &parsed.options;
    eprintln!(
        "fuzz: seeds {}..{}, {}..{} nodes{}{}",
        parsed.start,
        parsed.start + parsed.seeds,
        o.nodes_min,
        o.nodes_max,
        o.unsafe_switch
            .as_ref()
            .map_or(String::new(), |s| format!(", unsafe switch {}", s.name())),
        if o.rule_monitors {
            ""
        } else {
            ", rule monitors off"
        }
    );
    let progress_every = (parsed.seeds / 10).max(1);
    let mut failures = 0usize;
    // Seeds whose history the checker could not judge within its budget: not a pass.
    let mut unknown = 0usize;
    let mut no_liveness = 0usize;
    let mut steps_total = 0u64;
    let mut ran = 0u64;
    for (done, seed) in (parsed.start..parsed.start + parsed.seeds).enumerate() {
        let histories_dir = parsed.histories_dir.as_deref();
        let (report, history) = run_seed_then(seed, o, |sim| {
            histories_dir.and_then(|_| {
                sim.map(|sim| client_history(sim.ops()).map(|built| (built, sim.ops_forgotten())))
            })
        });
        if let (Some(dir), Some(history)) = (histories_dir, history) {
            match write_history(dir, &report, &parsed.options, history) {
                Ok(()) => histories_written += 1,
                Err(message) => eprintln!("raftlab: {message}"),
            }
        }
        steps_total += report.steps;
        ran += 1;
        if let Verdict::CheckerUnknown(why) = &report.verdict {
            unknown += 1;
            let first_line = why.lines().next().unwrap_or_default();
            println!(
                "seed {seed} ({} voters): checker unknown (budget spent): {first_line}",
                report.config.voters
            );
        } else if report.verdict != Verdict::Ok {
            failures += 1;
            if matches!(report.verdict, Verdict::NoLiveness(_)) {
                no_liveness += 1;
            }
            let what = match &report.verdict {
                Verdict::Violation(v) => format!("VIOLATION {v}"),
                Verdict::NoLiveness(why) => format!("NO LIVENESS: {why}"),
                Verdict::Ok | Verdict::CheckerUnknown(_) => String::new(),
            };
            println!("seed {seed} ({} voters): {what}", report.config.voters);
            let mut again = format!(
                "raftlab fuzz --seeds 1 --start {seed} --nodes {}..{}",
                o.nodes_min, o.nodes_max
            );
            if let Some(s) = &o.unsafe_switch {
                again.push_str(&format!(" --unsafe {}", s.name()));
            }
            if !o.rule_monitors {
                again.push_str(" --rule-monitors off");
            }
            println!("  reproduce: {again}");
            let until = o.fault_phase_ms;
            let script = script_for(&report.config, &report.actions, until, Some(o.liveness_ms));
            if let Some(dir) = &parsed.scripts_dir {
                let path = format!("{dir}/seed-{seed}.txt");
                match std::fs::write(&path, &script) {
                    Ok(()) => println!("  script: {path} (raftlab run {path})"),
                    Err(e) => eprintln!("raftlab: cannot write {path}: {e}"),
                }
            } else if failures <= INLINE_SCRIPTS_MAX {
                println!("  script (save as a file, then: raftlab run FILE):");
                for line in script.lines() {
                    println!("    {line}");
                }
            }
        }
        let done = done as u64 + 1;
        if parsed.stop_on_violation && matches!(report.verdict, Verdict::Violation(_)) {
            println!("stopped at the first violation (--stop-on-violation), after {done} seeds");
            break;
        }
        if done.is_multiple_of(progress_every) && done < parsed.seeds {
            eprintln!(
                "fuzz: {done}/{} seeds, {failures} failed, {:.1} s",
                parsed.seeds,
                started.elapsed().as_secs_f64()
            );
        }
    }
    if let Some(dir) = &parsed.histories_dir {
        eprintln!(
            "fuzz: {histories_written} client histories written to {dir} (raftlab check FILE)"
        );
    }
    let seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "fuzz: {} simulator steps in {seconds:.1} s ({:.0} steps/s)",
        steps_total,
        steps_total as f64 / seconds.max(1e-9)
    );
    println!(
        "{ran} seeds, {} violations, {no_liveness} liveness failures, {unknown} checker unknown \
         (budget spent)",
        failures - no_liveness
    );
    u8::from(failures > 0)
}

/// Writes one seed's client history to `DIR/seed-N.json` (`raftlab fuzz --histories DIR`), with
/// a description that says which run it is and how the run ended.
fn write_history(
    dir: &str,
    report: &SeedReport,
    options: &FuzzOptions,
    history: Result<(ClientHistory, u64), String>,
) -> Result<(), String> {
    let seed = report.seed;
    let path = format!("{dir}/seed-{seed}.json");
    let (built, ops_forgotten) =
        history.map_err(|error| format!("seed {seed}: no history: {error}"))?;
    let verdict = match &report.verdict {
        Verdict::Ok => "ok".to_string(),
        Verdict::Violation(v) => format!("violation: {}", first_line(&v.to_string())),
        Verdict::NoLiveness(why) => format!("no liveness: {}", first_line(why)),
        Verdict::CheckerUnknown(_) => "checker unknown (budget spent)".to_string(),
    };
    let mut run = format!(
        "raftlab fuzz --seeds 1 --start {seed} --nodes {}..{}",
        options.nodes_min, options.nodes_max
    );
    if let Some(switch) = &options.unsafe_switch {
        run.push_str(&format!(" --unsafe {}", switch.name()));
    }
    if !options.rule_monitors {
        run.push_str(" --rule-monitors off");
    }
    let description = format!(
        "the clients' history of {run} ({} voters); the run: {verdict}",
        report.config.voters
    );
    let json = history_json(&built, ops_forgotten, &description);
    std::fs::write(&path, json).map_err(|error| format!("cannot write {path}: {error}"))
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}
