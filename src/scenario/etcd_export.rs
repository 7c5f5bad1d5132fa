//! The bridge to a real cluster: a run as a POSIX shell script that does the same to real
//! etcd members on this machine's loopback, so what a learner saw in the simulator can be
//! tried against the real thing, and raftlab's answers compared with etcd's.
//!
//! The script (its fixed part written by `etcd_export/prelude.rs`) starts one etcd member per
//! raftlab voter with the seed article's flags (the same [`crate::view::MemberFlags`] the node
//! panel shows), data directories under a fresh `mktemp -d`, ports from a base the environment
//! can move (`RAFTLAB_ETCD_PORT`), and waits until every member is healthy. It then replays
//! the run's actions in order:
//! - each etcdctl console line with `etcdctl --endpoints=<that node's member>` (see
//!   `etcdctl_call.rs` for how a line becomes etcdctl's arguments);
//! - crash as `kill -KILL` of the member, restart as starting it again on its data directory
//!   with `--initial-cluster-state existing`, pause and resume as `SIGSTOP` and `SIGCONT`;
//!   after each of these it waits until the running members are healthy again, as the
//!   simulated cluster had (virtual) time to elect a leader;
//! - every other action (links, partitions, single messages, membership, ...) as a comment
//!   that says it is not reproduced and why.
//!
//! It stops every member on exit (a trap, also on Ctrl-C or an error), removes the data
//! directory, and ends by printing every key and value after [`FINAL_MARKER`], to compare with
//! raftlab's key-value state. Console lines are user text: every word reaches etcdctl
//! single-quoted and every comment stays on its line (`shell_text.rs`), so no line can run a
//! command of its own.

use crate::raft::types::NodeId;
use crate::scenario::etcdctl_call::{EtcdctlCall, etcdctl_call};
use crate::scenario::link::Scenario;
use crate::scenario::shell_text::{comment, quote};
use crate::sim::action::Action;
use crate::sim::config::NODES_MAX;
use crate::sim::timeline::RecordedAction;
use prelude::{header, setup, start_function};
use std::collections::BTreeMap;

mod prelude;

/// The environment variable that moves the members' ports (default: etcd's own 2379).
pub const PORT_BASE_VAR: &str = "RAFTLAB_ETCD_PORT";
/// How long etcdctl may try to connect and then wait for an answer: a call to a member that
/// is down or paused fails after this instead of hanging the script.
const ETCDCTL_TIMEOUTS: &str = "--dial-timeout=2s --command-timeout=5s";
/// The line the script prints before the final keys and values.
pub const FINAL_MARKER: &str = "--- keys and values at the end (etcdctl get \"\" --prefix) ---";

/// What a member is doing at a point of the script, as the generator follows the actions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Member {
    Running,
    Paused,
    Down,
}

/// The shell script that replays `scenario`'s run (its actions up to the moment it shows)
/// against a real etcd cluster.
pub fn etcd_script(scenario: &Scenario) -> String {
    // A scenario from `Scenario::of` or `from_link` has 1 to 9 voters; one built by hand is
    // held to the same range rather than trusted with arithmetic on ports.
    let voters = scenario.config.voters.clamp(1, NODES_MAX);
    let taken: Vec<&RecordedAction> = scenario
        .actions
        .iter()
        .filter(|a| (a.at_step, a.at_ms.0) <= (scenario.cursor.step, scenario.cursor.ms))
        .collect();
    let mut out = String::new();
    header(&mut out, scenario, voters, taken.len());
    setup(&mut out, voters);
    for id in 1..=voters {
        start_function(&mut out, id);
    }
    let mut members: BTreeMap<NodeId, Member> = (1..=voters)
        .map(|id| (NodeId(id), Member::Running))
        .collect();
    out.push_str("\n# The cluster: every member founding it.\n");
    for id in 1..=voters {
        out.push_str(&format!("start_n{id} new\n"));
    }
    out.push_str(&format!(
        "if ! healthy \"{}\"; then\n  tail -n 20 \"$DATA\"/n*.log >&2\n  exit 1\nfi\n\
         echo \"raftlab: {voters} etcd members are up ($CLUSTER)\" >&2\n",
        endpoints(&members)
    ));
    let mut watches = false;
    for recorded in taken {
        out.push_str(&format!(
            "\n# {}ms (step {}): {}\n",
            recorded.at_ms,
            recorded.at_step,
            comment(&recorded.action.to_string())
        ));
        let ids = scenario.config.node_ids();
        match &recorded.action {
            Action::Console { node, line, .. } => match etcdctl_call(line, *node, ids) {
                Ok(call) => {
                    watches |= call.streams;
                    console(&mut out, &members, line, &call);
                }
                Err(why) => not_reproduced(&mut out, &format!("raftlab refuses it: {why}")),
            },
            Action::Crash { node } => crash(&mut out, &mut members, *node),
            Action::Restart { node } => transition(
                &mut out,
                &mut members,
                *node,
                (Member::Down, "down"),
                Member::Running,
                &format!("start_n{node} existing\n"),
            ),
            Action::Pause { node } => transition(
                &mut out,
                &mut members,
                *node,
                (Member::Running, "running"),
                Member::Paused,
                &format!("kill -STOP \"$PID{node}\"\n"),
            ),
            Action::Resume { node } => transition(
                &mut out,
                &mut members,
                *node,
                (Member::Paused, "paused"),
                Member::Running,
                &format!("kill -CONT \"$PID{node}\"\n"),
            ),
            Action::TransferLeader { to, .. } => transfer(&mut out, &members, *to),
            other => not_reproduced(&mut out, why_not(other)),
        }
    }
    finish(&mut out, &members, watches);
    out
}

/// The client URLs of the members that answer (running, not paused), as `$C1,$C3`.
fn endpoints(members: &BTreeMap<NodeId, Member>) -> String {
    members
        .iter()
        .filter(|(_, m)| **m == Member::Running)
        .map(|(id, _)| format!("$C{id}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// After a change of members: wait until the running ones are healthy (nothing to wait for
/// when none runs; a lost quorum is the run's own story, so the script goes on).
fn wait_healthy(out: &mut String, members: &BTreeMap<NodeId, Member>) {
    let running = endpoints(members);
    if !running.is_empty() {
        out.push_str(&format!(
            "healthy \"{running}\" || echo \"raftlab: going on without a healthy cluster\" >&2\n"
        ));
    }
}

fn not_reproduced(out: &mut String, why: &str) {
    out.push_str(&format!("# not reproduced: {}\n", comment(why)));
}

/// Why an action has no counterpart on a real cluster.
fn why_not(action: &Action) -> &'static str {
    match action {
        Action::FireTimer { .. } => "etcd has no command that starts an election at once",
        Action::Partition { .. }
        | Action::Isolate { .. }
        | Action::Heal
        | Action::SetLinkUp { .. }
        | Action::SetLink { .. }
        | Action::SetDefaultLink { .. } => {
            "the network between real members is not simulated (cutting loopback links needs root: iptables or tc)"
        }
        Action::Hold { .. }
        | Action::Release { .. }
        | Action::Drop { .. }
        | Action::DeliverNow { .. } => {
            "a real cluster's single Raft messages cannot be held, dropped or delivered by hand"
        }
        Action::Propose { .. } => "raw Raft data is not an etcd request",
        Action::Compact { .. } => {
            "etcd snapshots its log by itself (--snapshot-count); etcdctl cannot ask a member for one"
        }
        Action::ReadIndex { .. } => {
            "a read index alone is not an etcd request (every linearizable get asks for one)"
        }
        Action::Retry { .. } => {
            "a retry resends raftlab's stored request with its session stamp; etcdctl has no such call"
        }
        Action::ChangeMembership { .. }
        | Action::ChangeConfig { .. }
        | Action::LeaveJoint { .. } => {
            "membership changes are not exported: the real cluster keeps its founding members"
        }
        Action::Console { .. }
        | Action::Crash { .. }
        | Action::Restart { .. }
        | Action::Pause { .. }
        | Action::Resume { .. }
        | Action::TransferLeader { .. } => "it has no counterpart here",
    }
}

/// A member the real cluster has, or a comment saying it has none.
fn member(out: &mut String, members: &BTreeMap<NodeId, Member>, node: NodeId) -> Option<Member> {
    let state = members.get(&node).copied();
    if state.is_none() {
        not_reproduced(
            out,
            &format!(
                "n{node} is no member of the real cluster (only raftlab's founding voters are)"
            ),
        );
    }
    state
}

/// One console line: shown as typed, then run against its node's member.
fn console(out: &mut String, members: &BTreeMap<NodeId, Member>, line: &str, call: &EtcdctlCall) {
    let Some(state) = member(out, members, call.node) else {
        return;
    };
    let mut args = Vec::with_capacity(call.args.len());
    for arg in &call.args {
        match quote(arg) {
            Some(word) => args.push(word),
            None => {
                return not_reproduced(
                    out,
                    "an argument holds a NUL byte, which no process argument can",
                );
            }
        }
    }
    let shown = quote(&format!("n{}> {line}", call.node))
        .unwrap_or_else(|| "'(a line with a NUL byte)'".into());
    match state {
        Member::Down => out.push_str(&format!(
            "# n{} is down: etcdctl cannot reach it (raftlab's client waits until it times out)\n",
            call.node
        )),
        Member::Paused => out.push_str(&format!(
            "# n{} is paused: etcdctl waits at most its command timeout (raftlab's client waits for the resume)\n",
            call.node
        )),
        Member::Running => {}
    }
    out.push_str(&format!("printf '%s\\n' {shown}\n"));
    let stdin = match call.stdin.as_deref().map(quote) {
        Some(Some(text)) => format!("printf '%s' {text} | "),
        Some(None) => return not_reproduced(out, "its txn holds a NUL byte"),
        None => String::new(),
    };
    let command = format!(
        "{stdin}ctl --endpoints=\"$C{}\" {}",
        call.node,
        args.join(" ")
    );
    if call.streams {
        // Not through `ctl`: a function in the background is a subshell, and stopping it
        // would leave its etcdctl running. `$!` must be etcdctl itself. The second after it
        // lets the watch start before the next command, as raftlab's watch is open at once.
        out.push_str(&format!(
            "# a watch streams until the end of the script: it runs in the background\n\
             \"$ETCDCTL\" {ETCDCTL_TIMEOUTS} --endpoints=\"$C{}\" {} &\nWATCHERS=\"$WATCHERS $!\"\nsleep 1\n",
            call.node,
            args.join(" ")
        ));
    } else {
        out.push_str(&command);
        out.push('\n');
    }
}

fn crash(out: &mut String, members: &mut BTreeMap<NodeId, Member>, node: NodeId) {
    match member(out, members, node) {
        None => {}
        Some(Member::Down) => not_reproduced(out, &format!("n{node} is already down")),
        Some(_) => {
            out.push_str(&format!(
                "kill -KILL \"$PID{node}\" 2>/dev/null\nwait \"$PID{node}\" 2>/dev/null\nPID{node}=\n"
            ));
            members.insert(node, Member::Down);
            wait_healthy(out, members);
        }
    }
}

/// Moves member `node` from state `from` to `to` with the shell `command`, then waits for
/// the cluster's health; a member in another state gets a comment that it is not `from_word`.
fn transition(
    out: &mut String,
    members: &mut BTreeMap<NodeId, Member>,
    node: NodeId,
    (from, from_word): (Member, &str),
    to: Member,
    command: &str,
) {
    match member(out, members, node) {
        None => {}
        Some(state) if state == from => {
            out.push_str(command);
            members.insert(node, to);
            wait_healthy(out, members);
        }
        Some(_) => not_reproduced(out, &format!("n{node} is not {from_word}")),
    }
}

/// A leadership transfer: `etcdctl move-leader`, which finds the leader among the running
/// members (etcd's leader need not be raftlab's) and hands over to `to`.
fn transfer(out: &mut String, members: &BTreeMap<NodeId, Member>, to: NodeId) {
    if member(out, members, to).is_none() {
        return;
    }
    let running = endpoints(members);
    if running.is_empty() {
        return not_reproduced(out, "no member is running");
    }
    out.push_str(&format!(
        "ctl --endpoints=\"{running}\" move-leader \"$(member_id n{to} \"{running}\")\"\n"
    ));
}

/// The end: stop the watches, then print every key and value.
fn finish(out: &mut String, members: &BTreeMap<NodeId, Member>, watches: bool) {
    out.push_str("\n# The end of the run: every key and value, to compare with raftlab's.\n");
    if watches {
        out.push_str(
            "sleep 1\nfor pid in $WATCHERS; do\n  kill \"$pid\" 2>/dev/null\n  wait \"$pid\" 2>/dev/null\ndone\nWATCHERS=\n",
        );
    }
    out.push_str(&format!(
        "printf '%s\\n' {}\n",
        quote(FINAL_MARKER).unwrap_or_default()
    ));
    let running = endpoints(members);
    if running.is_empty() {
        out.push_str("echo \"raftlab: no member is running at the end: nothing to read\" >&2\n");
    } else {
        out.push_str(&format!(
            "ctl --endpoints=\"{running}\" get \"\" --prefix\n"
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::link::{Cursor, LINK_VERSION};
    use crate::sim::config::SimConfig;
    use crate::sim::queue::TimeMs;

    fn scenario(actions: Vec<Action>) -> Scenario {
        let actions: Vec<RecordedAction> = actions
            .into_iter()
            .enumerate()
            .map(|(i, action)| RecordedAction {
                at_step: 100 * (i as u64 + 1),
                at_ms: TimeMs(1_000 * (i as u64 + 1)),
                action,
            })
            .collect();
        Scenario {
            version: LINK_VERSION,
            config: SimConfig {
                voters: 3,
                spares: 1,
                ..SimConfig::default()
            },
            actions,
            cursor: Cursor {
                step: 10_000,
                ms: 100_000,
            },
            end: Cursor {
                step: 10_000,
                ms: 100_000,
            },
            state_hash: "0123456789abcdef".into(),
        }
    }

    fn console(node: u64, line: &str) -> Action {
        Action::Console {
            client: 1,
            node: NodeId(node),
            line: line.into(),
        }
    }

    #[test]
    fn members_start_with_the_seed_flags_on_movable_ports() {
        let script = etcd_script(&scenario(vec![]));
        assert!(script.starts_with("#!/bin/sh\n"));
        assert!(script.contains("BASE=${RAFTLAB_ETCD_PORT:-2379}"));
        assert!(
            script.contains("C3=http://127.0.0.1:$((BASE + 4))\nP3=http://127.0.0.1:$((BASE + 5))")
        );
        assert!(script.contains("CLUSTER=n1=$P1,n2=$P2,n3=$P3\n"));
        for flag in [
            "--name n2 \\",
            "--data-dir \"$DATA/n2.etcd\" \\",
            "--listen-client-urls \"$C2\" \\",
            "--advertise-client-urls \"$C2\" \\",
            "--listen-peer-urls \"$P2\" \\",
            "--initial-advertise-peer-urls \"$P2\" \\",
            "--initial-cluster \"$CLUSTER\" \\",
            "--initial-cluster-state \"$1\" \\",
        ] {
            assert!(script.contains(flag), "{flag}");
        }
        assert!(script.contains("start_n1 new\nstart_n2 new\nstart_n3 new\n"));
        assert!(!script.contains("start_n4"), "a spare is no member");
        assert!(script.contains("trap cleanup EXIT"));
        assert!(script.ends_with(&format!(
            "printf '%s\\n' '{FINAL_MARKER}'\nctl --endpoints=\"$C1,$C2,$C3\" get \"\" --prefix\n"
        )));
    }

    #[test]
    fn node_actions_become_signals_and_restarts() {
        let script = etcd_script(&scenario(vec![
            Action::Crash { node: NodeId(3) },
            console(1, "put a 1"),
            Action::Restart { node: NodeId(3) },
            Action::Pause { node: NodeId(2) },
            Action::Resume { node: NodeId(2) },
            Action::Pause { node: NodeId(1) },
        ]));
        assert!(script.contains("kill -KILL \"$PID3\" 2>/dev/null\nwait \"$PID3\" 2>/dev/null\nPID3=\nhealthy \"$C1,$C2\""));
        assert!(script.contains("printf '%s\\n' 'n1> put a 1'\nctl --endpoints=\"$C1\" put a 1\n"));
        assert!(script.contains("start_n3 existing\nhealthy \"$C1,$C2,$C3\""));
        assert!(script.contains("kill -STOP \"$PID2\"\nhealthy \"$C1,$C3\""));
        assert!(script.contains("kill -CONT \"$PID2\"\nhealthy \"$C1,$C2,$C3\""));
        assert!(
            script.ends_with("ctl --endpoints=\"$C2,$C3\" get \"\" --prefix\n"),
            "n1 is paused at the end"
        );
    }

    #[test]
    fn what_has_no_counterpart_is_a_comment_that_says_why() {
        let script = etcd_script(&scenario(vec![
            Action::SetLinkUp {
                from: NodeId(1),
                to: NodeId(2),
                up: false,
            },
            Action::Drop { message: 7 },
            Action::Restart { node: NodeId(2) },
            console(4, "put a 1"),
            Action::ChangeMembership {
                via: NodeId(1),
                change: crate::sim::action::MembershipChange::AddVoter { node: NodeId(4) },
            },
        ]));
        assert!(
            script.contains("# 1000ms (step 100): link n1->n2 down\n# not reproduced: the network")
        );
        assert!(script.contains(
            "# 2000ms (step 200): drop m7\n# not reproduced: a real cluster's single Raft messages"
        ));
        assert!(script.contains("# not reproduced: n2 is not down"));
        assert!(script.contains("# not reproduced: n4 is no member of the real cluster"));
        assert!(script.contains("# not reproduced: membership changes are not exported"));
        assert!(!script.contains("n4>"));
    }

    #[test]
    fn hostile_console_text_stays_data() {
        let hostile = [
            "put k \"$(touch /tmp/raftlab-pwned)\"",
            "put k '`reboot`'",
            "put \"a'; rm -rf ~; echo '\" v",
            "put k \"line\nrm -rf ~\"",
        ];
        let script = etcd_script(&scenario(hostile.iter().map(|l| console(1, l)).collect()));
        assert!(script.contains("ctl --endpoints=\"$C1\" put k '$(touch /tmp/raftlab-pwned)'\n"));
        assert!(script.contains("ctl --endpoints=\"$C1\" put k '`reboot`'\n"));
        assert!(script.contains(r#"ctl --endpoints="$C1" put 'a'\''; rm -rf ~; echo '\''' v"#));
        assert!(
            script.contains("# 4000ms (step 400): client c1 -> n1: put k \"line\\u{a}rm -rf ~\"\n")
        );
        assert!(script.contains("ctl --endpoints=\"$C1\" put k 'line\nrm -rf ~'\n"));
        // What the shell really does with these lines: tests/etcd_export.rs runs the script
        // with a stand-in etcdctl that records its arguments.
    }

    #[test]
    fn a_watch_runs_in_the_background_as_etcdctl_itself_and_stops_before_the_end() {
        let script = etcd_script(&scenario(vec![console(2, "watch k --prefix")]));
        assert!(script.contains(
            "\"$ETCDCTL\" --dial-timeout=2s --command-timeout=5s --endpoints=\"$C2\" watch k --prefix &\nWATCHERS=\"$WATCHERS $!\"\nsleep 1\n"
        ));
        let stop = script
            .find("kill \"$pid\" 2>/dev/null\n  wait \"$pid\"")
            .expect("stopped");
        assert!(stop < script.find(FINAL_MARKER).expect("the marker"));
    }

    #[test]
    fn a_hand_made_scenario_is_held_to_one_to_nine_members() {
        for (voters, members) in [(0, 1), (40, 9)] {
            let mut odd = scenario(vec![]);
            odd.config.voters = voters;
            let script = etcd_script(&odd);
            assert!(script.contains(&format!("start_n{members} new\n")));
            assert!(!script.contains(&format!("start_n{} new", members + 1)));
        }
    }

    #[test]
    fn a_past_moment_leaves_the_recorded_future_out() {
        let mut past = scenario(vec![console(1, "put a 1"), console(1, "put b 2")]);
        past.cursor = Cursor {
            step: 150,
            ms: 1_500,
        };
        let script = etcd_script(&past);
        assert!(script.contains("put a 1"));
        assert!(!script.contains("put b 2"));
        assert!(script.contains("the 1 recorded actions after it are left out"));
    }
}
