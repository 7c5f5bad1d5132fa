//! The simulation workload: a cluster with one stream of client writes, the shape the page
//! targets (issue 13: 5 nodes at 10 client requests per simulated second).

use crate::raft::types::NodeId;
use crate::sim::action::Action;
use crate::sim::client::OpState;
use crate::sim::cluster::Sim;
use crate::sim::config::SimConfig;
use crate::sim::queue::TimeMs;
use serde::{Deserialize, Serialize};

/// What to run. The defaults of everything else are the page's defaults.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Workload {
    /// Voters.
    pub nodes: u64,
    /// The safety monitors on (all of them) or off (none: the simulator alone).
    pub monitors: bool,
    /// Simulated seconds to run.
    pub seconds: u64,
    /// Client writes per simulated second (three clients in turn, 100 keys).
    pub puts_per_second: u64,
    /// The run's seed.
    pub seed: u64,
}

/// What a workload did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Outcome {
    /// Simulator events run (`Sim::steps`).
    pub events: u64,
    /// Client writes answered OK (committed and applied).
    pub committed: u64,
    /// Simulated milliseconds covered.
    pub sim_ms: u64,
    /// The cluster's state hash at the end, in hex: equal natively and in wasm, or the two runs
    /// did not do the same work and their times must not be compared.
    pub state_hash: String,
}

/// A cluster as `workload` configures it, writes not yet sent. Its trace is recorded as the
/// page records it: kept, without the text hash the page never reads (`Playground::over`).
pub fn cluster(workload: &Workload) -> Result<Sim, String> {
    let mut sim = Sim::new(SimConfig {
        voters: workload.nodes,
        seed: workload.seed,
        monitors: workload.monitors,
        ..SimConfig::default()
    })?;
    sim.stop_hashing_trace();
    Ok(sim)
}

/// Sends the next client write to `sim`: put number `n` (three clients in turn, 100 keys, all
/// to node 1, which forwards to the leader as etcd does). A refusal (no leader yet) is
/// answered as an error and the run goes on.
pub fn send_put(sim: &mut Sim, n: u64) {
    let _ = sim.apply_action(&send_put_action(n));
}

/// The action of client write number `n`.
pub fn send_put_action(n: u64) -> Action {
    Action::Console {
        client: 1 + n % 3,
        node: NodeId(1),
        line: format!("put key{} value{n}", n % 100),
    }
}

/// Runs `workload` to its end.
pub fn run(workload: &Workload) -> Result<Outcome, String> {
    let mut sim = cluster(workload)?;
    let end_ms = workload.seconds.saturating_mul(1_000);
    let gap_ms = 1_000 / workload.puts_per_second.clamp(1, 1_000);
    let mut counter = CommitCounter::default();
    let mut at_ms = gap_ms;
    let mut n = 0;
    while at_ms <= end_ms {
        sim.run_until(TimeMs(at_ms), u64::MAX);
        counter.update(&sim);
        send_put(&mut sim, n);
        n += 1;
        at_ms += gap_ms;
    }
    sim.run_until(TimeMs(end_ms), u64::MAX);
    counter.update(&sim);
    if let Some(violation) = sim.violation() {
        return Err(format!("a monitor fired during the benchmark: {violation}"));
    }
    Ok(Outcome {
        events: sim.steps(),
        committed: counter.committed,
        sim_ms: sim.now_ms().0,
        state_hash: format!("{:016x}", sim.state_hash()),
    })
}

/// Counts client operations answered OK, in call order, as they finish.
#[derive(Default)]
pub struct CommitCounter {
    /// The first operation not yet finished (ids are in call order).
    next: u64,
    /// Operations answered OK so far.
    pub committed: u64,
}

impl CommitCounter {
    /// Counts the operations finished since the last call. Called often enough (every client
    /// write), no finished operation has left the ops window yet; one that has is skipped.
    pub fn update(&mut self, sim: &Sim) {
        for (&id, op) in sim.ops().range(self.next..) {
            if op.state == OpState::Pending {
                return;
            }
            if op.ok {
                self.committed += 1;
            }
            self.next = id + 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small(monitors: bool) -> Workload {
        Workload {
            nodes: 3,
            monitors,
            seconds: 5,
            puts_per_second: 10,
            seed: 3,
        }
    }

    #[test]
    fn the_workload_commits_its_writes_and_is_deterministic() {
        let first = run(&small(true)).expect("runs");
        // 50 writes are sent; the first ones wait for the first leader, the last ones may
        // still be in flight at the end; most are committed.
        assert!(first.committed >= 35 && first.committed <= 50, "{first:?}");
        assert!(first.events > 1_000, "{first:?}");
        assert_eq!(first.sim_ms, 5_000);
        assert_eq!(run(&small(true)).expect("runs"), first);
    }

    #[test]
    fn monitors_off_changes_no_outcome() {
        assert_eq!(
            run(&small(false)).expect("runs"),
            run(&small(true)).expect("runs")
        );
    }
}
