//! The logs view's scroll-back: a slice of one node's log beyond the view model's window.

use super::playground::{Playground, whole};
use crate::view::View;
use serde::Serialize;
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
        // Built field by field (serde-wasm-bindgen): a slice is small, read when the reader
        // scrolls, and its one type costs the wasm little; the objects are the view's.
        let serializer = serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true);
        log.serialize(&serializer)
            .map_err(|e| JsError::new(&format!("log slice: {e}")))
    }
}
