//! One propose -> commit -> apply cycle on an in-memory cluster of 1, 3, 5 and 7 nodes.
//!
//! Every node is a real `RawNode`; messages are delivered in-process, and every node runs
//! ready -> advance until the whole cluster is quiet (the entry is applied everywhere). For a
//! comparison with etcd-io/raft's `BenchmarkRawNode` (which drives only the leader and fakes the
//! follower's acknowledgements), `leader_only/2-voters` does the same.

use std::collections::VecDeque;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use raftlab::raft::config::Config;
use raftlab::raft::message::{ConfState, Message, MessageType};
use raftlab::raft::raw_node::RawNode;
use raftlab::raft::storage::MemStorage;
use raftlab::raft::types::{NodeId, Term};

struct Cluster {
    nodes: Vec<RawNode>,
    queue: VecDeque<Message>,
}

impl Cluster {
    fn new(size: u64) -> Cluster {
        let conf = ConfState::from_voters(1..=size);
        let nodes = (1..=size)
            .map(|id| {
                let storage = MemStorage::new_with_conf_state(conf.clone());
                RawNode::new(&Config::new(NodeId(id)), storage).expect("valid config")
            })
            .collect();
        let mut cluster = Cluster {
            nodes,
            queue: VecDeque::new(),
        };
        cluster.nodes[0].campaign().expect("voter");
        cluster.settle();
        cluster
    }

    /// Runs ready/advance and delivers messages until nothing is left to do.
    fn settle(&mut self) {
        for _ in 0..10_000 {
            let mut busy = false;
            for node in &mut self.nodes {
                if node.has_ready() {
                    busy = true;
                    let rd = node.ready();
                    node.advance(&rd);
                    black_box(&rd.committed_entries);
                    self.queue.extend(rd.messages);
                }
            }
            while let Some(m) = self.queue.pop_front() {
                busy = true;
                let to = m.to.0 as usize - 1;
                let _ = self.nodes[to].step(m);
            }
            if !busy {
                return;
            }
        }
        panic!("cluster did not settle");
    }

    fn cycle(&mut self, data: &[u8]) {
        self.nodes[0].propose(data.to_vec()).expect("leader");
        self.settle();
    }
}

fn bench_cluster(c: &mut Criterion) {
    let mut group = c.benchmark_group("propose_commit_apply");
    for size in [1u64, 3, 5, 7] {
        let mut cluster = Cluster::new(size);
        let data = vec![0u8; 16];
        group.bench_function(format!("{size}-nodes"), |b| b.iter(|| cluster.cycle(&data)));
    }
    group.finish();
}

/// etcd's BenchmarkRawNode shape: one real leader, the second voter's acknowledgement faked.
fn bench_leader_only(c: &mut Criterion) {
    let conf = ConfState::from_voters([1, 2]);
    let mut leader = RawNode::new(
        &Config::new(NodeId(1)),
        MemStorage::new_with_conf_state(conf),
    )
    .expect("ok");
    leader.campaign().expect("voter");
    let grant = |leader: &mut RawNode, kind: MessageType, term: u64| {
        let rd = leader.ready();
        leader.advance(&rd);
        let _ = leader.step(Message {
            msg_type: kind,
            from: NodeId(2),
            to: NodeId(1),
            term: Term(term),
            ..Message::default()
        });
    };
    grant(&mut leader, MessageType::MsgPreVoteResp, 1);
    grant(&mut leader, MessageType::MsgVoteResp, 1);
    let data = vec![0u8; 16];
    c.bench_function("leader_only/2-voters", |b| {
        b.iter(|| {
            leader.propose(data.clone()).expect("leader");
            for _ in 0..4 {
                if !leader.has_ready() {
                    break;
                }
                let rd = leader.ready();
                leader.advance(&rd);
                for m in &rd.messages {
                    if m.msg_type == MessageType::MsgApp {
                        let last = m.entries.last().map(|e| e.index).unwrap_or(m.index);
                        let _ = leader.step(Message {
                            msg_type: MessageType::MsgAppResp,
                            from: NodeId(2),
                            to: NodeId(1),
                            term: m.term,
                            index: last,
                            ..Message::default()
                        });
                    }
                }
                black_box(&rd.committed_entries);
            }
        })
    });
}

criterion_group!(benches, bench_cluster, bench_leader_only);
criterion_main!(benches);
