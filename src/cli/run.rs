//! `raftlab run FILE`: a scenario script or a lesson, headless.

use crate::cli::{EXIT_USAGE, usage_error};
use crate::scenario::sim_script::{render_with_outputs, run_script_then};

/// Runs the subcommand; returns the exit status.
pub fn main(args: &[String]) -> u8 {
    let mut file = None;
    let mut update = false;
    let mut trace = false;
    let mut history_path = None;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--update" => update = true,
            "--trace" => trace = true,
            "--history" => match args.next() {
                Some(path) => history_path = Some(path.clone()),
                None => return usage_error("run: --history needs a FILE"),
            },
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
    if crate::scenario::lesson::parse::looks_like_lesson(&text) {
        if update || history_path.is_some() {
            return usage_error("run: --update and --history are for scripts, not lessons");
        }
        return run_lesson(&path, &text, trace);
    }
    let description = format!("the clients' history of raftlab run {path}");
    let run = run_script_then(&text, |sim| {
        let sim = sim?;
        history_path.as_ref()?;
        Some(crate::sim::history::history_file(
            sim.ops(),
            sim.ops_forgotten(),
            &description,
        ))
    });
    let outcome = match run {
        Ok((outcome, history)) => {
            if let Some(target) = &history_path
                && let Err(message) = write_history(target, history)
            {
                eprintln!("raftlab: {message}");
                return EXIT_USAGE;
            }
            outcome
        }
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

/// Writes the run's client history (`raftlab run --history FILE`).
fn write_history(path: &str, history: Option<Result<String, String>>) -> Result<(), String> {
    let json = history
        .ok_or_else(|| format!("--history {path}: the script has no cluster, so no history"))?
        .map_err(|error| format!("--history {path}: {error}"))?;
    std::fs::write(path, json).map_err(|error| format!("cannot write {path}: {error}"))?;
    eprintln!("history written to {path}");
    Ok(())
}

/// `raftlab run lesson.txt`: validates the lesson, plays it headless and prints what a reader
/// would see; exit 1 when a step does not go as written, 2 when the lesson does not parse.
/// `--trace` prints the trace of the lesson's (last) run after the report.
fn run_lesson(path: &str, text: &str, trace: bool) -> u8 {
    use crate::scenario::lesson::{Lesson, runner};
    let lesson = match Lesson::parse(text) {
        Ok(lesson) => lesson,
        Err(e) => {
            eprintln!("raftlab: {path}: {e}");
            return EXIT_USAGE;
        }
    };
    let report = runner::run_lesson(&lesson);
    println!("{}", report.text);
    if trace {
        print!("{}", report.trace);
    }
    match report.failure {
        Some(failure) => {
            eprintln!("raftlab: {path}: {failure}");
            1
        }
        None => 0,
    }
}
