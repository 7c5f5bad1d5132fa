//! A live etcdctl session against a simulated cluster: what `raftlab console` runs. It owns a
//! scenario-script [`Runner`], so a dot command means what the same command means in a script,
//! and it sends each etcdctl line as one client's operation, running virtual time until the
//! cluster answers it (or the client's timeout gives up) — the clock moves only while a
//! command is being answered, so a session is as deterministic as a script: the same seed and
//! the same lines give the same output.

use crate::raft::types::NodeId;
use crate::scenario::console_line::{CONSOLE_HELP, ConsoleLine, parse_console_line};
use crate::scenario::sim_script::Runner;
use crate::sim::action::Action;
use crate::sim::client::OpState;
use crate::sim::cluster::Sim;
use crate::sim::queue::TimeMs;

/// The one client the console speaks as.
const CLIENT: u64 = 1;
/// Bound on simulator steps for one console line, so no command can spin for ever.
const STEPS_PER_LINE_MAX: u64 = 5_000_000;

/// What a console line did: text to print, and whether the session should end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    /// What to print (no trailing newline; may be empty). Raw: the terminal escapes it.
    pub text: String,
    /// `.quit` was typed.
    pub quit: bool,
}

impl Reply {
    fn text(text: impl Into<String>) -> Reply {
        Reply {
            text: text.into(),
            quit: false,
        }
    }
}

/// A running cluster and the console's view of it.
pub struct ConsoleSession {
    runner: Runner,
    /// Watches opened from the console: (operation, bytes of its output already printed).
    watching: Vec<(u64, usize)>,
}

impl ConsoleSession {
    /// Starts a cluster of `nodes` voters with `seed` and waits (in virtual time) for its first
    /// leader. Returns the session and a line saying who leads, for an interactive banner.
    pub fn start(nodes: u64, seed: u64) -> Result<(ConsoleSession, String), String> {
        let mut runner = Runner::new();
        runner.execute_line(&format!("cluster voters={nodes} seed={seed}"))?;
        let mut session = ConsoleSession {
            runner,
            watching: Vec::new(),
        };
        let waited = session.wait_for_leader();
        let sim = session.sim();
        let story = match waited {
            Some(leader) => format!(
                "n{leader} leads (term {}) at {}ms",
                term_of(sim, leader),
                sim.now_ms()
            ),
            None => format!("no leader yet at {}ms", sim.now_ms()),
        };
        session.runner.notable_since_last();
        Ok((session, story))
    }

    /// The simulated cluster.
    pub fn sim(&self) -> &Sim {
        self.runner
            .cluster()
            .expect("a console session starts with its cluster")
    }

    fn sim_mut(&mut self) -> &mut Sim {
        self.runner
            .cluster_mut()
            .expect("a console session starts with its cluster")
    }

    /// The virtual time, for the prompt.
    pub fn now_ms(&self) -> TimeMs {
        self.sim().now_ms()
    }

    /// Runs one typed line. Never panics on what a user types; mistakes come back as text.
    pub fn execute(&mut self, line: &str) -> Reply {
        let reply = match parse_console_line(line) {
            Err(message) => Reply::text(format!("error: {message}")),
            Ok(ConsoleLine::Blank) => Reply::text(""),
            Ok(ConsoleLine::Help) => Reply::text(CONSOLE_HELP),
            Ok(ConsoleLine::Quit) => Reply {
                text: String::new(),
                quit: true,
            },
            Ok(ConsoleLine::Script(command)) => Reply::text(self.script_command(&command)),
            Ok(ConsoleLine::Etcdctl(command)) => Reply::text(self.etcdctl(&command)),
        };
        let streamed = self.watch_output();
        if streamed.is_empty() {
            reply
        } else if reply.text.is_empty() {
            Reply {
                text: streamed,
                ..reply
            }
        } else {
            Reply {
                text: format!("{}\n{streamed}", reply.text),
                ..reply
            }
        }
    }

    /// A script command: its script output, or `error: ...`. `status` also names the leader.
    fn script_command(&mut self, command: &str) -> String {
        // Show what this command caused, not what earlier etcdctl lines left in the trace.
        self.runner.notable_since_last();
        let result = self.runner.execute_line(command);
        match result {
            Ok(text) if command.split_whitespace().next() == Some("status") => {
                let leader = self
                    .sim()
                    .leader()
                    .map_or("none".to_string(), |l| format!("n{l}"));
                format!("{text}\nleader {leader}")
            }
            Ok(text) => text,
            Err(message) => format!("error: {message} (type .help)"),
        }
    }

    /// Sends an etcdctl line to the leader and runs time until it is answered.
    fn etcdctl(&mut self, line: &str) -> String {
        if let Some(frozen) = self.sim().violation() {
            return format!(
                "error: the run is frozen at the violation of monitor {} at {}ms",
                frozen.invariant, frozen.at_ms
            );
        }
        let waited_for_leader = self.wait_for_leader();
        let node = waited_for_leader.unwrap_or_else(|| self.fallback_node());
        let newest = |sim: &Sim| sim.ops().keys().next_back().copied();
        let before = newest(self.sim());
        let action = Action::Console {
            client: CLIENT,
            node,
            line: line.to_string(),
        };
        if let Err(error) = self.sim_mut().apply_action(&action) {
            self.runner.notable_since_last();
            return error.to_string().trim_end().to_string();
        }
        let Some(op) = newest(self.sim()).filter(|op| Some(*op) != before) else {
            return "error: the cluster did not record the command".into();
        };
        let mut steps = 0;
        while self.op_state(op) == Some(OpState::Pending) && steps < STEPS_PER_LINE_MAX {
            if !self.sim_mut().step() {
                break;
            }
            steps += 1;
        }
        self.runner.notable_since_last();
        let Some(answered) = self.sim().ops().get(&op) else {
            return format!("error: op{op} left the operations window before it was shown");
        };
        let mut text = answered.output.trim_end().to_string();
        let (state, ok, streaming) = (
            answered.state,
            answered.ok,
            answered.watch.is_some().then_some(answered.output.len()),
        );
        if let Some(shown) = streaming {
            self.watching.push((op, shown));
        }
        let hint = match state {
            OpState::Pending => Some(format!(
                "the cluster has not answered op{op} after {STEPS_PER_LINE_MAX} steps"
            )),
            OpState::TimedOut => Some(format!(
                "{}\nconsole: it timed out, so its outcome is unknown: a write may still be \
                 applied later",
                self.why_no_answer(node)
            )),
            OpState::Done if !ok && waited_for_leader.is_none() => Some(self.why_no_answer(node)),
            OpState::Done => None,
        };
        if let Some(hint) = hint {
            if !text.is_empty() {
                text.push('\n');
            }
            text.push_str(&format!("console: {hint}"));
        }
        text
    }

    fn op_state(&self, op: u64) -> Option<OpState> {
        self.sim().ops().get(&op).map(|o| o.state)
    }

    /// Runs virtual time until some node leads, for at most the client timeout: the console
    /// sends each command to the leader, as etcd's client balancer ends up doing, rather than
    /// to a node that would only time out. Returns the leader, if one emerged.
    fn wait_for_leader(&mut self) -> Option<NodeId> {
        let deadline = {
            let sim = self.sim();
            sim.now_ms().saturating_add(sim.config().client_timeout_ms)
        };
        let mut steps = 0;
        loop {
            let sim = self.sim();
            if let Some(leader) = sim.leader() {
                return Some(leader);
            }
            let due = sim.next_event_ms().is_some_and(|at| at <= deadline);
            if !due || steps >= STEPS_PER_LINE_MAX || !self.sim_mut().step() {
                return None;
            }
            steps += 1;
        }
    }

    /// Where a command goes when no node leads: the first running node (it will say "no
    /// leader"), or n1 when every node is down.
    fn fallback_node(&self) -> NodeId {
        let sim = self.sim();
        sim.nodes()
            .values()
            .find(|n| n.is_up())
            .or_else(|| sim.nodes().values().next())
            .map_or(NodeId(1), |n| n.id)
    }

    /// Why the cluster could not answer, in the terms of a quorum.
    fn why_no_answer(&self, node: NodeId) -> String {
        let sim = self.sim();
        let voters = sim.config().voters;
        let quorum = voters / 2 + 1;
        let down: Vec<String> = sim
            .nodes()
            .values()
            .filter(|n| !n.is_up())
            .map(|n| format!("n{}", n.id))
            .collect();
        let up = sim.nodes().values().filter(|n| n.is_up()).count();
        let leader = sim
            .leader()
            .map_or("no leader".to_string(), |l| format!("leader n{l}"));
        let down = if down.is_empty() {
            String::new()
        } else {
            format!(" (down: {})", down.join(" "))
        };
        format!(
            "no answer through n{node}: {leader}, {up} of {} nodes running{down}; a quorum is \
             {quorum} of {voters} voters that reach each other (.status shows the nodes; \
             .restart N and .heal bring them back)",
            sim.nodes().len()
        )
    }

    /// Events that open watches streamed since they were last shown, one block per watch.
    fn watch_output(&mut self) -> String {
        let mut blocks = Vec::new();
        let Some(sim) = self.runner.cluster() else {
            return String::new();
        };
        let ops = sim.ops();
        self.watching.retain_mut(|(op, shown)| {
            let Some(watch) = ops.get(op) else {
                return false;
            };
            if let Some(new) = watch.output.get(*shown..).filter(|new| !new.is_empty()) {
                blocks.push(format!("watch op{op}:\n{}", new.trim_end()));
                *shown = watch.output.len();
            }
            watch.watch.is_some()
        });
        blocks.join("\n")
    }
}

fn term_of(sim: &Sim, node: NodeId) -> u64 {
    sim.nodes()
        .get(&node)
        .and_then(|n| n.raft())
        .map_or(0, |r| r.raft().term().0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session() -> ConsoleSession {
        ConsoleSession::start(3, 1)
            .expect("a 3-node cluster starts")
            .0
    }

    #[test]
    fn a_put_and_a_get_are_answered_and_time_moves_only_while_answering() {
        let mut console = session();
        let started = console.now_ms();
        assert_eq!(console.execute("put greeting hello").text, "OK");
        let after_put = console.now_ms();
        assert!(after_put > started, "the put took virtual time");
        assert_eq!(console.execute("get greeting").text, "greeting\nhello");
        assert_eq!(console.execute("").text, "");
        assert!(console.now_ms() >= after_put);
    }

    #[test]
    fn same_seed_same_session() {
        let lines = [
            "put a 1", ".crash 1", ".crash 2", "get a", ".status", "put b 2",
        ];
        let transcript = || {
            let mut console = session();
            lines
                .iter()
                .map(|l| console.execute(l).text)
                .collect::<Vec<_>>()
        };
        assert_eq!(transcript(), transcript());
    }

    #[test]
    fn without_a_quorum_the_console_says_why_and_goes_on() {
        let (mut console, _) = ConsoleSession::start(3, 4).expect("starts");
        assert_eq!(console.execute("put a 1").text, "OK");
        let leader = console.sim().leader().expect("a leader");
        let others: Vec<u64> = (1..=3).filter(|n| *n != leader.0).collect();
        for node in &others {
            assert!(
                console
                    .execute(&format!(".crash {node}"))
                    .text
                    .starts_with("ok")
            );
        }
        let answer = console.execute("put a 2").text;
        assert!(answer.contains("console: "), "{answer}");
        assert!(answer.contains("a quorum is 2 of 3"), "{answer}");
        let restart = console.execute(&format!(".restart {}", others[0])).text;
        assert!(restart.starts_with("ok"), "{restart}");
        let answer = console.execute("get a").text;
        assert!(answer.starts_with("a\n"), "{answer}");
    }

    #[test]
    fn mistakes_are_answered_not_fatal() {
        let mut console = session();
        assert!(
            console
                .execute(".frobnicate 3")
                .text
                .contains("unknown command")
        );
        assert!(console.execute(".crash 9").text.starts_with("error"));
        assert!(console.execute(".crash two").text.contains("not a number"));
        assert!(console.execute(".").text.starts_with("error"));
        assert!(!console.execute("frobnicate a").text.is_empty());
        assert!(console.execute("put").text.contains("Error"));
        assert_eq!(console.execute("put a 1").text, "OK");
        assert!(console.execute(".quit").quit);
    }

    #[test]
    fn a_watch_streams_events_after_later_commands() {
        let mut console = session();
        assert_eq!(console.execute("watch w").text, "");
        let shown = [
            console.execute("put w 1").text,
            console.execute(".run 500").text,
        ];
        let shown = shown.join("\n");
        assert!(shown.contains("watch op0:\nPUT\nw\n1"), "{shown}");
        assert_eq!(shown.matches("watch op0:").count(), 1, "{shown}");
        assert!(!console.execute(".run 500").text.contains("watch op0"));
    }
}
