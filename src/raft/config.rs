//! Node configuration and the teaching switches.

use std::collections::BTreeSet;

use super::membership::MembershipError;
use super::read_only::ReadOnlyOption;
use super::types::NodeId;

/// A deliberate, documented bug that the playground can switch on to show why a rule exists.
/// All are off by default. Each name is stable (it appears in links and on the command line).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum UnsafeSwitch {
    /// Commit an entry of an older term once it is on a majority (paper Figure 8, §5.4.2).
    CommitOldTermByCount,
    /// Grant votes without the §5.4.1 election restriction (log up-to-date check).
    SkipElectionRestriction,
    /// Do not persist the vote (§5.2 one vote per term fails across a crash).
    NoPersistVote,
    /// On append, overwrite everything after `prev_index` even without a conflict (§5.3
    /// says truncate only at the first conflicting entry).
    TruncateWithoutConflict,
    /// Count learners in commit and election quorums (thesis §4.2.1: learners never count).
    CountLearnersInQuorum,
    /// Allow lease-based reads without check-quorum (thesis §6.4.1 needs check-quorum).
    LeaseWithoutCheckQuorum,
    /// Allow configuration changes before the leader's own-term entry is applied and while
    /// another change is pending (the 2015 single-server change bug, thesis §4.1).
    NoMembershipSafeguard,
}

impl UnsafeSwitch {
    /// Every switch, in a stable order.
    pub fn all() -> &'static [UnsafeSwitch] {
        &[
            UnsafeSwitch::CommitOldTermByCount,
            UnsafeSwitch::SkipElectionRestriction,
            UnsafeSwitch::NoPersistVote,
            UnsafeSwitch::TruncateWithoutConflict,
            UnsafeSwitch::CountLearnersInQuorum,
            UnsafeSwitch::LeaseWithoutCheckQuorum,
            UnsafeSwitch::NoMembershipSafeguard,
        ]
    }

    /// The stable kebab-case name.
    pub fn name(self) -> &'static str {
        match self {
            UnsafeSwitch::CommitOldTermByCount => "commit-old-term-by-count",
            UnsafeSwitch::SkipElectionRestriction => "skip-election-restriction",
            UnsafeSwitch::NoPersistVote => "no-persist-vote",
            UnsafeSwitch::TruncateWithoutConflict => "truncate-without-conflict",
            UnsafeSwitch::CountLearnersInQuorum => "count-learners-in-quorum",
            UnsafeSwitch::LeaseWithoutCheckQuorum => "lease-without-check-quorum",
            UnsafeSwitch::NoMembershipSafeguard => "no-membership-safeguard",
        }
    }

    /// One sentence saying what breaks.
    pub fn description(self) -> &'static str {
        match self {
            UnsafeSwitch::CommitOldTermByCount => {
                "leader commits old-term entries by counting replicas; Figure 8 overwrites a committed entry"
            }
            UnsafeSwitch::SkipElectionRestriction => {
                "voters ignore the log up-to-date check; a leader without committed entries erases them"
            }
            UnsafeSwitch::NoPersistVote => {
                "the vote is not made durable; after a crash a node votes twice in one term, two leaders"
            }
            UnsafeSwitch::TruncateWithoutConflict => {
                "a late append truncates the log without a conflict; acknowledged entries disappear"
            }
            UnsafeSwitch::CountLearnersInQuorum => {
                "learners count toward quorums; entries commit without a majority of voters"
            }
            UnsafeSwitch::LeaseWithoutCheckQuorum => {
                "lease reads without check-quorum; a deposed leader serves stale reads"
            }
            UnsafeSwitch::NoMembershipSafeguard => {
                "configuration changes may overlap; two disjoint majorities can elect two leaders"
            }
        }
    }

    /// The switch with this name.
    pub fn from_name(name: &str) -> Option<UnsafeSwitch> {
        UnsafeSwitch::all()
            .iter()
            .copied()
            .find(|s| s.name() == name)
    }
}

/// Why a node's configuration (or the membership in its storage) was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfigError {
    /// Node id 0 means "none" in messages and votes.
    ReservedNodeId,
    /// A heartbeat interval of 0 ticks would never send one.
    HeartbeatIntervalZero,
    /// §5.2: broadcast time must be well below the election timeout.
    ElectionTimeoutNotAboveHeartbeat,
    /// An inflight window or a per-message entry limit of 0 would never send an entry.
    LimitZero,
    /// Thesis §6.4.1: a lease is only safe when a leader that lost its quorum steps down.
    LeaseWithoutCheckQuorum,
    /// The membership stored on disk is malformed.
    StoredMembership(MembershipError),
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("invalid raft config: ")?;
        match self {
            ConfigError::ReservedNodeId => f.write_str("node id 0 is reserved"),
            ConfigError::HeartbeatIntervalZero => {
                f.write_str("heartbeat interval must be at least 1 tick")
            }
            ConfigError::ElectionTimeoutNotAboveHeartbeat => {
                f.write_str("election timeout must be longer than the heartbeat interval")
            }
            ConfigError::LimitZero => {
                f.write_str("inflight and per-message limits must be at least 1")
            }
            ConfigError::LeaseWithoutCheckQuorum => {
                f.write_str("lease-based reads require check-quorum")
            }
            ConfigError::StoredMembership(reason) => write!(f, "{reason}"),
        }
    }
}

impl std::error::Error for ConfigError {}

/// Everything a node needs besides its storage. Plain data; `Clone` to rebuild a node on restart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// This node's id (never 0).
    pub id: NodeId,
    /// `T`: a follower that hears nothing for a random time in `[T, 2T)` ticks starts an
    /// election (§5.2 randomized timeouts make split votes rare).
    pub election_timeout_ticks: u64,
    /// The leader sends heartbeats every this many ticks; must be less than the election
    /// timeout (§5.2: broadcast time << election timeout).
    pub heartbeat_interval_ticks: u64,
    /// Seed of this node's election-timeout generator.
    pub seed: u64,
    /// Pre-vote (thesis §9.6): a node first asks whether it could win before raising its term.
    pub pre_vote: bool,
    /// Check-quorum (thesis §6.2): a leader that has not heard from a quorum for an election
    /// timeout steps down, and followers that heard from a leader recently refuse votes.
    pub check_quorum: bool,
    /// How linearizable reads are confirmed.
    pub read_only: ReadOnlyOption,
    /// Flow control: at most this many unacknowledged appends per follower.
    pub inflight_count_max: usize,
    /// Flow control: at most this many unacknowledged bytes per follower (0 = unlimited).
    pub inflight_bytes_max: u64,
    /// At most this many entries per append.
    pub msg_entries_max: usize,
    /// At most this many bytes of entries per append (at least one entry is always sent).
    pub msg_bytes_max: u64,
    /// Deliberate bugs for teaching; empty by default.
    pub unsafe_switches: BTreeSet<UnsafeSwitch>,
}

impl Config {
    /// The playground's defaults: election timeout 10 ticks, heartbeat 1 tick, pre-vote and
    /// check-quorum on, safe reads, no unsafe switches.
    pub fn new(id: NodeId) -> Config {
        Config {
            id,
            election_timeout_ticks: 10,
            heartbeat_interval_ticks: 1,
            seed: id.0,
            pre_vote: true,
            check_quorum: true,
            read_only: ReadOnlyOption::Safe,
            inflight_count_max: 256,
            inflight_bytes_max: 0,
            msg_entries_max: 64,
            msg_bytes_max: 1024 * 1024,
            unsafe_switches: BTreeSet::new(),
        }
    }

    /// Whether a teaching switch is on.
    pub fn is_on(&self, switch: UnsafeSwitch) -> bool {
        self.unsafe_switches.contains(&switch)
    }

    /// Checks the limits and combinations.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.id == NodeId::NONE {
            return Err(ConfigError::ReservedNodeId);
        }
        if self.heartbeat_interval_ticks == 0 {
            return Err(ConfigError::HeartbeatIntervalZero);
        }
        if self.election_timeout_ticks <= self.heartbeat_interval_ticks {
            return Err(ConfigError::ElectionTimeoutNotAboveHeartbeat);
        }
        if self.inflight_count_max == 0 || self.msg_entries_max == 0 {
            return Err(ConfigError::LimitZero);
        }
        if self.read_only == ReadOnlyOption::LeaseBased
            && !self.check_quorum
            && !self.is_on(UnsafeSwitch::LeaseWithoutCheckQuorum)
        {
            return Err(ConfigError::LeaseWithoutCheckQuorum);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A way to spoil a valid config, the error it must give, and that error's words.
    type Case = (fn(&mut Config), ConfigError, &'static str);

    #[test]
    fn each_refusal_is_its_own_error_with_the_words_it_always_had() {
        let valid = Config::new(NodeId(1));
        assert_eq!(valid.validate(), Ok(()));
        let cases: [Case; 4] = [
            (
                |c| c.id = NodeId::NONE,
                ConfigError::ReservedNodeId,
                "node id 0 is reserved",
            ),
            (
                |c| c.heartbeat_interval_ticks = 0,
                ConfigError::HeartbeatIntervalZero,
                "heartbeat interval must be at least 1 tick",
            ),
            (
                |c| c.election_timeout_ticks = c.heartbeat_interval_ticks,
                ConfigError::ElectionTimeoutNotAboveHeartbeat,
                "election timeout must be longer than the heartbeat interval",
            ),
            (
                |c| c.inflight_count_max = 0,
                ConfigError::LimitZero,
                "inflight and per-message limits must be at least 1",
            ),
        ];
        for (spoil, error, words) in cases {
            let mut config = valid.clone();
            spoil(&mut config);
            assert_eq!(config.validate(), Err(error.clone()));
            assert_eq!(error.to_string(), format!("invalid raft config: {words}"));
        }
    }
}
