// The monitors view: every safety monitor of the engine's catalogue (from Rust, never a list kept
// here) with its live status, and, once one fires, what broke in words: the invariant, the nodes,
// the log indexes and terms its evidence names, the evidence and the explanation. The controller
// pauses the run at the violating event; this view makes that visible (it brings its tab forward
// and shows a notice) and points the ring and logs at the culprits through `ctx.setHighlight`.

import { showPanel } from './tabs.js';
import { html as el } from './svg.js';

/** @typedef {import('./types.js').View} View */

/**
 * @typedef {object} MonitorInfo
 * @property {string} name
 * @property {number | null} number
 * @property {string} kind
 * @property {string} explanation
 * @property {boolean} on
 * @property {string[]} watches
 */

/** @param {number[]} list @param {string} [prefix] */
function listText(list, prefix = '') {
  return list.length ? list.map((x) => `${prefix}${x}`).join(', ') : 'none named';
}

/**
 * @param {HTMLElement} root
 * @param {import('./types.js').Ctx} ctx
 * @returns {import('./types.js').ViewModule}
 */
export function mount(root, ctx) {
  root.classList.add('monitors-root');

  const notice = el('section', 'mon-notice');
  // Spoken once through the page's live region (ctx.announce), so not a second alert here.
  notice.setAttribute('aria-labelledby', 'mon-notice-title');
  notice.dataset.testid = 'monitor-violation';
  notice.hidden = true;
  const noticeTitle = el('h3', 'mon-notice-title');
  noticeTitle.id = 'mon-notice-title';
  const noticeWhen = el('p', 'mon-notice-when');
  const facts = el('dl', 'mon-facts');
  /** @type {Record<string, HTMLElement>} */
  const fact = {};
  for (const [key, label] of [
    ['invariant', 'Invariant'], ['kind', 'Kind'], ['nodes', 'Nodes'], ['indexes', 'Log index'],
    ['terms', 'Terms'], ['evidence', 'What was seen'],
  ]) {
    const dt = el('dt', '', label);
    const dd = el('dd', `mon-fact-${key}`);
    fact[key] = dd;
    facts.append(dt, dd);
  }
  const why = el('p', 'mon-why');
  const noticeButtons = el('div', 'mon-notice-buttons');
  const highlightButton = el('button', 'btn small', 'Highlight in ring and logs');
  highlightButton.type = 'button';
  highlightButton.setAttribute('aria-pressed', 'true');
  const logsButton = el('button', 'btn small', 'Show the logs');
  logsButton.type = 'button';
  const restartHint = el('p', 'hint', 'The run is frozen here: step back on the timeline to watch it happen, or restart from Settings.');
  noticeButtons.append(highlightButton, logsButton);
  notice.append(noticeTitle, noticeWhen, facts, why, noticeButtons, restartHint);

  const head = el('div', 'mon-head');
  const summary = el('p', 'mon-summary');
  summary.dataset.testid = 'monitors-summary';
  const switches = el('p', 'mon-switches hint');
  head.append(summary, switches);

  const table = el('table', 'mon-table');
  const caption = el('caption', 'sr-only', 'Safety monitors and their status');
  const thead = el('thead');
  const headRow = el('tr');
  for (const word of ['#', 'Monitor', 'Kind', 'Status']) {
    const th = el('th', '', word);
    th.setAttribute('scope', 'col');
    headRow.append(th);
  }
  thead.append(headRow);
  const tbody = el('tbody');
  table.append(caption, thead, tbody);
  root.append(notice, head, table);

  /** @type {any} */
  let playground = null;
  /** @type {{ ruleMonitors: boolean, switches: string[], monitors: MonitorInfo[] } | null} */
  let info = null;
  /** @type {Map<string, { row: HTMLTableRowElement, status: HTMLElement, state: string }>} */
  const rows = new Map();
  /** The violation this view has reacted to (brought its tab forward, set the highlight). */
  let handledKey = '';
  let highlightOn = true;
  let highlightedByUs = false;
  /** @type {{ indexes: number[], terms: number[] }} */
  let pointers = { indexes: [], terms: [] };
  /** @type {View | null} */
  let lastView = null;

  const tab = document.getElementById('tab-monitors');

  // A notice pinned to the window, so the violation is seen wherever the page is scrolled (on a
  // phone the Monitors panel is far below the ring); its button brings the panel into view.
  const toast = el('div', 'mon-toast');
  toast.dataset.testid = 'monitor-toast';
  toast.hidden = true;
  const toastText = el('p', 'mon-toast-text');
  const toastShow = el('button', 'btn small', 'Show what broke');
  toastShow.type = 'button';
  const toastClose = el('button', 'btn small mon-toast-close', '×');
  toastClose.type = 'button';
  toastClose.setAttribute('aria-label', 'Dismiss the notice');
  toast.append(toastText, toastShow, toastClose);
  document.body.append(toast);
  toastShow.addEventListener('click', () => {
    showPanel('monitors-view');
    toast.hidden = true;
    notice.scrollIntoView({ block: 'start', behavior: 'auto' });
    noticeTitle.tabIndex = -1;
    noticeTitle.focus();
  });
  toastClose.addEventListener('click', () => { toast.hidden = true; });

  highlightButton.addEventListener('click', () => {
    highlightOn = !highlightOn;
    applyHighlight(lastView);
  });
  logsButton.addEventListener('click', () => showPanel('logs-view'));

  /** @param {View | null} view */
  function applyHighlight(view) {
    highlightButton.setAttribute('aria-pressed', String(highlightOn));
    const v = view?.monitor.violation;
    if (v && highlightOn) {
      highlightedByUs = true;
      ctx.setHighlight({ nodes: v.nodes, indexes: pointers.indexes, messages: [] });
    } else if (highlightedByUs) {
      highlightedByUs = false;
      ctx.setHighlight({});
    }
  }

  function loadInfo() {
    try {
      info = JSON.parse(ctx.playground.monitors());
    } catch (error) {
      info = null;
      ctx.error(`The monitors list could not be read: ${String(/** @type {any} */ (error)?.message ?? error)}`);
      return;
    }
    tbody.replaceChildren();
    rows.clear();
    for (const m of /** @type {any} */ (info).monitors) {
      const row = /** @type {HTMLTableRowElement} */ (el('tr', `mon-row kind-${m.kind}`));
      row.dataset.monitor = m.name;
      const num = el('td', 'num', m.number === null ? '–' : String(m.number));
      const nameCell = el('td', 'mon-name');
      const details = el('details');
      const sum = el('summary', '', m.number === null ? m.name : m.name.replace(/^\d+\s+/, ''));
      const text = el('p', 'mon-explain', m.explanation);
      details.append(sum, text);
      if (m.watches.length) {
        const watch = el('span', 'mon-watch', `watches ${m.watches.join(', ')}`);
        nameCell.append(details, watch);
      } else {
        nameCell.append(details);
      }
      const kind = el('td', 'mon-kind', m.kind);
      const status = el('td', 'mon-status');
      if (m.number === null) {
        // The history checker is no live monitor: its verdict is on the History tab.
        const go = el('button', 'btn small', 'History tab');
        go.type = 'button';
        go.addEventListener('click', () => showPanel('history-view'));
        row.dataset.status = 'history';
        status.append(go);
      }
      row.append(num, nameCell, kind, status);
      tbody.append(row);
      rows.set(m.name, { row, status, state: '' });
    }
    const list = /** @type {any} */ (info).switches;
    switches.textContent = list.length
      ? `Teaching switches on: ${list.join(', ')}. Rule monitors are ${info?.ruleMonitors ? 'on (they fire at the broken rule)' : 'off (the run goes on until the harm shows)'}.`
      : `No teaching switch is on: no monitor should ever fire. Rule monitors are ${info?.ruleMonitors ? 'on' : 'off'}. Turn a switch on in Settings to see a bug.`;
  }

  /** @param {View} view */
  function react(view) {
    const v = view.monitor.violation;
    const key = v ? `${v.invariant}|${v.atMs}|${v.evidence}` : '';
    if (key === handledKey) return;
    handledKey = key;
    if (tab) {
      if (v) tab.dataset.alert = 'true';
      else delete tab.dataset.alert;
    }
    if (!v) toast.hidden = true;
    if (v) toastText.textContent = `Monitor ${v.invariant} fired at ${v.atMs} ms: the run is paused at the violating event.`;
    if (!v) {
      pointers = { indexes: [], terms: [] };
      // Seeking back before the violation: nothing is broken any more.
      queueMicrotask(() => applyHighlight(null));
      return;
    }
    try {
      pointers = JSON.parse(ctx.playground.violationPointers()) ?? { indexes: [], terms: [] };
    } catch {
      pointers = { indexes: [], terms: [] };
    }
    showPanel('monitors-view');
    // The pinned notice only when the panel is out of sight (scrolled away, small screens).
    const box = root.getBoundingClientRect();
    toast.hidden = box.top >= 0 && box.top < window.innerHeight - 60;
    ctx.announce(`Safety monitor ${v.invariant} fired at ${v.atMs} ms: the run is paused at the violating event.`);
    // After this render pass: setHighlight renders every view again.
    queueMicrotask(() => applyHighlight(ctx.view));
  }

  /** @param {View} view */
  function draw(view) {
    if (!info) return;
    const v = view.monitor.violation;
    notice.hidden = !v;
    root.classList.toggle('fired', Boolean(v));
    if (v) {
      noticeTitle.textContent = `Monitor ${v.invariant} fired`;
      noticeWhen.textContent = `At ${v.atMs} ms the run broke an invariant; it is paused at that first violating event${view.nowMs !== v.atMs ? ` (the clock shows ${view.nowMs} ms)` : ''}.`;
      fact.invariant.textContent = v.invariant;
      fact.kind.textContent = v.kind === 'rule'
        ? 'rule: a rule of the algorithm was broken (the harm has not shown yet)'
        : v.kind === 'structure'
          ? 'structure: the bookkeeping the proof rests on broke'
          : 'consequence: harm a user of the cluster can see';
      fact.nodes.textContent = listText(v.nodes, 'n');
      fact.indexes.textContent = listText(pointers.indexes);
      fact.terms.textContent = listText(pointers.terms);
      fact.evidence.textContent = v.evidence;
      why.textContent = v.explanation;
    }
    let fired = 0;
    let off = 0;
    for (const m of info.monitors) {
      const rec = rows.get(m.name);
      if (!rec) continue;
      let state;
      if (m.number === null) state = 'history';
      else if (v && v.invariant === m.name) state = 'fired';
      else if (!m.on) state = 'off';
      else state = 'ok';
      if (state === 'fired') fired++;
      if (state === 'off') off++;
      if (state === rec.state || state === 'history') continue;
      rec.state = state;
      rec.row.dataset.status = state;
      rec.status.textContent = {
        fired: 'FIRED',
        off: 'off',
        ok: 'ok',
        history: 'see History tab',
      }[state] ?? state;
    }
    const total = info.monitors.filter((m) => m.number !== null).length;
    summary.textContent = fired
      ? `1 of ${total} monitors fired: ${v?.invariant}.`
      : `All ${total - off} monitors on are quiet${off ? ` (${off} rule monitor${off > 1 ? 's' : ''} off)` : ''}.`;
  }

  // Drawn again when its tab is shown (render skips hidden panels).
  new MutationObserver(() => {
    if (!root.hidden && lastView) draw(lastView);
  }).observe(root, { attributes: true, attributeFilter: ['hidden'] });

  return {
    render(view) {
      lastView = view;
      if (ctx.playground !== playground) {
        playground = ctx.playground;
        handledKey = '';
        highlightedByUs = false;
        highlightOn = true;
        loadInfo();
      }
      // Reacting to a violation happens even while the tab is hidden: it brings the tab forward.
      react(view);
      if (root.closest('[hidden]')) return;
      draw(view);
    },
  };
}
