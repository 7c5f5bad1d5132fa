//! The settings of one simulated cluster. Plain data, so a share link can carry it.

use crate::raft::config::UnsafeSwitch;
use crate::raft::types::NodeId;
use crate::sim::action::LinkConfigData;
use crate::sim::network::LinkConfig;
use crate::sim::queue::TimeMs;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeSet;

/// The most nodes a simulated cluster may have (ids 1..=9).
pub const NODES_MAX: u64 = 9;

/// How a cluster is set up.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SimConfig {
    /// The run's seed: every random choice derives from it. Read from a number or a decimal
    /// string, since JavaScript numbers (and JSON written by JavaScript) cannot hold every u64.
    #[serde(deserialize_with = "seed_from_number_or_text")]
    pub seed: u64,
    /// Initial voters, ids 1..=voters (1 to 9).
    pub voters: u64,
    /// Extra nodes that start outside the configuration (to be added later), ids after the
    /// voters; `voters + spares` is at most 9.
    pub spares: u64,
    /// Virtual milliseconds per Raft tick.
    pub tick_ms: TimeMs,
    /// Election timeout `T` in ticks (timeouts are drawn from `[T, 2T)`).
    pub election_timeout_ticks: u64,
    /// Heartbeat interval in ticks.
    pub heartbeat_interval_ticks: u64,
    /// Pre-vote (thesis §9.6).
    pub pre_vote: bool,
    /// Check-quorum (thesis §6.2).
    pub check_quorum: bool,
    /// Lease-based reads instead of read-index round trips (needs check-quorum).
    pub lease_reads: bool,
    /// Teaching switches: deliberate bugs (written as a list of their names).
    pub unsafe_switches: UnsafeSwitches,
    /// Flow control: at most this many entries per append message.
    pub msg_entries_max: u64,
    /// Default behaviour of every link.
    pub link: LinkConfigData,
    /// Disk write latency range (a write is durable, and its acks leave, after this).
    pub disk_latency_ms_min: TimeMs,
    /// Upper bound of the disk write latency.
    pub disk_latency_ms_max: TimeMs,
    /// Disk fault: writes are acknowledged before they are durable, and a crash loses those
    /// not yet flushed (a lying fsync). Off: the disk is honest.
    pub disk_loses_unsynced: bool,
    /// A client gives up on an operation after this long (its outcome is then unknown).
    pub client_timeout_ms: TimeMs,
    /// Client sessions (client id + sequence number, deduplicated by the state machine): a
    /// retried write applies once. Off: a retry applies twice.
    pub sessions: bool,
    /// Record the trace (off in randomized runs for speed; ids still count).
    pub record_trace: bool,
    /// The rule monitors (11-13: one vote per term, own-term commit, one membership change at a
    /// time). They restate a rule and fire as soon as a teaching switch breaks it; off, the run
    /// goes on until a consequence monitor sees the harm (two leaders, a lost write, a stale read).
    pub rule_monitors: bool,
    /// Every monitor (1-13; `false` overrides `rule_monitors`). Only a benchmark turns them
    /// off, to time the simulator alone: the monitors only watch, so a run without them takes
    /// the same steps to the same state and trace hashes (it just cannot stop at a violation).
    /// Not a setting a user sees: never written to JSON, a link or a script, and read back on.
    #[serde(skip)]
    pub monitors: bool,
    /// Like etcd's `--snapshot-count`: a node snapshots its application state and compacts its
    /// Raft log after applying this many entries past its last snapshot. 0 = never on its own.
    pub snapshot_count: u64,
    /// Like etcd's `SnapshotCatchUpEntries`: entries kept behind the applied index when the log
    /// is compacted, so a slightly slow follower still gets entries, not a snapshot.
    pub snapshot_catch_up: u64,
    /// Like etcd's revision-mode auto-compaction: the leader proposes an MVCC compaction that
    /// keeps the last this-many revisions. 0 = only on request.
    pub mvcc_retention: u64,
    /// The trace keeps its last this-many events in memory (ids and the trace hash still cover
    /// every event). 0 = keep all.
    pub trace_window: u64,
    /// The client operations map keeps this many finished operations (pending ones always
    /// stay); older ones leave it, and the clients' history then says it is truncated.
    /// 0 = keep all.
    pub ops_window: u64,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            seed: 1,
            voters: 3,
            spares: 0,
            tick_ms: TimeMs(100),
            election_timeout_ticks: 10,
            heartbeat_interval_ticks: 1,
            pre_vote: true,
            check_quorum: true,
            lease_reads: false,
            unsafe_switches: UnsafeSwitches::default(),
            msg_entries_max: 64,
            link: LinkConfig::default().into(),
            disk_latency_ms_min: TimeMs(1),
            disk_latency_ms_max: TimeMs(3),
            disk_loses_unsynced: false,
            client_timeout_ms: TimeMs(5_000),
            sessions: true,
            record_trace: true,
            rule_monitors: true,
            monitors: true,
            snapshot_count: 2_000,
            snapshot_catch_up: 500,
            mvcc_retention: 5_000,
            trace_window: 50_000,
            ops_window: 10_000,
        }
    }
}

impl SimConfig {
    /// The config as the page reads it (snake_case, what `new Playground` takes), with the
    /// seed as a decimal string: a JS number cannot hold every u64 (lessons, linked runs).
    pub fn to_page_json(&self) -> serde_json::Value {
        let mut value = serde_json::to_value(self).unwrap_or_default();
        if let Some(object) = value.as_object_mut() {
            object.insert("seed".into(), self.seed.to_string().into());
        }
        value
    }

    /// Checks the ranges a user (or a link) could get wrong; the message says which.
    pub fn validate(&self) -> Result<(), String> {
        if self.voters == 0 || self.voters > NODES_MAX {
            return Err(format!(
                "voters must be 1 to {NODES_MAX}, got {}",
                self.voters
            ));
        }
        // `spares` comes from users and links: add without wrapping (a spares= near u64::MAX
        // must not wrap around into a small, empty cluster).
        match self.voters.checked_add(self.spares) {
            Some(total) if total <= NODES_MAX => {}
            _ => {
                return Err(format!(
                    "voters + spares must be at most {NODES_MAX}, got {} + {}",
                    self.voters, self.spares
                ));
            }
        }
        if self.tick_ms == TimeMs::ZERO || self.tick_ms > TimeMs(10_000) {
            return Err(format!("tick_ms must be 1 to 10000, got {}", self.tick_ms));
        }
        if self.heartbeat_interval_ticks == 0
            || self.election_timeout_ticks <= self.heartbeat_interval_ticks
            || self.election_timeout_ticks > 1000
        {
            return Err("need 1 <= heartbeat ticks < election ticks <= 1000".into());
        }
        if self.client_timeout_ms == TimeMs::ZERO || self.client_timeout_ms > TimeMs(3_600_000) {
            return Err(format!(
                "client_timeout_ms must be 1 to 3600000, got {}",
                self.client_timeout_ms
            ));
        }
        if self.msg_entries_max == 0 || self.msg_entries_max > 10_000 {
            return Err(format!(
                "msg_entries_max must be 1 to 10000, got {}",
                self.msg_entries_max
            ));
        }
        if self.disk_latency_ms_min > self.disk_latency_ms_max
            || self.disk_latency_ms_max > TimeMs(60_000)
        {
            return Err(format!(
                "disk latency must be A..B with A <= B <= 60000 ms, got {}..{}",
                self.disk_latency_ms_min, self.disk_latency_ms_max
            ));
        }
        self.link.validate()?;
        if self.lease_reads
            && !self.check_quorum
            && !self
                .unsafe_switches
                .contains(UnsafeSwitch::LeaseWithoutCheckQuorum)
        {
            return Err("lease reads need check-quorum".into());
        }
        Ok(())
    }

    /// Every node id of the cluster, voters first.
    pub fn node_ids(&self) -> impl Iterator<Item = NodeId> {
        (1..=(self.voters + self.spares).min(NODES_MAX)).map(NodeId)
    }

    /// The teaching switches that are on, in their stable order.
    pub fn switches(&self) -> Vec<UnsafeSwitch> {
        self.unsafe_switches.iter().collect()
    }
}

/// The teaching switches that are on: a set (a switch is on or off, never on twice), iterated
/// in the switches' stable order ([`UnsafeSwitch::all`]).
///
/// Names are parsed once, where a configuration is read (a script's `unsafe=(...)`, a link's
/// JSON, the fuzzer's `--unsafe`), so an unknown name is refused there with the list of known
/// ones, and nothing later has to look a name up again. Serialized as the list of names it was
/// always written as, so links and the page see the same JSON.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UnsafeSwitches(BTreeSet<UnsafeSwitch>);

impl UnsafeSwitches {
    /// The switches with these names; an unknown name is an error that lists the known ones.
    pub fn parse<S: AsRef<str>>(names: &[S]) -> Result<UnsafeSwitches, String> {
        let mut switches = BTreeSet::new();
        for name in names {
            switches.insert(parse_switch(name.as_ref())?);
        }
        Ok(UnsafeSwitches(switches))
    }

    /// Whether `switch` is on.
    pub fn contains(&self, switch: UnsafeSwitch) -> bool {
        self.0.contains(&switch)
    }

    /// Whether no switch is on.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The switches that are on, in their stable order.
    pub fn iter(&self) -> impl Iterator<Item = UnsafeSwitch> + '_ {
        self.0.iter().copied()
    }

    /// Their names, in the same order (as scripts and links write them).
    pub fn names(&self) -> Vec<&'static str> {
        self.iter().map(UnsafeSwitch::name).collect()
    }
}

impl FromIterator<UnsafeSwitch> for UnsafeSwitches {
    /// Inserted one by one: `collect` into a set sorts first, a copy of the sort code in the
    /// wasm (crate::sort).
    fn from_iter<I: IntoIterator<Item = UnsafeSwitch>>(switches: I) -> UnsafeSwitches {
        let mut set = BTreeSet::new();
        set.extend(switches);
        UnsafeSwitches(set)
    }
}

/// One switch by name, or an error that names the known switches.
pub fn parse_switch(name: &str) -> Result<UnsafeSwitch, String> {
    UnsafeSwitch::from_name(name).ok_or_else(|| {
        let known: Vec<&str> = UnsafeSwitch::all().iter().map(|s| s.name()).collect();
        format!(
            "unknown unsafe switch '{name}' (known: {})",
            known.join(", ")
        )
    })
}

impl Serialize for UnsafeSwitches {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.names())
    }
}

impl<'de> Deserialize<'de> for UnsafeSwitches {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<UnsafeSwitches, D::Error> {
        let names = Vec::<String>::deserialize(deserializer)?;
        UnsafeSwitches::parse(&names).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_switch_names_are_refused_with_the_known_ones() {
        let error = UnsafeSwitches::parse(&["no-persist-vote", "nonsense"]).unwrap_err();
        assert!(error.contains("'nonsense'"), "{error}");
        assert!(error.contains("commit-old-term-by-count"), "{error}");
        let json = r#"{"unsafe_switches":["nonsense"]}"#;
        let error = serde_json::from_str::<SimConfig>(json).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("unknown unsafe switch 'nonsense'"),
            "{error}"
        );
    }

    #[test]
    fn switches_are_written_as_the_list_of_names_in_stable_order() {
        let switches = UnsafeSwitches::parse(&[
            "no-persist-vote",
            "commit-old-term-by-count",
            "no-persist-vote",
        ])
        .expect("known names");
        assert_eq!(
            switches.names(),
            ["commit-old-term-by-count", "no-persist-vote"]
        );
        let config = SimConfig {
            unsafe_switches: switches.clone(),
            ..SimConfig::default()
        };
        let json = serde_json::to_value(&config).expect("serializes");
        assert_eq!(
            json["unsafe_switches"],
            serde_json::json!(["commit-old-term-by-count", "no-persist-vote"])
        );
        let back: SimConfig = serde_json::from_value(json).expect("round trip");
        assert_eq!(back.unsafe_switches, switches);
        assert!(SimConfig::default().unsafe_switches.is_empty());
    }
}

/// A seed as a JSON number or as a string of decimal digits (any u64). Read by a small visitor
/// rather than an `#[serde(untagged)]` enum, which buffers the value in serde's `Content` and
/// compiled to far more wasm (issue 13); the same values are read and refused.
fn seed_from_number_or_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    deserializer.deserialize_any(SeedVisitor)
}

/// The visitor behind [`seed_from_number_or_text`].
struct SeedVisitor;

impl serde::de::Visitor<'_> for SeedVisitor {
    type Value = u64;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a whole number from 0 to 18446744073709551615, or one in a string")
    }

    fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<u64, E> {
        Ok(n)
    }

    fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<u64, E> {
        u64::try_from(n).map_err(|_| E::invalid_value(serde::de::Unexpected::Signed(n), &self))
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<u64, E> {
        text.trim().parse().map_err(|_| {
            E::custom(format!(
                "seed must be a whole number from 0 to 18446744073709551615, got '{}'",
                text.chars().take(40).collect::<String>()
            ))
        })
    }
}

#[cfg(test)]
mod seed_tests {
    use super::SimConfig;

    #[test]
    fn a_seed_reads_from_a_number_or_a_decimal_string() {
        let big: SimConfig =
            serde_json::from_str(r#"{"seed": "18446744073709551615"}"#).expect("string seed");
        assert_eq!(big.seed, u64::MAX);
        let small: SimConfig = serde_json::from_str(r#"{"seed": 42}"#).expect("number seed");
        assert_eq!(small.seed, 42);
        let bad = serde_json::from_str::<SimConfig>(r#"{"seed": "12x"}"#).expect_err("not digits");
        assert!(
            bad.to_string().contains("seed must be a whole number"),
            "{bad}"
        );
        assert!(serde_json::from_str::<SimConfig>(r#"{"seed": "18446744073709551616"}"#).is_err());
        for refused in ["-1", "1.5", "null", "true", "[1]", "{}"] {
            let json = format!(r#"{{"seed": {refused}}}"#);
            assert!(serde_json::from_str::<SimConfig>(&json).is_err(), "{json}");
        }
    }
}
