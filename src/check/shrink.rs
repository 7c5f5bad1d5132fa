//! Shrinking a non-linearizable key history to a small failing set that still proves the
//! violation.
//!
//! A subset of a history can be non-linearizable while the whole is fine (drop the write a read
//! saw, and the read becomes impossible), so shrinking by blind deletion could "explain" a
//! violation with one it invented. Every removal here is *sound*: it is one that keeps any
//! linearizable history linearizable. Then, working backwards, the small set being
//! non-linearizable proves the original was too, and the page can show it as the reason.
//!
//! Sound removals used, each re-checked by a search within the budget:
//!
//! 1. A suffix cut at a moment: the operations called after it go, and those still running at
//!    the first of those calls lose their answers (they become unknown outcomes). In any
//!    linearization of the whole, every operation that returned before that call precedes
//!    every dropped one, so the linearization up to the first dropped operation serves the cut
//!    history. Non-linearizability is monotone in the cut, so a search finds the shortest
//!    failing prefix; it starts where the proving search got stuck. At a quiet moment nothing
//!    loses its answer; busy keys have no quiet moments, and this still isolates the part of
//!    the history a violation is in.
//! 2. An operation that leaves the register unchanged as observed: a get, a delete that deleted
//!    nothing, a cas that failed. Dropping it from a linearization changes no state.
//! 3. A write `w` (a put, a successful cas, a delete that deleted, or any of them with an
//!    unknown outcome) that nothing can tell apart from its absence. Dropping `w` changes the
//!    state only between `w` and the next write of a linearization (its *window*), so it is
//!    sound when no operation that can sit in the window reads or compares against the state `w` leaves (for a delete: "absent"), and
//!    none there has an answer that could flip if the register held the state from before `w`
//!    instead: a failed or unknown-outcome cas that might then match, a delete that deleted
//!    when the key might then be absent. Before a successful cas the state is exactly its
//!    `expect`, before a delete that deleted it is present, before a put it is unknown. An
//!    operation cannot sit in the window if it returned before `w` was called, or if a
//!    completed put lies wholly between `w` (once returned) and it in real time. For a readable failing set,
//!    a value that anyone in the set reads or compares against also keeps its writer, even
//!    outside the window.
//! 4. A prefix cut at a moment, when the rest fails from *every* initial state of the key
//!    (absent, each value it reads or compares against, and one it does not): the operations
//!    that returned before the moment go, and those still running then lose their answers.
//!    Whatever state the prefix left behind, the rest cannot follow it. From then on, every
//!    check demands that stronger property.
//!
//! Rules 2 and 3 are applied delta-debugging style (Zeller's ddmin): try to drop half of the
//! candidates at once, then quarters, down to single operations, so that a large history
//! shrinks in a few dozen searches instead of one per operation.

use super::linearize::{Outcome, search};
use super::model::{Input, Output};
use super::partition::KeyOp;

/// A shrunk failing set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shrunk {
    /// Indices into the key's operations, in call order; non-linearizable on their own.
    pub kept: Vec<usize>,
    /// The kept operations as the proof uses them (same order as `kept`): those running where
    /// a cut was made (rules 1 and 4) have their answers dropped (an unknown outcome).
    pub failing: Vec<KeyOp>,
    /// The kept operations (indices into the key's operations) whose answers were dropped.
    pub outcome_ignored: Vec<usize>,
    /// True when a prefix was cut (rule 4): then `kept` fails from every initial value, not
    /// only from an absent key.
    pub any_initial: bool,
    /// False when the budget ran out before no further removal was possible.
    pub complete: bool,
    /// Search steps spent.
    pub steps: u64,
}

/// A value id no history interns (ids count values, which are far fewer): it stands for "any
/// value the failing set never mentions", which no operation in it can tell apart.
const UNMENTIONED: u32 = super::unobserved::UNOBSERVED;

/// The initial states worth trying for `ops`: absent and every value they read or compare
/// against. Any other value (one only written, or not mentioned at all) is indistinguishable
/// from an unmentioned one, which the shrinker tries as one more state.
pub fn observable_states(ops: &[KeyOp]) -> Vec<Option<u32>> {
    let mut states = vec![None];
    for op in ops {
        if let Input::Cas {
            expect: Some(value),
            ..
        } = &op.input
        {
            states.push(Some(*value));
        }
        if let Some(Output::Get { value: Some(value) }) = &op.output {
            states.push(Some(*value));
        }
    }
    states.sort_unstable();
    states.dedup();
    states
}

struct Shrinker {
    /// The key's operations, with the cuts' dropped answers applied.
    ops: Vec<KeyOp>,
    /// Whether a check must fail from every initial state (after rule 4) or from absent.
    any_initial: bool,
    steps: u64,
    steps_max: u64,
    out_of_budget: bool,
}

impl Shrinker {
    /// Whether the subset is proven non-linearizable (from every initial state when
    /// `any_initial`). `false` also when unproven for lack of budget, which then stops the
    /// shrinking.
    fn violates(&mut self, subset: &[usize], any_initial: bool) -> bool {
        self.violates_cut(subset, any_initial, Cut::default())
    }

    /// [`Shrinker::violates`], with the answers that `cut` drops dropped.
    fn violates_cut(&mut self, subset: &[usize], any_initial: bool, cut: Cut) -> bool {
        if self.out_of_budget {
            return false;
        }
        let ops: Vec<KeyOp> = subset
            .iter()
            .map(|&index| cut.apply(&self.ops[index]))
            .collect();
        let initials = if any_initial {
            let mut states = observable_states(&ops);
            states.push(Some(UNMENTIONED));
            states
        } else {
            vec![None]
        };
        for initial in initials {
            let result = search(&ops, initial, self.steps_max - self.steps, false);
            self.steps += result.steps;
            match result.outcome {
                Outcome::NotLinearizable => {}
                Outcome::Linearizable => return false,
                Outcome::BudgetExceeded => {
                    self.out_of_budget = true;
                    return false;
                }
            }
        }
        true
    }

    fn still_fails(&mut self, subset: &[usize]) -> bool {
        self.violates(subset, self.any_initial)
    }

    /// Counts bookkeeping work (one step per operation looked at) against the budget, so that
    /// shrinking a huge key stays bounded too. Returns whether budget is left.
    fn charge(&mut self, work: usize) -> bool {
        if self.out_of_budget {
            return false;
        }
        self.steps = self.steps.saturating_add(work as u64);
        if self.steps > self.steps_max {
            self.out_of_budget = true;
        }
        !self.out_of_budget
    }

    /// [`removable`], charged to the budget (and `false` once it is spent).
    fn removable(&mut self, kept: &[usize], candidate: usize) -> bool {
        self.charge(kept.len()) && removable(&self.ops, kept, candidate)
    }

    /// Removes the `batch` members of `kept` one by one, skipping any whose removal is not
    /// sound in the set left by the ones before it. Returns the smaller set and what was
    /// dropped.
    fn sound_removal(&mut self, kept: &[usize], batch: &[usize]) -> (Vec<usize>, Vec<usize>) {
        let mut smaller = kept.to_vec();
        let mut dropped = Vec::new();
        // Latest first: a write's blockers come after it, so they get the first chance to go.
        for &candidate in batch.iter().rev() {
            if self.removable(&smaller, candidate) {
                smaller.retain(|&index| index != candidate);
                dropped.push(candidate);
            }
        }
        (smaller, dropped)
    }
}

/// Shrinks `ops` (a key history already proven non-linearizable from an absent key) within
/// `steps_max` search steps in total. `stuck_at`, where the search that proved it got stuck
/// (see [`Search::stuck_at`](super::linearize::Search::stuck_at)), tells rule 1 where to look
/// first.
pub fn shrink(ops: &[KeyOp], steps_max: u64, stuck_at: Option<u64>) -> Shrunk {
    let mut shrinker = Shrinker {
        ops: ops.to_vec(),
        any_initial: false,
        steps: 0,
        steps_max,
        out_of_budget: false,
    };
    // Unknown-outcome gets change nothing and may answer anything: with or without them, a
    // history is linearizable alike, so they go without a check.
    let mut kept: Vec<usize> = (0..ops.len())
        .filter(|&index| ops[index].is_completed() || !matches!(ops[index].input, Input::Get))
        .collect();
    kept.sort_by_key(|&index| (ops[index].call, index));
    let mut outcome_ignored = Vec::new();
    if let Some((length, dropped_from)) = earliest_failing_time_cut(&mut shrinker, &kept, stuck_at)
    {
        kept.truncate(length);
        let cut = Cut {
            returning_from: Some(dropped_from),
            ..Cut::default()
        };
        apply_cut(&mut shrinker, &kept, cut, &mut outcome_ignored);
    }
    // Rule 4 first when it applies (it is the cheapest large cut), then rules 2 and 3; after
    // those, quiet moments may have appeared, so rule 4 gets a second chance.
    for _ in 0..2 {
        if !shrinker.any_initial
            && let Some(moment) = latest_failing_suffix(&mut shrinker, &kept)
        {
            kept = from_moment(&shrinker.ops, &kept, moment);
            let cut = Cut {
                called_before: Some(moment),
                ..Cut::default()
            };
            apply_cut(&mut shrinker, &kept, cut, &mut outcome_ignored);
            shrinker.any_initial = true;
        }
        kept = drop_until_stable(&mut shrinker, kept);
    }
    outcome_ignored.retain(|index| kept.contains(index));
    Shrunk {
        failing: kept
            .iter()
            .map(|&index| shrinker.ops[index].clone())
            .collect(),
        kept,
        outcome_ignored,
        any_initial: shrinker.any_initial,
        complete: !shrinker.out_of_budget,
        steps: shrinker.steps,
    }
}

/// Applies rules 2 and 3 until a round removes nothing. Each other round removes at least
/// one operation, so this ends.
fn drop_until_stable(shrinker: &mut Shrinker, mut kept: Vec<usize>) -> Vec<usize> {
    loop {
        let before = kept.len();
        kept = drop_candidates(shrinker, kept);
        if kept.len() == before || shrinker.out_of_budget {
            return kept;
        }
    }
}

/// Drops, for good, the answers `cut` drops among `kept`, noting which were dropped.
fn apply_cut(shrinker: &mut Shrinker, kept: &[usize], cut: Cut, dropped: &mut Vec<usize>) {
    for &index in kept {
        if cut.drops(&shrinker.ops[index]) {
            shrinker.ops[index] = cut.apply(&shrinker.ops[index]);
            dropped.push(index);
        }
    }
}

/// `kept` without the operations that returned before `moment`. Those called before it and
/// still running then (or with unknown outcomes) stay; rule 4 drops their answers.
fn from_moment(ops: &[KeyOp], kept: &[usize], moment: u64) -> Vec<usize> {
    kept.iter()
        .copied()
        .filter(|&index| ops[index].ret.is_none_or(|ret| ret >= moment))
        .collect()
}

/// Rule 4: the latest moment (a call time in `kept`) from which the rest fails from every
/// initial state. Sound: in a linearization of the whole, every operation that returned
/// before the moment precedes every one called after it; take the state right after the last
/// of them as the initial state, and the rest of the linearization serves the cut history, the
/// operations running at the moment (now unknown outcomes) placed where they were or, if they
/// were before, never. Failing from every state is monotone in the moment (a later cut is a
/// cut of an earlier one), so galloping and binary search find the latest.
fn latest_failing_suffix(shrinker: &mut Shrinker, kept: &[usize]) -> Option<u64> {
    let mut moments: Vec<u64> = kept
        .iter()
        .skip(1)
        .map(|&index| shrinker.ops[index].call)
        .collect();
    moments.dedup();
    if let Some(&first) = kept.first() {
        let earliest = shrinker.ops[first].call;
        moments.retain(|&moment| moment > earliest);
    }
    let fails_from_anywhere = |shrinker: &mut Shrinker, position: usize| {
        let moment = moments[position];
        let suffix = from_moment(&shrinker.ops, kept, moment);
        let cut = Cut {
            called_before: Some(moment),
            ..Cut::default()
        };
        shrinker.violates_cut(&suffix, true, cut)
    };
    // Gallop from the end (short suffixes are cheap to check, and a violation is usually
    // near the end of what rule 1 kept), then binary search between the last two probes.
    // Invariant: moments[failing] is proven to fail from every state; moments[unproven..]
    // are not.
    let mut unproven = moments.len();
    let mut distance = 1;
    let failing = loop {
        if unproven == 0 || shrinker.out_of_budget {
            return None;
        }
        let probe = unproven.saturating_sub(distance);
        if fails_from_anywhere(shrinker, probe) {
            break probe;
        }
        unproven = probe;
        distance *= 2;
    };
    let (mut low, mut high) = (failing + 1, unproven);
    let mut latest = failing;
    while low < high && !shrinker.out_of_budget {
        let middle = low + (high - low) / 2;
        if fails_from_anywhere(shrinker, middle) {
            latest = middle;
            low = middle + 1;
        } else {
            high = middle;
        }
    }
    Some(moments[latest])
}

/// Rule 1: the shortest prefix of `kept` (in call order) that still fails once cut at a
/// moment. Every operation called after the cut is dropped, and
/// every kept one still running at the first dropped call loses its answer (it becomes an
/// unknown outcome). Sound: in a linearization of the whole, every operation that returned
/// before that call precedes every dropped one, so the linearization up to the first dropped
/// operation serves the cut history, with the running operations placed there or never.
/// Non-linearizability is monotone in the cut, so galloping and binary search find the
/// shortest. Returns the prefix length and the first dropped call's time.
fn earliest_failing_time_cut(
    shrinker: &mut Shrinker,
    kept: &[usize],
    stuck_at: Option<u64>,
) -> Option<(usize, u64)> {
    // Prefix lengths after which the next call is strictly later (ties cannot be split).
    let cuts: Vec<usize> = (1..kept.len())
        .filter(|&length| shrinker.ops[kept[length]].call > shrinker.ops[kept[length - 1]].call)
        .collect();
    let dropped_from = |shrinker: &Shrinker, length: usize| shrinker.ops[kept[length]].call;
    let fails = |shrinker: &mut Shrinker, position: usize| {
        let from = dropped_from(shrinker, cuts[position]);
        let cut = Cut {
            returning_from: Some(from),
            ..Cut::default()
        };
        shrinker.violates_cut(&kept[..cuts[position]], false, cut)
    };
    // Start at the first cut past where the proving search got stuck, which usually fails
    // already and is then taken as it is: refining it further down would cost a full proof
    // per probe, and rules 4, 2 and 3 shrink it far more cheaply. Otherwise gallop later, then
    // binary search between the last two probes.
    // Invariant: the cut at cuts[high] is proven to fail (high == cuts.len(): the whole).
    let start = stuck_at.map_or(0, |stuck| {
        cuts.partition_point(|&length| dropped_from(shrinker, length) <= stuck)
    });
    let (mut low, mut high) = (0, cuts.len());
    let mut distance = 1;
    let mut probe = start;
    while probe < high && !shrinker.out_of_budget {
        if fails(shrinker, probe) {
            high = probe;
            break;
        }
        low = probe + 1;
        probe = start + distance;
        distance *= 2;
    }
    if stuck_at.is_some() && high == start {
        low = high;
    }
    while low < high && !shrinker.out_of_budget {
        let middle = low + (high - low) / 2;
        if fails(shrinker, middle) {
            high = middle;
        } else {
            low = middle + 1;
        }
    }
    let length = *cuts.get(high)?;
    Some((length, dropped_from(shrinker, length)))
}

/// Which answers a cut of the history drops: those of operations returning at or after
/// `returning_from` (rule 1), and those of operations called before `called_before` and not
/// returned before it (rule 4). A dropped answer makes an unknown outcome.
#[derive(Clone, Copy, Debug, Default)]
struct Cut {
    returning_from: Option<u64>,
    called_before: Option<u64>,
}

impl Cut {
    fn drops(self, op: &KeyOp) -> bool {
        let Some(ret) = op.ret else {
            return false;
        };
        self.returning_from.is_some_and(|from| ret >= from)
            || self.called_before.is_some_and(|before| op.call < before)
    }

    /// `op`, without its answer if the cut drops it.
    fn apply(self, op: &KeyOp) -> KeyOp {
        let mut op = op.clone();
        if self.drops(&op) {
            op.ret = None;
            op.output = None;
        }
        op
    }
}

/// Rules 2 and 3 by ddmin: drop chunks of candidates while the rest still fails.
fn drop_candidates(shrinker: &mut Shrinker, mut kept: Vec<usize>) -> Vec<usize> {
    let mut candidates = Vec::new();
    for &candidate in &kept {
        if shrinker.out_of_budget {
            break;
        }
        if shrinker.removable(&kept, candidate) {
            candidates.push(candidate);
        }
    }
    let mut dropped_mask = vec![false; shrinker.ops.len()];
    let mut chunk = candidates.len().div_ceil(2).max(1);
    while !candidates.is_empty() && !shrinker.out_of_budget {
        let mut removed_any = false;
        let mut start = 0;
        while start < candidates.len() && !shrinker.out_of_budget {
            let end = (start + chunk).min(candidates.len());
            let (smaller, dropped) = shrinker.sound_removal(&kept, &candidates[start..end]);
            if !dropped.is_empty() && shrinker.still_fails(&smaller) {
                kept = smaller;
                for &index in &dropped {
                    dropped_mask[index] = true;
                }
                candidates.retain(|&candidate| !dropped_mask[candidate]);
                removed_any = true;
            } else {
                start = end;
            }
        }
        if !removed_any {
            if chunk == 1 {
                break;
            }
            chunk = chunk.div_ceil(2);
        }
    }
    kept
}

/// Rules 2 and 3: whether dropping `candidate` from `kept` (indices into `ops`) keeps
/// linearizable sets linearizable. Public so that tests can check that promise directly.
pub fn removable(ops: &[KeyOp], kept: &[usize], candidate: usize) -> bool {
    let op = &ops[candidate];
    let (observed_state, before) = match (&op.input, &op.output) {
        (Input::Get, _) => return true,
        (Input::Delete, Some(Output::Delete { deleted: 0 })) => return true,
        (Input::Cas { .. }, Some(Output::Cas { succeeded: false })) => return true,
        (Input::Put { value }, Some(_)) => (Some(*value), Before::Unknown),
        (Input::Cas { expect, value }, Some(Output::Cas { succeeded: true })) => {
            (Some(*value), Before::Exactly(*expect))
        }
        (Input::Delete, Some(Output::Delete { .. })) => (None, Before::Present),
        // An unknown outcome may have taken effect anywhere after its call (as a successful
        // write, for a cas; as either kind of delete), or never, which removal covers.
        (Input::Put { value }, None) => (Some(*value), Before::Unknown),
        (Input::Cas { expect, value }, None) => (Some(*value), Before::Exactly(*expect)),
        (Input::Delete, None) => (None, Before::Unknown),
        _ => return false,
    };
    // The earliest return of a completed put called after `candidate` returned: anything
    // called after it comes after that put in every linearization, outside the window. An
    // unknown outcome never returns, so nothing shields its window.
    let separator = op.ret.and_then(|ret| {
        kept.iter()
            .map(|&index| &ops[index])
            .filter(|other| matches!(other.input, Input::Put { .. }) && other.call > ret)
            .filter_map(|other| other.ret)
            .min()
    });
    let others = || {
        kept.iter()
            .filter(move |&&index| index != candidate)
            .map(|&index| &ops[index])
    };
    // Observers anywhere keep `w`, even those a separator shields (where dropping `w` would
    // still be sound): a failing set whose read shows a value nobody in the set wrote proves
    // the violation but explains it badly.
    // Absence needs no writer, so only observers in the window keep a delete.
    let in_window = |other: &&KeyOp| {
        other.ret.is_none_or(|other_ret| other_ret >= op.call)
            && separator.is_none_or(|separator| other.call <= separator)
    };
    let observed = match observed_state {
        Some(_) => others().any(|other| observes(other, observed_state)),
        None => others()
            .filter(in_window)
            .any(|other| observes(other, observed_state)),
    };
    !observed
        && others()
            .filter(in_window)
            .all(|other| !may_flip(other, before))
}

/// What is known of the register just before a write: after a successful cas, exactly its
/// `expect`; after a delete that deleted, some value; after a put, nothing.
#[derive(Clone, Copy)]
enum Before {
    Unknown,
    Present,
    Exactly(Option<u32>),
}

impl Before {
    fn could_be(self, state: Option<u32>) -> bool {
        match self {
            Before::Unknown => true,
            Before::Present => state.is_some(),
            Before::Exactly(known) => known == state,
        }
    }
}

/// Whether `op`'s answer or effect could change if the write before it vanished and the
/// register held `before` instead: a failed or unknown-outcome cas that might now match, or a
/// delete that deleted when the key might now be absent. (Readers of the vanished write's own
/// state are handled by `observes`.)
fn may_flip(op: &KeyOp, before: Before) -> bool {
    match (&op.input, &op.output) {
        (Input::Cas { expect, .. }, Some(Output::Cas { succeeded: false }) | None) => {
            before.could_be(*expect)
        }
        (Input::Delete, Some(Output::Delete { deleted: 1 })) => before.could_be(None),
        _ => false,
    }
}

/// Whether `op` reads or compares against the register holding `value` (`None`: absent).
fn observes(op: &KeyOp, value: Option<u32>) -> bool {
    let read = matches!(&op.output, Some(Output::Get { value: seen }) if *seen == value);
    let compared = matches!(&op.input, Input::Cas { expect, .. } if *expect == value);
    let absence_seen = value.is_none() && matches!(&op.output, Some(Output::Delete { deleted: 0 }));
    read || compared || absence_seen
}
