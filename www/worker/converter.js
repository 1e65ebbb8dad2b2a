// @ts-check
// What the page asks the converter's worker for (protocol.js lists the
// requests): files inspected, tracker exports and call archives converted
// (the first pass here or spread over helpers, the preview, the package
// written to disk and checked), a call's transcript, the sample, the
// download from Chorus. In: a request's operation and arguments. Out:
// its result, progress posted meanwhile.

import {
  PackageCheck, convertArchives, editsText, fetchArchive, firstPassRanges, inspect, inspectFile, packageFidelity, sample,
  verifyPackage, verifyParts, version,
} from '../pkg/chorus2outdoo.js';
import { wasmMemoryBytes } from './module.js';
import { postProgress } from './protocol.js';
import {
  checksFromHelpers, firstPassFromHelpers, helperFigures, inTurn, newHelperFigures, rangeSteps,
  superseded, supersededError, yieldToMessages,
} from './scheduling.js';
import { writeSecondPass } from './second-pass.js';
import { PackageFile, Waiting, nextPackage, releaseLastPackage } from './storage.js';
import { digestsOf, stalled, withDigests } from './streams.js';

/** @typedef {import('../pkg/chorus2outdoo.js').ArchiveConversion} ArchiveConversion */
/** @typedef {import('../pkg/chorus2outdoo.js').ArchiveInput} ArchiveInput */
/** @typedef {import('../pkg/chorus2outdoo.js').FinishedPackage} FinishedPackage */
/** @typedef {import('../pkg/chorus2outdoo.js').Progress} Progress */
/** @typedef {import('../pkg/chorus2outdoo.js').Verification} Verification */

/**
 * The written package as the page gets it: the File (or Blob), the parts
 * as slices of it with the index, and where it is stored. `finished` is
 * what finishPackage answered.
 * @param {PackageFile} file
 * @param {FinishedPackage} finished
 */
async function handedOver(file, finished) {
  const { blob, ranges } = await file.finish();
  const split = Boolean(finished.index);
  if (ranges.length !== finished.parts.length || (!split && ranges.length > 1)) {
    throw new Error(`the package came in ${ranges.length} parts where ${finished.parts.length} were written`);
  }
  const parts = split
    ? finished.parts.map((part, i) => ({ ...part, blob: blob.slice(ranges[i][0], ranges[i][1], 'application/zip') }))
    : null;
  return {
    package: blob,
    package_name: finished.name,
    parts,
    index: split ? { name: finished.index.name, blob: new Blob([finished.index.bytes], { type: 'application/json' }) } : null,
    stored: file.disk ? 'disk' : 'memory',
    storage_note: file.note,
  };
}

/** The last conversion with call archives, kept for `transcript` until the next one. @type {ArchiveConversion | null} */
let lastConversion = null;

/** What the check read: the file through sync access handles, or a Blob. @param {Blob | FileSystemSyncAccessHandle} here */
const readThrough = (here) => (here instanceof Blob ? 'blob' : 'handle');

/**
 * Checks a package (a PackageFile, or a Blob); the page shows the result
 * next to the download.
 * With `helpersUsed` helpers, they check shares of the transcripts
 * (checkTranscripts) while this worker checks the rest (PackageCheck), the
 * same result as checking everything here.
 * @param {PackageFile | Blob} pkg
 * @param {number} id
 * @param {number} helpersUsed
 */
async function verified(pkg, id, helpersUsed = 0) {
  postProgress(id, { phase: 'verify' });
  const started = performance.now();
  const source = pkg instanceof PackageFile
    ? await pkg.checkSource(helpersUsed > 1)
    : { here: pkg, helpers: pkg, close: () => {} };
  /** @type {Verification} */
  let verification;
  try {
    if (helpersUsed > 1) {
      // The helpers start on their shares at once; their answers wait until this worker's half is done.
      const fromHelpers = checksFromHelpers(source.helpers, helpersUsed);
      const check = new PackageCheck(source.here);
      let checked;
      try {
        checked = await fromHelpers;
      } catch (error) {
        check.free();
        throw error;
      }
      verification = check.finish(checked);
    } else {
      verification = verifyPackage(source.here, null);
    }
  } finally {
    source.close();
  }
  return { ...verification, reads: readThrough(source.here), ms: performance.now() - started };
}

/**
 * Checks a package in parts as a set (verifyParts): every part, and the index naming them.
 * @param {PackageFile} file
 * @param {FinishedPackage} finished
 * @param {number} id
 */
async function verifiedParts(file, { parts, index }, id) {
  postProgress(id, { phase: 'verify' });
  const started = performance.now();
  const source = await file.checkSource(false);
  const handle = source.here instanceof Blob ? null : source.here;
  const ranges = file.ranges();
  let verification;
  try {
    // On disk, each part is read through the file's sync access handle, within its range (no garbage); in memory, from its slice of the Blob.
    verification = verifyParts(index, parts.map(({ name }, i) => (handle
      ? { name, handle, start: ranges[i][0], end: ranges[i][1] }
      : { name, blob: /** @type {Blob} */ (source.here).slice(ranges[i][0], ranges[i][1]) })));
  } finally {
    source.close();
  }
  return { ...verification, reads: handle ? 'handle' : 'blob', ms: performance.now() - started };
}

/**
 * What `convertArchives` asks.
 * @typedef {object} ConvertArchives
 * @property {import('../pkg/chorus2outdoo.js').FileInput[]} files
 * @property {ArchiveInput[]} archives
 * @property {import('../pkg/chorus2outdoo.js').FileInput | null} roster
 * @property {import('../pkg/chorus2outdoo.js').Options} options
 * @property {import('../pkg/chorus2outdoo.js').NamedBlob[] | null} [earlier]
 * @property {number} [workers]
 * @property {string | null} [partSize]
 * @property {string | null} [storage]
 */

/**
 * Converts with call archives: progress, the preview, then the package
 * chunk by chunk. With more than one worker, helpers read ranges of the
 * archives' entries (the first pass) while this worker hashes the archives.
 * @param {ConvertArchives} args
 * @param {number} id
 */
async function convertWithArchives({ files, archives, roster, options, earlier = null, workers = 1, partSize = null, storage = null }, id) {
  lastConversion?.free();
  lastConversion = null;
  newHelperFigures();
  stalled.reads = 0;
  const started = performance.now();
  /** @param {Progress} progress */
  const onProgress = (progress) => postProgress(id, progress);
  const first = archives.length === 0 ? { archives, reads: null }
    : workers > 1 ? await firstPassWithDigests(archives, workers, onProgress)
      // Hashed and read here in steps (with progress), not in one go inside convertArchives: every read of the File is garbage until the event loop turns.
      : await firstPassHere(archives, onProgress);
  archives = first.archives;
  // Earlier packages are read here, by the converter: the helpers' first pass reads only the archives.
  const conversion = convertArchives(files, archives, roster, options, onProgress, first.reads, earlier);
  // The first pass's bytes are in the conversion now: let go of them (~100 MB at 45,000 calls) before the package is written.
  first.reads = null;
  lastConversion = conversion;
  const readMs = performance.now() - started;
  const preview = conversion.preview();
  postProgress(id, { phase: 'preview', preview });
  const file = await nextPackage(storage);
  const writeStarted = performance.now();
  /** @param {Uint8Array} chunk @param {number} part */
  const onChunk = (chunk, part) => file.write(chunk, part);
  const waiting = await Waiting.create(storage);
  /** @type {FinishedPackage} */
  let finished;
  let helpersUsed = 0;
  /** @type {Set<string>} */
  const reads = new Set();
  try {
    // The second pass's session shares the transcripts out among the
    // helpers (they start while this worker writes what precedes them),
    // appends them in package order, and says when recordings are read.
    ({ finished, helpers: helpersUsed } = await writeSecondPass(conversion, archives, {
      workers, partSize, waiting, onChunk, reads,
    }));
  } catch (error) {
    await file.remove();
    throw file.failure ?? error;
  } finally {
    await waiting.remove();
  }
  const writeMs = performance.now() - writeStarted;
  let written;
  let verification;
  if (finished.index) {
    // Parts are checked as a set, from their ranges of the file.
    verification = await verifiedParts(file, finished, id);
    written = await handedOver(file, finished);
  } else {
    verification = await verified(file, id, helpersUsed);
    written = await handedOver(file, finished);
  }
  const fidelity = verification.problems.length > 0 ? null
    // The run's figures: read back from the package as written, or for parts, the run's over every part.
    : written.parts ? finished.fidelity ?? null : packageFidelity(written.package);
  return {
    ...written,
    verification,
    fidelity,
    workers: helpersUsed || 1,
    // Each archive's SHA-256, for the page to give back with the same File next time.
    archive_digests: archives.map(({ sha256 }) => sha256),
    recording_reads: ['stream', 'reader'].filter((read) => reads.has(read)).join(' '),
    stalled_reads: stalled.reads,
    chunks: file.chunkCount,
    read_ms: readMs,
    write_ms: writeMs,
    wasm_memory_bytes: wasmMemoryBytes(),
    helper_memory_bytes: helperFigures(),
  };
}

/**
 * The first pass read by the helpers while this worker hashes the archives:
 * `{archives, reads}`, the archives with their `sha256` and the helpers'
 * reads for convertArchives (a function of its own, so that nothing of its
 * frame holds the reads once the caller lets go of them).
 * @param {ArchiveInput[]} archives
 * @param {number} workers
 * @param {(progress: Progress) => void} onProgress
 */
async function firstPassWithDigests(archives, workers, onProgress) {
  const stop = { stopped: false };
  const reads = firstPassFromHelpers(archives, workers, onProgress);
  // A failed first pass stops the hashing too.
  reads.catch(() => { stop.stopped = true; });
  const [firstReads, digests] = await Promise.all([reads, digestsOf(archives, stop, null)]);
  return { archives: archives.map((archive, index) => ({ ...archive, sha256: digests[index] })), reads: firstReads };
}

/**
 * One worker: the archives hashed, then their first pass read, here, in
 * steps with the event loop turning between them (as `firstPassWithDigests`
 * answers, and for the same reason).
 * @param {ArchiveInput[]} archives
 * @param {(progress: Progress) => void} onProgress
 */
async function firstPassHere(archives, onProgress) {
  const hashed = await withDigests(archives, onProgress);
  const plan = firstPassRanges(archives, 1);
  const before = { entries: 0, bytes: 0 };
  const reads = [];
  for (const [archive, ranges] of plan.ranges.entries()) {
    const steps = [];
    for (const [start, end] of ranges) {
      /** @type {Progress | null} */
      let range = null;
      /** @param {Progress} progress */
      const heard = (progress) => {
        range = progress;
        onProgress({
          phase: 'read',
          entries_done: before.entries + progress.entries_done,
          entries_total: plan.entries_total,
          bytes_done: before.bytes + progress.bytes_done,
          bytes_total: plan.bytes_total,
        });
      };
      for (const { bytes } of rangeSteps(archives, { archive, start, end }, heard)) {
        steps.push(bytes);
        await yieldToMessages();
        if (superseded()) throw supersededError();
      }
      before.entries += range?.entries_total ?? 0;
      before.bytes += range?.bytes_total ?? 0;
    }
    reads.push(steps);
  }
  return { archives: hashed, reads };
}

/** Each operation the page may ask for, by name. @type {Record<string, (args: any, id: number) => unknown>} */
const operations = {
  version: () => version(),
  inspect: ({ name, bytes }) => inspect(name, bytes),
  // The edits document's canonical text, the bytes a conversion records for options.edits: the page's outdoo-edits.json.
  editsText: ({ edits }) => editsText(edits),
  // Tracker exports alone: the preview is posted before the package is
  // written (convertArchives without archives converts exactly as convert).
  convert: async ({ files, options, storage = null }, id) => {
    const started = performance.now();
    const conversion = convertArchives(files, [], null, options, null, null, null);
    try {
      const convertMs = performance.now() - started;
      postProgress(id, { phase: 'preview', preview: conversion.preview() });
      const file = await nextPackage(storage);
      let finished;
      try {
        finished = conversion.writePackage((chunk) => file.write(chunk));
      } catch (error) {
        await file.remove();
        throw file.failure ?? error;
      }
      const written = await handedOver(file, finished);
      return { ...written, verification: await verified(written.package, id), convert_ms: convertMs };
    } finally {
      conversion.free();
    }
  },
  release: async () => {
    await releaseLastPackage();
    return null;
  },
  inspectFile: ({ name, file, listOnly }) => inspectFile(name, file, Boolean(listOnly)),
  convertArchives: (args, id) => convertWithArchives(args, id),
  transcript: ({ sourceId, limit }) => {
    if (!lastConversion) throw new Error('convert the call archives first');
    return lastConversion.transcript(sourceId, limit);
  },
  // The sample archive and the tracker export matching its Chorus trackers
  // (`chorus2outdoo sample --trackers-out`), so the sample shows the topics and their fidelity too.
  sample: ({ calls, seed }) => sample(calls, seed),
  fetch: async (args, id) => {
    // The token lives only in this call: it goes to the module, never into a log.
    const result = await fetchArchive(args.baseUrl, args.token, args.scope, Boolean(args.acceptPartial), (progress) => postProgress(id, progress));
    args.token = null;
    return { archive: new Blob([result.archive], { type: 'application/zip' }), missing: result.missing, progress: result.progress };
  },
};

/** The operations that are conversions: one at a time, in their turn (`inTurn`). */
const CONVERSIONS = new Set(['convert', 'convertArchives']);

/**
 * Runs the operation `op` the page asked for.
 * @param {string} op
 * @param {any} args
 * @param {number} id
 */
export function perform(op, args, id) {
  const operation = operations[op];
  if (!operation) throw new Error(`unknown operation ${op}`);
  const run = async () => operation(args, id);
  return CONVERSIONS.has(op) ? inTurn(run) : run();
}
