// Small DOM helpers shared by the ring and the panels: create SVG / HTML elements and update
// text or attributes only when they change (cheap keyed updates at 60 frames a second).

const SVG_NS = 'http://www.w3.org/2000/svg';

/**
 * Creates an SVG element with attributes.
 * @param {string} tag
 * @param {Record<string, string | number>} [attrs]
 * @param {Element} [parent]
 * @returns {SVGElement}
 */
export function svg(tag, attrs = {}, parent) {
  const element = /** @type {SVGElement} */ (document.createElementNS(SVG_NS, tag));
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, String(value));
  if (parent) parent.append(element);
  return element;
}

/**
 * Creates an HTML element with a class and optional text.
 * @param {string} tag
 * @param {string} [className]
 * @param {string} [text]
 * @param {Element} [parent]
 * @returns {HTMLElement}
 */
export function html(tag, className, text, parent) {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (text !== undefined) element.textContent = text;
  if (parent) parent.append(element);
  return element;
}

/**
 * Sets an element's text when it differs.
 * @param {Element} element
 * @param {string} text
 */
export function setText(element, text) {
  if (element.textContent !== text) element.textContent = text;
}

/**
 * Sets an attribute when it differs; `null` removes it.
 * @param {Element} element
 * @param {string} name
 * @param {string | number | null} value
 */
export function setAttr(element, name, value) {
  if (value === null) {
    if (element.hasAttribute(name)) element.removeAttribute(name);
    return;
  }
  const text = String(value);
  if (element.getAttribute(name) !== text) element.setAttribute(name, text);
}

/**
 * Adds or removes a class.
 * @param {Element} element
 * @param {string} name
 * @param {boolean} on
 */
export function toggleClass(element, name, on) {
  if (element.classList.contains(name) !== on) element.classList.toggle(name, on);
}

/** The CSS class carrying a term's colour (`--term-N`, N = term mod 8). */
export function termClass(term) {
  return `t${((term % 8) + 8) % 8}`;
}

/**
 * The shape family a message kind is drawn with, the same in the ring, its legend and the
 * space-time diagram.
 * @param {string} kind
 */
export function shapeOf(kind) {
  switch (kind) {
    case 'MsgApp': case 'MsgAppResp': return 'app';
    case 'MsgHeartbeat': case 'MsgHeartbeatResp': return 'beat';
    case 'MsgVote': case 'MsgVoteResp': return 'vote';
    case 'MsgPreVote': case 'MsgPreVoteResp': return 'prevote';
    case 'MsgSnap': return 'snap';
    case 'MsgTimeoutNow': return 'bolt';
    case 'MsgReadIndex': case 'MsgReadIndexResp': return 'read';
    case 'MsgTransferLeader': return 'transfer';
    default: return 'other';
  }
}
