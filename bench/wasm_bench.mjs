// The wasm column of `raftlab bench`: runs the plan it is given (JSON, the first argument after
// the module path) on the Node build of the wasm module and prints the results as one JSON
// line. The native command starts it (`node bench/wasm_bench.mjs MODULE PLAN`) and times the
// same workloads itself, so both columns come from one run. The workloads are the library's
// own (src/bench/, through src/wasm/bench.rs); this file only times them. Asserts nothing.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const [modulePath, planText] = process.argv.slice(2);
if (!modulePath || !planText) {
  console.error('usage: node bench/wasm_bench.mjs WASM_NODE_MODULE PLAN_JSON (run by `raftlab bench`)');
  process.exit(2);
}
const core = createRequire(import.meta.url)(modulePath);
// The checker is in the small on-demand wasm module (tools-wasm/ built as `raftlab_check`, what
// the History tab's worker loads), generated beside the core.
const checkModule = createRequire(import.meta.url)(join(dirname(modulePath), 'raftlab_check.js'));
const plan = JSON.parse(planText);

/** Runs `work` `repeats` times; returns the best (least) wall time in ms and the last result
 * (on a shared machine other work only ever adds time). */
function timed(repeats, work) {
  const times = [];
  let result;
  for (let i = 0; i < Math.max(1, repeats); i++) {
    const start = performance.now();
    result = work();
    times.push(performance.now() - start);
  }
  return { wallMs: Math.min(...times), result };
}

// The long run first, so the linear memory measured after it holds nothing else yet (a wasm
// memory never shrinks).
const recordStart = performance.now();
const run = core.Playground.benchRecorded(plan.recordMinutes);
const recordWallMs = performance.now() - recordStart;
const endMs = run.endMs();
const endHash = run.hash();
const memoryBytes = core.wasmMemoryBytes();
const seekMs = Array.from(core.benchSeekTargets(endMs, plan.seeks)).map((target) => {
  const start = performance.now();
  run.seekMs(target);
  return performance.now() - start;
});
run.free();

const workloads = plan.workloads.map((spec) => {
  const text = JSON.stringify(spec);
  const { wallMs, result } = timed(plan.repeats, () => core.benchWorkload(text));
  return { outcome: JSON.parse(result), wallMs };
});

const raft = plan.raftSizes.map((size) => {
  const { wallMs, result } = timed(plan.repeats, () => core.benchRaftCycles(size, plan.raftCycles));
  return { size, applied: result, wallMs };
});

const checker = [false, true].map((violation) => {
  const prepared = new checkModule.PreparedHistory(checkModule.benchHistoryJson(violation));
  const { wallMs, result } = timed(plan.checkerRepeats, () => prepared.check());
  prepared.free();
  return { violation, verdict: result, wallMs };
});


console.log(JSON.stringify({
  node: process.version,
  workloads,
  raft,
  checker,
  seek: { endMs, endHash, recordWallMs, memoryBytes, seekMs },
}));
