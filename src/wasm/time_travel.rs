//! Time travel on the page: one event back, a seek to an exact step, the recorded run's end,
//! undoing a fork, and jumps between notable moments (docs/view-model.md, "Time travel").

use super::playground::{Playground, whole};
use crate::sim::timeline::moments::{Moment, MomentKind};
use wasm_bindgen::prelude::*;

/// A moment as a plain JS object `{ step, ms, kind, text }`, or `null`.
fn moment_js(moment: Option<&Moment>) -> Result<JsValue, JsError> {
    match moment {
        None => Ok(JsValue::NULL),
        Some(m) => js_sys::JSON::parse(
            &serde_json::to_string(m).map_err(|e| JsError::new(&e.to_string()))?,
        )
        .map_err(|_| JsError::new("moment: JSON.parse refused it")),
    }
}

fn kind(name: &str) -> Result<MomentKind, JsError> {
    MomentKind::parse(name).ok_or_else(|| {
        JsError::new(&format!(
            "bad moment kind \"{name}\": one of election, commit, answer, violation"
        ))
    })
}

#[wasm_bindgen]
impl Playground {
    /// Goes exactly one event back (the recorded actions taken at that step applied); the
    /// recorded future stays. False at the start of the run.
    #[wasm_bindgen(js_name = stepBack)]
    pub fn step_back(&mut self) -> bool {
        self.timeline.step_back()
    }

    /// Goes to the moment after exactly `n` events (back or forward), with the actions recorded
    /// at that step applied. Returns how it ended, as `advanceMs` does.
    #[wasm_bindgen(js_name = seekStep)]
    pub fn seek_step(&mut self, n: f64) -> Result<String, JsError> {
        let n = whole(n, "step")?;
        Ok(self.timeline.seek_step(n).to_string())
    }

    /// Goes to the exact moment `(step, ms)` of the recorded run: the moment after `step`
    /// events with the actions recorded there applied, the clock at `ms` (a run paused between
    /// two events, as a lesson step begins). False when an event is due before `ms`, so no run
    /// stood there; the run is then left right after `step` events.
    #[wasm_bindgen(js_name = seekMoment)]
    pub fn seek_moment(&mut self, step: f64, ms: f64) -> Result<bool, JsError> {
        let step = whole(step, "step")?;
        let ms = whole(ms, "ms")?;
        Ok(self
            .timeline
            .seek_moment(step, crate::sim::queue::TimeMs(ms)))
    }

    /// Goes to the moment right after trace event `id` (an event feed line's id) was written:
    /// the end of the step that wrote it. Returns how it ended, as `advanceMs` does.
    #[wasm_bindgen(js_name = seekEvent)]
    pub fn seek_event(&mut self, id: f64) -> Result<String, JsError> {
        let id = whole(id, "event id")?;
        Ok(self.timeline.seek_event(id).to_string())
    }

    /// Events run so far (the step under the cursor).
    #[wasm_bindgen(js_name = nowStep)]
    pub fn now_step(&self) -> f64 {
        self.timeline.sim().steps() as f64
    }

    /// Virtual time (ms) of the furthest moment recorded: the end of the recorded future.
    #[wasm_bindgen(js_name = endMs)]
    pub fn end_ms(&self) -> f64 {
        self.timeline.end().1.0 as f64
    }

    /// Steps of the furthest moment recorded.
    #[wasm_bindgen(js_name = endStep)]
    pub fn end_step(&self) -> f64 {
        self.timeline.end().0 as f64
    }

    /// Whether the cursor is before the end of the recorded run (acting now would fork).
    #[wasm_bindgen(js_name = inPast)]
    pub fn in_past(&self) -> bool {
        self.timeline.is_in_past()
    }

    /// Whether the last fork can be undone.
    #[wasm_bindgen(js_name = canUndoFork)]
    pub fn can_undo_fork(&self) -> bool {
        self.timeline.can_undo_fork()
    }

    /// Brings back the future the last fork replaced; the cursor goes to the fork's moment.
    /// False (and nothing changes) when there is none.
    #[wasm_bindgen(js_name = undoFork)]
    pub fn undo_fork(&mut self) -> bool {
        self.timeline.undo_fork()
    }

    /// The first notable moment of `kind` (`election`, `commit`, `answer`, `violation`) after
    /// step `fromStep`, as `{ step, ms, kind, text }`, or `null`.
    #[wasm_bindgen(js_name = nextMoment)]
    pub fn next_moment(&self, kind_name: &str, from_step: f64) -> Result<JsValue, JsError> {
        let from = whole(from_step, "step")?;
        moment_js(self.timeline.next_moment(kind(kind_name)?, from))
    }

    /// The last notable moment of `kind` before step `fromStep`, or `null`.
    #[wasm_bindgen(js_name = previousMoment)]
    pub fn previous_moment(&self, kind_name: &str, from_step: f64) -> Result<JsValue, JsError> {
        let from = whole(from_step, "step")?;
        moment_js(self.timeline.previous_moment(kind(kind_name)?, from))
    }

    /// Every recorded moment of `kind`, oldest first, as `[{ step, ms, kind, text }]` (at most
    /// 2,048 per kind; older ones are thinned).
    pub fn moments(&self, kind_name: &str) -> Result<JsValue, JsError> {
        let list = self.timeline.moments().of_kind(kind(kind_name)?);
        js_sys::JSON::parse(
            &serde_json::to_string(&list).map_err(|e| JsError::new(&e.to_string()))?,
        )
        .map_err(|_| JsError::new("moments: JSON.parse refused them"))
    }
}
