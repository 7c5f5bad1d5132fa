//! The driving API the simulator relies on: determinism, checkpoints by `Clone`, restart from
//! durable storage, and clean refusals.

use raftlab::raft::{
    ConfState, Config, MemStorage, Message, MessageType, NodeId, ProposeError, RawNode, Role,
    StepError, Term,
};

fn node(id: u64, seed: u64) -> RawNode {
    let mut config = Config::new(NodeId(id));
    config.seed = seed;
    RawNode::new(
        &config,
        MemStorage::new_with_conf_state(ConfState::from_voters([1, 2, 3])),
    )
    .expect("valid config")
}

#[test]
fn election_timeouts_are_seeded_and_in_range() {
    let timeouts = |seed: u64| -> Vec<u64> {
        let mut n = node(1, seed);
        (0..20)
            .map(|_| {
                // Each campaign draws a new timeout.
                n.campaign().expect("voter");
                let rd = n.ready();
                n.advance(&rd);
                n.status().randomized_election_timeout_ticks
            })
            .collect()
    };
    let a = timeouts(7);
    assert_eq!(a, timeouts(7), "same seed, same timeouts");
    assert_ne!(a, timeouts(8), "different seed, different timeouts");
    assert!(
        a.iter().all(|&t| (10..20).contains(&t)),
        "{a:?} outside [T, 2T)"
    );
}

#[test]
fn a_cloned_node_is_a_checkpoint() {
    let mut original = node(1, 1);
    original.campaign().expect("voter");
    let checkpoint = original.clone();
    let rd = original.ready();
    original.advance(&rd);
    let mut replay = checkpoint.clone();
    let rd2 = replay.ready();
    replay.advance(&rd2);
    assert_eq!(rd, rd2);
    assert_eq!(original, replay);
    assert_ne!(original, checkpoint);
}

#[test]
fn single_node_survives_crash_right_after_commit() {
    let config = Config::new(NodeId(1));
    let mut n = RawNode::new(
        &config,
        MemStorage::new_with_conf_state(ConfState::from_voters([1])),
    )
    .expect("valid");
    n.campaign().expect("voter");
    assert_eq!(n.status().role, Role::Leader);
    n.propose(b"x".to_vec()).expect("leader");
    for _ in 0..3 {
        let rd = n.ready();
        n.advance(&rd);
    }
    assert_eq!(n.status().commit.0, 2);
    let mut restarted = RawNode::restart(&config, n.storage().clone()).expect("valid");
    let rd = restarted.ready();
    let data: Vec<&[u8]> = rd.committed_entries.iter().map(|e| &*e.data).collect();
    assert_eq!(data, [&b""[..], &b"x"[..]]);
}

#[test]
fn refusals_are_errors_not_panics() {
    let mut n = node(1, 1);
    assert_eq!(n.propose(b"x".to_vec()), Err(ProposeError::NoLeader));
    assert_eq!(n.read_index(b"r".to_vec()), Err(ProposeError::NoLeader));
    assert_eq!(n.transfer_leader(NodeId(2)), Err(ProposeError::NotLeader));
    let wrong = Message {
        msg_type: MessageType::MsgApp,
        from: NodeId(2),
        to: NodeId(9),
        term: Term(1),
        ..Message::default()
    };
    assert_eq!(n.step(wrong), Err(StepError::WrongRecipient));
    let anonymous = Message {
        msg_type: MessageType::MsgApp,
        from: NodeId(0),
        to: NodeId(1),
        term: Term(1),
        ..Message::default()
    };
    assert!(matches!(n.step(anonymous), Err(StepError::Malformed(_))));
    let bad_config = Config {
        election_timeout_ticks: 1,
        ..Config::new(NodeId(1))
    };
    assert!(RawNode::new(&bad_config, MemStorage::default()).is_err());
}
