// Time travel through the generated bindings in Node: step back and forward, seek to a step,
// the recorded end, forking by acting in the past and undoing it, jumps between moments.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const modulePath = process.env.RAFTLAB_WASM_NODE;
if (!modulePath) {
  throw new Error('RAFTLAB_WASM_NODE is not set: run these tests through `cargo xtask test`');
}
const core = createRequire(import.meta.url)(modulePath);

test('step back then forward returns the same hash; seekStep matches stepping straight there', () => {
  const straight = new core.Playground({ voters: 5, seed: 2 });
  const hashes = [straight.hash()];
  for (let i = 0; i < 600; i++) {
    assert.equal(straight.stepEvent(), true);
    hashes.push(straight.hash());
  }
  const p = new core.Playground({ voters: 5, seed: 2 });
  assert.equal(p.stepBack(), false, 'nothing before step 0');
  p.advanceMs(10000);
  assert.ok(p.nowStep() > 600, `${p.nowStep()} steps`);
  p.stepEvent();
  const here = p.hash();
  const step = p.nowStep();
  assert.equal(p.stepBack(), true);
  assert.equal(p.nowStep(), step - 1);
  assert.equal(p.inPast(), true);
  assert.equal(p.endStep(), step);
  p.stepEvent();
  assert.equal(p.hash(), here);
  assert.equal(p.inPast(), false);
  for (const n of [0, 1, 250, 599, 600]) {
    assert.equal(p.seekStep(n), 'reached');
    assert.equal(p.hash(), hashes[n], `seekStep(${n})`);
  }
  assert.throws(() => p.seekStep(-1), /bad step/);
});

test('acting in the past forks, the end shrinks, undoFork restores it', () => {
  const p = new core.Playground({ voters: 3, seed: 4 });
  p.advanceMs(10000);
  const endHash = p.hash();
  assert.equal(p.endMs(), 10000);
  assert.equal(p.canUndoFork(), false);
  p.seekMs(4000);
  assert.equal(p.endMs(), 10000, 'the recorded future stays');
  p.apply({ kind: 'crash', node: 2 });
  assert.equal(p.endMs(), 4000, 'the old future is gone');
  assert.equal(p.canUndoFork(), true);
  p.advanceMs(1000);
  assert.equal(p.undoFork(), true);
  assert.equal(p.endMs(), 10000);
  assert.equal(p.nowMs(), 4000);
  p.seekMs(10000);
  assert.equal(p.hash(), endHash);
  assert.equal(p.undoFork(), false);
});

test('moments: jumps land on elections and commits; bad kinds are errors', () => {
  const p = new core.Playground({ voters: 3, seed: 4 });
  p.advanceMs(3000);
  p.console(1, 1, 'put a 1');
  p.advanceMs(3000);
  const leads = p.moments('election').find((m) => m.text.includes('leads'));
  assert.ok(leads, JSON.stringify(p.moments('election')));
  assert.equal(p.seekStep(leads.step), 'reached');
  assert.equal(p.nowMs(), leads.ms);
  assert.match(leads.text, new RegExp(`^n${p.view().leader} leads term`));
  const commit = p.nextMoment('commit', leads.step);
  assert.ok(commit && commit.step > leads.step);
  assert.deepEqual(p.previousMoment('commit', commit.step + 1), commit);
  assert.equal(p.nextMoment('violation', 0), null);
  assert.ok(p.moments('answer').length >= 1);
  assert.throws(() => p.nextMoment('lunch', 0), /bad moment kind/);
});

test('seekEvent lands right after the step that wrote an event feed line', () => {
  const p = new core.Playground({ voters: 3, seed: 9 });
  p.advanceMs(6000);
  const end = p.hash();
  const events = p.view().events;
  assert.ok(events.length > 20, `${events.length} events`);
  const event = events[Math.floor(events.length / 2)];
  assert.equal(p.seekEvent(event.id), 'reached');
  const after = p.view().events;
  assert.equal(after[after.length - 1].id >= event.id, true, 'the event is written');
  assert.ok(after.some((e) => e.id === event.id), 'and listed');
  assert.equal(p.inPast(), true, 'an earlier moment: the future stays');
  // One step earlier it was not written yet.
  const here = p.nowStep();
  p.seekStep(here - 1);
  const before = p.view().events;
  assert.ok(before.every((e) => e.id < event.id), 'not written one step earlier');
  assert.equal(p.seekEvent(event.id), 'reached');
  assert.equal(p.nowStep(), here);
  assert.throws(() => p.seekEvent(-3), /bad event id/);
  p.seekMs(6000);
  assert.equal(p.hash(), end);
});
