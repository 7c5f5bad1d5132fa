//! Guided lessons: a short text a course author writes, one command per line, that the page
//! plays step by step and `raftlab run lesson.txt` proves headless (docs/lessons.md).
//!
//! ```text
//! lesson leader-election
//! title Leader election
//! cluster voters=3 seed=7
//! summary A term has at most one leader, chosen by a majority.
//!
//! step Followers wait
//! say Every node starts as a follower with a random election timer.
//! highlight timers
//! predict Which node becomes the leader?
//! choice n1
//! choice n2 correct
//! reveal Its timer ran out first, so it asked for votes first.
//! wait leader
//! expect leader n2
//! ```
//!
//! A lesson is data ([`Lesson`]): the parser ([`parse`]) checks everything it can without a
//! run (with line numbers), and everything that needs a run is a [`condition`] evaluated
//! against a live [`Sim`](crate::sim::cluster::Sim), the same code natively ([`player`]) and in
//! the page (`src/wasm/lessons.rs`). Node references (`leader`, `follower`) stay words until
//! the moment of use, because who leads is only known then.

pub mod condition;
pub mod expect;
pub mod node_ref;
pub mod parse;
pub mod player;
pub mod runner;
pub mod step_plan;

use crate::sim::config::SimConfig;
use condition::Condition;
use expect::Expect;
pub use parse::ParseError;

/// The longest wait a step may allow, in virtual ms (ten minutes): a lesson is watched, and a
/// longer limit would only hide a story that does not happen.
pub const LIMIT_MS_MAX: u64 = 600_000;
/// A step's wait limit when the author gives none.
pub const LIMIT_MS_DEFAULT: u64 = 30_000;

/// A whole lesson.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lesson {
    /// `a-z0-9-`, used as `lesson=NAME` in the page's address.
    pub name: String,
    /// Shown as the lesson's heading.
    pub title: String,
    /// The run the lesson starts with.
    pub config: SimConfig,
    /// The page controls left usable (`None`: all of them). Names are action kinds.
    pub controls: Option<Vec<String>>,
    /// The bottom tabs shown (`None`: all of them).
    pub panels: Option<Vec<String>>,
    /// The one sentence a learner should leave with.
    pub summary: String,
    /// The steps in order.
    pub steps: Vec<Step>,
}

/// One step: captions, then setup actions, the learner's task or prediction, a wait, checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// The line of its `step` command.
    pub line: usize,
    /// The step's heading.
    pub title: String,
    /// At most two sentences in all, one caption per `say` line.
    pub captions: Vec<String>,
    /// What the page draws attention to.
    pub highlight: Highlight,
    /// A fresh run with these settings starts before the acts (a step-level `cluster`): how a
    /// lesson shows the same story with a setting or a teaching switch changed.
    pub restart: Option<SimConfig>,
    /// Setup action templates, applied when the step starts.
    pub acts: Vec<Template>,
    /// The learner's task.
    pub task: Option<Task>,
    /// A question answered by running.
    pub predict: Option<Predict>,
    /// Run (play) until this holds.
    pub wait: Option<Condition>,
    /// The line of the `wait` (0 without one), for the error when it times out.
    pub wait_line: usize,
    /// The most virtual ms the wait may take.
    pub limit_ms: u64,
    /// Checked after the wait, natively.
    pub expects: Vec<Expect>,
}

/// An action line as written, with `leader` / `follower` still words (resolved at use).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    /// Where it was written.
    pub line: usize,
    /// The action line, like `crash leader` or `console client=1 node=leader put k v`.
    pub text: String,
}

/// What the learner is asked to do (`do ACTION | LABEL`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Task {
    /// The action to take.
    pub action: Template,
    /// The button's label.
    pub label: String,
    /// The action's kind (`crash`, `console`, ...): the control it unlocks.
    pub kind: String,
}

/// A multiple-choice question; running the step reveals the answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Predict {
    /// The question.
    pub question: String,
    /// Two or three choices.
    pub choices: Vec<String>,
    /// Index of the correct choice.
    pub answer: usize,
    /// Said once the run has shown the answer.
    pub reveal: String,
}

/// What the page highlights during a step.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Highlight {
    /// The election timer arcs.
    pub timers: bool,
    /// These nodes.
    pub nodes: Vec<u64>,
    /// Whichever node leads.
    pub leader: bool,
    /// Message kinds (lesson words: `vote`, `append`, ..., see [`MESSAGE_KINDS`]).
    pub message_kinds: Vec<String>,
    /// Log indexes.
    pub indexes: Vec<u64>,
}

impl Highlight {
    /// The view model's message `kind`s the highlighted lesson words stand for (`vote` is
    /// `MsgVote` and `MsgVoteResp`): what the page matches, so it keeps no copy of the table.
    pub fn wire_kinds(&self) -> Vec<&'static str> {
        MESSAGE_KINDS
            .iter()
            .filter(|(word, _)| self.message_kinds.iter().any(|kind| kind == word))
            .flat_map(|(_, wire)| wire.iter().copied())
            .collect()
    }
}

/// The message kinds a lesson may highlight, each with the wire messages it stands for (the
/// view model's message `kind`; the lesson JSON's `highlight.messages`).
pub const MESSAGE_KINDS: &[(&str, &[&str])] = &[
    ("vote", &["MsgVote", "MsgVoteResp"]),
    ("pre-vote", &["MsgPreVote", "MsgPreVoteResp"]),
    ("append", &["MsgApp", "MsgAppResp"]),
    ("heartbeat", &["MsgHeartbeat", "MsgHeartbeatResp"]),
    ("snapshot", &["MsgSnap"]),
    ("timeout-now", &["MsgTimeoutNow"]),
    ("transfer-leader", &["MsgTransferLeader"]),
    ("read-index", &["MsgReadIndex", "MsgReadIndexResp"]),
    ("propose", &["MsgProp"]),
];

/// The page's bottom tabs a lesson may show.
pub const PANELS: &[&str] = &["logs", "kv", "events", "spacetime", "monitors", "history"];

/// The page controls a lesson may leave usable: the [`Action`](crate::sim::action::Action)
/// kinds (their serde `kind`).
pub const CONTROLS: &[&str] = crate::sim::action::ACTION_KINDS;

impl Lesson {
    /// Parses and validates a lesson; the error names the line.
    pub fn parse(text: &str) -> Result<Lesson, ParseError> {
        parse::parse(text)
    }

    /// The lesson as the page reads it (docs/lessons.md): camelCase, the config as
    /// `new Playground` reads it with the seed as a decimal string (a JS number cannot hold
    /// every u64).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "name": self.name,
            "title": self.title,
            "config": self.config.to_page_json(),
            "controls": self.controls,
            "panels": self.panels,
            "summary": self.summary,
            "steps": self.steps.iter().map(Step::to_json).collect::<Vec<_>>(),
        })
    }
}

impl Step {
    fn to_json(&self) -> serde_json::Value {
        let h = &self.highlight;
        serde_json::json!({
            "title": self.title,
            "captions": self.captions,
            "highlight": {
                "timers": h.timers,
                "nodes": h.nodes,
                "leader": h.leader,
                "messageKinds": h.message_kinds,
                "messages": h.wire_kinds(),
                "indexes": h.indexes,
            },
            "config": self.restart.as_ref().map(SimConfig::to_page_json),
            "acts": self.acts.iter().map(|a| a.text.clone()).collect::<Vec<_>>(),
            "doLabel": self.task.as_ref().map(|t| t.label.clone()),
            "doKind": self.task.as_ref().map(|t| t.kind.clone()),
            "predict": self.predict.as_ref().map(|p| serde_json::json!({
                "question": p.question,
                "choices": p.choices,
                "answer": p.answer,
                "reveal": p.reveal,
            })),
            "wait": self.wait.as_ref().map(Condition::words),
            "limitMs": self.limit_ms,
        })
    }
}

#[cfg(test)]
mod tests;
