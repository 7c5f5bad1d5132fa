//! etcdctl 3.4's `-w fields` output (its `printer_fields.go`): one `"Name" : value` line per
//! field, the header's four fields first, strings quoted the way Go's `%q` quotes them (see
//! [`go_quote`]). Headers show etcd's fields only (raftlab's `raft_index` is JSON-only), and
//! txn sub-responses carry a header with only the revision, as etcd's do.

use super::executor::{EndpointStatus, HeaderInfo, MemberInfo};
use crate::kv::response::{
    DeleteRangeResponse, PutResponse, RangeResponse, ResponseBody, ResponseOp, TxnResponse,
};
use crate::kv::types::{Event, EventType, KeyValue, Revision};
use std::fmt::Write;

/// The four header fields etcdctl prints.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FieldsHeader {
    /// Cluster id (0 in txn sub-responses).
    pub cluster_id: u64,
    /// Member id (0 in txn sub-responses).
    pub member_id: u64,
    /// Store revision.
    pub revision: Revision,
    /// Term (0 in txn sub-responses).
    pub raft_term: u64,
}

impl FieldsHeader {
    /// The outer header of an answer.
    pub fn new(info: &HeaderInfo, revision: Revision) -> Self {
        FieldsHeader {
            cluster_id: info.cluster_id,
            member_id: info.member_id,
            revision,
            raft_term: info.raft_term,
        }
    }
}

fn header(out: &mut String, header: &FieldsHeader) {
    let _ = writeln!(out, "\"ClusterID\" : {}", header.cluster_id);
    let _ = writeln!(out, "\"MemberID\" : {}", header.member_id);
    let _ = writeln!(out, "\"Revision\" : {}", header.revision);
    let _ = writeln!(out, "\"RaftTerm\" : {}", header.raft_term);
}

fn key_value(out: &mut String, prefix: &str, kv: &KeyValue) {
    let _ = writeln!(out, "\"{prefix}Key\" : {}", go_quote(&kv.key));
    let _ = writeln!(out, "\"{prefix}CreateRevision\" : {}", kv.create_revision);
    let _ = writeln!(out, "\"{prefix}ModRevision\" : {}", kv.mod_revision);
    let _ = writeln!(out, "\"{prefix}Version\" : {}", kv.version);
    let _ = writeln!(out, "\"{prefix}Value\" : {}", go_quote(&kv.value));
    let _ = writeln!(out, "\"{prefix}Lease\" : {}", kv.lease);
}

/// `put -w fields`
pub fn put(out: &mut String, head: &FieldsHeader, response: &PutResponse) {
    header(out, head);
    if let Some(prev) = &response.prev_kv {
        key_value(out, "Prev", prev);
    }
}

/// `get -w fields`
pub fn get(out: &mut String, head: &FieldsHeader, response: &RangeResponse) {
    header(out, head);
    for kv in &response.kvs {
        key_value(out, "", kv);
    }
    let _ = writeln!(out, "\"More\" : {}", response.more);
    let _ = writeln!(out, "\"Count\" : {}", response.count);
}

/// `del -w fields`
pub fn del(out: &mut String, head: &FieldsHeader, response: &DeleteRangeResponse) {
    header(out, head);
    let _ = writeln!(out, "\"Deleted\" : {}", response.deleted);
    for kv in &response.prev_kvs {
        key_value(out, "Prev", kv);
    }
}

/// `txn -w fields`: the outer header and outcome, then each sub-response with its own
/// revision-only header.
pub fn txn(out: &mut String, head: &FieldsHeader, response: &TxnResponse) {
    header(out, head);
    let _ = writeln!(out, "\"Succeeded\" : {}", response.succeeded);
    let inner = FieldsHeader {
        revision: head.revision,
        ..FieldsHeader::default()
    };
    for op in &response.responses {
        match op {
            ResponseOp::Range(range) => get(out, &inner, range),
            ResponseOp::Put(put_response) => put(out, &inner, put_response),
            ResponseOp::DeleteRange(delete) => del(out, &inner, delete),
        }
    }
}

/// `watch -w fields`: one header, then each event's type and key-values.
pub fn events(out: &mut String, head: &FieldsHeader, events: &[Event]) {
    header(out, head);
    for event in events {
        let _ = writeln!(
            out,
            "\"Type\" : {}",
            match event.kind {
                EventType::Put => "PUT",
                EventType::Delete => "DELETE",
            }
        );
        if let Some(prev) = &event.prev_kv {
            key_value(out, "Prev", prev);
        }
        key_value(out, "", &event.kv);
    }
}

/// Lease commands with `-w fields` (ids in decimal, as etcdctl prints them there).
pub fn lease(out: &mut String, head: &FieldsHeader, body: &ResponseBody) {
    header(out, head);
    match body {
        ResponseBody::LeaseGrant { id, ttl_seconds }
        | ResponseBody::LeaseKeepAlive { id, ttl_seconds } => {
            let _ = writeln!(out, "\"ID\" : {id}");
            let _ = writeln!(out, "\"TTL\" : {ttl_seconds}");
        }
        ResponseBody::LeaseTimeToLive(ttl) => {
            let _ = writeln!(out, "\"ID\" : {}", ttl.id);
            let _ = writeln!(out, "\"TTL\" : {}", ttl.ttl_seconds);
            let _ = writeln!(out, "\"GrantedTTL\" : {}", ttl.granted_ttl_seconds);
            for key in &ttl.keys {
                let _ = writeln!(out, "\"Key\" : {}", go_quote(key));
            }
        }
        ResponseBody::LeaseLeases(ids) => {
            for id in ids {
                let _ = writeln!(out, "\"ID\" : {id}");
            }
        }
        _ => {}
    }
}

/// `member list -w fields`: a header without revision, then each member and a blank line.
pub fn members(out: &mut String, info: &HeaderInfo, members: &[MemberInfo]) {
    header(out, &FieldsHeader::new(info, 0));
    for member in members {
        let _ = writeln!(out, "\"ID\" : {}", member.id);
        let _ = writeln!(out, "\"Name\" : {}", go_quote(member.name.as_bytes()));
        for url in &member.peer_urls {
            let _ = writeln!(out, "\"PeerURL\" : {}", go_quote(url.as_bytes()));
        }
        for url in &member.client_urls {
            let _ = writeln!(out, "\"ClientURL\" : {}", go_quote(url.as_bytes()));
        }
        let _ = writeln!(out, "\"IsLearner\" : {}", member.is_learner);
        out.push('\n');
    }
}

/// `endpoint status -w fields`, then a blank line.
pub fn endpoint_status(out: &mut String, status: &EndpointStatus) {
    header(out, &FieldsHeader::new(&status.header, status.revision));
    let _ = writeln!(out, "\"Version\" : {}", go_quote(status.version.as_bytes()));
    let _ = writeln!(out, "\"DBSize\" : {}", status.db_size);
    let _ = writeln!(out, "\"Leader\" : {}", status.leader);
    let _ = writeln!(out, "\"IsLearner\" : {}", status.is_learner);
    let _ = writeln!(out, "\"RaftIndex\" : {}", status.raft_index);
    let _ = writeln!(out, "\"RaftTerm\" : {}", status.raft_term);
    let _ = writeln!(out, "\"RaftAppliedIndex\" : {}", status.raft_applied_index);
    let _ = writeln!(out, "\"Errors\" : []");
    let _ = writeln!(
        out,
        "\"Endpoint\" : {}",
        go_quote(status.endpoint.as_bytes())
    );
    out.push('\n');
}

/// Bytes quoted like Go's `%q` of a string (`strconv.Quote`): printable characters as they
/// are, `"` and `\` escaped, the C escapes `\a \b \f \n \r \t \v`, other ASCII controls and
/// every byte of invalid UTF-8 as `\xNN`, other unprintable characters as `\uNNNN` or
/// `\UNNNNNNNN`.
///
/// Go decides "printable" with its Unicode tables (letters, marks, numbers, punctuation,
/// symbols and the ASCII space). Rust's standard library has no general-category tables, so
/// outside ASCII this keeps every character that is not a control, not whitespace, not
/// private-use and not one of the common invisible format characters; an unassigned code
/// point, which Go escapes, is printed as is.
pub fn go_quote(bytes: &[u8]) -> String {
    let mut out = String::from("\"");
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            quote_char(&mut out, c);
        }
        for byte in chunk.invalid() {
            let _ = write!(out, "\\x{byte:02x}");
        }
    }
    out.push('"');
    out
}

fn quote_char(out: &mut String, c: char) {
    match c {
        '"' => out.push_str("\\\""),
        '\\' => out.push_str("\\\\"),
        '\u{7}' => out.push_str("\\a"),
        '\u{8}' => out.push_str("\\b"),
        '\u{c}' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\u{b}' => out.push_str("\\v"),
        c if is_go_printable(c) => out.push(c),
        c if (c as u32) < 0x80 => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c if (c as u32) < 0x10000 => {
            let _ = write!(out, "\\u{:04x}", c as u32);
        }
        c => {
            let _ = write!(out, "\\U{:08x}", c as u32);
        }
    }
}

fn is_go_printable(c: char) -> bool {
    if c.is_ascii() {
        return c == ' ' || c.is_ascii_graphic();
    }
    let code = c as u32;
    let format_or_private = matches!(
        code,
        0xAD | 0x600..=0x605
            | 0x61C
            | 0x6DD
            | 0x70F
            | 0x180E
            | 0x200B..=0x200F
            | 0x202A..=0x202E
            | 0x2060..=0x206F
            | 0xD800..=0xF8FF
            | 0xFEFF
            | 0xFFF9..=0xFFFB
            | 0xE0001..=0xE007F
            | 0xF0000..
    );
    !c.is_control() && !c.is_whitespace() && !format_or_private
}

/// Hexadecimal bytes as etcdctl's `--hex` prints them: `\x` before each byte's two digits.
pub fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 4);
    for byte in bytes {
        let _ = write!(out, "\\x{byte:02x}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_quote_matches_go_strconv_quote() {
        // Expected strings are what Go's fmt.Sprintf("%q", s) prints.
        assert_eq!(go_quote(b"abc"), "\"abc\"");
        assert_eq!(go_quote(b"a\"b\\c"), "\"a\\\"b\\\\c\"");
        assert_eq!(go_quote(b"l1\nl2\tx\r"), "\"l1\\nl2\\tx\\r\"");
        assert_eq!(go_quote(b"\x00\x1b\x7f"), "\"\\x00\\x1b\\x7f\"");
        assert_eq!(go_quote("é€😀".as_bytes()), "\"é€😀\"");
        assert_eq!(go_quote(b"\xff\xfeok"), "\"\\xff\\xfeok\"");
        assert_eq!(go_quote("\u{200b}\u{a0}".as_bytes()), "\"\\u200b\\u00a0\"");
        assert_eq!(go_quote("\u{f0000}".as_bytes()), "\"\\U000f0000\"");
        assert_eq!(go_quote(b""), "\"\"");
    }

    #[test]
    fn hex_prefixes_every_byte() {
        assert_eq!(hex(b"a\n\xff"), "\\x61\\x0a\\xff");
        assert_eq!(hex(b""), "");
    }
}
