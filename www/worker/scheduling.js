// @ts-check
// What runs when. In the converter's worker: conversions one at a time in
// the order asked, a newer one superseding an older (`inTurn`), long work
// giving the event loop a turn (`turns`); the helper workers given shares
// of the first pass and of the package's check (the second pass's
// transcripts are shared out by its session: second-pass.js). In a
// helper: its share of that work, and the transcripts it is given.

import { EntryReader, TranscriptPreparer, checkTranscripts, firstPassRanges } from '../pkg/chorus2outdoo.js';
import { wasmMemoryBytes } from './module.js';
import { listen, nextTask } from './protocol.js';
import { Spares } from './storage.js';

/** @typedef {import('../pkg/chorus2outdoo.js').ArchiveConversion} ArchiveConversion */
/** @typedef {import('../pkg/chorus2outdoo.js').ArchiveInput} ArchiveInput */
/** @typedef {import('../pkg/chorus2outdoo.js').TranscriptJob} TranscriptJob */
/** @typedef {import('../pkg/chorus2outdoo.js').ReplayTrigger} ReplayTrigger */
/** @typedef {import('../pkg/chorus2outdoo.js').PreparedTranscript} PreparedTranscript */
/** @typedef {import('../pkg/chorus2outdoo.js').EntryCheck} EntryCheck */
/** @typedef {import('../pkg/chorus2outdoo.js').Progress} Progress */
/** Posts an answer to the converter (the task's number added). @typedef {(message: object, transfer?: Transferable[]) => void} Reply */

// ---------------------------------------------------------------------------
// The converter's turns.

/** The longest the converter works on its own before it gives its event loop a turn (to hear its helpers, to let go of garbage). */
const TURN_MS = 50;

/**
 * `await turn()` in a conversion's long loop: gives the event loop a turn
 * (`yieldToMessages`) once TURN_MS have passed since the last, and stops
 * the conversion if a newer one was asked for meanwhile.
 */
export function turns() {
  let turned = performance.now();
  return async () => {
    if (performance.now() - turned < TURN_MS) return;
    await yieldToMessages();
    turned = performance.now();
    if (superseded()) throw supersededError();
  };
}

/**
 * Lets the worker hear its messages (helpers' answers) between steps of long work.
 * @returns {Promise<void>}
 */
export function yieldToMessages() {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(null);
  });
}

/**
 * Conversions run one at a time, in the order asked: the package file,
 * the last conversion and its figures are one each per worker, and a
 * conversion that began its package after a newer one would remove the
 * newer one's file (`nextPackage`). One a newer conversion supersedes is
 * not begun, or stops at its next turn (`turns`); the page has moved on
 * from its answer.
 */
let conversionsDone = Promise.resolve();
let newestConversion = 0;
let runningConversion = 0;

/**
 * `work` run once the conversions asked before it are done, unless a newer one is asked first.
 * @template T
 * @param {() => Promise<T>} work
 * @returns {Promise<T>}
 */
export function inTurn(work) {
  const mine = ++newestConversion;
  const done = conversionsDone.then(() => {
    if (mine !== newestConversion) throw supersededError();
    runningConversion = mine;
    return work();
  });
  conversionsDone = done.then(() => {}, () => {});
  return done;
}

/** Whether a newer conversion was asked for than the one running. */
export const superseded = () => runningConversion !== newestConversion;

export function supersededError() {
  return Object.assign(new Error('a newer conversion was asked for'), { name: 'AbortError' });
}

// ---------------------------------------------------------------------------
// Helper workers: this same script, started by the converter's worker. In
// the first pass, helper w of n reads range w of each archive's entries
// (an EntryReader, in steps of FIRST_PASS_STEP bytes of entries) and hands
// back what it found as bytes step by step, which the converter takes in
// range order (the same conversion as one read of everything) while it
// hashes the archives itself. For the package, each re-reads, builds and
// compresses the transcripts it is given and replays the conversion's
// triggers over them (TranscriptPreparer, given `replayTriggers()`; the
// hits go back with each entry), on its own core, as the second pass's
// session hands them out (second-pass.js). Then each checks a share of
// the package's transcripts. Terminating the converter's worker (cancel)
// ends its helpers with it.

/** The most wasm memory each helper reported during the last conversion (bytes). @type {number[]} */
let helperMemory = [];

/** Forgets the helpers' memory figures: a new conversion begins. */
export function newHelperFigures() {
  helperMemory = [];
}

/** The most wasm memory each helper reported during this conversion. */
export const helperFigures = () => helperMemory;

/**
 * What helper `w` reported its memory to be.
 * @param {number} w
 * @param {number | null | undefined} memory
 */
export function noteHelperMemory(w, memory) {
  if (memory != null) helperMemory[w] = Math.max(helperMemory[w] ?? 0, memory);
}

/**
 * The first pass spread over `n` helpers: helper `w` reads range `w` of
 * each archive's entries (firstPassRanges) and hands back what it found as
 * bytes; the answer is, per archive, those bytes in range order, for
 * convertArchives. `onProgress` hears the helpers' progress summed.
 * @param {ArchiveInput[]} archives
 * @param {number} n
 * @param {(progress: Progress) => void} onProgress
 * @returns {Promise<Uint8Array[][]>}
 */
export function firstPassFromHelpers(archives, n, onProgress) {
  const plan = firstPassRanges(archives, n);
  const current = nextTask();
  // Per archive, per range, its steps in order.
  /** @type {Uint8Array[][][]} */
  const reads = plan.ranges.map((ranges) => ranges.map(() => []));
  let pending = plan.ranges.reduce((count, ranges) => count + ranges.length, 0);
  /** @type {Map<string, Progress>} */
  const done = new Map();
  /** @param {'entries_done' | 'bytes_done'} field */
  const sum = (field) => [...done.values()].reduce((total, progress) => total + progress[field], 0);
  const inOrder = () => reads.map((ranges) => ranges.flat());
  if (pending === 0) return Promise.resolve(inOrder());
  return new Promise((resolve, reject) => {
    for (let w = 0; w < n; w += 1) {
      const parts = [];
      plan.ranges.forEach((ranges, archive) => {
        if (w < ranges.length) parts.push({ archive, index: w, start: ranges[w][0], end: ranges[w][1] });
      });
      if (!parts.length) continue;
      const worker = listen(w, current, ({ progress, read, memory }) => {
        noteHelperMemory(w, memory);
        if (progress) {
          done.set(`${progress.archive} ${progress.index}`, progress);
          onProgress({
            phase: 'read',
            entries_done: sum('entries_done'),
            entries_total: plan.entries_total,
            bytes_done: sum('bytes_done'),
            bytes_total: plan.bytes_total,
          });
        }
        if (!read) return;
        reads[read.archive][read.index].push(read.bytes);
        if (!read.last) return;
        pending -= 1;
        if (pending > 0) return;
        const all = inOrder();
        // The helpers' listeners outlive this promise: they keep no reads.
        reads.length = 0;
        resolve(all);
      }, reject);
      worker.postMessage({ op: 'firstPass', task: current, archives, parts });
    }
  });
}

/**
 * Bytes of entries a helper reads before it hands over what it found: its
 * wasm memory keeps the most one step held (a range's records at once were
 * 53-80 MB at 45,000 calls, the engagement pages' records in one range).
 */
const FIRST_PASS_STEP = 16 * 1024 * 1024;

/**
 * The first pass over one range of an archive's entries, a step ({bytes, last}) at a time.
 * @param {ArchiveInput[]} archives
 * @param {{archive: number, start: number, end: number}} range
 * @param {(progress: Progress) => void} onProgress
 * @returns {Generator<{bytes: Uint8Array, last: boolean}>}
 */
export function* rangeSteps(archives, { archive, start, end }, onProgress) {
  const reader = new EntryReader(archives, archive, start, end, onProgress);
  try {
    for (let bytes = reader.read(FIRST_PASS_STEP); bytes; bytes = reader.read(FIRST_PASS_STEP)) yield { bytes, last: reader.done };
  } finally {
    reader.free();
  }
}

/**
 * The helpers' checks of their shares of a package's transcripts.
 * @param {Blob | {fileHandle: FileSystemFileHandle}} pkg
 * @param {number} n
 * @returns {Promise<EntryCheck[]>}
 */
export function checksFromHelpers(pkg, n) {
  const current = nextTask();
  return Promise.all(Array.from({ length: n }, (_, share) => new Promise((resolve, reject) => {
    const worker = listen(share, current, ({ checked }) => resolve(checked), reject);
    worker.postMessage({ op: 'check', task: current, pkg, share, shares: n });
  }))).then((shares) => shares.flat());
}

// ---------------------------------------------------------------------------
// In a helper: its share of the work, as the converter asked for it.

/**
 * The transcripts this helper prepares for the converter's task `task`:
 * its preparer (the task's archives and triggers) and the buffers the
 * converter gave back.
 * @type {{task: number, preparer: TranscriptPreparer, spares: Spares} | null}
 */
let preparing = null;

/**
 * Reads its ranges of the archives' entries, one after another, a step at a time.
 * @param {{archives: ArchiveInput[], parts: {archive: number, index: number, start: number, end: number}[]}} share
 * @param {Reply} reply
 */
function readShare({ archives, parts }, reply) {
  for (const part of parts) {
    const { archive, index } = part;
    /** @param {Progress} progress */
    const heard = (progress) => reply({ progress: { ...progress, archive, index } });
    for (const { bytes, last } of rangeSteps(archives, part, heard)) {
      reply({ read: { archive, index, bytes, last }, memory: wasmMemoryBytes() }, [bytes.buffer]);
    }
  }
}

/**
 * Sets this helper up to prepare the transcripts of task `task`.
 * @param {{task: number, archives: ArchiveInput[], triggers: ReplayTrigger[] | null}} setup
 */
function startPreparing({ task, archives, triggers }) {
  stopPreparing();
  preparing = { task, preparer: new TranscriptPreparer(archives, triggers ?? null), spares: new Spares() };
}

/**
 * Prepares one transcript entry of the task being prepared (a job of an
 * earlier task, stopped, is dropped), into a buffer given back if one fits.
 * @param {{task: number, job: TranscriptJob, spares?: ArrayBuffer[]}} given
 * @param {Reply} reply
 */
function prepareJob({ task, job, spares }, reply) {
  if (preparing?.task !== task) return;
  const state = preparing;
  for (const buffer of spares ?? []) state.spares.give(buffer);
  const part = state.preparer.prepare(job, (length) => state.spares.take(length));
  reply({ prepared: { index: job.index, part }, memory: wasmMemoryBytes() }, [part.zip.buffer]);
}

/** Stops preparing: the preparer is let go. */
function stopPreparing() {
  preparing?.preparer.free();
  preparing = null;
}

/**
 * Checks its share of a package's transcripts: a package on disk through
 * a read-only handle of this helper's own.
 * @param {{pkg: Blob | {fileHandle: FileSystemFileHandle}, share: number, shares: number}} share
 * @returns {Promise<EntryCheck[]>}
 */
async function checkShare({ pkg, share, shares }) {
  if (!('fileHandle' in pkg)) return checkTranscripts(pkg, share, shares);
  const handle = await pkg.fileHandle.createSyncAccessHandle({ mode: 'read-only' });
  try {
    return checkTranscripts(handle, share, shares);
  } finally {
    handle.close();
  }
}

/** What a helper does for the converter (`answerConverter` in protocol.js). */
export const helperWork = {
  startPreparing, prepare: prepareJob, stopPreparing, check: checkShare, firstPass: readShare,
};
