//! Share links on the page: the run as a link text, and a run opened from one
//! (`src/scenario/link.rs`, docs/scenario-format.md).

use super::playground::Playground;
use crate::scenario::link::Scenario;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
impl Playground {
    /// The whole recorded run, shown at the current moment, as a link text (`1.` then the
    /// deflated scenario in base64url): put it after `#run=` in the page's address.
    pub fn link(&self) -> String {
        Scenario::of(&self.timeline).to_link()
    }

    /// The run's config as JSON text (snake_case, as `new Playground` reads it), with the seed
    /// as a decimal string so any 64-bit seed survives `JSON.parse`: what the settings form
    /// shows for a run opened from a link.
    #[wasm_bindgen(js_name = configJson)]
    pub fn config_json(&self) -> String {
        self.timeline.sim().config().to_page_json().to_string()
    }

    /// A new run opened from a link text (alone, after `#run=`, or in a whole page address):
    /// replayed to the linked moment, its state hash checked. A cut, damaged, newer-format or
    /// non-matching link is a JS error saying which; no run is made.
    #[wasm_bindgen(js_name = fromLink)]
    pub fn from_link(text: &str) -> Result<Playground, JsError> {
        let scenario = Scenario::from_link(text).map_err(|e| JsError::new(&e))?;
        let timeline = scenario.replay().map_err(|e| JsError::new(&e))?;
        Ok(Playground::over(timeline))
    }

    /// The whole recorded run, shown at the current moment, as scenario JSON (pretty, for a
    /// file; docs/scenario-format.md).
    #[wasm_bindgen(js_name = scenarioJson)]
    pub fn scenario_json(&self) -> String {
        Scenario::of(&self.timeline).to_json()
    }

    /// A new run opened from scenario JSON (a file `scenarioJson` wrote): replayed to its
    /// moment, its state hash checked; a JS error in words otherwise.
    #[wasm_bindgen(js_name = fromScenarioJson)]
    pub fn from_scenario_json(text: &str) -> Result<Playground, JsError> {
        let scenario = Scenario::from_json(text).map_err(|e| JsError::new(&e))?;
        let timeline = scenario.replay().map_err(|e| JsError::new(&e))?;
        Ok(Playground::over(timeline))
    }
}
