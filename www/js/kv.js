// The key-value view: each node's applied state as a table with one row per key and one
// column per node, the leader's column first (the reference). Per node: store revision,
// compact revision, key count ("showing N of M" when the view model cut the list). A cell that
// differs from the leader says how in words (missing, other value, other revision), not by
// colour alone. Keys and values are user text: always textContent, shown cut, in full (as far
// as the view model carries them) in the details line when the key is selected.

import { html as el } from './svg.js';

/** @typedef {import('./types.js').View} View */
/** @typedef {import('./types.js').Kv} Kv */
/** @typedef {import('./types.js').Key} Key */

/** Characters of a value shown in a cell; the rest is behind the key's details. */
export const VALUE_CHARS = 24;
/** Characters of a key shown in its row header. */
export const KEY_CHARS = 32;

/**
 * `text` cut to `max` characters (by code points, so no emoji is split), with `…` when cut.
 * @param {string} text
 * @param {number} max
 */
export function cut(text, max) {
  const chars = Array.from(text);
  return chars.length > max ? `${chars.slice(0, max).join('')}…` : text;
}

/**
 * How a node's key compares with the leader's, in words ('' when the same or not comparable).
 * @param {Key | undefined} mine
 * @param {Key | undefined} theirs the leader's
 * @param {boolean} theirsKnown the leader's list covers this key (not cut off before it)
 */
export function difference(mine, theirs, theirsKnown) {
  if (!theirsKnown) return '';
  if (!mine && !theirs) return '';
  if (!mine) return 'missing';
  if (!theirs) return 'extra';
  if (mine.value !== theirs.value) return 'other value';
  if (mine.modRevision !== theirs.modRevision || mine.version !== theirs.version) return 'other revision';
  return '';
}

/**
 * @param {HTMLElement} root
 * @param {import('./types.js').Ctx} ctx
 * @returns {import('./types.js').ViewModule}
 */
export function mount(root, ctx) {
  void ctx;
  root.classList.add('kv-root');
  const note = el('p', 'kv-note hint');
  const details = el('div', 'kv-details');
  details.hidden = true;
  details.setAttribute('aria-live', 'polite');
  const detailsTitle = el('p', 'kv-details-title');
  const detailsList = el('dl', 'kv-details-list');
  const detailsClose = el('button', 'btn small', 'Close');
  detailsClose.type = 'button';
  detailsClose.setAttribute('aria-label', 'Close the key details');
  details.append(detailsTitle, detailsClose, detailsList);
  const wrap = el('div', 'kv-wrap');
  const table = el('table', 'kv-table');
  const caption = el('caption', 'sr-only', "Each node's applied key-value state; the leader's column first");
  const thead = el('thead');
  const headRow = el('tr');
  const corner = el('th', 'kv-corner', 'key');
  corner.scope = 'col';
  headRow.append(corner);
  thead.append(headRow);
  const tbody = el('tbody');
  table.append(caption, thead, tbody);
  wrap.append(table);
  const empty = el('p', 'hint kv-empty', 'No keys yet. Try put mykey myvalue in the console.');
  root.append(note, details, wrap, empty);

  /** @type {View | null} */
  let last = null;
  /** @type {string | null} the key whose details are open */
  let selected = null;
  /** @type {Map<number, { th: HTMLElement, name: HTMLElement, stats: HTMLElement }>} */
  const columns = new Map();
  /** @type {Map<string, { tr: HTMLElement, button: HTMLButtonElement, cells: Map<number, HTMLElement> }>} */
  const rows = new Map();
  /** @type {number[]} node ids in column order */
  let order = [];

  detailsClose.addEventListener('click', () => { selected = null; draw(); });
  new ResizeObserver(() => { if (last) draw(); }).observe(root);

  function draw() {
    const view = last;
    if (!view || root.closest('[hidden]')) return;
    const nodes = new Map(view.nodes.map((node) => [node.id, node]));
    const byNode = new Map(view.kv.map((kv) => [kv.node, kv]));
    const reference = view.leader !== undefined && byNode.has(view.leader) ? view.leader : undefined;
    const nextOrder = view.kv.map((kv) => kv.node)
      .sort((a, b) => (a === reference ? -1 : b === reference ? 1 : a - b));

    // Column headers, keyed by node.
    if (nextOrder.join() !== order.join()) {
      for (const [id, column] of columns) if (!nextOrder.includes(id)) { column.th.remove(); columns.delete(id); }
      order = nextOrder;
      for (const id of order) headRow.append(columnFor(id).th);
      for (const row of rows.values()) row.tr.remove();
      rows.clear();
    }
    for (const id of order) {
      const kv = /** @type {Kv} */ (byNode.get(id));
      const node = nodes.get(id);
      const column = columnFor(id);
      const role = node?.crashed ? 'crashed' : (node?.role ?? '');
      column.name.textContent = `${node?.name ?? `n${id}`} ${id === reference ? 'leader (reference)' : role}`;
      column.th.classList.toggle('reference', id === reference);
      column.th.classList.toggle('crashed', Boolean(node?.crashed));
      const shown = kv.truncated ? `showing ${kv.keys.length} of ${kv.keyCount}` : `${kv.keyCount} keys`;
      column.stats.textContent = `rev ${kv.revision} · compact ${kv.compactRevision} · ${shown}`;
      column.th.title = `store revision ${kv.revision}, compact revision ${kv.compactRevision}, at applied index ${kv.applied}; ${shown}`;
    }

    // Keys: the union of every node's listed keys, in key order.
    /** @type {Map<number, Map<string, Key>>} */
    const keyMaps = new Map(view.kv.map((kv) => [kv.node, new Map(kv.keys.map((k) => [k.key, k]))]));
    const allKeys = [...new Set(view.kv.flatMap((kv) => kv.keys.map((k) => k.key)))].sort(compareKeys);
    const refKv = reference !== undefined ? byNode.get(reference) : undefined;
    const refLastKey = refKv && refKv.keys.length ? refKv.keys[refKv.keys.length - 1].key : '';
    const refMap = reference !== undefined ? keyMaps.get(reference) : undefined;

    const live = new Set(allKeys);
    for (const [key, row] of rows) if (!live.has(key)) { row.tr.remove(); rows.delete(key); }
    /** @type {HTMLElement | null} */
    let previous = null;
    for (const key of allKeys) {
      const row = rowFor(key);
      if (previous ? previous.nextSibling !== row.tr : tbody.firstChild !== row.tr) {
        if (previous) previous.after(row.tr); else tbody.prepend(row.tr);
      }
      previous = row.tr;
      row.tr.classList.toggle('selected', key === selected);
      row.button.setAttribute('aria-expanded', String(key === selected));
      const theirs = refMap?.get(key);
      const known = refKv !== undefined && (!refKv.truncated || compareKeys(key, refLastKey) <= 0);
      for (const id of order) {
        const mine = keyMaps.get(id)?.get(key);
        const kv = /** @type {Kv} */ (byNode.get(id));
        // A node whose own list was cut before this key may still hold it: say nothing then.
        const mineKnown = !kv.truncated || compareKeys(key, kv.keys[kv.keys.length - 1]?.key ?? '') <= 0;
        const diff = id === reference || !mineKnown ? '' : difference(mine, theirs, known);
        drawCell(row.cells.get(id) ?? addCell(row, id), mine, diff);
      }
    }
    empty.hidden = allKeys.length > 0;
    table.hidden = allKeys.length === 0;
    const differing = tbody.querySelectorAll('td.differs').length;
    note.textContent = reference === undefined
      ? 'No leader now: differences are not marked.'
      : `Compared with the leader n${reference}: ${differing === 0 ? 'every node agrees' : `${differing} ${differing === 1 ? 'cell differs' : 'cells differ'} (marked ≠)`}.`;
    drawDetails(view, keyMaps, byNode);
  }

  /** @param {number} id */
  function columnFor(id) {
    let column = columns.get(id);
    if (column) return column;
    const th = el('th', 'kv-node');
    th.scope = 'col';
    const name = el('span', 'kv-node-name');
    const stats = el('span', 'kv-node-stats num');
    th.append(name, stats);
    column = { th, name, stats };
    columns.set(id, column);
    return column;
  }

  /** @param {string} key */
  function rowFor(key) {
    let row = rows.get(key);
    if (row) return row;
    const tr = el('tr');
    const th = el('th', 'kv-key');
    th.scope = 'row';
    const button = /** @type {HTMLButtonElement} */ (el('button', 'kv-key-button', cut(key, KEY_CHARS)));
    button.type = 'button';
    button.title = `${key} (show every node's full value)`;
    button.setAttribute('aria-label', `key ${key}: show details`);
    button.addEventListener('click', () => {
      selected = selected === key ? null : key;
      draw();
    });
    th.append(button);
    tr.append(th);
    row = { tr, button, cells: new Map() };
    rows.set(key, row);
    return row;
  }

  /** @param {{ tr: HTMLElement, cells: Map<number, HTMLElement> }} row @param {number} id */
  function addCell(row, id) {
    const td = el('td', 'kv-cell');
    td.append(el('span', 'kv-value'), el('span', 'kv-meta num'), el('span', 'kv-diff'));
    row.tr.append(td);
    row.cells.set(id, td);
    return td;
  }

  /** @param {HTMLElement} td @param {Key | undefined} key @param {string} diff */
  function drawCell(td, key, diff) {
    const stamp = key ? `${key.value}\u0000${key.createRevision}/${key.modRevision}/${key.version}/${key.lease ?? ''}|${diff}` : `-|${diff}`;
    if (td.dataset.stamp === stamp) return;
    td.dataset.stamp = stamp;
    const [value, meta, mark] = /** @type {HTMLElement[]} */ ([...td.children]);
    td.classList.toggle('absent', !key);
    td.classList.toggle('differs', diff !== '');
    mark.textContent = diff ? `≠ ${diff}` : '';
    if (key) {
      value.textContent = cut(key.value, VALUE_CHARS) || '(empty)';
      value.classList.toggle('empty-value', key.value === '');
      meta.textContent = `c${key.createRevision} m${key.modRevision} v${key.version}${key.lease ? ` lease ${key.lease}` : ''}`;
      td.title = `value ${cut(key.value, 200)}; create revision ${key.createRevision}, mod revision ${key.modRevision}, version ${key.version}${key.lease ? `, lease ${key.lease}` : ''}${diff ? `; ${diff} (compared with the leader)` : ''}`;
    } else {
      value.textContent = '—';
      meta.textContent = '';
      td.title = diff ? `${diff} (compared with the leader)` : 'not held';
    }
  }

  /**
   * @param {View} view
   * @param {Map<number, Map<string, Key>>} keyMaps
   * @param {Map<number, Kv>} byNode
   */
  function drawDetails(view, keyMaps, byNode) {
    if (selected === null || !view.kv.some((kv) => keyMaps.get(kv.node)?.has(/** @type {string} */ (selected)))) {
      if (selected !== null && !details.hidden) selected = null;
      details.hidden = true;
      return;
    }
    details.hidden = false;
    detailsTitle.textContent = `Key ${cut(selected, 200)}`;
    const stamp = order.map((id) => {
      const k = keyMaps.get(id)?.get(/** @type {string} */ (selected));
      return k ? `${id}:${k.modRevision}:${k.value.length}:${k.value}` : `${id}:-`;
    }).join('\u0001');
    if (detailsList.dataset.stamp === `${selected}\u0002${stamp}`) return;
    detailsList.dataset.stamp = `${selected}\u0002${stamp}`;
    detailsList.replaceChildren();
    for (const id of order) {
      const k = keyMaps.get(id)?.get(/** @type {string} */ (selected));
      const name = view.nodes.find((n) => n.id === id)?.name ?? `n${id}`;
      const dt = el('dt', 'num', `${name}${byNode.get(id) ? ` (rev ${k ? k.modRevision : '—'})` : ''}`);
      const dd = el('dd');
      const pre = el('pre', 'kv-full', k ? (k.value === '' ? '(empty value)' : k.value) : '(not held)');
      dd.append(pre);
      detailsList.append(dt, dd);
    }
  }

  return {
    render(view) {
      last = view;
      draw();
    },
  };
}

/**
 * Key order as the store keeps it (byte order of UTF-8; for text keys code point order).
 * @param {string} a @param {string} b
 */
function compareKeys(a, b) {
  if (a === b) return 0;
  const x = Array.from(a);
  const y = Array.from(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const cx = /** @type {number} */ (x[i].codePointAt(0));
    const cy = /** @type {number} */ (y[i].codePointAt(0));
    if (cx !== cy) return cx < cy ? -1 : 1;
  }
  return x.length - y.length;
}
