//! Quorum arithmetic, pure and independent of the rest of the core
//! (etcd-io/raft's `quorum/` package).
//!
//! A majority configuration commits what more than half of its voters acknowledge (§5.3). A
//! joint configuration (thesis §4.3) is two majority configurations, and a decision needs both.

use std::collections::BTreeSet;

use super::types::{Index, NodeId};

/// The outcome of counting votes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VoteResult {
    /// Not yet decided: enough voters have not answered.
    Pending,
    /// A quorum refused.
    Lost,
    /// A quorum granted.
    Won,
}

/// Configurations up to this many voters count their acknowledgements on the stack.
const STACK_VOTERS: usize = 16;

/// A set of voters deciding by simple majority.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct MajorityConfig {
    /// The voters.
    pub voters: BTreeSet<NodeId>,
}

impl MajorityConfig {
    /// A majority configuration of the given voters.
    pub fn new(voters: BTreeSet<NodeId>) -> MajorityConfig {
        MajorityConfig { voters }
    }

    /// The largest index acknowledged by a majority. An empty configuration places no
    /// constraint (`Index::MAX`) so that it is neutral inside a joint configuration.
    pub fn committed_index(&self, acked: impl Fn(NodeId) -> Option<Index>) -> Index {
        if self.voters.is_empty() {
            return Index::MAX;
        }
        // Sorted descending, the (n/2 + 1)-th value is acknowledged by a majority. The values
        // sit on the stack for the sizes a run has (the leader counts after every
        // acknowledgement); larger configurations take a vector.
        let quorum_position = self.voters.len() / 2;
        let acked = self.voters.iter().map(|&id| acked(id).unwrap_or_default());
        let mut on_stack = [Index::default(); STACK_VOTERS];
        let mut on_heap = Vec::new();
        let matched: &mut [Index] = if self.voters.len() <= STACK_VOTERS {
            for (slot, index) in on_stack.iter_mut().zip(acked) {
                *slot = index;
            }
            &mut on_stack[..self.voters.len()]
        } else {
            on_heap.extend(acked);
            &mut on_heap
        };
        crate::sort::insertion_sort_by(matched, |a, b| b.cmp(a));
        matched.get(quorum_position).copied().unwrap_or_default()
    }

    /// Counts votes (`Some(true)` granted, `Some(false)` refused, `None` missing). An empty
    /// configuration wins, again to stay neutral inside a joint configuration.
    pub fn vote_result(&self, votes: impl Fn(NodeId) -> Option<bool>) -> VoteResult {
        if self.voters.is_empty() {
            return VoteResult::Won;
        }
        let (mut granted, mut missing) = (0usize, 0usize);
        for &id in &self.voters {
            match votes(id) {
                Some(true) => granted += 1,
                Some(false) => {}
                None => missing += 1,
            }
        }
        let quorum = self.voters.len() / 2 + 1;
        if granted >= quorum {
            VoteResult::Won
        } else if granted + missing >= quorum {
            VoteResult::Pending
        } else {
            VoteResult::Lost
        }
    }
}

/// Incoming and outgoing majorities; outgoing is empty when not joint.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct JointConfig {
    /// The new (or only) voters.
    pub incoming: MajorityConfig,
    /// The old voters while joint; empty otherwise.
    pub outgoing: MajorityConfig,
}

impl JointConfig {
    /// Whether this is a joint configuration.
    pub fn is_joint(&self) -> bool {
        !self.outgoing.voters.is_empty()
    }

    /// Whether `id` votes in either half: [`JointConfig::ids`]`.contains(&id)` without building
    /// the set (a leader asks at every tick).
    pub fn contains(&self, id: NodeId) -> bool {
        self.incoming.voters.contains(&id) || self.outgoing.voters.contains(&id)
    }

    /// Every voter of either half.
    pub fn ids(&self) -> BTreeSet<NodeId> {
        crate::sort::set_of(self.incoming.voters.union(&self.outgoing.voters).copied())
    }

    /// The largest index both halves have committed.
    pub fn committed_index(&self, acked: impl Fn(NodeId) -> Option<Index>) -> Index {
        let incoming = self.incoming.committed_index(&acked);
        let outgoing = self.outgoing.committed_index(&acked);
        incoming.min(outgoing)
    }

    /// Won only if both halves won; lost if either lost.
    pub fn vote_result(&self, votes: impl Fn(NodeId) -> Option<bool>) -> VoteResult {
        let incoming = self.incoming.vote_result(&votes);
        let outgoing = self.outgoing.vote_result(&votes);
        if incoming == outgoing {
            return incoming;
        }
        if incoming == VoteResult::Lost || outgoing == VoteResult::Lost {
            return VoteResult::Lost;
        }
        VoteResult::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn majority(ids: &[u64]) -> MajorityConfig {
        MajorityConfig::new(ids.iter().map(|&id| NodeId(id)).collect())
    }

    /// Every size from 1 to 24 voters, either side of the 16 counted on the stack: the
    /// committed index is the highest a majority acknowledged, whatever the order of the
    /// acknowledgements, and a voter with none counts as index 0.
    #[test]
    fn committed_index_is_the_highest_a_majority_acknowledged_at_every_size() {
        for size in 1..=24u64 {
            let config = majority(&(1..=size).collect::<Vec<_>>());
            // Voter `id` acknowledged `10 * (7 * id % 31)`: distinct, not in the voters' order.
            let acked = |id: NodeId| Some(Index((id.0 * 7 % 31) * 10));
            let mut all: Vec<u64> = (1..=size).map(|id| (id * 7 % 31) * 10).collect();
            all.sort_unstable_by(|a, b| b.cmp(a));
            let expected = Index(all[(size / 2) as usize]);
            assert_eq!(config.committed_index(acked), expected, "{size} voters");
            // Voter 1's acknowledgement (70) missing: it counts as 0.
            let silent = |id: NodeId| (id.0 != 1).then(|| Index((id.0 * 7 % 31) * 10));
            let mut with_zero = all.clone();
            let one = with_zero
                .iter()
                .position(|&v| v == 70)
                .expect("voter 1 is there");
            with_zero[one] = 0;
            with_zero.sort_unstable_by(|a, b| b.cmp(a));
            let expected = Index(with_zero[(size / 2) as usize]);
            assert_eq!(
                config.committed_index(silent),
                expected,
                "{size} voters, 1 silent"
            );
        }
    }

    #[test]
    fn contains_is_membership_of_the_union_of_both_halves() {
        let shapes = [
            JointConfig::default(),
            JointConfig {
                incoming: majority(&[1, 2, 3]),
                outgoing: majority(&[]),
            },
            JointConfig {
                incoming: majority(&[1, 2, 4]),
                outgoing: majority(&[1, 2, 3]),
            },
            JointConfig {
                incoming: majority(&[5]),
                outgoing: majority(&[2, 3]),
            },
        ];
        for joint in &shapes {
            for id in 0..7 {
                assert_eq!(
                    joint.contains(NodeId(id)),
                    joint.ids().contains(&NodeId(id)),
                    "{joint:?} n{id}"
                );
            }
        }
    }

    /// Every assignment of granted, refused and missing votes for 1 to 6 voters: won with
    /// more than half granted, lost once more than half cannot grant, pending otherwise.
    #[test]
    fn vote_result_is_decided_by_a_strict_majority() {
        for size in 1..=6u32 {
            let config = majority(&(1..=u64::from(size)).collect::<Vec<_>>());
            for assignment in 0..3u32.pow(size) {
                // Voter i's vote is digit i-1 of `assignment` in base 3.
                let vote = |id: NodeId| match assignment / 3u32.pow(id.0 as u32 - 1) % 3 {
                    0 => Some(true),
                    1 => Some(false),
                    _ => None,
                };
                let granted = (1..=size).filter(|&i| vote(NodeId(i.into())) == Some(true));
                let granted = granted.count() as u32;
                let refused = (1..=size).filter(|&i| vote(NodeId(i.into())) == Some(false));
                let refused = refused.count() as u32;
                let expected = if 2 * granted > size {
                    VoteResult::Won
                } else if 2 * refused >= size {
                    VoteResult::Lost
                } else {
                    VoteResult::Pending
                };
                assert_eq!(
                    config.vote_result(vote),
                    expected,
                    "{size} voters, {granted} granted, {refused} refused"
                );
            }
        }
    }

    /// An empty half is neutral: it wins every vote and constrains no commit.
    #[test]
    fn an_empty_configuration_is_neutral() {
        let empty = majority(&[]);
        assert_eq!(empty.vote_result(|_| Some(false)), VoteResult::Won);
        assert_eq!(empty.committed_index(|_| Some(Index(3))), Index::MAX);
        let single = JointConfig {
            incoming: majority(&[1, 2, 3]),
            outgoing: majority(&[]),
        };
        assert!(!single.is_joint());
        let acked = |id: NodeId| Some(Index(id.0 * 10));
        assert_eq!(single.committed_index(acked), Index(20));
        let votes = |id: NodeId| (id.0 != 3).then_some(id.0 == 1);
        assert_eq!(single.vote_result(votes), VoteResult::Pending);
    }

    /// A joint decision needs both halves: won only if both won, lost if either lost, and the
    /// committed index is the lower of the two halves'.
    #[test]
    fn a_joint_configuration_needs_both_halves() {
        // Voters 1, 2, 3 in the incoming half; 3, 4, 5 in the outgoing one.
        let joint = JointConfig {
            incoming: majority(&[1, 2, 3]),
            outgoing: majority(&[3, 4, 5]),
        };
        assert!(joint.is_joint());
        assert_eq!(joint.ids(), BTreeSet::from([1, 2, 3, 4, 5].map(NodeId)));
        // Each half's outcome from votes of its two own voters (voter 3 silent).
        let votes = |incoming: [Option<bool>; 2], outgoing: [Option<bool>; 2]| {
            move |id: NodeId| match id.0 {
                1 | 2 => incoming[id.0 as usize - 1],
                4 | 5 => outgoing[id.0 as usize - 4],
                _ => None,
            }
        };
        let won = [Some(true), Some(true)];
        let lost = [Some(false), Some(false)];
        let pending = [Some(true), None];
        let cases = [
            (won, won, VoteResult::Won),
            (won, pending, VoteResult::Pending),
            (pending, won, VoteResult::Pending),
            (pending, pending, VoteResult::Pending),
            (won, lost, VoteResult::Lost),
            (lost, won, VoteResult::Lost),
            (pending, lost, VoteResult::Lost),
            (lost, pending, VoteResult::Lost),
            (lost, lost, VoteResult::Lost),
        ];
        for (incoming, outgoing, expected) in cases {
            assert_eq!(
                joint.vote_result(votes(incoming, outgoing)),
                expected,
                "{incoming:?} {outgoing:?}"
            );
        }
        // Incoming commits 20 (voters 2 and 3 at 20 or more), outgoing 40 (4 and 5).
        let acked = |id: NodeId| Some(Index([0, 10, 20, 30, 40, 50][id.0 as usize]));
        assert_eq!(joint.committed_index(acked), Index(20), "the lower half");
        let swapped = JointConfig {
            incoming: joint.outgoing.clone(),
            outgoing: joint.incoming.clone(),
        };
        assert_eq!(swapped.committed_index(acked), Index(20));
    }
}
