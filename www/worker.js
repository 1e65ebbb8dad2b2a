// The converter's thread: loads the WebAssembly module and answers the page's
// requests, one at a time, so the page itself never blocks.
//
// Request:  {id, op, args}
//   version | inspect {name, bytes} | convert {files, options}       tracker exports in memory
//   inspectFile {name, file, listOnly}                                any File; a call archive is read from the File as needed
//                                                                     (listOnly: only its entries listed; the conversion reads them)
//   convertArchives {files, archives: [{name, blob}], roster, options} the package arrives in chunks, assembled here into a Blob
//   transcript {sourceId, limit}                                      the first utterances of a call of the last convertArchives
//   sample {calls, seed}                                              the sample archive as a Blob
//   fetch {baseUrl, token, scope}                                     the Chorus API into an archive Blob
// Answer:   {id, ok: true, result} or {id, ok: false, error: {name, message, blocked, command}, fatal};
//           {id, progress} while a conversion or a fetch runs: a conversion's
//           progress is {phase: 'read' | 'write', entries_done, entries_total,
//           bytes_done, bytes_total}, then {phase: 'preview', preview} once the
//           preview is ready (before the package), then {phase: 'verify'}.
// Every package is checked (verifyPackage, as `chorus2outdoo verify` does)
// before it is handed over: the result carries `verification`.
// `fatal` means the module trapped (a Rust panic ends in `unreachable`): its
// memory can no longer be trusted, and the page replaces this worker. To
// cancel, the page terminates this worker: nothing here needs to stop itself.

import init, {
  convert, convertArchives, fetchArchive, inspect, inspectFile, sampleArchive, verifyPackage, version,
} from './pkg/chorus2outdoo.js';

const ready = init();
// A failed load is answered per request below; it is not an unhandled rejection.
ready.catch(() => {});

/** The last conversion with call archives, kept for `transcript` until the next one. */
let lastConversion = null;

/** Checks a package Blob; the page shows the result next to the download. */
function verified(pkg, id) {
  self.postMessage({ id, progress: { phase: 'verify' } });
  const started = performance.now();
  const verification = verifyPackage(pkg);
  return { ...verification, ms: performance.now() - started };
}

/** Converts with call archives: progress, the preview, then the package chunk by chunk. */
function convertWithArchives({ files, archives, roster, options }, id) {
  lastConversion?.free();
  lastConversion = null;
  const started = performance.now();
  const conversion = convertArchives(files, archives, roster, options, (progress) => self.postMessage({ id, progress }));
  lastConversion = conversion;
  const readMs = performance.now() - started;
  const preview = conversion.preview();
  self.postMessage({ id, progress: { phase: 'preview', preview } });
  const chunks = [];
  const writeStarted = performance.now();
  conversion.writePackage((chunk) => chunks.push(chunk));
  const writeMs = performance.now() - writeStarted;
  const pkg = new Blob(chunks, { type: 'application/zip' });
  return {
    package: pkg,
    package_name: conversion.packageName(),
    verification: verified(pkg, id),
    chunks: chunks.length,
    read_ms: readMs,
    write_ms: writeMs,
    wasm_memory_bytes: wasmMemoryBytes(),
  };
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
  convert: ({ files, options }, id) => {
    const started = performance.now();
    const result = convert(files, options);
    const convertMs = performance.now() - started;
    self.postMessage({ id, progress: { phase: 'preview', preview: result.preview } });
    return { package: result.package, package_name: result.package_name, verification: verified(result.package, id), convert_ms: convertMs };
  },
  inspectFile: ({ name, file, listOnly }) => inspectFile(name, file, Boolean(listOnly)),
  convertArchives: (args, id) => convertWithArchives(args, id),
  transcript: ({ sourceId, limit }) => {
    if (!lastConversion) throw new Error('convert the call archives first');
    return lastConversion.transcript(sourceId, limit);
  },
  sample: ({ calls, seed }) => sampleArchive(calls, seed),
  fetch: async (args, id) => {
    // The token lives only in this call: it goes to the module, never into a log.
    const result = await fetchArchive(args.baseUrl, args.token, args.scope, (progress) => self.postMessage({ id, progress }));
    args.token = null;
    return { archive: new Blob([result.archive], { type: 'application/zip' }), missing: result.missing, progress: result.progress };
  },
};

self.onmessage = async (event) => {
  const { id, op, args } = event.data;
  try {
    await ready;
    const operation = operations[op];
    if (!operation) throw new Error(`unknown operation ${op}`);
    self.postMessage({ id, ok: true, result: await operation(args ?? {}, id) });
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
