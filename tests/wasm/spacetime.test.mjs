// The space-time diagram's binding: `spacetime(fromMs, toMs, maxArrows)` returns the arrows
// and lane marks of a window, bounded, agreeing with the view model's messages on the wire.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const modulePath = process.env.RAFTLAB_WASM_NODE;
if (!modulePath) {
  throw new Error('RAFTLAB_WASM_NODE is not set: run these tests through `cargo xtask test`');
}
const core = createRequire(import.meta.url)(modulePath);

test('spacetime returns the window\'s arrows and marks, bounded', () => {
  const playground = new core.Playground({ voters: 3, seed: 5 });
  playground.advanceMs(3000);
  const view = playground.view();
  assert.ok(view.leader !== undefined, 'a leader by 3 s');
  const now = view.nowMs;

  const all = playground.spacetime(0, now + 1000, 5000);
  assert.equal(all.toMs, now, 'the window stops at the present');
  assert.deepEqual(all.nodes, [1, 2, 3]);
  assert.ok(all.arrows.length > 10 && all.arrows.length === all.arrowsTotal);
  assert.ok(all.marks.some((m) => m.kind === 'leader' && m.node === view.leader));
  for (const a of all.arrows) {
    assert.ok(['delivered', 'dropped', 'in-flight', 'held', 'unknown'].includes(a.end));
    assert.ok(a.sentMs <= now && typeof a.kind === 'string' && typeof a.summary === 'string');
  }
  // Every message on the wire is an arrow still in flight, due when the view says.
  for (const m of view.messages) {
    const a = all.arrows.find((x) => x.id === m.id);
    assert.ok(a, `m${m.id} drawn`);
    assert.equal(a.end, m.held ? 'held' : 'in-flight');
    assert.equal(a.endMs, m.dueMs);
  }

  const few = playground.spacetime(0, now, 5);
  assert.equal(few.arrows.length, 5);
  assert.deepEqual(few.arrows.map((a) => a.id), all.arrows.slice(-5).map((a) => a.id));
  assert.throws(() => playground.spacetime(-1, now, 5), /bad from ms/);
  assert.throws(() => playground.spacetime(0, 1.5, 5), /bad to ms/);
  assert.equal(playground.hash(), view.stateHash, 'reading changes nothing');
});
