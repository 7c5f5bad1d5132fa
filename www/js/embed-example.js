// The example host page (embed-example.html): drives the first playground through raftlab's
// postMessage API and lists what both frames send. A course page needs only this much.

const first = /** @type {HTMLIFrameElement} */ (document.getElementById('first'));
const second = /** @type {HTMLIFrameElement} */ (document.getElementById('second'));
const log = /** @type {HTMLOListElement} */ (document.getElementById('log'));
const stateOut = /** @type {HTMLOutputElement} */ (document.getElementById('state'));
/** The last state each frame sent (to find the leader to crash). */
const lastState = new Map();
/** Whether the second frame's link, once it comes, goes to the first frame. */
let loadWhenLinked = false;

/** @param {HTMLIFrameElement} frame @param {Record<string, unknown>} message */
function send(frame, message) {
  frame.contentWindow?.postMessage({ raftlab: 1, ...message }, location.origin);
}

/** @param {string} id */
function value(id) {
  return /** @type {HTMLInputElement} */ (document.getElementById(id)).value;
}

window.addEventListener('message', (event) => {
  if (event.origin !== location.origin) return;
  const data = event.data;
  if (typeof data !== 'object' || data === null || data.raftlab !== 1) return;
  const from = event.source === first.contentWindow ? 'first' : event.source === second.contentWindow ? 'second' : 'other';
  const item = document.createElement('li');
  item.dataset.frame = from;
  item.dataset.type = String(data.type);
  const { raftlab, type, ...rest } = data;
  item.textContent = `${from}: ${type} ${JSON.stringify(rest)}`;
  log.prepend(item);
  while (log.children.length > 200) log.lastElementChild?.remove();
  if (type === 'state') {
    lastState.set(from, data);
    if (from === 'first') stateOut.textContent = `t = ${data.timeMs} ms, leader ${data.leader ?? 'none'}, term ${data.term}, hash ${data.stateHash}`;
  }
  if (type === 'link' && from === 'second' && loadWhenLinked) {
    loadWhenLinked = false;
    send(first, { type: 'load', link: data.url });
  }
});

document.getElementById('drive')?.addEventListener('click', (event) => {
  const button = /** @type {HTMLElement} */ (event.target).closest('button[data-send]');
  if (!button) return;
  switch (button.getAttribute('data-send')) {
    case 'play': send(first, { type: 'play' }); break;
    case 'pause': send(first, { type: 'pause' }); break;
    case 'step': send(first, { type: 'step' }); break;
    case 'seek': send(first, { type: 'seek', timeMs: Number(value('seek-ms')) }); break;
    case 'put': {
      const line = `put ${JSON.stringify(value('put-key'))} ${JSON.stringify(value('put-value'))}`;
      const node = lastState.get('first')?.leader ?? 1;
      send(first, { type: 'act', action: { kind: 'console', client: 1, node, line } });
      break;
    }
    case 'crash-leader': {
      const leader = lastState.get('first')?.leader;
      if (leader) send(first, { type: 'act', action: { kind: 'crash', node: leader } });
      else stateOut.textContent = 'No leader known yet: press Get state once a leader is elected.';
      break;
    }
    case 'get-state': send(first, { type: 'get-state' }); break;
    case 'get-link': send(first, { type: 'get-link' }); break;
    case 'load-second':
      loadWhenLinked = true;
      send(second, { type: 'get-link' });
      break;
    default: break;
  }
});
