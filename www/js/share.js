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

/**
 * The iframe snippet that embeds the run `text` (at its moment, minimal chrome).
 * @param {string} text
 * @param {string} [base]
 */
export function embedCode(text, base = location.href) {
  const url = new URL(linkUrl(text, base));
  url.searchParams.set('embed', '1');
  const src = url.toString().replaceAll('&', '&amp;').replaceAll('"', '&quot;');
  return `<iframe src="${src}" title="raftlab: a Raft playground" width="800" height="600" `
    + 'style="border: 1px solid #ccc; border-radius: 8px; max-width: 100%;" loading="lazy" '
    + 'allow="clipboard-write"></iframe>';
}

/** The run kept by the last visit, or null. */
export function storedRun() {
  try { return localStorage.getItem(RUN_KEY); } catch { return null; }
}

/**
 * Wires the Copy link and Embed buttons and their fallback dialog, saving the run to storage
 * while `keep()` says so (never in an embedded frame, where `keep` is null; not during a
 * lesson) and opening links pasted into the address bar.
 * @param {import('./types.js').Ctx} ctx
 * @param {{ button: HTMLButtonElement, embedButton: HTMLButtonElement, status: HTMLElement,
 *           dialog: HTMLDialogElement, dialogTitle: HTMLElement, field: HTMLTextAreaElement,
 *           close: HTMLButtonElement, keep: (() => boolean) | null }} parts
 */
export function setupShare(ctx, parts) {
  const { button, embedButton, status, dialog, dialogTitle, field, close, keep } = parts;
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

  /** The run's link text, or null (and a banner) when the engine cannot make one. */
  const currentLink = () => {
    try {
      return ctx.linkText();
    } catch (error) {
      ctx.error(`Could not make a link: ${String(error && /** @type {any} */ (error).message || error)}`);
      return null;
    }
  };

  /**
   * Puts `text` on the clipboard and says `done`; without a clipboard (an iframe without
   * permission, an old browser) shows it selected in a dialog to copy by hand.
   * @param {string} text @param {string} title @param {string} done
   */
  const toClipboard = async (text, title, done) => {
    try {
      await navigator.clipboard.writeText(text);
      say(done);
    } catch {
      dialogTitle.textContent = title;
      field.value = text;
      dialog.showModal();
      field.focus();
      field.select();
      say(`${title} is selected: copy it with Ctrl+C.`);
    }
  };

  const copy = async () => {
    const text = currentLink();
    if (text === null) return;
    const url = linkUrl(text);
    shownLink = text;
    history.replaceState(null, '', url);
    const size = `${url.length.toLocaleString('en')} characters`;
    await toClipboard(url, 'The link to this run', `Link copied (${size}). It opens this run at t = ${ctx.view.nowMs} ms.`);
  };

  const copyEmbed = async () => {
    const text = currentLink();
    if (text === null) return;
    await toClipboard(embedCode(text), 'The embed code',
      'Embed code copied: paste it into your course page (an iframe, 800 × 600).');
  };
  embedButton.addEventListener('click', copyEmbed);
  embedButton.disabled = false;
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
      if (!view || !keep()) return;
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
  return { copy, copyEmbed, say };
}
