//! Randomized fault runs in the test suite: the healthy core survives them, and every teaching
//! switch (a planted bug) is caught within a bounded number of seeds by a monitor that sees its
//! harm, with the monitors that restate rules switched off. The full
//! 2,000-seed campaign runs in release mode as a step of `cargo xtask test`.

use raftlab::raft::config::UnsafeSwitch;
use raftlab::sim::fuzz::{FuzzOptions, Verdict, run_seed};
use raftlab::sim::monitor::{Kind, switch_monitors};
use raftlab::sim::queue::TimeMs;

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

/// The hunt runs with the rule monitors off: a planted bug must show by its harm (a consequence
/// monitor: two leaders, a lost or changed committed entry, a stale read), not only by the rule
/// it breaks. Liveness failures along the way do not count as catching it.
#[test]
fn every_teaching_switch_is_caught_by_a_consequence_monitor_with_rule_monitors_off() {
    const SEEDS_MAX: u64 = 400;
    for &switch in UnsafeSwitch::all() {
        let options = FuzzOptions {
            unsafe_switch: Some(switch),
            rule_monitors: false,
            ..FuzzOptions::default()
        };
        let caught = (0..SEEDS_MAX).find_map(|seed| match run_seed(seed, &options).verdict {
            Verdict::Violation(v) => Some((seed, v)),
            _ => None,
        });
        let (seed, violation) =
            caught.unwrap_or_else(|| panic!("{} not caught in {SEEDS_MAX} seeds", switch.name()));
        assert_eq!(
            violation.kind,
            Kind::Consequence,
            "{} caught at seed {seed} by a non-consequence monitor: {violation}",
            switch.name()
        );
        let (_, harms) = switch_monitors(switch);
        assert!(
            harms.contains(&violation.invariant),
            "{} caught at seed {seed} by {}, which its catalogue entry does not name as its harm",
            switch.name(),
            violation.invariant
        );
        assert!(
            violation.explanation.contains(switch.name()),
            "the explanation names the switch: {}",
            violation.explanation
        );
        eprintln!("{}: caught at seed {seed}: {violation}", switch.name());
    }
}

/// With the rule monitors on, a switch that has a rule monitor is caught by it (the rule fires
/// first, before the harm), and the learner's explanation names the harm it leads to.
#[test]
fn with_rule_monitors_on_the_rule_fires_and_the_explanation_names_the_harm() {
    for &switch in UnsafeSwitch::all() {
        let (Some(rule), harms) = switch_monitors(switch) else {
            continue;
        };
        let options = FuzzOptions {
            unsafe_switch: Some(switch),
            ..FuzzOptions::default()
        };
        let violation = (0..400)
            .find_map(|seed| match run_seed(seed, &options).verdict {
                Verdict::Violation(v) if v.invariant == rule => Some(v),
                _ => None,
            })
            .unwrap_or_else(|| panic!("rule monitor {rule} catches {}", switch.name()));
        assert_eq!(violation.kind, Kind::Rule);
        assert!(
            violation.explanation.contains("harm"),
            "{}",
            violation.explanation
        );
        assert!(
            violation.explanation.contains(harms[0]),
            "{}",
            violation.explanation
        );
    }
}

/// Every seed's plan is a config the simulator accepts, hunting or not. A hunting seed's
/// counterexample shape turns check-quorum off; a seed that had drawn lease reads (which rest on
/// check-quorum) used to keep them, so about a fifth of the hunt's seeds planned a config the
/// simulator refused, and each was reported as a liveness failure.
#[test]
fn every_planned_config_is_valid() {
    use raftlab::sim::fuzz::plan;
    let hunts = std::iter::once(None).chain(UnsafeSwitch::all().iter().copied().map(Some));
    for unsafe_switch in hunts {
        let options = FuzzOptions {
            unsafe_switch,
            ..FuzzOptions::default()
        };
        let mut leases = 0;
        for seed in 0..2_000 {
            let (config, _) = plan(seed, &options);
            if let Err(error) = config.validate() {
                panic!("seed {seed}, switch {unsafe_switch:?}: {error}");
            }
            leases += u32::from(config.lease_reads);
        }
        // Lease reads are still drawn (and always on when the lease itself is the planted bug).
        assert!(
            leases > 100,
            "{unsafe_switch:?}: {leases} seeds read with a lease"
        );
    }
}

/// A share of the seeds set the automatic snapshot and MVCC compaction thresholds low enough
/// that both happen within the run: snapshots taken with their catch-up margin and MVCC
/// compactions proposed by the leader (the page's defaults need more writes than a seed makes).
#[test]
fn some_seeds_take_automatic_snapshots_and_compact_their_stores() {
    use raftlab::sim::fuzz::run_seed_then;
    let options = FuzzOptions::default();
    let (mut low, mut snapshotted, mut compacted) = (0, 0, 0);
    for seed in 0..60 {
        let (report, (snapshot, compaction)) = run_seed_then(seed, &options, |sim| {
            let nodes = sim.map(|sim| sim.nodes().values().collect::<Vec<_>>());
            let nodes = nodes.unwrap_or_default();
            let snapshot = nodes
                .iter()
                .filter_map(|node| node.raft())
                .any(|raft| raft.storage().snapshot().metadata.index.0 > 0);
            let compaction = nodes
                .iter()
                .any(|node| node.app.kv().store().compact_revision() > 0);
            (snapshot, compaction)
        });
        assert_eq!(report.verdict, Verdict::Ok, "seed {seed}");
        if report.config.snapshot_count < 2_000 {
            low += 1;
            snapshotted += u32::from(snapshot);
            compacted += u32::from(compaction);
        }
    }
    assert!(low >= 10, "{low} of 60 seeds set low thresholds");
    assert!(
        snapshotted * 2 > low,
        "{snapshotted} of {low} took a snapshot"
    );
    assert!(
        compacted * 4 > low,
        "{compacted} of {low} compacted their stores"
    );
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
        unsafe_switch: Some(UnsafeSwitch::NoPersistVote),
        rule_monitors: false,
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

/// The membership mix reaches the cases a leader must get right when it changes itself: a
/// leader removed, a leader demoted to learner, and joint configurations (entered, left
/// automatically and explicitly). A mix that lost one of them would test nothing there.
#[test]
fn the_membership_mix_includes_self_removal_demotion_and_joint_changes() {
    use raftlab::sim::cluster::Sim;
    use raftlab::sim::fuzz::plan;
    use raftlab::sim::trace::TraceKind;
    let options = FuzzOptions {
        nodes_min: 1,
        nodes_max: 3,
        ..FuzzOptions::default()
    };
    let wanted = [
        (
            "removed leader hands over",
            "is no longer a voter: it hands",
        ),
        ("demoted leader hands over", "(now a learner): it hands"),
        ("joint configuration entered", "&&"),
        ("explicit leave proposed", "leave-joint via="),
    ];
    let mut seen = [false; 4];
    for seed in 0..300 {
        let (mut config, actions) = plan(seed, &options);
        config.record_trace = true;
        let mut sim = Sim::new(config).expect("planned config");
        sim.schedule(&actions);
        sim.run_until(options.fault_phase_ms + TimeMs(2_000), options.steps_max);
        for event in sim.trace().events() {
            let text = match &event.kind {
                TraceKind::Role { text, .. } | TraceKind::Action { text } => text,
                _ => continue,
            };
            for (at, (_, needle)) in wanted.iter().enumerate() {
                seen[at] |= text.contains(needle);
            }
        }
        if seen.iter().all(|&s| s) {
            return;
        }
    }
    let missing: Vec<&str> = wanted
        .iter()
        .zip(seen)
        .filter(|(_, s)| !s)
        .map(|((name, _), _)| *name)
        .collect();
    panic!("300 seeds never showed: {}", missing.join(", "));
}
