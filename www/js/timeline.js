// The timeline bar: step one event back or forward, scrub the recorded run with the "time"
// slider (virtual ms), jump to the previous / next notable moment (election, commit, client
// answer, violation) and undo a fork. The engine keeps the run, its recorded future and the
// index of moments (Playground.stepBack, seekMs, endMs, nextMoment, ...): this view only asks
// and draws. mount(root, ctx) -> { render(view) }.

/** What the jump buttons can look for: the engine's moment kinds and how people call them. */
const KINDS = [
  { kind: 'election', label: 'election', plural: 'elections' },
  { kind: 'commit', label: 'commit', plural: 'commits' },
  { kind: 'answer', label: 'client answer', plural: 'client answers' },
  { kind: 'violation', label: 'violation', plural: 'violations' },
];

/**
 * @param {string} tag
 * @param {Record<string, string>} [attrs]
 * @param {string} [text]
 */
function el(tag, attrs = {}, text) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, value);
  if (text !== undefined) element.textContent = text;
  return element;
}

/** Virtual ms for people: 850 ms, 12.3 s, 4 min 05 s. @param {number} ms */
export function msText(ms) {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.floor((ms % 60_000) / 1000);
  return `${minutes} min ${String(seconds).padStart(2, '0')} s`;
}

/**
 * @param {HTMLElement} root
 * @param {import('./types.js').Ctx} ctx
 * @returns {import('./types.js').ViewModule}
 */
export function mount(root, ctx) {
  const stepForward = root.querySelector('#step') ?? el('button', {
    type: 'button', id: 'step', class: 'btn small', 'aria-label': 'Step forward',
  }, 'Step ▸');
  const stepBack = el('button', {
    type: 'button', class: 'btn small', 'aria-label': 'Step back',
    'aria-keyshortcuts': ',', title: 'Go one event back (,)',
  }, '◂ Step');
  stepBack.addEventListener('click', () => ctx.stepBack());
  const steps = el('div', { class: 'tl-steps' });
  steps.append(stepBack, stepForward);

  const slider = /** @type {HTMLInputElement} */ (el('input', {
    type: 'range', class: 'tl-slider', 'aria-label': 'time', min: '0', max: '0', step: '1', value: '0',
  }));
  const place = el('span', { class: 'tl-place num', 'aria-hidden': 'true' });
  const badge = el('span', { class: 'tl-badge', 'data-testid': 'in-past', hidden: '' }, 'past');
  const scrub = el('div', { class: 'tl-scrub' });
  scrub.append(slider, place, badge);

  // Scrubbing seeks at most once a frame, so dragging stays smooth on a long run.
  let pendingMs = /** @type {number | null} */ (null);
  let seekQueued = false;
  const seekPending = () => {
    seekQueued = false;
    if (pendingMs === null) return;
    const ms = pendingMs;
    pendingMs = null;
    if (ms !== ctx.view.nowMs) ctx.seek(ms);
  };
  slider.addEventListener('input', () => {
    pendingMs = Number(slider.value);
    if (ctx.playing) ctx.pause();
    if (!seekQueued) {
      seekQueued = true;
      requestAnimationFrame(seekPending);
    }
  });
  slider.addEventListener('change', () => {
    pendingMs = Number(slider.value);
    seekPending();
  });

  const kindSelect = /** @type {HTMLSelectElement} */ (el('select', {
    class: 'tl-kind', 'aria-label': 'Jump to moments of kind',
  }));
  for (const { kind, plural } of KINDS) kindSelect.append(el('option', { value: kind }, plural));
  const previous = el('button', { type: 'button', class: 'btn small' }, '◂');
  const next = el('button', { type: 'button', class: 'btn small' }, '▸');
  const jumpLabel = el('span', { class: 'tl-jump-label hint' }, 'Jump');
  const jumps = el('div', { class: 'tl-jumps', role: 'group', 'aria-label': 'Jump to a moment' });
  jumps.append(jumpLabel, previous, kindSelect, next);
  const labelJumps = () => {
    const info = KINDS.find((k) => k.kind === kindSelect.value) ?? KINDS[0];
    previous.setAttribute('aria-label', `Previous ${info.label}`);
    previous.title = `Previous ${info.label}`;
    next.setAttribute('aria-label', `Next ${info.label}`);
    next.title = `Next ${info.label}`;
  };
  kindSelect.addEventListener('change', labelJumps);
  labelJumps();

  /** @param {'next' | 'previous'} direction */
  const jump = (direction) => {
    const info = KINDS.find((k) => k.kind === kindSelect.value) ?? KINDS[0];
    const playground = ctx.playground;
    const from = playground.nowStep();
    const moment = direction === 'next'
      ? playground.nextMoment(info.kind, from)
      : playground.previousMoment(info.kind, from);
    if (!moment) {
      const text = `No ${direction === 'next' ? 'later' : 'earlier'} ${info.label} in the recorded run.`;
      status.textContent = text;
      ctx.announce(text);
      return;
    }
    ctx.seekStep(moment.step);
    const text = `${info.label[0].toUpperCase()}${info.label.slice(1)} at ${msText(moment.ms)}: ${moment.text}`;
    status.textContent = text;
    ctx.announce(text);
  };
  previous.addEventListener('click', () => jump('previous'));
  next.addEventListener('click', () => jump('next'));

  const undo = el('button', {
    type: 'button', class: 'btn small tl-undo',
    title: 'Bring back the future your last action in the past replaced',
  }, 'Undo fork');
  undo.addEventListener('click', () => {
    if (ctx.undoFork()) {
      const text = 'The old future is back; the cursor is at the moment of the fork.';
      status.textContent = text;
      ctx.announce(text);
    }
  });

  const status = el('p', { class: 'tl-status hint', 'data-testid': 'timeline-status' });

  root.replaceChildren(steps, scrub, jumps, undo, status);

  let last = '';
  return {
    render(view) {
      const playground = ctx.playground;
      const now = view.nowMs;
      const end = Math.max(now, playground.endMs());
      const inPast = playground.inPast();
      const canUndo = playground.canUndoFork();
      const atStart = playground.nowStep() === 0;
      const key = `${now}|${end}|${inPast}|${canUndo}|${atStart}`;
      if (key === last) return;
      last = key;
      if (slider.max !== String(end)) slider.max = String(end);
      if (pendingMs === null && slider.value !== String(now)) slider.value = String(now);
      slider.setAttribute('aria-valuetext', `${msText(now)} of ${msText(end)}${inPast ? ', in the past' : ''}`);
      const share = end > 0 ? (now / end) * 100 : 100;
      slider.style.setProperty('--tl-cursor', `${share}%`);
      root.classList.toggle('in-past', inPast);
      place.textContent = inPast ? `${msText(now)} / ${msText(end)}` : msText(now);
      badge.hidden = !inPast;
      badge.title = inPast ? `${msText(end - now)} of recorded future ahead: Play replays it; acting forks` : '';
      stepBack.toggleAttribute('disabled', atStart);
      undo.toggleAttribute('disabled', !canUndo);
    },
  };
}
