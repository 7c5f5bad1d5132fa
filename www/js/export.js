// "Share & export": the dialog that copies the embed code, downloads the run (scenario script,
// scenario JSON), the clients' history (docs/history-format.md), the cluster picture as SVG and
// the engine's other exports, and opens a run from a file. Every file's content comes from the
// engine (or, for the picture, from the drawn SVG): nothing is recomputed here. The scenario
// script, the Rust test, the etcd script and opening a script file are the big on-demand module's
// (`pkg/raftlab_tools.js`, through `tools.js`), fetched when the dialog is first opened.

import { errorText } from './controller.js';
import { loadTools } from './tools.js';

/**
 * Saves `text` as a file named `name` through a temporary link (no server involved).
 * @param {string} name @param {string} text @param {string} type
 */
export function download(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Presentation attributes the picture keeps from the page's styles (colours, lines, text). */
const KEPT_STYLES = [
  'fill', 'fill-opacity', 'stroke', 'stroke-width', 'stroke-dasharray', 'stroke-opacity', 'opacity',
  'font-size', 'font-family', 'font-weight', 'text-anchor', 'dominant-baseline',
];

/**
 * A standalone copy of a drawn SVG: the page's CSS (theme variables, classes) written into
 * each element as presentation attributes, hidden parts left out, a background behind it.
 * @param {SVGSVGElement} drawn
 */
export function standaloneSvg(drawn) {
  const copy = /** @type {SVGSVGElement} */ (drawn.cloneNode(true));
  const originals = [drawn, ...drawn.querySelectorAll('*')];
  const copies = [copy, ...copy.querySelectorAll('*')];
  for (let i = originals.length - 1; i >= 0; i -= 1) {
    const style = getComputedStyle(originals[i]);
    const element = copies[i];
    if (style.display === 'none' || style.visibility === 'hidden') {
      if (element !== copy) element.remove();
      continue;
    }
    for (const name of KEPT_STYLES) {
      const value = style.getPropertyValue(name);
      if (value && value !== 'normal' && value !== 'auto') element.setAttribute(name, value);
    }
    element.removeAttribute('class');
    element.removeAttribute('tabindex');
    element.removeAttribute('role');
  }
  const box = drawn.getBoundingClientRect();
  copy.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  copy.setAttribute('width', String(Math.round(box.width)));
  copy.setAttribute('height', String(Math.round(box.height)));
  const background = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
  const viewBox = drawn.viewBox.baseVal;
  for (const [name, value] of Object.entries(viewBox && viewBox.width
    ? { x: viewBox.x, y: viewBox.y, width: viewBox.width, height: viewBox.height }
    : { x: 0, y: 0, width: box.width, height: box.height })) background.setAttribute(name, String(value));
  background.setAttribute('fill', getComputedStyle(document.body).backgroundColor || '#fff');
  copy.prepend(background);
  return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(copy)}\n`;
}

/**
 * What a file holds: scenario JSON, a link (text or address), or a scenario script.
 * @param {string} text
 * @returns {'json' | 'link' | 'script'}
 */
export function fileKind(text) {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) return 'json';
  if (trimmed.includes('#run=') || /^\d+\.[A-Za-z0-9_-]+$/.test(trimmed)) return 'link';
  return 'script';
}

/**
 * Wires the dialog's buttons and file input. main.js imports this module when the dialog is
 * first opened (it is not needed to draw the run), and opens the dialog itself.
 * @param {import('./types.js').Ctx} ctx
 * @param {{ dialog: HTMLDialogElement, status: HTMLElement,
 *           file: HTMLInputElement, close: HTMLButtonElement }} parts
 */
export function setupExport(ctx, parts) {
  const { dialog, status, file, close } = parts;
  /** @param {string} text */
  const say = (text) => { status.textContent = text; ctx.announce(text); };
  const stamp = () => `t${ctx.view.nowMs}ms`;
  const seed = () => String(ctx.config.seed ?? 'run');
  // Fetched now, while the dialog is read, so a download's click rarely waits for it; a
  // failure here is retried (and reported) by the click that needs the module.
  loadTools().catch(() => {});

  /** Each download: its button's data-export name, the file, and where its text comes from. */
  const exports = {
    'scenario-text': async () => ['text/plain', `raftlab-seed${seed()}-${stamp()}.txt`,
      (await loadTools()).replayScript(ctx.playground.scenarioJson())],
    'scenario-json': () => ['application/json', `raftlab-seed${seed()}-${stamp()}.json`, ctx.playground.scenarioJson()],
    history: () => ['application/json', `raftlab-history-${stamp()}.json`, ctx.playground.history()],
    svg: () => {
      const drawn = document.querySelector('#ring-view svg');
      if (!(drawn instanceof SVGSVGElement)) throw new Error('the cluster picture is not drawn');
      return ['image/svg+xml', `raftlab-cluster-${stamp()}.svg`, standaloneSvg(drawn)];
    },
    'rust-test': async () => ['text/x-rust', `raftlab_regression_${stamp()}.rs`,
      (await loadTools()).rustTest(ctx.playground.scenarioJson())],
    'etcd-script': async () => ['text/x-shellscript', `raftlab-etcd-${stamp()}.sh`,
      (await loadTools()).etcdScript(ctx.playground.scenarioJson())],
  };
  for (const button of dialog.querySelectorAll('button[data-export]')) {
    const name = /** @type {keyof typeof exports} */ (button.getAttribute('data-export'));
    const make = exports[name];
    button.addEventListener('click', async () => {
      try {
        const [type, fileName, text] = await make();
        download(fileName, text, type);
        say(`Saved ${fileName} (${text.length.toLocaleString('en')} characters).`);
      } catch (error) {
        say(`Could not export: ${String(error && /** @type {any} */ (error).message || error)}`);
      }
    });
  }

  file.addEventListener('change', async () => {
    const chosen = file.files?.[0];
    file.value = '';
    if (!chosen) return;
    if (chosen.size > 16 * 1024 * 1024) {
      say(`${chosen.name} is too large to be a raftlab run (over 16 MB). Your run is unchanged.`);
      return;
    }
    const text = await chosen.text();
    const error = await openText(ctx, text);
    if (error) say(`${chosen.name} could not be opened: ${error} Your run is unchanged.`);
    else {
      say(`Opened ${chosen.name}: t = ${ctx.view.nowMs} ms.`);
      dialog.close();
    }
  });

  close.addEventListener('click', () => dialog.close());
}

/**
 * Opens a run from a file's text; gives the refusal in words, or '' when it opened. A script
 * is recorded as a run by the tools module, then opened from its scenario JSON.
 * @param {import('./types.js').Ctx} ctx @param {string} text
 * @returns {Promise<string>}
 */
async function openText(ctx, text) {
  switch (fileKind(text)) {
    case 'link': return ctx.tryOpenLink(text.trim());
    case 'json': return ctx.tryOpenRun(() => ctx.bindings.Playground.fromScenarioJson(text));
    default: {
      let json;
      try {
        json = (await loadTools()).scriptScenarioJson(text);
      } catch (error) {
        return errorText(error);
      }
      return ctx.tryOpenRun(() => ctx.bindings.Playground.fromScenarioJson(json));
    }
  }
}
