//! The page's run, exported: as a shell script for a real etcd cluster and as a Rust
//! regression test (`src/scenario/etcd_export.rs`, `src/scenario/rust_test_export.rs`,
//! docs/export.md). Both export the whole run as a share link would, up to the moment shown.

use super::playground::Playground;
use crate::scenario::etcd_export::etcd_script;
use crate::scenario::link::Scenario;
use crate::scenario::rust_test_export::rust_test;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
impl Playground {
    /// A POSIX shell script that replays this run up to the current moment against a real
    /// etcd cluster on 127.0.0.1 (one member per voter; console lines with etcdctl; crash,
    /// restart, pause and resume as signals; every other action a comment), ending with every
    /// key and value. Console text is quoted, so the script is safe to run whatever was typed.
    #[wasm_bindgen(js_name = etcdScript)]
    pub fn etcd_script(&self) -> String {
        etcd_script(&Scenario::of(&self.timeline))
    }

    /// The text of a Rust integration test (a file for raftlab's `tests/`) that replays this
    /// run to the current moment and asserts its state hash.
    #[wasm_bindgen(js_name = rustTest)]
    pub fn rust_test(&self) -> String {
        rust_test(&Scenario::of(&self.timeline), "a playground run")
    }
}
