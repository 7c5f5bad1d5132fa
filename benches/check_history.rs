//! The checker on the reference workload: a linearizable history of 10,000 operations
//! from 10 clients over 50 keys (target: well under 100 ms natively). Also measured: the same
//! history read from JSON, one with 2% unknown outcomes, a busy single key, and a stale read
//! appended at the end (checking plus shrinking the violation).
//!
//! Run with `cargo bench --bench check_history`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use raftlab::check::{
    CheckConfig, GenerateConfig, History, Verdict, check_history, check_json,
    generate_linearizable, to_json,
};

fn generated(ops: usize, keys: u64, unknown_per_mille: u64) -> History {
    generate_linearizable(&GenerateConfig {
        ops,
        clients: 10,
        keys,
        unknown_per_mille,
        seed: 20_261_129,
    })
    .expect("generated histories are valid")
}

fn reference(unknown_per_mille: u64) -> History {
    generated(10_000, 50, unknown_per_mille)
}

fn with_stale_read() -> History {
    raftlab::bench::histories::reference(true).expect("valid")
}

fn bench(c: &mut Criterion) {
    let config = CheckConfig::default();
    let history = reference(0);
    assert_eq!(check_history(&history, &config).verdict, Verdict::Ok);
    c.bench_function("check 10k ops, 10 clients, 50 keys", |b| {
        b.iter(|| check_history(black_box(&history), &config))
    });

    let text = to_json(&history);
    c.bench_function("parse JSON + check 10k ops", |b| {
        b.iter(|| check_json(black_box(&text)))
    });

    let uncertain = reference(20);
    assert_eq!(check_history(&uncertain, &config).verdict, Verdict::Ok);
    c.bench_function("check 10k ops, 2% unknown outcomes", |b| {
        b.iter(|| check_history(black_box(&uncertain), &config))
    });

    // A busy key: every client on the same key, so about ten operations overlap at any time.
    let busy = generated(2_000, 1, 0);
    assert_eq!(check_history(&busy, &config).verdict, Verdict::Ok);
    c.bench_function("check 2k ops, 10 clients, 1 key", |b| {
        b.iter(|| check_history(black_box(&busy), &config))
    });

    let stale = with_stale_read();
    assert_eq!(check_history(&stale, &config).verdict, Verdict::Violation);
    c.bench_function("check + shrink 10k ops with a stale read", |b| {
        b.iter(|| check_history(black_box(&stale), &config))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
