//! Recording a history as a run unfolds: the simulator's side of the checker.
//!
//! A client calls [`Recorder::invoke`] when it sends a request and [`Recorder::complete`] when
//! the answer arrives; whatever is still open when the run ends becomes an operation with an
//! unknown outcome, which is exactly what a timed-out or lost request is.

use super::history::{ClientId, History, HistoryError, Operation, Time};
use super::model::{Input, Output};

/// Identifies an invoked operation until it completes (its index in the history).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OpId(pub usize);

/// Builds a [`History`] from calls and returns as they happen.
#[derive(Clone, Debug, Default)]
pub struct Recorder {
    ops: Vec<Operation>,
}

impl Recorder {
    /// An empty recorder.
    pub fn new() -> Recorder {
        Recorder::default()
    }

    /// Records that `client` sent a request at `time`.
    pub fn invoke(&mut self, client: ClientId, time: Time, key: &str, input: Input) -> OpId {
        self.ops.push(Operation {
            client,
            call: time,
            ret: None,
            key: key.to_string(),
            input,
            output: None,
        });
        OpId(self.ops.len() - 1)
    }

    /// Records the answer to `id`, received at `time`. Errors name a misuse (an unknown or
    /// already completed id, a return before the call, an output of the wrong kind) rather
    /// than panicking, since the simulator's clients are code under development too.
    pub fn complete(&mut self, id: OpId, time: Time, output: Output) -> Result<(), HistoryError> {
        let field_error = |field, message: String| HistoryError::Field {
            op: id.0,
            field,
            message,
        };
        let op = self
            .ops
            .get_mut(id.0)
            .ok_or_else(|| field_error("return", "no such operation was invoked".to_string()))?;
        if op.ret.is_some() {
            return Err(field_error(
                "return",
                "the operation already completed".to_string(),
            ));
        }
        if output.kind() != op.input.kind() {
            return Err(field_error(
                "output",
                format!(
                    "a {} output for a {} operation",
                    output.kind().name(),
                    op.input.kind().name()
                ),
            ));
        }
        if time < op.call {
            return Err(field_error(
                "return",
                format!("returns at {time}, before its call at {}", op.call),
            ));
        }
        op.ret = Some(time);
        op.output = Some(output);
        Ok(())
    }

    /// Number of operations invoked so far.
    pub fn len(&self) -> usize {
        self.ops.len()
    }

    /// Whether nothing was invoked yet.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// The history so far; operations still open have an unknown outcome. Fails only on the
    /// history limits (too many operations, a key or value too long).
    pub fn history(&self) -> Result<History, HistoryError> {
        History::new(self.ops.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_operations_become_unknown_outcomes() {
        let mut recorder = Recorder::new();
        let put = recorder.invoke(1, 0, "x", Input::Put { value: "1".into() });
        let lost = recorder.invoke(2, 1, "x", Input::Delete);
        recorder
            .complete(put, 5, Output::Put)
            .expect("valid completion");
        let history = recorder.history().expect("valid history");
        assert_eq!(history.ops()[put.0].ret, Some(5));
        assert_eq!(history.ops()[lost.0].ret, None);
        assert_eq!(history.ops()[lost.0].output, None);
    }

    #[test]
    fn misuse_is_an_error_not_a_panic() {
        let mut recorder = Recorder::new();
        let get = recorder.invoke(1, 10, "x", Input::Get);
        assert!(recorder.complete(OpId(7), 11, Output::Put).is_err());
        assert!(recorder.complete(get, 11, Output::Put).is_err());
        assert!(
            recorder
                .complete(get, 9, Output::Get { value: None })
                .is_err()
        );
        assert!(
            recorder
                .complete(get, 11, Output::Get { value: None })
                .is_ok()
        );
        assert!(
            recorder
                .complete(get, 12, Output::Get { value: None })
                .is_err()
        );
    }
}
