//! Every user intervention as data: the simulator's input.
//!
//! A click, a console line, a lesson step or a share link all become [`Action`]s on the
//! scenario's timeline. Because actions are plain data (serde), a run is its seed, its config
//! and its list of timed actions: that is what a share link encodes and what time travel replays.

use crate::raft::types::NodeId;
use crate::sim::network::LinkConfig;
use crate::sim::queue::TimeMs;
use serde::{Deserialize, Serialize};

/// The `kind` words of [`Action`] (its serde tag), in declaration order: the JSON reader's
/// unknown-variant message lists them, and a lesson's `controls` names them
/// ([`crate::scenario::lesson::CONTROLS`]). A unit test keeps this list equal to the enum.
pub const ACTION_KINDS: &[&str] = &[
    "crash",
    "restart",
    "pause",
    "resume",
    "fire-timer",
    "partition",
    "isolate",
    "heal",
    "set-link-up",
    "set-link",
    "set-default-link",
    "hold",
    "release",
    "drop",
    "deliver-now",
    "propose",
    "transfer-leader",
    "compact",
    "read-index",
    "console",
    "retry",
    "change-membership",
    "change-config",
    "leave-joint",
];

/// One intervention in a run. Read from JSON by hand (`action_json.rs`, for the wasm's size).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Action {
    /// The node loses its volatile state (and, with the disk fault on, its unsynced writes).
    Crash { node: NodeId },
    /// A crashed node starts again from what it made durable.
    Restart { node: NodeId },
    /// The node's process stops running (no ticks, messages wait) but keeps its memory.
    Pause { node: NodeId },
    /// A paused node runs again and receives the messages that waited.
    Resume { node: NodeId },
    /// The node's election timer fires now.
    FireTimer { node: NodeId },
    /// Split the cluster into groups; links between groups are cut, nodes in no group isolated.
    Partition { groups: Vec<Vec<NodeId>> },
    /// Cut every link to and from the node.
    Isolate { node: NodeId },
    /// Restore every link to the default behaviour.
    Heal,
    /// Cut (`up: false`) or restore one direction of one link.
    SetLinkUp { from: NodeId, to: NodeId, up: bool },
    /// Change latency, loss and duplication of one direction of one link.
    SetLink {
        from: NodeId,
        to: NodeId,
        link: LinkConfigData,
    },
    /// Change the default for every link that has not been set explicitly.
    SetDefaultLink { link: LinkConfigData },
    /// Keep a message in flight until released.
    Hold { message: u64 },
    /// Let a held message continue (it arrives now).
    Release { message: u64 },
    /// Lose a message in flight.
    Drop { message: u64 },
    /// Deliver a message in flight right now, before anything else.
    DeliverNow { message: u64 },
    /// Propose application data at a node (forwarded to the leader by a follower).
    Propose { node: NodeId, data: String },
    /// Ask the leader `node` to hand leadership to `to`.
    TransferLeader { node: NodeId, to: NodeId },
    /// Compact the node's log up to its applied index into a snapshot.
    Compact { node: NodeId },
    /// Ask for a linearizable read index at a node.
    ReadIndex { node: NodeId },
    /// A client sends an etcdctl command line to a node (`--endpoints` may name another).
    Console {
        client: u64,
        node: NodeId,
        line: String,
    },
    /// A client sends an earlier write again, unchanged (same session stamp), to `node`.
    Retry { op: u64, node: NodeId },
    /// Propose a membership change through node `via`.
    ChangeMembership {
        via: NodeId,
        change: MembershipChange,
    },
    /// Propose several membership changes as one entry through node `via` (etcd's
    /// ConfChangeV2): the cluster enters a joint configuration (thesis §4.3) that it leaves
    /// automatically or on an explicit [`Action::LeaveJoint`]. Without `leave`, etcd's "auto"
    /// transition: joint only when there is more than one change, left automatically.
    ChangeConfig {
        via: NodeId,
        changes: Vec<MembershipChange>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        leave: Option<JointLeave>,
    },
    /// Propose leaving the joint configuration through node `via` (the second step of a change
    /// entered with `leave: explicit`).
    LeaveJoint { via: NodeId },
}

/// How a joint configuration is left.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum JointLeave {
    /// Always enter a joint configuration; the leader leaves it as soon as it is applied
    /// (etcd's `ConfChangeTransitionJointImplicit`).
    Auto,
    /// Always enter a joint configuration; stay until someone proposes leaving it
    /// (etcd's `ConfChangeTransitionJointExplicit`).
    Explicit,
}

impl JointLeave {
    /// The script word: `auto` or `explicit`.
    pub fn word(self) -> &'static str {
        match self {
            JointLeave::Auto => "auto",
            JointLeave::Explicit => "explicit",
        }
    }
}

impl MembershipChange {
    /// The node the change is about.
    pub fn node(self) -> NodeId {
        match self {
            MembershipChange::AddVoter { node }
            | MembershipChange::AddLearner { node }
            | MembershipChange::Remove { node } => node,
        }
    }

    /// The script key: `add-voter`, `add-learner` or `remove`.
    pub fn word(self) -> &'static str {
        match self {
            MembershipChange::AddVoter { .. } => "add-voter",
            MembershipChange::AddLearner { .. } => "add-learner",
            MembershipChange::Remove { .. } => "remove",
        }
    }
}

/// The script line of a [`Action::ChangeConfig`]: `change via=1 add-voter=4,5 remove=1
/// leave=auto`. Consecutive changes of one kind share a key, so the order is kept.
pub fn change_config_line(
    via: NodeId,
    changes: &[MembershipChange],
    leave: Option<JointLeave>,
) -> String {
    let mut line = format!("change via={via}");
    let mut run: Vec<String> = Vec::new();
    let mut run_word = "";
    for change in changes {
        if change.word() != run_word && !run.is_empty() {
            line.push_str(&format!(" {run_word}={}", run.join(",")));
            run.clear();
        }
        run_word = change.word();
        run.push(change.node().to_string());
    }
    if !run.is_empty() {
        line.push_str(&format!(" {run_word}={}", run.join(",")));
    }
    if let Some(leave) = leave {
        line.push_str(&format!(" leave={}", leave.word()));
    }
    line
}

/// A membership change a user can ask for. Read from JSON by hand (`action_json.rs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "op", rename_all = "kebab-case")]
pub enum MembershipChange {
    /// Add a voter (or promote a learner).
    AddVoter { node: NodeId },
    /// Add a learner (non-voting member).
    AddLearner { node: NodeId },
    /// Remove a member.
    Remove { node: NodeId },
}

/// [`LinkConfig`] in serializable form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkConfigData {
    pub up: bool,
    pub latency_ms_min: TimeMs,
    pub latency_ms_max: TimeMs,
    pub loss_ppm: u32,
    pub duplicate_ppm: u32,
}

/// The longest one-way delay a link may have: a minute of virtual time. Larger values would
/// only stall a run (and near `u64::MAX` wrap the clock around).
pub const LINK_LATENCY_MS_MAX: TimeMs = TimeMs(60_000);

impl LinkConfigData {
    /// Checks what a user (or a share link) could get wrong; the message says which and why.
    pub fn validate(&self) -> Result<(), String> {
        if self.latency_ms_min > self.latency_ms_max {
            return Err(format!(
                "latency={}..{} is backwards: the smallest delay comes first",
                self.latency_ms_min, self.latency_ms_max
            ));
        }
        if self.latency_ms_max > LINK_LATENCY_MS_MAX {
            return Err(format!(
                "latency must be at most {LINK_LATENCY_MS_MAX} ms, got {}",
                self.latency_ms_max
            ));
        }
        let one = crate::sim::rng::PPM_ONE;
        if self.loss_ppm > one || self.duplicate_ppm > one {
            return Err(format!(
                "loss= and dup= are parts per million, 0 to {one}, got loss={} dup={}",
                self.loss_ppm, self.duplicate_ppm
            ));
        }
        Ok(())
    }
}

impl From<LinkConfigData> for LinkConfig {
    fn from(d: LinkConfigData) -> LinkConfig {
        LinkConfig {
            up: d.up,
            latency_ms_min: d.latency_ms_min.min(d.latency_ms_max),
            latency_ms_max: d.latency_ms_max.max(d.latency_ms_min),
            loss_ppm: d.loss_ppm.min(crate::sim::rng::PPM_ONE),
            duplicate_ppm: d.duplicate_ppm.min(crate::sim::rng::PPM_ONE),
        }
    }
}

impl From<LinkConfig> for LinkConfigData {
    fn from(c: LinkConfig) -> LinkConfigData {
        LinkConfigData {
            up: c.up,
            latency_ms_min: c.latency_ms_min,
            latency_ms_max: c.latency_ms_max,
            loss_ppm: c.loss_ppm,
            duplicate_ppm: c.duplicate_ppm,
        }
    }
}

/// An action at a point of virtual time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimedAction {
    pub at_ms: TimeMs,
    pub action: Action,
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Action::Crash { node } => write!(f, "crash n{node}"),
            Action::Restart { node } => write!(f, "restart n{node}"),
            Action::Pause { node } => write!(f, "pause n{node}"),
            Action::Resume { node } => write!(f, "resume n{node}"),
            Action::FireTimer { node } => write!(f, "fire-timer n{node}"),
            Action::Partition { groups } => {
                let groups: Vec<String> = groups
                    .iter()
                    .map(|g| {
                        g.iter()
                            .map(|n| format!("n{n}"))
                            .collect::<Vec<_>>()
                            .join(" ")
                    })
                    .collect();
                write!(f, "partition {}", groups.join(" | "))
            }
            Action::Isolate { node } => write!(f, "isolate n{node}"),
            Action::Heal => write!(f, "heal"),
            Action::SetLinkUp { from, to, up } => {
                write!(f, "link n{from}->n{to} {}", if *up { "up" } else { "down" })
            }
            Action::SetLink { from, to, link } => write!(
                f,
                "link n{from}->n{to} latency={}..{}ms loss={}ppm dup={}ppm",
                link.latency_ms_min, link.latency_ms_max, link.loss_ppm, link.duplicate_ppm
            ),
            Action::SetDefaultLink { link } => write!(
                f,
                "default-link latency={}..{}ms loss={}ppm dup={}ppm",
                link.latency_ms_min, link.latency_ms_max, link.loss_ppm, link.duplicate_ppm
            ),
            Action::Hold { message } => write!(f, "hold m{message}"),
            Action::Release { message } => write!(f, "release m{message}"),
            Action::Drop { message } => write!(f, "drop m{message}"),
            Action::DeliverNow { message } => write!(f, "deliver-now m{message}"),
            Action::Propose { node, data } => write!(f, "propose n{node} {data:?}"),
            Action::TransferLeader { node, to } => write!(f, "transfer-leader n{node} -> n{to}"),
            Action::Compact { node } => write!(f, "compact n{node}"),
            Action::ReadIndex { node } => write!(f, "read-index n{node}"),
            Action::Console { client, node, line } => {
                write!(f, "client c{client} -> n{node}: {line}")
            }
            Action::Retry { op, node } => write!(f, "retry op{op} -> n{node}"),
            Action::ChangeMembership { via, change } => match change {
                MembershipChange::AddVoter { node } => write!(f, "add-voter n{node} via n{via}"),
                MembershipChange::AddLearner { node } => {
                    write!(f, "add-learner n{node} via n{via}")
                }
                MembershipChange::Remove { node } => write!(f, "remove n{node} via n{via}"),
            },
            Action::ChangeConfig {
                via,
                changes,
                leave,
            } => f.write_str(&change_config_line(*via, changes, *leave)),
            Action::LeaveJoint { via } => write!(f, "leave-joint via={via}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_round_trip_through_json() {
        let actions = vec![
            TimedAction {
                at_ms: TimeMs(5),
                action: Action::Crash { node: NodeId(2) },
            },
            TimedAction {
                at_ms: TimeMs(9),
                action: Action::Partition {
                    groups: vec![vec![NodeId(1), NodeId(2)], vec![NodeId(3)]],
                },
            },
            TimedAction {
                at_ms: TimeMs(12),
                action: Action::ChangeMembership {
                    via: NodeId(1),
                    change: MembershipChange::AddLearner { node: NodeId(4) },
                },
            },
            TimedAction {
                at_ms: TimeMs(13),
                action: Action::ChangeConfig {
                    via: NodeId(2),
                    changes: vec![
                        MembershipChange::AddVoter { node: NodeId(4) },
                        MembershipChange::Remove { node: NodeId(1) },
                    ],
                    leave: Some(JointLeave::Explicit),
                },
            },
            TimedAction {
                at_ms: TimeMs(14),
                action: Action::ChangeConfig {
                    via: NodeId(2),
                    changes: vec![MembershipChange::AddVoter { node: NodeId(5) }],
                    leave: None,
                },
            },
            TimedAction {
                at_ms: TimeMs(15),
                action: Action::LeaveJoint { via: NodeId(3) },
            },
        ];
        let json = serde_json::to_string(&actions).expect("serialize");
        let back: Vec<TimedAction> = serde_json::from_str(&json).expect("parse");
        assert_eq!(back, actions);
        assert!(serde_json::from_str::<Action>(r#"{"kind":"explode"}"#).is_err());
        assert!(json.contains(r#""leave":"explicit""#), "{json}");
        let leave_absent =
            r#"{"kind":"change-config","via":1,"changes":[{"op":"remove","node":1}]}"#;
        assert!(matches!(
            serde_json::from_str::<Action>(leave_absent),
            Ok(Action::ChangeConfig { leave: None, .. })
        ));
    }

    #[test]
    fn a_change_line_keeps_the_order_of_its_changes() {
        let changes = [
            MembershipChange::AddVoter { node: NodeId(4) },
            MembershipChange::AddVoter { node: NodeId(5) },
            MembershipChange::Remove { node: NodeId(1) },
            MembershipChange::AddVoter { node: NodeId(6) },
        ];
        assert_eq!(
            change_config_line(NodeId(2), &changes, Some(JointLeave::Auto)),
            "change via=2 add-voter=4,5 remove=1 add-voter=6 leave=auto"
        );
        assert_eq!(
            Action::LeaveJoint { via: NodeId(3) }.to_string(),
            "leave-joint via=3"
        );
    }
}
