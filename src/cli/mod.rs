//! The `raftlab` command-line tool's subcommands. Each returns an exit status and writes its
//! own output; none panics on bad arguments or unreadable files.

// The benchmark times with the OS clock and starts Node: native only.
#[cfg(not(target_arch = "wasm32"))]
pub mod bench;
// The console's terminal side (line editing) exists only natively; the wasm build has no tty.
#[cfg(not(target_arch = "wasm32"))]
pub mod console;
pub mod export;
pub mod fuzz;
pub mod run;
pub mod terminal_text;

/// The usage text shown for `help` and for bad arguments.
pub const USAGE: &str = "usage: raftlab <command> [options]

commands:
  run FILE [--update] [--trace] [--history OUT]
        run a scenario script; print each command's output and the monitors' verdict.
        exit 1 on a violation or an output that differs from the script's expectation.
        --update rewrites FILE with the actual outputs; --trace prints the whole trace;
        --history writes the clients' history to OUT (docs/history-format.md).
        a FILE whose first command is `lesson` is a guided lesson (docs/lessons.md): it is
        played step by step and printed as a reader sees it; exit 1 when a wait times out,
        an expectation fails or a monitor fires unexpectedly (--trace prints the run's trace).
  fuzz --seeds N [--start S] [--nodes A..B] [--unsafe SWITCH] [--scripts DIR]
       [--histories DIR] [--rule-monitors on|off] [--stop-on-violation]
        randomized fault runs (swarm style), then a healed liveness phase per seed.
        prints `N seeds, V violations, L liveness failures, U checker unknown (budget spent)`
        and, for each failure, the seed, the monitor (with its kind: consequence, structure or
        rule) and a script that reproduces it (written to DIR with --scripts). exit 1 on a
        violation or a liveness failure. --rule-monitors off: the monitors that restate a rule
        (11-13) stay silent, so a planted bug shows by its harm.
        --stop-on-violation: stop at the first seed where a monitor fired.
        --histories DIR: write every seed's client history, passing or failing, to
        DIR/seed-N.json, for `raftlab check` or an outside checker.
  console [--nodes N] [--seed S]
        an etcdctl prompt against a simulated cluster of N voters (default 3, seed 1): each
        command is sent to the leader and virtual time runs until it is answered. dot commands
        act on the cluster: .crash N, .restart N, .partition 1,2 3, .heal, .status, .run MS,
        .help, .quit (any scenario-script command works after a dot). with piped input it
        prints only the answers, so `echo 'put a 1' | raftlab console` is scriptable.
  check FILE [--budget N] [--json]
        check a JSON client history (docs/history-format.md) for linearizability.
        exit 0 ok, 1 violation, 2 bad input, 3 unknown (search budget spent).
        the report says how much of the step budget was used; --budget N allows N search
        steps per key (default 1,000,000) and 10 N for the whole history. --json prints the
        report as JSON.
  export-etcd SCRIPT | export-etcd --link LINK
        print a POSIX shell script that replays the run (a scenario script, or a share link's
        text) against a real etcd cluster on 127.0.0.1: one member per voter, the console lines
        with etcdctl, crash/restart and pause/resume as signals, everything else as comments;
        it ends by printing every key and value (docs/export.md).
  export-test SCRIPT | export-test --link LINK
        print a Rust integration test (for tests/) that replays the run and asserts its
        state hash.
  bench [--quick] [--json] [--wasm MODULE] [--node NODE]
        measure every performance figure in one table: the simulation (events, committed
        writes and simulated time per wall second; 3, 5 and 9 nodes; monitors on and off),
        the Raft core alone, seeking in a long recorded run, the checker, fuzz seeds per
        second and memory, natively and, with --wasm (the Node build's raftlab.js, or
        $RAFTLAB_WASM_NODE), the same workloads in wasm under Node (NODE, default `node`),
        with wasm's speed relative to native. --quick: a smoke run with tiny sizes.
        --json: the table as JSON. `cargo xtask bench` builds everything and runs it.
        exit 1 when a workload misbehaves (a monitor fires, native and wasm runs differ).
  fuzz --unsafe list
        print the names of the teaching switches (deliberate bugs), one per line.
  version
        print the version and build id.
  help
        print this message.";

/// Exit status for bad arguments or unreadable input.
pub const EXIT_USAGE: u8 = 2;

/// Prints an error and the usage text; returns the usage exit status.
/// The part of [`USAGE`] about one command (every entry whose first line names it, with its
/// indented description), for `raftlab COMMAND --help`; `None` for a command USAGE does not
/// list.
pub fn command_usage(command: &str) -> Option<String> {
    let mut out = String::new();
    let mut inside = false;
    for line in USAGE.lines() {
        let entry = line
            .strip_prefix("  ")
            .filter(|rest| !rest.starts_with(' '));
        if let Some(entry) = entry {
            inside = entry == command || entry.starts_with(&format!("{command} "));
        } else if !line.starts_with("  ") {
            inside = false;
        }
        if inside {
            out.push_str(line);
            out.push('\n');
        }
    }
    (!out.is_empty()).then(|| format!("usage: raftlab {}", out.trim()))
}

/// Whether the arguments after a command ask for its help (`--help` or `-h` anywhere).
pub fn wants_help(args: &[String]) -> bool {
    args.iter().any(|a| a == "--help" || a == "-h")
}

pub fn usage_error(message: &str) -> u8 {
    eprintln!("raftlab: {message}\n\n{USAGE}");
    EXIT_USAGE
}

/// `raftlab check FILE [--budget N] [--json]`.
pub fn check_main(args: &[String]) -> u8 {
    let (path, config, format) = match parse_check_args(args) {
        Ok(parsed) => parsed,
        Err(message) => return usage_error(&message),
    };
    match crate::check::check_file(std::path::Path::new(&path), &config, format) {
        Ok((verdict, text)) => {
            print!("{text}");
            verdict.exit_code()
        }
        Err(message) => {
            eprintln!("raftlab check: {message}");
            EXIT_USAGE
        }
    }
}

/// The file, budgets and format of a `raftlab check` command line.
fn parse_check_args(
    args: &[String],
) -> Result<(String, crate::check::CheckConfig, crate::check::Format), String> {
    const CHECK_USAGE: &str = "usage: raftlab check FILE [--budget N] [--json]";
    let mut path = None;
    let mut config = crate::check::CheckConfig::default();
    let mut format = crate::check::Format::Text;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--json" => format = crate::check::Format::Json,
            "--budget" => {
                let steps = args
                    .next()
                    .and_then(|text| text.replace('_', "").parse::<u64>().ok())
                    .filter(|steps| *steps > 0)
                    .ok_or_else(|| {
                        format!("check: --budget needs a number of steps >= 1 ({CHECK_USAGE})")
                    })?;
                config = crate::check::CheckConfig::with_budget(steps);
            }
            flag if flag.starts_with('-') => {
                return Err(format!("check: unknown option {flag} ({CHECK_USAGE})"));
            }
            file if path.is_none() => path = Some(file.to_string()),
            _ => return Err(format!("check needs exactly one FILE ({CHECK_USAGE})")),
        }
    }
    let path = path.ok_or_else(|| format!("check needs exactly one FILE ({CHECK_USAGE})"))?;
    Ok((path, config, format))
}
