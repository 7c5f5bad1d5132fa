//! Random linearizable histories, for benchmarks, tests and demonstrations.
//!
//! The generator runs a real atomic register map: each operation gets a random interval and a
//! random *linearization point* inside it, and outputs are computed by applying operations in
//! the order of those points. The result is linearizable by construction. Clients are
//! sequential (each call follows that client's previous return), as in the simulator.
//! Everything comes from one ChaCha8 stream seeded by the caller, so a seed names a history.

use std::collections::BTreeMap;

use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};

use super::history::{History, HistoryError, Operation, limits};
use super::model::{self, Input};

/// The shape of a generated history.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GenerateConfig {
    /// Number of operations.
    pub ops: usize,
    /// Number of concurrent clients (at most [`CLIENTS_MAX`]).
    pub clients: u64,
    /// Number of distinct keys.
    pub keys: u64,
    /// Out of 1000 operations, how many time out (unknown outcome). Half of those take effect.
    pub unknown_per_mille: u64,
    /// The seed of the random stream.
    pub seed: u64,
}

struct Planned {
    op: Operation,
    /// The moment the operation takes effect; `None` for a timed-out one that never does.
    effect_at: Option<u64>,
}

/// Most clients the generator simulates; more are clamped to it.
pub const CLIENTS_MAX: u64 = 1024;

/// Generates a linearizable history (see the module documentation). Fails when `ops` is over
/// the history limit.
pub fn generate_linearizable(config: &GenerateConfig) -> Result<History, HistoryError> {
    if config.ops > limits::OPS_MAX {
        return Err(HistoryError::TooLarge {
            what: "operations",
            limit: limits::OPS_MAX,
            actual: config.ops,
        });
    }
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    let clients = config.clients.clamp(1, CLIENTS_MAX);
    let keys = config.keys.max(1);
    let mut client_time: Vec<u64> = (0..clients).map(|_| below(&mut rng, 10)).collect();
    // Values written per key so far, to give compare-and-swaps plausible expectations.
    let mut written: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut planned = Vec::with_capacity(config.ops);
    for index in 0..config.ops {
        let client = below(&mut rng, clients);
        let slot = client as usize;
        let call = client_time[slot] + 1 + below(&mut rng, 5);
        let duration = 1 + below(&mut rng, 20);
        client_time[slot] = call + duration;
        let key = format!("k{}", below(&mut rng, keys));
        let history = written.entry(key.clone()).or_default();
        let input = random_input(&mut rng, index, history);
        if let Input::Put { value } | Input::Cas { value, .. } = &input {
            history.push(value.clone());
        }
        let effect_point = call + below(&mut rng, duration + 1);
        let timed_out = below(&mut rng, 1000) < config.unknown_per_mille;
        let (ret, effect_at) = if timed_out {
            (None, (below(&mut rng, 2) == 0).then_some(effect_point))
        } else {
            (Some(call + duration), Some(effect_point))
        };
        planned.push(Planned {
            op: Operation {
                client,
                call,
                ret,
                key,
                input,
                output: None,
            },
            effect_at,
        });
    }
    planned.sort_by_key(|plan| (plan.op.call, plan.op.client));
    fill_outputs(&mut planned);
    History::new(planned.into_iter().map(|plan| plan.op).collect())
}

fn random_input(rng: &mut ChaCha8Rng, index: usize, written: &[String]) -> Input {
    let value = format!("v{index}");
    match below(rng, 100) {
        0..=39 => Input::Put { value },
        40..=79 => Input::Get,
        80..=84 => Input::Delete,
        _ => {
            let expect = match (below(rng, 4), written.last()) {
                (0, _) | (_, None) => None,
                (1, Some(_)) => written
                    .get(below(rng, written.len() as u64) as usize)
                    .cloned(),
                (_, Some(last)) => Some(last.clone()),
            };
            Input::Cas { expect, value }
        }
    }
}

/// Applies the operations at their effect points, in order, to a real map.
fn fill_outputs(planned: &mut [Planned]) {
    let mut order: Vec<(u64, usize)> = planned
        .iter()
        .enumerate()
        .filter_map(|(index, plan)| plan.effect_at.map(|at| (at, index)))
        .collect();
    order.sort_unstable();
    let mut map: BTreeMap<String, String> = BTreeMap::new();
    for (_, index) in order {
        let op = &mut planned[index].op;
        let state = map.get(&op.key).cloned();
        let (output, next) = model::apply(&state, &op.input);
        match next {
            Some(value) => map.insert(op.key.clone(), value),
            None => map.remove(&op.key),
        };
        if op.ret.is_some() {
            op.output = Some(output);
        }
    }
}

/// A uniform-enough number in `0..bound` (the modulo bias is irrelevant here); 0 if `bound`
/// is 0.
fn below(rng: &mut ChaCha8Rng, bound: u64) -> u64 {
    rng.next_u64().checked_rem(bound).unwrap_or(0)
}
