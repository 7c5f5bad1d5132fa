//! Virtual time only moves forward, whatever a user, a script or a share link asks for.
//!
//! Actions and configs come from people and links, so their numbers can be anything: a latency
//! near `u64::MAX`, a range written backwards, a spares count that would wrap. Each is either
//! refused with a clear error (the run unchanged) or accepted and then harmless; no sequence of
//! them may make the clock run backwards or schedule an event in the past.

use proptest::prelude::*;
use raftlab::raft::types::NodeId;
use raftlab::sim::action::{Action, LinkConfigData, TimedAction};
use raftlab::sim::cluster::Sim;
use raftlab::sim::config::SimConfig;
use raftlab::sim::queue::TimeMs;

/// Numbers a user could type: small ones, and the edges where arithmetic wraps.
fn any_number() -> impl Strategy<Value = u64> {
    prop_oneof![
        0u64..200,
        0u64..70_000,
        Just(u64::MAX),
        Just(u64::MAX - 1),
        Just(u64::MAX / 2),
        any::<u64>(),
    ]
}

/// A latency range: independent ends (often backwards), or a narrow range anywhere, including
/// right below `u64::MAX` where `now + delay` would wrap.
fn any_latency() -> impl Strategy<Value = (u64, u64)> {
    prop_oneof![
        (any_number(), any_number()),
        any_number().prop_map(|a| (a, a.saturating_add(5))),
        Just((u64::MAX - 3, u64::MAX)),
    ]
}

fn any_link() -> impl Strategy<Value = LinkConfigData> {
    (any::<bool>(), any_latency(), any::<u32>(), any::<u32>()).prop_map(
        |(up, (a, b), loss, dup)| LinkConfigData {
            up,
            latency_ms_min: TimeMs(a),
            latency_ms_max: TimeMs(b),
            loss_ppm: loss % 1_200_000,
            duplicate_ppm: dup % 1_200_000,
        },
    )
}

fn any_node() -> impl Strategy<Value = NodeId> {
    prop_oneof![0u64..5, Just(u64::MAX)].prop_map(NodeId)
}

fn any_action() -> impl Strategy<Value = Action> {
    prop_oneof![
        any_node().prop_map(|node| Action::Crash { node }),
        any_node().prop_map(|node| Action::Restart { node }),
        any_node().prop_map(|node| Action::Pause { node }),
        any_node().prop_map(|node| Action::Resume { node }),
        any_node().prop_map(|node| Action::FireTimer { node }),
        Just(Action::Heal),
        any_node().prop_map(|node| Action::Isolate { node }),
        (any_node(), any_node(), any_link()).prop_map(|(from, to, link)| Action::SetLink {
            from,
            to,
            link
        }),
        any_link().prop_map(|link| Action::SetDefaultLink { link }),
        (any_node(), 0u64..4).prop_map(|(node, k)| Action::Console {
            client: 1,
            node,
            line: format!("put k{k} v"),
        }),
        any_number().prop_map(|message| Action::DeliverNow { message }),
        any_number().prop_map(|message| Action::Hold { message }),
        any_number().prop_map(|message| Action::Release { message }),
    ]
}

/// Mostly configs a run accepts (so the actions get to run), sometimes wild ones.
fn any_config() -> impl Strategy<Value = SimConfig> {
    let sane =
        (any::<u64>(), 1u64..6, 0u64..3, 1u64..200).prop_map(|(seed, voters, spares, tick_ms)| {
            SimConfig {
                seed,
                voters,
                spares,
                tick_ms: TimeMs(tick_ms),
                record_trace: false,
                ..SimConfig::default()
            }
        });
    let wild = (
        any::<u64>(),
        0u64..11,
        any_number(),
        any_number(),
        any_number(),
        any_link(),
    )
        .prop_map(|(seed, voters, spares, tick_ms, disk, link)| SimConfig {
            seed,
            voters,
            spares,
            tick_ms: TimeMs(tick_ms),
            disk_latency_ms_max: TimeMs(disk),
            link,
            record_trace: false,
            ..SimConfig::default()
        });
    prop_oneof![4 => sane, 1 => wild]
}

/// Steps the run, checking the clock against the queue after every event.
fn step_and_check(sim: &mut Sim, steps: usize) -> Result<(), TestCaseError> {
    for _ in 0..steps {
        let before = sim.now_ms();
        if let Some(next) = sim.next_event_ms() {
            prop_assert!(
                next >= before,
                "event at {next} ms queued before now {before} ms"
            );
        }
        if !sim.step() {
            break;
        }
        prop_assert!(
            sim.now_ms() >= before,
            "clock went from {before} to {}",
            sim.now_ms()
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn no_action_or_config_moves_time_backwards(
        config in any_config(),
        plan in proptest::collection::vec((any_action(), any_number(), any::<bool>()), 1..12),
    ) {
        let Ok(mut sim) = Sim::new(config) else {
            // Refused with an error: fine, nothing ran.
            return Ok(());
        };
        prop_assert!(!sim.nodes().is_empty(), "an accepted config has nodes");
        for (action, at_ms, now) in plan {
            if now {
                let before = sim.now_ms();
                // An error leaves the run unchanged; success must not rewind the clock either.
                let _ = sim.apply_action(&action);
                prop_assert!(sim.now_ms() >= before);
            } else {
                sim.schedule(&[TimedAction {
                    at_ms: TimeMs(at_ms),
                    action,
                }]);
            }
            step_and_check(&mut sim, 200)?;
        }
        let before = sim.now_ms();
        sim.run_until(before.saturating_add(TimeMs(20_000)), 200_000);
        prop_assert!(sim.now_ms() >= before);
    }
}

#[test]
fn links_with_backwards_or_huge_latency_are_refused() {
    let mut sim = Sim::new(SimConfig::default()).expect("default config");
    let backwards = LinkConfigData {
        up: true,
        latency_ms_min: TimeMs(30),
        latency_ms_max: TimeMs(10),
        loss_ppm: 0,
        duplicate_ppm: 0,
    };
    let error = sim
        .apply_action(&Action::SetLink {
            from: NodeId(1),
            to: NodeId(2),
            link: backwards,
        })
        .expect_err("30..10 is backwards");
    assert!(error.0.contains("backwards"), "{error}");
    let huge = LinkConfigData {
        latency_ms_min: TimeMs(u64::MAX - 5),
        latency_ms_max: TimeMs::MAX,
        ..backwards
    };
    let error = sim
        .apply_action(&Action::SetDefaultLink { link: huge })
        .expect_err("a latency near u64::MAX is refused");
    assert!(error.0.contains("at most 60000 ms"), "{error}");
    let config = SimConfig {
        link: huge,
        ..SimConfig::default()
    };
    assert!(Sim::new(config).is_err());
}

#[test]
fn spares_near_u64_max_are_refused_not_wrapped() {
    for spares in [u64::MAX, u64::MAX - 2, 7] {
        let config = SimConfig {
            voters: 3,
            spares,
            ..SimConfig::default()
        };
        let error = Sim::new(config).expect_err("too many nodes");
        assert!(
            error.contains("voters + spares must be at most 9"),
            "{error}"
        );
    }
}

/// The same limits in the script language: the script stops at the line with a clear error.
#[test]
fn scripts_say_what_is_wrong_with_a_link_or_cluster() {
    use raftlab::scenario::sim_script::run_script;
    let cases = [
        (
            "cluster voters=3 spares=18446744073709551615\n----\n\n",
            "voters + spares must be at most 9, got 3 + 18446744073709551615",
        ),
        (
            "cluster voters=3 latency=30..10\n----\n\n",
            "latency=30..10 is backwards: the smallest delay comes first",
        ),
        (
            "cluster voters=3\n----\nok\n\nlink 1 2 latency=30..10\n----\n\n",
            "latency=30..10 is backwards",
        ),
        (
            "cluster voters=3\n----\nok\n\nlink 1 2 latency=18446744073709551614..18446744073709551615\n----\n\n",
            "latency must be at most 60000 ms, got 18446744073709551615",
        ),
        (
            "cluster voters=3\n----\nok\n\ndefault-link loss=2000000\n----\n\n",
            "loss= is in parts per million, 0 to 1000000, got 2000000",
        ),
    ];
    for (script, expected) in cases {
        let error = run_script(script)
            .map(|run| run.outputs.join("\n"))
            .expect_err("the script is refused");
        assert!(error.to_string().contains(expected), "{script}: {error}");
    }
}
