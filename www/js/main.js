// Boots the page: loads the wasm core, creates the controller, mounts every view and wires the
// top bar, tabs, banner, narration, help dialog and keyboard. User-visible text always goes
// through textContent.

import { explainLoadError, loadCore } from './boot.js';
import {
  createController, DEFAULT_CONFIG, SPEED_DEFAULT, speedText,
} from './controller.js';
import { selectTab, setupTabs, showPanel } from './tabs.js';
import { whenShown } from './shown.js';
import { setupKeyboard, SHORTCUTS } from './keyboard.js';
import { createNarrator } from './narration.js';
import * as ring from './ring.js';
import * as nodePanel from './node-panel.js';
import * as consoleView from './console.js';
import * as logs from './logs.js';
import * as timeline from './timeline.js';
import * as monitors from './monitors.js';
import { linkFromHash, linkUrl, setupShare, storedRun } from './share.js';
import { applyEmbed, lockControls, readEmbedParams, showPanels } from './embed.js';
import { setupHostApi } from './host-api.js';

const FIRST_VISIT_KEY = 'raftlab.firstVisitDone';

/** @param {string} id */
function byId(id) {
  const element = document.getElementById(id);
  if (!element) throw new Error(`page is missing #${id}`);
  return element;
}

/** @param {unknown} error */
function showLoadError(error) {
  byId('loading').hidden = true;
  byId('load-error-message').textContent = explainLoadError(error);
  byId('load-error-details').textContent = String(error && /** @type {any} */ (error).stack || error);
  byId('load-error').hidden = false;
  document.body.dataset.state = 'error';
}

/** @param {string} message */
function showBanner(message) {
  byId('banner-text').textContent = message;
  byId('banner').hidden = false;
}

/**
 * The run's starting config from the URL (`?seed=N&nodes=N`); anything malformed is reported
 * and ignored, never fatal.
 * @returns {Record<string, any>}
 */
function configFromUrl() {
  const params = new URLSearchParams(location.search);
  /** @type {Record<string, any>} */
  const config = { ...DEFAULT_CONFIG };
  const seed = params.get('seed');
  if (seed !== null) {
    if (/^\d{1,20}$/.test(seed)) config.seed = seed.length > 15 ? seed : Number(seed);
    else showBanner(`The link's seed "${seed.slice(0, 40)}" is not a whole number; using the default seed.`);
  }
  const nodes = params.get('nodes');
  if (nodes !== null) {
    const n = Number(nodes);
    if (Number.isInteger(n) && n >= 1 && n <= 9) config.voters = n;
    else showBanner(`The link's nodes "${nodes.slice(0, 40)}" must be a whole number from 1 to 9; using ${config.voters}.`);
  }
  return config;
}

function firstVisitDone() {
  try { return localStorage.getItem(FIRST_VISIT_KEY) === '1'; } catch { return true; }
}

function setupFirstVisit(ctx) {
  const box = byId('first-visit');
  if (firstVisitDone()) return;
  box.hidden = false;
  const done = () => {
    box.hidden = true;
    try { localStorage.setItem(FIRST_VISIT_KEY, '1'); } catch { /* private mode: fine */ }
  };
  byId('first-visit-close').addEventListener('click', done);
  ctx.onAct(done);
}

/**
 * At iframe sizes (641-1100 px wide) the console lives in the side panel as a tab, as in
 * PAGE.md's 800x600 layout; elsewhere it has its own area. The same element moves, so the
 * console keeps its input, history and scroll position.
 */
function setupConsolePlacement() {
  const media = window.matchMedia('(min-width: 641px) and (max-width: 1100px)');
  const view = byId('console-view');
  const area = /** @type {HTMLElement} */ (document.querySelector('.console-area'));
  const panel = byId('console-tab-panel');
  const tab = byId('tab-console');
  const place = () => {
    if (media.matches) {
      if (view.parentElement !== panel) panel.append(view);
    } else {
      if (view.parentElement !== area) area.append(view);
      if (tab.getAttribute('aria-selected') === 'true') {
        const first = document.querySelector('.side-area [role=tab]:not([hidden])');
        if (first instanceof HTMLElement && first !== tab) selectTab(first);
        else showPanel('node-view');
      }
    }
  };
  media.addEventListener('change', place);
  place();
}

function setupTransport(ctx) {
  const play = /** @type {HTMLButtonElement} */ (byId('play'));
  const step = /** @type {HTMLButtonElement} */ (byId('step'));
  const speed = /** @type {HTMLInputElement} */ (byId('speed'));
  const speedOut = byId('speed-out');
  const time = byId('sim-time');
  const hash = byId('state-hash');
  play.addEventListener('click', () => ctx.togglePlay());
  step.addEventListener('click', () => ctx.step());
  speed.addEventListener('input', () => ctx.setSpeed(10 ** Number(speed.value)));
  speed.value = String(Math.log10(SPEED_DEFAULT));
  for (const control of [play, step, speed]) control.disabled = false;
  ctx.onChange((view) => {
    play.textContent = ctx.playing ? 'Pause' : 'Play';
    const text = speedText(ctx.speed);
    speedOut.textContent = text;
    speed.setAttribute('aria-valuetext', text);
    if (view) {
      time.textContent = String(view.nowMs);
      // While playing the view carries it twice a second (see the controller's readView).
      if (view.stateHash) hash.textContent = view.stateHash;
    }
  });
}

function setupHelp() {
  const dialog = /** @type {HTMLDialogElement} */ (byId('help-dialog'));
  const list = byId('help-shortcuts');
  for (const { keys, what } of SHORTCUTS) {
    const dt = document.createElement('dt');
    const kbd = document.createElement('kbd');
    kbd.textContent = keys;
    dt.append(kbd);
    const dd = document.createElement('dd');
    dd.textContent = what;
    list.append(dt, dd);
  }
  byId('help-button').addEventListener('click', () => dialog.showModal());
  byId('help-close').addEventListener('click', () => dialog.close());
  return {
    open: () => { if (!dialog.open) dialog.showModal(); },
  };
}

async function start() {
  document.body.dataset.state = 'loading';
  let core;
  try {
    core = await loadCore();
  } catch (error) {
    showLoadError(error);
    return;
  }
  const version = core.version();
  byId('core-version').textContent = version;
  byId('core-build').textContent = core.buildId();
  byId('banner-close').addEventListener('click', () => { byId('banner').hidden = true; });

  const narrator = createNarrator(byId('narration'));
  const controller = createController(core, {
    onError: showBanner,
    announce: (text) => narrator.say(text),
    onFrame: (view) => narrator.frame(view),
  });
  const { ctx } = controller;
  const mounts = [
    ring.mount(byId('ring-view'), ctx),
    nodePanel.mount(byId('node-view'), ctx),
    viewOnDemand(byId('network-view'), ctx, 'Network', () => import('./network.js')),
    viewOnDemand(byId('settings-view'), ctx, 'Settings', () => import('./settings.js')),
    consoleView.mount(byId('console-view'), ctx),
    logs.mount(byId('logs-view'), ctx),
    viewOnDemand(byId('kv-view'), ctx, 'Key-value', () => import('./kv.js')),
    viewOnDemand(byId('events-view'), ctx, 'Events', () => import('./events.js')),
    timeline.mount(byId('timeline-view'), ctx),
    viewOnDemand(byId('spacetime-view'), ctx, 'Space-time', () => import('./spacetime.js')),
    monitors.mount(byId('monitors-view'), ctx),
    viewOnDemand(byId('history-view'), ctx, 'History', () => import('./history.js')),
  ];
  for (const module of mounts) controller.addView(module);
  setupTabs(document);
  setupConsolePlacement();
  setupTransport(ctx);
  const help = setupHelp();

  const params = new URLSearchParams(location.search);
  const wanted = readEmbedParams(params, JSON.parse(core.actionKinds()));
  const { embedded } = wanted;
  /** @type {ReturnType<typeof lessonsOnDemand> | null} */
  let lessons = null;
  const share = setupShare(ctx, {
    button: /** @type {HTMLButtonElement} */ (byId('copy-link')),
    embedButton: /** @type {HTMLButtonElement} */ (byId('copy-embed')),
    dialogTitle: byId('link-title'),
    status: byId('share-status'),
    dialog: /** @type {HTMLDialogElement} */ (byId('link-dialog')),
    field: /** @type {HTMLTextAreaElement} */ (byId('link-field')),
    close: /** @type {HTMLButtonElement} */ (byId('link-close')),
    // The kept run is the learner's own: not an embedded frame's, not a lesson's.
    keep: embedded ? null : () => !lessons?.active,
  });
  setupExportOnDemand(ctx, {
    open: /** @type {HTMLButtonElement} */ (byId('open-export')),
    dialog: /** @type {HTMLDialogElement} */ (byId('export-dialog')),
    status: byId('export-status'),
    file: /** @type {HTMLInputElement} */ (byId('open-file')),
    close: /** @type {HTMLButtonElement} */ (byId('export-close')),
  });
  setupKeyboard(document, ctx, { openHelp: help.open, copyLink: share.copy });
  const opened = openFirstRun(controller, ctx, { params, embedded, say: share.say });
  applyEmbed(document, ctx, wanted, showBanner);
  lessons = lessonsOnDemand({
    menuButton: /** @type {HTMLButtonElement} */ (byId('lessons-button')),
    menu: /** @type {HTMLDialogElement} */ (byId('lessons-dialog')),
    menuList: byId('lessons-list'),
    menuClose: /** @type {HTMLButtonElement} */ (byId('lessons-close')),
    card: byId('lesson-card'),
  }, ctx, {
    showPanels: (names) => showPanels(document, wanted, names),
    lock: (names) => {
      byId('first-visit').hidden = true;
      lockControls(document, ctx, wanted, names);
    },
    unlock: () => lockControls(document, ctx, wanted, null),
  });
  if (embedded) setupOpenFull(ctx);
  else if (!params.has('lesson')) setupFirstVisit(ctx);

  // A handle for tests, benchmarks and curious developers (documented in README).
  /** @type {any} */ (window).raftlab = { ctx, version };

  byId('loading').hidden = true;
  byId('ready').hidden = false;
  // Views skip drawing while hidden, and the workspace was hidden until now: draw them all once
  // (with autoplay=0 nothing else would until the first action).
  ctx.refresh();
  document.body.dataset.state = 'ready';
  setupHostApi(window, ctx);
  // A linked or restored run waits at its moment (unless autoplay=1); a fresh one plays
  // unless autoplay=0.
  const lessonName = params.get('lesson');
  if (lessonName !== null) await startLessonByName(lessons, lessonName);
  const autoplay = params.get('autoplay');
  if (!lessons.active && (autoplay === '1' || (opened === 'fresh' && autoplay !== '0'))) ctx.play();
}

/**
 * A tab's view imported when its panel is first shown (History: history.js with its checker
 * worker; Space-time: spacetime.js; Key-value: kv.js; Events: events.js; Network: network.js;
 * Settings: settings.js), so a visit that never opens the tab does not download it.
 * Until then the stub keeps the newest view model; once mounted the view draws it and the page
 * refreshes, so the tab's first sight is as current as any other view's (and the History tab,
 * paused, checks its history at once).
 * @param {HTMLElement} root
 * @param {import('./types.js').Ctx} ctx
 * @param {string} title the tab's name, for the banner if the import fails
 * @param {() => Promise<{ mount: (root: HTMLElement, ctx: any) => import('./types.js').ViewModule }>} importer
 * @returns {import('./types.js').ViewModule}
 */
function viewOnDemand(root, ctx, title, importer) {
  /** @type {import('./types.js').ViewModule | null} */
  let view = null;
  /** @type {import('./types.js').View | null} */
  let last = null;
  /** @type {Promise<void> | null} */
  let loading = null;
  const load = () => {
    if (root.closest('[hidden]')) return;
    loading ??= importer().then((module) => {
      view = module.mount(root, ctx);
      if (last) view.render(last);
      ctx.refresh();
    }, (error) => {
      loading = null;
      showBanner(`The ${title} view could not be loaded: ${String(/** @type {any} */ (error)?.message ?? error)}`);
    });
  };
  whenShown(root, load);
  load();
  return {
    render(model) {
      last = model;
      view?.render(model);
    },
    tick(displayMs) {
      view?.tick?.(displayMs);
    },
  };
}

/**
 * The lesson player (lesson.js) is imported when it is first needed: the Lessons button's first
 * click or `?lesson=NAME`. Until then no lesson is active. Once imported, the player owns the
 * button (its own listener opens the menu), so this first-click listener goes away before the
 * player adds its own; a failed import says so in the banner and the next click tries again.
 * @param {Parameters<typeof import('./lesson.js').mountLessons>[0]} parts
 * @param {import('./types.js').Ctx} ctx
 * @param {Parameters<typeof import('./lesson.js').mountLessons>[2]} page
 */
function lessonsOnDemand(parts, ctx, page) {
  /** @type {ReturnType<typeof import('./lesson.js').mountLessons> | null} */
  let player = null;
  /** @type {Promise<typeof import('./lesson.js')> | null} */
  let loading = null;
  const load = () => {
    loading ??= import('./lesson.js').then((module) => {
      parts.menuButton.removeEventListener('click', firstClick);
      player = module.mountLessons(parts, ctx, page);
      return module;
    }, (error) => {
      loading = null;
      throw error;
    });
    return loading;
  };
  const firstClick = async () => {
    try {
      await load();
    } catch (error) {
      showBanner(`The lessons could not be loaded: ${String(/** @type {any} */ (error)?.message ?? error)}`);
      return;
    }
    parts.menuButton.click();
  };
  parts.menuButton.addEventListener('click', firstClick);
  parts.menuButton.disabled = false;
  return {
    get active() { return player?.active ?? false; },
    /** @param {string} file */
    start: async (file) => {
      await load();
      return player?.start(file) ?? false;
    },
    index: async () => (await load()).lessonIndex(),
  };
}

/**
 * The "Share & export…" button. The dialog's code (export.js) is imported on the first click,
 * so a visit that never exports does not download it; a failed import says so in the banner
 * and the next click tries again.
 * @param {import('./types.js').Ctx} ctx
 * @param {{ open: HTMLButtonElement, dialog: HTMLDialogElement, status: HTMLElement,
 *           file: HTMLInputElement, close: HTMLButtonElement }} parts
 */
function setupExportOnDemand(ctx, parts) {
  /** @type {Promise<void> | null} */
  let wired = null;
  parts.open.addEventListener('click', async () => {
    wired ??= import('./export.js').then((module) => module.setupExport(ctx, parts));
    try {
      await wired;
    } catch (error) {
      wired = null;
      showBanner(`The export dialog could not be loaded: ${String(/** @type {any} */ (error)?.message ?? error)}`);
      return;
    }
    parts.status.textContent = '';
    parts.dialog.showModal();
  });
  parts.open.disabled = false;
}

/**
 * `lesson=NAME`: starts the built-in lesson of that name (www/lessons/index.json); an unknown
 * name says so and lists the names, and the page goes on with its run.
 */
async function startLessonByName(lessons, name) {
  let index;
  try {
    index = await lessons.index();
  } catch (error) {
    showBanner(String(/** @type {any} */ (error)?.message ?? error));
    return;
  }
  const entry = index.find((lesson) => lesson.name === name);
  if (!entry) {
    showBanner(`There is no lesson "${name.slice(0, 40)}". The lessons are: ${index.map((l) => l.name).join(', ')}.`);
    return;
  }
  await lessons.start(entry.file);
}

/**
 * In an iframe, "Open in raftlab" opens the full page with this run at this moment (the link
 * is made when it is used, so it is never stale).
 */
function setupOpenFull(ctx) {
  const link = /** @type {HTMLAnchorElement} */ (byId('open-full'));
  const point = () => {
    try {
      const url = new URL(linkUrl(ctx.linkText()));
      for (const name of ['embed', 'panels', 'controls']) url.searchParams.delete(name);
      link.href = url.toString();
    } catch { /* keeps the plain page address */ }
  };
  for (const type of ['pointerenter', 'focus', 'mousedown', 'keydown']) link.addEventListener(type, point);
  link.hidden = false;
}

/**
 * Starts the first run: the address's `#run=` link; else, when the address chooses no run
 * (no seed or nodes) and the page is not embedded, the run this browser kept last time;
 * else a fresh run from the address. A link that does not open says why and the page goes
 * on with the kept or fresh run; the kept run is replaced only by later saves.
 * @returns {'link' | 'kept' | 'fresh'}
 */
function openFirstRun(controller, ctx, { params, embedded, say }) {
  const link = linkFromHash(location.hash);
  if (link !== null) {
    const error = ctx.tryOpenLink(link);
    if (!error) return 'link';
    showBanner(`This link's run could not be opened: ${error}`);
  }
  const choosesRun = params.has('seed') || params.has('nodes');
  const kept = !embedded && !choosesRun ? storedRun() : null;
  if (kept) {
    const error = ctx.tryOpenLink(kept);
    if (!error) {
      say(`Your last run is back, at t = ${ctx.view.nowMs} ms. Settings starts a new one.`);
      return 'kept';
    }
    if (link === null) showBanner(`Your last run could not be restored (${error}); a new run started.`);
  }
  if (!controller.start(configFromUrl())) controller.start({ ...DEFAULT_CONFIG });
  return 'fresh';
}

start();
