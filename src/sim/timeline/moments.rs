//! Notable moments of a run (elections, commits, client answers, violations), indexed by the
//! timeline as the run first reaches them, so the page can jump to the next or previous one.
//!
//! The index is deterministic (it is built from the simulation's state and trace, step by
//! step), survives seeking (moments are recorded once, when the run first gets past them) and
//! is bounded: each kind keeps at most [`MOMENTS_PER_KIND_MAX`] moments; beyond that the older
//! ones are thinned (the newest [`MOMENTS_RECENT`] are never dropped), as checkpoints are.

use crate::raft::node::Role;
use crate::sim::cluster::Sim;
use crate::sim::queue::TimeMs;
use crate::sim::trace::TraceKind;
use chunk_list::ChunkList;
use gap_index::GapIndex;
use serde::Serialize;
use std::cmp::Reverse;

mod chunk_list;
mod gap_index;

/// At most this many moments of each kind are kept.
pub const MOMENTS_PER_KIND_MAX: usize = 2_048;
/// The newest this many moments of each kind are never thinned.
pub const MOMENTS_RECENT: usize = 512;

/// What kind of moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MomentKind {
    /// A node became leader, or a new term began.
    Election,
    /// The cluster's highest commit index advanced.
    Commit,
    /// A client got an answer.
    Answer,
    /// A safety monitor fired.
    Violation,
}

impl MomentKind {
    /// Every kind, in index order.
    pub const ALL: [MomentKind; 4] = [
        MomentKind::Election,
        MomentKind::Commit,
        MomentKind::Answer,
        MomentKind::Violation,
    ];

    /// The kind's name (`election`, `commit`, `answer`, `violation`).
    pub fn name(self) -> &'static str {
        match self {
            MomentKind::Election => "election",
            MomentKind::Commit => "commit",
            MomentKind::Answer => "answer",
            MomentKind::Violation => "violation",
        }
    }

    /// The kind named `name`.
    pub fn parse(name: &str) -> Option<MomentKind> {
        MomentKind::ALL.into_iter().find(|k| k.name() == name)
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// One notable moment: the state right after event `step` shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Moment {
    /// Simulator steps completed at the moment.
    pub step: u64,
    /// Virtual time of the moment.
    pub ms: TimeMs,
    /// Its kind.
    pub kind: MomentKind,
    /// A short description ("n3 leads term 4", "commit index 17", ...).
    pub text: String,
}

/// What the index compares before and after a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Glance {
    max_term: u64,
    leader: Option<(u64, u64)>,
    max_commit: u64,
    trace_id: u64,
    /// [`crate::sim::trace::Trace::notes_pushed`]: a client's answer is a note.
    notes: u64,
    violated: bool,
}

impl Glance {
    /// The few numbers of `sim` the index watches, in one pass over the nodes: the leader is
    /// [`Sim::leader`]'s choice (the highest term, then the lowest id), found in the same loop
    /// rather than in a second walk of the node map and a lookup (a walk of the map is most of
    /// a glance's cost in wasm, and the timeline takes a glance at every step).
    pub(super) fn of(sim: &Sim) -> Glance {
        let mut max_term = 0;
        let mut max_commit = 0;
        let mut leader: Option<(u64, u64)> = None;
        for node in sim.nodes().values() {
            if let Some(raft) = node.raft() {
                let raft = raft.raft();
                let term = raft.term().0;
                max_term = max_term.max(term);
                max_commit = max_commit.max(raft.log().committed.0);
                let id = node.id.0;
                if raft.role() == Role::Leader
                    && leader.is_none_or(|(best, best_term)| {
                        (term, Reverse(id)) > (best_term, Reverse(best))
                    })
                {
                    leader = Some((id, term));
                }
            }
        }
        Glance {
            max_term,
            leader,
            max_commit,
            trace_id: sim.trace().next_id(),
            notes: sim.trace().notes_pushed(),
            violated: sim.violation().is_some(),
        }
    }

    /// Whether this glance, taken after some step, still describes `sim`: the same step
    /// count and no trace event since (every user action writes one). The timeline reuses the
    /// glance taken after one step as the "before" of the next instead of taking it twice.
    pub(super) fn still_fits(&self, steps_then: u64, sim: &Sim) -> bool {
        steps_then == sim.steps() && self.trace_id == sim.trace().next_id()
    }
}

/// The index: one list per kind, each in step order.
///
/// The lists are kept in chunks ([`ChunkList`]): once a kind is full, every push drops one
/// moment from the middle of its older part, and one `Vec` moved the whole tail behind it.
#[derive(Clone, Debug, Default)]
pub struct Moments {
    lists: [ChunkList<Moment>; 4],
    /// Per list, which moment the thinning drops next ([`GapIndex`]).
    gaps: [GapIndex; 4],
}

impl Moments {
    /// Records what changed between `before` and the state of `sim` now (one step later).
    /// Returns the glance after the step.
    pub(super) fn observe(&mut self, before: &Glance, sim: &Sim) -> Glance {
        let after = Glance::of(sim);
        let (step, ms) = (sim.steps(), sim.now_ms());
        if after.leader != before.leader
            && let Some((id, term)) = after.leader
        {
            self.push(
                step,
                ms,
                MomentKind::Election,
                format!("n{id} leads term {term}"),
            );
        } else if after.max_term > before.max_term {
            self.push(
                step,
                ms,
                MomentKind::Election,
                format!("term {} begins", after.max_term),
            );
        }
        if after.max_commit > before.max_commit {
            self.push(
                step,
                ms,
                MomentKind::Commit,
                format!("commit index {}", after.max_commit),
            );
        }
        if after.notes > before.notes && sim.trace().is_recording() {
            for event in sim.trace().events_from(before.trace_id) {
                if let TraceKind::Note { text, .. } = &event.kind
                    && text.starts_with("client c")
                    && text.contains(" answered")
                {
                    let short = text.strip_prefix("client ").unwrap_or(text);
                    // The first 60 characters, cut at a character boundary in place
                    // rather than collected one by one.
                    let end = short
                        .char_indices()
                        .nth(60)
                        .map_or(short.len(), |(at, _)| at);
                    self.push(step, ms, MomentKind::Answer, short[..end].to_string());
                    break;
                }
            }
        }
        if after.violated && !before.violated {
            let text = sim
                .violation()
                .map(|v| v.invariant.to_string())
                .unwrap_or_default();
            self.push(step, ms, MomentKind::Violation, text);
        }
        after
    }

    fn push(&mut self, step: u64, ms: TimeMs, kind: MomentKind, text: String) {
        let list = &mut self.lists[kind.index()];
        list.push(Moment {
            step,
            ms,
            kind,
            text,
        });
        self.gaps[kind.index()]
            .push_and_thin(list, MOMENTS_PER_KIND_MAX, MOMENTS_RECENT, |m| m.step);
    }

    /// The moments of `kind`, in step order (a copy: the page asks for the list only when it
    /// shows it).
    pub fn of_kind(&self, kind: MomentKind) -> Vec<Moment> {
        self.lists[kind.index()].iter().cloned().collect()
    }

    /// The first moment of `kind` after step `from_step`.
    pub fn next(&self, kind: MomentKind, from_step: u64) -> Option<&Moment> {
        let list = &self.lists[kind.index()];
        list.get(list.partition_point(|m| m.step <= from_step))
    }

    /// The last moment of `kind` before step `from_step`.
    pub fn previous(&self, kind: MomentKind, from_step: u64) -> Option<&Moment> {
        let list = &self.lists[kind.index()];
        let before = list.partition_point(|m| m.step < from_step);
        list.get(before.checked_sub(1)?)
    }

    /// Removes and returns the moments after step `step` (a fork dropped that future).
    pub(super) fn split_off_after(&mut self, step: u64) -> Moments {
        let mut rest = Moments::default();
        for (list, out) in self.lists.iter_mut().zip(rest.lists.iter_mut()) {
            *out = list.split_off(list.partition_point(|m| m.step <= step));
        }
        self.gaps.iter_mut().for_each(GapIndex::invalidate);
        rest
    }

    /// Appends `later` (all after the moments held).
    pub(super) fn extend(&mut self, later: Moments) {
        for (list, more) in self.lists.iter_mut().zip(later.lists) {
            list.append(more);
        }
        self.gaps.iter_mut().for_each(GapIndex::invalidate);
    }

    /// How many moments are held, all kinds together.
    pub fn len(&self) -> usize {
        self.lists.iter().map(ChunkList::len).sum()
    }

    /// Whether no moment is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
