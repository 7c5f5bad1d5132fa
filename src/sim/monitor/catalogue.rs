//! The monitors' catalogue: one number and one plain name per monitor, what kind of monitor it
//! is, and the explanation a learner reads when it fires.
//!
//! Numbers follow SCENARIOS.md: 1-9 are its invariants in its order, 10 is its linearizable-read
//! behaviour, and 11-13 restate three rules in the order the catalogue meets them (elections,
//! replication, membership). Every number is used once, so "monitor 7" means one thing.
//!
//! Why kinds: a teaching switch breaks a rule. A monitor that restates the rule ("leaders commit
//! only entries of their own term") fires at the moment the rule is broken, before anything bad
//! has happened; a learner then sees the rule, not why it matters. The consequence monitors watch
//! the harm itself (an acknowledged write undone, two leaders, a stale read). Rule monitors can be
//! switched off (`SimConfig::rule_monitors`) so a run goes on until the harm shows.

use crate::raft::config::UnsafeSwitch;
use serde::Serialize;

/// What a monitor watches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// Harm a user of the cluster can see: an acknowledged write lost or changed, two leaders,
    /// replicas that disagree, a stale read.
    Consequence,
    /// The bookkeeping that makes the proof work (append-only leaders, log matching, terms and
    /// votes that never go back, index ordering). A break is a bug, not yet a visible harm.
    Structure,
    /// Restates a rule of the algorithm that a teaching switch breaks; fires at the broken rule,
    /// before the harm. Can be switched off.
    Rule,
}

impl Kind {
    /// The word shown in reports.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Consequence => "consequence",
            Kind::Structure => "structure",
            Kind::Rule => "rule",
        }
    }
}

/// The monitor names, as they appear in reports: the number, then plain words.
pub mod names {
    /// 1: one leader per term.
    pub const ELECTION_SAFETY: &str = "1 one leader per term";
    /// 2: a leader only appends.
    pub const LEADER_APPEND_ONLY: &str = "2 leaders only append";
    /// 3: same index and term, same entry and same history.
    pub const LOG_MATCHING: &str = "3 log matching";
    /// 4: leaders hold every committed entry.
    pub const LEADER_COMPLETENESS: &str = "4 leader completeness";
    /// 5: replicas apply the same entries and reach the same state.
    pub const STATE_MACHINE_SAFETY: &str = "5 state machine safety";
    /// 6: committed entries are on the disks of a majority.
    pub const DURABLE_QUORUM: &str = "6 committed entries are on a majority's disks";
    /// 7: committed entries stay.
    pub const COMMITTED_NEVER_CHANGES: &str = "7 committed entries never change";
    /// 8: durable term and vote never go back.
    pub const TERM_AND_VOTE: &str = "8 term and vote never go back";
    /// 9: index ordering.
    pub const ORDERING: &str = "9 index ordering";
    /// 10: reads are not stale.
    pub const STALE_READ: &str = "10 linearizable reads";
    /// 11 (rule): a node votes once per term.
    pub const ONE_VOTE: &str = "11 one vote per term";
    /// 12 (rule): a leader commits by counting only its own term's entries.
    pub const CURRENT_TERM_COMMIT: &str = "12 leaders commit only entries of their own term";
    /// 13 (rule): one membership change at a time.
    pub const ONE_CONF_CHANGE: &str = "13 one membership change at a time";
    /// The history checker's verdict, reported like a monitor (it knows nothing of Raft).
    pub const HISTORY: &str = "linearizability of the clients' history";
}

/// One monitor of the catalogue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Its report name (from [`names`]).
    pub name: &'static str,
    /// Consequence, structure or rule.
    pub kind: Kind,
    /// What it protects and why it matters, in plain words.
    pub explanation: &'static str,
}

/// Every monitor, in catalogue order (the history checker last).
pub const CATALOGUE: &[Entry] = &[
    Entry {
        name: names::ELECTION_SAFETY,
        kind: Kind::Consequence,
        explanation: "At most one leader per term. Two leaders in one term can each commit a different entry at the same index, so clients are told two contradicting writes succeeded.",
    },
    Entry {
        name: names::LEADER_APPEND_ONLY,
        kind: Kind::Structure,
        explanation: "A leader never deletes or rewrites its own entries, it only appends. Followers copy the leader, so a leader that rewrote its log would take entries away from everyone.",
    },
    Entry {
        name: names::LOG_MATCHING,
        kind: Kind::Structure,
        explanation: "Two entries with the same index and term are the same entry, with the same entries before them. That is why a leader checks only the previous entry before appending: a match there means the whole history matches.",
    },
    Entry {
        name: names::LEADER_COMPLETENESS,
        kind: Kind::Consequence,
        explanation: "Every leader holds every entry committed before its term. A leader without a committed entry makes the followers drop it: a write the client was told succeeded is lost.",
    },
    Entry {
        name: names::STATE_MACHINE_SAFETY,
        kind: Kind::Consequence,
        explanation: "Every node applies the same command at the same index, so every replica holds the same data. When this breaks, two replicas answer the same question differently.",
    },
    Entry {
        name: names::DURABLE_QUORUM,
        kind: Kind::Consequence,
        explanation: "A committed entry is on the disks of a majority of the voters that committed it, so every later majority includes a node that has it. With fewer copies, crashes or a new leader can lose an acknowledged write.",
    },
    Entry {
        name: names::COMMITTED_NEVER_CHANGES,
        kind: Kind::Consequence,
        explanation: "Once committed, an entry stays at its index forever, and a running node's commit and applied indexes never go back. A break means an acknowledged write was undone or replaced.",
    },
    Entry {
        name: names::TERM_AND_VOTE,
        kind: Kind::Structure,
        explanation: "A node's term never goes down and its vote in a term never changes once written to disk. Both survive crashes so that no node can vote twice in one term.",
    },
    Entry {
        name: names::ORDERING,
        kind: Kind::Structure,
        explanation: "On every node: snapshot <= applied <= commit <= last index; a leader's view of each follower has match < next. The log's bookkeeping rests on these orders.",
    },
    Entry {
        name: names::STALE_READ,
        kind: Kind::Consequence,
        explanation: "A read returns data at least as new as every write committed before the read began. A stale read shows a client a value that was already overwritten.",
    },
    Entry {
        name: names::ONE_VOTE,
        kind: Kind::Rule,
        explanation: "Rule (paper section 5.2): a node grants at most one vote per term, even across a crash, so it must write the vote to disk before answering. The harm when broken: two candidates can each collect a majority, so two leaders in one term (monitor 1).",
    },
    Entry {
        name: names::CURRENT_TERM_COMMIT,
        kind: Kind::Rule,
        explanation: "Rule (paper section 5.4.2, Figure 8): a leader counts replicas only for entries of its own term; older entries commit with them. The harm when broken: an entry reported committed can still be overwritten by a later leader (monitors 4, 5, 7).",
    },
    Entry {
        name: names::ONE_CONF_CHANGE,
        kind: Kind::Rule,
        explanation: "Rule (thesis section 4.1): a leader appends a membership change only after the previous one and an entry of its own term are committed. The harm when broken: majorities of the old and new configurations need not overlap, so two leaders can be elected in one term (monitor 1) or a committed entry lost (monitors 4, 7).",
    },
    Entry {
        name: names::HISTORY,
        kind: Kind::Consequence,
        explanation: "The clients' operations, with their call and return times, must be explainable by one order of single operations. The checker knows nothing of Raft: a violation is what a client would see.",
    },
];

/// The catalogue entry for a report name; unknown names are treated as consequences.
pub fn entry(name: &str) -> Entry {
    CATALOGUE
        .iter()
        .find(|e| e.name == name)
        .copied()
        .unwrap_or(Entry {
            name: names::HISTORY,
            kind: Kind::Consequence,
            explanation: "",
        })
}

/// For each teaching switch: the rule monitor that restates the broken rule (if any) and the
/// consequence monitors that show its harm. The fuzz hunt proves that one of the latter catches
/// it with the rule monitors off.
pub fn switch_monitors(switch: UnsafeSwitch) -> (Option<&'static str>, &'static [&'static str]) {
    use names::*;
    match switch {
        UnsafeSwitch::CommitOldTermByCount => (
            Some(CURRENT_TERM_COMMIT),
            &[
                LEADER_COMPLETENESS,
                COMMITTED_NEVER_CHANGES,
                STATE_MACHINE_SAFETY,
            ],
        ),
        UnsafeSwitch::SkipElectionRestriction => (
            None,
            &[
                LEADER_COMPLETENESS,
                COMMITTED_NEVER_CHANGES,
                STATE_MACHINE_SAFETY,
            ],
        ),
        UnsafeSwitch::NoPersistVote => (Some(ONE_VOTE), &[ELECTION_SAFETY]),
        UnsafeSwitch::TruncateWithoutConflict => (
            None,
            &[
                COMMITTED_NEVER_CHANGES,
                DURABLE_QUORUM,
                STATE_MACHINE_SAFETY,
                LEADER_COMPLETENESS,
            ],
        ),
        UnsafeSwitch::CountLearnersInQuorum => (
            None,
            &[
                DURABLE_QUORUM,
                ELECTION_SAFETY,
                LEADER_COMPLETENESS,
                COMMITTED_NEVER_CHANGES,
            ],
        ),
        UnsafeSwitch::LeaseWithoutCheckQuorum => (None, &[STALE_READ, HISTORY]),
        UnsafeSwitch::NoMembershipSafeguard => (
            Some(ONE_CONF_CHANGE),
            &[
                ELECTION_SAFETY,
                LEADER_COMPLETENESS,
                COMMITTED_NEVER_CHANGES,
                STATE_MACHINE_SAFETY,
                DURABLE_QUORUM,
            ],
        ),
    }
}

/// What a learner reads when monitor `name` fires in a run with `switches` on: the monitor's
/// explanation, then for each switch the rule it breaks and the harm it leads to. Both stay in
/// view: with rule monitors on the rule fires first, and the text says what harm it prevented
/// from showing; with them off the harm fires, and the text says which rule let it happen.
pub fn explain(name: &str, switches: &[UnsafeSwitch]) -> String {
    let mut text = entry(name).explanation.to_string();
    for &switch in switches {
        let (rule, harms) = switch_monitors(switch);
        let rule = rule.map_or(String::new(), |r| format!(" Its rule monitor: {r}."));
        text.push_str(&format!(
            " Teaching switch {} is on: {}.{rule} Its harm shows in: {}.",
            switch.name(),
            switch.description(),
            harms.join(", ")
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_monitor_has_its_own_number_and_an_explanation() {
        let mut numbers = std::collections::BTreeSet::new();
        for entry in CATALOGUE.iter().filter(|e| e.name != names::HISTORY) {
            let number: u32 = entry
                .name
                .split(' ')
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("{:?} starts with its number", entry.name));
            assert!(numbers.insert(number), "number {number} used twice");
            assert!(
                entry.explanation.len() > 40,
                "{} explains itself",
                entry.name
            );
        }
        let expected: std::collections::BTreeSet<u32> = (1..=13).collect();
        assert_eq!(numbers, expected, "numbers run 1..13 without gaps");
    }

    #[test]
    fn rules_come_after_the_catalogue_invariants_and_name_their_harm() {
        for entry in CATALOGUE {
            let rule = entry.kind == Kind::Rule;
            let number: u32 = entry
                .name
                .split(' ')
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or(99);
            assert_eq!(rule, (11..=13).contains(&number), "{}", entry.name);
            if rule {
                assert!(entry.explanation.contains("harm"), "{}", entry.name);
            }
        }
    }

    #[test]
    fn every_switch_names_consequence_monitors_and_only_rule_monitors_as_its_rule() {
        for &switch in UnsafeSwitch::all() {
            let (rule, harms) = switch_monitors(switch);
            assert!(!harms.is_empty(), "{}", switch.name());
            for harm in harms {
                assert_eq!(entry(harm).kind, Kind::Consequence, "{harm}");
            }
            if let Some(rule) = rule {
                assert_eq!(entry(rule).kind, Kind::Rule, "{rule}");
            }
        }
    }
}
