// The space-time diagram: after an election, two puts and a dropped message, its lanes and
// arrows match the engine's data for the window, the drop ends early with a cross, clicking
// (or Tab + Enter on) an arrow selects the message everywhere, clicking a lane seeks there, and
// the zoom buttons change the window. Set-up goes through `window.raftlab.ctx`; the steps
// under test are clicks and keys.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch } from './browser.mjs';
import { advance, openPlayground, untilLeader, viewOf } from './page.mjs';

const SEED = 4;

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** Elects a leader, puts two keys, drops a message in flight; returns the dropped id. */
async function setUp(page, extraMs = 0) {
  const view = await untilLeader(page);
  const dropped = await page.evaluate((leader) => {
    const ctx = /** @type {any} */ (window).raftlab.ctx;
    ctx.sendConsole(1, leader, 'put a 1');
    ctx.advance(40);
    ctx.sendConsole(1, leader, 'put b 2');
    ctx.advance(7);
    const m = ctx.view.messages.find((x) => !x.held);
    if (!m) return -1;
    ctx.act({ kind: 'drop', message: m.id });
    return m.id;
  }, view.leader);
  assert.ok(dropped >= 0, 'a message was on the wire to drop');
  await advance(page, 300 + extraMs);
  await page.click('#tab-spacetime');
  await page.waitForSelector('#spacetime-view:not([hidden]) .st-lane');
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  return dropped;
}

/** The window shown, the DOM's arrow ids and the engine's for the same window. */
async function shown(page) {
  return page.evaluate(() => {
    const ctx = /** @type {any} */ (window).raftlab.ctx;
    const root = /** @type {HTMLElement} */ (document.querySelector('#spacetime-view'));
    const from = Number(root.dataset.fromMs);
    const to = Number(root.dataset.toMs);
    const data = ctx.playground.spacetime(from, to, 600);
    return {
      from, to,
      dom: [...root.querySelectorAll('.st-arrows [data-message]')].map((g) => Number(g.getAttribute('data-message'))),
      engine: data.arrows.map((a) => a.id),
      lanes: [...root.querySelectorAll('.st-lane-label')].map((t) => t.textContent),
    };
  });
}

test('lanes and arrows match the engine; a dropped message ends early with a cross', async () => {
  const { page, problems } = await openPlayground(browser, { seed: SEED, nodes: 5 });
  const dropped = await setUp(page);
  const view = await viewOf(page);
  const s = await shown(page);
  assert.deepEqual(s.lanes, view.nodes.map((n) => `n${n.id}`));
  assert.ok(s.dom.length > 20, `a busy window shows arrows (${s.dom.length})`);
  assert.deepEqual(s.dom, s.engine, 'one arrow per message of the engine\'s data for the window');

  const drop = await page.evaluate((id) => {
    const g = document.querySelector(`#spacetime-view [data-message="${id}"]`);
    if (!g) return null;
    const line = /** @type {SVGPathElement} */ (g.querySelector('.st-line'));
    const end = line.getPointAtLength(line.getTotalLength());
    const a = /** @type {any} */ (window).raftlab.ctx.playground.spacetime(0, 100000, 5000).arrows.find((x) => x.id === id);
    const laneY = (n) => Number(document.querySelector(`#spacetime-view .st-lane[data-node="${n}"] .st-lane-line`).getAttribute('y1'));
    return {
      cls: g.getAttribute('class'), label: g.getAttribute('aria-label'),
      endY: end.y, toY: laneY(a.to), fromY: laneY(a.from),
      head: g.querySelector('.st-head').getAttribute('d'),
    };
  }, dropped);
  assert.ok(drop, `the dropped message m${dropped} is drawn`);
  assert.match(drop.cls, /end-dropped/);
  assert.match(drop.label, /dropped at \d+ ms \(user\)/);
  assert.ok(Math.abs(drop.endY - drop.toY) > 3, 'it stops before the recipient\'s lane');
  assert.equal((drop.head.match(/M/g) ?? []).length, 2, 'its end is a cross (two strokes)');
  assert.deepEqual(problems, []);
  await page.close();
});

test('clicking or Tab + Enter on an arrow selects the message everywhere', async () => {
  const { page, problems } = await openPlayground(browser, { seed: SEED, nodes: 5 });
  await setUp(page);
  // An arrow whose middle is on top (nothing else drawn over it there).
  const target = await page.evaluate(() => {
    for (const g of [...document.querySelectorAll('#spacetime-view .st-arrows [data-message]')].reverse()) {
      const line = /** @type {SVGPathElement} */ (g.querySelector('.st-line'));
      const box = line.getBoundingClientRect();
      const x = box.left + box.width / 2;
      const y = box.top + box.height / 2;
      if (document.elementFromPoint(x, y)?.closest('[data-message]') === g) {
        return { id: Number(g.getAttribute('data-message')), x, y };
      }
    }
    return null;
  });
  assert.ok(target, 'an arrow can be clicked');
  await page.mouse.click(target.x, target.y);
  assert.equal(await page.evaluate(() => /** @type {any} */ (window).raftlab.ctx.selection.message), target.id);
  assert.match(await page.textContent('#node-view .mp-title'), new RegExp(`^Message m${target.id}\\b`));
  assert.match(await page.textContent('[data-testid="st-summary"]'), new RegExp(`^m${target.id} `));
  assert.match(await page.getAttribute(`#spacetime-view [data-message="${target.id}"]`, 'class'), /selected/);

  // Keyboard: the arrow in the tab order is the selected one; Left moves to the one before, Enter selects it.
  await page.focus('#spacetime-view .st-svg');
  await page.keyboard.press('Tab');
  const focused = await page.evaluate(() => Number(document.activeElement?.getAttribute('data-message')));
  assert.equal(focused, target.id);
  await page.keyboard.press('ArrowLeft');
  const before = await page.evaluate(() => Number(document.activeElement?.getAttribute('data-message')));
  assert.ok(before !== target.id && Number.isFinite(before), 'focus moved to another arrow');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => /** @type {any} */ (window).raftlab.ctx.selection.message), before);
  assert.match(await page.textContent('#node-view .mp-title'), new RegExp(`^Message m${before}\\b`));
  // Shift+Enter goes to the moment it was sent.
  const sentMs = await page.evaluate((id) => /** @type {any} */ (window).raftlab.ctx.playground
    .spacetime(0, 1e6, 5000).arrows.find((a) => a.id === id).sentMs, before);
  await page.keyboard.press('Shift+Enter');
  assert.equal(Number(await page.textContent('[data-testid="sim-time"]')), sentMs);
  assert.deepEqual(problems, []);
  await page.close();
});

test('clicking a lane seeks there; the zoom buttons change the window', async () => {
  const { page, problems } = await openPlayground(browser, { seed: SEED, nodes: 5 });
  await setUp(page, 3000);
  const nowBefore = Number(await page.textContent('[data-testid="sim-time"]'));
  // A free spot on a lane, 30% across the plot: nothing but the lane under the pointer.
  const spot = await page.evaluate(() => {
    const root = /** @type {HTMLElement} */ (document.querySelector('#spacetime-view'));
    const svgBox = root.querySelector('.st-svg').getBoundingClientRect();
    const gutter = 34;
    for (let dx = 0; dx < 200; dx += 3) {
      const x = svgBox.left + gutter + (svgBox.width - gutter) * 0.3 + dx;
      for (let y = svgBox.top + 6; y < svgBox.bottom - 20; y += 2) {
        const el = document.elementFromPoint(x, y);
        if (el && !el.closest('[data-message], [data-at]') && el.closest('.st-svg')) {
          return { x, y, share: (x - svgBox.left - gutter) / (svgBox.width - gutter) };
        }
      }
    }
    return null;
  });
  assert.ok(spot, 'a free spot on the lanes');
  const s = await shown(page);
  const span = await page.evaluate(() => {
    const root = /** @type {HTMLElement} */ (document.querySelector('#spacetime-view'));
    return Number(root.dataset.spanMs);
  });
  const expected = s.from + spot.share * span;
  await page.mouse.click(spot.x, spot.y);
  const now = Number(await page.textContent('[data-testid="sim-time"]'));
  assert.ok(now < nowBefore, `went back in time (${nowBefore} -> ${now})`);
  assert.ok(Math.abs(now - expected) <= span * 0.02 + 2, `seeked to about ${expected} ms, got ${now}`);
  assert.equal((await viewOf(page)).nowMs, now);

  const spanOf = () => page.evaluate(() => Number(document.querySelector('#spacetime-view').dataset.spanMs));
  const start = await spanOf();
  await page.click('[data-testid="st-zoom-in"]');
  const zoomedIn = await spanOf();
  assert.ok(zoomedIn < start, `zoom in narrows the window (${start} -> ${zoomedIn})`);
  const axisIn = await page.$$eval('#spacetime-view .st-tick', (ts) => ts.map((t) => t.textContent));
  await page.click('[data-testid="st-zoom-out"]');
  await page.click('[data-testid="st-zoom-out"]');
  const zoomedOut = await spanOf();
  assert.ok(zoomedOut > start, `zoom out widens it (${start} -> ${zoomedOut})`);
  const axisOut = await page.$$eval('#spacetime-view .st-tick', (ts) => ts.map((t) => t.textContent));
  assert.notDeepEqual(axisIn, axisOut, 'the time axis follows the zoom');
  const after = await shown(page);
  assert.deepEqual(after.dom, after.engine, 'the wider window draws the engine\'s arrows for it');

  // Keys: + zooms in, Left pans into the past (and stops following the present), Home
  // follows it again.
  await page.focus('#spacetime-view .st-svg');
  await page.keyboard.press('+');
  await page.keyboard.press('+');
  assert.ok(await spanOf() < zoomedOut / 2, 'the + key zooms in');
  const fromBefore = (await shown(page)).from;
  await page.keyboard.press('ArrowLeft');
  const panned = await shown(page);
  assert.ok(panned.from < fromBefore, `Left pans earlier (${fromBefore} -> ${panned.from}, now ${(await viewOf(page)).nowMs}, span ${await spanOf()})`);
  assert.equal(await page.getAttribute('#spacetime-view .st-bar button[aria-pressed]', 'aria-pressed'), 'false');
  assert.deepEqual(panned.dom, panned.engine);
  await page.keyboard.press('Home');
  assert.equal(await page.getAttribute('#spacetime-view .st-bar button[aria-pressed]', 'aria-pressed'), 'true');
  assert.equal((await shown(page)).from, fromBefore);
  assert.deepEqual(problems, []);
  await page.close();
});

test('"[" and "]" on the diagram go to the previous and next election or commit', async () => {
  const { page, problems } = await openPlayground(browser, { seed: SEED, nodes: 3 });
  await setUp(page, 1000);
  await page.focus('#spacetime-view .st-svg');
  const step = () => page.evaluate(() => /** @type {any} */ (window).raftlab.ctx.playground.nowStep());
  const expected = (kind, from) => page.evaluate(({ kind, from }) => {
    const p = /** @type {any} */ (window).raftlab.ctx.playground;
    const found = ['election', 'commit'].map((k) => (kind === 'back' ? p.previousMoment(k, from) : p.nextMoment(k, from)))
      .filter((m) => m !== null).sort((a, b) => (kind === 'back' ? b.step - a.step : a.step - b.step))[0];
    return found ? found.step : null;
  }, { kind, from });
  const end = await step();
  const previous = await expected('back', end);
  assert.ok(previous !== null && previous < end, 'a commit or an election happened');
  await page.keyboard.press('[');
  assert.equal(await step(), previous, '"[" lands on the previous moment');
  const earlier = await expected('back', previous);
  await page.keyboard.press('[');
  assert.equal(await step(), earlier);
  await page.keyboard.press(']');
  assert.equal(await step(), previous, '"]" goes forward again, into the recorded future');
  assert.deepEqual(problems, []);
  await page.close();
});
