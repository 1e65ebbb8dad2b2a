// @ts-check
// The package offered for download once it passed its check (or withheld
// when it did not): one link, or a link per part and the index; "Save
// as…" where the browser has a save picker; where the package is stored.
// In: the worker's answer. Out: the download section.

import { $, el, fileSize, plural } from './dom.js';
import { showFidelity } from './fidelity.js';
import { shown } from './state.js';

/** Object URLs of the offered package (or its parts and index), revoked when it is replaced. @type {string[]} */
let downloadUrls = [];

export function revokeDownloads() {
  for (const url of downloadUrls) URL.revokeObjectURL(url);
  downloadUrls = [];
}

/**
 * A download link for `blob` named `name`.
 * @param {Blob} blob
 * @param {string} name
 * @param {string} text
 * @param {Record<string, string>} attributes
 */
function downloadLink(blob, name, text, attributes = {}) {
  const url = URL.createObjectURL(blob);
  downloadUrls.push(url);
  return el('a', { href: url, download: name, ...attributes }, text);
}

/**
 * What the package is: one file, or parts and their index; each {name, blob}.
 * @param {Partial<import('./state.js').Shown>} result
 */
function packageFiles(result) {
  if (!result.parts) return [{ name: result.package_name, blob: result.package }];
  return [...result.parts.map(({ name, blob }) => ({ name, blob })), { name: result.index.name, blob: result.index.blob }];
}

/**
 * The download button: waiting for the package, offered once it passed its check, or withheld.
 * @param {Partial<import('./state.js').Shown>} result
 */
export function setPackage(result) {
  shown.conversion = { ...shown.conversion, ...result, preview: shown.conversion.preview };
  showFidelity();
  const link = $('#download', HTMLAnchorElement);
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
 * @param {Partial<import('./state.js').Shown>} result
 */
function offerSave(result) {
  const button = $('#save-package', HTMLButtonElement);
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
