//! The safety monitors themselves: they run after direct actions as well as after events, they
//! do not fire falsely while a disk write is in flight, and after a violation the run is frozen
//! (the CLI, scripts and the page share `Sim::apply_action`, so they agree).

use raftlab::raft::config::UnsafeSwitch;
use raftlab::raft::message::MessageType;
use raftlab::raft::node::Role;
use raftlab::raft::types::NodeId;
use raftlab::raft::types::{Index, Term};
use raftlab::scenario::sim_script::run_script;
use raftlab::sim::action::Action;
use raftlab::sim::cluster::Sim;
use raftlab::sim::config::SimConfig;
use raftlab::sim::monitor::{Kind, names};
use raftlab::sim::queue::TimeMs;

/// The no-persist-vote story up to n2's campaign; n3's vote for n2 is then on the wire.
const TWO_CAMPAIGNS: &str = "cluster voters=3 seed=1 prevote=false checkquorum=false unsafe=(no-persist-vote) rule-monitors=false
----

cut 1 2
----

cut 2 1
----

fire-timer 1
----

run-until 43
----

crash 3
----

restart 3
----

fire-timer 2
----

run 20
----
";

/// The id of the first message in flight from `from` to `to` of type `kind`, found by running
/// the script and reading the `in-flight` view.
fn message_id(script: &str, from: u64, to: u64, kind: &str) -> u64 {
    let run = run_script(&format!("{script}\nin-flight\n----\n")).expect("script runs");
    let listing = run.outputs.last().expect("in-flight output");
    let pattern = format!("{from}->{to} {kind}");
    listing
        .lines()
        .find(|l| l.contains(&pattern))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|m| m.trim_start_matches('m').parse().ok())
        .unwrap_or_else(|| panic!("no {pattern} in flight:\n{listing}"))
}

#[test]
fn a_violation_caused_by_a_direct_action_is_reported_by_that_action() {
    let vote = message_id(TWO_CAMPAIGNS, 3, 2, "MsgVoteResp");
    let script = format!(
        "{TWO_CAMPAIGNS}\ndeliver-now {vote}\n----\n\nexpect-no-violation\n----\n\npropose 1 late\n----\n\nrun 100\n----\n\nliveness-check 1000\n----\n"
    );
    let run = run_script(&script).expect("script runs");
    let n = run.outputs.len();
    let (deliver, expect, propose, after, liveness) = (
        &run.outputs[n - 5],
        &run.outputs[n - 4],
        &run.outputs[n - 3],
        &run.outputs[n - 2],
        &run.outputs[n - 1],
    );
    // The hand-delivered vote makes n2 a second leader of term 1: the action's own output says so.
    assert!(
        deliver.contains("VIOLATION 1 one leader per term (consequence)"),
        "{deliver}"
    );
    assert!(
        deliver.contains("why: At most one leader per term"),
        "{deliver}"
    );
    assert!(
        deliver.contains("Teaching switch no-persist-vote is on"),
        "{deliver}"
    );
    assert!(
        expect.starts_with("violation: 1 one leader per term"),
        "{expect}"
    );
    let violation = run.violation.expect("the run reports the violation");
    assert_eq!(violation.invariant, names::ELECTION_SAFETY);
    assert_eq!(violation.kind, Kind::Consequence);
    // Frozen: actions are refused with a reason, time does not move, no probe runs.
    assert!(
        propose.starts_with("error: the run is frozen at the violation of monitor 1"),
        "{propose}"
    );
    assert!(after.starts_with("frozen: the run stopped"), "{after}");
    assert!(
        liveness.starts_with("frozen: the run stopped"),
        "{liveness}"
    );
}

/// The no-persist-vote story as direct actions, up to the moment n3's vote for n2 is on the
/// wire (the `TWO_CAMPAIGNS` script): nothing has fired yet.
fn two_campaigns_sim(monitors: bool) -> Sim {
    let mut sim = Sim::new(SimConfig {
        seed: 1,
        pre_vote: false,
        check_quorum: false,
        unsafe_switches: [UnsafeSwitch::NoPersistVote].into_iter().collect(),
        rule_monitors: false,
        monitors,
        ..SimConfig::default()
    })
    .expect("valid");
    let actions = [
        Action::SetLinkUp {
            from: NodeId(1),
            to: NodeId(2),
            up: false,
        },
        Action::SetLinkUp {
            from: NodeId(2),
            to: NodeId(1),
            up: false,
        },
        Action::FireTimer { node: NodeId(1) },
    ];
    for action in &actions {
        sim.apply_action(action).expect("applies");
    }
    sim.run_until(TimeMs(43), 1_000_000);
    for action in [
        Action::Crash { node: NodeId(3) },
        Action::Restart { node: NodeId(3) },
        Action::FireTimer { node: NodeId(2) },
    ] {
        sim.apply_action(&action).expect("applies");
    }
    sim.run_until(TimeMs(63), 1_000_000);
    assert!(sim.violation().is_none());
    sim
}

#[test]
fn with_every_monitor_disabled_the_harm_happens_unseen_and_the_run_goes_on() {
    let vote = message_id(TWO_CAMPAIGNS, 3, 2, "MsgVoteResp");
    let mut sim = two_campaigns_sim(false);
    sim.apply_action(&Action::DeliverNow { message: vote })
        .expect("delivers");
    let leaders_of_term_1 = sim
        .nodes()
        .values()
        .filter_map(|node| node.raft())
        .filter(|raw| raw.raft().role() == Role::Leader && raw.raft().term() == Term(1))
        .count();
    assert_eq!(
        leaders_of_term_1, 2,
        "the vote made a second leader of term 1"
    );
    assert!(sim.violation().is_none(), "{:?}", sim.violation());
    sim.run_until(TimeMs(1_000), 1_000_000);
    assert_eq!(sim.now_ms(), TimeMs(1_000));
    assert!(sim.violation().is_none());
}

#[test]
fn a_frozen_sim_refuses_actions_and_does_not_run() {
    let vote = message_id(TWO_CAMPAIGNS, 3, 2, "MsgVoteResp");
    let mut sim = two_campaigns_sim(true);
    sim.apply_action(&Action::DeliverNow { message: vote })
        .expect("delivers");
    let violation = sim.violation().expect("fired during the action").clone();
    assert_eq!(violation.invariant, names::ELECTION_SAFETY, "{violation}");
    let (time, steps, hash) = (sim.now_ms(), sim.steps(), sim.state_hash());
    let refused = sim.apply_action(&Action::Heal);
    assert!(refused.is_err(), "actions are refused after a violation");
    sim.run_until(TimeMs(10_000), 1_000_000);
    assert!(!sim.step());
    assert_eq!(
        (sim.now_ms(), sim.steps(), sim.state_hash()),
        (time, steps, hash),
        "nothing moves after a violation"
    );
}

/// Steps `sim` one event at a time (at most `steps` events), holding every new message from
/// `from` to `to`, until `found` says one of them is the one wanted; returns its id.
fn step_holding(
    sim: &mut Sim,
    from: u64,
    to: u64,
    steps: usize,
    found: impl Fn(&raftlab::raft::message::Message) -> bool,
) -> u64 {
    for _ in 0..steps {
        let mut wanted = None;
        let flights: Vec<(u64, bool)> = sim
            .in_flight()
            .values()
            .filter(|f| f.message.from.0 == from && f.message.to.0 == to && !f.held)
            .map(|f| (f.id, found(&f.message)))
            .collect();
        for (id, is_it) in flights {
            sim.apply_action(&Action::Hold { message: id })
                .expect("holds");
            if is_it && wanted.is_none() {
                wanted = Some(id);
            }
        }
        if let Some(id) = wanted {
            return id;
        }
        assert!(sim.step(), "the run goes on");
    }
    panic!("no such message from n{from} to n{to}");
}

fn cut(sim: &mut Sim, from: NodeId, to: NodeId) {
    sim.apply_action(&Action::SetLinkUp {
        from,
        to,
        up: false,
    })
    .expect("cuts");
}

/// Log matching compares an entry's previous term with what other nodes stored. The previous
/// entry must be read from the disk the entry was written after: while the write is in flight,
/// a newer leader's append can truncate the in-memory tail below it, and the in-memory term
/// there is the new leader's. Reading it from memory reported a log matching violation that
/// did not exist.
#[test]
fn log_matching_does_not_fire_when_the_tail_is_truncated_during_a_disk_write() {
    let mut sim = Sim::new(SimConfig {
        seed: 5,
        voters: 5,
        pre_vote: false,
        check_quorum: false,
        msg_entries_max: 1,
        ..SimConfig::default()
    })
    .expect("valid");
    sim.apply_action(&Action::FireTimer { node: NodeId(1) })
        .expect("campaigns");
    sim.run_until(TimeMs(300), 1_000_000);
    assert_eq!(sim.leader(), Some(NodeId(1)));
    // n1 reaches only n3 now: "x" (index 2, term 1) is stored on n1 and n3 only.
    for to in [2, 4, 5] {
        cut(&mut sim, NodeId(1), NodeId(to));
    }
    sim.apply_action(&Action::Propose {
        node: NodeId(1),
        data: "x".into(),
    })
    .expect("proposes");
    sim.run_until(TimeMs(400), 1_000_000);
    // "y" (index 3, term 1) is on its way to n3: hold it.
    sim.apply_action(&Action::Propose {
        node: NodeId(1),
        data: "y".into(),
    })
    .expect("proposes");
    let y = step_holding(&mut sim, 1, 3, 100, |m| {
        m.msg_type == MessageType::MsgApp && m.entries.iter().any(|e| e.index == Index(3))
    });
    sim.apply_action(&Action::Crash { node: NodeId(1) })
        .expect("crashes");
    for from in [4, 5] {
        cut(&mut sim, NodeId(from), NodeId(3));
    }
    // n2 wins term 2 with n4 and n5 and appends its no-op at index 2. Everything n2 sends to
    // n3 is held; we keep its first append.
    sim.apply_action(&Action::FireTimer { node: NodeId(2) })
        .expect("campaigns");
    let noop = step_holding(&mut sim, 2, 3, 10_000, |m| {
        m.msg_type == MessageType::MsgApp
            && m.entries
                .first()
                .is_some_and(|e| e.index == Index(2) && e.term == Term(2))
    });
    // n3, still in term 1, accepts "y" and starts writing it; in the same instant n2's append
    // arrives and truncates n3's in-memory log at index 2.
    sim.apply_action(&Action::DeliverNow { message: y })
        .expect("delivers");
    sim.apply_action(&Action::DeliverNow { message: noop })
        .expect("delivers");
    let n3 = &sim.nodes()[&NodeId(3)];
    assert!(n3.is_writing(), "n3's write of index 3 is in flight");
    let raw = n3.raft().expect("n3 is up");
    assert_eq!(raw.raft().log().term(Index(2)), Some(Term(2)), "in memory");
    assert_eq!(raw.storage().term(Index(2)), Ok(Term(1)), "on disk");
    // The write finishes: index 3 (term 1) lands on disk after index 2 (term 1), exactly as on
    // n1. No monitor may fire.
    let until = sim.now_ms() + TimeMs(50);
    sim.run_until(until, 1_000_000);
    assert!(!sim.nodes()[&NodeId(3)].is_writing());
    assert_eq!(sim.violation(), None);
}

#[test]
fn rule_monitors_off_lets_the_run_go_on_to_the_harm() {
    let vote = message_id(TWO_CAMPAIGNS, 3, 2, "MsgVoteResp");
    let with_rules = TWO_CAMPAIGNS.replace(" rule-monitors=false", "");
    let script = |base: &str| format!("{base}\ndeliver-now {vote}\n----\n");
    let on = run_script(&script(&with_rules)).expect("runs");
    let off = run_script(&script(TWO_CAMPAIGNS)).expect("runs");
    let on = on.violation.expect("rule fires");
    let off = off.violation.expect("harm fires");
    assert_eq!((on.invariant, on.kind), (names::ONE_VOTE, Kind::Rule));
    assert!(
        on.explanation.contains("two leaders in one term"),
        "{}",
        on.explanation
    );
    assert_eq!(
        (off.invariant, off.kind),
        (names::ELECTION_SAFETY, Kind::Consequence)
    );
    assert!(
        off.explanation.contains(names::ONE_VOTE),
        "{}",
        off.explanation
    );
}

/// The benchmark's switch (`SimConfig::monitors`): the monitors only watch, so without them a
/// run takes the same steps to the same state and trace.
#[test]
fn monitors_off_change_nothing_but_the_violation() {
    let run = |monitors: bool| {
        let config = SimConfig {
            voters: 5,
            seed: 11,
            monitors,
            ..SimConfig::default()
        };
        let mut sim = Sim::new(config).expect("valid config");
        for i in 0..100u64 {
            sim.run_until(TimeMs(1_000 + i * 100), u64::MAX);
            let _ = sim.apply_action(&Action::Console {
                client: 1 + i % 3,
                node: NodeId(1 + i % 5),
                line: format!("put key{} value{i}", i % 7),
            });
            if i == 50 {
                let _ = sim.apply_action(&Action::Crash { node: NodeId(2) });
            }
            if i == 70 {
                let _ = sim.apply_action(&Action::Restart { node: NodeId(2) });
            }
        }
        sim.run_until(TimeMs(15_000), u64::MAX);
        (
            sim.steps(),
            sim.state_hash(),
            sim.trace().text_hash(),
            sim.violation().cloned(),
        )
    };
    let (on, off) = (run(true), run(false));
    assert!(on.3.is_none(), "a correct run: {:?}", on.3);
    assert_eq!(on, off);
    assert!(on.0 > 1_000, "the run did something: {} steps", on.0);
}
