//! Seeking through checkpoints gives the same state as a straight run.

use raftlab::raft::types::NodeId;
use raftlab::sim::SimConfig;
use raftlab::sim::action::Action;
use raftlab::sim::queue::TimeMs;
use raftlab::sim::timeline::moments::MomentKind;
use raftlab::sim::timeline::{RunEnd, Timeline};

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

/// Hashes of a straight run, one event at a time (stepping with the timeline, which replays
/// nothing: no actions are recorded), from step 0 to `steps`.
fn stepped_hashes(steps: u64) -> Vec<u64> {
    let mut t = Timeline::new(config()).expect("config");
    let mut hashes = vec![t.sim().state_hash()];
    for _ in 0..steps {
        assert!(t.step_forward());
        hashes.push(t.sim().state_hash());
    }
    hashes
}

#[test]
fn step_back_then_forward_returns_the_same_hash_and_seek_step_matches_a_straight_run() {
    let straight = stepped_hashes(5_000);
    let mut t = Timeline::new(config()).expect("config");
    t.run_until(TimeMs(40_000));
    let at = t.sim().steps();
    assert!(at > 4_100, "a busy enough run: {at} steps");
    // Land exactly on an event, then go back and forth.
    assert!(t.step_forward());
    let here = t.sim().steps();
    let hash = t.sim().state_hash();
    assert!(t.step_back());
    assert_eq!(t.sim().steps(), here - 1);
    assert_ne!(t.sim().state_hash(), hash);
    assert!(
        t.is_in_past(),
        "the stepped-over event is the recorded future"
    );
    assert!(t.step_forward());
    assert_eq!(
        t.sim().state_hash(),
        hash,
        "back and forth: the same moment"
    );
    // Many steps back in a row, each the same as the straight run at that step.
    for _ in 0..30 {
        t.step_back();
    }
    assert_eq!(t.sim().steps(), here - 30);
    for n in [0u64, 1, 17, 2_000, 2_001, 3_999, 4_000, 4_100] {
        assert_eq!(t.seek_step(n), RunEnd::Reached);
        assert_eq!(t.sim().steps(), n);
        assert_eq!(
            t.sim().state_hash(),
            straight[n as usize],
            "seek to step {n}"
        );
    }
    assert_eq!(t.end().0, here, "the recorded end survives seeking");
    assert!(!Timeline::new(config()).expect("config").step_back());
}

#[test]
fn seek_step_applies_the_actions_recorded_at_that_step() {
    let mut t = Timeline::new(config()).expect("config");
    t.run_until(TimeMs(3_000));
    let step = t.sim().steps();
    t.act(Action::Crash { node: NodeId(2) }).expect("crash");
    let acted = t.sim().state_hash();
    t.run_until(TimeMs(6_000));
    t.seek_step(step);
    assert_eq!(
        t.sim().state_hash(),
        acted,
        "the crash is part of that moment"
    );
    t.step_back();
    t.step_forward();
    assert_eq!(t.sim().state_hash(), acted, "so is it after back and forth");
}

#[test]
fn the_end_of_the_run_survives_seeking_a_fork_shrinks_it_and_undo_restores_it() {
    let mut t = straight();
    let end = t.end();
    assert_eq!(end, (t.sim().steps(), TimeMs(60_000)));
    let end_hash = t.sim().state_hash();
    t.seek_ms(TimeMs(45_000));
    assert_eq!(t.end(), end, "seeking back keeps the recorded future");
    assert!(t.is_in_past());
    // Playing from the past replays the recorded future.
    t.run_until(TimeMs(60_000));
    assert_eq!(t.sim().state_hash(), end_hash);
    assert!(!t.is_in_past());
    // No action was recorded after 45 s and maybe no checkpoint: the fork is still a fork.
    t.seek_ms(TimeMs(59_000));
    t.act(Action::Crash { node: NodeId(3) }).expect("crash");
    assert_eq!(t.end().1, TimeMs(59_000), "the old future is gone");
    assert!(t.can_undo_fork());
    t.run_until(TimeMs(59_500));
    assert!(t.undo_fork());
    assert_eq!(t.end(), end, "undo restores the old end");
    t.seek_ms(TimeMs(60_000));
    assert_eq!(t.sim().state_hash(), end_hash);
}

#[test]
fn jumps_land_on_elections_commits_and_answers() {
    let mut t = straight();
    let moments = t.moments();
    let elections = moments.of_kind(MomentKind::Election).to_vec();
    let commits = moments.of_kind(MomentKind::Commit).to_vec();
    assert!(
        elections.len() >= 2,
        "first election and the one after the crash"
    );
    assert!(!commits.is_empty(), "{elections:?}");
    assert!(moments.of_kind(MomentKind::Violation).is_empty());
    // The first election moment is a new term (candidates), before any leader.
    let term = t
        .next_moment(MomentKind::Election, 0)
        .expect("an election")
        .clone();
    assert_eq!(term, elections[0]);
    assert!(
        term.text.contains("term") && term.text.contains("begins"),
        "{}",
        term.text
    );
    // The first leader: before it no node leads, at it one does.
    let first = elections
        .iter()
        .find(|m| m.text.contains("leads"))
        .expect("a leader")
        .clone();
    t.seek_step(first.step - 1);
    assert_eq!(t.sim().leader(), None);
    t.seek_step(first.step);
    let leader = t.sim().leader().expect("a leader at the election moment");
    assert!(
        first.text.contains(&format!("n{leader} leads")),
        "{}",
        first.text
    );
    // A commit moment: the highest commit index grows exactly there.
    let commit = t
        .next_moment(MomentKind::Commit, first.step)
        .unwrap_or_else(|| panic!("a commit after {first:?}: {commits:?}"))
        .clone();
    let max_commit = |t: &Timeline| {
        t.sim()
            .nodes()
            .values()
            .filter_map(|n| n.raft().map(|r| r.raft().log().committed.0))
            .max()
            .unwrap_or(0)
    };
    t.seek_step(commit.step - 1);
    let before = max_commit(&t);
    t.seek_step(commit.step);
    assert!(max_commit(&t) > before);
    assert_eq!(commit.text, format!("commit index {}", max_commit(&t)));
    // previous/next are consistent and survive seeking; the index is the same after a replay.
    let last = t
        .previous_moment(MomentKind::Election, u64::MAX)
        .expect("last")
        .clone();
    assert_eq!(&last, elections.last().expect("some"));
    assert_eq!(
        t.previous_moment(MomentKind::Election, last.step)
            .map(|m| m.step),
        elections.iter().rev().nth(1).map(|m| m.step)
    );
    assert!(t.next_moment(MomentKind::Election, last.step).is_none());
    t.seek_ms(TimeMs(60_000));
    assert_eq!(t.moments().of_kind(MomentKind::Election), &elections[..]);
}

#[test]
fn client_answers_are_moments_and_a_fork_drops_the_later_ones_until_undone() {
    let mut t = Timeline::new(config()).expect("config");
    t.run_until(TimeMs(3_000));
    t.act(Action::Console {
        client: 1,
        node: NodeId(1),
        line: "put a 1".into(),
    })
    .expect("console");
    t.run_until(TimeMs(5_000));
    t.act(Action::Console {
        client: 1,
        node: NodeId(2),
        line: "get a".into(),
    })
    .expect("console");
    t.run_until(TimeMs(8_000));
    let answers = t.moments().of_kind(MomentKind::Answer).to_vec();
    assert_eq!(answers.len(), 2, "{answers:?}");
    assert!(answers[0].ms > TimeMs(3_000) && answers[0].ms < TimeMs(5_000));
    assert!(answers[1].ms > TimeMs(5_000), "{answers:?}");
    assert!(answers[0].text.starts_with("c1: op"), "{}", answers[0].text);
    t.seek_ms(TimeMs(4_900));
    t.act(Action::Crash { node: NodeId(4) }).expect("crash");
    assert_eq!(t.moments().of_kind(MomentKind::Answer), &answers[..1]);
    t.run_until(TimeMs(5_500));
    assert!(t.undo_fork());
    assert_eq!(t.moments().of_kind(MomentKind::Answer), &answers[..]);
}

#[test]
fn seek_event_lands_right_after_the_step_that_wrote_it() {
    let mut t = straight();
    let end_hash = t.sim().state_hash();
    // The reference walks from the start one step at a time until the event is written.
    let mut reference = t.clone();
    let written_at = |t: &mut Timeline, id: u64| -> (u64, u64) {
        t.seek_step(0);
        while t.sim().trace().next_id() <= id {
            assert!(t.step_forward(), "event {id} is written by some step");
        }
        (t.sim().steps(), t.sim().state_hash())
    };
    let last = t.sim().trace().next_id() - 1;
    for id in [0u64, 1, 57, last / 3, last / 2, last - 10, last] {
        assert_eq!(t.seek_event(id), RunEnd::Reached, "event {id}");
        assert!(t.sim().trace().next_id() > id, "event {id} is written");
        let here = (t.sim().steps(), t.sim().state_hash());
        // The step before did not write it yet, unless an action at this step did.
        assert_eq!(here, written_at(&mut reference, id), "event {id}");
        assert!(
            t.is_in_past() || id == last,
            "seeking back keeps the future"
        );
    }
    t.seek_ms(TimeMs(60_000));
    assert_eq!(t.sim().state_hash(), end_hash);
}

/// A run long enough for the checkpoints to be thinned (more than `CHECKPOINTS_MAX` taken):
/// seeks to moments between far-apart checkpoints give the state and the whole trace's hash
/// of one straight run through the same actions. The trace hash is folded lazily (a seek's
/// replayed events are hashed only when asked), so this pins that the laziness changes no hash.
#[test]
fn seeks_in_a_thinned_run_match_a_straight_run_state_and_trace_hash() {
    // The benchmark's shape, with the trace hash kept (`record` drops it, as the page does);
    // 22 minutes: more than 192 checkpoints even if each waited its 500 steps for the nodes.
    let mut t = Timeline::new(raftlab::sim::config::SimConfig {
        voters: 5,
        ..Default::default()
    })
    .expect("config");
    raftlab::bench::recorded::record_on(&mut t, 22).expect("records");
    assert_eq!(
        t.checkpoint_count(),
        raftlab::sim::timeline::CHECKPOINTS_MAX,
        "thinned"
    );
    let (_, end_ms) = t.end();
    let end = (t.sim().state_hash(), t.sim().trace().text_hash());
    let mut targets: Vec<u64> = raftlab::bench::recorded::seek_targets(end_ms.0, 6);
    targets.extend([end_ms.0 / 3, end_ms.0 - 1]);
    let mut seeked: Vec<(u64, u64, Option<u64>)> = targets
        .into_iter()
        .map(|target| {
            assert_eq!(t.seek_ms(TimeMs(target)), RunEnd::Reached);
            (target, t.sim().state_hash(), t.sim().trace().text_hash())
        })
        .collect();
    seeked.sort_unstable();
    let config = t.sim().config().clone();
    let mut straight = Timeline::new(config).expect("config");
    let mut actions = t.actions().iter().peekable();
    for (target, state, trace) in seeked {
        while let Some(recorded) = actions.next_if(|a| a.at_ms <= TimeMs(target)) {
            straight.run_until(recorded.at_ms);
            straight
                .act(recorded.action.clone())
                .expect("recorded actions replay");
        }
        straight.run_until(TimeMs(target));
        let here = (
            straight.sim().state_hash(),
            straight.sim().trace().text_hash(),
        );
        assert_eq!(here, (state, trace), "seek to {target} ms");
    }
    t.seek_ms(end_ms);
    assert_eq!((t.sim().state_hash(), t.sim().trace().text_hash()), end);
}
