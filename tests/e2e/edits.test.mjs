// Unit tests of the page's edits (www/page/edits.js) under Node: each edit
// checked and tidied, the undo and redo stacks, the document for
// `options.edits`, an edits file read back, and hostile or malformed ones
// refused at the place of the fault.
//
//   node --test tests/e2e/edits.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  EditError, EditList, FILE_NAME, checkEdit, describeEdit, readEdits, suggestedTrigger,
} from '../../www/page/edits.js';

const THEME = 'th_0123456789ab';
const OTHER_THEME = 'th_ba9876543210';
const TOPIC = 'tp_00112233aabb';
const OTHER_TOPIC = 'tp_ffeeddcc9988';
const TRIGGER = 'tg_a1b2c3d4e5f6';
const SPEC = { phrase: 'per seat', said_by: 'external', language: 'en', match: 'exact' };

/** One edit of each op, as the contract spells them. */
const EVERY_OP = [
  { op: 'rename_theme', theme: THEME, name: 'Pricing' },
  { op: 'rename_topic', topic: TOPIC, name: 'Discount asked' },
  { op: 'move_topic', topic: TOPIC, theme: OTHER_THEME },
  { op: 'merge_topics', topic: OTHER_TOPIC, into: TOPIC },
  { op: 'add_trigger', topic: TOPIC, trigger: SPEC },
  { op: 'change_trigger', topic: TOPIC, trigger: TRIGGER, to: { ...SPEC, match: 'prefix' } },
  { op: 'remove_trigger', topic: TOPIC, trigger: TRIGGER },
  { op: 'mark_ready', topic: TOPIC },
  { op: 'leave_out', topic: OTHER_TOPIC },
];

/** `action` throws an EditError at `pointer` whose message is exactly `message`. */
function refused(action, pointer, message) {
  assert.throws(action, (error) => {
    assert.ok(error instanceof EditError, `an EditError, not ${error}`);
    assert.equal(error.pointer, pointer);
    assert.equal(error.message, message);
    return true;
  });
}

test('every op of the contract is checked and kept as it is', () => {
  for (const edit of EVERY_OP) assert.deepEqual(checkEdit(edit), edit);
});

test('names and phrases are trimmed, inner spaces made one; fields come in the document order', () => {
  assert.deepEqual(checkEdit({ name: '  Discount\t asked ', topic: TOPIC, op: 'rename_topic' }), { op: 'rename_topic', topic: TOPIC, name: 'Discount asked' });
  const added = checkEdit({ op: 'add_trigger', topic: TOPIC, trigger: { match: 'exact', language: 'en', said_by: 'anyone', phrase: ' per \n seat ' } });
  assert.equal(JSON.stringify(added), `{"op":"add_trigger","topic":"${TOPIC}","trigger":{"phrase":"per seat","said_by":"anyone","language":"en","match":"exact"}}`);
});

test('a wrong edit is refused at its field', () => {
  refused(() => checkEdit({ op: 'rename_everything', topic: TOPIC }, '/edits/3'), '/edits/3/op',
    '/edits/3/op: unknown op "rename_everything"; expected one of rename_theme, rename_topic, move_topic, merge_topics, add_trigger, change_trigger, remove_trigger, mark_ready, leave_out');
  refused(() => checkEdit({ op: 'leave_out', topic: TOPIC, why: 'x' }, '/edits/0'), '/edits/0/why', '/edits/0/why: unknown field "why"; expected "op", "topic"');
  refused(() => checkEdit({ op: 'move_topic', topic: TOPIC }, '/edits/1'), '/edits/1', '/edits/1: missing field "theme"');
  refused(() => checkEdit({ op: 'move_topic', topic: TOPIC, theme: TOPIC }, '/edits/2'), '/edits/2/theme', '/edits/2/theme: expected a theme id (th_ and 12 hex digits)');
  refused(() => checkEdit({ op: 'mark_ready', topic: 'tp_00112233AABB' }), '/topic', '/topic: expected a topic id (tp_ and 12 hex digits)');
  refused(() => checkEdit({ op: 'remove_trigger', topic: TOPIC, trigger: 7 }), '/trigger', '/trigger: expected a trigger id (tg_ and 12 hex digits)');
  refused(() => checkEdit({ op: 'rename_theme', theme: THEME, name: ' \t ' }), '/name', '/name: is empty');
  refused(() => checkEdit({ op: 'rename_theme', theme: THEME, name: ['Pricing'] }), '/name', '/name: expected a string');
  refused(() => checkEdit({ op: 'merge_topics', topic: TOPIC, into: TOPIC }), '/into', '/into: a topic cannot be merged into itself');
  refused(() => checkEdit(['leave_out', TOPIC], '/edits/4'), '/edits/4', '/edits/4: expected an object');
  refused(() => checkEdit({ op: 'add_trigger', topic: TOPIC, trigger: { ...SPEC, said_by: 'non_company' } }), '/trigger/said_by', '/trigger/said_by: expected one of anyone, company, external');
  refused(() => checkEdit({ op: 'add_trigger', topic: TOPIC, trigger: { ...SPEC, language: 'english' } }), '/trigger/language', '/trigger/language: expected a two-letter language code such as "en"');
  refused(() => checkEdit({ op: 'add_trigger', topic: TOPIC, trigger: { ...SPEC, match: 'fuzzy' } }), '/trigger/match', '/trigger/match: expected one of exact, prefix');
  refused(() => checkEdit({ op: 'change_trigger', topic: TOPIC, trigger: TRIGGER, to: { ...SPEC, related_forms: true } }), '/to/related_forms',
    '/to/related_forms: unknown field "related_forms"; expected "phrase", "said_by", "language", "match"');
  refused(() => checkEdit({ op: 'add_trigger', topic: TOPIC, trigger: { ...SPEC, phrase: '' } }), '/trigger/phrase', '/trigger/phrase: is empty');
});

test('undo takes back the last edit, redo makes it again, a new edit forgets those undone', () => {
  const list = new EditList();
  let changes = 0;
  list.onChange = () => { changes += 1; };
  assert.equal(list.undo(), null);
  assert.equal(list.redo(), null);
  assert.equal(changes, 0, 'nothing to undo or redo tells nobody');
  list.add(EVERY_OP[0]);
  list.add(EVERY_OP[1]);
  list.add(EVERY_OP[7]);
  assert.equal(list.count, 3);
  assert.deepEqual(list.undo(), EVERY_OP[7]);
  assert.deepEqual(list.undo(), EVERY_OP[1]);
  assert.deepEqual([list.count, list.canUndo, list.canRedo], [1, true, true]);
  assert.deepEqual(list.redo(), EVERY_OP[1]);
  assert.deepEqual(list.document().edits, [EVERY_OP[0], EVERY_OP[1]]);
  list.add(EVERY_OP[8]);
  assert.equal(list.canRedo, false, 'a new edit forgets the one undone');
  assert.equal(list.redo(), null);
  assert.deepEqual(list.document().edits, [EVERY_OP[0], EVERY_OP[1], EVERY_OP[8]]);
  assert.equal(changes, 7);
  list.clear();
  assert.deepEqual([list.count, list.canUndo, list.canRedo, list.document()], [0, false, false, null]);
});

test('a refused edit leaves the list as it was', () => {
  const list = new EditList([EVERY_OP[2]]);
  list.add(EVERY_OP[3]);
  list.undo();
  refused(() => list.add({ op: 'leave_out', topic: 'tp_x' }), '/edits/1/topic', '/edits/1/topic: expected a topic id (tp_ and 12 hex digits)');
  assert.deepEqual(list.document().edits, [EVERY_OP[2]]);
  assert.equal(list.canRedo, true, 'what was undone can still be redone');
});

test('the document for options.edits, and read back', () => {
  const list = new EditList();
  assert.equal(list.document(), null, 'no edits: no document');
  for (const edit of EVERY_OP) list.add(edit);
  const document = list.document();
  assert.deepEqual(document, { format: 'chorus2outdoo-edits', version: 1, edits: EVERY_OP });
  document.edits[0].name = 'changed';
  assert.equal(list.document().edits[0].name, 'Pricing', 'the document is a copy');
  assert.equal(FILE_NAME, 'outdoo-edits.json');
  assert.deepEqual(readEdits(`${JSON.stringify(list.document(), null, 2)}\n`), EVERY_OP, 'the document reads back');
});

test('an edits file that is not one, or holds a bad edit, is refused at the place of the fault', () => {
  const broken = '{"format": "chorus2outdoo-edits", "version": 1, "edits": [}';
  refused(() => readEdits(broken), '', readEditsMessage(broken));
  refused(() => readEdits('[]'), '', '/: expected an object');
  refused(() => readEdits('{"format": "chorus2outdoo-edits", "version": 1}'), '', '/: missing field "edits"');
  refused(() => readEdits('{"format": "outdoo", "version": 1, "edits": []}'), '/format', '/format: expected "chorus2outdoo-edits"');
  refused(() => readEdits('{"format": "chorus2outdoo-edits", "version": 2, "edits": []}'), '/version', '/version: expected 1');
  refused(() => readEdits('{"format": "chorus2outdoo-edits", "version": 1, "edits": {}}'), '/edits', '/edits: expected an array');
  refused(() => readEdits('{"format": "chorus2outdoo-edits", "version": 1, "edits": [], "extra": 1}'), '/extra', '/extra: unknown field "extra"; expected "format", "version", "edits"');
  const bad = JSON.stringify({ format: 'chorus2outdoo-edits', version: 1, edits: [EVERY_OP[0], EVERY_OP[1], { op: 'mark_ready', topic: '<img src=x>' }] });
  refused(() => readEdits(bad), '/edits/2/topic', '/edits/2/topic: expected a topic id (tp_ and 12 hex digits)');
  const proto = '{"format": "chorus2outdoo-edits", "version": 1, "edits": [{"op": "leave_out", "topic": "tp_00112233aabb", "__proto__": {"x": 1}}]}';
  refused(() => readEdits(proto), '/edits/0/__proto__', '/edits/0/__proto__: unknown field "__proto__"; expected "op", "topic"');
  const many = JSON.stringify({ format: 'chorus2outdoo-edits', version: 1, edits: new Array(100_001).fill(EVERY_OP[7]) });
  refused(() => readEdits(many), '/edits', '/edits: more than 100,000 edits');
  assert.equal(readEdits(JSON.stringify({ format: 'chorus2outdoo-edits', version: 1, edits: new Array(100_000).fill(EVERY_OP[7]) })).length, 100_000);
});

/** What JSON.parse says of `text`, as readEdits words it. */
function readEditsMessage(text) {
  try {
    JSON.parse(text);
  } catch (error) {
    return `/: not JSON: ${error.message}`;
  }
  throw new Error('the text parses');
}

test('a missed phrase becomes an exact trigger said by anyone in the topic\'s language', () => {
  assert.deepEqual(suggestedTrigger(' per  seat ', 'de'), { phrase: 'per seat', said_by: 'anyone', language: 'de', match: 'exact' });
});

test('each edit in words', () => {
  const names = new Map([[THEME, 'Deal'], [OTHER_THEME, 'Playbook'], [TOPIC, 'Pricing'], [OTHER_TOPIC, 'Discounts'], [TRIGGER, 'price']]);
  const nameOf = (id) => names.get(id);
  assert.deepEqual(EVERY_OP.map((edit) => describeEdit(edit, nameOf)), [
    'Theme "Deal" renamed "Pricing"',
    'Topic "Pricing" renamed "Discount asked"',
    'Topic "Pricing" moved to "Playbook"',
    'Topic "Discounts" merged into "Pricing"',
    'Trigger "per seat" added to "Pricing"',
    'Trigger "price" of "Pricing" changed to "per seat" (external, en, prefix)',
    'Trigger "price" removed from "Pricing"',
    'Topic "Pricing" marked ready',
    'Topic "Discounts" left out',
  ]);
});
