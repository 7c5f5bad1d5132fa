//! The deterministic cluster simulator: virtual time, a seeded network, disks and clients.
//!
//! All nondeterminism of a run lives here and is drawn from one seed ([`rng`]); events run in
//! (time, insertion) order ([`queue`]); the network is a set of directed links ([`network`]);
//! each node is a Raft core, its application and its disk ([`node`]); [`cluster`] runs the loop
//! and [`monitor`] checks the safety invariants after every step. Same seed and same actions
//! give the same run, natively and in the browser.

pub mod action;
pub mod action_json;
pub mod answer;
pub mod app;
pub mod client;
pub mod cluster;
pub mod config;
pub mod decoded;
pub mod fuzz;
pub mod hash;
pub mod history;
pub mod monitor;
pub mod network;
pub mod node;
pub mod node_id;
pub mod node_map;
pub mod op_queue;
pub mod queue;
pub mod read_context;
pub mod rng;
pub mod timeline;
pub mod trace;
pub mod wire_map;

pub use cluster::Sim;
pub use config::SimConfig;
