//! Share links: a run as a short, versioned, checked text for a URL fragment.
//!
//! A [`Scenario`] is everything that makes a run: the config (with its seed), every recorded
//! action with the exact step and time it was taken, the cursor (the moment shown) and the
//! state hash there. Its link text is `1.` (the format version, readable without decoding)
//! followed by the scenario's JSON, deflated and base64url-encoded. Opening a link replays the
//! actions and checks the hash: a link either reproduces the run exactly or says why not.
//!
//! Decoding never panics and says what is wrong in words: not a raftlab link, a newer format,
//! cut short, damaged, or a run that does not replay to the hash it carries.

use crate::sim::config::SimConfig;
use crate::sim::queue::TimeMs;
use crate::sim::timeline::{RecordedAction, Timeline};
use base64::Engine as _;
use serde::{Deserialize, Serialize};

/// The link format this build writes and reads.
pub const LINK_VERSION: u64 = 1;
/// The most bytes a link's scenario may inflate to: a hostile link cannot exhaust memory.
pub const SCENARIO_BYTES_MAX: usize = 16 * 1024 * 1024;
/// The longest link text read (characters), far above any real run's.
pub const LINK_CHARS_MAX: usize = 4 * 1024 * 1024;

/// The moment a link shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    /// Simulator steps done.
    pub step: u64,
    /// Virtual time (ms).
    pub ms: u64,
}

/// A run: config, recorded actions, the moment shown and its state hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scenario {
    /// The format version ([`LINK_VERSION`]).
    pub version: u64,
    /// The cluster's settings, seed included.
    pub config: SimConfig,
    /// Every user action, in the order taken, with its step and time.
    pub actions: Vec<RecordedAction>,
    /// The moment shown.
    pub cursor: Cursor,
    /// The end of the recorded run (after the cursor when the link shows a past moment).
    pub end: Cursor,
    /// The state hash at the cursor (16 hex digits, as the page and `hash` show it).
    pub state_hash: String,
}

impl Scenario {
    /// The scenario of `timeline`'s whole recorded run, shown at its current moment.
    pub fn of(timeline: &Timeline) -> Scenario {
        let sim = timeline.sim();
        Scenario {
            version: LINK_VERSION,
            config: sim.config().clone(),
            actions: timeline.actions().to_vec(),
            cursor: Cursor {
                step: sim.steps(),
                ms: sim.now_ms().0,
            },
            end: Cursor {
                step: timeline.end().0,
                ms: timeline.end().1.0,
            },
            state_hash: format!("{:016x}", sim.state_hash()),
        }
    }

    /// Replays the scenario to its cursor and checks the state hash there.
    pub fn replay(&self) -> Result<Timeline, String> {
        let mut timeline = Timeline::with_recorded(
            self.config.clone(),
            self.actions.clone(),
            (self.end.step, TimeMs(self.end.ms)),
        )?;
        if !timeline.seek_moment(self.cursor.step, TimeMs(self.cursor.ms)) {
            return Err(format!(
                "the link's moment (step {}, {} ms) cannot be reached by this run",
                self.cursor.step, self.cursor.ms
            ));
        }
        let hash = format!("{:016x}", timeline.sim().state_hash());
        if hash != self.state_hash {
            return Err(format!(
                "the replayed run differs from the linked one: state hash {hash}, the link says {} (made by another raftlab version?)",
                self.state_hash
            ));
        }
        Ok(timeline)
    }

    /// The link text: `1.` then the deflated JSON in base64url.
    pub fn to_link(&self) -> String {
        // Serializing plain data with string keys cannot fail.
        let json = serde_json::to_vec(self).unwrap_or_default();
        let packed = miniz_oxide::deflate::compress_to_vec(&json, 9);
        format!(
            "{LINK_VERSION}.{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(packed)
        )
    }

    /// Reads a link: the text after `#run=`, the whole fragment, or a whole page address
    /// (what a file, a host page or a paste may hold). Never panics.
    pub fn from_link(text: &str) -> Result<Scenario, String> {
        let text = text.trim();
        let text = match text.rsplit_once("#run=") {
            Some((_, link)) => link,
            None => {
                let text = text.strip_prefix('#').unwrap_or(text);
                text.strip_prefix("run=").unwrap_or(text)
            }
        };
        if text.len() > LINK_CHARS_MAX {
            return Err(format!(
                "the link is too long ({} characters, at most {LINK_CHARS_MAX})",
                text.len()
            ));
        }
        let Some((version, body)) = text.split_once('.') else {
            return Err(
                "not a raftlab run link (it should start with a format number and a dot, like 1.)"
                    .into(),
            );
        };
        let version: u64 = version.parse().map_err(|_| {
            "not a raftlab run link (its format number is not a number)".to_string()
        })?;
        if version > LINK_VERSION {
            return Err(format!(
                "this link was made by a newer raftlab (link format {version}; this one reads format {LINK_VERSION}): open it with the newer version"
            ));
        }
        if version != LINK_VERSION {
            return Err(format!(
                "unknown link format {version} (this raftlab reads format {LINK_VERSION})"
            ));
        }
        let packed = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| "the link is cut short or damaged (it has characters a link never holds, or ends in the middle of one): copy the whole link again".to_string())?;
        let json = miniz_oxide::inflate::decompress_to_vec_with_limit(&packed, SCENARIO_BYTES_MAX)
            .map_err(|e| match e.status {
                miniz_oxide::inflate::TINFLStatus::HasMoreOutput => {
                    format!("the link's run is too large (over {SCENARIO_BYTES_MAX} bytes)")
                }
                _ => "the link is cut short or damaged: copy the whole link again".to_string(),
            })?;
        let scenario = Scenario::from_json_bytes(&json, "the link's run")?;
        if scenario.version != version {
            return Err(format!(
                "the link is damaged: its header says format {version}, its content format {}",
                scenario.version
            ));
        }
        Ok(scenario)
    }

    /// The scenario as JSON (docs/scenario-format.md), for a file: the very bytes a link
    /// deflates (one serializer in the wasm, not a second pretty one: size counts there).
    pub fn to_json(&self) -> String {
        String::from_utf8(serde_json::to_vec(self).unwrap_or_default()).unwrap_or_default()
    }

    /// Reads the scenario JSON of a file (at most 16 MB). Never panics.
    pub fn from_json(text: &str) -> Result<Scenario, String> {
        if text.len() > SCENARIO_BYTES_MAX {
            return Err(format!(
                "the run is too large (over {SCENARIO_BYTES_MAX} bytes)"
            ));
        }
        let scenario = Scenario::from_json_bytes(text.as_bytes(), "the run")?;
        if scenario.version > LINK_VERSION {
            return Err(format!(
                "this run was written by a newer raftlab (format {}; this one reads format {LINK_VERSION})",
                scenario.version
            ));
        }
        if scenario.version != LINK_VERSION {
            return Err(format!(
                "unknown run format {} (this raftlab reads format {LINK_VERSION})",
                scenario.version
            ));
        }
        Ok(scenario)
    }

    /// Parses scenario JSON and checks its config; `what` names the source in errors.
    fn from_json_bytes(json: &[u8], what: &str) -> Result<Scenario, String> {
        let scenario: Scenario =
            serde_json::from_slice(json).map_err(|e| format!("{what} is not valid: {e}"))?;
        scenario.config.validate()?;
        Ok(scenario)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::raft::types::NodeId;
    use crate::sim::action::Action;

    fn run() -> Timeline {
        let mut t = Timeline::new(SimConfig {
            voters: 3,
            seed: 5,
            ..SimConfig::default()
        })
        .expect("config");
        t.run_until(TimeMs(2_000));
        let leader = t.sim().leader().expect("a leader");
        t.act(Action::Console {
            client: 1,
            node: leader,
            line: "put mykey myvalue".into(),
        })
        .expect("put");
        t.run_until(TimeMs(2_500));
        t.act(Action::Crash { node: leader }).expect("crash");
        t.act(Action::Partition {
            groups: vec![vec![NodeId(1)], vec![NodeId(2), NodeId(3)]],
        })
        .expect("partition");
        t.run_until(TimeMs(4_000));
        t.act(Action::Heal).expect("heal");
        t.run_until(TimeMs(5_000));
        t
    }

    #[test]
    fn a_link_replays_to_the_same_hash_at_the_end_and_in_the_past() {
        let mut t = run();
        for at in [None, Some(3_100u64), Some(1_000)] {
            if let Some(ms) = at {
                t.seek_ms(TimeMs(ms));
            }
            let link = Scenario::of(&t).to_link();
            assert!(link.starts_with("1."), "{link}");
            let back = Scenario::from_link(&link).expect("decodes");
            assert_eq!(back, Scenario::of(&t));
            let replayed = back.replay().expect("replays");
            assert_eq!(replayed.sim().state_hash(), t.sim().state_hash());
            assert_eq!(replayed.sim().steps(), t.sim().steps());
            assert_eq!(replayed.end(), t.end(), "the recorded future comes too");
        }
    }

    #[test]
    fn bad_links_say_what_is_wrong() {
        let link = Scenario::of(&run()).to_link();
        let cut = &link[..link.len() * 2 / 3];
        assert!(Scenario::from_link(cut).unwrap_err().contains("cut short"));
        let newer = link.replacen("1.", "2.", 1);
        assert!(
            Scenario::from_link(&newer)
                .unwrap_err()
                .contains("newer raftlab")
        );
        assert!(
            Scenario::from_link("hello")
                .unwrap_err()
                .contains("not a raftlab")
        );
        assert!(
            Scenario::from_link("1.@@@")
                .unwrap_err()
                .contains("damaged")
        );
        let mut wrong = Scenario::of(&run());
        wrong.state_hash = "0000000000000000".into();
        let err = wrong.replay().expect_err("a wrong hash is refused");
        assert!(err.contains("differs"), "{err}");
        assert!(
            Scenario::from_link(&format!("#run={link}")).is_ok(),
            "a fragment reads too"
        );
    }

    #[test]
    fn a_link_reads_from_its_text_its_fragment_or_a_whole_address() {
        let scenario = Scenario::of(&run());
        let link = scenario.to_link();
        for text in [
            link.clone(),
            format!("#run={link}"),
            format!("run={link}"),
            format!("#{link}"),
            format!(" https://example.org/raftlab/?embed=1#run={link}\n"),
        ] {
            assert_eq!(
                Scenario::from_link(&text).as_ref(),
                Ok(&scenario),
                "{text:.60}"
            );
        }
    }

    #[test]
    fn a_scenario_file_round_trips_and_bad_files_say_why() {
        let timeline = run();
        let scenario = Scenario::of(&timeline);
        let json = scenario.to_json();
        assert!(
            json.starts_with("{\"version\":1,"),
            "the format first: {json:.80}"
        );
        let back = Scenario::from_json(&json).expect("its own JSON");
        assert_eq!(back, scenario);
        let replayed = back.replay().expect("replays");
        assert_eq!(replayed.sim().state_hash(), timeline.sim().state_hash());
        let newer = json.replacen("\"version\":1", "\"version\":2", 1);
        assert!(
            Scenario::from_json(&newer)
                .expect_err("newer")
                .contains("newer raftlab")
        );
        assert!(
            Scenario::from_json("{")
                .expect_err("cut")
                .contains("not valid")
        );
        assert!(
            Scenario::from_json(&"x".repeat(SCENARIO_BYTES_MAX + 1))
                .expect_err("big")
                .contains("too large")
        );
        let bad_config = json.replacen("\"voters\":3", "\"voters\":0", 1);
        assert_ne!(bad_config, json, "the test changes the voters");
        assert!(Scenario::from_json(&bad_config).is_err());
    }

    proptest::proptest! {
        /// Any scenario (random config, random actions with steps and times) comes back equal.
        #[test]
        fn link_round_trip(
            seed in proptest::prelude::any::<u64>(),
            voters in 1u64..8,
            actions in proptest::collection::vec((0u64..1_000_000, 0u64..100_000, 0u8..6, 1u64..8, "[ -~]{0,30}"), 0..40),
        ) {
            let mut actions: Vec<RecordedAction> = actions
                .into_iter()
                .map(|(step, ms, kind, node, text)| RecordedAction {
                    at_step: step,
                    at_ms: TimeMs(ms),
                    action: match kind {
                        0 => Action::Crash { node: NodeId(node) },
                        1 => Action::Restart { node: NodeId(node) },
                        2 => Action::Heal,
                        3 => Action::Drop { message: step },
                        4 => Action::Isolate { node: NodeId(node) },
                        _ => Action::Console { client: node, node: NodeId(node), line: text },
                    },
                })
                .collect();
            actions.sort_by_key(|a| (a.at_step, a.at_ms));
            let scenario = Scenario {
                version: LINK_VERSION,
                config: SimConfig { seed, voters, ..SimConfig::default() },
                actions,
                cursor: Cursor { step: seed % 1000, ms: seed % 777 },
                end: Cursor { step: 1_000_000, ms: 100_000 },
                state_hash: format!("{seed:016x}"),
            };
            let link = scenario.to_link();
            proptest::prop_assert_eq!(Scenario::from_json(&scenario.to_json()), Ok(scenario.clone()));
            proptest::prop_assert_eq!(Scenario::from_link(&link), Ok(scenario));
        }

        /// The decoder never panics: any text, or a real link with bytes changed or cut, gets
        /// an answer (almost always an error in words).
        #[test]
        fn the_decoder_never_panics(text in "\\PC{0,200}", cut in 0usize..400, flip in 0usize..400) {
            let _ = Scenario::from_link(&text);
            let link = Scenario::of(&Timeline::new(SimConfig::default()).expect("config")).to_link();
            let _ = Scenario::from_link(&link[..cut.min(link.len())]);
            let mut bytes = link.into_bytes();
            let at = flip % bytes.len();
            bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
            if let Ok(text) = String::from_utf8(bytes) {
                let _ = Scenario::from_link(&text);
            }
            let _ = Scenario::from_link(&format!("1.{text}"));
            let _ = Scenario::from_json(&text);
            let json = Scenario::of(&Timeline::new(SimConfig::default()).expect("config")).to_json();
            let _ = Scenario::from_json(&json[..cut.min(json.len())]);
        }
    }
}
