//! `raftlab console [--nodes N] [--seed S]`: an etcdctl prompt against a simulated cluster.
//!
//! The session itself ([`ConsoleSession`]) knows nothing of terminals; this file is the
//! terminal boundary: it reads lines (with line editing and history when a person types, plainly
//! when input is piped, so `echo 'put a 1' | raftlab console` prints just `OK`), and writes every
//! answer with its control characters escaped.

use super::terminal_text::escape_controls;
use super::{EXIT_USAGE, usage_error};
use crate::scenario::console_session::ConsoleSession;
use std::io::{BufRead, IsTerminal, Write};

/// Default cluster size and seed.
const NODES_DEFAULT: u64 = 3;
const SEED_DEFAULT: u64 = 1;

/// The options of `raftlab console`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConsoleOptions {
    /// Voters in the cluster.
    pub nodes: u64,
    /// The simulator's seed.
    pub seed: u64,
}

/// Parses `--nodes N --seed S` (also `--nodes=N`).
pub fn parse_options(args: &[String]) -> Result<ConsoleOptions, String> {
    let mut options = ConsoleOptions {
        nodes: NODES_DEFAULT,
        seed: SEED_DEFAULT,
    };
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) => (name, Some(value.to_string())),
            None => (arg.as_str(), None),
        };
        let slot = match name {
            "--nodes" => &mut options.nodes,
            "--seed" => &mut options.seed,
            _ => return Err(format!("console: unknown option '{arg}'")),
        };
        let value = inline
            .or_else(|| rest.next().cloned())
            .ok_or_else(|| format!("console: {name} needs a number"))?;
        *slot = value
            .parse()
            .map_err(|_| format!("console: {name} needs a number, got '{value}'"))?;
    }
    Ok(options)
}

/// `raftlab console ...`: exit 0 when the input ends or `.quit` is typed, 2 on bad options.
pub fn main(args: &[String]) -> u8 {
    let options = match parse_options(args) {
        Ok(options) => options,
        Err(message) => return usage_error(&message),
    };
    let (mut session, story) = match ConsoleSession::start(options.nodes, options.seed) {
        Ok(started) => started,
        Err(message) => {
            eprintln!(
                "raftlab console: cannot start the cluster (--nodes {}): {message}",
                options.nodes
            );
            return EXIT_USAGE;
        }
    };
    if std::io::stdin().is_terminal() {
        println!(
            "raftlab console: {} simulated etcd nodes, seed {}; {story}.\n\
             Type etcdctl commands (put k v, get k, ...); .help lists the console's own; \
             .quit leaves.\nVirtual time runs only while a command is answered.",
            options.nodes, options.seed
        );
        interactive(&mut session);
    } else {
        piped(&mut session);
    }
    0
}

/// Writes an answer, escaped. Returns false when stdout is gone (a closed pipe): stop quietly.
fn show(text: &str) -> bool {
    if text.is_empty() {
        return true;
    }
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", escape_controls(text)).is_ok() && out.flush().is_ok()
}

/// Lines from a pipe or a file: no prompt, no banner, only the answers.
fn piped(session: &mut ConsoleSession) {
    let mut input = std::io::stdin().lock();
    let mut bytes = Vec::new();
    loop {
        bytes.clear();
        match input.read_until(b'\n', &mut bytes) {
            Ok(0) => return,
            Ok(_) => {}
            Err(error) => {
                eprintln!("raftlab console: cannot read input: {error}");
                return;
            }
        }
        let line = String::from_utf8_lossy(&bytes);
        let line = line.trim_end_matches('\n').trim_end_matches('\r');
        let reply = session.execute(line);
        if !show(&reply.text) || reply.quit {
            return;
        }
    }
}

/// A person at a terminal: line editing and history (rustyline), the virtual time in the prompt.
/// Ctrl-C drops the line being typed; Ctrl-D leaves.
fn interactive(session: &mut ConsoleSession) {
    use rustyline::error::ReadlineError;
    let mut editor = match rustyline::DefaultEditor::new() {
        Ok(editor) => editor,
        Err(error) => {
            eprintln!("raftlab console: no line editing ({error}); reading plain lines");
            return piped(session);
        }
    };
    loop {
        let prompt = format!("etcdctl@{}ms> ", session.now_ms());
        match editor.readline(&prompt) {
            Ok(line) => {
                if !line.trim().is_empty() {
                    // History is a convenience: a failure to keep it loses nothing else.
                    let _ = editor.add_history_entry(line.as_str());
                }
                let reply = session.execute(&line);
                if !show(&reply.text) || reply.quit {
                    return;
                }
            }
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => return,
            Err(error) => {
                eprintln!("raftlab console: cannot read input: {error}");
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn options_default_and_parse() {
        assert_eq!(parse_options(&[]), Ok(ConsoleOptions { nodes: 3, seed: 1 }));
        assert_eq!(
            parse_options(&args(&["--nodes", "5", "--seed=42"])),
            Ok(ConsoleOptions { nodes: 5, seed: 42 })
        );
        assert!(parse_options(&args(&["--nodes"])).is_err());
        assert!(parse_options(&args(&["--nodes", "five"])).is_err());
        assert!(parse_options(&args(&["--seed=-1"])).is_err());
        assert!(parse_options(&args(&["--verbose"])).is_err());
    }
}
