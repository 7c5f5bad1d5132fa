// The monitors view (placeholder until its module lands): mount(root, ctx) -> { render(view) }.

/**
 * @param {HTMLElement} root
 * @param {import('./types.js').Ctx} ctx
 * @returns {import('./types.js').ViewModule}
 */
export function mount(root, ctx) {
  void root;
  void ctx;
  return { render() {} };
}
