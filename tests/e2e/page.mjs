// Helpers shared by the playground's browser tests: open the page on a fixed seed with the
// clock paused, move virtual time, and read the view model through the page's test handle
// (`window.raftlab`, documented in README). Acceptance steps themselves go through the UI.

import { baseUrl, openPage } from './browser.mjs';

/**
 * Opens the playground with `params` (e.g. { seed: 7, nodes: 5 }) and `autoplay=0`, so the run
 * starts paused at time 0 (the same state on every run), and skips the first-visit hint.
 * @param {import('playwright-core').Browser} browser
 * @param {Record<string, string | number>} [params]
 * @param {{ width?: number, height?: number }} [size]
 */
export async function openPlayground(browser, params = { seed: 1 }, size) {
  const { page, problems } = await openPage(browser);
  if (size) await page.setViewportSize({ width: size.width ?? 1280, height: size.height ?? 800 });
  await page.addInitScript(() => {
    try { localStorage.setItem('raftlab.firstVisitDone', '1'); } catch { /* ignore */ }
  });
  const url = new URL(baseUrl);
  url.searchParams.set('autoplay', '0');
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, String(value));
  await page.goto(url.toString(), { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('body[data-state="ready"]', { timeout: 60000 });
  await page.evaluate(() => /** @type {any} */ (window).raftlab.ctx.pause());
  return { page, problems };
}

/** Runs `ms` virtual ms at once (the clock stays paused). */
export async function advance(page, ms) {
  return page.evaluate((n) => /** @type {any} */ (window).raftlab.ctx.advance(n), ms);
}

/** The current view model (a plain copy). */
export async function viewOf(page) {
  return page.evaluate(() => /** @type {any} */ (window).raftlab.ctx.view);
}

/**
 * Advances in 100 ms slices until `predicate(view)` holds (evaluated in Node), at most
 * `limitMs` virtual ms; returns the view that satisfied it, or throws saying what was waited for.
 */
export async function advanceUntil(page, predicate, what, limitMs = 20000) {
  for (let spent = 0; spent <= limitMs; spent += 100) {
    const view = await viewOf(page);
    if (predicate(view)) return view;
    await advance(page, 100);
  }
  throw new Error(`waited ${limitMs} virtual ms for ${what}`);
}

/** Advances until a leader is known and returns the view. */
export async function untilLeader(page, limitMs = 20000) {
  return advanceUntil(page, (view) => view.leader !== undefined, 'a leader', limitMs);
}
