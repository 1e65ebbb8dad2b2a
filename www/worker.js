// The converter's thread: loads the WebAssembly module and answers the page's
// requests, one at a time, so the page itself never blocks.
//
// Request:  {id, op: "version" | "inspect" | "convert", args}
// Answer:   {id, ok: true, result} or {id, ok: false, error: {name, message}, fatal}
// `fatal` means the module trapped (a Rust panic ends in `unreachable`): its
// memory can no longer be trusted, and the page replaces this worker.

import init, { convert, inspect, version } from './pkg/chorus2outdoo.js';

const ready = init();
// A failed load is answered per request below; it is not an unhandled rejection.
ready.catch(() => {});

const operations = {
  version: () => version(),
  inspect: ({ name, bytes }) => inspect(name, bytes),
  convert: ({ files, options }) => convert(files, options),
};

self.onmessage = async (event) => {
  const { id, op, args } = event.data;
  try {
    await ready;
    const operation = operations[op];
    if (!operation) throw new Error(`unknown operation ${op}`);
    self.postMessage({ id, ok: true, result: operation(args ?? {}) });
  } catch (error) {
    self.postMessage({
      id,
      ok: false,
      error: { name: error?.name ?? 'Error', message: String(error?.message ?? error) },
      fatal: error instanceof WebAssembly.RuntimeError,
    });
  }
};
