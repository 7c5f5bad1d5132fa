// The on-demand wasm module (tools-wasm/: `pkg/raftlab_tools.js`), loaded once, the first time
// something asks for it: the run's exports as text (replay script, etcd script, Rust test), a
// script file opened as a run, the script runner and the lesson parser. None of them is needed to draw the
// cluster, so the page's first download does not carry them. A run crosses as scenario JSON
// (`playground.scenarioJson()`); the two modules share no memory.

/** @type {Promise<any> | null} */
let loading = null;

/**
 * The initialized tools module (its exports: `replayScript`, `etcdScript`, `rustTest`,
 * `scriptScenarioJson`, `runScript`, `lessonJson`, `lessonPlans`, and the checker's). A failed load is forgotten, so the
 * next call tries again.
 * @returns {Promise<any>}
 */
export function loadTools() {
  if (!loading) {
    loading = import('../pkg/raftlab_tools.js').then(async (tools) => {
      await tools.default();
      return tools;
    });
    loading.catch(() => { loading = null; });
  }
  return loading;
}
