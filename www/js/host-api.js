// The postMessage API for a page that embeds raftlab in an iframe (README, "Embedding").
// Every message is an object with `raftlab: 1` and a `type`; anything else is ignored, and a
// known type with bad fields is answered with an `error` message, never a crash.
//   host -> frame: load {link} (an address with #run= or the link text), play, pause, step, seek {timeMs}, act {action}, get-state, get-link
//   frame -> host: ready, state {timeMs, leader, term, stateHash}, link {url}, and the events
//                  leader-elected {leader, term, timeMs}, committed {index, timeMs},
//                  violation {monitor, invariant, message, timeMs}, error {message}
// Messages to the host go to the parent window with target "*": they carry only what the
// page shows anyway. Answers go to the window that asked.

import { linkUrl } from './share.js';

/** The protocol's version number, in every message. */
export const PROTOCOL = 1;
/** The largest link a `load` takes (characters); the engine caps it too. */
const LINK_MAX = 4 * 1024 * 1024;

/**
 * Why a host message cannot be taken, or '' when it can (a type this API does not know is
 * not an error: it is ignored, as is every message without `raftlab: 1`).
 * @param {any} data
 */
export function checkMessage(data) {
  switch (data.type) {
    case 'load':
      if (typeof data.link !== 'string' || data.link.length === 0) return 'load needs a link (a string)';
      if (data.link.length > LINK_MAX) return 'load: the link is too long';
      return '';
    case 'seek':
      if (typeof data.timeMs !== 'number' || !Number.isFinite(data.timeMs) || data.timeMs < 0) {
        return 'seek needs timeMs, a number of virtual ms from 0';
      }
      return '';
    case 'act':
      if (typeof data.action !== 'object' || data.action === null || typeof data.action.kind !== 'string') {
        return 'act needs an action: an object with a kind, such as {"kind": "crash", "node": 2}';
      }
      return '';
    default:
      return '';
  }
}

/**
 * Listens for host messages and tells the host what happens.
 * @param {Window} win
 * @param {import('./types.js').Ctx} ctx
 */
export function setupHostApi(win, ctx) {
  const host = win.parent !== win ? win.parent : null;
  /** @param {Record<string, any>} message @param {MessageEventSource | null} [to] */
  const post = (message, to = host) => {
    if (!to) return;
    /** @type {any} */ (to).postMessage({ raftlab: PROTOCOL, ...message }, '*');
  };
  const state = () => {
    const view = ctx.view;
    return {
      type: 'state', timeMs: view.nowMs, leader: view.leader ?? null, term: maxTerm(view),
      stateHash: ctx.stateHash(),
    };
  };

  win.addEventListener('message', (event) => {
    const data = event.data;
    if (typeof data !== 'object' || data === null || data.raftlab !== PROTOCOL || typeof data.type !== 'string') return;
    const reply = event.source;
    const problem = checkMessage(data);
    if (problem) {
      post({ type: 'error', message: problem }, reply);
      return;
    }
    /** Runs a change; a refusal is answered with the error the banner shows. */
    const attempt = (change) => {
      const errors = [];
      const stop = ctx.captureErrors((message) => errors.push(message));
      try { change(); } finally { stop(); }
      for (const message of errors) post({ type: 'error', message }, reply);
    };
    switch (data.type) {
      case 'load': attempt(() => ctx.openLink(data.link)); break;
      case 'play': ctx.play(); break;
      case 'pause': ctx.pause(); break;
      case 'step': attempt(() => ctx.step()); break;
      case 'seek': attempt(() => ctx.seek(data.timeMs)); break;
      case 'act': attempt(() => ctx.actAsAuthor(data.action)); break;
      case 'get-state': post(state(), reply); break;
      case 'get-link': attempt(() => post({ type: 'link', url: linkUrl(ctx.linkText()) }, reply)); break;
      default: break;
    }
  });

  // Events, from one view model to the next.
  let leaderSeen = /** @type {string | null} */ (null);
  let committedSeen = -1;
  let violationSeen = false;
  ctx.onChange((view) => {
    if (!view) return;
    if (view.leader !== undefined) {
      const term = view.nodes.find((n) => n.id === view.leader)?.term ?? maxTerm(view);
      const key = `${view.leader}@${term}`;
      if (key !== leaderSeen) {
        leaderSeen = key;
        post({ type: 'leader-elected', leader: view.leader, term, timeMs: view.nowMs });
      }
    }
    const committed = Math.max(0, ...view.nodes.map((n) => n.commit ?? 0));
    if (committedSeen >= 0 && committed > committedSeen) post({ type: 'committed', index: committed, timeMs: view.nowMs });
    committedSeen = committed;
    if (!view.monitor.ok && !violationSeen) {
      const violation = view.monitor.violation;
      post({
        type: 'violation', monitor: violation?.number ?? null, invariant: violation?.invariant ?? '',
        message: violation?.explanation ?? '', timeMs: violation?.atMs ?? view.nowMs,
      });
    }
    violationSeen = !view.monitor.ok;
  });
  ctx.onError((message) => post({ type: 'error', message }));
  post({ type: 'ready' });
}

/** @param {import('./types.js').View} view */
function maxTerm(view) {
  return Math.max(0, ...view.nodes.map((n) => n.term ?? 0));
}
