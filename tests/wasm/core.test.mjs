// The compiled wasm, exercised through its generated bindings in Node.
// `cargo xtask test` builds it and sets RAFTLAB_WASM_NODE to the generated CommonJS module.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const modulePath = process.env.RAFTLAB_WASM_NODE;
if (!modulePath) {
  throw new Error('RAFTLAB_WASM_NODE is not set: run these tests through `cargo xtask test`');
}
const core = createRequire(import.meta.url)(modulePath);
// The checker is in the small on-demand wasm module (tools-wasm/ built as `raftlab_check`, what
// the History tab's worker loads), generated beside the core.
const checker = createRequire(import.meta.url)(join(dirname(modulePath), 'raftlab_check.js'));
// The run's text exports are in the big one (`raftlab_tools`, what the Share & export dialog
// loads).
const tools = createRequire(import.meta.url)(join(dirname(modulePath), 'raftlab_tools.js'));

const cargoToml = readFileSync(fileURLToPath(new URL('../../Cargo.toml', import.meta.url)), 'utf8');
const cargoVersion = /^version\s*=\s*"([^"]+)"/m.exec(cargoToml)?.[1];

test('the wasm reports the version from Cargo.toml', () => {
  assert.ok(cargoVersion, 'Cargo.toml has a version');
  assert.equal(core.version(), cargoVersion);
});

test('the build id is a git commit or "dev"', () => {
  assert.match(core.buildId(), /^([0-9a-f]{7,40}|dev)$/);
});

test('fresh seeds are decimal u64 strings and differ between calls', () => {
  const seeds = new Set();
  for (let i = 0; i < 8; i++) {
    const seed = core.freshSeed();
    assert.match(seed, /^\d{1,20}$/);
    assert.ok(BigInt(seed) <= 18446744073709551615n);
    seeds.add(seed);
  }
  assert.ok(seeds.size > 1, 'eight fresh seeds were not all equal');
});

test('the checker and the run\'s text exports are not in the core module, which every visit loads first', () => {
  for (const name of ['checkHistoryJson', 'checkHistoryReport', 'PreparedHistory', 'generateHistoryJson',
    'benchHistoryJson']) {
    assert.equal(core[name], undefined, name);
    assert.equal(typeof checker[name], 'function', name);
    assert.equal(typeof tools[name], 'function', name);
  }
  for (const name of ['replayScript', 'etcdScript', 'rustTest', 'scriptScenarioJson', 'runScript']) {
    assert.equal(core[name], undefined, name);
    assert.equal(typeof tools[name], 'function', name);
  }
  for (const method of ['script', 'etcdScript', 'rustTest']) {
    assert.equal(core.Playground.prototype[method], undefined, method);
  }
  assert.equal(core.Playground.fromScript, undefined, 'fromScript');
});

test('the checker in wasm accepts a generated history and reports bad JSON', () => {
  const json = checker.generateHistoryJson(500, 5, 10, 3);
  assert.equal(checker.checkHistoryJson(json), 'ok');
  assert.match(checker.checkHistoryJson('{"version": 1, "ops": [oops'), /^error: /);
  assert.equal(new checker.PreparedHistory(json).check(), 'ok');
  assert.throws(() => new checker.PreparedHistory('not json'), /line 1/);
});

test('the checker in wasm takes an optional step budget and says how much it used', () => {
  const json = checker.generateHistoryJson(500, 5, 10, 3);
  // One step per key cannot decide a key with operations on it.
  assert.equal(checker.checkHistoryJson(json, 1), 'unknown');
  assert.equal(new checker.PreparedHistory(json).check(1), 'unknown');
  assert.equal(new checker.PreparedHistory(json).check(undefined), 'ok');
  const report = JSON.parse(checker.checkHistoryReport(json, 5000000));
  assert.equal(report.verdict, 'ok');
  assert.equal(report.budget.steps_max_per_key, 5000000);
  assert.equal(report.budget.steps_max_total, 50000000);
  assert.ok(report.budget.steps_spent > 0 && report.budget.steps_spent <= report.steps);
  assert.equal(JSON.parse(checker.checkHistoryReport(json)).budget.steps_max_per_key, 1000000);
  assert.ok('error' in JSON.parse(checker.checkHistoryReport('oops')));
});
