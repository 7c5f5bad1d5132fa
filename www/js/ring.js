// The ring view (placeholder until its module lands): mount(root, ctx) -> { render(view) }.

/**
 * @param {HTMLElement} root
 * @param {import('./types.js').Ctx} ctx
 * @returns {import('./types.js').ViewModule}
 */
export function mount(root, ctx) {
  const note = document.createElement('p');
  note.className = 'hint';
  root.append(note);
  void ctx;
  return {
    render(view) {
      note.textContent = `ring: ${view.nodes.length} nodes at ${view.nowMs} ms`;
    },
  };
}
