//! What the page's controls need from Rust, so nothing is copied by hand into JavaScript: the
//! teaching switches (name and one-line description), the default config, and the console's
//! own check of an etcdctl line.

use crate::raft::config::UnsafeSwitch;
use crate::sim::config::{NODES_MAX, SimConfig};
use wasm_bindgen::prelude::*;

/// The teaching switches (deliberate, documented bugs), in their stable order, as JSON text:
/// `[{ "name": "no-persist-vote", "description": "..." }, ...]`. A name is what
/// `SimConfig.unsafe_switches` takes.
pub fn unsafe_switches_json() -> String {
    let list: Vec<serde_json::Value> = UnsafeSwitch::all()
        .iter()
        .map(|switch| {
            serde_json::json!({
                "name": switch.name(),
                "description": switch.description(),
            })
        })
        .collect();
    serde_json::Value::Array(list).to_string()
}

/// The default `SimConfig` as JSON text (snake_case field names, as `new Playground` reads
/// them), plus `nodes_max`: what the settings form starts from.
pub fn default_config_json() -> String {
    let mut value = serde_json::to_value(SimConfig::default()).unwrap_or_default();
    if let Some(object) = value.as_object_mut() {
        object.insert("nodes_max".into(), NODES_MAX.into());
    }
    value.to_string()
}

/// The teaching switches as JSON text (see [`unsafe_switches_json`]).
#[wasm_bindgen(js_name = unsafeSwitches)]
pub fn unsafe_switches() -> String {
    unsafe_switches_json()
}

/// The default config as JSON text (see [`default_config_json`]).
#[wasm_bindgen(js_name = defaultConfig)]
pub fn default_config() -> String {
    default_config_json()
}

/// The kinds of every user action (`Action`'s serde `kind`), as a JSON array: the names
/// `controls=` and a lesson's `controls` lock by, kept equal to the enum by a unit test.
#[wasm_bindgen(js_name = actionKinds)]
pub fn action_kinds() -> String {
    serde_json::to_string(crate::scenario::lesson::CONTROLS).unwrap_or_default()
}

/// Whether an etcdctl line parses, as the console will read it: `""` when it does, else the
/// console's error (with a caret under the offending word). The page shows the error where
/// the line was typed instead of sending a line the cluster would refuse; the parsing is the
/// engine's own ([`crate::sim::client::parse`]).
#[wasm_bindgen(js_name = checkEtcdctlLine)]
pub fn check_etcdctl_line(line: &str) -> String {
    match crate::sim::client::parse(line) {
        Ok(_) => String::new(),
        Err(error) => error,
    }
}
