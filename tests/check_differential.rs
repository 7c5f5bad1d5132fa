//! Goal: the WGL checker and a brute-force checker agree on every small history.
//!
//! The brute force tries every order of the operations that respects real time (and every
//! subset of the unknown-outcome operations), against its own, separately written map model.
//! Histories are built from a real run (outputs from a random linearization) and then, in
//! about half the cases, have some outputs corrupted, so both verdicts occur often.

use std::collections::BTreeMap;

use proptest::prelude::*;
use raftlab::check::partition::partition;
use raftlab::check::shrink::removable;
use raftlab::check::{CheckConfig, History, Input, Operation, Output, Verdict, check_history};

/// One generated operation before outputs are known.
#[derive(Clone, Debug)]
struct Spec {
    call: u64,
    duration: u64,
    /// Where the operation takes effect inside its interval, as a fraction of `duration`.
    effect_offset: u64,
    pending: bool,
    pending_takes_effect: bool,
    key: u8,
    kind: u8,
    value: u8,
    expect: u8,
    corrupt: bool,
    corrupt_choice: u8,
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        (
            0..20u64,
            0..10u64,
            0..10u64,
            prop::bool::weighted(0.15),
            any::<bool>(),
        ),
        (0..2u8, 0..4u8, 0..3u8, 0..4u8),
        (prop::bool::weighted(0.2), 0..4u8),
    )
        .prop_map(
            |(
                (call, duration, effect_offset, pending, pending_takes_effect),
                (key, kind, value, expect),
                (corrupt, corrupt_choice),
            )| Spec {
                call,
                duration,
                effect_offset: effect_offset.min(duration),
                pending,
                pending_takes_effect,
                key,
                kind,
                value,
                expect,
                corrupt,
                corrupt_choice,
            },
        )
}

/// Like [`spec`], on one key, with half the operations timed out and more values than reads
/// can cover: the histories the collapse of unread values and the twin rule act on.
fn unknown_heavy_spec() -> impl Strategy<Value = Spec> {
    (spec(), prop::bool::weighted(0.5), 0..6u8).prop_map(|(spec, pending, value)| Spec {
        key: 0,
        pending,
        value,
        ..spec
    })
}

fn value_name(value: u8) -> String {
    format!("v{value}")
}

fn input_of(spec: &Spec) -> Input {
    match spec.kind {
        0 => Input::Put {
            value: value_name(spec.value),
        },
        1 => Input::Get,
        2 => Input::Delete,
        _ => Input::Cas {
            expect: (spec.expect < 3).then(|| value_name(spec.expect)),
            value: value_name(spec.value),
        },
    }
}

/// The brute force's own sequential map: returns the output and writes the new state.
fn run(map: &mut BTreeMap<String, String>, key: &str, input: &Input) -> Output {
    let current = map.get(key).cloned();
    match input {
        Input::Put { value } => {
            map.insert(key.to_string(), value.clone());
            Output::Put
        }
        Input::Get => Output::Get { value: current },
        Input::Delete => Output::Delete {
            deleted: u64::from(map.remove(key).is_some()),
        },
        Input::Cas { expect, value } => {
            let succeeded = *expect == current;
            if succeeded {
                map.insert(key.to_string(), value.clone());
            }
            Output::Cas { succeeded }
        }
    }
}

fn corrupted(output: Output, choice: u8) -> Output {
    match output {
        Output::Put => Output::Put,
        Output::Get { .. } => Output::Get {
            value: (choice < 3).then(|| value_name(choice)),
        },
        Output::Delete { deleted } => Output::Delete {
            deleted: 1 - deleted.min(1),
        },
        Output::Cas { succeeded } => Output::Cas {
            succeeded: !succeeded,
        },
    }
}

/// Builds a history: outputs from applying operations at their effect points, then corrupted.
fn build(specs: &[Spec]) -> History {
    let mut order: Vec<usize> = (0..specs.len()).collect();
    order.sort_by_key(|&index| (specs[index].call + specs[index].effect_offset, index));
    let mut map = BTreeMap::new();
    let mut outputs: Vec<Option<Output>> = vec![None; specs.len()];
    for index in order {
        let spec = &specs[index];
        if spec.pending && !spec.pending_takes_effect {
            continue;
        }
        let output = run(&mut map, &format!("k{}", spec.key), &input_of(spec));
        if !spec.pending {
            outputs[index] = Some(if spec.corrupt {
                corrupted(output, spec.corrupt_choice)
            } else {
                output
            });
        }
    }
    let ops = specs
        .iter()
        .zip(outputs)
        .enumerate()
        .map(|(index, (spec, output))| Operation {
            client: index as u64,
            call: spec.call,
            ret: (!spec.pending).then_some(spec.call + spec.duration),
            key: format!("k{}", spec.key),
            input: input_of(spec),
            output,
        })
        .collect();
    History::new(ops).expect("generated histories are valid")
}

/// Tries every real-time-respecting order; unknown-outcome operations may be left out.
fn brute_force(history: &History) -> bool {
    brute_force_from(history, &BTreeMap::new())
}

/// [`brute_force`] from a given initial map.
fn brute_force_from(history: &History, initial: &BTreeMap<String, String>) -> bool {
    let ops = history.ops();
    let mut placed = vec![false; ops.len()];
    extend(ops, &mut placed, initial)
}

/// Initial maps that set `key` to each value the generator uses, one it never uses, or nothing.
fn initial_maps(key: &str) -> Vec<BTreeMap<String, String>> {
    let mut maps = vec![BTreeMap::new()];
    for value in ["v0", "v1", "v2", "other"] {
        maps.push(BTreeMap::from([(key.to_string(), value.to_string())]));
    }
    maps
}

fn extend(ops: &[Operation], placed: &mut [bool], map: &BTreeMap<String, String>) -> bool {
    let all_completed_placed = ops
        .iter()
        .zip(placed.iter())
        .all(|(op, placed)| *placed || op.ret.is_none());
    if all_completed_placed {
        return true;
    }
    for candidate in 0..ops.len() {
        if placed[candidate] {
            continue;
        }
        let op = &ops[candidate];
        // Every operation that returned before this call must already be placed.
        let ready = ops
            .iter()
            .zip(placed.iter())
            .all(|(other, placed)| *placed || other.ret.is_none_or(|ret| ret >= op.call));
        if !ready {
            continue;
        }
        let mut next = map.clone();
        let output = run(&mut next, &op.key, &op.input);
        if op.output.as_ref().is_some_and(|seen| *seen != output) {
            continue;
        }
        placed[candidate] = true;
        let found = extend(ops, placed, &next);
        placed[candidate] = false;
        if found {
            return true;
        }
    }
    false
}

/// 2000 cases by default; set `PROPTEST_CASES` for a longer run.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(2000)
}

/// At most this many operations (7 by default; `DIFFERENTIAL_OPS_MAX` raises it, at a
/// factorial cost in the brute force).
fn ops_max() -> usize {
    std::env::var("DIFFERENTIAL_OPS_MAX")
        .ok()
        .and_then(|ops| ops.parse().ok())
        .unwrap_or(7)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn checker_agrees_with_brute_force(specs in prop::collection::vec(spec(), 0..=ops_max())) {
        let history = build(&specs);
        let report = check_history(&history, &CheckConfig::default());
        let expected = if brute_force(&history) { Verdict::Ok } else { Verdict::Violation };
        prop_assert_eq!(report.verdict, expected, "history: {:#?}", history.ops());
        for (_, violation) in report.violations() {
            // The failing set must itself be non-linearizable (it is the proof).
            // As the proof uses them: answers cut short are unknown outcomes.
            let failing: Vec<Operation> = violation
                .failing_ops
                .iter()
                .map(|&index| {
                    let mut op = history.ops()[index].clone();
                    if violation.outcome_ignored_ops.contains(&index) {
                        op.ret = None;
                        op.output = None;
                    }
                    op
                })
                .collect();
            let failing = History::new(failing).expect("a subset of a valid history is valid");
            prop_assert!(!brute_force(&failing), "failing set is linearizable: {:?}", violation);
            if violation.any_initial_value {
                let key = &history.ops()[violation.failing_ops[0]].key;
                for initial in initial_maps(key) {
                    prop_assert!(
                        !brute_force_from(&failing, &initial),
                        "failing set is linearizable from {:?}: {:?}", initial, violation
                    );
                }
            }
        }
    }

    /// The same agreement where timed-out writes abound and most values are never read.
    #[test]
    fn checker_agrees_with_brute_force_on_unknown_heavy_histories(
        specs in prop::collection::vec(unknown_heavy_spec(), 0..=ops_max())
    ) {
        let history = build(&specs);
        let report = check_history(&history, &CheckConfig::default());
        let expected = if brute_force(&history) { Verdict::Ok } else { Verdict::Violation };
        prop_assert_eq!(report.verdict, expected, "history: {:#?}", history.ops());
    }

    /// Many timed-out writes of values nobody reads beside a sequence of completed operations
    /// that is linearizable or, with `stale`, provably not (put a, then put b, then a get that
    /// returns a). Too large for the brute force, but the verdict is known by construction,
    /// and it must come in a number of steps that grows with the operations, not with the
    /// subsets of the timed-out writes.
    #[test]
    fn many_unread_timed_out_writes_neither_hide_nor_invent_a_violation(
        unknown_calls in prop::collection::vec(0..200u64, 5..=40),
        pairs in 0..10u64,
        stale in any::<bool>(),
    ) {
        let mut ops: Vec<Operation> = unknown_calls
            .iter()
            .enumerate()
            .map(|(index, &call)| Operation {
                client: 100 + index as u64,
                call,
                ret: None,
                key: "x".to_string(),
                input: Input::Put { value: format!("u{index}") },
                output: None,
            })
            .collect();
        let mut time = 0;
        let completed = |input: Input, output: Output, time: &mut u64| {
            let op = Operation {
                client: 1,
                call: *time,
                ret: Some(*time + 5),
                key: "x".to_string(),
                input,
                output: Some(output),
            };
            *time += 10;
            op
        };
        for pair in 0..pairs {
            let value = format!("w{pair}");
            ops.push(completed(Input::Put { value: value.clone() }, Output::Put, &mut time));
            ops.push(completed(Input::Get, Output::Get { value: Some(value) }, &mut time));
        }
        ops.push(completed(Input::Put { value: "a".into() }, Output::Put, &mut time));
        ops.push(completed(Input::Put { value: "b".into() }, Output::Put, &mut time));
        let seen = if stale { "a" } else { "b" };
        ops.push(completed(Input::Get, Output::Get { value: Some(seen.into()) }, &mut time));
        let op_count = ops.len() as u64;
        let history = History::new(ops).expect("valid");
        let report = check_history(&history, &CheckConfig::default());
        let expected = if stale { Verdict::Violation } else { Verdict::Ok };
        prop_assert_eq!(report.verdict, expected);
        prop_assert!(
            report.steps <= 20 * op_count,
            "{} steps for {} operations", report.steps, op_count
        );
    }

    /// The promise behind the failing sets: a removal the shrinker calls sound never turns a
    /// linearizable history into a non-linearizable one.
    #[test]
    fn sound_removals_keep_linearizable_histories_linearizable(
        specs in prop::collection::vec(spec(), 0..=ops_max())
    ) {
        // Uncorrupted, so linearizable by construction (the assumption only double-checks).
        let specs: Vec<Spec> = specs.into_iter().map(|spec| Spec { corrupt: false, ..spec }).collect();
        let history = build(&specs);
        prop_assume!(brute_force(&history));
        for key in partition(&history).keys {
            let kept: Vec<usize> = (0..key.ops.len()).collect();
            for candidate in 0..key.ops.len() {
                if !removable(&key.ops, &kept, candidate) {
                    continue;
                }
                let dropped = key.ops[candidate].history_index;
                let rest: Vec<Operation> = history
                    .ops()
                    .iter()
                    .enumerate()
                    .filter(|(index, _)| *index != dropped)
                    .map(|(_, op)| op.clone())
                    .collect();
                let rest = History::new(rest).expect("valid");
                prop_assert!(brute_force(&rest), "dropping #{} broke {:#?}", dropped, history.ops());
            }
        }
    }
}
