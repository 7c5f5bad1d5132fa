// Loading the wasm core: turns every way it can fail into a message a person can act on.

/** @typedef {{ version: () => string, buildId: () => string, freshSeed: () => string }} Core */

/**
 * Explains a load failure in plain words.
 * @param {unknown} error
 * @returns {string}
 */
export function explainLoadError(error) {
  const text = String(error && /** @type {any} */ (error).message || error);
  if (typeof WebAssembly !== 'object') {
    return 'This browser has no WebAssembly support.';
  }
  if (/MIME|Content-Type/i.test(text)) {
    return 'The server sent the WebAssembly file with the wrong content type.';
  }
  if (/fetch|network|404|Failed to load|import/i.test(text)) {
    return 'The WebAssembly module could not be downloaded. Was the page built (cargo xtask serve)?';
  }
  if (/CompileError|compile|magic|validate/i.test(text)) {
    return 'The WebAssembly file is damaged or was built for another version of the page.';
  }
  return 'An unexpected error stopped the core from starting.';
}

/**
 * Imports the generated bindings and instantiates the wasm.
 * @returns {Promise<Core>}
 */
export async function loadCore() {
  if (typeof WebAssembly !== 'object') {
    throw new Error('WebAssembly is not available in this browser');
  }
  const bindings = await import('../pkg/raftlab.js');
  await bindings.default();
  return bindings;
}
