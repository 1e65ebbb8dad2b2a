// @ts-check
// What the page shows now, shared by the parts that draw it: the latest
// conversion (its preview, then its package and check), and what the tree
// and the fidelity table derive from its topics.

/** @typedef {import('../pkg/chorus2outdoo.js').Topic} Topic */

/**
 * A conversion as the worker answered it: the preview at once, the
 * package (a File on disk or a Blob; parts and their index when split)
 * once it is written and checked.
 * @typedef {object} Shown
 * @property {import('../pkg/chorus2outdoo.js').Preview} preview
 * @property {Blob | null} package
 * @property {string} [package_name]
 * @property {{name: string, blob: Blob, calls: number}[] | null} [parts]
 * @property {{name: string, blob: Blob} | null} [index]
 * @property {'disk' | 'memory'} [stored]
 * @property {string | null} [storage_note]
 * @property {import('../pkg/chorus2outdoo.js').Verification & {reads?: string, ms?: number}} [verification]
 * @property {import('../pkg/chorus2outdoo.js').Fidelity | null} [fidelity]
 * @property {string} [recording_reads]
 * @property {number} [stalled_reads]
 */

export const shown = {
  /** The latest conversion, or null. @type {Shown | null} */
  conversion: null,
  /** Search text per topic, built once per conversion. @type {Map<Topic, string>} */
  topicText: new Map(),
  /** Per topic object of the preview, its figures in the package's fidelity.json (only where names match). @type {Map<Topic, import('../pkg/chorus2outdoo.js').TopicFidelity>} */
  fidelityOf: new Map(),
  /** The tree's topic nodes and their topic objects, to add the agreement once the package is written. @type {WeakMap<Element, Topic>} */
  topicOfNode: new WeakMap(),
  /** Per topic id, its agreement in the package shown last (null: not seen). @type {Map<string, number | null>} */
  agreement: new Map(),
  /** Per topic id, its agreement when the latest edit was made: shown beside the new one where they differ. @type {Map<string, number | null>} */
  agreementBeforeEdit: new Map(),
};
