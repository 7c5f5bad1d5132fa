//! The checker's benchmark histories (issue 13): 10,000 operations from 10 clients over 50
//! keys, linearizable, and the same with a stale read appended (a violation, so the time
//! includes finding and shrinking it).

use crate::check::{GenerateConfig, History, HistoryError, Input, Operation, Output};

/// The generator's seed: fixed, so every run checks the same history.
const SEED: u64 = 20_261_129;

/// A generated linearizable history of `ops` operations from 10 clients over `keys` keys.
pub fn generated(ops: usize, keys: u64) -> Result<History, HistoryError> {
    crate::check::generate_linearizable(&GenerateConfig {
        ops,
        clients: 10,
        keys,
        unknown_per_mille: 0,
        seed: SEED,
    })
}

/// The reference history (10,000 ops, 10 clients, 50 keys); with `violation`, followed by a
/// write and then a read of an older value of one key.
pub fn reference(violation: bool) -> Result<History, HistoryError> {
    let history = generated(10_000, 50)?;
    if !violation {
        return Ok(history);
    }
    let mut ops = history.ops().to_vec();
    let end = ops.iter().filter_map(|op| op.ret).max().unwrap_or(0);
    let op = |call, input, output| Operation {
        client: 99,
        call,
        ret: Some(call + 5),
        key: "k7".to_string(),
        input,
        output: Some(output),
    };
    ops.push(op(
        end + 10,
        Input::Put {
            value: "new".to_string(),
        },
        Output::Put,
    ));
    ops.push(op(
        end + 20,
        Input::Get,
        Output::Get {
            value: Some("old".to_string()),
        },
    ));
    History::new(ops)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{CheckConfig, Verdict, check_history};

    #[test]
    fn the_reference_passes_and_the_stale_read_is_caught() {
        let config = CheckConfig::default();
        let ok = reference(false).expect("valid");
        assert_eq!(ok.ops().len(), 10_000);
        assert_eq!(check_history(&ok, &config).verdict, Verdict::Ok);
        let bad = reference(true).expect("valid");
        assert_eq!(check_history(&bad, &config).verdict, Verdict::Violation);
    }
}
