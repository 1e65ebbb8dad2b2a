// @ts-check
// A conversion's progress: its phase, entries and MB done of the total,
// the rate and the time left, as a bar and a line of text (none for a
// conversion shorter than PROGRESS_DELAY_MS). In: the worker's progress.
// Out: the progress bar.

import { $, formatSeconds, megabytes } from './dom.js';

/** @type {Record<string, string>} */
const PHASES = { hash: 'Checksumming the archives', read: 'Reading the archives', write: 'Writing the package', verify: 'Checking the package' };
/** @type {{phase: string, started: number} | null} */
let progressPhase = null;

/** A conversion shorter than this shows no progress bar at all. */
const PROGRESS_DELAY_MS = 250;
/** @type {ReturnType<typeof setTimeout> | undefined} */
let progressTimer;

export function startProgress() {
  progressPhase = null;
  $('#progress-bar').removeAttribute('value');
  $('#progress-text').textContent = 'Starting…';
  document.body.dataset.converting = 'true';
  clearTimeout(progressTimer);
  progressTimer = setTimeout(() => { $('#progress').hidden = false; }, PROGRESS_DELAY_MS);
}

export function stopProgress() {
  clearTimeout(progressTimer);
  $('#progress').hidden = true;
  delete document.body.dataset.converting;
}

/**
 * `{phase, entries_done, entries_total, bytes_done, bytes_total}` as a bar and a line of text.
 * @param {{phase: string, entries_done?: number, entries_total?: number, bytes_done?: number, bytes_total?: number}} progress
 */
export function showProgress(progress) {
  const now = performance.now();
  if (progressPhase?.phase !== progress.phase) progressPhase = { phase: progress.phase, started: now };
  const bar = $('#progress-bar', HTMLProgressElement);
  const label = PHASES[progress.phase] ?? progress.phase;
  document.body.dataset.progressPhase = progress.phase;
  if (progress.phase === 'verify' || !progress.bytes_total) {
    bar.removeAttribute('value');
    $('#progress-text').textContent = `${label}…`;
    return;
  }
  bar.max = progress.bytes_total;
  bar.value = progress.bytes_done;
  /** @type {Record<string, string>} */
  const whats = { hash: 'archives', read: 'entries' };
  const what = whats[progress.phase] ?? 'transcripts and recordings';
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
