//! `raftlab run FILE`: a scenario script, headless.

use crate::cli::{EXIT_USAGE, usage_error};
use crate::scenario::sim_script::{render_with_outputs, run_script};

/// Runs the subcommand; returns the exit status.
pub fn main(args: &[String]) -> u8 {
    let mut file = None;
    let mut update = false;
    let mut trace = false;
    for arg in args {
        match arg.as_str() {
            "--update" => update = true,
            "--trace" => trace = true,
            flag if flag.starts_with('-') => {
                return usage_error(&format!("run: unknown option '{flag}'"));
            }
            path if file.is_none() => file = Some(path.to_string()),
            extra => return usage_error(&format!("run: unexpected argument '{extra}'")),
        }
    }
    let Some(path) = file else {
        return usage_error("run needs a scenario FILE");
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("raftlab: cannot read {path}: {e}");
            return EXIT_USAGE;
        }
    };
    let outcome = match run_script(&text) {
        Ok(outcome) => outcome,
        Err(e) => {
            eprintln!("raftlab: {path}: {e}");
            return EXIT_USAGE;
        }
    };
    if trace {
        print!("{}", outcome.trace);
    }
    if update {
        match render_with_outputs(&text, &outcome.outputs).map(|t| std::fs::write(&path, t)) {
            Ok(Ok(())) => println!("updated {path}"),
            Ok(Err(e)) => {
                eprintln!("raftlab: cannot write {path}: {e}");
                return EXIT_USAGE;
            }
            Err(e) => {
                eprintln!("raftlab: {path}: {e}");
                return EXIT_USAGE;
            }
        }
    }
    for (line, expected, actual) in &outcome.mismatches {
        println!("{path}:{line}: output differs\n--- expected\n{expected}\n--- actual\n{actual}\n");
    }
    match &outcome.violation {
        Some(v) => println!("monitors: VIOLATION {v}"),
        None => println!("monitors: ok"),
    }
    if let Some(hash) = outcome.state_hash {
        println!("state hash: {hash:016x}");
    }
    let unmet = if update { 0 } else { outcome.mismatches.len() };
    println!(
        "{} commands, {unmet} unmet expectations",
        outcome.outputs.len()
    );
    u8::from(outcome.violation.is_some() || unmet > 0)
}
