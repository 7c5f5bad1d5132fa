//! A run as a Rust regression test: the text of a file for `tests/` that replays the run with
//! the library's API and asserts the state hash it reached. A run that showed a bug (or a fix)
//! on the page becomes a test that fails when raftlab's behaviour on that run changes.
//!
//! The scenario (docs/scenario-format.md) is embedded as pretty JSON rather than as a link, so
//! a reviewer reads the config and every action in the diff. The test asserts the hash twice
//! on purpose: `Scenario::replay` refuses a run that ends elsewhere, and the explicit
//! `assert_eq!` shows the reader which hash that is and fails with both values side by side.

use crate::scenario::link::Scenario;
use crate::scenario::shell_text::comment;

/// The text of a Rust integration test that replays `scenario` and asserts its state hash.
/// `source` says where the run came from (a script's path, "a playground run"); it appears in
/// the file's first comment only.
pub fn rust_test(scenario: &Scenario, source: &str) -> String {
    // Plain data with string keys serializes without error.
    let json = serde_json::to_string_pretty(scenario).unwrap_or_default();
    let hashes = "#".repeat(raw_string_hashes(&json));
    let source = comment(source);
    // A Rust string literal whatever the scenario says (Debug escapes quotes and controls).
    let hash = format!("{:?}", scenario.state_hash);
    let actions = scenario.actions.len();
    let (ms, step) = (scenario.cursor.ms, scenario.cursor.step);
    format!(
        r#"//! Goal: this run replays exactly, to the state hash it reached when it was exported.
//! The run: {source}.
//!
//! Exported by raftlab (`raftlab export-test`, or the page's rustTest()): the run's scenario
//! (docs/scenario-format.md) is below as JSON, {actions} actions up to {ms}ms (step {step}). The
//! test replays every action at the step it was taken and compares the state hash, so a
//! change that alters what this run does fails here. Regenerate the file only when that
//! change is intended.

use raftlab::scenario::link::Scenario;

/// The state hash at the end of the run (the page's state-hash, the script command `hash`).
const STATE_HASH: &str = {hash};

/// The run: its settings, each action with its step and time, and the moment it ends.
const SCENARIO_JSON: &str = r{hashes}"{json}"{hashes};

#[test]
fn the_exported_run_replays_to_its_state_hash() {{
    let scenario: Scenario = serde_json::from_str(SCENARIO_JSON).expect("the scenario reads");
    assert_eq!(scenario.state_hash, STATE_HASH);
    // Replaying checks the hash too, and says in words where the run went elsewhere.
    let timeline = scenario.replay().expect("replays");
    assert_eq!(format!("{{:016x}}", timeline.sim().state_hash()), STATE_HASH);
}}
"#
    )
}

/// How many `#` a raw string literal needs to hold `text`: one more than the longest run of
/// `#` after a `"` in it.
fn raw_string_hashes(text: &str) -> usize {
    text.split('"')
        .skip(1)
        .map(|after_quote| after_quote.chars().take_while(|&c| c == '#').count())
        .max()
        .map_or(1, |longest| longest + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::raft::types::NodeId;
    use crate::sim::action::Action;
    use crate::sim::config::SimConfig;
    use crate::sim::queue::TimeMs;
    use crate::sim::timeline::Timeline;

    #[test]
    fn a_raw_string_always_outlasts_its_content() {
        assert_eq!(raw_string_hashes("{}"), 1);
        assert_eq!(raw_string_hashes(r#"{"a": "b"}"#), 1);
        assert_eq!(raw_string_hashes(r###"{"a": "x\"## y"}"###), 3);
    }

    #[test]
    fn the_test_embeds_the_scenario_and_its_hash() {
        let mut t = Timeline::new(SimConfig {
            voters: 3,
            seed: 2,
            ..SimConfig::default()
        })
        .expect("config");
        t.run_until(TimeMs(1_500));
        t.act(Action::Console {
            client: 1,
            node: NodeId(1),
            line: "put \"#k\" 'v\"##'".into(),
        })
        .expect("put");
        t.run_until(TimeMs(2_000));
        let scenario = Scenario::of(&t);
        let text = rust_test(&scenario, "a run\nwith a line break");
        assert!(text.contains("\n//! The run: a run\\u{a}with a line break.\n"));
        assert!(text.contains(&format!(
            "const STATE_HASH: &str = \"{}\";",
            scenario.state_hash
        )));
        assert!(
            text.contains("const SCENARIO_JSON: &str = r###\"{\n"),
            "{text}"
        );
        let json = text
            .split_once("r###\"")
            .and_then(|(_, rest)| rest.split_once("\"###;"))
            .map(|(json, _)| json)
            .expect("the JSON is there");
        let back: Scenario = serde_json::from_str(json).expect("reads back");
        assert_eq!(back, scenario);
        assert_eq!(
            rust_test(&scenario, "a run\nwith a line break"),
            text,
            "same run, same text"
        );
    }

    #[test]
    fn a_hand_made_hash_stays_inside_its_string() {
        let scenario = Scenario {
            state_hash: "x\"; std::process::exit(0); //\n".into(),
            ..Scenario::of(&Timeline::new(SimConfig::default()).expect("config"))
        };
        let text = rust_test(&scenario, "a hand-made scenario");
        assert!(
            text.contains("const STATE_HASH: &str = \"x\\\"; std::process::exit(0); //\\n\";\n")
        );
    }
}
