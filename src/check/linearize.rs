//! The Wing & Gong search with Lowe's memoisation, for one key's sub-history.
//!
//! Calls and returns are laid out as events in time order (a call before a return at the same
//! instant, since closed intervals that touch are concurrent) in a doubly linked list. The
//! search walks the list from its head:
//!
//! - at a *call*, it tries to linearize that operation next: if the model accepts its output
//!   from the current state and the resulting (linearized set, state) pair is new to the memo
//!   cache, it pushes the choice on a stack, lifts the call and its return out of the list and
//!   starts again from the head;
//! - at a *return*, some operation that has already returned is still not linearized, so the
//!   last choice was wrong: it pops the stack, puts the operation back, and tries the next call
//!   after it.
//!
//! The search succeeds when every completed operation is linearized and fails when it must
//! backtrack with an empty stack. Operations with an unknown outcome have no return event: they
//! can be linearized at any point after their call, and those never chosen are as good as
//! placed after everything else, where no one can observe them ("never took effect").
//!
//! Every loop iteration is one step; past `steps_max` the search gives up with
//! [`Outcome::BudgetExceeded`], at the same step on every machine.

use super::memo::Memo;
use super::model;
use super::partition::KeyOp;

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
}

const NIL: usize = usize::MAX;

/// One node of the event list. Node 0 is the head sentinel.
#[derive(Clone, Copy)]
struct Event {
    op: usize,
    /// For a call: the node of its return, or `NIL` for an unknown outcome. For a return: `NIL`.
    ret_node: usize,
    is_call: bool,
}

/// The event list with dancing-links removal: lifted nodes keep their own links, so undoing
/// removals in reverse order restores the list exactly.
struct Events {
    events: Vec<Event>,
    prev: Vec<usize>,
    next: Vec<usize>,
}

impl Events {
    fn new(ops: &[KeyOp]) -> Events {
        // (time, return after call, op) gives a total, deterministic order.
        let mut order: Vec<(u64, bool, usize)> = Vec::with_capacity(ops.len() * 2);
        for (index, op) in ops.iter().enumerate() {
            order.push((op.call, false, index));
            if let Some(ret) = op.ret {
                order.push((ret, true, index));
            }
        }
        order.sort_unstable();
        let sentinel = Event {
            op: NIL,
            ret_node: NIL,
            is_call: false,
        };
        let mut events = vec![sentinel; order.len() + 1];
        let mut ret_node_of_op = vec![NIL; ops.len()];
        for (position, &(_, is_return, op)) in order.iter().enumerate() {
            let node = position + 1;
            events[node] = Event {
                op,
                ret_node: NIL,
                is_call: !is_return,
            };
            if is_return {
                ret_node_of_op[op] = node;
            }
        }
        for event in events.iter_mut().skip(1) {
            if event.is_call {
                event.ret_node = ret_node_of_op[event.op];
            }
        }
        let count = events.len();
        let prev = (0..count).map(|node| node.wrapping_sub(1)).collect();
        let next = (0..count)
            .map(|node| if node + 1 < count { node + 1 } else { NIL })
            .collect();
        Events { events, prev, next }
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

/// A fixed-size set of operation indices.
struct Bitset {
    words: Vec<u64>,
}

impl Bitset {
    fn new(bits: usize) -> Bitset {
        Bitset {
            words: vec![0; bits.div_ceil(64)],
        }
    }

    fn set(&mut self, bit: usize) {
        self.words[bit / 64] |= 1 << (bit % 64);
    }

    fn clear(&mut self, bit: usize) {
        self.words[bit / 64] &= !(1 << (bit % 64));
    }
}

fn state_word(state: Option<u32>) -> u64 {
    state.map_or(0, |id| u64::from(id) + 1)
}

/// Searches for a linearization of `ops` (one key, holding `initial` at the start: `None` is
/// absent, as in a fresh store) within `steps_max` steps. With `track_longest`, also records
/// the longest linearized sequence (costly on long histories: use it on small ones, such as a
/// shrunk failing set).
pub fn search(ops: &[KeyOp], initial: Option<u32>, steps_max: u64, track_longest: bool) -> Search {
    let mut events = Events::new(ops);
    let mut linearized = Bitset::new(ops.len());
    let mut memo = Memo::with_capacity(ops.len());
    // Each entry: the call node chosen and the state before it.
    let mut stack: Vec<(usize, Option<u32>)> = Vec::new();
    let mut longest: Vec<(usize, Option<u32>)> = Vec::new();
    let mut state: Option<u32> = initial;
    let mut completed_left = ops.iter().filter(|op| op.is_completed()).count();
    let mut steps: u64 = 0;
    let mut node = events.next[0];

    let finish = |outcome, steps, longest| Search {
        outcome,
        steps,
        longest,
    };
    if completed_left == 0 {
        return finish(Outcome::Linearizable, steps, longest);
    }
    loop {
        if steps >= steps_max {
            return finish(Outcome::BudgetExceeded, steps, longest);
        }
        steps += 1;
        let event = if node == NIL {
            None
        } else {
            Some(events.events[node])
        };
        match event {
            Some(event) if event.is_call => {
                let op = &ops[event.op];
                if let Some(next_state) = model::step(&state, &op.input, op.output.as_ref()) {
                    linearized.set(event.op);
                    if memo.insert(&linearized.words, state_word(next_state)) {
                        stack.push((node, state));
                        state = next_state;
                        events.lift(node);
                        if op.is_completed() {
                            completed_left -= 1;
                        }
                        if track_longest && stack.len() > longest.len() {
                            longest = linearization(&events, &stack, state);
                        }
                        if completed_left == 0 {
                            return finish(Outcome::Linearizable, steps, longest);
                        }
                        node = events.next[0];
                        continue;
                    }
                    linearized.clear(event.op);
                }
                node = events.next[node];
            }
            // A return of an operation not yet linearized (or, defensively, the end of the
            // list, which cannot be reached while a completed operation is left): backtrack.
            _ => {
                let Some((call_node, previous_state)) = stack.pop() else {
                    return finish(Outcome::NotLinearizable, steps, longest);
                };
                let op = events.events[call_node].op;
                linearized.clear(op);
                state = previous_state;
                events.unlift(call_node);
                if ops[op].is_completed() {
                    completed_left += 1;
                }
                node = events.next[call_node];
            }
        }
    }
}

/// The stack as a sequence of (operation, state after it).
fn linearization(
    events: &Events,
    stack: &[(usize, Option<u32>)],
    state: Option<u32>,
) -> Vec<(usize, Option<u32>)> {
    let mut sequence = Vec::with_capacity(stack.len());
    for (position, &(call_node, _)) in stack.iter().enumerate() {
        let after = stack.get(position + 1).map_or(state, |&(_, before)| before);
        sequence.push((events.events[call_node].op, after));
    }
    sequence
}
