//! The page's engine: one [`Playground`] over a [`Timeline`]. It only converts between
//! JavaScript values and the simulator's plain data (config, actions, view model); every
//! decision is the simulator's.

use crate::sim::action::Action;
use crate::sim::config::SimConfig;
use crate::sim::queue::TimeMs;
use crate::sim::timeline::Timeline;
use crate::view::{View, ViewCache, ViewOptions, ViewSent};
use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::*;

/// A run the page drives: create it from a config, advance it, act on it, read its view.
#[wasm_bindgen]
pub struct Playground {
    pub(super) timeline: Timeline,
    pub(super) options: ViewOptions,
    /// Each node's log and KV view text from the last view, reused while unchanged.
    pub(super) view_cache: std::cell::RefCell<ViewCache>,
    /// What `viewChanges` last sent for each node (its reader keeps the rest).
    pub(super) view_sent: std::cell::RefCell<ViewSent>,
}

/// Reads `value` as `T`: a JSON string, or a plain JS object, which goes through the browser's
/// `JSON.stringify` and then the same JSON reader. One reader, not two: serde's derived code is
/// compiled once per format, and serde-wasm-bindgen's copy (configs and actions, whose tagged
/// enums are the largest derived code) cost the page's wasm more than the stringify costs a
/// call (issue 13). `what` names it in the error.
fn from_js<T: DeserializeOwned>(value: JsValue, what: &str) -> Result<T, JsError> {
    let text = match value.as_string() {
        Some(text) => text,
        None => js_sys::JSON::stringify(&value)
            .ok()
            .and_then(|text| text.as_string())
            .ok_or_else(|| JsError::new(&format!("bad {what}: not a JSON value")))?,
    };
    crate::json_text::from_text(&text).map_err(|e| JsError::new(&format!("bad {what}: {e}")))
}

/// A JS number that must be a whole number from 0 to 2^53 (ids, times).
pub(super) fn whole(value: f64, what: &str) -> Result<u64, JsError> {
    if value.is_finite() && value >= 0.0 && value.fract() == 0.0 && value <= 9_007_199_254_740_992.0
    {
        Ok(value as u64)
    } else {
        Err(JsError::new(&format!(
            "bad {what}: {value} is not a whole number from 0 to 2^53"
        )))
    }
}

impl Playground {
    /// The page's engine over `timeline`, with the default view bounds (every constructor:
    /// a config, a link, a scenario file, a script). The page never reads the trace's text
    /// hash (it shows the state hash), so the timeline stops keeping it: a tenth of a step.
    pub(super) fn over(mut timeline: Timeline) -> Playground {
        timeline.stop_hashing_trace();
        Playground {
            timeline,
            options: ViewOptions::default(),
            view_cache: Default::default(),
            view_sent: Default::default(),
        }
    }
}

#[wasm_bindgen]
impl Playground {
    /// A new run. `config` is a `SimConfig` as a JSON string or a JS object (missing fields
    /// take their defaults; `undefined` or `null` is the default config). A JSON string can
    /// carry any 64-bit seed exactly; a JS number only up to 2^53. A config that does not
    /// parse or is out of range is a JS error saying why.
    #[wasm_bindgen(constructor)]
    pub fn new(config: JsValue) -> Result<Playground, JsError> {
        let config: SimConfig = if config.is_undefined() || config.is_null() {
            SimConfig::default()
        } else {
            from_js(config, "config")?
        };
        let timeline =
            Timeline::new(config).map_err(|e| JsError::new(&format!("bad config: {e}")))?;
        Ok(Playground::over(timeline))
    }

    /// Runs `ms` virtual milliseconds. Returns how it ended: `reached`, `stopped by a
    /// violation`, or a note that the per-call step cap stopped it early (call again).
    #[wasm_bindgen(js_name = advanceMs)]
    pub fn advance_ms(&mut self, ms: f64) -> Result<String, JsError> {
        let ms = whole(ms, "ms")?;
        let until = self.timeline.sim().now_ms().saturating_add(TimeMs(ms));
        Ok(self.timeline.run_until(until).to_string())
    }

    /// Runs exactly one event, then the actions recorded right after it (in the past: the
    /// recorded future); false when nothing is left to run or a monitor has fired.
    #[wasm_bindgen(js_name = stepEvent)]
    pub fn step_event(&mut self) -> bool {
        self.timeline.step_forward()
    }

    /// Takes a user action now: any `Action` of the simulator (docs/view-model.md), as a JSON
    /// string or a JS object such as `{ kind: "crash", node: 2 }`. An action that does not
    /// parse or does not apply is a JS error and the run is unchanged.
    pub fn apply(&mut self, action: JsValue) -> Result<(), JsError> {
        let action: Action = from_js(action, "action")?;
        self.timeline
            .act(action)
            .map_err(|e| JsError::new(&e.to_string()))
    }

    /// Client `client` sends an etcdctl line to node `node`; the answer shows in the view's
    /// clients once the cluster answers. A line that does not parse is answered with the error.
    pub fn console(&mut self, client: f64, node: f64, line: &str) -> Result<(), JsError> {
        let action = Action::Console {
            client: whole(client, "client")?,
            node: crate::raft::types::NodeId(whole(node, "node")?),
            line: line.to_string(),
        };
        self.timeline
            .act(action)
            .map_err(|e| JsError::new(&e.to_string()))
    }

    /// The view model now, as a plain JS object (docs/view-model.md).
    ///
    /// It crosses as JSON text parsed by the engine's `JSON.parse`: one string copy instead of
    /// a call into JavaScript for every field (serde-wasm-bindgen's way), faster for a view of
    /// a hundred kilobytes or more. The object is the same (`viewJson` is its text).
    /// Each node's log window and KV state is rebuilt only when it changed (`View::json_cached`).
    pub fn view(&self) -> Result<JsValue, JsError> {
        js_sys::JSON::parse(&self.view_json())
            .map_err(|_| JsError::new("view: JSON.parse refused the view"))
    }

    /// The view model now, for a reader that keeps every answer of this method: a node's
    /// `logs` or `kv` item that is the same as in the previous `viewChanges` answer is
    /// `{ node, same: true }`, and the reader uses the item it has (the page's controller,
    /// which turns it into the same object `view()` gives). Only one reader may use it.
    /// Without `withHash`, `stateHash` is the empty string (computing it can take
    /// milliseconds; the page skips it while playing).
    #[wasm_bindgen(js_name = viewChanges)]
    pub fn view_changes(&self, with_hash: bool) -> Result<JsValue, JsError> {
        let text = View::json_changes(
            self.timeline.sim(),
            &self.options,
            &mut self.view_cache.borrow_mut(),
            &mut self.view_sent.borrow_mut(),
            with_hash,
        );
        js_sys::JSON::parse(&text)
            .map_err(|_| JsError::new("viewChanges: JSON.parse refused the view"))
    }

    /// The view model now as JSON text (for tests and for measuring its size).
    #[wasm_bindgen(js_name = viewJson)]
    pub fn view_json(&self) -> String {
        View::json_cached(
            self.timeline.sim(),
            &self.options,
            &mut self.view_cache.borrow_mut(),
        )
    }

    /// The state hash: 16 hex digits, the `hash` script command's output at the same moment.
    pub fn hash(&self) -> String {
        format!("{:016x}", self.timeline.sim().state_hash())
    }

    /// The `etcd` command line that would start node `node` as a member of a real cluster
    /// (the seed article's flags, one per line); a JS error for a node that does not exist.
    #[wasm_bindgen(js_name = etcdCommand)]
    pub fn etcd_command(&self, node: f64) -> Result<String, JsError> {
        let id = crate::raft::types::NodeId(whole(node, "node")?);
        crate::view::etcd_command(self.timeline.sim(), id)
            .ok_or_else(|| JsError::new(&format!("no node n{id}")))
    }

    /// Virtual time now (ms).
    #[wasm_bindgen(js_name = nowMs)]
    pub fn now_ms(&self) -> f64 {
        self.timeline.sim().now_ms().0 as f64
    }

    /// Bounds the view: the newest `log_window` log entries per node, `events_max` trace
    /// events, `keys_max` keys per node (whole numbers; others are a JS error).
    #[wasm_bindgen(js_name = setViewBounds)]
    pub fn set_view_bounds(
        &mut self,
        log_window: f64,
        events_max: f64,
        keys_max: f64,
    ) -> Result<(), JsError> {
        self.options.log_window = whole(log_window, "log window")? as usize;
        self.options.events_max = whole(events_max, "events max")? as usize;
        self.options.keys_max = whole(keys_max, "keys max")? as usize;
        Ok(())
    }
}
