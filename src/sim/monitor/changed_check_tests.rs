//! The monitors' check of the changed nodes alone (`Monitor::check_changed`, what the simulator
//! runs after each step) against the check of every node (`Monitor::check`), on randomized
//! fault runs with and without each teaching switch. In unit tests `Sim::check_monitors` runs
//! both at every step and asserts they report the same violation and keep records of the same
//! sizes; these runs give it steps to compare, violations among them.

use crate::raft::config::UnsafeSwitch;
use crate::sim::fuzz::{FuzzOptions, Verdict, run_seed};
use crate::sim::queue::TimeMs;

/// Runs `seeds` seeds with `switch`, rule monitors on or off; returns how many violated.
fn violations(switch: Option<UnsafeSwitch>, rule_monitors: bool, seeds: u64) -> usize {
    let options = FuzzOptions {
        unsafe_switch: switch,
        rule_monitors,
        fault_phase_ms: TimeMs(6_000),
        liveness_ms: TimeMs(10_000),
        ..FuzzOptions::default()
    };
    (0..seeds)
        .filter(|&seed| {
            matches!(
                run_seed(7_000 + seed, &options).verdict,
                Verdict::Violation(_)
            )
        })
        .count()
}

#[test]
fn the_changed_nodes_check_reports_what_the_full_check_reports_on_safe_runs() {
    assert_eq!(violations(None, true, 24), 0);
}

#[test]
fn the_changed_nodes_check_reports_what_the_full_check_reports_with_each_switch() {
    let mut caught = 0;
    for &switch in UnsafeSwitch::all() {
        for rule_monitors in [true, false] {
            caught += violations(Some(switch), rule_monitors, 12);
        }
    }
    // The comparison saw violations being found, not only quiet steps.
    assert!(caught > 0, "no seed violated: the comparison saw no firing");
}
