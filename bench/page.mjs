// The playground page's benchmark, in headless Chromium (playwright-core) against a served page.
// Prints numbers; asserts nothing.
//
//   (0) Loading: from navigation to the page ready (wasm compiled, first frame drawn) and to the
//       first leader drawn in the cluster picture, on a fresh page with its defaults (3 nodes,
//       playing at speed 0.2, so the election timeout itself is most of it), median of 5 loads.
//   (a) Frame time with 9 nodes, 2,000-entry logs and many messages in flight (slow links, a
//       client writing every 100 virtual ms), playing at speed 1 (messages visibly move): the
//       work of each animation frame (all requestAnimationFrame callbacks of one frame: the
//       controller's advance + view, every view's render) and the wall time between frames.
//   (b) Simulated seconds per wall second, 5 nodes, one client sending 10 requests per virtual
//       second (advance 100 ms, send a put, repeat, over 60 virtual s; then ten warm minutes
//       each timed, median, best and worst): the engine alone (the
//       page's `playground`, as a headless model is measured; three minutes in a row, the first
//       on a cold page whose wasm is not yet optimized) and through the page's controller (each
//       step also renders every view).
//   (d) The JS heap (after a forced GC) and the wasm linear memory after a long run through the
//       page's controller: 5 nodes, 10 simulated minutes of client writes, every view rendered
//       after each simulated second.
//
// Usage: cargo xtask serve --port 8101 &  then
//        node bench/page.mjs http://127.0.0.1:8101/     (or RAFTLAB_URL=...; RAFTLAB_CHROMIUM
//        points at Chromium, default /usr/bin/chromium; BENCH_FRAME_SECONDS=10 sets (a)'s length)
import { chromium } from 'playwright-core';

const url = process.argv[2] ?? process.env.RAFTLAB_URL;
if (!url) {
  console.error('usage: node bench/page.mjs URL   (or set RAFTLAB_URL), e.g. http://127.0.0.1:8101/');
  process.exit(2);
}
const frameSeconds = Number(process.env.BENCH_FRAME_SECONDS ?? 10);

function percentiles(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  return { p50: at(0.5), p95: at(0.95), max: sorted[sorted.length - 1] ?? NaN, n: sorted.length };
}
const ms = (v) => `${v.toFixed(2)} ms`;

const browser = await chromium.launch({
  executablePath: process.env.RAFTLAB_CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run',
    '--enable-precise-memory-info', '--js-flags=--expose-gc'],
});

/** Opens the page on `params`, paused, with every rAF callback timed per frame. */
async function open(params) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.addInitScript(() => {
    try { localStorage.setItem('raftlab.firstVisitDone', '1'); } catch { /* ignore */ }
    // Time the callbacks of each animation frame (they share the frame's timestamp).
    const frames = new Map();
    const original = window.requestAnimationFrame.bind(window);
    window.requestAnimationFrame = (callback) => original((now) => {
      const start = performance.now();
      try {
        callback(now);
      } finally {
        frames.set(now, (frames.get(now) ?? 0) + performance.now() - start);
      }
    });
    /** @type {any} */ (window).__benchFrames = frames;
  });
  const target = new URL(url);
  for (const [k, v] of Object.entries(params)) target.searchParams.set(k, String(v));
  await page.goto(target.toString());
  await page.waitForSelector('body[data-state="ready"]', { timeout: 30000 });
  await page.evaluate(() => /** @type {any} */ (window).raftlab.ctx.pause());
  return { page, errors };
}

// ----- (0) load to the first leader drawn -----
{
  const loads = [];
  for (let i = 0; i < 5; i++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.addInitScript(() => {
      try { localStorage.setItem('raftlab.firstVisitDone', '1'); } catch { /* ignore */ }
      // Checked once per frame: when the page says it is ready, when the picture shows a leader.
      const times = {};
      /** @type {any} */ (window).__benchLoad = times;
      const look = () => {
        if (times.ready === undefined && document.body?.dataset.state === 'ready') times.ready = performance.now();
        const caption = document.querySelector('.ring-caption')?.textContent ?? '';
        if (times.leader === undefined && caption.startsWith('leader ')) times.leader = performance.now();
        if (times.leader === undefined) requestAnimationFrame(look);
      };
      requestAnimationFrame(look);
    });
    await page.goto(url);
    await page.waitForFunction(() => /** @type {any} */ (window).__benchLoad.leader !== undefined,
      null, { timeout: 60000 });
    loads.push(await page.evaluate(() => /** @type {any} */ (window).__benchLoad));
    await context.close();
  }
  const ready = percentiles(loads.map((l) => l.ready));
  const leader = percentiles(loads.map((l) => l.leader));
  console.log(`(0) load, fresh page with its defaults (3 nodes, playing at speed 0.2, so the ~1.2 virtual s ` +
    `of the first election take ~6 s), ${loads.length} loads: ` +
    `ready (wasm compiled, first frame) median ${ms(ready.p50)}; first leader drawn median ${ms(leader.p50)} ` +
    `(max ${ms(leader.max)})`);
}

// ----- (a) frame time, 9 nodes -----
{
  const { page, errors } = await open({ seed: 3, nodes: 9 });
  const setup = await page.evaluate(() => {
    const ctx = /** @type {any} */ (window).raftlab.ctx;
    const p = ctx.playground;
    for (let i = 0; i < 100 && ctx.view.leader === undefined; i++) ctx.advance(100);
    const leader = ctx.view.leader;
    for (let i = 0; i < 2000; i++) {
      if (i % 2 === 0) p.apply({ kind: 'propose', node: leader, data: `entry number ${i}` });
      else p.console(1 + (i % 7), leader, `put key-${Math.floor(i / 2) % 300} value-${i}`);
      if (i % 100 === 0) p.advanceMs(20);
    }
    p.advanceMs(2000);
    // Slow links: many messages on the wire at once.
    p.apply({ kind: 'set-default-link',
      link: { up: true, latency_ms_min: 150, latency_ms_max: 450, loss_ppm: 0, duplicate_ppm: 0 } });
    p.advanceMs(500);
    ctx.refresh();
    const v = ctx.view;
    return { leader, lastIndex: v.nodes[0].lastIndex, keys: v.kv[0].keyCount, messages: v.messages.length };
  });
  // A client writes every 100 virtual ms while the page plays at speed 1.
  const played = await page.evaluate(async ([seconds, leader]) => {
    const w = /** @type {any} */ (window);
    const ctx = w.raftlab.ctx;
    ctx.setSpeed(1);
    let n = 0;
    const writer = setInterval(() => ctx.playground.console(1 + (n % 7), leader, `put hot-${n++ % 50} v${n}`), 100);
    w.__benchFrames.clear();
    const startMs = ctx.view.nowMs;
    const started = performance.now();
    const inFlight = [];
    ctx.play();
    const sampler = setInterval(() => inFlight.push(ctx.view.messages.length), 250);
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    ctx.pause();
    clearInterval(writer);
    clearInterval(sampler);
    const stamps = [...w.__benchFrames.keys()].sort((a, b) => a - b);
    const intervals = stamps.slice(1).map((t, i) => t - stamps[i]);
    return {
      work: [...w.__benchFrames.values()],
      intervals,
      virtualMs: ctx.view.nowMs - startMs,
      wallMs: performance.now() - started,
      inFlight,
    };
  }, [frameSeconds, setup.leader]);
  const work = percentiles(played.work.slice(5));
  const gaps = percentiles(played.intervals.slice(5));
  const flying = percentiles(played.inFlight);
  console.log(`(a) 9 nodes, last index ${setup.lastIndex}, ${setup.keys} keys, ` +
    `messages in flight p50 ${flying.p50} (max ${flying.max}), speed 1, ${frameSeconds} s: ` +
    `${work.n} frames, ${(played.virtualMs / 1000).toFixed(1)} virtual s`);
  console.log(`    frame work (all rAF callbacks of a frame): p50 ${ms(work.p50)}, p95 ${ms(work.p95)}, max ${ms(work.max)}`);
  console.log(`    time between frames:                       p50 ${ms(gaps.p50)}, p95 ${ms(gaps.p95)}`);
  if (errors.length) console.log(`    console errors: ${errors.slice(0, 3).join(' | ')}`);
  await page.close();
}

// ----- (b) simulated seconds per wall second, 5 nodes, 10 requests per virtual second -----
{
  const { page, errors } = await open({ seed: 5, nodes: 5 });
  const result = await page.evaluate(() => {
    const ctx = /** @type {any} */ (window).raftlab.ctx;
    for (let i = 0; i < 100 && ctx.view.leader === undefined; i++) ctx.advance(100);
    const leader = ctx.view.leader ?? 1;
    const runs = {};
    // The engine alone: the page's playground, no view between steps (a model measured
    // headless). Three minutes in a row: V8 first runs wasm from its baseline compiler and
    // moves hot functions to the optimizing one as they run, so the first is a cold page.
    for (const name of ['engine', 'engine2', 'engine3']) {
      const p = ctx.playground;
      const startMs = p.nowMs();
      const started = performance.now();
      for (let i = 0; i < 600; i++) {
        p.advanceMs(100);
        p.console(1, leader, `put key-${i % 50} value-${i}`);
      }
      runs[name] = { virtualMs: p.nowMs() - startMs, wallMs: performance.now() - started };
    }
    // Through the controller: every advance and every line also renders every view.
    {
      ctx.refresh();
      const startMs = ctx.view.nowMs;
      const started = performance.now();
      for (let i = 0; i < 600; i++) {
        ctx.advance(100);
        ctx.sendConsole(1, leader, `put key-${i % 50} value-${i}`);
      }
      runs.page = { virtualMs: ctx.view.nowMs - startMs, wallMs: performance.now() - started };
    }
    // Warm (after the page's minute, so that one runs on the state it always ran on): ten
    // more minutes of the engine alone, each timed. One minute is about 50 ms of wall time
    // here, short enough for a collection or a tier-up to halve it, so the minutes' median
    // and best are the figures to read against the 4,650 target.
    {
      const p = ctx.playground;
      const rates = [];
      for (let minute = 0; minute < 10; minute++) {
        const startMs = p.nowMs();
        const started = performance.now();
        for (let i = 0; i < 600; i++) {
          p.advanceMs(100);
          p.console(1, leader, `put key-${i % 50} value-${i}`);
        }
        rates.push((p.nowMs() - startMs) / (performance.now() - started));
      }
      rates.sort((a, b) => a - b);
      runs.warm = { median: (rates[4] + rates[5]) / 2, best: rates[9], worst: rates[0] };
    }
    const ops = ctx.view.clients.find((c) => c.client === 1);
    runs.answered = ops ? ops.ops.filter((o) => o.state === 'done').length : 0;
    return runs;
  });
  for (const [name, r] of [['engine alone (playground), cold page', result.engine],
    ['engine alone, second minute', result.engine2], ['engine alone, third minute', result.engine3],
    ['through the page (views render)', result.page]]) {
    const rate = r.virtualMs / r.wallMs;
    console.log(`(b) 5 nodes, 10 puts per virtual s, ${(r.virtualMs / 1000).toFixed(0)} virtual s, ${name}: ` +
      `${r.wallMs.toFixed(0)} ms wall, ${rate.toFixed(0)} sim s per wall s`);
  }
  const w = result.warm;
  console.log('(b) 5 nodes, 10 puts per virtual s, engine alone, warm, ten minutes each timed: ' +
    `median ${w.median.toFixed(0)}, best ${w.best.toFixed(0)}, worst ${w.worst.toFixed(0)} sim s per wall s`);
  if (errors.length) console.log(`    console errors: ${errors.slice(0, 3).join(' | ')}`);
  await page.close();
}

// (c) Playing at the top speed (1000×) with the page drawing every frame: how much virtual time
// the page covers per wall second when each frame spends its engine budget, 5 nodes with a
// 2,000-entry log and 300 keys (no client: the page sends nothing while it plays).
{
  const { page, errors } = await open({ seed: 7, nodes: 5 });
  const result = await page.evaluate(async () => {
    const { ctx } = /** @type {any} */ (window).raftlab;
    ctx.pause();
    while (ctx.view.leader === undefined) ctx.advance(100);
    const leader = ctx.view.leader;
    for (let i = 0; i < 2000; i++) {
      ctx.playground.console(1 + (i % 5), leader, `put key-${i % 300} value-${i}`);
      if (i % 50 === 0) ctx.playground.advanceMs(60);
    }
    ctx.advance(3000);
    ctx.setSpeed(1000);
    const startMs = ctx.view.nowMs;
    const frames = [];
    let last = 0;
    const sample = (t) => { if (last) frames.push(t - last); last = t; if (ctx.playing) requestAnimationFrame(sample); };
    requestAnimationFrame(sample);
    const started = performance.now();
    ctx.play();
    await new Promise((resolve) => setTimeout(resolve, 5000));
    ctx.pause();
    frames.sort((a, b) => a - b);
    return {
      virtualMs: ctx.view.nowMs - startMs,
      wallMs: performance.now() - started,
      frameP50: frames[Math.floor(frames.length * 0.5)],
      frameP95: frames[Math.floor(frames.length * 0.95)],
    };
  });
  console.log(`(c) 5 nodes, 2,000-entry logs, playing at 1000× for ${(result.wallMs / 1000).toFixed(1)} s: ` +
    `${(result.virtualMs / result.wallMs).toFixed(0)} sim s per wall s; time between frames p50 ` +
    `${result.frameP50.toFixed(1)} ms, p95 ${result.frameP95.toFixed(1)} ms`);
  if (errors.length) console.log(`    console errors: ${errors.slice(0, 3).join(' | ')}`);
  await page.close();
}

// (d) JS heap and wasm memory after a long run through the page's controller.
{
  const { page, errors } = await open({ seed: 11, nodes: 5 });
  const result = await page.evaluate(async () => {
    const { ctx } = /** @type {any} */ (window).raftlab;
    for (let i = 0; i < 100 && ctx.view.leader === undefined; i++) ctx.advance(100);
    const leader = ctx.view.leader ?? 1;
    const started = performance.now();
    for (let i = 0; i < 6000; i++) {
      ctx.playground.advanceMs(100);
      ctx.playground.console(1, leader, `put key-${i % 50} value-${i}`);
      if (i % 10 === 9) ctx.refresh();
    }
    const wallMs = performance.now() - started;
    /** @type {any} */ (window).gc?.();
    const exports = await ctx.bindings.default();
    return {
      wallMs,
      nowMs: ctx.view.nowMs,
      jsUsed: performance.memory?.usedJSHeapSize ?? NaN,
      wasm: exports.memory.buffer.byteLength,
    };
  });
  const mb = (bytes) => `${(bytes / 1048576).toFixed(1)} MB`;
  console.log(`(d) after ${(result.nowMs / 60000).toFixed(0)} simulated minutes through the page (5 nodes, ` +
    `10 writes per simulated s, views rendered each simulated s; ${(result.wallMs / 1000).toFixed(1)} s wall): ` +
    `JS heap used ${mb(result.jsUsed)}, wasm memory ${mb(result.wasm)}`);
  if (errors.length) console.log(`    console errors: ${errors.slice(0, 3).join(' | ')}`);
  await page.close();
}

await browser.close();
