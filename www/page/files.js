// @ts-check
// The files the customer gave: each inspected in the worker as it comes
// (a call archive only listed, read once by the conversion), listed with
// what it holds or why it cannot be used. In: Files dropped, picked, made
// by the sample button or downloaded from Chorus. Out: the entries a
// conversion reads, and a call to `onFilesChanged`'s function whenever
// they change.

import { converter, describeFailure } from './converter.js';
import { $, el, plural } from './dom.js';

/** @typedef {import('../pkg/chorus2outdoo.js').FileSummary} FileSummary */
/** @typedef {import('../pkg/chorus2outdoo.js').ArchiveSummary} ArchiveSummary */

/**
 * A file given: tracker exports hold `bytes`; call archives hold `archive`
 * and earlier import packages `earlier` (the File itself, read by the
 * worker in slices). A call archive keeps its `sha256` once a conversion
 * hashed it, and is `read` once a conversion said what it holds.
 * @typedef {object} Entry
 * @property {number} id
 * @property {string} name
 * @property {number} size
 * @property {Uint8Array | null} bytes
 * @property {File | null} archive
 * @property {string} [sha256]
 * @property {File | null} earlier
 * @property {FileSummary | null} summary
 * @property {string} state 'reading', 'inspecting', 'ok' or 'error'
 * @property {string | null} error
 * @property {File} [file] the File until it is inspected
 * @property {boolean} [read]
 */

/** @type {Entry[]} */
let entries = [];
let nextEntryId = 1;
/** What runs when the files change (the page converts again). */
let changed = () => {};

/** The files given, in order. */
export const fileEntries = () => entries;

/** Calls `then` whenever the files change. @param {() => void} then */
export function onFilesChanged(then) {
  changed = then;
}

/**
 * Adds the Files and inspects each.
 * @param {Iterable<File>} fileList
 */
export async function addFiles(fileList) {
  const files = [...fileList];
  if (files.length === 0) return;
  /** @type {Entry[]} */
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
  changed();
}

/**
 * What a call archive holds, in words.
 * @param {ArchiveSummary} archive
 */
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

/**
 * What an earlier import package means for this run, in words.
 * @param {import('../pkg/chorus2outdoo.js').PackageSummary} pkg
 */
function packageText(pkg) {
  return `${plural(pkg.calls, 'call')}, ${plural(pkg.users, 'user')}: the calls it holds are left out (already migrated), its users are kept as existing`;
}

/** @param {number} id */
function removeEntry(id) {
  entries = entries.filter((entry) => entry.id !== id);
  renderFiles();
  changed();
}

/** Removes every file. */
export function clearFiles() {
  entries = [];
  renderFiles();
  changed();
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
  $('#clear', HTMLButtonElement).disabled = entries.length === 0;
}

/**
 * Archives read by a conversion: their file rows show what they hold.
 * @param {Entry[]} archiveEntries
 * @param {import('../pkg/chorus2outdoo.js').Preview} preview
 */
export function markArchivesRead(archiveEntries, preview) {
  const read = preview.calls?.archives ?? [];
  archiveEntries.forEach((entry, index) => {
    if (!read[index]) return;
    entry.summary = { ...entry.summary, archive: read[index] };
    entry.read = true;
  });
  renderFiles();
}
