//! Fault shapes for the teaching-switch hunt: short, jittered schedules in the form of the
//! classic counterexamples, with random roles.
//!
//! Why: independent random faults rarely line up the way some bugs need. The harm of counting
//! old-term replicas needs the paper's Figure 8 (three elections with crashes in between); the
//! harm of a forgotten vote needs a node to crash between two campaigns of the same term; the
//! harm of overlapping membership changes needs a node that holds two changes but has not
//! learned that they committed. Each shape sets up one of these from a fresh cluster in the
//! first seconds of a run; its timings are drawn around the simulator's default latencies
//! (links 10-30 ms, disks 1-3 ms) so that some seeds hit the narrow window and others miss.
//! The roles are a random permutation of the nodes; the random faults follow the shape.

use crate::raft::types::NodeId;
use crate::sim::action::{Action, MembershipChange, TimedAction};
use crate::sim::config::SimConfig;
use crate::sim::queue::TimeMs;
use crate::sim::rng::Stream;

/// A planned shape: the actions and when the random faults may start.
pub struct Shape {
    /// Its actions.
    pub actions: Vec<TimedAction>,
    /// The end of the shape: random faults are planned after it.
    pub end_ms: TimeMs,
}

/// Maybe draws a shape for this hunting seed (about two seeds in three), adjusting `config` to
/// what it needs: no pre-vote and no check-quorum (so a fired timer starts a real election),
/// one entry per append, and the cluster size it is written for.
pub fn draw(seed: u64, config: &mut SimConfig) -> Option<Shape> {
    let mut rng = Stream::new(seed, 101);
    let which = rng.below(3);
    if rng.chance_ppm(333_333) {
        return None;
    }
    config.pre_vote = false;
    config.check_quorum = false;
    config.msg_entries_max = 1;
    config.link = crate::sim::network::LinkConfig::default().into();
    let shape = match which {
        0 => {
            config.voters = config.voters.max(3);
            vote_split(&mut rng, config.voters)
        }
        1 => {
            config.voters = 3;
            figure8(&mut rng)
        }
        _ => {
            config.voters = 3;
            config.spares = 2;
            overlapping_changes(&mut rng)
        }
    };
    Some(shape)
}

/// A random permutation of `1..=n`.
fn roles(rng: &mut Stream, n: u64) -> Vec<NodeId> {
    let mut nodes: Vec<NodeId> = (1..=n).map(NodeId).collect();
    for i in (1..nodes.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        nodes.swap(i, j);
    }
    nodes
}

/// An action `at_ms` milliseconds into the run (shapes are written in plain numbers).
fn at(at_ms: u64, action: Action) -> TimedAction {
    TimedAction {
        at_ms: TimeMs(at_ms),
        action,
    }
}

fn cut(from: NodeId, to: NodeId) -> Action {
    Action::SetLinkUp {
        from,
        to,
        up: false,
    }
}

fn restore(from: NodeId, to: NodeId) -> Action {
    Action::SetLinkUp { from, to, up: true }
}

/// Two campaigns in one term with everyone else voting in between and bouncing: a and b cannot
/// hear each other; a campaigns; every other node votes for it, then crashes before a's first
/// append arrives and restarts; b campaigns in the same term. A node that forgot its vote votes
/// again.
fn vote_split(rng: &mut Stream, voters: u64) -> Shape {
    let nodes = roles(rng, voters);
    let (a, b) = (nodes[0], nodes[1]);
    let mut actions = vec![
        at(0, cut(a, b)),
        at(0, cut(b, a)),
        at(0, Action::FireTimer { node: a }),
    ];
    let mut last = 0;
    for &x in &nodes[2..] {
        let crash = rng.between(30, 40);
        let back = crash + rng.between(1, 5);
        last = last.max(back);
        actions.push(at(crash, Action::Crash { node: x }));
        actions.push(at(back, Action::Restart { node: x }));
    }
    actions.push(at(last + rng.between(0, 3), Action::FireTimer { node: b }));
    actions.push(at(1_000, restore(a, b)));
    actions.push(at(1_000, restore(b, a)));
    Shape {
        actions,
        end_ms: TimeMs(1_000),
    }
}

/// The paper's Figure 8 on three nodes. a leads term 1 and appends e alone, then crashes; c
/// wins term 2 with b's vote but its entry at e's index reaches nobody; c crashes. a comes
/// back, wins term 3 and sends e to b: e is on a majority but of an old term. b crashes just
/// after acknowledging it (before a's own-term entry arrives) and a crashes. c comes back and
/// wins term 4 with b's vote (b's last term 1 is older than c's 2), so c overwrites e.
fn figure8(rng: &mut Stream) -> Shape {
    let nodes = roles(rng, 3);
    let (a, b, c) = (nodes[0], nodes[1], nodes[2]);
    let b_crash = rng.between(860, 960);
    let mut actions = vec![
        at(0, Action::FireTimer { node: a }),
        at(300, cut(a, b)),
        at(300, cut(a, c)),
        at(
            300,
            Action::Propose {
                node: a,
                data: "e".into(),
            },
        ),
        at(350, Action::Crash { node: a }),
        at(400, Action::FireTimer { node: c }),
        at(435, cut(c, b)),
        at(600, Action::Crash { node: c }),
        at(650, Action::Restart { node: a }),
        at(650, restore(a, b)),
        at(700, Action::FireTimer { node: a }),
        at(800, Action::FireTimer { node: a }),
        at(b_crash, Action::Crash { node: b }),
        at(b_crash, Action::Crash { node: a }),
        at(b_crash + 5, Action::Restart { node: b }),
        at(b_crash + 10, Action::Restart { node: c }),
        at(b_crash + 10, restore(c, b)),
        at(b_crash + 60, Action::FireTimer { node: c }),
        at(b_crash + 160, Action::FireTimer { node: c }),
    ];
    actions.push(at(b_crash + 1_000, Action::Restart { node: a }));
    actions.push(at(b_crash + 1_000, restore(a, c)));
    Shape {
        actions,
        end_ms: TimeMs(b_crash + 1_000),
    }
}

/// Two membership changes back to back (a leader that does not wait for the first): a leads
/// (1 2 3) and adds d and e while c is cut off from it. c holds both changes but crashes before
/// it learns that they committed, so it still counts (1 2 3); a and the new members count
/// (1 2 3 d e). A partition {b, c} | {a, d, e} and two campaigns in the same term: c wins with
/// {c, b}, d wins with {d, a, e}.
fn overlapping_changes(rng: &mut Stream) -> Shape {
    let nodes = roles(rng, 3);
    let (a, b, c) = (nodes[0], nodes[1], nodes[2]);
    let (d, e) = (NodeId(4), NodeId(5));
    let c_crash = rng.between(326, 346);
    let split = 900 + rng.between(0, 100);
    let actions = vec![
        at(0, Action::FireTimer { node: a }),
        at(
            300,
            Action::ChangeMembership {
                via: a,
                change: MembershipChange::AddVoter { node: d },
            },
        ),
        at(
            300,
            Action::ChangeMembership {
                via: a,
                change: MembershipChange::AddVoter { node: e },
            },
        ),
        at(c_crash, cut(a, c)),
        at(c_crash, Action::Crash { node: c }),
        at(c_crash + 2, Action::Restart { node: c }),
        at(
            split,
            Action::Partition {
                groups: vec![vec![b, c], vec![a, d, e]],
            },
        ),
        at(split + 1, Action::FireTimer { node: c }),
        at(split + 1, Action::FireTimer { node: d }),
        at(split + 1_000, Action::Heal),
    ];
    Shape {
        actions,
        end_ms: TimeMs(split + 1_000),
    }
}
