//! wasm-bindgen exports of the lesson parser (docs/lessons.md). The page plays a lesson with
//! the first module (`Playground.lessonActions`, `lessonRunWait`, ...), which takes each step's
//! plan (`src/scenario/lesson/step_plan.rs`) rather than the lesson's text, so the parser is
//! here (feature `lessons`), loaded when a lesson is opened, and not in every visit's first
//! download. It is in the small on-demand module (`raftlab_check`), so opening a lesson does
//! not download the big one's copy of the simulator.

use raftlab::scenario::lesson::Lesson;
use raftlab::scenario::lesson::step_plan::StepPlan;
use wasm_bindgen::prelude::*;

fn parsed(text: &str) -> Result<Lesson, JsError> {
    Lesson::parse(text).map_err(|e| JsError::new(&e.to_string()))
}

/// The lesson as JSON text (docs/lessons.md); a lesson that does not parse is a JS error
/// starting with `line N:`.
#[wasm_bindgen(js_name = lessonJson)]
pub fn lesson_json(text: &str) -> Result<String, JsError> {
    Ok(parsed(text)?.to_json().to_string())
}

/// Each step's plan, in order, as a JSON array of strings: what `Playground.lessonActions`,
/// `lessonDoAction`, `lessonWaitHolds` and `lessonRunWait` take for that step. A lesson that
/// does not parse is a JS error starting with `line N:`.
#[wasm_bindgen(js_name = lessonPlans)]
pub fn lesson_plans(text: &str) -> Result<String, JsError> {
    let plans: Vec<String> = parsed(text)?
        .steps
        .iter()
        .map(|step| StepPlan::of(step).to_text())
        .collect();
    serde_json::to_string(&plans).map_err(|e| JsError::new(&e.to_string()))
}
