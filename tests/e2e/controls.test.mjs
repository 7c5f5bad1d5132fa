// The controls: the etcdctl console, the network panel and the settings, driven through the UI
// on a fixed seed (window.raftlab.ctx only pauses the clock, moves virtual time and reads the
// view model). Every test also checks that the page logged no console errors.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch } from './browser.mjs';
import { openPlayground, advance, advanceUntil, untilLeader, viewOf } from './page.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const SEED_LINE = 'ETCDCTL_API=3 etcdctl --endpoints=http://localhost:2379 put mykey myvalue';

/** Advances until a leader is elected and every node has heard of it. */
async function untilSettled(page) {
  await untilLeader(page);
  return advanceUntil(page, (v) => v.leader !== undefined && v.nodes.every((n) => n.leader === v.leader),
    'every node to know the leader');
}

/** The console's input and log, by their contract names. */
function consoleOf(page) {
  return {
    input: page.getByRole('textbox', { name: 'etcdctl command', exact: true }),
    log: page.getByRole('log', { name: 'console output', exact: true }),
  };
}

/** Every operation of every client in the view, by id. */
function allOps(view) {
  return view.clients.flatMap((c) => c.ops.map((op) => ({ ...op, client: c.client }))).sort((a, b) => a.id - b.id);
}

/**
 * Types `line` into the console, presses Enter, and advances virtual time until the new
 * operation is answered; returns the op and its rendered element's text.
 */
async function send(page, line, { fill = false } = {}) {
  const { input, log } = consoleOf(page);
  const before = allOps(await viewOf(page)).map((op) => op.id);
  if (fill) await input.fill(line);
  else { await input.fill(''); await input.type(line); }
  await input.press('Enter');
  const view = await advanceUntil(page, (v) => {
    const fresh = allOps(v).filter((op) => !before.includes(op.id));
    return fresh.length > 0 && fresh.every((op) => op.state !== 'pending');
  }, `an answer to ${line.slice(0, 40)}`, 10_000);
  const op = allOps(view).filter((o) => !before.includes(o.id)).at(-1);
  await page.waitForTimeout(50);
  const entry = log.locator(`[data-key="${op.client}:${op.id}"]`);
  return { op, text: await entry.innerText() };
}

test('the console follows new answers, and stays where the reader scrolled back to', async () => {
  const { page, problems } = await openPlayground(browser, { seed: 1 });
  const view = await untilSettled(page);
  const { log } = consoleOf(page);
  /** Sends `count` puts straight to the engine (not typed: this test is about scrolling). */
  const burst = (count, from) => page.evaluate(([n, start, leader]) => {
    const { ctx } = /** @type {any} */ (window).raftlab;
    for (let i = start; i < start + n; i++) {
      ctx.sendConsole(1 + (i % 6), leader, `put scroll-${i} value-${i}`);
      ctx.advance(200);
    }
  }, [count, from, view.leader]);
  const gap = () => log.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight);
  const settle = () => page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));

  await burst(40, 0);
  await settle();
  // The view keeps each client's newest operations, so the burst goes through six clients.
  const [height, shown] = await log.evaluate((el) => [el.scrollHeight, el.clientHeight]);
  assert.ok(height > shown * 2, `the log overflows (${height} px of content in ${shown} px)`);
  assert.ok(await gap() < 40, `at the bottom after a burst (${await gap()} px from it)`);

  await log.evaluate((el) => { el.scrollTop = 0; });
  await settle();
  await burst(10, 40);
  await settle();
  assert.equal(await log.evaluate((el) => el.scrollTop), 0, 'scrolled back: new answers do not pull the reader down');

  await log.evaluate((el) => { el.scrollTop = el.scrollHeight; });
  await settle();
  await burst(10, 50);
  await settle();
  assert.ok(await gap() < 40, `back at the bottom, it follows again (${await gap()} px from it)`);
  assert.deepEqual(problems, []);
  await page.close();
});

test('newcomer flow: the seed article\'s put, then get, through the console', async () => {
  const { page, problems } = await openPlayground(browser, { seed: 1 });
  await untilSettled(page);
  const { log, input } = consoleOf(page);

  const put = await send(page, SEED_LINE);
  assert.equal(put.op.state, 'done');
  assert.equal(put.op.ok, true, put.op.output);
  assert.equal(put.op.node, 1, '--endpoints=http://localhost:2379 is n1');
  assert.match(put.text, /^OK$/m, 'OK shows under the line');
  assert.match(put.text, /\d+ ms/, 'the latency in virtual ms shows');
  assert.ok((await log.innerText()).includes(SEED_LINE), 'the line is shown verbatim');

  const get = await send(page, 'get mykey');
  assert.equal(get.op.ok, true, get.op.output);
  const lines = get.text.split('\n').map((l) => l.trim());
  assert.ok(lines.includes('mykey'), `a "mykey" line in ${JSON.stringify(get.text)}`);
  assert.ok(lines.includes('myvalue'), `a "myvalue" line in ${JSON.stringify(get.text)}`);
  const latency = get.op.returnMs - get.op.callMs;
  assert.ok(get.text.includes(`${latency} ms`), `latency ${latency} ms shown in ${get.text}`);

  // History: Up brings back the last lines, Down returns to the empty draft.
  await input.press('ArrowUp');
  assert.equal(await input.inputValue(), 'get mykey');
  await input.press('ArrowUp');
  assert.equal(await input.inputValue(), SEED_LINE);
  await input.press('ArrowDown');
  await input.press('ArrowDown');
  assert.equal(await input.inputValue(), '');

  // An example button fills the input without sending.
  const opsBefore = allOps(await viewOf(page)).length;
  await page.getByRole('button', { name: 'Example: member list' }).click();
  assert.equal(await input.inputValue(), 'member list');
  assert.equal(allOps(await viewOf(page)).length, opsBefore, 'an example is not sent by itself');
  const members = await send(page, 'member list', { fill: true });
  assert.match(members.text, /n1, http:\/\/localhost:2380, http:\/\/localhost:2379/);

  // A chosen node: c2 sends to n3.
  await page.getByRole('combobox', { name: 'Client', exact: true }).selectOption('2');
  await page.getByRole('combobox', { name: 'Send to node', exact: true }).selectOption('3');
  const there = await send(page, 'get mykey');
  assert.equal(there.op.client, 2);
  assert.equal(there.op.node, 3);
  assert.match(there.text, /c2 → n3/);

  assert.deepEqual(problems, []);
  await page.close();
});

test('a watch streams its events into its output', async () => {
  const { page, problems } = await openPlayground(browser, { seed: 3 });
  await untilSettled(page);
  const { log } = consoleOf(page);
  const watch = await send(page, 'watch color');
  await page.getByRole('combobox', { name: 'Client', exact: true }).selectOption('2');
  await send(page, 'put color red');
  await send(page, 'put color blue');
  await advance(page, 500);
  await page.waitForTimeout(50);
  const text = await log.locator(`[data-key="${watch.op.client}:${watch.op.id}"]`).innerText();
  assert.match(text, /PUT\s+color\s+red[\s\S]*PUT\s+color\s+blue/, text);
  assert.deepEqual(problems, []);
  await page.close();
});

test('hostile inputs show as text, are refused clearly, and the run goes on', async () => {
  const { page, problems } = await openPlayground(browser, { seed: 2 });
  const dialogs = [];
  page.on('dialog', async (dialog) => { dialogs.push(dialog.message()); await dialog.dismiss(); });
  await untilSettled(page);
  const { input, log } = consoleOf(page);
  const countInjected = () => page.evaluate(() => ({
    img: document.querySelectorAll('img').length,
    script: document.querySelectorAll('script').length,
    iframe: document.querySelectorAll('iframe, object, embed').length,
    flag: /** @type {any} */ (window).__pwned === true,
  }));
  const injectedBefore = await countInjected();

  // HTML and script as key and value.
  const key = '<img src=x onerror=alert(1)>';
  const value = '<script>window.__pwned=true;alert(2)</script>';
  const put = await send(page, `put '${key}' '${value}'`);
  assert.equal(put.op.ok, true, put.op.output);
  const got = await send(page, `get '${key}'`);
  assert.ok(got.text.includes(key), `the key shows literally: ${got.text}`);
  assert.ok(got.text.includes(value), `the value shows literally: ${got.text}`);

  // Unicode: emoji, right-to-left text, combining marks.
  const uniKey = 'ключ-🙂‍🌈';
  const uniValue = 'שלום e\u0301 مرحبا 👩🏽‍💻';
  const uni = await send(page, `put ${uniKey} "${uniValue}"`, { fill: true });
  assert.equal(uni.op.ok, true, uni.op.output);
  const uniGet = await send(page, `get ${uniKey}`, { fill: true });
  assert.ok(uniGet.text.includes(uniKey) && uniGet.text.includes(uniValue), uniGet.text);

  // A 1 MB line: refused with a clear message, quickly, and the page stays responsive.
  const huge = `put big ${'x'.repeat(1024 * 1024)}`;
  const opsBeforeHuge = allOps(await viewOf(page)).length;
  const started = Date.now();
  await input.fill(huge);
  await input.press('Enter');
  const refused = log.locator('.console-op').last();
  await refused.waitFor();
  const refusedText = await refused.innerText();
  assert.ok(Date.now() - started < 5000, 'a 1 MB line is handled in well under 5 s');
  assert.match(refusedText, /not sent/);
  assert.match(refusedText, /bytes/);
  assert.ok(refusedText.length < 5000, `the log shows a bounded copy (${refusedText.length} chars)`);
  assert.equal(allOps(await viewOf(page)).length, opsBeforeHuge, 'nothing was sent');
  assert.equal(await input.inputValue(), '', 'the input is cleared');

  // Unknown commands and help: the engine's messages.
  await input.fill('frobnicate mykey');
  await input.press('Enter');
  const unknown = log.locator('.console-op').last();
  assert.match(await unknown.innerText(), /unknown command "frobnicate"/);
  assert.ok(await unknown.evaluate((e) => e.classList.contains('is-error')), 'marked as an error');
  // An endpoint the cluster does not have: the core refuses it, the banner says why.
  await input.fill('--endpoints=http://localhost:9999 get a');
  await input.press('Enter');
  assert.match(await log.locator('.console-op').last().innerText(), /not sent/);
  assert.match(await page.getByRole('alert').first().innerText(), /unknown endpoint 'http:\/\/localhost:9999'/);
  await page.getByRole('button', { name: 'Dismiss message' }).click();
  const help = await send(page, 'help');
  assert.match(help.text, /etcdctl console/);

  // Empty input: nothing is sent, a gentle hint says what to do.
  const opsBeforeEmpty = allOps(await viewOf(page)).length;
  await input.fill('   ');
  await input.press('Enter');
  assert.match(await page.locator('#console-hint').innerText(), /Nothing to send/);
  assert.equal(allOps(await viewOf(page)).length, opsBeforeEmpty);

  // Nothing ran, nothing was injected.
  assert.deepEqual(dialogs, []);
  assert.deepEqual(await countInjected(), injectedBefore);

  // The run goes on: time advances, and a later put still works.
  const t0 = Number(await page.textContent('[data-testid="sim-time"]'));
  await advance(page, 300);
  const t1 = Number(await page.textContent('[data-testid="sim-time"]'));
  assert.ok(t1 >= t0 + 300, `time moved on: ${t0} -> ${t1}`);
  const later = await send(page, 'put after still-works');
  assert.equal(later.op.ok, true, later.op.output);
  assert.match(later.text, /^OK$/m);

  assert.deepEqual(problems, []);
  await page.close();
});

test('one-way cut through the link matrix, then heal all', async () => {
  const { page, problems } = await openPlayground(browser, { seed: 1 });
  await untilLeader(page);
  await page.getByRole('tab', { name: 'Network' }).click();
  const cell = page.getByRole('button', { name: 'link n1 to n2', exact: true });
  const back = page.getByRole('button', { name: 'link n2 to n1', exact: true });
  assert.equal(await cell.getAttribute('aria-pressed'), 'false');
  await cell.click();
  assert.equal(await cell.getAttribute('aria-pressed'), 'true');
  assert.equal(await back.getAttribute('aria-pressed'), 'false');
  let view = await viewOf(page);
  const link = (v, from, to) => v.links.find((l) => l.from === from && l.to === to);
  assert.equal(link(view, 1, 2).up, false, 'n1 -> n2 is cut');
  assert.equal(link(view, 2, 1).up, true, 'n2 -> n1 still works');
  assert.equal(view.links.filter((l) => !l.up).length, 1, 'only that direction');

  // Per-link latency and loss through the editor (the editor follows the last cell used).
  await page.getByLabel('Latency min (ms)').fill('50');
  await page.getByLabel('Latency max (ms)').fill('80');
  await page.getByLabel('Loss (%)').fill('12.5');
  await page.getByRole('button', { name: 'Apply to n1 → n2' }).click();
  view = await viewOf(page);
  assert.deepEqual(
    { ...link(view, 1, 2) },
    { from: 1, to: 2, up: false, latencyMsMin: 50, latencyMsMax: 80, lossPpm: 125_000, duplicatePpm: 0, custom: true },
  );
  // A backwards range is refused with a message, nothing changes.
  await page.getByLabel('Latency min (ms)').fill('90');
  await page.getByRole('button', { name: 'Apply to n1 → n2' }).click();
  assert.match(await page.locator('.net-message').innerText(), /backwards/);
  assert.equal(link(await viewOf(page), 1, 2).latencyMsMin, 50);

  await page.getByRole('button', { name: 'Heal all' }).click();
  view = await viewOf(page);
  assert.ok(view.links.every((l) => l.up), 'every direction is up again');
  assert.equal(await cell.getAttribute('aria-pressed'), 'false');

  // Keyboard: the matrix is one Tab stop; the arrows move, Space toggles.
  await cell.focus();
  await page.keyboard.press('ArrowRight');
  const focused = () => page.evaluate(() => document.activeElement?.getAttribute('aria-label'));
  assert.equal(await focused(), 'link n1 to n3');
  await page.keyboard.press('ArrowDown');
  assert.equal(await focused(), 'link n2 to n3');
  await page.keyboard.press('ArrowLeft');
  assert.equal(await focused(), 'link n2 to n1', 'the diagonal is skipped');
  await page.keyboard.press('Space');
  assert.equal(await back.getAttribute('aria-pressed'), 'true');
  assert.equal(link(await viewOf(page), 2, 1).up, false);
  await page.getByRole('button', { name: 'Heal all' }).click();

  // Presets: isolate the leader cuts both directions of each of its links.
  const leader = view.leader;
  await page.getByRole('button', { name: `Isolate leader n${leader}` }).click();
  view = await viewOf(page);
  const cut = view.links.filter((l) => !l.up);
  assert.equal(cut.length, 2 * (view.nodes.length - 1));
  assert.ok(cut.every((l) => l.from === leader || l.to === leader));
  await page.getByRole('button', { name: 'Heal all' }).click();
  // One-way: the leader cannot hear anybody, but still sends.
  await page.getByRole('button', { name: `n${leader} cannot hear (one-way)` }).click();
  view = await viewOf(page);
  assert.ok(view.links.filter((l) => !l.up).every((l) => l.to === leader));
  assert.equal(view.links.filter((l) => !l.up).length, view.nodes.length - 1);
  await page.getByRole('button', { name: 'Heal all' }).click();
  // Split in two: the leader's side is the smaller one.
  await page.getByRole('button', { name: 'Split in two' }).click();
  view = await viewOf(page);
  const reach = view.nodes.filter((n) => n.id !== leader && link(view, leader, n.id).up).length + 1;
  assert.ok(reach < view.nodes.length / 2, `the leader's side has ${reach} of ${view.nodes.length}`);
  // The default link for every link.
  await page.getByRole('button', { name: 'Heal all' }).click();
  await page.getByRole('combobox', { name: 'Link to edit' }).selectOption('default');
  await page.getByLabel('Latency min (ms)').fill('5');
  await page.getByLabel('Latency max (ms)').fill('7');
  await page.getByLabel('Duplication (%)').fill('1');
  await page.getByRole('button', { name: 'Apply to every link' }).click();
  view = await viewOf(page);
  assert.ok(view.links.every((l) => l.latencyMsMin === 5 && l.latencyMsMax === 7 && l.duplicatePpm === 10_000));

  assert.deepEqual(problems, []);
  await page.close();
});

test('settings: restart with 3 nodes and a seed; a teaching switch shows as a deliberate bug', async () => {
  const { page, problems } = await openPlayground(browser, { seed: 1 });
  await page.getByRole('tab', { name: 'Settings' }).click();
  const nodes = page.getByLabel('Nodes (voters)');
  const seed = page.getByLabel('Seed', { exact: true });
  assert.equal(await nodes.inputValue(), '5');
  assert.equal(await seed.inputValue(), '1');

  // Out of range: a clear message, the run is kept.
  await advance(page, 1000);
  await nodes.fill('12');
  await page.getByRole('button', { name: 'Restart with these settings' }).click();
  assert.match(await page.locator('.set-form').innerText(), /Nodes must be a whole number from 1 to 9/);
  assert.equal((await viewOf(page)).nodes.length, 5);
  assert.ok((await viewOf(page)).nowMs >= 1000, 'the same run (its clock was not reset)');

  // A combination the core refuses (lease reads without check-quorum): the banner, run kept.
  await nodes.fill('3');
  await page.getByRole('radio', { name: /^Lease-based/ }).check();
  await page.getByRole('checkbox', { name: /^Check-quorum/ }).uncheck();
  await page.getByRole('button', { name: 'Restart with these settings' }).click();
  assert.match(await page.getByRole('alert').first().innerText(), /lease reads need check-quorum/);
  assert.equal((await viewOf(page)).nodes.length, 5, 'the current run goes on');
  assert.ok((await viewOf(page)).nowMs >= 1000, 'the same run (its clock was not reset)');
  await page.getByRole('checkbox', { name: /^Check-quorum/ }).check();
  await page.getByRole('radio', { name: /^Read-index/ }).check();

  // The real restart: 3 nodes, seed 42, one teaching switch.
  await seed.fill('42');
  const bug = page.getByRole('checkbox', { name: /^no-persist-vote \(deliberate bug\)/ });
  await bug.check();
  await page.getByRole('button', { name: 'Restart with these settings' }).click();
  const view = await viewOf(page);
  assert.equal(view.nodes.length, 3);
  const config = await page.evaluate(() => window.raftlab.ctx.config);
  assert.equal(config.seed, 42);
  assert.deepEqual(config.unsafe_switches, ['no-persist-vote']);
  const current = await page.locator('.set-current').innerText();
  assert.match(current, /Seed\s+42/);
  assert.match(current, /BUG\s+no-persist-vote|bug\s+no-persist-vote/i);
  // Every switch the core knows is listed with its description, marked as a bug.
  const catalogue = JSON.parse(await page.evaluate(() => window.raftlab.ctx.bindings.unsafeSwitches()));
  assert.ok(catalogue.length >= 5);
  for (const { name, description } of catalogue) {
    const box = page.getByRole('checkbox', { name: `${name} (deliberate bug): ${description}`, exact: true });
    assert.equal(await box.count(), 1, name);
  }
  assert.equal(await bug.isChecked(), true, 'the form shows the run it started');
  // The new run works: a leader among the 3.
  await untilLeader(page);
  // "New random seed" fills a whole number (any u64), and a restart takes it exactly.
  await page.getByRole('button', { name: 'New random seed' }).click();
  const fresh = await seed.inputValue();
  assert.match(fresh, /^\d{1,20}$/);
  assert.ok(BigInt(fresh) <= 18446744073709551615n);
  await page.getByRole('button', { name: 'Restart with these settings' }).click();
  const started = await page.evaluate(() => /** @type {any} */ (window).raftlab.ctx.config.seed);
  assert.equal(String(started), fresh);

  assert.deepEqual(problems, []);
  await page.close();
});
