// ARIA tabs: every [role=tablist] switches its panels on click, and the arrow, Home and End
// keys move between its tabs (the WAI-ARIA "tabs with automatic activation" pattern).

/**
 * Shows the panel of `tab` and hides its siblings' panels.
 * @param {HTMLElement} tab
 */
export function selectTab(tab) {
  const list = tab.closest('[role=tablist]');
  if (!list) return;
  for (const other of list.querySelectorAll('[role=tab]')) {
    const selected = other === tab;
    other.setAttribute('aria-selected', String(selected));
    other.setAttribute('tabindex', selected ? '0' : '-1');
    const panel = document.getElementById(other.getAttribute('aria-controls') ?? '');
    if (panel) panel.hidden = !selected;
  }
}

/**
 * Selects the tab that controls the panel with id `panelId` (e.g. "network-view").
 * @param {string} panelId
 */
export function showPanel(panelId) {
  const tab = document.querySelector(`[role=tab][aria-controls="${panelId}"]`);
  if (tab instanceof HTMLElement) selectTab(tab);
}

/** @param {Document} root */
export function setupTabs(root) {
  for (const list of root.querySelectorAll('[role=tablist]')) {
    const tabs = /** @type {HTMLElement[]} */ ([...list.querySelectorAll('[role=tab]')]);
    for (const tab of tabs) tab.addEventListener('click', () => selectTab(tab));
    list.addEventListener('keydown', (event) => {
      const e = /** @type {KeyboardEvent} */ (event);
      const at = tabs.indexOf(/** @type {HTMLElement} */ (e.target));
      if (at < 0) return;
      let next = -1;
      if (e.key === 'ArrowRight') next = (at + 1) % tabs.length;
      else if (e.key === 'ArrowLeft') next = (at - 1 + tabs.length) % tabs.length;
      else if (e.key === 'Home') next = 0;
      else if (e.key === 'End') next = tabs.length - 1;
      if (next < 0) return;
      e.preventDefault();
      selectTab(tabs[next]);
      tabs[next].focus();
    });
  }
}
