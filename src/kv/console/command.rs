//! What a parsed console line asks for: plain data, independent of who executes it. The
//! simulator can route the [`Action`]'s request through Raft; [`super::LocalExecutor`] runs it
//! on one store.

use crate::kv::lease::LeaseId;
use crate::kv::request::{
    DeleteRangeRequest, LeaseGrantRequest, LeaseKeepAliveRequest, LeaseTimeToLiveRequest,
    PutRequest, RangeRequest, Request, TxnRequest,
};
use crate::kv::types::Revision;

/// How to print results.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OutputFormat {
    /// etcdctl's default text output.
    #[default]
    Simple,
    /// etcdctl's `-w json`.
    Json,
    /// etcdctl's `-w fields`: one `"Field" : value` line per field.
    Fields,
}

/// One parsed console line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsoleCommand {
    /// `--endpoints` as given (a member name or a client URL; a list is kept as typed), or
    /// `None` for the console's current node.
    pub endpoint: Option<String>,
    /// `-w` / `--write-out`.
    pub output: OutputFormat,
    /// `--hex`: keys and values as `\x..` bytes (simple output only, as in etcdctl).
    pub hex: bool,
    /// The command.
    pub action: Action,
}

/// A console command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// `put`
    Put(PutRequest),
    /// `get`; `print_value_only` only changes the simple output.
    Get {
        /// The read.
        request: RangeRequest,
        /// `--print-value-only`.
        print_value_only: bool,
    },
    /// `del`
    Del(DeleteRangeRequest),
    /// `txn`
    Txn(TxnRequest),
    /// `watch`
    Watch {
        /// First key.
        key: Vec<u8>,
        /// Range end (etcd convention).
        range_end: Vec<u8>,
        /// `--rev` (0 = from now on).
        start_revision: Revision,
        /// `--prev-kv`.
        prev_kv: bool,
    },
    /// `compaction` (etcdctl 3.4's name) or `compact`
    Compact {
        /// The revision.
        revision: Revision,
        /// `--physical` (accepted; compaction here is always immediate).
        physical: bool,
    },
    /// `member list`
    MemberList,
    /// `endpoint status`
    EndpointStatus,
    /// `help [command]`
    Help(Option<String>),
    /// `version`: the etcdctl and API versions the console speaks.
    Version,
    /// `lease grant|revoke|keep-alive|timetolive|list`
    Lease(LeaseAction),
}

/// A `lease` subcommand.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LeaseAction {
    /// `lease grant TTL`
    Grant {
        /// Seconds.
        ttl_seconds: i64,
    },
    /// `lease revoke ID`
    Revoke(LeaseId),
    /// `lease keep-alive [--once] ID` (always once here: a console line cannot stream).
    KeepAlive(LeaseId),
    /// `lease timetolive ID [--keys]`
    TimeToLive {
        /// The lease.
        id: LeaseId,
        /// `--keys`.
        keys: bool,
    },
    /// `lease list`
    List,
}

impl Action {
    /// The KV request behind the command, for commands that are one. Lease requests carry
    /// `now_ms = 0`: whoever proposes them stamps the time ([`Request::stamp_time`]).
    pub fn request(&self) -> Option<Request> {
        match self {
            Action::Put(put) => Some(Request::Put(put.clone())),
            Action::Get { request, .. } => Some(Request::Range(request.clone())),
            Action::Del(delete) => Some(Request::DeleteRange(delete.clone())),
            Action::Txn(txn) => Some(Request::Txn(txn.clone())),
            Action::Compact { revision, .. } => {
                Some(Request::Compact(crate::kv::request::CompactionRequest {
                    revision: *revision,
                }))
            }
            Action::Lease(lease) => Some(match lease {
                LeaseAction::Grant { ttl_seconds } => Request::LeaseGrant(LeaseGrantRequest {
                    id: 0,
                    ttl_seconds: *ttl_seconds,
                    now_ms: 0,
                }),
                LeaseAction::Revoke(id) => Request::LeaseRevoke(*id),
                LeaseAction::KeepAlive(id) => {
                    Request::LeaseKeepAlive(LeaseKeepAliveRequest { id: *id, now_ms: 0 })
                }
                LeaseAction::TimeToLive { id, keys } => {
                    Request::LeaseTimeToLive(LeaseTimeToLiveRequest {
                        id: *id,
                        keys: *keys,
                        now_ms: 0,
                    })
                }
                LeaseAction::List => Request::LeaseLeases,
            }),
            Action::Watch { .. }
            | Action::MemberList
            | Action::EndpointStatus
            | Action::Help(_)
            | Action::Version => None,
        }
    }
}
