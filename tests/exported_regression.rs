//! Goal: this run replays exactly, to the state hash it reached when it was exported.
//! The run: the scenario script tests/scripts/sim/export_regression.txt.
//!
//! Exported by raftlab (`raftlab export-test`, or the page's rustTest()): the run's scenario
//! (docs/scenario-format.md) is below as JSON, 11 actions up to 6303ms (step 409). The
//! test replays every action at the step it was taken and compares the state hash, so a
//! change that alters what this run does fails here. Regenerate the file only when that
//! change is intended.

use raftlab::scenario::link::Scenario;

/// The state hash at the end of the run (the page's state-hash, the script command `hash`).
const STATE_HASH: &str = "9b8b610f7b85996b";

/// The run: its settings, each action with its step and time, and the moment it ends.
const SCENARIO_JSON: &str = r#"{
  "version": 1,
  "config": {
    "seed": 11,
    "voters": 3,
    "spares": 0,
    "tick_ms": 100,
    "election_timeout_ticks": 10,
    "heartbeat_interval_ticks": 1,
    "pre_vote": true,
    "check_quorum": true,
    "lease_reads": false,
    "unsafe_switches": [],
    "msg_entries_max": 64,
    "link": {
      "up": true,
      "latency_ms_min": 10,
      "latency_ms_max": 30,
      "loss_ppm": 0,
      "duplicate_ppm": 0
    },
    "disk_latency_ms_min": 1,
    "disk_latency_ms_max": 3,
    "disk_loses_unsynced": false,
    "client_timeout_ms": 5000,
    "sessions": true,
    "record_trace": true,
    "rule_monitors": true,
    "snapshot_count": 2000,
    "snapshot_catch_up": 500,
    "mvcc_retention": 5000,
    "trace_window": 50000,
    "ops_window": 10000
  },
  "actions": [
    {
      "at_step": 105,
      "at_ms": 2000,
      "action": {
        "kind": "console",
        "client": 1,
        "node": 1,
        "line": "put colour blue"
      }
    },
    {
      "at_step": 142,
      "at_ms": 2300,
      "action": {
        "kind": "set-link-up",
        "from": 1,
        "to": 2,
        "up": false
      }
    },
    {
      "at_step": 142,
      "at_ms": 2300,
      "action": {
        "kind": "set-link-up",
        "from": 2,
        "to": 1,
        "up": false
      }
    },
    {
      "at_step": 142,
      "at_ms": 2300,
      "action": {
        "kind": "console",
        "client": 1,
        "node": 1,
        "line": "put shape circle"
      }
    },
    {
      "at_step": 143,
      "at_ms": 2303,
      "action": {
        "kind": "drop",
        "message": 59
      }
    },
    {
      "at_step": 178,
      "at_ms": 2803,
      "action": {
        "kind": "crash",
        "node": 3
      }
    },
    {
      "at_step": 178,
      "at_ms": 2803,
      "action": {
        "kind": "console",
        "client": 2,
        "node": 1,
        "line": "put size large"
      }
    },
    {
      "at_step": 211,
      "at_ms": 3803,
      "action": {
        "kind": "set-link-up",
        "from": 1,
        "to": 2,
        "up": true
      }
    },
    {
      "at_step": 211,
      "at_ms": 3803,
      "action": {
        "kind": "set-link-up",
        "from": 2,
        "to": 1,
        "up": true
      }
    },
    {
      "at_step": 211,
      "at_ms": 3803,
      "action": {
        "kind": "restart",
        "node": 3
      }
    },
    {
      "at_step": 368,
      "at_ms": 5803,
      "action": {
        "kind": "console",
        "client": 2,
        "node": 2,
        "line": "get \"\" --prefix"
      }
    }
  ],
  "cursor": {
    "step": 409,
    "ms": 6303
  },
  "end": {
    "step": 409,
    "ms": 6303
  },
  "state_hash": "9b8b610f7b85996b"
}"#;

#[test]
fn the_exported_run_replays_to_its_state_hash() {
    let scenario: Scenario = serde_json::from_str(SCENARIO_JSON).expect("the scenario reads");
    assert_eq!(scenario.state_hash, STATE_HASH);
    // Replaying checks the hash too, and says in words where the run went elsewhere.
    let timeline = scenario.replay().expect("replays");
    assert_eq!(format!("{:016x}", timeline.sim().state_hash()), STATE_HASH);
}
