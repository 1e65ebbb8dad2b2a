// @ts-check
// Where the converter keeps what does not fit in memory: the package, and
// the transcripts waiting for their turn, each in a file of its own in the
// origin private file system, written through sync access handles; and
// the buffers of prepared transcripts, used again. In: the converter's
// chunks and the helpers' prepared transcripts. Out: the package as a
// disk-backed File (or a Blob in memory), its parts' ranges, the
// transcripts back in their turn.
//
// Where a package is written: a file of its own in the origin private file
// system (OPFS), written through a sync access handle chunk by chunk as the
// converter hands them over, so the package never sits in memory; it is
// handed to the page as the disk-backed File (parts as slices of it). Each
// file is held by a Web Lock while its worker lives: the next conversion or
// `release` removes it, and a file whose lock is free (its worker was
// cancelled or its tab closed) is removed the next time a package is begun.
// Without OPFS, or with `storage: 'memory'`, the chunks are kept in memory
// and assembled into a Blob, and the result says why (`storage_note`).

/** @typedef {import('../pkg/chorus2outdoo.js').PreparedTranscript} PreparedTranscript */

/**
 * A file of the package folder, held by its Web Lock (`release`), with a
 * sync access handle open on it while it is written (`access`).
 * @typedef {object} DiskFile
 * @property {FileSystemDirectoryHandle} folder
 * @property {string} name
 * @property {FileSystemFileHandle} handle
 * @property {FileSystemSyncAccessHandle | null} access
 * @property {() => void} release
 */

/**
 * What a package's check reads (`PackageFile.checkSource`): `here`, in
 * the converter's worker, and `helpers`, in theirs.
 * @typedef {object} CheckSource
 * @property {Blob | FileSystemSyncAccessHandle} here
 * @property {Blob | {fileHandle: FileSystemFileHandle} | null} helpers
 * @property {() => void} close
 */

export const PACKAGE_FOLDER = 'chorus2outdoo-packages';
const LOCK_PREFIX = 'chorus2outdoo-package:';
/** The package file of the last conversion, until the next one or `release`. */
/** @type {PackageFile | null} */
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

/**
 * Removes package files no worker holds (left by a cancelled conversion or a closed tab).
 * @param {FileSystemDirectoryHandle} folder
 */
async function sweep(folder) {
  const names = [];
  for await (const [name, handle] of folder.entries()) if (handle.kind === 'file') names.push(name);
  for (const name of names) {
    await navigator.locks.request(LOCK_PREFIX + name, { ifAvailable: true }, async (lock) => {
      if (lock) await folder.removeEntry(name).catch(() => {});
    });
  }
}

/**
 * Holds the lock `name` until the returned function is called.
 * @param {string} name
 * @returns {Promise<(value?: unknown) => void>}
 */
async function hold(name) {
  /** @type {(value?: unknown) => void} */
  let release;
  await new Promise((granted) => {
    navigator.locks.request(name, () => {
      granted();
      return new Promise((resolve) => { release = resolve; });
    });
  });
  return release;
}

/** MB, for messages. @param {number} bytes */
const megabytes = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;

/**
 * A new file of `kind` ('package', 'waiting') in the package folder, held
 * by its Web Lock, with a sync access handle open on it; throws where the
 * browser gives none.
 * @param {'package' | 'waiting'} kind
 * @returns {Promise<DiskFile>}
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

/** Closes a disk file's handle and removes it. @param {DiskFile} disk */
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

/**
 * Writes `bytes` at `at` through a sync access handle, all of them or an error.
 * @param {FileSystemSyncAccessHandle} access
 * @param {Uint8Array} bytes
 * @param {number} at
 */
function writeAt(access, bytes, at) {
  const written = access.write(bytes, { at });
  if (written !== bytes.byteLength) throw new Error(`${written} of ${bytes.byteLength} bytes written`);
}

/**
 * A failed write to disk as the customer reads it.
 * @param {any} error what the browser threw
 * @param {string} what
 * @param {number} written bytes written before
 */
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
export class PackageFile {
  /** @param {string | null} storage 'memory' keeps it in memory (for tests) */
  static async create(storage) {
    if (storage === 'memory') return new PackageFile(null, 'the page was asked to keep the package in memory');
    try {
      return new PackageFile(await diskFile('package'), null);
    } catch (error) {
      return new PackageFile(null, `the package is kept in memory: the browser did not give the page a file on disk (${error?.message ?? error})`);
    }
  }

  /**
   * @param {DiskFile | null} disk
   * @param {string | null} note why the package is kept in memory
   */
  constructor(disk, note) {
    this.disk = disk;
    this.note = note;
    /** @type {Uint8Array<ArrayBuffer>[] | null} */
    this.chunks = disk ? null : [];
    /** @type {Blob | null} */
    this.blob = null;
    this.size = 0;
    this.chunkCount = 0;
    /** @type {number[]} */
    this.starts = [];
    /** A write that failed, with a message for the customer. @type {Error | null} */
    this.failure = null;
    /** Whether the package is complete (a package being written belongs to a conversion still running). */
    this.finished = false;
  }

  /**
   * @param {Uint8Array} chunk
   * @param {number} part
   */
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
   * @param {boolean} shared
   * @returns {Promise<CheckSource>}
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

  /**
   * Each part's [start, end) in the package.
   * @returns {[number, number][]}
   */
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
 * A prepared transcript waiting for its turn: in memory (`part`), or on
 * disk at `at`, `length` bytes (`part` without its zip).
 * @typedef {object} Kept
 * @property {PreparedTranscript} part
 * @property {number} [at]
 * @property {number} [length]
 */

/**
 * Prepared transcripts waiting for their turn in the package, in memory or
 * in a file on disk (read back when their turn comes), as the second
 * pass's session says (it keeps a few MB in memory, the rest goes to
 * disk), so an archive whose documents lie in another order than the
 * calls does not keep the package's transcripts in memory.
 */
export class Waiting {
  /** @param {string | null} storage 'memory': none on disk */
  static async create(storage) {
    if (storage === 'memory') return new Waiting(null);
    try {
      return new Waiting(await diskFile('waiting'));
    } catch {
      return new Waiting(null);
    }
  }

  /** @param {DiskFile | null} disk */
  constructor(disk) {
    this.disk = disk;
    /** @type {Map<number, Kept>} */
    this.kept = new Map();
    this.size = 0;
    /** What a transcript is read back from disk into (append copies it at once). */
    this.readBack = new ArrayBuffer(0);
  }

  /** Whether entries can wait on disk. */
  get canStore() {
    return this.disk !== null;
  }

  /**
   * Keeps entry `index` until its turn: in memory, or written to disk
   * when `store` (its buffer is free again then).
   * @param {number} index
   * @param {PreparedTranscript} part
   * @param {boolean} store
   */
  put(index, part, store) {
    if (!store) {
      this.kept.set(index, { part });
      return;
    }
    const at = this.size;
    const length = part.zip.byteLength;
    try {
      writeAt(this.disk.access, part.zip, at);
    } catch (error) {
      throw diskFailure(error, 'the transcripts waiting for their turn', this.size);
    }
    this.size += length;
    this.kept.set(index, { part: { ...part, zip: null }, at, length });
  }

  /**
   * Entry `index`, as `put` kept it: in memory, or read back from disk
   * into a buffer used again by the next `take` (`fromDisk`).
   * @param {number} index
   * @returns {{part: PreparedTranscript, fromDisk: boolean}}
   */
  take(index) {
    const { part, at, length } = this.kept.get(index);
    this.kept.delete(index);
    if (at === undefined) return { part, fromDisk: false };
    if (this.readBack.byteLength < length) this.readBack = new ArrayBuffer(Math.max(length, 2 * this.readBack.byteLength));
    const zip = new Uint8Array(this.readBack, 0, length);
    const read = this.disk.access.read(zip, { at });
    if (read !== length) throw new Error(`a waiting transcript could not be read back (${read} of ${length} bytes)`);
    return { part: { ...part, zip }, fromDisk: true };
  }

  async remove() {
    this.kept.clear();
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
export class Spares {
  constructor() {
    /** @type {Map<number, ArrayBuffer[]>} */
    this.free = new Map();
  }

  /** @param {number} length */
  take(length) {
    const size = Math.max(4096, 2 ** Math.ceil(Math.log2(Math.max(length, 1))));
    const buffer = this.free.get(size)?.pop() ?? new ArrayBuffer(size);
    return new Uint8Array(buffer, 0, length);
  }

  /** @param {ArrayBufferLike} buffer */
  give(buffer) {
    if (!(buffer instanceof ArrayBuffer) || buffer.byteLength === 0) return;
    let list = this.free.get(buffer.byteLength);
    if (!list) this.free.set(buffer.byteLength, list = []);
    if (list.length < SPARES_PER_SIZE) list.push(buffer);
  }
}

/** Removes the last package's file, if any. */
async function dropLastPackage() {
  const last = lastPackage;
  lastPackage = null;
  await last?.remove();
}

/**
 * Begins the next package: the last one's file is removed first.
 * @param {string | null} storage
 */
export async function nextPackage(storage) {
  await dropLastPackage();
  lastPackage = await PackageFile.create(storage);
  return lastPackage;
}

/** Removes the last package's file once it is finished (one being written belongs to a conversion still running). */
export async function releaseLastPackage() {
  if (lastPackage?.finished) await dropLastPackage();
}
