// The page loads the wasm core, shows the version Rust reported, and fails visibly when it cannot.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, baseUrl, distUrl, expectedVersion } from './browser.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function expectReady(url) {
  const { page, problems } = await openPage(browser);
  const response = await page.goto(url);
  assert.equal(response?.status(), 200, `GET ${url}`);
  await page.waitForSelector('body[data-state="ready"]', { timeout: 15000 });
  const version = await page.textContent('[data-testid="core-version"]');
  await page.waitForFunction(() => /^[0-9a-f]{16}$/.test(document.querySelector('[data-testid="state-hash"]')?.textContent ?? ''));
  const seed = await page.textContent('[data-testid="state-hash"]');
  await page.close();
  return { version, seed, problems };
}

test('the page initialises the wasm and shows the version Rust reported', async () => {
  const { version, seed, problems } = await expectReady(baseUrl);
  assert.ok(expectedVersion, 'the harness passes the Cargo version');
  assert.equal(version, expectedVersion);
  assert.match(seed ?? '', /^[0-9a-f]{16}$/);
  assert.deepEqual(problems, []);
});

test('the .wasm is served as application/wasm', async () => {
  const response = await fetch(new URL('pkg/raftlab_bg.wasm', baseUrl));
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'application/wasm');
});

test('the dist build works from a sub-path, as on GitHub Pages', async () => {
  assert.ok(distUrl, 'the harness serves dist at a sub-path');
  assert.notEqual(new URL(distUrl).pathname, '/');
  const { version, problems } = await expectReady(distUrl);
  assert.equal(version, expectedVersion);
  assert.deepEqual(problems, []);
});

test('a wasm that cannot be fetched shows the error panel, not a hung spinner', async () => {
  const { page } = await openPage(browser);
  await page.route('**/*.wasm', (route) => route.fulfill({ status: 404, body: 'gone' }));
  await page.goto(baseUrl);
  await page.waitForSelector('body[data-state="error"]', { timeout: 15000 });
  assert.equal(await page.isVisible('#load-error'), true);
  assert.equal(await page.isVisible('#loading'), false);
  const message = await page.textContent('#load-error-message');
  assert.ok(message && message.length > 10, `a readable message, got: ${message}`);
  await page.close();
});

test('the Content-Security-Policy forbids inline scripts and eval', async () => {
  const { page } = await openPage(browser);
  await page.goto(baseUrl);
  const csp = await page.getAttribute('meta[http-equiv="Content-Security-Policy"]', 'content');
  assert.match(csp ?? '', /script-src 'self' 'wasm-unsafe-eval'/);
  assert.doesNotMatch(csp ?? '', /unsafe-inline|'unsafe-eval'/);
  // An inline script injected into the DOM must be refused by the policy, not run.
  const outcome = await page.evaluate(() => new Promise((resolve) => {
    document.addEventListener('securitypolicyviolation', (event) => resolve(event.effectiveDirective));
    const script = document.createElement('script');
    script.textContent = 'window.__raftlabInlineRan = true;';
    document.head.append(script);
    setTimeout(() => resolve(window.__raftlabInlineRan ? 'inline script ran' : 'no violation reported'), 2000);
  }));
  assert.match(String(outcome), /^script-src/);
  await page.close();
});
