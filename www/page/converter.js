// @ts-check
// The page's side of the converter worker (worker/protocol.js lists the
// requests and answers): a request in, a promise of its answer out, its
// progress to a callback meanwhile. A worker that dies (a panic in the
// module, a failed load) is terminated and a fresh one is started on the
// next request.

/**
 * A failed request: `fatal` when the worker died (it is replaced),
 * `blocked` and `command` for a download the browser refused, `cancelled`
 * when the customer cancelled.
 * @typedef {Error & {fatal?: boolean, blocked?: boolean, command?: string | null, cancelled?: boolean}} Failure
 */

/**
 * A request waiting for its answer.
 * @typedef {object} Pending
 * @property {(result: any) => void} resolve
 * @property {(failure: Failure) => void} reject
 * @property {((progress: any) => void) | null} onProgress
 */

class Converter {
  constructor() {
    /** @type {Worker | null} */
    this.worker = null;
    /** @type {Map<number, Pending>} */
    this.pending = new Map();
    this.nextId = 1;
  }

  start() {
    const worker = new Worker(new URL('../worker.js', import.meta.url), { type: 'module' });
    worker.onmessage = (event) => {
      const { id, ok, result, error, fatal, progress } = event.data;
      const request = this.pending.get(id);
      if (!request) return;
      if (progress !== undefined) {
        request.onProgress?.(progress);
        return;
      }
      this.pending.delete(id);
      if (ok) {
        request.resolve(result);
        return;
      }
      /** @type {Failure} */
      const failure = Object.assign(new Error(error.message), {
        name: error.name, fatal: Boolean(fatal), blocked: Boolean(error.blocked), command: error.command ?? null,
      });
      if (fatal) this.replace(failure);
      request.reject(failure);
    };
    worker.onerror = (event) => {
      event.preventDefault();
      this.replace(Object.assign(new Error(event.message || 'the converter could not be loaded or stopped unexpectedly'), { fatal: true }));
    };
    worker.onmessageerror = () => this.replace(Object.assign(new Error('the converter sent an unreadable answer'), { fatal: true }));
    this.worker = worker;
  }

  /**
   * Ends the current worker and fails everything it still owed.
   * @param {Failure} failure
   */
  replace(failure) {
    if (this.worker) this.worker.terminate();
    this.worker = null;
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const request of pending) request.reject(failure);
  }

  /** Stops whatever the worker is doing at once (it is terminated); the next call starts a fresh one. */
  cancel() {
    this.replace(Object.assign(new Error('cancelled'), { name: 'AbortError', cancelled: true }));
  }

  get busy() {
    return this.pending.size > 0;
  }

  /**
   * Asks the worker for `op` with `args`; `onProgress` hears its progress.
   * @param {string} op
   * @param {object} [args]
   * @param {{onProgress?: ((progress: any) => void) | null}} [options]
   * @returns {Promise<any>}
   */
  call(op, args, { onProgress = null } = {}) {
    if (!this.worker) this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress });
      this.worker.postMessage({ id, op, args });
    });
  }
}

/** The page's one converter. */
export const converter = new Converter();

/**
 * A failure as the page says it.
 * @param {Failure} error
 */
export function describeFailure(error) {
  if (error.fatal) {
    return `The converter stopped unexpectedly (${error.name ?? 'Error'}: ${error.message}). It has been restarted; your files are still here.`;
  }
  return error.message;
}
