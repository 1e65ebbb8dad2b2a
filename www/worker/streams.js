// @ts-check
// Reading Files without garbage: through a Blob's byte stream with a BYOB
// reader into one buffer used again, a read left unanswered finished
// through FileReaderSync. In: the archives' Files. Out: each archive's
// SHA-256 (hashed a step at a time, with progress) and a recording's bytes
// handed to the package writer.

import { ArchiveDigest } from '../pkg/chorus2outdoo.js';
import { superseded, supersededError, turns, yieldToMessages } from './scheduling.js';

/** @typedef {import('../pkg/chorus2outdoo.js').ArchiveInput} ArchiveInput */
/** @typedef {import('../pkg/chorus2outdoo.js').ArchiveConversion} ArchiveConversion */
/** @typedef {import('../pkg/chorus2outdoo.js').Progress} Progress */
/** A flag a caller sets to stop the hashing at its next step. @typedef {{stopped: boolean}} Stop */

/** Bytes hashed per step of `digestsOf`. */
const HASH_STEP = 4 * 1024 * 1024;

/**
 * The archives with their `sha256`, hashed in steps, `onProgress` hearing the 'hash' phase.
 * @param {ArchiveInput[]} archives
 * @param {(progress: Progress) => void} onProgress
 * @returns {Promise<ArchiveInput[]>}
 */
export async function withDigests(archives, onProgress) {
  const digests = await digestsOf(archives, { stopped: false }, onProgress);
  return archives.map((archive, index) => ({ ...archive, sha256: digests[index] }));
}

/**
 * Each archive's SHA-256, hashed a step at a time until done, or
 * `stop.stopped`, or a newer conversion is asked for; one that comes with
 * its `sha256` (the page's File hashed by an earlier conversion: the same
 * snapshot, which the browser refuses to read once the file changed) is
 * not hashed again. `onProgress`, when given, hears `{phase: 'hash',
 * entries_done, entries_total, bytes_done, bytes_total}` (entries: archives).
 * @param {ArchiveInput[]} archives
 * @param {Stop} stop
 * @param {((progress: Progress) => void) | null} onProgress
 * @returns {Promise<string[]>}
 */
export async function digestsOf(archives, stop, onProgress) {
  const digests = [];
  const bytesTotal = archives.reduce((total, { blob }) => total + blob.size, 0);
  let bytesBefore = 0;
  for (const { blob, sha256 } of archives) {
    if (sha256) {
      digests.push(sha256);
      bytesBefore += blob.size;
      continue;
    }
    const digest = new ArchiveDigest(blob);
    const heard = () => onProgress?.({
      phase: 'hash', entries_done: digests.length, entries_total: archives.length, bytes_done: bytesBefore + digest.bytes, bytes_total: bytesTotal,
    });
    try {
      await hashInto(digest, blob, stop, heard);
    } catch (error) {
      digest.free();
      throw error;
    }
    digests.push(digest.hex());
    bytesBefore += blob.size;
  }
  return digests;
}

/**
 * Hashes all of `blob` into `digest`, HASH_STEP at a time: through the
 * Blob's byte stream into one buffer used again and again where the
 * browser has BYOB readers for it (no garbage), else through `step`'s
 * `FileReaderSync` reads (a fresh buffer each, garbage until the event
 * loop turns), the event loop turning between steps.
 * @param {ArchiveDigest} digest
 * @param {Blob} blob
 * @param {Stop} stop
 * @param {() => void} heard
 */
async function hashInto(digest, blob, stop, heard) {
  const stream = byobReader(blob);
  const stopping = () => {
    if (superseded()) throw supersededError();
    if (stop.stopped) throw new Error('the first pass stopped');
  };
  if (!stream) {
    while (!digest.step(HASH_STEP)) {
      heard();
      await yieldToMessages();
      stopping();
    }
    return;
  }
  // A stream's reads may all be answered without the event loop turning: give it a turn every TURN_MS (for a newer conversion asked for).
  const turn = turns();
  await readInto(blob, stream, new ArrayBuffer(HASH_STEP), async (bytes) => {
    digest.update(bytes);
    heard();
    stopping();
    await turn();
  });
  if (digest.bytes !== blob.size) throw new Error(`the archive changed while it was hashed (${digest.bytes} of ${blob.size} bytes)`);
}

/**
 * A BYOB reader of the Blob's stream, or null where the browser has none for it.
 * @param {Blob} blob
 * @returns {ReadableStreamBYOBReader | null}
 */
export function byobReader(blob) {
  try {
    return blob.stream().getReader({ mode: 'byob' });
  } catch {
    return null;
  }
}

/**
 * How long a read of a Blob's stream may go unanswered before it is given
 * up: Chromium 156 leaves about one in several thousand Blob streams
 * unanswered for good (a worker reading 30,000 slices of a File, one
 * stream each, stalled after 15,000; the page's copy of 9,290 small
 * recordings after 4,036 and after 6,673). A read of a few MB from disk
 * takes milliseconds.
 */
const STALL_MS = 2000;
/** How many reads of a Blob's stream the conversion gave up (the converter counts from 0 each conversion). */
export const stalled = { reads: 0 };

/**
 * Reads all of `blob` through `stream`, a BYOB reader of its byte stream,
 * into `buffer`, handing each read to `onBytes` (a view that is good only
 * until it returns, or the promise it returns settles), and gives the buffer back (each read moves it): the
 * reads make no garbage. Where a read stays unanswered for STALL_MS, the
 * rest is read through `FileReaderSync` a step at a time.
 * @param {Blob} blob
 * @param {ReadableStreamBYOBReader} stream
 * @param {ArrayBuffer} buffer
 * @param {(bytes: Uint8Array) => unknown} onBytes
 * @returns {Promise<ArrayBuffer>}
 */
async function readInto(blob, stream, buffer, onBytes) {
  let read = 0;
  try {
    for (;;) {
      const answer = await answeredWithin(stream.read(new Uint8Array(buffer)), STALL_MS);
      if (!answer) {
        stream.cancel().catch(() => {});
        break;
      }
      const { value, done } = answer;
      buffer = value ? /** @type {ArrayBuffer} */ (value.buffer) : new ArrayBuffer(buffer.byteLength);
      if (done) return buffer;
      read += value.length;
      await onBytes(value);
    }
  } finally {
    stream.releaseLock();
  }
  // The stalled read holds the buffer.
  stalled.reads += 1;
  const reader = new FileReaderSync();
  for (let at = read; at < blob.size; at += buffer.byteLength) {
    await onBytes(new Uint8Array(reader.readAsArrayBuffer(blob.slice(at, Math.min(blob.size, at + buffer.byteLength)))));
    await yieldToMessages();
  }
  return new ArrayBuffer(buffer.byteLength);
}

/**
 * What `promise` resolves to, or undefined if it has not settled within `ms`.
 * @template T
 * @param {Promise<T>} promise
 * @param {number} ms
 * @returns {Promise<T | undefined>}
 */
function answeredWithin(promise, ms) {
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  /** @type {Promise<undefined>} */
  const late = new Promise((resolve) => { timer = setTimeout(resolve, ms); });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/**
 * Reads the recording a second pass's `read` step names, bytes
 * `start..end` of its archive's File, through the File's byte stream into
 * `buffer` (used again: no garbage however large the recordings) and into
 * the package (`recordingBytes`), then ends it (`endRecording`, which
 * checks the archive's CRC-32). Gives the buffer back.
 * @param {ArchiveConversion} conversion
 * @param {ArchiveInput} archive
 * @param {{entry: string, start: number, end: number}} step
 * @param {ArrayBuffer} buffer
 */
export async function readRecording(conversion, { name, blob }, { entry, start, end }, buffer) {
  try {
    const recording = blob.slice(start, end);
    buffer = await readInto(recording, byobReader(recording), buffer, (bytes) => conversion.recordingBytes(bytes));
  } catch (error) {
    // The converter's own refusals name the recording already; the File's do not.
    if (!(error instanceof DOMException)) throw error;
    throw new Error(`${name} entry ${entry}: cannot read the recording (was the archive moved or changed?): ${error.message}`);
  }
  conversion.endRecording();
  return buffer;
}
