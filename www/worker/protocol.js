// @ts-check
// The worker's two message protocols: the page's requests to the
// converter's worker and its answers, and the converter's tasks to its
// helper workers (this same script) and theirs back. In: messages. Out:
// the operation or the helper's work they ask for run, and the answer
// posted back in its form.
//
// Page -> converter. Request: {id, op, args}
//   version | inspect {name, bytes} | convert {files, options}       tracker exports in memory (the preview before the package)
//   inspectFile {name, file, listOnly}                                any File; a call archive is read from the File as needed
//                                                                     (listOnly: only its entries listed; the conversion reads them);
//                                                                     an earlier import package says its calls and users
//   convertArchives {files, archives: [{name, blob}], roster, options, earlier: [{name, blob}], partSize, storage}
//                                                                     the package arrives in chunks, written here to a file on
//                                                                     disk (PackageFile); earlier: import packages of earlier
//                                                                     runs (a cutover run), read here (never by the helpers),
//                                                                     their calls left out; partSize ('2GB', ...): split into
//                                                                     parts; storage: 'memory' keeps it in memory (for tests)
//   release                                                           removes the last package's file (the page is done with it)
//   transcript {sourceId, limit}                                      the first utterances of a call of the last convertArchives
//   sample {calls, seed}                                              the sample archive as a Blob and its tracker export
//   editsText {edits}                                                 an edits document's canonical text (outdoo-edits.json)
//                                                                     ({archive: Blob, trackers: {name, bytes}})
//   fetch {baseUrl, token, scope, acceptPartial}                      the Chorus API into an archive Blob
// Answer:   {id, ok: true, result} or {id, ok: false, error: {name, message, blocked, command}, fatal};
//           {id, progress} while a conversion or a fetch runs: a conversion's
//           progress is {phase: 'hash' | 'read' | 'write', entries_done, entries_total,
//           bytes_done, bytes_total} ('hash': one worker hashing the archives, entries
//           being archives), then {phase: 'preview', preview} once the
//           preview is ready (before the package), then {phase: 'verify'}.
// Every package is checked (verifyPackage, or verifyParts for a package in
// parts, as `chorus2outdoo verify` does) before it is handed over: the
// result carries `package` (a File on disk, or a Blob in memory),
// `package_name`, `parts` (null, or [{name, blob, bytes, sha256, calls}] with
// `index` {name, blob}), `stored` ('disk' or 'memory', with `storage_note`
// saying why memory), `verification` (with `reads`: 'handle' when the check
// read the file through sync access handles, else 'blob'), and for call archives `fidelity` (the
// package's fidelity.json, or null without one).
// `fatal` means the module trapped (a Rust panic ends in `unreachable`): its
// memory can no longer be trusted, and the page replaces this worker. To
// cancel, the page terminates this worker: nothing here needs to stop itself.
//
// Converter -> helper: {op, task, ...} with op
//   firstPass {archives, parts: [{archive, index, start, end}]}        read those ranges of entries
//   prepare {archives, triggers}                                        get ready to prepare the task's transcripts
//   job {job, spares}                                                   prepare this transcript (the second pass's session
//                                                                       chose it; `spares`: buffers back, to use again)
//   stopPreparing                                                       the task's transcripts are done, or failed
//   check {pkg, share, shares}                                          check that share of the package's transcripts
// Helper -> converter: {task, ...} with `memory` (its wasm memory's bytes):
//   {progress}, {read: {archive, index, bytes, last}}, {prepared: {index, part}}, {checked}, or {error} (a message).

/** @typedef {{id: number, op: string, args?: any}} Request */

/**
 * Posts a request's progress.
 * @param {number} id
 * @param {object} progress
 */
export function postProgress(id, progress) {
  self.postMessage({ id, progress });
}

/**
 * Answers a request of the page: `perform(op, args, id)` once the module
 * is `ready`, its result or its failure posted back.
 * @param {Request} request
 * @param {Promise<unknown>} ready
 * @param {(op: string, args: any, id: number) => Promise<unknown> | unknown} perform
 */
export async function answerPage({ id, op, args }, ready, perform) {
  try {
    await ready;
    self.postMessage({ id, ok: true, result: await perform(op, args ?? {}, id) });
  } catch (error) {
    self.postMessage({
      id,
      ok: false,
      error: {
        name: error?.name ?? 'Error',
        message: String(error?.message ?? error),
        blocked: Boolean(error?.blocked),
        command: typeof error?.command === 'string' ? error.command : null,
      },
      fatal: error instanceof WebAssembly.RuntimeError,
    });
  }
}

// ---------------------------------------------------------------------------
// The converter's side of the helpers' protocol.

/** The helpers, started once and kept for the next conversion. @type {Worker[]} */
export const helpers = [];
/** Numbers each task given to the helpers; their answers carry it, so a
 * late answer to an earlier, failed task is never taken for a new one. */
let task = 0;

/** The number of a new task. */
export const nextTask = () => ++task;

/** Helper `index`, started if it is not yet. @param {number} index */
export function helper(index) {
  if (!helpers[index]) helpers[index] = new Worker(new URL('../worker.js', import.meta.url), { type: 'module' });
  return helpers[index];
}

/**
 * Helper `index` working on task `current`: `onAnswer` gets each of its
 * answers to that task (answers to earlier tasks are dropped), `onFailure`
 * an Error when it reports one or stops.
 * @param {number} index
 * @param {number} current
 * @param {(answer: any) => void} onAnswer
 * @param {(error: Error) => void} onFailure
 */
export function listen(index, current, onAnswer, onFailure) {
  const worker = helper(index);
  worker.onmessage = (event) => {
    if (event.data.task !== current) return;
    if (event.data.error) onFailure(new Error(event.data.error));
    else onAnswer(event.data);
  };
  worker.onerror = (event) => {
    event.preventDefault();
    onFailure(new Error(`a helper worker stopped: ${event.message || 'it could not be loaded'}`));
  };
  return worker;
}

// ---------------------------------------------------------------------------
// A helper's side.

/**
 * What a helper does (scheduling.js `helperWork`).
 * @typedef {object} HelperWork
 * @property {(data: any) => void} startPreparing
 * @property {(data: any, reply: import('./scheduling.js').Reply) => void} prepare
 * @property {() => void} stopPreparing
 * @property {(data: any) => Promise<unknown>} check
 * @property {(data: any, reply: import('./scheduling.js').Reply) => void} firstPass
 */

/**
 * In a helper: does what a message of the converter asks (`work`), once
 * the module is `ready`, its answers and failure posted back with the
 * task's number; false when the message is not the converter's.
 * @param {any} data
 * @param {Promise<unknown>} ready
 * @param {HelperWork} work
 */
export function answerConverter(data, ready, work) {
  if (data.op === 'stopPreparing') {
    work.stopPreparing();
    return true;
  }
  /** @type {import('./scheduling.js').Reply} */
  const reply = (message, transfer = []) => self.postMessage({ task: data.task, ...message }, transfer);
  /** @param {any} error */
  const failed = (error) => self.postMessage({ task: data.task, error: String(error?.message ?? error) });
  if (data.op === 'check') {
    ready
      .then(() => work.check(data))
      .then((checked) => reply({ checked }))
      .catch(failed);
    return true;
  }
  if (data.op === 'firstPass') {
    ready
      .then(() => work.firstPass(data, reply))
      .catch(failed);
    return true;
  }
  if (data.op === 'prepare') {
    ready
      .then(() => work.startPreparing(data))
      .catch(failed);
    return true;
  }
  if (data.op === 'job') {
    ready
      .then(() => work.prepare(data, reply))
      .catch(failed);
    return true;
  }
  return false;
}
