// @ts-check
// The page: files in (drop zone, file button, the sample archive or a
// download from the Chorus API; earlier import packages for a cutover run
// among them), the converter runs in a Web Worker (worker.js), the
// preview (tree, calls, users), the report, the download and, once the
// package is written, how its topics compare with Chorus's own tracker
// hits on the calls (fidelity.json) out. Call archives stay File objects:
// the worker reads them in slices, never whole. Everything taken from a
// file is rendered with textContent / text nodes, never parsed as HTML.
//
// This file wires the page and converts whenever its inputs change; page/
// holds the parts: files.js (the files given), options.js (the scope),
// converter.js (the worker), progress.js, preview.js with tree.js,
// calls.js, fidelity.js, report.js, glance.js and tabs.js (what the
// conversion shows), editor.js with edits.js (the edits made in the
// tree, converted with), download.js (the package offered), fetch.js (the
// download from Chorus), dom.js.

import { converter, describeFailure } from './page/converter.js';
import { $, el, plural } from './page/dom.js';
import { setPackage } from './page/download.js';
import { editStatus, edits, learnNames, setUpEditor } from './page/editor.js';
import { setUpFetch } from './page/fetch.js';
import { addFiles, clearFiles, fileEntries, markArchivesRead, onFilesChanged } from './page/files.js';
import { convertOptions, partSize } from './page/options.js';
import { renderAll, setConversion } from './page/preview.js';
import { showProgress, startProgress, stopProgress } from './page/progress.js';
import { shown } from './page/state.js';
import { setUpTabs } from './page/tabs.js';
import { renderTree } from './page/tree.js';

/** Most Web Workers a conversion uses (`?workers=N` up to this). */
const MAX_WORKERS = 8;
/**
 * Workers by default: one per core up to this. Each helper past the
 * second adds about 50 MB to the browser's memory: at 45,000 calls the
 * peak is 0.91 GB of summed PSS with two, 0.96 with four, 1.19 with eight
 * (docs/decisions/2026-12-06-at-most-four-workers.md), so four keep the page within 1 GB.
 */
const DEFAULT_WORKERS = 4;
/** Workers per conversion: `?workers=N` in the address, else one per core up to DEFAULT_WORKERS. */
const WORKERS = Math.max(1, Math.min(MAX_WORKERS,
  Number.parseInt(new URLSearchParams(location.search).get('workers') ?? '', 10)
    || Math.min(DEFAULT_WORKERS, navigator.hardwareConcurrency || 1)));
/** `?storage=memory` keeps the package in memory instead of on disk (what a browser without the origin private file system does). */
const STORAGE = new URLSearchParams(location.search).get('storage') === 'memory' ? 'memory' : null;
/** The sample archive the "try it" button makes. */
const SAMPLE = { calls: 200, seed: 1 };

/** Bumped on every change, so a late answer for an older state is dropped. */
let generation = 0;
/** The optional roster of existing Outdoo users: {name, bytes}. @type {{name: string, bytes: Uint8Array} | null} */
let roster = null;
/** What the shown (or running) conversion was made from; the same again is not converted twice. @type {string | null} */
let convertedFrom = null;
/** The files and options of the last conversion, without the edits. @type {string | null} */
let convertedBase = null;

/**
 * Shows `text` above the result (nothing: hides it), with a button that converts again when `retry`.
 * @param {string} text
 * @param {{retry?: boolean, retryText?: string}} [options]
 */
function showMessage(text, { retry = false, retryText = 'Try again' } = {}) {
  const box = $('#message');
  box.replaceChildren();
  if (!text) {
    box.hidden = true;
    return;
  }
  box.append(el('span', { text }));
  if (retry) box.append(' ', el('button', { type: 'button', class: 'retry', text: retryText, onclick: () => update({ force: true }) }));
  box.hidden = false;
}

/**
 * Converts what the files and options are now, unless that is what is shown.
 * @param {{force?: boolean}} [options]
 */
async function update({ force = false } = {}) {
  const entries = fileEntries();
  const ready = entries.filter((entry) => entry.state === 'ok');
  const busy = entries.some((entry) => entry.state === 'reading' || entry.state === 'inspecting');
  if (busy) return;
  // A control that loses focus fires `change` again with the value already
  // converted: nothing to do then.
  // The edits made in the tree go with the options (`options.edits`), only when there are some.
  const editsDocument = edits.document();
  const options = /** @type {import('./pkg/chorus2outdoo.js').Options} */ ({ ...convertOptions(), ...(editsDocument ? { edits: editsDocument } : {}) });
  // What is converted, without the edits, then with them.
  const base = JSON.stringify({ files: ready.map((entry) => entry.id), roster: roster && [roster.name, roster.bytes.length], options: convertOptions(), partSize: partSize() });
  const inputs = JSON.stringify({ base, edits: editsDocument });
  if (!force && ready.length > 0 && inputs === convertedFrom) return;
  convertedFrom = ready.length > 0 ? inputs : null;
  // Other files or options than the last: no agreement "before the edit" to show.
  if (base !== convertedBase) {
    shown.agreement = new Map();
    shown.agreementBeforeEdit = new Map();
    convertedBase = base;
  }
  const current = ++generation;
  if (ready.length === 0) {
    setConversion(null);
    const failed = entries.filter((entry) => entry.state === 'error');
    showMessage(failed.length ? 'None of the files could be read; see the status of each file above.' : '');
    return;
  }
  const started = performance.now();
  const files = ready.filter((entry) => entry.bytes).map((entry) => ({ name: entry.name, bytes: entry.bytes }));
  const archiveEntries = ready.filter((entry) => entry.archive);
  // An archive hashed by an earlier conversion is not hashed again (the same File: a snapshot the browser refuses to read once the file changed).
  const archives = archiveEntries.map((entry) => ({ name: entry.name, blob: entry.archive, sha256: entry.sha256 }));
  // Earlier import packages: a cutover run leaves out the calls they hold.
  const earlier = ready.filter((entry) => entry.earlier).map((entry) => ({ name: entry.name, blob: entry.earlier }));
  /** @type {number} */
  let shownAt = null;
  let preview = null;
  /** @param {any} progress */
  const onProgress = (progress) => {
    if (current !== generation) return;
    if (progress.phase !== 'preview') {
      showProgress(progress);
      return;
    }
    // The preview is shown while the package is still being written and checked.
    preview = progress.preview;
    markArchivesRead(archiveEntries, preview);
    learnNames(preview);
    setConversion({ preview, package: null });
    showMessage('');
    editStatus(editsDocument ? `Shown with ${plural(editsDocument.edits.length, 'edit')} applied.` : '');
    renderAll();
    shownAt = performance.now();
  };
  try {
    let result;
    if (archives.length > 0 || roster || earlier.length > 0) {
      startProgress();
      result = await converter.call('convertArchives', {
        files, archives, roster, options, earlier, workers: WORKERS, partSize: partSize(), storage: STORAGE,
      }, { onProgress });
    } else {
      result = await converter.call('convert', { files, options, storage: STORAGE }, { onProgress });
    }
    result.preview = preview;
    (result.archive_digests ?? []).forEach((/** @type {string} */ sha256, /** @type {number} */ index) => { archiveEntries[index].sha256 = sha256; });
    if (current !== generation) return;
    stopProgress();
    setPackage(result);
    const elapsed = performance.now() - started;
    $('#timing').textContent = `Previewed ${plural(ready.length, 'file')} in ${Math.round(shownAt - started)} ms; the package was written and checked in ${Math.round(elapsed)} ms.`;
    document.body.dataset.previewMs = String(Math.round(shownAt - started));
    document.body.dataset.convertMs = String(Math.round(elapsed));
    if (result.wasm_memory_bytes != null) document.body.dataset.wasmMemory = String(result.wasm_memory_bytes);
    if (result.workers != null) {
      document.body.dataset.workers = String(result.workers);
      document.body.dataset.readMs = String(Math.round(result.read_ms));
      document.body.dataset.writeMs = String(Math.round(result.write_ms));
      document.body.dataset.checkMs = String(Math.round(result.verification.ms));
      document.body.dataset.helperMemory = String(Math.max(0, ...(result.helper_memory_bytes ?? [])));
      $('#timing').textContent += ` ${plural(result.workers, 'worker')} wrote the transcripts.`;
    }
    document.body.dataset.conversions = String(Number(document.body.dataset.conversions ?? 0) + 1);
  } catch (error) {
    if (current !== generation) return;
    convertedFrom = null;
    stopProgress();
    setConversion(null);
    editStatus('');
    if (error.cancelled) {
      document.body.dataset.state = 'cancelled';
      showMessage('Conversion cancelled. Your files are still here.', { retry: true, retryText: 'Convert again' });
      return;
    }
    showMessage(describeFailure(error), { retry: error.fatal });
  }
}


function setUp() {
  const input = $('#file-input', HTMLInputElement);
  input.addEventListener('change', () => {
    addFiles(input.files);
    input.value = '';
  });
  const zone = $('#drop-zone');
  zone.addEventListener('dragover', (event) => {
    event.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('over');
    addFiles(event.dataTransfer.files);
  });
  // A file dropped next to the zone must not make the browser navigate away.
  window.addEventListener('dragover', (event) => event.preventDefault());
  window.addEventListener('drop', (event) => event.preventDefault());

  onFilesChanged(() => update());
  $('#default-language').addEventListener('change', () => update());
  for (const id of ['#scope-from', '#scope-to', '#scope-min-duration', '#scope-calls', '#recover-trackers', '#part-size']) $(id).addEventListener('change', () => update());
  const rosterInput = $('#roster-input', HTMLInputElement);
  rosterInput.addEventListener('change', async () => {
    const file = rosterInput.files[0];
    rosterInput.value = '';
    if (!file) return;
    roster = { name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) };
    $('#roster-name').textContent = `${file.name}: users listed there are matched, the others created`;
    $('#roster-clear').hidden = false;
    update();
  });
  $('#roster-clear').addEventListener('click', () => {
    roster = null;
    $('#roster-name').textContent = 'none: every user is created';
    $('#roster-clear').hidden = true;
    update();
  });
  $('#sample').addEventListener('click', addSample);
  $('#cancel').addEventListener('click', () => converter.cancel());
  $('#clear').addEventListener('click', clearFiles);
  let pending = 0;
  const refilter = () => {
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(() => shown.conversion && renderTree());
  };
  $('#filter').addEventListener('input', refilter);
  $('#only-review').addEventListener('change', refilter);
  /** @param {boolean} open */
  const setAll = (open) => {
    for (const node of document.querySelectorAll('#tree details')) /** @type {HTMLDetailsElement} */ (node).open = open;
  };
  $('#expand').addEventListener('click', () => setAll(true));
  $('#collapse').addEventListener('click', () => setAll(false));

  setUpTabs();
  setUpEditor(() => update());
  setUpFetch();
  converter.call('version').then(
    (version) => {
      $('#version').textContent = version;
      document.body.dataset.ready = 'true';
    },
    // A browser that cannot run the converter: the worker's message says what to do.
    (error) => showMessage(`The converter could not be loaded: ${error.message}.${
      error.name === 'UnsupportedBrowserError' ? '' : ' Build it with "make wasm" and reload the page.'}`),
  );
}

/** The sample archive and its tracker export, added like dropped files. */
async function addSample() {
  const button = $('#sample', HTMLButtonElement);
  button.disabled = true;
  try {
    const { archive, trackers } = await converter.call('sample', SAMPLE);
    await addFiles([
      new File([archive], `chorus-sample-${SAMPLE.calls}-calls.zip`, { type: 'application/zip' }),
      new File([trackers.bytes], trackers.name, { type: 'text/csv' }),
    ]);
  } catch (error) {
    showMessage(describeFailure(error), { retry: false });
  } finally {
    button.disabled = false;
  }
}

setUp();
