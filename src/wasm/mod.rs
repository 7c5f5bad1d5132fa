//! wasm-bindgen bindings: the only module that knows about JavaScript. It turns simulator state
//! into plain-data view models and actions into calls; no protocol logic lives here.
//!
//! These are the page's first download, so they hold what drawing and playing a run needs.
//! What only the Share & export dialog or the tests ask for (the replay script, the etcd and
//! Rust exports, opening a script file, the script runner, the checker, the lesson parser) is
//! in the on-demand modules built from tools-wasm/ (the checker and the lesson parser in the
//! small `raftlab_check`, the rest in the big `raftlab_tools`), which take the run as
//! `Playground.scenarioJson()`.

mod bench;
mod catalog;
mod lessons;
mod links;
mod log_slice;
mod monitors;
mod playground;
mod replay;
mod spacetime;
mod time_travel;
use wasm_bindgen::prelude::*;

/// The core's version (from Cargo.toml), shown in the page's header.
#[wasm_bindgen]
pub fn version() -> String {
    crate::build_info::VERSION.to_string()
}

/// The build id (git commit or `dev`).
#[wasm_bindgen(js_name = buildId)]
pub fn build_id() -> String {
    crate::build_info::BUILD_ID.to_string()
}

/// A fresh random seed for a new run, as a decimal string (a `u64` would cross as a BigInt;
/// links keep seeds as strings). Falls back to a fixed seed if the browser has no crypto source.
#[wasm_bindgen(js_name = freshSeed)]
pub fn fresh_seed() -> String {
    let mut bytes = [0u8; 8];
    match getrandom::fill(&mut bytes) {
        Ok(()) => u64::from_le_bytes(bytes).to_string(),
        Err(_) => "1".to_string(),
    }
}
