// The simulator compiled to wasm runs the same scenario as the native tests and prints exactly
// the same outputs, including the state hash and the hash of the whole trace.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const modulePath = process.env.RAFTLAB_WASM_NODE;
if (!modulePath) {
  throw new Error('RAFTLAB_WASM_NODE is not set: run these tests through `cargo xtask test`');
}
const core = createRequire(import.meta.url)(modulePath);
// What the page's first module does not carry (the run's text exports, the script runner) is
// the on-demand module's (tools-wasm/), generated beside the core.
const tools = createRequire(import.meta.url)(join(dirname(modulePath), 'raftlab_tools.js'));
const script = readFileSync(
  fileURLToPath(new URL('../scripts/sim/determinism.txt', import.meta.url)), 'utf8');

/** The golden output block of `command` in the script. */
function golden(command) {
  const match = new RegExp(`^${command}\\n----\\n([^\\n]+)`, 'm').exec(script);
  assert.ok(match, `the script has a golden ${command} block`);
  return match[1];
}

test('a long run in wasm matches the native golden outputs, hash and trace', () => {
  const report = JSON.parse(tools.runScript(script));
  assert.equal(report.error, undefined);
  assert.deepEqual(report.mismatches, []);
  assert.equal(report.violation, null);
  assert.equal(report.stateHash, golden('hash'));
  assert.equal(report.outputs.at(-1), golden('trace-hash'));
  assert.ok(report.traceEvents > 5000, `a long trace (${report.traceEvents} events)`);
});

test('a malformed script is an error, not a crash', () => {
  const report = JSON.parse(tools.runScript('cluster voters=99\n----\n'));
  assert.match(report.error, /voters/);
  const unknown = JSON.parse(tools.runScript('cluster\n----\n\nexplode 3\n----\n'));
  assert.match(unknown.error, /unknown command 'explode'/);
});
