//! Playing a lesson: node words resolved against the live run, the wait loop shared with the
//! page, and the headless runner behind `raftlab run lesson.txt`, which plays every step the
//! way the page does (the learner's task done for them) and prints what a reader would see.

use super::condition::{Condition, NodeRef, role_word};
use super::{Lesson, Step, Template};
use crate::raft::types::NodeId;
use crate::scenario::sim_script::{action_from_line, action_line, cluster_line};
use crate::sim::action::Action;
use crate::sim::cluster::Sim;
use crate::sim::queue::TimeMs;
use crate::sim::timeline::Timeline;

/// Bound on simulator steps for one wait, so a lesson whose story never happens ends.
pub const WAIT_STEPS_MAX: u64 = 5_000_000;
/// Keys of the leader's store shown in a state line.
const STATE_KEYS_MAX: usize = 6;

/// Replaces the node words (`leader`, `follower`, and `n2` as 2) of an action line by ids from
/// `node`. Only
/// the words that name nodes are touched: a console line's etcdctl part (`put leader x`) and a
/// proposal's data stay as written, and `act-json` is taken literally.
pub fn substitute(
    text: &str,
    node: &mut dyn FnMut(NodeRef) -> Result<NodeId, String>,
) -> Result<String, String> {
    let mut rest = text.trim();
    let mut out: Vec<String> = Vec::new();
    let mut index = 0usize;
    let mut command = "";
    while !rest.is_empty() {
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let word = &rest[..end];
        let names_nodes = match command {
            "" => false,
            "act-json" => false,
            "console" => word.starts_with("client=") || word.starts_with("node="),
            "propose" => index == 1,
            _ => true,
        };
        if index > 0 && !names_nodes && matches!(command, "console" | "propose" | "act-json") {
            break;
        }
        out.push(if names_nodes {
            substitute_word(word, node)?
        } else {
            word.to_string()
        });
        if index == 0 {
            command = word;
        }
        index += 1;
        rest = rest[end..].trim_start();
    }
    if !rest.is_empty() {
        out.push(rest.to_string());
    }
    Ok(out.join(" "))
}

/// `leader`, `via=leader`, `leader,2` -> ids; other words unchanged.
fn substitute_word(
    word: &str,
    node: &mut dyn FnMut(NodeRef) -> Result<NodeId, String>,
) -> Result<String, String> {
    let (key, value) = match word.split_once('=') {
        Some((key, value)) => (Some(key), value),
        None => (None, word),
    };
    let items: Vec<String> = value
        .split(',')
        .map(|item| match item {
            "leader" => node(NodeRef::Leader).map(|id| id.to_string()),
            "follower" => node(NodeRef::Follower).map(|id| id.to_string()),
            // `n2` reads as 2 everywhere, also where the script parser wants a bare number.
            other => Ok(match other.strip_prefix('n') {
                Some(digits)
                    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) =>
                {
                    digits.to_string()
                }
                _ => other.to_string(),
            }),
        })
        .collect::<Result<_, _>>()?;
    let value = items.join(",");
    Ok(match key {
        Some(key) => format!("{key}={value}"),
        None => value,
    })
}

/// The action a template means in `sim` now; the error says which template and why.
pub fn resolve(template: &Template, sim: &Sim) -> Result<Action, String> {
    let line = substitute(&template.text, &mut |r| r.resolve(sim))
        .map_err(|e| format!("'{}': {e}", template.text))?;
    action_from_line(&line).map_err(|e| format!("'{line}': {e}"))
}

/// A step's setup actions, all resolved against the run as the step starts (so `crash leader`
/// then `restart leader` crash and restart the same node). The error carries the act's line.
pub fn resolve_acts(step: &Step, sim: &Sim) -> Result<Vec<Action>, (usize, String)> {
    step.acts
        .iter()
        .map(|t| resolve(t, sim).map_err(|e| (t.line, e)))
        .collect()
}

/// Something that runs a simulation one event at a time: the native runner's [`Sim`] or the
/// page's [`Timeline`] (which also records, for time travel).
pub trait Stepper {
    /// The simulation now.
    fn sim(&self) -> &Sim;
    /// Runs one event; false when nothing is left or a monitor fired.
    fn step_one(&mut self) -> bool;
    /// Moves the clock to `at_ms` when no event is due before then.
    fn idle_to(&mut self, at_ms: TimeMs);
}

impl Stepper for Sim {
    fn sim(&self) -> &Sim {
        self
    }
    fn step_one(&mut self) -> bool {
        self.step()
    }
    fn idle_to(&mut self, at_ms: TimeMs) {
        self.idle_until(at_ms);
    }
}

impl Stepper for Timeline {
    fn sim(&self) -> &Sim {
        Timeline::sim(self)
    }
    fn step_one(&mut self) -> bool {
        self.step()
    }
    fn idle_to(&mut self, at_ms: TimeMs) {
        // Nothing is due before `at_ms`: this only moves the clock (and replays any recorded
        // action due by then, as playing would).
        self.run_until(at_ms);
    }
}

/// How a wait ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitEnd {
    /// The condition holds.
    Held,
    /// A monitor fired and the run is frozen; the condition does not hold.
    Frozen,
    /// The step's limit passed without the condition.
    TimedOut,
    /// `until_ms` or the step budget came first; call again to go on.
    Running,
}

impl WaitEnd {
    /// `held`, `frozen`, `timeout` or `running` (the page's words).
    pub fn word(self) -> &'static str {
        match self {
            WaitEnd::Held => "held",
            WaitEnd::Frozen => "frozen",
            WaitEnd::TimedOut => "timeout",
            WaitEnd::Running => "running",
        }
    }
}

/// Runs event by event until `condition` holds, checking after every event so the run stops
/// at exactly the first moment it holds (natively and in the page alike). Stops at the step's
/// limit (`started + limit_ms`), at `until_ms`, or after `steps_max` events.
pub fn run_wait(
    run: &mut impl Stepper,
    condition: &Condition,
    started: TimeMs,
    limit_ms: u64,
    until_ms: TimeMs,
    steps_max: u64,
) -> WaitEnd {
    let deadline = started.saturating_add(TimeMs(limit_ms));
    // A time condition is met between events: the clock moves there with nothing run.
    let horizon = match condition {
        Condition::Time(ms) => started.saturating_add(TimeMs(*ms)).min(deadline),
        _ => deadline,
    };
    let stop = horizon.min(until_ms);
    for _ in 0..steps_max {
        if condition.holds(run.sim(), started) {
            return WaitEnd::Held;
        }
        if run.sim().violation().is_some() {
            return WaitEnd::Frozen;
        }
        match run.sim().next_event_ms() {
            Some(at) if at <= stop => {
                run.step_one();
            }
            _ => {
                run.idle_to(stop);
                return if condition.holds(run.sim(), started) {
                    WaitEnd::Held
                } else if stop >= deadline {
                    WaitEnd::TimedOut
                } else {
                    WaitEnd::Running
                };
            }
        }
    }
    WaitEnd::Running
}

/// What `raftlab run lesson.txt` found.
#[derive(Debug)]
pub struct LessonReport {
    /// What a reader would see, step by step (stable: a golden test compares it).
    pub text: String,
    /// The first problem, if any: the lesson does not tell its story.
    pub failure: Option<Failure>,
    /// The trace of the (last) run, for `raftlab run lesson.txt --trace`.
    pub trace: String,
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
            .any(|e| !e.negated && matches!(e.check, super::condition::Check::MonitorFired(_)));
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
                    step.line,
                    format!(
                        "'wait' for {} did not happen within {} ms",
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
