// The settings panel: the next run's cluster (nodes, seed, timing, pre-vote, check-quorum, read
// mode, sessions, teaching switches) and "Restart with these settings". The form starts from
// the current run's config over the engine's defaults (`defaultConfig()`); the teaching
// switches and their descriptions come from Rust (`unsafeSwitches()`). A restart the engine
// refuses keeps the current run (the banner says why). User text only through textContent.

import { whenShown } from './shown.js';
import { html as el } from './svg.js';

/** The largest seed: any u64. Above 2^53 it travels as a decimal string (the engine reads both). */
const SEED_MAX = 18446744073709551615n;

/** @param {any} bindings */
function engineDefaults(bindings) {
  try {
    return JSON.parse(bindings.defaultConfig());
  } catch {
    return { voters: 3, seed: 1, tick_ms: 100, election_timeout_ticks: 10, heartbeat_interval_ticks: 1,
      pre_vote: true, check_quorum: true, lease_reads: false, sessions: true, unsafe_switches: [], nodes_max: 9 };
  }
}

/**
 * @param {any} bindings
 * @returns {Array<{ name: string, description: string }>}
 */
function switchCatalogue(bindings) {
  try {
    const list = JSON.parse(bindings.unsafeSwitches());
    return Array.isArray(list) ? list : [];
  } catch {
    return [];
  }
}

/**
 * A fresh random seed (the engine's random u64, as decimal text).
 * @param {any} bindings
 */
export function freshSeed(bindings) {
  const text = String(bindings.freshSeed?.() ?? '');
  if (!/^\d+$/.test(text)) return String(1 + Math.floor(Math.random() * 1_000_000));
  return text;
}

/**
 * A seed as the config carries it: a JS number when it is exact as one, else decimal text.
 * @param {string} text digits only
 */
function seedValue(text) {
  const big = BigInt(text);
  return big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big.toString();
}

let fieldCount = 0;

/**
 * A labelled control with a message line under it.
 * @param {HTMLElement} parent
 * @param {string} labelText
 * @param {HTMLElement} control
 * @param {string} [help]
 */
function field(parent, labelText, control, help) {
  const id = `settings-f${++fieldCount}`;
  const wrap = el('div', 'set-field');
  const label = /** @type {HTMLLabelElement} */ (el('label', '', labelText));
  control.id = id;
  label.htmlFor = id;
  const message = el('p', 'set-error');
  message.id = `${id}-error`;
  const describedBy = [message.id];
  wrap.append(label, control);
  if (help) {
    const hint = el('p', 'hint set-help', help);
    hint.id = `${id}-help`;
    describedBy.push(hint.id);
    wrap.append(hint);
  }
  wrap.append(message);
  control.setAttribute('aria-describedby', describedBy.join(' '));
  parent.append(wrap);
  return { control, message };
}

/**
 * @param {{ min: number, max: number, step?: number }} range
 */
function numberInput(range) {
  const input = /** @type {HTMLInputElement} */ (el('input'));
  input.type = 'number';
  input.inputMode = 'numeric';
  input.min = String(range.min);
  input.max = String(range.max);
  input.step = String(range.step ?? 1);
  input.required = true;
  return input;
}

/** @param {string} text */
function checkbox(text) {
  const label = el('label', 'set-check');
  const input = /** @type {HTMLInputElement} */ (el('input'));
  input.type = 'checkbox';
  label.append(input, el('span', '', text));
  return { label, input };
}

/**
 * @param {HTMLElement} root
 * @param {import('./types.js').Ctx} ctx
 * @returns {import('./types.js').ViewModule}
 */
export function mount(root, ctx) {
  root.classList.add('settings');
  const defaults = engineDefaults(ctx.bindings);
  const nodesMax = Number(defaults.nodes_max) || 9;
  const switches = switchCatalogue(ctx.bindings);

  // The current run.
  const currentTitle = el('h3', 'set-title', 'This run');
  const currentList = el('dl', 'set-current');

  const form = /** @type {HTMLFormElement} */ (el('form', 'set-form'));
  form.setAttribute('novalidate', '');
  form.setAttribute('aria-label', 'Settings for the next run');
  const formTitle = el('h3', 'set-title', 'Next run');

  const cluster = el('fieldset', 'set-group');
  cluster.append(el('legend', '', 'Cluster'));
  const nodes = field(cluster, 'Nodes (voters)', numberInput({ min: 1, max: nodesMax }),
    `1 to ${nodesMax}; an odd number tolerates the most failures for its size.`);
  const seedInput = /** @type {HTMLInputElement} */ (el('input'));
  seedInput.type = 'text';
  seedInput.inputMode = 'numeric';
  seedInput.autocomplete = 'off';
  seedInput.spellcheck = false;
  const seedRow = el('div', 'set-seed-row');
  const seed = field(cluster, 'Seed', seedInput, 'Every random choice follows from it: the same seed and actions give the same run.');
  const seedButton = /** @type {HTMLButtonElement} */ (el('button', 'btn small', 'New random seed'));
  seedButton.type = 'button';
  seedInput.replaceWith(seedRow);
  seedRow.append(seedInput, seedButton);

  const timing = el('fieldset', 'set-group');
  timing.append(el('legend', '', 'Timing'));
  const tick = field(timing, 'Tick (virtual ms)', numberInput({ min: 1, max: 10_000 }));
  const election = field(timing, 'Election timeout (ticks)', numberInput({ min: 2, max: 1000 }),
    'A follower waits a random time from T to 2T ticks before it stands.');
  const heartbeat = field(timing, 'Heartbeat (ticks)', numberInput({ min: 1, max: 999 }),
    'Must be shorter than the election timeout.');

  const protocol = el('fieldset', 'set-group');
  protocol.append(el('legend', '', 'Protocol'));
  const preVote = checkbox('Pre-vote (a node asks first whether it could win)');
  const checkQuorum = checkbox('Check-quorum (a leader that hears no majority steps down)');
  const sessions = checkbox('Client sessions (a retried write applies once)');
  protocol.append(preVote.label, checkQuorum.label, sessions.label);
  const readMode = el('div', 'set-radios');
  readMode.setAttribute('role', 'radiogroup');
  readMode.setAttribute('aria-label', 'Read mode');
  readMode.append(el('span', 'set-radios-title', 'Reads'));
  /** @param {string} value @param {string} text */
  const radio = (value, text) => {
    const label = el('label', 'set-check');
    const input = /** @type {HTMLInputElement} */ (el('input'));
    input.type = 'radio';
    input.name = 'settings-read-mode';
    input.value = value;
    label.append(input, el('span', '', text));
    readMode.append(label);
    return input;
  };
  const readIndex = radio('read-index', 'Read-index (a round of heartbeats per read)');
  const leaseReads = radio('lease', 'Lease-based (no round trip; needs check-quorum)');
  protocol.append(readMode);

  const teaching = el('fieldset', 'set-group set-teaching');
  teaching.append(el('legend', '', 'Teaching switches: deliberate bugs'));
  teaching.append(el('p', 'hint', 'Each one breaks a Raft rule on purpose, to show why the rule exists. A safety monitor stops the run when the harm appears.'));
  /** @type {Map<string, HTMLInputElement>} */
  const switchInputs = new Map();
  for (const { name, description } of switches) {
    const label = el('label', 'set-switch');
    const input = /** @type {HTMLInputElement} */ (el('input'));
    input.type = 'checkbox';
    input.value = name;
    const text = el('span', 'set-switch-text');
    const badge = el('span', 'set-bug', 'bug');
    const title = el('code', 'set-switch-name', name);
    text.append(badge, ' ', title, el('span', 'set-switch-desc', description));
    label.append(input, text);
    input.setAttribute('aria-label', `${name} (deliberate bug): ${description}`);
    teaching.append(label);
    switchInputs.set(name, input);
  }
  if (switches.length === 0) teaching.append(el('p', 'set-error', 'This build of the core lists no teaching switches.'));

  const actions = el('div', 'set-actions');
  const restartButton = /** @type {HTMLButtonElement} */ (el('button', 'btn primary', 'Restart with these settings'));
  restartButton.type = 'submit';
  const resetButton = /** @type {HTMLButtonElement} */ (el('button', 'btn', 'Back to this run’s settings'));
  resetButton.type = 'button';
  actions.append(restartButton, resetButton);
  const status = el('p', 'set-status');
  status.setAttribute('role', 'status');

  form.append(cluster, timing, protocol, teaching, actions, status);
  root.append(currentTitle, currentList, formTitle, form);

  /** @type {import('./types.js').View | null} */
  let latest = null;
  /** The run the form was last filled from. */
  let filledFor = null;
  let currentKey = '';

  function runConfig() {
    return { ...defaults, ...ctx.config };
  }

  function fill() {
    const config = runConfig();
    nodes.control.value = String(config.voters);
    seedInput.value = String(config.seed);
    tick.control.value = String(config.tick_ms);
    election.control.value = String(config.election_timeout_ticks);
    heartbeat.control.value = String(config.heartbeat_interval_ticks);
    preVote.input.checked = Boolean(config.pre_vote);
    checkQuorum.input.checked = Boolean(config.check_quorum);
    sessions.input.checked = Boolean(config.sessions);
    readIndex.checked = !config.lease_reads;
    leaseReads.checked = Boolean(config.lease_reads);
    const on = new Set(config.unsafe_switches ?? []);
    for (const [name, input] of switchInputs) input.checked = on.has(name);
    for (const f of [nodes, seed, tick, election, heartbeat]) {
      f.message.textContent = '';
      f.control.removeAttribute('aria-invalid');
    }
    markSwitches();
  }

  function markSwitches() {
    for (const input of switchInputs.values()) {
      input.closest('.set-switch')?.classList.toggle('on', input.checked);
    }
  }
  teaching.addEventListener('change', markSwitches);

  /**
   * @param {{ control: HTMLElement, message: HTMLElement }} f
   * @param {string} text
   * @param {number} min
   * @param {number} max
   * @param {string} what
   */
  function whole(f, text, min, max, what) {
    const value = Number(text);
    if (text.trim() === '' || !/^\s*\d+\s*$/.test(text) || value < min || value > max) {
      f.message.textContent = `${what} must be a whole number from ${min} to ${max.toLocaleString('en')}.`;
      return undefined;
    }
    return value;
  }

  /** The next run's config, or undefined (each wrong field says why). */
  function read() {
    const errors = [];
    for (const f of [nodes, seed, tick, election, heartbeat]) {
      f.message.textContent = '';
      f.control.removeAttribute('aria-invalid');
    }
    const voters = whole(nodes, nodes.control.value, 1, nodesMax, 'Nodes');
    if (voters === undefined) errors.push(nodes);
    const seedText = seedInput.value.trim();
    let seedChosen;
    if (/^\d{1,20}$/.test(seedText) && BigInt(seedText) <= SEED_MAX) {
      seedChosen = seedValue(seedText);
    } else {
      seed.message.textContent = `The seed must be a whole number from 0 to ${SEED_MAX.toLocaleString('en')}.`;
      errors.push(seed);
    }
    const tickMs = whole(tick, tick.control.value, 1, 10_000, 'The tick');
    if (tickMs === undefined) errors.push(tick);
    const electionTicks = whole(election, election.control.value, 2, 1000, 'The election timeout');
    if (electionTicks === undefined) errors.push(election);
    const heartbeatTicks = whole(heartbeat, heartbeat.control.value, 1, 999, 'The heartbeat');
    if (heartbeatTicks === undefined) errors.push(heartbeat);
    if (electionTicks !== undefined && heartbeatTicks !== undefined && heartbeatTicks >= electionTicks) {
      heartbeat.message.textContent = `The heartbeat (${heartbeatTicks} ticks) must be shorter than the election timeout (${electionTicks} ticks), or followers stand while the leader is alive.`;
      errors.push(heartbeat);
    }
    for (const f of errors) f.control.setAttribute('aria-invalid', 'true');
    if (errors.length) {
      /** @type {HTMLElement} */ (errors[0].control).focus();
      return undefined;
    }
    const unsafe = [...switchInputs].filter(([, input]) => input.checked).map(([name]) => name);
    const base = { ...ctx.config };
    delete base.nodes_max;
    return {
      ...base,
      voters,
      seed: seedChosen,
      tick_ms: tickMs,
      election_timeout_ticks: electionTicks,
      heartbeat_interval_ticks: heartbeatTicks,
      pre_vote: preVote.input.checked,
      check_quorum: checkQuorum.input.checked,
      lease_reads: leaseReads.checked,
      sessions: sessions.input.checked,
      unsafe_switches: unsafe,
    };
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    status.classList.remove('error-text');
    const config = read();
    if (!config) {
      status.textContent = 'Not restarted: fix the marked fields. The current run goes on.';
      status.classList.add('error-text');
      return;
    }
    if (ctx.restart(config)) {
      const bugs = config.unsafe_switches.length ? ` with ${config.unsafe_switches.length} deliberate bug${config.unsafe_switches.length > 1 ? 's' : ''}` : '';
      status.textContent = `Restarted: ${config.voters} node${config.voters > 1 ? 's' : ''}, seed ${config.seed}${bugs}.`;
      ctx.announce(status.textContent);
    } else {
      status.textContent = 'Not restarted: the core refused these settings (see the message at the top). The current run goes on.';
      status.classList.add('error-text');
    }
  });
  seedButton.addEventListener('click', () => {
    seedInput.value = String(freshSeed(ctx.bindings));
    seed.message.textContent = '';
    seedInput.removeAttribute('aria-invalid');
  });
  resetButton.addEventListener('click', () => { fill(); status.textContent = ''; });

  function renderCurrent() {
    const config = runConfig();
    const on = config.unsafe_switches ?? [];
    const key = JSON.stringify(config);
    if (key === currentKey) return;
    currentKey = key;
    currentList.replaceChildren();
    /** @param {string} term @param {string | Node} value @param {string} [className] */
    const row = (term, value, className) => {
      const dd = el('dd', className);
      dd.append(value);
      currentList.append(el('dt', '', term), dd);
    };
    row('Seed', String(config.seed), 'num');
    row('Nodes', String(config.voters), 'num');
    row('Timing', `tick ${config.tick_ms} ms, election ${config.election_timeout_ticks} ticks, heartbeat ${config.heartbeat_interval_ticks} tick${config.heartbeat_interval_ticks > 1 ? 's' : ''}`);
    row('Protocol', [
      `pre-vote ${config.pre_vote ? 'on' : 'off'}`,
      `check-quorum ${config.check_quorum ? 'on' : 'off'}`,
      config.lease_reads ? 'lease-based reads' : 'read-index reads',
      `sessions ${config.sessions ? 'on' : 'off'}`,
    ].join(', '));
    if (on.length === 0) {
      row('Deliberate bugs', 'none (a correct Raft)');
    } else {
      const list = el('span', 'set-current-bugs');
      for (const name of on) {
        const item = el('span', 'set-bug-chip');
        item.append(el('span', 'set-bug', 'bug'), ` ${name}`);
        list.append(item);
      }
      row('Deliberate bugs', list, 'set-bugs-on');
    }
  }

  /** @param {import('./types.js').View} view */
  function render(view) {
    latest = view;
    if (root.closest('[hidden]')) return;
    if (filledFor !== ctx.playground) {
      filledFor = ctx.playground;
      fill();
    }
    renderCurrent();
  }

  whenShown(root, () => { if (latest) render(latest); });
  return { render };
}
