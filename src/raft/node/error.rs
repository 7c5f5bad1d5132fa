//! Why a request or a message was refused: errors for the application and the transport,
//! never panics (see the crate's error policy in `raft`).

use std::fmt;

use crate::raft::types::Index;

/// Why a proposal, read, transfer or campaign was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProposeError {
    /// No leader is known to forward to.
    NoLeader,
    /// Only the leader can do this.
    NotLeader,
    /// A leadership transfer is in progress (thesis §3.10: proposals wait).
    TransferInProgress,
    /// This node is not a member of the configuration.
    NotMember,
    /// Proposals must carry at least one entry.
    Empty,
    /// A configuration change was refused, with the reason.
    ConfChangeRefused(ConfChangeRefusal),
    /// This leader has appended a change that removes it (or demotes it to learner): it only
    /// finishes that change and then hands over, so new proposals go to the next leader.
    Leaving,
}

impl fmt::Display for ProposeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProposeError::NoLeader => f.write_str("no leader known"),
            ProposeError::NotLeader => f.write_str("not the leader"),
            ProposeError::TransferInProgress => f.write_str("leadership transfer in progress"),
            ProposeError::NotMember => f.write_str("not a member of the configuration"),
            ProposeError::Empty => f.write_str("empty proposal"),
            ProposeError::ConfChangeRefused(reason) => {
                write!(f, "configuration change refused: {reason}")
            }
            ProposeError::Leaving => f.write_str(
                "this leader is leaving the configuration; send proposals to the next leader",
            ),
        }
    }
}

impl std::error::Error for ProposeError {}

/// Why a message was refused without being processed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StepError {
    /// Addressed to another node.
    WrongRecipient,
    /// Fields that cannot come from a correct sender; the reason names the field.
    Malformed(&'static str),
}

impl fmt::Display for StepError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StepError::WrongRecipient => f.write_str("message addressed to another node"),
            StepError::Malformed(why) => write!(f, "malformed message: {why}"),
        }
    }
}

impl std::error::Error for StepError {}

/// Why the leader refused to append a configuration change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfChangeRefusal {
    /// The entry's data is not a configuration change; the decoder's words name the bad part.
    Malformed(String),
    /// Thesis §4.1: one change at a time, and none before this leader's own no-op is applied.
    Pending {
        /// The latest configuration entry this leader appended.
        index: Index,
        /// What it has applied.
        applied: Index,
    },
    /// Thesis §4.3: inside a joint configuration the only change is leaving it.
    MustLeaveJointFirst,
    /// A leave-joint change outside a joint configuration.
    NotJoint,
}

impl fmt::Display for ConfChangeRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfChangeRefusal::Malformed(reason) => f.write_str(reason),
            ConfChangeRefusal::Pending { index, applied } => write!(
                f,
                "possible unapplied conf change at index {index} (applied {applied})"
            ),
            ConfChangeRefusal::MustLeaveJointFirst => {
                f.write_str("must leave the joint config first")
            }
            ConfChangeRefusal::NotJoint => f.write_str("not in a joint config"),
        }
    }
}
