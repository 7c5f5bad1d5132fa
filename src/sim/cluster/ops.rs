//! The simulator's side of client operations: sending, answering, timing out.

use super::{ActionError, Event, Sim};
use crate::kv::command::Command;
use crate::kv::console::executor::{EndpointStatus, ExecError, HeaderInfo, KvExecutor, MemberInfo};
use crate::kv::console::{self, ConsoleCommand};
use crate::kv::request::Request;
use crate::kv::response::Response;
use crate::kv::state_machine::ApplyOutcome;
use crate::kv::types::{Event as KvEvent, Revision};
use crate::kv::watch::WatchId;
use crate::raft::node::Role;
use crate::raft::types::NodeId;
use crate::sim::answer::Answer;
use crate::sim::app::envelope;
use crate::sim::client::{self, ClientOp, OpState, Proposal, Route};
use crate::sim::read_context::ReadContext;
use crate::sim::trace::TraceKind;
use std::sync::Arc;

/// The cluster id shown in response headers (etcd's ids are random; ours is fixed).
pub const CLUSTER_ID: u64 = 0x7261_6674_6c61_6221;

impl Sim {
    /// A client sends `line` to `node` (or to the node `--endpoints` names).
    pub(super) fn client_send(
        &mut self,
        client: u64,
        node: NodeId,
        line: &str,
    ) -> Result<(), ActionError> {
        let command = client::parse(line).map_err(ActionError)?;
        let node = match command.endpoint.as_deref() {
            Some(endpoint) => self.resolve_endpoint(endpoint).map_err(ActionError)?,
            None => node,
        };
        let mut request = command.action.request();
        if let Some(r) = request.as_mut() {
            r.stamp_time(self.now_ms.0);
        }
        let id = self.next_op_id;
        let op = ClientOp {
            id,
            client,
            node,
            line: line.to_string(),
            command: command.clone(),
            request_ms: self.now_ms,
            proposal: None,
            call_ms: self.now_ms,
            return_ms: None,
            state: OpState::Pending,
            output: String::new(),
            answer_len: 0,
            ok: false,
            read_index: None,
            watch: None,
            answer: None,
        };
        self.next_op_id += 1;
        self.ops.insert(id, Arc::new(op));
        self.queue.push(
            self.later(self.config.client_timeout_ms),
            Event::ClientTimeout { op: id },
        );
        match (client::route(&command), request) {
            (Route::Info, _) | (_, None) => {
                let (output, opened) = {
                    let mut view = ClusterView {
                        sim: self,
                        node,
                        opened: None,
                    };
                    let output = console::execute(&mut view, &command);
                    (output, view.opened)
                };
                let text = if output.success {
                    output.stdout
                } else {
                    output.stderr
                };
                if let Some(op) = self.ops.get_mut(&id).map(Arc::make_mut) {
                    op.watch = opened.map(|(_, watch)| watch);
                }
                self.finish_op(id, text, output.success);
            }
            (Route::LocalRead, Some(request)) => self.serve_read_now(id, node, &request),
            (Route::LinearizableRead, Some(_)) => {
                let result = self.up_raft(node).and_then(|raft| {
                    raft.read_index(ReadContext::ClientOp(id).to_bytes())
                        .map_err(|e| ActionError(format!("{e:?}")))
                });
                match result {
                    Ok(()) => {
                        self.monitor
                            .on_read_requested(&ReadContext::ClientOp(id).to_bytes());
                        self.drain_ready(node);
                    }
                    Err(ActionError(why)) => self.finish_op(id, unavailable(&why), false),
                }
            }
            (Route::Propose, Some(request)) => {
                let (command_bytes, proposal) = if self.config.sessions {
                    let seq = self.client_seq.entry(client).or_insert(0);
                    *seq += 1;
                    let sequence = *seq;
                    (
                        Command::with_session(request, client, sequence).encode(),
                        Proposal::Session { sequence },
                    )
                } else {
                    (Command::new(request).encode(), Proposal::Plain)
                };
                if let Some(op) = self.ops.get_mut(&id).map(Arc::make_mut) {
                    op.proposal = Some(proposal);
                }
                self.propose_for(id, node, &command_bytes);
            }
        }
        Ok(())
    }

    /// A client sends an earlier write again, unchanged: with sessions the state machine
    /// recognises it; without, it applies a second time.
    pub(super) fn client_retry(&mut self, op: u64, node: NodeId) -> Result<(), ActionError> {
        let original = self.ops.get(&op).ok_or_else(|| {
            if op < self.next_op_id {
                ActionError(format!(
                    "op{op} left the operations window (ops-window={})",
                    self.config.ops_window
                ))
            } else {
                ActionError(format!("there is no operation op{op}"))
            }
        })?;
        let proposal = original.proposal_bytes().ok_or_else(|| {
            ActionError(format!("op{op} is not a write; only writes are retried"))
        })?;
        let mut retry = ClientOp::clone(original);
        let id = self.next_op_id;
        self.next_op_id += 1;
        retry.id = id;
        retry.node = node;
        retry.line = format!("{} (retry of op{op})", original.line);
        retry.call_ms = self.now_ms;
        retry.return_ms = None;
        retry.state = OpState::Pending;
        retry.output.clear();
        retry.answer = None;
        self.ops.insert(id, Arc::new(retry));
        self.queue.push(
            self.later(self.config.client_timeout_ms),
            Event::ClientTimeout { op: id },
        );
        self.propose_for(id, node, &proposal);
        Ok(())
    }

    fn propose_for(&mut self, id: u64, node: NodeId, command_bytes: &[u8]) {
        let data = envelope(id, command_bytes);
        let result = self.up_raft(node).and_then(|raft| {
            raft.propose(data)
                .map_err(|e| ActionError(format!("{e:?}")))
        });
        match result {
            Ok(()) => self.drain_ready(node),
            Err(ActionError(why)) => self.finish_op(id, unavailable(&why), false),
        }
    }

    /// Answers the writes that node `id` just applied for its own clients.
    pub(super) fn answer_writes(&mut self, id: NodeId, answers: Vec<(u64, ApplyOutcome)>) {
        for (op, outcome) in answers {
            let Some(pending) = self.ops.get(&op) else {
                continue;
            };
            // Asked again: an op proposed twice (a retry) is answered by its first entry.
            if !pending.answered_at(id) {
                continue;
            }
            let command = pending.command.clone();
            self.keep_response(op, &outcome.response);
            let (text, ok) = self.render(id, &command, outcome.response);
            self.finish_op(op, text, ok);
        }
    }

    /// Records the read index the leader confirmed for a client read, and files the read
    /// under its node and index so that [`Sim::serve_reads`] finds it without scanning.
    pub(super) fn note_read_index(&mut self, id: NodeId, ctx: &[u8], index: u64) {
        if let Some(op) = ReadContext::parse(ctx)
            .and_then(ReadContext::client_op)
            .and_then(|op| self.ops.get_mut(&op).map(Arc::make_mut))
            && op.node == id
            && op.state == OpState::Pending
        {
            op.read_index = Some(index);
            self.pending_reads.insert((id, index, op.id));
        }
    }

    /// Serves the linearizable reads at node `id` whose read index it has applied. Only the
    /// reads waiting on this node up to its applied index are looked at (an ordered index of
    /// pending reads), so the cost does not grow with the number of operations ever issued.
    pub(super) fn serve_reads(&mut self, id: NodeId) {
        let Some(applied) = self.nodes.get(&id).map(|n| n.app.applied().0) else {
            return;
        };
        let due: Vec<(NodeId, u64, u64)> = self
            .pending_reads
            .range((id, 0, 0)..=(id, applied, u64::MAX))
            .copied()
            .collect();
        let mut ready: Vec<(u64, Request)> = Vec::with_capacity(due.len());
        for key in due {
            self.pending_reads.remove(&key);
            let (_, index, op) = key;
            if let Some(op) = self.ops.get(&op)
                && op.node == id
                && op.state == OpState::Pending
                && op.read_index == Some(index)
                && let Some(request) = op.request()
            {
                ready.push((op.id, request));
            }
        }
        // In op id order, as the scan over the whole map served them.
        crate::sort::sort_by_key(&mut ready, |(op, _)| *op);
        for (op, request) in ready {
            self.serve_read_now(op, id, &request);
        }
    }

    fn serve_read_now(&mut self, op: u64, node: NodeId, request: &Request) {
        let Some(sim_node) = self.nodes.get(&node) else {
            return;
        };
        if !sim_node.is_up() {
            self.finish_op(op, unavailable("the node is down"), false);
            return;
        }
        let kv = sim_node.app.kv();
        let result = match request {
            Request::Range(range) => kv.read(range),
            other => match kv.query(other) {
                Some(result) => result,
                None => return,
            },
        };
        let Some(command) = self.ops.get(&op).map(|o| o.command.clone()) else {
            return;
        };
        self.keep_response(op, &result);
        let (text, ok) = self.render(node, &command, result);
        self.finish_op(op, text, ok);
    }

    fn keep_response(&mut self, op: u64, result: &Result<Response, crate::kv::types::KvError>) {
        if let (Some(pending), Ok(response)) = (self.ops.get_mut(&op).map(Arc::make_mut), result)
            && pending.state == OpState::Pending
        {
            pending.answer = Some(Answer::of(response));
        }
    }

    fn render(
        &self,
        node: NodeId,
        command: &ConsoleCommand,
        result: Result<Response, crate::kv::types::KvError>,
    ) -> (String, bool) {
        match result {
            Ok(response) => (
                console::render_response(command, &self.header_info(node), &response),
                true,
            ),
            Err(error) => (console::render_exec_error(&ExecError::Kv(error)), false),
        }
    }

    /// Delivers the watch events that node `id` just produced to its watching clients.
    pub(super) fn stream_watch_events(&mut self, id: NodeId, events: &[KvEvent]) {
        if events.is_empty() {
            return;
        }
        let Some(node) = self.nodes.get(&id) else {
            return;
        };
        if node.watches.is_empty() {
            return;
        }
        let revision = node.app.kv().store().revision();
        let routed = node.watches.notify(events);
        let info = self.header_info(id);
        for (watch, event) in routed {
            let Some(op_id) = self
                .ops
                .iter()
                .find(|(_, o)| o.node == id && o.watch == Some(watch))
                .map(|(op_id, _)| *op_id)
            else {
                continue;
            };
            let Some(op) = self.ops.get_mut(&op_id) else {
                continue;
            };
            let op = Arc::make_mut(op);
            let text = console::render_watch_events(
                &op.command,
                &info,
                revision,
                std::slice::from_ref(&event),
            );
            op.output.push_str(&text);
            let (client, op_id) = (op.client, op.id);
            let summary = text.lines().collect::<Vec<_>>().join(" ");
            self.trace.push(
                self.now_ms,
                TraceKind::Note {
                    node: id,
                    text: format!("client c{client}: watch op{op_id}: {summary}"),
                },
            );
        }
    }

    /// A crash closes the node's watch streams.
    pub(super) fn close_watches(&mut self, id: NodeId) {
        let watching: Vec<u64> = self
            .ops
            .iter()
            .filter(|(_, o)| o.node == id && o.watch.is_some())
            .map(|(op_id, _)| *op_id)
            .collect();
        for op_id in watching {
            let Some(op) = self.ops.get_mut(&op_id) else {
                continue;
            };
            let op = Arc::make_mut(op);
            op.watch = None;
            op.output
                .push_str("Error: watch stream closed (the node crashed); resume with --rev\n");
        }
    }

    pub(super) fn on_client_timeout(&mut self, op: u64) {
        // Every operation's timeout fires, almost always after its answer. Look before taking
        // it for change: `get_mut` and `Arc::make_mut` copy the map's path and the operation
        // whenever a timeline checkpoint shares them, which for an answered operation would
        // only make a second copy of it (about 5 MB on the hour of `raftlab bench`).
        if !self.is_pending(op) {
            return;
        }
        let Some(pending) = self.ops.get_mut(&op).map(Arc::make_mut) else {
            return;
        };
        pending.state = OpState::TimedOut;
        pending.output = "Error: context deadline exceeded\n".to_string();
        let (client, node) = (pending.client, pending.node);
        self.op_finished(op);
        self.trace.push(
            self.now_ms,
            TraceKind::Note {
                node,
                text: format!("client c{client}: op{op} timed out (outcome unknown)"),
            },
        );
    }

    fn finish_op(&mut self, op: u64, output: String, ok: bool) {
        let now = self.now_ms;
        // Looked at before it is taken for change, as in `on_client_timeout`.
        if !self.is_pending(op) {
            return;
        }
        let Some(pending) = self.ops.get_mut(&op).map(Arc::make_mut) else {
            return;
        };
        pending.state = OpState::Done;
        pending.return_ms = Some(now);
        pending.output = output;
        pending.answer_len = pending.output.len();
        pending.ok = ok;
        let (node, client) = (pending.node, pending.client);
        let summary = pending.output.lines().next().unwrap_or("").to_string();
        self.op_finished(op);
        self.trace.push(
            now,
            TraceKind::Note {
                node,
                text: format!("client c{client}: op{op} answered: {summary}"),
            },
        );
    }

    /// Whether operation `op` is in the window and still waiting for its answer.
    fn is_pending(&self, op: u64) -> bool {
        self.ops
            .get(&op)
            .is_some_and(|o| o.state == OpState::Pending)
    }

    /// Files a finished operation in the ops window and lets the oldest finished ones leave,
    /// so a long run's operations map holds the window, not the run. An operation still
    /// streaming a watch stays until its stream is closed.
    fn op_finished(&mut self, op: u64) {
        self.finished_ops.push_back(op);
        let window = usize::try_from(self.config.ops_window).unwrap_or(usize::MAX);
        if window == 0 {
            return;
        }
        let mut looked = 0;
        while self.finished_ops.len() > window && looked < self.finished_ops.len() {
            let Some(oldest) = self.finished_ops.pop_front() else {
                return;
            };
            looked += 1;
            if self.ops.get(&oldest).is_some_and(|o| o.watch.is_some()) {
                self.finished_ops.push_back(oldest);
                continue;
            }
            if self.ops.remove(&oldest).is_some() {
                self.ops_forgotten += 1;
            }
        }
    }

    fn header_info(&self, node: NodeId) -> HeaderInfo {
        let raft_term = self
            .nodes
            .get(&node)
            .and_then(|n| n.raft())
            .map_or(0, |r| r.raft().term().0);
        HeaderInfo {
            cluster_id: CLUSTER_ID,
            member_id: node.0,
            raft_term,
        }
    }

    /// The node an `--endpoints` value names (a member name such as `n2`, or a client URL),
    /// resolved with the console's own rules over every node of the cluster.
    fn resolve_endpoint(&self, endpoint: &str) -> Result<NodeId, String> {
        client::endpoint_node(self.nodes.keys().copied(), endpoint).ok_or_else(|| {
            let known: Vec<String> = self
                .nodes
                .keys()
                .map(|&id| format!("n{id} ({})", client::client_url(id)))
                .collect();
            format!(
                "Error: unknown endpoint '{endpoint}'; this cluster has {}",
                known.join(", ")
            )
        })
    }

    fn members(&self) -> Vec<MemberInfo> {
        let conf = self
            .leader()
            .and_then(|l| self.nodes.get(&l))
            .and_then(|n| n.raft())
            .or_else(|| self.nodes.values().find_map(|n| n.raft()))
            .map(|r| r.raft().tracker().config.to_conf_state())
            .unwrap_or_default();
        crate::sort::set_of(
            conf.voters
                .iter()
                .chain(conf.voters_outgoing.iter())
                .chain(conf.learners.iter())
                .copied(),
        )
        .into_iter()
        .map(|id| client::member_info(id, conf.learners.contains(&id)))
        .collect()
    }

    fn endpoint_status(&self, node: NodeId) -> Result<EndpointStatus, ExecError> {
        let sim_node = self
            .nodes
            .get(&node)
            .ok_or_else(|| ExecError::Unavailable(format!("no node n{node}")))?;
        let raft = sim_node
            .raft()
            .ok_or_else(|| ExecError::Unavailable(format!("n{node} is down")))?;
        let r = raft.raft();
        Ok(EndpointStatus {
            endpoint: client::client_url(node),
            header: self.header_info(node),
            revision: sim_node.app.kv().store().revision(),
            version: crate::build_info::VERSION.to_string(),
            db_size: sim_node.app.kv().snapshot_bytes().len() as i64,
            leader: r.leader().map_or(0, |l| l.0),
            raft_index: r.log().last_index().0,
            raft_term: r.term().0,
            raft_applied_index: sim_node.app.applied().0,
            is_learner: r.is_learner() && r.role() != Role::Leader,
        })
    }
}

fn unavailable(why: &str) -> String {
    let reason = match why {
        "NoLeader" => "etcdserver: no leader".to_string(),
        "TransferInProgress" => {
            "etcdserver: leader changed (a leadership transfer is in progress)".to_string()
        }
        // The leader appended a change that removes it (or demotes it): it takes no new
        // writes; the client may retry once the next leader is elected.
        "Leaving" => "etcdserver: leader changed (this leader is leaving the configuration; \
                      send the request to the next leader)"
            .to_string(),
        other => format!("etcdserver: {other}"),
    };
    console::render_exec_error(&ExecError::Unavailable(reason))
}

/// A read-only view of the cluster for commands answered without the log.
struct ClusterView<'a> {
    sim: &'a mut Sim,
    node: NodeId,
    /// The watch this command opened: (node, watch id).
    opened: Option<(NodeId, WatchId)>,
}

impl ClusterView<'_> {
    fn node_for(&self, endpoint: Option<&str>) -> Result<NodeId, ExecError> {
        match endpoint {
            None => Ok(self.node),
            Some(e) => self
                .sim
                .resolve_endpoint(e)
                .map_err(ExecError::UnknownEndpoint),
        }
    }
}

impl KvExecutor for ClusterView<'_> {
    fn execute(
        &mut self,
        _endpoint: Option<&str>,
        _request: &Request,
    ) -> Result<Response, ExecError> {
        Err(ExecError::Unavailable(
            "this command goes through the cluster".into(),
        ))
    }

    fn watch(
        &mut self,
        endpoint: Option<&str>,
        key: &[u8],
        range_end: &[u8],
        start: Revision,
        prev_kv: bool,
    ) -> Result<(WatchId, Vec<KvEvent>, Revision), ExecError> {
        let node = self.node_for(endpoint)?;
        let sim_node = self
            .sim
            .nodes
            .get_mut(&node)
            .ok_or_else(|| ExecError::Unavailable(format!("no node n{node}")))?;
        if !sim_node.is_up() {
            return Err(ExecError::Unavailable(format!("n{node} is down")));
        }
        let store = sim_node.app.kv().store();
        let revision = store.revision();
        let (id, replay) = sim_node
            .watches
            .create(store, key, range_end, start, prev_kv)?;
        self.opened = Some((node, id));
        Ok((id, replay, revision))
    }

    fn header(&self, endpoint: Option<&str>) -> Result<HeaderInfo, ExecError> {
        Ok(self.sim.header_info(self.node_for(endpoint)?))
    }

    fn members(&self) -> Vec<MemberInfo> {
        self.sim.members()
    }

    fn endpoint_status(&self, endpoint: Option<&str>) -> Result<EndpointStatus, ExecError> {
        self.sim.endpoint_status(self.node_for(endpoint)?)
    }
}

#[cfg(test)]
mod tests {
    use crate::raft::types::NodeId;
    use crate::sim::action::Action;
    use crate::sim::app::{envelope, open_envelope};
    use crate::sim::cluster::Sim;
    use crate::sim::config::SimConfig;
    use crate::sim::queue::TimeMs;

    /// An operation keeps its command and how it was proposed, not the request and its bytes:
    /// what it derives must be exactly what went into the log, for writes and their retries
    /// (a retry of a retry too), with and without sessions, and a lease grant's request keeps
    /// the time it was first sent.
    #[test]
    fn an_operation_derives_the_very_bytes_it_proposed() {
        for sessions in [true, false] {
            let config = SimConfig {
                voters: 3,
                seed: 4,
                sessions,
                ..SimConfig::default()
            };
            let mut sim = Sim::new(config).expect("config");
            sim.run_until(TimeMs(3_000), u64::MAX);
            for (i, line) in ["put a 1", "put b 2", "lease grant 60", "del a", "get b"]
                .iter()
                .enumerate()
            {
                let action = Action::Console {
                    client: 1 + i as u64 % 2,
                    node: NodeId(1),
                    line: line.to_string(),
                };
                sim.apply_action(&action).expect("sent");
                sim.run_until(TimeMs(3_000 + 300 * (i as u64 + 1)), u64::MAX);
            }
            for (op, node) in [(0, NodeId(2)), (5, NodeId(3)), (2, NodeId(1))] {
                sim.apply_action(&Action::Retry { op, node })
                    .expect("a write");
                sim.run_until(sim.now_ms().saturating_add(TimeMs(500)), u64::MAX);
            }
            let raft = sim.nodes()[&NodeId(1)].raft().expect("up");
            let mut seen = 0;
            for entry in raft.storage().all_entries() {
                let (Some(id), _) = open_envelope(&entry.data) else {
                    continue;
                };
                let op = &sim.ops()[&id];
                let bytes = op.proposal_bytes().expect("a write proposed its bytes");
                assert_eq!(
                    &*entry.data,
                    &envelope(id, &bytes)[..],
                    "op{id} ({sessions})"
                );
                seen += 1;
            }
            assert_eq!(seen, 7, "four writes and three retries");
            assert!(
                sim.ops()[&4].proposal_bytes().is_none(),
                "a read proposes nothing"
            );
            let grant = &sim.ops()[&2];
            let retried = &sim.ops()[&7];
            assert_eq!(
                retried.request(),
                grant.request(),
                "a retry sends the same request"
            );
            assert!(retried.call_ms > grant.call_ms);
        }
    }
}
