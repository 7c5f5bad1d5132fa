//! Serde helper for key and value bytes in log entries: a UTF-8 byte string is written as a
//! JSON string (`"mykey"`), anything else as an array of numbers. Console input is always
//! UTF-8, so entries in the trace and the page's log view read as text; binary data from other
//! clients still round-trips exactly.
//!
//! Reading takes either form through one small visitor rather than an `#[serde(untagged)]`
//! enum: an untagged enum buffers the value in serde's `Content` first and then tries each
//! variant, which compiled to several KB of wasm per reader and cost every applied log entry a
//! copy of its keys and values (issue 13). The values read are the same.

use serde::Serializer;
use serde::de::{Deserializer, Error, SeqAccess, Visitor};
use std::fmt;

/// Serialize bytes as a string when they are UTF-8.
pub fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
    match std::str::from_utf8(bytes) {
        Ok(text) => serializer.serialize_str(text),
        Err(_) => serializer.collect_seq(bytes),
    }
}

/// Accept either form: a string (its UTF-8 bytes) or an array of numbers from 0 to 255.
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
    deserializer.deserialize_any(TextOrBytes)
}

/// The visitor behind [`deserialize`].
struct TextOrBytes;

impl<'de> Visitor<'de> for TextOrBytes {
    type Value = Vec<u8>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string or an array of bytes")
    }

    fn visit_str<E: Error>(self, text: &str) -> Result<Vec<u8>, E> {
        Ok(text.as_bytes().to_vec())
    }

    fn visit_string<E: Error>(self, text: String) -> Result<Vec<u8>, E> {
        Ok(text.into_bytes())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<u8>, A::Error> {
        let mut bytes = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(byte) = seq.next_element::<u8>()? {
            bytes.push(byte);
        }
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Holder(#[serde(with = "super")] Vec<u8>);

    #[test]
    fn text_and_raw_bytes_round_trip() {
        for bytes in [b"mykey".to_vec(), vec![0xff, 0, 7], Vec::new()] {
            let json = serde_json::to_string(&Holder(bytes.clone())).expect("writes");
            let back: Holder = serde_json::from_str(&json).expect("reads");
            assert_eq!(back.0, bytes, "{json}");
        }
        assert_eq!(
            serde_json::to_string(&Holder(vec![0xff, 1])).expect("writes"),
            "[255,1]"
        );
        let escaped: Holder = serde_json::from_str(r#""a\"b\u00e9""#).expect("reads");
        assert_eq!(escaped.0, "a\"bé".as_bytes());
    }

    #[test]
    fn anything_else_is_refused() {
        for json in ["5", "[256]", "[-1]", "null", "{}", "[\"a\"]", "true"] {
            assert!(serde_json::from_str::<Holder>(json).is_err(), "{json}");
        }
    }
}
