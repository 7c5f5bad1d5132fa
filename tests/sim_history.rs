//! The clients' history under faults is judged by the linearizability checker, which knows
//! nothing of Raft: random clients on a healthy core give linearizable histories, and with the
//! lease-without-check-quorum teaching switch a deposed leader's stale read is found.

use raftlab::check::Verdict as CheckVerdict;
use raftlab::sim::Sim;
use raftlab::sim::fuzz::{FuzzOptions, Verdict, plan};
use raftlab::sim::history::{check_clients, client_history};

/// Runs `seed`'s fault phase and returns the simulation (stopped early at a monitor violation).
fn run(seed: u64, options: &FuzzOptions) -> Sim {
    let (config, actions) = plan(seed, options);
    let mut sim = Sim::new(config).expect("planned config");
    sim.schedule(&actions);
    sim.run_until(options.fault_phase_ms, options.steps_max);
    sim
}

#[test]
fn random_clients_under_random_faults_are_linearizable() {
    let options = FuzzOptions::default();
    let mut judged = 0;
    for seed in 0..40 {
        let sim = run(seed, &options);
        assert!(
            sim.violation().is_none(),
            "seed {seed}: {:?}",
            sim.violation()
        );
        let (verdict, report) = check_clients(sim.ops()).expect("history builds");
        assert_ne!(verdict, CheckVerdict::Violation, "seed {seed}:\n{report}");
        judged += client_history(sim.ops())
            .expect("history")
            .history
            .ops()
            .len();
    }
    assert!(
        judged > 200,
        "the workload produced a real history ({judged} ops)"
    );
}

#[test]
fn lease_reads_without_check_quorum_give_a_stale_read_that_the_checker_finds() {
    // The scripted deposed-leader scenario (its golden output is checked by sim_scripts too).
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/scripts/sim/kv_lease_stale_read.txt"
    );
    let text = std::fs::read_to_string(path).expect("script");
    let run = raftlab::scenario::sim_script::run_script(&text).expect("runs");
    let report = run.outputs.last().expect("check-history output");
    assert!(report.contains("verdict: violation"), "{report}");
    assert!(
        report.contains("get => \"1\""),
        "the stale read is in the failing set:\n{report}"
    );
    // Without the switch (check-quorum on, lease reads on), the same steps give no stale read:
    // the forced timer waits for the end of n3's promise, and n1's lease ends before that.
    let safe = text.replace(
        " checkquorum=false prevote=false lease-reads=true unsafe=(lease-without-check-quorum)",
        " checkquorum=true prevote=false lease-reads=true",
    );
    let run = raftlab::scenario::sim_script::run_script(&safe).expect("runs");
    assert!(run.violation.is_none(), "{:?}", run.violation);
    let report = run.outputs.last().expect("check-history output");
    assert!(report.contains("verdict: ok"), "{report}");
}

#[test]
fn the_fuzzer_reports_history_violations_as_violations() {
    // The healthy core: a few seeds end Ok with the history check included.
    let options = FuzzOptions::default();
    for seed in 0..5 {
        let report = raftlab::sim::fuzz::run_seed(seed, &options);
        assert_eq!(report.verdict, Verdict::Ok, "seed {seed}");
    }
}

#[test]
fn an_exported_history_round_trips_through_the_json_format() {
    let options = FuzzOptions::default();
    let sim = run(7, &options);
    let built = client_history(sim.ops()).expect("history");
    let json = raftlab::check::to_json(&built.history);
    let back = raftlab::check::from_json(&json).expect("the exported JSON reads back");
    assert_eq!(back.ops(), built.history.ops());
    let report = raftlab::check::check_json(&json).expect("checks");
    assert_ne!(report.verdict, CheckVerdict::Violation);
}
