//! The `raftlab` command-line tool. Subcommands (run, fuzz, check, bench) arrive with the
//! simulator; for now it reports its version and rejects anything else with usage text.

use std::process::ExitCode;

const USAGE: &str = "usage: raftlab <command>

commands:
  version    print the version and build id
  help       print this message";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("version") | Some("--version") | Some("-V") => {
            println!("{}", raftlab::build_info::version_line());
            ExitCode::SUCCESS
        }
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
