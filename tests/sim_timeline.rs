//! Seeking through checkpoints gives the same state as a straight run.

use raftlab::raft::types::NodeId;
use raftlab::sim::SimConfig;
use raftlab::sim::action::Action;
use raftlab::sim::queue::TimeMs;
use raftlab::sim::timeline::Timeline;

fn config() -> SimConfig {
    SimConfig {
        voters: 5,
        seed: 11,
        ..SimConfig::default()
    }
}

/// A straight run with user actions at a few moments; returns the timeline at 60 s.
fn straight() -> Timeline {
    let mut t = Timeline::new(config()).expect("config");
    t.run_until(TimeMs(3_000));
    let leader = t.sim().leader().expect("leader by 3 s");
    t.act(Action::Propose {
        node: leader,
        data: "a".into(),
    })
    .expect("propose");
    t.run_until(TimeMs(10_000));
    t.act(Action::Crash { node: leader }).expect("crash");
    t.act(Action::Partition {
        groups: vec![
            vec![NodeId(1), NodeId(2)],
            vec![NodeId(3), NodeId(4), NodeId(5)],
        ],
    })
    .expect("partition");
    t.run_until(TimeMs(30_000));
    t.act(Action::Heal).expect("heal");
    t.act(Action::Restart { node: leader }).expect("restart");
    t.run_until(TimeMs(60_000));
    t
}

#[test]
fn seeking_anywhere_and_back_matches_a_straight_run() {
    let mut t = straight();
    let end_hash = t.sim().state_hash();
    assert!(
        t.checkpoint_count() >= 3,
        "a 60 s run keeps several checkpoints"
    );
    for (i, target) in [12_345u64, 100, 45_000, 29_999, 3_000, 10_000]
        .into_iter()
        .enumerate()
    {
        t.seek_ms(TimeMs(target));
        // The same moment reached without checkpoints: replay the recorded actions from scratch.
        let reference = rebuild(&t, target);
        assert_eq!(
            t.sim().state_hash(),
            reference.sim().state_hash(),
            "seek #{i} to {target} ms"
        );
        assert_eq!(t.sim().now_ms(), TimeMs(target));
    }
    t.seek_ms(TimeMs(60_000));
    assert_eq!(
        t.sim().state_hash(),
        end_hash,
        "back at the end: the same state"
    );
}

/// Replays `t`'s recorded actions on a fresh timeline up to `at_ms` (no checkpoints used).
fn rebuild(t: &Timeline, at_ms: u64) -> Timeline {
    let mut fresh = Timeline::new(config()).expect("config");
    for recorded in t.actions() {
        if recorded.at_ms > TimeMs(at_ms) {
            break;
        }
        fresh.run_until(recorded.at_ms);
        fresh
            .act(recorded.action.clone())
            .expect("recorded actions replay");
    }
    fresh.run_until(TimeMs(at_ms));
    fresh
}

#[test]
fn acting_in_the_past_forks_the_timeline() {
    let mut t = straight();
    t.seek_ms(TimeMs(5_000));
    let before = t.actions().len();
    t.act(Action::Isolate { node: NodeId(1) }).expect("isolate");
    assert_eq!(
        t.actions().len(),
        2,
        "the propose stays, the later actions are dropped (had {before})"
    );
    t.run_until(TimeMs(20_000));
    assert!(t.sim().violation().is_none());
}

#[test]
fn a_refused_action_changes_nothing() {
    let mut t = Timeline::new(config()).expect("config");
    t.run_until(TimeMs(2_000));
    let hash = t.sim().state_hash();
    assert!(
        t.act(Action::Restart { node: NodeId(1) }).is_err(),
        "restart of a running node is refused"
    );
    assert!(
        t.act(Action::Crash { node: NodeId(42) }).is_err(),
        "unknown node"
    );
    assert_eq!(t.sim().state_hash(), hash);
    assert!(t.actions().is_empty());
}

#[test]
fn undoing_a_fork_brings_the_old_future_back() {
    let mut t = straight();
    let (end_hash, actions) = (t.sim().state_hash(), t.actions().to_vec());
    assert!(!t.can_undo_fork() && !t.undo_fork(), "nothing to undo yet");
    t.seek_ms(TimeMs(5_000));
    let fork_hash = t.sim().state_hash();
    t.act(Action::Isolate { node: NodeId(1) }).expect("isolate");
    t.run_until(TimeMs(20_000));
    t.act(Action::Heal).expect("heal");
    t.run_until(TimeMs(40_000));
    assert!(t.can_undo_fork());
    assert_ne!(t.actions(), &actions[..], "the fork replaced the future");
    assert!(t.undo_fork());
    assert_eq!(
        t.actions(),
        &actions[..],
        "the old future's actions are back"
    );
    assert_eq!(t.sim().now_ms(), TimeMs(5_000), "at the moment of the fork");
    assert_eq!(t.sim().state_hash(), fork_hash);
    t.seek_ms(TimeMs(60_000));
    assert_eq!(t.sim().state_hash(), end_hash, "the old end, again");
    assert!(!t.undo_fork(), "one level of undo");
}
