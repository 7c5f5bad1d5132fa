// The page's engine through its generated bindings in Node: a Playground elects a leader, takes
// an etcdctl put through the console, and its view model shows the key on every node.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const modulePath = process.env.RAFTLAB_WASM_NODE;
if (!modulePath) {
  throw new Error('RAFTLAB_WASM_NODE is not set: run these tests through `cargo xtask test`');
}
const core = createRequire(import.meta.url)(modulePath);
// What the page's first module does not carry (the run's text exports, the script runner) is
// the on-demand module's (tools-wasm/), generated beside the core.
const tools = createRequire(import.meta.url)(join(dirname(modulePath), 'raftlab_tools.js'));

/** Advances in 100 ms steps until `done(view)` holds, at most `limitMs` of virtual time. */
function advanceUntil(playground, done, limitMs) {
  for (let elapsed = 0; elapsed <= limitMs; elapsed += 100) {
    const view = playground.view();
    if (done(view)) return view;
    assert.equal(playground.advanceMs(100), 'reached');
  }
  assert.fail(`not reached within ${limitMs} ms`);
}

test('a playground elects a leader, takes a put through the console and shows it', () => {
  const playground = new core.Playground({ voters: 3, seed: 5 });
  const led = advanceUntil(playground, (v) => v.leader !== undefined, 10_000);
  const leader = led.nodes.find((n) => n.id === led.leader);
  assert.equal(leader.role, 'leader');
  assert.equal(leader.name, `n${led.leader}`);
  assert.ok(leader.term >= 1);

  playground.console(1, 1,
    'ETCDCTL_API=3 etcdctl --endpoints=http://localhost:2379 put mykey myvalue');
  const put = advanceUntil(playground,
    (v) => v.kv.every((kv) => kv.keys.some((k) => k.key === 'mykey' && k.value === 'myvalue')),
    2_000);
  assert.equal(put.clients[0].ops[0].output, 'OK\n');
  assert.equal(put.stateHash, playground.hash());
  assert.match(put.stateHash, /^[0-9a-f]{16}$/);
  assert.equal(put.nowMs, playground.nowMs());

  // The JSON text and the JS object carry the same view.
  assert.deepEqual(JSON.parse(playground.viewJson()), put);
});

test('actions are plain data, and bad input is a clear error that changes nothing', () => {
  const playground = new core.Playground('{"voters": 3, "seed": 7}');
  playground.advanceMs(3000);
  const before = playground.hash();
  playground.apply({ kind: 'set-link-up', from: 1, to: 2, up: false });
  const cut = playground.view().links.filter((l) => !l.up).map((l) => [l.from, l.to]);
  assert.deepEqual(cut, [[1, 2]]);
  assert.notEqual(playground.hash(), before, 'links are in the hash');

  const after = playground.hash();
  assert.throws(() => playground.apply({ kind: 'explode' }), /bad action/);
  assert.throws(() => playground.apply('{not json'), /bad action/);
  assert.throws(() => playground.apply({ kind: 'crash', node: 42 }), /42/);
  assert.throws(() => playground.console(1, 1.5, 'get k'), /bad node/);
  assert.throws(() => playground.advanceMs(-1), /bad ms/);
  assert.equal(playground.hash(), after);

  assert.throws(() => new core.Playground({ voters: 99 }), /bad config: .*voters/);
  assert.throws(() => new core.Playground('{"voters": "three"}'), /bad config/);
  assert.ok(playground.stepEvent());
});

test('a 5-node view with 2,000-entry logs is small and quick to build', (t) => {
  const playground = new core.Playground({ voters: 5, seed: 3 });
  playground.advanceMs(3000);
  const leader = playground.view().leader;
  assert.ok(leader !== undefined, 'a leader by 3 s');
  // Half raw proposals, half etcdctl puts through a client (their log entries are decoded).
  for (let i = 0; i < 2000; i++) {
    if (i % 2 === 0) {
      playground.apply({ kind: 'propose', node: leader, data: `entry number ${i}` });
    } else {
      playground.console(1 + (i % 7), leader, `put key-${Math.floor(i / 2) % 300} value-${i}`);
    }
    if (i % 100 === 0) playground.advanceMs(20);
  }
  playground.advanceMs(2000);
  const times = [];
  let view;
  for (let i = 0; i < 50; i++) {
    const started = performance.now();
    view = playground.view();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const bytes = playground.viewJson().length;
  t.diagnostic(`view() for 5 nodes, last index ${view.nodes[0].lastIndex}: ` +
    `p50 ${times[25].toFixed(3)} ms, p95 ${times[47].toFixed(3)} ms, ${bytes} bytes of JSON`);
  assert.ok(view.logs.every((log) => log.lastIndex > 2000 && log.entries.length === 64));
  assert.ok(bytes < 120_000, `${bytes} bytes`);
});

test('hostile console lines are answered or refused with a message, and the run goes on', () => {
  const playground = new core.Playground({ voters: 3, seed: 5 });
  playground.advanceMs(3000);
  playground.console(1, 1, `put '<img src=x onerror=alert(1)>' '<script>alert(1)</script>'`);
  playground.console(2, 1, 'put ключ 值🙂');
  assert.throws(() => playground.console(1, 1, ''), /empty command/);
  assert.throws(() => playground.console(1, 1, 'explode now'), /unknown command "explode"/);
  assert.throws(() => playground.console(1, 1, `put big ${'x'.repeat(1 << 20)}`), /at most/);
  assert.equal(playground.advanceMs(1000), 'reached');
  const view = playground.view();
  for (const kv of view.kv) {
    assert.deepEqual(kv.keys.map((k) => [k.key, k.value]), [
      ['<img src=x onerror=alert(1)>', '<script>alert(1)</script>'],
      ['ключ', '值🙂'],
    ], `n${kv.node}: user text is kept as text`);
  }
  assert.ok(view.clients.every((c) => c.ops.every((op) => op.state === 'done' && op.ok)));
  assert.ok(view.monitor.ok);
});

test('replayScript() replays the run so far, ends with the state hash, and leaves out the future', () => {
  const playground = new core.Playground({ voters: 5, seed: 9, snapshot_count: 50 });
  playground.advanceMs(3000);
  const leader = playground.view().leader;
  assert.ok(leader !== undefined, 'a leader by 3 s');
  playground.console(1, leader, 'put "<img src=x onerror=alert(1)>" "два слова"');
  playground.advanceMs(300);
  playground.apply({ kind: 'crash', node: leader === 1 ? 2 : 1 });
  for (let i = 0; i < 3; i += 1) playground.stepEvent();
  const held = playground.view().messages.find((m) => !m.held);
  playground.apply({ kind: 'hold', message: held.id });
  playground.console(2, leader, '  get "<img src=x onerror=alert(1)>"  ');
  playground.advanceMs(1200);
  playground.apply({ kind: 'release', message: held.id });
  playground.advanceMs(500);

  const script = tools.replayScript(playground.scenarioJson());
  const lines = script.split('\n');
  assert.ok(lines.includes('cluster seed=9 voters=5 snapshot-count=50'), script);
  assert.match(script, /^run-to-step \d+ clock=\d+$/m);
  assert.match(script, /^act-json \{"kind":"console"/m, 'a line with spaces at its ends');
  assert.ok(script.trimEnd().endsWith(`hash\n----\n${playground.hash()}`), script);
  // The same script run by the engine (as `raftlab run` would): no mismatch, same hash.
  const report = JSON.parse(tools.runScript(script));
  assert.deepEqual(report.mismatches, []);
  assert.equal(report.stateHash, playground.hash());
  // Tampered: another hash expected, or another action, is a mismatch.
  const tampered = JSON.parse(tools.runScript(script.replace(/\n[0-9a-f]{16}\n?$/, '\n0000000000000000\n')));
  assert.equal(tampered.mismatches.length, 1);

  // Seek back: the actions after that moment are the recorded future, not in the script.
  const end = playground.nowMs();
  playground.seekMs(3100);
  const past = tools.replayScript(playground.scenarioJson());
  assert.doesNotMatch(past, /^release /m);
  assert.equal(JSON.parse(tools.runScript(past)).stateHash, playground.hash());
  playground.seekMs(end);
  assert.equal(tools.replayScript(playground.scenarioJson()), script, 'back at the end: the same script');
});
