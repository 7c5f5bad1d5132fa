// The history view: the clients' operations on one key as bars on a time axis (one row per
// client, a bar from call to return, Porcupine-style), and the linearizability checker's verdict.
// The history comes from the engine (`playground.history()`, docs/history-format.md); the check
// runs in a Web Worker over the on-demand wasm module (`checkHistoryReport`, loaded by the
// first check), so the page never freezes, and a long check can be cancelled (the worker is
// terminated). On a violation the checker's shrunk operations, its longest partial
// linearization (with the register value after each) and the operations it could not place are
// drawn highlighted. Nothing is judged here.

import { html as el } from './svg.js';

/** @typedef {import('./types.js').View} View */

/**
 * One operation of the history file (docs/history-format.md).
 * @typedef {object} HOp
 * @property {number} client
 * @property {number} call
 * @property {number} [return]
 * @property {string} kind
 * @property {string} key
 * @property {any} [input]
 * @property {any} [output]
 */

/** Budgets offered (steps per key); the checker's default is 1,000,000. */
const BUDGETS = [
  [100000, '100 k steps per key'],
  [1000000, '1 M steps per key (default)'],
  [10000000, '10 M steps per key'],
];
/** While the run plays, the bars follow it at most this often (wall ms). */
const LIVE_REFRESH_MS = 500;

/** A register value for people: `"v"`, or `absent` for null. @param {any} value */
export function valueText(value) {
  return value === null || value === undefined ? 'absent' : JSON.stringify(String(value));
}

/**
 * A short label for a bar: `put 1`, `get → 1`, `del → 1`, `cas 1→9 ✓`; `?` for an unknown outcome.
 * @param {HOp} op
 */
export function opLabel(op) {
  const known = op.return !== undefined && op.return !== null;
  const short = (/** @type {any} */ v) => (v === null || v === undefined ? '∅' : String(v));
  switch (op.kind) {
    case 'put': return `put ${short(op.input?.value)}${known ? '' : ' ?'}`;
    case 'get': return known ? `get → ${short(op.output?.value)}` : 'get ?';
    case 'delete': return known ? `del → ${op.output?.deleted}` : 'del ?';
    case 'cas': return `cas ${short(op.input?.expect)}→${short(op.input?.value)}${known ? (op.output?.succeeded ? ' ✓' : ' ✗') : ' ?'}`;
    default: return op.kind;
  }
}

/**
 * Places a client's operations in lanes so none overlap (an operation with an unknown outcome
 * stays open while the client goes on). Returns each op's lane and the lane count.
 * @param {Array<{ start: number, end: number }>} spans sorted by start
 */
export function laneOf(spans) {
  /** @type {number[]} */
  const ends = [];
  const lanes = spans.map((s) => {
    let lane = ends.findIndex((end) => end < s.start);
    if (lane < 0) { lane = ends.length; ends.push(s.end); } else ends[lane] = s.end;
    return lane;
  });
  return { lanes, count: Math.max(1, ends.length) };
}

/**
 * @param {HTMLElement} root
 * @param {import('./types.js').Ctx} ctx
 * @returns {import('./types.js').ViewModule}
 */
export function mount(root, ctx) {
  root.classList.add('history-root');

  // Toolbar: key, budget, verdict, Check, Cancel.
  const bar = el('div', 'hist-bar');
  const keyLabel = el('label', 'hist-field');
  keyLabel.append(el('span', '', 'Key'));
  const keySelect = /** @type {HTMLSelectElement} */ (el('select'));
  keySelect.setAttribute('aria-label', 'Key shown');
  keyLabel.append(keySelect);
  const budgetLabel = el('label', 'hist-field');
  budgetLabel.append(el('span', '', 'Budget'));
  const budgetSelect = /** @type {HTMLSelectElement} */ (el('select'));
  for (const [steps, words] of BUDGETS) {
    const option = /** @type {HTMLOptionElement} */ (el('option', '', String(words)));
    option.value = String(steps);
    budgetSelect.append(option);
  }
  budgetSelect.value = '1000000';
  budgetLabel.append(budgetSelect);
  const checkButton = el('button', 'btn small', 'Check');
  checkButton.type = 'button';
  checkButton.title = 'Check the history so far for linearizability (in the background)';
  const cancelButton = /** @type {HTMLButtonElement} */ (el('button', 'btn small', 'Cancel'));
  cancelButton.type = 'button';
  cancelButton.disabled = true;
  const verdict = el('p', 'hist-verdict');
  verdict.dataset.testid = 'history-verdict';
  verdict.dataset.verdict = 'none';
  verdict.setAttribute('aria-live', 'polite');
  bar.append(keyLabel, budgetLabel, checkButton, cancelButton, verdict);

  const problem = el('p', 'hist-error');
  problem.setAttribute('role', 'alert');
  problem.hidden = true;
  const explain = el('div', 'hist-explain');
  explain.hidden = true;
  const note = el('p', 'hint hist-note');

  const chart = el('div', 'hist-chart');
  chart.setAttribute('role', 'group');
  chart.setAttribute('aria-label', 'Operations on the key: one row per client, a bar from call to return');
  const rowsBox = el('div', 'hist-rows');
  const axis = el('div', 'hist-axis');
  axis.setAttribute('aria-hidden', 'true');
  chart.append(rowsBox, axis);
  const scroll = el('div', 'hist-scroll');
  scroll.append(chart);
  const empty = el('p', 'hint hist-empty', 'No client operations yet: send some from the console (put, get, del).');

  const detail = el('div', 'hist-detail');
  detail.setAttribute('aria-live', 'polite');
  detail.dataset.testid = 'history-detail';
  const legend = el('ul', 'hist-legend');
  legend.setAttribute('aria-label', 'Legend');
  for (const [cls, words] of [
    ['kind-write', 'write (put, del, cas)'], ['kind-read', 'read (get)'],
    ['open', 'no answer yet'], ['open timeout', 'timed out: unknown outcome'], ['failed', 'cas that did not apply'],
    ['linearized', 'longest linearization (order shown)'], ['unplaced', 'cannot be placed after it'],
    ['failing', 'in the checker\'s proof'],
  ]) {
    const item = el('li');
    const swatch = el('span', `hist-swatch ${cls}`);
    swatch.setAttribute('aria-hidden', 'true');
    item.append(swatch, el('span', '', words));
    legend.append(item);
  }
  root.append(bar, problem, explain, note, empty, scroll, detail, legend);

  /** The history drawn: its JSON, parsed ops, sources and the time it was taken. */
  /** @type {{ json: string, ops: HOp[], sources: any[], nowMs: number, description: string } | null} */
  let snap = null;
  let snapKey = '';
  let snapWall = 0;
  /** The report of the last finished check, and the JSON it judged. */
  /** @type {any} */
  let report = null;
  let reportJson = '';
  /** @type {Worker | null} */
  let worker = null;
  let checkId = 0;
  /** @type {{ id: number, json: string, started: number } | null} */
  let running = null;
  let cancelledJson = '';
  /** The history whose check failed: not checked again automatically (Check retries). */
  let failedJson = '';
  /** @type {View | null} */
  let lastView = null;
  /** @type {any} */
  let playground = null;
  let chosenKey = '';
  /** @type {Map<number, HTMLButtonElement>} */
  const bars = new Map();
  /** @type {number | null} */
  let shownOp = null;
  /** @type {ReturnType<typeof setInterval> | null} */
  let ticker = null;

  checkButton.addEventListener('click', () => {
    takeSnapshot(true);
    if (snap) startCheck(snap.json);
  });
  cancelButton.addEventListener('click', () => cancel());
  keySelect.addEventListener('change', () => {
    chosenKey = keySelect.value;
    drawChart();
  });
  budgetSelect.addEventListener('change', () => {
    // A new budget makes the old verdict's budget moot: check again when paused.
    reportJson = '';
    cancelledJson = '';
    if (!ctx.playing && snap) startCheck(snap.json);
  });
  // Arrow keys: Left / Right go to the previous / next operation in call order, Home / End to
  // the first / last; the focused one shows its details.
  chart.addEventListener('keydown', (event) => {
    const e = /** @type {KeyboardEvent} */ (event);
    const at = e.target instanceof HTMLElement ? Number(e.target.dataset.op) : NaN;
    if (Number.isNaN(at)) return;
    const list = [...bars.values()].sort((x, y) => Number(x.dataset.op) - Number(y.dataset.op));
    const here = list.findIndex((b) => Number(b.dataset.op) === at);
    let next = -1;
    if (e.key === 'ArrowRight' || e.key === 'ArrowDown') next = Math.min(list.length - 1, here + 1);
    else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') next = Math.max(0, here - 1);
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = list.length - 1;
    if (next < 0) return;
    e.preventDefault();
    for (const b of list) b.tabIndex = -1;
    list[next].tabIndex = 0;
    list[next].focus();
  });
  new MutationObserver(() => {
    if (!root.hidden && lastView) update(lastView);
  }).observe(root, { attributes: true, attributeFilter: ['hidden'] });

  /** @param {string} text */
  function showProblem(text) {
    problem.textContent = text;
    problem.hidden = !text;
  }

  /** @param {string} state @param {string} text */
  function setVerdict(state, text) {
    verdict.dataset.verdict = state;
    verdict.textContent = text;
  }

  function ensureWorker() {
    if (worker) return worker;
    worker = new Worker(new URL('./check-worker.js', import.meta.url), { type: 'module' });
    worker.addEventListener('message', (event) => {
      const { id, report: text, error } = event.data ?? {};
      if (!running || id !== running.id) return;
      const json = running.json;
      finishRunning();
      failedJson = json;
      if (error) {
        showProblem(`The history check failed: ${error}`);
        setVerdict('error', 'Check failed');
        return;
      }
      let parsed;
      try {
        parsed = JSON.parse(text);
      } catch {
        showProblem('The history check returned something unreadable.');
        setVerdict('error', 'Check failed');
        return;
      }
      if (parsed.error) {
        showProblem(`The checker refused the history: ${parsed.error}`);
        setVerdict('error', 'Check failed');
        return;
      }
      failedJson = '';
      showProblem('');
      report = parsed;
      reportJson = json;
      drawVerdict();
      drawChart();
    });
    worker.addEventListener('error', (event) => {
      event.preventDefault();
      const what = event.message || 'the worker could not start (is the page served over http?)';
      worker?.terminate();
      worker = null;
      if (running) { failedJson = running.json; finishRunning(); }
      showProblem(`The history checker's worker failed: ${what}`);
      setVerdict('error', 'Check failed');
    });
    return worker;
  }

  function finishRunning() {
    running = null;
    cancelButton.disabled = true;
    checkButton.disabled = false;
    if (ticker) { clearInterval(ticker); ticker = null; }
  }

  /** @param {string} json */
  function startCheck(json) {
    if (running && running.json === json) return;
    if (running) cancel(true);
    let w;
    try {
      w = ensureWorker();
    } catch (error) {
      showProblem(`The history checker's worker could not start: ${String(/** @type {any} */ (error)?.message ?? error)}`);
      setVerdict('error', 'Check failed');
      return;
    }
    checkId++;
    running = { id: checkId, json, started: performance.now() };
    cancelledJson = '';
    showProblem('');
    cancelButton.disabled = false;
    checkButton.disabled = true;
    setVerdict('checking', 'Checking…');
    ticker = setInterval(() => {
      if (running) setVerdict('checking', `Checking… ${((performance.now() - running.started) / 1000).toFixed(1)} s`);
    }, 250);
    w.postMessage({ id: checkId, json, budget: Number(budgetSelect.value) });
  }

  /** @param {boolean} [quiet] */
  function cancel(quiet) {
    if (!running) return;
    cancelledJson = running.json;
    worker?.terminate();
    worker = null;
    finishRunning();
    if (!quiet) {
      setVerdict('cancelled', 'Check cancelled: no verdict');
      ctx.announce('History check cancelled.');
    }
  }

  /**
   * Reads the history of the run so far from the engine (when it may have changed).
   * @param {boolean} force
   */
  function takeSnapshot(force) {
    const view = lastView;
    if (!view) return;
    const key = `${view.steps}|${view.nowMs}|${view.clients.map((c) => `${c.client}:${c.ops.length}:${c.pending}`).join(',')}`;
    if (!force && key === snapKey) return;
    if (!force && ctx.playing && performance.now() - snapWall < LIVE_REFRESH_MS) return;
    snapKey = key;
    snapWall = performance.now();
    let json;
    let sources;
    try {
      json = ctx.playground.history();
      sources = JSON.parse(ctx.playground.historySources());
    } catch (error) {
      showProblem(`The clients' history could not be read: ${String(/** @type {any} */ (error)?.message ?? error)}`);
      return;
    }
    if (snap && snap.json === json) {
      // Operations without an answer stay open up to now: stretch them.
      if (snap.nowMs !== view.nowMs && snap.ops.some((op) => op.return === undefined || op.return === null)) {
        snap.nowMs = view.nowMs;
        drawChart();
      }
      return;
    }
    const parsed = JSON.parse(json);
    snap = { json, ops: parsed.ops, sources, nowMs: view.nowMs, description: parsed.description ?? '' };
    drawChart();
    drawVerdict();
  }

  function drawVerdict() {
    if (running) return;
    if (!snap || snap.ops.length === 0) {
      setVerdict('none', 'No operations to check');
      explain.hidden = true;
      return;
    }
    if (!report || reportJson !== snap.json) {
      if (cancelledJson === snap.json) setVerdict('cancelled', 'Check cancelled: no verdict');
      else setVerdict(report ? 'stale' : 'none', report
        ? 'Not checked since the last operations (press Check, or pause)'
        : 'Not checked yet (press Check, or pause)');
      explain.hidden = true;
      return;
    }
    const steps = report.budget ? ` · ${report.steps.toLocaleString('en')} steps` : '';
    if (report.verdict === 'ok') setVerdict('ok', `Linearizable${steps}`);
    else if (report.verdict === 'violation') setVerdict('violation', `NOT linearizable${steps}`);
    else setVerdict('unknown', `Unknown: the search ran out of its budget${steps} (raise the budget)`);
    drawExplanation();
  }

  /** @param {number} i */
  function opName(i) {
    const op = snap?.ops[i];
    const src = snap?.sources[i];
    if (!op) return `#${i}`;
    return `#${i} (client ${op.client}${src ? `, op${src.op} via n${src.node}` : ''}: ${opLabel(op)})`;
  }

  function drawExplanation() {
    explain.replaceChildren();
    const bad = (report?.keys ?? []).filter((k) => k.violation);
    explain.hidden = bad.length === 0;
    for (const k of bad) {
      const v = k.violation;
      const p = el('p');
      const order = v.longest_linearization.map((/** @type {any} */ s) => `#${s.op} (then ${valueText(s.value_after)})`).join(', ');
      p.textContent = `Key "${k.key}": no order of single operations explains these ${v.failing_ops.length} (of ${k.op_count}) operations: ` +
        `${v.failing_ops.map(opName).join('; ')}. Starting from ${v.any_initial_value ? 'whatever the key held before them' : valueText(v.initial_value)}, ` +
        `the longest order the checker could justify is ${order || 'empty'}; ` +
        `${v.unplaced_ops.map((/** @type {number} */ i) => `#${i}`).join(', ') || 'nothing'} cannot be placed after it.` +
        (v.shrink_complete ? '' : ' (The search for the smallest set ran out of budget: the set may not be minimal.)');
      explain.append(p);
    }
  }

  /** The register around op `i` per the report's longest linearization, if it is in it. @param {number} i */
  function registerAround(i) {
    if (!report || !snap || reportJson !== snap.json) return null;
    const op = snap.ops[i];
    const k = (report.keys ?? []).find((x) => x.key === op.key);
    const v = k?.violation;
    if (!v) return null;
    const at = v.longest_linearization.findIndex((/** @type {any} */ s) => s.op === i);
    if (at < 0) return null;
    const before = at === 0
      ? (v.any_initial_value ? 'any value (earlier operations were cut away)' : valueText(v.initial_value))
      : valueText(v.longest_linearization[at - 1].value_after);
    return { before, after: valueText(v.longest_linearization[at].value_after), place: at + 1 };
  }

  /** For an operation the checker could not place: the register after its longest linearization. @param {number} i */
  function unplacedAfter(i) {
    if (!report || !snap || reportJson !== snap.json) return null;
    const k = (report.keys ?? []).find((/** @type {any} */ x) => x.key === snap?.ops[i]?.key);
    const v = k?.violation;
    if (!v || !v.unplaced_ops.includes(i)) return null;
    const steps = v.longest_linearization;
    if (steps.length) return valueText(steps[steps.length - 1].value_after);
    return v.any_initial_value ? 'any value (earlier operations were cut away)' : valueText(v.initial_value);
  }

  /** @param {number} i */
  function showDetail(i) {
    if (!snap) return;
    const op = snap.ops[i];
    if (!op) return;
    shownOp = i;
    detail.replaceChildren();
    const src = snap.sources[i];
    const known = op.return !== undefined && op.return !== null;
    const lines = [
      `${opName(i)}`,
      `called at ${op.call} ms, ${known ? `returned at ${op.return} ms` : `no answer (${src?.state === 'timed-out' ? 'timed out' : 'still pending'}): unknown outcome`}`,
      src ? `typed: ${src.line}` : '',
      `asked: ${op.kind}${op.input ? ` ${JSON.stringify(op.input)}` : ''}; told: ${known ? (op.output ? JSON.stringify(op.output) : 'OK') : 'nothing'}`,
    ];
    const around = registerAround(i);
    const after = unplacedAfter(i);
    if (after) {
      lines.push(`register before: ${after} (after the checker's longest linearization), and this operation cannot be placed there: its answer does not fit`);
    } else if (around) {
      lines.push(`register before: ${around.before} · after: ${around.after} (step ${around.place} of the checker's longest linearization)`);
    } else {
      lines.push('Register before / after: the checker reports values only for the operations of its longest linearization, so only the operation\'s input and output are shown.');
    }
    for (const line of lines.filter(Boolean)) detail.append(el('p', '', line));
  }

  function keysOf() {
    /** @type {string[]} */
    const keys = [];
    for (const op of snap?.ops ?? []) if (!keys.includes(op.key)) keys.push(op.key);
    return keys.sort();
  }

  function drawChart() {
    if (!snap) return;
    const keys = keysOf();
    const leftOut = snap.description.includes('left out');
    empty.hidden = keys.length > 0;
    chart.hidden = keys.length === 0;
    // Operations that all failed (say, before a leader was elected) are still operations: the
    // empty state then says none can be judged yet, and the note says why.
    empty.textContent = leftOut
      ? 'No operation the checker can judge yet: send a put, get or del of one key from the console.'
      : 'No client operations yet: send some from the console (put, get, del).';
    note.textContent = leftOut || snap.description.includes('truncated')
      ? snap.description.replace(/^[^;]*;\s*/, 'Note: ').replace(/;\s*/g, '; ')
      : '';
    // Keys: the select lists each with its verdict; a violating key is shown first by default.
    const verdictOf = (/** @type {string} */ key) => (report && reportJson === snap?.json
      ? (report.keys ?? []).find((/** @type {any} */ k) => k.key === key)?.verdict
      : undefined);
    if (!keys.includes(chosenKey)) {
      chosenKey = keys.find((k) => verdictOf(k) === 'violation') ?? keys[0] ?? '';
    } else if (verdictOf(chosenKey) !== 'violation' && keySelect.dataset.userPicked !== 'true') {
      chosenKey = keys.find((k) => verdictOf(k) === 'violation') ?? chosenKey;
    }
    keySelect.replaceChildren();
    for (const key of keys) {
      const v = verdictOf(key);
      const words = v === 'ok' ? 'linearizable' : v === 'violation' ? 'NOT linearizable' : v === 'unknown' ? 'unknown' : 'not checked';
      const option = /** @type {HTMLOptionElement} */ (el('option', '', `${key} — ${words}`));
      option.value = key;
      keySelect.append(option);
    }
    keySelect.value = chosenKey;

    // The key's operations, their time span, and per-client lanes.
    const mine = snap.ops.map((op, i) => ({ op, i })).filter(({ op }) => op.key === chosenKey);
    if (mine.length === 0) { rowsBox.replaceChildren(); axis.replaceChildren(); return; }
    const t0 = Math.min(...mine.map(({ op }) => op.call));
    const t1 = Math.max(snap.nowMs, ...mine.map(({ op }) => op.return ?? op.call));
    const span = Math.max(1, t1 - t0);
    // Time runs over 2%..80% of the track: room on the right for the label of a last, short bar.
    const pct = (/** @type {number} */ t) => `${(((t - t0) / span) * 78 + 2).toFixed(3)}%`;
    const width = (/** @type {number} */ a, /** @type {number} */ b) => `${Math.max(0.6, ((b - a) / span) * 78).toFixed(3)}%`;

    const key = chosenKey;
    const k = report && reportJson === snap.json ? (report.keys ?? []).find((/** @type {any} */ x) => x.key === key) : undefined;
    const v = k?.violation;
    const failing = new Set(v?.failing_ops ?? []);
    const unplaced = new Set(v?.unplaced_ops ?? []);
    const ignored = new Set(v?.outcome_ignored_ops ?? []);
    const order = new Map((v?.longest_linearization ?? []).map((/** @type {any} */ s, /** @type {number} */ n) => [s.op, n + 1]));

    const clients = [...new Set(mine.map(({ op }) => op.client))].sort((a, b) => a - b);
    // Wide enough that a busy client's bars keep their labels (the chart scrolls sideways).
    const busiest = Math.max(...clients.map((c) => mine.filter(({ op }) => op.client === c).length));
    chart.style.minWidth = `${Math.max(520, Math.round(72 + (busiest * 72) / 0.78))}px`;
    rowsBox.replaceChildren();
    const seen = new Set();
    for (const client of clients) {
      const ops = mine.filter(({ op }) => op.client === client).sort((a, b) => a.op.call - b.op.call);
      const { lanes, count } = laneOf(ops.map(({ op }) => ({ start: op.call, end: op.return ?? t1 })));
      const row = el('div', 'hist-row');
      row.style.setProperty('--lanes', String(count));
      const head = el('div', 'hist-head', `client ${client}`);
      const track = el('div', 'hist-track');
      row.append(head, track);
      ops.forEach(({ op, i }, n) => {
        seen.add(i);
        let b = bars.get(i);
        if (!b) {
          b = /** @type {HTMLButtonElement} */ (el('button', 'hop'));
          b.type = 'button';
          b.dataset.op = String(i);
          b.addEventListener('mouseenter', () => showDetail(i));
          b.addEventListener('focus', () => showDetail(i));
          b.addEventListener('click', () => showDetail(i));
          bars.set(i, b);
        }
        const known = op.return !== undefined && op.return !== null;
        const read = op.kind === 'get';
        b.className = [
          'hop', read ? 'kind-read' : 'kind-write', known ? 'done' : 'open',
          snap?.sources[i]?.state === 'timed-out' ? 'timeout' : '',
          op.kind === 'cas' && known && !op.output?.succeeded ? 'failed' : '',
          failing.has(i) ? 'failing' : '', unplaced.has(i) ? 'unplaced' : '',
          order.has(i) ? 'linearized' : '', ignored.has(i) ? 'ignored' : '',
        ].filter(Boolean).join(' ');
        b.style.left = pct(op.call);
        b.style.width = width(op.call, known ? op.return : t1);
        b.style.setProperty('--lane', String(lanes[n]));
        const label = `${order.has(i) ? `${order.get(i)}. ` : ''}${opLabel(op)}`;
        b.textContent = label;
        const words = `${opName(i)}, ${op.call}–${known ? op.return : '?'} ms` +
          (failing.has(i) ? ', in the checker\'s proof' : '') +
          (order.has(i) ? `, step ${order.get(i)} of the longest linearization` : '') +
          (unplaced.has(i) ? ', cannot be placed after it' : '');
        b.title = words;
        b.setAttribute('aria-label', words);
        track.append(b);
      });
      rowsBox.append(row);
    }
    for (const id of [...bars.keys()]) if (!seen.has(id)) bars.delete(id);

    // Axis: a tick every 160 px or so.
    axis.replaceChildren();
    const ticks = Math.max(4, Math.round((parseFloat(chart.style.minWidth) || 520) * 0.78 / 160));
    for (let n = 0; n <= ticks; n++) {
      const t = Math.round(t0 + (span * n) / ticks);
      const tick = el('span', 'hist-tick num', `${t} ms`);
      tick.style.left = pct(t);
      axis.append(tick);
    }
    // One Tab stop for the whole chart (roving tabindex): arrows move between operations.
    const inOrder = [...bars.values()].sort((x, y) => Number(x.dataset.op) - Number(y.dataset.op));
    const current = (shownOp !== null && bars.get(shownOp)) || [...failing].map((i) => bars.get(i)).find(Boolean) || inOrder[0];
    for (const b of inOrder) b.tabIndex = b === current ? 0 : -1;
    if (shownOp !== null && snap.ops[shownOp]?.key === chosenKey) showDetail(shownOp);
    // A violation: bring its first operation into sight.
    const firstFailing = [...failing].map((i) => bars.get(i)).filter(Boolean)
      .sort((x, y) => /** @type {HTMLElement} */ (x).offsetLeft - /** @type {HTMLElement} */ (y).offsetLeft)[0];
    if (firstFailing && chart.offsetWidth > scroll.clientWidth) {
      scroll.scrollLeft = Math.max(0, firstFailing.offsetLeft + 72 - 24);
    }
  }

  /** @param {View} view */
  function update(view) {
    takeSnapshot(false);
    // Auto-check when paused: the history as it stands, once.
    if (!ctx.playing && snap && snap.ops.length > 0 && reportJson !== snap.json
      && cancelledJson !== snap.json && failedJson !== snap.json && (!running || running.json !== snap.json)) {
      startCheck(snap.json);
    }
    void view;
  }

  keySelect.addEventListener('change', () => { keySelect.dataset.userPicked = 'true'; });
  // After every render and on play / pause (auto-check when paused).
  ctx.onChange((view) => {
    if (!view || root.closest('[hidden]')) return;
    lastView = view;
    update(view);
  });

  return {
    render(view) {
      lastView = view;
      if (ctx.playground !== playground) {
        // A new run: forget the old history and any check of it.
        playground = ctx.playground;
        if (running) cancel(true);
        snap = null; snapKey = ''; report = null; reportJson = ''; cancelledJson = ''; failedJson = '';
        shownOp = null; chosenKey = ''; delete keySelect.dataset.userPicked;
        bars.clear(); rowsBox.replaceChildren(); axis.replaceChildren(); detail.replaceChildren();
        explain.hidden = true;
        showProblem('');
        setVerdict('none', 'Not checked yet');
      }
    },
  };
}
