// The logs, key-value and events views: what a newcomer's put looks like on every node, the
// isolate-the-leader story told by the logs view, and a 2,000-entry log that stays fast (only
// the visible columns in the DOM) while the user scrolls back to index 1. Assertions read the
// views (the DOM); the view model is only used to find ids and to wait.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch } from './browser.mjs';
import { advance, advanceUntil, openPlayground, untilLeader, viewOf } from './page.mjs';

const SEED = 3;

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** Opens a bottom-strip tab by clicking it. */
async function openTab(page, name) {
  await page.click(`#tab-${name}`);
  await page.waitForSelector(`#${name}-view:not([hidden])`);
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
}

/** The KV table as text: { columns: [node header text], rows: { key: [cell text per column] } }. */
async function kvTable(page) {
  return page.evaluate(() => {
    const table = document.querySelector('#kv-view table');
    const columns = [...table.querySelectorAll('thead th.kv-node')].map((th) => th.querySelector('.kv-node-name').textContent);
    /** @type {Record<string, string[]>} */
    const rows = {};
    for (const tr of table.querySelectorAll('tbody tr')) {
      const key = tr.querySelector('th').textContent;
      rows[key] = [...tr.querySelectorAll('td')].map((td) => td.querySelector('.kv-value').textContent + (td.querySelector('.kv-diff').textContent ? ` [${td.querySelector('.kv-diff').textContent}]` : ''));
    }
    return { columns, rows };
  });
}

/** The logs view's cell for `node` at `index`: its text, state, term and classes (or null). */
async function logCell(page, nodeName, index) {
  return page.evaluate(([name, at]) => {
    const row = [...document.querySelectorAll('#logs-view .logs-row')]
      .find((r) => r.querySelector('.logs-name')?.textContent === name);
    if (!row) return { row: false };
    const cell = row.querySelector(`.logs-entry[data-index="${at}"]`);
    return {
      row: true,
      role: row.querySelector('.logs-role').textContent,
      cell: cell && {
        text: cell.textContent,
        label: cell.getAttribute('aria-label'),
        state: cell.dataset.state,
        term: Number(cell.dataset.term),
        divergent: cell.classList.contains('divergent'),
      },
    };
  }, [nodeName, index]);
}

test('a newcomer\'s put shows as mykey = myvalue on every node\'s KV view', async () => {
  const { page, problems } = await openPlayground(browser, { seed: SEED, nodes: 5 });
  const led = await untilLeader(page);
  await openTab(page, 'kv');
  assert.match(await page.textContent('#kv-view'), /No keys yet/);
  await page.evaluate((leader) => window.raftlab.ctx.sendConsole(1, leader,
    'ETCDCTL_API=3 etcdctl --endpoints=http://localhost:2379 put mykey myvalue'), led.leader);
  await advanceUntil(page, (v) => v.kv.every((kv) => kv.applied >= v.nodes.find((n) => n.id === v.leader).commit), 'every node applied the put', 3000);
  await advance(page, 200);
  const { columns, rows } = await kvTable(page);
  assert.equal(columns.length, 5, 'one column per node');
  assert.match(columns[0], /leader/, 'the leader is the reference column');
  assert.deepEqual(rows.mykey, ['myvalue', 'myvalue', 'myvalue', 'myvalue', 'myvalue']);
  assert.match(await page.textContent('#kv-view .kv-note'), /every node agrees/);

  // Hostile text stays text; a long value is cut in the cell and whole in the details.
  const hostile = '<img src=x onerror=alert(1)>';
  const long = 'é'.repeat(150);
  await page.evaluate(([leader, h, l]) => {
    window.raftlab.ctx.sendConsole(1, leader, `put '${h}' '${l}'`);
  }, [led.leader, hostile, long]);
  await advance(page, 1000);
  const after = await kvTable(page);
  assert.ok(after.rows[hostile], `the hostile key shows literally: ${Object.keys(after.rows)}`);
  assert.equal(await page.locator('#kv-view img').count(), 0, 'no element was injected');
  assert.ok(after.rows[hostile][0].length < 40 && after.rows[hostile][0].endsWith('…'), 'cut in the cell');
  await page.getByRole('button', { name: `key ${hostile}: show details` }).click();
  const full = await page.locator('#kv-view .kv-full').first().textContent();
  assert.equal(full, long, 'the details show the whole value');

  // A 60 kB value (the engine takes at most 64 kB): cut in the cell, and in the details to the
  // view model's 200 characters.
  await page.evaluate((leader) => window.raftlab.ctx.sendConsole(1, leader, `put big ${'x'.repeat(60000)}`), led.leader);
  await advance(page, 1000);
  const big = (await kvTable(page)).rows.big;
  assert.equal(big.length, 5);
  for (const cell of big) assert.equal(cell, `${'x'.repeat(24)}…`);
  await page.getByRole('button', { name: 'key big: show details' }).click();
  const bigFull = await page.locator('#kv-view .kv-full').first().textContent();
  assert.equal(bigFull, `${'x'.repeat(200)}…`);
  assert.deepEqual(problems, []);
  await page.close();
});

test('isolating the leader: its new entry stays uncommitted, then is replaced after heal (logs view)', async () => {
  const { page, problems } = await openPlayground(browser, { seed: SEED, nodes: 5 });
  const led = await untilLeader(page);
  const old = led.leader;
  const oldName = `n${old}`;
  await advance(page, 500);
  await openTab(page, 'logs');

  // Through the UI: the Network tab's preset, then the console aimed at the old leader.
  await page.getByRole('tab', { name: 'Network' }).click();
  await page.getByRole('button', { name: `Isolate leader ${oldName}` }).click();
  await page.getByRole('combobox', { name: 'Send to node', exact: true }).selectOption(String(old));
  const input = page.getByRole('textbox', { name: 'etcdctl command', exact: true });
  await input.fill('put lost value');
  await input.press('Enter');
  await advance(page, 50);
  const lostIndex = (await viewOf(page)).logs.find((l) => l.node === old).lastIndex;
  const majority = await advanceUntil(page, (v) => v.leader !== undefined && v.leader !== old, 'a new leader in the majority', 20000);
  const newLeader = majority.leader;
  const newTerm = majority.nodes.find((n) => n.id === newLeader).term;
  await advance(page, 300);

  const before = await logCell(page, oldName, lostIndex);
  assert.ok(before.cell, `the old leader's row shows index ${lostIndex}`);
  assert.match(before.cell.text, /put lost value|put lost/);
  assert.equal(before.cell.state, 'uncommitted', 'the isolated put does not commit');
  assert.match(before.cell.label, /put lost value, uncommitted/);
  assert.ok(before.cell.term < newTerm);
  const rival = await logCell(page, `n${newLeader}`, lostIndex);
  assert.ok(rival.cell, 'the new leader has its own entry at that index');
  assert.equal(rival.cell.term, newTerm);
  assert.equal(before.cell.divergent, true, 'the old entry is marked as differing from the leader');
  assert.match(before.cell.text, /≠/);

  await page.getByRole('button', { name: 'Heal all' }).click();
  await advanceUntil(page, (v) => {
    const log = v.logs.find((l) => l.node === old);
    const entry = log.entries.find((e) => e.index === lostIndex);
    return v.nodes.find((n) => n.id === old).role === 'follower' && entry && entry.term !== before.cell.term && entry.committed;
  }, 'the old leader to step down and take the new entries', 20000);
  await advance(page, 300);
  const healed = await logCell(page, oldName, lostIndex);
  assert.match(healed.role, /follower/, 'the old leader stepped down');
  assert.ok(healed.cell, 'index still shown');
  assert.notEqual(healed.cell.term, before.cell.term, 'its uncommitted entry was replaced');
  assert.doesNotMatch(healed.cell.text, /put lost value/);
  assert.equal(healed.cell.divergent, false, 'no divergent marker once healed');
  assert.notEqual(healed.cell.state, 'uncommitted');
  assert.equal(await page.locator('#logs-view .logs-entry.divergent').count(), 0);
  assert.deepEqual(problems, []);
  await page.close();
});

test('2,000+ entries: only visible columns are in the DOM, and scrolling back shows index 1..10', async (t) => {
  const { page, problems } = await openPlayground(browser, { seed: SEED, nodes: 5 });
  // Set-up: no automatic snapshot, so the whole log stays (the snapshot block is checked below).
  await page.evaluate(() => window.raftlab.ctx.restart({ ...window.raftlab.ctx.config, snapshot_count: 0 }));
  const led = await untilLeader(page);
  await openTab(page, 'logs');
  await page.evaluate((leader) => {
    const { ctx } = window.raftlab;
    for (let i = 0; i < 2100; i++) {
      ctx.playground.apply({ kind: 'propose', node: leader, data: `entry ${i}` });
      if (i % 200 === 0) ctx.playground.advanceMs(20);
    }
    ctx.refresh();
  }, led.leader);
  const full = await advanceUntil(page, (v) => v.logs.every((l) => l.commit >= 2100 && l.applied >= 2100), 'every node to apply 2,100 entries', 10000);
  const lastIndex = full.logs[0].lastIndex;
  assert.ok(lastIndex > 2000);
  assert.ok(full.logs.every((l) => l.entries[0].index > 10), 'the view model\'s window does not reach back to index 10');

  // Following the newest: the last index is in sight; the DOM holds a bounded number of cells.
  const leaderName = `n${full.leader}`;
  const newest = await logCell(page, leaderName, lastIndex);
  assert.ok(newest.cell, 'the newest entry is shown');
  assert.equal(newest.cell.state, 'applied');
  const cells = await page.locator('#logs-view .logs-entry').count();
  assert.ok(cells > 0 && cells <= 5 * 40, `bounded DOM: ${cells} entry cells`);

  // The leader's match / next markers on each follower row.
  const markers = await page.evaluate(() => Object.fromEntries([...document.querySelectorAll('#logs-view .logs-row:not(.logs-ruler)')]
    .map((row) => [row.querySelector('.logs-name').textContent, {
      match: row.querySelector('.logs-marker.match:not([hidden])')?.getAttribute('aria-label') ?? null,
      next: row.querySelector('.logs-marker.next:not([hidden])')?.getAttribute('aria-label') ?? null,
    }])));
  const progress = full.nodes.find((n) => n.id === full.leader).progress;
  for (const node of full.nodes) {
    if (node.id === full.leader) {
      assert.deepEqual(markers[node.name], { match: null, next: null }, 'no markers on the leader row');
      continue;
    }
    const peer = progress.find((p) => p.peer === node.id);
    assert.equal(markers[node.name].match, `leader's match index ${peer.matchIndex}`);
    assert.equal(markers[node.name].next, `leader's next index ${peer.nextIndex}`);
  }

  // Time a render with the 2,000-entry logs (not a benchmark: a guard against pathologies).
  const renderMs = await page.evaluate(() => {
    const started = performance.now();
    for (let i = 0; i < 20; i++) window.raftlab.ctx.refresh();
    return (performance.now() - started) / 20;
  });
  t.diagnostic(`refresh with 2,100-entry logs: ${renderMs.toFixed(1)} ms`);
  assert.ok(renderMs < 100, `a refresh takes ${renderMs.toFixed(1)} ms`);

  // Back to the oldest entries through the UI: they come from the slice binding.
  await page.getByRole('button', { name: 'Oldest', exact: true }).click();
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  for (let index = 1; index <= 10; index++) {
    for (const node of full.nodes) {
      const found = await logCell(page, node.name, index);
      assert.ok(found.cell, `${node.name} index ${index} is shown`);
      assert.equal(found.cell.state, 'applied');
      assert.match(found.cell.label, new RegExp(`^index ${index}, term \\d+, `));
    }
  }
  assert.match((await logCell(page, leaderName, 2)).cell.label, /data entry 0/);
  assert.equal(await page.getByRole('button', { name: 'Follow', exact: true }).getAttribute('aria-pressed'), 'false');
  const backCells = await page.locator('#logs-view .logs-entry').count();
  assert.ok(backCells <= 5 * 40, `still bounded: ${backCells}`);
  // New entries do not pull the view away while the user reads old ones.
  await page.evaluate((leader) => window.raftlab.ctx.act({ kind: 'propose', node: leader, data: 'one more' }), full.leader);
  await advance(page, 200);
  assert.ok((await logCell(page, leaderName, 1)).cell, 'still at the oldest entries');

  // Follow again: the newest entry comes back into sight.
  await page.getByRole('button', { name: 'Follow', exact: true }).click();
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  const now = (await viewOf(page)).logs.find((l) => l.node === full.leader).lastIndex;
  assert.ok((await logCell(page, leaderName, now)).cell, 'following the newest again');

  // A compacted log shows its snapshot boundary.
  await page.evaluate((leader) => window.raftlab.ctx.act({ kind: 'compact', node: leader }), full.leader);
  const compacted = (await viewOf(page)).logs.find((l) => l.node === full.leader).snapshotIndex;
  assert.ok(compacted > 2000);
  await page.getByRole('button', { name: 'Oldest', exact: true }).click();
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  const label = await page.evaluate((name) => [...document.querySelectorAll('#logs-view .logs-row')]
    .find((r) => r.querySelector('.logs-name')?.textContent === name)
    ?.querySelector('.logs-snapshot:not([hidden]) .logs-snapshot-label')?.textContent, leaderName);
  assert.equal(label, `snapshot ≤ ${compacted}`);
  assert.equal((await logCell(page, leaderName, 1)).cell, null, 'compacted entries are not drawn');
  assert.deepEqual(problems, []);
  await page.close();
});

test('the events view lists events in words, filters them and follows the newest', async () => {
  const { page, problems } = await openPlayground(browser, { seed: SEED, nodes: 3 });
  await untilLeader(page);
  await openTab(page, 'events');
  const rows = page.locator('#events-view .events-row:not([hidden])');
  assert.ok(await rows.count() > 0);
  const all = await rows.count();
  await page.getByRole('button', { name: 'Replication' }).click();
  assert.equal(await page.getByRole('button', { name: 'Replication' }).getAttribute('aria-pressed'), 'false');
  assert.ok(await rows.count() < all, 'hiding replication hides heartbeats and appends');
  await page.getByRole('button', { name: 'Replication' }).click();
  await page.selectOption('#events-view select', { label: 'n2' });
  const nodes = await page.locator('#events-view .events-row:not([hidden])').evaluateAll((els) => els.map((e) => e.getAttribute('data-node')));
  assert.ok(nodes.length > 0 && nodes.every((n) => n === '2'), 'only n2\'s events');
  await page.selectOption('#events-view select', { label: 'all' });
  // Newest at the bottom, in sight.
  await advance(page, 300);
  const atBottom = await page.evaluate(() => {
    const s = document.querySelector('#events-view .events-scroller');
    return s.scrollTop + s.clientHeight >= s.scrollHeight - 2;
  });
  assert.ok(atBottom, 'follows the newest');
  const lastText = await page.locator('#events-view .events-row').last().locator('.events-text').textContent();
  const view = await viewOf(page);
  assert.equal(lastText, view.events[view.events.length - 1].text);
  // Scrolled up by the user: new events do not pull the list down; "Newest" brings it back.
  await page.evaluate(() => { document.querySelector('#events-view .events-scroller').scrollTop = 0; });
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  await advance(page, 300);
  const stayed = await page.evaluate(() => document.querySelector('#events-view .events-scroller').scrollTop);
  assert.equal(stayed, 0, 'no auto-follow while scrolled up');
  await page.getByRole('button', { name: 'Newest ↓' }).click();
  const back = await page.evaluate(() => {
    const s = document.querySelector('#events-view .events-scroller');
    return s.scrollTop + s.clientHeight >= s.scrollHeight - 2;
  });
  assert.ok(back, 'back at the newest');
  assert.deepEqual(problems, []);
  await page.close();
});

test('selecting an event seeks there; the current event follows the cursor; arrows and Enter move between events', async () => {
  const { page, problems } = await openPlayground(browser, { seed: SEED, nodes: 3 });
  await untilLeader(page);
  await advance(page, 2000);
  await openTab(page, 'events');
  const before = await viewOf(page);
  const pick = before.events[Math.floor(before.events.length / 2)];
  const row = page.locator(`#events-view .events-row[data-id="${pick.id}"]`);
  await row.locator('.events-text').click();
  const after = await page.evaluate(() => {
    const { ctx } = window.raftlab;
    return { inPast: ctx.playground.inPast(), step: ctx.playground.nowStep(), hash: document.querySelector('[data-testid="state-hash"]').textContent };
  });
  assert.equal(after.inPast, true, 'the click went back in time');
  assert.equal(await row.getAttribute('aria-current'), 'true', 'the picked event is current');
  assert.equal(await page.locator('#events-view .events-row[aria-current]').count(), 1);
  // The engine's own answer for that event: the same moment, the same hash on screen.
  const reference = await page.evaluate((id) => {
    const { ctx } = window.raftlab;
    const p = ctx.playground;
    p.seekMs(0);
    p.seekEvent(id);
    const answer = { step: p.nowStep(), hash: p.hash() };
    ctx.seekEvent(id);
    return answer;
  }, pick.id);
  assert.equal(after.step, reference.step);
  assert.equal(after.hash, reference.hash, "the hash shown is the moment's");
  const listed = await page.locator('#events-view .events-row').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-id'))));
  assert.ok(Math.max(...listed) >= pick.id && listed.includes(pick.id), 'the list stops at the cursor');
  // Keyboard: the current row's time button is the tab stop; ArrowUp then Enter seeks one event earlier.
  await row.locator('button').focus();
  await page.keyboard.press('ArrowUp');
  const previousId = await page.evaluate(() => Number(document.activeElement.closest('.events-row').getAttribute('data-id')));
  assert.ok(previousId < pick.id, 'ArrowUp moves to an earlier event');
  await page.keyboard.press('Enter');
  assert.equal(await page.locator(`#events-view .events-row[data-id="${previousId}"]`).getAttribute('aria-current'), 'true');
  // Stepping forward moves the current marker to the newest event at the cursor.
  await page.getByRole('button', { name: 'Step forward' }).click();
  await page.getByRole('button', { name: 'Step forward' }).click();
  const now = await viewOf(page);
  const currentId = await page.locator('#events-view .events-row[aria-current]').getAttribute('data-id');
  assert.equal(Number(currentId), now.events[now.events.length - 1].id, 'the marker follows the cursor');
  assert.deepEqual(problems, []);
  await page.close();
});

test('with the default automatic snapshots, scrolling back shows the snapshot boundary, then the kept entries', async () => {
  const { page, problems } = await openPlayground(browser, { seed: SEED, nodes: 3 });
  const led = await untilLeader(page);
  await openTab(page, 'logs');
  await page.evaluate((leader) => {
    const { ctx } = window.raftlab;
    for (let i = 0; i < 3000; i++) {
      ctx.playground.apply({ kind: 'propose', node: leader, data: `entry ${i}` });
      if (i % 200 === 0) ctx.playground.advanceMs(20);
    }
    ctx.refresh();
  }, led.leader);
  const view = await advanceUntil(page, (v) => v.logs.every((l) => l.snapshotIndex > 0 && l.applied >= 3000), 'automatic snapshots', 10000);
  await page.getByRole('button', { name: 'Oldest', exact: true }).click();
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  for (const log of view.logs) {
    const name = `n${log.node}`;
    const label = await page.evaluate((n) => [...document.querySelectorAll('#logs-view .logs-row')]
      .find((r) => r.querySelector('.logs-name')?.textContent === n)
      ?.querySelector('.logs-snapshot:not([hidden]) .logs-snapshot-label')?.textContent, name);
    assert.equal(label, `snapshot ≤ ${log.snapshotIndex}`);
    assert.equal((await logCell(page, name, 1)).cell, null);
  }
  // The first kept entry (below the view model's window) is reachable by scrolling.
  const older = view.logs.find((l) => l.entries.length > 0 && l.firstIndex < l.entries[0].index);
  assert.ok(older, `kept entries older than the window exist: ${JSON.stringify(view.logs.map((l) => [l.node, l.firstIndex, l.lastIndex, l.entries.length]))}`);
  const first = older.firstIndex;
  await page.evaluate((index) => {
    const scroller = document.querySelector('#logs-view .logs-scroller');
    scroller.scrollLeft = (index - 3) * 64;
  }, first);
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  const kept = await logCell(page, `n${older.node}`, first);
  assert.ok(kept.cell, `index ${first} is drawn from a slice`);
  assert.equal(kept.cell.state, 'applied');
  assert.deepEqual(problems, []);
  await page.close();
});

test('the KV view says when a node\'s list is cut: showing N of M', async () => {
  const { page, problems } = await openPlayground(browser, { seed: SEED, nodes: 3 });
  const led = await untilLeader(page);
  await page.evaluate((leader) => {
    const { ctx } = window.raftlab;
    for (let i = 0; i < 120; i++) ctx.playground.console(1 + (i % 5), leader, `put k${String(i).padStart(3, '0')} v${i}`);
    ctx.refresh();
  }, led.leader);
  await advanceUntil(page, (v) => v.kv.every((kv) => kv.keyCount === 120), 'every node to hold 120 keys', 5000);
  await openTab(page, 'kv');
  const stats = await page.locator('#kv-view .kv-node-stats').allTextContents();
  assert.equal(stats.length, 3);
  for (const text of stats) assert.match(text, /showing 100 of 120/);
  assert.equal(await page.locator('#kv-view tbody tr').count(), 100);
  assert.deepEqual(problems, []);
  await page.close();
});
