//! The Raft core: a sans-IO, deterministic implementation of Raft.
//! (placeholder essay, expanded below)
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
pub mod types;
pub mod unstable;
