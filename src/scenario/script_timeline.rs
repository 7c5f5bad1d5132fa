//! A scenario script as a recorded run: the [`Timeline`] its `cluster` line, runs and actions
//! make, so a script file can be exported like a page's run (`Scenario::of` of the result).
//!
//! `raftlab run` executes a script on a bare simulator, which keeps no record of the actions
//! it applied; the exports need them, each with the step and time it was taken, as the page's
//! timeline records them. So the script's commands are replayed here on a [`Timeline`]:
//! - `cluster` starts it; `run`, `run-until` and `run-to-step` run it exactly as the script
//!   does; every action command is taken with [`Timeline::act`]. For a script of only these,
//!   the run ends in the same state (the same state hash) as `raftlab run`'s.
//! - an action the simulator refuses is not recorded (the page records only actions taken),
//!   where `raftlab run` shows the refusal in its trace: the two hashes may then differ.
//! - `at MS ACTION` is taken when the clock reaches MS (after the events due then); in
//!   `raftlab run` it is an event of its own, so the runs agree in what happens, not in the
//!   step count or the hash.
//! - views (`status`, `hash`, `ops`, `trace`, `export-history`, ...) change nothing and are
//!   skipped (`export-history FILE` writes no file here); `liveness-check` proposes a write
//!   that is no user action, so a script with one is refused.

use crate::scenario::script::{self, Command};
use crate::scenario::sim_script::{cluster_config, number, parse_action, shifted};
use crate::sim::action::Action;
use crate::sim::queue::TimeMs;
use crate::sim::timeline::{RunEnd, Timeline};

/// Commands that only show the run.
const VIEWS: &[&str] = &[
    "status",
    "leader",
    "hash",
    "trace-hash",
    "in-flight",
    "trace",
    "ops",
    "check-history",
    "export-history",
    "expect-no-violation",
];

/// The recorded run of script `text`, standing at the moment the script ends. An error (with
/// its line) for a script that does not parse, does not start with `cluster`, or has a
/// command that cannot be recorded.
pub fn timeline_of_script(text: &str) -> Result<Timeline, String> {
    let parsed = script::parse(text).map_err(|e| e.to_string())?;
    let mut replay: Option<Replay> = None;
    for case in &parsed.cases {
        let cmd = &case.command;
        let line = cmd.line;
        let at_line = |message: String| format!("line {line}: {message}");
        if cmd.name == "cluster" {
            if replay.is_some() {
                return Err(at_line("'cluster' may appear only once".into()));
            }
            let timeline = Timeline::new(cluster_config(cmd).map_err(at_line)?).map_err(at_line)?;
            replay = Some(Replay {
                timeline,
                scheduled: Vec::new(),
            });
            continue;
        }
        let Some(replay) = replay.as_mut() else {
            return Err(at_line("the script must start with 'cluster'".into()));
        };
        replay.command(cmd, &case.raw).map_err(at_line)?;
    }
    replay
        .map(|r| r.timeline)
        .ok_or_else(|| "the script has no 'cluster' line, so no run".to_string())
}

/// The run being recorded, with the `at` actions still waiting for their time.
struct Replay {
    timeline: Timeline,
    /// `at` actions not yet taken, in the order due (equal times in the order written).
    scheduled: Vec<(TimeMs, Action)>,
}

impl Replay {
    fn command(&mut self, cmd: &Command, raw: &str) -> Result<(), String> {
        match cmd.name.as_str() {
            name if VIEWS.contains(&name) => Ok(()),
            "liveness-check" => Err(
                "liveness-check proposes a write of its own, which no recorded run holds: \
                 export the script without it"
                    .into(),
            ),
            "run" => {
                let until = self
                    .timeline
                    .sim()
                    .now_ms()
                    .saturating_add(TimeMs(number(cmd, 0)?));
                self.run_until(until)
            }
            "run-until" => self.run_until(TimeMs(number(cmd, 0)?)),
            "run-to-step" => self.run_to_step(cmd),
            "at" => {
                let at_ms = TimeMs(number(cmd, 0)?);
                let inner = shifted(cmd)?;
                let inner_raw = raw.split_whitespace().skip(2).collect::<Vec<_>>().join(" ");
                let action = parse_action(&inner, &inner_raw)?;
                let at = self.scheduled.partition_point(|(t, _)| *t <= at_ms);
                self.scheduled.insert(at, (at_ms, action));
                Ok(())
            }
            _ => {
                let action = parse_action(cmd, raw)?;
                // A refused action changes nothing and is not recorded, as on the page.
                let _ = self.timeline.act(action);
                Ok(())
            }
        }
    }

    /// Runs to `until`, taking each `at` action due by then when the clock reaches its time.
    fn run_until(&mut self, until: TimeMs) -> Result<(), String> {
        while let Some((at_ms, _)) = self.scheduled.first()
            && *at_ms <= until
        {
            let at_ms = (*at_ms).max(self.timeline.sim().now_ms());
            if !reached(self.timeline.run_until(at_ms), at_ms)? {
                return Ok(());
            }
            let (_, action) = self.scheduled.remove(0);
            let _ = self.timeline.act(action);
        }
        reached(self.timeline.run_until(until), until).map(|_| ())
    }

    /// `run-to-step STEPS [clock=MS]`: as the page's replay scripts put actions back.
    fn run_to_step(&mut self, cmd: &Command) -> Result<(), String> {
        if !self.scheduled.is_empty() {
            return Err(
                "run-to-step after 'at' cannot be recorded (the scheduled action has no step \
                 of its own): use run or run-until"
                    .into(),
            );
        }
        let step = number(cmd, 0)?;
        let reached = match cmd.value("clock") {
            Some(ms) => {
                let ms = ms.parse().map_err(|_| {
                    format!("run-to-step: clock= must be a number of ms, got '{ms}'")
                })?;
                self.timeline.seek_moment(step, TimeMs(ms))
            }
            None => self.timeline.seek_step(step) == RunEnd::Reached,
        };
        if reached || self.timeline.sim().violation().is_some() {
            return Ok(());
        }
        Err(format!(
            "run-to-step {step}: the run cannot stand there (it is at step {}, {}ms)",
            self.timeline.sim().steps(),
            self.timeline.sim().now_ms()
        ))
    }
}

/// Whether the run got to `until` (false: a violation froze it); an error when the
/// per-call step cap stopped it, as a script's `run` would have said.
fn reached(end: RunEnd, until: TimeMs) -> Result<bool, String> {
    match end {
        RunEnd::Reached => Ok(true),
        RunEnd::Violation => Ok(false),
        RunEnd::StepCap { at_ms } => Err(format!(
            "the run stopped at {at_ms}ms, short of {until}ms: one command runs at most \
             {} steps",
            crate::sim::timeline::STEPS_PER_CALL_MAX
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::sim_script::run_script;

    const SCRIPT: &str = "cluster voters=3 seed=5
----

run-until 2000
----

console client=1 node=1 put a 1
----

crash 3
----

run 500
----

status
----

restart 3
----

run 1000
----
";

    #[test]
    fn a_script_of_runs_and_actions_records_the_same_run() {
        let timeline = timeline_of_script(SCRIPT).expect("records");
        let straight = run_script(SCRIPT).expect("runs");
        assert_eq!(Some(timeline.sim().state_hash()), straight.state_hash);
        let kinds: Vec<String> = timeline
            .actions()
            .iter()
            .map(|a| a.action.to_string())
            .collect();
        assert_eq!(
            kinds,
            ["client c1 -> n1: put a 1", "crash n3", "restart n3"]
        );
        assert_eq!(timeline.sim().now_ms(), TimeMs(3_500));
    }

    #[test]
    fn an_at_action_is_taken_when_the_clock_reaches_it() {
        let text =
            "cluster voters=3 seed=5\n----\n\nat 1500 crash 2\n----\n\nrun-until 3000\n----\n";
        let timeline = timeline_of_script(text).expect("records");
        let [crash] = timeline.actions() else {
            panic!("one action: {:?}", timeline.actions());
        };
        assert_eq!(
            crash.action,
            Action::Crash {
                node: crate::raft::types::NodeId(2)
            }
        );
        assert_eq!(crash.at_ms, TimeMs(1_500));
        assert_eq!(timeline.sim().now_ms(), TimeMs(3_000));
    }

    #[test]
    fn what_cannot_be_recorded_says_why() {
        let err = |text: &str| timeline_of_script(text).expect_err(text);
        assert!(err("run 10\n----\n").contains("must start with 'cluster'"));
        assert!(err("").contains("no 'cluster'"));
        assert!(
            err("cluster voters=3\n----\n\nliveness-check 100\n----\n")
                .contains("line 4: liveness-check")
        );
        assert!(err("cluster voters=3\n----\n\nfly 2\n----\n").contains("line 4"));
        assert!(err("cluster voters=99\n----\n").contains("line 1"));
    }
}
