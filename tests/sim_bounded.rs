//! A long run's cost follows the work, not the history: automatic snapshots and MVCC
//! compaction really shrink what nodes hold, a follower behind the compaction catches up by
//! snapshot, and the trace, operations and monitors stay in bounded windows without changing
//! what a run is (same hashes, same ids, seeking still equals a straight run).

use raftlab::raft::config::UnsafeSwitch;
use raftlab::raft::types::NodeId;
use raftlab::sim::SimConfig;
use raftlab::sim::action::Action;
use raftlab::sim::cluster::Sim;
use raftlab::sim::monitor::names;
use raftlab::sim::queue::TimeMs;
use raftlab::sim::timeline::Timeline;

fn small_thresholds() -> SimConfig {
    SimConfig {
        voters: 3,
        seed: 5,
        snapshot_count: 40,
        snapshot_catch_up: 10,
        mvcc_retention: 30,
        ..SimConfig::default()
    }
}

/// Runs to `from_ms`, then one put every 100 ms until `to_ms` (clients take turns), all to `node`.
fn write_load(sim: &mut Sim, node: NodeId, from_ms: u64, to_ms: u64) {
    let mut at = from_ms;
    while at <= to_ms {
        sim.run_until(TimeMs(at), u64::MAX);
        let _ = sim.apply_action(&Action::Console {
            client: 1 + at / 100 % 2,
            node,
            line: format!("put k{} v{at}", at / 100 % 7),
        });
        at += 100;
    }
}

fn log_len(sim: &Sim, id: NodeId) -> u64 {
    let durable = sim.nodes()[&id].durable().expect("a disk");
    durable.last_index().0 + 1 - durable.first_index().0
}

#[test]
fn the_log_and_the_mvcc_history_shrink_on_their_own() {
    let mut sim = Sim::new(small_thresholds()).expect("config");
    write_load(&mut sim, NodeId(1), 2_000, 32_000);
    sim.run_until(TimeMs(34_000), u64::MAX);
    assert!(sim.violation().is_none(), "{:?}", sim.violation());
    for node in sim.nodes().values() {
        let durable = node.durable().expect("up");
        assert!(
            node.app.applied().0 > 250,
            "n{} applied {}",
            node.id,
            node.app.applied()
        );
        assert!(
            durable.first_index().0 > 150,
            "n{}: the log was compacted (first index {})",
            node.id,
            durable.first_index()
        );
        // At most snapshot-count + catch-up entries past the snapshot, plus what is in flight.
        assert!(
            log_len(&sim, node.id) <= 40 + 10 + 10,
            "n{} holds {} entries",
            node.id,
            log_len(&sim, node.id)
        );
        let store = node.app.kv().store();
        assert!(
            store.compact_revision() > 100,
            "MVCC compacted automatically"
        );
        assert!(
            store.revision() - store.compact_revision() <= 30 + 3 + 5,
            "n{}: revisions {} compacted {}",
            node.id,
            store.revision(),
            store.compact_revision()
        );
        assert!(
            store.kept_changes() <= 40,
            "n{}: {}",
            node.id,
            store.kept_changes()
        );
    }
    let sizes = sim.monitor().sizes();
    for (name, size) in sizes {
        assert!(size <= 200, "monitor map {name} holds {size} entries");
    }
}

#[test]
fn a_follower_behind_the_compaction_gets_a_snapshot_and_converges() {
    let mut sim = Sim::new(small_thresholds()).expect("config");
    sim.run_until(TimeMs(2_000), u64::MAX);
    let leader = sim.leader().expect("a leader by 2 s");
    let behind = (1..=3)
        .map(NodeId)
        .find(|&n| n != leader)
        .expect("a follower");
    sim.apply_action(&Action::Crash { node: behind })
        .expect("crash");
    write_load(&mut sim, leader, 2_100, 20_000);
    let leader_first = sim.nodes()[&leader].durable().expect("up").first_index().0;
    let behind_last = sim.nodes()[&behind].durable().expect("disk").last_index().0;
    assert!(
        leader_first > behind_last + 1,
        "the leader compacted past the follower (first {leader_first}, follower last {behind_last})"
    );
    sim.apply_action(&Action::Restart { node: behind })
        .expect("restart");
    sim.run_until(TimeMs(26_000), u64::MAX);
    assert!(sim.violation().is_none(), "{:?}", sim.violation());
    let snapshots = sim
        .trace()
        .events()
        .filter(|e| e.to_string().contains(&format!("snapshot n{behind}")))
        .count();
    assert!(snapshots > 0, "n{behind} installed a snapshot");
    let (a, b) = (&sim.nodes()[&leader].app, &sim.nodes()[&behind].app);
    assert_eq!(a.applied(), b.applied(), "caught up");
    assert_eq!(a.state_hash(), b.state_hash(), "same state");
    assert_eq!(a.digest(), b.digest());
}

/// The same run with a small trace window and with every event kept.
fn windowed_pair() -> (Sim, Sim) {
    let run = |window: u64| {
        let mut sim = Sim::new(SimConfig {
            trace_window: window,
            ..small_thresholds()
        })
        .expect("config");
        write_load(&mut sim, NodeId(2), 2_000, 12_000);
        sim
    };
    (run(500), run(0))
}

#[test]
fn a_trace_window_keeps_ids_and_the_trace_hash() {
    let (windowed, full) = windowed_pair();
    assert!(
        full.trace().kept_len() > 2_000,
        "{}",
        full.trace().kept_len()
    );
    assert!(windowed.trace().kept_len() < 500 + 1_024 + 1);
    assert!(windowed.trace().dropped_len() > 0);
    assert_eq!(windowed.trace().next_id(), full.trace().next_id());
    assert_eq!(windowed.trace().recorded_len(), full.trace().recorded_len());
    assert_eq!(windowed.trace().text_hash(), full.trace().text_hash());
    assert_eq!(
        windowed.trace().text_hash(),
        Some(raftlab::sim::hash::stable_hash(&full.trace().to_text())),
        "the running hash is the hash of the whole text"
    );
    assert_eq!(windowed.state_hash(), full.state_hash());
    let tail: Vec<String> = full
        .trace()
        .events()
        .rev()
        .take(windowed.trace().kept_len())
        .map(|e| e.to_string())
        .collect();
    let kept: Vec<String> = windowed
        .trace()
        .events()
        .rev()
        .map(|e| e.to_string())
        .collect();
    assert_eq!(
        tail, kept,
        "the window is the full trace's tail, ids included"
    );
}

#[test]
fn finished_operations_leave_a_bounded_window() {
    let mut sim = Sim::new(SimConfig {
        ops_window: 20,
        ..small_thresholds()
    })
    .expect("config");
    write_load(&mut sim, NodeId(1), 2_000, 12_000);
    sim.run_until(TimeMs(20_000), u64::MAX);
    assert!(sim.ops().len() <= 20, "{} ops kept", sim.ops().len());
    assert!(sim.ops_forgotten() >= 80);
    let kept_ids: Vec<u64> = sim.ops().keys().copied().collect();
    assert_eq!(
        kept_ids.first().copied(),
        Some(sim.ops_forgotten()),
        "the oldest leave first"
    );
    let error = sim
        .apply_action(&Action::Retry {
            op: 0,
            node: NodeId(1),
        })
        .expect_err("op0 is gone");
    assert!(error.0.contains("operations window"), "{error}");
}

#[test]
fn seeking_after_compaction_equals_a_straight_run() {
    let config = SimConfig {
        voters: 5,
        seed: 3,
        snapshot_count: 30,
        snapshot_catch_up: 5,
        mvcc_retention: 20,
        trace_window: 2_000,
        ..SimConfig::default()
    };
    let mut t = Timeline::new(config.clone()).expect("config");
    let mut at = 2_000;
    while at <= 40_000 {
        t.run_until(TimeMs(at));
        t.act(Action::Console {
            client: 1,
            node: NodeId(1 + at / 1000 % 5),
            line: format!("put k{} v{at}", at % 3),
        })
        .expect("console");
        if at == 15_000 {
            t.act(Action::Crash { node: NodeId(2) }).expect("crash");
        }
        if at == 25_000 {
            t.act(Action::Restart { node: NodeId(2) }).expect("restart");
        }
        at += 200;
    }
    t.run_until(TimeMs(45_000));
    assert!(t.sim().violation().is_none(), "{:?}", t.sim().violation());
    let first = t.sim().nodes()[&NodeId(1)]
        .durable()
        .expect("up")
        .first_index()
        .0;
    assert!(first > 60, "compacted (first index {first})");
    let end_hash = t.sim().state_hash();
    let end_trace = t.sim().trace().text_hash();
    for target in [30_000u64, 7_777, 44_000, 16_000] {
        t.seek_ms(TimeMs(target));
        // A straight run from scratch to the same moment, with the same recorded actions.
        let mut reference = Timeline::new(config.clone()).expect("config");
        for recorded in t.actions().to_vec() {
            if recorded.at_ms > TimeMs(target) {
                break;
            }
            reference.run_until(recorded.at_ms);
            reference.act(recorded.action.clone()).expect("replays");
        }
        reference.run_until(TimeMs(target));
        assert_eq!(
            t.sim().state_hash(),
            reference.sim().state_hash(),
            "seek to {target}"
        );
        assert_eq!(
            t.sim().trace().text_hash(),
            reference.sim().trace().text_hash(),
            "seek to {target}: the trace hash"
        );
    }
    t.seek_ms(TimeMs(45_000));
    assert_eq!(t.sim().state_hash(), end_hash);
    assert_eq!(t.sim().trace().text_hash(), end_trace);
}

/// Crashes the leader every 3 s from 2 s to `to_ms` and restarts it 1.5 s later; returns the
/// highest term any node reached.
fn leader_crashes(sim: &mut Sim, to_ms: u64) -> u64 {
    let mut at = 2_000;
    while at <= to_ms {
        sim.run_until(TimeMs(at), u64::MAX);
        if let Some(leader) = sim.leader() {
            sim.apply_action(&Action::Crash { node: leader })
                .expect("crash");
            sim.run_until(TimeMs(at + 1_500), u64::MAX);
            sim.apply_action(&Action::Restart { node: leader })
                .expect("restart");
        }
        at += 3_000;
    }
    sim.run_until(TimeMs(to_ms + 3_000), u64::MAX);
    sim.nodes()
        .values()
        .filter_map(|n| n.durable())
        .map(|d| d.hard_state().term.0)
        .max()
        .unwrap_or(0)
}

/// Leaders and votes of terms below every node's durable term are forgotten, so elections
/// leave a bounded window of them, however many terms a run goes through.
#[test]
fn many_elections_leave_a_bounded_window_of_leaders_and_votes() {
    let mut sim = Sim::new(small_thresholds()).expect("config");
    let term = leader_crashes(&mut sim, 60_000);
    assert!(sim.violation().is_none(), "{:?}", sim.violation());
    assert!(term >= 15, "only {term} terms");
    let sizes = sim.monitor().sizes();
    for (name, bound) in [("leaders", 4), ("votes", 12)] {
        let size = sizes.iter().find(|s| s.0 == name).expect("a map").1;
        assert!(size <= bound, "{name}: {size} after {term} terms");
    }
}

/// Forgetting old votes keeps the votes a node can still break: after many terms of leader
/// crashes, a node that forgot its vote (the no-persist-vote switch) votes twice in the new
/// term, and monitor 11 still sees the first vote.
#[test]
fn after_old_votes_are_forgotten_a_second_vote_in_a_new_term_is_still_caught() {
    let mut sim = Sim::new(SimConfig {
        seed: 1,
        pre_vote: false,
        check_quorum: false,
        unsafe_switches: [UnsafeSwitch::NoPersistVote].into_iter().collect(),
        ..small_thresholds()
    })
    .expect("config");
    let term = leader_crashes(&mut sim, 20_000);
    assert!(term >= 5, "only {term} terms");
    assert!(sim.violation().is_none(), "{:?}", sim.violation());
    // The two-campaigns story: x and y cannot hear each other; z votes for x, crashes before
    // x's first append reaches it, restarts without its vote, and votes for y in the same term.
    let z = sim.leader().expect("a leader");
    let others: Vec<NodeId> = (1..=3).map(NodeId).filter(|&n| n != z).collect();
    let (x, y) = (others[0], others[1]);
    for (from, to) in [(x, y), (y, x)] {
        sim.apply_action(&Action::SetLinkUp {
            from,
            to,
            up: false,
        })
        .expect("cut");
    }
    sim.apply_action(&Action::FireTimer { node: x })
        .expect("campaign");
    let campaign = sim.now_ms().0;
    while sim.leader() != Some(x) {
        assert!(sim.now_ms().0 < campaign + 1_000, "n{x} won no election");
        let next = TimeMs(sim.now_ms().0 + 1);
        sim.run_until(next, u64::MAX);
    }
    for action in [
        Action::SetLinkUp {
            from: x,
            to: z,
            up: false,
        },
        Action::Crash { node: z },
        Action::Restart { node: z },
        Action::FireTimer { node: y },
    ] {
        sim.apply_action(&action).expect("applies");
    }
    let until = TimeMs(sim.now_ms().0 + 200);
    sim.run_until(until, u64::MAX);
    let violation = sim.violation().expect("a violation");
    assert_eq!(violation.invariant, names::ONE_VOTE, "{violation}");
    let evidence = format!("n{z} voted for n{x} and then for n{y} in term {}", term + 1);
    assert_eq!(violation.evidence, evidence);
}
