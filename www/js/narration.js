// The screen-reader live region: narrates notable events in plain words (elections, leaders,
// crashes, violations, client answers), at most one message per second so a fast run does not
// flood the reader.

const NOTABLE = new Set(['role', 'action', 'violation']);
const QUIET_MS = 1000;

/** @param {HTMLElement} region */
export function createNarrator(region) {
  let lastEventId = -1;
  let lastSaid = 0;
  /** @type {string[]} */
  let pending = [];
  let timer = 0;

  function flush() {
    timer = 0;
    if (pending.length === 0) return;
    const text = pending.length > 3
      ? `${pending.slice(-3).join(' ')} (and ${pending.length - 3} more events)`
      : pending.join(' ');
    pending = [];
    region.textContent = text;
    lastSaid = performance.now();
  }

  function schedule() {
    if (timer) return;
    const wait = Math.max(0, QUIET_MS - (performance.now() - lastSaid));
    timer = window.setTimeout(flush, wait);
  }

  return {
    /** Says `text` soon (within a second). @param {string} text */
    say(text) {
      pending.push(text);
      schedule();
    },
    /** Picks the notable new events of a view. @param {import('./types.js').View} view */
    frame(view) {
      for (const event of view.events) {
        if (event.id <= lastEventId) continue;
        if (lastEventId >= 0 && NOTABLE.has(event.kind)) pending.push(event.text);
      }
      const newest = view.events.at(-1);
      if (newest) lastEventId = Math.max(lastEventId, newest.id);
      if (pending.length) schedule();
    },
  };
}
