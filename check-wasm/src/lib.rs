//! The linearizability checker as its own wasm module (`www/pkg/raftlab_check.js` and
//! `raftlab_check_bg.wasm`), so the page's first download does not carry it.
//!
//! A plain visit never checks a history: the History tab's Web Worker (`www/js/check-worker.js`)
//! loads this module when a check is asked for. Histories cross as JSON text
//! (docs/history-format.md), which the page's module writes (`Playground::history`), so the two
//! modules share no memory and no objects. The exports keep the names and behaviour they had in
//! the page's module; the Node tests and `raftlab bench` load this module beside that one.

#[cfg(target_arch = "wasm32")]
mod bindings;
