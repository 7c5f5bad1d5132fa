//! Randomized fault runs in the test suite: the healthy core survives them, and every teaching
//! switch (a planted bug) is caught by the monitors within a bounded number of seeds. The full
//! 2,000-seed campaign runs in release mode as a step of `cargo xtask test`.

use raftlab::raft::config::UnsafeSwitch;
use raftlab::sim::fuzz::{FuzzOptions, Verdict, run_seed};

#[test]
fn healthy_core_survives_random_faults_and_converges() {
    let options = FuzzOptions::default();
    for seed in 0..60 {
        let report = run_seed(seed, &options);
        assert_eq!(
            report.verdict,
            Verdict::Ok,
            "seed {seed} ({} voters)",
            report.config.voters
        );
    }
}

#[test]
fn every_teaching_switch_is_caught_within_a_bounded_number_of_seeds() {
    const SEEDS_MAX: u64 = 400;
    for switch in UnsafeSwitch::all() {
        let options = FuzzOptions {
            unsafe_switch: Some(switch.name().to_string()),
            ..FuzzOptions::default()
        };
        let caught = (0..SEEDS_MAX).find_map(|seed| match run_seed(seed, &options).verdict {
            Verdict::Violation(v) => Some((seed, v)),
            _ => None,
        });
        let (seed, violation) =
            caught.unwrap_or_else(|| panic!("{} not caught in {SEEDS_MAX} seeds", switch.name()));
        eprintln!("{}: caught at seed {seed}: {violation}", switch.name());
    }
}

#[test]
fn a_seed_replays_identically() {
    let options = FuzzOptions::default();
    let a = run_seed(42, &options);
    let b = run_seed(42, &options);
    assert_eq!(a.actions, b.actions);
    assert_eq!(a.steps, b.steps);
    assert_eq!(a.verdict, b.verdict);
}

#[test]
fn the_printed_script_reproduces_a_violation() {
    use raftlab::scenario::sim_script::{run_script, script_for};
    let options = FuzzOptions {
        unsafe_switch: Some("no-persist-vote".into()),
        ..FuzzOptions::default()
    };
    let (report, violation) = (0..400)
        .find_map(|seed| {
            let report = run_seed(seed, &options);
            match report.verdict.clone() {
                Verdict::Violation(v) => Some((report, v)),
                _ => None,
            }
        })
        .expect("no-persist-vote is caught");
    let script = script_for(
        &report.config,
        &report.actions,
        options.fault_phase_ms,
        Some(options.liveness_ms),
    );
    let replay = run_script(&script).expect("the generated script parses");
    let replayed = replay
        .violation
        .expect("the script reproduces the violation");
    assert_eq!(replayed.invariant, violation.invariant);
    assert_eq!(replayed.at_ms, violation.at_ms);
    assert_eq!(replayed.evidence, violation.evidence);
}
