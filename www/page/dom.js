// @ts-check
// Building the page: elements found and made, strings among their
// children always text nodes (never parsed as HTML), and the figures the
// page shows in words: counts, sizes, durations, places in a file.

/**
 * The element `selector` finds, checked to be a `kind` when given (the
 * page has every element it asks for).
 * @template {Element} [E=HTMLElement]
 * @param {string} selector
 * @param {{new (): E, prototype: E}} [kind]
 * @returns {E}
 */
export function $(selector, kind) {
  const node = document.querySelector(selector);
  if (kind && !(node instanceof kind)) throw new Error(`${selector} is not a ${kind.name}`);
  return /** @type {E} */ (node);
}

/**
 * Creates an element; strings among the children become text nodes.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, any>} attributes
 * @param {...any} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child !== undefined && child !== null && child !== false) node.append(child);
  }
  return node;
}

/**
 * `n` things, in words: `1 call`, `2,000 calls`.
 * @param {number} n
 * @param {string} one
 * @param {string} [many]
 */
export const plural = (n, one, many = `${one}s`) => `${n.toLocaleString('en')} ${n === 1 ? one : many}`;

/**
 * A location as the CLI prints it: `file entry E row R at /pointer column C`.
 * @param {import('../pkg/chorus2outdoo.js').Location | null | undefined} location
 */
export function formatLocation(location) {
  if (!location) return '';
  let text = location.file ?? '';
  if (location.entry != null) text += ` entry ${location.entry}`;
  if (location.row != null) text += ` row ${location.row}`;
  if (location.pointer != null) text += ` at ${location.pointer === '' ? '/' : location.pointer}`;
  if (location.column != null) text += ` column ${location.column}`;
  return text;
}

/** MB: `0.8`, `12`. @param {number} bytes */
export const megabytes = (bytes) => (bytes / 1e6).toLocaleString('en', { maximumFractionDigits: bytes < 1e7 ? 1 : 0 });
/** A file's size for people: `812 KB`, `1.4 MB`, `2,000 MB`. @param {number} bytes */
export const fileSize = (bytes) => (bytes < 1e6 ? `${Math.max(1, Math.round(bytes / 1e3)).toLocaleString('en')} KB` : `${megabytes(bytes)} MB`);

/** `45 s`, `3 min 20 s`. @param {number} seconds */
export function formatSeconds(seconds) {
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

/** A call's length: `4:05`, `1:02:03`. @param {number} seconds */
export function formatDuration(seconds) {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  /** @param {number} n */
  const pad = (n) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}

/**
 * A `<dt>` and a `<dd data-count>` for each [label, key, count].
 * @param {[string, string, number][]} items
 */
export function countItems(items) {
  return items.flatMap(([label, key, value]) => [el('dt', { text: label }), el('dd', { 'data-count': key, text: value.toLocaleString('en') })]);
}
