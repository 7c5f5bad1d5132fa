// Page-wide keyboard shortcuts. They act only when the focus is not in a text field, and each
// one does what a visible button does (the list is shown behind `?`).

import { showPanel } from './tabs.js';

/** What the help dialog lists, in order. */
export const SHORTCUTS = [
  { keys: 'Space', what: 'play / pause (on a focused button: press it)' },
  { keys: '.', what: 'run one event (step forward)' },
  { keys: ',', what: 'go one event back (step back)' },
  { keys: 'c', what: 'go to the etcdctl console' },
  { keys: '1 … 9', what: 'select node n1 … n9' },
  { keys: 'x', what: 'crash the selected node' },
  { keys: 'r', what: 'restart the selected node' },
  { keys: 'p', what: 'pause / resume the selected node' },
  { keys: 'i', what: 'isolate the selected node (cut all its links)' },
  { keys: 'h', what: 'heal all links' },
  { keys: 'n', what: 'show the network panel' },
  { keys: 's', what: 'show the settings' },
  { keys: 'l', what: 'copy a link to this run, at this moment' },
  { keys: '?', what: 'this help' },
  { keys: 'Esc', what: 'close a dialog, clear the selection' },
];

/** @param {EventTarget | null} target */
function typing(target) {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  if (target instanceof HTMLInputElement) {
    return !['button', 'checkbox', 'radio', 'range', 'submit', 'reset'].includes(target.type);
  }
  return false;
}

/**
 * @param {Document} root
 * @param {import('./types.js').Ctx} ctx
 * @param {{ openHelp: () => void, copyLink: () => void }} hooks
 */
export function setupKeyboard(root, ctx, hooks) {
  root.addEventListener('keydown', (e) => {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    if (typing(e.target)) return;
    if (root.querySelector('dialog[open]')) return;
    const node = ctx.selection.node;
    const needNode = () => {
      if (node === undefined) ctx.error('Select a node first (keys 1 to 9, or click one).');
      return node !== undefined;
    };
    let handled = true;
    switch (e.key) {
      case ' ':
        // Space on a focused button presses that button; elsewhere (and on the ring's node that
        // is already selected, see ring.js) it plays / pauses.
        if (e.target instanceof HTMLButtonElement) { handled = false; break; }
        if (ctx.allows('play')) ctx.togglePlay();
        break;
      case '.': if (ctx.allows('step')) ctx.step(); break;
      case ',': if (ctx.allows('step')) ctx.stepBack(); break;
      case 'c': {
        if (document.getElementById('console-tab-panel')?.contains(document.getElementById('console-view'))) {
          showPanel('console-tab-panel');
        }
        const input = root.querySelector('[aria-label="etcdctl command"], #console-input');
        if (input instanceof HTMLElement) input.focus();
        break;
      }
      case 'x': if (needNode()) ctx.act({ kind: 'crash', node }); break;
      case 'r': if (needNode()) ctx.act({ kind: 'restart', node }); break;
      case 'p': {
        if (!needNode()) break;
        const paused = ctx.view.nodes.find((n) => n.id === node)?.paused;
        ctx.act({ kind: paused ? 'resume' : 'pause', node });
        break;
      }
      case 'i': if (needNode()) ctx.act({ kind: 'isolate', node }); break;
      case 'h': ctx.act({ kind: 'heal' }); break;
      case 'n': showPanel('network-view'); break;
      case 's': if (ctx.allows('settings')) showPanel('settings-view'); break;
      case 'l': if (ctx.allows('link')) hooks.copyLink(); break;
      case '?': hooks.openHelp(); break;
      case 'Escape': ctx.select({ node: undefined, message: undefined }); break;
      default:
        if (/^[1-9]$/.test(e.key)) {
          const id = Number(e.key);
          if (ctx.view.nodes.some((n) => n.id === id)) {
            ctx.select({ node: id });
            showPanel('node-view');
            const element = root.querySelector(`[data-node="${id}"][role=button]`);
            if (element instanceof HTMLElement || element instanceof SVGElement) element.focus();
          } else {
            ctx.error(`There is no node n${id} in this cluster.`);
          }
        } else {
          handled = false;
        }
    }
    if (handled) e.preventDefault();
  });
}
