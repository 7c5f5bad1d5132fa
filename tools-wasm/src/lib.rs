//! raftlab's on-demand wasm modules: what the page does only when asked, kept out of the page's
//! first download. xtask builds this crate twice (xtask/src/build.rs), with different features:
//!
//! - `raftlab_check` (`www/pkg/raftlab_check.js` and `raftlab_check_bg.wasm`; features
//!   `checker` and `lessons`): the small module, for what needs no simulator. The History tab's
//!   Web Worker (`www/js/check-worker.js`) loads it when a check is asked for, the lesson player
//!   (`www/js/lesson.js`, through `www/js/tools.js`) when a lesson is opened.
//! - `raftlab_tools` (`www/pkg/raftlab_tools.js` and `raftlab_tools_bg.wasm`; every feature): the
//!   big module, with its own copy of the simulator for what replays a run. The Share & export
//!   dialog loads it when first opened (`www/js/tools.js`); the Node tests and the wasm
//!   benchmark load it for everything.
//!
//! The features, one file of exports each:
//!
//! - `checker`: the linearizability checker. Histories cross as JSON text
//!   (docs/history-format.md), which the page's module writes (`Playground::history`).
//! - `lessons`: the lesson parser; each step crosses as its plan text
//!   (`src/scenario/lesson/step_plan.rs`).
//! - `scenario`: the run as a replay script, an etcd shell script or a Rust test, a script file
//!   recorded as a run, and the headless script runner. Runs cross as scenario JSON.
//!
//! The page's module and these share no memory and no objects. The exports keep the names and
//! behaviour they had in the page's module (a run's exports take its scenario JSON where they
//! were methods of `Playground`).

#[cfg(all(target_arch = "wasm32", feature = "checker"))]
mod checker;
#[cfg(all(target_arch = "wasm32", feature = "lessons"))]
mod lessons;
#[cfg(all(target_arch = "wasm32", feature = "scenario"))]
mod scenario;
