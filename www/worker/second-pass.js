// @ts-check
// The package's second pass, executed. The session in the module
// (`ArchiveConversion.next`, Rust's second_pass) decides: which helper
// prepares which transcript and how far ahead it runs, when an entry goes
// in, where an early one waits, which recordings the page reads. Here its
// steps are done: jobs posted to the helper workers (or prepared here
// when there are none), early entries kept in memory or on disk, the
// recordings read through the File's byte stream, the event loop given
// turns. In: the conversion and its archives. Out: the package's chunks
// (to `onChunk`), and what finishPackage answers.

import { TranscriptPreparer } from '../pkg/chorus2outdoo.js';
import { helpers, listen, nextTask } from './protocol.js';
import { noteHelperMemory, turns, yieldToMessages } from './scheduling.js';
import { Spares } from './storage.js';
import { byobReader, readRecording } from './streams.js';

/** @typedef {import('../pkg/chorus2outdoo.js').ArchiveConversion} ArchiveConversion */
/** @typedef {import('../pkg/chorus2outdoo.js').ArchiveInput} ArchiveInput */
/** @typedef {import('../pkg/chorus2outdoo.js').FinishedPackage} FinishedPackage */
/** @typedef {import('../pkg/chorus2outdoo.js').PreparedTranscript} PreparedTranscript */
/** @typedef {import('../pkg/chorus2outdoo.js').ReplayTrigger} ReplayTrigger */
/** @typedef {import('../pkg/chorus2outdoo.js').TranscriptJob} TranscriptJob */

/**
 * The helper workers preparing transcripts for one second pass: jobs
 * posted to them one at a time (each helper's buffers going back with its
 * next job), their entries handed to `onPrepared`, a failure to
 * `onFailure`.
 */
class Helpers {
  /**
   * @param {ArchiveInput[]} archives
   * @param {ReplayTrigger[] | null} triggers
   * @param {number} n
   * @param {(index: number, part: PreparedTranscript) => void} onPrepared
   * @param {(error: Error) => void} onFailure
   */
  constructor(archives, triggers, n, onPrepared, onFailure) {
    this.task = nextTask();
    this.n = n;
    /** Per helper, its buffers to give back with its next job. @type {ArrayBufferLike[][]} */
    this.returned = Array.from({ length: n }, () => []);
    for (let w = 0; w < n; w += 1) {
      const worker = listen(w, this.task, ({ prepared, memory }) => {
        noteHelperMemory(w, memory);
        if (prepared) onPrepared(prepared.index, prepared.part);
      }, onFailure);
      worker.postMessage({ op: 'prepare', task: this.task, archives, triggers });
    }
  }

  /** Posts `job` to helper `w`. @param {number} w @param {TranscriptJob} job */
  give(w, job) {
    const spares = this.returned[w];
    this.returned[w] = [];
    helpers[w].postMessage({ op: 'job', task: this.task, job, spares }, /** @type {Transferable[]} */ (spares));
  }

  /** A buffer of helper `w`'s, free again. @param {number} w @param {ArrayBufferLike} buffer */
  giveBack(w, buffer) {
    this.returned[w].push(buffer);
  }

  /** The helpers stop preparing (and drop the jobs of this pass still queued). */
  stop() {
    for (let w = 0; w < this.n; w += 1) helpers[w].postMessage({ op: 'stopPreparing' });
  }
}

/**
 * Writes the package of `conversion` (whole, or in parts of `partSize`) to
 * `onChunk(chunk, part)`, its transcripts prepared by up to `workers`
 * helper workers, early entries waiting in `waiting`; adds to `reads` how
 * the recordings were read ('stream', or 'reader': copied by the
 * converter through FileReaderSync). Answers what finishPackage answers,
 * and how many helpers prepared the transcripts.
 * @param {ArchiveConversion} conversion
 * @param {ArchiveInput[]} archives
 * @param {{workers: number, partSize: string | null, waiting: import('./storage.js').Waiting,
 *   onChunk: (chunk: Uint8Array, part: number) => void, reads: Set<string>}} options
 * @returns {Promise<{finished: FinishedPackage, helpers: number}>}
 */
export async function writeSecondPass(conversion, archives, { workers, partSize, waiting, onChunk, reads }) {
  const streams = Boolean(byobReader(new Blob()));
  const { helpers: n } = conversion.beginPackage(onChunk, null, partSize, { workers, store: waiting.canStore, streams });
  // Every worker preparing transcripts replays the topics' triggers over
  // them: the hits travel with each entry into fidelity.json.
  const triggers = conversion.replayTriggers();
  /** @type {Error | null} */
  let failure = null;
  /** Wakes the loop waiting for an entry. @type {(() => void) | null} */
  let wake = null;
  /** The helper that prepares each job out. @type {Map<number, number>} */
  const owners = new Map();
  /** @param {number} index @param {PreparedTranscript} part */
  const arrived = (index, part) => {
    const store = conversion.arrived(index, part.zip.buffer.byteLength) === 'store';
    waiting.put(index, part, store);
    // Stored on disk, its buffer is free at once.
    if (store) giveBack(index, part.zip.buffer);
    wake?.();
  };
  const team = n > 0 ? new Helpers(archives, triggers, n, arrived, (error) => {
    failure ??= error;
    wake?.();
  }) : null;
  const preparer = team ? null : new TranscriptPreparer(archives, triggers);
  const spares = new Spares();
  /** @param {number} index @param {ArrayBufferLike} buffer */
  function giveBack(index, buffer) {
    if (team) team.giveBack(owners.get(index), buffer);
    else spares.give(buffer);
    owners.delete(index);
  }
  /** @param {number} length */
  const take = (length) => spares.take(length);
  let buffer = new ArrayBuffer(4 * 1024 * 1024);
  const turn = turns();
  try {
    for (;;) {
      if (failure) throw failure;
      const step = conversion.next();
      if (step.kind === 'prepare') {
        owners.set(step.job.index, step.worker);
        if (team) {
          team.give(step.worker, step.job);
        } else {
          arrived(step.job.index, preparer.prepare(step.job, take));
          await turn();
        }
      } else if (step.kind === 'append') {
        const { part, fromDisk } = waiting.take(step.job);
        conversion.append(step.job, part);
        if (!fromDisk) giveBack(step.job, part.zip.buffer);
      } else if (step.kind === 'read') {
        reads.add('stream');
        buffer = await readRecording(conversion, archives[step.archive], step, buffer);
        await turn();
      } else if (step.kind === 'again') {
        if (step.copied) reads.add('reader');
        // Each FileReaderSync read is garbage until the event loop turns.
        if (step.copied && !streams) await yieldToMessages();
        else await turn();
      } else if (step.kind === 'wait') {
        await new Promise((resolve) => { wake = () => resolve(undefined); });
        wake = null;
      } else {
        return { finished: conversion.finishPackage(), helpers: n };
      }
    }
  } finally {
    team?.stop();
    preparer?.free();
  }
}
