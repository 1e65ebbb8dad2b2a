// @ts-check
// The editor in the preview's tree: rename a theme or a topic (inline,
// Enter keeps, Escape drops), move a topic to another theme, merge two
// topics, add, change or remove a trigger, mark a topic that needs review
// ready, leave a topic out, and add a phrase Chorus found that the
// triggers missed as a trigger; the edits' count, undo and redo (buttons,
// Ctrl+Z, Ctrl+Shift+Z), the list of edits and its download as
// outdoo-edits.json. Shown when the converter gives the themes, topics
// and triggers their ids. In: the preview, the fidelity's missed phrases.
// Out: edits to the list, after each of which the page converts again
// with `options.edits`.

import { converter } from './converter.js';
import { $, el, plural } from './dom.js';
import { EditList, FILE_NAME, MATCHES, SAID_BY, describeEdit, suggestedTrigger } from './edits.js';
import { shown } from './state.js';

/** @typedef {import('./edits.js').Edit} Edit */
/** @typedef {import('./edits.js').TriggerSpec} TriggerSpec */
/** A theme, topic or trigger of the preview, with the id the converter gives it. */
/** @typedef {import('../pkg/chorus2outdoo.js').Theme & {id?: string}} Theme */
/** @typedef {import('../pkg/chorus2outdoo.js').Topic & {id?: string}} Topic */
/** @typedef {import('../pkg/chorus2outdoo.js').Trigger & {id?: string}} Trigger */

/** The edits made in this page. */
export const edits = new EditList();

/** The last name seen of each id: a topic merged or left out keeps its name in the list of edits. @type {Map<string, string>} */
const names = new Map();
/** What to focus once the tree is drawn again after an edit (a selector within #tree or the edit bar). @type {string | null} */
let focusNext = null;
/** The download's object URL, revoked when the edits change. @type {string | null} */
let downloadUrl = null;

/**
 * Whether the conversion's themes, topics and triggers carry ids (the
 * converter's edits are keyed by them): then the tree is editable.
 * @param {import('../pkg/chorus2outdoo.js').Preview} preview
 */
export function editable(preview) {
  let answer = editableOf.get(preview);
  if (answer === undefined) {
    const themes = /** @type {Theme[]} */ (preview.themes);
    answer = themes.length > 0 && themes.every((theme) => typeof theme.id === 'string'
      && theme.topics.every((/** @type {Topic} */ topic) => typeof topic.id === 'string'
        && topic.triggers.every((/** @type {Trigger} */ trigger) => typeof trigger.id === 'string')));
    editableOf.set(preview, answer);
  }
  return answer;
}

/** `editable`'s answer per preview, asked again at each keystroke in the filter. @type {WeakMap<object, boolean>} */
const editableOf = new WeakMap();

/**
 * The preview's names by id, kept for the list of edits.
 * @param {import('../pkg/chorus2outdoo.js').Preview} preview
 */
export function learnNames(preview) {
  for (const theme of /** @type {Theme[]} */ (preview.themes)) {
    if (theme.id) names.set(theme.id, theme.name);
    for (const topic of /** @type {Topic[]} */ (theme.topics)) {
      if (topic.id) names.set(topic.id, topic.name);
      for (const trigger of /** @type {Trigger[]} */ (topic.triggers)) if (trigger.id) names.set(trigger.id, trigger.phrase);
    }
  }
}

/** @param {string} id */
const nameOf = (id) => names.get(id) ?? id;

/**
 * Makes an edit; a refused one is said in the edit bar. `focus`: what to focus once the tree is drawn again.
 * @param {Edit} edit
 * @param {string | null} focus
 */
function make(edit, focus) {
  try {
    focusNext = focus;
    edits.add(edit);
  } catch (error) {
    focusNext = null;
    $('#edit-status').textContent = `Not made: ${error.message}`;
  }
}

/** Moves the focus where the last edit asked, once the tree is drawn again. */
export function restoreFocus() {
  if (!focusNext) return;
  const target = /** @type {HTMLElement | null} */ (document.querySelector(focusNext));
  focusNext = null;
  target?.focus();
}

/** `[data-topic-id="…"]` of a topic's node. @param {string} id */
const topicSelector = (id) => `#tree details.topic[data-topic-id="${id}"]`;

/**
 * An inline text input in place of `shown`: Enter keeps the text (when
 * changed and not empty), Escape or leaving it drops it.
 * @param {HTMLElement} shownNode what the input stands in for while it is open
 * @param {string} value
 * @param {string} label
 * @param {(text: string) => void} keep
 */
function inlineInput(shownNode, value, label, keep) {
  const input = el('input', { type: 'text', class: 'inline-edit', value, 'aria-label': label, autocomplete: 'off', spellcheck: 'false' });
  let done = false;
  const close = () => {
    if (done) return;
    done = true;
    input.replaceWith(shownNode);
  };
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      const text = input.value.trim();
      close();
      if (text && text !== value) keep(text);
      else shownNode.focus();
    } else if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      close();
      shownNode.focus();
    }
  });
  input.addEventListener('blur', close);
  shownNode.replaceWith(input);
  input.focus();
  input.select();
}

/**
 * A button that renames: the button becomes a text input.
 * @param {string} text
 * @param {string} current
 * @param {string} label the input's accessible name
 * @param {(name: string) => void} rename
 */
function renameButton(text, current, label, rename) {
  const button = el('button', { type: 'button', class: 'rename', text });
  button.addEventListener('click', () => inlineInput(button, current, label, rename));
  return button;
}

/**
 * A theme's edits, at the top of its topics.
 * @param {Theme} theme
 */
export function themeActions(theme) {
  return el('div', { class: 'theme-actions' },
    renameButton('Rename theme', theme.name, `New name of the theme ${theme.name}`,
      (name) => make({ op: 'rename_theme', theme: theme.id, name }, `#tree details.theme[data-theme-id="${theme.id}"] .theme-actions button.rename`)));
}

/**
 * A select of choices and a button that makes the edit for the one
 * chosen. The options are made when the select is first focused: a topic
 * opened among 5,000 does not build 5,000 options it may never show.
 * @param {string} label
 * @param {string} buttonText
 * @param {() => [string, string][]} choices [value, text]
 * @param {(value: string) => void} act
 */
function chooser(label, buttonText, choices, act) {
  const select = el('select', { 'aria-label': label }, el('option', { value: '', text: `${label}…` }));
  const fill = () => {
    if (select.options.length === 1) select.append(...choices().map(([value, text]) => el('option', { value, text })));
  };
  select.addEventListener('focus', fill);
  select.addEventListener('mousedown', fill);
  const button = el('button', { type: 'button', text: buttonText, disabled: true });
  select.addEventListener('change', () => { button.disabled = select.value === ''; });
  button.addEventListener('click', () => { if (select.value) act(select.value); });
  return el('span', { class: 'chooser' }, select, button);
}

/**
 * A topic's edits: rename, move, merge, mark ready, leave out.
 * @param {Topic} topic
 * @param {Theme} theme
 */
export function topicActions(topic, theme) {
  const themes = /** @type {Theme[]} */ (shown.conversion.preview.themes);
  const here = topicSelector(topic.id);
  const otherThemes = () => themes.filter((other) => other.id !== theme.id).map((other) => /** @type {[string, string]} */ ([other.id, other.name]));
  const otherTopics = () => themes.flatMap((other) => other.topics
    .filter((/** @type {Topic} */ candidate) => candidate.id !== topic.id)
    .map((/** @type {Topic} */ candidate) => /** @type {[string, string]} */ ([candidate.id, `${other.name} / ${candidate.name}`])));
  const topics = themes.reduce((sum, other) => sum + other.topics.length, 0);
  return el('div', { class: 'topic-actions', role: 'group', 'aria-label': `Edit the topic ${topic.name}` },
    renameButton('Rename', topic.name, `New name of the topic ${topic.name}`,
      (name) => make({ op: 'rename_topic', topic: topic.id, name }, `${here} .topic-actions button.rename`)),
    themes.length > 1 ? chooser('Move to theme', 'Move', otherThemes,
      (id) => make({ op: 'move_topic', topic: topic.id, theme: id }, `${here} > summary`)) : null,
    topics > 1 ? chooser('Merge into topic', 'Merge', otherTopics,
      (id) => make({ op: 'merge_topics', topic: topic.id, into: id }, `${topicSelector(id)} > summary`)) : null,
    topic.status === 'needs_review' && topic.triggers.length > 0
      ? el('button', { type: 'button', class: 'mark-ready', text: 'Mark ready', onclick: () => make({ op: 'mark_ready', topic: topic.id }, `${here} > summary`) })
      : null,
    el('button', { type: 'button', class: 'leave-out', text: 'Leave out of the package', onclick: () => make({ op: 'leave_out', topic: topic.id }, '#undo') }),
  );
}

/**
 * The fields of a trigger being added or changed, and a button that keeps them; Enter keeps, Escape drops.
 * @param {TriggerSpec} start
 * @param {string} keepText
 * @param {(spec: TriggerSpec) => void} keep
 * @param {(() => void) | null} drop
 */
function triggerFields(start, keepText, keep, drop) {
  const phrase = el('input', { type: 'text', class: 'trigger-phrase', value: start.phrase, 'aria-label': 'Trigger phrase', autocomplete: 'off', spellcheck: 'false' });
  const saidBy = el('select', { class: 'trigger-said-by', 'aria-label': 'Said by' }, SAID_BY.map((value) => el('option', { value, text: value, selected: value === start.said_by })));
  const language = el('input', { type: 'text', class: 'trigger-language', value: start.language, size: 3, maxlength: 2, 'aria-label': 'Language (two letters)', autocomplete: 'off', spellcheck: 'false' });
  const match = el('select', { class: 'trigger-match', 'aria-label': 'Match' }, MATCHES.map((value) => el('option', { value, text: value, selected: value === start.match })));
  const submit = () => {
    if (phrase.value.trim() === '') {
      phrase.focus();
      return;
    }
    keep({ phrase: phrase.value, said_by: saidBy.value, language: language.value.trim().toLowerCase(), match: match.value });
  };
  /** @type {HTMLElement[]} */
  const fields = [phrase, saidBy, language, match];
  for (const field of fields) {
    field.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') {
        event.preventDefault();
        submit();
      } else if (event.key === 'Escape' && drop) {
        event.preventDefault();
        event.stopPropagation();
        drop();
      }
    });
  }
  return {
    phrase,
    cells: [
      el('td', {}, phrase), el('td', {}, saidBy), el('td', {}, language), el('td', {}, match),
      el('td', { class: 'trigger-edit' },
        el('button', { type: 'button', class: 'keep', text: keepText, onclick: submit }),
        drop ? el('button', { type: 'button', class: 'drop', text: 'Cancel', onclick: drop }) : null),
    ],
  };
}

/**
 * The buttons of a trigger's row: Change (the row becomes its fields) and Remove.
 * @param {Topic} topic
 * @param {Trigger} trigger
 */
export function triggerButtons(topic, trigger) {
  const here = topicSelector(topic.id);
  const change = el('button', { type: 'button', class: 'change', text: 'Change', 'aria-label': `Change the trigger ${trigger.phrase}` });
  change.addEventListener('click', () => {
    const row = /** @type {HTMLTableRowElement} */ (change.closest('tr'));
    const cells = [...row.children];
    const drop = () => {
      row.replaceChildren(...cells);
      change.focus();
    };
    const { phrase, cells: fields } = triggerFields(trigger, 'Save', (to) => {
      const same = to.phrase.trim() === trigger.phrase && to.said_by === trigger.said_by && to.language === trigger.language && to.match === trigger.match;
      if (same) drop();
      else make({ op: 'change_trigger', topic: topic.id, trigger: trigger.id, to }, `${here} tr.trigger[data-trigger-id="${trigger.id}"] button.change`);
    }, drop);
    row.replaceChildren(...fields);
    phrase.focus();
    phrase.select();
  });
  return el('td', { class: 'trigger-edit' }, change,
    el('button', {
      type: 'button', class: 'remove', text: 'Remove', 'aria-label': `Remove the trigger ${trigger.phrase}`,
      onclick: () => make({ op: 'remove_trigger', topic: topic.id, trigger: trigger.id }, `${here} tr.add-trigger input.trigger-phrase`),
    }));
}

/**
 * The language a new trigger of `topic` gets: its first trigger's, else the default language chosen.
 * @param {Topic} topic
 */
const languageOf = (topic) => topic.triggers[0]?.language ?? /** @type {HTMLSelectElement} */ ($('#default-language')).value;

/**
 * The row that adds a trigger to `topic`.
 * @param {Topic} topic
 */
export function addTriggerRow(topic) {
  const { cells } = triggerFields({ phrase: '', said_by: 'anyone', language: languageOf(topic), match: 'exact' }, 'Add trigger',
    (trigger) => make({ op: 'add_trigger', topic: topic.id, trigger }, `${topicSelector(topic.id)} tr.add-trigger input.trigger-phrase`), null);
  return el('tr', { class: 'add-trigger' }, cells);
}

/**
 * The phrases Chorus found on calls where the topic's triggers found
 * nothing, each with its mentions, an example and a button that adds it
 * as a trigger; none when the package's fidelity has none for the topic.
 * @param {Topic} topic
 */
export function suggestions(topic) {
  const figures = shown.fidelityOf.get(topic);
  if (!figures || figures.missed_mentions.length === 0) return null;
  const have = new Set(topic.triggers.map((trigger) => trigger.phrase.toLowerCase()));
  return el('div', { class: 'suggestions' },
    el('strong', { text: 'Phrases Chorus found that the triggers missed:' }),
    el('ul', {}, figures.missed_mentions.map((missed) => el('li', { class: 'suggestion', 'data-phrase': missed.phrase },
      el('span', { class: 'missed-phrase', text: `"${missed.phrase}"` }),
      el('span', { class: 'missed-count', text: ` (${plural(missed.mentions, 'mention')})` }),
      have.has(missed.phrase.toLowerCase()) ? el('span', { class: 'muted', text: ' already a trigger' }) : el('button', {
        type: 'button', class: 'add-suggestion', text: 'Add as trigger', 'aria-label': `Add "${missed.phrase}" as a trigger`,
        onclick: () => make({ op: 'add_trigger', topic: topic.id, trigger: suggestedTrigger(missed.phrase, languageOf(topic)) }, `${topicSelector(topic.id)} > summary`),
      }),
      el('span', { class: 'missed-example muted', title: `Call ${missed.example.source_id}`, text: `e.g. "${missed.example.text}"` }),
    ))),
  );
}

/**
 * The phrases Chorus found that the triggers missed, in each open topic's
 * body of the tree (the package's fidelity comes after the tree is drawn).
 */
export function fillSuggestions() {
  for (const slot of document.querySelectorAll('#tree details.topic .suggestions-slot')) {
    const topic = shown.topicOfNode.get(slot.closest('details.topic'));
    if (topic) slot.replaceChildren(suggestions(topic) ?? '');
  }
}

/** The edit bar as the list is now: its count, undo and redo, the list, the download. */
export function renderEditBar() {
  const count = edits.count;
  $('#edit-count').textContent = count ? plural(count, 'edit') : 'No edits';
  const undo = $('#undo', HTMLButtonElement);
  const redo = $('#redo', HTMLButtonElement);
  undo.disabled = !edits.canUndo;
  redo.disabled = !edits.canRedo;
  undo.title = edits.canUndo ? `Undo: ${describeEdit(edits.done[edits.done.length - 1], nameOf)} (Ctrl+Z)` : 'Nothing to undo';
  redo.title = edits.canRedo ? `Redo: ${describeEdit(edits.undone[edits.undone.length - 1], nameOf)} (Ctrl+Shift+Z)` : 'Nothing to redo';
  $('#edit-list ol').replaceChildren(...edits.done.map((edit) => el('li', { class: `edit ${edit.op}`, text: describeEdit(edit, nameOf) })));
  $('#edit-list').hidden = count === 0;
  $('#edits-discard', HTMLButtonElement).disabled = count === 0;
  const link = $('#edits-download', HTMLAnchorElement);
  if (downloadUrl) URL.revokeObjectURL(downloadUrl);
  downloadUrl = null;
  link.removeAttribute('href');
  link.setAttribute('aria-disabled', 'true');
  const doc = edits.document();
  if (!doc) return;
  // The converter's canonical text of the document: the bytes the package records for it, so that
  // `convert --edits outdoo-edits.json` writes the page's package.
  const asked = ++textAsked;
  converter.call('editsText', { edits: doc }).then((text) => {
    if (asked !== textAsked) return;
    downloadUrl = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
    link.href = downloadUrl;
    link.download = FILE_NAME;
    link.removeAttribute('aria-disabled');
  }, (error) => editStatus(`The edits file could not be made: ${error.message}`));
}

/** Bumped at each change of the edits, so a late text for older edits is dropped. */
let textAsked = 0;

/**
 * The edit bar's buttons and keys; `changed` runs after each change of the list (the page converts again).
 * @param {() => void} changed
 */
export function setUpEditor(changed) {
  edits.onChange = () => {
    // Each topic's agreement now, to show beside the one the edit gives.
    shown.agreementBeforeEdit = new Map(shown.agreement);
    $('#edit-status').textContent = edits.count ? `Converting again with ${plural(edits.count, 'edit')}…` : 'Converting again without edits…';
    renderEditBar();
    changed();
  };
  $('#undo').addEventListener('click', () => {
    focusNext = '#undo';
    edits.undo();
  });
  $('#redo').addEventListener('click', () => {
    focusNext = '#redo';
    edits.redo();
  });
  // Discarding cannot be undone: asked first.
  $('#edits-discard').addEventListener('click', () => {
    if (window.confirm(`Discard ${plural(edits.count, 'edit')}? This cannot be undone; download the edits first to keep them.`)) edits.clear();
  });
  document.addEventListener('keydown', (event) => {
    if (!(event.ctrlKey || event.metaKey) || event.altKey) return;
    const key = event.key.toLowerCase();
    if (key !== 'z' && key !== 'y') return;
    // In a text field, the keys undo the typing.
    const target = /** @type {HTMLElement} */ (event.target);
    if (target.closest('input, textarea, select, [contenteditable]')) return;
    if ($('#edit-bar').hidden) return;
    event.preventDefault();
    if (key === 'y' || event.shiftKey) {
      focusNext = '#redo';
      edits.redo();
    } else {
      focusNext = '#undo';
      edits.undo();
    }
  });
  renderEditBar();
}

/** Says the conversion with the edits is shown (or that it failed). @param {string} text */
export function editStatus(text) {
  $('#edit-status').textContent = text;
}
