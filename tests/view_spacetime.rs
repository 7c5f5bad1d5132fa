//! The space-time diagram's data: arrows agree with the trace (sends, deliveries, drops,
//! duplicates, the wire), marks show elections, commits and crashes, and the answer is bounded.

use raftlab::raft::types::NodeId;
use raftlab::sim::SimConfig;
use raftlab::sim::action::Action;
use raftlab::sim::queue::TimeMs;
use raftlab::sim::timeline::Timeline;
use raftlab::sim::trace::TraceKind;
use raftlab::view::spacetime::{self, SpacetimeView};
use std::collections::BTreeMap;

fn elected(voters: u64) -> Timeline {
    let mut timeline = Timeline::new(SimConfig {
        voters,
        seed: 7,
        ..SimConfig::default()
    })
    .expect("config");
    timeline.run_until(TimeMs(3_000));
    assert!(timeline.sim().leader().is_some(), "a leader by 3 s");
    timeline
}

fn put(timeline: &mut Timeline, key: &str) {
    let leader = timeline.sim().leader().expect("a leader");
    timeline
        .act(Action::Console {
            client: 1,
            node: leader,
            line: format!("put {key} v"),
        })
        .expect("put");
}

/// Every message of the whole trace: (from, to, sent, end, how) by id, read straight off the
/// events (the oracle the window is compared with).
fn oracle(timeline: &Timeline) -> BTreeMap<u64, (u64, u64, u64, Option<u64>, &'static str)> {
    let mut all = BTreeMap::new();
    for event in timeline.sim().trace().events() {
        let at = event.at_ms.0;
        match &event.kind {
            TraceKind::Send {
                message, from, to, ..
            } => {
                all.insert(*message, (from.0, to.0, at, None, "unknown"));
            }
            TraceKind::Duplicate { message, copy } => {
                let original = all[message];
                all.insert(*copy, (original.0, original.1, at, None, "unknown"));
            }
            TraceKind::Deliver { message, .. } => {
                let arrow = all.get_mut(message).expect("sent before delivered");
                *arrow = (arrow.0, arrow.1, arrow.2, Some(at), "delivered");
            }
            TraceKind::Drop { message, .. } => {
                let arrow = all.get_mut(message).expect("sent before dropped");
                *arrow = (arrow.0, arrow.1, arrow.2, Some(at), "dropped");
            }
            _ => {}
        }
    }
    for (id, flight) in timeline.sim().in_flight() {
        let arrow = all.get_mut(id).expect("on the wire after its send");
        let how = if flight.held { "held" } else { "in-flight" };
        *arrow = (arrow.0, arrow.1, arrow.2, Some(flight.due_ms.0), how);
    }
    all
}

fn check_against_oracle(timeline: &Timeline, from: u64, to: u64) -> SpacetimeView {
    let data = spacetime::build(timeline.sim(), from, to, 5_000);
    let expected: Vec<u64> = oracle(timeline)
        .into_iter()
        .filter(|(_, (_, _, sent, end, how))| {
            *sent <= to && (*how == "held" || end.is_none_or(|e| e >= from))
        })
        .map(|(id, _)| id)
        .collect();
    let got: Vec<u64> = data.arrows.iter().map(|a| a.id).collect();
    assert_eq!(got, expected, "arrows of {from}..{to}");
    assert_eq!(data.arrows_total, expected.len() as u64);
    let all = oracle(timeline);
    for arrow in &data.arrows {
        let (f, t, sent, end, how) = all[&arrow.id];
        assert_eq!((arrow.from, arrow.to, arrow.sent_ms), (f, t, sent));
        assert_eq!(
            (arrow.end_ms, arrow.end.as_str()),
            (end, how),
            "m{}",
            arrow.id
        );
        assert!(!arrow.kind.is_empty() && arrow.summary.starts_with(&arrow.kind));
    }
    data
}

#[test]
fn arrows_match_the_trace_in_any_window() {
    let mut timeline = elected(5);
    for i in 0..5 {
        put(&mut timeline, &format!("k{i}"));
        let now = timeline.sim().now_ms();
        timeline.run_until(now + TimeMs(37));
    }
    let now = timeline.sim().now_ms().0;
    for (from, to) in [
        (0, now),
        (now - 500, now),
        (1_000, 1_400),
        (now - 100, now - 50),
    ] {
        let data = check_against_oracle(&timeline, from, to);
        assert!(
            !data.arrows.is_empty(),
            "a busy cluster sends in {from}..{to}"
        );
        assert_eq!(data.nodes, vec![1, 2, 3, 4, 5]);
    }
    // A window past now is clipped to now.
    let data = spacetime::build(timeline.sim(), now - 100, now + 5_000, 100);
    assert_eq!((data.to_ms, data.now_ms), (now, now));
}

#[test]
fn a_dropped_message_ends_dropped_and_a_held_one_stays_on_the_wire() {
    let mut timeline = elected(3);
    put(&mut timeline, "a");
    while timeline.sim().in_flight().len() < 2 {
        assert!(timeline.step());
    }
    let ids: Vec<u64> = timeline.sim().in_flight().keys().copied().collect();
    let (dropped, held) = (ids[0], ids[1]);
    timeline
        .act(Action::Drop { message: dropped })
        .expect("drop");
    timeline.act(Action::Hold { message: held }).expect("hold");
    let at = timeline.sim().now_ms().0;
    let now = timeline.sim().now_ms();
    timeline.run_until(now + TimeMs(300));
    let data = check_against_oracle(&timeline, at - 200, timeline.sim().now_ms().0);
    let arrow = data
        .arrows
        .iter()
        .find(|a| a.id == dropped)
        .expect("dropped arrow");
    assert_eq!(arrow.end, "dropped");
    assert_eq!(arrow.reason.as_deref(), Some("user"));
    assert_eq!(arrow.end_ms, Some(at));
    let arrow = data
        .arrows
        .iter()
        .find(|a| a.id == held)
        .expect("held arrow");
    assert_eq!(arrow.end, "held");

    // Held for far longer than the trace is read back: it still shows in a late window.
    let sent = arrow.sent_ms;
    let now = timeline.sim().now_ms();
    timeline.run_until(now + TimeMs(5_000));
    let now = timeline.sim().now_ms().0;
    let data = check_against_oracle(&timeline, now - 100, now);
    let arrow = data
        .arrows
        .iter()
        .find(|a| a.id == held)
        .expect("held arrow");
    assert_eq!((arrow.end.as_str(), arrow.sent_ms), ("held", sent));

    // Released seconds later: it arrives inside a late window, and its arrow still shows,
    // from its send long before the part of the trace the window reads first.
    timeline
        .act(Action::Release { message: held })
        .expect("release");
    while timeline.sim().in_flight().contains_key(&held) {
        assert!(timeline.step());
    }
    let now = timeline.sim().now_ms().0;
    assert!(now - sent > spacetime::LOOKBACK_MS + 1_000);
    let data = check_against_oracle(&timeline, now - 50, now);
    let arrow = data
        .arrows
        .iter()
        .find(|a| a.id == held)
        .expect("released arrow");
    assert_eq!(arrow.sent_ms, sent);
    assert!(
        arrow.end == "delivered" || arrow.end == "dropped",
        "{}",
        arrow.end
    );
}

#[test]
fn duplicates_and_lost_messages_show() {
    let mut timeline = Timeline::new(SimConfig {
        voters: 3,
        seed: 3,
        link: raftlab::sim::action::LinkConfigData {
            loss_ppm: 200_000,
            duplicate_ppm: 200_000,
            ..SimConfig::default().link
        },
        ..SimConfig::default()
    })
    .expect("config");
    timeline.run_until(TimeMs(4_000));
    let data = check_against_oracle(&timeline, 0, 4_000);
    assert!(data.arrows.iter().any(|a| a.copy_of.is_some()), "a copy");
    assert!(
        data.arrows
            .iter()
            .any(|a| a.end == "dropped" && a.reason.as_deref() == Some("loss")),
        "a lost message"
    );
}

#[test]
fn marks_show_elections_commits_and_crashes() {
    let mut timeline = elected(3);
    let leader = timeline.sim().leader().expect("leader");
    put(&mut timeline, "a");
    let now = timeline.sim().now_ms();
    timeline.run_until(now + TimeMs(500));
    let follower = (1..=3).map(NodeId).find(|&n| n != leader).expect("one");
    timeline
        .act(Action::Crash { node: follower })
        .expect("crash");
    let now = timeline.sim().now_ms();
    timeline.run_until(now + TimeMs(100));
    timeline
        .act(Action::Restart { node: follower })
        .expect("restart");
    let now = timeline.sim().now_ms().0;
    let data = spacetime::build(timeline.sim(), 0, now, 5_000);
    let kinds = |kind: &str| -> Vec<u64> {
        data.marks
            .iter()
            .filter(|m| m.kind == kind)
            .map(|m| m.node)
            .collect()
    };
    let term = timeline.sim().nodes()[&leader]
        .raft()
        .expect("up")
        .raft()
        .term()
        .0;
    assert!(
        data.marks
            .iter()
            .any(|m| m.kind == "leader" && m.node == leader.0 && m.term == Some(term)),
        "the election: {:?}",
        data.marks
    );
    assert!(kinds("candidate").contains(&leader.0));
    assert!(kinds("commit").contains(&leader.0));
    assert_eq!(kinds("crash"), vec![follower.0]);
    assert_eq!(kinds("restart"), vec![follower.0]);
    assert!(
        data.marks.windows(2).all(|w| w[0].id < w[1].id),
        "oldest first"
    );
    // A window after the election holds no leader mark.
    let data = spacetime::build(timeline.sim(), now - 50, now, 5_000);
    assert!(data.marks.iter().all(|m| m.kind != "leader"));
}

#[test]
fn the_answer_is_bounded_to_the_newest() {
    let mut timeline = elected(5);
    let now = timeline.sim().now_ms();
    timeline.run_until(now + TimeMs(2_000));
    let now = timeline.sim().now_ms().0;
    let all = spacetime::build(timeline.sim(), 0, now, 5_000);
    let few = spacetime::build(timeline.sim(), 0, now, 10);
    assert!(all.arrows.len() > 10);
    assert_eq!(few.arrows.len(), 10);
    assert_eq!(few.arrows_total, all.arrows_total);
    assert_eq!(few.arrows[..], all.arrows[all.arrows.len() - 10..]);
    assert!(few.marks.len() <= 10 && few.marks_total == all.marks_total);
    // Reading never changes the run.
    let hash = timeline.sim().state_hash();
    let _ = spacetime::build(timeline.sim(), 0, now, 5_000);
    assert_eq!(timeline.sim().state_hash(), hash);
}

/// A 3-node run with a leader and a put, whose first message on the wire the user holds for
/// `held_ms`: the run and the held message's id.
fn held_for(held_ms: u64) -> (Timeline, u64) {
    let mut timeline = elected(3);
    put(&mut timeline, "a");
    while timeline.sim().in_flight().is_empty() {
        assert!(timeline.step());
    }
    let held = *timeline.sim().in_flight().keys().next().expect("one");
    timeline.act(Action::Hold { message: held }).expect("hold");
    let now = timeline.sim().now_ms();
    timeline.run_until(now + TimeMs(held_ms));
    (timeline, held)
}

/// A message held for seconds, then released and delivered, was on the wire through every
/// window between its send and its delivery. Written against the mutants of
/// `spacetime::build`'s `at >= from_ms && at <= to_ms` (a delivery of a message sent before the
/// part of the trace read), it found that a window before the delivery left the arrow out:
/// `build` found such a message only while it was on the wire or by an end inside the window.
/// Held 5 s (its delivery within the lookahead) and 15 s (past it: found by the scan of the
/// rest of the trace), each window checked against the oracle.
#[test]
fn a_released_message_shows_in_a_window_while_it_was_held() {
    for held_ms in [5_000, 15_000] {
        let (mut timeline, held) = held_for(held_ms);
        timeline
            .act(Action::Release { message: held })
            .expect("release");
        while timeline.sim().in_flight().contains_key(&held) {
            assert!(timeline.step());
        }
        let ended = timeline.sim().now_ms().0;
        let now = timeline.sim().now_ms();
        timeline.run_until(now + TimeMs(500));
        // Through the oracle: sent before the window, ended after it.
        check_against_oracle(&timeline, ended - 300, ended - 100);
        check_against_oracle(&timeline, ended - held_ms / 2, ended - held_ms / 2 + 200);
        let view = spacetime::build(timeline.sim(), ended - 300, ended - 100, 500);
        assert!(
            view.arrows.iter().any(|a| a.id == held),
            "held {held_ms} ms: m{held} is on the wire in the window before its delivery"
        );
    }
}

/// Written against the mutants of `spacetime::build`'s window check on a drop of a message
/// sent before the part of the trace read (now `note_earlier_end`'s `at >= from_ms`): a
/// message held for seconds, then dropped by the user, ends dropped inside a late window, its
/// arrow from its send long before the trace read.
#[test]
fn a_held_message_dropped_seconds_later_shows_dropped_in_a_late_window() {
    let (mut timeline, held) = held_for(5_000);
    let sent = oracle(&timeline)[&held].2;
    timeline.act(Action::Drop { message: held }).expect("drop");
    let at = timeline.sim().now_ms().0;
    assert!(at - sent > spacetime::LOOKBACK_MS + 1_000);
    let now = timeline.sim().now_ms();
    timeline.run_until(now + TimeMs(20));
    let data = check_against_oracle(&timeline, at - 50, at + 10);
    let arrow = data
        .arrows
        .iter()
        .find(|a| a.id == held)
        .expect("dropped arrow");
    assert_eq!(
        (arrow.sent_ms, arrow.end_ms, arrow.end.as_str()),
        (sent, Some(at), "dropped")
    );
    assert_eq!(arrow.reason.as_deref(), Some("user"));
}
