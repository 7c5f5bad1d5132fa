//! The console grammar: etcdctl's command line, one command per line.
//!
//! ```text
//! line     := [ "ETCDCTL_API=3" ] [ "etcdctl" ] command { global-flag }
//! global   := --endpoints=URL|NAME | -w simple|json|fields | --write-out=... | --hex
//! command  := put KEY VALUE [--prev-kv] [--lease=HEX-ID] [--ignore-lease]
//!           | put KEY --ignore-value [--prev-kv] [--lease=HEX-ID] [--ignore-lease]
//!           | get KEY [RANGE_END] [--prefix|--from-key] [--rev=N] [--limit=N] [--keys-only]
//!                 [--count-only] [--print-value-only] [--consistency=l|s]
//!                 [--sort-by=KEY|CREATE|MODIFY|VALUE|VERSION] [--order=ASCEND|DESCEND]
//!           | del KEY [RANGE_END] [--prefix|--from-key] [--prev-kv]
//!           | txn 'COMPARES' 'THEN-OPS' ['ELSE-OPS']      (see `txn_syntax`)
//!           | watch KEY [RANGE_END] [--prefix] [--rev=N] [--prev-kv]
//!           | compaction REV [--physical]   (also `compact`)
//!           | lease grant TTL | lease revoke ID | lease keep-alive [--once] ID
//!           | lease timetolive ID [--keys] | lease list
//!           | member list | endpoint status | version | help [COMMAND]
//! ```

use super::command::{Action, ConsoleCommand, OutputFormat};
use super::error::ParseError;
use super::flags::{SortedWords, sort_words};
use super::lexer::{Word, split_words};
use super::txn_syntax::parse_txn;
use super::usage;
use crate::kv::REQUEST_BYTES_MAX;
use crate::kv::request::{
    DeleteRangeRequest, PutRequest, RangeRequest, SortOrder, SortTarget, prefix_range_end,
};

/// Longest line accepted: the largest put plus room for the command and flags.
pub const LINE_BYTES_MAX: usize = REQUEST_BYTES_MAX + 4096;

/// Parse one console line. `Ok(None)` for a blank line.
pub fn parse_line(line: &str) -> Result<Option<ConsoleCommand>, ParseError> {
    if line.len() > LINE_BYTES_MAX {
        return Err(ParseError::at(
            format!(
                "the line is {} bytes; raftlab accepts at most {LINE_BYTES_MAX} bytes per line and {REQUEST_BYTES_MAX} bytes of key plus value (etcd allows 1.5 MiB)",
                line.len()
            ),
            0,
            1,
        ));
    }
    let words = split_words(line)?;
    let words = strip_prefix(&words)?;
    if words.is_empty() {
        return Ok(None);
    }
    let guessed_usage = words
        .iter()
        .find(|word| word.quoted || !word.text.starts_with('-'))
        .and_then(|word| usage::of(&word.text));
    let mut sorted = sort_words(words).map_err(|error| match guessed_usage {
        Some(usage_line) => error.with_usage(usage_line),
        None => error,
    })?;
    let endpoint = sorted.take("endpoints").map(|flag| flag.value);
    let hex = sorted.take_bool("hex");
    let output = match sorted.take("write-out") {
        None => OutputFormat::Simple,
        Some(flag) => match flag.value.as_str() {
            "simple" => OutputFormat::Simple,
            "json" => OutputFormat::Json,
            "fields" => OutputFormat::Fields,
            other => {
                return Err(ParseError::at(
                    format!(
                        "unsupported output format \"{other}\": raftlab prints simple, json or fields"
                    ),
                    flag.column,
                    flag.width,
                ));
            }
        },
    };
    let Some(command_word) = sorted.positionals.first().cloned() else {
        return Err(ParseError::at(
            "no command given (try `help`)",
            line.chars().count(),
            1,
        ));
    };
    sorted.positionals.remove(0);
    let usage_line = usage::of(&command_word.text);
    let action = parse_action(&command_word, sorted).map_err(|error| match usage_line {
        Some(usage_line) => error.with_usage(usage_line),
        None => error,
    })?;
    if output != OutputFormat::Simple
        && matches!(
            action,
            Action::Get {
                print_value_only: true,
                ..
            }
        )
    {
        let flag = words
            .iter()
            .find(|word| word.text.starts_with("--print-value-only"));
        let (column, width) = flag.map_or((0, 1), |word| (word.column, word.width));
        return Err(ParseError::at(
            "print-value-only is only for `--write-out=simple`",
            column,
            width,
        )
        .with_usage(usage::GET));
    }
    Ok(Some(ConsoleCommand {
        endpoint,
        output,
        hex,
        action,
    }))
}

/// Skip `ETCDCTL_API=3` and `etcdctl` at the start of the line.
fn strip_prefix(words: &[Word]) -> Result<&[Word], ParseError> {
    let mut rest = words;
    let api_version = rest
        .first()
        .and_then(|first| Some((first, first.text.strip_prefix("ETCDCTL_API=")?)));
    if let Some((first, version)) = api_version {
        if version != "3" {
            return Err(ParseError::at(
                format!(
                    "ETCDCTL_API={version}: raftlab speaks etcd's v3 API only (use ETCDCTL_API=3 or leave it out)"
                ),
                first.column,
                first.width,
            ));
        }
        rest = &rest[1..];
    }
    if rest.first().is_some_and(|word| word.text == "etcdctl") {
        rest = &rest[1..];
    }
    Ok(rest)
}

/// Dispatch on the command word.
fn parse_action(command: &Word, mut sorted: SortedWords) -> Result<Action, ParseError> {
    if sorted.take_bool("help") {
        return Ok(Action::Help(Some(command.text.clone())));
    }
    match command.text.as_str() {
        "put" => parse_put(command, sorted).map(Action::Put),
        "get" => parse_get(command, sorted),
        "del" | "delete" => parse_del(command, sorted).map(Action::Del),
        "txn" => {
            sorted.reject_rest()?;
            parse_txn(command, &sorted.positionals).map(Action::Txn)
        }
        "watch" => parse_watch(command, sorted),
        "compaction" | "compact" => parse_compact(command, sorted),
        "version" => {
            sorted.reject_rest()?;
            match sorted.positionals.first() {
                None => Ok(Action::Version),
                Some(extra) => Err(too_many(extra)),
            }
        }
        "member" => parse_subcommand(command, sorted, "list", Action::MemberList),
        "endpoint" => parse_subcommand(command, sorted, "status", Action::EndpointStatus),
        "lease" => super::lease_syntax::parse_lease(command, sorted),
        "help" => {
            sorted.reject_rest()?;
            match sorted.positionals.as_slice() {
                [] => Ok(Action::Help(None)),
                [topic] => Ok(Action::Help(Some(topic.text.clone()))),
                [_, extra, ..] => Err(too_many(extra)),
            }
        }
        other => Err(ParseError::at(
            format!(
                "unknown command \"{other}\" (commands: put get del txn watch compaction lease member endpoint version help)"
            ),
            command.column,
            command.width,
        )),
    }
}

/// `put KEY VALUE [--prev-kv] [--lease=ID] [--ignore-lease]` or
/// `put KEY --ignore-value [...]` (also used inside txn). Argument counts are checked as
/// etcdctl checks them; `--ignore-lease` with a lease and a missing key are the server's errors.
pub fn parse_put(command: &Word, mut sorted: SortedWords) -> Result<PutRequest, ParseError> {
    let prev_kv = sorted.take_bool("prev-kv");
    let ignore_value = sorted.take_bool("ignore-value");
    let ignore_lease = sorted.take_bool("ignore-lease");
    let lease = match sorted.take("lease") {
        None => 0,
        Some(flag) => parse_put_lease(&flag.value).ok_or_else(|| {
            ParseError::at(
                format!(
                    "bad lease ID \"{}\": expected a hexadecimal ID as `lease grant` prints it (0 = no lease)",
                    flag.value
                ),
                flag.column,
                flag.width,
            )
        })?,
    };
    sorted.reject_rest()?;
    let (key, value) = match (sorted.positionals.as_slice(), ignore_value) {
        ([key], true) => (key, None),
        ([_, value, ..], true) => {
            return Err(ParseError::at(
                "put command needs only 1 argument when 'ignore-value' is set",
                value.column,
                value.width,
            ));
        }
        ([key, value], false) => (key, Some(value)),
        ([_, _, extra, ..], false) => return Err(too_many(extra)),
        _ => {
            return Err(missing(
                command,
                "put command needs 2 arguments: <key> <value> (or 1 with --ignore-value)",
            ));
        }
    };
    let value_text = value.map_or("", |value| value.text.as_str());
    let size = key.text.len() + value_text.len();
    if size > REQUEST_BYTES_MAX {
        let blamed = value.unwrap_or(key);
        return Err(ParseError::at(
            format!(
                "key plus value is {size} bytes; raftlab accepts at most {REQUEST_BYTES_MAX} (64 KiB; etcd allows 1.5 MiB)"
            ),
            blamed.column,
            blamed.width,
        ));
    }
    if key.text.is_empty() {
        return Err(ParseError::at(
            "key is not provided (empty key)",
            key.column,
            key.width,
        ));
    }
    Ok(PutRequest {
        key: key.text.clone().into_bytes(),
        value: value_text.as_bytes().to_vec(),
        prev_kv,
        lease,
        ignore_value,
        ignore_lease,
    })
}

/// A put's `--lease`: hexadecimal like every lease id, and `0` means no lease (etcdctl parses
/// it the same way, and 0 is etcd's "no lease").
fn parse_put_lease(text: &str) -> Option<i64> {
    if i64::from_str_radix(text, 16) == Ok(0) {
        return Some(0);
    }
    parse_lease_id(text)
}

/// `get KEY [RANGE_END] [flags]` (also used inside txn).
pub fn parse_get(command: &Word, mut sorted: SortedWords) -> Result<Action, ParseError> {
    let (key, range_end) = key_range(command, &mut sorted, "get")?;
    let revision = sorted.take_i64("rev")?.unwrap_or(0);
    let limit = sorted.take_i64("limit")?.unwrap_or(0);
    let keys_only = sorted.take_bool("keys-only");
    let count_only = sorted.take_bool("count-only");
    let print_value_only = sorted.take_bool("print-value-only");
    let serializable = match sorted.take("consistency") {
        None => false,
        Some(flag) => match flag.value.as_str() {
            "l" => false,
            "s" => true,
            other => {
                return Err(ParseError::at(
                    format!("unknown consistency flag {other:?}"),
                    flag.column,
                    flag.width,
                ));
            }
        },
    };
    let sort_target = match sorted.take("sort-by") {
        None => SortTarget::Key,
        Some(flag) => match flag.value.to_ascii_uppercase().as_str() {
            "KEY" => SortTarget::Key,
            "CREATE" => SortTarget::Create,
            "MODIFY" => SortTarget::Mod,
            "VALUE" => SortTarget::Value,
            "VERSION" => SortTarget::Version,
            _ => {
                return Err(ParseError::at(
                    format!("bad sort target {:?}", flag.value),
                    flag.column,
                    flag.width,
                ));
            }
        },
    };
    let sort_order = match sorted.take("order") {
        None => SortOrder::None,
        Some(flag) => match flag.value.to_ascii_uppercase().as_str() {
            "ASCEND" => SortOrder::Ascend,
            "DESCEND" => SortOrder::Descend,
            _ => {
                return Err(ParseError::at(
                    format!("bad sort order {:?}", flag.value),
                    flag.column,
                    flag.width,
                ));
            }
        },
    };
    sorted.reject_rest()?;
    let request = RangeRequest {
        key,
        range_end,
        limit,
        revision,
        sort_order,
        sort_target,
        keys_only,
        count_only,
        serializable,
    };
    Ok(Action::Get {
        request,
        print_value_only,
    })
}

/// `del KEY [RANGE_END] [--prefix|--from-key] [--prev-kv]` (also used inside txn).
pub fn parse_del(
    command: &Word,
    mut sorted: SortedWords,
) -> Result<DeleteRangeRequest, ParseError> {
    let (key, range_end) = key_range(command, &mut sorted, "del")?;
    let prev_kv = sorted.take_bool("prev-kv");
    sorted.reject_rest()?;
    Ok(DeleteRangeRequest {
        key,
        range_end,
        prev_kv,
    })
}

fn parse_watch(command: &Word, mut sorted: SortedWords) -> Result<Action, ParseError> {
    let (key, range_end) = key_range(command, &mut sorted, "watch")?;
    let start_revision = sorted.take_i64("rev")?.unwrap_or(0);
    let prev_kv = sorted.take_bool("prev-kv");
    sorted.reject_rest()?;
    Ok(Action::Watch {
        key,
        range_end,
        start_revision,
        prev_kv,
    })
}

fn parse_compact(command: &Word, mut sorted: SortedWords) -> Result<Action, ParseError> {
    let physical = sorted.take_bool("physical");
    sorted.reject_rest()?;
    match sorted.positionals.as_slice() {
        [revision] => match revision.text.parse::<i64>() {
            Ok(number) if number > 0 => Ok(Action::Compact {
                revision: number,
                physical,
            }),
            _ => Err(ParseError::at(
                format!(
                    "bad revision \"{}\": compact needs a positive integer",
                    revision.text
                ),
                revision.column,
                revision.width,
            )),
        },
        [_, extra, ..] => Err(too_many(extra)),
        [] => Err(missing(
            command,
            "compact command needs 1 argument: <revision>",
        )),
    }
}

fn parse_subcommand(
    command: &Word,
    sorted: SortedWords,
    expected: &str,
    action: Action,
) -> Result<Action, ParseError> {
    sorted.reject_rest()?;
    match sorted.positionals.as_slice() {
        [sub] if sub.text == expected => Ok(action),
        [sub, ..] if sub.text != expected => Err(ParseError::at(
            format!(
                "unknown subcommand \"{}\" for \"{}\" (raftlab has `{} {expected}`)",
                sub.text, command.text, command.text
            ),
            sub.column,
            sub.width,
        )),
        [_, extra, ..] => Err(too_many(extra)),
        _ => Err(missing(
            command,
            &format!("{} needs a subcommand: {expected}", command.text),
        )),
    }
}

/// The key and range end from positionals and --prefix / --from-key, like etcdctl: with either
/// flag only one argument is allowed, and an empty key means "from the first key".
fn key_range(
    command: &Word,
    sorted: &mut SortedWords,
    name: &str,
) -> Result<(Vec<u8>, Vec<u8>), ParseError> {
    let prefix = sorted.take_bool("prefix");
    let from_key = if name == "watch" {
        false
    } else {
        sorted.take_bool("from-key")
    };
    if prefix && from_key {
        return Err(missing(
            command,
            "`--prefix` and `--from-key` cannot be set at the same time, choose one",
        ));
    }
    let (key, range_end) = match sorted.positionals.as_slice() {
        [] => {
            return Err(missing(
                command,
                &format!("{name} command needs 1 argument: <key>"),
            ));
        }
        [key] => (key.text.clone().into_bytes(), Vec::new()),
        [_, end] if prefix || from_key => {
            return Err(ParseError::at(
                "too many arguments, only accept one argument when `--prefix` or `--from-key` is set",
                end.column,
                end.width,
            ));
        }
        [key, end] => (key.text.clone().into_bytes(), end.text.clone().into_bytes()),
        [_, _, extra, ..] => return Err(too_many(extra)),
    };
    if prefix {
        if key.is_empty() {
            return Ok((vec![0], vec![0]));
        }
        let end = prefix_range_end(&key);
        return Ok((key, end));
    }
    if from_key {
        return Ok((if key.is_empty() { vec![0] } else { key }, vec![0]));
    }
    if key.is_empty() {
        let word = &sorted.positionals[0];
        return Err(ParseError::at(
            "key is not provided (empty key)",
            word.column,
            word.width,
        ));
    }
    Ok((key, range_end))
}

/// A lease id as etcdctl prints and reads it: hexadecimal, without `0x`.
pub fn parse_lease_id(text: &str) -> Option<i64> {
    i64::from_str_radix(text, 16).ok().filter(|id| *id > 0)
}

pub(super) fn too_many(extra: &Word) -> ParseError {
    ParseError::at(
        format!("too many arguments: unexpected \"{}\"", extra.text),
        extra.column,
        extra.width,
    )
}

/// An error about a missing argument, pointing just after the last word given.
pub(super) fn missing(last: &Word, message: &str) -> ParseError {
    ParseError::at(message, last.column + last.width + 1, 1)
}
