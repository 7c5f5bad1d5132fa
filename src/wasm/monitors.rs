//! What the monitors and history panels need from Rust: the monitors' catalogue (so the page
//! never keeps a hand-copied list), which of them watch this run, the numbers a violation's
//! evidence names (for highlighting), and the clients' history of the run so far.

use super::playground::Playground;
use crate::sim::monitor::{CATALOGUE, Kind, switch_monitors};
use wasm_bindgen::prelude::*;

/// The leading number of a monitor name (`"4 leader completeness"` -> 4), if any.
fn number(name: &str) -> Option<u32> {
    let digits: String = name.chars().take_while(|c| c.is_ascii_digit()).collect();
    digits.parse().ok()
}

/// Every monitor in catalogue order as JSON text: `[{ name, number, kind, explanation }]`
/// (`number` is null for the history checker, which is last).
pub fn monitor_catalogue_json() -> String {
    let list: Vec<serde_json::Value> = CATALOGUE
        .iter()
        .map(|entry| {
            serde_json::json!({
                "name": entry.name,
                "number": number(entry.name),
                "kind": entry.kind.name(),
                "explanation": entry.explanation,
            })
        })
        .collect();
    serde_json::Value::Array(list).to_string()
}

/// The monitors of a run with `switches` on and rule monitors `rule_monitors`, as JSON text:
/// `{ ruleMonitors, switches: [name], monitors: [{ name, number, kind, explanation, on,
/// watches: [switch name] }] }`. `on` is false only for a rule monitor while rule monitors are
/// off; `watches` lists the switches (on in this run) whose broken rule or harm it catches.
pub fn run_monitors_json(
    switches: &[crate::raft::config::UnsafeSwitch],
    rule_monitors: bool,
) -> String {
    let monitors: Vec<serde_json::Value> = CATALOGUE
        .iter()
        .map(|entry| {
            let watches: Vec<&str> = switches
                .iter()
                .filter(|&&switch| {
                    let (rule, harms) = switch_monitors(switch);
                    rule == Some(entry.name) || harms.contains(&entry.name)
                })
                .map(|switch| switch.name())
                .collect();
            serde_json::json!({
                "name": entry.name,
                "number": number(entry.name),
                "kind": entry.kind.name(),
                "explanation": entry.explanation,
                "on": entry.kind != Kind::Rule || rule_monitors,
                "watches": watches,
            })
        })
        .collect();
    serde_json::json!({
        "ruleMonitors": rule_monitors,
        "switches": switches.iter().map(|s| s.name()).collect::<Vec<_>>(),
        "monitors": monitors,
    })
    .to_string()
}

/// The log positions a violation's evidence names, for highlighting: every `I@T` (index I of
/// term T) and every `index I`, `applied index I`. The evidence texts are the monitors' own
/// (src/sim/monitor/); this reads their fixed shapes, nothing more.
pub fn evidence_pointers(evidence: &str) -> (Vec<u64>, Vec<u64>) {
    let mut indexes = Vec::new();
    let mut terms = Vec::new();
    let words: Vec<&str> = evidence
        .split(|c: char| c.is_whitespace() || c == ',' || c == ';' || c == ':')
        .filter(|w| !w.is_empty())
        .collect();
    for (at, word) in words.iter().enumerate() {
        if let Some((index, term)) = word.split_once('@') {
            if let (Ok(index), Ok(term)) = (index.parse::<u64>(), term.parse::<u64>()) {
                indexes.push(index);
                terms.push(term);
            }
        } else if let Ok(value) = word.parse::<u64>() {
            match at.checked_sub(1).map(|p| words[p]) {
                Some("index") => indexes.push(value),
                Some("term") => terms.push(value),
                _ => {}
            }
        }
    }
    crate::sort::sort(&mut indexes);
    indexes.dedup();
    crate::sort::sort(&mut terms);
    terms.dedup();
    (indexes, terms)
}

/// The catalogue as JSON text (see [`monitor_catalogue_json`]).
#[wasm_bindgen(js_name = monitorCatalogue)]
pub fn monitor_catalogue() -> String {
    monitor_catalogue_json()
}

#[wasm_bindgen]
impl Playground {
    /// This run's monitors as JSON text (see [`run_monitors_json`]).
    pub fn monitors(&self) -> String {
        let config = self.timeline.sim().config();
        run_monitors_json(&config.switches(), config.rule_monitors)
    }

    /// What the first violation points at, as JSON text: `{ indexes: [..], terms: [..] }` (the
    /// log indexes and terms its evidence names), or `null` while no monitor fired.
    #[wasm_bindgen(js_name = violationPointers)]
    pub fn violation_pointers(&self) -> String {
        match self.timeline.sim().violation() {
            Some(violation) => {
                let (indexes, terms) = evidence_pointers(&violation.evidence);
                serde_json::json!({ "indexes": indexes, "terms": terms }).to_string()
            }
            None => "null".to_string(),
        }
    }

    /// The clients' history of the run so far, in docs/history-format.md (what the checker
    /// reads; `checkHistoryReport` checks it), with a `description` saying what was left out
    /// and whether early operations left the operations window. A history that cannot be
    /// built is a JS error.
    pub fn history(&self) -> Result<String, JsError> {
        let sim = self.timeline.sim();
        let description = format!(
            "the clients' history of a raftlab page run at {} ms",
            sim.now_ms()
        );
        crate::sim::history::history_file(sim.ops(), sim.ops_forgotten(), &description)
            .map_err(|e| JsError::new(&format!("history: {e}")))
    }

    /// For each operation of [`Playground::history`] (same order), the client operation it
    /// came from, as JSON text: `[{ op, node, line, state }]` (`op` is the view's op id; state
    /// `pending`, `done` or `timed-out`). Matched by client and call time, which identify an
    /// operation (a client has one operation in flight).
    #[wasm_bindgen(js_name = historySources)]
    pub fn history_sources(&self) -> Result<String, JsError> {
        use crate::sim::client::OpState;
        let sim = self.timeline.sim();
        let built = crate::sim::history::client_history(sim.ops())
            .map_err(|e| JsError::new(&format!("history: {e}")))?;
        let mut used = std::collections::BTreeSet::new();
        let list: Vec<serde_json::Value> = built
            .history
            .ops()
            .iter()
            .map(|hop| {
                let source = sim.ops().values().find(|op| {
                    op.client == hop.client && op.call_ms.0 == hop.call && !used.contains(&op.id)
                });
                match source {
                    Some(op) => {
                        used.insert(op.id);
                        let state = match op.state {
                            OpState::Pending => "pending",
                            OpState::Done => "done",
                            OpState::TimedOut => "timed-out",
                        };
                        serde_json::json!({
                            "op": op.id, "node": op.node.0, "line": op.line, "state": state,
                        })
                    }
                    None => serde_json::Value::Null,
                }
            })
            .collect();
        Ok(serde_json::Value::Array(list).to_string())
    }
}
