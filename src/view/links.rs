//! Every direction of every link between the cluster's nodes.

use crate::sim::cluster::Sim;
use serde::{Deserialize, Serialize};

/// One direction of one link (`from -> to`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LinkView {
    /// Sender side.
    pub from: u64,
    /// Receiver side.
    pub to: u64,
    /// False when this direction is cut (every message on it is dropped).
    pub up: bool,
    /// Smallest one-way delay (ms).
    pub latency_ms_min: u64,
    /// Largest one-way delay (ms, inclusive).
    pub latency_ms_max: u64,
    /// Probability that a message is lost, in parts per million.
    pub loss_ppm: u32,
    /// Probability that a delivered message arrives twice, in parts per million.
    pub duplicate_ppm: u32,
    /// True when this direction was set explicitly (it differs from the default link).
    pub custom: bool,
}

/// Every ordered pair of distinct nodes, by (from, to): n*(n-1) entries.
pub fn build(sim: &Sim) -> Vec<LinkView> {
    let network = sim.network();
    // Inserted one by one: `collect` into a set sorts first, a copy of the sort code (sort.rs).
    let mut custom = std::collections::BTreeSet::new();
    custom.extend(network.overrides().map(|(pair, _)| *pair));
    let ids: Vec<_> = sim.nodes().keys().copied().collect();
    let mut links = Vec::with_capacity(ids.len() * ids.len().saturating_sub(1));
    for &from in &ids {
        for &to in &ids {
            if from == to {
                continue;
            }
            let link = network.link(from, to);
            links.push(LinkView {
                from: from.0,
                to: to.0,
                up: link.up,
                latency_ms_min: link.latency_ms_min.0,
                latency_ms_max: link.latency_ms_max.0,
                loss_ppm: link.loss_ppm,
                duplicate_ppm: link.duplicate_ppm,
                custom: custom.contains(&(from, to)),
            });
        }
    }
    links
}
