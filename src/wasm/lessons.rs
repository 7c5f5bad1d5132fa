//! Guided lessons on the page (docs/lessons.md): the parsed lesson as JSON, and each step's
//! actions and wait resolved against the page's live run. The lesson text is parsed on every
//! call: it is small, and the page then holds no lesson state of ours.

use super::playground::{Playground, whole};
use crate::scenario::lesson::player::{self, WaitEnd};
use crate::scenario::lesson::{Lesson, Step};
use crate::sim::queue::TimeMs;
use crate::sim::timeline::Timeline;
use wasm_bindgen::prelude::*;

/// Bound on events one `lessonRunWait` call runs, so one call cannot freeze the page.
const WAIT_STEPS_PER_CALL_MAX: u64 = 200_000;

/// The lesson as JSON text (docs/lessons.md); a lesson that does not parse is a JS error
/// starting with `line N:`.
#[wasm_bindgen(js_name = lessonJson)]
pub fn lesson_json(text: &str) -> Result<String, JsError> {
    let lesson = Lesson::parse(text).map_err(|e| JsError::new(&e.to_string()))?;
    Ok(lesson.to_json().to_string())
}

/// The lesson's step `step` (counted from 0), or a JS error.
fn step_of(text: &str, step: f64) -> Result<(Lesson, usize), JsError> {
    let lesson = Lesson::parse(text).map_err(|e| JsError::new(&e.to_string()))?;
    let index = whole(step, "step")? as usize;
    if index >= lesson.steps.len() {
        return Err(JsError::new(&format!(
            "bad step: {index}; the lesson has steps 0 to {}",
            lesson.steps.len().saturating_sub(1)
        )));
    }
    Ok((lesson, index))
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
    pub fn lesson_actions(&mut self, lesson_text: &str, step: f64) -> Result<String, JsError> {
        let (lesson, index) = step_of(lesson_text, step)?;
        let step = &lesson.steps[index];
        if let Some(config) = &step.restart {
            self.timeline = Timeline::new(config.clone())
                .map_err(|e| JsError::new(&format!("line {}: bad cluster: {e}", step.line)))?;
            // As every Playground's timeline (`Playground::over`): the page never reads it.
            self.timeline.stop_hashing_trace();
            self.view_cache = Default::default();
        }
        let actions = player::resolve_acts(step, self.timeline.sim())
            .map_err(|(line, e)| JsError::new(&format!("line {line}: {e}")))?;
        to_json(&actions)
    }

    /// The step's `do` action resolved against the run now, as Action JSON, or `""` when the
    /// step has no task.
    #[wasm_bindgen(js_name = lessonDoAction)]
    pub fn lesson_do_action(&self, lesson_text: &str, step: f64) -> Result<String, JsError> {
        let (lesson, index) = step_of(lesson_text, step)?;
        match &lesson.steps[index].task {
            None => Ok(String::new()),
            Some(task) => {
                let action = player::resolve(&task.action, self.timeline.sim())
                    .map_err(|e| JsError::new(&format!("line {}: {e}", task.action.line)))?;
                to_json(&action)
            }
        }
    }

    /// Whether the step's `wait` holds now, for a step that started at virtual time
    /// `stepStartedMs`; true for a step with no wait.
    #[wasm_bindgen(js_name = lessonWaitHolds)]
    pub fn lesson_wait_holds(
        &self,
        lesson_text: &str,
        step: f64,
        step_started_ms: f64,
    ) -> Result<bool, JsError> {
        let (lesson, index) = step_of(lesson_text, step)?;
        let started = TimeMs(whole(step_started_ms, "stepStartedMs")?);
        Ok(wait_of(&lesson.steps[index])
            .is_none_or(|condition| condition.holds(self.timeline.sim(), started)))
    }

    /// Plays the step's wait for at most `msMax` virtual ms, event by event, stopping at the
    /// first moment it holds (as `raftlab run` does, so the page shows the same story):
    /// `held`, `running` (call again next frame), `timeout` (the step's limit passed: an
    /// author's error) or `frozen` (a monitor fired first). A step with no wait is `held`.
    #[wasm_bindgen(js_name = lessonRunWait)]
    pub fn lesson_run_wait(
        &mut self,
        lesson_text: &str,
        step: f64,
        step_started_ms: f64,
        ms_max: f64,
    ) -> Result<String, JsError> {
        let (lesson, index) = step_of(lesson_text, step)?;
        let started = TimeMs(whole(step_started_ms, "stepStartedMs")?);
        let until = self
            .timeline
            .sim()
            .now_ms()
            .saturating_add(TimeMs(whole(ms_max, "msMax")?));
        let step = &lesson.steps[index];
        let Some(condition) = wait_of(step) else {
            return Ok(WaitEnd::Held.word().into());
        };
        let end = player::run_wait(
            &mut self.timeline,
            condition,
            started,
            step.limit_ms,
            until,
            WAIT_STEPS_PER_CALL_MAX,
        );
        Ok(end.word().into())
    }
}

fn wait_of(step: &Step) -> Option<&crate::scenario::lesson::condition::Condition> {
    step.wait.as_ref()
}
