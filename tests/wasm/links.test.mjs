// Share links through the generated bindings in Node: a run with a crash, a partition, a
// dropped message and console commands comes back from its link at the same moment with the
// same hash (at the end and in the past); bad links are refused with words, not a crash.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const modulePath = process.env.RAFTLAB_WASM_NODE;
if (!modulePath) {
  throw new Error('RAFTLAB_WASM_NODE is not set: run these tests through `cargo xtask test`');
}
const core = createRequire(import.meta.url)(modulePath);

function run() {
  const p = new core.Playground({ voters: 5, seed: 21 });
  p.advanceMs(3000);
  const leader = p.view().leader;
  assert.ok(leader, 'a leader by 3 s');
  p.console(1, leader, 'put mykey myvalue');
  p.advanceMs(7);
  const message = p.view().messages[0];
  if (message) p.apply({ kind: 'drop', message: message.id });
  p.apply({ kind: 'crash', node: leader });
  p.apply({ kind: 'partition', groups: [[1, 2], [3, 4, 5]] });
  p.advanceMs(2000);
  p.apply({ kind: 'heal' });
  p.console(2, 3, 'get mykey');
  p.advanceMs(1500);
  return p;
}

test('a link opens the same run at the same moment, at the end and in the past', () => {
  const p = run();
  for (const seek of [null, 4200]) {
    if (seek !== null) p.seekMs(seek);
    const link = p.link();
    assert.match(link, /^1\.[A-Za-z0-9_-]+$/);
    const opened = core.Playground.fromLink(`#run=${link}`);
    assert.equal(opened.hash(), p.hash());
    assert.equal(opened.nowMs(), p.nowMs());
    assert.equal(opened.nowStep(), p.nowStep());
    assert.equal(opened.endMs(), p.endMs(), 'the recorded future comes too');
  }
  console.log(`link length for a ${p.endMs()} ms run with 7 actions: ${p.link().length} characters`);
});

test('cut, damaged and newer links are refused with a clear message', () => {
  const link = run().link();
  assert.throws(() => core.Playground.fromLink(link.slice(0, Math.floor(link.length / 2))), /cut short/);
  assert.throws(() => core.Playground.fromLink(link.replace(/^1\./, '9.')), /newer raftlab/);
  assert.throws(() => core.Playground.fromLink('not a link'), /not a raftlab run link/);
  assert.throws(() => core.Playground.fromLink(''), /not a raftlab run link/);
});

/**
 * A 5-minute run steered by hand, as a learner would: every 5 s one of a put, a get, a crash or
 * restart, a partition or heal, a dropped message, a link cut (60 actions in all).
 */
function handSteered() {
  const p = new core.Playground({ voters: 5, seed: 31 });
  const down = new Set();
  for (let at = 1; at <= 60; at += 1) {
    p.advanceMs(5000);
    const view = p.view();
    const leader = view.leader ?? 1;
    const node = 1 + (at * 7) % 5;
    switch (at % 8) {
      case 0: p.console(1 + at % 3, leader, `put key${at % 11} "value number ${at}"`); break;
      case 1: p.console(2, node, `get key${(at * 3) % 11}`); break;
      case 2:
        if (down.has(node)) { p.apply({ kind: 'restart', node }); down.delete(node); } else if (down.size < 2) { p.apply({ kind: 'crash', node }); down.add(node); }
        break;
      case 3: p.apply({ kind: 'partition', groups: [[1, 2], [3, 4, 5]] }); break;
      case 4: p.apply({ kind: 'heal' }); break;
      case 5: if (view.messages[0]) p.apply({ kind: 'drop', message: view.messages[0].id }); break;
      case 6: p.apply({ kind: 'set-link-up', from: leader, to: node === leader ? 1 + (node % 5) : node, up: false }); break;
      default: p.console(3, leader, `del key${at % 11}`); break;
    }
  }
  return p;
}

test('a 5-minute hand-steered run makes a link of a few thousand characters that replays it', () => {
  const p = handSteered();
  assert.equal(p.nowMs(), 300000);
  const link = p.link();
  const url = `http://127.0.0.1:8080/#run=${link}`;
  // The figure README quotes (deterministic: same build, same run, same length).
  console.log(`5-minute hand-steered run (60 actions): link ${link.length} characters, `
    + `address ${url.length}`);
  assert.ok(link.length < 8000, `a 5-minute run's link stays short enough to paste: ${link.length}`);
  const opened = core.Playground.fromLink(link);
  assert.equal(opened.hash(), p.hash());
  assert.equal(opened.nowMs(), 300000);
  opened.free();
  p.free();
});
