//! One propose -> commit -> apply cycle on an in-memory cluster of 1, 3, 5 and 7 nodes.
//!
//! The cluster is `raftlab::bench::raft_cycle` (the same one `raftlab bench` times): every node
//! a real `RawNode`, messages delivered in-process, every node running ready -> advance until
//! the whole cluster is quiet (the entry is applied everywhere). For a
//! comparison with etcd-io/raft's `BenchmarkRawNode` (which drives only the leader and fakes the
//! follower's acknowledgements), `leader_only/2-voters` does the same.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use raftlab::bench::raft_cycle::Cluster;
use raftlab::raft::config::Config;
use raftlab::raft::message::{ConfState, Message, MessageType};
use raftlab::raft::raw_node::RawNode;
use raftlab::raft::storage::MemStorage;
use raftlab::raft::types::{NodeId, Term};

fn bench_cluster(c: &mut Criterion) {
    let mut group = c.benchmark_group("propose_commit_apply");
    for size in [1u64, 3, 5, 7] {
        let mut cluster = Cluster::new(size).expect("a cluster");
        let data = vec![0u8; 16];
        group.bench_function(format!("{size}-nodes"), |b| {
            b.iter(|| cluster.cycle(black_box(&data)).expect("a cycle"))
        });
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
