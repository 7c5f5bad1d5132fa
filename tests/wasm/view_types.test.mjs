// The page's JSDoc types (www/js/types.js) mirror the view model the engine really sends: every
// field a view carries is declared, every declared required field is present in every object,
// and every declared field turns up in some view of a busy run. Fails when the two drift.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';

const modulePath = process.env.RAFTLAB_WASM_NODE;
if (!modulePath) {
  throw new Error('RAFTLAB_WASM_NODE is not set: run these tests through `cargo xtask test`');
}
const core = createRequire(import.meta.url)(modulePath);

/** typedef name -> { required: Set, optional: Set } parsed from the JSDoc of types.js. */
function declaredTypes() {
  const text = readFileSync(new URL('../../www/js/types.js', import.meta.url), 'utf8');
  /** @type {Record<string, { required: Set<string>, optional: Set<string> }>} */
  const types = {};
  for (const block of text.split('/**').slice(1)) {
    const name = /@typedef \{object\} (\w+)/.exec(block)?.[1];
    if (!name) continue;
    const entry = { required: new Set(), optional: new Set() };
    for (const match of block.matchAll(/@property \{[^}]*\} (\[?)(\w+)\]?/g)) {
      (match[1] ? entry.optional : entry.required).add(match[2]);
    }
    types[name] = entry;
  }
  return types;
}

/** Where each nested list or object of the view model has its type. */
const CHILDREN = {
  View: { nodes: 'Node', links: 'Link', messages: 'Message', logs: 'Log', kv: 'Kv', clients: 'Client', events: 'Event', monitor: 'Monitor' },
  Node: { progress: 'PeerProgress' },
  Log: { entries: 'LogEntry' },
  Kv: { keys: 'Key' },
  Client: { ops: 'Op' },
  Monitor: { violation: 'Violation' },
};

/** Records, per type, every key seen, and checks required keys are present in each object. */
function walk(value, type, types, seen) {
  const declared = types[type];
  assert.ok(declared, `types.js declares ${type}`);
  seen[type] ??= new Set();
  for (const key of Object.keys(value)) {
    assert.ok(declared.required.has(key) || declared.optional.has(key),
      `the engine sends ${type}.${key} but www/js/types.js does not declare it`);
    seen[type].add(key);
  }
  for (const key of declared.required) {
    assert.ok(key in value, `${type}.${key} is declared required but missing: ${JSON.stringify(value).slice(0, 200)}`);
  }
  for (const [key, child] of Object.entries(CHILDREN[type] ?? {})) {
    const inner = value[key];
    if (inner === undefined) continue;
    for (const item of Array.isArray(inner) ? inner : [inner]) walk(item, child, types, seen);
  }
}

test('www/js/types.js matches the view model the engine sends', () => {
  const types = declaredTypes();
  const seen = {};
  const playground = new core.Playground({ voters: 3, spares: 1, seed: 11, unsafe_switches: ['commit-old-term-by-count'] });
  const look = () => walk(JSON.parse(playground.viewJson()), 'View', types, seen);
  look();
  for (let i = 0; i < 30 && playground.view().leader === undefined; i += 1) playground.advanceMs(100);
  const leader = playground.view().leader;
  assert.ok(leader, 'a leader');
  playground.console(1, leader, 'put k v');
  playground.console(1, leader, 'lease grant 60');
  playground.advanceMs(5);
  look();
  playground.advanceMs(300);
  const lease = /lease ([0-9a-f]+) granted/.exec(playground.view().clients[0].ops[1].output)?.[1];
  assert.ok(lease, 'a lease was granted');
  playground.console(1, leader, `put leased x --lease=${lease}`);
  playground.advanceMs(300);
  look();
  playground.apply({ kind: 'crash', node: leader === 1 ? 2 : 1 });
  playground.apply({ kind: 'pause', node: leader === 3 ? 2 : 3 });
  playground.console(2, leader, 'watch k');
  for (let i = 0; i < 5; i += 1) { playground.advanceMs(7); look(); }
  const message = playground.view().messages[0];
  if (message) playground.apply({ kind: 'hold', message: message.id });
  playground.advanceMs(400);
  look();
  const unseen = [];
  for (const [type, declared] of Object.entries(types)) {
    for (const key of [...declared.required, ...declared.optional]) {
      if (!seen[type]?.has(key) && !(type === 'Violation' || (type === 'Monitor' && key === 'violation'))) {
        unseen.push(`${type}.${key}`);
      }
    }
  }
  // Violation fields need a fired monitor: the Rust view-model tests cover that shape; here a
  // declared field that no busy run ever sends would be a stale declaration.
  assert.deepEqual(unseen.filter((k) => !['Ctx', 'ViewModule'].includes(k.split('.')[0])), [],
    'declared in types.js but never sent by the engine');
});
