//! The logs view's scroll-back: a slice of one node's log beyond the view model's window.

use super::playground::{Playground, whole};
use crate::view::View;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
impl Playground {
    /// Node `node`'s log from index `from` on, at most `count` entries (at most 1,000): a `Log`
    /// object of the view model (docs/view-model.md) whose `entries` are that slice, clipped to
    /// the entries the node still holds. A JS error for a node that does not exist or a bad
    /// number.
    #[wasm_bindgen(js_name = logSlice)]
    pub fn log_slice(&self, node: f64, from: f64, count: f64) -> Result<JsValue, JsError> {
        let id = whole(node, "node")?;
        let from = whole(from, "from")?;
        let count = whole(count, "count")? as usize;
        let log = View::log_slice(self.timeline.sim(), id, from, count)
            .ok_or_else(|| JsError::new(&format!("no node n{id}")))?;
        // Through JSON, as the view model itself travels: the same objects as the view's logs,
        // and no second serializer compiled into the wasm (issue 13).
        let text =
            serde_json::to_string(&log).map_err(|e| JsError::new(&format!("log slice: {e}")))?;
        js_sys::JSON::parse(&text).map_err(|_| JsError::new("log slice: not JSON"))
    }
}
