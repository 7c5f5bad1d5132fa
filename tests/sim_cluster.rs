//! The simulator end to end: elections, replication, faults, determinism.

use raftlab::raft::types::NodeId;
use raftlab::sim::action::{Action, TimedAction};
use raftlab::sim::queue::TimeMs;
use raftlab::sim::{Sim, SimConfig};

fn sim(voters: u64, seed: u64) -> Sim {
    Sim::new(SimConfig {
        voters,
        seed,
        ..SimConfig::default()
    })
    .expect("valid config")
}

fn applied_everywhere(sim: &Sim) -> Vec<u64> {
    sim.nodes()
        .values()
        .map(|n| n.app.applied_entries())
        .collect()
}

#[test]
fn three_nodes_elect_one_leader_and_replicate() {
    let mut s = sim(3, 7);
    s.run_until(TimeMs(5_000), 1_000_000);
    assert!(s.violation().is_none(), "{:?}", s.violation());
    let leader = s.leader().expect("a leader within 5 s");
    s.apply_action(&Action::Propose {
        node: leader,
        data: "x=1".into(),
    })
    .expect("propose");
    s.run_until(TimeMs(6_000), 1_000_000);
    assert_eq!(applied_everywhere(&s), vec![1, 1, 1]);
    assert!(s.violation().is_none(), "{:?}", s.violation());
}

#[test]
fn same_seed_same_trace_and_hash() {
    let run = || {
        let mut s = sim(5, 99);
        s.schedule(&[
            TimedAction {
                at_ms: TimeMs(3_000),
                action: Action::Propose {
                    node: NodeId(1),
                    data: "a".into(),
                },
            },
            TimedAction {
                at_ms: TimeMs(3_500),
                action: Action::Crash { node: NodeId(2) },
            },
            TimedAction {
                at_ms: TimeMs(4_000),
                action: Action::Partition {
                    groups: vec![vec![NodeId(1), NodeId(3)], vec![NodeId(4), NodeId(5)]],
                },
            },
            TimedAction {
                at_ms: TimeMs(8_000),
                action: Action::Heal,
            },
            TimedAction {
                at_ms: TimeMs(8_100),
                action: Action::Restart { node: NodeId(2) },
            },
        ]);
        s.run_until(TimeMs(12_000), 1_000_000);
        (s.trace().to_text(), s.state_hash())
    };
    let (a, ha) = run();
    let (b, hb) = run();
    assert_eq!(ha, hb);
    assert!(a == b, "traces differ");
    assert!(a.lines().count() > 100);
}
