// The cluster ring, the node panel and the message panel, driven through the UI on a fixed
// seed: the nodes' accessible names follow the run, a follower crashed and restarted from its
// panel catches up and re-learns its commit index, a message can be held, released, dropped
// and delivered early, membership and leadership transfer work from the buttons, and the
// keyboard reaches and selects nodes. `window.raftlab.ctx` is used only for set-up (pause,
// advance virtual time, read the view model, send console lines).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch } from './browser.mjs';
import { openPlayground, advance, advanceUntil, untilLeader, viewOf } from './page.mjs';

const SEED = 7;
let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const NAME = /^n(\d), (follower|pre-candidate|candidate|leader|crashed), term (\d+)/;

/**
 * Advances in small steps (heartbeats come every 100 ms: 100 ms slices could always land
 * between them) until `predicate(view)` holds.
 */
async function untilMessages(page, predicate, what, limitMs = 3000) {
  for (let spent = 0; spent <= limitMs; spent += 7) {
    const view = await viewOf(page);
    if (predicate(view)) return view;
    await advance(page, 7);
  }
  throw new Error(`waited ${limitMs} virtual ms for ${what}`);
}

/** The accessible names of the ring's nodes, by node id. */
async function nodeNames(page) {
  const names = await page.$$eval('[data-node][role=button]', (els) => els.map((e) => [
    Number(e.getAttribute('data-node')), e.getAttribute('aria-label') ?? '', e.getAttribute('tabindex'),
  ]));
  return names;
}

/** Every node's name agrees with the view model: name, role word, term, crashed, paused. */
async function assertNamesMatch(page) {
  const view = await viewOf(page);
  const names = await nodeNames(page);
  assert.equal(names.length, view.nodes.length);
  for (const [id, label, tabindex] of names) {
    const node = view.nodes.find((n) => n.id === id);
    assert.ok(node, `node ${id} is in the view`);
    assert.equal(tabindex, '0', `${label} is focusable`);
    const match = NAME.exec(label);
    assert.ok(match, `accessible name "${label}" follows the contract`);
    assert.equal(Number(match[1]), id);
    assert.equal(match[2], node.crashed ? 'crashed' : node.role, label);
    assert.equal(Number(match[3]), node.term, label);
    assert.equal(label.includes('paused'), node.paused, label);
  }
  return view;
}

/** Selects a node by clicking it in the ring, and checks the node panel shows it. */
async function clickNode(page, id) {
  await page.click(`#ring-view [data-node="${id}"] .body`);
  const title = await page.textContent('#node-view .np-title');
  assert.match(title ?? '', new RegExp(`^n${id} `));
}

/** Clicks one of the node panel's action buttons by its text. */
async function nodeAction(page, text) {
  const button = page.locator('#node-view .np-actions button', { hasText: text }).first();
  assert.equal(await button.isDisabled(), false, `${text} is enabled`);
  await button.click();
}

/** Opens the "Messages in flight" list and selects message `id` from it (keyboard path). */
async function pickMessage(page, id) {
  const open = await page.$eval('#node-view .mp-list', (d) => /** @type {HTMLDetailsElement} */ (d).open);
  if (!open) await page.click('#node-view .mp-list summary');
  const row = page.locator(`#node-view .mp-row[data-message="${id}"]`);
  await row.focus();
  await page.keyboard.press('Enter');
  assert.match(await page.textContent('#node-view .mp-title') ?? '', new RegExp(`^Message m${id}`));
}

async function messageButton(page, text) {
  await page.locator('#node-view .mp-actions button', { hasText: new RegExp(`^${text}$`) }).click();
}

test('every node is a button named "nN, role, term T" that follows role changes', async () => {
  const { page, problems } = await openPlayground(browser, { seed: SEED, nodes: 5 });
  await assertNamesMatch(page);
  const first = await untilLeader(page);
  const leaderName = (await nodeNames(page)).find(([id]) => id === first.leader)?.[1] ?? '';
  assert.match(leaderName, new RegExp(`^n${first.leader}, leader, term ${first.nodes.find((n) => n.id === first.leader)?.term}`));
  await assertNamesMatch(page);
  // Crash the leader from its panel: its name says crashed; another node takes over.
  await clickNode(page, first.leader);
  await nodeAction(page, 'Crash');
  await assertNamesMatch(page);
  const next = await advanceUntil(page, (v) => v.leader !== undefined && v.leader !== first.leader, 'a new leader');
  const names = await assertNamesMatch(page);
  void names;
  assert.match((await nodeNames(page)).find(([id]) => id === next.leader)?.[1] ?? '', /, leader, term /);
  // Pause a node from its panel: its name says paused.
  const follower = next.nodes.find((n) => n.id !== next.leader && !n.crashed);
  await clickNode(page, follower.id);
  await nodeAction(page, 'Pause');
  await assertNamesMatch(page);
  assert.match((await nodeNames(page)).find(([id]) => id === follower.id)?.[1] ?? '', /paused/);
  assert.deepEqual(problems, []);
  await page.close();
});

test('a follower crashed and restarted from its panel catches up and re-learns its commit', async () => {
  const { page, problems } = await openPlayground(browser, { seed: SEED, nodes: 5 });
  const start = await untilLeader(page);
  const leader = start.leader;
  const follower = start.nodes.find((n) => n.id !== leader).id;
  await clickNode(page, follower);
  assert.equal(await page.locator('#node-view .np-actions button', { hasText: 'Restart' }).isDisabled(), true,
    'Restart is disabled for a running node');
  await nodeAction(page, 'Crash');
  let view = await viewOf(page);
  let node = view.nodes.find((n) => n.id === follower);
  assert.equal(node.crashed, true);
  assert.equal(node.commit, undefined, 'a crashed node has no commit index');
  assert.match(await page.textContent('#node-view .np-fields') ?? '', /unknown \(crashed\)/);
  // Writes while it is down.
  for (let i = 0; i < 3; i++) {
    await page.evaluate(([l, k]) => window.raftlab.ctx.sendConsole(1, l, `put k${k} v${k}`), [leader, i]);
    await advance(page, 300);
  }
  view = await viewOf(page);
  const leaderNode = view.nodes.find((n) => n.id === leader);
  node = view.nodes.find((n) => n.id === follower);
  assert.ok(node.lastIndex < leaderNode.lastIndex, 'the crashed node fell behind');
  assert.equal(node.commit, undefined);
  await nodeAction(page, 'Restart');
  await page.evaluate(([l]) => window.raftlab.ctx.sendConsole(1, l, 'put after restart'), [leader]);
  view = await advanceUntil(page, (v) => {
    const f = v.nodes.find((n) => n.id === follower);
    const l = v.nodes.find((n) => n.id === v.leader);
    return l && !f.crashed && f.lastIndex === l.lastIndex && f.commit === l.commit;
  }, 'the restarted follower to catch up');
  node = view.nodes.find((n) => n.id === follower);
  assert.ok(node.commit > 0, 'commit re-learned');
  assert.match((await nodeNames(page)).find(([id]) => id === follower)?.[1] ?? '', /, follower, term /);
  assert.doesNotMatch(await page.textContent('#node-view .np-fields') ?? '', /unknown \(crashed\)/);
  assert.deepEqual(problems, []);
  await page.close();
});

test('hold, release, drop and deliver-now from the message panel change the view', async () => {
  const { page, problems } = await openPlayground(browser, { seed: SEED, nodes: 3 });
  const start = await untilLeader(page);
  await page.evaluate(([l]) => window.raftlab.ctx.sendConsole(1, l, 'put mykey myvalue'), [start.leader]);
  let view = await untilMessages(page, (v) => v.messages.length >= 2, 'messages in flight');

  // Hold: the message stays past its due time, marked held in the view and in the ring.
  const held = view.messages[0];
  await pickMessage(page, held.id);
  await messageButton(page, 'Hold');
  view = await viewOf(page);
  assert.equal(view.messages.find((m) => m.id === held.id)?.held, true);
  assert.equal(await page.$eval(`#ring-view [data-message="${held.id}"]`, (e) => e.classList.contains('held')), true);
  assert.equal(await page.$eval(`#ring-view [data-message="${held.id}"]`, (e) => e.classList.contains('selected')), true);
  await advance(page, Math.max(1, held.dueMs - view.nowMs) + 50);
  view = await viewOf(page);
  assert.equal(view.messages.find((m) => m.id === held.id)?.held, true, 'still held after its due time');
  assert.equal(await page.locator('#node-view .mp-actions button', { hasText: 'Hold' }).isDisabled(), true);
  // Release: it is on its way again (arrives now), no longer held.
  await messageButton(page, 'Release');
  view = await viewOf(page);
  assert.notEqual(view.messages.find((m) => m.id === held.id)?.held, true);
  await advance(page, 1);
  view = await viewOf(page);
  assert.equal(view.messages.some((m) => m.id === held.id), false, 'the released message arrived');

  // Drop: gone at once, and the card says so.
  view = await untilMessages(page, (v) => v.messages.length >= 1, 'a message in flight');
  const dropped = view.messages[0];
  await pickMessage(page, dropped.id);
  await messageButton(page, 'Drop');
  view = await viewOf(page);
  assert.equal(view.messages.some((m) => m.id === dropped.id), false, 'the dropped message is gone');
  // In the ring it fades where it was lost, then goes.
  await page.waitForSelector(`#ring-view [data-message="${dropped.id}"]`, { state: 'detached', timeout: 3000 });
  assert.equal(await page.isVisible('#node-view .mp-gone'), true);

  // Deliver now: gone before its due time.
  view = await untilMessages(page, (v) => v.messages.some((m) => m.dueMs > v.nowMs + 1), 'a message due later');
  const early = view.messages.find((m) => m.dueMs > view.nowMs + 1);
  await pickMessage(page, early.id);
  await messageButton(page, 'Deliver now');
  view = await viewOf(page);
  assert.ok(view.nowMs < early.dueMs, 'before its due time');
  assert.equal(view.messages.some((m) => m.id === early.id), false, 'delivered now');
  assert.deepEqual(problems, []);
  await page.close();
});

test('clicking a message in the ring selects it and shows its fields', async () => {
  const { page, problems } = await openPlayground(browser, { seed: SEED, nodes: 3 });
  await untilLeader(page);
  await untilMessages(page, (v) => v.messages.length >= 1, 'a message in flight');
  // A message not covered by another one or by a node, and where it is on the screen.
  const target = await page.evaluate(() => {
    for (const m of window.raftlab.ctx.view.messages) {
      const shape = document.querySelector(`#ring-view [data-message="${m.id}"] .shape`);
      if (!shape) continue;
      const box = shape.getBoundingClientRect();
      const x = box.x + box.width / 2;
      const y = box.y + box.height / 2;
      if (document.elementFromPoint(x, y)?.closest('[data-message]')?.getAttribute('data-message') === String(m.id)) {
        return { id: m.id, x, y };
      }
    }
    return null;
  });
  assert.ok(target, 'a message can be clicked');
  const view = await viewOf(page);
  const m = view.messages.find((message) => message.id === target.id);
  await page.mouse.click(target.x, target.y);
  assert.match(await page.textContent('#node-view .mp-title') ?? '', new RegExp(`^Message m${m.id}: ${m.kind}`));
  assert.match(await page.textContent('#node-view .mp-fields') ?? '', new RegExp(`n${m.from} → n${m.to}`));
  assert.equal(await page.$eval(`#ring-view [data-message="${m.id}"]`, (e) => e.classList.contains('selected')), true);
  assert.deepEqual(problems, []);
  await page.close();
});

test('membership buttons add a spare node as learner then voter; transfer moves leadership', async () => {
  const { page, problems } = await openPlayground(browser, { seed: SEED, nodes: 3 });
  await page.evaluate(() => {
    const { ctx } = window.raftlab;
    ctx.restart({ voters: 3, spares: 1, seed: 7 });
    ctx.pause();
  });
  await untilLeader(page);
  // A new leader refuses a change until its first entry is applied (etcd's rule): wait for it.
  const start = await advanceUntil(page, (v) => {
    const l = v.nodes.find((n) => n.id === v.leader);
    return l && l.applied === l.lastIndex;
  }, 'the leader to apply its first entry');
  assert.equal(start.nodes.length, 4);
  assert.match((await nodeNames(page)).find(([id]) => id === 4)?.[1] ?? '', /, not a member,/,
    'a spare is announced as outside the cluster, not as a plain follower');
  assert.equal(await page.$eval('#ring-view [data-node="4"]', (e) => e.classList.contains('outside')), true);
  assert.equal(await page.$eval('#ring-view [data-node="1"]', (e) => e.classList.contains('outside')), false);
  await clickNode(page, 4);
  await page.locator('#node-view button', { hasText: 'Add as learner' }).click();
  await advanceUntil(page, (v) => v.nodes.find((n) => n.id === 4).learner, 'n4 to be a learner', 5000);
  await advance(page, 50);
  assert.match((await nodeNames(page)).find(([id]) => id === 4)?.[1] ?? '', /learner/);
  assert.doesNotMatch((await nodeNames(page)).find(([id]) => id === 4)?.[1] ?? '', /not a member/);
  await page.locator('#node-view button', { hasText: 'Add as voter' }).click();
  await advanceUntil(page, (v) => {
    const l = v.nodes.find((n) => n.id === v.leader);
    return l && l.voters.includes(4);
  }, 'n4 to be a voter', 5000);
  // Transfer leadership to a follower from its panel.
  let view = await viewOf(page);
  const target = view.nodes.find((n) => n.id !== view.leader && !n.crashed).id;
  await clickNode(page, target);
  await nodeAction(page, 'Transfer leadership here');
  view = await advanceUntil(page, (v) => v.leader === target, `n${target} to lead`, 5000);
  assert.match((await nodeNames(page)).find(([id]) => id === target)?.[1] ?? '', /, leader, /);
  await page.waitForFunction(() => document.querySelector('#node-view .np-title')?.textContent?.includes('leader'));
  assert.equal(await page.locator('#node-view .np-actions button', { hasText: 'Transfer leadership here' }).isDisabled(), true,
    'no transfer to the leader itself');
  assert.match(await page.textContent('#node-view .np-reasons') ?? '', /Transfer leadership here: it is the leader/);
  assert.deepEqual(problems, []);
  await page.close();
});

test('keyboard: Tab reaches a node, Enter selects it, the node panel shows it', async () => {
  const { page, problems } = await openPlayground(browser, { seed: SEED, nodes: 5 });
  await untilLeader(page);
  let focused = '';
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    focused = await page.evaluate(() => document.activeElement?.getAttribute('data-node') ?? '');
    if (focused) break;
  }
  assert.ok(focused, 'Tab reaches a node');
  await page.keyboard.press('Enter');
  assert.match(await page.textContent('#node-view .np-title') ?? '', new RegExp(`^n${focused} `));
  assert.equal(await page.getAttribute(`#ring-view [data-node="${focused}"]`, 'aria-pressed'), 'true');
  // Space on the next node selects it too (and does not toggle play).
  await page.keyboard.press('Tab');
  const second = await page.evaluate(() => document.activeElement?.getAttribute('data-node') ?? '');
  assert.ok(second && second !== focused);
  await page.keyboard.press(' ');
  assert.match(await page.textContent('#node-view .np-title') ?? '', new RegExp(`^n${second} `));
  assert.equal(await page.evaluate(() => window.raftlab.ctx.playing), false, 'Space selected, did not play');
  // The node panel's Copy button and command line are there for it.
  assert.match(await page.textContent('#node-view .np-command') ?? '', new RegExp(`--name n${second}`));
  await page.click('#node-view button[aria-label="Copy the etcd command line"]');
  await page.waitForFunction(() => /Copied|Selected/.test(
    document.querySelector('#node-view button[aria-label="Copy the etcd command line"]')?.textContent ?? ''));
  // A message by keyboard: open the list, Enter on a row, Tab to Drop, Enter.
  const view = await untilMessages(page, (v) => v.messages.length >= 1, 'a message in flight');
  await page.focus('#node-view .mp-list summary');
  await page.keyboard.press('Enter');
  await page.focus(`#node-view .mp-row[data-message="${view.messages[0].id}"]`);
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement?.classList.contains('mp-title')), true, 'focus on the card');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Drop');
  await page.keyboard.press('Enter');
  const after = await viewOf(page);
  assert.equal(after.messages.some((m) => m.id === view.messages[0].id), false, 'dropped by keyboard');
  assert.deepEqual(problems, []);
  await page.close();
});
