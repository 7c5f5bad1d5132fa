// The on-demand wasm modules (built from tools-wasm/), each loaded once, the first time
// something asks for it. None of them is needed to draw the cluster, so the page's first
// download does not carry them:
//
// - `pkg/raftlab_check.js` (`loadLessonParser`): the small one, the lesson parser and the
//   checker, with no simulator in it, so opening a lesson stays cheap. (The History tab's
//   worker, check-worker.js, imports the same module itself.)
// - `pkg/raftlab_tools.js` (`loadTools`): the big one, with its own copy of the simulator, for
//   the run's exports as text (replay script, etcd script, Rust test), a script file opened as
//   a run and the script runner; only the Share & export dialog asks for it.
//
// A run crosses as scenario JSON (`playground.scenarioJson()`); the modules share no memory.
// The import() paths stay literal so the dist bundler (xtask/src/minify.rs) sees them.

/** @type {Promise<any> | null} */
let loadingTools = null;
/** @type {Promise<any> | null} */
let loadingCheck = null;

/**
 * Initializes a freshly imported bindings module; a failed load is forgotten through `forget`,
 * so the next call tries again.
 * @param {Promise<any>} imported @param {() => void} forget
 * @returns {Promise<any>}
 */
function initialized(imported, forget) {
  const loading = imported.then(async (module) => {
    await module.default();
    return module;
  });
  loading.catch(forget);
  return loading;
}

/**
 * The initialized big module (its exports: `replayScript`, `etcdScript`, `rustTest`,
 * `scriptScenarioJson`, `runScript`, and the small module's too).
 * @returns {Promise<any>}
 */
export function loadTools() {
  if (!loadingTools) {
    loadingTools = initialized(import('../pkg/raftlab_tools.js'), () => { loadingTools = null; });
  }
  return loadingTools;
}

/**
 * The initialized small module (its exports: `lessonJson`, `lessonPlans`, and the checker's).
 * @returns {Promise<any>}
 */
export function loadLessonParser() {
  if (!loadingCheck) {
    loadingCheck = initialized(import('../pkg/raftlab_check.js'), () => { loadingCheck = null; });
  }
  return loadingCheck;
}
