//! Serde helper for key and value bytes in log entries: a UTF-8 byte string is written as a
//! JSON string (`"mykey"`), anything else as an array of numbers. Console input is always
//! UTF-8, so entries in the trace and the page's log view read as text; binary data from other
//! clients still round-trips exactly.

use serde::{Deserialize, Deserializer, Serializer};

/// Serialize bytes as a string when they are UTF-8.
pub fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
    match std::str::from_utf8(bytes) {
        Ok(text) => serializer.serialize_str(text),
        Err(_) => serializer.collect_seq(bytes),
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Repr {
    Text(String),
    Raw(Vec<u8>),
}

/// Accept either form.
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
    Ok(match Repr::deserialize(deserializer)? {
        Repr::Text(text) => text.into_bytes(),
        Repr::Raw(bytes) => bytes,
    })
}
