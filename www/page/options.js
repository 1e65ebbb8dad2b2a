// @ts-check
// The scope controls as the library's options: the same as the CLI's
// flags, for a conversion and for a download from the Chorus API. In: the
// form's controls. Out: `Options`, the part size, the `FetchScope`.

import { $ } from './dom.js';

/**
 * The scope controls as the library's options (the same as the CLI's flags).
 * @returns {import('../pkg/chorus2outdoo.js').Options}
 */
export function convertOptions() {
  const minimum = Number.parseInt($('#scope-min-duration', HTMLInputElement).value, 10);
  return {
    default_language: $('#default-language', HTMLSelectElement).value,
    from: $('#scope-from', HTMLInputElement).value || null,
    to: $('#scope-to', HTMLInputElement).value || null,
    min_duration_seconds: Number.isFinite(minimum) && minimum > 0 ? minimum : 0,
    calls: /** @type {'all' | 'meetings'} */ ($('#scope-calls', HTMLSelectElement).value),
    recover_trackers: $('#recover-trackers', HTMLInputElement).checked,
  };
}

/** The package's part size as typed ('2GB', '500MB', ...), or null for one file. */
export function partSize() {
  return $('#part-size', HTMLInputElement).value.trim() || null;
}

/**
 * The same scope for a download from the Chorus API.
 * @returns {import('../pkg/chorus2outdoo.js').FetchScope}
 */
export function fetchScope() {
  const options = convertOptions();
  return {
    from: options.from,
    to: options.to,
    min_duration_seconds: options.min_duration_seconds > 0 ? options.min_duration_seconds : null,
    meetings_only: options.calls === 'meetings',
    media: $('#fetch-media', HTMLInputElement).checked,
  };
}
