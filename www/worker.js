// The converter's thread: loads the WebAssembly module and answers the page's
// requests, one at a time, so the page itself never blocks.
//
// Request:  {id, op, args}
//   version | inspect {name, bytes} | convert {files, options}       tracker exports in memory
//   inspectFile {name, file}                                          any File; a call archive is read from the File as needed
//   convertArchives {files, archives: [{name, blob}], roster, options} the package arrives in chunks, assembled here into a Blob
//   sample {calls, seed}                                              the sample archive as a Blob
//   fetch {baseUrl, token, scope}                                     the Chorus API into an archive Blob
// Answer:   {id, ok: true, result} or {id, ok: false, error: {name, message, blocked, command}, fatal};
//           {id, progress} while a fetch runs.
// `fatal` means the module trapped (a Rust panic ends in `unreachable`): its
// memory can no longer be trusted, and the page replaces this worker.

import init, { convert, convertArchives, fetchArchive, inspect, inspectFile, sampleArchive, version } from './pkg/chorus2outdoo.js';

const ready = init();
// A failed load is answered per request below; it is not an unhandled rejection.
ready.catch(() => {});

/** Converts with call archives: preview first, then the package chunk by chunk. */
function convertWithArchives({ files, archives, roster, options }) {
  const conversion = convertArchives(files, archives, roster, options);
  try {
    const preview = conversion.preview();
    const chunks = [];
    const started = performance.now();
    conversion.writePackage((chunk) => chunks.push(chunk));
    const writeMs = performance.now() - started;
    const pkg = new Blob(chunks, { type: 'application/zip' });
    return { preview, package: pkg, package_name: conversion.packageName(), chunks: chunks.length, write_ms: writeMs, wasm_memory_bytes: wasmMemoryBytes() };
  } finally {
    conversion.free();
  }
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
  convert: ({ files, options }) => convert(files, options),
  inspectFile: ({ name, file }) => inspectFile(name, file),
  convertArchives: (args) => convertWithArchives(args),
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
