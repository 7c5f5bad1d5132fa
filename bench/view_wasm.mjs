// Times the page's per-frame read, `playground.view()`, compiled to wasm (Node): 5 and 9
// nodes, 2,000-entry logs, a few hundred keys, many messages in flight (slow links, some held),
// default view bounds. Also times the parts (state hash, JSON text) to show where time goes,
// and `viewChanges(false)`, what the page's controller reads each frame while playing.
// Prints numbers; asserts nothing.
// Usage: cargo xtask build && node bench/view_wasm.mjs   (RAFTLAB_WASM_NODE overrides the module)
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const modulePath = process.env.RAFTLAB_WASM_NODE
  ?? fileURLToPath(new URL('../target/wasm-node/raftlab.js', import.meta.url));
const core = createRequire(import.meta.url)(modulePath);

function percentiles(times) {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { p50: at(0.5), p95: at(0.95) };
}

function time(label, runs, fn) {
  for (let i = 0; i < 50; i++) fn();
  const times = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    fn();
    times.push(performance.now() - start);
  }
  const { p50, p95 } = percentiles(times);
  console.log(`  ${label.padEnd(34)} p50 ${p50.toFixed(3)} ms  p95 ${p95.toFixed(3)} ms`);
  return { p50, p95 };
}

/** A busy cluster: `voters` nodes, ~2,000 log entries, ~300 keys, slow links, held messages. */
export function busyPlayground(voters) {
  const playground = new core.Playground({ voters, seed: 3 });
  playground.advanceMs(3000);
  const leader = playground.view().leader;
  if (leader === undefined) throw new Error('no leader by 3 s');
  for (let i = 0; i < 2000; i++) {
    if (i % 2 === 0) {
      playground.apply({ kind: 'propose', node: leader, data: `entry number ${i}` });
    } else {
      playground.console(1 + (i % 7), leader, `put key-${Math.floor(i / 2) % 300} value-${i}`);
    }
    if (i % 100 === 0) playground.advanceMs(20);
  }
  playground.advanceMs(2000);
  // Slow links keep many messages on the wire; hold a few too.
  playground.apply({
    kind: 'set-default-link',
    link: { up: true, latency_ms_min: 150, latency_ms_max: 450, loss_ppm: 0, duplicate_ppm: 0 },
  });
  for (let i = 0; i < 20; i++) {
    playground.console(1 + (i % 7), leader, `put hot-${i} ${'v'.repeat(30)}`);
    playground.advanceMs(37);
  }
  let held = 0;
  for (const message of playground.view().messages) {
    if (held >= 10) break;
    playground.apply({ kind: 'hold', message: message.id });
    held++;
  }
  return playground;
}

const results = {};
for (const voters of [5, 9]) {
  const playground = busyPlayground(voters);
  const view = playground.view();
  const keys = view.kv[0].keyCount;
  console.log(`${voters} nodes: last index ${view.nodes[0].lastIndex}, ${keys} keys, ` +
    `${view.messages.length} messages in flight, ${playground.viewJson().length} bytes of view JSON`);
  results[voters] = time('view()', 200, () => playground.view());
  time('hash()', 200, () => playground.hash());
  time('viewJson()', 200, () => playground.viewJson());
  // As in a playing page: the run moves 16 virtual ms between two views (timed: view only).
  const moving = [];
  for (let i = 0; i < 200; i++) {
    playground.advanceMs(16);
    const start = performance.now();
    playground.view();
    moving.push(performance.now() - start);
  }
  const m = percentiles(moving.slice(20));
  console.log(`  ${'view() after 16 ms of run'.padEnd(34)} p50 ${m.p50.toFixed(3)} ms  p95 ${m.p95.toFixed(3)} ms`);
  results[voters].moving = m;
  // What the page's controller reads while playing: viewChanges(false), unchanged logs and KV
  // items not resent, no state hash.
  const changes = [];
  for (let i = 0; i < 200; i++) {
    playground.advanceMs(16);
    const start = performance.now();
    playground.viewChanges(false);
    changes.push(performance.now() - start);
  }
  const c = percentiles(changes.slice(20));
  console.log(`  ${'viewChanges(false) after 16 ms'.padEnd(34)} p50 ${c.p50.toFixed(3)} ms  p95 ${c.p95.toFixed(3)} ms`);
}
console.log(`view() p95: 5 nodes ${results[5].p95.toFixed(3)} ms, 9 nodes ${results[9].p95.toFixed(3)} ms; ` +
  `while running: 5 nodes ${results[5].moving.p95.toFixed(3)} ms, 9 nodes ${results[9].moving.p95.toFixed(3)} ms`);
