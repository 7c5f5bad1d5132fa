//! The teaching switches: all off by default, stable names, and each one's violation is shown
//! by a script in tests/scripts/raft (listed here so a missing demonstration fails the test).

use raftlab::raft::config::{Config, UnsafeSwitch};
use raftlab::raft::types::NodeId;

#[test]
fn switches_are_off_by_default() {
    let config = Config::new(NodeId(1));
    assert!(config.unsafe_switches.is_empty());
    for &switch in UnsafeSwitch::all() {
        assert!(
            !config.is_on(switch),
            "{} must be off by default",
            switch.name()
        );
    }
}

#[test]
fn switch_names_are_stable_and_round_trip() {
    let names: Vec<&str> = UnsafeSwitch::all().iter().map(|s| s.name()).collect();
    assert_eq!(
        names,
        [
            "commit-old-term-by-count",
            "skip-election-restriction",
            "no-persist-vote",
            "truncate-without-conflict",
            "count-learners-in-quorum",
            "lease-without-check-quorum",
            "no-membership-safeguard",
        ]
    );
    for &switch in UnsafeSwitch::all() {
        assert_eq!(UnsafeSwitch::from_name(switch.name()), Some(switch));
        assert!(!switch.description().is_empty());
    }
    assert_eq!(UnsafeSwitch::from_name("nonsense"), None);
}

/// Each switch and the script that shows what it breaks; the script must name the switch and
/// contain a VIOLATION line (reported by the harness's monitors) in its golden output.
#[test]
fn every_switch_has_a_demonstration() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scripts/raft");
    let demos = [
        (
            UnsafeSwitch::CommitOldTermByCount,
            "figure8_unsafe.txt",
            true,
        ),
        (
            UnsafeSwitch::SkipElectionRestriction,
            "restriction_unsafe.txt",
            true,
        ),
        (UnsafeSwitch::NoPersistVote, "vote_unsafe.txt", true),
        (
            UnsafeSwitch::TruncateWithoutConflict,
            "truncate_unsafe.txt",
            true,
        ),
        (
            UnsafeSwitch::CountLearnersInQuorum,
            "membership_learners_unsafe.txt",
            true,
        ),
        (
            UnsafeSwitch::LeaseWithoutCheckQuorum,
            "read_lease_unsafe.txt",
            true,
        ),
        (
            UnsafeSwitch::NoMembershipSafeguard,
            "membership_unsafe.txt",
            true,
        ),
    ];
    assert_eq!(demos.len(), UnsafeSwitch::all().len());
    for (switch, file, violation) in demos {
        let text = std::fs::read_to_string(dir.join(file)).expect("demo script exists");
        assert!(
            text.contains(switch.name()),
            "{file} must use {}",
            switch.name()
        );
        let shows = text.lines().any(|l| l.starts_with("VIOLATION"));
        assert_eq!(
            shows, violation,
            "{file}: VIOLATION line expected: {violation}"
        );
    }
}

#[test]
fn lease_reads_need_check_quorum_unless_switched() {
    let mut config = Config::new(NodeId(1));
    config.read_only = raftlab::raft::read_only::ReadOnlyOption::LeaseBased;
    config.check_quorum = false;
    assert_eq!(
        config.validate(),
        Err(raftlab::raft::ConfigError::LeaseWithoutCheckQuorum)
    );
    config
        .unsafe_switches
        .insert(UnsafeSwitch::LeaseWithoutCheckQuorum);
    assert!(config.validate().is_ok());
}
