//! The leader lease under swept schedules (issue 8): the reproduction's partition time swept
//! over a whole second in 10 ms steps, at several link latencies and over 8 seeds (the
//! issue's seed 3 among them). The old leader is asked to
//! read every 25 ms while the majority elects a new leader and writes; every read it answers
//! must be linearizable (monitor 10 and the history checker). The sweep also counts the reads
//! the old leader answered after the partition, so it fails if the lease were never used.

use raftlab::check::Verdict as CheckVerdict;
use raftlab::raft::types::NodeId;
use raftlab::sim::action::{Action, LinkConfigData, TimedAction};
use raftlab::sim::history::check_clients;
use raftlab::sim::queue::TimeMs;
use raftlab::sim::{Sim, SimConfig};

struct Outcome {
    /// Reads the cut-off leader answered after the partition (from its lease).
    answered_after_cut: usize,
    violation: Option<String>,
    unknown: bool,
}

fn run(seed: u64, partition_ms: u64, latency_ms: (u64, u64)) -> Outcome {
    let mut sim = Sim::new(SimConfig {
        voters: 3,
        seed,
        lease_reads: true,
        check_quorum: true,
        record_trace: false,
        ..SimConfig::default()
    })
    .expect("valid config");
    sim.apply_action(&Action::SetDefaultLink {
        link: LinkConfigData {
            up: true,
            latency_ms_min: TimeMs(latency_ms.0),
            latency_ms_max: TimeMs(latency_ms.1),
            loss_ppm: 0,
            duplicate_ppm: 0,
        },
    })
    .expect("link");
    sim.run_until(TimeMs(3_000), 5_000_000);
    let old = sim.leader().expect("a leader by 3 s");
    let majority: Vec<NodeId> = (1..=3).map(NodeId).filter(|&n| n != old).collect();
    let mut actions = vec![TimedAction {
        at_ms: TimeMs(3_000),
        action: Action::Console {
            client: 1,
            node: old,
            line: "put x 1".into(),
        },
    }];
    actions.push(TimedAction {
        at_ms: TimeMs(partition_ms),
        action: Action::Partition {
            groups: vec![vec![old], majority.clone()],
        },
    });
    let mut client = 10;
    for at_ms in (partition_ms..partition_ms + 2_500).step_by(100) {
        client += 1;
        actions.push(TimedAction {
            at_ms: TimeMs(at_ms),
            action: Action::Console {
                client,
                node: majority[(at_ms / 100 % 2) as usize],
                line: format!("put x v{at_ms}"),
            },
        });
    }
    for at_ms in (partition_ms - 100..partition_ms + 2_500).step_by(25) {
        client += 1;
        actions.push(TimedAction {
            at_ms: TimeMs(at_ms),
            action: Action::Console {
                client,
                node: old,
                line: "get x".into(),
            },
        });
    }
    actions.sort_by_key(|a| a.at_ms);
    sim.schedule(&actions);
    sim.run_until(TimeMs(partition_ms) + TimeMs(8_000), 5_000_000);
    let answered_after_cut = sim
        .ops()
        .values()
        .filter(|op| {
            op.node == old && op.line == "get x" && op.ok && op.call_ms > TimeMs(partition_ms)
        })
        .count();
    let mut violation = sim.violation().map(|v| v.to_string());
    let mut unknown = false;
    match check_clients(sim.ops()) {
        Ok((CheckVerdict::Violation, text)) => violation = Some(text),
        Ok((CheckVerdict::Unknown, _)) => unknown = true,
        Ok((CheckVerdict::Ok, _)) => {}
        Err(error) => violation = Some(format!("history could not be built: {error}")),
    }
    Outcome {
        answered_after_cut,
        violation,
        unknown,
    }
}

#[test]
fn a_cut_off_leader_never_serves_a_stale_lease_read_whatever_the_partition_time() {
    let latencies = [(5, 15), (10, 30), (20, 80), (1, 150)];
    let (mut runs, mut lease_reads, mut unknown) = (0, 0, 0);
    for latency in latencies {
        for partition_ms in (3_000..=4_000).step_by(10) {
            // Seed 3 is the issue's; the others vary the nodes' timeouts and tick phases.
            let seed = [3, 1, 2, 4, 5, 6, 7, 8][(partition_ms / 10 % 8) as usize];
            let outcome = run(seed, partition_ms, latency);
            if let Some(violation) = outcome.violation {
                panic!(
                    "seed {seed}, partition at {partition_ms} ms, latency {latency:?}: {violation}"
                );
            }
            runs += 1;
            lease_reads += outcome.answered_after_cut;
            unknown += usize::from(outcome.unknown);
        }
    }
    eprintln!(
        "{runs} runs, 0 stale reads, {lease_reads} reads answered by the cut-off leader, \
         {unknown} histories unknown (checker budget)"
    );
    assert!(
        lease_reads > runs,
        "the cut-off leader should answer some reads from its lease"
    );
    assert_eq!(unknown, 0, "every history checked to the end");
}
