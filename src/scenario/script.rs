//! A small line-oriented script format with golden output, in the style of etcd-io/raft's
//! `datadriven` test files. It knows nothing about Raft: an executor gives commands meaning.
//!
//! ```text
//! # Comments explain the goal of the script and of each step.
//! add-nodes 3 voters=(1,2,3) prevote=true
//! ----
//! ok
//!
//! propose 1 "hello world"
//! ----
//! 1->2 MsgApp Term:1 Log:1/1 Commit:1 Entries:[1/2 EntryNormal "hello world"]
//! ```
//!
//! Each case is a command line, a `----` line, and the expected output up to the next blank
//! line (outputs never contain blank lines). Arguments are positional words or `key=value`;
//! a value may be a list in parentheses, `key=(1,2,3)`, and words may be double-quoted to
//! contain spaces. Lines starting with `#` and blank lines before a command are kept verbatim,
//! so a script can be rewritten with new output (`UPDATE_GOLDEN=1`) without losing its prose.

use std::fmt;

/// One argument: a positional word (`key` is `None`) or `key=value(s)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arg {
    /// The key of a `key=value` argument.
    pub key: Option<String>,
    /// The value, or the values of a parenthesised list.
    pub values: Vec<String>,
}

/// A parsed command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Command {
    /// The command name (first word).
    pub name: String,
    /// Arguments in order.
    pub args: Vec<Arg>,
    /// 1-based line number in the script.
    pub line: usize,
}

impl Command {
    /// Positional words, in order.
    pub fn positionals(&self) -> Vec<&str> {
        self.args
            .iter()
            .filter(|a| a.key.is_none())
            .filter_map(|a| a.values.first().map(String::as_str))
            .collect()
    }

    /// The values of `key=...`, if present.
    pub fn values(&self, key: &str) -> Option<&[String]> {
        self.args
            .iter()
            .find(|a| a.key.as_deref() == Some(key))
            .map(|a| a.values.as_slice())
    }

    /// The single value of `key=value`, if present.
    pub fn value(&self, key: &str) -> Option<&str> {
        self.values(key).and_then(|v| v.first()).map(String::as_str)
    }
}

/// A command with its expected output and the prose before it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Case {
    /// Comment and blank lines before the command, verbatim.
    pub preamble: Vec<String>,
    /// The command line as written.
    pub raw: String,
    /// The parsed command.
    pub command: Command,
    /// The expected output (lines joined with `\n`, no trailing newline).
    pub expected: String,
}

/// A whole script.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Script {
    /// The cases in order.
    pub cases: Vec<Case>,
    /// Comment lines after the last case.
    pub trailer: Vec<String>,
}

/// A syntax error with its 1-based line number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// Where.
    pub line: usize,
    /// What.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for ParseError {}

/// Bound on script length, so hostile input cannot make the parser work unboundedly.
pub const SCRIPT_LINES_MAX: usize = 100_000;

/// Parses a script.
pub fn parse(text: &str) -> Result<Script, ParseError> {
    let lines: Vec<&str> = text.lines().collect();
    if lines.len() > SCRIPT_LINES_MAX {
        return Err(ParseError {
            line: SCRIPT_LINES_MAX,
            message: "script too long".into(),
        });
    }
    let mut script = Script::default();
    let mut preamble: Vec<String> = Vec::new();
    let mut at = 0usize;
    while let Some(&line) = lines.get(at) {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            preamble.push(line.to_string());
            at += 1;
            continue;
        }
        let command = parse_command(trimmed, at + 1)?;
        let separator = lines.get(at + 1).map(|l| l.trim());
        if separator != Some("----") {
            return Err(ParseError {
                line: at + 2,
                message: format!("expected '----' after command '{}'", command.name),
            });
        }
        let mut expected: Vec<&str> = Vec::new();
        let mut cursor = at + 2;
        while let Some(out) = lines.get(cursor) {
            if out.trim().is_empty() {
                break;
            }
            expected.push(out);
            cursor += 1;
        }
        script.cases.push(Case {
            preamble: std::mem::take(&mut preamble),
            raw: trimmed.to_string(),
            command,
            expected: expected.join("\n"),
        });
        at = cursor;
    }
    script.trailer = preamble;
    Ok(script)
}

/// Parses one command line.
pub fn parse_command(line: &str, line_number: usize) -> Result<Command, ParseError> {
    let words = split_words(line).map_err(|message| ParseError {
        line: line_number,
        message,
    })?;
    let mut words = words.into_iter();
    let Some(name) = words.next() else {
        return Err(ParseError {
            line: line_number,
            message: "empty command".into(),
        });
    };
    let mut args = Vec::new();
    for word in words {
        args.push(parse_arg(&word));
    }
    Ok(Command {
        name,
        args,
        line: line_number,
    })
}

fn parse_arg(word: &str) -> Arg {
    match word.split_once('=') {
        Some((key, value)) if !key.is_empty() && !key.starts_with('"') => {
            let values = match value.strip_prefix('(').and_then(|v| v.strip_suffix(')')) {
                Some(list) => list
                    .split([',', ' '])
                    .filter(|v| !v.is_empty())
                    .map(unquote)
                    .collect(),
                None => vec![unquote(value)],
            };
            Arg {
                key: Some(key.to_string()),
                values,
            }
        }
        _ => Arg {
            key: None,
            values: vec![unquote(word)],
        },
    }
}

fn unquote(word: &str) -> String {
    word.strip_prefix('"')
        .and_then(|w| w.strip_suffix('"'))
        .unwrap_or(word)
        .to_string()
}

/// Splits on spaces outside double quotes and parentheses.
fn split_words(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let (mut in_quotes, mut depth) = (false, 0usize);
    for ch in line.chars() {
        match ch {
            '"' => {
                in_quotes = !in_quotes;
                current.push(ch);
            }
            '(' if !in_quotes => {
                depth += 1;
                current.push(ch);
            }
            ')' if !in_quotes => {
                depth = depth.checked_sub(1).ok_or("unbalanced ')'")?;
                current.push(ch);
            }
            c if c.is_whitespace() && !in_quotes && depth == 0 => {
                if !current.is_empty() {
                    words.push(std::mem::take(&mut current));
                }
            }
            c => current.push(c),
        }
    }
    if in_quotes {
        return Err("unterminated '\"'".into());
    }
    if depth != 0 {
        return Err("unbalanced '('".into());
    }
    if !current.is_empty() {
        words.push(current);
    }
    Ok(words)
}

/// Writes the script back with new outputs (one per case, in order), keeping all prose.
pub fn render(script: &Script, outputs: &[String]) -> String {
    let mut text = String::new();
    for (case, output) in script.cases.iter().zip(outputs) {
        for line in &case.preamble {
            text.push_str(line);
            text.push('\n');
        }
        text.push_str(&case.raw);
        text.push_str("\n----\n");
        if !output.is_empty() {
            text.push_str(output);
            text.push('\n');
        }
        text.push('\n');
    }
    // Blank lines after each case were written above; drop the ones the parser kept.
    let trailer: Vec<&String> = script
        .trailer
        .iter()
        .skip_while(|l| l.trim().is_empty())
        .collect();
    for line in trailer {
        text.push_str(line);
        text.push('\n');
    }
    while text.ends_with("\n\n") {
        text.pop();
    }
    text
}

/// Strips the blank line that `render` writes after each case from the next case's preamble,
/// so parse(render(x)) keeps preambles stable.
pub fn normalize(script: &mut Script) {
    for case in &mut script.cases {
        if case.preamble.first().is_some_and(|l| l.trim().is_empty()) {
            case.preamble.remove(0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_args_lists_and_quotes() {
        let cmd = parse_command(r#"add-nodes 3 voters=(1,2,3) name="a b" / x"#, 1).unwrap();
        assert_eq!(cmd.name, "add-nodes");
        assert_eq!(cmd.positionals(), vec!["3", "/", "x"]);
        assert_eq!(cmd.values("voters").unwrap(), ["1", "2", "3"]);
        assert_eq!(cmd.value("name"), Some("a b"));
    }

    #[test]
    fn round_trips() {
        let text = "# goal\ncmd 1\n----\nout a\nout b\n\n# step two\ncmd 2\n----\nok\n";
        let mut script = parse(text).unwrap();
        normalize(&mut script);
        let outputs: Vec<String> = script.cases.iter().map(|c| c.expected.clone()).collect();
        assert_eq!(render(&script, &outputs), text);
    }

    #[test]
    fn reports_missing_separator() {
        let err = parse("cmd 1\nout").unwrap_err();
        assert_eq!(err.line, 2);
    }
}
