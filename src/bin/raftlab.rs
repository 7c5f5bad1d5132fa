//! The `raftlab` command-line tool: thin dispatch to `raftlab::cli`.

use raftlab::cli::{self, USAGE};
use std::process::ExitCode;

/// Counts live heap bytes for `raftlab bench` (a relaxed atomic add per allocation).
#[global_allocator]
static ALLOCATOR: raftlab::bench::heap::Counting = raftlab::bench::heap::Counting;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rest = args.get(1..).unwrap_or(&[]);
    restore_default_sigpipe();
    if let Some(command) = args.first().filter(|_| cli::wants_help(rest))
        && let Some(usage) = cli::command_usage(command)
    {
        println!("{usage}");
        return ExitCode::SUCCESS;
    }
    let status = match args.first().map(String::as_str) {
        Some("run") => cli::run::main(rest),
        Some("fuzz") => cli::fuzz::main(rest),
        Some("check") => cli::check_main(rest),
        Some("export-etcd") => cli::export::main(cli::export::Export::Etcd, rest),
        Some("export-test") => cli::export::main(cli::export::Export::RustTest, rest),
        Some("console") => cli::console::main(rest),
        Some("bench") => cli::bench::main(rest),
        Some("version" | "--version" | "-V") => {
            println!("{}", raftlab::build_info::version_line());
            0
        }
        Some("help" | "--help" | "-h") => {
            println!("{USAGE}");
            0
        }
        Some(other) => cli::usage_error(&format!("unknown command '{other}'")),
        None => cli::usage_error("no command given"),
    };
    ExitCode::from(status)
}

/// Lets a closed pipe end the process quietly, as other command-line tools do
/// (`raftlab help | head`). Rust ignores SIGPIPE, so a write to a closed stdout would otherwise
/// make `println!` panic with "failed printing to stdout".
#[cfg(unix)]
fn restore_default_sigpipe() {
    // SAFETY: resetting one signal's disposition to the default before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

#[cfg(not(unix))]
fn restore_default_sigpipe() {}
