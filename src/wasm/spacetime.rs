//! The space-time diagram's data: the arrows and lane marks of a window of virtual time.

use super::playground::{Playground, whole};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
impl Playground {
    /// The message arrows and lane marks (elections, commits, crashes) of `fromMs..=toMs`, at
    /// most `maxArrows` of each (the newest; never more than 5,000): a `Spacetime` object
    /// (docs/view-model.md). A JS error for a bad number.
    pub fn spacetime(&self, from_ms: f64, to_ms: f64, max_arrows: f64) -> Result<JsValue, JsError> {
        let from = whole(from_ms, "from ms")?;
        let to = whole(to_ms, "to ms")?;
        let max = whole(max_arrows, "max arrows")? as usize;
        let data = crate::view::spacetime::build(self.timeline.sim(), from, to, max);
        let text =
            serde_json::to_string(&data).map_err(|e| JsError::new(&format!("spacetime: {e}")))?;
        js_sys::JSON::parse(&text).map_err(|_| JsError::new("spacetime: JSON.parse refused it"))
    }
}
