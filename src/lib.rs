//! raftlab: a Raft playground.
//!
//! A real Raft consensus core ([`raft`]) and an etcd-like key-value state machine ([`kv`]),
//! driven by a deterministic simulator ([`sim`]) and compiled to WebAssembly for the page.
//! See ARCHITECTURE.md for the module map and the data flow.

pub mod bench;
pub mod build_info;
pub mod check;
pub mod cli;
pub mod json_text;
pub mod kv;
pub mod raft;
pub mod scenario;
pub mod sim;
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
mod small_alloc;
pub mod sort;
pub mod vec_map;
pub mod view;

#[cfg(all(target_arch = "wasm32", feature = "bindings"))]
mod wasm;
