// Guided lessons through the generated bindings in Node: every built-in lesson parses to the
// JSON contract of docs/lessons.md, and the first one plays on a Playground the way
// `raftlab run` plays it (acts resolved against the live run, the wait run event by event).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';

const modulePath = process.env.RAFTLAB_WASM_NODE;
if (!modulePath) {
  throw new Error('RAFTLAB_WASM_NODE is not set: run these tests through `cargo xtask test`');
}
const core = createRequire(import.meta.url)(modulePath);
const lessonsDir = new URL('../../www/lessons/', import.meta.url);
const index = JSON.parse(readFileSync(new URL('index.json', lessonsDir), 'utf8'));

test('every built-in lesson parses to the JSON contract', () => {
  assert.equal(index.length, 12);
  for (const entry of index) {
    const text = readFileSync(new URL(entry.file, lessonsDir), 'utf8');
    const lesson = JSON.parse(core.lessonJson(text));
    assert.equal(lesson.name, entry.name);
    assert.equal(lesson.title, entry.title);
    assert.equal(typeof lesson.config.seed, 'string');
    assert.ok(lesson.steps.length >= 5 && lesson.steps.length <= 10, entry.name);
    for (const step of lesson.steps) {
      assert.equal(typeof step.title, 'string');
      assert.ok(Array.isArray(step.captions) && step.captions.length > 0);
      for (const key of ['timers', 'nodes', 'leader', 'messageKinds', 'indexes']) {
        assert.ok(key in step.highlight, key);
      }
      assert.ok(Array.isArray(step.acts));
      assert.equal(typeof step.limitMs, 'number');
      if (step.predict) assert.ok(step.predict.answer < step.predict.choices.length);
    }
  }
});

test('a bad lesson is a JS error naming the line', () => {
  assert.throws(() => core.lessonJson('lesson x\ntitle X\nfly away\n'), /line 3: unknown command 'fly'/);
});

test('the first lesson plays on a Playground as it does natively', () => {
  const text = readFileSync(new URL(index[0].file, lessonsDir), 'utf8');
  const lesson = JSON.parse(core.lessonJson(text));
  let p = new core.Playground(JSON.stringify(lesson.config));
  lesson.steps.forEach((step, i) => {
    if (step.config) p = new core.Playground(JSON.stringify(step.config));
    const started = p.nowMs();
    for (const action of JSON.parse(p.lessonActions(text, i))) p.apply(action);
    const task = p.lessonDoAction(text, i);
    if (task) p.apply(task);
    let end = 'running';
    for (let frames = 0; end === 'running' && frames < 10000; frames += 1) {
      end = p.lessonRunWait(text, i, started, 100);
    }
    assert.ok(end === 'held' || end === 'frozen', `${step.title}: ${end}`);
    assert.equal(p.lessonWaitHolds(text, i, started), true);
  });
  assert.throws(() => p.lessonActions(text, 99), /bad step/);
});
