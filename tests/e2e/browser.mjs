// Shared set-up for the browser tests: Debian's Chromium driven by playwright-core, with the
// flags this closed network needs (see ../shared/docs/TOOLCHAIN.md).

import { chromium } from 'playwright-core';

export const baseUrl = process.env.RAFTLAB_URL;
export const distUrl = process.env.RAFTLAB_DIST_URL;
export const expectedVersion = process.env.RAFTLAB_EXPECTED_VERSION;

if (!baseUrl) {
  throw new Error('RAFTLAB_URL is not set: run these tests through `cargo xtask test`');
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.RAFTLAB_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/**
 * Opens a page that records console errors and page errors (uncaught exceptions).
 * @param {import('playwright-core').Browser} browser
 */
export async function openPage(browser) {
  const page = await browser.newPage();
  // A CI machine can be busy (2 cores shared with builds): give navigation and waits room, so
  // a slow machine is not mistaken for a broken page (a test still fails on a real hang).
  page.setDefaultNavigationTimeout(90_000);
  page.setDefaultTimeout(60_000);
  const problems = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  return { page, problems };
}
