//! Values nobody observes are one value: collapsing them before the search.
//!
//! # Why
//!
//! A timed-out write may take effect at any moment after its call, or never. With many of them
//! on one key, each writing its own value, the search meets every subset of them in every
//! order as a different register state, and its work doubles with each one (13 timed-out
//! writes were enough to spend the whole budget on a history that three completed operations
//! prove wrong). Yet most of those values are never read by anyone: the client that wrote
//! `u7` timed out, and no read ever returned `u7`. Nothing in the history can tell such a
//! value from any other value nobody reads.
//!
//! # What
//!
//! A value is *observed* on a key when some operation compares the register with it: a get
//! that returned it, or a cas that expects it (whatever its outcome, known or not). Every other
//! value, written by a put or by a cas but never compared against, is replaced by one stand-in,
//! [`UNOBSERVED`], in the inputs and in the initial state. The register's absence is not a
//! value and is kept as it is.
//!
//! # Why this keeps every verdict
//!
//! Let `f` map a state to itself when it is absent or an observed value, and to
//! `Some(UNOBSERVED)` otherwise, and map an operation by applying `f` to the values it writes.
//! For every state `s`, operation `op` and output `out` (known or not),
//! `model::step(s, op, out) = Some(t)` exactly when `model::step(f(s), f(op), out) = Some(f(t))`:
//!
//! - put `v`: always accepted (its output carries nothing), and the next state is `v`, which
//!   `f` maps to the mapped op's value.
//! - get answering `o`: `o` is absent or an observed value. If `s` is too, `f(s) = s`. If not,
//!   `s != o`, and `f(s)` is the stand-in, which is no interned value, so `f(s) != o` as well.
//!   Either way `o == s` exactly when `o == f(s)`, and the state is unchanged.
//! - delete: whether the key is present is the same in `s` and `f(s)`, so `deleted` checks
//!   alike and both end absent.
//! - cas expecting `e`: `e` is absent or observed, so the compare `e == s` goes as `e == f(s)`,
//!   with the same argument as for a get; the outcome check and the next state follow.
//!
//! So a sequence of operations is a legal run of the model from `s` exactly when its image is
//! one from `f(s)`, and the times (which decide which sequences a linearization may use) are
//! untouched: a history is linearizable exactly when its image is. The collapse is an exact
//! abstraction, not a heuristic, and it holds for every operation the model has: put, get,
//! delete and single-compare cas. It would NOT hold for a model that exposes more than the
//! value: if the checker ever compares revisions or versions (etcd's `mod_revision`,
//! `version`), reads ranges, or tracks leases, a write of an unread value changes something a
//! later operation can see, and the observed set must grow to cover it.
//!
//! Collapsing alone does not end the doubling: it makes the timed-out writes identical, and the
//! search then tries only one of several identical candidates (see `linearize`'s twins), which
//! does. The search reports states of the collapsed history; [`Collapsed::concrete_states`]
//! replays a linearization on the original operations to show the values people wrote.

use super::model::{self, Input, Output};
use super::partition::KeyOp;

/// The one value that stands for every value no operation on the key compares against. No
/// history interns this id (ids count values, which are far fewer than `u32::MAX`), and the
/// shrinker's "any value the failing set never mentions" is the same class, so it shares it.
pub const UNOBSERVED: u32 = u32::MAX;

/// A key's operations with their unobserved values collapsed.
pub struct Collapsed {
    /// The operations, in the same order, with unobserved written values replaced.
    pub ops: Vec<KeyOp>,
    /// The initial state, mapped the same way.
    pub initial: Option<u32>,
}

/// Collapses the unobserved values of `ops` (one key's operations) and of `initial`.
pub fn collapse(ops: &[KeyOp], initial: Option<u32>) -> Collapsed {
    let mut observed: Vec<u32> = Vec::new();
    for op in ops {
        if let Some(Output::Get { value: Some(value) }) = &op.output {
            observed.push(*value);
        }
        if let Input::Cas {
            expect: Some(value),
            ..
        } = &op.input
        {
            observed.push(*value);
        }
    }
    observed.sort_unstable();
    observed.dedup();
    let map = |value: u32| {
        if observed.binary_search(&value).is_ok() {
            value
        } else {
            UNOBSERVED
        }
    };
    let ops = ops
        .iter()
        .map(|op| {
            let input = match &op.input {
                Input::Put { value } => Input::Put { value: map(*value) },
                Input::Cas { expect, value } => Input::Cas {
                    expect: *expect,
                    value: map(*value),
                },
                Input::Get => Input::Get,
                Input::Delete => Input::Delete,
            };
            KeyOp {
                input,
                ..op.clone()
            }
        })
        .collect();
    Collapsed {
        ops,
        initial: initial.map(map),
    }
}

/// The states after each operation of `sequence` (indices into `ops`, the original operations),
/// replayed from the original `initial` state. The collapse maps every legal run to a legal
/// run and back, so a linearization the search found on the collapsed operations replays; should
/// an operation not fit all the same (a bug), the `fallback` state the search reported is kept.
pub fn concrete_states(
    ops: &[KeyOp],
    initial: Option<u32>,
    sequence: &[(usize, Option<u32>)],
) -> Vec<(usize, Option<u32>)> {
    let mut state = initial;
    sequence
        .iter()
        .map(|&(index, fallback)| {
            let op = &ops[index];
            let next = model::step(&state, &op.input, op.output.as_ref());
            debug_assert!(
                next.is_some(),
                "op {index} replays on the collapsed history but not on the original"
            );
            state = next.unwrap_or(fallback);
            (index, state)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(input: Input<u32>, output: Option<Output<u32>>) -> KeyOp {
        KeyOp {
            history_index: 0,
            call: 0,
            ret: output.as_ref().map(|_| 1),
            input,
            output,
        }
    }

    #[test]
    fn only_values_nobody_compares_against_collapse() {
        let ops = [
            op(Input::Put { value: 1 }, Some(Output::Put)),
            op(Input::Put { value: 2 }, None),
            op(
                Input::Cas {
                    expect: Some(3),
                    value: 4,
                },
                None,
            ),
            op(Input::Get, Some(Output::Get { value: Some(1) })),
            op(Input::Put { value: 3 }, None),
        ];
        let collapsed = collapse(&ops, Some(2));
        let inputs: Vec<Input<u32>> = collapsed.ops.iter().map(|op| op.input.clone()).collect();
        assert_eq!(
            inputs,
            [
                Input::Put { value: 1 },
                Input::Put { value: UNOBSERVED },
                Input::Cas {
                    expect: Some(3),
                    value: UNOBSERVED
                },
                Input::Get,
                Input::Put { value: 3 },
            ]
        );
        assert_eq!(collapsed.initial, Some(UNOBSERVED));
        assert_eq!(collapse(&ops, Some(3)).initial, Some(3));
        assert_eq!(collapse(&ops, None).initial, None);
    }

    /// The bisimulation the module's proof rests on, checked on every small case.
    #[test]
    fn the_model_cannot_tell_a_collapsed_run_from_the_original() {
        let values = [None, Some(0), Some(1), Some(2)];
        let mut inputs: Vec<Input<u32>> = vec![Input::Get, Input::Delete];
        for &value in &[0, 1, 2] {
            inputs.push(Input::Put { value });
            for &expect in &values {
                inputs.push(Input::Cas { expect, value });
            }
        }
        let mut outputs: Vec<Option<Output<u32>>> = vec![None, Some(Output::Put)];
        for &value in &values {
            outputs.push(Some(Output::Get { value }));
        }
        for deleted in 0..2 {
            outputs.push(Some(Output::Delete { deleted }));
        }
        for succeeded in [false, true] {
            outputs.push(Some(Output::Cas { succeeded }));
        }
        for input in &inputs {
            for output in &outputs {
                let ops = [op(input.clone(), output.clone())];
                // Whatever is observed by this one operation, plus value 0 as if another
                // operation read it.
                let reader = op(Input::Get, Some(Output::Get { value: Some(0) }));
                let with_reader = [ops[0].clone(), reader];
                for state in values {
                    let collapsed = collapse(&with_reader, state);
                    let original = model::step(&state, input, output.as_ref());
                    let image =
                        model::step(&collapsed.initial, &collapsed.ops[0].input, output.as_ref());
                    let mapped = original.map(|next| collapse(&with_reader, next).initial);
                    assert_eq!(image, mapped, "{input:?} {output:?} from {state:?}");
                }
            }
        }
    }
}
