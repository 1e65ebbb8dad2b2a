// @ts-check
// The download from the Chorus API: the form (the Chorus address, the
// token, the scope), the download in the worker, and where the browser
// cannot reach the API or recordings are asked for, the native command
// that does the same. The token lives only in the request to the worker:
// never in storage, a URL or a log, and the input is cleared. In: the
// form. Out: the archive, added as a dropped one.

import { converter, describeFailure } from './converter.js';
import { $, plural } from './dom.js';
import { addFiles } from './files.js';
import { fetchScope } from './options.js';

/** The Chorus origin the page may connect to (from /config.json of `chorus2outdoo serve`). */
let chorusOrigin = 'https://chorus.ai';

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
  $('#fetch-base-url', HTMLInputElement).value = chorusOrigin;
  $('#chorus-origin-note').textContent = chorusOrigin;
}

/**
 * @param {string} text
 * @param {{error?: boolean}} [options]
 */
function fetchStatus(text, { error = false } = {}) {
  const status = $('#fetch-status');
  status.textContent = text;
  status.className = error ? 'status error' : 'muted';
}

/** @param {SubmitEvent} event */
async function startFetch(event) {
  event.preventDefault();
  const tokenInput = $('#fetch-token', HTMLInputElement);
  const token = tokenInput.value.trim();
  tokenInput.value = '';
  $('#fetch-fallback').hidden = true;
  const baseUrl = $('#fetch-base-url', HTMLInputElement).value.trim().replace(/\/+$/, '');
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
  const acceptPartial = $('#fetch-accept-partial', HTMLInputElement).checked;
  const button = $('#fetch-start', HTMLButtonElement);
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

/** Wires the form and reads which Chorus origin the page may reach. */
export function setUpFetch() {
  $('#fetch-form').addEventListener('submit', startFetch);
  // Recordings are handed to the native command: no token is sent for them.
  $('#fetch-media', HTMLInputElement).addEventListener('change', (event) => {
    $('#fetch-token', HTMLInputElement).required = !(/** @type {HTMLInputElement} */ (event.target)).checked;
  });
  $('#fetch-copy').addEventListener('click', () => navigator.clipboard?.writeText($('#fetch-command').textContent).catch(() => {}));
  loadConfig();
}
