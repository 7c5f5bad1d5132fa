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
    crate::sort::sort(&mut members);
    members.dedup();
    let initial_cluster = members
        .iter()
        .map(|&m| format!("n{m}={}", peer_url(NodeId(m))))
        .collect::<Vec<_>>()
        .join(",");
    let state = if id.0 <= founders { "new" } else { "existing" };
    let client = client_url(id);
    let peer = peer_url(id);
    let name = format!("n{id}");
    let data_dir = format!("n{id}.etcd");
    let member = MemberFlags {
        name: &name,
        data_dir: &data_dir,
        client_url: &client,
        peer_url: &peer,
        initial_cluster: &initial_cluster,
        cluster_state: state,
    };
    let mut line = vec!["etcd".to_string()];
    line.extend(
        member
            .pairs()
            .iter()
            .map(|(flag, value)| format!("{flag} {value}")),
    );
    Some(line.join(" \\\n  "))
}

/// The values of the seed article's flags for one member. Their names and order are written
/// only in [`MemberFlags::pairs`], so the node panel's command line and the real-cluster
/// export (`src/scenario/etcd_export.rs`, whose values are shell words such as
/// `"$DATA/n1.etcd"`) start a member the same way.
#[derive(Clone, Copy, Debug)]
pub struct MemberFlags<'a> {
    /// `--name`: the member's name (`n1`, as raftlab names nodes).
    pub name: &'a str,
    /// `--data-dir`: where the member keeps its log and snapshots.
    pub data_dir: &'a str,
    /// `--listen-client-urls` and `--advertise-client-urls`: where clients reach it.
    pub client_url: &'a str,
    /// `--listen-peer-urls` and `--initial-advertise-peer-urls`: where members reach it.
    pub peer_url: &'a str,
    /// `--initial-cluster`: `name=peer-url` of every member, comma-separated.
    pub initial_cluster: &'a str,
    /// `--initial-cluster-state`: `new` for a founding member, `existing` to join.
    pub cluster_state: &'a str,
}

impl<'a> MemberFlags<'a> {
    /// Each flag with its value, in the seed article's order.
    pub fn pairs(&self) -> [(&'static str, &'a str); 8] {
        [
            ("--name", self.name),
            ("--data-dir", self.data_dir),
            ("--listen-client-urls", self.client_url),
            ("--advertise-client-urls", self.client_url),
            ("--listen-peer-urls", self.peer_url),
            ("--initial-advertise-peer-urls", self.peer_url),
            ("--initial-cluster", self.initial_cluster),
            ("--initial-cluster-state", self.cluster_state),
        ]
    }
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
