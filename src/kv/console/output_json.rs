//! etcdctl's `-w json` output: the protobuf messages as Go's encoding/json prints them, with
//! zero fields left out and keys and values in base64. Field order follows etcd's. One
//! deliberate addition: headers carry `raft_index` (the log entry behind the answer), which
//! etcd's headers do not have.

use super::executor::{EndpointStatus, HeaderInfo, MemberInfo};
use crate::kv::response::{
    DeleteRangeResponse, PutResponse, RangeResponse, ResponseBody, ResponseHeader, ResponseOp,
    TxnResponse,
};
use crate::kv::types::{Event, EventType, KeyValue};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;

fn is_zero_u64(value: &u64) -> bool {
    *value == 0
}
fn is_zero_i64(value: &i64) -> bool {
    *value == 0
}
fn is_false(value: &bool) -> bool {
    !*value
}

/// A response header.
#[derive(Serialize, Default)]
pub struct JsonHeader {
    #[serde(skip_serializing_if = "is_zero_u64")]
    cluster_id: u64,
    #[serde(skip_serializing_if = "is_zero_u64")]
    member_id: u64,
    #[serde(skip_serializing_if = "is_zero_i64")]
    revision: i64,
    #[serde(skip_serializing_if = "is_zero_u64")]
    raft_term: u64,
    #[serde(skip_serializing_if = "is_zero_u64")]
    raft_index: u64,
}

impl JsonHeader {
    /// The outer header of a response.
    pub fn new(info: &HeaderInfo, header: &ResponseHeader) -> Self {
        JsonHeader {
            cluster_id: info.cluster_id,
            member_id: info.member_id,
            revision: header.revision,
            raft_term: info.raft_term,
            raft_index: header.raft_index,
        }
    }

    /// A header with only a revision (txn sub-responses, like etcd).
    fn revision_only(revision: i64) -> Self {
        JsonHeader {
            revision,
            ..Default::default()
        }
    }
}

/// A key-value with base64 bytes.
#[derive(Serialize)]
struct JsonKeyValue {
    #[serde(skip_serializing_if = "String::is_empty")]
    key: String,
    #[serde(skip_serializing_if = "is_zero_i64")]
    create_revision: i64,
    #[serde(skip_serializing_if = "is_zero_i64")]
    mod_revision: i64,
    #[serde(skip_serializing_if = "is_zero_i64")]
    version: i64,
    #[serde(skip_serializing_if = "String::is_empty")]
    value: String,
    #[serde(skip_serializing_if = "is_zero_i64")]
    lease: i64,
}

fn json_kv(kv: &KeyValue) -> JsonKeyValue {
    JsonKeyValue {
        key: STANDARD.encode(&kv.key),
        create_revision: kv.create_revision,
        mod_revision: kv.mod_revision,
        version: kv.version,
        value: STANDARD.encode(&kv.value),
        lease: kv.lease,
    }
}

#[derive(Serialize)]
struct JsonPut {
    header: JsonHeader,
    #[serde(skip_serializing_if = "Option::is_none")]
    prev_kv: Option<JsonKeyValue>,
}

#[derive(Serialize)]
struct JsonRange {
    header: JsonHeader,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    kvs: Vec<JsonKeyValue>,
    #[serde(skip_serializing_if = "is_false")]
    more: bool,
    #[serde(skip_serializing_if = "is_zero_i64")]
    count: i64,
}

#[derive(Serialize)]
struct JsonDelete {
    header: JsonHeader,
    #[serde(skip_serializing_if = "is_zero_i64")]
    deleted: i64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    prev_kvs: Vec<JsonKeyValue>,
}

/// Variant names are etcd's JSON field names, hence the shared prefix.
#[derive(Serialize)]
#[allow(clippy::enum_variant_names)]
enum JsonResponseOp {
    ResponseRange(JsonRange),
    ResponsePut(JsonPut),
    ResponseDeleteRange(JsonDelete),
}

#[derive(Serialize)]
struct JsonOpWrapper {
    #[serde(rename = "Response")]
    response: JsonResponseOp,
}

#[derive(Serialize)]
struct JsonTxn {
    header: JsonHeader,
    #[serde(skip_serializing_if = "is_false")]
    succeeded: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    responses: Vec<JsonOpWrapper>,
}

fn put_body(header: JsonHeader, response: &PutResponse) -> JsonPut {
    JsonPut {
        header,
        prev_kv: response.prev_kv.as_ref().map(json_kv),
    }
}

fn range_body(header: JsonHeader, response: &RangeResponse) -> JsonRange {
    JsonRange {
        header,
        kvs: response.kvs.iter().map(json_kv).collect(),
        more: response.more,
        count: response.count,
    }
}

fn delete_body(header: JsonHeader, response: &DeleteRangeResponse) -> JsonDelete {
    JsonDelete {
        header,
        deleted: response.deleted,
        prev_kvs: response.prev_kvs.iter().map(json_kv).collect(),
    }
}

fn to_line<T: Serialize>(value: &T) -> String {
    // Serializing plain structs of strings and integers cannot fail.
    let mut line = serde_json::to_string(value).unwrap_or_default();
    line.push('\n');
    line
}

/// `put -w json`
pub fn put(header: JsonHeader, response: &PutResponse) -> String {
    to_line(&put_body(header, response))
}

/// `get -w json`
pub fn get(header: JsonHeader, response: &RangeResponse) -> String {
    to_line(&range_body(header, response))
}

/// `del -w json`
pub fn del(header: JsonHeader, response: &DeleteRangeResponse) -> String {
    to_line(&delete_body(header, response))
}

/// `txn -w json`
pub fn txn(header: JsonHeader, response: &TxnResponse) -> String {
    let revision = header.revision;
    let responses = response
        .responses
        .iter()
        .map(|op| JsonOpWrapper {
            response: match op {
                ResponseOp::Range(range) => JsonResponseOp::ResponseRange(range_body(
                    JsonHeader::revision_only(revision),
                    range,
                )),
                ResponseOp::Put(put) => {
                    JsonResponseOp::ResponsePut(put_body(JsonHeader::revision_only(revision), put))
                }
                ResponseOp::DeleteRange(delete) => JsonResponseOp::ResponseDeleteRange(
                    delete_body(JsonHeader::revision_only(revision), delete),
                ),
            },
        })
        .collect();
    to_line(&JsonTxn {
        header,
        succeeded: response.succeeded,
        responses,
    })
}

#[derive(Serialize)]
struct JsonEvent {
    #[serde(rename = "type", skip_serializing_if = "is_zero_i64")]
    kind: i64,
    kv: JsonKeyValue,
    #[serde(skip_serializing_if = "Option::is_none")]
    prev_kv: Option<JsonKeyValue>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct JsonWatch {
    header: JsonHeader,
    events: Vec<JsonEvent>,
    compact_revision: i64,
    canceled: bool,
    created: bool,
}

/// `watch -w json`: one watch response holding the events.
pub fn watch(header: JsonHeader, events: &[Event]) -> String {
    let events = events
        .iter()
        .map(|event| JsonEvent {
            kind: match event.kind {
                EventType::Put => 0,
                EventType::Delete => 1,
            },
            kv: json_kv(&event.kv),
            prev_kv: event.prev_kv.as_deref().map(json_kv),
        })
        .collect();
    to_line(&JsonWatch {
        header,
        events,
        compact_revision: 0,
        canceled: false,
        created: false,
    })
}

#[derive(Serialize)]
struct JsonMember {
    #[serde(rename = "ID")]
    id: u64,
    name: String,
    #[serde(rename = "peerURLs")]
    peer_urls: Vec<String>,
    #[serde(rename = "clientURLs")]
    client_urls: Vec<String>,
    #[serde(rename = "isLearner", skip_serializing_if = "is_false")]
    is_learner: bool,
}

#[derive(Serialize)]
struct JsonMemberList {
    header: JsonHeader,
    members: Vec<JsonMember>,
}

/// `member list -w json`
pub fn members(info: &HeaderInfo, members: &[MemberInfo]) -> String {
    let header = JsonHeader {
        cluster_id: info.cluster_id,
        member_id: info.member_id,
        raft_term: info.raft_term,
        ..Default::default()
    };
    let members = members
        .iter()
        .map(|member| JsonMember {
            id: member.id,
            name: member.name.clone(),
            peer_urls: member.peer_urls.clone(),
            client_urls: member.client_urls.clone(),
            is_learner: member.is_learner,
        })
        .collect();
    to_line(&JsonMemberList { header, members })
}

#[derive(Serialize)]
struct JsonStatusBody {
    header: JsonHeader,
    version: String,
    #[serde(rename = "dbSize")]
    db_size: i64,
    leader: u64,
    #[serde(rename = "raftIndex")]
    raft_index: u64,
    #[serde(rename = "raftTerm")]
    raft_term: u64,
    #[serde(rename = "raftAppliedIndex")]
    raft_applied_index: u64,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct JsonStatus {
    endpoint: String,
    status: JsonStatusBody,
}

/// `endpoint status -w json`: a list with one entry, like etcdctl.
pub fn endpoint_status(status: &EndpointStatus) -> String {
    let header = JsonHeader {
        cluster_id: status.header.cluster_id,
        member_id: status.header.member_id,
        revision: status.revision,
        raft_term: status.header.raft_term,
        raft_index: 0,
    };
    let body = JsonStatusBody {
        header,
        version: status.version.clone(),
        db_size: status.db_size,
        leader: status.leader,
        raft_index: status.raft_index,
        raft_term: status.raft_term,
        raft_applied_index: status.raft_applied_index,
    };
    to_line(&[JsonStatus {
        endpoint: status.endpoint.clone(),
        status: body,
    }])
}

#[derive(Serialize)]
struct JsonLease {
    header: JsonHeader,
    #[serde(rename = "ID", skip_serializing_if = "is_zero_i64")]
    id: i64,
    #[serde(rename = "TTL", skip_serializing_if = "is_zero_i64")]
    ttl: i64,
    #[serde(rename = "grantedTTL", skip_serializing_if = "is_zero_i64")]
    granted_ttl: i64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    keys: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    leases: Vec<JsonLeaseId>,
}

#[derive(Serialize)]
struct JsonLeaseId {
    #[serde(rename = "ID")]
    id: i64,
}

/// Lease commands in JSON (etcd's field names: `ID`, `TTL`, `grantedTTL`, `keys`, `leases`).
pub fn lease(header: JsonHeader, body: &ResponseBody) -> String {
    let mut json = JsonLease {
        header,
        id: 0,
        ttl: 0,
        granted_ttl: 0,
        keys: Vec::new(),
        leases: Vec::new(),
    };
    match body {
        ResponseBody::LeaseGrant { id, ttl_seconds }
        | ResponseBody::LeaseKeepAlive { id, ttl_seconds } => {
            json.id = *id;
            json.ttl = *ttl_seconds;
        }
        ResponseBody::LeaseTimeToLive(ttl) => {
            json.id = ttl.id;
            json.ttl = ttl.ttl_seconds;
            json.granted_ttl = ttl.granted_ttl_seconds;
            json.keys = ttl.keys.iter().map(|key| STANDARD.encode(key)).collect();
        }
        ResponseBody::LeaseLeases(ids) => {
            json.leases = ids.iter().map(|id| JsonLeaseId { id: *id }).collect()
        }
        _ => {}
    }
    to_line(&json)
}
