//! Playing a lesson's steps on a live run: node words resolved against it, and the wait loop
//! shared by the page and the headless runner ([`super::runner`]), so both stop at the same
//! event.

use super::condition::Condition;
use super::node_ref::NodeRef;
use super::{Step, Template};
use crate::raft::types::NodeId;
use crate::scenario::sim_script::action_from_line;
use crate::sim::action::Action;
use crate::sim::cluster::Sim;
use crate::sim::queue::TimeMs;
use crate::sim::timeline::Timeline;

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
