// The space-time (sequence) diagram: one lane per node, time flowing left to right, each
// message an arrow from its sender's lane when it was sent to its recipient's lane when it
// arrived (a dropped one ends early with a cross), elections, commits and crashes marked on the
// lanes, and a cursor at the moment the ring, logs and state hash show. Its data is the
// engine's `Playground.spacetime(fromMs, toMs, maxArrows)` for the visible window only: no
// Raft logic here. Pans (drag, arrow keys, buttons), zooms (ctrl + wheel, + / - keys, buttons),
// selects a message everywhere (click, or Tab to an arrow then Enter) and seeks (click a lane
// or a mark).

import { svg, html, setText, setAttr, shapeOf } from './svg.js';

/** @typedef {import('./types.js').View} View */

/** At most this many arrows (and marks) are drawn: the newest in the window. */
const ARROWS_MAX = 600;
/** The window's width at start (virtual ms). */
const SPAN_DEFAULT = 1500;
const SPAN_MIN = 40;
const SPAN_MAX = 120_000;
/** Zoom step of one button press or key. */
const ZOOM_STEP = 1.5;
/** Width of the lane labels (px) and height of the time axis (px). */
const GUTTER = 34;
const AXIS_H = 16;
/** While following the present, the cursor stands this far across the window. */
const FOLLOW_AT = 0.92;
/** A pointer that moves less than this (px) between down and up clicks; more pans. */
const DRAG_PX = 4;

/** How an arrow ended, in words. */
function endWords(a) {
  switch (a.end) {
    case 'delivered': return `delivered at ${a.endMs} ms`;
    case 'dropped': return `dropped at ${a.endMs} ms (${(a.reason ?? '').replace('-', ' ')})`;
    case 'in-flight': return `on the wire, due at ${a.endMs} ms`;
    case 'held': return 'held on the wire';
    default: return 'ends later';
  }
}

/** One line for an arrow: "m17 MsgApp n1→n2 term 2 · sent 1200 ms · delivered at 1225 ms". */
export function arrowLine(a) {
  const copy = a.copyOf !== undefined ? ` (copy of m${a.copyOf})` : '';
  return `m${a.id}${copy} ${a.kind} n${a.from}→n${a.to} term ${a.term} · sent ${a.sentMs} ms · ${endWords(a)}`;
}

/** A time for the axis: "850 ms", "1.2 s", "1 min 5 s". */
function timeLabel(ms, step) {
  if (step < 1000 && ms < 10_000) return `${ms} ms`;
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(step < 1000 ? 2 : 1))} s`;
  const min = Math.floor(ms / 60_000);
  return `${min} min ${Number(((ms % 60_000) / 1000).toFixed(1))} s`;
}

/** The window in seconds: "1.68–3.18 s". */
function rangeText(from, to) {
  const digits = to - from < 2000 ? 2 : 1;
  return `${(from / 1000).toFixed(digits)}–${(to / 1000).toFixed(digits)} s`;
}

/** A tick spacing of 1, 2 or 5 × 10^k ms giving at least `minPx` between ticks. */
function tickStep(pxPerMs, minPx) {
  const raw = minPx / pxPerMs;
  const base = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (base * m >= raw) return Math.max(1, base * m);
  return base * 10;
}

const MARK_WORDS = { leader: 'Leader', candidate: 'Election', commit: 'Commit', crash: 'Crash', restart: 'Restart', pause: 'Pause', resume: 'Resume' };

/**
 * @param {HTMLElement} root
 * @param {import('./types.js').Ctx} ctx
 * @returns {import('./types.js').ViewModule}
 */
export function mount(root, ctx) {
  root.classList.add('spacetime-view');

  // The toolbar: pan, zoom, follow, what is shown, the selected message.
  const bar = html('div', 'st-bar', undefined, root);
  bar.setAttribute('role', 'toolbar');
  bar.setAttribute('aria-label', 'Space-time diagram controls');
  /** @param {string} text @param {string} label @param {() => void} onClick */
  const button = (text, label, onClick) => {
    const b = /** @type {HTMLButtonElement} */ (html('button', 'btn small', text, bar));
    b.type = 'button';
    b.setAttribute('aria-label', label);
    b.title = label;
    b.addEventListener('click', onClick);
    return b;
  };
  button('◀', 'Earlier (pan left)', () => pan(-0.25));
  button('▶', 'Later (pan right)', () => pan(0.25));
  const zoomIn = button('+', 'Zoom in', () => zoom(1 / ZOOM_STEP));
  zoomIn.dataset.testid = 'st-zoom-in';
  const zoomOut = button('−', 'Zoom out', () => zoom(ZOOM_STEP));
  zoomOut.dataset.testid = 'st-zoom-out';
  const followButton = button('Now', 'Follow the present', () => { following = true; ctx.announce('The diagram follows the present.'); draw(); });
  const range = html('span', 'st-range num', '', bar);
  const summary = html('span', 'st-summary', '', bar);
  summary.dataset.testid = 'st-summary';
  const legend = /** @type {HTMLDetailsElement} */ (html('details', 'st-legend', undefined, bar));
  html('summary', '', 'Key', legend);
  buildLegend(legend);

  // The diagram.
  const frame = html('div', 'st-frame', undefined, root);
  const hint = 'Space-time diagram: one lane per node, time left to right. Arrow keys pan, + and − zoom, Home follows the present; [ and ] go to the previous and next election or commit; Tab reaches the arrows (left and right arrow keys move between them, Enter selects, Shift+Enter goes to when it was sent); click a lane or a mark to go to that moment.';
  const canvas = svg('svg', { class: 'st-svg', tabindex: 0, role: 'group', 'aria-label': hint }, frame);
  const defs = svg('defs', {}, canvas);
  const clip = svg('clipPath', { id: 'st-clip' }, defs);
  const clipRect = svg('rect', { x: GUTTER, y: 0, width: 10, height: 10 }, clip);
  const laneLayer = svg('g', { class: 'st-lanes' }, canvas);
  const plot = svg('g', { 'clip-path': 'url(#st-clip)' }, canvas);
  // Everything in `timeG` is drawn at x = (t - origin) * pxPerMs; panning only moves it.
  const timeG = svg('g', { class: 'st-time' }, plot);
  const gridLayer = svg('g', { class: 'st-grid', 'aria-hidden': 'true' }, timeG);
  const markLayer = svg('g', { class: 'st-marks' }, timeG);
  const arrowLayer = svg('g', { class: 'st-arrows', role: 'list', 'aria-label': 'Messages in the window' }, timeG);
  const cursor = svg('line', { class: 'st-cursor', 'aria-hidden': 'true' }, timeG);
  const axisLayer = svg('g', { class: 'st-axis', 'aria-hidden': 'true' }, canvas);
  const axisTimeG = svg('g', {}, axisLayer);
  const empty = html('p', 'hint st-empty', 'No messages in this window.', frame);

  let following = true;
  let spanMs = SPAN_DEFAULT;
  /** Until the user zooms, the window's width follows the diagram's (about 1.25 ms a pixel). */
  let zoomed = false;
  /** Right edge of the window when not following (virtual ms). */
  let endMs = SPAN_DEFAULT;
  let width = 0;
  let height = 0;
  /** The x origin of `timeG` (virtual ms); moved only when the zoom or the size changes. */
  let origin = 0;
  let pxPerMs = 0;
  /** @type {View | null} */
  let last = null;
  /** @type {any} */
  let data = null;
  let fetchedKey = '';
  let geomKey = '';
  /** @type {Map<number, number>} lane y by node id */
  let laneY = new Map();
  let laneH = 0;
  /** @type {Map<number, any>} */
  const arrowEls = new Map();
  /** @type {Map<number, any>} */
  const markEls = new Map();
  /** @type {Map<number, any>} */
  const laneEls = new Map();
  /** @type {Map<number, {line: SVGElement, text: SVGElement}>} */
  const tickEls = new Map();
  /** The arrow that Tab lands on (roving tabindex). */
  let focusId = -1;
  /** Last known line of the selected message (it may leave the window). */
  let selectedLine = '';

  function windowNow() {
    const display = ctx.displayMs;
    if (following) {
      const end = Math.max(spanMs, display + spanMs * (1 - FOLLOW_AT));
      return { from: end - spanMs, to: end };
    }
    return { from: Math.max(0, endMs - spanMs), to: Math.max(spanMs, endMs) };
  }

  /** @param {number} fraction of the window (negative: earlier) */
  function pan(fraction) {
    const w = windowNow();
    following = false;
    endMs = Math.max(spanMs, w.to + fraction * spanMs);
    draw();
  }

  /** @param {number} factor @param {number} [anchor] the virtual time that stays put */
  function zoom(factor, anchor) {
    const w = windowNow();
    const next = Math.min(SPAN_MAX, Math.max(SPAN_MIN, spanMs * factor));
    if (next === spanMs) return;
    if (!following) {
      const at = anchor ?? (w.from + w.to) / 2;
      const share = (at - w.from) / spanMs;
      endMs = at - share * next + next;
    }
    spanMs = next;
    zoomed = true;
    draw();
  }

  function measure() {
    width = Math.max(100, frame.clientWidth);
    height = Math.max(60, frame.clientHeight);
    if (!zoomed) spanMs = Math.min(SPAN_DEFAULT, Math.max(300, Math.round((width - GUTTER) * 1.25)));
  }

  /** x in the time group of virtual time `t`. */
  const tx = (t) => (t - origin) * pxPerMs;

  function layoutLanes(nodes) {
    const top = 4;
    const bottom = height - AXIS_H;
    laneH = (bottom - top) / Math.max(1, nodes.length);
    laneY = new Map(nodes.map((id, i) => [id, top + laneH * (i + 0.5)]));
    const keep = new Set(nodes);
    for (const [id, lane] of laneEls) if (!keep.has(id)) { lane.g.remove(); laneEls.delete(id); }
    for (const id of nodes) {
      let lane = laneEls.get(id);
      if (!lane) {
        const g = svg('g', { class: 'st-lane', 'data-node': id }, laneLayer);
        lane = {
          g,
          band: svg('rect', { class: 'st-band', x: GUTTER }, g),
          line: svg('line', { class: 'st-lane-line', x1: GUTTER }, g),
          // Clicking a lane's name selects the node (a pointer shortcut: keys 1-9 do it too).
          label: svg('text', { class: 'st-lane-label', x: GUTTER - 6 }, g),
        };
        lane.label.textContent = `n${id}`;
        laneEls.set(id, lane);
      }
      const y = /** @type {number} */ (laneY.get(id));
      setAttr(lane.band, 'y', (y - laneH / 2).toFixed(1));
      setAttr(lane.band, 'height', laneH.toFixed(1));
      setAttr(lane.band, 'width', Math.max(0, width - GUTTER));
      setAttr(lane.line, 'y1', y.toFixed(1));
      setAttr(lane.line, 'y2', y.toFixed(1));
      setAttr(lane.line, 'x2', width);
      setAttr(lane.label, 'y', (y + 4).toFixed(1));
      setAttr(lane.label, 'font-size', Math.min(13, Math.max(9, laneH * 0.75)).toFixed(0));
    }
  }

  /** Arrow geometry: start, end, and where a lost or held one stops. */
  function geometry(a, w) {
    const y0 = laneY.get(a.from) ?? 0;
    const y1 = laneY.get(a.to) ?? 0;
    const x0 = tx(a.sentMs);
    if (a.end === 'delivered' || a.end === 'in-flight') {
      return { x0, y0, x1: Math.max(tx(a.endMs), x0 + 1), y1, cut: false };
    }
    // Dropped, held or beyond the data: it stops part of the way, at its end time (or the
    // window's end), at least a few pixels out so a loss at the moment of sending shows.
    const endAt = a.end === 'dropped' ? a.endMs : a.end === 'held' ? w.now : w.to;
    const x1 = Math.max(tx(endAt), x0 + Math.min(14, Math.abs(y1 - y0) * 0.5 + 6));
    return { x0, y0, x1, y1: y0 + (y1 - y0) * 0.45, cut: a.end === 'dropped' };
  }

  function placeArrow(rec, a, w) {
    const g = geometry(a, w);
    const d = `M${g.x0.toFixed(1)},${g.y0.toFixed(1)}L${g.x1.toFixed(1)},${g.y1.toFixed(1)}`;
    setAttr(rec.line, 'd', d);
    setAttr(rec.hit, 'd', d);
    // The head: a small triangle along the arrow's direction, or a cross where it was lost.
    const dx = g.x1 - g.x0;
    const dy = g.y1 - g.y0;
    const len = Math.hypot(dx, dy) || 1;
    const ux = dx / len;
    const uy = dy / len;
    const s = Math.min(5, Math.max(3, laneH * 0.22));
    if (g.cut) {
      const r = s * 0.9;
      setAttr(rec.head, 'd', `M${g.x1 - r},${g.y1 - r}L${g.x1 + r},${g.y1 + r}M${g.x1 + r},${g.y1 - r}L${g.x1 - r},${g.y1 + r}`);
    } else if (a.end === 'delivered' || a.end === 'in-flight') {
      const bx = g.x1 - ux * s * 1.6;
      const by = g.y1 - uy * s * 1.6;
      setAttr(rec.head, 'd', `M${g.x1.toFixed(1)},${g.y1.toFixed(1)}L${(bx - uy * s).toFixed(1)},${(by + ux * s).toFixed(1)}L${(bx + uy * s).toFixed(1)},${(by - ux * s).toFixed(1)}Z`);
    } else {
      setAttr(rec.head, 'd', `M${g.x1.toFixed(1)},${(g.y1 - s).toFixed(1)}V${(g.y1 + s).toFixed(1)}`);
    }
  }

  function arrowClass(a, selected, hl) {
    return ['st-arrow', `t${a.term % 8}`, `shape-${shapeOf(a.kind)}`, a.response ? 'response' : '',
      a.reject ? 'reject' : '', a.entries ? 'entries' : '', `end-${a.end}`,
      selected ? 'selected' : '', hl ? 'hl' : ''].filter(Boolean).join(' ');
  }

  function drawArrows(w, force) {
    const selected = ctx.selection.message;
    const hl = new Set(ctx.highlight?.messages ?? []);
    const keep = new Set();
    const arrows = data ? data.arrows : [];
    let newest = -1;
    for (const id of arrowEls.keys()) newest = Math.max(newest, id);
    let outOfOrder = false;
    for (const a of arrows) {
      keep.add(a.id);
      let rec = arrowEls.get(a.id);
      const key = `${a.end}|${a.endMs}`;
      if (!rec) {
        const g = svg('g', { 'data-message': a.id, role: 'listitem', tabindex: -1 }, arrowLayer);
        rec = {
          g,
          hit: svg('path', { class: 'st-hit' }, g),
          line: svg('path', { class: 'st-line' }, g),
          head: svg('path', { class: 'st-head' }, g),
          key: '', state: '', label: '', geom: '',
        };
        arrowEls.set(a.id, rec);
        if (a.id < newest) outOfOrder = true;
      }
      // The class and label change only with the arrow's end, the selection or a highlight.
      const isSelected = a.id === selected;
      const isHl = hl.has(a.id);
      const state = `${key}|${isSelected}|${isHl}`;
      if (rec.state !== state) {
        rec.g.setAttribute('class', arrowClass(a, isSelected, isHl));
        if (rec.key !== key) {
          rec.label = arrowLine(a);
          rec.g.setAttribute('aria-label', rec.label);
        }
        rec.state = state;
      }
      // Held and unknown arrows stop at the present or the window's end, which move.
      const moving = a.end === 'held' || a.end === 'unknown';
      if (force || moving || rec.key !== key || rec.geom !== geomKey) {
        placeArrow(rec, a, w);
        rec.key = key;
        rec.geom = geomKey;
      }
      const label = rec.label;
      rec.a = a;
      if (a.id === selected) selectedLine = label;
    }
    for (const [id, rec] of arrowEls) {
      if (!keep.has(id)) { rec.g.remove(); arrowEls.delete(id); }
    }
    if (outOfOrder) {
      // Older arrows came into view (a pan or zoom into the past): keep the DOM, the tab
      // order and the keyboard's left / right in id (send) order.
      const ordered = arrows.map((a) => [a.id, arrowEls.get(a.id)]);
      arrowEls.clear();
      for (const [id, rec] of ordered) { arrowEls.set(id, rec); arrowLayer.append(rec.g); }
    }
    // Roving tabindex: one arrow is reachable by Tab (the selected one, else the newest).
    let target = selected !== undefined && arrowEls.has(selected) ? selected
      : arrowEls.has(focusId) ? focusId : (arrows.length ? arrows[arrows.length - 1].id : -1);
    for (const [id, rec] of arrowEls) setAttr(rec.g, 'tabindex', id === target ? 0 : -1);
    focusId = target;
    empty.hidden = arrows.length > 0;
  }

  function drawMarks(force) {
    const keep = new Set();
    const hlNodes = new Set(ctx.highlight?.nodes ?? []);
    for (const m of data ? data.marks : []) {
      keep.add(m.id);
      let rec = markEls.get(m.id);
      if (!rec) {
        const g = svg('g', { class: `st-mark kind-${m.kind}${m.term !== undefined ? ` t${m.term % 8}` : ''}`, 'data-at': m.atMs }, markLayer);
        const title = svg('title', {}, g);
        title.textContent = `${m.text} at ${m.atMs} ms (click to go there)`;
        rec = { g, shape: svg('path', { class: 'st-mark-shape' }, g), label: null, geom: '' };
        if (m.kind === 'leader') rec.label = svg('text', { class: 'st-mark-term' }, g);
        markEls.set(m.id, rec);
      }
      setAttr(rec.g, 'data-hl', hlNodes.has(m.node) ? 'true' : null);
      if (!force && rec.geom === geomKey) continue;
      rec.geom = geomKey;
      const x = tx(m.atMs);
      const y = laneY.get(m.node) ?? 0;
      const s = Math.min(6, Math.max(3.5, laneH * 0.3));
      let d;
      switch (m.kind) {
        case 'leader': d = `M${x - s},${y + s * 0.6}L${x - s},${y - s * 0.7}L${x - s * 0.5},${y - s * 0.1}L${x},${y - s}L${x + s * 0.5},${y - s * 0.1}L${x + s},${y - s * 0.7}L${x + s},${y + s * 0.6}Z`; break;
        case 'candidate': d = `M${x - s * 0.7},${y}a${s * 0.7},${s * 0.7} 0 1,0 ${s * 1.4},0a${s * 0.7},${s * 0.7} 0 1,0 ${-s * 1.4},0`; break;
        case 'commit': d = `M${x},${y - laneH * 0.42}V${y + laneH * 0.42}`; break;
        case 'crash': d = `M${x - s},${y - s}L${x + s},${y + s}M${x + s},${y - s}L${x - s},${y + s}`; break;
        default: d = `M${x},${y - s}V${y + s}M${x - s * 0.8},${y}H${x + s * 0.8}`;
      }
      rec.shape.setAttribute('d', d);
      if (rec.label) {
        setAttr(rec.label, 'x', (x + s + 2).toFixed(1));
        setAttr(rec.label, 'y', (y - s * 0.2).toFixed(1));
        setText(rec.label, `T${m.term}`);
      }
    }
    for (const [id, rec] of markEls) {
      if (!keep.has(id)) { rec.g.remove(); markEls.delete(id); }
    }
  }

  function drawAxis(w) {
    const step = tickStep(pxPerMs, 70);
    const first = Math.ceil(w.from / step) * step;
    const keep = new Set();
    for (let t = first; t <= w.to; t += step) {
      keep.add(t);
      let tick = tickEls.get(t);
      if (!tick) {
        tick = {
          line: svg('line', { class: 'st-gridline' }, gridLayer),
          text: svg('text', { class: 'st-tick', y: height - 4 }, axisTimeG),
        };
        tickEls.set(t, tick);
      }
      const x = tx(t);
      setAttr(tick.line, 'x1', x.toFixed(1));
      setAttr(tick.line, 'x2', x.toFixed(1));
      setAttr(tick.line, 'y1', 0);
      setAttr(tick.line, 'y2', height - AXIS_H);
      setAttr(tick.text, 'x', x.toFixed(1));
      setAttr(tick.text, 'y', height - 4);
      setText(tick.text, timeLabel(t, step));
    }
    for (const [t, tick] of tickEls) {
      if (!keep.has(t)) { tick.line.remove(); tick.text.remove(); tickEls.delete(t); }
    }
  }

  /** Moves the time group so the window shows, and the cursor to `display`. */
  function place(w, display) {
    const shift = `translate(${(GUTTER - tx(w.from)).toFixed(2)} 0)`;
    timeG.setAttribute('transform', shift);
    axisTimeG.setAttribute('transform', shift);
    const x = tx(display).toFixed(1);
    setAttr(cursor, 'x1', x);
    setAttr(cursor, 'x2', x);
    setAttr(cursor, 'y1', 0);
    setAttr(cursor, 'y2', height - AXIS_H);
  }

  function draw() {
    const view = last;
    if (!view || !ctx.playground || root.closest('[hidden]')) return;
    measure();
    const w = windowNow();
    const from = Math.max(0, Math.floor(w.from));
    const to = Math.ceil(w.to);
    const nextPx = (width - GUTTER) / spanMs;
    // The origin moves only when the zoom or the size changes (then every arrow is placed
    // again); panning and following only shift the time group.
    const geom = `${nextPx.toFixed(6)}|${width}|${height}|${view.nodes.map((n) => n.id).join(',')}`;
    const force = geom !== geomKey;
    if (force) {
      geomKey = geom;
      pxPerMs = nextPx;
      origin = from;
      setAttr(canvas, 'viewBox', `0 0 ${width} ${height}`);
      setAttr(canvas, 'width', width);
      setAttr(canvas, 'height', height);
      setAttr(clipRect, 'width', Math.max(0, width - GUTTER));
      setAttr(clipRect, 'height', height);
      layoutLanes(view.nodes.map((n) => n.id));
    }
    const key = `${from}|${to}|${view.steps}|${view.nowMs}`;
    if (key !== fetchedKey) {
      try {
        data = ctx.playground.spacetime(from, to, ARROWS_MAX);
      } catch (error) {
        console.error(error);
        data = null;
      }
      fetchedKey = key;
    }
    const wNow = { from, to, now: view.nowMs };
    drawArrows(wNow, force);
    drawMarks(force);
    drawAxis(w);
    place(w, ctx.displayMs);
    root.dataset.fromMs = String(from);
    root.dataset.spanMs = String(spanMs);
    root.dataset.toMs = String(data ? data.toMs : to);
    const hlNodes = new Set(ctx.highlight?.nodes ?? []);
    for (const [id, lane] of laneEls) {
      setAttr(lane.g, 'class', ['st-lane', hlNodes.has(id) ? 'hl' : '', ctx.selection.node === id ? 'selected' : '',
        view.nodes.find((n) => n.id === id)?.crashed ? 'crashed' : ''].filter(Boolean).join(' '));
    }
    setAttr(followButton, 'aria-pressed', following ? 'true' : 'false');
    const shown = data ? data.arrows.length : 0;
    const total = data ? data.arrowsTotal : 0;
    setText(range, `${rangeText(from, to)} · ${shown < total ? `newest ${shown} of ${total}` : shown} arrows`);
    if (ctx.selection.message === undefined) selectedLine = '';
    setText(summary, selectedLine || (data && data.traceStartMs !== undefined && from < data.traceStartMs
      ? `The trace starts at ${data.traceStartMs} ms.` : ''));
    setAttr(summary, 'title', summary.textContent || null);
  }

  // --- Interaction -------------------------------------------------------------------------

  /** Virtual time at a client x. */
  function timeAt(clientX) {
    const rect = canvas.getBoundingClientRect();
    const w = windowNow();
    return w.from + (clientX - rect.left - GUTTER) / ((width - GUTTER) / spanMs);
  }

  /** @param {number} id */
  function selectMessage(id) {
    const rec = arrowEls.get(id);
    ctx.select({ message: id });
    if (rec) ctx.announce(`Selected ${rec.label}.`);
  }

  /** @param {number} ms */
  function seek(ms) {
    const target = Math.max(0, Math.round(ms));
    if (ctx.seek(target)) ctx.announce(`Went to ${target} ms.`);
  }

  let drag = null;
  canvas.addEventListener('pointerdown', (event) => {
    const e = /** @type {PointerEvent} */ (event);
    if (e.button !== 0) return;
    drag = { x: e.clientX, id: e.pointerId, end: windowNow().to, moved: false, target: e.target };
  });
  canvas.addEventListener('pointermove', (event) => {
    const e = /** @type {PointerEvent} */ (event);
    if (!drag || drag.id !== e.pointerId) return;
    const dx = e.clientX - drag.x;
    if (!drag.moved && Math.abs(dx) < DRAG_PX) return;
    if (!drag.moved) {
      drag.moved = true;
      canvas.setPointerCapture?.(e.pointerId);
      canvas.classList.add('panning');
    }
    following = false;
    endMs = Math.max(spanMs, drag.end - dx / ((width - GUTTER) / spanMs));
    draw();
  });
  const endDrag = (event) => {
    const e = /** @type {PointerEvent} */ (event);
    if (!drag || drag.id !== e.pointerId) return;
    const { moved, target } = drag;
    drag = null;
    canvas.classList.remove('panning');
    if (moved || event.type === 'pointercancel') return;
    const el = /** @type {Element} */ (target);
    const arrow = el.closest?.('[data-message]');
    if (arrow) { selectMessage(Number(arrow.getAttribute('data-message'))); return; }
    const mark = el.closest?.('[data-at]');
    if (mark) { seek(Number(mark.getAttribute('data-at'))); return; }
    const lane = el.closest?.('.st-lane');
    const x = e.clientX - canvas.getBoundingClientRect().left;
    if (lane && x < GUTTER) { ctx.select({ node: Number(lane.getAttribute('data-node')) }); return; }
    if (x >= GUTTER) seek(timeAt(e.clientX));
  };
  canvas.addEventListener('pointerup', endDrag);
  canvas.addEventListener('pointercancel', endDrag);
  canvas.addEventListener('wheel', (event) => {
    const e = /** @type {WheelEvent} */ (event);
    if (e.ctrlKey || e.metaKey) {
      e.preventDefault();
      zoom(e.deltaY > 0 ? ZOOM_STEP : 1 / ZOOM_STEP, timeAt(e.clientX));
    } else if (Math.abs(e.deltaX) > Math.abs(e.deltaY) || e.shiftKey) {
      e.preventDefault();
      const delta = Math.abs(e.deltaX) > Math.abs(e.deltaY) ? e.deltaX : e.deltaY;
      pan(delta / Math.max(1, width - GUTTER));
    }
  }, { passive: false });

  canvas.addEventListener('keydown', (event) => {
    const e = /** @type {KeyboardEvent} */ (event);
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const arrow = /** @type {Element} */ (e.target).closest?.('[data-message]');
    if (arrow) {
      const ids = [...arrowEls.keys()];
      const at = ids.indexOf(Number(arrow.getAttribute('data-message')));
      let next = -1;
      if (e.key === 'ArrowRight') next = Math.min(ids.length - 1, at + 1);
      else if (e.key === 'ArrowLeft') next = Math.max(0, at - 1);
      else if (e.key === 'Enter' && e.shiftKey) {
        e.preventDefault();
        const a = arrowEls.get(ids[at])?.a;
        if (a) seek(a.sentMs);
        return;
      } else if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        selectMessage(ids[at]);
        return;
      }
      if (next >= 0) {
        e.preventDefault();
        focusId = ids[next];
        for (const [id, rec] of arrowEls) setAttr(rec.g, 'tabindex', id === focusId ? 0 : -1);
        /** @type {any} */ (arrowEls.get(focusId)?.g)?.focus();
        return;
      }
    }
    switch (e.key) {
      case '[': case ']': {
        // The previous / next election or commit from the cursor (the timeline's moments, so
        // the recorded future counts too), as the timeline's jumps do.
        const p = ctx.playground;
        const step = p.nowStep();
        const back = e.key === '[';
        const found = ['election', 'commit']
          .map((kind) => (back ? p.previousMoment(kind, step) : p.nextMoment(kind, step)))
          .filter((m) => m !== null)
          .sort((a, b) => (back ? b.step - a.step : a.step - b.step))[0];
        if (found) ctx.seekStep(found.step);
        else ctx.announce(back ? 'No earlier election or commit.' : 'No later election or commit.');
        break;
      }
      case 'ArrowLeft': pan(-0.2); break;
      case 'ArrowRight': pan(0.2); break;
      case '+': case '=': zoom(1 / ZOOM_STEP); break;
      case '-': case '_': zoom(ZOOM_STEP); break;
      case 'Home': following = true; draw(); break;
      default: return;
    }
    e.preventDefault();
  });

  // Redraw at the new size, and at once when the tab is shown.
  new ResizeObserver(() => draw()).observe(frame);
  const observer = new MutationObserver(() => { if (!root.closest('[hidden]')) draw(); });
  for (let node = /** @type {HTMLElement | null} */ (root); node && node !== document.body; node = node.parentElement) {
    observer.observe(node, { attributes: true, attributeFilter: ['hidden'] });
  }

  return {
    render(view) {
      // A jump of the clock (a seek from elsewhere) out of a window the user panned to brings
      // the cursor back into view.
      if (!following && !ctx.playing && last && view.nowMs !== last.nowMs) {
        const w = windowNow();
        if (view.nowMs < w.from || view.nowMs > w.to) endMs = Math.max(spanMs, view.nowMs + spanMs / 2);
      }
      last = view;
      draw();
    },
    tick(displayMs) {
      if (!last || root.closest('[hidden]')) return;
      const w = windowNow();
      place(w, displayMs);
    },
  };
}

/** The key: arrow styles and marks, drawn with the diagram's own classes. */
function buildLegend(details) {
  const list = html('ul', 'st-legend-list', undefined, details);
  const item = (text, draw) => {
    const li = html('li', '', undefined, list);
    const icon = svg('svg', { width: 34, height: 14, viewBox: '0 0 34 14', 'aria-hidden': 'true', class: 'st-legend-icon' }, li);
    draw(icon);
    html('span', '', text, li);
  };
  const line = (cls, cut = false) => (g) => {
    const a = svg('g', { class: `st-arrow t1 ${cls}` }, g);
    svg('path', { class: 'st-line', d: cut ? 'M2,11L20,5' : 'M2,11L30,3' }, a);
    svg('path', { class: 'st-head', d: cut ? 'M17,2L23,8M23,2L17,8' : 'M30,3L23,3.5L25,8.5Z' }, a);
  };
  item('append (thick with entries)', line('shape-app entries end-delivered'));
  item('heartbeat', line('shape-beat end-delivered'));
  item('vote', line('shape-vote end-delivered'));
  item('pre-vote', line('shape-prevote end-delivered'));
  item('response (hollow head)', line('shape-app response end-delivered'));
  item('rejected', line('shape-vote response reject end-delivered'));
  item('dropped: ends with ×', line('shape-app end-dropped', true));
  item('on the wire (dashed)', line('shape-app end-in-flight'));
  const mark = (kind, d, cls = '') => (g) => {
    const m = svg('g', { class: `st-mark kind-${kind} ${cls}` }, g);
    svg('path', { class: 'st-mark-shape', d }, m);
  };
  item('became leader (crown, term)', mark('leader', 'M11,10L11,4L14,7L17,2L20,7L23,4L23,10Z', 't1'));
  item('election started', mark('candidate', 'M13,7a4,4 0 1,0 8,0a4,4 0 1,0 -8,0', 't1'));
  item('commit index advanced', mark('commit', 'M17,1V13'));
  item('crash ×, restart +', mark('crash', 'M6,3L12,11M12,3L6,11M24,3V11M20,7H28'));
  html('li', 'hint', 'Colour: the term, as in the ring. The vertical line is the moment shown everywhere: click a lane or a mark to go there.', list);
}
