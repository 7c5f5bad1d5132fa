// The page's controller: boots the core and shows one of three states (loading, ready, error).
// User-visible text always goes through textContent.

import { explainLoadError, loadCore } from './boot.js';

/** @param {string} id */
function byId(id) {
  const element = document.getElementById(id);
  if (!element) throw new Error(`page is missing #${id}`);
  return element;
}

/** @param {unknown} error */
function showLoadError(error) {
  byId('loading').hidden = true;
  byId('load-error-message').textContent = explainLoadError(error);
  byId('load-error-details').textContent = String(error && /** @type {any} */ (error).stack || error);
  byId('load-error').hidden = false;
  document.body.dataset.state = 'error';
}

async function start() {
  document.body.dataset.state = 'loading';
  let core;
  try {
    core = await loadCore();
  } catch (error) {
    showLoadError(error);
    return;
  }
  const version = core.version();
  byId('core-version').textContent = version;
  byId('core-build').textContent = core.buildId();
  byId('ready-version').textContent = `v${version}`;
  byId('fresh-seed').textContent = core.freshSeed();
  byId('loading').hidden = true;
  byId('ready').hidden = false;
  document.body.dataset.state = 'ready';
}

start();
