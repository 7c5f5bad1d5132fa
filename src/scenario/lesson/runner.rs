//! The headless runner behind `raftlab run lesson.txt`: plays every step the way the page does
//! (the learner's task done for them), checks the expectations, and prints what a reader would
//! see, in a stable form (a golden test compares it).

use super::condition::Condition;
use super::node_ref::role_word;
use super::player::{WaitEnd, resolve, resolve_acts, run_wait};
use super::{Lesson, Step, Template};
use crate::scenario::sim_script::{action_line, cluster_line};
use crate::sim::action::Action;
use crate::sim::cluster::Sim;
use crate::sim::queue::TimeMs;

/// Bound on simulator steps for one wait, so a lesson whose story never happens ends.
pub const WAIT_STEPS_MAX: u64 = 5_000_000;
/// Keys of the leader's store shown in a state line.
const STATE_KEYS_MAX: usize = 6;

/// What `raftlab run lesson.txt` found.
#[derive(Debug)]
pub struct LessonReport {
    /// What a reader would see, step by step (stable: a golden test compares it).
    pub text: String,
    /// The first problem, if any: the lesson does not tell its story.
    pub failure: Option<Failure>,
    /// The trace of the (last) run, for `raftlab run lesson.txt --trace`.
    pub trace: String,
    /// The state hash where the (last) run ended: the page, playing the same lesson, ends
    /// at the same hash (tests/wasm/lessons.test.mjs checks it against tests/lessons/).
    pub state_hash: u64,
}

/// A step that did not go as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The step, counted from 1.
    pub step: usize,
    /// The line to look at.
    pub line: usize,
    /// What went wrong.
    pub message: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "step {} (line {}): {}",
            self.step, self.line, self.message
        )
    }
}

/// Plays every step of `lesson` natively, the learner's task done for them, and stops at the
/// first problem: a wait that times out, an expect that fails, a monitor that fires where no
/// expect says it should, an action that does not apply.
pub fn run_lesson(lesson: &Lesson) -> LessonReport {
    let mut out = Vec::new();
    out.push(format!("lesson {}: {}", lesson.name, lesson.title));
    out.push(cluster_line(&lesson.config));
    out.push(format!(
        "controls: {}; panels: {}",
        list_or_all(&lesson.controls),
        list_or_all(&lesson.panels)
    ));
    let mut sim = match Sim::new(lesson.config.clone()) {
        Ok(sim) => sim,
        Err(message) => {
            return LessonReport {
                text: out.join("\n"),
                failure: Some(Failure {
                    step: 0,
                    line: 1,
                    message: format!("the cluster does not start: {message}"),
                }),
                trace: String::new(),
                state_hash: 0,
            };
        }
    };
    for (at, step) in lesson.steps.iter().enumerate() {
        out.push(String::new());
        out.push(format!("step {}: {}", at + 1, step.title));
        if let Err((line, message)) = play_step(step, &mut sim, &mut out) {
            out.push(format!("FAILED at line {line}: {message}"));
            return LessonReport {
                text: out.join("\n"),
                failure: Some(Failure {
                    step: at + 1,
                    line,
                    message,
                }),
                trace: sim.trace().to_text(),
                state_hash: sim.state_hash(),
            };
        }
    }
    out.push(String::new());
    out.push(format!("summary: {}", lesson.summary));
    let expects: usize = lesson.steps.iter().map(|s| s.expects.len()).sum();
    out.push(format!(
        "ok: {} steps, {expects} expectations met",
        lesson.steps.len()
    ));
    LessonReport {
        text: out.join("\n"),
        failure: None,
        trace: sim.trace().to_text(),
        state_hash: sim.state_hash(),
    }
}

fn list_or_all(list: &Option<Vec<String>>) -> String {
    match list {
        None => "all".into(),
        Some(names) if names.is_empty() => "none".into(),
        Some(names) => names.join(","),
    }
}

/// One step, in the page's order: fresh run (if any), acts, the task, the wait, the expects.
fn play_step(step: &Step, sim: &mut Sim, out: &mut Vec<String>) -> Result<(), (usize, String)> {
    if let Some(config) = &step.restart {
        *sim = Sim::new(config.clone()).map_err(|e| (step.line, e))?;
        out.push(format!("  fresh run: {}", cluster_line(config)));
    }
    for caption in &step.captions {
        out.push(format!("  say: {caption}"));
    }
    if let Some(words) = highlight_words(&step.highlight) {
        out.push(format!("  highlight: {words}"));
    }
    let had_violation = sim.violation().is_some();
    let started = sim.now_ms();
    let actions = resolve_acts(step, sim)?;
    for (template, action) in step.acts.iter().zip(&actions) {
        apply(sim, template, action, "act", out)?;
    }
    if let Some(task) = &step.task {
        let action = resolve(&task.action, sim).map_err(|e| (task.action.line, e))?;
        apply(
            sim,
            &task.action,
            &action,
            &format!("do [{}]", task.label),
            out,
        )?;
    }
    if let Some(predict) = &step.predict {
        out.push(format!("  predict: {}", predict.question));
        for (i, choice) in predict.choices.iter().enumerate() {
            let mark = if i == predict.answer {
                " (correct)"
            } else {
                ""
            };
            out.push(format!("    - {choice}{mark}"));
        }
    }
    let expects_monitor = step.wait == Some(Condition::Monitor)
        || step
            .expects
            .iter()
            .any(|e| !e.negated && matches!(e.check, super::expect::Check::MonitorFired(_)));
    if let Some(condition) = &step.wait {
        let end = run_wait(
            sim,
            condition,
            started,
            step.limit_ms,
            TimeMs::MAX,
            WAIT_STEPS_MAX,
        );
        let took = sim.now_ms().saturating_sub(started);
        match end {
            WaitEnd::Held => out.push(format!("  wait until {}: {took} ms", condition.words())),
            WaitEnd::Frozen if expects_monitor => out.push(format!(
                "  wait until {}: stopped by the monitor after {took} ms",
                condition.words()
            )),
            WaitEnd::Frozen => return Err((step.line, unexpected_violation(sim))),
            WaitEnd::TimedOut | WaitEnd::Running => {
                return Err((
                    step.wait_line,
                    format!(
                        "the wait until {} timed out after {} ms (the step's limit)",
                        condition.words(),
                        step.limit_ms
                    ),
                ));
            }
        }
    }
    if let Some(predict) = &step.predict {
        out.push(format!("  reveal: {}", predict.reveal));
    }
    out.push(format!("  state: {}", state_line(sim)));
    if !had_violation && sim.violation().is_some() && !expects_monitor {
        return Err((step.line, unexpected_violation(sim)));
    }
    let mut failed = None;
    for expect in &step.expects {
        let (passed, seen) = expect.evaluate(sim);
        let verdict = if passed { "ok" } else { "FAILED" };
        out.push(format!("  expect {}: {verdict} ({seen})", expect.text));
        if !passed && failed.is_none() {
            failed = Some((expect.line, format!("expect {}: saw {seen}", expect.text)));
        }
    }
    match failed {
        Some(failure) => Err(failure),
        None => Ok(()),
    }
}

fn apply(
    sim: &mut Sim,
    template: &Template,
    action: &Action,
    what: &str,
    out: &mut Vec<String>,
) -> Result<(), (usize, String)> {
    let line = action_line(action);
    let names_a_role = template
        .text
        .split([' ', '=', ','])
        .any(|word| word == "leader" || word == "follower");
    let shown = if names_a_role {
        format!("{line} (from '{}')", template.text)
    } else {
        line.clone()
    };
    out.push(format!("  {what}: {shown}"));
    sim.apply_action(action)
        .map_err(|e| (template.line, format!("'{line}' does not apply: {e}")))
}

/// The highlight in a few words, `None` when there is none.
fn highlight_words(h: &super::Highlight) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    if h.timers {
        parts.push("timers".into());
    }
    if h.leader {
        parts.push("the leader".into());
    }
    parts.extend(h.nodes.iter().map(|n| format!("n{n}")));
    if !h.message_kinds.is_empty() {
        parts.push(format!("{} messages", h.message_kinds.join(" and ")));
    }
    parts.extend(h.indexes.iter().map(|i| format!("entry {i}")));
    (!parts.is_empty()).then(|| parts.join(", "))
}

fn unexpected_violation(sim: &Sim) -> String {
    match sim.violation() {
        Some(v) => format!("a monitor fired and no 'expect monitor fired' says it should: {v}"),
        None => "a monitor fired".into(),
    }
}

/// One line of state: time, leader and term, each node's role and commit index, the leader's
/// keys.
pub fn state_line(sim: &Sim) -> String {
    let leader = sim.leader();
    let mut parts = vec![format!("{}ms", sim.now_ms())];
    parts.push(match leader.and_then(|l| sim.nodes().get(&l)?.raft()) {
        Some(raw) => format!("leader n{} term {}", raw.raft().id(), raw.raft().term()),
        None => "no leader".into(),
    });
    let nodes: Vec<String> = sim
        .nodes()
        .values()
        .map(|node| {
            let role = role_word(sim, node.id).unwrap_or_default();
            match node.raft() {
                Some(raw) if !node.paused => format!(
                    "n{} {role} t{} c{}",
                    node.id,
                    raw.raft().term(),
                    raw.raft().log().committed
                ),
                _ => format!("n{} {role}", node.id),
            }
        })
        .collect();
    parts.push(nodes.join(", "));
    if let Some(node) = leader.and_then(|l| sim.nodes().get(&l)) {
        let store = node.app.kv().store();
        let mut keys: Vec<String> = store
            .live()
            .take(STATE_KEYS_MAX)
            .map(|kv| {
                format!(
                    "{}={}",
                    String::from_utf8_lossy(&kv.key),
                    String::from_utf8_lossy(&kv.value)
                )
            })
            .collect();
        if store.live_key_count() > STATE_KEYS_MAX {
            keys.push("...".into());
        }
        if !keys.is_empty() {
            parts.push(format!("keys {}", keys.join(" ")));
        }
    }
    if let Some(v) = sim.violation() {
        parts.push(format!("VIOLATION {}", v.invariant));
    }
    parts.join("; ")
}
