// The events view: the view model's recent trace events in plain words with their virtual
// time, oldest at the top and newest at the bottom. It follows the newest events unless the
// user scrolled up (a button brings it back). Filters by topic (elections and roles,
// replication, clients, faults) and by node. Rows are keyed by event id: a render only adds
// the new events and removes the ones that left the view model's window.
//
// Selecting a row (click, or Enter on its time button; Up / Down move between rows) seeks
// the run to right after that event (`ctx.seekEvent`). The current event, the newest one at
// the cursor or the one just selected, is marked (`aria-current`) and follows the cursor.

import { html as el } from './svg.js';

/** @typedef {import('./types.js').View} View */
/** @typedef {import('./types.js').Event} Event */

/** The topics a user can filter by, with the words on their toggles. */
export const TOPICS = /** @type {const} */ ([
  ['elections', 'Elections & roles'],
  ['replication', 'Replication'],
  ['clients', 'Clients'],
  ['faults', 'Faults & actions'],
]);

const ELECTION_MESSAGES = /(MsgVote|MsgPreVote|MsgTimeoutNow|MsgTransferLeader)/;
const CLIENT_ACTION = /^you: (client |retry |propose |read-index )/;
const ELECTION_ACTION = /^you: (fire-timer|transfer-leader)/;
const REPLICATION_ACTION = /^you: (compact|add-|remove|leave-joint)/;

/**
 * The topic an event belongs to, for the filters: its trace kind, and for messages the kind
 * named in the send line (a delivery takes its message's topic when the send is still listed).
 * Display grouping only.
 * @param {Event} event
 * @param {Map<number, string>} messageTopics message id -> topic, from the send events seen
 */
export function topicOf(event, messageTopics) {
  switch (event.kind) {
    case 'role':
      return 'elections';
    case 'send': {
      const topic = ELECTION_MESSAGES.test(event.text) ? 'elections'
        : /MsgProp|MsgReadIndex/.test(event.text) ? 'clients' : 'replication';
      const id = /message m(\d+)/.exec(event.text);
      if (id) messageTopics.set(Number(id[1]), topic);
      return topic;
    }
    case 'deliver': {
      const id = /message m(\d+)/.exec(event.text);
      return (id && messageTopics.get(Number(id[1]))) || 'replication';
    }
    case 'drop':
    case 'duplicate':
    case 'violation':
      return 'faults';
    case 'read':
    case 'note':
      return 'clients';
    case 'action':
      if (CLIENT_ACTION.test(event.text)) return 'clients';
      if (ELECTION_ACTION.test(event.text)) return 'elections';
      if (REPLICATION_ACTION.test(event.text)) return 'replication';
      return 'faults';
    default:
      return 'replication';
  }
}

/**
 * @param {HTMLElement} root
 * @param {import('./types.js').Ctx} ctx
 * @returns {import('./types.js').ViewModule}
 */
export function mount(root, ctx) {
  root.classList.add('events-root');
  const bar = el('div', 'events-bar');
  const filters = el('div', 'events-filters');
  filters.setAttribute('role', 'group');
  filters.setAttribute('aria-label', 'Show topics');
  /** @type {Set<string>} */
  const shown = new Set(TOPICS.map(([topic]) => topic));
  for (const [topic, words] of TOPICS) {
    const button = el('button', `btn small events-topic topic-${topic}`, words);
    button.type = 'button';
    button.setAttribute('aria-pressed', 'true');
    button.addEventListener('click', () => {
      if (shown.has(topic)) shown.delete(topic); else shown.add(topic);
      button.setAttribute('aria-pressed', String(shown.has(topic)));
      applyFilters();
    });
    filters.append(button);
  }
  const nodeLabel = el('label', 'events-node');
  nodeLabel.append(el('span', '', 'Node'));
  const nodeSelect = /** @type {HTMLSelectElement} */ (el('select'));
  nodeSelect.append(new Option('all', ''));
  nodeLabel.append(nodeSelect);
  nodeSelect.addEventListener('change', () => applyFilters());
  const newest = el('button', 'btn small events-newest', 'Newest ↓');
  newest.type = 'button';
  newest.title = 'Scroll to the newest events and follow them';
  newest.hidden = true;
  bar.append(filters, nodeLabel, newest);

  const scroller = el('div', 'events-scroller');
  scroller.tabIndex = 0;
  scroller.setAttribute('role', 'region');
  scroller.setAttribute('aria-label', 'Recent events, newest at the bottom');
  const list = el('ol', 'events-list');
  const empty = el('p', 'hint events-empty', 'No events yet.');
  scroller.append(list, empty);
  root.append(bar, scroller);

  /** @type {View | null} */
  let last = null;
  let following = true;
  let ownScroll = -1;
  /** @type {Map<number, HTMLElement>} rows by event id */
  const rows = new Map();
  /** @type {Map<number, string>} message id -> topic */
  const messageTopics = new Map();
  let nodeCount = 0;
  /** The event the user selected and the step the run stood at after seeking there. */
  let picked = { id: -1, step: -1 };
  /** @type {HTMLElement | null} the row marked current */
  let currentRow = null;

  /** @param {number} id */
  function seekTo(id) {
    if (!ctx.seekEvent(id)) return;
    picked = { id, step: ctx.playground.nowStep() };
    markCurrent();
    rows.get(id)?.querySelector('button')?.focus();
  }
  list.addEventListener('click', (e) => {
    const row = /** @type {HTMLElement | null} */ (/** @type {HTMLElement} */ (e.target).closest('.events-row'));
    if (row && window.getSelection()?.isCollapsed !== false) seekTo(Number(row.dataset.id));
  });
  list.addEventListener('keydown', (e) => {
    if (e.key !== 'ArrowUp' && e.key !== 'ArrowDown') return;
    const row = /** @type {HTMLElement | null} */ (/** @type {HTMLElement} */ (e.target).closest('.events-row'));
    if (!row) return;
    e.preventDefault();
    let next = /** @type {HTMLElement | null} */ (e.key === 'ArrowUp' ? row.previousElementSibling : row.nextElementSibling);
    while (next && next.hidden) next = /** @type {HTMLElement | null} */ (e.key === 'ArrowUp' ? next.previousElementSibling : next.nextElementSibling);
    const button = next?.querySelector('button');
    if (button) { row.querySelector('button')?.setAttribute('tabindex', '-1'); button.tabIndex = 0; button.focus(); }
  });

  /** Marks the current event: the one picked while the cursor has not moved, else the newest. */
  function markCurrent() {
    const view = last;
    if (!view) return;
    const stay = picked.step === ctx.playground.nowStep() && rows.has(picked.id);
    const id = stay ? picked.id : view.events.length ? view.events[view.events.length - 1].id : -1;
    const row = rows.get(id) ?? null;
    if (row === currentRow) return;
    if (currentRow) {
      currentRow.removeAttribute('aria-current');
      currentRow.querySelector('button')?.setAttribute('tabindex', '-1');
    }
    currentRow = row;
    if (row) {
      row.setAttribute('aria-current', 'true');
      const button = row.querySelector('button');
      if (button) button.tabIndex = 0;
      // In the past the cursor moves by the user's hand (a seek, a step): show where it is. At
      // the end of the run, a user who scrolled up keeps their place.
      if (!following && !row.hidden && ctx.playground.inPast()) row.scrollIntoView({ block: 'nearest' });
    }
  }

  newest.addEventListener('click', () => {
    following = true;
    newest.hidden = true;
    scrollToEnd();
  });
  scroller.addEventListener('scroll', () => {
    if (Math.abs(scroller.scrollTop - ownScroll) < 1) return;
    ownScroll = -1;
    following = scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - 8;
    newest.hidden = following;
  }, { passive: true });
  new ResizeObserver(() => { if (last) draw(); }).observe(scroller);

  function scrollToEnd() {
    scroller.scrollTop = scroller.scrollHeight;
    ownScroll = scroller.scrollTop;
  }

  /** @param {HTMLElement} row */
  function visible(row) {
    const node = nodeSelect.value;
    return shown.has(row.dataset.topic ?? '') && (node === '' || row.dataset.node === node);
  }

  function applyFilters() {
    for (const row of rows.values()) row.hidden = !visible(row);
    updateEmpty();
    if (following) scrollToEnd();
  }

  function updateEmpty() {
    const any = [...rows.values()].some((row) => !row.hidden);
    empty.hidden = any;
    empty.textContent = rows.size === 0 ? 'No events yet.' : 'No events match the filters.';
  }

  function draw() {
    const view = last;
    if (!view || root.closest('[hidden]')) return;
    if (view.nodes.length !== nodeCount) {
      nodeCount = view.nodes.length;
      const keep = nodeSelect.value;
      nodeSelect.replaceChildren(new Option('all', ''));
      for (const node of view.nodes) nodeSelect.append(new Option(node.name, String(node.id)));
      nodeSelect.value = [...nodeSelect.options].some((o) => o.value === keep) ? keep : '';
    }
    const ids = new Set(view.events.map((event) => event.id));
    for (const [id, row] of rows) if (!ids.has(id)) { row.remove(); rows.delete(id); }
    // A restarted run starts its ids again: drop rows newer than the newest event.
    const newestId = view.events.length ? view.events[view.events.length - 1].id : -1;
    for (const [id, row] of rows) if (id > newestId) { row.remove(); rows.delete(id); }
    if (messageTopics.size > 4096) messageTopics.clear();
    for (const event of view.events) {
      const existing = rows.get(event.id);
      if (existing && existing.dataset.stamp === `${event.atMs}|${event.text}`) continue;
      if (existing) { existing.remove(); rows.delete(event.id); }
      const row = el('li', `events-row kind-${event.kind}`);
      const topic = topicOf(event, messageTopics);
      row.dataset.topic = topic;
      row.dataset.node = event.node === undefined ? '' : String(event.node);
      row.dataset.id = String(event.id);
      row.dataset.stamp = `${event.atMs}|${event.text}`;
      const time = /** @type {HTMLButtonElement} */ (el('button', 'events-time num', `${event.atMs} ms`));
      time.type = 'button';
      time.tabIndex = -1;
      time.setAttribute('aria-label', `Go to ${event.atMs} ms, right after: ${event.text}`);
      const tag = el('span', `events-tag topic-${topic}`, event.kind);
      const text = el('span', 'events-text', event.text);
      row.append(time, tag, text);
      row.hidden = !visible(row);
      const after = [...rows.keys()].filter((id) => id > event.id);
      if (after.length) rows.get(Math.min(...after))?.before(row); else list.append(row);
      rows.set(event.id, row);
    }
    if (currentRow && !currentRow.isConnected) currentRow = null;
    updateEmpty();
    markCurrent();
    if (following) scrollToEnd();
  }

  return {
    render(view) {
      last = view;
      draw();
    },
  };
}
