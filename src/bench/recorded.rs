//! Time travel's benchmark: a long recorded run on the page's engine (a [`Timeline`]: 5 nodes,
//! one client writing 10 times per simulated second, automatic snapshots and MVCC compaction
//! as the page has them), then seeks to a fixed pseudo-random sequence of moments.

use crate::bench::workload::send_put_action;
use crate::sim::config::SimConfig;
use crate::sim::queue::TimeMs;
use crate::sim::timeline::{RunEnd, Timeline};
use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};

/// Records `minutes` simulated minutes on a fresh 5-node timeline (seed 1), without the trace's
/// text hash, as the page's Playground runs it.
pub fn record(minutes: u64) -> Result<Timeline, String> {
    let mut timeline = Timeline::new(SimConfig {
        voters: 5,
        ..SimConfig::default()
    })?;
    timeline.stop_hashing_trace();
    record_on(&mut timeline, minutes)?;
    Ok(timeline)
}

/// Goes on recording `minutes` simulated minutes of writes on `timeline`, from its end.
pub fn record_on(timeline: &mut Timeline, minutes: u64) -> Result<(), String> {
    let start_ms = timeline.sim().now_ms().0;
    let end_ms = start_ms.saturating_add(minutes.saturating_mul(60_000));
    let mut n = 0;
    let mut at_ms = start_ms + 100;
    while at_ms <= end_ms {
        run_to(timeline, TimeMs(at_ms))?;
        // A refused write (no leader yet) is recorded as an error answer; the run goes on.
        let _ = timeline.act(send_put_action(n));
        n += 1;
        at_ms += 100;
    }
    run_to(timeline, TimeMs(end_ms))
}

/// Runs `timeline` to `at_ms` through as many capped calls as it takes.
fn run_to(timeline: &mut Timeline, at_ms: TimeMs) -> Result<(), String> {
    loop {
        match timeline.run_until(at_ms) {
            RunEnd::Reached => return Ok(()),
            RunEnd::Violation => {
                return Err(format!(
                    "a monitor fired while recording: {}",
                    timeline
                        .sim()
                        .violation()
                        .map(|v| v.to_string())
                        .unwrap_or_default()
                ));
            }
            RunEnd::StepCap { .. } => {}
        }
    }
}

/// `count` seek targets spread pseudo-randomly over `0..=end_ms` (a fixed sequence, so native
/// and wasm seek to the same moments).
pub fn seek_targets(end_ms: u64, count: usize) -> Vec<u64> {
    let mut rng = ChaCha8Rng::seed_from_u64(12_345);
    (0..count)
        .map(|_| rng.next_u64() % end_ms.saturating_add(1))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recorded_run_can_be_sought_anywhere_and_back() {
        let mut timeline = record(1).expect("records");
        let (end_step, end_ms) = timeline.end();
        assert_eq!(end_ms, TimeMs(60_000));
        let hash_at_end = timeline.sim().state_hash();
        let targets = seek_targets(end_ms.0, 5);
        assert_eq!(targets, seek_targets(end_ms.0, 5));
        assert!(targets.iter().all(|&t| t <= end_ms.0));
        for &t in &targets {
            assert_eq!(timeline.seek_ms(TimeMs(t)), RunEnd::Reached);
            assert_eq!(timeline.sim().now_ms(), TimeMs(t));
        }
        timeline.seek_ms(end_ms);
        assert_eq!(timeline.sim().steps(), end_step);
        assert_eq!(timeline.sim().state_hash(), hash_at_end);
    }

    #[test]
    fn the_page_shape_without_the_trace_hash_runs_the_same_and_records_the_same_moments() {
        let mut hashed = Timeline::new(SimConfig {
            voters: 5,
            ..SimConfig::default()
        })
        .expect("config");
        record_on(&mut hashed, 1).expect("records");
        let mut unhashed = record(1).expect("records");
        assert!(hashed.sim().trace().text_hash().is_some());
        assert_eq!(unhashed.sim().trace().text_hash(), None);
        assert_eq!(unhashed.end(), hashed.end());
        assert_eq!(unhashed.sim().state_hash(), hashed.sim().state_hash());
        assert_eq!(
            unhashed.sim().trace().to_text(),
            hashed.sim().trace().to_text()
        );
        assert_eq!(unhashed.moments().len(), hashed.moments().len());
        for t in seek_targets(hashed.end().1.0, 5) {
            unhashed.seek_ms(TimeMs(t));
            hashed.seek_ms(TimeMs(t));
            assert_eq!(unhashed.sim().state_hash(), hashed.sim().state_hash());
            assert_eq!(
                unhashed.sim().trace().to_text(),
                hashed.sim().trace().to_text()
            );
        }
    }
}
