//! The `raftlab` command-line tool's subcommands. Each returns an exit status and writes its
//! own output; none panics on bad arguments or unreadable files.

// The console's terminal side (line editing) exists only natively; the wasm build has no tty.
#[cfg(not(target_arch = "wasm32"))]
pub mod console;
pub mod fuzz;
pub mod run;
pub mod terminal_text;

/// The usage text shown for `help` and for bad arguments.
pub const USAGE: &str = "usage: raftlab <command> [options]

commands:
  run FILE [--update] [--trace]
        run a scenario script; print each command's output and the monitors' verdict.
        exit 1 on a violation or an output that differs from the script's expectation.
        --update rewrites FILE with the actual outputs; --trace prints the whole trace.
  fuzz --seeds N [--start S] [--nodes A..B] [--unsafe SWITCH] [--scripts DIR]
       [--rule-monitors on|off] [--stop-on-violation]
        randomized fault runs (swarm style), then a healed liveness phase per seed.
        prints `N seeds, V violations, L liveness failures, U checker unknown (budget spent)`
        and, for each failure, the seed, the monitor (with its kind: consequence, structure or
        rule) and a script that reproduces it (written to DIR with --scripts). exit 1 on a
        violation or a liveness failure. --rule-monitors off: the monitors that restate a rule
        (11-13) stay silent, so a planted bug shows by its harm.
        --stop-on-violation: stop at the first seed where a monitor fired.
  console [--nodes N] [--seed S]
        an etcdctl prompt against a simulated cluster of N voters (default 3, seed 1): each
        command is sent to the leader and virtual time runs until it is answered. dot commands
        act on the cluster: .crash N, .restart N, .partition 1,2 3, .heal, .status, .run MS,
        .help, .quit (any scenario-script command works after a dot). with piped input it
        prints only the answers, so `echo 'put a 1' | raftlab console` is scriptable.
  check FILE
        check a JSON client history (docs/history-format.md) for linearizability.
        exit 0 ok, 1 violation, 2 bad input, 3 unknown (search budget spent).
  fuzz --unsafe list
        print the names of the teaching switches (deliberate bugs), one per line.
  version
        print the version and build id.
  help
        print this message.";

/// Exit status for bad arguments or unreadable input.
pub const EXIT_USAGE: u8 = 2;

/// Prints an error and the usage text; returns the usage exit status.
pub fn usage_error(message: &str) -> u8 {
    eprintln!("raftlab: {message}\n\n{USAGE}");
    EXIT_USAGE
}

/// `raftlab check FILE`.
pub fn check_main(args: &[String]) -> u8 {
    match args {
        [path] if !path.starts_with('-') => {
            match crate::check::check_file(std::path::Path::new(path)) {
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
        _ => usage_error("check needs exactly one FILE (usage: raftlab check FILE)"),
    }
}
