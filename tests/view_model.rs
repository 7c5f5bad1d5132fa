//! The view model shows what the simulation holds: after scripted runs the page's data has the
//! leader, the keys, the cut links and the messages on the wire, and the same state hash as the
//! `hash` script command.

use raftlab::raft::types::NodeId;
use raftlab::scenario::sim_script::run_script_then;
use raftlab::sim::SimConfig;
use raftlab::sim::action::Action;
use raftlab::sim::queue::TimeMs;
use raftlab::sim::timeline::Timeline;
use raftlab::view::{View, ViewOptions};

const KINDS: &[&str] = &[
    "MsgApp",
    "MsgAppResp",
    "MsgVote",
    "MsgVoteResp",
    "MsgPreVote",
    "MsgPreVoteResp",
    "MsgHeartbeat",
    "MsgHeartbeatResp",
    "MsgSnap",
    "MsgReadIndex",
    "MsgReadIndexResp",
    "MsgTransferLeader",
    "MsgTimeoutNow",
    "MsgProp",
];

/// A script case whose expected output does not matter here (only the outputs are read).
fn case(command: &str) -> String {
    format!("{command}\n----\nok\n\n")
}

/// Elect a leader, put a key through a client, cut one direction of a link, run a little;
/// returns the view at the end and what `hash` printed there.
fn scripted_view() -> (View, String) {
    let script: String = [
        "cluster voters=3 seed=5",
        "run-until 3000",
        "console client=1 node=1 put mykey myvalue",
        "run 300",
        "cut 1 2",
        "run 1005",
        "hash",
    ]
    .iter()
    .map(|c| case(c))
    .collect();
    let (run, view) = run_script_then(&script, |sim| {
        View::of_sim(
            sim.expect("the script made a cluster"),
            &ViewOptions::default(),
        )
    })
    .expect("the script parses");
    let hash = run.outputs.last().expect("hash printed").clone();
    (view, hash)
}

#[test]
fn a_scripted_run_shows_the_leader_the_key_the_cut_and_the_wire() {
    let (view, hash) = scripted_view();
    assert_eq!(view.state_hash, hash, "same hash as the `hash` command");
    assert_eq!(view.state_hash.len(), 16);
    assert_eq!(view.now_ms, 4_305);

    // One leader, in term 1 (seed 5 elects n2 in the first election, see kv_console.txt),
    // known to every node.
    let leader = view.leader.expect("a leader");
    let leaders: Vec<_> = view
        .nodes
        .iter()
        .filter(|n| n.role.as_deref() == Some("leader"))
        .collect();
    assert_eq!(leaders.len(), 1);
    assert_eq!(leaders[0].id, leader);
    assert_eq!(leaders[0].name, format!("n{leader}"));
    assert_eq!(leader, 2);
    for node in &view.nodes {
        assert_eq!(node.term, 1, "n{}", node.id);
        assert_eq!(node.leader, Some(leader), "n{} knows the leader", node.id);
        assert!(!node.crashed && !node.paused);
        assert!(node.commit.is_some_and(|c| c >= 2), "the put is committed");
        let elapsed = node.election_elapsed_ticks.expect("running");
        let timeout = node.election_timeout_ticks.expect("running");
        assert!(elapsed < timeout, "n{}: {elapsed}/{timeout}", node.id);
    }
    // The leader tracks each member; the others track nobody.
    assert_eq!(
        leaders[0]
            .progress
            .iter()
            .map(|p| p.peer)
            .collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
    assert!(
        leaders[0]
            .progress
            .iter()
            .all(|p| p.match_index >= 2 && p.next_index == p.match_index + 1),
        "{:?}",
        leaders[0].progress
    );
    assert!(
        view.nodes
            .iter()
            .filter(|n| n.id != leader)
            .all(|n| n.progress.is_empty())
    );

    // The key is in every node's applied state, at revision 2, and in every log.
    assert_eq!(view.kv.len(), 3);
    for kv in &view.kv {
        assert_eq!(kv.keys.len(), 1, "n{}: {:?}", kv.node, kv.keys);
        let key = &kv.keys[0];
        assert_eq!((key.key.as_str(), key.value.as_str()), ("mykey", "myvalue"));
        assert_eq!(
            (key.create_revision, key.mod_revision, key.version),
            (2, 2, 1)
        );
        assert_eq!(kv.revision, 2);
    }
    for log in &view.logs {
        let put = log
            .entries
            .iter()
            .find(|e| e.command == "put mykey myvalue")
            .unwrap_or_else(|| panic!("n{} logs the put: {:?}", log.node, log.entries));
        assert!(put.committed && put.applied && put.term == 1);
        assert_eq!(put.op, Some(0), "client op 0 proposed it");
        assert_eq!(
            log.entries[0].command, "(no-op)",
            "the leader's empty entry"
        );
    }

    // Exactly one direction is cut: 1 -> 2.
    assert_eq!(view.links.len(), 6);
    let cut: Vec<_> = view
        .links
        .iter()
        .filter(|l| !l.up)
        .map(|l| (l.from, l.to))
        .collect();
    assert_eq!(cut, vec![(1, 2)]);
    assert!(view.links.iter().all(|l| l.custom != l.up));

    // The wire: sane messages, none sent on the cut direction after the cut.
    assert!(!view.messages.is_empty(), "heartbeats are on the wire");
    for m in &view.messages {
        assert!(m.from != m.to && (1..=3).contains(&m.from) && (1..=3).contains(&m.to));
        assert!(KINDS.contains(&m.kind.as_str()), "{}", m.kind);
        assert!(m.summary.starts_with(&m.kind), "{}", m.summary);
        assert!(m.sent_ms <= view.now_ms && m.due_ms >= view.now_ms && !m.held);
        assert!((m.from, m.to) != (1, 2), "1 -> 2 is cut: {m:?}");
    }
    assert!(view.messages.windows(2).all(|w| w[0].id < w[1].id));

    // The client's answer, and the events in plain words.
    let client = &view.clients[0];
    assert_eq!((client.client, client.pending), (1, 0));
    assert_eq!(client.ops[0].state, "done");
    assert_eq!(client.ops[0].output, "OK\n");
    assert_eq!(view.events.len(), ViewOptions::default().events_max);
    assert!(view.events.windows(2).all(|w| w[0].id < w[1].id));
    assert!(view.monitor.ok && view.monitor.violation.is_none());
}

#[test]
fn the_view_round_trips_through_json_with_camel_case_names_and_absent_fields_omitted() {
    let (view, _) = scripted_view();
    let json = serde_json::to_string(&view).expect("serializes");
    let back: View = serde_json::from_str(&json).expect("reads back");
    assert_eq!(back, view);
    for name in [
        "\"stateHash\"",
        "\"nowMs\"",
        "\"lastIndex\"",
        "\"electionTimeoutTicks\"",
        "\"matchIndex\"",
        "\"latencyMsMin\"",
        "\"modRevision\"",
        "\"dueMs\"",
    ] {
        assert!(json.contains(name), "{name} in the JSON");
    }
    assert!(!json.contains("\"state_hash\"") && !json.contains("\"last_index\""));
    assert!(
        !json.contains("null"),
        "absent values are omitted, not null"
    );
}

#[test]
fn a_small_view_is_pinned() {
    // One voter at time 0: nothing has happened yet. This pins the JSON shape the page reads.
    let timeline = Timeline::new(SimConfig {
        voters: 1,
        ..SimConfig::default()
    })
    .expect("config");
    let options = ViewOptions::default();
    let view = View::of_timeline(&timeline, &options);
    let mut value = serde_json::to_value(&view).expect("serializes");
    // The hash is pinned by the determinism tests; the shape is what is pinned here.
    assert_eq!(value["stateHash"].as_str().map(str::len), Some(16));
    value["stateHash"] = "h".into();
    assert_eq!(
        value.to_string(),
        SMALL_VIEW,
        "update SMALL_VIEW and docs/view-model.md together"
    );
}

/// (Keys sorted: `serde_json::Value` keeps objects in key order.)
const SMALL_VIEW: &str = r#"{"clients":[],"events":[],"kv":[{"applied":0,"compactRevision":0,"keyCount":0,"keys":[],"node":1,"revision":1,"truncated":false}],"links":[],"logs":[{"applied":0,"commit":0,"entries":[],"firstIndex":1,"lastIndex":0,"node":1,"snapshotIndex":0}],"messages":[],"monitor":{"ok":true},"nextEventMs":50,"nodes":[{"applied":0,"clientUrl":"http://localhost:2379","commit":0,"crashed":false,"electionElapsedTicks":0,"electionTimeoutTicks":17,"id":1,"lastIndex":0,"learner":false,"learners":[],"name":"n1","paused":false,"peerUrl":"http://localhost:2380","progress":[],"role":"follower","snapshotIndex":0,"term":0,"voters":[1],"votesGranted":[],"votesRejected":[]}],"nowMs":0,"stateHash":"h","steps":0,"tickMs":100}"#;

#[test]
fn a_crashed_node_shows_its_disk_and_no_volatile_state() {
    let mut timeline = Timeline::new(SimConfig::default()).expect("config");
    timeline.run_until(TimeMs(3_000));
    let leader = timeline.sim().leader().expect("a leader by 3 s");
    let follower = (1..=3).map(NodeId).find(|&n| n != leader).expect("one");
    timeline
        .act(Action::Crash { node: follower })
        .expect("crash");
    let view = View::of_timeline(&timeline, &ViewOptions::default());
    let node = &view.nodes[(follower.0 - 1) as usize];
    assert!(node.crashed);
    assert_eq!(node.role, None);
    assert_eq!(node.commit, None, "the commit index is not kept");
    assert_eq!(node.election_elapsed_ticks, None);
    let leader_view = &view.nodes[(leader.0 - 1) as usize];
    assert_eq!(node.term, leader_view.term, "its durable term");
    assert!(node.last_index >= 1, "its durable log");
    assert_eq!(view.logs[(follower.0 - 1) as usize].commit, None);
}

#[test]
fn the_log_window_is_bounded_and_holds_the_newest_entries() {
    let mut timeline = Timeline::new(SimConfig::default()).expect("config");
    timeline.run_until(TimeMs(3_000));
    let leader = timeline.sim().leader().expect("a leader by 3 s");
    for i in 0..100 {
        timeline
            .act(Action::Propose {
                node: leader,
                data: format!("entry {i}"),
            })
            .expect("propose");
    }
    timeline.run_until(TimeMs(4_000));
    let options = ViewOptions {
        log_window: 10,
        ..ViewOptions::default()
    };
    let view = View::of_timeline(&timeline, &options);
    for log in &view.logs {
        assert_eq!(log.entries.len(), 10, "n{}", log.node);
        let last = log.entries.last().expect("entries");
        assert_eq!(last.index, log.last_index);
        assert_eq!(last.command, "data entry 99");
        assert!(log.entries.windows(2).all(|w| w[1].index == w[0].index + 1));
    }
}

#[test]
fn a_view_of_five_nodes_with_long_logs_stays_small() {
    let mut timeline = Timeline::new(SimConfig {
        voters: 5,
        ..SimConfig::default()
    })
    .expect("config");
    timeline.run_until(TimeMs(3_000));
    let leader = timeline.sim().leader().expect("a leader by 3 s");
    // Half raw proposals, half etcdctl puts on 300 keys (more than the view lists).
    for i in 0..2_000 {
        let action = if i % 2 == 0 {
            Action::Propose {
                node: leader,
                data: format!("entry number {i}"),
            }
        } else {
            Action::Console {
                client: 1 + i % 7,
                node: leader,
                line: format!("put key-{} value-{i}", (i / 2) % 300),
            }
        };
        timeline.act(action).expect("propose or put");
        if i % 100 == 0 {
            timeline.run_until(timeline.sim().now_ms() + TimeMs(20));
        }
    }
    timeline.run_until(timeline.sim().now_ms() + TimeMs(2_000));
    let options = ViewOptions::default();
    let started = std::time::Instant::now();
    let rounds = 20;
    let mut json = String::new();
    for _ in 0..rounds {
        json = serde_json::to_string(&View::of_timeline(&timeline, &options)).expect("json");
    }
    let per_view = started.elapsed() / rounds;
    let view = View::of_timeline(&timeline, &options);
    eprintln!(
        "5 nodes, last index {}: view + JSON {per_view:?}, {} bytes, {} messages",
        view.nodes[0].last_index,
        json.len(),
        view.messages.len()
    );
    for log in &view.logs {
        assert!(log.last_index > 2_000, "n{}: {}", log.node, log.last_index);
        assert_eq!(log.entries.len(), options.log_window, "windowed");
    }
    for kv in &view.kv {
        assert_eq!(kv.key_count, 300, "n{}", kv.node);
        assert_eq!(kv.keys.len(), options.keys_max);
        assert!(kv.truncated);
    }
    assert!(
        view.logs[0]
            .entries
            .iter()
            .any(|e| e.command.starts_with("put key-")),
        "puts are decoded"
    );
    // Without the window the logs alone would be over a megabyte.
    assert!(json.len() < 120_000, "{} bytes", json.len());
}

#[test]
fn held_messages_paused_nodes_and_an_election_show() {
    let mut timeline = Timeline::new(SimConfig {
        voters: 5,
        ..SimConfig::default()
    })
    .expect("config");
    timeline.run_until(TimeMs(3_000));
    let leader = timeline.sim().leader().expect("a leader by 3 s");
    let follower = (1..=3).map(NodeId).find(|&n| n != leader).expect("one");

    // Hold a message on the wire; pause a node.
    while timeline.sim().in_flight().is_empty() {
        assert!(timeline.step());
    }
    let message = *timeline.sim().in_flight().keys().next().expect("one");
    timeline.act(Action::Hold { message }).expect("hold");
    timeline
        .act(Action::Pause { node: follower })
        .expect("pause");
    let view = View::of_timeline(&timeline, &ViewOptions::default());
    let held: Vec<_> = view.messages.iter().filter(|m| m.held).collect();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].id, message);
    let paused: Vec<_> = view
        .nodes
        .iter()
        .filter(|n| n.paused)
        .map(|n| n.id)
        .collect();
    assert_eq!(paused, vec![follower.0]);
    timeline
        .act(Action::Resume { node: follower })
        .expect("resume");
    timeline.act(Action::Release { message }).expect("release");

    // Crash the leader: the others campaign (pre-vote first) and, while they do, the view
    // lists the votes each got (five nodes: one grant does not end the election at once).
    timeline.act(Action::Crash { node: leader }).expect("crash");
    let mut seen_votes = false;
    for _ in 0..20_000 {
        let view = View::of_timeline(&timeline, &ViewOptions::default());
        for node in &view.nodes {
            let campaigning = matches!(node.role.as_deref(), Some("pre-candidate" | "candidate"));
            if campaigning {
                assert!(node.votes_granted.contains(&node.id), "votes for itself");
                seen_votes |= node.votes_granted.len() + node.votes_rejected.len() > 1;
            } else {
                assert!(node.votes_granted.is_empty() && node.votes_rejected.is_empty());
            }
        }
        if seen_votes || !timeline.step() {
            break;
        }
    }
    assert!(
        seen_votes,
        "an answer from another node showed up in the view"
    );
}

#[test]
fn a_log_slice_reaches_back_past_the_window_and_is_bounded() {
    let mut timeline = Timeline::new(SimConfig::default()).expect("config");
    timeline.run_until(TimeMs(3_000));
    let leader = timeline.sim().leader().expect("a leader by 3 s");
    for i in 0..1_500 {
        timeline
            .act(Action::Propose {
                node: leader,
                data: format!("entry {i}"),
            })
            .expect("propose");
    }
    timeline.run_until(TimeMs(5_000));
    let sim = timeline.sim();
    let view = View::of_timeline(&timeline, &ViewOptions::default());
    let window = &view.logs[(leader.0 - 1) as usize];

    // The first entries, long gone from the window, with the window's bounds and flags.
    let head = View::log_slice(sim, leader.0, 1, 10).expect("the leader's log");
    assert_eq!(head.node, leader.0);
    assert_eq!(
        (head.first_index, head.last_index, head.commit),
        (window.first_index, window.last_index, window.commit)
    );
    let indexes: Vec<u64> = head.entries.iter().map(|e| e.index).collect();
    assert_eq!(indexes, (1..=10).collect::<Vec<_>>());
    assert!(head.entries.iter().all(|e| e.committed && e.applied));
    assert!(
        head.entries
            .iter()
            .any(|e| e.command == "data entry 0" || e.command == "(no-op)")
    );

    // The slice and the window agree where they overlap.
    let tail_from = window.entries[0].index;
    let tail = View::log_slice(sim, leader.0, tail_from, 64).expect("log");
    assert_eq!(tail.entries, window.entries);

    // Bounded: never more than LOG_SLICE_MAX, clipped at the end, empty past it.
    let big = View::log_slice(sim, leader.0, 1, 1_000_000).expect("log");
    assert_eq!(big.entries.len(), raftlab::view::LOG_SLICE_MAX);
    let end = View::log_slice(sim, leader.0, window.last_index - 2, 100).expect("log");
    assert_eq!(end.entries.len(), 3);
    let past = View::log_slice(sim, leader.0, window.last_index + 5, 10).expect("log");
    assert!(past.entries.is_empty());
    assert!(View::log_slice(sim, 42, 1, 10).is_none());
}

#[test]
fn a_log_slice_below_a_snapshot_starts_at_the_first_entry() {
    let mut timeline = Timeline::new(SimConfig::default()).expect("config");
    timeline.run_until(TimeMs(3_000));
    let leader = timeline.sim().leader().expect("a leader by 3 s");
    for i in 0..50 {
        timeline
            .act(Action::Propose {
                node: leader,
                data: format!("entry {i}"),
            })
            .expect("propose");
    }
    timeline.run_until(TimeMs(4_000));
    timeline
        .act(Action::Compact { node: leader })
        .expect("compact");
    let log = View::log_slice(timeline.sim(), leader.0, 1, 5).expect("log");
    assert!(log.snapshot_index > 0, "compacted");
    assert_eq!(log.first_index, log.snapshot_index + 1);
    let first = log.entries.first().map(|e| e.index);
    assert!(
        first.is_none() || first == Some(log.first_index),
        "{first:?}"
    );
}

/// The page's cached view text is exactly the plain view's JSON at every moment: through
/// elections, puts, a crash (the disk's log), a restart, a partition that makes a minority
/// leader append entries that are later replaced, compaction and every view bound.
#[test]
fn the_cached_view_json_is_always_the_plain_views_json() {
    use raftlab::view::{ViewCache, ViewSent};
    let mut t = Timeline::new(SimConfig {
        voters: 5,
        seed: 19,
        snapshot_count: 30,
        snapshot_catch_up: 5,
        ..SimConfig::default()
    })
    .expect("config");
    let mut cache = ViewCache::default();
    let options = [
        ViewOptions::default(),
        ViewOptions {
            log_window: 8,
            keys_max: 3,
            ..ViewOptions::default()
        },
    ];
    let mut checks = 0;
    // One `viewChanges` reader per view bound: what it was sent, and what it keeps.
    let mut readers: Vec<(ViewSent, Reader)> = options.iter().map(|_| Default::default()).collect();
    let (mut same, mut fresh) = (0, 0);
    let mut check = |t: &Timeline, cache: &mut ViewCache| {
        for (options, (sent, reader)) in options.iter().zip(&mut readers) {
            let plain = serde_json::to_string(&View::of_timeline(t, options)).expect("json");
            // Twice: the second call reuses the cached pieces.
            for _ in 0..2 {
                assert_eq!(View::json_cached(t.sim(), options, cache), plain);
            }
            // Every other read without the state hash, as the page reads while playing.
            let with_hash = checks % 2 == 0;
            let changes = View::json_changes(t.sim(), options, cache, sent, with_hash);
            let (mut resolved, counts) = reader.resolve(&changes);
            same += counts.0;
            fresh += counts.1;
            let plain: serde_json::Value = serde_json::from_str(&plain).expect("json");
            if !with_hash {
                assert_eq!(
                    resolved["stateHash"], "",
                    "no hash asked for, none computed"
                );
                resolved["stateHash"] = plain["stateHash"].clone();
            }
            assert_eq!(
                resolved, plain,
                "viewChanges, resolved by its reader, is the view"
            );
            checks += 1;
        }
    };
    for step in 0..12_000u64 {
        if !t.step() {
            break;
        }
        if step % 97 == 0 {
            check(&t, &mut cache);
        }
        let leader = t.sim().leader();
        match (step, leader) {
            (s, Some(l)) if s % 150 == 0 => {
                let _ = t.act(Action::Console {
                    client: 1 + s % 3,
                    node: l,
                    line: format!("put key{} value{s}", s % 40),
                });
            }
            (4_000, Some(l)) => {
                t.act(Action::Isolate { node: l }).expect("isolate");
                for i in 0..5 {
                    let _ = t.act(Action::Propose {
                        node: l,
                        data: format!("doomed {i}"),
                    });
                }
            }
            (6_000, _) => t.act(Action::Heal).expect("heal"),
            (7_000, _) => t.act(Action::Crash { node: NodeId(2) }).expect("crash"),
            (9_000, _) => t.act(Action::Restart { node: NodeId(2) }).expect("restart"),
            _ => {}
        }
    }
    assert!(checks > 200, "{checks}");
    assert!(
        same > 100 && fresh > 100,
        "items kept {same}, items sent {fresh}"
    );
}

/// What the page's controller does with `viewChanges`: keeps each node's last log and KV item
/// and puts them in place of `{ node, same: true }`.
#[derive(Default)]
struct Reader {
    kept: std::collections::BTreeMap<(&'static str, u64), serde_json::Value>,
}

impl Reader {
    /// The whole view from a `json_changes` answer, with (items kept, items sent).
    fn resolve(&mut self, text: &str) -> (serde_json::Value, (usize, usize)) {
        let mut view: serde_json::Value = serde_json::from_str(text).expect("json");
        let mut counts = (0, 0);
        for list in ["logs", "kv"] {
            let items = view[list].as_array_mut().expect("a list");
            for item in items.iter_mut() {
                let node = item["node"].as_u64().expect("node");
                if item.get("same") == Some(&serde_json::Value::Bool(true)) {
                    *item = self.kept.get(&(list, node)).expect("sent before").clone();
                    counts.0 += 1;
                } else {
                    self.kept.insert((list, node), item.clone());
                    counts.1 += 1;
                }
            }
        }
        (view, counts)
    }
}
