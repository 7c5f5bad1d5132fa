// Calls back when a view's panel becomes visible again: hidden panels skip their renders, so
// they draw the newest view model the moment a tab shows them (even while the clock is paused).

/**
 * @param {HTMLElement} root the view's element
 * @param {() => void} callback called after any ancestor's `hidden` changed and root is shown
 */
export function whenShown(root, callback) {
  const observer = new MutationObserver(() => {
    if (!root.closest('[hidden]')) callback();
  });
  for (let node = /** @type {HTMLElement | null} */ (root); node && node !== document.body; node = node.parentElement) {
    observer.observe(node, { attributes: true, attributeFilter: ['hidden'] });
  }
}
