//! Randomized fault runs, swarm style (as FoundationDB's simulator and TigerBeetle's VOPR do).
//!
//! Each seed draws its own cluster size and its own mix of faults (some seeds only crash nodes,
//! some only partition, some do everything), then a schedule of timed actions. The run has two
//! phases: faults, then healing (every link restored, every node restarted and resumed), after
//! which the cluster must elect a leader, converge and accept a new write within a bounded time.
//! Any monitor firing, or a failure to converge, is reported with the seed and the script that
//! reproduces it: the planned actions are plain data.

use crate::raft::config::UnsafeSwitch;
use crate::raft::types::{Index, NodeId, Term};
use crate::sim::action::{Action, JointLeave, LinkConfigData, MembershipChange, TimedAction};
use crate::sim::cluster::Sim;
use crate::sim::config::{NODES_MAX, SimConfig};
use crate::sim::monitor::{Violation, explain, names};
use crate::sim::network::LinkConfig;
use crate::sim::queue::TimeMs;
use crate::sim::rng::Stream;
use std::collections::BTreeSet;

/// Share (parts per million) of check-quorum seeds that run lease reads.
const LEASE_READS_PPM: u32 = 400_000;
/// Share (parts per million) of seeds with low automatic snapshot and compaction thresholds.
const COMPACTION_PPM: u32 = 333_333;

mod shapes;

/// What a fuzz campaign runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FuzzOptions {
    /// Smallest cluster (voters).
    pub nodes_min: u64,
    /// Largest cluster (voters).
    pub nodes_max: u64,
    /// A teaching switch to turn on in every run.
    pub unsafe_switch: Option<UnsafeSwitch>,
    /// Length of the fault phase.
    pub fault_phase_ms: TimeMs,
    /// Time allowed after healing to elect a leader and converge.
    pub liveness_ms: TimeMs,
    /// Bound on simulator steps per seed.
    pub steps_max: u64,
    /// The rule monitors (11-13) on. The switch hunt turns them off, so that a planted bug must
    /// be caught by the harm it does (a consequence monitor), not by the rule it breaks.
    pub rule_monitors: bool,
}

impl Default for FuzzOptions {
    fn default() -> Self {
        FuzzOptions {
            nodes_min: 1,
            nodes_max: NODES_MAX,
            unsafe_switch: None,
            fault_phase_ms: TimeMs(12_000),
            liveness_ms: TimeMs(20_000),
            steps_max: 2_000_000,
            rule_monitors: true,
        }
    }
}

/// How one seed ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Every invariant held and the cluster converged after healing.
    Ok,
    /// A safety monitor fired.
    Violation(Violation),
    /// The cluster did not recover after the faults healed.
    NoLiveness(String),
    /// Safe and live, but the linearizability checker spent its step budget on the clients'
    /// history without a verdict: neither a pass nor a failure, so it is counted apart.
    CheckerUnknown(String),
}

/// The result of one seed, with what reproduces it.
#[derive(Clone, Debug)]
pub struct SeedReport {
    /// The seed.
    pub seed: u64,
    /// The cluster it ran.
    pub config: SimConfig,
    /// The planned actions.
    pub actions: Vec<TimedAction>,
    /// The outcome.
    pub verdict: Verdict,
    /// Simulator steps run.
    pub steps: u64,
}

/// The cluster and fault schedule for `seed`: the same seed always plans the same run.
pub fn plan(seed: u64, options: &FuzzOptions) -> (SimConfig, Vec<TimedAction>) {
    let mut rng = Stream::new(seed, 100);
    let low = options.nodes_min.clamp(1, NODES_MAX);
    let high = options.nodes_max.clamp(low, NODES_MAX);
    let voters = rng.between(low, high);
    let spares = rng.between(0, (NODES_MAX - voters).min(2));
    let mut config = SimConfig {
        seed,
        voters,
        spares,
        record_trace: false,
        // The history checker judges every operation of the run: keep them all.
        ops_window: 0,
        pre_vote: rng.chance_ppm(800_000),
        check_quorum: rng.chance_ppm(800_000),
        rule_monitors: options.rule_monitors,
        ..SimConfig::default()
    };
    // Lease reads rest on check-quorum's promise; a share of those seeds read with a lease,
    // and half of those also stage coups against it. Drawn from a stream of their own so the
    // rest of every other seed's plan stays as it was.
    let mut lease_rng = Stream::new(seed, 101);
    let mut coup = 0;
    if config.check_quorum && lease_rng.chance_ppm(LEASE_READS_PPM) {
        config.lease_reads = true;
        if lease_rng.chance_ppm(500_000) {
            coup = lease_rng.between(20, 60);
        }
    }
    // Automatic snapshots and MVCC compaction: the defaults (the page's) wait for 2,000 entries
    // and 5,000 revisions, more than a seed's 12-second fault phase writes, so they never ran.
    // A third of the seeds set them low, so that snapshots with their catch-up margin,
    // followers that fall behind a compacted log, crashes with a snapshot pending and
    // compaction proposals all happen within the run. A stream of their own, as for the lease.
    let mut compaction_rng = Stream::new(seed, 102);
    if compaction_rng.chance_ppm(COMPACTION_PPM) {
        config.snapshot_count = compaction_rng.between(2, 12);
        config.snapshot_catch_up = compaction_rng.between(0, 6);
        config.mvcc_retention = compaction_rng.between(1, 5);
    }
    if let Some(switch) = options.unsafe_switch {
        config.unsafe_switches = [switch].into_iter().collect();
        if switch == UnsafeSwitch::LeaseWithoutCheckQuorum {
            config.lease_reads = true;
            config.check_quorum = false;
            coup = lease_rng.between(40, 100);
        }
    }
    // Swarm testing: each kind of fault is on or off for the whole seed, at its own rate.
    let mut swarm = Swarm::draw(&mut rng);
    swarm.coup = coup;
    if options.unsafe_switch.is_some() {
        // Hunting a planted bug: more of the churn that exposes it (elections, crashes,
        // partitions, membership changes), and no pre-vote half the time so terms move faster.
        swarm = swarm.hunting(&mut rng);
        if rng.chance_ppm(500_000) {
            config.pre_vote = false;
        }
        // One entry per append lets an old-term entry reach a majority without the new
        // leader's own entry (the shape of the paper's Figure 8).
        if rng.chance_ppm(500_000) {
            config.msg_entries_max = 1;
        }
    }
    let mut actions = Vec::new();
    let mut explicit_joint = false;
    let mut t: TimeMs = TimeMs(500);
    // Hunting: most seeds open with a counterexample's shape (see `shapes`).
    if options.unsafe_switch.is_some()
        && let Some(shape) = shapes::draw(seed, &mut config)
    {
        actions.extend(shape.actions);
        t = t.max(shape.end_ms);
        // The shape turned check-quorum off. Lease reads rest on it (the simulator refuses
        // the config otherwise), so they go too, with the coups staged against them, unless
        // the planted bug is that very lease.
        if options.unsafe_switch != Some(UnsafeSwitch::LeaseWithoutCheckQuorum) {
            config.lease_reads = false;
            swarm.coup = 0;
        }
    }
    let nodes: Vec<NodeId> = config.node_ids().collect();
    let mut down: BTreeSet<NodeId> = BTreeSet::new();
    while t < options.fault_phase_ms {
        t += rng.between_ms(TimeMs(50), TimeMs(400));
        if t >= options.fault_phase_ms {
            break;
        }
        let at_ms = t;
        let pick = |rng: &mut Stream| nodes[rng.below(nodes.len() as u64) as usize];
        let mut push = |action: Action| actions.push(TimedAction { at_ms, action });
        let roll = rng.below(1000);
        let mut acc = 0;
        let mut hit = |weight: u64| {
            let lo = acc;
            acc += weight;
            roll >= lo && roll < acc
        };
        if hit(swarm.coup) {
            // A coup against a lease. First cut node `old` (with luck the leader) off from all
            // voters but a minority, `new` among them, so that its lease quorum and the
            // voters that no longer hear from it overlap only in `new`. Once their promises
            // have run out, isolate `old`, force `new`'s election timer, write through `new`
            // and read through `old`, which may still believe in its lease.
            let voters: Vec<NodeId> = (1..=config.voters).map(NodeId).collect();
            let quorum = voters.len() / 2 + 1;
            let old = voters[rng.below(voters.len() as u64) as usize];
            let new = voters[rng.below(voters.len() as u64) as usize];
            let mut others: Vec<NodeId> = voters
                .iter()
                .copied()
                .filter(|&v| v != old && v != new)
                .collect();
            // Keep `quorum - 2` of them with `old`: a Fisher-Yates prefix.
            let keep = quorum.saturating_sub(2).min(others.len());
            for i in 0..keep {
                let j = i + rng.below((others.len() - i) as u64) as usize;
                others.swap(i, j);
            }
            let isolate_ms = at_ms + rng.between_ms(TimeMs(1_200), TimeMs(2_000));
            let timer_ms = isolate_ms + rng.between_ms(TimeMs(0), TimeMs(50));
            let put_ms = timer_ms + rng.between_ms(TimeMs(100), TimeMs(300));
            let get_ms = put_ms + rng.between_ms(TimeMs(50), TimeMs(300));
            let key = format!("k{}", rng.below(3));
            if old != new && get_ms < options.fault_phase_ms {
                for &cut in &others[keep..] {
                    for (from, to) in [(old, cut), (cut, old)] {
                        actions.push(TimedAction {
                            at_ms,
                            action: Action::SetLinkUp {
                                from,
                                to,
                                up: false,
                            },
                        });
                    }
                }
                let mut later = |at_ms: TimeMs, action: Action| {
                    actions.push(TimedAction { at_ms, action });
                };
                later(isolate_ms, Action::Isolate { node: old });
                later(timer_ms, Action::FireTimer { node: new });
                later(
                    put_ms,
                    Action::Console {
                        client: 1,
                        node: new,
                        line: format!("put {key} coup{put_ms}"),
                    },
                );
                later(
                    get_ms,
                    Action::Console {
                        client: 2,
                        node: old,
                        line: format!("get {key}"),
                    },
                );
            }
        } else if hit(swarm.propose) {
            push(Action::Propose {
                node: pick(&mut rng),
                data: format!("w{seed}-{at_ms}"),
            });
        } else if hit(swarm.kv) {
            let client = rng.between(1, 4);
            let key = format!("k{}", rng.below(3));
            let value = format!("v{at_ms}");
            let line = match rng.below(6) {
                0 | 1 => format!("put {key} {value}"),
                2 | 3 => format!("get {key}"),
                4 => format!("del {key}"),
                _ => format!(
                    "txn 'value(\"{key}\") = \"v{}\"' 'put {key} {value}' ''",
                    rng.below(at_ms.0.max(1))
                ),
            };
            push(Action::Console {
                client,
                node: pick(&mut rng),
                line,
            });
        } else if hit(swarm.crash) {
            let node = pick(&mut rng);
            if down.contains(&node) {
                down.remove(&node);
                push(Action::Restart { node });
            } else {
                down.insert(node);
                push(Action::Crash { node });
            }
        } else if hit(swarm.bounce) {
            // Crash and come back soon: catches a node between voting and its next election,
            // or between receiving an entry and acknowledging it.
            let node = pick(&mut rng);
            if !down.contains(&node) {
                push(Action::Crash { node });
                let back_ms = (at_ms + rng.between_ms(TimeMs(20), TimeMs(800)))
                    .min(options.fault_phase_ms - TimeMs(1));
                actions.push(TimedAction {
                    at_ms: back_ms,
                    action: Action::Restart { node },
                });
            }
        } else if hit(swarm.duel) {
            // Two candidates in the same term while a third node bounces: the shape in which a
            // forgotten vote elects two leaders.
            let (a, b, x) = (pick(&mut rng), pick(&mut rng), pick(&mut rng));
            push(Action::FireTimer { node: a });
            push(Action::FireTimer { node: b });
            if !down.contains(&x) && x != a && x != b {
                let crash_ms = at_ms + rng.between_ms(TimeMs(5), TimeMs(40));
                let back_ms = crash_ms + rng.between_ms(TimeMs(1), TimeMs(30));
                if back_ms < options.fault_phase_ms {
                    actions.push(TimedAction {
                        at_ms: crash_ms,
                        action: Action::Crash { node: x },
                    });
                    actions.push(TimedAction {
                        at_ms: back_ms,
                        action: Action::Restart { node: x },
                    });
                }
            }
        } else if hit(swarm.partition) {
            let mut groups = vec![Vec::new(), Vec::new()];
            for &n in &nodes {
                groups[rng.below(2) as usize].push(n);
            }
            push(Action::Partition { groups });
        } else if hit(swarm.one_way) {
            let (from, to) = (pick(&mut rng), pick(&mut rng));
            if from != to {
                push(Action::SetLinkUp {
                    from,
                    to,
                    up: false,
                });
            }
        } else if hit(swarm.heal) {
            push(Action::Heal);
        } else if hit(swarm.link_quality) {
            push(Action::SetDefaultLink {
                link: swarm.bad_link(&mut rng),
            });
        } else if hit(swarm.pause) {
            let node = pick(&mut rng);
            push(Action::Pause { node });
            actions.push(TimedAction {
                at_ms: at_ms + rng.between_ms(TimeMs(100), TimeMs(3_000)),
                action: Action::Resume { node },
            });
        } else if hit(swarm.compact) {
            push(Action::Compact {
                node: pick(&mut rng),
            });
        } else if hit(swarm.transfer) {
            push(Action::TransferLeader {
                node: pick(&mut rng),
                to: pick(&mut rng),
            });
        } else if hit(swarm.membership) {
            let node = pick(&mut rng);
            let change = random_change(&mut rng, node);
            // A third of the changes go through the node they change: when that node leads,
            // it removes or demotes itself and must hand over (an add-learner of a voter is
            // a demotion).
            let via = if rng.below(3) == 0 {
                node
            } else {
                pick(&mut rng)
            };
            if rng.below(3) == 0 {
                // Several changes in one entry: a joint configuration (thesis §4.3), left
                // automatically or explicitly, or etcd's "auto" transition.
                let mut changes = vec![change];
                for _ in 0..rng.between(1, 2) {
                    let other = pick(&mut rng);
                    if changes.iter().all(|c| c.node() != other) {
                        changes.push(random_change(&mut rng, other));
                    }
                }
                let leave = match rng.below(3) {
                    0 => None,
                    1 => Some(JointLeave::Auto),
                    _ => Some(JointLeave::Explicit),
                };
                push(Action::ChangeConfig {
                    via,
                    changes,
                    leave,
                });
                if leave == Some(JointLeave::Explicit) {
                    explicit_joint = true;
                    actions.push(TimedAction {
                        at_ms: at_ms + rng.between_ms(TimeMs(100), TimeMs(3_000)),
                        action: Action::LeaveJoint {
                            via: pick(&mut rng),
                        },
                    });
                }
            } else {
                push(Action::ChangeMembership { via, change });
            }
        } else if hit(swarm.timer) {
            push(Action::FireTimer {
                node: pick(&mut rng),
            });
        } else if hit(swarm.read) {
            push(Action::ReadIndex {
                node: pick(&mut rng),
            });
        }
    }
    // Heal everything at the end of the fault phase.
    let heal_at = options.fault_phase_ms;
    actions.sort_by_key(|a| a.at_ms);
    actions.retain(|a| a.at_ms < heal_at);
    actions.push(TimedAction {
        at_ms: heal_at,
        action: Action::Heal,
    });
    actions.push(TimedAction {
        at_ms: heal_at,
        action: Action::SetDefaultLink {
            link: LinkConfig::default().into(),
        },
    });
    for &node in &nodes {
        actions.push(TimedAction {
            at_ms: heal_at,
            action: Action::Resume { node },
        });
    }
    for node in down {
        actions.push(TimedAction {
            at_ms: heal_at,
            action: Action::Restart { node },
        });
    }
    if explicit_joint {
        // An operator finishes an explicit joint change: without a leave, a leader in only the
        // outgoing half would keep refusing proposals. Attempts that find no joint
        // configuration (or no leader yet) are skipped.
        for after_ms in [1_000, 4_000, 8_000].map(TimeMs) {
            for &via in &nodes {
                actions.push(TimedAction {
                    at_ms: heal_at + after_ms,
                    action: Action::LeaveJoint { via },
                });
            }
        }
    }
    (config, actions)
}

/// A single membership change of `node`, of a random kind.
fn random_change(rng: &mut Stream, node: NodeId) -> MembershipChange {
    match rng.below(3) {
        0 => MembershipChange::AddVoter { node },
        1 => MembershipChange::AddLearner { node },
        _ => MembershipChange::Remove { node },
    }
}

/// Per-seed fault rates (weights out of 1000 per scheduling slot; 0 = that fault is off).
struct Swarm {
    propose: u64,
    kv: u64,
    crash: u64,
    bounce: u64,
    duel: u64,
    partition: u64,
    one_way: u64,
    heal: u64,
    link_quality: u64,
    pause: u64,
    compact: u64,
    transfer: u64,
    membership: u64,
    timer: u64,
    read: u64,
    /// Coups against a leader lease (lease-read seeds only; see `plan`).
    coup: u64,
}

impl Swarm {
    fn draw(rng: &mut Stream) -> Swarm {
        let mut on = |weight: u64| if rng.chance_ppm(500_000) { weight } else { 0 };
        Swarm {
            propose: 150,
            kv: 250,
            crash: on(60),
            bounce: on(60),
            duel: on(30),
            partition: on(40),
            one_way: on(40),
            heal: 60,
            link_quality: on(40),
            pause: on(30),
            compact: on(60),
            transfer: on(40),
            membership: on(40),
            timer: on(30),
            read: on(40),
            coup: 0,
        }
    }

    /// The same swarm with every disruptive fault on, at higher rates.
    fn hunting(self, rng: &mut Stream) -> Swarm {
        let mut boost = |weight: u64| weight + rng.between(20, 80);
        Swarm {
            crash: boost(self.crash),
            bounce: boost(self.bounce),
            duel: boost(self.duel),
            partition: boost(self.partition),
            timer: boost(self.timer),
            membership: boost(self.membership),
            read: boost(self.read),
            ..self
        }
    }

    fn bad_link(&self, rng: &mut Stream) -> LinkConfigData {
        let latency_ms_min = rng.between_ms(TimeMs(1), TimeMs(40));
        LinkConfigData {
            up: true,
            latency_ms_min,
            latency_ms_max: latency_ms_min + rng.between_ms(TimeMs(0), TimeMs(300)),
            loss_ppm: rng.between(0, 300_000) as u32,
            duplicate_ppm: rng.between(0, 200_000) as u32,
        }
    }
}

/// Runs one seed through both phases.
pub fn run_seed(seed: u64, options: &FuzzOptions) -> SeedReport {
    run_seed_then(seed, options, |_| ()).0
}

/// [`run_seed`], then `after` looks at the simulator as the seed left it (`None` when the
/// planned configuration was invalid): how `raftlab fuzz --histories` gets each seed's client
/// history out without every campaign paying for it.
pub fn run_seed_then<T>(
    seed: u64,
    options: &FuzzOptions,
    after: impl FnOnce(Option<&Sim>) -> T,
) -> (SeedReport, T) {
    let (config, actions) = plan(seed, options);
    let mut report = SeedReport {
        seed,
        config: config.clone(),
        actions: actions.clone(),
        verdict: Verdict::Ok,
        steps: 0,
    };
    let mut sim = match Sim::new(config) {
        Ok(sim) => sim,
        Err(error) => {
            report.verdict = Verdict::NoLiveness(format!("invalid planned config: {error}"));
            return (report, after(None));
        }
    };
    sim.schedule(&actions);
    let heal_ms = options.fault_phase_ms;
    sim.run_until(heal_ms, options.steps_max);
    report.verdict = match sim.violation() {
        Some(v) => Verdict::Violation(v.clone()),
        None => check_liveness(&mut sim, heal_ms, options),
    };
    if report.verdict == Verdict::Ok {
        report.verdict = check_history_of(&sim);
    }
    report.steps = sim.steps();
    let extra = after(Some(&sim));
    (report, extra)
}

/// What a liveness probe found: does the cluster commit a new write now, and does every member
/// then hold the same applied state?
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Liveness {
    /// The leader that committed the probe write, and after how long.
    pub committed: Option<(NodeId, TimeMs)>,
    /// After how long every member of the leader's configuration had applied it, with one state.
    pub converged: Option<TimeMs>,
    /// Why not, when it did not (plain words).
    pub why_not: String,
    /// A monitor fired during the probe.
    pub violation: Option<Violation>,
}

impl Liveness {
    /// Two plain lines: whether the cluster commits now, and whether it converged.
    pub fn describe(&self) -> String {
        if let Some(v) = &self.violation {
            return format!("VIOLATION {v}");
        }
        let commits = match self.committed {
            Some(_) => "commits: yes".to_string(),
            None => format!("commits: no ({})", self.why_not),
        };
        let converged = match (self.committed, self.converged) {
            (_, Some(_)) => "converged: yes".to_string(),
            (Some(_), None) => format!("converged: no ({})", self.why_not),
            (None, None) => "converged: no".to_string(),
        };
        format!("{commits}\n{converged}")
    }
}

/// Runs for at most `within_ms` from now: waits for a leader, proposes a new write through it
/// (again if leadership moves or the attempt is 3 s old), and watches for it to commit and for
/// every member to apply it.
pub fn probe_liveness(sim: &mut Sim, within_ms: TimeMs, steps_max: u64) -> Liveness {
    let start = sim.now_ms();
    let deadline = start.saturating_add(within_ms);
    let probe = format!("liveness-{}", sim.config().seed);
    let mut found = Liveness {
        committed: None,
        converged: None,
        why_not: String::new(),
        violation: None,
    };
    // (leader, when, index and term of the probe entry in the leader's log)
    let mut proposed: Option<(NodeId, TimeMs, Index, Term)> = None;
    let mut t = start;
    while t < deadline {
        t = (t + TimeMs(250)).min(deadline);
        sim.run_until(t, steps_max);
        if let Some(v) = sim.violation() {
            found.violation = Some(v.clone());
            return found;
        }
        let Some(leader) = sim.leader() else { continue };
        match proposed {
            // Propose again if leadership moved or the last attempt is old: the write may have
            // been lost with a deposed leader.
            Some((at_leader, at, _, _)) if at_leader == leader && t - at < TimeMs(3_000) => {}
            _ => {
                if sim
                    .apply_action(&Action::Propose {
                        node: leader,
                        data: probe.clone(),
                    })
                    .is_ok()
                {
                    let at = sim
                        .nodes()
                        .get(&leader)
                        .and_then(|n| n.raft())
                        .map(|r| (r.raft().log().last_index(), r.raft().term()));
                    proposed = at.map(|(i, term)| (leader, t, i, term));
                }
                if let Some(v) = sim.violation() {
                    found.violation = Some(v.clone());
                    return found;
                }
            }
        }
        let Some((at_leader, _, index, term)) = proposed else {
            continue;
        };
        if found.committed.is_none() && committed_by(sim, at_leader, index, term) {
            found.committed = Some((at_leader, t - start));
        }
        if found.committed.is_some() && at_leader == leader {
            match lagging_member(sim, leader, index) {
                None => {
                    found.converged = Some(t - start);
                    return found;
                }
                Some(why) => found.why_not = why,
            }
        }
    }
    found.why_not = match (found.committed, sim.leader(), proposed) {
        (Some(_), _, _) => format!("within {within_ms} ms, {}", found.why_not),
        (None, None, _) => format!("no leader within {within_ms} ms"),
        (None, Some(l), None) => format!("leader n{l} took no new write within {within_ms} ms"),
        (None, Some(l), Some(_)) => {
            format!("leader n{l} did not commit a new write within {within_ms} ms")
        }
    };
    found
}

/// After healing: one leader, a new write applied by every member, identical applied state.
pub fn check_liveness(sim: &mut Sim, heal_ms: TimeMs, options: &FuzzOptions) -> Verdict {
    let within = (heal_ms + options.liveness_ms).saturating_sub(sim.now_ms());
    let found = probe_liveness(sim, within, options.steps_max);
    if let Some(v) = found.violation {
        return Verdict::Violation(v);
    }
    if found.converged.is_some() {
        return Verdict::Ok;
    }
    let what = if found.committed.is_some() {
        "a new write committed but the members did not converge"
    } else {
        "the cluster does not commit"
    };
    Verdict::NoLiveness(format!(
        "after healing, {what}: {} ({} steps)",
        found.why_not,
        sim.steps()
    ))
}

/// Whether `leader` still has the probe entry `index`@`term` and has committed it.
fn committed_by(sim: &Sim, leader: NodeId, index: Index, term: Term) -> bool {
    sim.nodes()
        .get(&leader)
        .and_then(|n| n.raft())
        .is_some_and(|r| {
            r.raft().log().committed >= index && r.raft().log().term(index) == Some(term)
        })
}

/// The first member of the leader's configuration that has not yet applied everything the
/// leader committed (at least the probe write at `probe`) with the same applied state, in
/// words; `None` when every member has.
fn lagging_member(sim: &Sim, leader: NodeId, probe: Index) -> Option<String> {
    let Some(node) = sim.nodes().get(&leader) else {
        return Some(format!("leader n{leader} is gone"));
    };
    let Some(lead) = node.raft() else {
        return Some(format!("leader n{leader} is down"));
    };
    let commit = lead.raft().log().committed;
    if commit < probe || node.app.applied() < commit {
        return Some(format!("leader n{leader} has not applied the new write"));
    }
    let conf = lead.raft().tracker().config.to_conf_state();
    let state = node.app.state_hash();
    conf.voters
        .iter()
        .chain(conf.learners.iter())
        .find_map(|id| {
            let n = sim.nodes().get(id)?;
            if n.raft().is_none() {
                Some(format!("member n{id} is down"))
            } else if n.app.applied() != commit {
                Some(format!(
                    "member n{id} applied up to {} of {commit}",
                    n.app.applied()
                ))
            } else if n.app.state_hash() != state {
                Some(format!("member n{id} holds a different state"))
            } else {
                None
            }
        })
}

/// The clients' history must be linearizable (the checker knows nothing of Raft).
pub fn check_history_of(sim: &Sim) -> Verdict {
    match crate::sim::history::check_clients(sim.ops()) {
        Ok((crate::check::Verdict::Ok, _)) => Verdict::Ok,
        Ok((crate::check::Verdict::Unknown, text)) => Verdict::CheckerUnknown(text),
        Ok((crate::check::Verdict::Violation, text)) => {
            let mut v = Violation::new(names::HISTORY, Vec::new(), sim.now_ms(), text);
            v.event_id = sim.trace().next_id();
            v.explanation = explain(names::HISTORY, &sim.config().switches());
            Verdict::Violation(v)
        }
        Err(error) => Verdict::NoLiveness(format!("history could not be built: {error}")),
    }
}
