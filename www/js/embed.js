// Embedding: what the address's parameters change about the page (README, "Embedding").
//   embed=1        minimal chrome for an iframe: no build line, no first-visit hint, no kept run,
//                  an "Open in raftlab" link to the full page with this run
//   panels=a,b     the panels shown (names below); the others and empty areas are hidden
//   controls=a,b   the controls left usable (`all`, `none`, Action kinds, "console", "play",
//                  "speed", "step", "timeline", "settings", "link"); locked ones are hidden or
//                  refused
//   theme=light|dark|auto
// A bad value is reported in the banner and ignored, never fatal.

import { selectTab } from './tabs.js';

/** Panel names and the tab that shows each. */
export const PANELS = Object.freeze({
  node: 'tab-node',
  network: 'tab-network',
  settings: 'tab-settings',
  console: 'tab-console',
  logs: 'tab-logs',
  kv: 'tab-kv',
  events: 'tab-events',
  spacetime: 'tab-spacetime',
  monitors: 'tab-monitors',
  history: 'tab-history',
});

/** The page's own control groups and the elements each covers. */
const PAGE_CONTROLS = Object.freeze({
  play: ['#play'],
  speed: ['.speed'],
  step: ['#step', '[aria-label="Step back"]'],
  timeline: ['#timeline-view > :not(#step):not([aria-label="Step back"])'],
  link: ['#copy-link', '#open-export'],
});

/**
 * A comma list from the address, checked against `known`: the names and what was not known.
 * @param {string} text
 * @param {readonly string[]} known
 */
export function parseList(text, known) {
  const names = text.split(',').map((name) => name.trim().toLowerCase()).filter(Boolean);
  return {
    names: names.filter((name) => known.includes(name)),
    unknown: names.filter((name) => !known.includes(name)),
  };
}

/**
 * What the address asks for, read once: `{ embedded, panels, controls, theme, problems }`.
 * @param {URLSearchParams} params
 * @param {string[]} actionKinds the engine's action kinds (`actionKinds()`), also controls
 */
export function readEmbedParams(params, actionKinds) {
  /** @type {string[]} */
  const problems = [];
  const embedded = params.get('embed') === '1';
  /** @type {string[] | null} */
  let panels = null;
  const panelText = params.get('panels');
  if (panelText !== null) {
    const { names, unknown } = parseList(panelText, Object.keys(PANELS));
    if (unknown.length) problems.push(`unknown panels ${quoteAll(unknown)} (known: ${Object.keys(PANELS).join(', ')})`);
    panels = names;
  }
  /** @type {string[] | null} */
  let controls = null;
  const controlText = params.get('controls');
  if (controlText !== null && controlText !== 'all') {
    const known = [...Object.keys(PAGE_CONTROLS), 'settings', ...actionKinds];
    const { names, unknown } = controlText === 'none' ? { names: [], unknown: [] } : parseList(controlText, known);
    if (unknown.length) problems.push(`unknown controls ${quoteAll(unknown)} (known: all, none, ${known.join(', ')})`);
    controls = names;
  }
  // Without the settings control the settings panel goes too (it restarts the run).
  if (controls && !controls.includes('settings')) {
    panels = (panels ?? Object.keys(PANELS)).filter((name) => name !== 'settings');
  }
  let theme = params.get('theme');
  if (theme !== null && !['light', 'dark', 'auto'].includes(theme)) {
    problems.push(`unknown theme ${quoteAll([theme])} (known: light, dark, auto)`);
    theme = null;
  }
  return { embedded, panels, controls, theme, problems };
}

/** @param {string[]} names */
function quoteAll(names) {
  return names.map((name) => `"${name.slice(0, 30)}"`).join(', ');
}

/**
 * Applies what `readEmbedParams` read to the page.
 * @param {Document} root
 * @param {import('./types.js').Ctx} ctx
 * @param {ReturnType<typeof readEmbedParams>} wanted
 * @param {(message: string) => void} report
 */
export function applyEmbed(root, ctx, wanted, report) {
  const { embedded, panels, controls, theme, problems } = wanted;
  if (problems.length) report(`This page's address has ${problems.join('; ')}: those were ignored.`);
  if (theme && theme !== 'auto') root.documentElement.dataset.theme = theme;
  if (embedded) root.body.classList.add('embedded');
  if (panels) showOnly(root, panels);
  if (controls) lockControls(root, ctx, wanted, null);
}

/**
 * Leaves only the controls `names` usable (a lesson's), within what the address allows; null
 * goes back to what the address allows. Locked actions are refused by the controller, the
 * page's own locked controls are hidden.
 * @param {Document} root
 * @param {import('./types.js').Ctx} ctx
 * @param {ReturnType<typeof readEmbedParams>} wanted
 * @param {string[] | null} names
 */
export function lockControls(root, ctx, wanted, names) {
  const { controls } = wanted;
  if (names === null) {
    ctx.setAllowed(controls, 'the page that embeds this one');
    showControls(root, controls);
    return;
  }
  const allowed = controls ? names.filter((name) => controls.includes(name)) : names;
  ctx.setAllowed(allowed, 'this lesson (finish it or press Exit lesson to use everything)');
  showControls(root, allowed);
}

/**
 * Hides the page's own controls (play, speed, step, timeline, link) not in `names`, and shows
 * those in it; null shows them all.
 * @param {Document} root
 * @param {string[] | null} names
 */
function showControls(root, names) {
  for (const [group, selectors] of Object.entries(PAGE_CONTROLS)) {
    const shown = names === null || names.includes(group);
    for (const selector of selectors) {
      for (const element of root.querySelectorAll(selector)) /** @type {HTMLElement} */ (element).hidden = !shown;
    }
  }
}

/**
 * Hides every panel not in `names` and selects a shown tab in each list. Areas left empty are
 * hidden by style.css from the body's classes (the console is a side tab at iframe sizes, so
 * whether the side area is empty depends on the width): `no-side-panels` (no node, network or
 * settings), `no-console`, `no-bottom`.
 * @param {Document} root
 * @param {string[]} names
 */
function showOnly(root, names) {
  for (const [name, tabId] of Object.entries(PANELS)) {
    const tab = root.getElementById(tabId);
    if (!tab) continue;
    const shown = names.includes(name);
    tab.hidden = !shown;
    if (!shown) {
      const panel = root.getElementById(tab.getAttribute('aria-controls') ?? '');
      if (panel) panel.hidden = true;
    }
  }
  for (const list of root.querySelectorAll('[role=tablist]')) {
    // The console tab shows only at iframe sizes (style.css): count a tab as shown when drawn.
    const visible = /** @type {HTMLElement[]} */ ([...list.querySelectorAll('[role=tab]')])
      .filter((tab) => !tab.hidden && getComputedStyle(tab).display !== 'none');
    if (visible.length && !visible.some((tab) => tab.getAttribute('aria-selected') === 'true')) selectTab(visible[0]);
  }
  const none = (/** @type {string[]} */ group) => !group.some((name) => names.includes(name));
  root.body.classList.toggle('no-side-panels', none(['node', 'network', 'settings']));
  root.body.classList.toggle('no-console', none(['console']));
  root.body.classList.toggle('no-bottom', none(['logs', 'kv', 'events', 'spacetime', 'monitors', 'history']));
}

/**
 * Shows the panels `names`, or every panel the address allowed when null (a lesson's
 * `panels` line, and its end).
 * @param {Document} root
 * @param {ReturnType<typeof readEmbedParams>} wanted
 * @param {string[] | null} names
 */
export function showPanels(root, wanted, names) {
  const allowed = wanted.panels ?? Object.keys(PANELS);
  showOnly(root, (names ?? allowed).filter((name) => allowed.includes(name)));
}
