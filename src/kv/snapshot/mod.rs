//! The KV state machine's snapshot bytes: what a Raft snapshot carries to a node that fell
//! behind, and what a restarted node restores from.
//!
//! The format is MessagePack, byte for byte what `rmp_serde` 1.x wrote for the serde-derived
//! types until issue 13 (structs as arrays in field order, enums as their name or a one-entry
//! map from it, `Vec<u8>` keys as arrays of small integers, keys and values through
//! `kv::text_bytes` as strings when UTF-8). It is written and read by hand here, without
//! serde: `rmp_serde` was the largest single part of the page's wasm (about 290 KB of code
//! before wasm-opt), for one function pair. The bytes were kept, not improved, because their
//! length is visible: `endpoint status` prints it as the DB size, and a scenario or lesson that
//! shows it would otherwise change. The tests compare against `rmp_serde` (a dev-dependency).
//!
//! Versions: this format (version 1) always starts with `0x93`, the array of the state
//! machine's three fields. A later format must start with `0xc1`, the one byte MessagePack
//! never uses, then its version number; this build refuses it by name instead of misreading it.

mod decode;
mod encode;
mod msgpack;
#[cfg(test)]
mod tests;

use super::state_machine::KvStateMachine;
use super::types::KvError;

/// The first byte of every version-1 snapshot (a MessagePack array of three fields).
const VERSION_1_FIRST_BYTE: u8 = 0x93;

/// The first byte a later format starts with (see the module comment).
const LATER_VERSION_MARKER: u8 = 0xc1;

/// The snapshot bytes of `machine`.
pub(super) fn encode(machine: &KvStateMachine) -> Vec<u8> {
    let mut writer = msgpack::Writer::default();
    encode::state_machine(&mut writer, machine);
    writer.out
}

/// The state machine `bytes` hold, without its store's running digest (the caller recomputes
/// it). Damaged, cut or trailing bytes, or a later format, are an error.
pub(super) fn decode(bytes: &[u8]) -> Result<KvStateMachine, String> {
    match bytes {
        [VERSION_1_FIRST_BYTE, ..] => {}
        [LATER_VERSION_MARKER, version, ..] => {
            return Err(format!(
                "format {version} is newer than this build reads (1)"
            ));
        }
        _ => return Err("it is not a KV snapshot".into()),
    }
    let mut reader = msgpack::Reader::new(bytes);
    let machine = decode::state_machine(&mut reader)?;
    match reader.remaining() {
        0 => Ok(machine),
        extra => Err(format!("{extra} bytes follow its end")),
    }
}

/// The errors without data, by the name serde gave them.
const UNIT_ERRORS: [(&str, KvError); 12] = [
    ("Compacted", KvError::Compacted),
    ("FutureRevision", KvError::FutureRevision),
    ("DuplicateKey", KvError::DuplicateKey),
    ("EmptyKey", KvError::EmptyKey),
    ("RequestTooLarge", KvError::RequestTooLarge),
    ("LeaseNotFound", KvError::LeaseNotFound),
    ("KeyNotFound", KvError::KeyNotFound),
    ("ValueProvided", KvError::ValueProvided),
    ("LeaseProvided", KvError::LeaseProvided),
    ("LeaseExists", KvError::LeaseExists),
    ("LeaseTtlInvalid", KvError::LeaseTtlInvalid),
    ("TooManyLeases", KvError::TooManyLeases),
];

/// The name of an error without data ("" for the two with data, which encode writes itself).
fn unit_error_name(error: &KvError) -> &'static str {
    UNIT_ERRORS
        .iter()
        .find(|(_, e)| e == error)
        .map_or("", |(name, _)| name)
}

/// The error without data called `name`.
fn unit_error(name: &str) -> Option<KvError> {
    UNIT_ERRORS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, e)| e.clone())
}
