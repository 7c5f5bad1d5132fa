//! Who runs console commands. The console parses and prints; an executor decides where a
//! request goes. [`LocalExecutor`] applies to one state machine directly (tests, the
//! differential test, a first version of the page); the simulator implements [`KvExecutor`] by
//! proposing writes through Raft and serving reads by read-index, then answering with the
//! applied response.

use crate::kv::command::Command;
use crate::kv::request::Request;
use crate::kv::response::Response;
use crate::kv::state_machine::KvStateMachine;
use crate::kv::types::{Event, KvError, Revision};
use crate::kv::watch::{WatchError, WatchHub, WatchId};
use std::fmt;

/// Why a command could not be executed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExecError {
    /// The state machine refused the request (compacted revision, bad key...).
    Kv(KvError),
    /// `--endpoints` named no member.
    UnknownEndpoint(String),
    /// The node cannot serve now (no leader, partitioned, timed out); the text says which.
    Unavailable(String),
}

impl fmt::Display for ExecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExecError::Kv(error) => write!(f, "etcdserver: {error}"),
            ExecError::UnknownEndpoint(endpoint) => {
                write!(
                    f,
                    "unknown endpoint {endpoint:?}: use a member name or client URL from `member list`"
                )
            }
            ExecError::Unavailable(why) => write!(f, "{why}"),
        }
    }
}

impl From<KvError> for ExecError {
    fn from(error: KvError) -> Self {
        ExecError::Kv(error)
    }
}

/// A watch the hub refused: a compacted or future start revision is the store's error (etcdctl
/// prints it as a canceled watch); too many watches is the member being unavailable.
impl From<WatchError> for ExecError {
    fn from(error: WatchError) -> Self {
        match error {
            WatchError::Store(error) => ExecError::Kv(error),
            WatchError::TooManyWatchers => {
                ExecError::Unavailable("too many open watches".to_string())
            }
        }
    }
}

/// One cluster member, as `member list` shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberInfo {
    /// Member id.
    pub id: u64,
    /// Member name (also accepted by `--endpoints`).
    pub name: String,
    /// Peer URLs.
    pub peer_urls: Vec<String>,
    /// Client URLs (accepted by `--endpoints`).
    pub client_urls: Vec<String>,
    /// True for a learner.
    pub is_learner: bool,
}

/// Ids and term for response headers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HeaderInfo {
    /// Cluster id.
    pub cluster_id: u64,
    /// Id of the member that answered.
    pub member_id: u64,
    /// That member's current term.
    pub raft_term: u64,
}

/// What `endpoint status` shows for one member.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EndpointStatus {
    /// The endpoint as addressed.
    pub endpoint: String,
    /// Header ids and term.
    pub header: HeaderInfo,
    /// Store revision.
    pub revision: Revision,
    /// Version string shown (raftlab's).
    pub version: String,
    /// Approximate size of the state in bytes.
    pub db_size: i64,
    /// Leader id as this member knows it (0 = none).
    pub leader: u64,
    /// Last log index.
    pub raft_index: u64,
    /// Current term.
    pub raft_term: u64,
    /// Applied index.
    pub raft_applied_index: u64,
    /// True for a learner.
    pub is_learner: bool,
}

/// What the console needs from whoever executes commands.
pub trait KvExecutor {
    /// Run a request at the member `endpoint` names (None = the console's current member).
    fn execute(&mut self, endpoint: Option<&str>, request: &Request)
    -> Result<Response, ExecError>;
    /// Open a watch: returns its id, the replayed events since `start` and the revision now.
    /// Live events arrive later through the executor's own channel.
    fn watch(
        &mut self,
        endpoint: Option<&str>,
        key: &[u8],
        range_end: &[u8],
        start: Revision,
        prev_kv: bool,
    ) -> Result<(WatchId, Vec<Event>, Revision), ExecError>;
    /// Ids and term for the header of an answer from `endpoint`.
    fn header(&self, endpoint: Option<&str>) -> Result<HeaderInfo, ExecError>;
    /// The members.
    fn members(&self) -> Vec<MemberInfo>;
    /// Status of the member `endpoint` names.
    fn endpoint_status(&self, endpoint: Option<&str>) -> Result<EndpointStatus, ExecError>;
}

/// A static description of the cluster for [`LocalExecutor`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterInfo {
    /// Cluster id.
    pub cluster_id: u64,
    /// Term to report.
    pub raft_term: u64,
    /// Members; the first is the default endpoint.
    pub members: Vec<MemberInfo>,
}

impl Default for ClusterInfo {
    /// One member named `default` at etcd's default URLs, so the seed's
    /// `--endpoints=http://localhost:2379` names it.
    fn default() -> Self {
        ClusterInfo {
            cluster_id: 0xcdf8_18c7_dd8c_1a21,
            raft_term: 2,
            members: vec![MemberInfo {
                id: 0x8e9e_05c5_2164_694d,
                name: "default".to_string(),
                peer_urls: vec!["http://localhost:2380".to_string()],
                client_urls: vec!["http://localhost:2379".to_string()],
                is_learner: false,
            }],
        }
    }
}

impl ClusterInfo {
    /// The member an `--endpoints` value names: the first of a comma-separated list that
    /// matches a member name or client URL (scheme optional); the first member when `None`.
    pub fn resolve(&self, endpoint: Option<&str>) -> Result<&MemberInfo, ExecError> {
        let Some(endpoint) = endpoint else {
            return self
                .members
                .first()
                .ok_or_else(|| ExecError::Unavailable("no members".to_string()));
        };
        for wanted in endpoint.split(',').map(str::trim) {
            let wanted_address = strip_scheme(wanted);
            let found = self.members.iter().find(|member| {
                member.name == wanted
                    || member
                        .client_urls
                        .iter()
                        .any(|url| strip_scheme(url) == wanted_address)
            });
            if let Some(member) = found {
                return Ok(member);
            }
        }
        Err(ExecError::UnknownEndpoint(endpoint.to_string()))
    }
}

fn strip_scheme(url: &str) -> &str {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .unwrap_or(url);
    rest.trim_end_matches('/')
}

/// Runs console commands on one state machine, giving each write the next log index as if
/// Raft had committed it at once.
#[derive(Clone, Debug, Default)]
pub struct LocalExecutor {
    /// The state machine.
    pub machine: KvStateMachine,
    /// Its watchers.
    pub watches: WatchHub,
    /// Cluster description for headers, `member list` and `endpoint status`.
    pub cluster: ClusterInfo,
    /// Live events routed to watches since the last [`LocalExecutor::take_watch_events`].
    pending_events: Vec<(WatchId, Event)>,
    /// Logical time in milliseconds, stamped on lease requests (this executor plays leader).
    now_ms: u64,
}

/// Live events kept for watchers at most before the oldest are dropped.
pub const PENDING_EVENTS_MAX: usize = 10_000;

impl LocalExecutor {
    /// A fresh store with the default one-member cluster.
    pub fn new() -> Self {
        Self::default()
    }

    /// The executor's logical time.
    pub fn now_ms(&self) -> u64 {
        self.now_ms
    }

    /// Advance logical time and, acting as the leader, revoke every lease that expired (each
    /// revoke is applied like a committed entry). Returns the revoked lease ids.
    pub fn advance_time(&mut self, elapsed_ms: u64) -> Vec<crate::kv::lease::LeaseId> {
        self.now_ms = self.now_ms.saturating_add(elapsed_ms);
        let expired = self.machine.store().leases().expired(self.now_ms);
        for id in &expired {
            // A lease listed as expired exists, so its revoke cannot fail.
            let _ = self.propose(Request::LeaseRevoke(*id));
        }
        expired
    }

    /// Apply a write as the next log entry and route its events to the watches.
    fn propose(&mut self, request: Request) -> Result<Response, KvError> {
        let index = self.machine.applied_index() + 1;
        let outcome = self.machine.apply(index, &Command::new(request).encode());
        self.pending_events
            .extend(self.watches.notify(&outcome.events));
        let overflow = self.pending_events.len().saturating_sub(PENDING_EVENTS_MAX);
        self.pending_events.drain(..overflow);
        outcome.response
    }

    /// Take the live watch events produced since the last call.
    pub fn take_watch_events(&mut self) -> Vec<(WatchId, Event)> {
        std::mem::take(&mut self.pending_events)
    }
}

impl KvExecutor for LocalExecutor {
    fn execute(
        &mut self,
        endpoint: Option<&str>,
        request: &Request,
    ) -> Result<Response, ExecError> {
        self.cluster.resolve(endpoint)?;
        let mut request = request.clone();
        request.stamp_time(self.now_ms);
        if let Some(answer) = self.machine.query(&request) {
            return Ok(answer?);
        }
        Ok(self.propose(request)?)
    }

    fn watch(
        &mut self,
        endpoint: Option<&str>,
        key: &[u8],
        range_end: &[u8],
        start: Revision,
        prev_kv: bool,
    ) -> Result<(WatchId, Vec<Event>, Revision), ExecError> {
        self.cluster.resolve(endpoint)?;
        let store = self.machine.store();
        let (id, events) = self.watches.create(store, key, range_end, start, prev_kv)?;
        Ok((id, events, store.revision()))
    }

    fn header(&self, endpoint: Option<&str>) -> Result<HeaderInfo, ExecError> {
        let member = self.cluster.resolve(endpoint)?;
        Ok(HeaderInfo {
            cluster_id: self.cluster.cluster_id,
            member_id: member.id,
            raft_term: self.cluster.raft_term,
        })
    }

    fn members(&self) -> Vec<MemberInfo> {
        self.cluster.members.clone()
    }

    fn endpoint_status(&self, endpoint: Option<&str>) -> Result<EndpointStatus, ExecError> {
        let member = self.cluster.resolve(endpoint)?;
        let header = self.header(endpoint)?;
        let applied = self.machine.applied_index();
        Ok(EndpointStatus {
            endpoint: endpoint
                .map(str::to_string)
                .or_else(|| member.client_urls.first().cloned())
                .unwrap_or_default(),
            header,
            revision: self.machine.store().revision(),
            version: crate::build_info::VERSION.to_string(),
            db_size: approximate_size(&self.machine),
            leader: member.id,
            raft_index: applied,
            raft_term: self.cluster.raft_term,
            raft_applied_index: applied,
            is_learner: member.is_learner,
        })
    }
}

/// A rough state size for `endpoint status`: live keys and values plus a fixed cost per key.
fn approximate_size(machine: &KvStateMachine) -> i64 {
    let request = crate::kv::request::RangeRequest {
        key: vec![0],
        range_end: vec![0],
        ..Default::default()
    };
    machine
        .store()
        .range(&request)
        .map(|range| {
            range
                .kvs
                .iter()
                .map(|kv| (kv.key.len() + kv.value.len() + 64) as i64)
                .sum()
        })
        .unwrap_or(0)
}
