// The network panel: a link matrix (one button per direction, rows send, columns receive),
// presets (isolate the leader, split in two, one-way cut, heal all), and latency / loss /
// duplication per link and for every link. It shows the view model's links and changes them
// only through actions (`set-link-up`, `isolate`, `partition`, `heal`, `set-link`,
// `set-default-link`). User text only through textContent.

import { whenShown } from './shown.js';
import { html as el } from './svg.js';

/** Parts per million in one percent. */
const PPM_PER_PERCENT = 10_000;
/** The longest one-way delay the engine accepts (sim::action::LINK_LATENCY_MS_MAX). */
const LATENCY_MS_MAX = 60_000;

/**
 * Sets an element's text only when it changes (renders run every frame).
 * @param {HTMLElement} element
 * @param {string} text
 */
function setText(element, text) {
  if (element.textContent !== text) element.textContent = text;
}

/** @param {number} ppm */
function percent(ppm) {
  return `${Math.round(ppm / 100) / 100}%`;
}

/** @param {import('./types.js').Link} link */
export function linkSummary(link) {
  const parts = [link.up ? 'up' : 'cut'];
  parts.push(link.latencyMsMin === link.latencyMsMax
    ? `${link.latencyMsMin} ms` : `${link.latencyMsMin}–${link.latencyMsMax} ms`);
  if (link.lossPpm) parts.push(`loss ${percent(link.lossPpm)}`);
  if (link.duplicatePpm) parts.push(`dup ${percent(link.duplicatePpm)}`);
  if (link.custom) parts.push('custom');
  return parts.join(', ');
}

/**
 * @param {HTMLElement} parent
 * @param {string} labelText
 * @param {{ min?: number, max?: number, step?: number }} options
 */
function numberField(parent, labelText, options) {
  const label = el('label', 'net-field');
  label.append(el('span', '', labelText));
  const input = /** @type {HTMLInputElement} */ (el('input'));
  input.type = 'number';
  input.inputMode = 'decimal';
  if (options.min !== undefined) input.min = String(options.min);
  if (options.max !== undefined) input.max = String(options.max);
  input.step = String(options.step ?? 1);
  input.required = true;
  label.append(input);
  parent.append(label);
  return input;
}

/**
 * Reads the four link fields; returns the LinkConfigData (without `up`) or an error message.
 * @param {{ min: HTMLInputElement, max: HTMLInputElement, loss: HTMLInputElement, dup: HTMLInputElement }} f
 * @returns {{ ok: true, link: { latency_ms_min: number, latency_ms_max: number, loss_ppm: number, duplicate_ppm: number } } | { ok: false, message: string, field: HTMLInputElement }}
 */
function readLinkFields(f) {
  const min = Number(f.min.value);
  const max = Number(f.max.value);
  const loss = Number(f.loss.value);
  const dup = Number(f.dup.value);
  for (const [value, field, what] of /** @type {const} */ ([[min, f.min, 'The smallest latency'], [max, f.max, 'The largest latency']])) {
    if (f.min.value.trim() === '' || f.max.value.trim() === '' || !Number.isInteger(value) || value < 0 || value > LATENCY_MS_MAX) {
      return { ok: false, message: `${what} must be a whole number of ms from 0 to ${LATENCY_MS_MAX}.`, field };
    }
  }
  if (min > max) return { ok: false, message: `The latency range ${min}–${max} ms is backwards: the smallest delay comes first.`, field: f.min };
  for (const [value, field, what] of /** @type {const} */ ([[loss, f.loss, 'Loss'], [dup, f.dup, 'Duplication']])) {
    if (field.value.trim() === '' || !Number.isFinite(value) || value < 0 || value > 100) {
      return { ok: false, message: `${what} must be a percentage from 0 to 100.`, field };
    }
  }
  return {
    ok: true,
    link: {
      latency_ms_min: min,
      latency_ms_max: max,
      loss_ppm: Math.round(loss * PPM_PER_PERCENT),
      duplicate_ppm: Math.round(dup * PPM_PER_PERCENT),
    },
  };
}

/**
 * @param {HTMLElement} root
 * @param {import('./types.js').Ctx} ctx
 * @returns {import('./types.js').ViewModule}
 */
export function mount(root, ctx) {
  root.classList.add('network');

  // Presets.
  const presets = el('div', 'net-presets');
  presets.setAttribute('role', 'group');
  presets.setAttribute('aria-label', 'Network presets');
  const isolateButton = /** @type {HTMLButtonElement} */ (el('button', 'btn small', 'Isolate leader'));
  const splitButton = /** @type {HTMLButtonElement} */ (el('button', 'btn small', 'Split in two'));
  const deafButton = /** @type {HTMLButtonElement} */ (el('button', 'btn small', 'Leader cannot hear'));
  const healButton = /** @type {HTMLButtonElement} */ (el('button', 'btn small primary', 'Heal all'));
  for (const button of [isolateButton, splitButton, deafButton, healButton]) {
    button.type = 'button';
    presets.append(button);
  }
  healButton.setAttribute('aria-keyshortcuts', 'h');
  isolateButton.title = 'Cut every link to and from the leader (both directions)';
  splitButton.title = 'Partition the cluster in two; the leader goes to the smaller side';
  deafButton.title = 'One-way cut: every direction into the leader is cut; its messages still go out';
  healButton.title = 'Restore every link (h)';
  const presetHint = el('p', 'hint net-preset-hint');

  // The matrix.
  const presetsTitle = el('h3', 'net-title', 'Presets');
  const matrixHint = el('p', 'hint net-matrix-hint', 'Link matrix: rows send, columns receive. Press a cell to cut or restore one direction (arrow keys move between cells).');
  const matrixWrap = el('div', 'net-matrix-wrap');
  const table = /** @type {HTMLTableElement} */ (el('table', 'net-matrix'));
  const caption = el('caption', 'sr-only', 'Link matrix: each cell is one direction, from the row node to the column node');
  table.append(caption);
  matrixWrap.append(table);
  const legend = el('p', 'hint net-legend');
  legend.append(
    el('span', 'net-key up', '✓'), ' up  ',
    el('span', 'net-key cut', '✕'), ' cut  ',
    el('span', 'net-key', '*'), ' custom latency, loss or duplication',
  );

  // The link editor.
  const editor = el('form', 'net-editor');
  editor.setAttribute('novalidate', '');
  editor.setAttribute('aria-label', 'Latency, loss and duplication');
  const editorTitle = el('h3', 'net-title', 'Latency, loss, duplication');
  const scopeRow = el('div', 'net-row');
  const scopeLabel = el('label', 'net-field');
  scopeLabel.append(el('span', '', 'Link'));
  const scope = /** @type {HTMLSelectElement} */ (el('select', 'net-scope'));
  scope.setAttribute('aria-label', 'Link to edit');
  scopeLabel.append(scope);
  scopeRow.append(scopeLabel);
  const current = el('p', 'hint net-current');
  const fields = el('div', 'net-row');
  const f = {
    min: numberField(fields, 'Latency min (ms)', { min: 0, max: LATENCY_MS_MAX }),
    max: numberField(fields, 'Latency max (ms)', { min: 0, max: LATENCY_MS_MAX }),
    loss: numberField(fields, 'Loss (%)', { min: 0, max: 100, step: 0.1 }),
    dup: numberField(fields, 'Duplication (%)', { min: 0, max: 100, step: 0.1 }),
  };
  const editorActions = el('div', 'net-row');
  const applyButton = /** @type {HTMLButtonElement} */ (el('button', 'btn primary', 'Apply'));
  applyButton.type = 'submit';
  const bothButton = /** @type {HTMLButtonElement} */ (el('button', 'btn', 'Apply both ways'));
  bothButton.type = 'button';
  editorActions.append(applyButton, bothButton);
  const editorMessage = el('p', 'net-message');
  editorMessage.setAttribute('role', 'status');
  editor.append(scopeRow, current, fields, editorActions, editorMessage);

  const customTitle = el('h3', 'net-title', 'Changed links');
  const customList = el('ul', 'net-custom');

  root.append(matrixHint, matrixWrap, legend, presetsTitle, presets, presetHint,
    editorTitle, editor, customTitle, customList);

  /** @type {import('./types.js').View | null} */
  let latest = null;
  let matrixKey = '';
  /** @type {Map<string, { button: HTMLButtonElement, state: string }>} */
  const cells = new Map();
  /** What the editor edits: 'default' or 'from-to'. */
  let editing = 'default';
  let editorFilledFor = '';
  let customKey = '';

  /** @param {import('./types.js').View} view */
  function leaderOf(view) {
    return view.leader === undefined ? undefined : view.nodes.find((n) => n.id === view.leader);
  }

  /** @param {object} action @param {string} said */
  function act(action, said) {
    if (ctx.act(action)) ctx.announce(said);
  }

  isolateButton.addEventListener('click', () => {
    const leader = latest && leaderOf(latest);
    if (!leader) { ctx.error('There is no leader to isolate right now: wait for an election.'); return; }
    act({ kind: 'isolate', node: leader.id }, `Cut every link to and from the leader ${leader.name}.`);
  });
  splitButton.addEventListener('click', () => {
    if (!latest) return;
    const ids = latest.nodes.map((n) => n.id);
    if (ids.length < 2) { ctx.error('A one-node cluster cannot be split.'); return; }
    // The leader (if any) goes to the smaller side, so the larger side can elect a new one.
    const leader = latest.leader;
    const small = Math.floor(ids.length / 2);
    const ordered = leader === undefined ? ids : [leader, ...ids.filter((id) => id !== leader)];
    const groups = [ordered.slice(0, small).sort((a, b) => a - b), ordered.slice(small).sort((a, b) => a - b)];
    const names = groups.map((g) => g.map((id) => `n${id}`).join(' '));
    act({ kind: 'partition', groups }, `Split the cluster: {${names[0]}} and {${names[1]}}.`);
  });
  deafButton.addEventListener('click', () => {
    if (!latest) return;
    const leader = leaderOf(latest);
    if (!leader) { ctx.error('There is no leader right now: wait for an election.'); return; }
    // One-way: every direction into the leader is cut; its own messages still go out.
    let ok = true;
    for (const node of latest.nodes) {
      if (node.id === leader.id) continue;
      ok = ctx.act({ kind: 'set-link-up', from: node.id, to: leader.id, up: false }) && ok;
    }
    if (ok) ctx.announce(`One-way cut: ${leader.name} still sends but hears nobody.`);
  });
  healButton.addEventListener('click', () => act({ kind: 'heal' }, 'Healed every link.'));

  // The matrix is one Tab stop: the arrow keys move between its cells (Home / End: row ends).
  table.addEventListener('keydown', (event) => {
    const target = event.target;
    if (!(target instanceof HTMLButtonElement) || !target.classList.contains('net-cell') || !latest) return;
    const ids = latest.nodes.map((n) => n.id);
    let row = ids.indexOf(Number(target.dataset.from));
    let col = ids.indexOf(Number(target.dataset.to));
    const n = ids.length;
    /** @param {number} dr @param {number} dc */
    const move = (dr, dc) => {
      // Step over the diagonal (a node has no link to itself).
      do { row = (row + dr + n) % n; col = (col + dc + n) % n; } while (row === col);
    };
    switch (event.key) {
      case 'ArrowRight': move(0, 1); break;
      case 'ArrowLeft': move(0, -1); break;
      case 'ArrowDown': move(1, 0); break;
      case 'ArrowUp': move(-1, 0); break;
      case 'Home': col = row === 0 ? 1 : 0; break;
      case 'End': col = row === n - 1 ? n - 2 : n - 1; break;
      default: return;
    }
    event.preventDefault();
    const next = cells.get(`${ids[row]}-${ids[col]}`);
    if (!next) return;
    for (const { button } of cells.values()) button.tabIndex = -1;
    next.button.tabIndex = 0;
    next.button.focus();
  });
  table.addEventListener('focusin', (event) => {
    const target = event.target;
    if (!(target instanceof HTMLButtonElement) || !target.classList.contains('net-cell')) return;
    for (const { button } of cells.values()) button.tabIndex = button === target ? 0 : -1;
  });

  scope.addEventListener('change', () => {
    editing = scope.value;
    editorFilledFor = '';
    editorMessage.textContent = '';
    if (latest) renderEditor(latest);
  });

  /**
   * @param {boolean} both
   */
  function applyEdit(both) {
    if (!latest) return;
    const read = readLinkFields(f);
    for (const input of Object.values(f)) input.removeAttribute('aria-invalid');
    if (!read.ok) {
      editorMessage.textContent = read.message;
      editorMessage.classList.add('error-text');
      read.field.setAttribute('aria-invalid', 'true');
      read.field.focus();
      return;
    }
    editorMessage.classList.remove('error-text');
    if (editing === 'default') {
      if (act({ kind: 'set-default-link', link: { up: true, ...read.link } }, 'Changed the default for every link.')) {
        editorMessage.textContent = 'Applied to every link not set on its own.';
      }
      editorFilledFor = '';
      return;
    }
    const [from, to] = editing.split('-').map(Number);
    const pairs = both ? [[from, to], [to, from]] : [[from, to]];
    let ok = true;
    for (const [a, b] of pairs) {
      const link = latest.links.find((l) => l.from === a && l.to === b);
      ok = ctx.act({ kind: 'set-link', from: a, to: b, link: { up: link ? link.up : true, ...read.link } }) && ok;
    }
    if (ok) {
      const what = both ? `n${from} ↔ n${to}` : `n${from} → n${to}`;
      editorMessage.textContent = `Applied to ${what}.`;
      ctx.announce(`Changed link ${what}.`);
    }
    editorFilledFor = '';
  }
  editor.addEventListener('submit', (event) => { event.preventDefault(); applyEdit(false); });
  bothButton.addEventListener('click', () => applyEdit(true));

  /** @param {import('./types.js').View} view */
  function buildMatrix(view) {
    for (const row of [...table.querySelectorAll('thead, tbody')]) row.remove();
    cells.clear();
    const head = el('thead');
    const headRow = el('tr');
    const corner = el('th', 'net-corner');
    corner.append(el('span', '', 'from'), el('span', '', 'to'));
    corner.setAttribute('scope', 'col');
    headRow.append(corner);
    for (const node of view.nodes) {
      const th = el('th', '', node.name);
      th.setAttribute('scope', 'col');
      headRow.append(th);
    }
    head.append(headRow);
    const body = el('tbody');
    for (const from of view.nodes) {
      const tr = el('tr');
      const th = el('th', '', from.name);
      th.setAttribute('scope', 'row');
      tr.append(th);
      for (const to of view.nodes) {
        const td = el('td');
        if (from.id === to.id) {
          td.className = 'net-self';
          td.append(el('span', 'sr-only', 'same node'));
        } else {
          const button = /** @type {HTMLButtonElement} */ (el('button', 'net-cell'));
          button.type = 'button';
          button.setAttribute('aria-label', `link ${from.name} to ${to.name}`);
          button.dataset.from = String(from.id);
          button.dataset.to = String(to.id);
          button.addEventListener('click', () => {
            const link = latest?.links.find((l) => l.from === from.id && l.to === to.id);
            const up = link ? !link.up : false;
            if (ctx.act({ kind: 'set-link-up', from: from.id, to: to.id, up })) {
              ctx.announce(`${up ? 'Restored' : 'Cut'} ${from.name} to ${to.name}.`);
            }
            // The editor follows the last cell used.
            editing = `${from.id}-${to.id}`;
            scope.value = editing;
            editorFilledFor = '';
            if (latest) renderEditor(latest);
          });
          button.tabIndex = cells.size === 0 ? 0 : -1;
          td.append(button);
          cells.set(`${from.id}-${to.id}`, { button, state: '' });
        }
        tr.append(td);
      }
      body.append(tr);
    }
    table.append(head, body);

    // The editor's choice of link: the default, then every direction.
    scope.replaceChildren();
    const all = /** @type {HTMLOptionElement} */ (el('option', '', 'Every link (default)'));
    all.value = 'default';
    scope.append(all);
    for (const link of view.links) {
      const option = /** @type {HTMLOptionElement} */ (el('option', '', `n${link.from} → n${link.to}`));
      option.value = `${link.from}-${link.to}`;
      scope.append(option);
    }
    if (![...scope.options].some((o) => o.value === editing)) editing = 'default';
    scope.value = editing;
    editorFilledFor = '';
  }

  /**
   * The default link as the view shows it: any link not set on its own; else the run's config.
   * @param {import('./types.js').View} view
   */
  function defaultLink(view) {
    const plain = view.links.find((l) => !l.custom);
    if (plain) return plain;
    const fromConfig = ctx.config.link;
    return {
      from: 0, to: 0, up: true, custom: false,
      latencyMsMin: fromConfig?.latency_ms_min ?? 10,
      latencyMsMax: fromConfig?.latency_ms_max ?? 30,
      lossPpm: fromConfig?.loss_ppm ?? 0,
      duplicatePpm: fromConfig?.duplicate_ppm ?? 0,
    };
  }

  /** @param {import('./types.js').View} view */
  function renderEditor(view) {
    let link;
    if (editing === 'default') {
      link = defaultLink(view);
      setText(current, `Every link not set on its own: ${linkSummary({ ...link, custom: false }).replace(/^up, /, '')}.`);
      bothButton.hidden = true;
      setText(applyButton, 'Apply to every link');
    } else {
      const [from, to] = editing.split('-').map(Number);
      link = view.links.find((l) => l.from === from && l.to === to);
      if (!link) return;
      setText(current, `n${from} → n${to} now: ${linkSummary(link)}.`);
      bothButton.hidden = false;
      setText(bothButton, `Apply to n${from} ↔ n${to}`);
      setText(applyButton, `Apply to n${from} → n${to}`);
    }
    const key = `${editing}|${link.latencyMsMin}|${link.latencyMsMax}|${link.lossPpm}|${link.duplicatePpm}`;
    // Fill the fields when the link changes, never while someone types in them.
    if (key !== editorFilledFor && !editor.contains(document.activeElement instanceof HTMLInputElement ? document.activeElement : null)) {
      editorFilledFor = key;
      f.min.value = String(link.latencyMsMin);
      f.max.value = String(link.latencyMsMax);
      f.loss.value = String(link.lossPpm / PPM_PER_PERCENT);
      f.dup.value = String(link.duplicatePpm / PPM_PER_PERCENT);
    }
  }

  /** @param {import('./types.js').View} view */
  function render(view) {
    latest = view;
    if (root.closest('[hidden]')) return;
    const key = view.nodes.map((n) => n.id).join(',');
    if (key !== matrixKey) {
      matrixKey = key;
      buildMatrix(view);
    }
    const plain = defaultLink(view);
    for (const link of view.links) {
      const cell = cells.get(`${link.from}-${link.to}`);
      if (!cell) continue;
      const state = `${link.up}|${link.custom}|${plain.latencyMsMin}|${plain.latencyMsMax}|${plain.lossPpm}|${plain.duplicatePpm}|${link.latencyMsMin}|${link.latencyMsMax}|${link.lossPpm}|${link.duplicatePpm}`;
      if (state === cell.state) continue;
      cell.state = state;
      cell.button.setAttribute('aria-pressed', String(!link.up));
      const tuned = link.lossPpm !== plain.lossPpm || link.duplicatePpm !== plain.duplicatePpm
        || link.latencyMsMin !== plain.latencyMsMin || link.latencyMsMax !== plain.latencyMsMax;
      cell.button.textContent = `${link.up ? '✓' : '✕'}${tuned ? '*' : ''}`;
      cell.button.title = `n${link.from} → n${link.to}: ${linkSummary(link)}`;
      cell.button.classList.toggle('cut', !link.up);
    }

    const leader = leaderOf(view);
    isolateButton.disabled = !leader;
    deafButton.disabled = !leader;
    splitButton.disabled = view.nodes.length < 2;
    setText(isolateButton, leader ? `Isolate leader ${leader.name}` : 'Isolate leader');
    setText(deafButton, leader ? `${leader.name} cannot hear (one-way)` : 'Leader cannot hear (one-way)');
    const cut = view.links.filter((l) => !l.up).length;
    setText(presetHint, cut === 0
      ? 'Every link is up.'
      : `${cut} of ${view.links.length} directions cut.`);

    renderEditor(view);

    const changed = view.links.filter((l) => l.custom || !l.up);
    const listKey = changed.map((l) => `${l.from}-${l.to}:${linkSummary(l)}`).join('|');
    if (listKey !== customKey) {
      customKey = listKey;
      customList.replaceChildren();
      if (changed.length === 0) customList.append(el('li', 'hint', 'None: every link has the default behaviour.'));
      for (const link of changed.slice(0, 72)) {
        const item = el('li', link.up ? '' : 'cut');
        item.append(el('span', 'net-pair', `n${link.from} → n${link.to}`), ` ${linkSummary({ ...link, custom: false })}`);
        customList.append(item);
      }
    }
  }

  whenShown(root, () => { if (latest) render(latest); });
  return { render };
}
