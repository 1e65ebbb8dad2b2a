// @ts-check
// The preview of a conversion, shown as soon as the worker has it (before
// the package is written): the counts, the tree, the calls and the
// report; its package follows. In: the worker's preview, then its
// package. Out: the result section.

import { renderCalls } from './calls.js';
import { converter } from './converter.js';
import { $, el, formatLocation, plural } from './dom.js';
import { revokeDownloads, setPackage } from './download.js';
import { shown } from './state.js';
import { renderTree } from './tree.js';

/**
 * Shows a conversion's preview; its package follows with `setPackage` (or comes with it).
 * @param {import('./state.js').Shown | null} result
 */
export function setConversion(result) {
  // A package on disk that is no longer shown is removed (the worker removes it anyway at the next conversion).
  if (!result && shown.conversion?.stored === 'disk') converter.call('release').catch(() => {});
  shown.conversion = result;
  revokeDownloads();
  shown.topicText = new Map();
  shown.fidelityOf = new Map();
  $('#fidelity').hidden = true;
  $('#result').hidden = !result;
  document.body.dataset.state = result ? 'converted' : 'empty';
  if (!result) return;
  for (const theme of result.preview.themes) {
    for (const topic of theme.topics) {
      shown.topicText.set(topic, [theme.name, topic.name, topic.description, topic.source.expression ?? '', ...topic.review_reasons,
        ...(topic.teams ?? []), ...(topic.exclusions ?? []), ...(topic.example_sentences ?? [])].join('\n').toLowerCase());
    }
  }
  setPackage(result);
}

/** Draws the preview of the conversion shown. */
export function renderAll() {
  renderCounts();
  const calls = shown.conversion.preview.calls;
  $('#tracker-part').hidden = Boolean(calls) && shown.conversion.preview.counts.topics === 0;
  renderTree();
  renderCalls();
  renderReport();
}

function renderCounts() {
  const { counts } = shown.conversion.preview;
  /**
   * @param {string} label
   * @param {number | string} value
   * @param {Node | null} [extra]
   */
  const item = (label, value, extra) => [el('dt', { text: label }), el('dd', { 'data-count': label.toLowerCase() }, String(value), extra ?? '')];
  // Call archives without tracker exports: no tracker counts to show.
  const trackers = !(shown.conversion.preview.calls && counts.topics === 0);
  $('#counts').replaceChildren(
    ...(trackers ? item('Themes', counts.themes) : []),
    ...(trackers ? item('Topics', counts.topics, counts.needs_review ? el('span', { class: 'badge review', text: `${counts.needs_review} need review` }) : null) : []),
    ...(trackers ? item('Triggers', counts.triggers) : []),
    ...item('Report', `${plural(counts.report.warning, 'warning')}, ${plural(counts.report.review, 'review item')}, ${plural(counts.report.error, 'error')}`),
  );
}

/** The report's first entries (the preview carries at most 500: PREVIEW_REPORT) and how many more the package holds. */
function renderReport() {
  const { report, report_entries: total } = shown.conversion.preview;
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
