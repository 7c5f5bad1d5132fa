//! Guided lessons on the page (docs/lessons.md): each step's actions and wait resolved against
//! the page's live run. The lesson itself is parsed by the small on-demand module
//! (`raftlab_check`, built from tools-wasm/: `lessonJson`, and `lessonPlans` for each step's
//! plan), so the first download carries no lesson parser; a call here takes one step's plan
//! text (`src/scenario/lesson/step_plan.rs`) and reads it again each time: it is a few lines, and
//! the page then holds no lesson state of ours.

use super::playground::{Playground, whole};
use crate::scenario::lesson::player::{self, WaitEnd};
use crate::scenario::lesson::step_plan::StepPlan;
use crate::sim::queue::TimeMs;
use crate::sim::timeline::Timeline;
use wasm_bindgen::prelude::*;

/// Bound on events one `lessonRunWait` call runs, so one call cannot freeze the page.
const WAIT_STEPS_PER_CALL_MAX: u64 = 200_000;

/// The step plan `plan`, or a JS error.
fn plan_of(plan: &str) -> Result<StepPlan, JsError> {
    StepPlan::parse(plan).map_err(|e| JsError::new(&e))
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, JsError> {
    serde_json::to_string(value).map_err(|e| JsError::new(&e.to_string()))
}

#[wasm_bindgen]
impl Playground {
    /// The step's `act`s resolved against the run now, as a JSON array of Actions for
    /// `apply` (in order); a node word with nobody to stand for (`leader` with no leader) is
    /// a JS error in words. A step with its own `cluster` (`config` in the lesson's JSON)
    /// first replaces this Playground's run by a fresh one with that config, so a page that
    /// enters steps through this call plays the lesson's second run without knowing about it
    /// (a page that started the fresh run itself loses nothing: the run is fresh either way).
    #[wasm_bindgen(js_name = lessonActions)]
    pub fn lesson_actions(&mut self, plan: &str) -> Result<String, JsError> {
        let plan = plan_of(plan)?;
        if let Some(config) = &plan.restart {
            self.timeline = Timeline::new(config.clone())
                .map_err(|e| JsError::new(&format!("line {}: bad cluster: {e}", plan.line)))?;
            // As every Playground's timeline (`Playground::over`): the page never reads it.
            self.timeline.stop_hashing_trace();
            self.view_cache = Default::default();
        }
        let sim = self.timeline.sim();
        let actions = plan
            .acts
            .iter()
            .map(|act| {
                player::resolve(act, sim)
                    .map_err(|e| JsError::new(&format!("line {}: {e}", act.line)))
            })
            .collect::<Result<Vec<_>, _>>()?;
        to_json(&actions)
    }

    /// The step's `do` action resolved against the run now, as Action JSON, or `""` when the
    /// step has no task.
    #[wasm_bindgen(js_name = lessonDoAction)]
    pub fn lesson_do_action(&self, plan: &str) -> Result<String, JsError> {
        match &plan_of(plan)?.task {
            None => Ok(String::new()),
            Some(task) => {
                let action = player::resolve(task, self.timeline.sim())
                    .map_err(|e| JsError::new(&format!("line {}: {e}", task.line)))?;
                to_json(&action)
            }
        }
    }

    /// Whether the step's `wait` holds now, for a step that started at virtual time
    /// `stepStartedMs`; true for a step with no wait.
    #[wasm_bindgen(js_name = lessonWaitHolds)]
    pub fn lesson_wait_holds(&self, plan: &str, step_started_ms: f64) -> Result<bool, JsError> {
        let plan = plan_of(plan)?;
        let started = TimeMs(whole(step_started_ms, "stepStartedMs")?);
        Ok(plan
            .wait
            .is_none_or(|(_, condition)| condition.holds(self.timeline.sim(), started)))
    }

    /// Plays the step's wait for at most `msMax` virtual ms, event by event, stopping at the
    /// first moment it holds (as `raftlab run` does, so the page shows the same story):
    /// `held`, `running` (call again next frame), `timeout` (the step's limit passed: an
    /// author's error) or `frozen` (a monitor fired first). A step with no wait is `held`.
    #[wasm_bindgen(js_name = lessonRunWait)]
    pub fn lesson_run_wait(
        &mut self,
        plan: &str,
        step_started_ms: f64,
        ms_max: f64,
    ) -> Result<String, JsError> {
        let plan = plan_of(plan)?;
        let started = TimeMs(whole(step_started_ms, "stepStartedMs")?);
        let until = self
            .timeline
            .sim()
            .now_ms()
            .saturating_add(TimeMs(whole(ms_max, "msMax")?));
        let Some((_, condition)) = &plan.wait else {
            return Ok(WaitEnd::Held.word().into());
        };
        let end = player::run_wait(
            &mut self.timeline,
            condition,
            started,
            plan.limit_ms,
            until,
            WAIT_STEPS_PER_CALL_MAX,
        );
        Ok(end.word().into())
    }
}
