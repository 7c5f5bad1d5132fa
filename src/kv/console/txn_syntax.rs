//! The one-line txn form. etcdctl reads a txn interactively from stdin (compares, a blank
//! line, then-ops, a blank line, else-ops); a console line cannot, so raftlab takes the same
//! three parts as three quoted arguments, items separated by `;`:
//!
//! ```text
//! txn '<compare>; <compare>...' '<op>; <op>...' ['<op>; <op>...']
//! compare := TARGET("KEY") OP "OPERAND"      TARGET: value|val, version|ver, create|c, mod|m
//!                                            OP: = != < >   (quotes optional when unambiguous)
//! op      := put KEY VALUE [--prev-kv] | get KEY [RANGE_END] [get flags] | del KEY [RANGE_END] [del flags]
//! ```
//!
//! Example: `txn 'mod("k") = "5"' 'put k v2; get k' 'get k'`. Each compare and op is written
//! exactly as in etcdctl's interactive txn, so the corpus test feeds the same items to etcdctl.

use super::command::Action;
use super::error::ParseError;
use super::flags::sort_words;
use super::lexer::{Dialect, Word, split_items, split_words_as};
use super::parser::{parse_del, parse_get, parse_put};
use crate::kv::request::{Compare, CompareResult, CompareTarget, RequestOp, TxnRequest};

/// Parse the arguments of `txn` (1 to 3 sections).
pub fn parse_txn(command: &Word, sections: &[Word]) -> Result<TxnRequest, ParseError> {
    if sections.is_empty() {
        return Err(ParseError::at(
            "txn needs its parts as arguments: '<compares>' '<then ops>' ['<else ops>']",
            command.column,
            command.width,
        ));
    }
    if let Some(extra) = sections.get(3) {
        return Err(ParseError::at(
            "too many arguments: txn takes at most 3 ('<compares>' '<then ops>' '<else ops>'); separate items inside one part with ';'",
            extra.column,
            extra.width,
        ));
    }
    let mut txn = TxnRequest::default();
    for (text, column) in section_items(&sections[0]) {
        txn.compare
            .push(parse_compare(&text).map_err(|error| error.shifted(column))?);
    }
    if let Some(section) = sections.get(1) {
        for (text, column) in section_items(section) {
            txn.success
                .push(parse_op(&text).map_err(|error| error.shifted(column))?);
        }
    }
    if let Some(section) = sections.get(2) {
        for (text, column) in section_items(section) {
            txn.failure
                .push(parse_op(&text).map_err(|error| error.shifted(column))?);
        }
    }
    Ok(txn)
}

/// The items of one section with their columns in the line. When the section was typed as a
/// single quoted word, columns inside it are exact; otherwise they point at the section.
pub fn section_items(section: &Word) -> Vec<(String, usize)> {
    let text_chars = section.text.chars().count();
    let exact = section.width == text_chars + 2;
    split_items(&section.text)
        .into_iter()
        .map(|(item, column)| {
            let at = if exact {
                section.column + 1 + column
            } else {
                section.column
            };
            (item, at)
        })
        .collect()
}

/// Parse one compare, e.g. `mod("k") = "5"`.
pub fn parse_compare(text: &str) -> Result<Compare, ParseError> {
    let words = split_words_as(text, Dialect::TxnItem)?;
    let malformed = |message: &str| {
        ParseError::at(
            format!(
                "malformed comparison: {} ({message}; expected e.g. mod(\"k\") = \"5\")",
                text.trim()
            ),
            0,
            text.chars().count().max(1),
        )
    };
    let Some(first) = words.first() else {
        return Err(malformed("empty"));
    };
    let (Some(open), Some(close)) = (first.text.find('('), first.text.rfind(')')) else {
        return Err(malformed("missing (\"key\")"));
    };
    if close < open {
        return Err(malformed("missing (\"key\")"));
    }
    let target_name = &first.text[..open];
    let key = first.text.as_bytes()[open + 1..close].to_vec();
    let mut tokens: Vec<String> = Vec::new();
    let tail = &first.text[close + 1..];
    if !tail.is_empty() {
        tokens.push(tail.to_string());
    }
    tokens.extend(words[1..].iter().map(|word| word.text.clone()));
    let mut tokens = tokens.into_iter();
    let op_token = tokens
        .next()
        .ok_or_else(|| malformed("missing operator = != < >"))?;
    let (result, rest) = split_operator(&op_token).ok_or_else(|| malformed("unknown operator"))?;
    let operand = if rest.is_empty() {
        tokens.next().ok_or_else(|| malformed("missing operand"))?
    } else {
        rest.to_string()
    };
    if tokens.next().is_some() {
        return Err(malformed("unexpected text after the operand"));
    }
    let number = || {
        operand
            .parse::<i64>()
            .map_err(|_| malformed("the operand must be an integer"))
    };
    let target = match target_name {
        "ver" | "version" => CompareTarget::Version(number()?),
        "c" | "create" => CompareTarget::Create(number()?),
        "m" | "mod" => CompareTarget::Mod(number()?),
        "val" | "value" => CompareTarget::Value(operand.clone().into_bytes()),
        "lease" => return Err(malformed("leases are not supported by raftlab")),
        _ => return Err(malformed(&format!("unknown target {target_name:?}"))),
    };
    if key.is_empty() {
        return Err(malformed("empty key"));
    }
    Ok(Compare {
        key,
        range_end: Vec::new(),
        result,
        target,
    })
}

/// `!=5` -> (NotEqual, "5").
fn split_operator(token: &str) -> Option<(CompareResult, &str)> {
    for (symbol, result) in [
        ("!=", CompareResult::NotEqual),
        ("==", CompareResult::Equal),
        ("=", CompareResult::Equal),
        ("<", CompareResult::Less),
        (">", CompareResult::Greater),
    ] {
        if let Some(rest) = token.strip_prefix(symbol) {
            return Some((result, rest));
        }
    }
    None
}

/// Parse one then/else op: a put, get or del written as on the command line.
pub fn parse_op(text: &str) -> Result<RequestOp, ParseError> {
    let words = split_words_as(text, Dialect::TxnItem)?;
    let mut sorted = sort_words(&words)?;
    let Some(command) = sorted.positionals.first().cloned() else {
        return Err(ParseError::at("empty txn op", 0, 1));
    };
    sorted.positionals.remove(0);
    match command.text.as_str() {
        "put" => parse_put(&command, sorted).map(RequestOp::Put),
        "get" => match parse_get(&command, sorted)? {
            Action::Get { request, .. } => Ok(RequestOp::Range(request)),
            _ => Err(ParseError::at("bad get op", command.column, command.width)),
        },
        "del" | "delete" => parse_del(&command, sorted).map(RequestOp::DeleteRange),
        other => Err(ParseError::at(
            format!("unknown txn op \"{other}\": use put, get or del"),
            command.column,
            command.width,
        )),
    }
}

/// The stdin etcdctl's interactive `txn` expects for the same three sections (compares, blank
/// line, then-ops, blank line, else-ops, blank line). Used by the etcd differential test.
pub fn etcdctl_stdin(sections: &[Word]) -> String {
    let mut stdin = String::new();
    for index in 0..3 {
        if let Some(section) = sections.get(index) {
            for (item, _) in section_items(section) {
                stdin.push_str(item.trim());
                stdin.push('\n');
            }
        }
        stdin.push('\n');
    }
    stdin
}
