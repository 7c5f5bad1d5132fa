//! What a step waits for: a condition parsed once from the words after `wait` and evaluated
//! against a live [`Sim`] after every event, natively and in the page alike, so a lesson that
//! passes `raftlab run` stops at the same moments in the browser.

use super::node_ref::{NodeRef, leader_commit, leader_raft, leader_term};
use crate::raft::types::NodeId;
use crate::sim::client::OpState;
use crate::sim::cluster::Sim;
use crate::sim::queue::TimeMs;

/// What a step runs until.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Condition {
    /// A leader exists (`leader`), or this node leads (`leader n3`).
    Leader(Option<NodeId>),
    /// A leader in this term or later.
    Term(u64),
    /// The leader's commit index reached this.
    Commit(u64),
    /// A safety monitor fired.
    Monitor,
    /// This many virtual ms passed since the step started.
    Time(u64),
    /// Every client operation has its answer (a watch counts once its first answer came).
    Answered,
    /// A leader exists, no client waits, and every running node holds and has applied the
    /// leader's whole log: nothing is left to do but heartbeats.
    Idle,
}

impl Condition {
    /// Parses the words after `wait`.
    pub fn parse(words: &[&str]) -> Result<Condition, String> {
        let number = |word: Option<&&str>, what: &str| -> Result<u64, String> {
            word.and_then(|w| w.parse().ok())
                .ok_or_else(|| format!("'wait {what}' needs a number, like: wait {what} 2"))
        };
        let condition = match words.first().copied() {
            Some("leader") => match words.get(1) {
                None => Condition::Leader(None),
                Some(word) => match NodeRef::parse(word)? {
                    NodeRef::Id(id) => Condition::Leader(Some(id)),
                    _ => {
                        return Err("'wait leader' takes a fixed node, like: wait leader n3".into());
                    }
                },
            },
            Some("term") => Condition::Term(number(words.get(1), "term")?),
            Some("commit") => Condition::Commit(number(words.get(1), "commit")?),
            Some("time") => Condition::Time(number(words.get(1), "time")?),
            Some("monitor") => Condition::Monitor,
            Some("answered") => Condition::Answered,
            Some("idle") => Condition::Idle,
            _ => {
                return Err(
                    "wait for one of: leader [nN], term N, commit N, monitor, time MS, \
                            answered, idle"
                        .into(),
                );
            }
        };
        let used = match condition {
            Condition::Leader(None)
            | Condition::Monitor
            | Condition::Answered
            | Condition::Idle => 1,
            _ => 2,
        };
        match words.get(used) {
            Some(extra) => Err(format!("unexpected '{extra}' after the wait condition")),
            None => Ok(condition),
        }
    }

    /// The words after `wait` that [`Condition::parse`] reads back as this condition.
    pub fn source_words(&self) -> String {
        match self {
            Condition::Leader(None) => "leader".into(),
            Condition::Leader(Some(id)) => format!("leader n{}", id.0),
            Condition::Term(term) => format!("term {term}"),
            Condition::Commit(index) => format!("commit {index}"),
            Condition::Monitor => "monitor".into(),
            Condition::Time(ms) => format!("time {ms}"),
            Condition::Answered => "answered".into(),
            Condition::Idle => "idle".into(),
        }
    }

    /// Whether it holds in `sim`, for a step that started at `step_started_ms`.
    pub fn holds(&self, sim: &Sim, step_started_ms: TimeMs) -> bool {
        match *self {
            Condition::Leader(None) => sim.leader().is_some(),
            Condition::Leader(Some(id)) => sim.leader() == Some(id),
            Condition::Term(term) => leader_term(sim).is_some_and(|t| t >= term),
            Condition::Commit(index) => leader_commit(sim).is_some_and(|c| c >= index),
            Condition::Monitor => sim.violation().is_some(),
            Condition::Time(ms) => sim.now_ms().saturating_sub(step_started_ms) >= TimeMs(ms),
            Condition::Answered => all_answered(sim),
            Condition::Idle => is_idle(sim),
        }
    }

    /// The condition in plain words, for the page ("Playing until a leader exists").
    pub fn words(&self) -> String {
        match self {
            Condition::Leader(None) => "a leader exists".into(),
            Condition::Leader(Some(id)) => format!("n{id} is the leader"),
            Condition::Term(term) => format!("a leader in term {term} or later"),
            Condition::Commit(index) => format!("the leader's commit index reaches {index}"),
            Condition::Monitor => "a safety monitor fires".into(),
            Condition::Time(ms) => format!("{ms} ms pass"),
            Condition::Answered => "every client request has its answer".into(),
            Condition::Idle => "the cluster is idle".into(),
        }
    }
}

/// No client operation is pending (a watch counts once it first answered).
fn all_answered(sim: &Sim) -> bool {
    sim.ops().values().all(|op| op.state != OpState::Pending)
}

fn is_idle(sim: &Sim) -> bool {
    let Some(leader) = leader_raft(sim) else {
        return false;
    };
    let last = leader.log().last_index();
    let members = leader.tracker().config.member_ids();
    all_answered(sim)
        && sim
            .nodes()
            .values()
            .filter(|node| members.contains(&node.id))
            .all(|node| match node.raft() {
                None => true,
                Some(raw) => {
                    let log = raw.raft().log();
                    node.paused
                        || (log.last_index() == last
                            && log.committed == last
                            && node.app.applied() == last)
                }
            })
}
