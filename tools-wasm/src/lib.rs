//! raftlab's on-demand wasm module (`www/pkg/raftlab_tools.js` and `raftlab_tools_bg.wasm`):
//! what the page does only when asked, kept out of the page's first download.
//!
//! - `checker`: the linearizability checker. The History tab's Web Worker
//!   (`www/js/check-worker.js`) loads this module when a check is asked for. Histories cross as
//!   JSON text (docs/history-format.md), which the page's module writes (`Playground::history`).
//! - `scenario`: the run as a replay script, an etcd shell script or a Rust test, a script file
//!   recorded as a run, and the headless script runner; the Share & export dialog loads this
//!   module when first opened (`www/js/tools.js`). Runs cross as scenario JSON.
//! - `lessons`: the lesson parser, loaded by the lesson player when a lesson is opened; each
//!   step crosses as its plan text (`src/scenario/lesson/step_plan.rs`).
//!
//! The two modules share no memory and no objects. The exports keep the names and behaviour
//! they had in the page's module (a run's exports take its scenario JSON where they were methods
//! of `Playground`); the Node tests and `raftlab bench` load this module beside that one.

#[cfg(target_arch = "wasm32")]
mod checker;
#[cfg(target_arch = "wasm32")]
mod lessons;
#[cfg(target_arch = "wasm32")]
mod scenario;
