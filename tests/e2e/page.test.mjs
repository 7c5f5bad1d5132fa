// The page as a whole: bad links are reported without losing the run, every action is reachable
// from the keyboard alone, shortcuts work, and the help lists them.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, baseUrl } from './browser.mjs';
import { openPlayground, advance, viewOf, untilLeader } from './page.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('a malformed link is reported in the banner and the default run goes on', async () => {
  const { page, problems } = await openPage(browser);
  const url = new URL(baseUrl);
  url.searchParams.set('seed', '<script>alert(1)</script>');
  url.searchParams.set('nodes', '42');
  let dialogs = 0;
  page.on('dialog', async (dialog) => { dialogs += 1; await dialog.dismiss(); });
  await page.goto(url.toString());
  await page.waitForSelector('body[data-state="ready"]', { timeout: 20000 });
  const banner = await page.textContent('#banner-text');
  assert.match(banner ?? '', /nodes "42" must be a whole number from 1 to 9/);
  assert.equal(await page.isVisible('#banner'), true);
  assert.equal(await page.locator('script:not([src])').count(), 0, 'no script element injected');
  const before = Number(await page.textContent('[data-testid="sim-time"]'));
  await page.waitForFunction((t) => Number(document.querySelector('[data-testid="sim-time"]')?.textContent) > t, before);
  const view = await viewOf(page);
  assert.equal(view.nodes.length, 5, 'the default cluster');
  assert.equal(dialogs, 0);
  assert.deepEqual(problems, []);
  await page.close();
});

test('a page opened paused draws every view at once (nothing half-built before the first action)', async () => {
  const { page, problems } = await openPlayground(browser, { seed: 3, nodes: 3 });
  // The node panel offers the node picker, and no message card or node actions yet.
  assert.equal(await page.getByRole('button', { name: 'n1 · follower', exact: true }).count(), 1);
  assert.equal(await page.getByRole('button', { name: 'Drop', exact: true }).count(), 0);
  assert.equal(await page.getByRole('button', { name: 'Crash', exact: true }).count(), 0);
  assert.equal(await page.locator('#logs-view .logs-row').count() >= 3, true, 'the logs view has its rows');
  assert.deepEqual(problems, []);
  await page.close();
});

test('a link can carry any 64-bit seed', async () => {
  const { page, problems } = await openPlayground(browser, { seed: '18446744073709551615', nodes: 3 });
  assert.equal(await page.isVisible('#banner'), false);
  const config = await page.evaluate(() => /** @type {any} */ (window).raftlab.ctx.config);
  assert.equal(config.seed, '18446744073709551615');
  const other = await openPlayground(browser, { seed: '18446744073709551614', nodes: 3 });
  await advance(page, 3000);
  await advance(other.page, 3000);
  const [a, b] = [await viewOf(page), await viewOf(other.page)];
  assert.notEqual(a.stateHash, b.stateHash, 'the last digit of a big seed matters');
  assert.deepEqual([...problems, ...other.problems], []);
  await page.close();
  await other.page.close();
});

test('keyboard alone: select, crash, restart, heal, console, help', async () => {
  const { page, problems } = await openPlayground(browser, { seed: 3, nodes: 3 });
  const led = await untilLeader(page);
  const follower = led.nodes.find((n) => n.id !== led.leader).id;
  await page.locator('body').click({ position: { x: 1, y: 1 } }).catch(() => {});
  await page.evaluate(() => /** @type {HTMLElement} */ (document.activeElement)?.blur());

  // Digits select a node and move the focus to it.
  await page.keyboard.press(String(follower));
  const focused = await page.evaluate(() => document.activeElement?.getAttribute('data-node'));
  assert.equal(focused, String(follower));
  const name = await page.getAttribute(`[data-node="${follower}"][role=button]`, 'aria-label');
  assert.match(name ?? '', new RegExp(`^n${follower}, follower, term \\d+`));

  // Space on the node just selected plays / pauses (selecting it again would do nothing).
  const playText = () => page.textContent('#play');
  const before = await playText();
  await page.keyboard.press('Space');
  await page.waitForFunction((text) => document.getElementById('play')?.textContent !== text, before);
  await page.keyboard.press('Space');
  await page.waitForFunction((text) => document.getElementById('play')?.textContent === text, before);
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-node')), String(follower));

  // x crashes it, r restarts it: the node's accessible name says so.
  await page.keyboard.press('x');
  await page.waitForFunction((id) => /crashed/.test(document.querySelector(`[data-node="${id}"][role=button]`)?.getAttribute('aria-label') ?? ''), follower);
  await page.keyboard.press('r');
  await page.waitForFunction((id) => !/crashed/.test(document.querySelector(`[data-node="${id}"][role=button]`)?.getAttribute('aria-label') ?? ''), follower);

  // i isolates it, h heals every link.
  await page.keyboard.press('i');
  let view = await viewOf(page);
  assert.ok(view.links.some((l) => !l.up), 'isolate cut links');
  await page.keyboard.press('h');
  view = await viewOf(page);
  assert.ok(view.links.every((l) => l.up), 'heal restored every link');

  // c goes to the console; Enter sends.
  await page.keyboard.press('c');
  const inConsole = await page.evaluate(() => document.activeElement?.getAttribute('aria-label')
    ?? document.activeElement?.labels?.[0]?.textContent);
  assert.match(inConsole ?? '', /etcdctl command/);
  await page.keyboard.type('put walk through');
  await page.keyboard.press('Enter');
  await advance(page, 1000);
  const output = await page.getByRole('log', { name: 'console output' }).textContent();
  assert.match(output ?? '', /OK/);

  // ? opens the help listing the shortcuts; Escape closes it.
  await page.evaluate(() => /** @type {HTMLElement} */ (document.activeElement)?.blur());
  await page.keyboard.press('?');
  assert.equal(await page.isVisible('#help-dialog'), true);
  assert.match(await page.textContent('#help-shortcuts') ?? '', /crash the selected node/);
  await page.keyboard.press('Escape');
  assert.equal(await page.isVisible('#help-dialog'), false);

  // Space plays and pauses (when no button has the focus: there it presses that button).
  await page.evaluate(() => /** @type {HTMLElement} */ (document.activeElement)?.blur());
  await page.keyboard.press(' ');
  assert.equal(await page.evaluate(() => /** @type {any} */ (window).raftlab.ctx.playing), true);
  await page.keyboard.press(' ');
  assert.equal(await page.evaluate(() => /** @type {any} */ (window).raftlab.ctx.playing), false);
  assert.deepEqual(problems, []);
  await page.close();
});

test('Tab reaches every control, and each has an accessible name', async () => {
  const { page, problems } = await openPlayground(browser, { seed: 3, nodes: 3 });
  await untilLeader(page);
  const names = [];
  for (let i = 0; i < 400; i += 1) {
    await page.keyboard.press('Tab');
    const info = await page.evaluate(() => {
      const el = document.activeElement;
      if (!el || el === document.body) return null;
      const label = el.getAttribute('aria-label')
        || (el.id && document.querySelector(`label[for="${el.id}"]`)?.textContent)
        || el.closest('label')?.textContent
        || el.getAttribute('title')
        || el.textContent;
      return { tag: el.tagName, label: (label ?? '').trim().replace(/\s+/g, ' ') };
    });
    if (!info) continue;
    names.push(info);
    if (names.length > 3 && info.label === names[0].label && info.tag === names[0].tag) break;
  }
  const unnamed = names.filter((n) => n.label === '');
  assert.deepEqual(unnamed, [], 'every focusable control has a name');
  const labels = names.map((n) => n.label);
  assert.ok(labels.some((l) => /^Play|^Pause/.test(l)), 'play is reachable');
  assert.ok(labels.some((l) => /^n1, /.test(l)), 'a node is reachable');
  assert.ok(labels.some((l) => /etcdctl command/.test(l)), 'the console is reachable');
  assert.deepEqual(problems, []);
  await page.close();
});

test('the first-visit hint covers no control, and the first action closes it for good', async () => {
  for (const size of [{ width: 1280, height: 800 }, { width: 800, height: 600 }, { width: 390, height: 844 }]) {
    const { page, problems } = await openPage(browser);
    await page.setViewportSize(size);
    const url = new URL(baseUrl);
    url.searchParams.set('autoplay', '0');
    await page.goto(url.toString());
    await page.waitForSelector('body[data-state="ready"]', { timeout: 60000 });
    assert.equal(await page.isVisible('#first-visit'), true, `the hint shows at ${size.width} px`);
    // No visible control outside the hint overlaps it, even by an edge.
    const covered = await page.evaluate(() => {
      const hint = document.getElementById('first-visit');
      const h = hint?.getBoundingClientRect();
      const out = [];
      if (!h) return ['no hint'];
      for (const el of document.querySelectorAll('button, input, select, [role=tab], [role=button]')) {
        if (hint?.contains(el)) continue;
        const r = el.getBoundingClientRect();
        if (r.width === 0 || r.height === 0 || !el.checkVisibility()) continue;
        const overlapX = Math.min(r.right, h.right) - Math.max(r.left, h.left);
        const overlapY = Math.min(r.bottom, h.bottom) - Math.max(r.top, h.top);
        if (overlapX > 0 && overlapY > 0) out.push(el.id || el.textContent?.trim() || el.tagName);
      }
      return out;
    });
    assert.deepEqual(covered, [], `controls under the hint at ${size.width} px`);
    // Play / pause leaves it; an accepted action (here `h`, heal all) closes it, and a reload
    // does not bring it back.
    await page.locator('body').click({ position: { x: 1, y: 1 } }).catch(() => {});
    await page.keyboard.press('Space');
    assert.equal(await page.isVisible('#first-visit'), true, 'playing is not an action on the run');
    await page.keyboard.press('h');
    await page.waitForSelector('#first-visit', { state: 'hidden' });
    await page.reload();
    await page.waitForSelector('body[data-state="ready"]', { timeout: 60000 });
    assert.equal(await page.isVisible('#first-visit'), false, 'gone after a reload');
    assert.deepEqual(problems, []);
    await page.close();
  }
});
