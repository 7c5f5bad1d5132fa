//! What a simulated read carries through Raft's read-index as its context. The core treats a
//! read context as opaque bytes (as etcd does) and hands it back in a `ReadState`; the
//! simulator needs to know which read came back, so it writes and parses the bytes here, in
//! one place, instead of formatting and splitting strings where reads start and end.

/// Which read a read-index request belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ReadContext {
    /// A client's linearizable read (a console `get` or range): its operation id. Bytes
    /// `op-<id>`.
    ClientOp(u64),
    /// A bare `read-index` action of a script, numbered by the trace. Bytes `read-<id>`.
    Probe(u64),
}

impl ReadContext {
    /// The bytes the read carries through the core (and shows in message traces).
    pub fn to_bytes(self) -> Vec<u8> {
        match self {
            ReadContext::ClientOp(op) => format!("op-{op}"),
            ReadContext::Probe(id) => format!("read-{id}"),
        }
        .into_bytes()
    }

    /// The read these bytes name; `None` for bytes this simulator did not write.
    pub fn parse(bytes: &[u8]) -> Option<ReadContext> {
        let text = std::str::from_utf8(bytes).ok()?;
        if let Some(op) = text.strip_prefix("op-") {
            return op.parse().ok().map(ReadContext::ClientOp);
        }
        text.strip_prefix("read-")?
            .parse()
            .ok()
            .map(ReadContext::Probe)
    }

    /// The client operation this read serves, if it is one.
    pub fn client_op(self) -> Option<u64> {
        match self {
            ReadContext::ClientOp(op) => Some(op),
            ReadContext::Probe(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_round_trip_and_keep_their_trace_spelling() {
        for ctx in [ReadContext::ClientOp(7), ReadContext::Probe(12)] {
            assert_eq!(ReadContext::parse(&ctx.to_bytes()), Some(ctx));
        }
        assert_eq!(ReadContext::ClientOp(7).to_bytes(), b"op-7");
        assert_eq!(ReadContext::Probe(12).to_bytes(), b"read-12");
        assert_eq!(
            ReadContext::parse(b"read-12").and_then(ReadContext::client_op),
            None
        );
    }

    #[test]
    fn foreign_bytes_name_no_read() {
        for bytes in [&b"op-"[..], b"op-x", b"CampaignTransfer", b"", b"\xff"] {
            assert_eq!(ReadContext::parse(bytes), None, "{bytes:?}");
        }
    }
}
