//! A raftlab console line as a call of the real `etcdctl`: the member it goes to, its
//! arguments and what it reads on stdin. The real-etcd export (`etcd_export.rs`) writes one
//! per console action.
//!
//! The line is read by raftlab's own console parser (the same words, flags and `--endpoints`
//! the simulated cluster saw), then written back in etcdctl's terms:
//! - `ETCDCTL_API=3 etcdctl` and `--endpoints` are dropped: the script sets the API version
//!   once and names the member's real client URL itself.
//! - flags are written in their long `--name=value` form after the command's words; a
//!   quoted argument that starts with `-` (raftlab never reads a quoted word as a flag, so
//!   `put k '-1'` puts `-1`) comes after `--`, which tells etcdctl the same.
//! - `txn`: raftlab takes compares, then-ops and else-ops as three quoted arguments, etcdctl
//!   reads them from stdin (docs/kv.md); the items go to stdin as the etcd differential test
//!   feeds them.
//! - `lease keep-alive` answers once in raftlab; etcdctl would stream until stopped, so the
//!   call gets `--once`.
//! - `watch` streams in etcdctl until stopped: the call says so, and the export runs it in the
//!   background until the script ends.

use crate::kv::console::flags::{sort_words, takes_value};
use crate::kv::console::lexer::split_words;
use crate::kv::console::txn_syntax::etcdctl_stdin;
use crate::kv::console::{Action, LeaseAction};
use crate::raft::types::NodeId;
use crate::sim::client;

/// How to run one console line with the real `etcdctl`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EtcdctlCall {
    /// The member the line goes to: the one its `--endpoints` names, else the action's node.
    pub node: NodeId,
    /// etcdctl's arguments, without `--endpoints` (each still to be quoted for the shell).
    pub args: Vec<String>,
    /// What etcdctl reads on stdin (a txn's compares and ops).
    pub stdin: Option<String>,
    /// True for a watch: etcdctl keeps printing events until it is stopped.
    pub streams: bool,
}

/// The etcdctl call for console `line` sent to `node` of a cluster of nodes `ids`; an error in
/// words when raftlab's console would refuse the line or its `--endpoints` names no node.
pub fn etcdctl_call(
    line: &str,
    node: NodeId,
    ids: impl IntoIterator<Item = NodeId>,
) -> Result<EtcdctlCall, String> {
    let command = client::parse(line)?;
    let node = match command.endpoint.as_deref() {
        Some(endpoint) => client::endpoint_node(ids, endpoint)
            .ok_or_else(|| format!("--endpoints={endpoint} names no node of this cluster"))?,
        None => node,
    };
    // The parser accepted the line, so the words split and sort again without error.
    let words = split_words(line).map_err(|e| e.render(line))?;
    let skip = words
        .iter()
        .take(2)
        .take_while(|w| w.text.starts_with("ETCDCTL_API=") || w.text == "etcdctl")
        .count();
    let sorted = sort_words(&words[skip..]).map_err(|e| e.render(line))?;
    let mut positionals: Vec<String> = sorted.positionals.iter().map(|w| w.text.clone()).collect();
    let mut flags: Vec<String> = sorted
        .flags
        .iter()
        .filter(|flag| flag.name != "endpoints")
        .map(|flag| match flag.value.as_str() {
            "true" if !takes_value(flag.name) => format!("--{}", flag.name),
            value => format!("--{}={value}", flag.name),
        })
        .collect();
    let stdin = match &command.action {
        Action::Txn(_) => {
            let stdin = etcdctl_stdin(&sorted.positionals[1..]);
            positionals.truncate(1);
            Some(stdin)
        }
        _ => None,
    };
    if matches!(command.action, Action::Lease(LeaseAction::KeepAlive(_)))
        && !flags.iter().any(|f| f == "--once" || f == "--once=true")
    {
        flags.push("--once".into());
    }
    Ok(EtcdctlCall {
        node,
        args: arrange(positionals, flags),
        stdin,
        streams: matches!(command.action, Action::Watch { .. }),
    })
}

/// The command's words, then the flags, then (after `--`) the arguments from the first that
/// starts with `-`: etcdctl reads flags anywhere but takes nothing after `--` as one.
fn arrange(positionals: Vec<String>, flags: Vec<String>) -> Vec<String> {
    let dashed = positionals
        .iter()
        .skip(1)
        .position(|word| word.starts_with('-'))
        .map_or(positionals.len(), |at| at + 1);
    let mut args = positionals;
    let rest = args.split_off(dashed);
    args.extend(flags);
    if !rest.is_empty() {
        args.push("--".into());
        args.extend(rest);
    }
    args
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(line: &str) -> EtcdctlCall {
        etcdctl_call(line, NodeId(1), (1..=3).map(NodeId)).expect(line)
    }

    #[test]
    fn the_seed_line_goes_to_the_member_its_endpoints_names() {
        let c = call("ETCDCTL_API=3 etcdctl --endpoints=http://localhost:22379 put mykey myvalue");
        assert_eq!(c.node, NodeId(2));
        assert_eq!(c.args, ["put", "mykey", "myvalue"]);
        assert_eq!((c.stdin, c.streams), (None, false));
        assert_eq!(call("get k --endpoints n3").node, NodeId(3));
        assert_eq!(
            call("get k").node,
            NodeId(1),
            "no --endpoints: the action's node"
        );
    }

    #[test]
    fn flags_come_after_the_words_in_long_form() {
        assert_eq!(
            call("get -w json a --prefix --rev 3").args,
            ["get", "a", "--write-out=json", "--prefix", "--rev=3"]
        );
        assert_eq!(
            call("del k --prev-kv=false").args,
            ["del", "k", "--prev-kv=false"]
        );
    }

    #[test]
    fn a_quoted_dash_argument_stays_an_argument() {
        assert_eq!(
            call("put k '-1' --prev-kv").args,
            ["put", "k", "--prev-kv", "--", "-1"]
        );
    }

    #[test]
    fn txn_items_go_to_stdin() {
        let c = call(r#"txn 'value("k") = "v"' 'put k w' 'get k' -w json"#);
        assert_eq!(c.args, ["txn", "--write-out=json"]);
        assert_eq!(
            c.stdin.as_deref(),
            Some("value(\"k\") = \"v\"\n\nput k w\n\nget k\n\n")
        );
    }

    #[test]
    fn watch_streams_and_keep_alive_answers_once() {
        assert!(call("watch k --prefix").streams);
        assert_eq!(
            call("lease keep-alive 694d77aa9e2e1a04").args,
            ["lease", "keep-alive", "694d77aa9e2e1a04", "--once"]
        );
    }

    #[test]
    fn a_line_raftlab_refuses_is_an_error_in_words() {
        let err = |line: &str| etcdctl_call(line, NodeId(1), (1..=3).map(NodeId)).expect_err(line);
        assert!(err("frobnicate k").contains("unknown command"));
        assert!(err("put k v --endpoints=n7").contains("names no node"));
        assert!(err("").contains("empty command"));
    }
}
