// The history check's Web Worker: loads the small on-demand wasm module (`raftlab_check`, built
// from tools-wasm/ with the checker and the lesson parser and no simulator; not in the page's
// first download: only a check needs it) and runs
// `checkHistoryReport(json, budget)` off the main thread, so a long check never freezes the page.
// Messages in: { id, json, budget }; out: { id, report } (the report's JSON text) or
// { id, error } (a message for people). The page cancels a check by terminating this worker.

import init, { checkHistoryReport } from '../pkg/raftlab_check.js';

const ready = init();

self.addEventListener('message', async (event) => {
  const { id, json, budget } = event.data ?? {};
  try {
    await ready;
  } catch (error) {
    self.postMessage({ id, error: `the checker could not load: ${String(error?.message ?? error)}` });
    return;
  }
  try {
    const report = checkHistoryReport(String(json), typeof budget === 'number' ? budget : undefined);
    self.postMessage({ id, report });
  } catch (error) {
    self.postMessage({ id, error: `the checker stopped: ${String(error?.message ?? error)}` });
  }
});
