//! Randomized fault runs, swarm style (as FoundationDB's simulator and TigerBeetle's VOPR do).
//!
//! Each seed draws its own cluster size and its own mix of faults (some seeds only crash nodes,
//! some only partition, some do everything), then a schedule of timed actions. The run has two
//! phases: faults, then healing (every link restored, every node restarted and resumed), after
//! which the cluster must elect a leader, converge and accept a new write within a bounded time.
//! Any monitor firing, or a failure to converge, is reported with the seed and the script that
//! reproduces it: the planned actions are plain data.

use crate::raft::types::Index;
use crate::sim::action::{Action, LinkConfigData, MembershipChange, TimedAction};
use crate::sim::cluster::Sim;
use crate::sim::config::{NODES_MAX, SimConfig};
use crate::sim::monitor::Violation;
use crate::sim::network::LinkConfig;
use crate::sim::queue::TimeMs;
use crate::sim::rng::Stream;
use std::collections::BTreeSet;

/// What a fuzz campaign runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FuzzOptions {
    /// Smallest cluster (voters).
    pub nodes_min: u64,
    /// Largest cluster (voters).
    pub nodes_max: u64,
    /// A teaching switch to turn on in every run, by name.
    pub unsafe_switch: Option<String>,
    /// Length of the fault phase.
    pub fault_phase_ms: TimeMs,
    /// Time allowed after healing to elect a leader and converge.
    pub liveness_ms: TimeMs,
    /// Bound on simulator steps per seed.
    pub steps_max: u64,
}

impl Default for FuzzOptions {
    fn default() -> Self {
        FuzzOptions {
            nodes_min: 1,
            nodes_max: NODES_MAX,
            unsafe_switch: None,
            fault_phase_ms: 12_000,
            liveness_ms: 20_000,
            steps_max: 2_000_000,
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
        ..SimConfig::default()
    };
    if let Some(name) = &options.unsafe_switch {
        config.unsafe_switches = vec![name.clone()];
        if name == "lease-without-check-quorum" {
            config.lease_reads = true;
            config.check_quorum = false;
        }
    }
    // Swarm testing: each kind of fault is on or off for the whole seed, at its own rate.
    let mut swarm = Swarm::draw(&mut rng);
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
    let nodes: Vec<u64> = config.node_ids().collect();
    let mut actions = Vec::new();
    let mut down: BTreeSet<u64> = BTreeSet::new();
    let mut t: TimeMs = 500;
    while t < options.fault_phase_ms {
        t += rng.between(50, 400);
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
        if hit(swarm.propose) {
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
                    rng.below(at_ms.max(1))
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
                let back_ms = (at_ms + rng.between(20, 800)).min(options.fault_phase_ms - 1);
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
                let crash_ms = at_ms + rng.between(5, 40);
                let back_ms = crash_ms + rng.between(1, 30);
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
                at_ms: at_ms + rng.between(100, 3_000),
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
            let change = match rng.below(3) {
                0 => MembershipChange::AddVoter { node },
                1 => MembershipChange::AddLearner { node },
                _ => MembershipChange::Remove { node },
            };
            push(Action::ChangeMembership {
                via: pick(&mut rng),
                change,
            });
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
    (config, actions)
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
        let latency_ms_min = rng.between(1, 40);
        LinkConfigData {
            up: true,
            latency_ms_min,
            latency_ms_max: latency_ms_min + rng.between(0, 300),
            loss_ppm: rng.between(0, 300_000) as u32,
            duplicate_ppm: rng.between(0, 200_000) as u32,
        }
    }
}

/// Runs one seed through both phases.
pub fn run_seed(seed: u64, options: &FuzzOptions) -> SeedReport {
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
            return report;
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
    report
}

/// After healing: one leader, a new write applied by every member, identical applied state.
pub fn check_liveness(sim: &mut Sim, heal_ms: TimeMs, options: &FuzzOptions) -> Verdict {
    let deadline = heal_ms + options.liveness_ms;
    let probe = format!("liveness-{}", sim.config().seed);
    // (leader, when, index of the probe entry in the leader's log)
    let mut proposed: Option<(u64, TimeMs, Index)> = None;
    let mut t = heal_ms;
    while t < deadline {
        t += 250;
        sim.run_until(t, options.steps_max);
        if let Some(v) = sim.violation() {
            return Verdict::Violation(v.clone());
        }
        let Some(leader) = sim.leader() else { continue };
        match proposed {
            // Propose again if leadership moved or the last attempt is old: the write may have
            // been lost with a deposed leader.
            Some((at_leader, at, _)) if at_leader == leader && t - at < 3_000 => {}
            _ => {
                if sim
                    .apply_action(&Action::Propose {
                        node: leader,
                        data: probe.clone(),
                    })
                    .is_ok()
                {
                    let index = sim
                        .nodes()
                        .get(&leader)
                        .and_then(|n| n.raft())
                        .map(|r| r.raft().log.last_index());
                    proposed = index.map(|i| (leader, t, i));
                }
            }
        }
        if let Some((at_leader, _, index)) = proposed
            && at_leader == leader
            && converged(sim, leader, index)
        {
            return Verdict::Ok;
        }
    }
    let leader = sim
        .leader()
        .map_or("no leader".to_string(), |l| format!("leader n{l}"));
    Verdict::NoLiveness(format!(
        "no convergence {} ms after healing ({leader}, {} steps)",
        options.liveness_ms,
        sim.steps()
    ))
}

/// Every member of the leader's configuration is up, has applied everything the leader
/// committed (at least the probe write at `probe`), and holds the same applied state.
fn converged(sim: &Sim, leader: u64, probe: Index) -> bool {
    let Some(node) = sim.nodes().get(&leader) else {
        return false;
    };
    let Some(lead) = node.raft() else {
        return false;
    };
    let commit = lead.raft().log.committed;
    if commit < probe || node.app.applied() < commit {
        return false;
    }
    let conf = lead.raft().tracker.config.to_conf_state();
    let state = node.app.state_hash();
    conf.voters.iter().chain(conf.learners.iter()).all(|id| {
        sim.nodes().get(&id.0).is_some_and(|n| {
            n.raft().is_some() && n.app.applied() == commit && n.app.state_hash() == state
        })
    })
}

/// The clients' history must be linearizable (the checker knows nothing of Raft).
pub fn check_history_of(sim: &Sim) -> Verdict {
    match crate::sim::history::check_clients(sim.ops()) {
        Ok((crate::check::Verdict::Ok | crate::check::Verdict::Unknown, _)) => Verdict::Ok,
        Ok((crate::check::Verdict::Violation, text)) => Verdict::Violation(Violation {
            invariant: "linearizability of the clients' history",
            nodes: Vec::new(),
            at_ms: sim.now_ms(),
            event_id: sim.trace().next_id(),
            evidence: text,
        }),
        Err(error) => Verdict::NoLiveness(format!("history could not be built: {error}")),
    }
}
