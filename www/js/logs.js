// The logs view: one row per node, index columns aligned across rows, entries coloured by term
// (with the term number printed), committed / uncommitted / applied drawn differently (fill,
// outline, hatching: see the legend), the snapshot boundary, the leader's match / next markers
// on each follower row, and entries whose term differs from the leader's at the same index.
//
// Only the columns in sight are in the DOM (horizontal virtual scroll). The view model carries
// the newest `logWindow` entries per node; when the user scrolls back further, the rows ask the
// engine for exactly the columns in sight (`playground.logSlice`). By default the view follows
// the newest entries; scrolling left stops following, scrolling to the right end resumes it.
// Everything shown comes from the view model: the only comparison made here is the display of
// two rows' terms at the same index.

import { html as el } from './svg.js';

/** @typedef {import('./types.js').View} View */
/** @typedef {import('./types.js').Log} Log */
/** @typedef {import('./types.js').LogEntry} LogEntry */

/** Width of one index column (px); must match `--logs-cell-w` in css/logs.css. */
export const CELL_W = 64;
/** Width of the row headers (px); must match `--logs-head-w` in css/logs.css. */
export const HEAD_W = 150;
/** Columns drawn beyond each edge of the visible area, so a small scroll shows no gap. */
const OVERSCAN = 4;
/** The engine's cap on one slice (docs/view-model.md). */
const SLICE_MAX = 1000;

/**
 * The term's palette slot (`--term-N`, N = term mod 8).
 * @param {number} term
 */
export function termSlot(term) {
  return ((term % 8) + 8) % 8;
}

/**
 * An entry's commit state word: `applied`, `committed` (not yet applied) or `uncommitted`.
 * @param {LogEntry} entry
 */
export function entryState(entry) {
  if (entry.applied) return 'applied';
  if (entry.committed) return 'committed';
  return 'uncommitted';
}

/**
 * The first and last index columns (1-based, inclusive) to draw for a scroll position.
 * @param {number} scrollLeft
 * @param {number} width visible width of the scroller (px), headers included
 * @param {number} columns how many index columns exist
 * @param {number} [headWidth] the row headers' width (px)
 */
export function visibleColumns(scrollLeft, width, columns, headWidth = HEAD_W) {
  const first = Math.max(1, Math.floor(scrollLeft / CELL_W) + 1 - OVERSCAN);
  const last = Math.min(columns, Math.ceil((scrollLeft + Math.max(0, width - headWidth)) / CELL_W) + OVERSCAN);
  return { first, last };
}

/**
 * @param {HTMLElement} root
 * @param {import('./types.js').Ctx} ctx
 * @returns {import('./types.js').ViewModule}
 */
export function mount(root, ctx) {
  root.classList.add('logs-root');

  // Toolbar: legend and the follow toggle.
  const bar = el('div', 'logs-bar');
  const legend = el('ul', 'logs-legend');
  legend.setAttribute('aria-label', 'Legend');
  for (const [cls, words] of [
    ['applied', 'applied'],
    ['committed', 'committed'],
    ['uncommitted', 'uncommitted'],
    ['divergent', 'differs from the leader'],
  ]) {
    const item = el('li');
    const swatch = el('span', `logs-swatch ${cls}`);
    swatch.setAttribute('aria-hidden', 'true');
    if (cls === 'divergent') swatch.textContent = '≠';
    item.append(swatch, el('span', '', words));
    legend.append(item);
  }
  const markers = el('li');
  const markerSwatch = el('span', 'logs-swatch marker', 'm n');
  markerSwatch.setAttribute('aria-hidden', 'true');
  markers.append(markerSwatch, el('span', '', 'match / next'));
  // The row heads' short figures ("c 4  a 4  l 5"), spelled out once here.
  const numbers = el('li', 'logs-legend-numbers');
  const numbersSwatch = el('span', 'logs-swatch numbers', 'c a l');
  numbersSwatch.setAttribute('aria-hidden', 'true');
  numbers.append(numbersSwatch, el('span', '', 'commit, applied, last index'));
  legend.append(markers, numbers);
  const status = el('p', 'logs-status hint num');
  status.setAttribute('aria-live', 'off');
  const toStart = el('button', 'btn small logs-start', 'Oldest');
  toStart.type = 'button';
  toStart.title = 'Scroll to the first entries';
  const follow = el('button', 'btn small logs-follow', 'Follow');
  follow.type = 'button';
  follow.title = 'Keep the newest entries in sight';
  bar.append(legend, status, toStart, follow);

  const scroller = el('div', 'logs-scroller');
  scroller.tabIndex = 0;
  scroller.setAttribute('role', 'region');
  scroller.setAttribute('aria-label', 'Logs, one row per node; arrow keys scroll');
  const canvas = el('div', 'logs-canvas');
  const ruler = el('div', 'logs-row logs-ruler');
  const rulerHead = el('div', 'logs-head', 'index');
  const rulerTrack = el('div', 'logs-track');
  ruler.append(rulerHead, rulerTrack);
  const empty = el('p', 'hint logs-empty', 'No nodes.');
  empty.hidden = true;
  canvas.append(ruler);
  scroller.append(canvas);
  root.append(bar, scroller, empty);

  /** @type {View | null} */
  let last = null;
  let following = true;
  /** The scrollLeft this view set itself (its scroll event is not the user's). */
  let ownScroll = -1;
  let generation = 0;
  let framePending = false;
  /**
   * The scroller's geometry, read only where layout is already up to date (resize observers,
   * scroll events) and never in `draw`: `draw` runs after the other views have changed the DOM,
   * so reading a width or a scroll offset there forced a whole-page layout in every animation
   * frame (the largest part of a frame's work at 9 nodes).
   */
  const geometry = { headWidth: HEAD_W, width: 0, scrollLeft: 0 };
  /** The canvas width `draw` set last. */
  let canvasWidth = -1;
  /** A follow scroll left for the canvas's resize observer to make (-1: none). */
  let pendingScroll = -1;
  /** @type {Map<number, HTMLElement>} ruler labels by index */
  const rulerCells = new Map();
  /**
   * Rows by node id.
   * @type {Map<number, { row: HTMLElement, head: HTMLElement, name: HTMLElement, role: HTMLElement,
   *   nums: HTMLElement, track: HTMLElement, snap: HTMLElement, snapLabel: HTMLElement,
   *   match: HTMLElement, next: HTMLElement, cells: Map<number, HTMLElement>,
   *   slice: { gen: number, from: number, to: number, log: Log } | null }>}
   */
  const rows = new Map();

  function setFollowing(next) {
    following = next;
    follow.setAttribute('aria-pressed', String(following));
  }
  setFollowing(true);

  follow.addEventListener('click', () => {
    setFollowing(!following);
    draw();
  });
  toStart.addEventListener('click', () => {
    setFollowing(false);
    scroller.scrollLeft = 0;
    draw();
  });
  scroller.addEventListener('scroll', () => {
    geometry.scrollLeft = scroller.scrollLeft;
    if (Math.abs(scroller.scrollLeft - ownScroll) >= 1) {
      const atEnd = scroller.scrollLeft + scroller.clientWidth >= scroller.scrollWidth - CELL_W / 2;
      setFollowing(atEnd);
      ownScroll = -1;
    }
    schedule();
  }, { passive: true });
  scroller.addEventListener('keydown', (event) => {
    const step = { ArrowLeft: -CELL_W, ArrowRight: CELL_W, PageUp: -scroller.clientWidth, PageDown: scroller.clientWidth }[event.key];
    if (event.key === 'Home') { scroller.scrollLeft = 0; event.preventDefault(); }
    else if (event.key === 'End') { scroller.scrollLeft = scroller.scrollWidth; event.preventDefault(); }
    else if (step !== undefined) { scroller.scrollLeft += step; event.preventDefault(); }
  });
  // Becoming visible (tab switch) or resized: draw what is now in sight.
  new ResizeObserver(() => {
    geometry.width = scroller.clientWidth;
    geometry.scrollLeft = scroller.scrollLeft;
    schedule();
  }).observe(scroller);
  new ResizeObserver(() => {
    geometry.headWidth = rulerHead.offsetWidth || HEAD_W;
    schedule();
  }).observe(rulerHead);
  new ResizeObserver(() => {
    if (pendingScroll < 0) return;
    scroller.scrollLeft = pendingScroll;
    pendingScroll = -1;
  }).observe(canvas);

  function schedule() {
    if (framePending) return;
    framePending = true;
    requestAnimationFrame(() => {
      framePending = false;
      draw();
    });
  }

  /** @param {number} id */
  function rowFor(id) {
    let row = rows.get(id);
    if (row) return row;
    const element = el('div', 'logs-row');
    element.setAttribute('role', 'group');
    const head = el('div', 'logs-head');
    const name = el('span', 'logs-name');
    const role = el('span', 'logs-role');
    const nums = el('span', 'logs-nums num');
    head.append(name, role, nums);
    const track = el('div', 'logs-track');
    const snap = el('div', 'logs-snapshot');
    const snapLabel = el('span', 'logs-snapshot-label num');
    snap.append(snapLabel);
    snap.hidden = true;
    const match = el('div', 'logs-marker match', 'm');
    const next = el('div', 'logs-marker next', 'n');
    match.hidden = true;
    next.hidden = true;
    track.append(snap, match, next);
    element.append(head, track);
    row = { row: element, head, name, role, nums, track, snap, snapLabel, match, next, cells: new Map(), slice: null };
    rows.set(id, row);
    return row;
  }

  /**
   * The entries of `log` covering [from, to], from the view's window when it covers them,
   * else from a slice the engine cuts (once per render and range).
   * @param {Log} log
   * @param {number} from
   * @param {number} to
   */
  function entriesFor(log, from, to) {
    const window = log.entries;
    const windowStart = window.length ? window[0].index : log.lastIndex + 1;
    const need = Math.max(from, log.firstIndex);
    if (need >= windowStart || need > log.lastIndex) return window;
    // Everything in sight is compacted (the snapshot block covers it).
    if (need > to) return [];
    const row = rowFor(log.node);
    const cached = row.slice;
    if (cached && cached.gen === generation && cached.from <= need && cached.to >= to) {
      return cached.log.entries;
    }
    let sliced;
    try {
      sliced = ctx.playground.logSlice(log.node, need, Math.min(SLICE_MAX, to - need + 1));
    } catch (error) {
      console.error(error);
      return window;
    }
    row.slice = { gen: generation, from: need, to, log: sliced };
    return sliced.entries;
  }

  /**
   * @param {LogEntry[]} entries contiguous, oldest first
   * @param {number} index
   * @returns {LogEntry | undefined}
   */
  function at(entries, index) {
    if (!entries.length) return undefined;
    const entry = entries[index - entries[0].index];
    return entry && entry.index === index ? entry : undefined;
  }

  function draw() {
    const view = last;
    if (!view || root.closest('[hidden]')) return;
    const columns = Math.max(0, ...view.logs.map((log) => log.lastIndex));
    const headWidth = geometry.headWidth;
    const width = headWidth + columns * CELL_W;
    const grew = width !== canvasWidth;
    canvasWidth = width;
    canvas.style.width = `${width}px`;
    empty.hidden = view.logs.length > 0;

    if (following) {
      const target = Math.max(0, width - geometry.width);
      if (Math.abs(geometry.scrollLeft - target) >= 1) {
        geometry.scrollLeft = target;
        ownScroll = target;
        // Writing scrollLeft lays the page out to clamp it. When the canvas just changed width,
        // its resize observer makes the write after the browser's own layout instead.
        if (grew) pendingScroll = target; else scroller.scrollLeft = target;
      }
    }
    const { first, last: lastCol } = visibleColumns(geometry.scrollLeft, geometry.width, columns, headWidth);

    // The ruler: index labels of the columns in sight.
    for (const [index, cell] of rulerCells) {
      if (index < first || index > lastCol) { cell.remove(); rulerCells.delete(index); }
    }
    for (let index = first; index <= lastCol; index++) {
      if (rulerCells.has(index)) continue;
      const cell = el('span', 'logs-index num', String(index));
      cell.style.left = `${(index - 1) * CELL_W}px`;
      rulerTrack.append(cell);
      rulerCells.set(index, cell);
    }

    const nodes = new Map(view.nodes.map((node) => [node.id, node]));
    const leaderNode = view.leader !== undefined ? nodes.get(view.leader) : undefined;
    const leaderLog = view.logs.find((log) => log.node === view.leader);
    const leaderEntries = leaderLog ? entriesFor(leaderLog, first, lastCol) : [];
    const progress = new Map((leaderNode?.progress ?? []).map((p) => [p.peer, p]));

    // [monitors highlight] what a fired monitor points at (ctx.highlight): node rows and indexes.
    const hlNodes = new Set(ctx.highlight?.nodes ?? []);
    const hlIndexes = new Set(ctx.highlight?.indexes ?? []);
    // [/monitors highlight]
    const seen = new Set();
    let previous = ruler;
    for (const log of view.logs) {
      seen.add(log.node);
      const row = rowFor(log.node);
      if (previous.nextSibling !== row.row) previous.after(row.row);
      previous = row.row;
      const node = nodes.get(log.node);
      const crashed = Boolean(node?.crashed);
      const isLeader = log.node === view.leader;
      row.row.classList.toggle('crashed', crashed);
      row.row.classList.toggle('leader', isLeader);
      row.row.classList.toggle('hl', hlNodes.has(log.node)); // [monitors highlight]
      row.name.textContent = node?.name ?? `n${log.node}`;
      const roleText = crashed ? 'crashed' : (node?.role ?? '');
      row.role.textContent = node?.paused ? `${roleText}, paused` : roleText;
      const commitText = log.commit === undefined ? '–' : String(log.commit);
      row.nums.textContent = `c ${commitText}  a ${log.applied}  l ${log.lastIndex}`;
      row.row.setAttribute('aria-label', `${row.name.textContent} log, ${row.role.textContent}`);
      row.head.title = `${row.name.textContent}, ${row.role.textContent}: c = commit ${commitText}, a = applied ${log.applied}, l = last ${log.lastIndex}, snapshot ${log.snapshotIndex}`;

      // Snapshot block: everything at or below snapshotIndex is compacted.
      if (log.snapshotIndex > 0) {
        row.snap.hidden = false;
        row.snap.style.width = `${log.snapshotIndex * CELL_W}px`;
        row.snapLabel.textContent = `snapshot ≤ ${log.snapshotIndex}`;
      } else {
        row.snap.hidden = true;
      }

      // The leader's match / next for this follower.
      const peer = !isLeader ? progress.get(log.node) : undefined;
      placeMarker(row.match, peer && peer.matchIndex > 0 ? peer.matchIndex : 0, 'match', true);
      placeMarker(row.next, peer ? peer.nextIndex : 0, 'next', false);

      const entries = entriesFor(log, first, lastCol);
      for (const [index, cell] of row.cells) {
        if (index < first || index > lastCol || !at(entries, index)) { cell.remove(); row.cells.delete(index); }
      }
      for (let index = first; index <= lastCol; index++) {
        const entry = at(entries, index);
        if (!entry) continue;
        const theirs = !isLeader && leaderEntries.length ? at(leaderEntries, index) : undefined;
        const divergent = theirs !== undefined && theirs.term !== entry.term;
        drawCell(row, entry, divergent, theirs?.term);
        row.cells.get(index)?.classList.toggle('hl', hlIndexes.has(index)); // [monitors highlight]
      }
    }
    for (const [id, row] of rows) {
      if (!seen.has(id)) { row.row.remove(); rows.delete(id); }
    }

    const leaderName = leaderNode ? leaderNode.name : 'none';
    status.textContent = columns === 0
      ? `no entries yet · leader ${leaderName}`
      : `${first}–${lastCol} of ${columns} · leader ${leaderName}`;
  }

  /**
   * @param {HTMLElement} marker
   * @param {number} index 0 hides it
   * @param {string} what
   * @param {boolean} after draw at the right edge of the column (match) or the left (next)
   */
  function placeMarker(marker, index, what, after) {
    if (!index) { marker.hidden = true; return; }
    marker.hidden = false;
    marker.style.left = `${(after ? index : index - 1) * CELL_W}px`;
    marker.title = `leader's ${what} index: ${index}`;
    marker.setAttribute('aria-label', `leader's ${what} index ${index}`);
  }

  /**
   * What each cell shows (term, state, divergence, command), to redraw only a changed cell: kept
   * in JS, since reading it back from a data attribute costs a DOM call per cell per frame.
   * @type {WeakMap<HTMLElement, string>}
   */
  const drawn = new WeakMap();

  /**
   * @param {ReturnType<typeof rowFor>} row
   * @param {LogEntry} entry
   * @param {boolean} divergent
   * @param {number | undefined} leaderTerm
   */
  function drawCell(row, entry, divergent, leaderTerm) {
    const state = entryState(entry);
    const key = `${entry.term}|${state}|${divergent ? leaderTerm : ''}|${entry.command}`;
    let cell = row.cells.get(entry.index);
    if (!cell) {
      cell = el('div', 'logs-entry');
      cell.setAttribute('role', 'img');
      cell.style.left = `${(entry.index - 1) * CELL_W}px`;
      const top = el('span', 'logs-entry-top');
      top.append(el('span', 'logs-entry-index num'), el('span', 'logs-entry-term num'));
      cell.append(top, el('span', 'logs-entry-cmd'));
      cell.dataset.index = String(entry.index);
      row.track.append(cell);
      row.cells.set(entry.index, cell);
    }
    if (drawn.get(cell) === key) return;
    drawn.set(cell, key);
    cell.className = `logs-entry t${termSlot(entry.term)} ${state}${divergent ? ' divergent' : ''}`;
    cell.dataset.term = String(entry.term);
    cell.dataset.state = state;
    const [top, cmd] = /** @type {HTMLElement[]} */ ([...cell.children]);
    const [index, term] = /** @type {HTMLElement[]} */ ([...top.children]);
    index.textContent = String(entry.index);
    term.textContent = divergent ? `≠t${entry.term}` : `t${entry.term}`;
    cmd.textContent = entry.command;
    const words = `index ${entry.index}, term ${entry.term}, ${entry.command}, ${state}` +
      (divergent ? `, differs from the leader (term ${leaderTerm})` : '');
    cell.title = words;
    cell.setAttribute('aria-label', words);
  }

  return {
    render(view) {
      last = view;
      generation++;
      draw();
    },
  };
}
