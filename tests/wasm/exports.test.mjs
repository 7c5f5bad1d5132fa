// The page's run exported through the generated bindings in Node (the on-demand module's, from
// the run's scenario JSON): etcdScript() is a shell
// script that replays the run's console lines against real etcd members (each word quoted,
// what cannot be reproduced left as a comment), rustTest() a Rust test that embeds the run and
// asserts the page's state hash. Both describe the run up to the moment shown.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { execFileSync } from 'node:child_process';

const modulePath = process.env.RAFTLAB_WASM_NODE;
if (!modulePath) {
  throw new Error('RAFTLAB_WASM_NODE is not set: run these tests through `cargo xtask test`');
}
const core = createRequire(import.meta.url)(modulePath);
// What the page's first module does not carry (the run's text exports, the script runner) is
// the on-demand module's (tools-wasm/), generated beside the core.
const tools = createRequire(import.meta.url)(join(dirname(modulePath), 'raftlab_tools.js'));

function run() {
  const p = new core.Playground({ voters: 3, seed: 8 });
  p.advanceMs(3000);
  const leader = p.view().leader;
  assert.ok(leader, 'a leader by 3 s');
  p.console(1, leader, 'put mykey myvalue');
  p.advanceMs(500);
  p.apply({ kind: 'partition', groups: [[1, 2], [3]] });
  p.console(2, 1, "put note 'it''s $(date)'");
  p.advanceMs(500);
  p.apply({ kind: 'heal' });
  p.advanceMs(500);
  return p;
}

test('etcdScript() replays the console lines against real members, quoted', () => {
  const p = run();
  const script = tools.etcdScript(p.scenarioJson());
  assert.match(script, /^#!\/bin\/sh\n/);
  assert.ok(script.includes('start_n3 new\n'), 'one member per voter');
  assert.match(script, /ctl --endpoints="\$C\d" put mykey myvalue\n/);
  assert.ok(script.includes(`ctl --endpoints="$C1" put note 'its $(date)'\n`), script);
  assert.ok(script.includes('partition n1 n2 | n3\n# not reproduced: the network'), 'a partition is a comment');
  execFileSync('sh', ['-n', '-c', script]);
});

test('rustTest() embeds the run and asserts the page\'s state hash, up to the moment shown', () => {
  const p = run();
  const text = tools.rustTest(p.scenarioJson());
  assert.ok(text.includes(`const STATE_HASH: &str = "${p.hash()}";`));
  assert.ok(text.includes('fn the_exported_run_replays_to_its_state_hash()'));
  assert.ok(text.includes('"kind": "heal"'));
  p.seekMs(3200);
  const past = tools.rustTest(p.scenarioJson());
  assert.ok(past.includes(`const STATE_HASH: &str = "${p.hash()}";`));
  assert.ok(!tools.etcdScript(p.scenarioJson()).includes('put note'), 'the recorded future is left out of the script');
});
