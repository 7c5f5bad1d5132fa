// The timeline bar: step back and forward, scrubbing the "time" slider, jumps between moments,
// and forking the run by acting in the past (with undo). Fixed seeds; every acceptance step
// goes through the UI (buttons, keys, the slider); `window.raftlab.ctx` only sets up (advance
// virtual time with the clock paused) and reads the engine's hash to wait for the page.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch } from './browser.mjs';
import { openPlayground, advance, viewOf } from './page.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** The hash the page shows, once it is that of the engine's current moment. */
async function shownHash(page) {
  await page.waitForFunction(() => {
    const ctx = /** @type {any} */ (window).raftlab.ctx;
    return document.querySelector('[data-testid="state-hash"]')?.textContent === ctx.playground.hash();
  });
  return page.textContent('[data-testid="state-hash"]');
}

const slider = (page) => page.getByRole('slider', { name: 'time', exact: true });
const button = (page, name) => page.getByRole('button', { name, exact: true });

/** Scrubs the "time" slider to `ms` (fill sets the value and fires input and change). */
async function scrub(page, ms) {
  await slider(page).fill(String(ms));
  await page.waitForFunction((t) => /** @type {any} */ (window).raftlab.ctx.view.nowMs === t, ms);
}

test('exactly one "Step back" and one "Step forward"; back then forward returns the same hash', async () => {
  const { page, problems } = await openPlayground(browser, { seed: 7 });
  assert.equal(await button(page, 'Step back').count(), 1);
  assert.equal(await button(page, 'Step forward').count(), 1);
  assert.equal(await slider(page).count(), 1);
  await advance(page, 3000);
  await button(page, 'Step forward').click();
  const here = await shownHash(page);
  const steps = (await viewOf(page)).steps;
  assert.equal(await page.getByTestId('in-past').isVisible(), false, 'at the end of the run');

  await button(page, 'Step back').click();
  const back = await shownHash(page);
  assert.notEqual(back, here, 'one event back is another state');
  assert.equal((await viewOf(page)).steps, steps - 1);
  assert.equal(await page.getByTestId('in-past').isVisible(), true, 'the cursor is in the past');
  await button(page, 'Step forward').click();
  assert.equal(await shownHash(page), here, 'back then forward: the same hash');

  // The keys do the same: "," back, "." forward.
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press(',');
  await page.keyboard.press(',');
  assert.equal((await viewOf(page)).steps, steps - 2);
  assert.notEqual(await shownHash(page), here);
  await page.keyboard.press('.');
  await page.keyboard.press('.');
  assert.equal(await shownHash(page), here, '",," then "..": the same hash');
  assert.equal(await page.getByTestId('in-past').isVisible(), false);
  assert.deepEqual(problems, [], 'no console errors');
});

test('scrubbing the time slider to T shows the hash of a straight run to T', async () => {
  const { page, problems } = await openPlayground(browser, { seed: 3 });
  await advance(page, 20000);
  const endHash = await shownHash(page);
  assert.equal(await slider(page).getAttribute('max'), '20000');
  const straight = await openPlayground(browser, { seed: 3 });
  for (const t of [7345, 15020, 1200]) {
    await scrub(page, t);
    const scrubbed = await shownHash(page);
    assert.equal(await slider(page).getAttribute('max'), '20000', 'the recorded future stays');
    assert.equal(await page.getByTestId('in-past').isVisible(), true);
    assert.equal(await page.evaluate(() => /** @type {any} */ (window).raftlab.ctx.playing), false, 'seeking pauses');
    // A second page runs straight to T (in order: 1200 is reached by a fresh page).
    const other = t === 1200 ? await openPlayground(browser, { seed: 3 }) : straight;
    const now = (await viewOf(other.page)).nowMs;
    await advance(other.page, t - now);
    assert.equal(await shownHash(other.page), scrubbed, `scrub to ${t} ms`);
    if (other !== straight) {
      assert.deepEqual(other.problems, []);
      await other.page.close();
    }
  }
  await scrub(page, 20000);
  assert.equal(await shownHash(page), endHash, 'back at the end: the same hash');
  assert.equal(await page.getByTestId('in-past').isVisible(), false);
  assert.deepEqual(problems, [], 'no console errors');
  assert.deepEqual(straight.problems, [], 'no console errors (second page)');
});

test('jumps land on elections and commits', async () => {
  const { page, problems } = await openPlayground(browser, { seed: 5 });
  for (const [i, node] of [1, 2, 3].entries()) {
    await advance(page, 3000);
    await page.evaluate(([n, line]) => /** @type {any} */ (window).raftlab.ctx.sendConsole(1, n, line),
      [node, `put k${i} v${i}`]);
  }
  await advance(page, 6000);
  await scrub(page, 0);
  const kind = page.getByRole('combobox', { name: 'Jump to moments of kind' });
  await kind.selectOption('election');
  let leaderMoment = false;
  let before = 0;
  for (let i = 0; i < 6 && !leaderMoment; i += 1) {
    await button(page, 'Next election').click();
    const view = await viewOf(page);
    assert.ok(view.nowMs >= before, 'next goes forward');
    before = view.nowMs;
    const status = await page.getByTestId('timeline-status').textContent();
    assert.match(status, /^Election at /);
    if (/leads term/.test(status)) {
      leaderMoment = true;
      assert.notEqual(view.leader, undefined, `a leader at "${status}"`);
      assert.match(status, new RegExp(`n${view.leader} leads term`));
    }
  }
  assert.ok(leaderMoment, 'a "leads term" moment within six elections');
  await kind.selectOption('commit');
  const stepsBefore = (await viewOf(page)).steps;
  await button(page, 'Next commit').click();
  const commitView = await viewOf(page);
  assert.ok(commitView.steps > stepsBefore);
  const status = await page.getByTestId('timeline-status').textContent();
  const index = Number(/commit index (\d+)/.exec(status)?.[1]);
  const highest = Math.max(...commitView.nodes.map((n) => n.commit ?? 0));
  assert.equal(highest, index, `the highest commit index is the moment's: ${status}`);
  await button(page, 'Next commit').click();
  const second = await viewOf(page);
  assert.ok(second.steps > commitView.steps, 'the next commit after that');
  await button(page, 'Previous commit').click();
  const back = await viewOf(page);
  assert.equal(back.steps, commitView.steps, 'previous goes back to the commit before');
  assert.equal(back.stateHash, commitView.stateHash);
  await kind.selectOption('violation');
  await button(page, 'Next violation').click();
  assert.match(await page.getByTestId('timeline-status').textContent(), /No later violation/);
  assert.deepEqual(problems, [], 'no console errors');
});

test('acting in the past forks: the old future is gone, "Undo fork" restores it', async () => {
  const { page, problems } = await openPlayground(browser, { seed: 9 });
  await advance(page, 20000);
  const endHash = await shownHash(page);
  assert.equal(await button(page, 'Undo fork').isDisabled(), true, 'nothing to undo yet');
  await scrub(page, 8000);
  // Crash n3 from the node panel, in the past.
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('3');
  await page.locator('#node-view').getByRole('button', { name: 'Crash', exact: true }).click();
  await page.waitForFunction(() => /** @type {any} */ (window).raftlab.ctx.view.nodes.find((n) => n.id === 3)?.crashed);
  assert.equal(await slider(page).getAttribute('max'), '8000', 'the old future is gone: the end shrank');
  assert.equal(await page.getByTestId('in-past').isVisible(), false);
  assert.equal(await button(page, 'Undo fork').isDisabled(), false);
  await advance(page, 2000);
  assert.equal(await slider(page).getAttribute('max'), '10000');
  await button(page, 'Undo fork').click();
  await page.waitForFunction(() => /** @type {any} */ (window).raftlab.ctx.view.nowMs === 8000);
  assert.equal(await slider(page).getAttribute('max'), '20000', 'the old end is back');
  assert.equal(await button(page, 'Undo fork').isDisabled(), true, 'one level of undo');
  assert.equal((await viewOf(page)).nodes.find((n) => n.id === 3).crashed, false, 'before the crash');
  await scrub(page, 20000);
  assert.equal(await shownHash(page), endHash, 'the same hash as before at that end');
  assert.deepEqual(problems, [], 'no console errors');
});

test('the console shows the operations of the moment under the cursor, in order', async () => {
  const { page, problems } = await openPlayground(browser, { seed: 7 });
  await advance(page, 3000);
  const input = page.getByRole('textbox', { name: 'etcdctl command' });
  const lines = () => page.locator('.console-op[data-op] .op-line').allTextContents();
  await input.fill('put first 1');
  await input.press('Enter');
  await advance(page, 2000);
  const between = (await viewOf(page)).nowMs;
  await advance(page, 1000);
  await input.fill('put second 2');
  await input.press('Enter');
  await advance(page, 2000);
  assert.deepEqual(await lines(page), ['put first 1', 'put second 2']);
  await scrub(page, between);
  assert.deepEqual(await lines(page), ['put first 1'], 'the second put is in the recorded future');
  await scrub(page, 2000);
  assert.deepEqual(await lines(page), [], 'nothing was sent yet');
  await scrub(page, (await page.evaluate(() => window.raftlab.ctx.playground.endMs())));
  assert.deepEqual(await lines(page), ['put first 1', 'put second 2'], 'back at the end, in order');
  assert.deepEqual(problems, [], 'no console errors');
  await page.close();
});
