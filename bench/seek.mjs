// Time travel's benchmark, in headless Chromium (playwright-core) against a served page.
// Prints numbers; asserts nothing.
//
// One hour of simulated time on the page's engine (5 nodes, one client sending 10 puts per
// virtual second, as bench/page.mjs (b)), then:
//   - the JS heap (performance.memory, after a forced GC) and the wasm memory (the module's
//     linear memory buffer) after that hour; goal: together under 64 MB;
//   - seeks to random moments of the hour (a fixed pseudo-random sequence): the engine alone
//     (`playground.seekMs`) and through the page (`ctx.seek`: the seek and every view's render),
//     p50 / p95 / max; goal: p95 under 16 ms (one frame);
//   - "Step back" (`playground.stepBack`) near the end of the hour and at random moments.
//
// Usage: cargo xtask serve --port 8111 &  then
//        node bench/seek.mjs http://127.0.0.1:8111/   (or RAFTLAB_URL=...; RAFTLAB_CHROMIUM points
//        at Chromium, default /usr/bin/chromium; BENCH_MINUTES=60 sets the run's length,
//        BENCH_SEEKS=200 the number of seeks)
import { chromium } from 'playwright-core';

const url = process.argv[2] ?? process.env.RAFTLAB_URL;
if (!url) {
  console.error('usage: node bench/seek.mjs URL   (or set RAFTLAB_URL), e.g. http://127.0.0.1:8111/');
  process.exit(2);
}
const minutes = Number(process.env.BENCH_MINUTES ?? 60);
const seeks = Number(process.env.BENCH_SEEKS ?? 200);

function percentiles(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  return { p50: at(0.5), p95: at(0.95), max: sorted[sorted.length - 1] ?? NaN, n: sorted.length };
}
const line = (name, v) => console.log(
  `${name}: p50 ${v.p50.toFixed(2)} ms, p95 ${v.p95.toFixed(2)} ms, max ${v.max.toFixed(2)} ms (n=${v.n})`);
const mb = (bytes) => `${(bytes / 1048576).toFixed(1)} MB`;

const browser = await chromium.launch({
  executablePath: process.env.RAFTLAB_CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run',
    '--enable-precise-memory-info', '--js-flags=--expose-gc'],
});
const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
const errors = [];
page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
page.on('pageerror', (e) => errors.push(e.message));
await page.addInitScript(() => {
  try { localStorage.setItem('raftlab.firstVisitDone', '1'); } catch { /* ignore */ }
});
const target = new URL(url);
target.searchParams.set('seed', '1');
target.searchParams.set('nodes', '5');
target.searchParams.set('autoplay', '0');
await page.goto(target.toString());
await page.waitForSelector('body[data-state="ready"]', { timeout: 60000 });

const result = await page.evaluate(async ({ minutes, seeks }) => {
  const { ctx } = /** @type {any} */ (window).raftlab;
  ctx.pause();
  const p = ctx.playground;
  p.advanceMs(3000);
  const leader = p.view().leader ?? 1;
  const started = performance.now();
  const slices = minutes * 600;
  for (let i = 0; i < slices; i++) {
    p.advanceMs(100);
    p.console(1, leader, `put key-${i % 50} value-${i}`);
  }
  const runWallMs = performance.now() - started;
  ctx.refresh();
  const endMs = p.endMs();
  /** @type {any} */ (window).gc?.();
  const exports = await ctx.bindings.default();
  const memory = {
    jsUsed: performance.memory?.usedJSHeapSize ?? NaN,
    jsTotal: performance.memory?.totalJSHeapSize ?? NaN,
    wasm: exports.memory.buffer.byteLength,
  };
  // A fixed pseudo-random sequence of targets over the whole run.
  let state = 12345;
  const random = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  const engine = [];
  const pageSeeks = [];
  for (let i = 0; i < seeks; i++) {
    const t = Math.floor(random() * endMs);
    const a = performance.now();
    p.seekMs(t);
    engine.push(performance.now() - a);
    const u = Math.floor(random() * endMs);
    const b = performance.now();
    ctx.seek(u);
    pageSeeks.push(performance.now() - b);
  }
  // Step back: at the end of the hour, then at random moments.
  ctx.seek(endMs);
  const backEnd = [];
  for (let i = 0; i < 50; i++) {
    const a = performance.now();
    p.stepBack();
    backEnd.push(performance.now() - a);
  }
  const backRandom = [];
  for (let i = 0; i < 50; i++) {
    p.seekMs(Math.floor(random() * endMs));
    const a = performance.now();
    p.stepBack();
    backRandom.push(performance.now() - a);
  }
  const moments = ['election', 'commit', 'answer', 'violation'].map((k) => [k, p.moments(k).length]);
  return {
    runWallMs, endMs, endStep: p.endStep(), memory, engine, pageSeeks, backEnd, backRandom, moments,
    viewBytes: p.viewJson().length,
  };
}, { minutes, seeks });

console.log(`run: ${minutes} virtual min (5 nodes, 10 puts per virtual s), ${result.endStep} steps, ` +
  `${(result.runWallMs / 1000).toFixed(1)} s wall (${(result.endMs / result.runWallMs).toFixed(0)} sim s per wall s)`);
console.log(`memory after the run: JS heap used ${mb(result.memory.jsUsed)} (total ${mb(result.memory.jsTotal)}), ` +
  `wasm memory ${mb(result.memory.wasm)}; JS used + wasm ${mb(result.memory.jsUsed + result.memory.wasm)} (goal < 64 MB)`);
line('seek to a random moment, engine alone (seekMs)', percentiles(result.engine));
line('seek to a random moment, through the page (ctx.seek: seek + every view renders)', percentiles(result.pageSeeks));
line('step back at the end of the run (stepBack)', percentiles(result.backEnd));
line('step back at a random moment (stepBack)', percentiles(result.backRandom));
console.log(`moments indexed: ${result.moments.map(([k, n]) => `${k} ${n}`).join(', ')}`);
if (errors.length) console.log(`console errors: ${errors.slice(0, 3).join(' | ')}`);
await browser.close();
