//! What one line typed at `raftlab console` asks for: an etcdctl command (sent to the cluster as
//! a client would), or a console command after a dot (`.crash 2`, `.status`, `.run 500`), which
//! is a scenario-script command (see [`crate::scenario::sim_script`]) so that the console and
//! the scripts share one language and one parser; only `.help` and `.quit` are the console's own.

/// One line of console input, classified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConsoleLine {
    /// Nothing to do: an empty line or a `#` comment (handy in piped sessions).
    Blank,
    /// `.help`: the console's commands.
    Help,
    /// `.quit` (or `.exit`, or end of input): leave.
    Quit,
    /// A scenario-script command, without its dot: `crash 2`, `status`, `run 500`.
    Script(String),
    /// An etcdctl command line as typed: `put greeting hello`.
    Etcdctl(String),
}

/// Classifies a typed line. Errors are for the user: a lone dot names no command.
pub fn parse_console_line(line: &str) -> Result<ConsoleLine, String> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return Ok(ConsoleLine::Blank);
    }
    let Some(command) = line.strip_prefix('.') else {
        return Ok(ConsoleLine::Etcdctl(line.to_string()));
    };
    let command = command.trim_start();
    let name = command.split_whitespace().next().unwrap_or("");
    match name {
        "" => Err("a '.' must be followed by a command, like .status (type .help)".into()),
        "help" | "h" | "?" => Ok(ConsoleLine::Help),
        "quit" | "exit" | "q" => Ok(ConsoleLine::Quit),
        "cluster" => Err(
            "the cluster is already running; to start another, leave (.quit) and run \
             raftlab console --nodes N --seed S"
                .into(),
        ),
        _ => Ok(ConsoleLine::Script(command.to_string())),
    }
}

/// The text of `.help`.
pub const CONSOLE_HELP: &str = "\
Type etcdctl commands (etcdctl 3.4, v3 API): put KEY VALUE, get KEY [--prefix], del KEY,
txn, watch KEY, lease grant TTL, member list, endpoint status, ... Each is sent by one
client to the leader (to the first running node when there is none); virtual time runs
until the cluster answers or the client times out.

Console commands start with a dot; they are the scenario-script commands (README, Scenario scripts):
  .status                   role, term, commit and applied index of every node; the leader
  .crash N  .restart N      stop a node (it keeps its disk) / start it again
  .pause N  .resume N       freeze a node without losing anything / let it go on
  .partition 1,2 3          split the network into groups; .isolate N cuts one node off
  .heal                     reconnect everything
  .run MS                   let MS milliseconds of virtual time pass and show what happened
  .transfer-leader N TO     ask leader N to hand over to TO
  .ops                      every client operation with its answer
  .check-history            the linearizability checker's verdict on the history so far
  .trace                    the trace events since the last .trace
  .help                     this text
  .quit                     leave (end of input does too)
Control characters in keys and values are shown escaped (\\x1b), never sent to the terminal.";

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(line: &str) -> ConsoleLine {
        parse_console_line(line).expect(line)
    }

    #[test]
    fn plain_lines_are_etcdctl_commands_as_typed() {
        assert_eq!(
            parsed("  put greeting \"hello world\"  "),
            ConsoleLine::Etcdctl("put greeting \"hello world\"".into())
        );
        assert_eq!(parsed("get a"), ConsoleLine::Etcdctl("get a".into()));
        // A key that starts with a dot is etcdctl's business only after a command word.
        assert_eq!(parsed("get .a"), ConsoleLine::Etcdctl("get .a".into()));
    }

    #[test]
    fn dot_lines_are_script_commands_without_the_dot() {
        assert_eq!(parsed(".crash 2"), ConsoleLine::Script("crash 2".into()));
        assert_eq!(
            parsed(". partition 1,2 3"),
            ConsoleLine::Script("partition 1,2 3".into())
        );
        assert_eq!(parsed(".status"), ConsoleLine::Script("status".into()));
        assert_eq!(parsed(".run 500"), ConsoleLine::Script("run 500".into()));
        assert_eq!(
            parsed(".frobnicate"),
            ConsoleLine::Script("frobnicate".into())
        );
    }

    #[test]
    fn help_quit_blank_and_mistakes() {
        for line in [".help", ".h", ".?"] {
            assert_eq!(parsed(line), ConsoleLine::Help, "{line}");
        }
        for line in [".quit", ".exit", ".q"] {
            assert_eq!(parsed(line), ConsoleLine::Quit, "{line}");
        }
        for line in ["", "   ", "# a comment", "  # indented"] {
            assert_eq!(parsed(line), ConsoleLine::Blank, "{line:?}");
        }
        assert!(
            parse_console_line(".")
                .expect_err("lone dot")
                .contains(".help")
        );
        assert!(
            parse_console_line(".cluster voters=5")
                .expect_err("second cluster")
                .contains("--nodes")
        );
    }
}
