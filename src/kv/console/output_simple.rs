//! etcdctl 3.4's "simple" output, line for line (its `printer_simple.go`): `put` prints OK,
//! `get` prints key and value lines, `del` the count, `txn` SUCCESS or FAILURE then each
//! result after a blank line, `watch` the event type then key and value lines. With `--hex`
//! keys and values are printed as `\x..` bytes (etcdctl's `printKV`).

use super::executor::{EndpointStatus, MemberInfo};
use crate::kv::response::{
    DeleteRangeResponse, PutResponse, RangeResponse, ResponseBody, ResponseOp, TxnResponse,
};
use crate::kv::types::{Event, EventType, KeyValue};

/// Key and value lines (only the value with `--print-value-only`; `\x..` bytes with `--hex`).
pub fn key_value(out: &mut String, kv: &KeyValue, value_only: bool, hex: bool) {
    let text = |bytes: &[u8]| {
        if hex {
            super::output_fields::hex(bytes)
        } else {
            String::from_utf8_lossy(bytes).into_owned()
        }
    };
    if !value_only {
        out.push_str(&text(&kv.key));
        out.push('\n');
    }
    out.push_str(&text(&kv.value));
    out.push('\n');
}

/// `put`
pub fn put(out: &mut String, response: &PutResponse, hex: bool) {
    out.push_str("OK\n");
    if let Some(prev) = &response.prev_kv {
        key_value(out, prev, false, hex);
    }
}

/// `get`. With `--count-only` (which etcdctl 3.4 lacks) raftlab prints the count.
pub fn get(
    out: &mut String,
    response: &RangeResponse,
    value_only: bool,
    count_only: bool,
    hex: bool,
) {
    if count_only {
        out.push_str(&format!("{}\n", response.count));
        return;
    }
    for kv in &response.kvs {
        key_value(out, kv, value_only, hex);
    }
}

/// `del`
pub fn del(out: &mut String, response: &DeleteRangeResponse, hex: bool) {
    out.push_str(&format!("{}\n", response.deleted));
    for kv in &response.prev_kvs {
        key_value(out, kv, false, hex);
    }
}

/// `txn`
pub fn txn(out: &mut String, response: &TxnResponse, hex: bool) {
    out.push_str(if response.succeeded {
        "SUCCESS\n"
    } else {
        "FAILURE\n"
    });
    for op in &response.responses {
        out.push('\n');
        match op {
            ResponseOp::Range(range) => get(out, range, false, false, hex),
            ResponseOp::Put(response) => put(out, response, hex),
            ResponseOp::DeleteRange(response) => del(out, response, hex),
        }
    }
}

/// `watch`: one block per event.
pub fn events(out: &mut String, events: &[Event], hex: bool) {
    for event in events {
        out.push_str(match event.kind {
            EventType::Put => "PUT\n",
            EventType::Delete => "DELETE\n",
        });
        if let Some(prev) = &event.prev_kv {
            key_value(out, prev, false, hex);
        }
        key_value(out, &event.kv, false, hex);
    }
}

/// `member list`: id, status, name, peer URLs, client URLs, learner.
pub fn members(out: &mut String, members: &[MemberInfo]) {
    for member in members {
        out.push_str(&format!(
            "{:x}, started, {}, {}, {}, {}\n",
            member.id,
            member.name,
            member.peer_urls.join(","),
            member.client_urls.join(","),
            member.is_learner
        ));
    }
}

/// `endpoint status`: endpoint, id, version, db size, is leader, is learner, term, index,
/// applied index, errors.
pub fn endpoint_status(out: &mut String, status: &EndpointStatus) {
    out.push_str(&format!(
        "{}, {:x}, {}, {}, {}, {}, {}, {}, {}, \n",
        status.endpoint,
        status.header.member_id,
        status.version,
        human_bytes(status.db_size),
        status.leader == status.header.member_id,
        status.is_learner,
        status.raft_term,
        status.raft_index,
        status.raft_applied_index
    ));
}

/// Sizes the way etcdctl shows them (go-humanize, SI units): "512 B", "29 kB", "1.2 MB".
fn human_bytes(size: i64) -> String {
    if size < 1000 {
        return format!("{size} B");
    }
    let mut value = size as f64;
    let mut unit = 0;
    let units = ["B", "kB", "MB", "GB", "TB"];
    while value >= 1000.0 && unit + 1 < units.len() {
        value /= 1000.0;
        unit += 1;
    }
    if value < 10.0 {
        format!("{value:.1} {}", units[unit])
    } else {
        format!("{value:.0} {}", units[unit])
    }
}

/// Lease commands, as etcdctl prints them (ids in 16 hex digits). `keys_asked`: `timetolive
/// --keys`, which lists the attached keys even when there are none (`attached keys([])`).
pub fn lease(out: &mut String, body: &ResponseBody, keys_asked: bool) {
    match body {
        ResponseBody::LeaseGrant { id, ttl_seconds } => out.push_str(&format!(
            "lease {id:016x} granted with TTL({ttl_seconds}s)\n"
        )),
        ResponseBody::LeaseRevoke => out.push_str("lease revoked\n"),
        ResponseBody::LeaseKeepAlive { id, ttl_seconds } => out.push_str(&format!(
            "lease {id:016x} keepalived with TTL({ttl_seconds})\n"
        )),
        ResponseBody::LeaseTimeToLive(ttl) => {
            out.push_str(&format!(
                "lease {:016x} granted with TTL({}s), remaining({}s)",
                ttl.id, ttl.granted_ttl_seconds, ttl.ttl_seconds
            ));
            if keys_asked || !ttl.keys.is_empty() {
                let keys: Vec<String> = ttl
                    .keys
                    .iter()
                    .map(|key| String::from_utf8_lossy(key).into_owned())
                    .collect();
                out.push_str(&format!(", attached keys([{}])", keys.join(" ")));
            }
            out.push('\n');
        }
        ResponseBody::LeaseLeases(ids) => {
            out.push_str(&format!("found {} leases\n", ids.len()));
            for id in ids {
                out.push_str(&format!("{id:016x}\n"));
            }
        }
        _ => {}
    }
}
