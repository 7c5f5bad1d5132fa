// The etcdctl console: a client (c1, c2, ...) sends lines to a node; each operation of the view
// model's `clients[].ops` is shown with its line, its output once answered (errors marked), its
// latency in virtual ms, or that it is still pending / timed out. Watches stream: their output
// grows. Lines the engine's own parser refuses are shown here with its message, not sent.
// User text only through textContent.

import { whenShown } from './shown.js';
import { html as el } from './svg.js';

/** How many operations the log keeps on screen (older ones leave the DOM). */
const OPS_SHOWN_MAX = 60;
/** How many lines the Up / Down history remembers (this page session only). */
const HISTORY_MAX = 100;
/** Lines longer than this (characters) are not kept in the history. */
const HISTORY_LINE_MAX = 8192;
/** How many clients the picker offers. */
const CLIENTS = 5;
/** Lines typed longer than this are shown cut in the log (the engine bounds its own copies). */
const LINE_SHOWN_MAX = 400;

/** Example lines for newcomers: each fills the input (nothing is sent until Enter). */
export const EXAMPLES = [
  { label: 'put', line: 'put mykey myvalue' },
  { label: 'get', line: 'get mykey' },
  { label: 'get --prefix', line: 'get my --prefix' },
  { label: 'del', line: 'del mykey' },
  { label: 'watch', line: 'watch mykey' },
  { label: 'txn', line: 'txn "value(\\"mykey\\") = \\"myvalue\\"" "put mykey newvalue" "put other x"' },
  { label: 'member list', line: 'member list' },
  { label: 'endpoint status', line: 'endpoint status' },
  { label: 'seed article', line: 'ETCDCTL_API=3 etcdctl --endpoints=http://localhost:2379 put mykey myvalue' },
  { label: 'help', line: 'help' },
];

/**
 * @param {string} text
 * @param {number} max
 */
function cut(text, max) {
  return text.length > max ? `${text.slice(0, max)}… (${text.length.toLocaleString('en')} characters)` : text;
}

/**
 * Sets an element's text only when it changes (renders run every frame).
 * @param {HTMLElement} element
 * @param {string} text
 */
function setText(element, text) {
  if (element.textContent !== text) element.textContent = text;
}

/**
 * @param {HTMLElement} root
 * @param {import('./types.js').Ctx} ctx
 * @returns {import('./types.js').ViewModule}
 */
export function mount(root, ctx) {
  root.classList.add('console');

  // Where the line goes: client and node pickers.
  const route = el('div', 'console-route');
  const clientLabel = el('label', 'console-pick');
  clientLabel.append(el('span', '', 'Client'));
  const clientSelect = /** @type {HTMLSelectElement} */ (el('select'));
  clientSelect.id = 'console-client';
  clientSelect.setAttribute('aria-label', 'Client');
  for (let c = 1; c <= CLIENTS; c++) {
    const option = /** @type {HTMLOptionElement} */ (el('option', '', `c${c}`));
    option.value = String(c);
    clientSelect.append(option);
  }
  clientLabel.append(clientSelect);
  const nodeLabel = el('label', 'console-pick');
  nodeLabel.append(el('span', '', '→ node'));
  const nodeSelect = /** @type {HTMLSelectElement} */ (el('select'));
  nodeSelect.id = 'console-node';
  nodeSelect.setAttribute('aria-label', 'Send to node');
  nodeLabel.append(nodeSelect);
  const where = el('p', 'console-where hint');
  where.id = 'console-where';
  route.append(clientLabel, nodeLabel, where);

  // The output log.
  const log = el('div', 'console-log');
  log.setAttribute('role', 'log');
  log.setAttribute('aria-label', 'console output');
  log.setAttribute('aria-live', 'polite');
  log.tabIndex = 0;
  const empty = el('p', 'console-empty hint',
    'Answers appear here. Type an etcdctl command such as put mykey myvalue, or pick an example below. Each line goes from the chosen client to the chosen node (or to the node its --endpoints names).');
  log.append(empty);

  // The input line.
  const form = el('form', 'console-form');
  form.setAttribute('novalidate', '');
  const prompt = el('span', 'console-prompt', '$');
  prompt.setAttribute('aria-hidden', 'true');
  const input = /** @type {HTMLInputElement} */ (el('input', 'console-input'));
  input.id = 'console-input';
  input.type = 'text';
  input.setAttribute('aria-label', 'etcdctl command');
  input.setAttribute('aria-describedby', 'console-where console-hint');
  input.autocomplete = 'off';
  input.spellcheck = false;
  input.setAttribute('autocapitalize', 'off');
  input.setAttribute('autocorrect', 'off');
  input.setAttribute('enterkeyhint', 'send');
  input.placeholder = 'put mykey myvalue';
  const send = /** @type {HTMLButtonElement} */ (el('button', 'btn primary console-send', 'Send'));
  send.type = 'submit';
  form.append(prompt, input, send);
  const hint = el('p', 'console-hint hint');
  hint.id = 'console-hint';
  hint.setAttribute('aria-live', 'polite');

  // Examples for newcomers.
  const examples = el('div', 'console-examples');
  examples.setAttribute('role', 'group');
  examples.setAttribute('aria-label', 'Example commands (fill the input)');
  examples.append(el('span', 'hint', 'Examples:'));
  for (const { label, line } of EXAMPLES) {
    const button = /** @type {HTMLButtonElement} */ (el('button', 'btn small', label));
    button.type = 'button';
    button.title = line;
    button.setAttribute('aria-label', `Example: ${line}`);
    button.addEventListener('click', () => {
      input.value = line;
      historyAt = history.length;
      hint.textContent = 'Press Enter (or Send) to send it.';
      input.focus();
    });
    examples.append(button);
  }

  root.append(route, log, form, hint, examples);

  /** Lines sent this page session, oldest first. */
  /** @type {string[]} */
  const history = [];
  let historyAt = 0;
  let draft = '';

  /** Chosen node (the default follows the cluster: n1 if it exists). */
  let chosenNode = 1;
  /** Rendered operations by key `client:id`: element and what it shows. */
  /** @type {Map<string, { element: HTMLElement, out: HTMLElement, status: HTMLElement, state: string, output: string, ok: boolean }>} */
  const shown = new Map();
  /** Lines the parser refused, shown locally (no engine operation). */
  let localCount = 0;
  let lastNodesKey = '';
  /** The run the log shows (a restart makes a new Playground whose op ids start again). */
  let lastPlayground = null;
  /** @type {import('./types.js').View | null} */
  let latest = null;

  function client() { return Number(clientSelect.value) || 1; }

  /** @param {string} line */
  function remember(line) {
    // Huge lines are not kept: the history stays small however much is pasted.
    if (line.length <= HISTORY_LINE_MAX && history[history.length - 1] !== line) history.push(line);
    if (history.length > HISTORY_MAX) history.splice(0, history.length - HISTORY_MAX);
    historyAt = history.length;
    draft = '';
  }

  function nearBottom() {
    return log.scrollHeight - log.scrollTop - log.clientHeight < 40;
  }
  /**
   * Whether the log follows new answers: true while the reader is at (or near) the bottom. Kept
   * from scroll events, not read in `render`: reading the scroll height there forced a layout in
   * every animation frame (the other views have just changed the DOM), about a quarter of a
   * frame's work at 9 nodes.
   */
  let stuck = true;
  log.addEventListener('scroll', () => { stuck = nearBottom(); }, { passive: true });
  /**
   * Follows the answers as they arrive or grow: a resize observer's callback runs after the
   * browser's own layout, so scrolling there costs no extra layout (doing it in `render` forced
   * one each time an answer changed).
   */
  const answers = new ResizeObserver(() => { if (stuck) log.scrollTop = log.scrollHeight; });
  /** @param {Element} entry */
  function drop(entry) {
    answers.unobserve(entry);
    entry.remove();
  }

  function trim() {
    while (log.children.length > OPS_SHOWN_MAX + 1) {
      const first = /** @type {HTMLElement} */ (log.children[1] ?? null);
      if (!first) break;
      const key = first.dataset.key;
      if (key) shown.delete(key);
      drop(first);
    }
  }

  /**
   * A line the console refused before sending (the engine's parse error).
   * @param {string} line
   * @param {string} message
   */
  function showRefused(line, message) {
    const stick = stuck;
    const entry = el('div', 'console-op is-error');
    entry.dataset.key = `local:${localCount++}`;
    const head = el('div', 'op-head');
    head.append(el('span', 'op-who', `c${client()}`), el('code', 'op-line', cut(line, LINE_SHOWN_MAX)),
      el('span', 'op-status', 'not sent'));
    const out = el('pre', 'op-out', message);
    entry.append(head, out);
    log.append(entry);
    empty.hidden = true;
    trim();
    if (stick) log.scrollTop = log.scrollHeight;
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const line = input.value;
    if (line.trim() === '') {
      hint.textContent = 'Nothing to send: type an etcdctl command, e.g. put mykey myvalue, or pick an example below.';
      return;
    }
    remember(line);
    input.value = '';
    const refused = ctx.bindings.checkEtcdctlLine?.(line) ?? '';
    if (refused) {
      showRefused(line, refused);
      hint.textContent = 'That line was not sent: see the message above.';
      return;
    }
    if (ctx.sendConsole(client(), chosenNode, line)) {
      hint.textContent = '';
      log.scrollTop = log.scrollHeight;
    } else {
      showRefused(line, 'The cluster refused this line: see the message at the top of the page.');
    }
  });

  input.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowUp') {
      if (history.length === 0 || historyAt === 0) return;
      if (historyAt === history.length) draft = input.value;
      historyAt -= 1;
      input.value = history[historyAt];
      e.preventDefault();
      queueMicrotask(() => input.setSelectionRange(input.value.length, input.value.length));
    } else if (e.key === 'ArrowDown') {
      if (historyAt >= history.length) return;
      historyAt += 1;
      input.value = historyAt === history.length ? draft : history[historyAt];
      e.preventDefault();
    } else if (e.key === 'Escape' && input.value !== '') {
      input.value = '';
      historyAt = history.length;
      e.stopPropagation();
    }
  });
  input.addEventListener('input', () => { if (hint.textContent) hint.textContent = ''; });

  clientSelect.addEventListener('change', () => { if (latest) updateWhere(latest); });
  nodeSelect.addEventListener('change', () => {
    chosenNode = Number(nodeSelect.value) || chosenNode;
    if (latest) updateWhere(latest);
  });

  /** @param {import('./types.js').View} view */
  function updateNodes(view) {
    const key = view.nodes.map((n) => `${n.id}:${n.role ?? 'down'}:${view.leader === n.id}`).join(',');
    if (key === lastNodesKey) return;
    lastNodesKey = key;
    if (!view.nodes.some((n) => n.id === chosenNode)) chosenNode = view.nodes[0]?.id ?? 1;
    const options = /** @type {HTMLOptionElement[]} */ ([...nodeSelect.options]);
    view.nodes.forEach((node, i) => {
      let option = options[i];
      if (!option) {
        option = /** @type {HTMLOptionElement} */ (el('option'));
        nodeSelect.append(option);
      }
      option.value = String(node.id);
      const state = node.crashed ? 'crashed' : node.paused ? 'paused' : (node.role ?? '');
      option.textContent = state ? `${node.name} (${state})` : node.name;
    });
    for (const option of options.slice(view.nodes.length)) option.remove();
    nodeSelect.value = String(chosenNode);
  }

  /** @param {import('./types.js').View} view */
  function updateWhere(view) {
    const node = view.nodes.find((n) => n.id === chosenNode);
    const url = node ? node.clientUrl : '';
    setText(where, url.replace(/^http:\/\//, ''));
    where.title = `Client c${client()} sends each line to n${chosenNode}${url ? ` (${url})` : ''}, unless the line names another node with --endpoints.`;
  }

  /** @param {import('./types.js').Op} op */
  function statusText(op) {
    if (op.state === 'pending') return 'pending…';
    if (op.state === 'timed-out') return 'timed out: outcome unknown';
    const latency = (op.returnMs ?? op.callMs) - op.callMs;
    return `${op.ok ? '' : 'error · '}${latency} ms`;
  }

  /**
   * @param {import('./types.js').Op} op
   * @param {number} clientId
   */
  function createOp(op, clientId) {
    const entry = el('div', 'console-op');
    entry.dataset.key = `${clientId}:${op.id}`;
    entry.dataset.op = String(op.id);
    const head = el('div', 'op-head');
    head.append(
      el('span', 'op-who', `c${clientId} → n${op.node}`),
      el('code', 'op-line', cut(op.line, LINE_SHOWN_MAX)),
    );
    const status = el('span', 'op-status');
    head.append(status);
    const out = el('pre', 'op-out');
    entry.append(head, out);
    return { element: entry, out, status, state: '', output: '\u0000', ok: true };
  }

  /** @param {import('./types.js').View} view */
  function render(view) {
    latest = view;
    if (root.closest('[hidden]')) return;
    // A new run (restart) starts its operation ids again: forget what the old run showed.
    if (ctx.playground !== lastPlayground) {
      if (lastPlayground !== null) {
        shown.clear();
        for (const entry of [...log.querySelectorAll('.console-op')]) drop(entry);
        const note = el('p', 'console-op console-restart hint', 'A new run started: earlier answers are gone.');
        log.append(note);
      }
      lastPlayground = ctx.playground;
      lastNodesKey = '';
    }
    updateNodes(view);
    updateWhere(view);

    /** @type {Array<{ op: import('./types.js').Op, client: number }>} */
    const ops = [];
    for (const c of view.clients) for (const op of c.ops) ops.push({ op, client: c.client });
    if (ops.length === 0 && shown.size === 0) return;
    ops.sort((a, b) => a.op.id - b.op.id);
    let added = false;
    const wanted = ops.slice(-OPS_SHOWN_MAX);
    // After a seek back the operations of the recorded future are not part of this moment:
    // their entries go, and older ones come back in their place (in id order).
    const wantedKeys = new Set(wanted.map(({ op, client: c }) => `${c}:${op.id}`));
    for (const [key, item] of shown) {
      if (!wantedKeys.has(key)) { drop(item.element); shown.delete(key); added = true; }
    }
    for (const { op, client: clientId } of wanted) {
      const key = `${clientId}:${op.id}`;
      let item = shown.get(key);
      if (!item) {
        item = createOp(op, clientId);
        shown.set(key, item);
        const tail = /** @type {HTMLElement | null} */ (log.lastElementChild);
        const later = tail?.dataset.op !== undefined && Number(tail.dataset.op) < op.id ? undefined
          : [...log.querySelectorAll('.console-op[data-op]')]
            .find((e) => Number(/** @type {HTMLElement} */ (e).dataset.op) > op.id);
        if (later) later.before(item.element); else log.append(item.element);
        answers.observe(item.element);
        added = true;
      }
      if (item.state !== op.state || item.output !== op.output || item.ok !== op.ok) {
        item.state = op.state;
        item.output = op.output;
        item.ok = op.ok;
        item.element.dataset.state = op.state;
        item.element.classList.toggle('is-error', op.state === 'done' && !op.ok);
        item.status.textContent = statusText(op);
        const text = op.output.replace(/\n$/, '');
        item.out.textContent = text === '' && op.state === 'done' ? '(no output)' : text;
        item.out.classList.toggle('op-none', text === '');
        item.out.hidden = item.out.textContent === '';
        if (op.state === 'timed-out' && op.output === '') {
          item.out.hidden = false;
          item.out.textContent = 'No answer in time: the write may or may not have been applied.';
        }
        added = true;
      }
    }
    if (added) {
      empty.hidden = log.querySelector('.console-op') !== null;
      trim();
    }
  }

  whenShown(root, () => { if (latest) render(latest); });
  return { render };
}
