// The cluster ring (SVG): nodes on a circle, both directions of every link, messages in flight
// gliding from sender to receiver. A function of the view model: it draws what the engine says
// and changes nothing; clicks and keys become `ctx.select`. Elements are keyed by node id, link
// direction and message id and reused, so hundreds of messages stay cheap.

import { svg, html, setText, setAttr, toggleClass, termClass, shapeOf } from './svg.js';
import { showPanel } from './tabs.js';

/** @typedef {import('./types.js').View} View */
/** @typedef {import('./types.js').Node} ViewNode */
/** @typedef {import('./types.js').Message} ViewMessage */
/** @typedef {import('./types.js').Link} ViewLink */

/** Where a held message stops on its link when it was already held before we saw it. */
const HELD_POSITION_MAX = 0.85;

/**
 * Node positions for a container of `width` x `height` px: a circle that leaves room for the
 * labels outside it, node radii that shrink with the space and the node count.
 * @param {number[]} ids
 * @param {number} width
 * @param {number} height
 */
export function layoutRing(ids, width, height) {
  const n = Math.max(ids.length, 1);
  const minDim = Math.max(Math.min(width, height), 120);
  let nodeR = Math.min(32, Math.max(15, minDim / 13));
  const compact = width < 520 || height < 420;
  const labelW = compact ? 58 : 92;
  const labelH = compact ? 34 : 44;
  const padX = nodeR + 10 + labelW;
  // Above the top node: its crown (when it leads) and its label; below: the labels.
  const crownH = Math.max(7, nodeR * 0.5) * 1.1 + 14;
  const padTop = nodeR + 6 + crownH + labelH;
  const padBottom = nodeR + 10 + labelH;
  const radius = n === 1 ? 0
    : Math.max(30, Math.min((width - 2 * padX) / 2, (height - padTop - padBottom) / 2));
  if (n > 1) {
    const chord = 2 * radius * Math.sin(Math.PI / n);
    nodeR = Math.max(12, Math.min(nodeR, chord * 0.3));
  }
  const cx = width / 2;
  const cy = n === 1 ? height / 2 : padTop + radius + Math.max(0, height - padTop - padBottom - 2 * radius) / 2;
  /** @type {Map<number, {x: number, y: number, dx: number, dy: number}>} */
  const positions = new Map();
  ids.forEach((id, i) => {
    const angle = -Math.PI / 2 + (2 * Math.PI * i) / n;
    const dx = n === 1 ? 0 : Math.cos(angle);
    const dy = n === 1 ? 1 : Math.sin(angle);
    positions.set(id, { x: cx + radius * dx, y: cy + radius * dy, dx, dy });
  });
  return {
    width, height, cx, cy, radius, nodeR, compact, positions,
    /** Offset of each direction's lane from the pair's centre line. */
    lane: Math.max(3, nodeR * 0.2),
    /** Size unit of message shapes. */
    unit: Math.max(4.5, Math.min(8, nodeR * 0.27)),
  };
}

/** @typedef {ReturnType<typeof layoutRing>} Layout */

/**
 * Whether a node is outside the cluster as it knows it: neither a voter nor a learner of its
 * own configuration (a spare not yet added, or a node removed). It runs and answers, but does
 * not vote or campaign, so it must not look like a follower.
 * @param {ViewNode} node
 */
export function isOutside(node) {
  return !node.learner && !node.voters.includes(node.id);
}

/**
 * The words a node is announced with: "n2, leader, term 3" (+ crashed, paused, learner, not a
 * member).
 * @param {ViewNode} node
 */
export function nodeLabel(node) {
  const parts = [node.name];
  parts.push(node.crashed ? 'crashed' : (node.role ?? 'unknown role'));
  parts.push(`term ${node.term}`);
  if (node.learner) parts.push('learner');
  if (isOutside(node)) parts.push('not a member');
  if (node.paused) parts.push('paused');
  if (node.commit !== undefined) parts.push(`commit ${node.commit}`);
  parts.push(`last index ${node.lastIndex}`);
  return parts.join(', ');
}

/**
 * Draws a message's shape, centred on (0, 0), into `g`.
 * @param {SVGElement} g
 * @param {string} shape
 * @param {boolean} reject
 * @param {number} u size unit
 * @returns {SVGElement | null} the text element for an entry count, if any
 */
export function drawMessageShape(g, shape, reject, u) {
  let label = null;
  svg('circle', { class: 'hit', r: u * 1.9 }, g);
  switch (shape) {
    case 'app':
      svg('rect', { class: 'shape', x: -u * 1.3, y: -u, width: u * 2.6, height: u * 2, rx: 1.5 }, g);
      label = svg('text', { class: 'count', y: u * 0.45, 'font-size': u * 1.35 }, g);
      break;
    case 'beat':
      svg('circle', { class: 'shape', r: u * 0.7 }, g);
      break;
    case 'vote':
    case 'prevote':
      svg('polygon', { class: 'shape', points: `0,${-u * 1.2} ${u * 1.2},0 0,${u * 1.2} ${-u * 1.2},0` }, g);
      break;
    case 'snap':
      svg('rect', { class: 'shape', x: -u * 2.4, y: -u, width: u * 4.8, height: u * 2, rx: 1.5 }, g);
      svg('text', { class: 'count', y: u * 0.45, 'font-size': u * 1.2 }, g).textContent = 'snap';
      break;
    case 'bolt':
      svg('polygon', {
        class: 'shape',
        points: `${u * 0.3},${-u * 1.5} ${-u * 0.9},${u * 0.2} ${-u * 0.1},${u * 0.2} ${-u * 0.4},${u * 1.5} ${u * 0.9},${-u * 0.3} ${u * 0.1},${-u * 0.3}`,
      }, g);
      break;
    default: {
      svg('rect', { class: 'shape', x: -u, y: -u, width: u * 2, height: u * 2, rx: u * 0.6 }, g);
      const letter = shape === 'read' ? 'R' : shape === 'transfer' ? 'T' : 'P';
      svg('text', { class: 'count', y: u * 0.45, 'font-size': u * 1.3 }, g).textContent = letter;
    }
  }
  if (reject) {
    const r = u * 0.9;
    svg('path', { class: 'reject-cross', d: `M${-r},${-r}L${r},${r}M${r},${-r}L${-r},${r}` }, g);
  }
  svg('circle', { class: 'msg-halo', r: u * 2.2 }, g);
  return label;
}

/**
 * @param {HTMLElement} root
 * @param {import('./types.js').Ctx} ctx
 * @returns {import('./types.js').ViewModule}
 */
export function mount(root, ctx) {
  const wrap = html('div', 'ring-wrap', undefined, root);
  const canvas = svg('svg', {
    class: 'ring-svg', role: 'group', 'aria-label': 'Cluster: nodes, links and messages in flight',
  }, wrap);
  const defs = svg('defs', {}, canvas);
  void defs;
  const linkLayer = svg('g', { class: 'links', 'aria-hidden': 'true' }, canvas);
  // Above the links (with a halo in the panel's colour, ring.css) so the lines crossing the
  // centre do not strike through "leader n3 · term 1"; below the nodes and messages.
  const caption = svg('text', { class: 'ring-caption', 'aria-hidden': 'true' }, canvas);
  const nodeLayer = svg('g', { class: 'nodes' }, canvas);
  const msgLayer = svg('g', { class: 'messages', 'aria-hidden': 'true' }, canvas);
  buildLegend(wrap);

  /** @type {Layout | null} */
  let layout = null;
  let layoutKey = '';
  let layoutVersion = 0;
  /** @type {View | null} */
  let lastView = null;

  /** @type {Map<number, any>} */
  const nodes = new Map();
  /** @type {Map<string, any>} */
  const links = new Map();
  /** @type {Map<number, any>} */
  const messages = new Map();
  /** Message groups no longer on the wire, kept for reuse, by shape key. */
  /** @type {Map<string, SVGElement[]>} */
  const pool = new Map();

  // Selecting: click or Enter / Space on a node; click on a message.
  nodeLayer.addEventListener('click', (e) => {
    const target = /** @type {Element} */ (e.target).closest('[data-node]');
    if (target) selectNode(Number(target.getAttribute('data-node')));
  });
  nodeLayer.addEventListener('keydown', (event) => {
    const e = /** @type {KeyboardEvent} */ (event);
    if (e.key !== 'Enter' && e.key !== ' ') return;
    const target = /** @type {Element} */ (e.target).closest('[data-node]');
    if (!target) return;
    const id = Number(target.getAttribute('data-node'));
    // Space on the node already selected (as after the `1`-`9` shortcuts, which move the focus
    // here) would do nothing, so it is left to the page's shortcut: play / pause.
    if (e.key === ' ' && ctx.selection.node === id) return;
    e.preventDefault();
    selectNode(id);
  });
  msgLayer.addEventListener('click', (e) => {
    const target = /** @type {Element} */ (e.target).closest('[data-message]');
    if (!target) return;
    ctx.select({ message: Number(target.getAttribute('data-message')) });
    showPanel('node-view');
    // The message's card is at the top of the node panel.
    document.getElementById('node-view')?.scrollTo({ top: 0 });
  });

  /** @param {number} id */
  function selectNode(id) {
    ctx.select({ node: id });
    showPanel('node-view');
  }

  // The container's size, kept by a ResizeObserver so that rendering never forces a layout.
  let size = { width: 0, height: 0 };
  const resize = new ResizeObserver((entries) => {
    const box = entries[entries.length - 1].contentRect;
    size = { width: Math.round(box.width), height: Math.round(box.height) };
    if (lastView) render(lastView);
  });
  resize.observe(root);

  /** @param {View} view */
  function ensureLayout(view) {
    const { width, height } = size;
    const ids = view.nodes.map((n) => n.id);
    const key = `${width}x${height}:${ids.join(',')}`;
    if (key === layoutKey && layout) return;
    layoutKey = key;
    layout = layoutRing(ids, width, height);
    layoutVersion++;
    setAttr(canvas, 'viewBox', `0 0 ${width} ${height}`);
    setAttr(canvas, 'width', width);
    setAttr(canvas, 'height', height);
    toggleClass(wrap, 'compact', layout.compact);
    setAttr(caption, 'x', layout.cx);
    // One node sits in the centre: its caption goes above it.
    setAttr(caption, 'y', ids.length === 1 ? layout.cy - layout.nodeR - 40 : layout.cy + 5);
    // Shapes depend on the size unit: rebuild messages and forget the pool.
    for (const rec of messages.values()) rec.g.remove();
    messages.clear();
    pool.clear();
  }

  /** @param {View} view */
  function render(view) {
    lastView = view;
    if (root.closest('[hidden]')) return;
    if (size.width === 0 || size.height === 0) return;
    ensureLayout(view);
    const L = /** @type {Layout} */ (layout);
    const selection = ctx.selection;
    renderNodes(view, L, selection.node);
    renderLinks(view, L);
    renderMessages(view, L, selection.message);
    const leader = view.nodes.find((n) => n.id === view.leader);
    setText(caption, leader ? `leader ${leader.name} · term ${leader.term}` : 'no leader');
    tick(ctx.displayMs);
  }

  /**
   * @param {View} view
   * @param {Layout} L
   * @param {number | undefined} selected
   */
  function renderNodes(view, L, selected) {
    const seen = new Set();
    for (const node of view.nodes) {
      seen.add(node.id);
      let rec = nodes.get(node.id);
      if (!rec) {
        rec = createNode(node.id);
        nodes.set(node.id, rec);
      }
      if (rec.layoutVersion !== layoutVersion) shapeNode(rec, L);
      updateNode(rec, node, L, node.id === selected);
    }
    for (const [id, rec] of nodes) {
      if (!seen.has(id)) { rec.g.remove(); nodes.delete(id); }
    }
  }

  /** @param {number} id */
  function createNode(id) {
    const g = svg('g', { class: 'ring-node', 'data-node': id, role: 'button', tabindex: 0 }, nodeLayer);
    const rec = {
      g,
      layoutVersion: -1,
      title: svg('title', {}, g),
      halo: svg('circle', { class: 'halo' }, g),
      track: svg('circle', { class: 'timer-track' }, g),
      timer: svg('circle', { class: 'timer', pathLength: 100 }, g),
      body: svg('circle', { class: 'body' }, g),
      inner: svg('circle', { class: 'inner' }, g),
      cross: svg('path', { class: 'cross' }, g),
      pause: svg('g', { class: 'pause-glyph' }, g),
      crown: svg('path', { class: 'crown' }, g),
      name: svg('text', { class: 'name' }, g),
      role: svg('text', { class: 'role' }, g),
      badge: svg('g', { class: 'term-badge' }, g),
      info: svg('text', { class: 'info' }, g),
      lines: /** @type {SVGElement[]} */ ([]),
      lineCount: -1,
      state: '',
    };
    rec.badgeRect = svg('rect', { rx: 4 }, rec.badge);
    rec.badgeText = svg('text', {}, rec.badge);
    rec.pauseA = svg('rect', {}, rec.pause);
    rec.pauseB = svg('rect', {}, rec.pause);
    rec.pauseBg = null;
    for (let i = 0; i < 3; i++) rec.lines.push(svg('tspan', {}, rec.info));
    return rec;
  }

  /**
   * Geometry that depends only on the layout.
   * @param {any} rec
   * @param {Layout} L
   */
  function shapeNode(rec, L) {
    rec.layoutVersion = layoutVersion;
    const r = L.nodeR;
    const pos = L.positions.get(Number(rec.g.getAttribute('data-node')));
    if (!pos) return;
    setAttr(rec.g, 'transform', `translate(${pos.x.toFixed(1)} ${pos.y.toFixed(1)})`);
    setAttr(rec.halo, 'r', r + 10);
    setAttr(rec.track, 'r', r + 5);
    setAttr(rec.timer, 'r', r + 5);
    setAttr(rec.timer, 'transform', 'rotate(-90)');
    setAttr(rec.body, 'r', r);
    setAttr(rec.inner, 'r', Math.max(4, r - 5));
    const c = r * 0.62;
    setAttr(rec.cross, 'd', `M${-c},${-c}L${c},${c}M${c},${-c}L${-c},${c}`);
    const p = Math.max(3, r * 0.16);
    setAttr(rec.pauseA, 'x', r * 0.55); setAttr(rec.pauseA, 'y', r * 0.45);
    setAttr(rec.pauseB, 'x', r * 0.55 + p * 1.8); setAttr(rec.pauseB, 'y', r * 0.45);
    for (const bar of [rec.pauseA, rec.pauseB]) {
      setAttr(bar, 'width', p); setAttr(bar, 'height', p * 3.2); setAttr(bar, 'rx', 1);
    }
    // Leader marker: a small crown above the node.
    const w = Math.max(7, r * 0.5);
    const top = -r - 12;
    setAttr(rec.crown, 'd',
      `M${-w},${top}L${-w},${top - w * 0.9}L${-w * 0.5},${top - w * 0.4}L0,${top - w * 1.1}` +
      `L${w * 0.5},${top - w * 0.4}L${w},${top - w * 0.9}L${w},${top}Z`);
    const nameSize = Math.max(11, Math.min(15, r * 0.5));
    setAttr(rec.name, 'font-size', nameSize);
    setAttr(rec.name, 'y', r > 20 ? -1 : nameSize * 0.35);
    setAttr(rec.role, 'font-size', Math.max(9, Math.min(11, r * 0.36)));
    setAttr(rec.role, 'y', r * 0.5);
    toggleClass(rec.role, 'hidden-small', r <= 20);
    // Term badge at the upper right of the circle.
    const bw = Math.max(18, r * 0.8);
    const bh = Math.max(14, r * 0.5);
    const bx = r * 0.55;
    const by = -r - bh * 0.35;
    setAttr(rec.badgeRect, 'x', bx); setAttr(rec.badgeRect, 'y', by);
    setAttr(rec.badgeRect, 'width', bw); setAttr(rec.badgeRect, 'height', bh);
    setAttr(rec.badgeText, 'x', bx + bw / 2); setAttr(rec.badgeText, 'y', by + bh * 0.74);
    setAttr(rec.badgeText, 'font-size', Math.max(10, bh * 0.72));
    rec.lineCount = -1; // re-place the info block
    rec.pos = pos;
  }

  /**
   * @param {any} rec
   * @param {ViewNode} node
   * @param {Layout} L
   * @param {boolean} selected
   */
  function updateNode(rec, node, L, selected) {
    const role = node.crashed ? 'crashed' : (node.role ?? 'follower');
    const outside = isOutside(node);
    const state = `${role}|${node.learner}|${node.paused}|${outside}|${termClass(node.term)}`;
    if (state !== rec.state) {
      rec.state = state;
      setAttr(rec.g, 'class', [
        'ring-node', `role-${role}`, termClass(node.term),
        node.crashed ? 'crashed' : '', node.paused ? 'paused' : '', node.learner ? 'learner' : '',
        outside ? 'outside' : '',
      ].filter(Boolean).join(' '));
    }
    toggleClass(rec.g, 'selected', selected);
    setAttr(rec.g, 'aria-pressed', selected ? 'true' : 'false');
    toggleClass(rec.g, 'hl', (ctx.highlight?.nodes ?? []).includes(node.id)); // [monitors highlight]
    const label = nodeLabel(node);
    setAttr(rec.g, 'aria-label', label);
    setText(rec.title, label);
    setText(rec.name, node.name);
    setText(rec.role, node.crashed ? 'crashed' : node.learner ? 'learner' : outside ? 'spare' : shortRole(role));
    setText(rec.badgeText, String(node.term));
    // The election timer: the arc is the time left before it fires.
    const elapsed = node.electionElapsedTicks;
    const timeout = node.electionTimeoutTicks;
    const left = elapsed !== undefined && timeout ? Math.max(0, Math.min(1, 1 - elapsed / timeout)) : 0;
    setAttr(rec.timer, 'stroke-dasharray', `${(left * 100).toFixed(1)} 100`);
    toggleClass(rec.timer, 'gone', left === 0);
    // The information block outside the ring.
    // Compact (a narrow frame or a phone): the term is left to the badge on the circle, and
    // commit and last index take a line each, in words rather than cryptic initials.
    const commit = node.commit === undefined ? '–' : String(node.commit);
    const lines = L.compact
      ? [`commit ${commit}`, `last ${node.lastIndex}`]
      : [`term ${node.term}`, `commit ${commit} · last ${node.lastIndex}`];
    if (node.votesGranted.length || node.votesRejected.length) {
      const granted = node.votesGranted.length ? `✓${node.votesGranted.join(',')}` : '';
      const rejected = node.votesRejected.length ? ` ✗${node.votesRejected.join(',')}` : '';
      lines.push(`votes ${granted}${rejected}`.trim());
    }
    placeInfo(rec, lines.length, L);
    for (let i = 0; i < 3; i++) setText(rec.lines[i], lines[i] ?? '');
  }

  /**
   * Puts the info block outside the ring, growing away from the node.
   * @param {any} rec
   * @param {number} count
   * @param {Layout} L
   */
  function placeInfo(rec, count, L) {
    if (rec.lineCount === count || !rec.pos) return;
    rec.lineCount = count;
    const { dx, dy } = rec.pos;
    const lh = L.compact ? 12 : 14;
    const gap = L.nodeR + 12;
    const px = dx * gap;
    const py = dy * gap;
    const anchor = dx > 0.35 ? 'start' : dx < -0.35 ? 'end' : 'middle';
    const height = count * lh;
    let first;
    // Straight above a node there is its crown first.
    const crown = anchor === 'middle' ? Math.max(7, L.nodeR * 0.5) * 1.1 + 4 : 0;
    if (dy < -0.35) first = py - height + lh * 0.8 - crown;
    else if (dy > 0.35) first = py + lh * 0.8;
    else first = py - height / 2 + lh * 0.8;
    setAttr(rec.info, 'text-anchor', anchor);
    setAttr(rec.info, 'font-size', L.compact ? 10.5 : 12);
    rec.lines.forEach((line, i) => {
      setAttr(line, 'x', px.toFixed(1));
      setAttr(line, 'y', (first + i * lh).toFixed(1));
    });
  }

  /**
   * @param {View} view
   * @param {Layout} L
   */
  function renderLinks(view, L) {
    let base = Infinity;
    for (const link of view.links) base = Math.min(base, link.latencyMsMax);
    const seen = new Set();
    for (const link of view.links) {
      const key = `${link.from}-${link.to}`;
      seen.add(key);
      let rec = links.get(key);
      if (!rec) {
        const g = svg('g', { class: 'link' }, linkLayer);
        rec = { g, line: svg('line', {}, g), mark: svg('path', { class: 'cut-mark' }, g), state: '', layoutVersion: -1 };
        links.set(key, rec);
      }
      const slow = link.latencyMsMax >= 2 * base && link.latencyMsMax > base + 10;
      const state = `${link.up}|${slow}|${link.lossPpm > 0}|${link.duplicatePpm > 0}`;
      if (rec.layoutVersion !== layoutVersion || rec.state !== state) {
        rec.state = state;
        rec.layoutVersion = layoutVersion;
        setAttr(rec.g, 'class', ['link', link.up ? 'up' : 'cut', slow ? 'slow' : '',
          link.lossPpm > 0 ? 'lossy' : '', link.duplicatePpm > 0 ? 'dup' : ''].filter(Boolean).join(' '));
        shapeLink(rec, link, L);
      }
    }
    for (const [key, rec] of links) {
      if (!seen.has(key)) { rec.g.remove(); links.delete(key); }
    }
  }

  /**
   * The lane of one direction: from the sender's edge to the receiver's, offset to its side.
   * @param {number} from
   * @param {number} to
   * @param {Layout} L
   */
  function lane(from, to, L) {
    const a = L.positions.get(from);
    const b = L.positions.get(to);
    if (!a || !b) return null;
    const len = Math.hypot(b.x - a.x, b.y - a.y) || 1;
    const ux = (b.x - a.x) / len;
    const uy = (b.y - a.y) / len;
    const nx = -uy * L.lane;
    const ny = ux * L.lane;
    const edge = L.nodeR + 6;
    return {
      ux, uy, len,
      x0: a.x + ux * edge + nx, y0: a.y + uy * edge + ny,
      x1: b.x - ux * edge + nx, y1: b.y - uy * edge + ny,
    };
  }

  /**
   * @param {any} rec
   * @param {ViewLink} link
   * @param {Layout} L
   */
  function shapeLink(rec, link, L) {
    const l = lane(link.from, link.to, L);
    if (!l) return;
    // A cut direction starts after a break next to its sender, marked with a cross.
    const gap = link.up ? 0 : Math.min(18, l.len * 0.15);
    setAttr(rec.line, 'x1', (l.x0 + l.ux * gap).toFixed(1));
    setAttr(rec.line, 'y1', (l.y0 + l.uy * gap).toFixed(1));
    setAttr(rec.line, 'x2', l.x1.toFixed(1));
    setAttr(rec.line, 'y2', l.y1.toFixed(1));
    if (link.up) {
      setAttr(rec.mark, 'd', '');
    } else {
      const mx = l.x0 + l.ux * gap * 0.45;
      const my = l.y0 + l.uy * gap * 0.45;
      const s = 4;
      setAttr(rec.mark, 'd', `M${(mx - s).toFixed(1)},${(my - s).toFixed(1)}L${(mx + s).toFixed(1)},${(my + s).toFixed(1)}` +
        `M${(mx + s).toFixed(1)},${(my - s).toFixed(1)}L${(mx - s).toFixed(1)},${(my + s).toFixed(1)}`);
    }
  }

  /**
   * @param {View} view
   * @param {Layout} L
   * @param {number | undefined} selected
   */
  function renderMessages(view, L, selected) {
    const seen = new Set();
    for (const m of view.messages) {
      seen.add(m.id);
      let rec = messages.get(m.id);
      if (!rec) {
        rec = takeMessage(m, L);
        messages.set(m.id, rec);
        // Messages travel between the nodes' timer rings, not over them.
        const l = lane(m.from, m.to, L);
        const inset = L.unit * 1.2;
        rec.x0 = l ? l.x0 + l.ux * inset : 0; rec.y0 = l ? l.y0 + l.uy * inset : 0;
        rec.x1 = l ? l.x1 - l.ux * inset : 0; rec.y1 = l ? l.y1 - l.uy * inset : 0;
        rec.heldAt = undefined;
      }
      rec.sentMs = m.sentMs;
      rec.dueMs = m.dueMs;
      if (m.held && rec.heldAt === undefined) {
        rec.heldAt = Math.min(HELD_POSITION_MAX, progress(rec, ctx.displayMs));
      } else if (!m.held) {
        rec.heldAt = undefined;
      }
      toggleClass(rec.g, 'held', m.held);
      toggleClass(rec.g, 'selected', m.id === selected);
      toggleClass(rec.g, 'hl', (ctx.highlight?.messages ?? []).includes(m.id)); // [monitors highlight]
      const cls = termClass(m.term);
      if (rec.termCls !== cls) {
        if (rec.termCls) rec.g.classList.remove(rec.termCls);
        rec.g.classList.add(cls);
        rec.termCls = cls;
      }
      toggleClass(rec.g, 'no-term', m.term === 0);
      if (rec.label) setText(rec.label, String(m.entries));
      if (rec.id !== m.id) {
        rec.id = m.id;
        setAttr(rec.g, 'data-message', m.id);
      }
    }
    /** @type {Set<number> | null} */
    let lost = null;
    for (const [id, rec] of messages) {
      if (seen.has(id)) continue;
      messages.delete(id);
      lost ??= lostMessages(view);
      if (lost.has(id) && !reducedMotion.matches) {
        // A lost message fades where it was lost, then goes back to the pool.
        rec.g.classList.add('lost');
        const version = layoutVersion;
        setTimeout(() => {
          rec.g.classList.remove('lost');
          release(rec, version);
        }, LOST_FADE_MS);
      } else {
        release(rec, layoutVersion);
      }
    }
    // The selected message on top.
    if (selected !== undefined) {
      const rec = messages.get(selected);
      if (rec && rec.g !== msgLayer.lastChild) msgLayer.append(rec.g);
    }
  }

  /**
   * Takes a message group off the ring and keeps it for reuse (if its shapes still fit).
   * @param {any} rec
   * @param {number} version the layout it was drawn for
   */
  function release(rec, version) {
    rec.g.remove();
    if (version !== layoutVersion) return;
    const list = pool.get(rec.key) ?? [];
    if (list.length < 200) list.push(rec);
    pool.set(rec.key, list);
  }

  /**
   * A message group for `m`: reused from the pool when one of its shape is free.
   * @param {ViewMessage} m
   * @param {Layout} L
   */
  function takeMessage(m, L) {
    const shape = shapeOf(m.kind);
    const key = `${shape}|${m.response}|${m.reject}`;
    const reused = pool.get(key)?.pop();
    if (reused) {
      msgLayer.append(reused.g);
      return reused;
    }
    const g = svg('g', {
      class: ['msg', `shape-${shape}`, m.response ? 'response' : '', m.reject ? 'reject' : ''].filter(Boolean).join(' '),
    }, msgLayer);
    const label = drawMessageShape(g, shape, m.reject, L.unit);
    return { g, key, label, termCls: '', id: -1 };
  }

  /** Fraction of the way from sender to receiver at `displayMs`. */
  function progress(rec, displayMs) {
    const span = rec.dueMs - rec.sentMs;
    if (span <= 0) return 1;
    return Math.max(0, Math.min(1, (displayMs - rec.sentMs) / span));
  }

  /** @param {number} displayMs */
  function tick(displayMs) {
    if (!layout) return;
    for (const rec of messages.values()) {
      const t = rec.heldAt ?? progress(rec, displayMs);
      const x = rec.x0 + (rec.x1 - rec.x0) * t;
      const y = rec.y0 + (rec.y1 - rec.y0) * t;
      rec.g.setAttribute('transform', `translate(${x.toFixed(1)} ${y.toFixed(1)})`);
    }
  }

  return {
    render,
    tick(displayMs) {
      if (root.closest('[hidden]')) return;
      tick(displayMs);
    },
  };
}

/** How long a lost message takes to fade (wall ms). */
const LOST_FADE_MS = 600;
const reducedMotion = matchMedia('(prefers-reduced-motion: reduce)');

/**
 * Ids of the messages the newest trace events say were lost ("message m12 was lost: ...").
 * @param {View} view
 */
function lostMessages(view) {
  const ids = new Set();
  for (const event of view.events) {
    if (event.kind !== 'drop') continue;
    const match = /^message m(\d+) /.exec(event.text);
    if (match) ids.add(Number(match[1]));
  }
  return ids;
}

/** @param {string} role */
function shortRole(role) {
  return role === 'pre-candidate' ? 'pre-cand.' : role === 'candidate' ? 'candidate' : role;
}

/**
 * The legend of shapes, collapsible, in a corner of the ring.
 * @param {HTMLElement} parent
 */
function buildLegend(parent) {
  const details = /** @type {HTMLDetailsElement} */ (html('details', 'ring-legend', undefined, parent));
  html('summary', '', 'Legend', details);
  const list = html('ul', 'legend-list', undefined, details);
  /** @param {string} text @param {(g: SVGElement) => void} draw @param {string} [cls] */
  const item = (text, draw, cls = '') => {
    const li = html('li', '', undefined, list);
    const icon = svg('svg', { width: 28, height: 22, viewBox: '-14 -11 28 22', 'aria-hidden': 'true', class: `legend-icon ${cls}` }, li);
    draw(icon);
    html('span', '', text, li);
  };
  const nodeIcon = (cls) => (g) => {
    const n = svg('g', { class: `ring-node t1 ${cls}` }, g);
    svg('circle', { class: 'body', r: 8 }, n);
    if (cls.includes('crashed')) svg('path', { class: 'cross', d: 'M-5,-5L5,5M5,-5L-5,5' }, n);
    if (cls.includes('learner')) svg('circle', { class: 'inner', r: 4.5 }, n);
    if (cls.includes('paused')) {
      svg('rect', { class: 'pause-bar', x: -4, y: -4, width: 2.5, height: 8 }, n);
      svg('rect', { class: 'pause-bar', x: 1.5, y: -4, width: 2.5, height: 8 }, n);
    }
  };
  item('follower', nodeIcon('role-follower'));
  item('pre-candidate (dotted)', nodeIcon('role-pre-candidate'));
  item('candidate (dashed)', nodeIcon('role-candidate'));
  item('leader (thick, crown)', nodeIcon('role-leader'));
  item('learner (hollow)', nodeIcon('role-follower learner'));
  item('not a member (faded)', nodeIcon('role-follower outside'));
  item('crashed', nodeIcon('crashed'));
  item('paused', nodeIcon('role-follower paused'));
  const msgIcon = (shape, cls, reject = false) => (g) => {
    const m = svg('g', { class: `msg t0 shape-${shape} ${cls}` }, g);
    const label = drawMessageShape(m, shape, reject, 5);
    if (label) label.textContent = '2';
  };
  item('append (entries)', msgIcon('app', ''));
  item('heartbeat', msgIcon('beat', ''));
  item('vote', msgIcon('vote', ''));
  item('pre-vote', msgIcon('prevote', ''));
  item('response (hollow)', msgIcon('app', 'response'));
  item('rejected', msgIcon('vote', 'response reject', true));
  item('snapshot', msgIcon('snap', ''));
  item('timeout now', msgIcon('bolt', ''));
  item('read index', msgIcon('read', ''));
  item('held (pulses)', msgIcon('beat', 'held'));
  item('link cut: break + ×', (g) => {
    svg('line', { class: 'legend-link cut', x1: -2, y1: 0, x2: 13, y2: 0 }, g);
    svg('path', { class: 'legend-cut-mark', d: 'M-11,-3L-5,3M-5,-3L-11,3' }, g);
  });
  item('duplicating (dash-dot)', (g) => {
    svg('line', { class: 'legend-link dup', x1: -13, y1: 0, x2: 13, y2: 0 }, g);
  });
  item('lossy (dotted), slow (thin)', (g) => {
    svg('line', { class: 'legend-link lossy', x1: -13, y1: -4, x2: 13, y2: -4 }, g);
    svg('line', { class: 'legend-link slow', x1: -13, y1: 4, x2: 13, y2: 4 }, g);
  });
  html('p', 'hint', 'Arc around a node: election timer left. c commit, i last index. Click or Tab to a node or a message to inspect it.', details);
}
