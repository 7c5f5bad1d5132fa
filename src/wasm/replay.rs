//! Moving through the page's recorded past (the run as a replay script is the on-demand
//! module's `replayScript`, tools-wasm/).

use super::playground::Playground;
use crate::sim::queue::TimeMs;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
impl Playground {
    /// Goes to virtual time `ms` (back or forward) through the timeline's checkpoints; the
    /// recorded actions after it stay recorded (they are the future until an action forks).
    /// Returns how it ended, as `advanceMs` does.
    #[wasm_bindgen(js_name = seekMs)]
    pub fn seek_ms(&mut self, ms: f64) -> Result<String, JsError> {
        let ms = super::playground::whole(ms, "ms")?;
        Ok(self.timeline.seek_ms(TimeMs(ms)).to_string())
    }
}
