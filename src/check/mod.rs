//! The linearizability checker: did the clients of a run see a single, atomic key-value map?
//!
//! # What is checked
//!
//! A *history* ([`History`]) records, for every client operation, when it was called, when it
//! returned (if ever), what it asked and what it was told. The history is *linearizable*
//! (Herlihy & Wing 1990) when every operation can be given a single instant between its call
//! and its return such that, taken in the order of those instants, the operations are a legal
//! run of the sequential specification: here, an independent register per key with put, get,
//! delete and compare-and-swap ([`model`]). This is the promise etcd makes for its default
//! reads and its writes, and it is what Raft plus read-index is supposed to deliver. The
//! checker knows nothing of Raft or of `src/kv`: it only judges what the clients saw.
//!
//! # How
//!
//! Wing & Gong ("Testing and verifying concurrent objects", JPDC 1993) search the orders of the
//! operations depth first, trying at each point every operation that may go next and
//! backtracking when the specification rejects an output. Lowe ("Testing for linearizability",
//! Concurrency and Computation: Practice and Experience, 2017) made that search practical with a
//! memo cache of (set of linearized operations, specification state): two paths that reach the
//! same pair have the same future, so only one is explored. Porcupine (Anish Athalye's Go
//! checker, <https://github.com/anishathalye/porcupine>, used by etcd's robustness tests and MIT
//! 6.824) adds the two ideas this module also uses: partition the history by key first, since
//! linearizability is local and keys are independent objects, and report partial
//! linearizations so a person can see where the story breaks.
//!
//! Operations with an unknown outcome (a timed-out write) may take effect at any time after
//! their call or never; their outputs are unconstrained ([`linearize`]). Refinements of our
//! own keep busy keys and timed-out writes cheap without changing any answer: reads that fit
//! the current state are placed at once and never reconsidered (a partial-order reduction),
//! unknown-outcome operations are tried only when the completed ones lead nowhere, the memo
//! treats a configuration as explored when one with fewer unknown-outcome operations taken was,
//! values nobody reads are collapsed into one ([`unobserved`], an exact abstraction of the
//! model), and of identical unknown-outcome operations only one is tried at a time (a symmetry
//! reduction). A differential test against a brute-force checker holds them to it.
//!
//! The search counts its steps and stops at a budget, answering [`Verdict::Unknown`] rather
//! than hanging the page, at the same step on every machine. On a violation, [`shrink`] cuts
//! the key's history down to a small set of operations that still cannot be ordered, using
//! only removals that can never make a linearizable history non-linearizable (so the small set
//! is a proof, not a guess), and the search's longest partial linearization of that set shows
//! where the story breaks.
//!
//! # Codemap
//!
//! - [`history`]: operations, validation, size limits. [`json`]: the file format
//!   (docs/history-format.md). [`recorder`]: building a history as a run unfolds.
//! - [`model`]: the sequential specification.
//! - [`partition`]: split by key, intern values. [`unobserved`]: collapse values nobody
//!   reads. [`linearize`]: the search. [`memo`]: its cache. [`shrink`]: the failing set.
//! - [`checker`]: the entry point. [`report`]: the result as plain data. [`render`]: as text.
//!   [`cli`]: `raftlab check FILE [--budget N] [--json]`.
//! - [`generate`]: random linearizable histories for tests and benchmarks.
//!
//! # Use
//!
//! ```
//! use raftlab::check::{CheckConfig, Verdict, check_history, from_json};
//!
//! let history = from_json(r#"{"version": 1, "ops": [
//!     {"client": 1, "call": 0, "return": 10, "kind": "put", "key": "x", "input": {"value": "1"}},
//!     {"client": 1, "call": 20, "return": 30, "kind": "put", "key": "x", "input": {"value": "2"}},
//!     {"client": 2, "call": 40, "return": 50, "kind": "get", "key": "x", "output": {"value": "1"}}
//! ]}"#).expect("a valid history");
//! let report = check_history(&history, &CheckConfig::default());
//! assert_eq!(report.verdict, Verdict::Violation); // a stale read
//! ```

pub mod checker;
pub mod cli;
pub mod generate;
pub mod history;
pub mod json;
pub mod linearize;
pub mod memo;
pub mod model;
pub mod partition;
pub mod recorder;
pub mod render;
pub mod report;
pub mod shrink;
pub mod unobserved;

pub use checker::{CheckConfig, check_history};
pub use cli::{Format, check_file};
pub use generate::{GenerateConfig, generate_linearizable};
pub use history::{ClientId, History, HistoryError, Operation, Time};
pub use json::{from_json, to_json, to_json_described};
pub use model::{Input, Kind, Output};
pub use recorder::{OpId, Recorder};
pub use render::{render_budget, render_text, render_text_with_budget};
pub use report::{BudgetUse, CheckReport, KeyReport, LinearizedOp, Verdict, Violation};

/// Parses a JSON history and checks it with the default budgets: the one call the page needs.
pub fn check_json(text: &str) -> Result<CheckReport, HistoryError> {
    check_json_with(text, &CheckConfig::default())
}

/// [`check_json`] within the budgets of `config` (the page's check with a raised budget).
pub fn check_json_with(text: &str, config: &CheckConfig) -> Result<CheckReport, HistoryError> {
    let history = from_json(text)?;
    Ok(check_history(&history, config))
}
