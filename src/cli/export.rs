//! `raftlab export-etcd` and `raftlab export-test`: a run, from a scenario script file or a
//! share link, as a real-etcd shell script or a Rust regression test, printed to stdout.

use crate::cli::{EXIT_USAGE, usage_error};
use crate::scenario::etcd_export::etcd_script;
use crate::scenario::link::Scenario;
use crate::scenario::rust_test_export::rust_test;
use crate::scenario::script_timeline::timeline_of_script;

/// What to make of the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Export {
    /// A shell script that replays it against a real etcd cluster.
    Etcd,
    /// The text of a Rust integration test that replays it and asserts its state hash.
    RustTest,
}

impl Export {
    fn command(self) -> &'static str {
        match self {
            Export::Etcd => "export-etcd",
            Export::RustTest => "export-test",
        }
    }
}

/// Runs the subcommand (`args` after its name); returns the exit status.
pub fn main(export: Export, args: &[String]) -> u8 {
    let name = export.command();
    let source = match args {
        [flag, link] if flag == "--link" => Source::Link(link),
        [path] if !path.starts_with('-') => Source::Script(path),
        _ => {
            return usage_error(&format!(
                "{name} needs one scenario SCRIPT file, or --link LINK-TEXT"
            ));
        }
    };
    match scenario_of(&source) {
        Ok(scenario) => {
            print!(
                "{}",
                match export {
                    Export::Etcd => etcd_script(&scenario),
                    Export::RustTest => rust_test(&scenario, &source.describe()),
                }
            );
            0
        }
        Err(message) => {
            eprintln!("raftlab {name}: {message}");
            EXIT_USAGE
        }
    }
}

/// Where the run comes from.
enum Source<'a> {
    /// A scenario script file (`raftlab run`'s format).
    Script(&'a str),
    /// A share link's text.
    Link(&'a str),
}

impl Source<'_> {
    /// How the exported test names its origin.
    fn describe(&self) -> String {
        match self {
            Source::Script(path) => format!("the scenario script {path}"),
            Source::Link(_) => "a shared raftlab run".to_string(),
        }
    }
}

/// The run as a scenario: a script is recorded on a timeline; a link is decoded and replayed,
/// so a link that does not reproduce its hash is refused here, not in the export.
fn scenario_of(source: &Source) -> Result<Scenario, String> {
    match source {
        Source::Script(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|error| format!("cannot read {path}: {error}"))?;
            let timeline = timeline_of_script(&text).map_err(|error| format!("{path}: {error}"))?;
            Ok(Scenario::of(&timeline))
        }
        Source::Link(text) => {
            let scenario = Scenario::from_link(text)?;
            scenario.replay()?;
            Ok(scenario)
        }
    }
}
