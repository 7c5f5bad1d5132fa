// The page and a native run of the same actions reach the same state hash: the test drives
// the page, takes its run as a scenario script (the tools module's `replayScript`), replays it with the
// native CLI (`$RAFTLAB_BIN run FILE`) and compares with the page's `state-hash`.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch } from './browser.mjs';
import { openPlayground, advance, viewOf, untilLeader } from './page.mjs';

const cli = process.env.RAFTLAB_BIN;
if (!cli) {
  throw new Error('RAFTLAB_BIN is not set: run these tests through `cargo xtask test` '
    + '(or point it at a raftlab binary, e.g. target/debug/raftlab)');
}

let browser;
let dir;
before(async () => {
  browser = await launch();
  dir = await mkdtemp(join(tmpdir(), 'raftlab-replay-'));
});
after(async () => {
  await browser?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** `raftlab run FILE` on `script`: its exit code and output. */
async function runNatively(script, name) {
  const file = join(dir, name);
  await writeFile(file, script);
  return new Promise((resolve) => {
    execFile(cli, ['run', file], { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? (error.code ?? -1) : 0, stdout, stderr });
    });
  });
}

/** Through the page's controller (for set-up the UI has no single control for). */
async function act(page, action) {
  const taken = await page.evaluate((a) => window.raftlab.ctx.act(a), action);
  assert.equal(taken, true, `action ${JSON.stringify(action)} taken`);
}

async function sendConsole(page, client, node, line) {
  const taken = await page.evaluate(([c, n, l]) => window.raftlab.ctx.sendConsole(c, n, l),
    [client, node, line]);
  assert.equal(taken, true, `console line ${JSON.stringify(line)} taken`);
}

async function shownHash(page) {
  await page.waitForFunction(() => {
    const ctx = window.raftlab.ctx;
    return document.querySelector('[data-testid="state-hash"]')?.textContent === ctx.playground.hash();
  });
  return page.textContent('[data-testid="state-hash"]');
}

test('a page run replayed natively from its script reaches the page\'s state hash', async () => {
  const { page, problems } = await openPlayground(browser, { seed: 7, nodes: 5 });
  const led = await untilLeader(page);
  const leader = led.leader;
  const follower = leader === 1 ? 2 : 1;
  const other = leader === 3 ? 4 : 3;

  // Typed into the console (the seed's line; --endpoints picks n1).
  const input = page.getByRole('textbox', { name: 'etcdctl command', exact: true });
  await input.fill('ETCDCTL_API=3 etcdctl --endpoints=http://localhost:2379 put mykey myvalue');
  await input.press('Enter');
  await advance(page, 300);
  // Hostile and odd lines: HTML, nested quotes, an odd count of double quotes (the script
  // writes that one as JSON), unicode, spaces at the ends.
  await sendConsole(page, 2, leader, `put "<script>alert('x')</script>" 'say "hi" (twice)'`);
  await sendConsole(page, 3, other, `put "<img src=x onerror=alert(1)>" 'one " quote'`);
  await sendConsole(page, 1, follower, 'put ключ "値 🙂"');
  await sendConsole(page, 2, leader, '   get mykey   ');
  await advance(page, 400);
  // Crash from the node panel, cut one direction in the link matrix, step with the button.
  await page.locator(`[data-node="${follower}"][role=button]`).first().click();
  await page.getByRole('button', { name: 'Crash', exact: true }).click();
  await page.getByRole('tab', { name: 'Network' }).click();
  const cell = page.getByRole('button', { name: `link n${leader} to n${other}`, exact: true });
  await cell.click();
  assert.equal(await cell.getAttribute('aria-pressed'), 'true');
  for (let i = 0; i < 3; i += 1) {
    await page.getByRole('button', { name: 'Step forward' }).click();
  }
  const inFlight = (await viewOf(page)).messages.filter((m) => !m.held);
  assert.ok(inFlight.length >= 2, 'messages in flight to hold and drop');
  await act(page, { kind: 'hold', message: inFlight[0].id });
  await act(page, { kind: 'drop', message: inFlight[1].id });
  for (let i = 0; i < 10; i += 1) {
    await sendConsole(page, 1 + (i % 2), leader, `put key${i} value${i}`);
    await advance(page, 100);
  }
  await act(page, { kind: 'release', message: inFlight[0].id });
  await cell.click();
  assert.equal(await cell.getAttribute('aria-pressed'), 'false');
  await page.getByRole('tab', { name: 'Node' }).click();
  await page.locator(`[data-node="${follower}"][role=button]`).first().click();
  await page.getByRole('button', { name: 'Restart', exact: true }).click();
  await advance(page, 1500);

  const pageHash = await shownHash(page);
  assert.match(pageHash ?? '', /^[0-9a-f]{16}$/);
  // The replay script is the on-demand wasm module's, from the run's scenario JSON, as the
  // Share & export dialog makes it (pkg/ is the same in www/ and dist).
  const script = await page.evaluate(async () => {
    const tools = await import(new URL('pkg/raftlab_tools.js', document.baseURI).href);
    await tools.default();
    return tools.replayScript(window.raftlab.ctx.playground.scenarioJson());
  });
  assert.match(script, /^act-json \{"kind":"console"/m, 'the odd lines are in the script');
  assert.match(script, /^run-to-step \d+ clock=\d+$/m);
  assert.ok(script.trimEnd().endsWith(`hash\n----\n${pageHash}`));

  const native = await runNatively(script, 'page-run.txt');
  assert.equal(native.code, 0, `native replay passes:\n${native.stdout}\n${native.stderr}`);
  assert.match(native.stdout, / 0 unmet expectations/);
  const nativeHash = native.stdout.match(/^state hash: ([0-9a-f]{16})$/m)?.[1];
  assert.equal(nativeHash, pageHash, 'the native run ends where the page is');

  // The comparison has teeth: the same script with one value changed fails natively.
  const tampered = script.replace('put key4 value4', 'put key4 value5');
  assert.notEqual(tampered, script);
  const failed = await runNatively(tampered, 'tampered.txt');
  assert.equal(failed.code, 1, failed.stdout);
  assert.match(failed.stdout, /output differs/);
  assert.doesNotMatch(failed.stdout, new RegExp(`^state hash: ${pageHash}$`, 'm'));

  assert.deepEqual(problems, []);
  await page.close();
});
