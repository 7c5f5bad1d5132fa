//! The settings of one simulated cluster. Plain data, so a share link can carry it.

use crate::raft::config::UnsafeSwitch;
use crate::sim::action::LinkConfigData;
use crate::sim::network::LinkConfig;
use crate::sim::queue::TimeMs;
use serde::{Deserialize, Serialize};

/// The most nodes a simulated cluster may have (ids 1..=9).
pub const NODES_MAX: u64 = 9;

/// How a cluster is set up.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SimConfig {
    /// The run's seed: every random choice derives from it.
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
    /// Teaching switches: deliberate bugs, by name.
    pub unsafe_switches: Vec<String>,
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
            tick_ms: 100,
            election_timeout_ticks: 10,
            heartbeat_interval_ticks: 1,
            pre_vote: true,
            check_quorum: true,
            lease_reads: false,
            unsafe_switches: Vec::new(),
            msg_entries_max: 64,
            link: LinkConfig::default().into(),
            disk_latency_ms_min: 1,
            disk_latency_ms_max: 3,
            disk_loses_unsynced: false,
            client_timeout_ms: 5_000,
            sessions: true,
            record_trace: true,
            rule_monitors: true,
            snapshot_count: 2_000,
            snapshot_catch_up: 500,
            mvcc_retention: 5_000,
            trace_window: 50_000,
            ops_window: 10_000,
        }
    }
}

impl SimConfig {
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
        if self.tick_ms == 0 || self.tick_ms > 10_000 {
            return Err(format!("tick_ms must be 1 to 10000, got {}", self.tick_ms));
        }
        if self.heartbeat_interval_ticks == 0
            || self.election_timeout_ticks <= self.heartbeat_interval_ticks
            || self.election_timeout_ticks > 1000
        {
            return Err("need 1 <= heartbeat ticks < election ticks <= 1000".into());
        }
        if self.client_timeout_ms == 0 || self.client_timeout_ms > 3_600_000 {
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
        if self.disk_latency_ms_min > self.disk_latency_ms_max || self.disk_latency_ms_max > 60_000
        {
            return Err(format!(
                "disk latency must be A..B with A <= B <= 60000 ms, got {}..{}",
                self.disk_latency_ms_min, self.disk_latency_ms_max
            ));
        }
        self.link.validate()?;
        for name in &self.unsafe_switches {
            if UnsafeSwitch::from_name(name).is_none() {
                return Err(format!("unknown unsafe switch '{name}'"));
            }
        }
        if self.lease_reads
            && !self.check_quorum
            && !self
                .unsafe_switches
                .iter()
                .any(|s| s == "lease-without-check-quorum")
        {
            return Err("lease reads need check-quorum".into());
        }
        Ok(())
    }

    /// Every node id of the cluster, voters first.
    pub fn node_ids(&self) -> impl Iterator<Item = u64> {
        1..=(self.voters + self.spares).min(NODES_MAX)
    }

    /// The teaching switches that are on.
    pub fn switches(&self) -> Vec<UnsafeSwitch> {
        self.unsafe_switches
            .iter()
            .filter_map(|name| UnsafeSwitch::from_name(name))
            .collect()
    }
}
