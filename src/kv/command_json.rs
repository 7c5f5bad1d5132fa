//! Reading a [`Command`] (a log entry's JSON) by hand.
//!
//! Every node decodes every committed entry, so the page's wasm must read commands. serde's
//! derived readers for the request types, each with its field-name visitor taking strings,
//! bytes and numbers, their array form, and the enums' variant machinery, came to about 45 KB
//! of wasm (twiggy, issue 13). These readers take the same JSON (serde's default encoding,
//! which `Command::encode` writes) with a visitor per type that knows only the object form.
//!
//! Same values and, for JSON that is not a command, the same messages as the derived readers
//! (held to them by the tests, which keep the derived `Deserialize` as the reference): unknown
//! fields are skipped, a repeated field is refused, a missing one is refused unless it has a
//! default. Refused now and read before: a request struct written as an array of its fields,
//! which no writer produces.

use super::command::Command;
use super::request::{
    CompactionRequest, Compare, CompareResult, CompareTarget, DeleteRangeRequest,
    LeaseGrantRequest, LeaseKeepAliveRequest, LeaseTimeToLiveRequest, PutRequest, RangeRequest,
    Request, RequestOp, SortOrder, SortTarget, TxnRequest,
};
use super::session::SessionStamp;
use serde::de::{
    Deserialize, DeserializeSeed, Deserializer, EnumAccess, Error, IgnoredAny, MapAccess,
    VariantAccess, Visitor,
};
use std::fmt;

/// Reads `bytes` as a command (the JSON of `Command::encode`).
pub fn read(bytes: &[u8]) -> serde_json::Result<Command> {
    serde_json::from_slice::<Read<Command>>(bytes).map(|read| read.0)
}

/// A `T` read by this module's readers rather than by its derived `Deserialize`.
struct Read<T>(T);

/// Key or value bytes: a string or an array of bytes (`text_bytes`).
struct Bytes(Vec<u8>);

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Bytes, D::Error> {
        super::text_bytes::deserialize(deserializer).map(Bytes)
    }
}

/// A struct's field name as read from the JSON, without allocating: every entry is decoded
/// once per run and each of its field names was a `String` (8 allocations a put, a twentieth of
/// the page's engine's allocations, callgrind). A name longer than [`FieldName::MAX`] bytes
/// is no field of any command, so it reads as one that matches nothing and is skipped, as an
/// unknown field is.
struct FieldName {
    len: usize,
    bytes: [u8; FieldName::MAX],
}

impl FieldName {
    /// Longer than the longest field name of a command (`ignore_value`, `range_end`, ...).
    const MAX: usize = 32;

    /// The name, or "" for an unknown name too long to keep (no field is named "").
    fn as_str(&self) -> &str {
        self.bytes
            .get(..self.len)
            .and_then(|bytes| std::str::from_utf8(bytes).ok())
            .unwrap_or("")
    }
}

impl<'de> Deserialize<'de> for FieldName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<FieldName, D::Error> {
        struct NameVisitor;
        impl Visitor<'_> for NameVisitor {
            type Value = FieldName;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a field name")
            }

            fn visit_str<E: Error>(self, name: &str) -> Result<FieldName, E> {
                let mut field = FieldName {
                    len: 0,
                    bytes: [0; FieldName::MAX],
                };
                if let Some(slot) = field.bytes.get_mut(..name.len()) {
                    slot.copy_from_slice(name.as_bytes());
                    field.len = name.len();
                }
                Ok(field)
            }
        }
        deserializer.deserialize_str(NameVisitor)
    }
}

/// An enum's variant name, checked against its names as it is read (so an unknown one is
/// refused where serde's derived reader refuses it, with the same message).
struct VariantName(&'static [&'static str]);

impl<'de> DeserializeSeed<'de> for VariantName {
    type Value = &'static str;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<&'static str, D::Error> {
        deserializer.deserialize_identifier(self)
    }
}

impl Visitor<'_> for VariantName {
    type Value = &'static str;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("variant identifier")
    }

    fn visit_str<E: Error>(self, word: &str) -> Result<&'static str, E> {
        self.0
            .iter()
            .find(|name| **name == word)
            .copied()
            .ok_or_else(|| E::unknown_variant(word, self.0))
    }
}

/// Reads the entry's value into `slot`, refusing a field given twice (as serde does).
fn field<'de, A: MapAccess<'de>, T: Deserialize<'de>>(
    map: &mut A,
    slot: &mut Option<T>,
    name: &'static str,
) -> Result<(), A::Error> {
    if slot.is_some() {
        return Err(A::Error::duplicate_field(name));
    }
    *slot = Some(map.next_value()?);
    Ok(())
}

/// A field's value, or serde's error for a missing field.
fn required<T, E: Error>(slot: Option<T>, name: &'static str) -> Result<T, E> {
    slot.ok_or_else(|| E::missing_field(name))
}

/// [`required`] for key and value bytes.
fn bytes<E: Error>(slot: Option<Bytes>, name: &'static str) -> Result<Vec<u8>, E> {
    required(slot, name).map(|Bytes(bytes)| bytes)
}

/// Skips the value of a field no reader knows.
fn skip<'de, A: MapAccess<'de>>(map: &mut A) -> Result<(), A::Error> {
    map.next_value::<IgnoredAny>().map(|_| ())
}

/// Implements `Deserialize` for `Read<$ty>` with a visitor over the object's fields: `$body`
/// gets the map and returns the value.
macro_rules! struct_reader {
    ($ty:ty, $name:literal, $fields:expr, |$map:ident| $body:block) => {
        impl<'de> Deserialize<'de> for Read<$ty> {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct StructVisitor;
                impl<'de> Visitor<'de> for StructVisitor {
                    type Value = Read<$ty>;
                    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                        f.write_str(concat!("struct ", $name))
                    }
                    fn visit_map<A: MapAccess<'de>>(
                        self,
                        mut $map: A,
                    ) -> Result<Read<$ty>, A::Error> {
                        $body.map(Read)
                    }
                }
                deserializer.deserialize_struct($name, $fields, StructVisitor)
            }
        }
    };
}

/// Implements `Deserialize` for `Read<$ty>`, an enum in serde's external tagging: `$body` gets
/// the variant's name and its access and returns the value.
macro_rules! enum_reader {
    ($ty:ty, $name:literal, $variants:expr, |$word:ident, $variant:ident| $body:block) => {
        impl<'de> Deserialize<'de> for Read<$ty> {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct EnumVisitor;
                impl<'de> Visitor<'de> for EnumVisitor {
                    type Value = Read<$ty>;
                    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                        f.write_str(concat!("enum ", $name))
                    }
                    fn visit_enum<A: EnumAccess<'de>>(
                        self,
                        data: A,
                    ) -> Result<Read<$ty>, A::Error> {
                        let ($word, $variant) = data.variant_seed(VariantName($variants))?;
                        $body.map(Read)
                    }
                }
                deserializer.deserialize_enum($name, $variants, EnumVisitor)
            }
        }
    };
}

struct_reader!(Command, "Command", &["session", "request"], |map| {
    let (mut session, mut request) = (None::<Option<SessionStamp>>, None);
    while let Some(key) = map.next_key::<FieldName>()? {
        match key.as_str() {
            "session" => {
                if session.is_some() {
                    return Err(A::Error::duplicate_field("session"));
                }
                session = Some(map.next_value::<Option<Read<SessionStamp>>>()?.map(|s| s.0));
            }
            "request" => field(&mut map, &mut request, "request")?,
            _ => skip(&mut map)?,
        }
    }
    Ok(Command {
        session: session.flatten(),
        request: required::<Read<Request>, _>(request, "request")?.0,
    })
});

struct_reader!(
    SessionStamp,
    "SessionStamp",
    &["client_id", "sequence"],
    |map| {
        let (mut client_id, mut sequence) = (None, None);
        while let Some(key) = map.next_key::<FieldName>()? {
            match key.as_str() {
                "client_id" => field(&mut map, &mut client_id, "client_id")?,
                "sequence" => field(&mut map, &mut sequence, "sequence")?,
                _ => skip(&mut map)?,
            }
        }
        Ok(SessionStamp {
            client_id: required(client_id, "client_id")?,
            sequence: required(sequence, "sequence")?,
        })
    }
);

/// `Request`'s variants, in declaration order (the unknown-variant message lists them).
const REQUESTS: &[&str] = &[
    "Range",
    "Put",
    "DeleteRange",
    "Txn",
    "Compact",
    "LeaseGrant",
    "LeaseRevoke",
    "LeaseKeepAlive",
    "LeaseTimeToLive",
    "LeaseLeases",
];

enum_reader!(Request, "Request", REQUESTS, |word, variant| {
    Ok(match word {
        "Range" => Request::Range(variant.newtype_variant::<Read<RangeRequest>>()?.0),
        "Put" => Request::Put(variant.newtype_variant::<Read<PutRequest>>()?.0),
        "DeleteRange" => {
            Request::DeleteRange(variant.newtype_variant::<Read<DeleteRangeRequest>>()?.0)
        }
        "Txn" => Request::Txn(variant.newtype_variant::<Read<TxnRequest>>()?.0),
        "Compact" => Request::Compact(variant.newtype_variant::<Read<CompactionRequest>>()?.0),
        "LeaseGrant" => {
            Request::LeaseGrant(variant.newtype_variant::<Read<LeaseGrantRequest>>()?.0)
        }
        "LeaseRevoke" => Request::LeaseRevoke(variant.newtype_variant()?),
        "LeaseKeepAlive" => {
            Request::LeaseKeepAlive(variant.newtype_variant::<Read<LeaseKeepAliveRequest>>()?.0)
        }
        "LeaseTimeToLive" => {
            Request::LeaseTimeToLive(variant.newtype_variant::<Read<LeaseTimeToLiveRequest>>()?.0)
        }
        "LeaseLeases" => {
            variant.unit_variant()?;
            Request::LeaseLeases
        }
        other => return Err(A::Error::unknown_variant(other, REQUESTS)),
    })
});

struct_reader!(
    RangeRequest,
    "RangeRequest",
    &[
        "key",
        "range_end",
        "limit",
        "revision",
        "sort_order",
        "sort_target",
        "keys_only",
        "count_only",
        "serializable",
    ],
    |map| {
        let (mut key, mut range_end, mut limit, mut revision) = (None, None, None, None);
        let (mut sort_order, mut sort_target) = (None::<Read<SortOrder>>, None::<Read<SortTarget>>);
        let (mut keys_only, mut count_only, mut serializable) = (None, None, None);
        while let Some(name) = map.next_key::<FieldName>()? {
            match name.as_str() {
                "key" => field(&mut map, &mut key, "key")?,
                "range_end" => field(&mut map, &mut range_end, "range_end")?,
                "limit" => field(&mut map, &mut limit, "limit")?,
                "revision" => field(&mut map, &mut revision, "revision")?,
                "sort_order" => field(&mut map, &mut sort_order, "sort_order")?,
                "sort_target" => field(&mut map, &mut sort_target, "sort_target")?,
                "keys_only" => field(&mut map, &mut keys_only, "keys_only")?,
                "count_only" => field(&mut map, &mut count_only, "count_only")?,
                "serializable" => field(&mut map, &mut serializable, "serializable")?,
                _ => skip(&mut map)?,
            }
        }
        Ok(RangeRequest {
            key: bytes(key, "key")?,
            range_end: bytes(range_end, "range_end")?,
            limit: required(limit, "limit")?,
            revision: required(revision, "revision")?,
            sort_order: required(sort_order, "sort_order")?.0,
            sort_target: required(sort_target, "sort_target")?.0,
            keys_only: required(keys_only, "keys_only")?,
            count_only: required(count_only, "count_only")?,
            serializable: required(serializable, "serializable")?,
        })
    }
);

struct_reader!(
    PutRequest,
    "PutRequest",
    &[
        "key",
        "value",
        "prev_kv",
        "lease",
        "ignore_value",
        "ignore_lease",
    ],
    |map| {
        let (mut key, mut value, mut prev_kv, mut lease) = (None, None, None, None);
        let (mut ignore_value, mut ignore_lease) = (None, None);
        while let Some(name) = map.next_key::<FieldName>()? {
            match name.as_str() {
                "key" => field(&mut map, &mut key, "key")?,
                "value" => field(&mut map, &mut value, "value")?,
                "prev_kv" => field(&mut map, &mut prev_kv, "prev_kv")?,
                "lease" => field(&mut map, &mut lease, "lease")?,
                "ignore_value" => field(&mut map, &mut ignore_value, "ignore_value")?,
                "ignore_lease" => field(&mut map, &mut ignore_lease, "ignore_lease")?,
                _ => skip(&mut map)?,
            }
        }
        Ok(PutRequest {
            key: bytes(key, "key")?,
            value: bytes(value, "value")?,
            prev_kv: required(prev_kv, "prev_kv")?,
            lease: lease.unwrap_or_default(),
            ignore_value: ignore_value.unwrap_or_default(),
            ignore_lease: ignore_lease.unwrap_or_default(),
        })
    }
);

struct_reader!(
    DeleteRangeRequest,
    "DeleteRangeRequest",
    &["key", "range_end", "prev_kv"],
    |map| {
        let (mut key, mut range_end, mut prev_kv) = (None, None, None);
        while let Some(name) = map.next_key::<FieldName>()? {
            match name.as_str() {
                "key" => field(&mut map, &mut key, "key")?,
                "range_end" => field(&mut map, &mut range_end, "range_end")?,
                "prev_kv" => field(&mut map, &mut prev_kv, "prev_kv")?,
                _ => skip(&mut map)?,
            }
        }
        Ok(DeleteRangeRequest {
            key: bytes(key, "key")?,
            range_end: bytes(range_end, "range_end")?,
            prev_kv: required(prev_kv, "prev_kv")?,
        })
    }
);

struct_reader!(
    TxnRequest,
    "TxnRequest",
    &["compare", "success", "failure"],
    |map| {
        let mut compare = None::<Vec<Read<Compare>>>;
        let (mut success, mut failure) =
            (None::<Vec<Read<RequestOp>>>, None::<Vec<Read<RequestOp>>>);
        while let Some(name) = map.next_key::<FieldName>()? {
            match name.as_str() {
                "compare" => field(&mut map, &mut compare, "compare")?,
                "success" => field(&mut map, &mut success, "success")?,
                "failure" => field(&mut map, &mut failure, "failure")?,
                _ => skip(&mut map)?,
            }
        }
        let unread = |list: Vec<Read<RequestOp>>| list.into_iter().map(|op| op.0).collect();
        Ok(TxnRequest {
            compare: required(compare, "compare")?
                .into_iter()
                .map(|c| c.0)
                .collect(),
            success: unread(required(success, "success")?),
            failure: unread(required(failure, "failure")?),
        })
    }
);

struct_reader!(
    Compare,
    "Compare",
    &["key", "range_end", "result", "target"],
    |map| {
        let (mut key, mut range_end) = (None, None);
        let (mut result, mut target) = (None::<Read<CompareResult>>, None::<Read<CompareTarget>>);
        while let Some(name) = map.next_key::<FieldName>()? {
            match name.as_str() {
                "key" => field(&mut map, &mut key, "key")?,
                "range_end" => field(&mut map, &mut range_end, "range_end")?,
                "result" => field(&mut map, &mut result, "result")?,
                "target" => field(&mut map, &mut target, "target")?,
                _ => skip(&mut map)?,
            }
        }
        Ok(Compare {
            key: bytes(key, "key")?,
            range_end: bytes(range_end, "range_end")?,
            result: required(result, "result")?.0,
            target: required(target, "target")?.0,
        })
    }
);

struct_reader!(
    CompactionRequest,
    "CompactionRequest",
    &["revision"],
    |map| {
        let mut revision = None;
        while let Some(name) = map.next_key::<FieldName>()? {
            match name.as_str() {
                "revision" => field(&mut map, &mut revision, "revision")?,
                _ => skip(&mut map)?,
            }
        }
        Ok(CompactionRequest {
            revision: required(revision, "revision")?,
        })
    }
);

struct_reader!(
    LeaseGrantRequest,
    "LeaseGrantRequest",
    &["id", "ttl_seconds", "now_ms"],
    |map| {
        let (mut id, mut ttl_seconds, mut now_ms) = (None, None, None);
        while let Some(name) = map.next_key::<FieldName>()? {
            match name.as_str() {
                "id" => field(&mut map, &mut id, "id")?,
                "ttl_seconds" => field(&mut map, &mut ttl_seconds, "ttl_seconds")?,
                "now_ms" => field(&mut map, &mut now_ms, "now_ms")?,
                _ => skip(&mut map)?,
            }
        }
        Ok(LeaseGrantRequest {
            id: required(id, "id")?,
            ttl_seconds: required(ttl_seconds, "ttl_seconds")?,
            now_ms: required(now_ms, "now_ms")?,
        })
    }
);

struct_reader!(
    LeaseKeepAliveRequest,
    "LeaseKeepAliveRequest",
    &["id", "now_ms"],
    |map| {
        let (mut id, mut now_ms) = (None, None);
        while let Some(name) = map.next_key::<FieldName>()? {
            match name.as_str() {
                "id" => field(&mut map, &mut id, "id")?,
                "now_ms" => field(&mut map, &mut now_ms, "now_ms")?,
                _ => skip(&mut map)?,
            }
        }
        Ok(LeaseKeepAliveRequest {
            id: required(id, "id")?,
            now_ms: required(now_ms, "now_ms")?,
        })
    }
);

struct_reader!(
    LeaseTimeToLiveRequest,
    "LeaseTimeToLiveRequest",
    &["id", "keys", "now_ms"],
    |map| {
        let (mut id, mut keys, mut now_ms) = (None, None, None);
        while let Some(name) = map.next_key::<FieldName>()? {
            match name.as_str() {
                "id" => field(&mut map, &mut id, "id")?,
                "keys" => field(&mut map, &mut keys, "keys")?,
                "now_ms" => field(&mut map, &mut now_ms, "now_ms")?,
                _ => skip(&mut map)?,
            }
        }
        Ok(LeaseTimeToLiveRequest {
            id: required(id, "id")?,
            keys: required(keys, "keys")?,
            now_ms: required(now_ms, "now_ms")?,
        })
    }
);

/// `RequestOp`'s variants.
const OPS: &[&str] = &["Range", "Put", "DeleteRange"];

enum_reader!(RequestOp, "RequestOp", OPS, |word, variant| {
    Ok(match word {
        "Range" => RequestOp::Range(variant.newtype_variant::<Read<RangeRequest>>()?.0),
        "Put" => RequestOp::Put(variant.newtype_variant::<Read<PutRequest>>()?.0),
        "DeleteRange" => {
            RequestOp::DeleteRange(variant.newtype_variant::<Read<DeleteRangeRequest>>()?.0)
        }
        other => return Err(A::Error::unknown_variant(other, OPS)),
    })
});

/// `CompareTarget`'s variants.
const TARGETS: &[&str] = &["Version", "Create", "Mod", "Value"];

enum_reader!(CompareTarget, "CompareTarget", TARGETS, |word, variant| {
    Ok(match word {
        "Version" => CompareTarget::Version(variant.newtype_variant()?),
        "Create" => CompareTarget::Create(variant.newtype_variant()?),
        "Mod" => CompareTarget::Mod(variant.newtype_variant()?),
        "Value" => CompareTarget::Value(variant.newtype_variant::<Bytes>()?.0),
        other => return Err(A::Error::unknown_variant(other, TARGETS)),
    })
});

/// `CompareResult`'s variants.
const RESULTS: &[&str] = &["Equal", "NotEqual", "Less", "Greater"];

enum_reader!(CompareResult, "CompareResult", RESULTS, |word, variant| {
    let value = match word {
        "Equal" => CompareResult::Equal,
        "NotEqual" => CompareResult::NotEqual,
        "Less" => CompareResult::Less,
        "Greater" => CompareResult::Greater,
        other => return Err(A::Error::unknown_variant(other, RESULTS)),
    };
    variant.unit_variant()?;
    Ok(value)
});

/// `SortOrder`'s variants.
const ORDERS: &[&str] = &["None", "Ascend", "Descend"];

enum_reader!(SortOrder, "SortOrder", ORDERS, |word, variant| {
    let value = match word {
        "None" => SortOrder::None,
        "Ascend" => SortOrder::Ascend,
        "Descend" => SortOrder::Descend,
        other => return Err(A::Error::unknown_variant(other, ORDERS)),
    };
    variant.unit_variant()?;
    Ok(value)
});

/// `SortTarget`'s variants.
const SORT_TARGETS: &[&str] = &["Key", "Version", "Create", "Mod", "Value"];

enum_reader!(SortTarget, "SortTarget", SORT_TARGETS, |word, variant| {
    let value = match word {
        "Key" => SortTarget::Key,
        "Version" => SortTarget::Version,
        "Create" => SortTarget::Create,
        "Mod" => SortTarget::Mod,
        "Value" => SortTarget::Value,
        other => return Err(A::Error::unknown_variant(other, SORT_TARGETS)),
    };
    variant.unit_variant()?;
    Ok(value)
});

#[cfg(test)]
mod tests {
    use super::*;

    /// Both readers on `json`: the command, or the error's message.
    fn both(json: &str) -> (Result<Command, String>, Result<Command, String>) {
        let ours = read(json.as_bytes()).map_err(|e| e.to_string());
        let derived = serde_json::from_slice::<Command>(json.as_bytes()).map_err(|e| e.to_string());
        (ours, derived)
    }

    fn range(key: &[u8]) -> RangeRequest {
        RangeRequest {
            key: key.to_vec(),
            range_end: vec![0],
            limit: 3,
            revision: 7,
            sort_order: SortOrder::Descend,
            sort_target: SortTarget::Mod,
            keys_only: true,
            count_only: false,
            serializable: true,
        }
    }

    fn put(key: &[u8], value: &[u8]) -> PutRequest {
        PutRequest {
            key: key.to_vec(),
            value: value.to_vec(),
            prev_kv: true,
            lease: 5,
            ignore_value: false,
            ignore_lease: true,
        }
    }

    fn commands() -> Vec<Command> {
        let delete = DeleteRangeRequest {
            key: b"a".to_vec(),
            range_end: b"b".to_vec(),
            prev_kv: false,
        };
        let compares = [
            (CompareResult::Equal, CompareTarget::Version(2)),
            (CompareResult::NotEqual, CompareTarget::Create(3)),
            (CompareResult::Less, CompareTarget::Mod(-4)),
            (CompareResult::Greater, CompareTarget::Value(vec![0xff, 1])),
            (CompareResult::Equal, CompareTarget::Value(b"v".to_vec())),
        ];
        let txn = TxnRequest {
            compare: compares
                .into_iter()
                .map(|(result, target)| Compare {
                    key: b"k".to_vec(),
                    range_end: Vec::new(),
                    result,
                    target,
                })
                .collect(),
            success: vec![
                RequestOp::Range(range(b"r")),
                RequestOp::Put(put(b"p", b"1")),
                RequestOp::DeleteRange(delete.clone()),
            ],
            failure: vec![RequestOp::Put(put(&[0xc3, 0x28], b""))],
        };
        let requests = vec![
            Request::Range(range(b"mykey")),
            Request::Range(RangeRequest::default()),
            Request::Put(put("k\"\\\n\u{e9}".as_bytes(), b"v")),
            Request::Put(PutRequest::default()),
            Request::DeleteRange(delete),
            Request::Txn(txn),
            Request::Txn(TxnRequest::default()),
            Request::Compact(CompactionRequest { revision: 12 }),
            Request::LeaseGrant(LeaseGrantRequest {
                id: 0,
                ttl_seconds: 30,
                now_ms: 1_500,
            }),
            Request::LeaseRevoke(9),
            Request::LeaseKeepAlive(LeaseKeepAliveRequest { id: 9, now_ms: 2 }),
            Request::LeaseTimeToLive(LeaseTimeToLiveRequest {
                id: 9,
                keys: true,
                now_ms: 3,
            }),
            Request::LeaseLeases,
        ];
        requests
            .into_iter()
            .flat_map(|request| {
                [
                    Command::new(request.clone()),
                    Command::with_session(request, 4, u64::MAX),
                ]
            })
            .collect()
    }

    #[test]
    fn every_request_reads_back_as_written() {
        for command in commands() {
            let json = String::from_utf8(command.encode()).expect("utf-8");
            let (ours, derived) = both(&json);
            assert_eq!(ours.as_ref(), Ok(&command), "{json}");
            assert_eq!(ours, derived, "{json}");
        }
    }

    #[test]
    fn what_is_not_a_command_is_refused_with_the_derived_readers_messages() {
        let inputs = [
            "",
            "hello",
            "null",
            "{}",
            "5",
            r#"{"session":null}"#,
            r#"{"request":"LeaseLeases"}"#,
            r#"{"request":"LeaseLeases","extra":[1,{"a":2}],"session":null}"#,
            r#"{"session":null,"request":"LeaseLeases","session":null}"#,
            r#"{"session":{"client_id":1},"request":"LeaseLeases"}"#,
            r#"{"session":{"client_id":1,"sequence":2,"client_id":3},"request":"LeaseLeases"}"#,
            r#"{"session":5,"request":"LeaseLeases"}"#,
            r#"{"session":null,"request":"Teleport"}"#,
            r#"{"session":null,"request":{"Teleport":{}}}"#,
            r#"{"session":null,"request":"Put"}"#,
            r#"{"session":null,"request":{"LeaseLeases":5}}"#,
            r#"{"session":null,"request":{"LeaseLeases":null}}"#,
            r#"{"session":null,"request":{"Put":{"key":"a","value":"b"}}}"#,
            r#"{"session":null,"request":{"Put":{"key":"a","value":"b","prev_kv":false}}}"#,
            r#"{"session":null,"request":{"Put":{"key":5,"value":"b","prev_kv":false}}}"#,
            r#"{"session":null,"request":{"Put":{"key":[256],"value":"b","prev_kv":false}}}"#,
            r#"{"session":null,"request":{"Put":{"key":"a","key":"b","value":"b","prev_kv":false}}}"#,
            r#"{"session":null,"request":{"Put":"x"}}"#,
            r#"{"session":null,"request":{"Put":{"key":"a","value":"b","prev_kv":false},"Range":{}}}"#,
            r#"{"session":null,"request":{"Range":{"key":"a","range_end":"","limit":0,"revision":0,"sort_order":"Sideways","sort_target":"Key","keys_only":false,"count_only":false,"serializable":false}}}"#,
            r#"{"session":null,"request":{"Range":{"key":"a","range_end":"","limit":0,"revision":0,"sort_order":{"Ascend":null},"sort_target":"Key","keys_only":false,"count_only":false,"serializable":false}}}"#,
            r#"{"session":null,"request":{"Range":{"key":"a","range_end":"","limit":0,"revision":0,"sort_order":{"Ascend":1},"sort_target":"Key","keys_only":false,"count_only":false,"serializable":false}}}"#,
            r#"{"session":null,"request":{"Range":{"key":"a","range_end":"","limit":1.5,"revision":0,"sort_order":"None","sort_target":"Key","keys_only":false,"count_only":false,"serializable":false}}}"#,
            r#"{"session":null,"request":{"Txn":{"compare":[{"key":"k","range_end":"","result":"Equal","target":{"Shape":1}}],"success":[],"failure":[]}}}"#,
            r#"{"session":null,"request":{"Txn":{"compare":[{"key":"k","range_end":"","result":"Same","target":{"Version":1}}],"success":[],"failure":[]}}}"#,
            r#"{"session":null,"request":{"Txn":{"compare":[],"success":[{"Compact":{"revision":1}}],"failure":[]}}}"#,
            r#"{"session":null,"request":{"Txn":{"compare":[],"success":[]}}}"#,
            r#"{"session":null,"request":{"LeaseRevoke":"x"}}"#,
            r#"{"session":null,"request":{"Compact":{"revision":1}}} trailing"#,
            r#"{"session":null,"request":{"Compact":{"revision":1}"#,
            // Field names: escaped, unknown and longer than any field, a field's name with
            // more after it, exactly as long as a kept name can be, repeated through an escape.
            r#"{"session":null,"request":{"Put":{"ke\u0079":"a","value":"b","prev_kv":false}}}"#,
            r#"{"session":null,"request":{"Put":{"key":"a","value":"b","prev_kv":false,"an_unknown_field_name_longer_than_32":1}}}"#,
            r#"{"session":null,"request":{"Put":{"key":"a","value":"b","prev_kvxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx":true}}}"#,
            r#"{"session":null,"request":{"Put":{"key":"a","value":"b","prev_kv":false,"unknown_field_name_of_32_bytes__":1}}}"#,
            r#"{"session":null,"request":{"Put":{"key":"a","k\u0065y":"b","value":"b","prev_kv":false}}}"#,
        ];
        for json in inputs {
            let (ours, derived) = both(json);
            assert_eq!(ours, derived, "{json}");
        }
    }

    #[test]
    fn refused_now_and_read_before() {
        // A struct written as the array of its fields.
        let json = r#"{"session":null,"request":{"Compact":[12]}}"#;
        assert!(read(json.as_bytes()).is_err());
        assert!(serde_json::from_slice::<Command>(json.as_bytes()).is_ok());
        assert!(read(b"[]").is_err());
    }
}
