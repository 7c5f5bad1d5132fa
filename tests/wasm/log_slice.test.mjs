// The logs view's scroll-back binding: `logSlice(node, fromIndex, count)` returns the same Log /
// LogEntry objects as the view model, for any range of a node's log, bounded.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const modulePath = process.env.RAFTLAB_WASM_NODE;
if (!modulePath) {
  throw new Error('RAFTLAB_WASM_NODE is not set: run these tests through `cargo xtask test`');
}
const core = createRequire(import.meta.url)(modulePath);

test('logSlice reaches entries long gone from the view window, as view-model objects', () => {
  const playground = new core.Playground({ voters: 3, seed: 5 });
  playground.advanceMs(3000);
  const leader = playground.view().leader;
  assert.ok(leader !== undefined, 'a leader by 3 s');
  for (let i = 0; i < 300; i++) playground.apply({ kind: 'propose', node: leader, data: `entry ${i}` });
  playground.advanceMs(1000);
  const view = playground.view();
  const window = view.logs.find((log) => log.node === leader);
  assert.ok(window.entries[0].index > 200, 'the window holds only the newest entries');

  const head = playground.logSlice(leader, 1, 10);
  assert.equal(head.node, leader);
  assert.equal(head.lastIndex, window.lastIndex);
  assert.equal(head.commit, window.commit);
  assert.deepEqual(head.entries.map((e) => e.index), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  for (const entry of head.entries) {
    assert.deepEqual(Object.keys(entry).filter((k) => k !== 'op').sort(),
      ['applied', 'command', 'committed', 'index', 'kind', 'term']);
    assert.equal(entry.committed, true);
  }
  assert.ok(head.entries.some((e) => e.command === 'data entry 0'), 'commands are described');

  // The same entries as the window where they overlap.
  const tail = playground.logSlice(leader, window.entries[0].index, window.entries.length);
  assert.deepEqual(tail.entries, window.entries);

  // Bounded and clipped; bad input is a clear error.
  assert.equal(playground.logSlice(leader, 1, 5000).entries.length, Math.min(1000, window.lastIndex));
  assert.deepEqual(playground.logSlice(leader, window.lastIndex + 1, 10).entries, []);
  assert.throws(() => playground.logSlice(9, 1, 10), /no node n9/);
  assert.throws(() => playground.logSlice(leader, -1, 10), /bad from/);
  assert.throws(() => playground.logSlice(leader, 1, 1.5), /bad count/);
});
