//! Messages between nodes, log entries, and the small records that travel with them.
//!
//! One flat [`Message`] struct serves every message kind, as in etcd-io/raft: the fields a kind
//! does not use stay at their defaults. That keeps the simulator's network, trace and checkpoint
//! code independent of the protocol. [`describe_message`] prints the compact one-line form used
//! by the scripted tests and the trace, e.g.
//! `1->2 MsgApp Term:1 Log:1/3 Commit:3 Entries:[1/4 EntryNormal "foo"]`.

use std::collections::BTreeSet;
use std::fmt::{self, Write as _};

use super::text::{TextSink, write_debug_lossy, write_lossy, write_u64};
use super::types::{Index, NodeId, Term};

/// What an entry's opaque data means.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum EntryType {
    /// Application data (the KV engine's encoded command), or empty for a leader's no-op.
    #[default]
    Normal,
    /// A single-server membership change (thesis §4.1), data is an encoded [`ConfChangeV2`]
    /// with exactly one change.
    ConfChange,
    /// A membership change that may enter or leave a joint configuration (thesis §4.3).
    ConfChangeV2,
}

/// One entry of the replicated log (paper §5.3: a command plus the term it was created in).
// `Hash` is derived and `PartialEq` written out: both read the same fields, so equal entries
// hash alike; `PartialEq` only adds a shortcut (see its doc).
#[allow(clippy::derived_hash_with_manual_eq)]
#[derive(Clone, Debug, Default, Eq, Hash)]
pub struct Entry {
    /// The leader's term when the entry was created; never changes afterwards.
    pub term: Term,
    /// The entry's position in the log.
    pub index: Index,
    /// How to interpret `data`.
    pub entry_type: EntryType,
    /// Opaque bytes: the Raft core never looks inside normal entries. Shared (`Arc`): an
    /// entry is copied into every follower's log, every message that carries it and every
    /// timeline checkpoint, and its bytes never change.
    pub data: std::sync::Arc<[u8]>,
}

impl PartialEq for Entry {
    /// Field by field, the data's pointers first: `Arc<[u8]>`'s own `==` reads both byte
    /// strings even when they are one allocation (the standard library compares pointers first
    /// only for sized contents), and the nodes' logs share every entry's bytes. Comparing two
    /// nodes' logs at a timeline checkpoint read each new entry's bytes, byte by byte in wasm
    /// (1.9% of the page's recorded run in Node's profiler).
    fn eq(&self, other: &Entry) -> bool {
        self.term == other.term
            && self.index == other.index
            && self.entry_type == other.entry_type
            && (std::sync::Arc::ptr_eq(&self.data, &other.data) || self.data == other.data)
    }
}

impl Entry {
    /// The size the flow-control byte budget counts for this entry.
    pub fn size_bytes(&self) -> u64 {
        self.data.len() as u64 + 16
    }

    /// An entry that carries `change`: `EntryConfChange` for a simple change,
    /// `EntryConfChangeV2` when it enters or leaves a joint configuration (etcd's choice).
    ///
    /// The log keeps the change in its text encoding as the entry's data, as etcd keeps the
    /// marshalled `ConfChange`: the data is what is persisted, sized for flow control, hashed
    /// and shown in traces. This function and [`Entry::conf_change`] are the only places
    /// that translate between the data and the change.
    pub fn from_conf_change(change: &ConfChangeV2) -> Entry {
        let entry_type = if change.enters_joint().is_none() && !change.leaves_joint() {
            EntryType::ConfChange
        } else {
            EntryType::ConfChangeV2
        };
        Entry {
            entry_type,
            data: change.encode().into(),
            ..Entry::default()
        }
    }

    /// The configuration change this entry carries: `None` for a normal entry, the decoder's
    /// words when the data is not a valid change.
    pub fn conf_change(&self) -> Option<Result<ConfChangeV2, String>> {
        (self.entry_type != EntryType::Normal).then(|| ConfChangeV2::decode(&self.data))
    }
}

/// Every kind of message the nodes exchange.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MessageType {
    /// Leader to follower: entries after `index`/`log_term` plus the leader's commit (§5.3).
    #[default]
    MsgApp,
    /// Follower to leader: accepted up to `index`, or rejected with a conflict hint.
    MsgAppResp,
    /// Candidate asks for a vote (§5.2).
    MsgVote,
    /// Answer to a vote request.
    MsgVoteResp,
    /// Would-you-vote probe that does not disturb terms (thesis §9.6).
    MsgPreVote,
    /// Answer to a pre-vote.
    MsgPreVoteResp,
    /// Leader keeps its authority and carries a (clamped) commit index and read context.
    MsgHeartbeat,
    /// Follower acknowledges a heartbeat (echoing the read context).
    MsgHeartbeatResp,
    /// Leader sends a snapshot to a follower behind its compacted log (§7).
    MsgSnapshot,
    /// Ask the leader for a read index (thesis §6.4); also forwarded by followers.
    MsgReadIndex,
    /// The leader's answer: the index a read must wait to be applied up to.
    MsgReadIndexResp,
    /// Ask the leader to hand leadership to `from` (thesis §3.10).
    MsgTransferLeader,
    /// Leader tells a caught-up transferee to start an election at once.
    MsgTimeoutNow,
    /// A proposal forwarded from a follower to the leader.
    MsgProp,
}

impl MessageType {
    /// The stable name used in traces and scripts.
    pub fn name(self) -> &'static str {
        match self {
            MessageType::MsgApp => "MsgApp",
            MessageType::MsgAppResp => "MsgAppResp",
            MessageType::MsgVote => "MsgVote",
            MessageType::MsgVoteResp => "MsgVoteResp",
            MessageType::MsgPreVote => "MsgPreVote",
            MessageType::MsgPreVoteResp => "MsgPreVoteResp",
            MessageType::MsgHeartbeat => "MsgHeartbeat",
            MessageType::MsgHeartbeatResp => "MsgHeartbeatResp",
            MessageType::MsgSnapshot => "MsgSnap",
            MessageType::MsgReadIndex => "MsgReadIndex",
            MessageType::MsgReadIndexResp => "MsgReadIndexResp",
            MessageType::MsgTransferLeader => "MsgTransferLeader",
            MessageType::MsgTimeoutNow => "MsgTimeoutNow",
            MessageType::MsgProp => "MsgProp",
        }
    }

    /// Whether this is a response, which is never rewritten by term handling.
    pub fn is_response(self) -> bool {
        matches!(
            self,
            MessageType::MsgAppResp
                | MessageType::MsgVoteResp
                | MessageType::MsgPreVoteResp
                | MessageType::MsgHeartbeatResp
                | MessageType::MsgReadIndexResp
        )
    }
}

/// A message between two nodes. Unused fields keep their default values.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Message {
    /// The kind of message.
    pub msg_type: MessageType,
    /// Sender.
    pub from: NodeId,
    /// Recipient.
    pub to: NodeId,
    /// The sender's term; 0 for forwarded proposals, read requests and transfer requests,
    /// which are handled like local requests (etcd does the same).
    pub term: Term,
    /// MsgApp: term of the entry at `index`. Votes: the candidate's last log term.
    /// MsgAppResp rejection: the term of the follower's entry at `reject_hint`.
    pub log_term: Term,
    /// MsgApp: the index just before `entries`. Votes: the candidate's last index.
    /// MsgAppResp: the highest index now matching (accept) or the rejected `index` (reject).
    /// MsgReadIndexResp: the read index.
    pub index: Index,
    /// Entries to append (MsgApp) or to propose (MsgProp).
    pub entries: Vec<Entry>,
    /// The sender's commit index (MsgApp; MsgHeartbeat clamps it to the follower's match).
    pub commit: Index,
    /// The snapshot of a MsgSnapshot. Boxed: inline, its metadata (the configuration's four
    /// lists) made every message 256 bytes where 128 carry the rest, and the simulator keeps
    /// every sent message of its trace window (and each checkpoint's tail) while one in
    /// thousands is a snapshot.
    pub snapshot: Option<Box<Snapshot>>,
    /// Whether a response refuses the request.
    pub reject: bool,
    /// MsgAppResp rejection: the follower's suggestion for the next probe (its last index or
    /// the conflict index, §5.3 "fast backtracking").
    pub reject_hint: Index,
    /// Opaque request context: read-index request id, or the campaign-transfer marker.
    pub context: Vec<u8>,
    /// MsgHeartbeat with lease reads: the leader's tick count when it sent the heartbeat
    /// (0 = none). MsgHeartbeatResp echoes it, so the leader knows from when a follower's
    /// promise not to vote runs (the leader lease, thesis §6.4.1). Only ticks travel, never
    /// clock readings: each node measures time with its own ticks.
    pub lease_tick: u64,
}

/// The durable part of a node's state besides the log (paper Figure 2, "persistent state").
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct HardState {
    /// The latest term this node has seen.
    pub term: Term,
    /// Whom this node voted for in `term`, if anyone. Must be durable before the vote is sent
    /// (§5.2: one vote per term, even across a crash).
    pub vote: Option<NodeId>,
    /// A commit index the node knew. Persisting it is an optimisation (etcd does it too): it is
    /// always a fact about entries already durable on a quorum, never a guess.
    pub commit: Index,
}

/// A membership configuration as stored in snapshots (thesis §4): voters, learners, and the
/// outgoing half of a joint configuration.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ConfState {
    /// Voters of the incoming (or only) configuration.
    pub voters: BTreeSet<NodeId>,
    /// Non-voting members that receive the log.
    pub learners: BTreeSet<NodeId>,
    /// Voters of the outgoing configuration while joint; empty otherwise.
    pub voters_outgoing: BTreeSet<NodeId>,
    /// Outgoing voters that become learners when the joint configuration is left.
    pub learners_next: BTreeSet<NodeId>,
    /// Whether the leader leaves the joint configuration by itself once it is committed.
    pub auto_leave: bool,
}

impl ConfState {
    /// A configuration of voters only.
    pub fn from_voters(voters: impl IntoIterator<Item = u64>) -> ConfState {
        ConfState {
            voters: crate::sort::set_of(voters.into_iter().map(NodeId)),
            ..ConfState::default()
        }
    }
}

/// Where a snapshot ends and which configuration was in force there.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct SnapshotMetadata {
    /// The configuration as of `index` (§7: snapshots carry the latest configuration).
    pub conf_state: ConfState,
    /// The last index the snapshot covers.
    pub index: Index,
    /// The term of the entry at `index`.
    pub term: Term,
}

/// A snapshot: the application's state up to an index, plus metadata (paper §7).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Snapshot {
    /// Position and configuration.
    pub metadata: SnapshotMetadata,
    /// Opaque application state, shared: a snapshot is never changed after it is taken, and
    /// copies of a node (timeline checkpoints, a crash's disk) share its bytes.
    pub data: std::sync::Arc<[u8]>,
}

/// One membership operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ConfChangeType {
    /// Add a voter, or promote a learner.
    AddNode,
    /// Add a learner, or demote a voter.
    AddLearnerNode,
    /// Remove a member.
    RemoveNode,
}

/// A single operation on one node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ConfChangeSingle {
    /// What to do.
    pub change_type: ConfChangeType,
    /// To whom.
    pub node_id: NodeId,
}

/// How a multi-change configuration change uses joint consensus.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ConfChangeTransition {
    /// Joint consensus only when needed (more than one change), left automatically.
    #[default]
    Auto,
    /// Always joint, left automatically.
    JointImplicit,
    /// Always joint; the application proposes an empty change to leave.
    JointExplicit,
}

/// A configuration change: zero or more operations. No operations with `Auto` transition means
/// "leave the joint configuration".
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ConfChangeV2 {
    /// How to apply the changes.
    pub transition: ConfChangeTransition,
    /// The operations.
    pub changes: Vec<ConfChangeSingle>,
}

impl ConfChangeV2 {
    /// Whether this change leaves a joint configuration.
    pub fn leaves_joint(&self) -> bool {
        self.changes.is_empty() && self.transition == ConfChangeTransition::Auto
    }

    /// `Some(auto_leave)` when this change enters a joint configuration.
    pub fn enters_joint(&self) -> Option<bool> {
        if self.transition == ConfChangeTransition::Auto && self.changes.len() <= 1 {
            return None;
        }
        Some(self.transition != ConfChangeTransition::JointExplicit)
    }

    /// The readable text encoding stored in entry data: `v4 l5 r2`, a transition word
    /// (`joint-implicit`, `joint-explicit`) when not auto, and `leave-joint` for no changes.
    pub fn encode(&self) -> Vec<u8> {
        let mut words: Vec<String> = Vec::new();
        match self.transition {
            ConfChangeTransition::Auto => {}
            ConfChangeTransition::JointImplicit => words.push("joint-implicit".to_string()),
            ConfChangeTransition::JointExplicit => words.push("joint-explicit".to_string()),
        }
        for change in &self.changes {
            let letter = match change.change_type {
                ConfChangeType::AddNode => 'v',
                ConfChangeType::AddLearnerNode => 'l',
                ConfChangeType::RemoveNode => 'r',
            };
            words.push(format!("{letter}{}", change.node_id));
        }
        if words.is_empty() {
            words.push("leave-joint".to_string());
        }
        words.join(" ").into_bytes()
    }

    /// Parses the text encoding; errors name the bad word. Accepts `u<id>` as an alias for
    /// remove (etcd's spelling).
    pub fn decode(data: &[u8]) -> Result<ConfChangeV2, String> {
        let text = std::str::from_utf8(data).map_err(|_| "conf change is not UTF-8".to_string())?;
        let mut change = ConfChangeV2::default();
        for word in text.split_whitespace() {
            match word {
                "leave-joint" => continue,
                "joint-implicit" => change.transition = ConfChangeTransition::JointImplicit,
                "joint-explicit" => change.transition = ConfChangeTransition::JointExplicit,
                _ => change.changes.push(parse_change_word(word)?),
            }
        }
        Ok(change)
    }
}

fn parse_change_word(word: &str) -> Result<ConfChangeSingle, String> {
    let mut chars = word.chars();
    let change_type = match chars.next() {
        Some('v') => ConfChangeType::AddNode,
        Some('l') => ConfChangeType::AddLearnerNode,
        Some('r') | Some('u') => ConfChangeType::RemoveNode,
        _ => return Err(format!("unknown conf change word '{word}'")),
    };
    let id: u64 = chars
        .as_str()
        .parse()
        .map_err(|_| format!("bad node id in conf change word '{word}'"))?;
    if id == 0 {
        return Err(format!("node id 0 is reserved ('{word}')"));
    }
    Ok(ConfChangeSingle {
        change_type,
        node_id: NodeId(id),
    })
}

/// The compact form of an entry: `1/4 EntryNormal "foo"`.
pub fn describe_entry(entry: &Entry) -> String {
    let mut out = String::new();
    let _ = write_entry(&mut out, entry);
    out
}

/// [`describe_entry`], written to `out`.
fn write_entry<W: TextSink>(out: &mut W, entry: &Entry) -> fmt::Result {
    let kind = match entry.entry_type {
        EntryType::Normal => " EntryNormal ",
        EntryType::ConfChange => " EntryConfChange ",
        EntryType::ConfChangeV2 => " EntryConfChangeV2 ",
    };
    write_u64(out, entry.term.0)?;
    out.write_char('/')?;
    write_u64(out, entry.index.0)?;
    out.write_str(kind)?;
    match entry.entry_type {
        EntryType::Normal => out.write_entry_data(&entry.data),
        _ => write_lossy(out, &entry.data),
    }
}

/// The compact form of a configuration: `voters=(1 2 3)&&(1 2) learners=(4)`.
pub fn describe_conf_state(conf: &ConfState) -> String {
    fn ids(set: &BTreeSet<NodeId>) -> String {
        set.iter()
            .map(|id| id.0.to_string())
            .collect::<Vec<_>>()
            .join(" ")
    }
    let mut out = format!("voters=({})", ids(&conf.voters));
    if !conf.voters_outgoing.is_empty() {
        let _ = write!(out, "&&({})", ids(&conf.voters_outgoing));
    }
    if !conf.learners.is_empty() {
        let _ = write!(out, " learners=({})", ids(&conf.learners));
    }
    if !conf.learners_next.is_empty() {
        let _ = write!(out, " learners_next=({})", ids(&conf.learners_next));
    }
    if conf.auto_leave {
        out.push_str(" autoleave");
    }
    out
}

/// The compact one-line form of a message, as in etcd-io/raft's `DescribeMessage`.
pub fn describe_message(m: &Message) -> String {
    let mut out = String::with_capacity(64);
    let _ = write_message(&mut out, m);
    out
}

/// [`describe_message`], written to `out` (the simulator's trace hashes the text of every
/// event without building it).
pub fn write_message<W: TextSink>(out: &mut W, m: &Message) -> fmt::Result {
    // `write_u64` and friends rather than `write!`: see `raft::text`.
    write_u64(out, m.from.0)?;
    out.write_str("->")?;
    write_u64(out, m.to.0)?;
    out.write_char(' ')?;
    out.write_str(m.msg_type.name())?;
    out.write_str(" Term:")?;
    write_u64(out, m.term.0)?;
    out.write_str(" Log:")?;
    write_u64(out, m.log_term.0)?;
    out.write_char('/')?;
    write_u64(out, m.index.0)?;
    if m.reject {
        out.write_str(" Rejected (Hint: ")?;
        write_u64(out, m.reject_hint.0)?;
        out.write_char(')')?;
    }
    if m.commit.0 != 0 {
        out.write_str(" Commit:")?;
        write_u64(out, m.commit.0)?;
    }
    if !m.context.is_empty() {
        out.write_str(" Context:")?;
        write_debug_lossy(out, &m.context)?;
    }
    if m.lease_tick != 0 {
        out.write_str(" LeaseTick:")?;
        write_u64(out, m.lease_tick)?;
    }
    if !m.entries.is_empty() {
        out.write_str(" Entries:[")?;
        for (i, entry) in m.entries.iter().enumerate() {
            if i > 0 {
                out.write_str(", ")?;
            }
            write_entry(out, entry)?;
        }
        out.write_char(']')?;
    }
    if let Some(snapshot) = &m.snapshot {
        write!(
            out,
            " Snapshot: Index:{} Term:{} ConfState:{}",
            snapshot.metadata.index,
            snapshot.metadata.term,
            describe_conf_state(&snapshot.metadata.conf_state)
        )?;
    }
    Ok(())
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_message(f, self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_equal_by_their_fields_whether_or_not_they_share_their_bytes() {
        let entry = Entry {
            term: Term(3),
            index: Index(7),
            data: b"put k v".as_slice().into(),
            ..Entry::default()
        };
        assert_eq!(entry, entry.clone(), "the same bytes");
        let apart = Entry {
            data: b"put k v".as_slice().into(),
            ..entry.clone()
        };
        assert!(!std::sync::Arc::ptr_eq(&entry.data, &apart.data));
        assert_eq!(entry, apart, "equal bytes in another allocation");
        for other in [
            Entry {
                data: b"put k w".as_slice().into(),
                ..entry.clone()
            },
            Entry {
                term: Term(4),
                ..entry.clone()
            },
            Entry {
                index: Index(8),
                ..entry.clone()
            },
            Entry {
                entry_type: EntryType::ConfChange,
                ..entry.clone()
            },
        ] {
            assert_ne!(entry, other);
        }
    }

    #[test]
    fn a_change_goes_into_an_entry_and_comes_back_out() {
        for (text, entry_type) in [
            ("v4", EntryType::ConfChange),
            ("v4 r1", EntryType::ConfChangeV2),
            ("joint-explicit l2", EntryType::ConfChangeV2),
            ("leave-joint", EntryType::ConfChangeV2),
        ] {
            let change = ConfChangeV2::decode(text.as_bytes()).expect("valid");
            let entry = Entry::from_conf_change(&change);
            assert_eq!(entry.entry_type, entry_type, "{text}");
            assert_eq!(
                &*entry.data,
                text.as_bytes(),
                "the log keeps the text encoding"
            );
            assert_eq!(entry.conf_change(), Some(Ok(change)), "{text}");
        }
        let normal = Entry {
            data: b"v4".as_slice().into(),
            ..Entry::default()
        };
        assert_eq!(
            normal.conf_change(),
            None,
            "a normal entry carries no change"
        );
        let garbage = Entry {
            entry_type: EntryType::ConfChangeV2,
            data: b"x9".as_slice().into(),
            ..Entry::default()
        };
        assert!(matches!(garbage.conf_change(), Some(Err(_))));
    }
}
