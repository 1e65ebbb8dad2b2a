// Unit tests of the report's grouping on the page (www/page/report.js)
// under Node: one group per reason code, the most pressing severity first,
// then the most entries, then the code; entries in report order.
//
//   node --test tests/e2e/report.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CODES, countText, groupReport, previewGroups } from '../../www/page/report.js';

const entry = (severity, code, message) => ({ severity, code, message, location: { file: 'trackers.csv', row: 2 } });

test('entries grouped by code: errors, then review, warnings, info; then the most entries; then the code', () => {
  const entries = [
    entry('warning', 'missing_media', 'a'),
    entry('info', 'trackers_merged', 'b'),
    entry('warning', 'missing_transcript', 'c'),
    entry('warning', 'missing_media', 'd'),
    entry('review', 'tracker_not_exported', 'e'),
    entry('warning', 'ignored_column', 'f'),
    entry('error', 'unreadable_record', 'g'),
    entry('warning', 'duplicate_record', 'h'),
  ];
  const groups = groupReport(entries);
  assert.deepEqual(groups.map((g) => [g.severity, g.code, g.entries.map((e) => e.message).join('')]), [
    ['error', 'unreadable_record', 'g'],
    ['review', 'tracker_not_exported', 'e'],
    ['warning', 'missing_media', 'ad'],
    ['warning', 'duplicate_record', 'h'],
    ['warning', 'ignored_column', 'f'],
    ['warning', 'missing_transcript', 'c'],
    ['info', 'trackers_merged', 'b'],
  ]);
});

test('a code with entries of two severities goes by its most pressing one', () => {
  const groups = groupReport([entry('info', 'tracker_status', 'disabled'), entry('review', 'tracker_status', 'not understood'), entry('warning', 'missing_media', 'x')]);
  assert.deepEqual(groups.map((g) => [g.severity, g.code, g.entries.length]), [['review', 'tracker_status', 2], ['warning', 'missing_media', 1]]);
});

test('no entries, no groups', () => {
  assert.deepEqual(groupReport([]), []);
});

test("the counts are the whole report's (report_codes), however few entries the preview holds", () => {
  const preview = {
    report: [...new Array(500).fill(entry('warning', 'missing_media', 'a')), entry('review', 'tracker_not_exported', 'b')],
    report_entries: 2747,
    report_codes: [{ code: 'missing_media', severity: 'warning', entries: 2741 }, { code: 'tracker_not_exported', severity: 'review', entries: 6 }],
  };
  assert.deepEqual(previewGroups(preview).map((g) => [g.severity, g.code, g.count, g.entries.length]),
    [['review', 'tracker_not_exported', 6, 1], ['warning', 'missing_media', 2741, 500]]);
  assert.equal(countText(2741), '2,741');
});

test('every reason code the converter writes has words', () => {
  // The codes as src/report.rs spells them (ReasonCode::as_str).
  const source = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../../src/report.rs'), 'utf8');
  const codes = [...source.matchAll(/ReasonCode::\w+ => "([a-z_]+)"/g)].map((found) => found[1]);
  assert.ok(codes.length >= 31, `the codes are found in src/report.rs (${codes.length})`);
  assert.deepEqual(codes.filter((code) => !CODES[code]), [], 'codes without words on the page');
  // The edits' codes, as the contract names them, ahead of the converter.
  for (const code of ['edit_rename_theme', 'edit_rename_topic', 'edit_move_topic', 'edit_merge_topics', 'edit_add_trigger',
    'edit_change_trigger', 'edit_remove_trigger', 'edit_mark_ready', 'edit_leave_out', 'edit_target_missing', 'edit_not_applicable']) {
    assert.ok(CODES[code], code);
  }
});
