// @ts-check
// The customer's edits of the converted themes, topics and triggers as
// the edits document the converter applies (`options.edits`, `convert
// --edits`; docs/import-package.md): each edit checked as it is made, the
// list in order with its undo and redo stacks, the document (which the
// converter's editsText writes as outdoo-edits.json), and an edits
// document read back with the place of its fault. In: edits made in the
// tree, or an edits file's text. Out: the document. No DOM: the tests run
// it under Node.

export const FORMAT = 'chorus2outdoo-edits';
export const VERSION = 1;
/** The name of the downloaded edits file. */
export const FILE_NAME = 'outdoo-edits.json';
/** "Said by" as themes.json spells it. */
export const SAID_BY = ['anyone', 'company', 'external'];
/** A trigger's match as themes.json spells it. */
export const MATCHES = ['exact', 'prefix'];
/** Most edits a document holds (the converter's limit). */
export const MAX_EDITS = 100_000;

/**
 * A trigger as an edit gives it.
 * @typedef {{phrase: string, said_by: string, language: string, match: string}} TriggerSpec
 */
/**
 * An edit, as the edits document holds it.
 * @typedef {{op: 'rename_theme', theme: string, name: string}
 *   | {op: 'rename_topic', topic: string, name: string}
 *   | {op: 'move_topic', topic: string, theme: string}
 *   | {op: 'merge_topics', topic: string, into: string}
 *   | {op: 'add_trigger', topic: string, trigger: TriggerSpec}
 *   | {op: 'change_trigger', topic: string, trigger: string, to: TriggerSpec}
 *   | {op: 'remove_trigger', topic: string, trigger: string}
 *   | {op: 'mark_ready', topic: string}
 *   | {op: 'leave_out', topic: string}} Edit
 */
/** @typedef {{format: string, version: number, edits: Edit[]}} EditsDocument */

/** The ids' shapes: a prefix and 12 hex digits of SHA-256. */
const IDS = { theme: /^th_[0-9a-f]{12}$/, topic: /^tp_[0-9a-f]{12}$/, trigger: /^tg_[0-9a-f]{12}$/ };
/** Each kind's id prefix. */
const PREFIXES = { theme: 'th_', topic: 'tp_', trigger: 'tg_' };

/** Each op's fields and what each holds (an id of a kind, a name, a trigger). */
/** @type {Record<string, Record<string, 'theme' | 'topic' | 'trigger' | 'name' | 'spec'>>} */
const OPS = {
  rename_theme: { theme: 'theme', name: 'name' },
  rename_topic: { topic: 'topic', name: 'name' },
  move_topic: { topic: 'topic', theme: 'theme' },
  merge_topics: { topic: 'topic', into: 'topic' },
  add_trigger: { topic: 'topic', trigger: 'spec' },
  change_trigger: { topic: 'topic', trigger: 'trigger', to: 'spec' },
  remove_trigger: { topic: 'topic', trigger: 'trigger' },
  mark_ready: { topic: 'topic' },
  leave_out: { topic: 'topic' },
};

/** A fault in an edit or an edits document, at a JSON pointer. */
export class EditError extends Error {
  /**
   * @param {string} pointer
   * @param {string} message
   */
  constructor(pointer, message) {
    super(`${pointer || '/'}: ${message}`);
    this.name = 'EditError';
    this.pointer = pointer;
  }
}

/** Text with its ends trimmed and each run of spaces inside made one space. @param {string} text */
const tidy = (text) => text.replace(/\s+/g, ' ').trim();

/** @param {unknown} value */
const isObject = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * `value` as an object holding exactly `fields` (no other field).
 * @param {unknown} value
 * @param {string[]} fields
 * @param {string} at
 * @returns {Record<string, unknown>}
 */
function fieldsOf(value, fields, at) {
  if (!isObject(value)) throw new EditError(at, 'expected an object');
  const object = /** @type {Record<string, unknown>} */ (value);
  for (const key of Object.keys(object)) {
    if (!fields.includes(key)) throw new EditError(`${at}/${key}`, `unknown field "${key}"; expected ${fields.map((f) => `"${f}"`).join(', ')}`);
  }
  for (const key of fields) if (!(key in object)) throw new EditError(at, `missing field "${key}"`);
  return object;
}

/**
 * A non-empty string, tidied.
 * @param {unknown} value
 * @param {string} at
 */
function text(value, at) {
  if (typeof value !== 'string') throw new EditError(at, 'expected a string');
  const tidied = tidy(value);
  if (tidied === '') throw new EditError(at, 'is empty');
  return tidied;
}

/**
 * A trigger as an edit gives it, checked and tidied.
 * @param {unknown} value
 * @param {string} at
 * @returns {TriggerSpec}
 */
export function checkTrigger(value, at = '') {
  const spec = fieldsOf(value, ['phrase', 'said_by', 'language', 'match'], at);
  const phrase = text(spec.phrase, `${at}/phrase`);
  if (!SAID_BY.includes(/** @type {string} */ (spec.said_by))) throw new EditError(`${at}/said_by`, `expected one of ${SAID_BY.join(', ')}`);
  if (typeof spec.language !== 'string' || !/^[a-z]{2}$/.test(spec.language)) throw new EditError(`${at}/language`, 'expected a two-letter language code such as "en"');
  if (!MATCHES.includes(/** @type {string} */ (spec.match))) throw new EditError(`${at}/match`, `expected one of ${MATCHES.join(', ')}`);
  return { phrase, said_by: /** @type {string} */ (spec.said_by), language: spec.language, match: /** @type {string} */ (spec.match) };
}

/**
 * An edit checked (its op known, each field there and of its kind, no
 * other field) and tidied (names and phrases trimmed, inner spaces one),
 * its fields in the document's order; else an EditError at its place.
 * @param {unknown} value
 * @param {string} [at] the edit's JSON pointer in its document
 * @returns {Edit}
 */
export function checkEdit(value, at = '') {
  if (!isObject(value)) throw new EditError(at, 'expected an object');
  const { op } = /** @type {{op?: unknown}} */ (value);
  if (typeof op !== 'string' || !Object.hasOwn(OPS, op)) {
    throw new EditError(`${at}/op`, `unknown op ${JSON.stringify(op)}; expected one of ${Object.keys(OPS).join(', ')}`);
  }
  const fields = OPS[op];
  const edit = fieldsOf(value, ['op', ...Object.keys(fields)], at);
  /** @type {Record<string, unknown>} */
  const checked = { op };
  for (const [field, kind] of Object.entries(fields)) {
    const place = `${at}/${field}`;
    const given = edit[field];
    if (kind === 'name') checked[field] = text(given, place);
    else if (kind === 'spec') checked[field] = checkTrigger(given, place);
    else if (typeof given !== 'string' || !IDS[kind].test(given)) throw new EditError(place, `expected a ${kind} id (${PREFIXES[kind]} and 12 hex digits)`);
    else checked[field] = given;
  }
  if (op === 'merge_topics' && checked.topic === checked.into) throw new EditError(`${at}/into`, 'a topic cannot be merged into itself');
  return /** @type {Edit} */ (checked);
}

/**
 * An edits document's text read back (a downloaded outdoo-edits.json),
 * every edit checked; else an EditError at the place of the fault.
 * @param {string} json
 * @returns {Edit[]}
 */
export function readEdits(json) {
  let value;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new EditError('', `not JSON: ${error.message}`);
  }
  const document = fieldsOf(value, ['format', 'version', 'edits'], '');
  if (document.format !== FORMAT) throw new EditError('/format', `expected "${FORMAT}"`);
  if (document.version !== VERSION) throw new EditError('/version', `expected ${VERSION}`);
  if (!Array.isArray(document.edits)) throw new EditError('/edits', 'expected an array');
  if (document.edits.length > MAX_EDITS) throw new EditError('/edits', `more than ${MAX_EDITS.toLocaleString('en')} edits`);
  return document.edits.map((edit, index) => checkEdit(edit, `/edits/${index}`));
}

/**
 * The edits made, in order, with the edits undone (to redo) since the last
 * new one; each change tells the listener.
 */
export class EditList {
  /** @param {Edit[]} [edits] edits already made (read from a document) */
  constructor(edits = []) {
    /** @type {Edit[]} */
    this.done = edits.map((edit, index) => checkEdit(edit, `/edits/${index}`));
    /** Undone edits, the last undone last. @type {Edit[]} */
    this.undone = [];
    /** @type {(() => void) | null} */
    this.onChange = null;
  }

  /** How many edits the document holds. */
  get count() { return this.done.length; }
  get canUndo() { return this.done.length > 0; }
  get canRedo() { return this.undone.length > 0; }

  /**
   * Makes an edit (checked; a new edit forgets those undone).
   * @param {unknown} edit
   * @returns {Edit}
   */
  add(edit) {
    if (this.done.length >= MAX_EDITS) throw new EditError('/edits', `more than ${MAX_EDITS.toLocaleString('en')} edits`);
    const checked = checkEdit(edit, `/edits/${this.done.length}`);
    this.done.push(checked);
    this.undone = [];
    this.onChange?.();
    return checked;
  }

  /** Takes back the last edit; null when there is none. */
  undo() {
    const edit = this.done.pop() ?? null;
    if (edit) {
      this.undone.push(edit);
      this.onChange?.();
    }
    return edit;
  }

  /** Makes again the last edit undone; null when there is none. */
  redo() {
    const edit = this.undone.pop() ?? null;
    if (edit) {
      this.done.push(edit);
      this.onChange?.();
    }
    return edit;
  }

  /** Forgets every edit (new exports, say). */
  clear() {
    this.done = [];
    this.undone = [];
    this.onChange?.();
  }

  /** The edits document for `options.edits`: null when there are no edits. @returns {EditsDocument | null} */
  document() {
    return this.done.length ? { format: FORMAT, version: VERSION, edits: this.done.map((edit) => structuredClone(edit)) } : null;
  }
}

/**
 * The trigger a missed phrase becomes: as Chorus found it, said by anyone, exact.
 * @param {string} phrase
 * @param {string} language
 * @returns {TriggerSpec}
 */
export const suggestedTrigger = (phrase, language) => checkTrigger({ phrase, said_by: 'anyone', language, match: 'exact' });

/**
 * An edit in words, for the list of edits and the undo button's title.
 * @param {Edit} edit
 * @param {(id: string) => string} nameOf a theme's, topic's or trigger's name (its phrase) by id
 */
export function describeEdit(edit, nameOf) {
  const q = (/** @type {string} */ id) => `"${nameOf(id)}"`;
  switch (edit.op) {
    case 'rename_theme': return `Theme ${q(edit.theme)} renamed "${edit.name}"`;
    case 'rename_topic': return `Topic ${q(edit.topic)} renamed "${edit.name}"`;
    case 'move_topic': return `Topic ${q(edit.topic)} moved to ${q(edit.theme)}`;
    case 'merge_topics': return `Topic ${q(edit.topic)} merged into ${q(edit.into)}`;
    case 'add_trigger': return `Trigger "${edit.trigger.phrase}" added to ${q(edit.topic)}`;
    case 'change_trigger': return `Trigger ${q(edit.trigger)} of ${q(edit.topic)} changed to "${edit.to.phrase}" (${edit.to.said_by}, ${edit.to.language}, ${edit.to.match})`;
    case 'remove_trigger': return `Trigger ${q(edit.trigger)} removed from ${q(edit.topic)}`;
    case 'mark_ready': return `Topic ${q(edit.topic)} marked ready`;
    case 'leave_out': return `Topic ${q(edit.topic)} left out`;
    default: return 'An edit';
  }
}
