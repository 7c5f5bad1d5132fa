//! Time travel: a run with its recorded user actions and checkpoints.
//!
//! The simulation is cheap to clone, so every `CHECKPOINT_EVERY_STEPS` events the timeline keeps a
//! copy. Seeking to any moment restores the nearest earlier checkpoint and replays events and the
//! recorded actions from there; the result is the same state (same hash) as a straight run.
//! Acting at a moment in the past forks the timeline: the recorded future is dropped.

use crate::sim::action::Action;
use crate::sim::cluster::{ActionError, Sim};
use crate::sim::config::SimConfig;
use crate::sim::queue::TimeMs;
use serde::{Deserialize, Serialize};

/// A checkpoint is kept after this many simulator steps.
pub const CHECKPOINT_EVERY_STEPS: u64 = 2_000;
/// At most this many checkpoints are held. When there are more, every other checkpoint of the
/// older half is dropped: recent moments stay quick to reach, a long run's checkpoints take
/// bounded memory, and a seek far back replays a little more.
pub const CHECKPOINTS_MAX: usize = 32;
/// Bound on steps for one seek or run, so a hostile target time cannot hang the page.
pub const STEPS_PER_CALL_MAX: u64 = 5_000_000;

/// How a [`Timeline::run_until`] call ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunEnd {
    /// The clock reached the requested time (or nothing was left to run).
    Reached,
    /// A monitor fired: the run is frozen at the violating step.
    Violation,
    /// The per-call step cap stopped the run early, at this virtual time.
    StepCap { at_ms: TimeMs },
}

impl std::fmt::Display for RunEnd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunEnd::Reached => f.write_str("reached"),
            RunEnd::Violation => f.write_str("stopped by a violation"),
            RunEnd::StepCap { at_ms } => write!(
                f,
                "stopped at {at_ms}ms: one call runs at most {STEPS_PER_CALL_MAX} steps"
            ),
        }
    }
}

/// A user action with the exact point of the run where it was taken.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedAction {
    /// Simulator steps completed when it was taken.
    pub at_step: u64,
    /// Virtual time when it was taken.
    pub at_ms: TimeMs,
    /// The action.
    pub action: Action,
}

/// A run that can be scrubbed back and forth.
#[derive(Clone, Debug)]
pub struct Timeline {
    sim: Sim,
    initial: Sim,
    checkpoints: Vec<Sim>,
    actions: Vec<RecordedAction>,
    /// How many of `actions` the current `sim` has applied.
    applied_actions: usize,
}

impl Timeline {
    /// A new run of `config`.
    pub fn new(config: SimConfig) -> Result<Timeline, String> {
        let sim = Sim::new(config)?;
        Ok(Timeline {
            initial: sim.clone(),
            sim,
            checkpoints: Vec::new(),
            actions: Vec::new(),
            applied_actions: 0,
        })
    }

    /// The simulation at the current moment.
    pub fn sim(&self) -> &Sim {
        &self.sim
    }

    /// The recorded actions.
    pub fn actions(&self) -> &[RecordedAction] {
        &self.actions
    }

    /// Number of checkpoints held.
    pub fn checkpoint_count(&self) -> usize {
        self.checkpoints.len()
    }

    /// Runs one event (replaying any action recorded at this point first).
    pub fn step(&mut self) -> bool {
        self.replay_actions_here(TimeMs::MAX);
        let stepped = self.sim.step();
        if stepped
            && self.sim.steps().is_multiple_of(CHECKPOINT_EVERY_STEPS)
            && self.is_newest_checkpoint_point()
        {
            self.checkpoints.push(self.sim.clone());
            self.thin_checkpoints();
        }
        stepped
    }

    /// Runs until virtual time `until_ms`, replaying recorded actions on the way. One call runs
    /// at most [`STEPS_PER_CALL_MAX`] events so a page never freezes; the answer says whether
    /// the run got there, stopped at a violation, or stopped at that cap (call again to go on).
    pub fn run_until(&mut self, until_ms: TimeMs) -> RunEnd {
        self.run_until_within(until_ms, STEPS_PER_CALL_MAX)
    }

    /// [`Timeline::run_until`] with another step cap (tests use a small one).
    fn run_until_within(&mut self, until_ms: TimeMs, steps_max: u64) -> RunEnd {
        for _ in 0..steps_max {
            self.replay_actions_here(until_ms);
            match self.sim.next_event_ms() {
                Some(t) if t <= until_ms => {
                    if !self.step() {
                        return if self.sim.violation().is_some() {
                            RunEnd::Violation
                        } else {
                            RunEnd::Reached
                        };
                    }
                }
                _ => {
                    self.sim.idle_until(until_ms);
                    self.replay_actions_here(until_ms);
                    return RunEnd::Reached;
                }
            }
        }
        RunEnd::StepCap {
            at_ms: self.sim.now_ms(),
        }
    }

    /// Takes a user action now. Acting in the past forks: recorded actions after this point
    /// and checkpoints after it are dropped. On error nothing changes.
    pub fn act(&mut self, action: Action) -> Result<(), ActionError> {
        let mut trial = self.sim.clone();
        trial.apply_action(&action)?;
        let (step, now) = (self.sim.steps(), self.sim.now_ms());
        self.actions.truncate(self.applied_actions);
        self.checkpoints.retain(|c| c.steps() <= step);
        self.sim = trial;
        self.actions.push(RecordedAction {
            at_step: step,
            at_ms: now,
            action,
        });
        self.applied_actions = self.actions.len();
        Ok(())
    }

    /// Goes to virtual time `at_ms` (earlier or later), through the nearest checkpoint; says
    /// how the replay ended, as [`Timeline::run_until`] does.
    pub fn seek_ms(&mut self, at_ms: TimeMs) -> RunEnd {
        let base = self
            .checkpoints
            .iter()
            .rev()
            .find(|c| c.now_ms() <= at_ms)
            .unwrap_or(&self.initial)
            .clone();
        let base_step = base.steps();
        self.sim = base;
        self.applied_actions = self.actions.partition_point(|a| a.at_step < base_step);
        self.run_until(at_ms)
    }

    /// Applies the recorded actions taken at exactly the current step (and no later than
    /// `until_ms`), at the time they were taken.
    fn replay_actions_here(&mut self, until_ms: TimeMs) {
        while let Some(recorded) = self.actions.get(self.applied_actions) {
            let due = recorded.at_step == self.sim.steps() && recorded.at_ms <= until_ms;
            if !due || !self.sim.idle_until(recorded.at_ms) {
                return;
            }
            let action = recorded.action.clone();
            // It succeeded when recorded, so it succeeds again: the state is the same.
            let _ = self.sim.apply_action(&action);
            self.applied_actions += 1;
        }
    }

    /// Drops every other checkpoint of the older half once there are too many.
    fn thin_checkpoints(&mut self) {
        thin(&mut self.checkpoints, CHECKPOINTS_MAX);
    }

    fn is_newest_checkpoint_point(&self) -> bool {
        self.checkpoints
            .last()
            .is_none_or(|c| c.steps() < self.sim.steps())
    }
}

/// Once `items` holds more than `max`, drops every other item of its older half (the oldest
/// item stays, and the newest half is kept whole), so density falls off with age and the
/// count stays at most `max + 1`.
fn thin<T>(items: &mut Vec<T>, max: usize) {
    if items.len() <= max {
        return;
    }
    let older = items.len() / 2;
    let mut position = 0;
    items.retain(|_| {
        let keep = position >= older || position % 2 == 0;
        position += 1;
        keep
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thinning_bounds_the_count_keeps_the_newest_and_spreads_the_old() {
        let mut kept: Vec<u64> = Vec::new();
        for step in 1..=10_000u64 {
            kept.push(step);
            thin(&mut kept, 64);
            assert!(kept.len() <= 65, "{}", kept.len());
        }
        assert_eq!(kept.last(), Some(&10_000));
        assert!(kept.windows(2).all(|w| w[0] < w[1]), "still in order");
        // The newest stretch is dense, the oldest sparse: older gaps are wider.
        let gaps: Vec<u64> = kept.windows(2).map(|w| w[1] - w[0]).collect();
        assert_eq!(gaps.last(), Some(&1));
        assert!(
            gaps[0] > 16,
            "old checkpoints thinned: first gap {}",
            gaps[0]
        );
        assert!(
            kept[0] < 2_000,
            "something early is still there to seek from"
        );
    }

    #[test]
    fn a_run_stopped_by_the_step_cap_says_so_and_goes_on_when_called_again() {
        let mut timeline = Timeline::new(SimConfig::default()).expect("default config");
        let end = timeline.run_until_within(TimeMs(60_000), 100);
        let RunEnd::StepCap { at_ms } = end else {
            panic!("100 steps cannot reach 60 s, got {end:?}");
        };
        assert!(at_ms < TimeMs(60_000) && at_ms == timeline.sim().now_ms());
        assert!(end.to_string().contains("at most 5000000 steps"), "{end}");
        assert_eq!(timeline.run_until(TimeMs(60_000)), RunEnd::Reached);
        assert_eq!(timeline.sim().now_ms(), TimeMs(60_000));
    }
}
