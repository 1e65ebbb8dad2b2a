// @ts-check
// The preview at a glance: what will be imported, what needs the
// customer (topics to review, report items, errors) and what was left out
// and why (calls by reason, the report's codes for what the package does
// not hold), each with a way to the tab that shows it. In: the preview.
// Out: the three lists above the tabs.

import { SKIP_REASONS } from './calls.js';
import { $, el, plural } from './dom.js';
import { CODES, countText, previewGroups } from './report.js';

/**
 * A line of a list: text, and a button that opens where it is shown.
 * @param {string} key `data-item`, for tests and styles
 * @param {string} text
 * @param {{label: string, go: () => void} | null} [action]
 */
const line = (key, text, action = null) => el('li', { 'data-item': key },
  el('span', { text }),
  action ? el('button', { type: 'button', class: 'link', text: action.label, onclick: action.go }) : null,
);

/**
 * @param {import('../pkg/chorus2outdoo.js').Preview} preview
 * @param {{showReview: () => void, openTab: (name: string) => void}} go
 */
export function renderGlance(preview, go) {
  const { counts, calls } = preview;
  const trackers = counts.topics > 0 || !calls;

  const imported = [];
  if (trackers) {
    imported.push(line('topics', `${plural(counts.topics, 'topic')} in ${plural(counts.themes, 'theme')}, with ${plural(counts.triggers, 'trigger')}`,
      counts.topics > 0 ? { label: 'Trackers', go: () => go.openTab('trackers') } : null));
  }
  if (calls) {
    imported.push(line('calls', `${plural(counts.calls, 'call')}: ${counts.transcripts.toLocaleString('en')} with a transcript, ${counts.media.toLocaleString('en')} with a recording`,
      { label: 'Calls', go: () => go.openTab('calls') }));
    imported.push(line('users', `${plural(counts.users, 'user')}: ${counts.users_to_create.toLocaleString('en')} to create, ${(counts.users - counts.users_to_create).toLocaleString('en')} already in Outdoo`,
      { label: 'Users', go: () => go.openTab('users') }));
  }
  $('#glance-import ul').replaceChildren(...imported);

  const needs = [];
  if (counts.needs_review > 0) {
    needs.push(line('needs_review', `${plural(counts.needs_review, 'topic needs', 'topics need')} review: imported as converted unless you change them`,
      { label: 'Show them', go: go.showReview }));
  }
  const groups = previewGroups(preview);
  /**
   * What the report's entries of `severity` are, by code: " — Trackers … holds (1)".
   * @param {string} severity
   */
  const what = (severity) => {
    const named = groups.filter((group) => group.severity === severity).map((group) => `${CODES[group.code]?.text ?? group.code} (${countText(group.count)})`);
    return named.length ? ` — ${named.join('; ')}` : '';
  };
  if (counts.report.error > 0) needs.push(line('errors', `${plural(counts.report.error, 'error')} in the report${what('error')}`, { label: 'Report', go: () => go.openTab('report') }));
  if (counts.report.review > 0) needs.push(line('review_items', `${plural(counts.report.review, 'report item')} to review${what('review')}`, { label: 'Report', go: () => go.openTab('report') }));
  if (needs.length === 0) needs.push(line('nothing', 'Nothing: no topic needs review and the report has no errors or items to review.'));
  $('#glance-needs ul').replaceChildren(...needs);

  const left = [];
  if (calls && counts.skipped_calls > 0) {
    const reasons = Object.entries(calls.skipped_by_reason).map(([reason, n]) => `${SKIP_REASONS[reason] ?? reason} (${n.toLocaleString('en')})`);
    left.push(line('skipped_calls', `${plural(counts.skipped_calls, 'call')} left out: ${reasons.join(', ')}`, { label: 'Calls', go: () => go.openTab('calls') }));
  }
  for (const group of groups) {
    if (!CODES[group.code]?.leftOut) continue;
    left.push(line(group.code, `${CODES[group.code].text}: ${countText(group.count)}`, { label: 'Report', go: () => go.openTab('report') }));
  }
  if (left.length === 0) left.push(line('nothing', 'Nothing.'));
  $('#glance-left-out ul').replaceChildren(...left);
}
