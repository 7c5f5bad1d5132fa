//! The etcdctl console: a line of etcdctl syntax in, etcdctl-like output out.
//!
//! Three steps with one job each: [`parse_line`] turns text into a [`ConsoleCommand`] (or a
//! [`ParseError`] that points at the word); a [`KvExecutor`] runs its request wherever the
//! caller routes it; the output modules print the answer as etcdctl 3.4 would. [`run_line`]
//! chains the three for callers that execute synchronously ([`LocalExecutor`]); the simulator
//! can call [`parse_line`], route `action.request()` through Raft, then [`render_response`].
//!
//! The grammar is in [`parser`]; the one-line txn form in [`txn_syntax`].

pub mod command;
pub mod error;
pub mod executor;
pub mod flags;
pub mod lease_syntax;
pub mod lexer;
pub mod output_fields;
pub mod output_json;
pub mod output_simple;
pub mod parser;
pub mod txn_syntax;
pub mod usage;

pub use command::{Action, ConsoleCommand, LeaseAction, OutputFormat};
pub use error::ParseError;
pub use executor::{
    ClusterInfo, EndpointStatus, ExecError, HeaderInfo, KvExecutor, LocalExecutor, MemberInfo,
};
pub use parser::parse_line;

use crate::kv::response::{Response, ResponseBody};
use crate::kv::types::{Event, Revision};
use output_fields::FieldsHeader;
use output_json::JsonHeader;

/// What `version` prints: the etcdctl release whose behaviour the console follows (the
/// differential test compares against it), so scripts that check the version see 3.4.
pub const VERSION_TEXT: &str = "etcdctl version: 3.4.23\nAPI version: 3.4\n";

/// What a console line printed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConsoleOutput {
    /// Normal output.
    pub stdout: String,
    /// Errors (etcdctl prints them to stderr, prefixed `Error: `).
    pub stderr: String,
    /// False when the command failed (etcdctl would exit non-zero).
    pub success: bool,
}

impl ConsoleOutput {
    fn ok(stdout: String) -> Self {
        ConsoleOutput {
            stdout,
            stderr: String::new(),
            success: true,
        }
    }

    fn error(stderr: String) -> Self {
        ConsoleOutput {
            stdout: String::new(),
            stderr,
            success: false,
        }
    }
}

/// Parse and execute one line, returning what etcdctl would print.
pub fn run_line(executor: &mut dyn KvExecutor, line: &str) -> ConsoleOutput {
    match parse_line(line) {
        Err(error) => ConsoleOutput::error(error.render(line)),
        Ok(None) => ConsoleOutput::ok(String::new()),
        Ok(Some(command)) => execute(executor, &command),
    }
}

/// Execute a parsed command.
pub fn execute(executor: &mut dyn KvExecutor, command: &ConsoleCommand) -> ConsoleOutput {
    let endpoint = command.endpoint.as_deref();
    match &command.action {
        Action::Help(topic) => ConsoleOutput::ok(help_text(topic.as_deref())),
        // etcdctl prints these two lines whatever the output format.
        Action::Version => ConsoleOutput::ok(VERSION_TEXT.to_string()),
        Action::MemberList => match executor.header(endpoint) {
            Err(error) => exec_error(&error),
            Ok(info) => {
                let members = executor.members();
                let mut out = String::new();
                match command.output {
                    OutputFormat::Simple => output_simple::members(&mut out, &members),
                    OutputFormat::Json => out = output_json::members(&info, &members),
                    OutputFormat::Fields => output_fields::members(&mut out, &info, &members),
                }
                ConsoleOutput::ok(out)
            }
        },
        Action::EndpointStatus => match executor.endpoint_status(endpoint) {
            Err(error) => exec_error(&error),
            Ok(status) => {
                let mut out = String::new();
                match command.output {
                    OutputFormat::Simple => output_simple::endpoint_status(&mut out, &status),
                    OutputFormat::Json => out = output_json::endpoint_status(&status),
                    OutputFormat::Fields => output_fields::endpoint_status(&mut out, &status),
                }
                ConsoleOutput::ok(out)
            }
        },
        Action::Watch {
            key,
            range_end,
            start_revision,
            prev_kv,
        } => match executor.watch(endpoint, key, range_end, *start_revision, *prev_kv) {
            Err(error) => watch_error(&error),
            Ok((_, events, revision)) => match executor.header(endpoint) {
                Err(error) => exec_error(&error),
                Ok(info) => {
                    ConsoleOutput::ok(render_watch_events(command, &info, revision, &events))
                }
            },
        },
        action => {
            let Some(request) = action.request() else {
                return ConsoleOutput::error("Error: nothing to execute\n".to_string());
            };
            let result = executor.execute(endpoint, &request);
            match result.and_then(|response| Ok((executor.header(endpoint)?, response))) {
                Err(error) => exec_error(&error),
                Ok((info, response)) => {
                    ConsoleOutput::ok(render_response(command, &info, &response))
                }
            }
        }
    }
}

/// Print a response to a put/get/del/txn/compact/lease command.
pub fn render_response(command: &ConsoleCommand, info: &HeaderInfo, response: &Response) -> String {
    match (&response.body, &command.action) {
        // etcdctl prints this line for compaction in every output format.
        (ResponseBody::Compact, Action::Compact { revision, .. }) => {
            format!("compacted revision {revision}\n")
        }
        (ResponseBody::Compact, _) => {
            format!("compacted revision {}\n", response.header.revision)
        }
        _ => match command.output {
            OutputFormat::Simple => render_simple(command, response),
            OutputFormat::Json => render_json(info, response),
            OutputFormat::Fields => {
                render_fields(&FieldsHeader::new(info, response.header.revision), response)
            }
        },
    }
}

fn render_simple(command: &ConsoleCommand, response: &Response) -> String {
    let mut out = String::new();
    let hex = command.hex;
    match (&response.body, &command.action) {
        (ResponseBody::Put(put), _) => output_simple::put(&mut out, put, hex),
        (
            ResponseBody::Range(range),
            Action::Get {
                request,
                print_value_only,
            },
        ) => output_simple::get(&mut out, range, *print_value_only, request.count_only, hex),
        (ResponseBody::Range(range), _) => output_simple::get(&mut out, range, false, false, hex),
        (ResponseBody::DeleteRange(delete), _) => output_simple::del(&mut out, delete, hex),
        (ResponseBody::Txn(txn), _) => output_simple::txn(&mut out, txn, hex),
        (ResponseBody::LeaseRevoke, Action::Lease(command::LeaseAction::Revoke(id))) => {
            out = format!("lease {id:016x} revoked\n")
        }
        (body, action) => {
            let keys_asked = matches!(
                action,
                Action::Lease(command::LeaseAction::TimeToLive { keys: true, .. })
            );
            output_simple::lease(&mut out, body, keys_asked)
        }
    }
    out
}

fn render_json(info: &HeaderInfo, response: &Response) -> String {
    let header = JsonHeader::new(info, &response.header);
    match &response.body {
        ResponseBody::Put(put) => output_json::put(header, put),
        ResponseBody::Range(range) => output_json::get(header, range),
        ResponseBody::DeleteRange(delete) => output_json::del(header, delete),
        ResponseBody::Txn(txn) => output_json::txn(header, txn),
        body => output_json::lease(header, body),
    }
}

fn render_fields(header: &FieldsHeader, response: &Response) -> String {
    let mut out = String::new();
    match &response.body {
        ResponseBody::Put(put) => output_fields::put(&mut out, header, put),
        ResponseBody::Range(range) => output_fields::get(&mut out, header, range),
        ResponseBody::DeleteRange(delete) => output_fields::del(&mut out, header, delete),
        ResponseBody::Txn(txn) => output_fields::txn(&mut out, header, txn),
        body => output_fields::lease(&mut out, header, body),
    }
    out
}

/// Print watch events (a replay, or live events later) in the command's output format.
pub fn render_watch_events(
    command: &ConsoleCommand,
    info: &HeaderInfo,
    revision: Revision,
    events: &[Event],
) -> String {
    match command.output {
        OutputFormat::Json => {
            let header = crate::kv::response::ResponseHeader {
                revision,
                raft_index: 0,
            };
            output_json::watch(JsonHeader::new(info, &header), events)
        }
        OutputFormat::Fields => {
            let mut out = String::new();
            output_fields::events(&mut out, &FieldsHeader::new(info, revision), events);
            out
        }
        OutputFormat::Simple => {
            let mut out = String::new();
            output_simple::events(&mut out, events, command.hex);
            out
        }
    }
}

/// Print watch events in `output` without `--hex` (for callers without a parsed command).
pub fn render_events(
    output: OutputFormat,
    info: &HeaderInfo,
    revision: Revision,
    events: &[Event],
) -> String {
    let command = ConsoleCommand {
        endpoint: None,
        output,
        hex: false,
        action: Action::Help(None),
    };
    render_watch_events(&command, info, revision, events)
}

/// Print an execution error as etcdctl does (`Error: etcdserver: ...`), for callers that
/// execute asynchronously and print the answer later.
pub fn render_exec_error(error: &ExecError) -> String {
    format!("Error: {error}\n")
}

fn exec_error(error: &ExecError) -> ConsoleOutput {
    ConsoleOutput::error(render_exec_error(error))
}

/// etcdctl's two lines for a watch the server cancels (e.g. a compacted start revision).
fn watch_error(error: &ExecError) -> ConsoleOutput {
    match error {
        ExecError::Kv(_) => ConsoleOutput {
            stdout: String::new(),
            stderr: format!(
                "watch was canceled ({error})\nError: watch is canceled by the server\n"
            ),
            success: false,
        },
        other => exec_error(other),
    }
}

fn help_text(topic: Option<&str>) -> String {
    match topic.and_then(usage::of) {
        Some(line) => format!("Usage: {line}\n"),
        None => usage::OVERVIEW.to_string(),
    }
}
