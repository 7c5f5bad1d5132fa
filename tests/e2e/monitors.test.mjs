// The monitors and history panels: the paper's Figure 8 with its teaching switch fires a safety
// monitor, the clock stops at the violating event by itself and the Monitors panel names the
// invariant and highlights the culprits (with the switch off, the same run stays quiet); and
// lease reads without check-quorum let a partitioned old leader serve a stale read, which the
// History panel's checker (in a Web Worker) calls not linearizable and highlights, while the
// same scenario with read-index stays linearizable. Set-up goes through `window.raftlab.ctx`
// (restart with a fixed seed, timed actions); the acceptance steps (Play, tabs, Check, focus on
// an operation) go through the UI, and verdicts are read from the DOM.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch } from './browser.mjs';
import { openPlayground } from './page.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** The Figure 8 schedule of tests/scripts/sim/switch_commit_old_term_by_count.txt (seed 6). */
const FIGURE8 = (() => {
  const cut = (from, to) => ({ kind: 'set-link-up', from, to, up: false });
  const restore = (from, to) => ({ kind: 'set-link-up', from, to, up: true });
  return [
    [0, { kind: 'fire-timer', node: 1 }], [300, cut(1, 2)], [300, cut(1, 3)],
    [300, { kind: 'propose', node: 1, data: 'e' }], [350, { kind: 'crash', node: 1 }],
    [400, { kind: 'fire-timer', node: 3 }], [435, cut(3, 2)], [600, { kind: 'crash', node: 3 }],
    [650, { kind: 'restart', node: 1 }], [650, restore(1, 2)], [700, { kind: 'fire-timer', node: 1 }],
    [800, { kind: 'fire-timer', node: 1 }], [935, { kind: 'crash', node: 2 }], [935, { kind: 'crash', node: 1 }],
    [940, { kind: 'restart', node: 2 }], [945, { kind: 'restart', node: 3 }], [945, restore(3, 2)],
    [995, { kind: 'fire-timer', node: 3 }], [1095, { kind: 'fire-timer', node: 3 }],
  ];
})();

/** Restarts the run with `config` and applies `plan` ([ms, action]) at its times, paused. */
async function setUp(page, config, plan) {
  await page.evaluate(({ config, plan }) => {
    const ctx = /** @type {any} */ (window).raftlab.ctx;
    ctx.pause();
    if (!ctx.restart(config)) throw new Error('restart refused');
    for (const [at, action] of plan) {
      const now = ctx.view.nowMs;
      if (at > now) ctx.advance(at - now);
      if (!ctx.act(action)) throw new Error(`action ${JSON.stringify(action)} refused at ${ctx.view.nowMs}`);
    }
  }, { config, plan });
}

/** Clicks Play at the fastest speed and waits until the clock stops by itself or passes `ms`. */
async function playUntil(page, ms) {
  await page.evaluate(() => /** @type {any} */ (window).raftlab.ctx.setSpeed(1000));
  await page.click('#play');
  await page.waitForFunction((limit) => {
    const ctx = /** @type {any} */ (window).raftlab.ctx;
    return !ctx.playing || ctx.view.nowMs >= limit;
  }, ms, { timeout: 20000 });
  await page.evaluate(() => /** @type {any} */ (window).raftlab.ctx.pause());
}

/** The lease scenario of tests/scripts/sim/kv_lease_stale_read.txt (seed 3), `lease` on or off. */
async function leaseScenario(page, lease) {
  await page.evaluate((lease) => {
    const ctx = /** @type {any} */ (window).raftlab.ctx;
    ctx.pause();
    ctx.restart({
      voters: 3, seed: 3, pre_vote: false, check_quorum: false, lease_reads: lease,
      unsafe_switches: lease ? ['lease-without-check-quorum'] : [],
    });
    ctx.advance(3000);
    if (ctx.view.leader !== 1) throw new Error(`expected n1 to lead, got ${ctx.view.leader}`);
    ctx.sendConsole(1, 1, 'put x 1');
    ctx.advance(300);
    ctx.act({ kind: 'partition', groups: [[1], [2, 3]] });
    ctx.act({ kind: 'fire-timer', node: 3 });
    ctx.advance(150);
    if (ctx.view.leader !== 3) throw new Error(`expected n3 to lead, got ${ctx.view.leader}`);
    ctx.sendConsole(2, 3, 'put x 2');
    ctx.advance(100);
    // The read goes to the old leader n1, cut off from the majority.
    ctx.sendConsole(3, 1, 'get x');
    ctx.advance(100);
  }, lease);
}

async function openTab(page, name) {
  await page.click(`#tab-${name}`);
  await page.waitForSelector(`#${name}-view:not([hidden])`);
}

async function verdictOf(page) {
  await page.waitForFunction(() => {
    const v = document.querySelector('[data-testid="history-verdict"]')?.getAttribute('data-verdict');
    return v === 'ok' || v === 'violation' || v === 'unknown' || v === 'error';
  }, null, { timeout: 20000 });
  return page.evaluate(() => {
    const v = /** @type {HTMLElement} */ (document.querySelector('[data-testid="history-verdict"]'));
    return { state: v.dataset.verdict, text: v.textContent };
  });
}

const FIGURE8_CONFIG = {
  voters: 3, seed: 6, pre_vote: false, check_quorum: false, msg_entries_max: 1, rule_monitors: false,
};

test('Figure 8 with its teaching switch: the monitor fires, the run pauses there and the panel names it', async () => {
  const { page, problems } = await openPlayground(browser, { seed: 6 });
  await setUp(page, { ...FIGURE8_CONFIG, unsafe_switches: ['commit-old-term-by-count'] }, FIGURE8);
  // Before it fires: every monitor on is quiet, the rule monitor 12 is off, and the panel lists
  // the whole catalogue (from the engine).
  await openTab(page, 'monitors');
  const before = await page.evaluate(() => ({
    summary: document.querySelector('[data-testid="monitors-summary"]').textContent,
    rows: [...document.querySelectorAll('#monitors-view .mon-row')].map((r) => [r.dataset.monitor, r.dataset.status]),
    notice: document.querySelector('[data-testid="monitor-violation"]').hidden,
  }));
  assert.equal(before.rows.length, 14, 'monitors 1-13 and the history checker');
  assert.ok(before.notice, 'no violation notice yet');
  assert.deepEqual(before.rows.find(([name]) => name.startsWith('12 ')), ['12 leaders commit only entries of their own term', 'off']);
  assert.deepEqual(before.rows.find(([name]) => name.startsWith('4 ')), ['4 leader completeness', 'ok']);

  // Another tab in front; Play (the UI) and let the run stop by itself.
  await openTab(page, 'logs');
  await playUntil(page, 5000);
  const state = await page.evaluate(() => {
    const ctx = /** @type {any} */ (window).raftlab.ctx;
    return { now: ctx.view.nowMs, violation: ctx.view.monitor.violation, highlight: ctx.highlight };
  });
  assert.ok(state.violation, 'a monitor fired');
  assert.equal(state.violation.invariant, '4 leader completeness');
  assert.equal(state.now, state.violation.atMs, 'paused at the violating event');
  assert.equal(state.now, 1129);

  // The page brought the Monitors tab forward and says what broke.
  await page.waitForSelector('#monitors-view:not([hidden]) [data-testid="monitor-violation"]:not([hidden])');
  const shown = await page.evaluate(() => ({
    tabSelected: document.querySelector('#tab-monitors').getAttribute('aria-selected'),
    title: document.querySelector('.mon-notice-title').textContent,
    nodes: document.querySelector('.mon-fact-nodes').textContent,
    indexes: document.querySelector('.mon-fact-indexes').textContent,
    evidence: document.querySelector('.mon-fact-evidence').textContent,
    why: document.querySelector('.mon-why').textContent,
    fired: [...document.querySelectorAll('#monitors-view .mon-row[data-status="fired"]')].map((r) => r.dataset.monitor),
  }));
  assert.equal(shown.tabSelected, 'true');
  assert.match(shown.title, /4 leader completeness/);
  assert.equal(shown.nodes, 'n3');
  assert.equal(shown.indexes, '2');
  assert.match(shown.evidence, /lacks committed entry 2@1/);
  assert.match(shown.why, /commit-old-term-by-count/);
  assert.deepEqual(shown.fired, ['4 leader completeness']);

  // Ring and logs highlight the culprits.
  await page.waitForFunction(() => /** @type {any} */ (window).raftlab.ctx.highlight.nodes.includes(3));
  assert.equal(await page.locator('#ring-view .ring-node.hl[data-node="3"]').count(), 1, 'n3 highlighted in the ring');
  await page.click('#monitors-view .mon-notice-buttons button:nth-child(2)'); // Show the logs
  await page.waitForSelector('#logs-view:not([hidden])');
  // The logs view draws when its tab shows (on its next frame).
  const hlCells = await page.locator('#logs-view .logs-entry.hl[data-index="2"]')
    .first().waitFor({ timeout: 5000 }).then(() => page.locator('#logs-view .logs-entry.hl[data-index="2"]').count(), () => 0);
  assert.ok(hlCells >= 1, 'index 2 highlighted in the logs');
  assert.equal(await page.locator('#logs-view .logs-entry.hl:not([data-index="2"])').count(), 0, 'only index 2');
  // The highlight toggle takes it away.
  await openTab(page, 'monitors');
  await page.click('#monitors-view .mon-notice-buttons button:nth-child(1)');
  await page.waitForFunction(() => /** @type {any} */ (window).raftlab.ctx.highlight.nodes.length === 0);
  assert.equal(await page.locator('#ring-view .ring-node.hl').count(), 0);
  assert.deepEqual(problems, []);
  await page.close();
});

test('Figure 8 with the switch off: the same run plays on and nothing fires', async () => {
  const { page, problems } = await openPlayground(browser, { seed: 6 });
  await setUp(page, { ...FIGURE8_CONFIG, unsafe_switches: [] }, FIGURE8);
  await openTab(page, 'monitors');
  await playUntil(page, 3000);
  const after = await page.evaluate(() => ({
    now: /** @type {any} */ (window).raftlab.ctx.view.nowMs,
    ok: /** @type {any} */ (window).raftlab.ctx.view.monitor.ok,
    notice: document.querySelector('[data-testid="monitor-violation"]').hidden,
    summary: document.querySelector('[data-testid="monitors-summary"]').textContent,
    fired: document.querySelectorAll('#monitors-view .mon-row[data-status="fired"]').length,
  }));
  assert.ok(after.now >= 3000, `the run went on (at ${after.now} ms)`);
  assert.ok(after.ok);
  assert.ok(after.notice, 'no violation notice');
  assert.equal(after.fired, 0);
  assert.match(after.summary, /quiet/);
  assert.deepEqual(problems, []);
  await page.close();
});

test('lease reads without check-quorum: the history shows the stale read as not linearizable', async () => {
  const { page, problems } = await openPlayground(browser, { seed: 3 });
  await leaseScenario(page, true);
  await openTab(page, 'history');
  const verdict = await verdictOf(page);
  assert.equal(verdict.state, 'violation', verdict.text);
  assert.match(verdict.text, /NOT linearizable/);
  // The offending read is highlighted: in the checker's proof, not placeable after the write.
  const read = page.locator('#history-view .hop.kind-read.failing.unplaced');
  assert.equal(await read.count(), 1);
  assert.match(await read.textContent(), /get → 1/);
  assert.equal(await page.locator('#history-view .hop.kind-write.failing.linearized').count(), 1);
  assert.match(await page.locator('#history-view .hist-explain').textContent(), /cannot be placed after it/);
  // Focusing the write shows the register before and after it (from the checker's report).
  await page.locator('#history-view .hop.linearized').focus();
  const detail = await page.locator('[data-testid="history-detail"]').textContent();
  assert.match(detail, /register before: any value .* after: "2"/);
  // The keyboard moves between operations (one Tab stop, arrows): Right from the write
  // reaches the stale read, whose details say why it does not fit.
  await page.keyboard.press('ArrowRight');
  assert.match(await page.locator('[data-testid="history-detail"]').textContent(), /register before: "2" .*cannot be placed/);
  // Check again through the button: the same verdict.
  await page.click('#history-view .hist-bar button:has-text("Check")');
  assert.equal((await verdictOf(page)).state, 'violation');
  assert.deepEqual(problems, []);
  await page.close();
});

test('with read-index instead, the same scenario is linearizable', async () => {
  const { page, problems } = await openPlayground(browser, { seed: 3 });
  await leaseScenario(page, false);
  await openTab(page, 'history');
  const verdict = await verdictOf(page);
  assert.equal(verdict.state, 'ok', verdict.text);
  assert.match(verdict.text, /^Linearizable/);
  assert.equal(await page.locator('#history-view .hop.failing').count(), 0);
  assert.equal(await page.locator('#history-view .hop').count(), 2, 'the two writes; the unanswered read constrains nothing');
  assert.match(await page.locator('#history-view .hist-note').textContent(), /left out/);
  assert.deepEqual(problems, []);
  await page.close();
});

test('a long check can be cancelled and the worker comes back for the next one', async () => {
  const { page, problems } = await openPlayground(browser, { seed: 3 });
  await leaseScenario(page, true);
  await openTab(page, 'history');
  await verdictOf(page);
  // Check, then cancel at once (before the worker can answer): no verdict, the button off.
  const cancelled = await page.evaluate(async () => {
    const button = [...document.querySelectorAll('#history-view .hist-bar button')].find((b) => b.textContent === 'Cancel');
    const check = [...document.querySelectorAll('#history-view .hist-bar button')].find((b) => b.textContent === 'Check');
    check.click();
    const v = document.querySelector('[data-testid="history-verdict"]');
    const wasChecking = v.getAttribute('data-verdict');
    button.click();
    return { wasChecking, after: v.getAttribute('data-verdict'), disabled: button.disabled };
  });
  assert.equal(cancelled.wasChecking, 'checking');
  assert.equal(cancelled.after, 'cancelled');
  assert.ok(cancelled.disabled);
  await page.click('#history-view .hist-bar button:has-text("Check")');
  assert.equal((await verdictOf(page)).state, 'violation');
  assert.deepEqual(problems, []);
  await page.close();
});

test('on a phone, a pinned notice leads to the panel far below the ring', async () => {
  const { page, problems } = await openPlayground(browser, { seed: 6 }, { width: 390, height: 844 });
  await setUp(page, { ...FIGURE8_CONFIG, unsafe_switches: ['commit-old-term-by-count'] }, FIGURE8);
  await page.evaluate(() => window.scrollTo(0, 0));
  await playUntil(page, 5000);
  const toast = page.locator('[data-testid="monitor-toast"]');
  await toast.waitFor({ state: 'visible' });
  assert.match(await toast.textContent(), /4 leader completeness/);
  await toast.locator('button', { hasText: 'Show what broke' }).click();
  assert.ok(await toast.isHidden());
  const inView = await page.evaluate(() => {
    const box = document.querySelector('[data-testid="monitor-violation"]').getBoundingClientRect();
    return box.top >= 0 && box.top < window.innerHeight;
  });
  assert.ok(inView, 'the violation notice is scrolled into view');
  assert.deepEqual(problems, []);
  await page.close();
});

test('a checker worker that cannot load is reported in the panel, not silently', async () => {
  const { page, problems } = await openPlayground(browser, { seed: 3 });
  await page.route('**/check-worker.js', (route) => route.fulfill({ status: 404, body: 'gone' }));
  await leaseScenario(page, true);
  await openTab(page, 'history');
  const verdict = await verdictOf(page);
  assert.equal(verdict.state, 'error');
  const alert = page.locator('#history-view .hist-error');
  assert.ok(await alert.isVisible());
  assert.match(await alert.textContent(), /worker/);
  // The only console error is the browser's own note about the missing file.
  assert.ok(problems.every((p) => /404|Failed to load|check-worker/i.test(p)), problems.join('\n'));
  await page.close();
});
