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

/// A Ready's message list handed back after sending is reused for the node's next messages,
/// and never sends what it held again.
#[test]
fn a_recycled_message_list_is_reused_and_emptied() {
    // Without pre-vote, one vote round makes a leader.
    let mut config = Config::new(NodeId(1));
    config.pre_vote = false;
    let mut n = RawNode::new(
        &config,
        MemStorage::new_with_conf_state(ConfState::from_voters([1, 2, 3])),
    )
    .expect("valid config");
    n.campaign().expect("voter");
    let rd = n.ready();
    let votes: Vec<MessageType> = rd.messages.iter().map(|m| m.msg_type).collect();
    assert_eq!(votes, [MessageType::MsgVote, MessageType::MsgVote]);
    n.advance(&rd);
    // Handed back still holding the vote requests, with room for many more.
    let mut list = Vec::with_capacity(64);
    list.extend(rd.messages.iter().cloned());
    n.recycle_messages(list);
    let grant = Message {
        msg_type: MessageType::MsgVoteResp,
        from: NodeId(2),
        to: NodeId(1),
        term: rd.messages[0].term,
        ..Message::default()
    };
    n.step(grant).expect("a vote");
    assert_eq!(n.status().role, Role::Leader);
    let rd = n.ready();
    assert!(rd.messages.capacity() >= 64, "the handed-back list");
    assert!(
        !rd.messages.is_empty()
            && rd
                .messages
                .iter()
                .all(|m| m.msg_type == MessageType::MsgApp),
        "the new leader's appends only, no vote request again: {:?}",
        rd.messages
    );
    // A list handed back after the node started a new one is dropped, not swapped in.
    n.advance(&rd);
    for _ in 0..config.heartbeat_interval_ticks {
        n.tick();
    }
    let mut stale = Vec::with_capacity(128);
    stale.extend(rd.messages.iter().cloned());
    n.recycle_messages(stale);
    let next = n.ready();
    assert!(next.messages.capacity() < 128);
    let beats: Vec<MessageType> = next.messages.iter().map(|m| m.msg_type).collect();
    assert_eq!(
        beats,
        [MessageType::MsgHeartbeat, MessageType::MsgHeartbeat]
    );
}
