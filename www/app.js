// The page: files in (drop zone, file button, the sample archive or a
// download from the Chorus API; earlier import packages for a cutover run
// among them), the converter runs in a Web Worker
// (worker.js), the preview (tree, calls, users), the report, the download
// and, once the package is written, how its topics compare with Chorus's own
// tracker hits on the calls (fidelity.json) out. Call archives stay File
// objects: the worker reads them in slices, never whole. Everything taken from a file is rendered with textContent / text
// nodes, never parsed as HTML. The API token lives only in the fetch request
// to the worker: never in storage, a URL or a log, and the input is cleared.

/** How many topics the tree shows at once; the filter narrows the rest. */
const TOPIC_LIMIT = 200;
/** How many topics the fidelity table draws at once. */
const FIDELITY_LIMIT = 200;
/** How many calls, users and left-out calls the preview lists. */
const CALL_LIMIT = 50;
/** Most Web Workers a conversion uses (`?workers=N` up to this). */
const MAX_WORKERS = 8;
/**
 * Workers by default: one per core up to this. Each helper past the
 * second adds about 50 MB to the browser's memory: at 45,000 calls the
 * peak is 0.91 GB of summed PSS with two, 0.96 with four, 1.19 with eight
 * (docs/performance.md), so four keep the page within 1 GB.
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
/** The Chorus origin the page may connect to (from /config.json of `chorus2outdoo serve`). */
let chorusOrigin = 'https://chorus.ai';

const $ = (selector) => document.querySelector(selector);

/** Creates an element; strings among the children become text nodes. */
function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child !== undefined && child !== null && child !== false) node.append(child);
  }
  return node;
}

const plural = (n, one, many = `${one}s`) => `${n.toLocaleString('en')} ${n === 1 ? one : many}`;

/** A location as the CLI prints it: `file entry E row R at /pointer column C`. */
function formatLocation(location) {
  if (!location) return '';
  let text = location.file ?? '';
  if (location.entry != null) text += ` entry ${location.entry}`;
  if (location.row != null) text += ` row ${location.row}`;
  if (location.pointer != null) text += ` at ${location.pointer === '' ? '/' : location.pointer}`;
  if (location.column != null) text += ` column ${location.column}`;
  return text;
}

// ---------------------------------------------------------------------------
// The converter worker. A worker that dies (a panic in the module, a failed
// load) is terminated and a fresh one is started on the next request.

class Converter {
  constructor() {
    this.worker = null;
    this.pending = new Map();
    this.nextId = 1;
  }

  start() {
    const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
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
      const failure = new Error(error.message);
      failure.name = error.name;
      failure.fatal = Boolean(fatal);
      failure.blocked = Boolean(error.blocked);
      failure.command = error.command ?? null;
      if (fatal) this.replace(failure);
      request.reject(failure);
    };
    worker.onerror = (event) => {
      event.preventDefault();
      const failure = new Error(event.message || 'the converter could not be loaded or stopped unexpectedly');
      failure.fatal = true;
      this.replace(failure);
    };
    worker.onmessageerror = () => this.replace(Object.assign(new Error('the converter sent an unreadable answer'), { fatal: true }));
    this.worker = worker;
  }

  /** Ends the current worker and fails everything it still owed. */
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

  call(op, args, { onProgress = null } = {}) {
    if (!this.worker) this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress });
      this.worker.postMessage({ id, op, args });
    });
  }
}

const converter = new Converter();

// ---------------------------------------------------------------------------
// State

/** Tracker exports hold `bytes`; call archives hold `archive` and earlier import packages `earlier` (the File
 * itself, read by the worker in slices).
 * A call archive keeps its `sha256` once a conversion hashed it.
 * @type {{id: number, name: string, size: number, bytes: Uint8Array|null, archive: File|null, sha256?: string, earlier: File|null, summary: object|null, state: string, error: string|null}[]} */
let entries = [];
let nextEntryId = 1;
/** The latest conversion: {preview, package, package_name}. */
let conversion = null;
/** Search text per topic, built once per conversion. */
let topicText = new Map();
/** Object URLs of the offered package (or its parts and index), revoked when it is replaced. */
let downloadUrls = [];
/** Bumped on every change, so a late answer for an older state is dropped. */
let generation = 0;
/** The optional roster of existing Outdoo users: {name, bytes}. */
let roster = null;
/** Per topic object of the preview, its figures in the package's fidelity.json (only where names match). */
let fidelityOf = new Map();
/** The tree's topic nodes and their topic objects, to add the agreement once the package is written. */
let topicOfNode = new WeakMap();

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

function describeFailure(error) {
  if (error.fatal) {
    return `The converter stopped unexpectedly (${error.name ?? 'Error'}: ${error.message}). It has been restarted; your files are still here.`;
  }
  return error.message;
}

// ---------------------------------------------------------------------------
// Files

async function addFiles(fileList) {
  const files = [...fileList];
  if (files.length === 0) return;
  const added = files.map((file) => ({
    id: nextEntryId++, name: file.name, size: file.size, bytes: null, archive: null, earlier: null, summary: null, state: 'reading', error: null, file,
  }));
  entries.push(...added);
  renderFiles();
  await Promise.all(added.map(async (entry) => {
    try {
      // Every file is inspected from the File itself, in the worker. A call
      // archive is only listed here (the conversion reads it, once) and is
      // never read whole; a tracker export is read whole within its size
      // limit, and only then copied for the conversion. An earlier import
      // package (a cutover run) is read for its calls and users list only.
      entry.state = 'inspecting';
      renderFiles();
      entry.summary = await converter.call('inspectFile', { name: entry.name, file: entry.file, listOnly: true });
      if (entry.summary.kind === 'call_archive') entry.archive = entry.file;
      else if (entry.summary.kind === 'outdoo_package') entry.earlier = entry.summary.error ? null : entry.file;
      else if (!entry.summary.error) entry.bytes = new Uint8Array(await entry.file.arrayBuffer());
      entry.state = entry.summary.error ? 'error' : 'ok';
      entry.error = entry.summary.error;
    } catch (error) {
      entry.state = 'error';
      entry.error = describeFailure(error);
    }
    delete entry.file;
    renderFiles();
  }));
  update();
}

/** What a call archive holds, in words. */
function archiveText(archive) {
  const parts = [
    plural(archive.engagements, 'engagement'),
    plural(archive.conversations, 'conversation'),
    plural(archive.users, 'user'),
    plural(archive.media, 'recording'),
  ];
  if (archive.unrecognised) parts.push(`${archive.unrecognised} not recognised`);
  if (archive.unreadable) parts.push(`${archive.unreadable} unreadable`);
  return parts.join(', ');
}

/** What an earlier import package means for this run, in words. */
function packageText(pkg) {
  return `${plural(pkg.calls, 'call')}, ${plural(pkg.users, 'user')}: the calls it holds are left out (already migrated), its users are kept as existing`;
}

function removeEntry(id) {
  entries = entries.filter((entry) => entry.id !== id);
  renderFiles();
  update();
}

function renderFiles() {
  const table = $('#files');
  const body = table.querySelector('tbody');
  body.replaceChildren(...entries.map((entry) => {
    const summary = entry.summary;
    let status;
    if (entry.state === 'error') status = el('span', { class: 'status error', text: entry.error });
    else if (entry.state === 'ok' && summary.package) status = el('span', { class: 'status ok', text: `read: ${packageText(summary.package)}` });
    else if (entry.state === 'ok' && entry.archive && !entry.read) {
      status = el('span', { class: 'status busy', text: `listed: ${plural(summary.archive.entries, 'entry', 'entries')}; read while converting` });
    } else if (entry.state === 'ok') {
      const problems = entry.archive ? summary.archive.unrecognised + summary.archive.unreadable : summary.problems;
      const what = summary.archive ? `: ${archiveText(summary.archive)}` : '';
      status = el('span', { class: problems ? 'status warning' : 'status ok', text: problems ? `read${what}${what ? ';' : ','} ${plural(problems, 'problem')} (see the report)` : `read${what}` });
    } else status = el('span', { class: 'status busy', text: `${entry.state}…` });
    return el('tr', { 'data-file': entry.name, class: `file ${entry.state}` },
      el('td', { class: 'name', text: entry.name }),
      el('td', { class: 'kind', text: summary ? summary.kind_label : '' }),
      el('td', { class: 'num trackers', text: summary && !summary.error && !summary.archive && !summary.package ? String(summary.trackers) : '' }),
      el('td', { class: 'num phrases', text: summary && !summary.error && !summary.archive && !summary.package ? String(summary.phrases) : '' }),
      el('td', {}, status),
      el('td', {}, el('button', { type: 'button', class: 'remove', title: `Remove ${entry.name}`, 'aria-label': `Remove ${entry.name}`, text: '×', onclick: () => removeEntry(entry.id) })),
    );
  }));
  table.hidden = entries.length === 0;
  $('#clear').disabled = entries.length === 0;
}

// ---------------------------------------------------------------------------
// Conversion

/** What the shown (or running) conversion was made from; the same again is not converted twice. */
let convertedFrom = null;

async function update({ force = false } = {}) {
  const ready = entries.filter((entry) => entry.state === 'ok');
  const busy = entries.some((entry) => entry.state === 'reading' || entry.state === 'inspecting');
  if (busy) return;
  // A control that loses focus fires `change` again with the value already
  // converted: nothing to do then.
  const inputs = JSON.stringify({ files: ready.map((entry) => entry.id), roster: roster && [roster.name, roster.bytes.length], options: convertOptions(), partSize: partSize() });
  if (!force && ready.length > 0 && inputs === convertedFrom) return;
  convertedFrom = ready.length > 0 ? inputs : null;
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
  let shownAt = null;
  let preview = null;
  const onProgress = (progress) => {
    if (current !== generation) return;
    if (progress.phase !== 'preview') {
      showProgress(progress);
      return;
    }
    // The preview is shown while the package is still being written and checked.
    preview = progress.preview;
    markArchivesRead(archiveEntries, preview);
    setConversion({ preview, package: null });
    showMessage('');
    renderAll();
    shownAt = performance.now();
  };
  try {
    let result;
    if (archives.length > 0 || roster || earlier.length > 0) {
      startProgress();
      result = await converter.call('convertArchives', {
        files, archives, roster, options: convertOptions(), earlier, workers: WORKERS, partSize: partSize(), storage: STORAGE,
      }, { onProgress });
    } else {
      result = await converter.call('convert', { files, options: convertOptions(), storage: STORAGE }, { onProgress });
    }
    result.preview = preview;
    (result.archive_digests ?? []).forEach((sha256, index) => { archiveEntries[index].sha256 = sha256; });
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
    if (error.cancelled) {
      document.body.dataset.state = 'cancelled';
      showMessage('Conversion cancelled. Your files are still here.', { retry: true, retryText: 'Convert again' });
      return;
    }
    showMessage(describeFailure(error), { retry: error.fatal });
  }
}

/** Archives read by a conversion: their file rows show what they hold. */
function markArchivesRead(archiveEntries, preview) {
  const read = preview.calls?.archives ?? [];
  archiveEntries.forEach((entry, index) => {
    if (!read[index]) return;
    entry.summary = { ...entry.summary, archive: read[index] };
    entry.read = true;
  });
  renderFiles();
}

// ---------------------------------------------------------------------------
// Progress of a conversion with call archives, and its cancel button.

const PHASES = { hash: 'Checksumming the archives', read: 'Reading the archives', write: 'Writing the package', verify: 'Checking the package' };
let progressPhase = null;

/** A conversion shorter than this shows no progress bar at all. */
const PROGRESS_DELAY_MS = 250;
let progressTimer = 0;

function startProgress() {
  progressPhase = null;
  $('#progress-bar').removeAttribute('value');
  $('#progress-text').textContent = 'Starting…';
  document.body.dataset.converting = 'true';
  clearTimeout(progressTimer);
  progressTimer = setTimeout(() => { $('#progress').hidden = false; }, PROGRESS_DELAY_MS);
}

function stopProgress() {
  clearTimeout(progressTimer);
  $('#progress').hidden = true;
  delete document.body.dataset.converting;
}

const megabytes = (bytes) => (bytes / 1e6).toLocaleString('en', { maximumFractionDigits: bytes < 1e7 ? 1 : 0 });
/** A file's size for people: `812 KB`, `1.4 MB`, `2,000 MB`. */
const fileSize = (bytes) => (bytes < 1e6 ? `${Math.max(1, Math.round(bytes / 1e3)).toLocaleString('en')} KB` : `${megabytes(bytes)} MB`);

function formatSeconds(seconds) {
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

/** `{phase, entries_done, entries_total, bytes_done, bytes_total}` as a bar and a line of text. */
function showProgress(progress) {
  const now = performance.now();
  if (progressPhase?.phase !== progress.phase) progressPhase = { phase: progress.phase, started: now };
  const bar = $('#progress-bar');
  const label = PHASES[progress.phase] ?? progress.phase;
  document.body.dataset.progressPhase = progress.phase;
  if (progress.phase === 'verify' || !progress.bytes_total) {
    bar.removeAttribute('value');
    $('#progress-text').textContent = `${label}…`;
    return;
  }
  bar.max = progress.bytes_total;
  bar.value = progress.bytes_done;
  const what = { hash: 'archives', read: 'entries' }[progress.phase] ?? 'transcripts and recordings';
  const parts = [
    `${label}: ${progress.entries_done.toLocaleString('en')} of ${progress.entries_total.toLocaleString('en')} ${what}`,
    `${megabytes(progress.bytes_done)} of ${megabytes(progress.bytes_total)} MB`,
  ];
  const seconds = (now - progressPhase.started) / 1000;
  if (seconds > 0.5 && progress.bytes_done > 0) {
    const rate = progress.bytes_done / seconds;
    parts.push(`${megabytes(rate)} MB/s`);
    parts.push(`about ${formatSeconds((progress.bytes_total - progress.bytes_done) / rate)} left`);
  }
  $('#progress-text').textContent = parts.join(' · ');
}

/** The scope controls as the library's options (the same as the CLI's flags). */
function convertOptions() {
  const minimum = Number.parseInt($('#scope-min-duration').value, 10);
  return {
    default_language: $('#default-language').value,
    from: $('#scope-from').value || null,
    to: $('#scope-to').value || null,
    min_duration_seconds: Number.isFinite(minimum) && minimum > 0 ? minimum : 0,
    calls: $('#scope-calls').value,
    recover_trackers: $('#recover-trackers').checked,
  };
}

/** The package's part size as typed ('2GB', '500MB', ...), or null for one file. */
function partSize() {
  return $('#part-size').value.trim() || null;
}

/** The same scope for a download from the Chorus API. */
function fetchScope() {
  const options = convertOptions();
  return {
    from: options.from,
    to: options.to,
    min_duration_seconds: options.min_duration_seconds > 0 ? options.min_duration_seconds : null,
    meetings_only: options.calls === 'meetings',
    media: $('#fetch-media').checked,
  };
}

/** Shows a conversion's preview; its package follows with `setPackage` (or comes with it). */
function setConversion(result) {
  // A package on disk that is no longer shown is removed (the worker removes it anyway at the next conversion).
  if (!result && conversion?.stored === 'disk') converter.call('release').catch(() => {});
  conversion = result;
  revokeDownloads();
  topicText = new Map();
  fidelityOf = new Map();
  $('#fidelity').hidden = true;
  $('#result').hidden = !result;
  document.body.dataset.state = result ? 'converted' : 'empty';
  if (!result) return;
  for (const theme of result.preview.themes) {
    for (const topic of theme.topics) {
      topicText.set(topic, [theme.name, topic.name, topic.description, topic.source.expression ?? '', ...topic.review_reasons,
        ...(topic.teams ?? []), ...(topic.exclusions ?? []), ...(topic.example_sentences ?? [])].join('\n').toLowerCase());
    }
  }
  setPackage(result);
}

function revokeDownloads() {
  for (const url of downloadUrls) URL.revokeObjectURL(url);
  downloadUrls = [];
}

/** A download link for `blob` named `name`. */
function downloadLink(blob, name, text, attributes = {}) {
  const url = URL.createObjectURL(blob);
  downloadUrls.push(url);
  return el('a', { href: url, download: name, ...attributes }, text);
}

/** What the package is: one file, or parts and their index; each {name, blob}. */
function packageFiles(result) {
  if (!result.parts) return [{ name: result.package_name, blob: result.package }];
  return [...result.parts.map(({ name, blob }) => ({ name, blob })), { name: result.index.name, blob: result.index.blob }];
}

/** The download button: waiting for the package, offered once it passed its check, or withheld. */
function setPackage(result) {
  conversion = { ...conversion, ...result, preview: conversion.preview };
  showFidelity();
  const link = $('#download');
  const check = $('#verification');
  revokeDownloads();
  link.removeAttribute('href');
  link.removeAttribute('download');
  link.onclick = null;
  link.setAttribute('aria-disabled', 'true');
  check.replaceChildren();
  check.className = 'verification muted';
  $('#package-parts').hidden = true;
  $('#save-package').hidden = true;
  $('#storage').textContent = '';
  $('#save-status').textContent = '';
  delete document.body.dataset.saved;
  delete document.body.dataset.stored;
  delete document.body.dataset.parts;
  if (!result.package) {
    link.textContent = 'Preparing the package…';
    document.body.dataset.verified = 'pending';
    return;
  }
  const { verification } = result;
  if (verification.problems.length > 0) {
    link.textContent = 'The package failed its check';
    check.className = 'verification error';
    check.append(
      el('p', { text: `The package failed its own check (${plural(verification.problems.length, 'problem')}), so it is not offered for download. Please report this; the problems were:` }),
      el('ul', {}, verification.problems.slice(0, 20).map((problem) => el('li', { text: problem.entry ? `${problem.entry}: ${problem.message}` : problem.message }))),
    );
    document.body.dataset.verified = 'failed';
    return;
  }
  link.removeAttribute('aria-disabled');
  if (result.parts) {
    const files = packageFiles(result);
    // Every part and the index, one download each (the browser may ask once to allow several).
    link.href = '#';
    link.textContent = `Download all ${plural(result.parts.length, 'part')} and the index`;
    const links = files.map(({ name, blob }) => downloadLink(blob, name, name, { class: 'part-download' }));
    link.onclick = (event) => {
      event.preventDefault();
      for (const part of links) part.click();
    };
    $('#part-list').replaceChildren(...files.map(({ name, blob }, i) => el('li', {},
      links[i], ` ${fileSize(blob.size)}${result.parts[i] ? `, ${plural(result.parts[i].calls, 'call')}` : ': names every part and its SHA-256'}`)));
    $('#package-parts').hidden = false;
    document.body.dataset.parts = String(result.parts.length);
  } else {
    const url = URL.createObjectURL(result.package);
    downloadUrls.push(url);
    link.href = url;
    link.download = result.package_name;
    link.textContent = `Download ${result.package_name}`;
  }
  offerSave(result);
  check.className = 'verification ok';
  check.textContent = result.parts
    ? `Checked before download: ${plural(result.parts.length, 'part')} and their index, ${plural(verification.entries, 'file')}; every part is complete on its own, no call is in two parts, each user is created once, and every size and SHA-256 checksum, every JSON schema, path and count matches.`
    : `Checked before download: ${plural(verification.entries, 'file')}; every size and SHA-256 checksum, every JSON schema, path and count matches.`;
  $('#storage').textContent = result.stored === 'disk'
    ? `The package (${fileSize(result.package.size)}) waits in this browser's storage on disk, not in memory, until you convert again or remove the files.`
    : `${result.storage_note ? `${result.storage_note[0].toUpperCase()}${result.storage_note.slice(1)}` : 'The package is kept in memory'}; a package of several GB may exhaust this browser's memory: the chorus2outdoo command writes any size.`;
  document.body.dataset.stored = result.stored;
  document.body.dataset.checkReads = verification.reads ?? '';
  document.body.dataset.recordingReads = result.recording_reads ?? '';
  document.body.dataset.stalledReads = String(result.stalled_reads ?? 0);
  document.body.dataset.verified = 'ok';
}

/**
 * Where the browser offers a save picker: "Save as…" writes the package
 * (or every part and the index, into a folder) straight to the place the
 * customer picks, streamed from the package's File.
 */
function offerSave(result) {
  const button = $('#save-package');
  const folder = Boolean(result.parts);
  const picker = folder ? window.showDirectoryPicker : window.showSaveFilePicker;
  if (typeof picker !== 'function') return;
  button.textContent = folder ? 'Save every part to a folder…' : 'Save as…';
  button.hidden = false;
  button.onclick = async () => {
    const status = $('#save-status');
    try {
      const files = packageFiles(result);
      let targets;
      if (folder) {
        const directory = await window.showDirectoryPicker({ mode: 'readwrite', id: 'outdoo-package' });
        targets = await Promise.all(files.map(async (file) => ({ file, handle: await directory.getFileHandle(file.name, { create: true }) })));
      } else {
        const handle = await window.showSaveFilePicker({ suggestedName: result.package_name, id: 'outdoo-package', types: [{ description: 'Outdoo import package', accept: { 'application/zip': ['.zip'] } }] });
        targets = [{ file: files[0], handle }];
      }
      button.disabled = true;
      for (const [i, { file, handle }] of targets.entries()) {
        status.textContent = `Saving ${file.name} (${i + 1} of ${targets.length})…`;
        await file.blob.stream().pipeTo(await handle.createWritable());
      }
      status.textContent = `Saved ${plural(targets.length, 'file')}.`;
      document.body.dataset.saved = String(targets.length);
    } catch (error) {
      // Closing the picker is no failure.
      status.textContent = error?.name === 'AbortError' ? '' : `Not saved: ${error?.message ?? error}`;
    } finally {
      button.disabled = false;
    }
  };
}

function renderAll() {
  renderCounts();
  const calls = conversion.preview.calls;
  $('#tracker-part').hidden = Boolean(calls) && conversion.preview.counts.topics === 0;
  renderTree();
  renderCalls();
  renderReport();
}

const REASONS = {
  not_recorded: 'not recorded',
  host_did_not_join: 'the host did not join',
  private: 'private',
  out_of_period: 'outside the period',
  too_short: 'too short',
  excluded_kind: 'a dialer call (meetings only)',
  unreadable: 'unreadable',
  already_migrated: 'in an earlier package',
};

function formatDuration(seconds) {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const pad = (n) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}

function renderCalls() {
  const calls = conversion.preview.calls;
  $('#calls').hidden = !calls;
  if (!calls) return;
  const counts = conversion.preview.counts;
  $('#call-counts').replaceChildren(...countItems([
    ['Calls to import', 'calls', counts.calls],
    ['Left out', 'skipped_calls', counts.skipped_calls],
    ['With transcript', 'transcripts', counts.transcripts],
    ['With recording', 'media', counts.media],
    ['Users', 'users', counts.users],
    ['Users to create', 'users_to_create', counts.users_to_create],
  ]));
  $('#skipped-by-reason').replaceChildren(...Object.entries(calls.skipped_by_reason).map(([reason, n]) => el('li', { 'data-reason': reason },
    el('code', { text: reason }), ` ${REASONS[reason] ?? ''}: ${n}`)));

  const listed = calls.calls.slice(0, CALL_LIMIT).map((call) => el('tr', { class: 'call', 'data-id': call.source_id },
    el('td', { class: 'title' }, el('button', {
      type: 'button', class: 'call-open', 'aria-expanded': 'false', text: call.title ?? '(no title)',
      onclick: (event) => toggleCall(event.currentTarget, call),
    })),
    el('td', { class: 'start', text: call.started_at.slice(0, 16).replace('T', ' ') }),
    el('td', { class: 'num duration', text: formatDuration(call.duration_seconds) }),
    el('td', { class: 'host', text: call.host_email ?? '' }),
    el('td', { class: 'num participants', text: String(call.participants.length) }),
    el('td', { class: 'transcript', text: call.transcript ? 'yes' : 'no' }),
  ));
  if (listed.length === 0) listed.push(el('tr', {}, el('td', { colspan: 6, class: 'muted', text: 'No call within the scope.' })));
  $('#call-list tbody').replaceChildren(...listed);
  $('#call-list-more').textContent = counts.calls > CALL_LIMIT ? `${plural(counts.calls - CALL_LIMIT, 'more call')} not listed; calls.jsonl in the package holds them all.` : '';

  const users = calls.users.slice(0, CALL_LIMIT * 4).map((user) => el('tr', { class: `user ${user.action}` },
    el('td', { class: 'email', text: user.email }),
    el('td', { class: 'name', text: user.name ?? '' }),
    el('td', { class: 'action', text: user.action === 'create' ? 'create' : 'existing' }),
    el('td', { class: 'role', text: user.role ?? '' }),
  ));
  if (users.length === 0) users.push(el('tr', {}, el('td', { colspan: 4, class: 'muted', text: 'No users.' })));
  $('#user-list tbody').replaceChildren(...users);

  const skipped = calls.skipped.slice(0, CALL_LIMIT).map((call) => el('tr', { class: `skipped ${call.reason}` },
    el('td', { class: 'id', text: call.source_id }),
    el('td', { class: 'reason' }, el('code', { text: call.reason })),
    el('td', { class: 'message', text: call.message }),
    el('td', { class: 'location', text: formatLocation(call.location) }),
  ));
  if (skipped.length === 0) skipped.push(el('tr', {}, el('td', { colspan: 4, class: 'muted', text: 'None.' })));
  $('#skipped-list tbody').replaceChildren(...skipped);
  $('#skipped-list-more').textContent = counts.skipped_calls > CALL_LIMIT ? `${plural(counts.skipped_calls - CALL_LIMIT, 'more call')} left out are listed in report.json inside the package.` : '';
}

/** How many utterances a call's detail shows. */
const EXCERPT_UTTERANCES = 8;

const SIDES = { internal: 'our team', external: 'customer side', unknown: 'side unknown' };

/** Opens or closes the detail row of a call: participants, then the start of its transcript. */
async function toggleCall(button, call) {
  const row = button.closest('tr');
  const open = row.nextElementSibling?.classList.contains('call-detail');
  if (open) {
    row.nextElementSibling.remove();
    button.setAttribute('aria-expanded', 'false');
    return;
  }
  button.setAttribute('aria-expanded', 'true');
  const transcript = el('div', { class: 'excerpt' }, el('p', { class: 'muted', text: call.transcript ? 'Reading the transcript…' : 'No transcript.' }));
  const people = call.participants.map((person) => el('li', { class: 'participant' },
    el('span', { class: 'person-name', text: person.name ?? '(no name)' }),
    person.email ? el('span', { class: 'person-email muted', text: ` ${person.email}` }) : null,
    person.title || person.company ? el('span', { class: 'person-role', text: ` · ${[person.title, person.company].filter(Boolean).join(', ')}` }) : null,
    el('span', { class: 'person-side muted', text: ` (${SIDES[person.side] ?? person.side})` }),
  ));
  const detail = el('tr', { class: 'call-detail', 'data-id': call.source_id }, el('td', { colspan: 6 },
    el('h4', { text: 'Participants' }),
    people.length ? el('ul', { class: 'participants' }, people) : el('p', { class: 'muted', text: 'None listed.' }),
    el('h4', { text: 'Transcript' }),
    transcript,
  ));
  row.after(detail);
  if (!call.transcript) return;
  try {
    const excerpt = await converter.call('transcript', { sourceId: call.source_id, limit: EXCERPT_UTTERANCES });
    const speakers = new Map(excerpt.speakers.map((speaker) => [speaker.id, speaker]));
    const lines = excerpt.utterances.map((utterance) => {
      const speaker = speakers.get(utterance.speaker);
      return el('li', { class: `utterance ${speaker?.side ?? 'unknown'}` },
        el('span', { class: 'at muted', text: `${formatDuration(Math.floor(utterance.start_ms / 1000))} ` }),
        el('span', { class: 'speaker', text: `${speaker?.name ?? `Speaker ${utterance.speaker}`}: ` }),
        el('span', { class: 'text', text: utterance.text }),
      );
    });
    const more = excerpt.utterance_count - excerpt.utterances.length;
    transcript.replaceChildren(
      el('ol', { class: 'utterances' }, lines),
      more > 0 ? el('p', { class: 'muted', text: `${plural(more, 'more utterance')} in transcripts/${call.source_id}.json.` }) : '',
    );
  } catch (error) {
    transcript.replaceChildren(el('p', { class: 'status error', text: describeFailure(error) }));
  }
}

function renderCounts() {
  const { counts } = conversion.preview;
  const item = (label, value, extra) => [el('dt', { text: label }), el('dd', { 'data-count': label.toLowerCase() }, String(value), extra ?? '')];
  // Call archives without tracker exports: no tracker counts to show.
  const trackers = !(conversion.preview.calls && counts.topics === 0);
  $('#counts').replaceChildren(
    ...(trackers ? item('Themes', counts.themes) : []),
    ...(trackers ? item('Topics', counts.topics, counts.needs_review ? el('span', { class: 'badge review', text: `${counts.needs_review} need review` }) : null) : []),
    ...(trackers ? item('Triggers', counts.triggers) : []),
    ...item('Report', `${plural(counts.report.warning, 'warning')}, ${plural(counts.report.review, 'review item')}, ${plural(counts.report.error, 'error')}`),
  );
}

// ---------------------------------------------------------------------------
// The tree: Theme -> Topic -> Trigger, a bounded slice of what the filter keeps.

function topicDetails(topic, triggers) {
  const body = el('div', { class: 'topic-body' });
  if (topic.description) body.append(el('p', { class: 'description', text: topic.description }));
  if (topic.status === 'needs_review') {
    body.append(el('div', { class: 'review-box' },
      el('strong', { text: 'Needs review before import:' }),
      el('ul', {}, topic.review_reasons.map((reason) => el('li', { text: reason }))),
      topic.source.expression != null ? el('p', {}, 'Original expression: ', el('code', { class: 'expression', text: topic.source.expression })) : null,
    ));
  }
  // Tracker settings (absent in themes.json when not set).
  if (topic.enabled === false) body.append(el('p', { class: 'switched-off', text: 'Disabled in the export: imported switched off.' }));
  if (topic.teams) body.append(el('p', { class: 'teams', text: `Teams: ${topic.teams.join(', ')}` }));
  if (topic.exclusions) body.append(el('p', { class: 'exclusions', text: `Excludes (not converted): ${topic.exclusions.map((p) => `"${p}"`).join(', ')}` }));
  if (topic.example_sentences) {
    body.append(el('div', { class: 'example-sentences' },
      el('strong', { text: 'Example sentences (for an Outdoo smart tracker, not triggers):' }),
      el('ul', {}, topic.example_sentences.map((sentence) => el('li', { text: sentence }))),
    ));
  }
  const from = topic.source.locations.map(formatLocation).join('; ');
  body.append(el('p', { class: 'source muted', text: `From ${from}${topic.source.chorus_type ? ` (Chorus type: ${topic.source.chorus_type})` : ''}` }));
  if (triggers.length === 0) {
    body.append(el('p', { class: 'muted', text: 'No triggers.' }));
  } else {
    body.append(el('table', { class: 'triggers' },
      el('thead', {}, el('tr', {}, el('th', { text: 'Trigger phrase' }), el('th', { text: 'Said by' }), el('th', { text: 'Language' }), el('th', { text: 'Match' }))),
      el('tbody', {}, triggers.map((trigger) => el('tr', { class: 'trigger' },
        el('td', { class: 'phrase', text: trigger.phrase }),
        el('td', { class: `said-by ${trigger.said_by}`, text: trigger.said_by }),
        el('td', { class: 'language', text: trigger.language }),
        el('td', { class: 'match', text: trigger.related_forms ? `${trigger.match}, related forms` : trigger.match }),
      ))),
    ));
  }
  return body;
}

function topicNode(topic, triggers, open) {
  const partial = triggers.length !== topic.triggers.length;
  const node = el('details', { class: `topic ${topic.status}`, 'data-topic': topic.name },
    el('summary', {},
      el('span', { class: 'name', text: topic.name }),
      topic.status === 'needs_review' ? el('span', { class: 'badge review', title: topic.review_reasons.join('\n'), text: 'needs review' }) : null,
      topic.enabled === false ? el('span', { class: 'badge', title: 'The tracker was disabled: the topic is imported switched off.', text: 'switched off' }) : null,
      agreementBadge(fidelityOf.get(topic)),
      el('span', { class: 'count', text: partial ? `${triggers.length} of ${plural(topic.triggers.length, 'trigger')}` : plural(topic.triggers.length, 'trigger') }),
    ),
  );
  topicOfNode.set(node, topic);
  // The body is built when the topic is first opened: a thousand closed
  // topics cost a thousand summaries, not every trigger row.
  const fill = () => {
    if (node.open && !node.querySelector('.topic-body')) node.append(topicDetails(topic, triggers));
  };
  node.addEventListener('toggle', fill);
  if (open) {
    node.open = true;
    fill();
  }
  return node;
}

function renderTree() {
  const query = $('#filter').value.trim().toLowerCase();
  const onlyReview = $('#only-review').checked;
  const { themes, counts } = conversion.preview;
  const nodes = [];
  let shown = 0;
  let matched = 0;
  for (const theme of themes) {
    const themeHit = query !== '' && theme.name.toLowerCase().includes(query);
    const kept = [];
    for (const topic of theme.topics) {
      if (onlyReview && topic.status !== 'needs_review') continue;
      let triggers = topic.triggers;
      let open = false;
      if (query !== '' && !themeHit && !topicText.get(topic).includes(query)) {
        triggers = topic.triggers.filter((trigger) => trigger.phrase.toLowerCase().includes(query));
        if (triggers.length === 0) continue;
        open = true;
      }
      kept.push({ topic, triggers, open });
    }
    if (kept.length === 0) continue;
    matched += kept.length;
    const room = TOPIC_LIMIT - shown;
    if (room <= 0) continue;
    const visible = kept.slice(0, room);
    shown += visible.length;
    const filtered = kept.length !== theme.topics.length;
    const triggerCount = theme.topics.reduce((sum, topic) => sum + topic.triggers.length, 0);
    nodes.push(el('details', { class: 'theme', open: true, 'data-theme': theme.name },
      el('summary', {},
        el('span', { class: 'name', text: theme.name }),
        el('span', { class: 'count', text: filtered ? `${kept.length} of ${plural(theme.topics.length, 'topic')}` : `${plural(theme.topics.length, 'topic')} · ${plural(triggerCount, 'trigger')}` }),
      ),
      el('div', { class: 'topics' }, visible.map(({ topic, triggers, open }) => topicNode(topic, triggers, open))),
    ));
  }
  const more = matched - shown;
  if (more > 0) nodes.push(el('p', { class: 'more', text: `${plural(more, 'more topic')} not shown; type in the filter to narrow the list.` }));
  if (nodes.length === 0) nodes.push(el('p', { class: 'muted empty', text: 'No theme, topic or trigger matches the filter.' }));
  $('#tree').replaceChildren(...nodes);
  $('#filter-status').textContent = query || onlyReview ? `${plural(matched, 'topic')} of ${counts.topics} match.` : '';
}

// ---------------------------------------------------------------------------
// Fidelity: the package's triggers replayed over the imported transcripts
// against Chorus's own tracker hits (fidelity.json, known once the package
// is written). A badge per topic in the tree, the summary and a sortable
// table of the topics.

/** An agreement in percent as the CLI prints it: one decimal. */
const percent = (value) => `${value.toFixed(1)}%`;

/** 'full' at 100%, 'low' below 90%, 'mid' between, 'unseen' when neither side found the topic. */
function agreementLevel(value) {
  if (value == null) return 'unseen';
  if (value >= 100) return 'full';
  return value < 90 ? 'low' : 'mid';
}

const BADGE_LEVELS = { full: 'ok', mid: 'info', low: 'warning', unseen: '' };

/** A topic's agreement as a badge ("92.1% agree", "not seen"), both sides' figures in its tooltip; nothing without figures. */
function agreementBadge(figures) {
  if (!figures) return null;
  const { calls, hits, agreement_percent: value } = figures;
  const title = [
    figures.chorus_tracker == null ? 'No Chorus tracker of this name in the compared calls' : `Chorus tracker: ${figures.chorus_tracker}`,
    `Calls: both ${calls.both}, only Chorus ${calls.only_chorus}, only the triggers ${calls.only_triggers}`,
    `Hits: Chorus ${hits.chorus}, triggers ${hits.triggers}`,
  ].join('\n');
  return el('span', {
    class: `badge agreement ${BADGE_LEVELS[agreementLevel(value)]}`.trim(),
    title,
    text: value == null ? 'not seen' : `${percent(value)} agree`,
  });
}

/**
 * The preview's topics and fidelity.json's, matched by position (both are
 * in package order: themes in order, their topics in order) where the theme
 * and topic names agree; a list of another length matches nothing.
 */
function fidelityByTopic(themes, fidelity) {
  const byTopic = new Map();
  if (!fidelity) return byTopic;
  const topics = themes.flatMap((theme) => theme.topics.map((topic) => ({ theme: theme.name, topic })));
  if (topics.length !== fidelity.topics.length) return byTopic;
  topics.forEach(({ theme, topic }, index) => {
    const figures = fidelity.topics[index];
    if (figures.theme === theme && figures.topic === topic.name) byTopic.set(topic, figures);
  });
  return byTopic;
}

/** Shows the fidelity of the package just written (or hides it): the tree's badges and the fidelity section. */
function showFidelity() {
  const fidelity = conversion?.package ? conversion.fidelity ?? null : null;
  fidelityOf = conversion && fidelity ? fidelityByTopic(conversion.preview.themes, fidelity) : new Map();
  // The tree as drawn gets its badges in place: topics opened meanwhile stay open.
  for (const node of document.querySelectorAll('#tree details.topic')) {
    const summary = node.querySelector(':scope > summary');
    summary.querySelector(':scope > .agreement')?.remove();
    const badge = agreementBadge(fidelityOf.get(topicOfNode.get(node)));
    if (badge) summary.querySelector(':scope > .count').before(badge);
  }
  $('#fidelity').hidden = !fidelity;
  if (fidelity) renderFidelity(fidelity);
}

/** The table's columns: a value to sort by and the direction of a first click (text A to Z, counts most first, agreement worst first). */
const FIDELITY_COLUMNS = [
  { key: 'theme', label: 'Theme', value: (t) => t.theme, text: true },
  { key: 'topic', label: 'Topic', value: (t) => t.topic, text: true },
  { key: 'chorus_tracker', label: 'Chorus tracker', value: (t) => t.chorus_tracker, text: true },
  { key: 'agreement', label: 'Agreement', value: (t) => t.agreement_percent, num: true },
  { key: 'both', label: 'Both', value: (t) => t.calls.both, num: true, descending: true, title: 'Calls where Chorus and the triggers found the topic' },
  { key: 'only_chorus', label: 'Only Chorus', value: (t) => t.calls.only_chorus, num: true, descending: true, title: 'Calls where Chorus found the topic and the triggers did not' },
  { key: 'only_triggers', label: 'Only triggers', value: (t) => t.calls.only_triggers, num: true, descending: true, title: 'Calls where the triggers found the topic and Chorus did not' },
  { key: 'hits_chorus', label: 'Chorus hits', value: (t) => t.hits.chorus, num: true, descending: true, title: 'Times Chorus found the topic, over all compared calls' },
  { key: 'hits_triggers', label: 'Trigger hits', value: (t) => t.hits.triggers, num: true, descending: true, title: 'Times the triggers found the topic, over all compared calls' },
  { key: 'missed', label: 'Most missed', value: (t) => t.missed_mentions[0]?.mentions ?? null, descending: true, title: 'The phrase Chorus found most often on calls where the triggers found nothing' },
];

/** The table's order; worst first to begin with, kept from one conversion to the next. */
let fidelitySort = { key: 'agreement', descending: false };

/** Calls where either side found the topic. */
const eitherSide = (t) => t.calls.both + t.calls.only_chorus + t.calls.only_triggers;

/**
 * Rows (`{figures, index}`) in the chosen order. Empty values (a topic not
 * seen, no Chorus tracker, nothing missed) come last either way; ties keep
 * package order, and agreement ties put the topic found on more calls first
 * (as the CLI's "worst topics" do).
 */
function sortedFidelity(rows, { key, descending }) {
  const column = FIDELITY_COLUMNS.find((c) => c.key === key) ?? FIDELITY_COLUMNS[3];
  const sign = descending ? -1 : 1;
  return [...rows].sort((a, b) => {
    const x = column.value(a.figures);
    const y = column.value(b.figures);
    if (x == null || y == null) return (x == null) - (y == null) || a.index - b.index;
    let order = column.text ? x.localeCompare(y, 'en', { sensitivity: 'base' }) : x - y;
    if (order === 0 && key === 'agreement') order = eitherSide(b.figures) - eitherSide(a.figures);
    return sign * order || a.index - b.index;
  });
}

/** A `<dt>` and a `<dd data-count>` for each [label, key, count]. */
function countItems(items) {
  return items.flatMap(([label, key, value]) => [el('dt', { text: label }), el('dd', { 'data-count': key, text: value.toLocaleString('en') })]);
}

function renderFidelity(fidelity) {
  const { summary } = fidelity;
  $('#fidelity-counts').replaceChildren(...countItems([
    ['Calls compared', 'calls_compared', summary.calls_compared],
    ['Calls without Chorus tracker data', 'calls_without_chorus_trackers', summary.calls_without_chorus_trackers],
    ['Topics', 'topics', summary.topics],
    ['At 100%', 'topics_at_100', summary.topics_at_100],
    ['Below 90%', 'topics_below_90', summary.topics_below_90],
    ['Not seen in any call', 'topics_not_seen', summary.topics_not_seen],
    ['Met a Chorus tracker by name', 'topics_matched', summary.topics_matched],
  ]));
  const note = $('#fidelity-note');
  note.hidden = summary.calls_compared > 0;
  note.textContent = summary.calls_compared > 0 ? ''
    : 'None of the imported calls with a transcript carries Chorus\'s tracker hits (an archive downloaded without them, say), so there was nothing to compare.';

  $('#fidelity-list thead tr').replaceChildren(...FIDELITY_COLUMNS.map((column) => {
    const sorted = fidelitySort.key === column.key;
    return el('th', {
      class: column.num ? 'num' : null,
      'data-sort': column.key,
      'aria-sort': sorted ? (fidelitySort.descending ? 'descending' : 'ascending') : null,
    }, el('button', {
      type: 'button',
      class: 'sort',
      title: column.title ? `${column.title}; click to sort` : 'Click to sort',
      text: column.label,
      onclick: () => {
        fidelitySort = sorted ? { key: column.key, descending: !fidelitySort.descending } : { key: column.key, descending: Boolean(column.descending) };
        renderFidelity(fidelity);
      },
    }));
  }));

  const rows = sortedFidelity(fidelity.topics.map((figures, index) => ({ figures, index })), fidelitySort);
  const drawn = rows.slice(0, FIDELITY_LIMIT).map(({ figures: t }) => {
    const missed = t.missed_mentions[0];
    const level = agreementLevel(t.agreement_percent);
    return el('tr', { class: `fidelity-topic ${level}`, 'data-theme': t.theme, 'data-topic': t.topic },
      el('td', { class: 'theme-name', text: t.theme }),
      el('td', { class: 'topic-name', text: t.topic }),
      el('td', { class: t.chorus_tracker == null ? 'tracker muted' : 'tracker', text: t.chorus_tracker ?? 'none in the calls' }),
      el('td', { class: `num agreement ${level}`, text: t.agreement_percent == null ? 'not seen' : percent(t.agreement_percent) }),
      el('td', { class: 'num both', text: String(t.calls.both) }),
      el('td', { class: 'num only-chorus', text: String(t.calls.only_chorus) }),
      el('td', { class: 'num only-triggers', text: String(t.calls.only_triggers) }),
      el('td', { class: 'num hits-chorus', text: String(t.hits.chorus) }),
      el('td', { class: 'num hits-triggers', text: String(t.hits.triggers) }),
      el('td', {
        class: 'missed',
        title: t.missed_mentions.length > 1 ? t.missed_mentions.map((m) => `"${m.phrase}" (${plural(m.mentions, 'mention')})`).join('\n') : null,
      }, missed ? [
        el('span', { class: 'missed-phrase', text: `"${missed.phrase}"` }),
        el('span', { class: 'missed-count', text: ` (${plural(missed.mentions, 'mention')})` }),
        el('span', { class: 'missed-example muted', title: `Call ${missed.example.source_id}`, text: `e.g. "${missed.example.text}"` }),
      ] : ''),
    );
  });
  if (drawn.length === 0) drawn.push(el('tr', {}, el('td', { colspan: FIDELITY_COLUMNS.length, class: 'muted', text: 'No topics.' })));
  $('#fidelity-list tbody').replaceChildren(...drawn);
  const more = rows.length - drawn.length;
  $('#fidelity-more').textContent = more > 0 ? `${plural(more, 'more topic')} not shown; fidelity.json in the package holds them all.` : '';
}

/** The report's first entries (the preview carries at most 500: PREVIEW_REPORT) and how many more the package holds. */
function renderReport() {
  const { report, report_entries: total } = conversion.preview;
  const rows = report.map((entry) => el('tr', { class: `entry ${entry.severity}` },
    el('td', {}, el('span', { class: `badge ${entry.severity}`, text: entry.severity })),
    el('td', { class: 'code', text: entry.code }),
    el('td', { class: 'message', text: entry.message }),
    el('td', { class: 'location', text: formatLocation(entry.location) }),
  ));
  if (rows.length === 0) rows.push(el('tr', {}, el('td', { colspan: 4, class: 'muted', text: 'Nothing to report.' })));
  $('#report tbody').replaceChildren(...rows);
  $('#report-more').textContent = total > report.length ? `${total - report.length} more entries are in report.csv inside the package.` : '';
}

// ---------------------------------------------------------------------------
// Wiring

function setUp() {
  const input = $('#file-input');
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

  $('#default-language').addEventListener('change', () => update());
  for (const id of ['#scope-from', '#scope-to', '#scope-min-duration', '#scope-calls', '#recover-trackers', '#part-size']) $(id).addEventListener('change', () => update());
  const rosterInput = $('#roster-input');
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
  $('#fetch-form').addEventListener('submit', startFetch);
  // Recordings are handed to the native command: no token is sent for them.
  $('#fetch-media').addEventListener('change', (event) => { $('#fetch-token').required = !event.target.checked; });
  $('#fetch-copy').addEventListener('click', () => navigator.clipboard?.writeText($('#fetch-command').textContent).catch(() => {}));
  $('#clear').addEventListener('click', () => {
    entries = [];
    renderFiles();
    update();
  });
  let pending = 0;
  const refilter = () => {
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(() => conversion && renderTree());
  };
  $('#filter').addEventListener('input', refilter);
  $('#only-review').addEventListener('change', refilter);
  const setAll = (open) => {
    for (const node of document.querySelectorAll('#tree details')) node.open = open;
  };
  $('#expand').addEventListener('click', () => setAll(true));
  $('#collapse').addEventListener('click', () => setAll(false));

  loadConfig();
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

// ---------------------------------------------------------------------------
// The sample archive and the download from Chorus: both end as an archive
// File added like a dropped one (the sample with its tracker export).

async function addSample() {
  const button = $('#sample');
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

async function loadConfig() {
  try {
    const response = await fetch('config.json', { cache: 'no-store' });
    if (response.ok) {
      const config = await response.json();
      if (typeof config.chorus_origin === 'string') chorusOrigin = config.chorus_origin;
    }
  } catch {
    // Served by something else than `chorus2outdoo serve`: the default stands.
  }
  $('#fetch-base-url').value = chorusOrigin;
  $('#chorus-origin-note').textContent = chorusOrigin;
}

function fetchStatus(text, { error = false } = {}) {
  const status = $('#fetch-status');
  status.textContent = text;
  status.className = error ? 'status error' : 'muted';
}

async function startFetch(event) {
  event.preventDefault();
  const tokenInput = $('#fetch-token');
  const token = tokenInput.value.trim();
  tokenInput.value = '';
  $('#fetch-fallback').hidden = true;
  const baseUrl = $('#fetch-base-url').value.trim().replace(/\/+$/, '');
  let origin = null;
  try {
    origin = new URL(baseUrl).origin;
  } catch {
    fetchStatus('Enter the Chorus address as a URL, such as https://chorus.ai.', { error: true });
    return;
  }
  if (origin !== chorusOrigin) {
    fetchStatus(`This page may only connect to ${chorusOrigin}. To use ${origin}, start the page with: chorus2outdoo serve --chorus-origin ${origin}`, { error: true });
    return;
  }
  const scope = fetchScope();
  if (!token && !scope.media) {
    fetchStatus('Paste the Chorus API token first.', { error: true });
    return;
  }
  const acceptPartial = $('#fetch-accept-partial').checked;
  const button = $('#fetch-start');
  button.disabled = true;
  document.body.dataset.fetch = 'running';
  fetchStatus(`Connecting to ${origin}…`);
  try {
    const result = await converter.call('fetch', { baseUrl, token, scope, acceptPartial }, {
      onProgress: (p) => fetchStatus(`Downloading from Chorus: ${plural(p.pages, 'page')} (${plural(p.engagements, 'engagement')}), calls ${p.calls_done} of ${p.calls_total}${p.retries ? `, ${plural(p.retries, 'retry', 'retries')}` : ''}…`),
    });
    const missing = result.missing.length;
    fetchStatus(`Downloaded ${plural(result.progress.engagements, 'engagement')} and ${plural(result.progress.calls_done - result.progress.missing, 'conversation')}${missing ? `; ${plural(missing, 'call')} could not be downloaded (see the report)` : ''}.`);
    document.body.dataset.fetch = 'done';
    await addFiles([new File([result.archive], 'chorus-archive.zip', { type: 'application/zip' })]);
  } catch (error) {
    document.body.dataset.fetch = 'failed';
    if (error.blocked || error.name === 'NativeCommandError') {
      fetchStatus('');
      $('#fetch-fallback-text').textContent = error.blocked
        ? 'The browser could not reach the Chorus API (blocked by the browser (CORS) or network unreachable). Run this command on your computer instead:'
        : error.message;
      $('#fetch-command').textContent = error.command ?? '';
      $('#fetch-fallback').hidden = false;
    } else {
      fetchStatus(describeFailure(error), { error: true });
    }
  } finally {
    button.disabled = false;
  }
}

setUp();
