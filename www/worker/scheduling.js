// @ts-check
// What runs when. In the converter's worker: conversions one at a time in
// the order asked, a newer one superseding an older (`inTurn`), long work
// giving the event loop a turn (`turns`); the helper workers given shares
// of the first pass, of the transcripts (with credits, their entries
// appended in package order whatever order they come in) and of the
// package's check. In a helper: its share of that work, step by step.

import { EntryReader, TranscriptPreparer, checkTranscripts, firstPassRanges } from '../pkg/chorus2outdoo.js';
import { wasmMemoryBytes } from './module.js';
import { helper, helpers, listen, nextTask } from './protocol.js';
import { Spares } from './storage.js';

/** @typedef {import('../pkg/chorus2outdoo.js').ArchiveConversion} ArchiveConversion */
/** @typedef {import('../pkg/chorus2outdoo.js').ArchiveInput} ArchiveInput */
/** @typedef {import('../pkg/chorus2outdoo.js').TranscriptJob} TranscriptJob */
/** @typedef {import('../pkg/chorus2outdoo.js').ReplayTrigger} ReplayTrigger */
/** @typedef {import('../pkg/chorus2outdoo.js').PreparedTranscript} PreparedTranscript */
/** @typedef {import('../pkg/chorus2outdoo.js').EntryCheck} EntryCheck */
/** @typedef {import('../pkg/chorus2outdoo.js').Progress} Progress */
/** @typedef {import('./storage.js').Waiting} Waiting */
/** @typedef {import('./storage.js').Kept} Kept */
/** A transcript job and its place in package order. @typedef {TranscriptJob & {index: number}} IndexedJob */
/** Reads the recordings that are due, until `halted()`. @typedef {(halted?: () => boolean) => Promise<void>} RecordingsDue */
/** Posts an answer to the converter (the task's number added). @typedef {(message: object, transfer?: Transferable[]) => void} Reply */

// ---------------------------------------------------------------------------
// The converter's turns.

/** The longest the converter works through transcripts on its own before it gives its event loop a turn (see RECORDINGS_STEP in streams.js). */
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
// back what it found as bytes step by step, which the converter
// takes in range order (the same conversion as one read of everything)
// while it hashes the archives itself. For the package, each re-reads,
// builds and compresses its share of the transcripts and replays the
// conversion's triggers over them (TranscriptPreparer, given
// `secondPassWork().triggers`; the hits go back with each entry) on its own core:
// helper w of n takes jobs w, w + n,
// w + 2n, ... and prepares them in the order their conversation documents
// lie in the archive (a read of the File costs a round trip to the browser,
// so reading on beats jumping around); the converter holds entries that
// come early (outside wasm memory) and appends them in package order, so the
// package is byte-identical to the one a single worker writes. A helper
// runs at most CREDIT entries ahead of what the converter has received.
// Terminating the converter's worker (cancel) ends its helpers with it.

const CREDIT = 16;
/** The most wasm memory each helper reported during the last conversion (bytes). @type {number[]} */
let helperMemory = [];

/** Forgets the helpers' memory figures: a new conversion begins. */
export function newHelperFigures() {
  helperMemory = [];
}

/** The most wasm memory each helper reported during this conversion. */
export const helperFigures = () => helperMemory;

/**
 * @param {number} w the helper
 * @param {number | null | undefined} memory what it reported
 */
function helperUsed(w, memory) {
  if (memory != null) helperMemory[w] = Math.max(helperMemory[w] ?? 0, memory);
}

/** Stops helpers `0..n` preparing transcripts. @param {number} n */
export function stopPreparing(n) {
  for (let w = 0; w < n; w += 1) helpers[w].postMessage({ op: 'stopPreparing' });
}

/**
 * The transcripts prepared by `n` helpers and appended in package order.
 * @param {ArchiveConversion} conversion
 * @param {ArchiveInput[]} archives
 * @param {ReplayTrigger[] | null} triggers
 * @param {TranscriptJob[]} jobs
 * @param {number} n
 * @param {Waiting} waiting
 * @param {RecordingsDue} recordingsDue
 * @returns {Promise<void>}
 */
export function transcriptsFromHelpers(conversion, archives, triggers, jobs, n, waiting, recordingsDue) {
  const current = nextTask();
  return new Promise((resolve, reject) => {
    // Each helper's buffers go back to it with its next acknowledgement (or on their own, `spares`).
    /** @type {ArrayBufferLike[][]} */
    const returned = Array.from({ length: n }, () => []);
    const { add, halt } = inPackageOrder(conversion, waiting, (owner, buffer) => returned[owner].push(buffer), recordingsDue);
    /** @param {number} w */
    const sendBack = (w) => {
      for (let v = 0; v < n; v += 1) {
        if (v !== w && returned[v].length === 0) continue;
        const spares = returned[v];
        returned[v] = [];
        helpers[v].postMessage({ op: v === w ? 'ack' : 'spares', spares }, /** @type {Transferable[]} */ (spares));
      }
    };
    let failed = false;
    /** @param {Error} error */
    const fail = (error) => {
      if (failed) return;
      failed = true;
      stopPreparing(n);
      // Not before the recordings being read stop: the package is removed next.
      halt().then(() => reject(error));
    };
    for (let w = 0; w < n; w += 1) {
      const worker = listen(w, current, ({ prepared, memory }) => {
        if (failed) return;
        helperUsed(w, memory);
        if (!prepared) return;
        try {
          add(prepared.index, prepared.part, w).then((added) => {
            if (added === jobs.length) resolve();
          }, fail);
        } catch (error) {
          fail(error);
          return;
        }
        sendBack(w);
      }, fail);
      const share = [];
      for (let j = w; j < jobs.length; j += n) share.push({ ...jobs[j], index: j });
      worker.postMessage({ op: 'prepare', task: current, archives, triggers, jobs: inArchiveOrder(share), credit: CREDIT });
    }
  });
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
        helperUsed(w, memory);
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

/**
 * Jobs in the order their conversation documents lie in the archives.
 * @param {IndexedJob[]} jobs
 */
const inArchiveOrder = (jobs) => [...jobs].sort((a, b) => a.archive - b.archive || a.entry - b.entry);

/**
 * Appends transcript entries to the package in job order, whatever order
 * they are prepared in; an entry prepared early waits (outside wasm memory,
 * past WAITING_BYTES on disk: `waiting`) until those before it are in.
 * When a part is full, the entries wait while `recordingsDue(halted)`
 * reads its recordings. Returns `add(index, part, owner)`, whose promise
 * says how many entries are in once those that could go in are, and
 * `halt()`, which stops the appending (after the recording being read)
 * and whose promise settles once it stopped; `giveBack(owner, buffer)`
 * gets each part's buffer once it is no longer needed (copied into the
 * converter, or written to disk to wait).
 * @param {ArchiveConversion} conversion
 * @param {Waiting} waiting
 * @param {(owner: number | null, buffer: ArrayBufferLike) => void} giveBack
 * @param {RecordingsDue} recordingsDue
 */
function inPackageOrder(conversion, waiting, giveBack, recordingsDue) {
  /** @type {Map<number, {kept: Kept, owner: number | null}>} */
  const early = new Map();
  let next = 0;
  let appending = false;
  /** @type {Promise<number>} */
  let appended = Promise.resolve(0);
  let halted = false;
  const append = async () => {
    appending = true;
    try {
      while (!halted && early.has(next)) {
        const { kept, owner } = early.get(next);
        const entry = waiting.take(kept);
        early.delete(next);
        const due = conversion.addTranscript(entry);
        if (!kept.onDisk) giveBack(owner, entry.zip.buffer);
        if (due) await recordingsDue(() => halted);
        next += 1;
      }
    } finally {
      appending = false;
    }
    return next;
  };
  /**
   * @param {number} index
   * @param {PreparedTranscript} part
   * @param {number | null} owner
   */
  const add = (index, part, owner) => {
    const kept = waiting.put(part);
    if (kept.onDisk) giveBack(owner, part.zip.buffer);
    early.set(index, { kept, owner });
    // One append at a time: the one running takes this entry too when its turn comes.
    if (!appending) appended = append();
    return appended;
  };
  const halt = () => {
    halted = true;
    return appended.then(() => {}, () => {});
  };
  return { add, halt };
}

/**
 * One worker: the transcripts prepared here, in archive order (reading on
 * instead of jumping around the File), the triggers replayed over each, and
 * appended in package order (in parts, with their calls' recordings),
 * giving the event loop a turn every TURN_MS.
 * @param {ArchiveConversion} conversion
 * @param {ArchiveInput[]} archives
 * @param {ReplayTrigger[] | null} triggers
 * @param {TranscriptJob[]} jobs
 * @param {Waiting} waiting
 * @param {RecordingsDue} recordingsDue
 */
export async function transcriptsHere(conversion, archives, triggers, jobs, waiting, recordingsDue) {
  const preparer = new TranscriptPreparer(archives, triggers);
  const spares = new Spares();
  /** @param {number} length */
  const take = (length) => spares.take(length);
  try {
    const { add } = inPackageOrder(conversion, waiting, (_, buffer) => spares.give(buffer), recordingsDue);
    const turn = turns();
    for (const job of inArchiveOrder(jobs.map((job, index) => ({ ...job, index })))) {
      await add(job.index, preparer.prepare(job, take), null);
      await turn();
    }
  } finally {
    preparer.free();
  }
}

// ---------------------------------------------------------------------------
// In a helper: its share of the work, as the converter asked for it.

/**
 * The share of transcripts this helper is preparing: what it sent and
 * the converter acknowledged, whether it was told to stop, and the
 * buffers given back.
 * @type {{acked: number, sent: number, stopped: boolean, wake: (() => void) | null, spares: Spares} | null}
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
 * Prepares its share of the jobs, `credit` at most ahead of the acknowledgements.
 * @param {{archives: ArchiveInput[], triggers: ReplayTrigger[] | null, jobs: IndexedJob[], credit: number}} share
 * @param {Reply} reply
 */
async function prepareShare({ archives, triggers, jobs, credit }, reply) {
  /** @type {typeof preparing} */
  const state = { acked: 0, sent: 0, stopped: false, wake: null, spares: new Spares() };
  preparing = state;
  /** @param {number} length */
  const take = (length) => state.spares.take(length);
  const preparer = new TranscriptPreparer(archives, triggers ?? null);
  try {
    for (const job of jobs) {
      while (state.sent - state.acked >= credit && !state.stopped) await new Promise((wake) => { state.wake = () => wake(undefined); });
      if (state.stopped) return;
      const part = preparer.prepare(job, take);
      state.sent += 1;
      reply({ prepared: { index: job.index, part }, memory: wasmMemoryBytes() }, [part.zip.buffer]);
    }
  } finally {
    preparer.free();
    if (preparing === state) preparing = null;
  }
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

/**
 * A credit for the share being prepared: `ack` (one more transcript
 * received, its buffers back), `spares` (buffers back) or `stopPreparing`.
 * @param {'ack' | 'spares' | 'stopPreparing'} op
 * @param {ArrayBuffer[]} spares
 */
function credit(op, spares) {
  if (!preparing) return;
  for (const buffer of spares) preparing.spares.give(buffer);
  if (op === 'spares') return;
  if (op === 'ack') preparing.acked += 1;
  else preparing.stopped = true;
  preparing.wake?.();
  preparing.wake = null;
}

/** What a helper does for the converter (`answerConverter` in protocol.js). */
export const helperWork = { credit, check: checkShare, firstPass: readShare, prepare: prepareShare };
