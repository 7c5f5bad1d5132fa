//! JSON import and export of histories (the format is documented in docs/history-format.md).
//!
//! Reading goes in two steps: serde parses the text into loose `Raw*` structs (so syntax and
//! type errors come with serde's line and column), then each operation is converted and checked
//! on its own (so rule errors name the operation index and the field). Nothing here panics on
//! any input; sizes are bounded by [`limits`].

use serde::{Deserialize, Deserializer, Serialize};

use super::history::{History, HistoryError, Operation, limits};
use super::model::{Input, Output};

/// The only format version this module reads and writes.
pub const FORMAT_VERSION: u64 = 1;

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawHistory {
    version: u64,
    /// Free text for people (what the history shows); ignored by the checker.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    ops: Vec<RawOp>,
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawOp {
    client: u64,
    call: u64,
    #[serde(rename = "return", default, skip_serializing_if = "Option::is_none")]
    ret: Option<u64>,
    kind: RawKind,
    key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    input: Option<RawInput>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    output: Option<RawOutput>,
}

#[derive(Clone, Copy, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
enum RawKind {
    Put,
    Get,
    Delete,
    Cas,
}

#[derive(Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    value: Option<String>,
    /// `Some(None)` is an explicit `null` ("the key must be absent"); `None` is a missing field.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    expect: Option<Option<String>>,
}

#[derive(Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawOutput {
    /// `Some(None)` is an explicit `null` (the key was absent); `None` is a missing field.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    value: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    deleted: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    succeeded: Option<bool>,
}

/// Deserializes a field that is present (possibly `null`) as `Some(..)`, so that a missing
/// field (`None`, via `default`) and an explicit `null` (`Some(None)`) stay distinct.
fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

/// Parses a history from JSON text. Errors name a line and column (for syntax and type
/// errors) or an operation index and field (for rule errors).
pub fn from_json(text: &str) -> Result<History, HistoryError> {
    if text.len() > limits::JSON_BYTES_MAX {
        return Err(HistoryError::TooLarge {
            what: "bytes of JSON",
            limit: limits::JSON_BYTES_MAX,
            actual: text.len(),
        });
    }
    let raw: RawHistory = crate::json_text::from_text(text).map_err(syntax_error)?;
    if raw.version != FORMAT_VERSION {
        return Err(HistoryError::Version { found: raw.version });
    }
    if raw.ops.len() > limits::OPS_MAX {
        return Err(HistoryError::TooLarge {
            what: "operations",
            limit: limits::OPS_MAX,
            actual: raw.ops.len(),
        });
    }
    let mut ops = Vec::with_capacity(raw.ops.len());
    for (index, raw_op) in raw.ops.into_iter().enumerate() {
        let op = convert(raw_op).map_err(|(field, message)| HistoryError::Field {
            op: index,
            field,
            message,
        })?;
        ops.push(op);
    }
    History::new(ops)
}

/// Writes a history as pretty-printed JSON that [`from_json`] reads back unchanged.
pub fn to_json(history: &History) -> String {
    write_json(history, None)
}

/// [`to_json`] with a `description` for people (where the history came from), which the
/// checker ignores.
pub fn to_json_described(history: &History, description: &str) -> String {
    write_json(history, Some(description.to_string()))
}

fn write_json(history: &History, description: Option<String>) -> String {
    let raw = RawHistory {
        version: FORMAT_VERSION,
        description,
        ops: history.ops().iter().map(to_raw).collect(),
    };
    // Serializing plain structs of strings, integers and booleans into a String cannot fail;
    // the fallback only keeps this function total.
    serde_json::to_string_pretty(&raw).unwrap_or_else(|error| format!("{{\"error\": \"{error}\"}}"))
}

fn syntax_error(error: serde_json::Error) -> HistoryError {
    let full = error.to_string();
    // serde_json appends " at line L column C"; the line and column are reported separately.
    let message = match full.rfind(" at line ") {
        Some(at) => full[..at].to_string(),
        None => full,
    };
    HistoryError::Syntax {
        line: error.line(),
        column: error.column(),
        message,
    }
}

type FieldError = (&'static str, String);

fn convert(raw: RawOp) -> Result<Operation, FieldError> {
    let input = convert_input(raw.kind, raw.input.unwrap_or_default())?;
    let output = match (raw.ret, raw.output) {
        (None, None) => None,
        (None, Some(_)) => {
            return Err((
                "output",
                "an operation without `return` has an unknown outcome and cannot have an output"
                    .to_string(),
            ));
        }
        (Some(_), output) => Some(convert_output(raw.kind, output)?),
    };
    Ok(Operation {
        client: raw.client,
        call: raw.call,
        ret: raw.ret,
        key: raw.key,
        input,
        output,
    })
}

fn convert_input(kind: RawKind, raw: RawInput) -> Result<Input, FieldError> {
    match kind {
        RawKind::Put => {
            if raw.expect.is_some() {
                return Err(("input.expect", "a put has no `expect`".to_string()));
            }
            let value = raw
                .value
                .ok_or(("input.value", "a put needs a value".to_string()))?;
            Ok(Input::Put { value })
        }
        RawKind::Get | RawKind::Delete => {
            if raw.value.is_some() || raw.expect.is_some() {
                return Err(("input", "get and delete take no input".to_string()));
            }
            Ok(if matches!(kind, RawKind::Get) {
                Input::Get
            } else {
                Input::Delete
            })
        }
        RawKind::Cas => {
            let value = raw
                .value
                .ok_or(("input.value", "a cas needs the value to set".to_string()))?;
            let expect = raw.expect.ok_or((
                "input.expect",
                "a cas needs `expect`: the value to compare with, or null for an absent key"
                    .to_string(),
            ))?;
            Ok(Input::Cas { expect, value })
        }
    }
}

fn convert_output(kind: RawKind, raw: Option<RawOutput>) -> Result<Output, FieldError> {
    let missing = |field: &'static str, what: &str| (field, format!("a returned {what}"));
    match kind {
        RawKind::Put => match raw {
            None => Ok(Output::Put),
            Some(RawOutput {
                value: None,
                deleted: None,
                succeeded: None,
            }) => Ok(Output::Put),
            Some(_) => Err(("output", "a put's output must be empty".to_string())),
        },
        RawKind::Get => {
            let raw = raw.ok_or_else(|| missing("output", "get needs an output"))?;
            if raw.deleted.is_some() || raw.succeeded.is_some() {
                return Err(("output", "a get's output has only `value`".to_string()));
            }
            let value = raw.value.ok_or_else(|| {
                missing(
                    "output.value",
                    "get needs `value` (null when the key was absent)",
                )
            })?;
            Ok(Output::Get { value })
        }
        RawKind::Delete => {
            let raw = raw.ok_or_else(|| missing("output", "delete needs an output"))?;
            if raw.value.is_some() || raw.succeeded.is_some() {
                return Err(("output", "a delete's output has only `deleted`".to_string()));
            }
            let deleted = raw
                .deleted
                .ok_or_else(|| missing("output.deleted", "delete needs `deleted`"))?;
            Ok(Output::Delete { deleted })
        }
        RawKind::Cas => {
            let raw = raw.ok_or_else(|| missing("output", "cas needs an output"))?;
            if raw.value.is_some() || raw.deleted.is_some() {
                return Err(("output", "a cas's output has only `succeeded`".to_string()));
            }
            let succeeded = raw
                .succeeded
                .ok_or_else(|| missing("output.succeeded", "cas needs `succeeded`"))?;
            Ok(Output::Cas { succeeded })
        }
    }
}

fn to_raw(op: &Operation) -> RawOp {
    let (kind, input) = match &op.input {
        Input::Put { value } => (
            RawKind::Put,
            Some(RawInput {
                value: Some(value.clone()),
                expect: None,
            }),
        ),
        Input::Get => (RawKind::Get, None),
        Input::Delete => (RawKind::Delete, None),
        Input::Cas { expect, value } => (
            RawKind::Cas,
            Some(RawInput {
                value: Some(value.clone()),
                expect: Some(expect.clone()),
            }),
        ),
    };
    let output = op.output.as_ref().and_then(|output| match output {
        Output::Put => None,
        Output::Get { value } => Some(RawOutput {
            value: Some(value.clone()),
            ..RawOutput::default()
        }),
        Output::Delete { deleted } => Some(RawOutput {
            deleted: Some(*deleted),
            ..RawOutput::default()
        }),
        Output::Cas { succeeded } => Some(RawOutput {
            succeeded: Some(*succeeded),
            ..RawOutput::default()
        }),
    });
    RawOp {
        client: op.client,
        call: op.call,
        ret: op.ret,
        kind,
        key: op.key.clone(),
        input,
        output,
    }
}
