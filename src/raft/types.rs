//! Newtypes for the three numbers Raft juggles: terms, log indexes and node ids.
//!
//! Mixing them up is a classic source of bugs (an index compared with a term, a count used as
//! an index), so each gets its own type. Arithmetic is explicit and saturating: nothing that a
//! message can carry is allowed to overflow or underflow into a panic.

use std::fmt;

/// A Raft term: a logical clock that only moves forward (paper §5.1).
///
/// Term 0 is the term before any election; no leader ever exists in term 0.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Term(pub u64);

/// A position in the replicated log. Index 0 is the empty prefix before the first entry
/// (paper §5.3: the first real entry has index 1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Index(pub u64);

/// The identity of a Raft node. Id 0 is reserved for "nobody" and is never a valid member.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(pub u64);

impl Term {
    /// The next term, used when a node starts an election (§5.2).
    pub fn next(self) -> Term {
        Term(self.0.saturating_add(1))
    }
}

impl Index {
    /// The largest index, used as the "no constraint" value of an empty quorum.
    pub const MAX: Index = Index(u64::MAX);

    /// The index after this one.
    pub fn next(self) -> Index {
        Index(self.0.saturating_add(1))
    }

    /// The index before this one (0 stays 0).
    pub fn prev(self) -> Index {
        Index(self.0.saturating_sub(1))
    }

    /// This index moved forward by a count of entries.
    pub fn plus(self, count: u64) -> Index {
        Index(self.0.saturating_add(count))
    }

    /// The number of entries in the half-open range `[other, self)`; 0 when `other >= self`.
    pub fn count_from(self, other: Index) -> u64 {
        self.0.saturating_sub(other.0)
    }
}

impl NodeId {
    /// The reserved "nobody" id; never a member of a configuration.
    pub const NONE: NodeId = NodeId(0);
}

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl fmt::Display for Index {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A small deterministic random generator (SplitMix64) for randomized election timeouts.
///
/// The core never reads OS randomness (DESIGN.md: one seeded generator decides everything).
/// SplitMix64 is a fixed, documented algorithm, so a seed gives the same sequence on every
/// platform and every version of this crate; the simulator derives one seed per node from its
/// own generator. It is `Clone + PartialEq` so whole nodes can be checkpointed and compared.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeededRng {
    state: u64,
}

impl SeededRng {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> SeededRng {
        SeededRng { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A value in `[low, high)`; returns `low` when the range is empty.
    pub fn in_range(&mut self, low: u64, high: u64) -> u64 {
        if high <= low {
            return low;
        }
        low + self.next_u64() % (high - low)
    }
}
