// @ts-check
// The converter's WebAssembly module: loaded once per worker (the
// converter's and each helper's), after a check that the browser can run
// it. In: nothing. Out: `load()`'s promise of the module, and how much
// memory it holds (`wasmMemoryBytes`, for the figures the page records).

import init from '../pkg/chorus2outdoo.js';

/** The smallest module with a WebAssembly SIMD instruction (i8x16.splat):
 * the converter is built with SIMD, which a browser older than Chrome 91,
 * Firefox 89 or Safari 16.4 cannot compile. */
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 0x60, 0, 1, 0x7b, 3, 2, 1, 0, 10, 8, 1, 6, 0, 0x41, 0, 0xfd, 0x0f, 0x0b]);

/** @type {import('../pkg/chorus2outdoo.js').InitOutput | null} */
let module = null;

/**
 * Loads the module, or fails with an `UnsupportedBrowserError` saying what
 * the browser lacks. A failed load is answered per request: the promise
 * it answers carries no unhandled rejection.
 * @returns {Promise<import('../pkg/chorus2outdoo.js').InitOutput>}
 */
export function load() {
  const ready = WebAssembly.validate(SIMD_PROBE)
    ? init()
    : Promise.reject(Object.assign(new Error('this browser cannot run the converter: it lacks WebAssembly SIMD (Chrome 91, Firefox 89, '
      + 'Safari 16.4 or later have it); use a current browser, or the chorus2outdoo command'), { name: 'UnsupportedBrowserError' }));
  ready.then((exports) => { module = exports; }, () => {});
  return ready;
}

/** The wasm linear memory's current size (it only grows). */
export function wasmMemoryBytes() {
  return module?.memory?.buffer?.byteLength ?? null;
}
