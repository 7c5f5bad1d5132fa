//! The benchmark workloads behind `raftlab bench`: plain functions that do a fixed, seeded
//! amount of work and return what they did (events, commits, a state hash), never how long it
//! took. The native command times them with a clock; the wasm build exposes the same functions
//! to Node (src/wasm/bench.rs), where `bench/wasm_bench.mjs` times them, so both sides run the
//! identical workload and the state hash proves it.

pub mod heap;
pub mod histories;
pub mod raft_cycle;
pub mod recorded;
pub mod workload;
