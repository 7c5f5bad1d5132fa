// Embedding (issue 12): the example host page embeds two independent playgrounds and drives
// the first through the postMessage API, covering every message of README's "Embedding"; the
// embed parameters (panels, controls, theme) shape each frame.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, baseUrl, openPage } from './browser.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** The frame whose address has `param` (e.g. "seed=3"), once its page is ready. */
async function frameWith(page, param) {
  let frame;
  await page.waitForFunction(() => true);
  for (let tries = 0; tries < 600 && !frame; tries += 1) {
    frame = page.frames().find((f) => f.url().includes(param));
    if (!frame) await page.waitForTimeout(100);
  }
  assert.ok(frame, `a frame with ${param}`);
  await frame.waitForSelector('body[data-state="ready"]', { timeout: 60000 });
  return frame;
}

/** Messages the host page logged from `from` ("first" or "second") of `type`, oldest first. */
async function logged(page, from, type) {
  return page.evaluate(([f, t]) => [...document.querySelectorAll(`#log li[data-frame="${f}"][data-type="${t}"]`)]
    .map((li) => li.textContent).reverse(), [from, type]);
}

/** Waits until the host logged a message from `from` of `type`; gives its JSON payload. */
async function until(page, from, type, count = 1) {
  await page.waitForFunction(([f, t, n]) => document.querySelectorAll(`#log li[data-frame="${f}"][data-type="${t}"]`).length >= n,
    [from, type, count]);
  const texts = await logged(page, from, type);
  const text = texts[texts.length - 1];
  return JSON.parse(text.slice(text.indexOf('{')));
}

/** Posts a raw message from the host page to the first frame. */
async function post(page, message) {
  await page.evaluate((m) => document.getElementById('first').contentWindow.postMessage(m, location.origin), message);
}

const engine = (frame) => frame.evaluate(() => {
  const { ctx } = window.raftlab;
  return { nowMs: ctx.view.nowMs, steps: ctx.view.steps, hash: ctx.playground.hash(), leader: ctx.view.leader,
    crashed: ctx.view.nodes.filter((n) => n.crashed).map((n) => n.id), playing: ctx.playing };
});

test('the example host page drives one of two independent playgrounds through every message', async () => {
  const { page, problems } = await openPage(browser);
  await page.setViewportSize({ width: 1700, height: 1300 });
  await page.goto(new URL('embed-example.html', baseUrl).toString());
  const first = await frameWith(page, 'seed=3');
  const second = await frameWith(page, 'seed=8');
  await until(page, 'first', 'ready');
  await until(page, 'second', 'ready');

  // The embed parameters: the first frame shows only the panels asked for, no build line,
  // no first-visit hint; the second is dark, has no Copy link and no settings.
  assert.equal(await first.isVisible('#tab-node'), false, 'panels= hides the node tab');
  assert.equal(await first.isVisible('#tab-kv'), true);
  assert.equal(await first.isVisible('#first-visit'), false);
  assert.equal(await first.isVisible('#open-full'), true, 'an embedded frame links out to the full page');
  assert.equal(await second.evaluate(() => document.documentElement.dataset.theme), 'dark');
  assert.equal(await second.isVisible('#copy-link'), false, 'controls= without "link" hides Copy link');
  assert.equal(await second.isVisible('#tab-settings'), false, 'controls= without "settings" hides the settings');
  assert.equal(await second.evaluate(() => window.raftlab.ctx.act({ kind: 'heal' })), false, 'a locked action is refused');
  assert.match(await second.textContent('#banner-text'), /locked by the page that embeds this one/);
  await second.evaluate(() => window.raftlab.ctx.pause());
  const secondBefore = await engine(second);

  // play -> leader-elected; pause.
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  const elected = await until(page, 'first', 'leader-elected');
  assert.ok(elected.leader >= 1 && elected.term >= 1, `leader-elected carries leader and term: ${JSON.stringify(elected)}`);
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  await first.waitForFunction(() => !window.raftlab.ctx.playing);

  // get-state -> state, the frame's own numbers.
  await page.getByRole('button', { name: 'Get state' }).click();
  const state = await until(page, 'first', 'state');
  const now = await engine(first);
  assert.deepEqual(state, { timeMs: now.nowMs, leader: now.leader, term: state.term, stateHash: now.hash });
  assert.ok(state.term >= elected.term);

  // act (a console put through the API) + play -> committed.
  await page.getByRole('button', { name: 'Send put' }).click();
  await post(page, { raftlab: 1, type: 'play' });
  const committed = await until(page, 'first', 'committed');
  assert.ok(committed.index >= 1);
  // The put reached the stores (the run plays on until it did).
  await first.waitForFunction(() => window.raftlab.ctx.view.kv.some((kv) => kv.keys.some((k) => k.key === 'mykey')));
  await post(page, { raftlab: 1, type: 'pause' });
  await first.waitForFunction(() => !window.raftlab.ctx.playing);

  // step: exactly one event.
  const before = await engine(first);
  await page.getByRole('button', { name: 'Step', exact: true }).click();
  await first.waitForFunction((n) => window.raftlab.ctx.view.steps === n + 1, before.steps);

  // seek {timeMs}.
  await page.fill('#seek-ms', '400');
  await page.getByRole('button', { name: 'Seek' }).click();
  await first.waitForFunction(() => window.raftlab.ctx.view.nowMs === 400);
  await post(page, { raftlab: 1, type: 'seek', timeMs: before.nowMs });
  await first.waitForFunction((ms) => window.raftlab.ctx.view.nowMs === ms, before.nowMs);

  // act: crash the leader.
  await page.getByRole('button', { name: 'Get state' }).click();
  await until(page, 'first', 'state', 2);
  await page.getByRole('button', { name: 'Crash the leader' }).click();
  await first.waitForFunction((id) => window.raftlab.ctx.view.nodes.find((n) => n.id === id)?.crashed, now.leader);

  // get-link -> link, an address that replays the frame's run.
  await page.getByRole('button', { name: 'Get link' }).click();
  const { url } = await until(page, 'first', 'link');
  assert.match(url, /#run=1\./);

  // The second frame was not touched by any of it.
  const secondAfter = await engine(second);
  assert.deepEqual(secondAfter, secondBefore, 'the second playground is independent');

  // load: the second frame's run, opened in the first (same moment, same hash).
  await page.getByRole('button', { name: "Load the second frame's run here" }).click();
  await first.waitForFunction((hash) => window.raftlab.ctx.playground.hash() === hash, secondBefore.hash);
  assert.equal((await engine(first)).nowMs, secondBefore.nowMs);
  // ... and the first frame's own link loads back.
  await post(page, { raftlab: 1, type: 'load', link: url });
  await first.waitForFunction((id) => window.raftlab.ctx.view.nodes.find((n) => n.id === id)?.crashed, now.leader);

  // violation: a run with a teaching switch (no-persist-vote: n3 forgets its vote).
  const violating = await first.evaluate(() => {
    const { bindings } = window.raftlab.ctx;
    const run = new bindings.Playground(JSON.stringify({
      voters: 3, seed: 1, pre_vote: false, check_quorum: false,
      unsafe_switches: ['no-persist-vote'], rule_monitors: false,
    }));
    for (const [from, to] of [[1, 2], [2, 1]]) run.apply({ kind: 'set-link-up', from, to, up: false });
    run.apply({ kind: 'fire-timer', node: 1 });
    run.advanceMs(43);
    run.apply({ kind: 'crash', node: 3 });
    run.apply({ kind: 'restart', node: 3 });
    run.apply({ kind: 'fire-timer', node: 2 });
    const text = run.link();
    run.free();
    return text;
  });
  await post(page, { raftlab: 1, type: 'load', link: violating });
  await post(page, { raftlab: 1, type: 'play' });
  const violation = await until(page, 'first', 'violation');
  assert.equal(violation.monitor, 1, `monitor 1, one leader per term: ${JSON.stringify(violation)}`);
  assert.match(violation.invariant, /leader/i);

  // error: a refused action, and a malformed request, each answered with a message.
  const errorCount = async () => (await logged(page, 'first', 'error')).length;
  let seen;
  seen = await errorCount();
  await post(page, { raftlab: 1, type: 'act', action: { kind: 'crash', node: 99 } });
  const refused = await until(page, 'first', 'error', seen + 1);
  assert.ok(refused.message.length > 0);
  seen = await errorCount();
  await post(page, { raftlab: 1, type: 'seek', timeMs: -5 });
  const malformed = await until(page, 'first', 'error', seen + 1);
  assert.match(malformed.message, /seek needs timeMs/);
  seen = await errorCount();
  await post(page, { raftlab: 1, type: 'load', link: '1.cut' });
  const badLink = await until(page, 'first', 'error', seen + 1);
  assert.match(badLink.message, /cut short or damaged|not valid/);

  // Unknown messages are ignored: no answer, no change.
  const quiet = await engine(first);
  const errorsBefore = (await logged(page, 'first', 'error')).length;
  await post(page, { raftlab: 1, type: 'dance' });
  await post(page, { type: 'play' });
  await post(page, 'play');
  await post(page, { raftlab: 2, type: 'play' });
  await page.getByRole('button', { name: 'Get state' }).click();
  await until(page, 'first', 'state', 3);
  assert.equal((await logged(page, 'first', 'error')).length, errorsBefore);
  assert.deepEqual(await engine(first), quiet);

  assert.deepEqual(problems, []);
  await page.close();
});
