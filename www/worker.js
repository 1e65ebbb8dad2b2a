// The converter's thread: loads the WebAssembly module and answers the page's
// requests, one at a time, so the page itself never blocks.
//
// Request:  {id, op, args}
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

import init, {
  ArchiveDigest, EntryReader, PackageCheck, TranscriptPreparer, checkTranscripts, convertArchives, fetchArchive, firstPassRanges,
  inspect, inspectFile, packageFidelity, sample, verifyPackage, verifyParts, version,
} from './pkg/chorus2outdoo.js';

/** The smallest module with a WebAssembly SIMD instruction (i8x16.splat):
 * the converter is built with SIMD, which a browser older than Chrome 91,
 * Firefox 89 or Safari 16.4 cannot compile. */
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 0x60, 0, 1, 0x7b, 3, 2, 1, 0, 10, 8, 1, 6, 0, 0x41, 0, 0xfd, 0x0f, 0x0b]);

const ready = WebAssembly.validate(SIMD_PROBE)
  ? init()
  : Promise.reject(Object.assign(new Error('this browser cannot run the converter: it lacks WebAssembly SIMD (Chrome 91, Firefox 89, '
    + 'Safari 16.4 or later have it); use a current browser, or the chorus2outdoo command'), { name: 'UnsupportedBrowserError' }));
// A failed load is answered per request below; it is not an unhandled rejection.
ready.catch(() => {});

// ---------------------------------------------------------------------------
// Where a package is written: a file of its own in the origin private file
// system (OPFS), written through a sync access handle chunk by chunk as the
// converter hands them over, so the package never sits in memory; it is
// handed to the page as the disk-backed File (parts as slices of it). Each
// file is held by a Web Lock while its worker lives: the next conversion or
// `release` removes it, and a file whose lock is free (its worker was
// cancelled or its tab closed) is removed the next time a package is begun.
// Without OPFS, or with `storage: 'memory'`, the chunks are kept in memory
// and assembled into a Blob, and the result says why (`storage_note`).

const PACKAGE_FOLDER = 'chorus2outdoo-packages';
const LOCK_PREFIX = 'chorus2outdoo-package:';
/** The package file of the last conversion, until the next one or `release`. */
let lastPackage = null;
let swept = false;

/** The folder for package files, or why there is none. */
async function packageFolder() {
  if (!navigator.storage?.getDirectory || !self.FileSystemFileHandle?.prototype?.createSyncAccessHandle || !navigator.locks) {
    throw new Error('this browser has no origin private file system with sync access handles (Chrome 102, Firefox 111 and Safari 15.2 or later have it)');
  }
  const root = await navigator.storage.getDirectory();
  return root.getDirectoryHandle(PACKAGE_FOLDER, { create: true });
}

/** Removes package files no worker holds (left by a cancelled conversion or a closed tab). */
async function sweep(folder) {
  const names = [];
  for await (const [name, handle] of folder.entries()) if (handle.kind === 'file') names.push(name);
  for (const name of names) {
    await navigator.locks.request(LOCK_PREFIX + name, { ifAvailable: true }, async (lock) => {
      if (lock) await folder.removeEntry(name).catch(() => {});
    });
  }
}

/** Holds the lock `name` until the returned function is called. */
async function hold(name) {
  let release;
  await new Promise((granted) => {
    navigator.locks.request(name, () => {
      granted();
      return new Promise((resolve) => { release = resolve; });
    });
  });
  return release;
}

/** MB, for messages. */
const megabytes = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;

/**
 * A new file of `kind` ('package', 'waiting') in the package folder, held
 * by its Web Lock, with a sync access handle open on it; throws where the
 * browser gives none.
 */
async function diskFile(kind) {
  const folder = await packageFolder();
  if (!swept) {
    swept = true;
    await sweep(folder);
  }
  const name = `${kind}-${Date.now()}-${Math.random().toString(36).slice(2, 10)}.zip`;
  // The lock first, so that no sweep takes the new file for a stale one.
  const release = await hold(LOCK_PREFIX + name);
  try {
    const handle = await folder.getFileHandle(name, { create: true });
    const access = await handle.createSyncAccessHandle();
    // Early versions of the API (Safari before 16.4) answer promises: not usable from a synchronous write.
    if (typeof access.getSize() !== 'number') {
      access.close();
      throw new Error('its sync access handles are not synchronous');
    }
    return { folder, name, handle, access, release };
  } catch (error) {
    await folder.removeEntry(name).catch(() => {});
    release();
    throw error;
  }
}

/** Closes a disk file's handle and removes it. */
async function removeDiskFile(disk) {
  try {
    disk.access?.close();
  } catch {
    // Already closed.
  }
  disk.access = null;
  await disk.folder.removeEntry(disk.name).catch(() => {});
  disk.release();
}

/** Writes `bytes` at `at` through a sync access handle, all of them or an error. */
function writeAt(access, bytes, at) {
  const written = access.write(bytes, { at });
  if (written !== bytes.byteLength) throw new Error(`${written} of ${bytes.byteLength} bytes written`);
}

/** A failed write to disk as the customer reads it. */
function diskFailure(error, what, written) {
  const full = error?.name === 'QuotaExceededError';
  return Object.assign(new Error(full
    ? `there is no room left on disk for ${what}: the browser refused to store more than ${megabytes(written)} of it. `
      + 'Free disk space and convert again, or convert with the chorus2outdoo command'
    : `${what} could not be written to disk after ${megabytes(written)}: ${error?.message ?? error}`), { name: full ? 'QuotaExceededError' : 'PackageWriteError' });
}

/**
 * One package being written: `write(chunk, part)` takes the converter's
 * chunks (the parts one after another), `checkSource(shared)` gives what
 * its check reads, `finish()` answers the package as a Blob or disk-backed
 * File and each part's [start, end) in it.
 */
class PackageFile {
  static async create(storage) {
    if (storage === 'memory') return new PackageFile(null, 'the page was asked to keep the package in memory');
    try {
      return new PackageFile(await diskFile('package'), null);
    } catch (error) {
      return new PackageFile(null, `the package is kept in memory: the browser did not give the page a file on disk (${error?.message ?? error})`);
    }
  }

  constructor(disk, note) {
    this.disk = disk;
    this.note = note;
    this.chunks = disk ? null : [];
    this.blob = null;
    this.size = 0;
    this.chunkCount = 0;
    this.starts = [];
    /** A write that failed, with a message for the customer. */
    this.failure = null;
    this.finished = false;
  }

  write(chunk, part = 1) {
    if (this.starts.length < part) this.starts.push(this.size);
    if (this.disk) {
      try {
        writeAt(this.disk.access, chunk, this.size);
      } catch (error) {
        this.failure = diskFailure(error, 'the package', this.size);
        throw this.failure;
      }
    } else {
      // The chunk is a view of the converter's memory, valid during this call only.
      this.chunks.push(chunk.slice());
    }
    this.size += chunk.byteLength;
    this.chunkCount += 1;
  }

  /** The package in memory as a Blob (its chunks let go). */
  memoryBlob() {
    if (!this.blob) {
      this.blob = new Blob(this.chunks, { type: 'application/zip' });
      this.chunks = null;
    }
    return this.blob;
  }

  /**
   * What the package's check reads: on disk, its sync access handle (read
   * into wasm memory: a Blob read leaves an ArrayBuffer of garbage per
   * slice, which a long check piles up by the hundreds of MB); `shared`
   * (helpers check too), a read-only handle here and for the helpers
   * `{fileHandle}` to open their own, else the File. `close()` when done.
   */
  async checkSource(shared) {
    if (!this.disk) return { here: this.memoryBlob(), helpers: this.memoryBlob(), close: () => {} };
    this.disk.access.flush();
    if (!shared) return { here: this.disk.access, helpers: null, close: () => {} };
    this.disk.access.close();
    this.disk.access = null;
    try {
      const readOnly = await this.disk.handle.createSyncAccessHandle({ mode: 'read-only' });
      // A browser without handle modes ignores the option and gives an exclusive handle, which no helper could share.
      if (readOnly.mode !== 'read-only') {
        readOnly.close();
        throw new Error('no read-only sync access handles');
      }
      return { here: readOnly, helpers: { fileHandle: this.disk.handle }, close: () => readOnly.close() };
    } catch {
      // A browser without read-only handles: the File, as in memory.
      const file = await this.disk.handle.getFile();
      return { here: file, helpers: file, close: () => {} };
    }
  }

  /** The package (a File on disk or a Blob) and its parts' byte ranges. */
  async finish() {
    this.finished = true;
    let blob;
    if (this.disk) {
      if (this.disk.access) {
        this.disk.access.flush();
        this.disk.access.close();
        this.disk.access = null;
      }
      blob = await this.disk.handle.getFile();
    } else {
      blob = this.memoryBlob();
    }
    return { blob, ranges: this.ranges() };
  }

  /** Each part's [start, end) in the package. */
  ranges() {
    return this.starts.map((start, i) => [start, this.starts[i + 1] ?? this.size]);
  }

  /** Removes the file (a package in memory is left to the garbage collector). */
  async remove() {
    this.chunks = null;
    this.blob = null;
    if (!this.disk) return;
    const disk = this.disk;
    this.disk = null;
    await removeDiskFile(disk);
  }
}

/**
 * Prepared transcripts waiting for their turn in the package: up to
 * WAITING_BYTES in memory, the rest in a file on disk (read back when
 * their turn comes), so an archive whose documents lie in another order
 * than the calls does not keep the package's transcripts in memory.
 */
class Waiting {
  static async create(storage) {
    if (storage === 'memory') return new Waiting(null);
    try {
      return new Waiting(await diskFile('waiting'));
    } catch {
      return new Waiting(null);
    }
  }

  constructor(disk) {
    this.disk = disk;
    this.memoryBytes = 0;
    this.size = 0;
    /** What a transcript is read back from disk into (addTranscript copies it at once). */
    this.readBack = new ArrayBuffer(0);
  }

  /**
   * Keeps `part`; answers what `take` gives it back from. A part written to
   * disk is answered with `onDisk: true`: its buffer is free again.
   */
  put(part) {
    const length = part.zip.byteLength;
    // What the part holds in memory: its whole buffer (a spare may be larger than the entry).
    const held = part.zip.buffer.byteLength;
    if (!this.disk || this.memoryBytes + held <= WAITING_BYTES) {
      this.memoryBytes += held;
      return { part };
    }
    const at = this.size;
    try {
      writeAt(this.disk.access, part.zip, at);
    } catch (error) {
      throw diskFailure(error, 'the transcripts waiting for their turn', this.size);
    }
    this.size += length;
    return { part: { ...part, zip: null }, at, length, onDisk: true };
  }

  /** The part kept by `put`: in memory, or read back from disk into a buffer used again by the next `take`. */
  take({ part, at, length }) {
    if (at === undefined) {
      this.memoryBytes -= part.zip.buffer.byteLength;
      return part;
    }
    if (this.readBack.byteLength < length) this.readBack = new ArrayBuffer(Math.max(length, 2 * this.readBack.byteLength));
    const zip = new Uint8Array(this.readBack, 0, length);
    const read = this.disk.access.read(zip, { at });
    if (read !== length) throw new Error(`a waiting transcript could not be read back (${read} of ${length} bytes)`);
    return { ...part, zip };
  }

  async remove() {
    if (this.disk) await removeDiskFile(this.disk);
    this.disk = null;
  }
}

/** Spare buffers kept per size by `Spares`. */
const SPARES_PER_SIZE = 32;

/**
 * Buffers for prepared transcripts, used again: `take(length)` answers a
 * Uint8Array of that length at the start of a buffer of the next power of
 * two (at least 4 KiB), `give(buffer)` returns one once its transcript is
 * in the package (the converter sends a helper's buffers back). A fresh
 * array per transcript is garbage as soon as the converter has copied it,
 * which the worker holds until its next collection: tens of MB.
 */
class Spares {
  constructor() {
    this.free = new Map();
  }

  take(length) {
    const size = Math.max(4096, 2 ** Math.ceil(Math.log2(Math.max(length, 1))));
    const buffer = this.free.get(size)?.pop() ?? new ArrayBuffer(size);
    return new Uint8Array(buffer, 0, length);
  }

  give(buffer) {
    if (!(buffer instanceof ArrayBuffer) || buffer.byteLength === 0) return;
    let list = this.free.get(buffer.byteLength);
    if (!list) this.free.set(buffer.byteLength, list = []);
    if (list.length < SPARES_PER_SIZE) list.push(buffer);
  }
}

/**
 * How many calls' recordings the converter copies between two turns of its
 * event loop, and how many bytes of them past the first, where it copies
 * them itself (`recordingsInto`): every read of the File leaves its bytes
 * behind as garbage that is collected only once the event loop turns
 * (recordings of 20 MB in steps of 64 took the page to 4.7 GB).
 */
const RECORDINGS_STEP = 64;
const RECORDINGS_STEP_BYTES = 32 * 1024 * 1024;
/** The longest the converter works through transcripts on its own before it gives its event loop a turn, for the same reason. */
const TURN_MS = 50;

/** The most bytes of prepared transcripts kept in memory while they wait for their turn (Waiting). */
const WAITING_BYTES = 8 * 1024 * 1024;

/** Removes the last package's file, if any. */
async function dropLastPackage() {
  const last = lastPackage;
  lastPackage = null;
  await last?.remove();
}

/** Begins the next package: the last one's file is removed first. */
async function nextPackage(storage) {
  await dropLastPackage();
  lastPackage = await PackageFile.create(storage);
  return lastPackage;
}

/**
 * The written package as the page gets it: the File (or Blob), the parts
 * as slices of it with the index, and where it is stored. `finished` is
 * what finishPackage answered.
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

/** The last conversion with call archives, kept for `transcript` until the next one. */
let lastConversion = null;

/**
 * Checks a package (a PackageFile, or a Blob); the page shows the result
 * next to the download.
 * With `helpersUsed` helpers, they check shares of the transcripts
 * (checkTranscripts) while this worker checks the rest (PackageCheck), the
 * same result as checking everything here.
 */
async function verified(pkg, id, helpersUsed = 0) {
  self.postMessage({ id, progress: { phase: 'verify' } });
  const started = performance.now();
  const source = pkg instanceof PackageFile
    ? await pkg.checkSource(helpersUsed > 1)
    : { here: pkg, helpers: pkg, close: () => {} };
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
  // What the check read: the file through sync access handles, or a Blob.
  const reads = typeof source.here.getSize === 'function' ? 'handle' : 'blob';
  return { ...verification, reads, ms: performance.now() - started };
}

/**
 * Converts with call archives: progress, the preview, then the package
 * chunk by chunk. With more than one worker, helpers read ranges of the
 * archives' entries (the first pass) while this worker hashes the archives.
 */
async function convertWithArchives({ files, archives, roster, options, earlier = null, workers = 1, partSize = null, storage = null }, id) {
  lastConversion?.free();
  lastConversion = null;
  helperMemory = [];
  stalledReads = 0;
  const started = performance.now();
  const onProgress = (progress) => self.postMessage({ id, progress });
  const first = archives.length === 0 ? { archives, reads: null }
    : workers > 1 ? await firstPassWithDigests(archives, workers, onProgress)
      // Hashed and read here in steps (with progress), not in one go inside convertArchives: see RECORDINGS_STEP.
      : await firstPassHere(archives, onProgress);
  archives = first.archives;
  // Earlier packages are read here, by the converter: the helpers' first pass reads only the archives.
  const conversion = convertArchives(files, archives, roster, options, onProgress, first.reads, earlier);
  // The first pass's bytes are in the conversion now: let go of them (~100 MB at 45,000 calls) before the package is written.
  first.reads = null;
  lastConversion = conversion;
  const readMs = performance.now() - started;
  const preview = conversion.preview();
  self.postMessage({ id, progress: { phase: 'preview', preview } });
  const file = await nextPackage(storage);
  const writeStarted = performance.now();
  // Every worker preparing transcripts replays the topics' triggers over
  // them: the hits travel with each part into fidelity.json.
  const { jobs, triggers } = conversion.secondPassWork();
  const helpersUsed = workers > 1 && jobs.length >= 2 ? Math.min(workers, jobs.length) : 0;
  const onChunk = (chunk, part) => file.write(chunk, part);
  const waiting = await Waiting.create(storage);
  let finished;
  const reads = new Set();
  // Whenever a part is full (or, written whole, once the transcripts are
  // in), its recordings are read, then the package goes on.
  const recordingsDue = async (halted = () => false) => {
    do await recordingsInto(conversion, archives, reads, halted); while (!halted() && conversion.resumePackage());
  };
  try {
    if (helpersUsed) {
      // The helpers start on the transcripts while this worker writes what
      // precedes them (calls.jsonl); their entries wait in the queue until then.
      const fromHelpers = transcriptsFromHelpers(conversion, archives, triggers, jobs, helpersUsed, waiting, recordingsDue);
      try {
        conversion.beginPackage(onChunk, null, partSize);
      } catch (error) {
        fromHelpers.catch(() => {});
        for (let w = 0; w < helpersUsed; w += 1) helpers[w].postMessage({ op: 'stopPreparing' });
        throw error;
      }
      await fromHelpers;
    } else {
      conversion.beginPackage(onChunk, null, partSize);
      await transcriptsHere(conversion, archives, triggers, jobs, waiting, recordingsDue);
    }
    if (conversion.placeRest()) await recordingsDue();
    finished = conversion.finishPackage();
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
    stalled_reads: stalledReads,
    chunks: file.chunkCount,
    read_ms: readMs,
    write_ms: writeMs,
    wasm_memory_bytes: wasmMemoryBytes(),
    helper_memory_bytes: helperMemory,
  };
}

/**
 * The first pass read by the helpers while this worker hashes the archives:
 * `{archives, reads}`, the archives with their `sha256` and the helpers'
 * reads for convertArchives (a function of its own, so that nothing of its
 * frame holds the reads once the caller lets go of them).
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
 */
async function firstPassHere(archives, onProgress) {
  const hashed = await withDigests(archives, onProgress);
  const plan = firstPassRanges(archives, 1);
  const before = { entries: 0, bytes: 0 };
  const reads = [];
  for (const [archive, ranges] of plan.ranges.entries()) {
    const steps = [];
    for (const [start, end] of ranges) {
      let range = null;
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

/** Checks a package in parts as a set (verifyParts): every part, and the index naming them. */
async function verifiedParts(file, { parts, index }, id) {
  self.postMessage({ id, progress: { phase: 'verify' } });
  const started = performance.now();
  const source = await file.checkSource(false);
  const handle = typeof source.here.getSize === 'function' ? source.here : null;
  const ranges = file.ranges();
  let verification;
  try {
    // On disk, each part is read through the file's sync access handle, within its range (no garbage); in memory, from its slice of the Blob.
    verification = verifyParts(index, parts.map(({ name }, i) => (handle
      ? { name, handle, start: ranges[i][0], end: ranges[i][1] }
      : { name, blob: source.here.slice(ranges[i][0], ranges[i][1]) })));
  } finally {
    source.close();
  }
  return { ...verification, reads: handle ? 'handle' : 'blob', ms: performance.now() - started };
}

/**
 * `await turn()` in a conversion's long loop: gives the event loop a turn
 * (`yieldToMessages`) once TURN_MS have passed since the last, and stops
 * the conversion if a newer one was asked for meanwhile.
 */
function turns() {
  let turned = performance.now();
  return async () => {
    if (performance.now() - turned < TURN_MS) return;
    await yieldToMessages();
    turned = performance.now();
    if (superseded()) throw supersededError();
  };
}

/** Lets the worker hear its messages (helpers' answers) between steps of long work. */
function yieldToMessages() {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(null);
  });
}

/** Bytes hashed per step of `digestsOf`. */
const HASH_STEP = 4 * 1024 * 1024;

/** The archives with their `sha256`, hashed in steps, `onProgress` hearing the 'hash' phase. */
async function withDigests(archives, onProgress) {
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
 */
async function digestsOf(archives, stop, onProgress) {
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
 * `FileReaderSync` reads (a fresh buffer each, collected late: see
 * RECORDINGS_STEP), the event loop turning between steps.
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

/** A BYOB reader of the Blob's stream, or null where the browser has none for it. */
function byobReader(blob) {
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
/** How many reads of a Blob's stream the conversion gave up. */
let stalledReads = 0;

/**
 * Reads all of `blob` through `stream`, a BYOB reader of its byte stream,
 * into `buffer`, handing each read to `onBytes` (a view that is good only
 * until it returns, or the promise it returns settles), and gives the buffer back (each read moves it): the
 * reads make no garbage. Where a read stays unanswered for STALL_MS, the
 * rest is read through `FileReaderSync` a step at a time.
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
      buffer = value ? value.buffer : new ArrayBuffer(buffer.byteLength);
      if (done) return buffer;
      read += value.length;
      await onBytes(value);
    }
  } finally {
    stream.releaseLock();
  }
  // The stalled read holds the buffer.
  stalledReads += 1;
  const reader = new FileReaderSync();
  for (let at = read; at < blob.size; at += buffer.byteLength) {
    await onBytes(new Uint8Array(reader.readAsArrayBuffer(blob.slice(at, Math.min(blob.size, at + buffer.byteLength)))));
    await yieldToMessages();
  }
  return new ArrayBuffer(buffer.byteLength);
}

/** What `promise` resolves to, or undefined if it has not settled within `ms`. */
function answeredWithin(promise, ms) {
  let timer;
  const late = new Promise((resolve) => { timer = setTimeout(resolve, ms); });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/**
 * The smallest recording read through a stream: below it, the garbage of a
 * `FileReaderSync` read is small, and one read costs less than a stream's
 * two (41,984 recordings of 280 bytes took 17 s to copy through
 * `FileReaderSync` and longer through streams).
 */
const STREAMED_RECORDING_BYTES = 1024 * 1024;

/**
 * Copies the recordings that are due into the package: those of a part
 * that is full, or written whole, every call's once every transcript is
 * in. One of at least STREAMED_RECORDING_BYTES stored as it is in its
 * archive (as Chorus's media files are) is read
 * through the File's byte stream into one buffer used again
 * (`nextRecording`, `recordingBytes`, `endRecording`), so the copy leaves
 * no garbage however large the recordings; the converter copies any other
 * itself, and all of them where the browser has no BYOB reader for a
 * File (`addRecordings`, in steps). The event loop turns every
 * TURN_MS. Adds to `reads` how the recordings were read: 'stream',
 * 'reader' (by the converter's `FileReaderSync`).
 */
async function recordingsInto(conversion, archives, reads, halted) {
  if (!byobReader(new Blob())) {
    reads.add('reader');
    while (!halted() && conversion.addRecordings(RECORDINGS_STEP, RECORDINGS_STEP_BYTES)) await yieldToMessages();
    return;
  }
  let buffer = new ArrayBuffer(HASH_STEP);
  const turn = turns();
  while (!halted()) {
    const next = conversion.nextRecording(STREAMED_RECORDING_BYTES);
    if (next === undefined) return;
    reads.add(next === null ? 'reader' : 'stream');
    if (next !== null) {
      const { name, blob } = archives[next.archive];
      try {
        const recording = blob.slice(next.start, next.end);
        buffer = await readInto(recording, byobReader(recording), buffer, (bytes) => conversion.recordingBytes(bytes));
      } catch (error) {
        // The converter's own refusals name the recording already; the File's do not.
        if (!(error instanceof DOMException)) throw error;
        throw new Error(`${name} entry ${next.entry}: cannot read the recording (was the archive moved or changed?): ${error.message}`);
      }
      conversion.endRecording();
    }
    await turn();
  }
}

/** Jobs in the order their conversation documents lie in the archives. */
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
 */
function inPackageOrder(conversion, waiting, giveBack, recordingsDue) {
  const early = new Map();
  let next = 0;
  let appending = false;
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
 */
async function transcriptsHere(conversion, archives, triggers, jobs, waiting, recordingsDue) {
  const preparer = new TranscriptPreparer(archives, triggers);
  const spares = new Spares();
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
/** The helpers, started once and kept for the next conversion. */
const helpers = [];
/** The most wasm memory each helper reported during the last conversion (bytes). */
let helperMemory = [];

function helperUsed(w, memory) {
  if (memory != null) helperMemory[w] = Math.max(helperMemory[w] ?? 0, memory);
}
/** Numbers each task given to the helpers; their answers carry it, so a
 * late answer to an earlier, failed task is never taken for a new one. */
let task = 0;

function helper(index) {
  if (!helpers[index]) helpers[index] = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  return helpers[index];
}

/**
 * Helper `index` working on task `current`: `onAnswer` gets each of its
 * answers to that task (answers to earlier tasks are dropped), `onFailure`
 * an Error when it reports one or stops.
 */
function listen(index, current, onAnswer, onFailure) {
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

function transcriptsFromHelpers(conversion, archives, triggers, jobs, n, waiting, recordingsDue) {
  const current = ++task;
  return new Promise((resolve, reject) => {
    // Each helper's buffers go back to it with its next acknowledgement (or on their own, `spares`).
    const returned = Array.from({ length: n }, () => []);
    const { add, halt } = inPackageOrder(conversion, waiting, (owner, buffer) => returned[owner].push(buffer), recordingsDue);
    const sendBack = (w) => {
      for (let v = 0; v < n; v += 1) {
        if (v !== w && returned[v].length === 0) continue;
        const spares = returned[v];
        returned[v] = [];
        helpers[v].postMessage({ op: v === w ? 'ack' : 'spares', spares }, spares);
      }
    };
    let failed = false;
    const fail = (error) => {
      if (failed) return;
      failed = true;
      for (let w = 0; w < n; w += 1) helpers[w].postMessage({ op: 'stopPreparing' });
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
 */
function firstPassFromHelpers(archives, n, onProgress) {
  const plan = firstPassRanges(archives, n);
  const current = ++task;
  // Per archive, per range, its steps in order.
  const reads = plan.ranges.map((ranges) => ranges.map(() => []));
  let pending = plan.ranges.reduce((count, ranges) => count + ranges.length, 0);
  const done = new Map();
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

/** The first pass over one range of an archive's entries, a step ({bytes, last}) at a time. */
function* rangeSteps(archives, { archive, start, end }, onProgress) {
  const reader = new EntryReader(archives, archive, start, end, onProgress);
  try {
    for (let bytes = reader.read(FIRST_PASS_STEP); bytes; bytes = reader.read(FIRST_PASS_STEP)) yield { bytes, last: reader.done };
  } finally {
    reader.free();
  }
}

/** In a helper: reads its ranges of the archives' entries, one after another, a step at a time. */
function readShare({ task: current, archives, parts }) {
  for (const part of parts) {
    const { archive, index } = part;
    const heard = (progress) => self.postMessage({ task: current, progress: { ...progress, archive, index } });
    for (const { bytes, last } of rangeSteps(archives, part, heard)) {
      self.postMessage({ task: current, read: { archive, index, bytes, last }, memory: wasmMemoryBytes() }, [bytes.buffer]);
    }
  }
}

/** The helpers' checks of their shares of a package's transcripts. */
function checksFromHelpers(pkg, n) {
  const current = ++task;
  return Promise.all(Array.from({ length: n }, (_, share) => new Promise((resolve, reject) => {
    const worker = listen(share, current, ({ checked }) => resolve(checked), reject);
    worker.postMessage({ op: 'check', task: current, pkg, share, shares: n });
  }))).then((shares) => shares.flat());
}

/** In a helper: prepares its share of the jobs, `credit` at most ahead of the acknowledgements. */
let preparing = null;

async function prepareShare({ task: current, archives, triggers, jobs, credit }) {
  const state = { acked: 0, sent: 0, stopped: false, wake: null, spares: new Spares() };
  preparing = state;
  const take = (length) => state.spares.take(length);
  const preparer = new TranscriptPreparer(archives, triggers ?? null);
  try {
    for (const job of jobs) {
      while (state.sent - state.acked >= credit && !state.stopped) await new Promise((wake) => { state.wake = wake; });
      if (state.stopped) return;
      const part = preparer.prepare(job, take);
      state.sent += 1;
      self.postMessage({ task: current, prepared: { index: job.index, part }, memory: wasmMemoryBytes() }, [part.zip.buffer]);
    }
  } finally {
    preparer.free();
    if (preparing === state) preparing = null;
  }
}

function helperMessage(data) {
  if (data.op === 'ack' || data.op === 'spares' || data.op === 'stopPreparing') {
    if (!preparing) return true;
    for (const buffer of data.spares ?? []) preparing.spares.give(buffer);
    if (data.op === 'spares') return true;
    if (data.op === 'ack') preparing.acked += 1;
    else preparing.stopped = true;
    preparing.wake?.();
    preparing.wake = null;
    return true;
  }
  if (data.op === 'check') {
    ready
      .then(async () => {
        // A package on disk: a read-only handle of this helper's own.
        if (!data.pkg.fileHandle) return checkTranscripts(data.pkg, data.share, data.shares);
        const handle = await data.pkg.fileHandle.createSyncAccessHandle({ mode: 'read-only' });
        try {
          return checkTranscripts(handle, data.share, data.shares);
        } finally {
          handle.close();
        }
      })
      .then((checked) => self.postMessage({ task: data.task, checked }))
      .catch((error) => self.postMessage({ task: data.task, error: String(error?.message ?? error) }));
    return true;
  }
  if (data.op === 'firstPass') {
    ready
      .then(() => readShare(data))
      .catch((error) => self.postMessage({ task: data.task, error: String(error?.message ?? error) }));
    return true;
  }
  if (data.op === 'prepare') {
    ready
      .then(() => prepareShare(data))
      .catch((error) => self.postMessage({ task: data.task, error: String(error?.message ?? error) }));
    return true;
  }
  return false;
}

let module = null;
ready.then((exports) => { module = exports; }, () => {});

/** The wasm linear memory's current size (it only grows). */
function wasmMemoryBytes() {
  return module?.memory?.buffer?.byteLength ?? null;
}

const operations = {
  version: () => version(),
  inspect: ({ name, bytes }) => inspect(name, bytes),
  // Tracker exports alone: the preview is posted before the package is
  // written (convertArchives without archives converts exactly as convert).
  convert: async ({ files, options, storage = null }, id) => {
    const started = performance.now();
    const conversion = convertArchives(files, [], null, options, null, null, null);
    try {
      const convertMs = performance.now() - started;
      self.postMessage({ id, progress: { phase: 'preview', preview: conversion.preview() } });
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
  // Only a finished package: one being written belongs to a conversion still running.
  release: async () => {
    if (lastPackage?.finished) await dropLastPackage();
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
    const result = await fetchArchive(args.baseUrl, args.token, args.scope, Boolean(args.acceptPartial), (progress) => self.postMessage({ id, progress }));
    args.token = null;
    return { archive: new Blob([result.archive], { type: 'application/zip' }), missing: result.missing, progress: result.progress };
  },
};

/**
 * Conversions run one at a time, in the order asked: the package file,
 * the last conversion and its figures are one each per worker, and a
 * conversion that began its package after a newer one would remove the
 * newer one's file (`nextPackage`). One a newer conversion supersedes is
 * not begun, or stops at its next turn (`turns`); the page has moved on
 * from its answer.
 */
const CONVERSIONS = new Set(['convert', 'convertArchives']);
let conversionsDone = Promise.resolve();
let newestConversion = 0;
let runningConversion = 0;

/** `work` run once the conversions asked before it are done, unless a newer one is asked first. */
function inTurn(work) {
  const mine = ++newestConversion;
  const done = conversionsDone.then(() => {
    if (mine !== newestConversion) throw supersededError();
    runningConversion = mine;
    return work();
  });
  conversionsDone = done.catch(() => {});
  return done;
}

/** Whether a newer conversion was asked for than the one running. */
const superseded = () => runningConversion !== newestConversion;

function supersededError() {
  return Object.assign(new Error('a newer conversion was asked for'), { name: 'AbortError' });
}

self.onmessage = async (event) => {
  if (helperMessage(event.data)) return;
  const { id, op, args } = event.data;
  try {
    await ready;
    const operation = operations[op];
    if (!operation) throw new Error(`unknown operation ${op}`);
    const run = () => operation(args ?? {}, id);
    self.postMessage({ id, ok: true, result: await (CONVERSIONS.has(op) ? inTurn(run) : run()) });
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
};
