// The monitors and history panels' bindings: the monitors' catalogue and this run's monitors
// (from Rust, so the page keeps no copy), what a violation's evidence points at, and the
// clients' history of a page run with the operations it came from.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const modulePath = process.env.RAFTLAB_WASM_NODE;
if (!modulePath) {
  throw new Error('RAFTLAB_WASM_NODE is not set: run these tests through `cargo xtask test`');
}
const core = createRequire(import.meta.url)(modulePath);
// The checker is in the small on-demand wasm module (tools-wasm/ built as `raftlab_check`, what
// the History tab's worker loads), generated beside the core.
const checker = createRequire(import.meta.url)(join(dirname(modulePath), 'raftlab_check.js'));

test('the catalogue lists monitors 1-13 and the history checker, with kinds', () => {
  const list = JSON.parse(core.monitorCatalogue());
  assert.deepEqual(list.filter((m) => m.number !== null).map((m) => m.number), [...Array(13)].map((_, i) => i + 1));
  assert.equal(list.at(-1).number, null);
  assert.equal(list[0].kind, 'consequence');
  assert.equal(list.find((m) => m.number === 12).kind, 'rule');
  for (const m of list) assert.ok(m.explanation.length > 40, m.name);
});

test('a run\'s monitors: rule monitors off, and which ones watch its switches', () => {
  const playground = new core.Playground({
    voters: 3, seed: 6, unsafe_switches: ['commit-old-term-by-count'], rule_monitors: false,
  });
  const info = JSON.parse(playground.monitors());
  assert.equal(info.ruleMonitors, false);
  assert.deepEqual(info.switches, ['commit-old-term-by-count']);
  const twelve = info.monitors.find((m) => m.number === 12);
  assert.equal(twelve.on, false);
  assert.deepEqual(twelve.watches, ['commit-old-term-by-count']);
  const four = info.monitors.find((m) => m.number === 4);
  assert.equal(four.on, true);
  assert.deepEqual(four.watches, ['commit-old-term-by-count']);
  assert.deepEqual(info.monitors.find((m) => m.number === 1).watches, []);
  assert.equal(playground.violationPointers(), 'null');
  const plain = JSON.parse(new core.Playground({ voters: 3 }).monitors());
  assert.ok(plain.monitors.every((m) => m.on), 'rule monitors are on by default');
});

test('a stale lease read: the pointers, the history and its sources', () => {
  const playground = new core.Playground({
    voters: 3, seed: 3, pre_vote: false, check_quorum: false, lease_reads: true,
    unsafe_switches: ['lease-without-check-quorum'],
  });
  playground.advanceMs(3000);
  playground.console(1, 1, 'put x 1');
  playground.advanceMs(300);
  playground.apply({ kind: 'partition', groups: [[1], [2, 3]] });
  playground.apply({ kind: 'fire-timer', node: 3 });
  playground.advanceMs(150);
  playground.console(2, 3, 'put x 2');
  playground.advanceMs(100);
  playground.console(3, 1, 'get x');
  playground.advanceMs(100);
  const violation = playground.view().monitor.violation;
  assert.equal(violation.invariant, '10 linearizable reads');
  assert.deepEqual(JSON.parse(playground.violationPointers()), { indexes: [2, 4], terms: [] });

  const history = JSON.parse(playground.history());
  assert.equal(history.version, 1);
  assert.deepEqual(history.ops.map((op) => [op.client, op.kind, op.key]), [[1, 'put', 'x'], [2, 'put', 'x'], [3, 'get', 'x']]);
  const sources = JSON.parse(playground.historySources());
  assert.deepEqual(sources.map((s) => [s.op, s.node, s.line, s.state]), [
    [0, 1, 'put x 1', 'done'], [1, 3, 'put x 2', 'done'], [2, 1, 'get x', 'done'],
  ]);
  const report = JSON.parse(checker.checkHistoryReport(playground.history()));
  assert.equal(report.verdict, 'violation');
  assert.deepEqual(report.keys[0].violation.unplaced_ops, [2]);
});
