// @ts-check
// The preview of a conversion, shown as soon as the worker has it (before
// the package is written): the counts, the summary at a glance and the
// tabs (the tree, the calls, the users, the report); its package and the
// agreement follow. In: the worker's preview, then its package. Out: the
// result section.

import { renderCalls } from './calls.js';
import { converter } from './converter.js';
import { $, el, plural } from './dom.js';
import { revokeDownloads, setPackage } from './download.js';
import { renderGlance } from './glance.js';
import { renderReport } from './report.js';
import { shown } from './state.js';
import { chooseTab, setTabs } from './tabs.js';
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
  if (!result) {
    // No conversion shown: no package pending or checked either (a cancelled one's state must not linger).
    delete document.body.dataset.verified;
    return;
  }
  for (const theme of result.preview.themes) {
    for (const topic of theme.topics) {
      shown.topicText.set(topic, [theme.name, topic.name, topic.description, topic.source.expression ?? '', ...topic.review_reasons,
        ...(topic.teams ?? []), ...(topic.exclusions ?? []), ...(topic.example_sentences ?? [])].join('\n').toLowerCase());
    }
  }
  setPackage(result);
}

/** Draws the preview of the conversion shown: the counts, the summary at a glance, the tabs and what they show. */
export function renderAll() {
  const { preview } = shown.conversion;
  const { counts, calls } = preview;
  renderCounts();
  setTabs({
    trackers: { shown: !calls || counts.topics > 0, count: counts.topics.toLocaleString('en') },
    calls: { shown: Boolean(calls), count: calls ? counts.calls.toLocaleString('en') : null },
    users: { shown: Boolean(calls), count: calls ? counts.users.toLocaleString('en') : null },
    agreement: { shown: Boolean(calls) && counts.topics > 0 },
    report: { shown: true, count: preview.report_entries.toLocaleString('en') },
  });
  renderGlance(preview, { showReview, openTab: chooseTab });
  renderTree();
  renderCalls();
  renderReport(preview);
}

/** The Trackers tab with only the topics that need review. */
function showReview() {
  $('#only-review', HTMLInputElement).checked = true;
  $('#filter', HTMLInputElement).value = '';
  renderTree();
  chooseTab('trackers');
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
