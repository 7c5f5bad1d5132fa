//! Commands as Raft log entries. A client request (plus an optional session stamp) is encoded
//! into bytes when proposed and decoded when a node applies the committed entry. Decoding
//! never panics: bytes that are not a command become a [`KvError::BadCommand`] response, and
//! since every node decodes the same bytes, every node returns that same error.
//!
//! The encoding is JSON (serde_json): larger than a binary format, but an entry in the trace
//! or the page's log view stays human-readable, which matters more in a playground.

use super::request::Request;
use super::session::SessionStamp;
use super::types::KvError;
use serde::{Deserialize, Serialize};

/// What a log entry carries for the KV state machine.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Command {
    /// Client id and sequence number for exactly-once apply; `None` = at-least-once (a retry
    /// applies again).
    pub session: Option<SessionStamp>,
    /// The request to apply.
    pub request: Request,
}

impl Command {
    /// A command without a session.
    pub fn new(request: Request) -> Self {
        Command {
            session: None,
            request,
        }
    }

    /// A command deduplicated by `(client_id, sequence)`.
    pub fn with_session(request: Request, client_id: u64, sequence: u64) -> Self {
        Command {
            session: Some(SessionStamp {
                client_id,
                sequence,
            }),
            request,
        }
    }

    /// The bytes to put into a log entry.
    pub fn encode(&self) -> Vec<u8> {
        // Serializing these plain types cannot fail (no maps with non-string keys, no custom
        // serializers); an empty entry would decode as a BadCommand, never corrupt state.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Decode a log entry's bytes (read by hand, `command_json.rs`: the same values and
    /// messages as the derived `Deserialize`, in a fraction of the wasm).
    pub fn decode(bytes: &[u8]) -> Result<Command, KvError> {
        super::command_json::read(bytes).map_err(|error| KvError::BadCommand(error.to_string()))
    }
}
