// Times the linearizability checker compiled to wasm (Node), on the benchmark shape:
// 10,000 operations from 10 clients over 50 keys. Prints numbers; asserts nothing.
// Usage: cargo xtask build && node bench/check_wasm.mjs
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

// The small on-demand wasm module with the checker (tools-wasm/ built as `raftlab_check`, what the
// History tab's worker loads), as `cargo xtask build` writes it for Node.
const modulePath = fileURLToPath(new URL('../target/wasm-node/raftlab_check.js', import.meta.url));
const core = createRequire(import.meta.url)(modulePath);

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

for (const [ops, clients, keys] of [[10000, 10, 50], [2000, 10, 1]]) {
  const json = core.generateHistoryJson(ops, clients, keys, 7);
  const times = [];
  let verdict = '';
  for (let run = 0; run < 15; run++) {
    const start = performance.now();
    verdict = core.checkHistoryJson(json);
    times.push(performance.now() - start);
  }
  console.log(`wasm parse + check ${ops} ops, ${clients} clients, ${keys} keys: ` +
    `median ${median(times).toFixed(2)} ms, min ${Math.min(...times).toFixed(2)} ms, verdict ${verdict}`);
  const prepared = new core.PreparedHistory(json);
  const searchTimes = [];
  for (let run = 0; run < 15; run++) {
    const start = performance.now();
    verdict = prepared.check();
    searchTimes.push(performance.now() - start);
  }
  console.log(`wasm check only     ${ops} ops, ${clients} clients, ${keys} keys: ` +
    `median ${median(searchTimes).toFixed(2)} ms, min ${Math.min(...searchTimes).toFixed(2)} ms, verdict ${verdict}`);
}
