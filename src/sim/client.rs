//! Simulated clients: etcdctl lines sent to a node, answered when the cluster answers.
//!
//! A write is proposed through Raft and answered by the contacted node when it applies the
//! entry; a linearizable read asks for a read index and is served once the node has applied
//! up to it; a serializable read (`--consistency=s`) is served from the node's local state at
//! once, possibly stale. An operation with no answer within the client timeout ends with an
//! unknown outcome: it may or may not have taken effect, and the history checker allows both.

use crate::kv::command::Command;
use crate::kv::console::executor::{ClusterInfo, MemberInfo};
use crate::kv::console::{self, ConsoleCommand};
use crate::kv::request::Request;
use crate::raft::types::NodeId;
use crate::sim::answer::Answer;
use crate::sim::queue::TimeMs;
use serde::Serialize;

/// Where an operation stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum OpState {
    /// Sent, no answer yet.
    Pending,
    /// Answered (successfully or with an error).
    Done,
    /// No answer within the client timeout: unknown outcome.
    TimedOut,
}

/// One client operation, for the console, the page and the history checker.
#[derive(Clone, Debug)]
pub struct ClientOp {
    /// Stable id, in call order.
    pub id: u64,
    /// The client.
    pub client: u64,
    /// The node the client talks to.
    pub node: NodeId,
    /// The line as typed.
    pub line: String,
    /// The parsed command (for printing the answer, and the request: [`ClientOp::request`]).
    pub command: ConsoleCommand,
    /// The time stamped into the request ([`Request::stamp_time`]): when it was first sent (a
    /// retry keeps its original's).
    pub request_ms: TimeMs,
    /// How a write was proposed to Raft, so a retry proposes the same bytes
    /// ([`ClientOp::proposal_bytes`]); `None` for anything else.
    pub proposal: Option<Proposal>,
    /// When it was sent.
    pub call_ms: TimeMs,
    /// When it was answered.
    pub return_ms: Option<TimeMs>,
    /// Pending, done or timed out.
    pub state: OpState,
    /// What etcdctl would print.
    pub output: String,
    /// How many bytes at the start of `output` are the answer itself: a watch appends its
    /// later events after it. Scripts print the whole answer under the `answered` note.
    pub answer_len: usize,
    /// False when the answer is an error.
    pub ok: bool,
    /// For a linearizable read: the read index once the leader confirmed it.
    pub read_index: Option<u64>,
    /// The watch this operation opened on its node, while it streams events.
    pub watch: Option<i64>,
    /// What the history checker reads of the answer, when it was a success (the fact, not
    /// the whole response: see [`Answer`]).
    pub answer: Option<Answer>,
}

/// How a write was proposed: with the command, all it takes to encode the proposal again.
///
/// An operation keeps this rather than the request and the encoded bytes (about 190 bytes of
/// its 816, measured on the one-hour timeline run): every finished operation stays in the
/// timeline checkpoints that hold it, so over an hour they hold every operation of the hour,
/// and the request and its bytes are derived from the command in a few microseconds when a
/// retry or the history checker asks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proposal {
    /// Proposed without a session (`Command::new`).
    Plain,
    /// Proposed with the client's session stamp (`Command::with_session`).
    Session {
        /// The client's sequence number for it.
        sequence: u64,
    },
}

impl ClientOp {
    /// Whether node `id` answers this write when it applies it: the op still waits and the
    /// client sent it to this node (every node applies a write; one answers it).
    pub fn answered_at(&self, id: NodeId) -> bool {
        self.node == id && self.state == OpState::Pending
    }

    /// The request the command makes, if any, stamped with [`ClientOp::request_ms`]: the
    /// request that was sent (derived from the command rather than kept; see [`Proposal`]).
    pub fn request(&self) -> Option<Request> {
        let mut request = self.command.action.request()?;
        request.stamp_time(self.request_ms.0);
        Some(request)
    }

    /// The bytes proposed to Raft for a write (what a retry proposes again); `None` when the
    /// operation proposed nothing.
    pub fn proposal_bytes(&self) -> Option<Vec<u8>> {
        let (proposal, request) = (self.proposal?, self.request()?);
        Some(match proposal {
            Proposal::Plain => Command::new(request).encode(),
            Proposal::Session { sequence } => {
                Command::with_session(request, self.client, sequence).encode()
            }
        })
    }
}

/// How a request travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// Through the log.
    Propose,
    /// Read index, then local read.
    LinearizableRead,
    /// Local read now.
    LocalRead,
    /// No request: answered from the cluster view (member list, endpoint status, help).
    Info,
}

/// Decides how a parsed command travels.
pub fn route(command: &ConsoleCommand) -> Route {
    match command.action.request() {
        None => Route::Info,
        Some(request) if request.is_write() => Route::Propose,
        Some(Request::Range(range)) if range.serializable => Route::LocalRead,
        Some(_) => Route::LinearizableRead,
    }
}

/// Parses a console line, or returns the error text (message, caret line and usage).
pub fn parse(line: &str) -> Result<ConsoleCommand, String> {
    match console::parse_line(line) {
        Err(error) => Err(error.render(line)),
        Ok(None) => {
            Err("empty command: type an etcdctl command such as `put mykey myvalue`".into())
        }
        Ok(Some(command)) => Ok(command),
    }
}

/// The client URL of node `id`, following etcd's local-cluster convention (2379, 22379, ...).
pub fn client_url(id: NodeId) -> String {
    if id.0 <= 1 {
        "http://localhost:2379".to_string()
    } else {
        format!("http://localhost:{}2379", id)
    }
}

/// The peer URL of node `id` (2380, 22380, ...).
pub fn peer_url(id: NodeId) -> String {
    if id.0 <= 1 {
        "http://localhost:2380".to_string()
    } else {
        format!("http://localhost:{}2380", id)
    }
}

/// How node `id` appears in `member list` and to `--endpoints`: named `n1`, at its URLs.
pub fn member_info(id: NodeId, is_learner: bool) -> MemberInfo {
    MemberInfo {
        id: id.0,
        name: format!("n{id}"),
        peer_urls: vec![peer_url(id)],
        client_urls: vec![client_url(id)],
        is_learner,
    }
}

/// The node among `ids` that an `--endpoints` value names (a member name such as `n2`, or a
/// client URL; the first of a list that names one), by the console's own rules: how the
/// simulator routes a line, and how the real-etcd export picks the member to send it to.
pub fn endpoint_node(ids: impl IntoIterator<Item = NodeId>, endpoint: &str) -> Option<NodeId> {
    let cluster = ClusterInfo {
        members: ids.into_iter().map(|id| member_info(id, false)).collect(),
        ..ClusterInfo::default()
    };
    cluster
        .resolve(Some(endpoint))
        .ok()
        .map(|member| NodeId(member.id))
}
