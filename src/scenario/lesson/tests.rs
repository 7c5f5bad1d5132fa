//! Parser and condition tests: errors name their line, the JSON keeps the page's contract, and
//! nothing a user types panics.

use super::expect::Check;
use super::node_ref::NodeRef;
use super::player::substitute;
use super::runner::run_lesson;
use super::*;
use crate::raft::types::NodeId;
use proptest::prelude::*;

const GOOD: &str = "\
# A comment before the first command.
lesson tiny-one
title A tiny lesson
cluster voters=3 seed=7
controls console,crash
panels logs events
summary Something to remember.

step First   # a trailing comment
say One sentence. Two sentences!
highlight timers
highlight node 2
highlight node leader
highlight messages vote append
highlight entry 3
act crash follower
do restart n1 | Restart n1
predict Who?
choice n1
choice n2 correct
reveal Because.
wait leader
limit 20000
expect leader n2
expect not key a = 1 on n3

step Second
say Just this.
";

fn error_of(text: &str) -> (usize, String) {
    let e = Lesson::parse(text).expect_err("should not parse");
    (e.line, e.message)
}

/// A valid header and step with `extra` lines appended to the step.
fn with_step(extra: &str) -> String {
    format!("lesson x\ntitle X\ncluster voters=3\nsummary S.\nstep One\nsay Hello.\n{extra}\n")
}

#[test]
fn a_good_lesson_parses_into_its_parts() {
    let lesson = Lesson::parse(GOOD).expect("parses");
    assert_eq!(lesson.name, "tiny-one");
    assert_eq!(lesson.config.seed, 7);
    assert_eq!(
        lesson.controls,
        Some(vec!["console".into(), "crash".into()])
    );
    assert_eq!(lesson.panels, Some(vec!["logs".into(), "events".into()]));
    let step = &lesson.steps[0];
    assert_eq!(step.title, "First");
    assert_eq!(step.line, 9);
    assert_eq!(step.highlight.nodes, vec![2]);
    assert!(step.highlight.timers && step.highlight.leader);
    assert_eq!(step.highlight.message_kinds, vec!["vote", "append"]);
    assert_eq!(step.highlight.indexes, vec![3]);
    let task = step.task.as_ref().expect("a task");
    assert_eq!(
        (task.kind.as_str(), task.label.as_str()),
        ("restart", "Restart n1")
    );
    let predict = step.predict.as_ref().expect("a prediction");
    assert_eq!(predict.answer, 1);
    assert_eq!(step.limit_ms, 20_000);
    assert_eq!(
        step.expects[1].check,
        Check::Key {
            key: "a".into(),
            value: Some("1".into()),
            on: NodeRef::Id(NodeId(3)),
        }
    );
    assert!(step.expects[1].negated);
    assert_eq!(lesson.steps[1].limit_ms, LIMIT_MS_DEFAULT);
}

#[test]
fn highlighted_message_words_become_the_view_models_kinds() {
    let highlight = Highlight {
        message_kinds: vec!["heartbeat".into(), "vote".into(), "propose".into()],
        ..Highlight::default()
    };
    assert_eq!(
        highlight.wire_kinds(),
        [
            "MsgVote",
            "MsgVoteResp",
            "MsgHeartbeat",
            "MsgHeartbeatResp",
            "MsgProp"
        ]
    );
    assert!(Highlight::default().wire_kinds().is_empty());
}

#[test]
fn the_json_keeps_the_pages_contract() {
    let json = Lesson::parse(GOOD).expect("parses").to_json();
    assert_eq!(json["name"], "tiny-one");
    assert_eq!(json["config"]["seed"], "7", "the seed crosses as a string");
    assert_eq!(json["config"]["voters"], 3);
    assert_eq!(json["controls"], serde_json::json!(["console", "crash"]));
    let step = &json["steps"][0];
    assert_eq!(
        step["captions"],
        serde_json::json!(["One sentence. Two sentences!"])
    );
    assert_eq!(
        step["highlight"]["messageKinds"],
        serde_json::json!(["vote", "append"])
    );
    assert_eq!(step["highlight"]["nodes"], serde_json::json!([2]));
    assert_eq!(step["acts"], serde_json::json!(["crash follower"]));
    assert_eq!(step["doLabel"], "Restart n1");
    assert_eq!(step["doKind"], "restart");
    assert_eq!(step["predict"]["answer"], 1);
    assert_eq!(
        step["predict"]["choices"],
        serde_json::json!(["n1", "n2", "n3"][..2])
    );
    assert_eq!(step["wait"], "a leader exists");
    assert_eq!(step["limitMs"], 20_000);
    assert!(step["config"].is_null());
    let plain = &json["steps"][1];
    assert!(plain["predict"].is_null() && plain["wait"].is_null() && plain["doKind"].is_null());
    let all = Lesson::parse(&with_step("")).expect("parses").to_json();
    assert!(all["controls"].is_null() && all["panels"].is_null());
}

#[test]
fn errors_name_the_line_and_the_problem() {
    let cases: &[(&str, usize, &str)] = &[
        ("title X\n", 1, "starts with 'lesson NAME'"),
        ("lesson Bad_Name\n", 1, "a-z, 0-9"),
        ("lesson x\nsay hi\n", 2, "belongs in a step"),
        ("lesson x\nfrobnicate\n", 2, "unknown command 'frobnicate'"),
        (
            "lesson x\ntitle X\ncluster voters=3\nsummary S.\n",
            4,
            "no steps",
        ),
        (
            "lesson x\ntitle X\nsummary S.\nstep A\nsay a.\n",
            5,
            "no 'cluster'",
        ),
        ("lesson x\ncluster voters=12\n", 2, "voters"),
        ("lesson x\ncontrols crash,fly\n", 2, "unknown control 'fly'"),
        ("lesson x\npanels logs,tea\n", 2, "unknown panel 'tea'"),
        ("lesson x\ntitle X\ntitle Y\n", 3, "only once"),
    ];
    for (text, line, needle) in cases {
        let (at, message) = error_of(text);
        assert_eq!(at, *line, "{text:?}: {message}");
        assert!(message.contains(needle), "{text:?}: {message}");
    }
}

#[test]
fn step_errors_name_the_line() {
    let cases: &[(&str, usize, &str)] = &[
        ("act crash leader\nact fly 2", 8, "unknown command 'fly'"),
        ("act crash", 7, "needs argument 1"),
        ("wait forever", 7, "wait for one of"),
        ("wait leader n2 now", 7, "unexpected 'now'"),
        // A one-word wait takes nothing after it (a second word is a typo, not a node).
        ("wait leader soon", 7, "'soon'"),
        ("wait monitor now", 7, "unexpected 'now'"),
        ("wait answered all", 7, "unexpected 'all'"),
        ("wait idle please", 7, "unexpected 'please'"),
        ("expect leader", 7, "not a node"),
        ("expect key a = ", 7, "like: expect key"),
        ("expect role n1 king", 7, "the role is one of"),
        ("highlight sparkles", 7, "highlight timers"),
        (
            "highlight messages gossip",
            7,
            "unknown message kind 'gossip'",
        ),
        (
            "do crash leader",
            7,
            "like: do crash leader | Crash the leader",
        ),
        ("do crash leader | A\ndo crash 2 | B", 8, "at most one 'do'"),
        ("limit 5", 7, "'limit' bounds a 'wait'"),
        ("wait time 40000", 5, "longer than the step's limit"),
        ("limit 0\nwait leader", 7, "like: limit"),
        ("choice yes", 7, "follows a 'predict'"),
        (
            "predict Q?\nchoice a\nchoice b\nreveal R.\nwait leader",
            7,
            "exactly one choice",
        ),
        (
            "predict Q?\nchoice a correct\nreveal R.\nwait leader",
            7,
            "two or three",
        ),
        (
            "predict Q?\nchoice a correct\nchoice b\nwait leader",
            7,
            "needs a 'reveal'",
        ),
        (
            "predict Q?\nchoice a correct\nchoice b\nreveal R.",
            7,
            "needs a 'wait'",
        ),
        ("say Three. Sentences. Here.", 5, "sentences"),
        ("title Y", 7, "belongs before the first step"),
        ("act crash 1\ncluster voters=3", 8, "before its acts"),
    ];
    for (extra, line, needle) in cases {
        let (at, message) = error_of(&with_step(extra));
        assert_eq!(at, *line, "{extra:?}: {message}");
        assert!(message.contains(needle), "{extra:?}: {message}");
    }
    let (at, message) =
        error_of("lesson x\ntitle X\ncluster voters=3\nsummary S.\nstep A\n\nstep B\nsay b.\n");
    assert_eq!(
        (at, message.contains("at least one 'say'")),
        (5, true),
        "{message}"
    );
}

#[test]
fn sentences_are_counted_by_their_end_marks() {
    use super::parse::sentence_count;
    assert_eq!(sentence_count("One. Two!"), 2);
    assert_eq!(sentence_count("No end mark"), 1);
    assert_eq!(sentence_count("Version 3.5 of n1.log is fine."), 1);
    assert_eq!(sentence_count("Wait... what? Yes."), 3);
    assert_eq!(sentence_count("get --consistency=s reads locally."), 1);
}

#[test]
fn node_words_become_ids_only_where_they_name_nodes() {
    let mut ids = |r: NodeRef| {
        Ok(match r {
            NodeRef::Leader => NodeId(3),
            NodeRef::Follower => NodeId(1),
            NodeRef::Id(id) => id,
        })
    };
    let cases = [
        ("crash leader", "crash 3"),
        ("transfer-leader leader follower", "transfer-leader 3 1"),
        ("partition leader follower,2", "partition 3 1,2"),
        ("change via=leader remove=follower", "change via=3 remove=1"),
        (
            "console client=1 node=leader put leader follower",
            "console client=1 node=3 put leader follower",
        ),
        ("propose leader leader", "propose 3 leader"),
        (
            "act-json {\"kind\":\"heal\"}",
            "act-json {\"kind\":\"heal\"}",
        ),
        // Literal text keeps its node-like words and its spacing: an act-json's JSON, and the
        // etcdctl part of a console line (cut after the client and node words, not re-joined).
        (
            "act-json {\"kind\":\"console\",\"client\":1,\"node\":1,\"line\":\"put n2 leader\"}",
            "act-json {\"kind\":\"console\",\"client\":1,\"node\":1,\"line\":\"put n2 leader\"}",
        ),
        (
            "console client=1 node=n2 put k \"a  b\"",
            "console client=1 node=2 put k \"a  b\"",
        ),
        // `nN` is a node only with digits after the n: other words starting with n stay.
        ("transfer-leader n1 nobody", "transfer-leader 1 nobody"),
        ("partition n1,n 2", "partition 1,n 2"),
    ];
    for (template, want) in cases {
        assert_eq!(
            substitute(template, &mut ids).as_deref(),
            Ok(want),
            "{template}"
        );
    }
    let mut none = |_: NodeRef| Err::<NodeId, String>("no leader".into());
    assert_eq!(
        substitute("crash leader", &mut none),
        Err("no leader".into())
    );
    assert_eq!(substitute("crash 2", &mut none), Ok("crash 2".into()));
}

#[test]
fn a_node_word_with_nobody_to_stand_for_is_an_error_in_words() {
    let text = with_step("act crash leader");
    let report = run_lesson(&Lesson::parse(&text).expect("parses"));
    let failure = report.failure.expect("fails: no leader at time 0");
    assert_eq!(failure.step, 1);
    assert!(
        failure.message.contains("there is no leader right now"),
        "{failure}"
    );
    assert_eq!(failure.line, 7, "{failure}");
}

#[test]
fn the_runner_waits_checks_and_stops_at_the_first_problem() {
    let text = with_step(
        "wait leader\nexpect monitor quiet\nexpect term 1\nexpect role leader leader\nexpect leader none",
    );
    let report = run_lesson(&Lesson::parse(&text).expect("parses"));
    let failure = report
        .failure
        .expect("'leader none' fails once a leader exists");
    assert_eq!(failure.line, 11, "{}", report.text);
    assert!(
        report.text.contains("expect monitor quiet: ok"),
        "{}",
        report.text
    );
    assert!(report.text.contains("expect term 1: ok"), "{}", report.text);
    let slow = with_step("limit 100\nwait leader");
    let failure = run_lesson(&Lesson::parse(&slow).expect("parses"))
        .failure
        .expect("times out");
    assert!(
        failure
            .message
            .contains("until a leader exists timed out after 100 ms")
            && failure.line == 8,
        "{failure}"
    );
    let timed = with_step("wait time 1000\nexpect leader none");
    let report = run_lesson(&Lesson::parse(&timed).expect("parses"));
    assert!(report.failure.is_none(), "{}", report.text);
    assert!(
        report.text.contains("wait until 1000 ms pass: 1000 ms"),
        "{}",
        report.text
    );
}

#[test]
fn every_action_kind_is_a_control() {
    let line = |l: &str| crate::scenario::sim_script::action_from_line(l).expect(l);
    let samples = [
        "crash 1",
        "restart 1",
        "pause 1",
        "resume 1",
        "fire-timer 1",
        "partition 1 2",
        "isolate 1",
        "heal",
        "cut 1 2",
        "link 1 2 latency=1..2",
        "default-link latency=1..2",
        "hold 1",
        "release 1",
        "drop 1",
        "deliver-now 1",
        "propose 1 x",
        "transfer-leader 1 2",
        "compact 1",
        "read-index 1",
        "console client=1 node=1 get a",
        "retry 1 node=1",
        "add-voter 4 via=1",
        "change via=1 add-voter=4,5",
        "leave-joint via=1",
    ];
    let mut kinds: Vec<String> = samples
        .iter()
        .map(|s| {
            serde_json::to_value(line(s)).expect("json")["kind"]
                .as_str()
                .unwrap_or("")
                .to_string()
        })
        .collect();
    kinds.dedup();
    assert_eq!(kinds, CONTROLS);
}

proptest! {
    #[test]
    fn any_text_parses_or_errs_without_panicking(text in "\\PC{0,400}") {
        let _ = Lesson::parse(&text);
    }

    #[test]
    fn lesson_like_lines_parse_or_err_without_panicking(
        lines in proptest::collection::vec(
            proptest::sample::select(vec![
                "lesson a", "title T", "cluster voters=3", "summary S.", "step S", "say x.",
                "act crash leader", "do heal | H", "wait leader", "wait time 5", "limit 9",
                "predict Q", "choice a correct", "choice b", "reveal R", "expect leader n1",
                "expect not key k = v", "highlight entry 9", "cluster voters=99", "act ((",
                "expect entry n1 2 term", "do | x", "choice", "step", "# c", "",
            ]),
            0..40,
        )
    ) {
        if let Ok(lesson) = Lesson::parse(&lines.join("\n")) {
            let json = lesson.to_json();
            prop_assert_eq!(json["steps"].as_array().map(Vec::len), Some(lesson.steps.len()));
        }
    }
}

#[test]
fn huge_input_is_refused_not_worked_through() {
    let huge = "lesson x\n".to_string() + &"say a\n".repeat(100_000);
    let (line, message) = error_of(&huge);
    assert_eq!(line, 1);
    assert!(message.contains("at most"), "{message}");
    let long_line = format!("lesson x\ntitle {}\n", "a".repeat(5_000));
    assert_eq!(error_of(&long_line).0, 2);
}

#[test]
fn a_time_wait_ends_exactly_at_its_time_on_a_timeline_in_the_pages_words() {
    use super::condition::Condition;
    use super::player::{WaitEnd, run_wait};
    use crate::sim::queue::TimeMs;
    use crate::sim::timeline::Timeline;
    let config = crate::sim::config::SimConfig {
        seed: 3,
        ..Default::default()
    };
    let mut page = Timeline::new(config).expect("starts");
    let wait = Condition::Time(777);
    // Slices of 100 ms: running until the last, which moves the clock to 777 with nothing run.
    let mut ends = Vec::new();
    for _ in 0..20 {
        let until = page.sim().now_ms().saturating_add(TimeMs(100));
        let end = run_wait(&mut page, &wait, TimeMs::ZERO, 30_000, until, 1_000_000);
        ends.push(end.word());
        if end != WaitEnd::Running {
            break;
        }
    }
    assert_eq!(
        page.sim().now_ms(),
        TimeMs(777),
        "the clock stands at the wait's time"
    );
    assert_eq!(ends.last(), Some(&"held"));
    assert!(ends[..ends.len() - 1].iter().all(|word| *word == "running"));
    assert_eq!(
        [WaitEnd::Frozen.word(), WaitEnd::TimedOut.word()],
        ["frozen", "timeout"]
    );
}

#[test]
fn the_wait_stops_at_the_first_event_where_it_holds_natively_and_on_a_timeline() {
    use super::condition::Condition;
    use super::player::{WaitEnd, run_wait};
    use crate::sim::cluster::Sim;
    use crate::sim::queue::TimeMs;
    use crate::sim::timeline::Timeline;
    let config = crate::sim::config::SimConfig {
        seed: 3,
        ..Default::default()
    };
    let mut by_hand = Sim::new(config.clone()).expect("starts");
    while by_hand.leader().is_none() {
        assert!(by_hand.step(), "a leader is elected");
    }
    let leader = Condition::Leader(None);
    let mut native = Sim::new(config.clone()).expect("starts");
    let end = run_wait(
        &mut native,
        &leader,
        TimeMs::ZERO,
        30_000,
        TimeMs::MAX,
        1_000_000,
    );
    assert_eq!(end, WaitEnd::Held);
    assert_eq!(native.steps(), by_hand.steps());
    let mut page = Timeline::new(config).expect("starts");
    // The page plays in slices of 100 virtual ms; the wait still stops at the same event.
    let mut end = WaitEnd::Running;
    for _ in 0..1000 {
        let until = page.sim().now_ms().saturating_add(TimeMs(100));
        end = run_wait(&mut page, &leader, TimeMs::ZERO, 30_000, until, 1_000_000);
        if end != WaitEnd::Running {
            break;
        }
    }
    assert_eq!(end, WaitEnd::Held);
    assert_eq!(page.sim().steps(), by_hand.steps());
    assert_eq!(page.sim().state_hash(), by_hand.state_hash());
    let mut short = Sim::new(crate::sim::config::SimConfig::default()).expect("starts");
    let end = run_wait(
        &mut short,
        &leader,
        TimeMs::ZERO,
        50,
        TimeMs::MAX,
        1_000_000,
    );
    assert_eq!((end, short.now_ms()), (WaitEnd::TimedOut, TimeMs(50)));
}

/// Three steps of the election-restriction story with the teaching switch on; `last` is
/// appended to the third step.
fn switch_lesson(last: &str) -> String {
    format!(
        "lesson x\ntitle X\ncluster voters=3 seed=1 prevote=false checkquorum=false \
         unsafe=(skip-election-restriction) rule-monitors=false\nsummary S.\n\
         step A\nsay a.\nact fire-timer 1\nwait idle\n\
         step B\nsay b.\nact isolate 3\nact propose 1 x\nwait time 200\n\
         step C\nsay c.\nact crash 1\nact heal\nact fire-timer 3\nwait time 500\n{last}\n"
    )
}

#[test]
fn a_monitor_may_fire_only_where_the_lesson_expects_it() {
    let unexpected = run_lesson(&Lesson::parse(&switch_lesson("")).expect("parses"));
    let failure = unexpected.failure.expect("the monitor fires unexpectedly");
    assert_eq!(failure.step, 3);
    assert!(
        failure.message.contains("no 'expect monitor fired'"),
        "{failure}"
    );
    let expected = switch_lesson("expect monitor fired 4\nexpect leader n3");
    let report = run_lesson(&Lesson::parse(&expected).expect("parses"));
    assert!(report.failure.is_none(), "{}", report.text);
    assert!(
        report.text.contains("stopped by the monitor"),
        "{}",
        report.text
    );
    let wrong = switch_lesson("expect monitor fired 1");
    let failure = run_lesson(&Lesson::parse(&wrong).expect("parses"))
        .failure
        .expect("fails");
    assert!(
        failure.message.contains("monitor 4 leader completeness"),
        "{failure}"
    );
    let after = switch_lesson("expect monitor fired\nstep D\nsay d.\nact heal");
    let failure = run_lesson(&Lesson::parse(&after).expect("parses"))
        .failure
        .expect("frozen");
    assert!(failure.message.contains("frozen"), "{failure}");
}

#[test]
fn a_step_cluster_starts_a_fresh_run() {
    let text = with_step(
        "wait leader\nstep Two\ncluster voters=5 seed=2\nsay Again.\nexpect leader none\nexpect role n5 follower",
    );
    let lesson = Lesson::parse(&text).expect("parses");
    assert_eq!(lesson.steps[1].restart.as_ref().map(|c| c.voters), Some(5));
    assert_eq!(lesson.to_json()["steps"][1]["config"]["seed"], "2");
    let report = run_lesson(&lesson);
    assert!(report.failure.is_none(), "{}", report.text);
    assert!(
        report.text.contains("fresh run: cluster seed=2 voters=5"),
        "{}",
        report.text
    );
}

#[test]
fn the_task_is_resolved_after_the_acts() {
    // `act crash leader` leaves no leader, so a `do` naming the leader cannot be resolved.
    let text = with_step("wait leader\nstep Two\nsay b.\nact crash leader\ndo restart leader | R");
    let failure = run_lesson(&Lesson::parse(&text).expect("parses"))
        .failure
        .expect("fails");
    assert_eq!((failure.step, failure.line), (2, 11), "{failure}");
    assert!(failure.message.contains("no leader right now"), "{failure}");
}

/// One step of a random lesson: setup actions, maybe a task and a wait, checks.
fn random_step() -> impl Strategy<Value = String> {
    let acts = proptest::collection::vec(
        proptest::sample::select(vec![
            "act crash leader",
            "act crash follower",
            "act restart 1",
            "act isolate leader",
            "act heal",
            "act console client=1 node=leader put k v",
            "act partition 1 2,3",
            "act fire-timer follower",
            "act pause 2",
            "act resume 2",
        ]),
        0..3,
    );
    let task = proptest::option::of(proptest::sample::select(vec![
        "do transfer-leader leader 2 | T",
        "do crash 3 | C",
        "do console client=2 node=follower get k | G",
    ]));
    let wait = proptest::option::of(proptest::sample::select(vec![
        "wait leader",
        "wait time 50",
        "wait commit 2",
        "wait answered",
        "wait idle\nlimit 3000",
        "wait monitor\nlimit 500",
        "wait term 2\nlimit 3000",
    ]));
    let expects = proptest::collection::vec(
        proptest::sample::select(vec![
            "expect leader n1",
            "expect not key k = v",
            "expect role leader leader",
            "expect event rejected",
            "expect history ok",
            "expect config follower voters=(1 2 3)",
            "expect answer 1 contains OK",
            "expect compacted n2 3",
            "expect monitor fired",
            "expect term 2 on leader",
        ]),
        0..3,
    );
    (acts, task, wait, expects).prop_map(|(acts, task, wait, expects)| {
        let mut lines = vec!["step S".to_string(), "say x.".to_string()];
        lines.extend(acts.iter().map(|a| a.to_string()));
        lines.extend(task.map(String::from));
        lines.extend(wait.map(String::from));
        lines.extend(expects.iter().map(|e| e.to_string()));
        lines.join("\n")
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever a lesson that parses asks for, playing it ends in a report (a pass or the
    /// first problem), never a panic.
    #[test]
    fn random_lessons_play_without_panicking(
        steps in proptest::collection::vec(random_step(), 1..5),
        switch in proptest::bool::ANY,
    ) {
        let unsafe_switch = if switch { " unsafe=(skip-election-restriction)" } else { "" };
        let text = format!(
            "lesson p\ntitle P\ncluster voters=3 seed=5{unsafe_switch}\nsummary S.\n\
             step Start\nsay s.\nwait idle\n{}\n",
            steps.join("\n")
        );
        let lesson = Lesson::parse(&text);
        prop_assert!(lesson.is_ok(), "{:?}\n{text}", lesson.err());
        if let Ok(lesson) = lesson {
            let report = run_lesson(&lesson);
            prop_assert!(report.text.starts_with("lesson p: P"));
            if let Some(failure) = report.failure {
                prop_assert!(report.text.contains("FAILED at line"), "{failure}");
            }
        }
    }
}
