//! A playground run (a timeline with actions taken between steps) written as a scenario
//! script replays exactly: natively, through `raftlab run`, to the same state hash.

use raftlab::raft::types::NodeId;
use raftlab::scenario::sim_script::{action_command, cluster_line, replay_script, run_script};
use raftlab::sim::SimConfig;
use raftlab::sim::action::{Action, LinkConfigData};
use raftlab::sim::queue::TimeMs;
use raftlab::sim::timeline::Timeline;

fn config() -> SimConfig {
    SimConfig {
        voters: 5,
        seed: 23,
        // Settings away from the defaults, so the cluster line must carry them.
        snapshot_count: 40,
        snapshot_catch_up: 10,
        disk_latency_ms_min: TimeMs(2),
        disk_latency_ms_max: TimeMs(5),
        client_timeout_ms: TimeMs(4_000),
        trace_window: 5_000,
        ..SimConfig::default()
    }
}

/// A console line as the page sends it; a line the console refuses (it does not parse) is
/// not recorded, as on the page. Says whether it was taken.
fn console(t: &mut Timeline, client: u64, node: NodeId, line: &str) -> bool {
    t.act(Action::Console {
        client,
        node,
        line: line.into(),
    })
    .is_ok()
}

fn advance(t: &mut Timeline, ms: u64) {
    let until = t.sim().now_ms().saturating_add(TimeMs(ms));
    t.run_until(until);
}

/// Some message in flight from `from` (any kind), not held.
fn a_message(t: &Timeline, skip: usize) -> u64 {
    let ids: Vec<u64> = t
        .sim()
        .in_flight()
        .values()
        .filter(|f| !f.held)
        .map(|f| f.id)
        .collect();
    ids[skip.min(ids.len() - 1)]
}

/// A run with every kind of action a page takes, some right after single steps.
fn busy_run() -> Timeline {
    let mut t = Timeline::new(config()).expect("config");
    advance(&mut t, 3_000);
    let leader = t.sim().leader().expect("a leader by 3 s");
    let follower = NodeId(if leader.0 == 1 { 2 } else { 1 });
    let other = NodeId(if leader.0 == 3 { 4 } else { 3 });
    console(
        &mut t,
        1,
        leader,
        "ETCDCTL_API=3 etcdctl --endpoints=http://localhost:2379 put mykey myvalue",
    );
    console(&mut t, 2, follower, r#"put "a key" "a value with spaces""#);
    console(
        &mut t,
        1,
        leader,
        r#"put "<img src=x onerror=alert(1)>" '"'"#,
    );
    assert!(!console(&mut t, 3, other, r#"put "unterminated value"#));
    console(&mut t, 1, leader, "put ключ 値🙂");
    console(&mut t, 2, leader, "  get ключ  ");
    console(&mut t, 2, leader, "put k )(");
    console(&mut t, 2, leader, "client=9 put x y");
    console(&mut t, 1, leader, "put a\tb");
    console(&mut t, 1, leader, "");
    console(&mut t, 1, leader, "frobnicate");
    advance(&mut t, 700);
    // Single steps, then actions at the step's own time (another event may share it).
    for _ in 0..5 {
        t.step();
    }
    let m = a_message(&t, 0);
    t.act(Action::Hold { message: m }).expect("hold");
    t.step();
    let d = a_message(&t, 0);
    t.act(Action::Drop { message: d }).expect("drop");
    let n = a_message(&t, 1);
    t.act(Action::DeliverNow { message: n })
        .expect("deliver-now");
    advance(&mut t, 250);
    t.act(Action::Release { message: m }).expect("release");
    t.act(Action::Crash { node: follower }).expect("crash");
    t.act(Action::SetLinkUp {
        from: leader,
        to: other,
        up: false,
    })
    .expect("cut");
    t.act(Action::SetLink {
        from: other,
        to: leader,
        link: LinkConfigData {
            up: true,
            latency_ms_min: TimeMs(20),
            latency_ms_max: TimeMs(45),
            loss_ppm: 100_000,
            duplicate_ppm: 50_000,
        },
    })
    .expect("link");
    for i in 0..30 {
        console(&mut t, 1 + i % 3, leader, &format!("put k{i} v{i}"));
        advance(&mut t, 100);
    }
    t.act(Action::Restart { node: follower }).expect("restart");
    t.act(Action::SetLinkUp {
        from: leader,
        to: other,
        up: true,
    })
    .expect("restore");
    advance(&mut t, 2_000);
    t.act(Action::Isolate { node: leader }).expect("isolate");
    advance(&mut t, 3_000);
    t.act(Action::Heal).expect("heal");
    advance(&mut t, 1_500);
    t
}

/// The script replays natively (in process) with no mismatch and ends at the same hash.
fn assert_replays(t: &Timeline) -> String {
    let script = replay_script(t).expect("a script");
    let run = run_script(&script).expect("the script parses");
    assert!(
        run.mismatches.is_empty(),
        "mismatches: {:?}\n{script}",
        run.mismatches
    );
    assert!(run.violation.is_none(), "{:?}", run.violation);
    assert_eq!(run.state_hash, Some(t.sim().state_hash()), "{script}");
    let hash = format!("{:016x}", t.sim().state_hash());
    assert!(script.trim_end().ends_with(&format!("hash\n----\n{hash}")));
    script
}

/// `raftlab run FILE`: exit status and output.
fn run_cli(script: &str, name: &str) -> (i32, String) {
    let dir = std::env::temp_dir().join(format!("raftlab-replay-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, script).expect("write script");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_raftlab"))
        .arg("run")
        .arg(&path)
        .output()
        .expect("run raftlab");
    let _ = std::fs::remove_file(&path);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn a_busy_run_replays_exactly_through_the_cli() {
    let t = busy_run();
    let script = assert_replays(&t);
    assert!(script.contains(&cluster_line(t.sim().config())));
    assert!(script.contains("snapshot-count=40"), "{script}");
    assert!(script.contains("disk-latency=2..5"), "{script}");
    assert!(script.contains("run-to-step "), "{script}");
    assert!(script.contains("act-json "), "odd lines fall back to JSON");
    assert!(script.contains(r#"console client=2 node="#), "{script}");
    assert!(script.contains("put ключ 値🙂"), "unicode stays readable");
    let (code, stdout) = run_cli(&script, "busy.txt");
    assert_eq!(code, 0, "{stdout}");
    let hash = format!("state hash: {:016x}", t.sim().state_hash());
    assert!(stdout.contains(&hash), "{stdout}");
    assert!(stdout.contains(" 0 unmet expectations"), "{stdout}");
}

#[test]
fn a_tampered_script_fails() {
    let t = busy_run();
    let script = assert_replays(&t);
    // Another value in one write: the final hash differs.
    let tampered = script.replacen("put k7 v7", "put k7 v8", 1);
    assert_ne!(tampered, script);
    let (code, stdout) = run_cli(&tampered, "tampered.txt");
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("output differs"), "{stdout}");
    // An action one step later: the replay goes elsewhere.
    let run = run_script(&script.replacen("crash ", "pause ", 1)).expect("parses");
    assert!(!run.mismatches.is_empty());
    // A wrong expected hash alone is caught too.
    let wrong = format!(
        "{}0\n",
        script.trim_end().trim_end_matches(char::is_alphanumeric)
    );
    let run = run_script(&wrong).expect("parses");
    assert_eq!(run.mismatches.len(), 1, "{wrong}");
}

#[test]
fn after_a_seek_back_only_the_present_is_replayed_and_a_fork_replays_too() {
    let mut t = busy_run();
    let all = t.actions().len();
    t.seek_ms(TimeMs(4_200));
    assert!(t.applied_actions().len() < all, "the future is recorded");
    let script = assert_replays(&t);
    assert!(
        !script.contains("restart "),
        "the future is not in the present"
    );
    // Forward again to a moment between actions, then fork there.
    t.seek_ms(TimeMs(5_000));
    assert_replays(&t);
    t.act(Action::Pause { node: NodeId(5) })
        .expect("pause forks");
    advance(&mut t, 1_000);
    t.act(Action::Resume { node: NodeId(5) }).expect("resume");
    t.act(Action::FireTimer { node: NodeId(4) })
        .expect("fire timer");
    advance(&mut t, 800);
    assert_eq!(t.actions().len(), t.applied_actions().len());
    let script = assert_replays(&t);
    assert!(script.contains("pause 5"), "{script}");
    assert!(!script.contains("isolate "), "the replaced future is gone");
}

#[test]
fn an_action_after_a_single_step_replays_at_that_step() {
    // After one step the next event may be due at the same virtual time; an action taken
    // there belongs between the two, in the timeline's replay and in the script.
    let mut t = Timeline::new(SimConfig {
        voters: 3,
        seed: 5,
        ..SimConfig::default()
    })
    .expect("config");
    advance(&mut t, 2_000);
    let mut taken = 0;
    for _ in 0..400 {
        t.step();
        let now = t.sim().now_ms();
        if t.sim().next_event_ms() == Some(now) {
            t.act(Action::FireTimer { node: NodeId(2) })
                .expect("fire timer");
            taken += 1;
            if taken == 3 {
                break;
            }
        }
    }
    assert_eq!(
        taken, 3,
        "found moments that share a time with the next event"
    );
    advance(&mut t, 500);
    let (hash, end) = (t.sim().state_hash(), t.sim().now_ms());
    // The timeline's own replay puts each action back between the same two events.
    t.seek_ms(TimeMs(100));
    t.seek_ms(end);
    assert_eq!(t.applied_actions().len(), 3);
    assert_eq!(t.sim().state_hash(), hash);
    assert_replays(&t);
}

#[test]
fn the_cluster_line_carries_every_changed_setting() {
    let config = SimConfig {
        seed: 77,
        voters: 4,
        spares: 2,
        tick_ms: TimeMs(50),
        election_timeout_ticks: 12,
        heartbeat_interval_ticks: 2,
        pre_vote: false,
        check_quorum: false,
        lease_reads: false,
        msg_entries_max: 8,
        link: LinkConfigData {
            up: false,
            latency_ms_min: TimeMs(3),
            latency_ms_max: TimeMs(9),
            loss_ppm: 1_000,
            duplicate_ppm: 2_000,
        },
        disk_latency_ms_min: TimeMs(0),
        disk_latency_ms_max: TimeMs(7),
        disk_loses_unsynced: true,
        client_timeout_ms: TimeMs(1_234),
        sessions: false,
        record_trace: false,
        rule_monitors: false,
        // A benchmark's switch, never in a script: a replay always has its monitors.
        monitors: true,
        snapshot_count: 0,
        snapshot_catch_up: 3,
        mvcc_retention: 0,
        trace_window: 0,
        ops_window: 0,
        unsafe_switches: raftlab::sim::config::UnsafeSwitches::parse(&["no-persist-vote"])
            .expect("switch"),
    };
    let line = cluster_line(&config);
    let script = format!("{line}\n----\nok\n\nhash\n----\n");
    let run = run_script(&script).expect("parses");
    let direct = raftlab::sim::cluster::Sim::new(config.clone()).expect("config");
    assert_eq!(run.state_hash, Some(direct.state_hash()), "{line}");
    // Every field round-trips: the script's config is the same config.
    let (_, read) = raftlab::scenario::sim_script::run_script_then(&script, |sim| {
        sim.map(|s| s.config().clone())
    })
    .expect("parses");
    assert_eq!(read, Some(config));
    assert_eq!(
        cluster_line(&SimConfig::default()),
        "cluster seed=1 voters=3"
    );
}

#[test]
fn odd_actions_fall_back_to_json_and_read_back() {
    let odd = [
        Action::Console {
            client: 1,
            node: NodeId(2),
            line: "put \"a (b\nc".into(),
        },
        Action::Propose {
            node: NodeId(1),
            data: "say \"hi\" (twice)\\".into(),
        },
        Action::Console {
            client: 1,
            node: NodeId(2),
            line: " \u{3000}lead and trail ".into(),
        },
    ];
    for action in odd {
        let line = action_command(&action);
        assert!(line.starts_with("act-json {"), "{line}");
        assert!(!line.contains('\n'));
        let script = format!("cluster\n----\nok\n\n{line}\n----\nok\n");
        raftlab::scenario::script::parse(&script).expect("one balanced line");
    }
    let plain = Action::Crash { node: NodeId(2) };
    assert_eq!(action_command(&plain), "crash 2");
}

#[test]
fn a_run_frozen_by_a_violation_replays_to_the_same_state() {
    use raftlab::raft::config::UnsafeSwitch;
    use raftlab::sim::fuzz::{FuzzOptions, Verdict, run_seed};
    let options = FuzzOptions {
        unsafe_switch: Some(UnsafeSwitch::NoPersistVote),
        rule_monitors: false,
        ..FuzzOptions::default()
    };
    let report = (0..400)
        .map(|seed| run_seed(seed, &options))
        .find(|report| matches!(report.verdict, Verdict::Violation(_)))
        .expect("no-persist-vote is caught");
    // The fuzzer's actions, taken on a timeline at their times (as a page would).
    let config = SimConfig {
        record_trace: true,
        ..report.config.clone()
    };
    let mut t = Timeline::new(config).expect("config");
    for timed in &report.actions {
        t.run_until(timed.at_ms);
        let _ = t.act(timed.action.clone());
    }
    t.run_until(options.fault_phase_ms);
    assert!(t.sim().violation().is_some(), "the timeline froze too");
    let script = replay_script(&t).expect("a script");
    let run = run_script(&script).expect("parses");
    assert!(run.mismatches.is_empty(), "{:?}", run.mismatches);
    assert_eq!(run.state_hash, Some(t.sim().state_hash()));
    assert_eq!(
        run.violation.map(|v| v.invariant),
        t.sim().violation().map(|v| v.invariant)
    );
}
