// Share links: the "Copy link" button, links opened from the address (`#run=`), and the current
// run kept in local storage, so a reload, a closed tab or a bad link never loses it. The link
// text itself is the engine's (`playground.link()`, docs/scenario-format.md); this module only
// moves it between the run, the address bar, the clipboard and storage.

/** Where the current run is kept (a link text). */
export const RUN_KEY = 'raftlab.currentRun';
/** How often (wall ms) a changed run is saved while the page is open. */
const SAVE_EVERY_MS = 5000;
/** URL parameters that choose a fresh run; a link replaces them. */
const RUN_PARAMS = ['seed', 'nodes'];

/**
 * The link text in an address fragment (`#run=TEXT`), or null when there is none.
 * @param {string} hash
 */
export function linkFromHash(hash) {
  return hash.startsWith('#run=') ? hash.slice('#run='.length) : null;
}

/**
 * The page's address with `text` as its run: the other parameters (embedding, theme) stay.
 * @param {string} text
 * @param {string} [base]
 */
export function linkUrl(text, base = location.href) {
  const url = new URL(base);
  for (const name of RUN_PARAMS) url.searchParams.delete(name);
  url.hash = `run=${text}`;
  return url.toString();
}

/** The run kept by the last visit, or null. */
export function storedRun() {
  try { return localStorage.getItem(RUN_KEY); } catch { return null; }
}

/**
 * Wires the Copy link button and its fallback dialog, saving to storage (unless `keep` is
 * false, as in an embedded frame) and opening links pasted into the address bar.
 * @param {import('./types.js').Ctx} ctx
 * @param {{ button: HTMLButtonElement, status: HTMLElement, dialog: HTMLDialogElement,
 *           field: HTMLTextAreaElement, close: HTMLButtonElement, keep: boolean }} parts
 */
export function setupShare(ctx, parts) {
  const { button, status, dialog, field, close, keep } = parts;
  /** The link this page last put in the address bar (a hashchange to it is ours). */
  let shownLink = linkFromHash(location.hash);
  let statusTimer = 0;

  /** @param {string} text */
  const say = (text) => {
    status.textContent = text;
    ctx.announce(text);
    clearTimeout(statusTimer);
    statusTimer = window.setTimeout(() => { status.textContent = ''; }, 6000);
  };

  const copy = async () => {
    let text;
    try {
      text = ctx.linkText();
    } catch (error) {
      ctx.error(`Could not make a link: ${String(error && /** @type {any} */ (error).message || error)}`);
      return;
    }
    const url = linkUrl(text);
    shownLink = text;
    history.replaceState(null, '', url);
    const size = `${url.length.toLocaleString('en')} characters`;
    try {
      await navigator.clipboard.writeText(url);
      say(`Link copied (${size}). It opens this run at t = ${ctx.view.nowMs} ms.`);
    } catch {
      // No clipboard (an iframe without permission, an old browser): show it to copy by hand.
      field.value = url;
      dialog.showModal();
      field.focus();
      field.select();
      say(`The link (${size}) is selected: copy it with Ctrl+C.`);
    }
  };
  button.addEventListener('click', copy);
  button.disabled = false;
  close.addEventListener('click', () => dialog.close());

  window.addEventListener('hashchange', () => {
    const text = linkFromHash(location.hash);
    if (text === null || text === shownLink) return;
    shownLink = text;
    if (ctx.openLink(text)) say(`Opened the linked run at t = ${ctx.view.nowMs} ms.`);
  });

  if (keep) {
    let saved = '';
    const save = () => {
      const view = ctx.view;
      if (!view) return;
      const mark = `${view.nowMs}/${view.stateHash}`;
      if (mark === saved) return;
      try {
        localStorage.setItem(RUN_KEY, ctx.linkText());
        saved = mark;
      } catch { /* storage full or off: the run itself goes on */ }
    };
    ctx.onAct(save);
    window.setInterval(save, SAVE_EVERY_MS);
    window.addEventListener('pagehide', save);
    document.addEventListener('visibilitychange', () => { if (document.hidden) save(); });
  }
  return { copy, say };
}
