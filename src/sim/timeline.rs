//! Time travel: a run with its recorded user actions and checkpoints.
//!
//! Every `CHECKPOINT_EVERY_STEPS` events the timeline keeps a copy of the simulation, a
//! bounded number of them, evenly spread over the run's past and dense just behind the present.
//! A copy is cheap and shares what did not change: the Raft logs, the MVCC histories, the
//! client operations and the monitors' maps are persistent structures (chunks and tree nodes
//! shared until written), entry and snapshot bytes are shared, and a checkpoint keeps only the
//! trace's newest chunk. Before each checkpoint the nodes' equal logs, MVCC histories and
//! snapshots are made one copy ([`Sim::share_equal_parts`]). What checkpoints cost is what the
//! run wrote between them. Seeking to any moment restores the nearest earlier checkpoint and replays
//! events and the recorded actions from there; the result is the same state (same hash) as a straight run.
//! Acting at a moment in the past forks the timeline: the recorded future is dropped (and kept
//! aside for one level of undo).
//!
//! The timeline also knows the run's extent (the furthest moment recorded: after a seek back
//! the future is still there until an action forks) and keeps a bounded index of notable
//! moments (elections, commits, client answers, violations; see [`moments`]) recorded as the
//! run first reaches them, so the page can jump between them.

pub mod moments;

use crate::sim::action::Action;
use crate::sim::cluster::{ActionError, Sim};
use crate::sim::config::SimConfig;
use crate::sim::queue::TimeMs;
use moments::{Glance, Moment, MomentKind, Moments};
use serde::{Deserialize, Serialize};

/// A checkpoint is kept after this many simulator steps (a seek replays fewer than this many
/// from the checkpoint before it while checkpoints are this dense).
pub const CHECKPOINT_EVERY_STEPS: u64 = 2_000;
/// At most this many checkpoints are held, so a long run's checkpoints take bounded memory.
/// When there are more, one of the older ones is dropped where they stand closest together:
/// the older checkpoints stay evenly spread, so a seek to any moment replays a bounded
/// share of the run (see [`thin`]). Memory against seek time, on a one-hour run with 10 puts a
/// second on 5 nodes (the `raftlab bench` run, 1.48 M steps; heap counted by a counting
/// allocator, and the steps the bench's 200 seeks replay, both deterministic): 128
/// checkpoints took 78.4 MB, seeks replaying p50 6,046 and p95 13,386 steps; 192 take 88.1 MB,
/// p50 3,805 and p95 9,351 steps; 256 would take 98.4 MB. Each checkpoint past 128 costs about
/// 150 KB: the KV maps and the histories' last chunks it alone holds (57 KB), the operations
/// map's nodes (32 KB), its trace tail (22 KB), the logs' last chunks (20 KB). Before
/// operations stopped keeping their request and proposal bytes, 128 took 89.9 MB (2026-12-03);
/// before the nodes' equal parts were shared ([`Sim::share_equal_parts`]), 64 took 144 MB.
/// Far-apart checkpoints share little: their union is most of what the hour wrote (client
/// operations, Raft logs, MVCC histories, monitors' maps).
pub const CHECKPOINTS_MAX: usize = 192;
/// The newest this many checkpoints (every [`CHECKPOINT_EVERY_STEPS`] steps) are never
/// thinned: the moments just behind the present, where "step back" goes, stay quick.
pub const CHECKPOINTS_RECENT: usize = 8;
/// A checkpoint keeps only about this many of the trace's newest events (0: its last chunk, at
/// most 256 events): the trace window is the largest part of a `Sim` that checkpoints far
/// apart do not share, and a moment's recent past comes back by replay. After a seek the
/// views show the events from the checkpoint's tail on.
pub const CHECKPOINT_TRACE_TAIL: usize = 0;
/// A checkpoint that is due waits at most this many steps for a moment when the running nodes
/// agree ([`Sim::nodes_agree`]): then the nodes' KV maps and logs are one shared copy in it,
/// not one per node. Where checkpoints fall changes no state, only what they cost.
pub const CHECKPOINT_WAIT_STEPS_MAX: u64 = 500;
/// Bound on steps for one seek or run, so a hostile target time cannot hang the page.
pub const STEPS_PER_CALL_MAX: u64 = 5_000_000;

/// Makes room for one more recorded action, growing by a quarter rather than the `Vec`'s
/// doubling: the page records ten actions a second, so an hour's 36,000 (64 bytes each) sat in
/// room for 65,536 (4.2 MB, 1.9 MB of it empty). A quarter wastes at most a fifth of the room,
/// and the copy when it grows (the wasm heap's peak holds both) is smaller too, while the
/// growth stays geometric, so a push is still amortized constant time.
fn grow_by_a_quarter(actions: &mut Vec<RecordedAction>) {
    if actions.len() == actions.capacity() {
        actions.reserve_exact((actions.len() / 4).max(16));
    }
}

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

/// The future a fork replaced, kept so that [`Timeline::undo_fork`] can bring it back.
#[derive(Clone, Debug)]
struct Replaced {
    /// Index in the actions of the forking action: the actions before it belong to both
    /// futures.
    at_action: usize,
    /// Steps completed when the fork was made.
    at_step: u64,
    /// Virtual time when the fork was made.
    at_ms: TimeMs,
    /// The recorded actions the fork dropped.
    actions: Vec<RecordedAction>,
    /// The checkpoints the fork dropped (all after `at_step`).
    checkpoints: Vec<Sim>,
    /// The extent of the replaced future.
    end: (u64, TimeMs),
    /// The moments of the replaced future (all after `at_step`).
    moments: Moments,
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
    /// A checkpoint is kept after every this many steps ([`CHECKPOINT_EVERY_STEPS`]; tests
    /// use fewer to exercise thinning on a short run).
    checkpoint_every_steps: u64,
    /// At most this many checkpoints are held ([`CHECKPOINTS_MAX`]).
    checkpoints_max: usize,
    /// The newest this many are never thinned ([`CHECKPOINTS_RECENT`]).
    checkpoints_recent: usize,
    /// The future the last fork replaced (one level of undo).
    replaced: Option<Replaced>,
    /// The step at which the next checkpoint is kept.
    next_checkpoint_step: u64,
    /// The furthest moment recorded (steps, virtual time): the end of the recorded future.
    end: (u64, TimeMs),
    /// Notable moments of the recorded run.
    moments: Moments,
    /// The glance taken after the last step at the recorded end, with the step count then:
    /// the next step's "before" when nothing happened in between ([`Glance::still_fits`]).
    /// Cleared whenever the simulation is replaced by a checkpoint's copy.
    last_glance: Option<(u64, Glance)>,
}

impl Timeline {
    /// A new run of `config`.
    pub fn new(config: SimConfig) -> Result<Timeline, String> {
        Timeline::with_checkpoints(
            config,
            CHECKPOINT_EVERY_STEPS,
            CHECKPOINTS_MAX,
            CHECKPOINTS_RECENT,
        )
    }

    /// A new run that keeps a checkpoint every `every_steps` steps, at most `max` of them, the
    /// newest `recent` never thinned.
    fn with_checkpoints(
        config: SimConfig,
        every_steps: u64,
        max: usize,
        recent: usize,
    ) -> Result<Timeline, String> {
        let sim = Sim::new(config)?;
        Ok(Timeline {
            initial: sim.clone(),
            sim,
            checkpoints: Vec::new(),
            actions: Vec::new(),
            applied_actions: 0,
            checkpoint_every_steps: every_steps.max(1),
            checkpoints_max: max,
            checkpoints_recent: recent,
            replaced: None,
            next_checkpoint_step: every_steps.max(1),
            end: (0, TimeMs(0)),
            moments: Moments::default(),
            last_glance: None,
        })
    }

    /// Stops keeping the trace's text hash in the run and in every copy of it (the start, the
    /// checkpoints, a replaced future): for the page's engine, which shows the state hash and
    /// never the trace hash, and for which hashing every event's text was a tenth of a step
    /// ([`crate::sim::trace::Trace::stop_hashing`]). No event, state or moment changes.
    pub fn stop_hashing_trace(&mut self) {
        self.sim.stop_hashing_trace();
        self.initial.stop_hashing_trace();
        let replaced = self
            .replaced
            .iter_mut()
            .flat_map(|r| r.checkpoints.iter_mut());
        for checkpoint in self.checkpoints.iter_mut().chain(replaced) {
            checkpoint.stop_hashing_trace();
        }
    }

    /// Where the next checkpoint goes: the base spacing after the newest one.
    fn refresh_next_checkpoint(&mut self) {
        let base = self.checkpoint_every_steps;
        self.next_checkpoint_step = self
            .checkpoints
            .last()
            .map_or(base, |c| c.steps().saturating_add(base));
    }

    /// The simulation at the current moment.
    pub fn sim(&self) -> &Sim {
        &self.sim
    }

    /// The recorded actions.
    pub fn actions(&self) -> &[RecordedAction] {
        &self.actions
    }

    /// The recorded actions the current moment has applied: after a seek back (without a
    /// fork) the later ones are the recorded future, not part of the present.
    pub fn applied_actions(&self) -> &[RecordedAction] {
        &self.actions[..self.applied_actions.min(self.actions.len())]
    }

    /// Number of checkpoints held.
    pub fn checkpoint_count(&self) -> usize {
        self.checkpoints.len()
    }

    /// The furthest moment recorded, as (steps, virtual time): after a seek back the recorded
    /// future runs to here; acting before it forks.
    pub fn end(&self) -> (u64, TimeMs) {
        self.end
    }

    /// Whether the current moment is in the past of the recorded run.
    pub fn is_in_past(&self) -> bool {
        (self.sim.steps(), self.sim.now_ms()) < self.end
    }

    /// The index of notable moments.
    pub fn moments(&self) -> &Moments {
        &self.moments
    }

    /// The first moment of `kind` after step `from_step`.
    pub fn next_moment(&self, kind: MomentKind, from_step: u64) -> Option<&Moment> {
        self.moments.next(kind, from_step)
    }

    /// The last moment of `kind` before step `from_step`.
    pub fn previous_moment(&self, kind: MomentKind, from_step: u64) -> Option<&Moment> {
        self.moments.previous(kind, from_step)
    }

    /// Moves the recorded extent up to the current moment if it is further.
    fn note_end(&mut self) {
        let here = (self.sim.steps(), self.sim.now_ms());
        if here > self.end {
            self.end = (here.0.max(self.end.0), here.1.max(self.end.1));
        }
    }

    /// Runs one event (replaying any action recorded at this point first).
    pub fn step(&mut self) -> bool {
        self.replay_actions_here(TimeMs::MAX);
        let before_steps = self.sim.steps();
        let glance = (before_steps >= self.end.0).then(|| match self.last_glance.take() {
            Some((steps, glance)) if glance.still_fits(steps, &self.sim) => glance,
            _ => Glance::of(&self.sim),
        });
        let stepped = self.sim.step();
        if let Some(glance) = glance
            && self.sim.steps() > before_steps
        {
            let after = self.moments.observe(&glance, &self.sim);
            self.last_glance = Some((self.sim.steps(), after));
        }
        self.note_end();
        if stepped
            && self.sim.steps() >= self.next_checkpoint_step
            && (self.sim.nodes_agree()
                || self.sim.steps() >= self.next_checkpoint_step + CHECKPOINT_WAIT_STEPS_MAX)
            && self.is_newest_checkpoint_point()
        {
            self.sim.share_equal_parts();
            self.sim.fold_trace_hash();
            let mut checkpoint = self.sim.clone();
            checkpoint.keep_trace_tail(CHECKPOINT_TRACE_TAIL);
            self.checkpoints.push(checkpoint);
            self.thin_checkpoints();
            self.refresh_next_checkpoint();
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
                    self.note_end();
                    return RunEnd::Reached;
                }
            }
        }
        RunEnd::StepCap {
            at_ms: self.sim.now_ms(),
        }
    }

    /// Takes a user action now. Acting in the past forks: recorded actions after this point
    /// and checkpoints after it are dropped (and kept aside for [`Timeline::undo_fork`]). On
    /// error nothing changes.
    ///
    /// The action is applied to the running simulation itself (no copy per action: the page
    /// takes ten a second). A refusal by the checks changes nothing; a refusal by the node
    /// comes after the action's trace line, so then the moment is rebuilt exactly by replay
    /// from the nearest checkpoint, which is rare and costs one seek.
    pub fn act(&mut self, action: Action) -> Result<(), ActionError> {
        self.sim.check_action(&action)?;
        let (step, now) = (self.sim.steps(), self.sim.now_ms());
        if let Err(error) = self.sim.apply_action(&action) {
            self.rebuild(step, now, self.applied_actions);
            return Err(error);
        }
        let at_action = self.applied_actions;
        let actions = self.actions.split_off(at_action);
        let keep = self.checkpoints.partition_point(|c| c.steps() <= step);
        let checkpoints = self.checkpoints.split_off(keep);
        self.refresh_next_checkpoint();
        if !actions.is_empty() || !checkpoints.is_empty() || (step, now) < self.end {
            self.replaced = Some(Replaced {
                at_action,
                at_step: step,
                at_ms: now,
                actions,
                checkpoints,
                end: self.end,
                moments: self.moments.split_off_after(step),
            });
        }
        self.end = (step, now);
        grow_by_a_quarter(&mut self.actions);
        self.actions.push(RecordedAction {
            at_step: step,
            at_ms: now,
            action,
        });
        self.applied_actions = self.actions.len();
        Ok(())
    }

    /// Whether a fork can be undone: an action taken in the past replaced a recorded future.
    pub fn can_undo_fork(&self) -> bool {
        self.replaced.is_some()
    }

    /// Undoes the last fork: the future it replaced comes back (its actions and checkpoints),
    /// everything recorded since the fork is dropped, and the run stands at the moment of the
    /// fork, just before the forking action. Returns false (and changes nothing) when there
    /// is no fork to undo.
    pub fn undo_fork(&mut self) -> bool {
        let Some(replaced) = self.replaced.take() else {
            return false;
        };
        self.actions.truncate(replaced.at_action);
        self.actions.extend(replaced.actions);
        let keep = self
            .checkpoints
            .partition_point(|c| c.steps() <= replaced.at_step);
        self.checkpoints.truncate(keep);
        self.checkpoints.extend(replaced.checkpoints);
        self.moments.split_off_after(replaced.at_step);
        self.moments.extend(replaced.moments);
        self.end = replaced.end;
        self.thin_checkpoints();
        self.refresh_next_checkpoint();
        self.rebuild(replaced.at_step, replaced.at_ms, replaced.at_action);
        true
    }

    /// Puts the simulation back at the exact moment after `steps` events, idle until `now_ms`,
    /// with the first `applied` recorded actions applied: the nearest checkpoint at or before
    /// that step, then events and actions replayed in their recorded order.
    fn rebuild(&mut self, steps: u64, now_ms: TimeMs, applied: usize) {
        self.restore_checkpoint(|c| c.steps() <= steps, false);
        loop {
            self.replay_actions_within(TimeMs::MAX, applied);
            if self.sim.steps() >= steps || !self.sim.step() {
                break;
            }
        }
        self.sim.idle_until(now_ms);
    }

    /// Goes to virtual time `at_ms` (earlier or later), through the nearest checkpoint; says
    /// how the replay ended, as [`Timeline::run_until`] does.
    pub fn seek_ms(&mut self, at_ms: TimeMs) -> RunEnd {
        let ahead = self.sim.now_ms() <= at_ms;
        self.restore_checkpoint(|c| c.now_ms() <= at_ms, ahead);
        self.run_until(at_ms)
    }

    /// Goes to the moment after exactly `step` events, with the recorded actions taken at that
    /// step applied (at the times they were taken): the same state as a straight run that
    /// stepped there and took those actions. Beyond the recorded end the run goes on. One call
    /// runs at most [`STEPS_PER_CALL_MAX`] events.
    pub fn seek_step(&mut self, step: u64) -> RunEnd {
        self.seek_until(|sim| sim.steps() <= step, |sim| sim.steps() >= step)
    }

    /// Goes to the moment right after trace event `id` was recorded: the end of the step (or
    /// the recorded action) that wrote it, the same moment [`Timeline::seek_step`] reaches for
    /// that step. Selecting a line of the page's event feed lands here. An id the run has not
    /// reached yet runs on until it is written (at most [`STEPS_PER_CALL_MAX`] events), or to
    /// the end of what can run.
    pub fn seek_event(&mut self, id: u64) -> RunEnd {
        let written = move |sim: &Sim| sim.trace().next_id() > id;
        self.seek_until(move |sim| !written(sim), written)
    }

    /// The seeks' one loop: restores the newest checkpoint that `usable` accepts (staying put
    /// when the current moment is usable and at least as far), then runs events, replaying
    /// the recorded actions at their steps, until `reached` holds. At most
    /// [`STEPS_PER_CALL_MAX`] events; a violation or the end of what can run stops it early.
    fn seek_until(
        &mut self,
        usable: impl Fn(&Sim) -> bool,
        reached: impl Fn(&Sim) -> bool,
    ) -> RunEnd {
        let ahead = usable(&self.sim);
        self.restore_checkpoint(usable, ahead);
        for _ in 0..STEPS_PER_CALL_MAX {
            self.replay_actions_here(TimeMs::MAX);
            if reached(&self.sim) {
                return RunEnd::Reached;
            }
            if !self.step() {
                return if self.sim.violation().is_some() {
                    RunEnd::Violation
                } else {
                    RunEnd::Reached
                };
            }
        }
        RunEnd::StepCap {
            at_ms: self.sim.now_ms(),
        }
    }

    /// A run of `config` whose recorded future is `actions` (as [`Timeline::actions`] gave
    /// them: in the order taken, steps and times never going back) and extends to `end`
    /// (as [`Timeline::end`] gave it, at least the last action), standing at its start.
    /// Seeking replays them, exactly as in the run that recorded them: how a share link's
    /// scenario becomes a run again. Out-of-order actions are refused.
    pub fn with_recorded(
        config: SimConfig,
        actions: Vec<RecordedAction>,
        end: (u64, TimeMs),
    ) -> Result<Timeline, String> {
        if let Some(i) = actions
            .windows(2)
            .position(|w| (w[1].at_step, w[1].at_ms) < (w[0].at_step, w[0].at_ms))
        {
            return Err(format!(
                "action {} (at step {}) comes before the action ahead of it (at step {}): actions must be in the order they were taken",
                i + 2,
                actions[i + 1].at_step,
                actions[i].at_step
            ));
        }
        let mut timeline = Timeline::new(config)?;
        timeline.end = actions
            .last()
            .map_or(end, |a| end.max((a.at_step, a.at_ms)));
        timeline.actions = actions;
        Ok(timeline)
    }

    /// Goes to the exact moment `(step, at_ms)` of the recorded run: [`Timeline::seek_step`],
    /// then the clock moves on to `at_ms` with nothing run (a page paused between two events
    /// stands there). False (the run is left at the step) when an event is due before `at_ms`,
    /// so no run that stepped there could have stood at that time.
    pub fn seek_moment(&mut self, step: u64, at_ms: TimeMs) -> bool {
        if self.seek_step(step) != RunEnd::Reached || self.sim.steps() != step {
            return false;
        }
        if self.sim.now_ms() > at_ms || !self.sim.idle_until(at_ms) {
            return false;
        }
        self.replay_actions_here(at_ms);
        self.note_end();
        true
    }

    /// Goes exactly one event back (see [`Timeline::seek_step`]); false at the start of the run.
    pub fn step_back(&mut self) -> bool {
        let Some(target) = self.sim.steps().checked_sub(1) else {
            return false;
        };
        self.seek_step(target);
        true
    }

    /// Runs one event and then the recorded actions taken right after it, so stepping forward
    /// lands on the same moments as [`Timeline::seek_step`] (and undoes [`Timeline::step_back`]).
    pub fn step_forward(&mut self) -> bool {
        let stepped = self.step();
        if stepped {
            self.replay_actions_here(TimeMs::MAX);
            self.note_end();
        }
        stepped
    }

    /// Makes the newest checkpoint that `usable` accepts (or the start of the run) the current
    /// simulation, with the recorded actions taken before it counted as applied. With
    /// `target_ahead` (the target is at or after the current moment) the current simulation
    /// stays when it is at least as far as that checkpoint: replaying from here is shorter
    /// (scrubbing forward, jumps forward) and gives the same state.
    fn restore_checkpoint(&mut self, usable: impl Fn(&Sim) -> bool, target_ahead: bool) {
        let base = self
            .checkpoints
            .iter()
            .rev()
            .find(|c| usable(c))
            .unwrap_or(&self.initial);
        if target_ahead && base.steps() <= self.sim.steps() {
            return;
        }
        let base = base.clone();
        self.applied_actions = self.actions.partition_point(|a| a.at_step < base.steps());
        self.sim = base;
        self.last_glance = None;
    }

    /// Applies the recorded actions taken at exactly the current step (and no later than
    /// `until_ms`), at the time they were taken.
    fn replay_actions_here(&mut self, until_ms: TimeMs) {
        self.replay_actions_within(until_ms, usize::MAX);
    }

    /// [`Timeline::replay_actions_here`], applying no action at or past index `applied_max`.
    fn replay_actions_within(&mut self, until_ms: TimeMs, applied_max: usize) {
        while let Some(recorded) = self
            .actions
            .get(self.applied_actions)
            .filter(|_| self.applied_actions < applied_max)
        {
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
        thin(
            &mut self.checkpoints,
            self.checkpoints_max,
            self.checkpoints_recent,
            Sim::steps,
        );
    }

    fn is_newest_checkpoint_point(&self) -> bool {
        self.checkpoints
            .last()
            .is_none_or(|c| c.steps() < self.sim.steps())
    }
}

/// Once `items` (in order of `at`, all after 0) holds more than `max`, drops items one at a
/// time until it holds `max`: never one of the newest `recent` (stepping back from the present
/// stays quick), otherwise the one whose neighbours are closest together (the oldest on a
/// tie), so the older items stay evenly spread over the run and a seek to a random moment
/// replays at most about `last / (max - recent)` steps.
fn thin<T>(items: &mut Vec<T>, max: usize, recent: usize, at: impl Fn(&T) -> u64) {
    while items.len() > max.max(recent) {
        let movable = items.len() - recent.max(1);
        let merged_gap = |i: usize| {
            let before = if i == 0 { 0 } else { at(&items[i - 1]) };
            at(&items[i + 1]).saturating_sub(before)
        };
        let Some(drop) = (0..movable).min_by_key(|&i| merged_gap(i)) else {
            return;
        };
        items.remove(drop);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::raft::types::NodeId;
    use std::collections::BTreeSet;

    #[test]
    fn thinning_bounds_the_count_keeps_the_recent_and_spreads_the_old() {
        let mut kept: Vec<u64> = Vec::new();
        for step in 1..=10_000u64 {
            kept.push(step);
            thin(&mut kept, 64, 8, |s| *s);
            assert!(kept.len() <= 64, "{}", kept.len());
        }
        assert_eq!(kept.len(), 64);
        assert!(kept.windows(2).all(|w| w[0] < w[1]), "still in order");
        assert_eq!(&kept[56..], &(9_993..=10_000).collect::<Vec<u64>>()[..]);
        // The older 56 are spread evenly over the run: no gap (from step 0 on) is much wider
        // than the run divided among them, none much narrower.
        let older: Vec<u64> = std::iter::once(0)
            .chain(kept[..57].iter().copied())
            .collect();
        let gaps: Vec<u64> = older.windows(2).map(|w| w[1] - w[0]).collect();
        let even = 10_000 / 57;
        assert!(
            gaps.iter().all(|&g| g <= 2 * even && g >= even / 2),
            "even spread around {even}: {gaps:?}"
        );
    }

    /// A checkpoint keeps only the trace's newest chunk (at most 256 events,
    /// [`CHECKPOINT_TRACE_TAIL`]), while the run's own window holds far more: the events before
    /// a checkpoint come back by replay, and checkpoints do not each pay for a trace window.
    #[test]
    fn a_checkpoint_keeps_only_the_newest_chunk_of_the_trace() {
        let mut timeline = Timeline::new(SimConfig::default()).expect("default config");
        assert_eq!(timeline.run_until(TimeMs(120_000)), RunEnd::Reached);
        assert!(
            timeline.checkpoints.len() >= 3,
            "{} checkpoints",
            timeline.checkpoints.len()
        );
        let live = timeline.sim().trace().events().count();
        assert!(live > 1_000, "the run's window holds {live} events");
        for checkpoint in &timeline.checkpoints[1..] {
            let kept = checkpoint.trace().events().count();
            assert!(
                (1..=256).contains(&kept),
                "a checkpoint at step {} keeps {kept} events",
                checkpoint.steps()
            );
        }
    }

    /// A due checkpoint waits for a moment when the running nodes have applied and stored
    /// the same entries ([`Sim::nodes_agree`]), at most [`CHECKPOINT_WAIT_STEPS_MAX`] steps:
    /// under a stream of writes some checkpoints fall later than due, and every one is taken
    /// when the nodes agree or when the wait ran out.
    #[test]
    fn a_due_checkpoint_waits_for_the_nodes_to_agree() {
        let config = SimConfig {
            voters: 5,
            seed: 7,
            ..SimConfig::default()
        };
        let mut timeline = Timeline::new(config).expect("config");
        for i in 0..600u64 {
            timeline.run_until(TimeMs(100 * (i + 1)));
            let _ = timeline.act(Action::Console {
                client: 1 + i % 3,
                node: NodeId(1 + i % 5),
                line: format!("put k{} v{i}", i % 11),
            });
        }
        let checkpoints = &timeline.checkpoints;
        assert!(checkpoints.len() >= 5, "{} checkpoints", checkpoints.len());
        let mut waited = 0;
        for pair in checkpoints.windows(2) {
            let due = pair[0].steps() + CHECKPOINT_EVERY_STEPS;
            let at = pair[1].steps();
            assert!(
                (due..=due + CHECKPOINT_WAIT_STEPS_MAX).contains(&at),
                "due at step {due}, taken at {at}"
            );
            let applied: BTreeSet<_> = pair[1]
                .nodes()
                .values()
                .filter_map(|n| {
                    n.raft()
                        .map(|r| (n.app.applied(), r.storage().last_index()))
                })
                .collect();
            assert!(
                applied.len() == 1 || at == due + CHECKPOINT_WAIT_STEPS_MAX,
                "at step {at} the nodes differ ({applied:?}) before the wait ran out"
            );
            waited += usize::from(at > due);
        }
        assert!(
            waited > 0,
            "no checkpoint had to wait for the nodes to agree"
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

    /// A minute with a put every 250 ms, a partition or heal every 10 s, a crash and restart
    /// and actions the nodes refuse, recorded on a timeline that keeps a checkpoint every 100
    /// steps and at most 8, the newest 2 never thinned (so thinning runs many times).
    fn busy_minute() -> Timeline {
        let config = SimConfig {
            voters: 5,
            seed: 3,
            ..SimConfig::default()
        };
        let mut timeline = Timeline::with_checkpoints(config, 100, 8, 2).expect("config");
        let mut refused = 0;
        for i in 0..240u64 {
            let at_ms = 250 * (i + 1);
            timeline.run_until(TimeMs(at_ms));
            if at_ms.is_multiple_of(10_000) {
                let fault = if (at_ms / 10_000).is_multiple_of(2) {
                    Action::Heal
                } else {
                    Action::Partition {
                        groups: vec![vec![NodeId(1), NodeId(2)], vec![NodeId(3), NodeId(4)]],
                    }
                };
                timeline.act(fault).expect("always accepted");
            }
            match at_ms {
                20_000 => timeline.act(Action::Crash { node: NodeId(5) }).expect("up"),
                35_000 => timeline
                    .act(Action::Restart { node: NodeId(5) })
                    .expect("down"),
                _ => {}
            }
            // Refused by a node (a crashed node cannot compact): changes nothing, is not kept.
            if (20_000..35_000).contains(&at_ms) && at_ms.is_multiple_of(5_000) {
                assert!(timeline.act(Action::Compact { node: NodeId(5) }).is_err());
                refused += 1;
            }
            let _ = timeline.act(Action::Console {
                client: 1 + i % 3,
                node: NodeId(1 + i % 5),
                line: format!("put k{} v{i}", i % 7),
            });
        }
        assert_eq!(refused, 3);
        timeline
    }

    #[test]
    fn seeks_to_many_moments_of_a_thinned_run_match_straight_runs() {
        let mut timeline = busy_minute();
        assert_eq!(timeline.checkpoint_count(), 8, "thinned");
        assert!(
            timeline.sim().steps() > 2_000,
            "long enough to thin many times"
        );
        let end_hash = timeline.sim().state_hash();
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut targets: Vec<u64> = (0..40)
            .map(|_| {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                (state >> 33) % 60_001
            })
            .collect();
        targets.extend([0, 10_000, 20_000, 35_000, 60_000]);
        let mut seeked = Vec::new();
        for &target in &targets {
            assert_eq!(timeline.seek_ms(TimeMs(target)), RunEnd::Reached);
            seeked.push((target, timeline.sim().state_hash()));
        }
        // One straight run through the same actions, stopping at each target in order.
        seeked.sort();
        let mut straight = Timeline::new(timeline.sim().config().clone()).expect("config");
        let mut actions = timeline.actions().iter().peekable();
        for (target, hash) in seeked {
            while let Some(recorded) = actions.next_if(|a| a.at_ms <= TimeMs(target)) {
                straight.run_until(recorded.at_ms);
                straight.act(recorded.action.clone()).expect("replays");
            }
            straight.run_until(TimeMs(target));
            assert_eq!(straight.sim().state_hash(), hash, "seek to {target} ms");
        }
        timeline.seek_ms(TimeMs(60_000));
        assert_eq!(timeline.sim().state_hash(), end_hash);
    }

    /// Operations derive their request and proposal bytes from the command: a retry taken
    /// after a seek back (a fork) proposes the same bytes as in a straight run through the
    /// same actions, and seeks inside the forked run still match it.
    #[test]
    fn a_retry_after_a_seek_back_forks_exactly_as_a_straight_run() {
        let mut timeline = busy_minute();
        assert_eq!(timeline.seek_ms(TimeMs(30_000)), RunEnd::Reached);
        let write = timeline
            .sim()
            .ops()
            .values()
            .rev()
            .find(|op| op.proposal.is_some() && op.state != crate::sim::client::OpState::Pending)
            .map(|op| op.id)
            .expect("a finished write");
        timeline
            .act(Action::Retry {
                op: write,
                node: NodeId(3),
            })
            .expect("a write can be retried");
        timeline.run_until(TimeMs(45_000));
        let mut straight = Timeline::new(timeline.sim().config().clone()).expect("config");
        for recorded in timeline.actions() {
            straight.run_until(recorded.at_ms);
            straight.act(recorded.action.clone()).expect("replays");
        }
        straight.run_until(TimeMs(45_000));
        assert_eq!(straight.sim().state_hash(), timeline.sim().state_hash());
        assert_eq!(
            straight.sim().trace().text_hash(),
            timeline.sim().trace().text_hash()
        );
        let label = format!("(retry of op{write})");
        assert!(
            timeline
                .sim()
                .ops()
                .values()
                .any(|op| op.line.ends_with(&label)),
            "the retry is an operation of the forked run"
        );
        for target in [31_000, 44_000, 30_500, 40_000] {
            timeline.seek_ms(TimeMs(target));
            straight.seek_ms(TimeMs(target));
            assert_eq!(
                straight.sim().state_hash(),
                timeline.sim().state_hash(),
                "{target}"
            );
        }
    }

    #[test]
    fn an_action_the_node_refuses_leaves_the_run_exactly_as_it_was() {
        let config = SimConfig {
            voters: 3,
            seed: 5,
            ..SimConfig::default()
        };
        let mut tried = Timeline::with_checkpoints(config.clone(), 50, 4, 1).expect("config");
        let mut plain = Timeline::new(config).expect("config");
        for timeline in [&mut tried, &mut plain] {
            timeline.run_until(TimeMs(4_000));
            timeline.act(Action::Crash { node: NodeId(2) }).expect("up");
            timeline.run_until(TimeMs(6_000));
        }
        let trace_len = tried.sim().trace().next_id();
        let error = tried
            .act(Action::Compact { node: NodeId(2) })
            .expect_err("a crashed node cannot compact");
        assert!(error.to_string().contains("down"), "{error}");
        assert_eq!(
            tried.sim().trace().next_id(),
            trace_len,
            "no trace line left"
        );
        assert_eq!(tried.sim().state_hash(), plain.sim().state_hash());
        assert_eq!(tried.actions(), plain.actions());
        for timeline in [&mut tried, &mut plain] {
            timeline
                .act(Action::ReadIndex { node: NodeId(1) })
                .expect("up");
            timeline.run_until(TimeMs(20_000));
        }
        assert_eq!(tried.sim().state_hash(), plain.sim().state_hash());
        assert_eq!(
            tried.sim().trace().text_hash(),
            plain.sim().trace().text_hash()
        );
    }

    /// Kills the mutant of `Moments::observe` that looks for a client's answer only when no
    /// note came in the step (`after.notes > before.notes` as `==`; `<` fails it too): the
    /// answer to a put is one moment, in the step that answered it, and a quiet run has none.
    #[test]
    fn a_client_answer_is_recorded_as_a_moment_in_its_step() {
        let config = SimConfig {
            voters: 3,
            seed: 5,
            ..SimConfig::default()
        };
        let mut timeline = Timeline::new(config).expect("config");
        assert_eq!(timeline.run_until(TimeMs(3_000)), RunEnd::Reached);
        assert!(timeline.moments().of_kind(MomentKind::Answer).is_empty());
        let leader = timeline.sim().leader().expect("a leader by 3 s");
        timeline
            .act(Action::Console {
                client: 1,
                node: leader,
                line: "put k v".into(),
            })
            .expect("console");
        assert_eq!(timeline.run_until(TimeMs(6_000)), RunEnd::Reached);
        let answers = timeline.moments().of_kind(MomentKind::Answer);
        assert_eq!(answers.len(), 1, "{answers:?}");
        let answer = &answers[0];
        assert!(answer.text.starts_with("c1: "), "{}", answer.text);
        assert!(answer.ms > TimeMs(3_000) && answer.ms < TimeMs(6_000));
        let answered = timeline
            .sim()
            .trace()
            .events()
            .find(|e| {
                matches!(&e.kind, crate::sim::trace::TraceKind::Note { text, .. }
                    if text.starts_with("client c1") && text.contains(" answered"))
            })
            .expect("the answer's note");
        assert_eq!(answer.ms, answered.at_ms);
    }
}
