//! `lease grant TTL`, `lease revoke ID`, `lease keep-alive [--once] ID`,
//! `lease timetolive ID [--keys]`, `lease list`: etcdctl's lease commands. IDs are hexadecimal,
//! as etcdctl prints them.

use super::command::{Action, LeaseAction};
use super::error::ParseError;
use super::flags::SortedWords;
use super::lexer::Word;
use super::parser::{missing, parse_lease_id, too_many};

/// Parse the words after `lease`.
pub fn parse_lease(command: &Word, mut sorted: SortedWords) -> Result<Action, ParseError> {
    let keys = sorted.take_bool("keys");
    sorted.take_bool("once");
    sorted.reject_rest()?;
    let last = sorted.positionals.last().unwrap_or(command).clone();
    let Some(sub) = sorted.positionals.first().cloned() else {
        return Err(missing(
            &last,
            "lease needs a subcommand: grant, revoke, keep-alive, timetolive or list",
        ));
    };
    let args = &sorted.positionals[1..];
    let action = match sub.text.as_str() {
        "list" => {
            if let Some(extra) = args.first() {
                return Err(too_many(extra));
            }
            LeaseAction::List
        }
        "grant" => {
            let ttl = one_arg(args, &last, "lease grant needs 1 argument: <TTL seconds>")?;
            match ttl.text.parse::<i64>() {
                Ok(ttl_seconds) if ttl_seconds > 0 => LeaseAction::Grant { ttl_seconds },
                _ => {
                    return Err(ParseError::at(
                        format!("bad TTL \"{}\": a positive number of seconds", ttl.text),
                        ttl.column,
                        ttl.width,
                    ));
                }
            }
        }
        "revoke" => LeaseAction::Revoke(lease_id(one_arg(
            args,
            &last,
            "lease revoke needs 1 argument: <lease ID>",
        )?)?),
        "keep-alive" => LeaseAction::KeepAlive(lease_id(one_arg(
            args,
            &last,
            "lease keep-alive needs 1 argument: <lease ID>",
        )?)?),
        "timetolive" => LeaseAction::TimeToLive {
            id: lease_id(one_arg(
                args,
                &last,
                "lease timetolive needs 1 argument: <lease ID>",
            )?)?,
            keys,
        },
        other => {
            return Err(ParseError::at(
                format!(
                    "unknown subcommand \"{other}\" for \"lease\" (grant, revoke, keep-alive, timetolive, list)"
                ),
                sub.column,
                sub.width,
            ));
        }
    };
    Ok(Action::Lease(action))
}

fn one_arg<'w>(args: &'w [Word], last: &Word, message: &str) -> Result<&'w Word, ParseError> {
    match args {
        [one] => Ok(one),
        [] => Err(missing(last, message)),
        [_, extra, ..] => Err(too_many(extra)),
    }
}

fn lease_id(word: &Word) -> Result<i64, ParseError> {
    parse_lease_id(&word.text).ok_or_else(|| {
        ParseError::at(
            format!(
                "bad lease ID \"{}\": expected a hexadecimal ID as `lease grant` prints it",
                word.text
            ),
            word.column,
            word.width,
        )
    })
}
