// Guided lessons through the generated bindings in Node: every built-in lesson parses to the
// JSON contract of docs/lessons.md and plays on a Playground the way `raftlab run` plays it
// (acts resolved against the live run, the wait run event by event), ending at the same state
// hash as the native runner (tests/lessons/final-hashes.txt).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { readFileSync } from 'node:fs';

const modulePath = process.env.RAFTLAB_WASM_NODE;
if (!modulePath) {
  throw new Error('RAFTLAB_WASM_NODE is not set: run these tests through `cargo xtask test`');
}
const core = createRequire(import.meta.url)(modulePath);
// The lesson parser is the small on-demand module's (tools-wasm/ built as `raftlab_check`, what
// the lesson player loads), generated beside the core; the core plays each step from the plan
// that module writes. The big one (`raftlab_tools`) has the parser too.
const tools = createRequire(import.meta.url)(join(dirname(modulePath), 'raftlab_check.js'));
const bigTools = createRequire(import.meta.url)(join(dirname(modulePath), 'raftlab_tools.js'));
const lessonsDir = new URL('../../www/lessons/', import.meta.url);
const index = JSON.parse(readFileSync(new URL('index.json', lessonsDir), 'utf8'));

test('every built-in lesson parses to the JSON contract', () => {
  assert.equal(index.length, 12);
  for (const entry of index) {
    const text = readFileSync(new URL(entry.file, lessonsDir), 'utf8');
    const lesson = JSON.parse(tools.lessonJson(text));
    assert.equal(lesson.name, entry.name);
    assert.equal(lesson.title, entry.title);
    assert.equal(typeof lesson.config.seed, 'string');
    assert.ok(lesson.steps.length >= 5 && lesson.steps.length <= 10, entry.name);
    for (const step of lesson.steps) {
      assert.equal(typeof step.title, 'string');
      assert.ok(Array.isArray(step.captions) && step.captions.length > 0);
      for (const key of ['timers', 'nodes', 'leader', 'messageKinds', 'messages', 'indexes']) {
        assert.ok(key in step.highlight, key);
      }
      assert.ok(Array.isArray(step.acts));
      assert.equal(typeof step.limitMs, 'number');
      if (step.predict) assert.ok(step.predict.answer < step.predict.choices.length);
    }
  }
});

test('the lesson parser is not in the core module, which every visit loads first', () => {
  assert.equal(core.lessonJson, undefined);
  assert.equal(typeof tools.lessonJson, 'function');
});

test('the small module has the parser and the checker but none of the exports that replay a run', () => {
  for (const name of ['lessonJson', 'lessonPlans', 'checkHistoryReport']) {
    assert.equal(typeof tools[name], 'function', name);
  }
  for (const name of ['replayScript', 'etcdScript', 'rustTest', 'scriptScenarioJson', 'runScript']) {
    assert.equal(tools[name], undefined, name);
    assert.equal(typeof bigTools[name], 'function', name);
  }
  const text = readFileSync(new URL(index[0].file, lessonsDir), 'utf8');
  assert.equal(tools.lessonPlans(text), bigTools.lessonPlans(text));
  assert.equal(tools.lessonJson(text), bigTools.lessonJson(text));
});

test('a bad lesson is a JS error naming the line', () => {
  assert.throws(() => tools.lessonJson('lesson x\ntitle X\nfly away\n'), /line 3: unknown command 'fly'/);
});

/**
 * Plays a lesson on a Playground the way the page does; gives each step's end. A step with its
 * own `config` gets a fresh run from `lessonActions` itself; with `pageRestarts` the page
 * starts it first (either way the same run).
 */
function play(text, pageRestarts = false) {
  const lesson = JSON.parse(tools.lessonJson(text));
  const plans = JSON.parse(tools.lessonPlans(text));
  assert.equal(plans.length, lesson.steps.length);
  let p = new core.Playground(JSON.stringify(lesson.config));
  return lesson.steps.map((step, i) => {
    if (step.config && pageRestarts) p = new core.Playground(JSON.stringify(step.config));
    const started = p.nowMs();
    for (const action of JSON.parse(p.lessonActions(plans[i]))) p.apply(action);
    const task = p.lessonDoAction(plans[i]);
    if (task) p.apply(task);
    let end = 'running';
    for (let frames = 0; end === 'running' && frames < 100000; frames += 1) {
      end = p.lessonRunWait(plans[i], started, 100);
    }
    assert.ok(end === 'held' || end === 'frozen', `${lesson.name} step ${i} ${step.title}: ${end}`);
    if (end === 'held') assert.equal(p.lessonWaitHolds(plans[i], started), true);
    const view = p.view();
    return { end, leader: view.leader, violation: !view.monitor.ok, hash: p.hash() };
  });
}

// `name hash` per line, written by `cargo test --test lessons` from the native runner.
const nativeHashes = new Map(
  readFileSync(new URL('../lessons/final-hashes.txt', import.meta.url), 'utf8')
    .trim()
    .split('\n')
    .map((line) => line.split(' ')),
);

test('every built-in lesson plays on a Playground as it does natively', () => {
  for (const entry of index) {
    const text = readFileSync(new URL(entry.file, lessonsDir), 'utf8');
    const steps = play(text);
    assert.equal(steps.at(-1).hash, nativeHashes.get(entry.name), `${entry.name}: ends where raftlab run ends`);
    if (/^step [^\n]*\ncluster /m.test(text)) {
      const restarted = play(text, true);
      assert.equal(restarted.at(-1).hash, steps.at(-1).hash, `${entry.name}: the same run if the page restarts`);
    }
    const fired = steps.some((s) => s.violation);
    const switchLesson = /unsafe=/.test(text);
    assert.equal(fired, switchLesson, `${entry.name}: a monitor fires only in a switch lesson`);
  }
  // Lesson 1 (raftlab run's golden report): n2 wins term 1; after the crash n3 leads.
  const first = play(readFileSync(new URL(index[0].file, lessonsDir), 'utf8'));
  assert.equal(first[1].leader, 2);
  assert.equal(first[3].leader, 3);
});

test('a step naming a leader that does not exist is a JS error in words', () => {
  const text = 'lesson x\ntitle X\ncluster voters=3\nsummary S.\nstep A\nsay a.\nact crash leader\n';
  const [plan] = JSON.parse(tools.lessonPlans(text));
  const p = new core.Playground(null);
  assert.throws(() => p.lessonActions(plan), /line 7: 'crash leader': there is no leader right now/);
  assert.throws(() => p.lessonActions('step 1'), /not a lesson step plan/);
  assert.equal(p.lessonDoAction(plan), '');
  assert.equal(p.lessonWaitHolds(plan, 0), true);
  assert.throws(() => tools.lessonPlans('lesson x\ntitle X\nfly away\n'), /line 3: unknown command 'fly'/);
});
