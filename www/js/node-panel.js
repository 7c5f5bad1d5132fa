// The node panel: everything the view model says about the selected node, its etcd identity and
// command line, and its actions as buttons (disabled with a reason, never hidden). With no node
// selected it lists the nodes to pick. It also hosts the selected message and the list of
// messages in flight. Built once; each render only updates text and attributes.

import { html, setText, setAttr, toggleClass } from './svg.js';
import { createMessagesPanel } from './messages-panel.js';

/** @typedef {import('./types.js').View} View */
/** @typedef {import('./types.js').Node} ViewNode */

/** @param {number[]} ids */
const names = (ids) => (ids.length ? ids.map((id) => `n${id}`).join(', ') : 'none');

/**
 * What the panel's buttons do and when they cannot apply (a reason), for node `node`.
 * @param {ViewNode} node
 * @param {View} view
 */
export function nodeActions(node, view) {
  const leaderId = view.leader;
  const leader = view.nodes.find((n) => n.id === leaderId);
  const id = node.id;
  const noLeader = leader ? null : 'there is no leader to propose it';
  const voter = leader ? leader.voters.includes(id) : false;
  const learner = leader ? leader.learners.includes(id) : false;
  return [
    { key: 'crash', text: 'Crash', action: { kind: 'crash', node: id }, reason: node.crashed ? 'already crashed' : null, danger: true },
    { key: 'restart', text: 'Restart', action: { kind: 'restart', node: id }, reason: node.crashed ? null : 'only a crashed node restarts' },
    {
      key: 'pause', text: 'Pause', action: { kind: 'pause', node: id },
      reason: node.crashed ? 'the node is crashed' : node.paused ? 'already paused' : null,
    },
    { key: 'resume', text: 'Resume', action: { kind: 'resume', node: id }, reason: node.paused ? null : 'the node is not paused' },
    {
      key: 'fire-timer', text: 'Fire election timer', action: { kind: 'fire-timer', node: id },
      reason: node.crashed ? 'the node is crashed' : node.paused ? 'the node is paused' : null,
    },
    {
      key: 'transfer', text: 'Transfer leadership here',
      action: { kind: 'transfer-leader', node: leaderId ?? 0, to: id },
      reason: !leader ? 'there is no leader' : leaderId === id ? 'it is the leader'
        : node.crashed ? 'the node is crashed' : null,
    },
    { key: 'compact', text: 'Compact log', action: { kind: 'compact', node: id }, reason: node.crashed ? 'the node is crashed' : null },
    { key: 'isolate', text: 'Isolate', action: { kind: 'isolate', node: id }, reason: null },
    {
      key: 'add-voter', text: 'Add as voter', group: 'membership',
      action: { kind: 'change-membership', via: leaderId ?? 0, change: { op: 'add-voter', node: id } },
      reason: noLeader ?? (voter ? 'already a voter' : null),
    },
    {
      key: 'add-learner', text: 'Add as learner', group: 'membership',
      action: { kind: 'change-membership', via: leaderId ?? 0, change: { op: 'add-learner', node: id } },
      reason: noLeader ?? (learner ? 'already a learner' : voter ? 'it is a voter (demoting needs a joint change)' : null),
    },
    {
      key: 'remove', text: 'Remove', group: 'membership', danger: true,
      action: { kind: 'change-membership', via: leaderId ?? 0, change: { op: 'remove', node: id } },
      reason: noLeader ?? (voter || learner ? null : 'not a member'),
    },
  ];
}

/**
 * @param {HTMLElement} root
 * @param {import('./types.js').Ctx} ctx
 * @returns {import('./types.js').ViewModule}
 */
export function mount(root, ctx) {
  const messagesHost = html('div', 'np-messages', undefined, root);

  // The node picker: always there, the list of nodes to pick.
  const pickerBox = html('div', 'np-picker-box', undefined, root);
  const emptyHint = html('p', 'hint np-empty', 'Select a node to see its state and act on it: click it in the ring, Tab to it and press Enter, press 1–9, or pick it here.', pickerBox);
  const picker = html('div', 'np-picker', undefined, pickerBox);
  picker.setAttribute('role', 'group');
  picker.setAttribute('aria-label', 'Pick a node');
  /** @type {Map<number, HTMLButtonElement>} */
  const pickButtons = new Map();
  picker.addEventListener('click', (e) => {
    const button = /** @type {Element} */ (e.target).closest('[data-pick]');
    if (button) ctx.select({ node: Number(button.getAttribute('data-pick')) });
  });

  // The selected node.
  const panel = html('section', 'np-node', undefined, root);
  panel.setAttribute('aria-labelledby', 'np-title');
  const title = html('h3', 'np-title', '', panel);
  title.id = 'np-title';
  const status = html('p', 'np-status', '', panel);

  const actionsBox = html('div', 'np-actions', undefined, panel);
  actionsBox.setAttribute('role', 'group');
  actionsBox.setAttribute('aria-label', 'Node actions');
  const memberHead = html('h4', 'np-sub', 'Membership', panel);
  const memberBox = html('div', 'np-actions', undefined, panel);
  memberBox.setAttribute('role', 'group');
  memberBox.setAttribute('aria-label', 'Membership changes');
  // Disabled buttons cannot take the focus, so their reasons are also written out, folded
  // away under one line so they do not crowd the panel.
  const reasonsBox = html('details', 'np-reasons-box', undefined, panel);
  html('summary', 'hint', 'Why are some actions greyed out?', reasonsBox);
  const reasons = html('ul', 'hint np-reasons', undefined, reasonsBox);
  reasons.setAttribute('aria-label', 'Why some actions are unavailable');
  /** @type {Map<string, HTMLButtonElement>} */
  const actionButtons = new Map();
  /** @type {Map<string, any>} */
  let currentActions = new Map();
  for (const box of [actionsBox, memberBox]) {
    box.addEventListener('click', (e) => {
      const button = /** @type {Element} */ (e.target).closest('[data-action]');
      if (!button) return;
      const entry = currentActions.get(button.getAttribute('data-action') ?? '');
      if (!entry || entry.reason) return;
      if (ctx.act(entry.action)) ctx.announce(`${entry.text}: n${ctx.selection.node}.`);
    });
  }

  const fields = html('dl', 'np-fields', undefined, panel);
  /** @type {Record<string, HTMLElement>} */
  const values = {};
  for (const [key, label] of [
    ['role', 'role'], ['term', 'term'], ['vote', 'voted for'], ['leader', 'leader known'],
    ['commit', 'commit'], ['applied', 'applied'], ['lastIndex', 'last index'],
    ['snapshotIndex', 'snapshot index'], ['timer', 'election timer'], ['votes', 'votes'],
    ['voters', 'voters'], ['learners', 'learners'],
  ]) {
    html('dt', '', label, fields);
    values[key] = html('dd', 'num', '', fields);
  }

  const progressBox = html('div', 'np-progress', undefined, panel);
  html('h4', 'np-sub', 'Replication progress (leader)', progressBox);
  const table = html('table', 'np-table num', undefined, progressBox);
  const caption = html('caption', 'sr-only', 'Each member as the leader tracks it', table);
  void caption;
  const headRow = html('tr', '', undefined, html('thead', '', undefined, table));
  for (const text of ['peer', 'match', 'next', 'state', 'inflight', 'active', 'snapshot']) {
    html('th', '', text, headRow).setAttribute('scope', 'col');
  }
  const tbody = html('tbody', '', undefined, table);
  /** @type {Map<number, HTMLElement[]>} */
  const progressRows = new Map();

  const identity = html('div', 'np-identity', undefined, panel);
  html('h4', 'np-sub', 'etcd identity', identity);
  const idFields = html('dl', 'np-fields', undefined, identity);
  /** @type {Record<string, HTMLElement>} */
  const idValues = {};
  for (const [key, label] of [['name', 'name'], ['peerUrl', 'peer URL'], ['clientUrl', 'client URL']]) {
    html('dt', '', label, idFields);
    idValues[key] = html('dd', 'np-url', '', idFields);
  }
  const cmdHead = html('div', 'np-cmd-head', undefined, identity);
  html('span', 'hint', 'The command that would start it in a real cluster:', cmdHead);
  const copy = /** @type {HTMLButtonElement} */ (html('button', 'btn small', 'Copy', cmdHead));
  copy.type = 'button';
  copy.setAttribute('aria-label', 'Copy the etcd command line');
  const command = html('pre', 'np-command', '', identity);
  command.tabIndex = 0;
  command.setAttribute('aria-label', 'etcd command line');
  let commandKey = '';
  // The list of messages in flight comes last: the keyboard path to every message.
  const listHost = html('div', 'np-message-list', undefined, root);
  const messagePanel = createMessagesPanel(messagesHost, listHost, ctx);
  copy.addEventListener('click', () => copyCommand());

  function copyCommand() {
    const text = command.textContent ?? '';
    const selectText = () => {
      const range = document.createRange();
      range.selectNodeContents(command);
      const selection = getSelection();
      selection?.removeAllRanges();
      selection?.addRange(range);
    };
    const fallback = () => {
      selectText();
      setText(copy, 'Selected: press Ctrl+C');
      ctx.announce('The command is selected: press Control C to copy it.');
    };
    try {
      if (!navigator.clipboard?.writeText) { fallback(); return; }
      navigator.clipboard.writeText(text).then(() => {
        setText(copy, 'Copied');
        ctx.announce('Copied the etcd command line.');
        setTimeout(() => setText(copy, 'Copy'), 1500);
      }, fallback);
    } catch {
      fallback();
    }
  }

  /** @type {View | null} */
  let lastView = null;
  // A panel shown again draws the newest view at once (renders skip hidden panels).
  new MutationObserver(() => { if (lastView && !root.closest('[hidden]')) render(lastView); })
    .observe(root, { attributes: true, attributeFilter: ['hidden'] });

  /** @param {View} view */
  function render(view) {
    lastView = view;
    if (root.closest('[hidden]')) return;
    messagePanel.render(view);
    const selectedId = ctx.selection.node;
    const node = selectedId === undefined ? undefined : view.nodes.find((n) => n.id === selectedId);
    renderPicker(view, node?.id);
    emptyHint.hidden = Boolean(node);
    panel.hidden = !node;
    if (!node) return;
    renderNode(node, view);
  }

  /**
   * @param {View} view
   * @param {number | undefined} selected
   */
  function renderPicker(view, selected) {
    const seen = new Set();
    for (const node of view.nodes) {
      seen.add(node.id);
      let button = pickButtons.get(node.id);
      if (!button) {
        button = /** @type {HTMLButtonElement} */ (html('button', 'btn small np-pick'));
        button.type = 'button';
        button.setAttribute('data-pick', String(node.id));
        pickButtons.set(node.id, button);
        picker.append(button);
      }
      const role = node.crashed ? 'crashed' : (node.role ?? '');
      setText(button, `${node.name} · ${role}${node.paused ? ', paused' : ''}`);
      setAttr(button, 'aria-pressed', node.id === selected ? 'true' : 'false');
    }
    for (const [id, button] of pickButtons) {
      if (!seen.has(id)) { button.remove(); pickButtons.delete(id); }
    }
  }

  /**
   * @param {ViewNode} node
   * @param {View} view
   */
  function renderNode(node, view) {
    const role = node.crashed ? 'crashed' : (node.role ?? 'unknown');
    setText(title, `${node.name} · ${role}${node.learner ? ' (learner)' : ''} · term ${node.term}`);
    const notes = [];
    if (node.crashed) notes.push('Crashed: the values below are what survives on its disk; commit is re-learned after a restart.');
    if (node.paused) notes.push('Paused: no ticks; arriving messages wait until it resumes.');
    setText(status, notes.join(' '));
    status.hidden = notes.length === 0;

    setText(values.role, node.crashed ? 'none (crashed)' : `${node.role ?? '–'}${node.learner ? ', learner' : ''}`);
    setText(values.term, String(node.term));
    setText(values.vote, node.vote === undefined ? 'nobody' : `n${node.vote}`);
    setText(values.leader, node.crashed ? 'unknown (crashed)' : node.leader === undefined ? 'none' : `n${node.leader}`);
    setText(values.commit, node.commit === undefined ? 'unknown (crashed)' : String(node.commit));
    setText(values.applied, String(node.applied));
    setText(values.lastIndex, String(node.lastIndex));
    setText(values.snapshotIndex, node.snapshotIndex ? String(node.snapshotIndex) : '0 (none)');
    setText(values.timer, node.electionElapsedTicks === undefined
      ? (node.crashed ? 'stopped (crashed)' : '–')
      : `${node.electionElapsedTicks} of ${node.electionTimeoutTicks} ticks${node.role === 'leader' ? ' (heartbeat / quorum clock)' : ''}`);
    setText(values.votes, node.votesGranted.length || node.votesRejected.length
      ? `granted ${names(node.votesGranted)}; rejected ${names(node.votesRejected)}`
      : 'no election running');
    setText(values.voters, names(node.voters));
    setText(values.learners, names(node.learners));

    // Actions.
    const entries = nodeActions(node, view);
    currentActions = new Map(entries.map((e) => [e.key, e]));
    const reasonTexts = [];
    for (const entry of entries) {
      let button = actionButtons.get(entry.key);
      if (!button) {
        button = /** @type {HTMLButtonElement} */ (html('button', `btn small${entry.danger ? ' danger' : ''}`, entry.text));
        button.type = 'button';
        button.setAttribute('data-action', entry.key);
        actionButtons.set(entry.key, button);
        (entry.group === 'membership' ? memberBox : actionsBox).append(button);
      }
      button.disabled = entry.reason !== null;
      setAttr(button, 'title', entry.reason ? `${entry.text}: ${entry.reason}` : null);
      if (entry.reason) reasonTexts.push(`${entry.text}: ${entry.reason}.`);
    }
    const leader = view.leader;
    setText(memberHead, leader === undefined ? 'Membership (needs a leader)' : `Membership (proposed through leader n${leader})`);
    syncList(reasons, reasonTexts);
    reasonsBox.hidden = reasonTexts.length === 0;

    // Progress table (leader only).
    progressBox.hidden = node.progress.length === 0;
    const seen = new Set();
    for (const p of node.progress) {
      seen.add(p.peer);
      let cells = progressRows.get(p.peer);
      if (!cells) {
        const tr = html('tr', '', undefined, tbody);
        cells = [];
        for (let i = 0; i < 7; i++) cells.push(html(i === 0 ? 'th' : 'td', '', '', tr));
        cells[0].setAttribute('scope', 'row');
        progressRows.set(p.peer, cells);
      }
      const texts = [
        `n${p.peer}${p.learner ? ' (learner)' : ''}`, String(p.matchIndex), String(p.nextIndex),
        p.state.replace(/^State/, ''), String(p.inflight), p.recentActive ? 'yes' : 'no',
        p.pendingSnapshot ? String(p.pendingSnapshot) : '–',
      ];
      texts.forEach((text, i) => setText(cells[i], text));
      toggleClass(/** @type {HTMLElement} */ (cells[0].parentElement), 'inactive', !p.recentActive);
    }
    for (const [peer, cells] of progressRows) {
      if (!seen.has(peer)) { cells[0].parentElement?.remove(); progressRows.delete(peer); }
    }

    // Identity and command line.
    setText(idValues.name, node.name);
    setText(idValues.peerUrl, node.peerUrl);
    setText(idValues.clientUrl, node.clientUrl);
    const key = `${node.id}|${node.voters.join(',')}|${node.learners.join(',')}|${view.nodes.length}`;
    if (key !== commandKey) {
      commandKey = key;
      let text;
      try {
        text = ctx.playground.etcdCommand(node.id);
      } catch (error) {
        text = `(no command: ${error instanceof Error ? error.message : String(error)})`;
      }
      setText(command, text);
    }
  }

  return { render };
}

/**
 * Makes `list` hold one <li> per text, reusing its items.
 * @param {HTMLElement} list
 * @param {string[]} texts
 */
function syncList(list, texts) {
  while (list.children.length > texts.length) list.lastElementChild?.remove();
  while (list.children.length < texts.length) html('li', '', '', list);
  texts.forEach((text, i) => setText(list.children[i], text));
  list.hidden = texts.length === 0;
}
