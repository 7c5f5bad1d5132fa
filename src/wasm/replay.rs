//! The page's run as a scenario script, and moving through its recorded past.

use super::playground::Playground;
use crate::sim::queue::TimeMs;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
impl Playground {
    /// The run so far as a scenario script (the `raftlab run FILE` format): the settings, every
    /// action applied so far right after the simulator step it was taken at, and a final `hash`
    /// whose expected output is the current state hash, so a native `raftlab run` of it fails
    /// unless it reaches exactly this state. Its other expected outputs come from replaying
    /// the run once here (the cost of one seek from the start).
    pub fn script(&self) -> Result<String, JsError> {
        crate::scenario::sim_script::replay_script(&self.timeline)
            .map_err(|e| JsError::new(&format!("script: {e}")))
    }

    /// Goes to virtual time `ms` (back or forward) through the timeline's checkpoints; the
    /// recorded actions after it stay recorded (they are the future until an action forks).
    /// Returns how it ended, as `advanceMs` does.
    #[wasm_bindgen(js_name = seekMs)]
    pub fn seek_ms(&mut self, ms: f64) -> Result<String, JsError> {
        let ms = super::playground::whole(ms, "ms")?;
        Ok(self.timeline.seek_ms(TimeMs(ms)).to_string())
    }
}
