//! The Wing & Gong search with Lowe's memoisation, for one key's sub-history.
//!
//! Calls and returns are laid out as events in time order (a call before a return at the same
//! instant, since closed intervals that touch are concurrent) in a doubly linked list. The
//! search walks the list from its head:
//!
//! - at a *call*, it tries to linearize that operation next: if the model accepts its output
//!   from the current state and the resulting configuration (linearized set, state) is new to
//!   the memo cache, it pushes the choice on a stack, lifts the call and its return out of the
//!   list and starts again from the head;
//! - at a *return*, some operation that has already returned is still not linearized, so the
//!   last choice was wrong: it pops the stack, puts the operation back, and tries the next call
//!   after it.
//!
//! The search succeeds when every completed operation is linearized and fails when it must
//! backtrack with an empty stack. Operations with an unknown outcome have no return event: they
//! can be linearized at any point after their call, and those never chosen are as good as
//! placed after everything else, where no one can observe them ("never took effect").
//!
//! Four refinements keep busy keys and timed-out writes cheap, without changing the answer
//! (the differential test against a brute-force checker guards that):
//!
//! - values nobody reads or compares against are collapsed into one before the search (see
//!   [`unobserved`]), and of several unknown-outcome calls with the same input, only the
//!   earliest not yet linearized is tried (see `Events::waits_for_twin`): together they stop
//!   timed-out writes of unread values from doubling the search each;
//! - the calls before the first return (the *frontier*) are scanned in phases: first the
//!   state-preserving reads that fit, taken for good; then all completed calls; then the
//!   unknown-outcome ones (see `Phase`);
//! - unknown-outcome calls sit in a list of their own, so scans of the completed ones do not
//!   walk past them (they never return, and would pile up at the front);
//! - the memo treats a configuration as explored when one with the same completed set and
//!   state, and fewer unknown-outcome operations taken, was explored (see [`Memo`]).
//!
//! Every loop iteration is one step (and, when the longest linearization is tracked, every
//! operation copied into it); past `steps_max` the search gives up with
//! [`Outcome::BudgetExceeded`], at the same step on every machine.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;

use super::memo::{FxHasher, Memo};
use super::model::{self, Input, Output};
use super::partition::KeyOp;
use super::unobserved;

/// How a search ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// A linearization exists.
    Linearizable,
    /// The whole search space was explored without finding one.
    NotLinearizable,
    /// The step budget ran out first.
    BudgetExceeded,
}

/// The result of one search.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Search {
    /// How it ended.
    pub outcome: Outcome,
    /// Steps taken.
    pub steps: u64,
    /// When asked for: the longest sequence of operations (indices into the searched slice)
    /// that the search managed to linearize, with the state after each. For a linearizable
    /// history, this is a full linearization of the completed operations.
    pub longest: Vec<(usize, Option<u32>)>,
    /// Where the deepest configuration got stuck: the time of the first return it could not
    /// get past (`u64::MAX` if it ran out of operations instead). A hint for the shrinker.
    pub stuck_at: Option<u64>,
}

const NIL: usize = usize::MAX;

/// Head sentinel of the list of completed operations' calls and returns.
const MAIN: usize = 0;
/// Head sentinel of the list of unknown-outcome operations' calls (they have no return).
const PENDING: usize = 1;

/// One node of an event list.
#[derive(Clone, Copy)]
struct Event {
    op: usize,
    /// For a call: the node of its return, or `NIL` for an unknown outcome. For a return: `NIL`.
    ret_node: usize,
    is_call: bool,
    time: u64,
}

/// Two event lists with dancing-links removal: lifted nodes keep their own links, so undoing
/// removals in reverse order restores the lists exactly.
///
/// Completed operations live in the main list, in time order. Unknown-outcome calls live in a
/// list of their own: they never return, so in one list they would pile up at the front and
/// every scan would walk past all of them. Unknown-outcome gets are left out altogether: they
/// change nothing and their answer is unconstrained, so placing them never helps.
struct Events {
    events: Vec<Event>,
    prev: Vec<usize>,
    next: Vec<usize>,
    /// For an unknown-outcome call: the node of the one before it in the list with the same
    /// input (its *twin*), or `NIL`. See [`Events::waits_for_twin`].
    twin_before: Vec<usize>,
}

impl Events {
    fn new(ops: &[KeyOp]) -> Events {
        // (time, return after call, op) gives a total, deterministic order in each list.
        let mut main: Vec<(u64, bool, usize)> = Vec::with_capacity(ops.len() * 2);
        let mut pending: Vec<(u64, bool, usize)> = Vec::new();
        for (index, op) in ops.iter().enumerate() {
            match op.ret {
                Some(ret) => {
                    main.push((op.call, false, index));
                    main.push((ret, true, index));
                }
                None if matches!(op.input, Input::Get) => {}
                None => pending.push((op.call, false, index)),
            }
        }
        main.sort_unstable();
        pending.sort_unstable();
        let sentinel = Event {
            op: NIL,
            ret_node: NIL,
            is_call: false,
            time: 0,
        };
        let count = 2 + main.len() + pending.len();
        let mut events = vec![sentinel; count];
        let mut prev = vec![NIL; count];
        let mut next = vec![NIL; count];
        let mut ret_node_of_op = vec![NIL; ops.len()];
        let mut node = 2;
        for (head, order) in [(MAIN, &main), (PENDING, &pending)] {
            let mut last = head;
            for &(time, is_return, op) in order {
                events[node] = Event {
                    op,
                    ret_node: NIL,
                    is_call: !is_return,
                    time,
                };
                if is_return {
                    ret_node_of_op[op] = node;
                }
                prev[node] = last;
                next[last] = node;
                last = node;
                node += 1;
            }
        }
        for event in events.iter_mut().skip(2) {
            if event.is_call {
                event.ret_node = ret_node_of_op[event.op];
            }
        }
        let twin_before = twins(ops, &events, &next);
        Events {
            events,
            prev,
            next,
            twin_before,
        }
    }

    /// Whether the unknown-outcome call at `node` is to be skipped because a twin of it (an
    /// unknown-outcome operation with the same input) comes earlier in the list and is not
    /// linearized yet.
    ///
    /// Two unknown-outcome operations with the same input are interchangeable once both are
    /// called: neither has a return to meet or an answer to match, so swapping them maps every
    /// way of finishing a linearization after taking one onto a way after taking the other.
    /// The earlier twin is a candidate wherever the later one is (the list is in call order)
    /// and is tried first in the same scan, so trying the later one as well can only repeat
    /// the search under another name. Without this, timed-out writes of one collapsed value
    /// (see [`unobserved`]) would be tried in every subset, doubling the work with each.
    ///
    /// Only the nearest earlier twin needs looking at: since a twin is taken only when the one
    /// before it is, the taken twins of each input are always a prefix of its twins.
    fn waits_for_twin(&self, node: usize, linearized: &Linearized) -> bool {
        let twin = self.twin_before[node];
        twin != NIL && !linearized.is_taken(self.events[twin].op)
    }

    fn remove(&mut self, node: usize) {
        let (prev, next) = (self.prev[node], self.next[node]);
        self.next[prev] = next;
        if next != NIL {
            self.prev[next] = prev;
        }
    }

    fn restore(&mut self, node: usize) {
        let (prev, next) = (self.prev[node], self.next[node]);
        self.next[prev] = node;
        if next != NIL {
            self.prev[next] = node;
        }
    }

    /// Takes a call and its return (if any) out of the list.
    fn lift(&mut self, call_node: usize) {
        self.remove(call_node);
        let ret_node = self.events[call_node].ret_node;
        if ret_node != NIL {
            self.remove(ret_node);
        }
    }

    /// Undoes [`Events::lift`]; must be called in reverse order of lifts.
    fn unlift(&mut self, call_node: usize) {
        let ret_node = self.events[call_node].ret_node;
        if ret_node != NIL {
            self.restore(ret_node);
        }
        self.restore(call_node);
    }
}

/// For each node of the unknown-outcome list, the node of its nearest earlier twin (same input)
/// or `NIL`; `NIL` for every other node.
fn twins(ops: &[KeyOp], events: &[Event], next: &[usize]) -> Vec<usize> {
    // Only looked up, never iterated: no hash order reaches the search.
    let mut last_with_input: HashMap<&Input<u32>, usize, BuildHasherDefault<FxHasher>> =
        HashMap::default();
    let mut twin_before = vec![NIL; events.len()];
    let mut node = next[PENDING];
    while node != NIL {
        let input = &ops[events[node].op].input;
        if let Some(twin) = last_with_input.insert(input, node) {
            twin_before[node] = twin;
        }
        node = next[node];
    }
    twin_before
}

/// The linearized operations: completed ones in a bitset with a Zobrist hash kept up to date
/// as bits flip (so the memo never rehashes a long bitset), unknown-outcome ones in a small
/// bitset of their own (see [`Memo`] on dominance).
///
/// Completed operations take bits in order of their return. Every operation that returned
/// before the frontier is linearized, so the bitset is a run of full words, a few mixed words
/// around the frontier, then zeros; the memo stores only the run's length and the mixed words
/// ([`Linearized::key`]), which keeps a configuration of a 10,000-operation key in a few
/// words instead of 157.
struct Linearized {
    completed: Vec<u64>,
    /// How many leading words of `completed` are all ones.
    full_words: usize,
    /// One past the last non-zero word of `completed` (0 if none).
    end_words: usize,
    hash: u64,
    keys: Vec<u64>,
    pending: Vec<u64>,
    /// For each operation: its bit, in `completed` or (for an unknown outcome) in `pending`.
    bit_of_op: Vec<Bit>,
    compact: Vec<u64>,
}

#[derive(Clone, Copy)]
enum Bit {
    Completed(usize),
    Pending(usize),
}

impl Linearized {
    fn new(ops: &[KeyOp]) -> Linearized {
        let mut by_return: Vec<(u64, usize)> = ops
            .iter()
            .enumerate()
            .filter_map(|(index, op)| op.ret.map(|ret| (ret, index)))
            .collect();
        by_return.sort_unstable();
        let mut bit_of_op = vec![Bit::Pending(0); ops.len()];
        for (rank, &(_, index)) in by_return.iter().enumerate() {
            bit_of_op[index] = Bit::Completed(rank);
        }
        let mut pending_count: usize = 0;
        for (index, op) in ops.iter().enumerate() {
            if !op.is_completed() {
                bit_of_op[index] = Bit::Pending(pending_count);
                pending_count += 1;
            }
        }
        Linearized {
            completed: vec![0; by_return.len().div_ceil(64)],
            full_words: 0,
            end_words: 0,
            hash: 0,
            keys: (0..ops.len() as u64).map(splitmix64).collect(),
            pending: vec![0; pending_count.div_ceil(64)],
            bit_of_op,
            compact: Vec::new(),
        }
    }

    /// Whether an operation is linearized.
    fn is_taken(&self, op: usize) -> bool {
        match self.bit_of_op[op] {
            Bit::Pending(bit) => self.pending[bit / 64] & (1 << (bit % 64)) != 0,
            Bit::Completed(bit) => self.completed[bit / 64] & (1 << (bit % 64)) != 0,
        }
    }

    fn flip(&mut self, op: usize) {
        match self.bit_of_op[op] {
            Bit::Pending(bit) => self.pending[bit / 64] ^= 1 << (bit % 64),
            Bit::Completed(bit) => {
                let (word, mask) = (bit / 64, 1u64 << (bit % 64));
                self.completed[word] ^= mask;
                self.hash ^= self.keys[op];
                if self.completed[word] & mask != 0 {
                    self.end_words = self.end_words.max(word + 1);
                    while self.completed.get(self.full_words) == Some(&u64::MAX) {
                        self.full_words += 1;
                    }
                } else {
                    self.full_words = self.full_words.min(word);
                    while self.end_words > 0 && self.completed[self.end_words - 1] == 0 {
                        self.end_words -= 1;
                    }
                }
            }
        }
    }

    /// The memo key parts: the completed set in canonical compact form (the number of
    /// leading full words, then the words after them up to the last non-zero one), and the
    /// unknown-outcome set.
    fn key(&mut self) -> (&[u64], &[u64]) {
        self.compact.clear();
        self.compact.push(self.full_words as u64);
        let end = self.end_words.max(self.full_words);
        self.compact
            .extend_from_slice(&self.completed[self.full_words..end]);
        (&self.compact, &self.pending)
    }
}

/// SplitMix64's output function: a fixed, well-mixed 64-bit value per input.
fn splitmix64(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Which calls the scan of the current frontier considers, in this order:
///
/// 1. `Reads`: completed operations that leave the register unchanged (a get, a failed cas, a
///    delete of nothing). If one fits the current state it is taken *for good*: any
///    linearization from here can be rearranged to start with it (it is a candidate, so
///    nothing must precede it, and moving a state-preserving operation earlier changes no other
///    answer). If the search fails below it, this frontier fails too, with no alternatives to
///    try. This partial-order reduction removes most of the search on busy keys.
/// 2. `Completed`: every completed operation, in time order.
/// 3. `Pending`: the unknown-outcome operations, only after the completed ones lead nowhere, so
///    the search does not wander through the ways of placing timed-out writes nobody needs.
///
/// Phases 2 and 3 together try every candidate once, as Wing & Gong's search does.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    Reads,
    Completed,
    Pending,
}

/// Whether `op`, wherever it fits, leaves the register as it found it.
fn preserves_state(op: &KeyOp) -> bool {
    matches!(
        (&op.input, &op.output),
        (Input::Get, _)
            | (Input::Delete, Some(Output::Delete { deleted: 0 }))
            | (Input::Cas { .. }, Some(Output::Cas { succeeded: false }))
    )
}

/// One choice on the search stack.
struct Frame {
    /// The call node of the operation linearized.
    call_node: usize,
    /// The state before it.
    state_before: Option<u32>,
    /// The phase it was chosen in; a `Reads` choice is final (see `Phase`).
    phase: Phase,
    /// In the `Pending` phase: the time of the frontier's first return.
    frontier_time: u64,
}

fn state_word(state: Option<u32>) -> u64 {
    state.map_or(0, |id| u64::from(id) + 1)
}

/// Searches for a linearization of `ops` (one key, holding `initial` at the start: `None` is
/// absent, as in a fresh store) within `steps_max` steps. With `track_longest`, also records
/// the longest linearized sequence (costly on long histories: use it on small ones, such as a
/// shrunk failing set).
///
/// The search runs on the operations with their unobserved values collapsed (see
/// [`unobserved`](super::unobserved)), which answers alike; the states it reports are those
/// of the original operations.
pub fn search(ops: &[KeyOp], initial: Option<u32>, steps_max: u64, track_longest: bool) -> Search {
    let collapsed = unobserved::collapse(ops, initial);
    let mut result = explore(&collapsed.ops, collapsed.initial, steps_max, track_longest);
    if track_longest {
        result.longest = unobserved::concrete_states(ops, initial, &result.longest);
    }
    result
}

/// [`search`] proper, on operations whose unobserved values are already collapsed.
fn explore(ops: &[KeyOp], initial: Option<u32>, steps_max: u64, track_longest: bool) -> Search {
    let mut events = Events::new(ops);
    let mut linearized = Linearized::new(ops);
    let mut memo = Memo::with_capacity(ops.len());
    let mut stack: Vec<Frame> = Vec::new();
    let mut longest: Vec<(usize, Option<u32>)> = Vec::new();
    let mut state: Option<u32> = initial;
    let mut completed_left = ops.iter().filter(|op| op.is_completed()).count();
    let mut steps: u64 = 0;
    let mut node = events.next[MAIN];
    let mut phase = Phase::Reads;
    // Unknown-outcome calls at or before this time are candidates (calls sort before returns
    // at the same instant). Meaningful in the `Pending` phase only.
    let mut frontier_time = u64::MAX;

    let mut deepest = 0;
    let mut stuck_at = None;
    let finish = |outcome, steps, longest, stuck_at| Search {
        outcome,
        steps,
        longest,
        stuck_at,
    };
    if completed_left == 0 {
        return finish(Outcome::Linearizable, steps, longest, stuck_at);
    }
    loop {
        if steps >= steps_max {
            return finish(Outcome::BudgetExceeded, steps, longest, stuck_at);
        }
        steps += 1;
        let event = match node {
            NIL => None,
            _ if phase == Phase::Pending && events.events[node].time > frontier_time => None,
            _ => Some(events.events[node]),
        };
        // Set when this frontier is known to fail: pop choices until one has alternatives.
        let mut backtrack = false;
        match event {
            Some(event) if event.is_call => {
                let op = &ops[event.op];
                let next_state =
                    if phase == Phase::Pending && events.waits_for_twin(node, &linearized) {
                        None
                    } else if phase != Phase::Reads || preserves_state(op) {
                        model::step(&state, &op.input, op.output.as_ref())
                    } else {
                        None
                    };
                if let Some(next_state) = next_state {
                    linearized.flip(event.op);
                    let hash = linearized.hash;
                    let (completed, pending) = linearized.key();
                    let new = memo.insert(completed, hash, state_word(next_state), pending);
                    if new {
                        stack.push(Frame {
                            call_node: node,
                            state_before: state,
                            phase,
                            frontier_time,
                        });
                        state = next_state;
                        events.lift(node);
                        if op.is_completed() {
                            completed_left -= 1;
                        }
                        if track_longest && stack.len() > longest.len() {
                            longest = linearization(&events, &stack, state);
                            // Copying is work too: charge it, so tracking stays bounded.
                            steps = steps.saturating_add(stack.len() as u64);
                        }
                        if completed_left == 0 {
                            return finish(Outcome::Linearizable, steps, longest, stuck_at);
                        }
                        node = events.next[MAIN];
                        phase = Phase::Reads;
                        continue;
                    }
                    linearized.flip(event.op);
                    // A read that fits but leads to an explored dead end dooms the frontier.
                    backtrack = phase == Phase::Reads;
                }
                node = events.next[node];
            }
            // The end of the frontier: a return of an operation not yet linearized (or,
            // defensively, the end of a list). Rescan in the next phase, or backtrack.
            _ => match phase {
                Phase::Reads => {
                    phase = Phase::Completed;
                    node = events.next[MAIN];
                }
                Phase::Completed => {
                    phase = Phase::Pending;
                    frontier_time = event.map_or(u64::MAX, |event| event.time);
                    node = events.next[PENDING];
                }
                Phase::Pending => {
                    if stack.len() > deepest || stuck_at.is_none() {
                        deepest = stack.len();
                        stuck_at = Some(frontier_time);
                    }
                    backtrack = true;
                }
            },
        }
        while backtrack {
            let Some(frame) = stack.pop() else {
                return finish(Outcome::NotLinearizable, steps, longest, stuck_at);
            };
            let op = events.events[frame.call_node].op;
            linearized.flip(op);
            state = frame.state_before;
            events.unlift(frame.call_node);
            if ops[op].is_completed() {
                completed_left += 1;
            }
            node = events.next[frame.call_node];
            phase = frame.phase;
            frontier_time = frame.frontier_time;
            backtrack = phase == Phase::Reads;
        }
    }
}

/// The stack as a sequence of (operation, state after it).
fn linearization(
    events: &Events,
    stack: &[Frame],
    state: Option<u32>,
) -> Vec<(usize, Option<u32>)> {
    let mut sequence = Vec::with_capacity(stack.len());
    for (position, frame) in stack.iter().enumerate() {
        let after = stack
            .get(position + 1)
            .map_or(state, |next| next.state_before);
        sequence.push((events.events[frame.call_node].op, after));
    }
    sequence
}

#[cfg(test)]
mod tests {
    use super::*;

    fn completed_op(call: u64, ret: u64) -> KeyOp {
        KeyOp {
            history_index: 0,
            call,
            ret: Some(ret),
            input: Input::Get,
            output: Some(Output::Get { value: None }),
        }
    }

    /// The compact key must always equal the one computed from scratch, whatever the order
    /// of flips: it is what the memo compares.
    #[test]
    fn compact_key_matches_a_recomputation_after_every_flip() {
        let ops: Vec<KeyOp> = (0..300)
            .map(|index| completed_op(index, index + 5))
            .collect();
        let mut linearized = Linearized::new(&ops);
        let mut state: u64 = 12345;
        for _ in 0..20_000 {
            // A small linear congruential generator keeps the test free of dependencies.
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            // Mostly flips near a moving frontier, like a search does, plus some anywhere.
            let op = if state >> 60 == 0 {
                (state >> 20) as usize % ops.len()
            } else {
                let frontier = linearized.full_words * 64;
                (frontier + (state >> 20) as usize % 80).min(ops.len() - 1)
            };
            linearized.flip(op);
            let words = linearized.completed.clone();
            let full = words.iter().take_while(|word| **word == u64::MAX).count();
            let end = words
                .iter()
                .rposition(|word| *word != 0)
                .map_or(0, |last| last + 1);
            let mut expected = vec![full as u64];
            expected.extend_from_slice(&words[full..end.max(full)]);
            let (key, _) = linearized.key();
            assert_eq!(key, expected.as_slice());
        }
    }
}
