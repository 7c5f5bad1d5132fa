//! The `raftlab` command-line tool. Subcommands (run, fuzz, check, bench) arrive with the
//! simulator; for now it reports its version and rejects anything else with usage text.

use std::process::ExitCode;

const USAGE: &str = "usage: raftlab <command>

commands:
  check FILE check a JSON history for linearizability (docs/history-format.md);
             exit status 0 ok, 1 violation, 2 bad input, 3 unknown (budget spent)
  version    print the version and build id
  help       print this message";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("version") | Some("--version") | Some("-V") => {
            println!("{}", raftlab::build_info::version_line());
            ExitCode::SUCCESS
        }
        Some("check") => match args.as_slice() {
            [_, path] => match raftlab::check::check_file(std::path::Path::new(path)) {
                Ok((verdict, text)) => {
                    print!("{text}");
                    ExitCode::from(verdict.exit_code())
                }
                Err(message) => {
                    eprintln!("raftlab check: {message}");
                    ExitCode::from(2)
                }
            },
            _ => {
                eprintln!("usage: raftlab check FILE");
                ExitCode::from(2)
            }
        },
        Some("help") | Some("--help") | Some("-h") => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Some(other) => {
            eprintln!("raftlab: unknown command '{other}'\n\n{USAGE}");
            ExitCode::from(2)
        }
        None => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}
