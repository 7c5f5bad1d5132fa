//! # The Raft core
//!
//! A complete, deterministic, sans-IO implementation of Raft (Ongaro and Ousterhout, "In Search
//! of an Understandable Consensus Algorithm", 2014; Ongaro's thesis "Consensus: Bridging Theory
//! and Practice", 2014), modelled on etcd-io/raft and its Rust port raft-rs. It is the protocol
//! the playground shows, so it aims to be both production-shaped and readable.
//!
//! ## What Raft guarantees, and where each rule lives
//!
//! Raft keeps a replicated log identical on a majority of servers so that every server applies
//! the same commands in the same order (paper §5). Time is divided into **terms** (§5.1), each
//! with at most one leader.
//!
//! - **Leader election** (§5.2, [`node`]): a follower that hears nothing for a randomized
//!   election timeout in `[T, 2T)` becomes a candidate, increments its term and asks for votes.
//!   Each server grants at most one vote per term, and persists it before answering
//!   ([`storage`]); a candidate with a majority becomes leader. The randomness comes from a
//!   seeded generator ([`types::SeededRng`]), never from the OS.
//! - **Election restriction** (§5.4.1, [`log::RaftLog::is_up_to_date`]): a vote is granted only
//!   to a candidate whose log is at least as up to date (last term, then last index), so every
//!   leader holds every committed entry (Leader Completeness).
//! - **Log replication** (§5.3, [`node`], [`log`]): the leader sends entries with the index and
//!   term of the entry before them; a follower accepts only if it holds that entry (the
//!   consistency check), truncates only at the first conflicting entry, and tells the leader
//!   where to retry with a conflict hint (fast backtracking).
//! - **Commitment** (§5.3, §5.4.2, [`quorum`]): an entry is committed once a majority stores it
//!   durably, but a leader only counts replicas for entries of its **own term** (Figure 8); older
//!   entries commit with them. Every new leader appends a no-op so this happens at once (§8).
//! - **Persistence** (Figure 2, thesis §3.8, [`storage`], [`raw_node`]): term, vote and log are
//!   durable before any message that depends on them leaves the node; the leader counts its own
//!   acknowledgement only once its entries are on disk.
//! - **Pre-vote and check-quorum** (thesis §9.6, §6.2, §4.2.3, [`config`]): a node first asks
//!   whether it could win before disturbing the cluster with a higher term; a leader that cannot
//!   hear a quorum steps down; followers that heard from a live leader ignore vote requests.
//! - **Flow control** ([`progress`]): per follower, Probe (one append in flight until the match
//!   point is found), Replicate (pipelined, bounded by an inflight window) and Snapshot.
//! - **Linearizable reads** (thesis §6.4, [`read_only`]): read-index confirmed by a heartbeat
//!   round, gated on the leader's no-op being committed; lease reads as an option that requires
//!   check-quorum.
//! - **Leadership transfer** (thesis §3.10): catch the target up, then `MsgTimeoutNow`.
//! - **Membership** (thesis §4, [`membership`]): single-server changes, one at a time, never
//!   before the leader's own no-op is applied; joint consensus for larger changes; learners.
//!   Configurations take effect when applied (as in etcd). A leader whose change removes or
//!   demotes it refuses proposals from then on, keeps leading until the change is applied, then
//!   hands over with `MsgTimeoutNow` (`node::config_change`).
//! - **Snapshots** (§7): the application compacts the log into a snapshot carrying the
//!   configuration; a follower behind the compacted log receives it.
//!
//! ## Shape
//!
//! One `step` handles terms for every message, then dispatches to a handler per role; only the
//! `become_*` functions change the role ([`node::Raft`]). The application drives a node through
//! [`RawNode`]: `tick`, `step`, `propose`, `read_index`, `transfer_leader`,
//! `propose_conf_change`, `campaign`, then `ready` -> persist -> `advance` -> send -> apply. A
//! crash is `RawNode::restart(config, old.storage().clone())`. Every type is `Clone` so the
//! simulator can checkpoint whole nodes; ordered collections keep every output deterministic.
//!
//! ## Teaching switches
//!
//! [`UnsafeSwitch`] lists deliberate, documented bugs (all off by default) that break one rule
//! each, so the playground can show why the rule exists: Figure 8 commits, skipping the election
//! restriction, forgetting the vote, truncating without a conflict, counting learners, lease
//! reads without check-quorum, overlapping membership changes.
//!
//! ## Errors
//!
//! Nothing reachable from a message or a user action panics: malformed messages are refused
//! with [`StepError`], refused requests return [`ProposeError`], storage misuse returns
//! [`StorageError`]. Assertions (`debug_assert!`) check only this crate's own invariants.

#![warn(missing_docs)]

pub mod config;
pub mod log;
pub mod membership;
pub mod message;
pub mod node;
pub mod progress;
pub mod quorum;
pub mod raw_node;
pub mod read_only;
pub mod storage;
pub mod text;
pub mod types;
pub mod unstable;

pub use config::{Config, ConfigError, UnsafeSwitch};
pub use membership::MembershipError;
pub use message::{
    ConfChangeSingle, ConfChangeTransition, ConfChangeType, ConfChangeV2, ConfState, Entry,
    EntryType, HardState, Message, MessageType, Snapshot, SnapshotMetadata, describe_entry,
    describe_message,
};
pub use node::{ConfChangeRefusal, Event, ProposeError, Role, StepError, VoteRejection};
pub use raw_node::{ProgressStatus, RawNode, Ready, SoftState, Status};
pub use read_only::{ReadOnlyOption, ReadState};
pub use storage::{MemStorage, StorageError};
pub use types::{Index, NodeId, SeededRng, Term};
