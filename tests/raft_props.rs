//! Property tests: the log against a plain `Vec` model, quorum arithmetic against brute force,
//! random malformed messages (never a panic), and random cluster runs (never a violation).

mod raft_harness;

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use raftlab::raft::config::Config;
use raftlab::raft::log::RaftLog;
use raftlab::raft::message::{
    ConfState, Entry, EntryType, Message, MessageType, Snapshot, SnapshotMetadata,
};
use raftlab::raft::quorum::{JointConfig, MajorityConfig, VoteResult};
use raftlab::raft::raw_node::RawNode;
use raftlab::raft::storage::MemStorage;
use raftlab::raft::types::{Index, NodeId, Term};
use raftlab::scenario::script::parse_command;

// ----- log vs model ---------------------------------------------------------------------

#[derive(Clone, Debug)]
enum LogOp {
    /// Append terms at `from` (clamped into the legal range).
    Append { from: u64, terms: Vec<u64> },
    /// A follower's append: prev index/term and entries after it.
    MaybeAppend {
        prev: u64,
        prev_term: u64,
        terms: Vec<u64>,
        commit: u64,
    },
    /// Persist the unstable tail.
    Persist,
    /// Raise the commit index.
    Commit { to: u64 },
    /// Ask for the conflict hint.
    Hint { index: u64, term: u64 },
}

fn log_op() -> impl Strategy<Value = LogOp> {
    prop_oneof![
        (0u64..12, proptest::collection::vec(1u64..5, 0..4))
            .prop_map(|(from, terms)| LogOp::Append { from, terms }),
        (
            0u64..12,
            0u64..5,
            proptest::collection::vec(1u64..5, 0..4),
            0u64..12
        )
            .prop_map(|(prev, prev_term, terms, commit)| LogOp::MaybeAppend {
                prev,
                prev_term,
                terms,
                commit
            }),
        Just(LogOp::Persist),
        (0u64..12).prop_map(|to| LogOp::Commit { to }),
        (0u64..14, 0u64..6).prop_map(|(index, term)| LogOp::Hint { index, term }),
    ]
}

fn entries_from(first: u64, terms: &[u64]) -> Vec<Entry> {
    terms
        .iter()
        .enumerate()
        .map(|(i, &t)| Entry {
            term: Term(t),
            index: Index(first + i as u64),
            ..Entry::default()
        })
        .collect()
}

fn model_term(model: &[u64], index: u64) -> Option<u64> {
    if index == 0 {
        return Some(0);
    }
    model.get(index as usize - 1).copied()
}

fn check_log(log: &RaftLog, model: &[u64], committed: u64) -> Result<(), TestCaseError> {
    prop_assert_eq!(log.last_index().0, model.len() as u64);
    for i in 0..=model.len() as u64 {
        prop_assert_eq!(
            log.term(Index(i)).map(|t| t.0),
            model_term(model, i),
            "index {}",
            i
        );
    }
    prop_assert_eq!(log.committed.0, committed);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn log_matches_vec_model(ops in proptest::collection::vec(log_op(), 1..40)) {
        let mut log = RaftLog::new(MemStorage::new_with_conf_state(ConfState::from_voters([1])));
        let mut model: Vec<u64> = Vec::new();
        let mut committed = 0u64;
        for op in ops {
            match op {
                LogOp::Append { from, terms } => {
                    if terms.is_empty() { continue; }
                    let from = from.clamp(committed + 1, model.len() as u64 + 1);
                    log.append(&entries_from(from, &terms));
                    model.truncate(from as usize - 1);
                    model.extend_from_slice(&terms);
                }
                LogOp::MaybeAppend { prev, prev_term, terms, commit } => {
                    let entries = entries_from(prev + 1, &terms);
                    let got = log.maybe_append(Index(prev), Term(prev_term), Index(commit), &entries, false);
                    let expected = if model_term(&model, prev) != Some(prev_term) {
                        None
                    } else {
                        // First conflicting or new entry; refuse a conflict with a committed one.
                        let conflict = entries
                            .iter()
                            .find(|e| model_term(&model, e.index.0) != Some(e.term.0))
                            .map(|e| e.index.0);
                        match conflict {
                            Some(c) if c <= committed => None,
                            Some(c) => {
                                model.truncate(c as usize - 1);
                                let skip = (c - prev - 1) as usize;
                                model.extend(entries[skip..].iter().map(|e| e.term.0));
                                Some(prev + terms.len() as u64)
                            }
                            None => Some(prev + terms.len() as u64),
                        }
                    };
                    prop_assert_eq!(got.map(|i| i.0), expected);
                    if let Some(last_new) = expected {
                        let target = commit.min(last_new);
                        if target > committed && target <= model.len() as u64 {
                            committed = target;
                        }
                    }
                }
                LogOp::Persist => {
                    let entries = log.unstable.entries.clone();
                    if let Some(last) = entries.last() {
                        log.storage.append(&entries).map_err(|e| TestCaseError::fail(e.to_string()))?;
                        log.unstable.stable_to(last.index, last.term);
                    }
                }
                LogOp::Commit { to } => {
                    log.commit_to(Index(to));
                    if to > committed && to <= model.len() as u64 {
                        committed = to;
                    }
                }
                LogOp::Hint { index, term } => {
                    let (hint, hint_term) = log.find_conflict_by_term(Index(index), Term(term));
                    let mut expected = index.min(model.len() as u64);
                    while model_term(&model, expected).is_some_and(|t| t > term) {
                        expected -= 1;
                    }
                    prop_assert_eq!(hint.0, expected);
                    prop_assert_eq!(Some(hint_term.0), model_term(&model, expected));
                }
            }
            check_log(&log, &model, committed)?;
        }
    }
}

// ----- quorum vs brute force ------------------------------------------------------------

fn brute_committed(voters: &BTreeSet<NodeId>, acked: &BTreeMap<NodeId, u64>) -> u64 {
    if voters.is_empty() {
        return u64::MAX;
    }
    let quorum = voters.len() / 2 + 1;
    let candidates: BTreeSet<u64> = voters.iter().map(|v| *acked.get(v).unwrap_or(&0)).collect();
    candidates
        .into_iter()
        .filter(|&k| {
            voters
                .iter()
                .filter(|v| *acked.get(v).unwrap_or(&0) >= k)
                .count()
                >= quorum
        })
        .max()
        .unwrap_or(0)
}

fn brute_vote(voters: &BTreeSet<NodeId>, votes: &BTreeMap<NodeId, bool>) -> VoteResult {
    if voters.is_empty() {
        return VoteResult::Won;
    }
    let quorum = voters.len() / 2 + 1;
    let yes = voters
        .iter()
        .filter(|v| votes.get(v) == Some(&true))
        .count();
    let no = voters
        .iter()
        .filter(|v| votes.get(v) == Some(&false))
        .count();
    if yes >= quorum {
        VoteResult::Won
    } else if voters.len() - no >= quorum {
        VoteResult::Pending
    } else {
        VoteResult::Lost
    }
}

/// Up to 24 voters: past the 16 that `committed_index` counts on the stack.
fn id_set() -> impl Strategy<Value = BTreeSet<NodeId>> {
    proptest::collection::btree_set((1u64..30).prop_map(NodeId), 0..24)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn quorum_matches_brute_force(
        incoming in id_set(),
        outgoing in id_set(),
        acked in proptest::collection::btree_map((1u64..30).prop_map(NodeId), 0u64..20, 0..30),
        votes in proptest::collection::btree_map((1u64..30).prop_map(NodeId), any::<bool>(), 0..30),
    ) {
        let majority = MajorityConfig::new(incoming.clone());
        let got = majority.committed_index(|id| acked.get(&id).map(|&i| Index(i)));
        prop_assert_eq!(got.0, brute_committed(&incoming, &acked));
        prop_assert_eq!(majority.vote_result(|id| votes.get(&id).copied()), brute_vote(&incoming, &votes));

        let joint = JointConfig { incoming: majority, outgoing: MajorityConfig::new(outgoing.clone()) };
        let got = joint.committed_index(|id| acked.get(&id).map(|&i| Index(i)));
        prop_assert_eq!(got.0, brute_committed(&incoming, &acked).min(brute_committed(&outgoing, &acked)));
        let (a, b) = (brute_vote(&incoming, &votes), brute_vote(&outgoing, &votes));
        let expected = if a == VoteResult::Won && b == VoteResult::Won {
            VoteResult::Won
        } else if a == VoteResult::Lost || b == VoteResult::Lost {
            VoteResult::Lost
        } else {
            VoteResult::Pending
        };
        prop_assert_eq!(joint.vote_result(|id| votes.get(&id).copied()), expected);
    }
}

// ----- malformed messages never panic ---------------------------------------------------

fn arbitrary_message() -> impl Strategy<Value = Message> {
    let kinds = prop_oneof![
        Just(MessageType::MsgApp),
        Just(MessageType::MsgAppResp),
        Just(MessageType::MsgVote),
        Just(MessageType::MsgVoteResp),
        Just(MessageType::MsgPreVote),
        Just(MessageType::MsgPreVoteResp),
        Just(MessageType::MsgHeartbeat),
        Just(MessageType::MsgHeartbeatResp),
        Just(MessageType::MsgSnapshot),
        Just(MessageType::MsgReadIndex),
        Just(MessageType::MsgReadIndexResp),
        Just(MessageType::MsgTransferLeader),
        Just(MessageType::MsgTimeoutNow),
        Just(MessageType::MsgProp),
    ];
    let entry = (
        0u64..6,
        0u64..30,
        0u8..3,
        proptest::collection::vec(any::<u8>(), 0..4),
    )
        .prop_map(|(t, i, k, data)| Entry {
            term: Term(t),
            index: Index(i),
            entry_type: match k {
                0 => EntryType::Normal,
                1 => EntryType::ConfChange,
                _ => EntryType::ConfChangeV2,
            },
            data: data.into(),
        });
    let snapshot = proptest::option::of((0u64..30, 0u64..6, id_set(), id_set()).prop_map(
        |(index, term, voters, learners)| Snapshot {
            metadata: SnapshotMetadata {
                conf_state: ConfState {
                    voters,
                    learners,
                    ..ConfState::default()
                },
                index: Index(index),
                term: Term(term),
            },
            data: std::sync::Arc::default(),
        },
    ));
    (
        kinds,
        0u64..6,
        (0u64..8, 0u64..6, 0u64..30, 0u64..30),
        proptest::collection::vec(entry, 0..4),
        snapshot,
        any::<bool>(),
        0u64..40,
    )
        .prop_map(
            |(msg_type, from, (term, log_term, index, commit), entries, snapshot, reject, hint)| {
                Message {
                    msg_type,
                    from: NodeId(from),
                    to: NodeId(1),
                    term: Term(term),
                    log_term: Term(log_term),
                    index: Index(index),
                    entries,
                    commit: Index(commit),
                    snapshot: snapshot.map(Box::new),
                    reject,
                    reject_hint: Index(hint),
                    context: Vec::new(),
                    lease_tick: 0,
                }
            },
        )
}

fn drive(node: &mut RawNode) {
    for _ in 0..4 {
        if !node.has_ready() {
            break;
        }
        let rd = node.ready();
        node.advance(&rd);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_messages_never_panic(
        leader in any::<bool>(),
        messages in proptest::collection::vec(arbitrary_message(), 1..40),
    ) {
        let storage = MemStorage::new_with_conf_state(ConfState::from_voters([1, 2, 3]));
        let mut node = RawNode::new(&Config::new(NodeId(1)), storage).expect("valid config");
        if leader {
            // Win an election by hand so the leader paths see the garbage too.
            node.campaign().expect("voter");
            drive(&mut node);
            for kind in [MessageType::MsgPreVoteResp, MessageType::MsgVoteResp] {
                let term = node.status().term.0 + u64::from(kind == MessageType::MsgPreVoteResp);
                let _ = node.step(Message { msg_type: kind, from: NodeId(2), to: NodeId(1), term: Term(term), ..Message::default() });
                drive(&mut node);
            }
        }
        for m in messages {
            let _ = node.step(m);
            drive(&mut node);
            node.tick();
            let s = node.status();
            prop_assert!(s.applied <= s.commit && s.commit <= s.last_index);
        }
    }
}

// ----- random cluster runs keep the invariants ------------------------------------------

fn command() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (1u64..6).prop_map(|n| format!("tick-election {n}")),
        3 => (1u64..6).prop_map(|n| format!("tick-heartbeat {n}")),
        6 => (1u64..6).prop_map(|n| format!("propose {n} v{n}")),
        10 => (1u64..6).prop_map(|n| format!("process-ready {n}")),
        3 => (1u64..6).prop_map(|n| format!("ready {n}")),
        3 => (1u64..6).prop_map(|n| format!("advance {n}")),
        10 => (1u64..6).prop_map(|n| format!("deliver-msgs {n} count=1")),
        4 => (1u64..6).prop_map(|n| format!("deliver-msgs {n}")),
        3 => Just("stabilize".to_string()),
        2 => (1u64..6).prop_map(|n| format!("deliver-msgs {n} drop=true")),
        1 => (1u64..6).prop_map(|n| format!("crash {n}")),
        1 => (1u64..6).prop_map(|n| format!("restart {n}")),
        1 => (1u64..6).prop_map(|n| format!("isolate {n}")),
        1 => (1u64..6, 1u64..6).prop_map(|(a, b)| format!("partition {a} {b} / {}", (a % 5) + 1)),
        2 => Just("heal".to_string()),
        1 => (1u64..6, 1u64..6).prop_map(|(n, i)| format!("compact {n} {i}")),
        1 => (1u64..6).prop_map(|n| format!("read-index {n} r{n}")),
        1 => (1u64..6, 1u64..6).prop_map(|(n, t)| format!("transfer-leader {n} {t}")),
        1 => (1u64..6).prop_map(|n| format!("duplicate-msgs {n}")),
        1 => (1u64..6).prop_map(|n| format!("reorder-msgs {n}")),
    ]
}

fn fuzz_cases() -> u32 {
    // `RAFT_FUZZ_CASES=5000 cargo test --test raft_props` for a longer search.
    std::env::var("RAFT_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(fuzz_cases()))]

    #[test]
    fn random_cluster_runs_keep_invariants(
        prevote in any::<bool>(),
        commands in proptest::collection::vec(command(), 1..300),
    ) {
        let mut cluster = raft_harness::Cluster::default();
        // `RAFT_FUZZ_UNSAFE=<switch name>` runs the same search with a teaching switch on, to
        // check that the harness's monitors catch the bug it introduces.
        let unsafe_switch = std::env::var("RAFT_FUZZ_UNSAFE")
            .map(|name| format!(" unsafe=({name})"))
            .unwrap_or_default();
        let setup = format!(
            "add-nodes 5 voters=(1,2,3,4,5) prevote={prevote} checkquorum={prevote}{unsafe_switch}"
        );
        cluster.run(&parse_command(&setup, 1).expect("valid"));
        let mut transcript = String::new();
        for (i, line) in commands.iter().enumerate() {
            // A crashed node can only restart; restarting a live node is skipped.
            let cmd = parse_command(line, i + 2).expect("valid");
            let out = cluster.run(&cmd);
            transcript.push_str(&format!("{line}\n{out}\n"));
            prop_assert!(!out.contains("VIOLATION"), "{}", transcript);
        }
    }
}

// ----- the script parser ----------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Arbitrary text never panics the parser; whatever parses renders back to text that
    /// parses to the same cases.
    #[test]
    fn script_parser_is_total_and_round_trips(
        text in prop_oneof![
            "[a-z0-9=()\"/# \\n-]{0,200}",
            "((# [a-z ]{0,10}\\n)|(\\n)|([a-z]{1,5}( [a-z0-9=(),\"]{1,6}){0,3}\\n----\\n([a-z0-9 ]{1,8}\\n){0,3}\\n)){0,8}",
        ]
    ) {
        use raftlab::scenario::script::{normalize, parse, render};
        if let Ok(mut script) = parse(&text) {
            normalize(&mut script);
            let outputs: Vec<String> = script.cases.iter().map(|c| c.expected.clone()).collect();
            let rendered = render(&script, &outputs);
            let mut again = parse(&rendered).map_err(|e| TestCaseError::fail(e.to_string()))?;
            normalize(&mut again);
            let commands: Vec<_> = script.cases.iter().map(|c| (&c.command, &c.expected)).collect();
            let commands_again: Vec<_> = again.cases.iter().map(|c| (&c.command, &c.expected)).collect();
            prop_assert_eq!(commands.len(), commands_again.len());
            for ((a, x), (b, y)) in commands.iter().zip(&commands_again) {
                prop_assert_eq!(&a.name, &b.name);
                prop_assert_eq!(&a.args, &b.args);
                prop_assert_eq!(x, y);
            }
        }
    }
}
