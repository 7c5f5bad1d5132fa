// The selected message (its fields and Drop / Hold / Release / Deliver now) and the list of
// messages in flight, the keyboard path to every message. Part of the node panel; draws the
// view model's `messages` and changes nothing itself: buttons become `ctx.act` / `ctx.select`.

import { html, setText, setAttr, toggleClass } from './svg.js';

/** At most this many rows in the list (the ring still draws every message). */
const LIST_ROWS_MAX = 100;

/** @typedef {import('./types.js').Message} ViewMessage */

/**
 * One line for a message in the list: "m17 MsgApp n1→n2 · 2 entries · due 340 ms".
 * @param {ViewMessage} m
 */
export function messageLine(m) {
  const parts = [`m${m.id} ${m.kind} n${m.from}→n${m.to}`];
  if (m.entries) parts.push(`${m.entries} ${m.entries === 1 ? 'entry' : 'entries'}`);
  if (m.reject) parts.push('rejected');
  parts.push(m.held ? 'held' : `due ${m.dueMs} ms`);
  return parts.join(' · ');
}

/**
 * @param {HTMLElement} parent where the selected message's card goes
 * @param {HTMLElement} listParent where the list of messages in flight goes
 * @param {import('./types.js').Ctx} ctx
 */
export function createMessagesPanel(parent, listParent, ctx) {
  // The selected message.
  const card = html('section', 'mp-card', undefined, parent);
  card.setAttribute('aria-label', 'Selected message');
  const head = html('div', 'mp-head', undefined, card);
  const title = html('h3', 'mp-title', '', head);
  title.tabIndex = -1;
  const close = /** @type {HTMLButtonElement} */ (html('button', 'btn small', '×', head));
  close.type = 'button';
  close.setAttribute('aria-label', 'Close the message details');
  close.addEventListener('click', () => ctx.select({ message: undefined }));
  const gone = html('p', 'hint mp-gone', 'This message is no longer on the wire (delivered or dropped).', card);
  const fields = html('dl', 'mp-fields', undefined, card);
  /** @type {Record<string, HTMLElement>} */
  const values = {};
  for (const [key, label] of [
    ['kind', 'kind'], ['route', 'from → to'], ['term', 'term'], ['entries', 'entries'],
    ['summary', 'summary'], ['time', 'sent → due'], ['held', 'held'],
  ]) {
    html('dt', '', label, fields);
    values[key] = html('dd', key === 'summary' ? 'mp-summary' : 'num', '', fields);
  }
  const actions = html('div', 'mp-actions', undefined, card);
  actions.setAttribute('role', 'group');
  actions.setAttribute('aria-label', 'Message actions');
  /** @type {Record<string, HTMLButtonElement>} */
  const buttons = {};
  for (const [kind, text] of [['drop', 'Drop'], ['hold', 'Hold'], ['release', 'Release'], ['deliver-now', 'Deliver now']]) {
    const button = /** @type {HTMLButtonElement} */ (html('button', 'btn small', text, actions));
    button.type = 'button';
    button.dataset.action = kind;
    button.addEventListener('click', () => {
      const id = ctx.selection.message;
      if (id === undefined) return;
      if (ctx.act({ kind, message: id })) ctx.announce(`${text}: message m${id}.`);
    });
    buttons[kind] = button;
  }
  const reasons = html('p', 'hint mp-reasons', '', card);

  // Every message in flight, each a focusable button.
  const list = /** @type {HTMLDetailsElement} */ (html('details', 'mp-list', undefined, listParent));
  const summary = html('summary', '', 'Messages in flight', list);
  const rows = html('ul', 'mp-rows', undefined, list);
  rows.setAttribute('aria-label', 'Messages in flight');
  const more = html('p', 'hint', '', list);
  /** @type {Map<number, {li: HTMLElement, button: HTMLButtonElement}>} */
  const rowById = new Map();
  rows.addEventListener('click', (e) => {
    const button = /** @type {Element} */ (e.target).closest('[data-message]');
    if (!button) return;
    ctx.select({ message: Number(button.getAttribute('data-message')) });
    // Keyboard users land on the card, whose buttons follow.
    title.focus();
  });

  /** @param {import('./types.js').View} view */
  function render(view) {
    const selected = ctx.selection.message;
    const message = selected === undefined ? undefined : view.messages.find((m) => m.id === selected);
    card.hidden = selected === undefined;
    if (selected !== undefined) {
      setText(title, message ? `Message m${selected}: ${message.kind}` : `Message m${selected}`);
      gone.hidden = Boolean(message);
      fields.hidden = !message;
      if (message) {
        setText(values.kind, `${message.kind}${message.response ? ' (response)' : ''}${message.reject ? ', rejected' : ''}`);
        setText(values.route, `n${message.from} → n${message.to}`);
        setText(values.term, String(message.term));
        setText(values.entries, String(message.entries));
        setText(values.summary, message.summary);
        setText(values.time, `${message.sentMs} → ${message.dueMs} ms`);
        setText(values.held, message.held ? 'yes: waits until released' : 'no');
      }
      /** @type {Record<string, string | null>} */
      const why = {
        drop: message ? null : 'not on the wire',
        hold: !message ? 'not on the wire' : message.held ? 'already held' : null,
        release: !message ? 'not on the wire' : message.held ? null : 'not held',
        'deliver-now': message ? null : 'not on the wire',
      };
      const notes = [];
      for (const [kind, button] of Object.entries(buttons)) {
        const reason = why[kind];
        button.disabled = reason !== null;
        setAttr(button, 'title', reason ? `${button.textContent}: ${reason}` : null);
        if (reason && message) notes.push(`${button.textContent}: ${reason}.`);
      }
      setText(reasons, notes.join(' '));
    }

    setText(summary, `Messages in flight (${view.messages.length})`);
    if (!list.open) return;
    const shown = view.messages.slice(0, LIST_ROWS_MAX);
    const keep = new Set(shown.map((m) => m.id));
    for (const [id, row] of rowById) {
      if (!keep.has(id)) { row.li.remove(); rowById.delete(id); }
    }
    let previous = /** @type {HTMLElement | null} */ (null);
    for (const m of shown) {
      let row = rowById.get(m.id);
      if (!row) {
        const li = html('li');
        const button = /** @type {HTMLButtonElement} */ (html('button', 'mp-row', '', li));
        button.type = 'button';
        button.setAttribute('data-message', String(m.id));
        row = { li, button };
        rowById.set(m.id, row);
        if (previous) previous.after(li); else rows.prepend(li);
      }
      setText(row.button, messageLine(m));
      setAttr(row.button, 'aria-pressed', m.id === selected ? 'true' : 'false');
      toggleClass(row.button, 'held', m.held);
      previous = row.li;
    }
    setText(more, view.messages.length > LIST_ROWS_MAX
      ? `…and ${view.messages.length - LIST_ROWS_MAX} more (the oldest ${LIST_ROWS_MAX} are listed).`
      : view.messages.length === 0 ? 'No message is on the wire.' : '');
  }

  list.addEventListener('toggle', () => { if (ctx.view) render(ctx.view); });
  return { render };
}
