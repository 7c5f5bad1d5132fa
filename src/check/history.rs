//! The history model: what each client asked, when, and what it was told.
//!
//! A history is a list of operations, each with the client that issued it, the (virtual) time
//! of its call and of its return, the key, the input and the output. Times are plain integers
//! in any unit (simulator ticks, nanoseconds); only their order matters. Intervals are closed:
//! operation `a` precedes `b` in real time only when `a.ret < b.call`, so operations that touch
//! at one instant count as concurrent (as in Porcupine).
//!
//! An operation whose `ret` is `None` has an *unknown outcome*: the client timed out or lost its
//! connection. It may have taken effect at any moment after its call, or never, and it has no
//! output. A [`History`] can only be built through [`History::new`], which checks these rules and
//! the size [`limits`], so the checker never has to defend against a malformed history.

use std::fmt;

use super::model::{Input, Output};

/// Size limits on a history. They keep a hostile or mistaken file from exhausting memory in
/// the page; real runs of the playground stay far below them.
pub mod limits {
    /// Most operations in one history.
    pub const OPS_MAX: usize = 200_000;
    /// Longest key, in bytes.
    pub const KEY_BYTES_MAX: usize = 4096;
    /// Longest value, in bytes.
    pub const VALUE_BYTES_MAX: usize = 64 * 1024;
    /// Largest JSON text accepted by the reader, in bytes.
    pub const JSON_BYTES_MAX: usize = 64 * 1024 * 1024;
}

/// A client's identifier, as the simulator numbers them.
pub type ClientId = u64;

/// A point in (virtual) time; only the order of times matters.
pub type Time = u64;

/// One operation of one client on one key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operation {
    /// The client that issued the operation (informational: the checker needs only times).
    pub client: ClientId,
    /// When the client sent the request.
    pub call: Time,
    /// When the client got the answer; `None` when it never did (unknown outcome).
    pub ret: Option<Time>,
    /// The key the operation touched.
    pub key: String,
    /// What the client asked for.
    pub input: Input,
    /// What the client was told; `None` exactly when `ret` is `None`.
    pub output: Option<Output>,
}

impl Operation {
    /// Whether the client got an answer.
    pub fn is_completed(&self) -> bool {
        self.ret.is_some()
    }
}

/// A validated history: every operation passed [`validate_operation`] and the limits hold.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct History {
    ops: Vec<Operation>,
}

impl History {
    /// Builds a history, checking each operation; the error names the first bad one.
    pub fn new(ops: Vec<Operation>) -> Result<Self, HistoryError> {
        if ops.len() > limits::OPS_MAX {
            return Err(HistoryError::TooLarge {
                what: "operations",
                limit: limits::OPS_MAX,
                actual: ops.len(),
            });
        }
        for (index, op) in ops.iter().enumerate() {
            validate_operation(op).map_err(|(field, message)| HistoryError::Field {
                op: index,
                field,
                message,
            })?;
        }
        Ok(History { ops })
    }

    /// The operations, in the order they were given. Reports refer to operations by their
    /// index in this slice.
    pub fn ops(&self) -> &[Operation] {
        &self.ops
    }

    /// Number of operations.
    pub fn len(&self) -> usize {
        self.ops.len()
    }

    /// Whether the history has no operations.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }
}

/// Checks one operation's own rules; on failure returns the offending field and why.
pub fn validate_operation(op: &Operation) -> Result<(), (&'static str, String)> {
    check_len("key", &op.key, limits::KEY_BYTES_MAX)?;
    match &op.input {
        Input::Put { value } => check_len("input.value", value, limits::VALUE_BYTES_MAX)?,
        Input::Cas { expect, value } => {
            check_len("input.value", value, limits::VALUE_BYTES_MAX)?;
            if let Some(expect) = expect {
                check_len("input.expect", expect, limits::VALUE_BYTES_MAX)?;
            }
        }
        Input::Get | Input::Delete => {}
    }
    if let Some(ret) = op.ret
        && ret < op.call
    {
        return Err((
            "return",
            format!("returns at {ret}, before its call at {}", op.call),
        ));
    }
    match (&op.ret, &op.output) {
        (Some(_), None) => Err((
            "output",
            "a returned operation needs an output (omit `return` for an unknown outcome)"
                .to_string(),
        )),
        (None, Some(_)) => Err((
            "output",
            "an operation without `return` has an unknown outcome and cannot have an output"
                .to_string(),
        )),
        (Some(_), Some(output)) if output.kind() != op.input.kind() => Err((
            "output",
            format!(
                "a {} output for a {} operation",
                output.kind().name(),
                op.input.kind().name()
            ),
        )),
        (_, Some(Output::Get { value: Some(value) })) => {
            check_len("output.value", value, limits::VALUE_BYTES_MAX)
        }
        (_, Some(Output::Delete { deleted })) if *deleted > 1 => Err((
            "output.deleted",
            format!("a single-key delete removes 0 or 1 keys, not {deleted}"),
        )),
        _ => Ok(()),
    }
}

fn check_len(field: &'static str, text: &str, max: usize) -> Result<(), (&'static str, String)> {
    if text.len() > max {
        Err((
            field,
            format!("{} bytes, more than the limit of {max}", text.len()),
        ))
    } else {
        Ok(())
    }
}

/// Why a history could not be read or built. Never a panic: every malformed input ends here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HistoryError {
    /// The text is not JSON, or not the right shape (serde's message names line and column).
    Syntax {
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// One operation breaks a rule.
    Field {
        /// Index of the operation in `ops`.
        op: usize,
        /// The field at fault, e.g. `output.value`.
        field: &'static str,
        /// What is wrong.
        message: String,
    },
    /// The input is over a size limit.
    TooLarge {
        /// What was counted.
        what: &'static str,
        /// The limit.
        limit: usize,
        /// What the input had.
        actual: usize,
    },
    /// The file declares a format version this reader does not know.
    Version {
        /// The version found.
        found: u64,
    },
}

impl fmt::Display for HistoryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HistoryError::Syntax {
                line,
                column,
                message,
            } => write!(f, "line {line} column {column}: {message}"),
            HistoryError::Field { op, field, message } => write!(f, "ops[{op}].{field}: {message}"),
            HistoryError::TooLarge {
                what,
                limit,
                actual,
            } => write!(f, "too many {what}: {actual}, the limit is {limit}"),
            HistoryError::Version { found } => write!(
                f,
                "unknown history format version {found} (this reader knows version 1)"
            ),
        }
    }
}

impl std::error::Error for HistoryError {}
