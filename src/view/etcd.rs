//! A node's etcd identity as a command line: the `etcd` invocation that would start the same
//! member of a real cluster, with the flags of the seed article (`--name`, client and peer
//! URLs, `--initial-cluster`, `--initial-cluster-state`). The node panel shows it, so a learner
//! can map what they see here onto a real etcd deployment.

use crate::raft::types::NodeId;
use crate::sim::client::{client_url, peer_url};
use crate::sim::cluster::Sim;

/// The `etcd ...` command line (one flag per line, joined by ` \`) that would start node `id`
/// of `sim`; `None` when there is no such node.
///
/// The initial cluster lists the members of the node's configuration as it knows it (its
/// voters and learners, or the cluster's founding voters when it has none yet). A node that
/// was not among the founding voters joins an existing cluster, as after `etcdctl member add`.
pub fn etcd_command(sim: &Sim, id: NodeId) -> Option<String> {
    let node = sim.nodes().get(&id)?;
    let founders = sim.config().voters;
    let mut members: Vec<u64> = match node.raft() {
        Some(raw) => {
            let conf = &raw.status().conf_state;
            conf.voters
                .iter()
                .chain(conf.voters_outgoing.iter())
                .chain(conf.learners.iter())
                .map(|n| n.0)
                .collect()
        }
        None => node
            .durable()
            .map(|disk| {
                let conf = &disk.snapshot().metadata.conf_state;
                conf.voters
                    .iter()
                    .chain(conf.learners.iter())
                    .map(|n| n.0)
                    .collect()
            })
            .unwrap_or_default(),
    };
    if members.is_empty() {
        members = (1..=founders).collect();
    }
    if !members.contains(&id.0) {
        members.push(id.0);
    }
    members.sort_unstable();
    members.dedup();
    let initial_cluster = members
        .iter()
        .map(|&m| format!("n{m}={}", peer_url(NodeId(m))))
        .collect::<Vec<_>>()
        .join(",");
    let state = if id.0 <= founders { "new" } else { "existing" };
    let client = client_url(id);
    let peer = peer_url(id);
    let flags = [
        "etcd".to_string(),
        format!("--name n{id}"),
        format!("--data-dir n{id}.etcd"),
        format!("--listen-client-urls {client}"),
        format!("--advertise-client-urls {client}"),
        format!("--listen-peer-urls {peer}"),
        format!("--initial-advertise-peer-urls {peer}"),
        format!("--initial-cluster {initial_cluster}"),
        format!("--initial-cluster-state {state}"),
    ];
    Some(flags.join(" \\\n  "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::config::SimConfig;

    #[test]
    fn founding_member_lists_the_whole_cluster_with_the_seed_flags() {
        let sim = Sim::new(SimConfig {
            voters: 3,
            ..SimConfig::default()
        })
        .expect("config");
        let line = etcd_command(&sim, NodeId(2)).expect("n2 exists");
        assert_eq!(
            line,
            "etcd \\\n  --name n2 \\\n  --data-dir n2.etcd \\\n  \
             --listen-client-urls http://localhost:22379 \\\n  \
             --advertise-client-urls http://localhost:22379 \\\n  \
             --listen-peer-urls http://localhost:22380 \\\n  \
             --initial-advertise-peer-urls http://localhost:22380 \\\n  \
             --initial-cluster n1=http://localhost:2380,n2=http://localhost:22380,n3=http://localhost:32380 \\\n  \
             --initial-cluster-state new"
        );
        assert!(etcd_command(&sim, NodeId(9)).is_none());
    }

    #[test]
    fn a_spare_joins_an_existing_cluster() {
        let sim = Sim::new(SimConfig {
            voters: 3,
            spares: 1,
            ..SimConfig::default()
        })
        .expect("config");
        let line = etcd_command(&sim, NodeId(4)).expect("n4 exists");
        assert!(line.ends_with("--initial-cluster-state existing"), "{line}");
        assert!(line.contains("n4=http://localhost:42380"), "{line}");
    }
}
