// @ts-check
// The report as a person reads it: one line per reason code with its
// severity, what the code means and how many entries have it; the entries
// of a code drawn only when it is opened, a page at a time. In: the
// preview's report entries (the first PREVIEW_REPORT of each code) and
// every code's count. Out: the report tab.

import { $, el, formatLocation, plural } from './dom.js';

/** @typedef {import('../pkg/chorus2outdoo.js').ReportEntry} ReportEntry */

/** How many entries of a code are drawn at a time. */
const ENTRY_PAGE = 200;

/** The severities from the most pressing. */
const SEVERITIES = ['error', 'review', 'warning', 'info'];

/**
 * What each reason code means, in words (docs/import-package.md lists the
 * codes); `leftOut`: an entry of this code is something the package does
 * not hold (the summary lists those). A code not listed shows as it is.
 * @type {Record<string, {text: string, leftOut?: boolean}>}
 */
export const CODES = {
  missing_name: { text: 'Trackers without a name: not imported', leftOut: true },
  missing_category: { text: 'Trackers without a category: put under the theme "Other"' },
  empty_phrase_dropped: { text: 'Empty phrases: dropped', leftOut: true },
  duplicate_phrase_dropped: { text: 'Phrases a topic already has: dropped', leftOut: true },
  phrase_whitespace_normalised: { text: 'Phrases with their spaces tidied' },
  trackers_merged: { text: 'Trackers of the same name and category: made one topic' },
  description_conflict: { text: 'Merged trackers with different descriptions: the first kept' },
  expression_needs_review: { text: 'Expressions triggers cannot say exactly: the topic needs review' },
  expression_syntax_error: { text: 'Expressions that could not be read: the topic needs review' },
  smart_tracker: { text: 'Smart (AI) trackers: Outdoo needs example sentences' },
  no_phrases: { text: 'Trackers without phrases or expression' },
  unknown_said_by: { text: '"Said by" values not understood: anyone used' },
  unknown_language: { text: 'Languages not understood: the default used' },
  ignored_column: { text: 'Columns the converter does not use: ignored', leftOut: true },
  encoding_fallback: { text: 'Files not in UTF-8: read in another encoding' },
  unreadable_record: { text: 'Records that could not be read: left out', leftOut: true },
  unrecognised_entry: { text: 'Archive entries that are not Chorus data: ignored', leftOut: true },
  duplicate_record: { text: 'Records that appeared more than once: kept once' },
  missing_transcript: { text: 'Calls without a transcript in the archive', leftOut: true },
  missing_media: { text: 'Calls without a recording in the archive', leftOut: true },
  utterances_dropped: { text: 'Utterances without text or start time: left out', leftOut: true },
  orphan_record: { text: 'Recordings or documents whose call is not in the archive: left out', leftOut: true },
  user_without_email: { text: 'Team members without an email: not made users', leftOut: true },
  download_failed: { text: 'Parts of calls the download could not get', leftOut: true },
  tracker_not_exported: { text: 'Trackers Chorus found on the calls that no export holds' },
  keywords_expression: { text: 'Keywords cells that read as an expression' },
  fallback_used: { text: 'Call values taken from a fallback field' },
  transcript_from_text: { text: 'Transcripts from a connector\'s flat text' },
  tracker_status: { text: 'Disabled trackers, or statuses not understood' },
  tracker_exclusions: { text: 'Excluded phrases triggers cannot express: the topic needs review' },
  tracker_condition: { text: 'Conditions triggers cannot express: the topic needs review' },
  // The edits made on the page or given with --edits (the edits document).
  edit_rename_theme: { text: 'Themes you renamed' },
  edit_rename_topic: { text: 'Topics you renamed' },
  edit_move_topic: { text: 'Topics you moved to another theme' },
  edit_merge_topics: { text: 'Topics you merged into another' },
  edit_add_trigger: { text: 'Triggers you added' },
  edit_change_trigger: { text: 'Triggers you changed' },
  edit_remove_trigger: { text: 'Triggers you removed' },
  edit_mark_ready: { text: 'Topics you marked ready' },
  edit_leave_out: { text: 'Topics you left out', leftOut: true },
  edit_target_missing: { text: 'Edits whose theme, topic or trigger is no longer there: not applied' },
  edit_not_applicable: { text: 'Edits that could not apply (a topic without triggers marked ready): not applied' },
};

/**
 * A group of the report: a code, its most pressing severity, how many
 * entries the report has of it, and those of them the preview holds, in
 * report order.
 * @typedef {object} ReportGroup
 * @property {string} code
 * @property {string} severity
 * @property {number} count
 * @property {ReportEntry[]} entries
 */

/**
 * Each code of `entries` with its most pressing severity and its count, as
 * the preview's `report_codes` gives them for the whole report.
 * @param {ReportEntry[]} entries
 * @returns {import('../pkg/chorus2outdoo.js').ReportCodeCount[]}
 */
function codesOf(entries) {
  /** @type {Map<string, import('../pkg/chorus2outdoo.js').ReportCodeCount>} */
  const codes = new Map();
  for (const { code, severity } of entries) {
    const counted = codes.get(code) ?? codes.set(code, { code, severity, entries: 0 }).get(code);
    if (SEVERITIES.indexOf(severity) < SEVERITIES.indexOf(counted.severity)) counted.severity = severity;
    counted.entries += 1;
  }
  return [...codes.values()];
}

/**
 * The entries by code, the most pressing severity first, then the most
 * entries, then the code; entries keep report order. `codes` (the
 * preview's `report_codes`) gives each code's count and severity over the
 * whole report; without it they are the entries' own.
 * @param {ReportEntry[]} entries
 * @param {import('../pkg/chorus2outdoo.js').ReportCodeCount[]} [codes]
 * @returns {ReportGroup[]}
 */
export function groupReport(entries, codes = codesOf(entries)) {
  /** @type {Map<string, ReportGroup>} */
  const groups = new Map(codes.map(({ code, severity, entries: count }) => [code, { code, severity, count, entries: [] }]));
  for (const entry of entries) groups.get(entry.code)?.entries.push(entry);
  const rank = (/** @type {ReportGroup} */ g) => SEVERITIES.indexOf(g.severity);
  return [...groups.values()].sort((a, b) => rank(a) - rank(b) || b.count - a.count || a.code.localeCompare(b.code));
}

/**
 * The preview's report by code.
 * @param {import('../pkg/chorus2outdoo.js').Preview} preview
 */
export const previewGroups = (preview) => groupReport(preview.report, preview.report_codes);

/** A count as the page says it: "1,750". @param {number} n */
export const countText = (n) => n.toLocaleString('en');

/**
 * An entry's row.
 * @param {ReportEntry} entry
 */
const entryRow = (entry) => el('tr', { class: `entry ${entry.severity}` },
  el('td', {}, el('span', { class: `badge ${entry.severity}`, text: entry.severity })),
  el('td', { class: 'message', text: entry.message }),
  el('td', { class: 'location', text: formatLocation(entry.location) }),
);

/**
 * Draws the next ENTRY_PAGE entries of `group` into `body`, with a button for the page after.
 * @param {HTMLTableSectionElement} body
 * @param {ReportGroup} group
 * @param {HTMLElement} after where the "more" button goes
 */
function drawMore(body, group, after) {
  const start = body.rows.length;
  const end = Math.min(group.entries.length, start + ENTRY_PAGE);
  body.append(...group.entries.slice(start, end).map(entryRow));
  const left = group.entries.length - end;
  const elsewhere = group.count - group.entries.length;
  after.replaceChildren(left > 0 ? el('button', {
    type: 'button', class: 'more-entries', text: `Show ${Math.min(left, ENTRY_PAGE).toLocaleString('en')} more of ${left.toLocaleString('en')}`,
    onclick: () => {
      drawMore(body, group, after);
      // The focus stays on the button while there are more; else back on the code's line.
      /** @type {HTMLElement} */ (after.querySelector('button') ?? body.closest('details').querySelector('summary')).focus();
    },
  }) : elsewhere > 0 ? el('span', { class: 'elsewhere',
    text: `The other ${elsewhere.toLocaleString('en')} are in report.csv inside the package.` }) : '');
}

/**
 * A code's line: closed, its entries drawn when first opened.
 * @param {ReportGroup} group
 */
function groupNode(group) {
  const meaning = CODES[group.code]?.text;
  const node = el('details', { class: `report-code ${group.severity}`, 'data-code': group.code },
    el('summary', {},
      el('span', { class: `badge ${group.severity}`, text: group.severity }),
      el('code', { class: 'code', text: group.code }),
      meaning ? el('span', { class: 'meaning', text: meaning }) : null,
      el('span', { class: 'count', text: countText(group.count) }),
    ),
  );
  node.addEventListener('toggle', () => {
    if (!node.open || node.querySelector('table')) return;
    const body = el('tbody');
    const after = el('p', { class: 'more-entries' });
    node.append(el('table', { class: 'report-entries' },
      el('thead', {}, el('tr', {}, el('th', { text: 'Severity' }), el('th', { text: 'Message' }), el('th', { text: 'Location' }))),
      body,
    ), after);
    drawMore(body, group, after);
  });
  return node;
}

/**
 * Counts by severity in words, the most pressing first: "6 review items, 2,741 warnings".
 * @param {Record<string, number>} counts
 */
const severities = (counts) => SEVERITIES.filter((s) => counts[s] > 0)
  .map((s) => plural(counts[s], s === 'review' ? 'review item' : s, s === 'info' ? 'info' : undefined)).join(', ');

/**
 * The report tab: the severities' totals, then a closed line per code.
 * @param {import('../pkg/chorus2outdoo.js').Preview} preview
 */
export function renderReport(preview) {
  const { report_entries: total, counts } = preview;
  const groups = previewGroups(preview);
  const status = $('#report-status');
  if (total === 0) {
    status.textContent = 'Nothing to report.';
  } else {
    status.textContent = `${plural(total, 'entry', 'entries')}: ${severities(counts.report)}.`;
    if (groups.some((group) => group.entries.length < group.count)) {
      status.textContent += ' A code lists its first 500 entries here; report.csv inside the package has them all.';
    }
  }
  $('#report').replaceChildren(...groups.map(groupNode));
}
