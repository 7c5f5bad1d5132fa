//! The sequential specification the checker compares histories against: one register per key.
//!
//! This is deliberately tiny and independent of `src/kv`: the checker judges what clients saw
//! against what a single, atomic key-value map *would* have answered, so it must not share code
//! (or bugs) with the store under test. Every key starts absent.
//!
//! The model is generic over the value type so that the same transition function serves both
//! the readable form (`String`) and the checker's interned form (`u32` value ids), which keeps
//! the search's state small and cheap to hash.

/// What a client asked for, for one key.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Input<V = String> {
    /// Set the key to `value` (etcd `put`).
    Put {
        /// The value written.
        value: V,
    },
    /// Read the key (etcd `get` of a single key).
    Get,
    /// Remove the key (etcd `del` of a single key).
    Delete,
    /// Compare-and-swap on the value: if the current value equals `expect` (`None`: the key is
    /// absent), set it to `value`. This is etcd's one-compare `txn` on `value` (or on
    /// `version = 0` for `expect: None`) with a single `put` in its `then` branch.
    Cas {
        /// The value the key must hold for the swap to happen; `None` means "absent".
        expect: Option<V>,
        /// The value written when the compare succeeds.
        value: V,
    },
}

/// What the client was told. Only operations that returned have an output; an operation with
/// an unknown outcome (timed out, connection lost) has none and its output is unconstrained.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Output<V = String> {
    /// A put was acknowledged (etcd returns only a header, so there is nothing to compare).
    Put,
    /// The value read; `None` when the key was absent.
    Get {
        /// The value the client saw.
        value: Option<V>,
    },
    /// How many keys a delete removed: 0 or 1 for a single key.
    Delete {
        /// etcd's `deleted` count.
        deleted: u64,
    },
    /// Whether a compare-and-swap took its `then` branch.
    Cas {
        /// etcd's `succeeded` flag.
        succeeded: bool,
    },
}

/// The kind of an operation, shared by [`Input`] and [`Output`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// [`Input::Put`].
    Put,
    /// [`Input::Get`].
    Get,
    /// [`Input::Delete`].
    Delete,
    /// [`Input::Cas`].
    Cas,
}

impl Kind {
    /// The lowercase name used in the JSON format and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Put => "put",
            Kind::Get => "get",
            Kind::Delete => "delete",
            Kind::Cas => "cas",
        }
    }
}

impl<V> Input<V> {
    /// The kind of this input.
    pub fn kind(&self) -> Kind {
        match self {
            Input::Put { .. } => Kind::Put,
            Input::Get => Kind::Get,
            Input::Delete => Kind::Delete,
            Input::Cas { .. } => Kind::Cas,
        }
    }
}

impl<V> Output<V> {
    /// The kind of this output.
    pub fn kind(&self) -> Kind {
        match self {
            Output::Put => Kind::Put,
            Output::Get { .. } => Kind::Get,
            Output::Delete { .. } => Kind::Delete,
            Output::Cas { .. } => Kind::Cas,
        }
    }
}

/// Applies `input` to a key holding `state` and returns the key's next state, or `None` when
/// the observed `output` is impossible from `state` (the operation cannot be linearized here).
///
/// `output: None` means the outcome is unknown: any answer is acceptable, and the operation
/// still changes the state exactly as the input says (it either took effect here or, if the
/// search never places it, not at all).
pub fn step<V: Clone + PartialEq>(
    state: &Option<V>,
    input: &Input<V>,
    output: Option<&Output<V>>,
) -> Option<Option<V>> {
    match input {
        Input::Put { value } => match output {
            None | Some(Output::Put) => Some(Some(value.clone())),
            Some(_) => None,
        },
        Input::Get => match output {
            None => Some(state.clone()),
            Some(Output::Get { value }) if value == state => Some(state.clone()),
            Some(_) => None,
        },
        Input::Delete => match output {
            None => Some(None),
            Some(Output::Delete { deleted }) if *deleted == u64::from(state.is_some()) => {
                Some(None)
            }
            Some(_) => None,
        },
        Input::Cas { expect, value } => {
            let matches = expect == state;
            let next = if matches {
                Some(value.clone())
            } else {
                state.clone()
            };
            match output {
                None => Some(next),
                Some(Output::Cas { succeeded }) if *succeeded == matches => Some(next),
                Some(_) => None,
            }
        }
    }
}

/// What `input` answers from `state`, with the state it leaves: the model run forwards. Used by
/// the history generator and by tests to produce outputs a correct store would give.
pub fn apply<V: Clone + PartialEq>(state: &Option<V>, input: &Input<V>) -> (Output<V>, Option<V>) {
    match input {
        Input::Put { value } => (Output::Put, Some(value.clone())),
        Input::Get => (
            Output::Get {
                value: state.clone(),
            },
            state.clone(),
        ),
        Input::Delete => (
            Output::Delete {
                deleted: u64::from(state.is_some()),
            },
            None,
        ),
        Input::Cas { expect, value } => {
            if expect == state {
                (Output::Cas { succeeded: true }, Some(value.clone()))
            } else {
                (Output::Cas { succeeded: false }, state.clone())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> Option<String> {
        Some(text.to_string())
    }

    #[test]
    fn step_agrees_with_apply_for_every_input() {
        let inputs = [
            Input::Put { value: "a".into() },
            Input::Get,
            Input::Delete,
            Input::Cas {
                expect: s("a"),
                value: "b".into(),
            },
            Input::Cas {
                expect: None,
                value: "c".into(),
            },
        ];
        for state in [None, s("a"), s("b")] {
            for input in &inputs {
                let (output, next) = apply(&state, input);
                assert_eq!(step(&state, input, Some(&output)), Some(next.clone()));
                assert_eq!(step(&state, input, None), Some(next));
            }
        }
    }

    #[test]
    fn impossible_outputs_are_rejected() {
        let get: Input = Input::Get;
        let stale = Output::Get { value: s("old") };
        assert_eq!(step(&s("new"), &get, Some(&stale)), None);
        let delete: Input = Input::Delete;
        assert_eq!(
            step(&None, &delete, Some(&Output::Delete { deleted: 1 })),
            None
        );
        let cas = Input::Cas {
            expect: s("a"),
            value: "b".into(),
        };
        assert_eq!(
            step(&s("x"), &cas, Some(&Output::Cas { succeeded: true })),
            None
        );
        assert_eq!(step(&None, &get, Some(&Output::Put)), None);
    }
}
