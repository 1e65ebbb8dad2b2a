// @ts-check
// Fidelity: the package's triggers replayed over the imported transcripts
// against Chorus's own tracker hits (fidelity.json, known once the package
// is written). In: the package's fidelity. Out: a badge per topic in the
// tree, the summary and a sortable table of the topics.

import { $, countItems, el, plural } from './dom.js';
import { fillSuggestions } from './editor.js';
import { shown } from './state.js';

/** @typedef {import('../pkg/chorus2outdoo.js').Fidelity} Fidelity */
/** @typedef {import('../pkg/chorus2outdoo.js').TopicFidelity} TopicFidelity */

/** How many topics the fidelity table draws at once. */
const FIDELITY_LIMIT = 200;

/**
 * An agreement in percent as the CLI prints it: one decimal.
 * @param {number} value
 */
const percent = (value) => `${value.toFixed(1)}%`;

/**
 * 'full' at 100%, 'low' below 90%, 'mid' between, 'unseen' when neither side found the topic.
 * @param {number | null} value
 */
function agreementLevel(value) {
  if (value == null) return 'unseen';
  if (value >= 100) return 'full';
  return value < 90 ? 'low' : 'mid';
}

/** @type {Record<string, string>} */
const BADGE_LEVELS = { full: 'ok', mid: 'info', low: 'warning', unseen: '' };

/**
 * Beside a topic's agreement, what it was before the latest edit, where that differs ("was 94.2%").
 * @param {TopicFidelity | undefined} figures
 * @param {string | undefined} id the topic's id
 */
function agreementBefore(figures, id) {
  if (!figures || id == null || !shown.agreementBeforeEdit.has(id)) return null;
  const before = shown.agreementBeforeEdit.get(id);
  if (before === figures.agreement_percent) return null;
  return el('span', {
    class: 'agreement-before',
    title: 'The agreement before the latest edit',
    text: `was ${before == null ? 'not seen' : percent(before)}`,
  });
}

/**
 * A topic's agreement as a badge ("92.1% agree", "not seen"), both sides' figures in its tooltip; nothing without figures.
 * @param {TopicFidelity | undefined} figures
 */
export function agreementBadge(figures) {
  if (!figures) return null;
  const { calls, hits, agreement_percent: value } = figures;
  const title = [
    figures.chorus_tracker == null ? 'No Chorus tracker of this name in the compared calls' : `Chorus tracker: ${figures.chorus_tracker}`,
    `Calls: both ${calls.both}, only Chorus ${calls.only_chorus}, only the triggers ${calls.only_triggers}`,
    `Hits: Chorus ${hits.chorus}, triggers ${hits.triggers}`,
  ].join('\n');
  return el('span', {
    class: `badge agreement ${BADGE_LEVELS[agreementLevel(value)]}`.trim(),
    title,
    text: value == null ? 'not seen' : `${percent(value)} agree`,
  });
}

/**
 * The preview's topics and fidelity.json's, matched by the topic's id.
 * @param {import('../pkg/chorus2outdoo.js').Theme[]} themes
 * @param {Fidelity} fidelity
 */
function fidelityByTopic(themes, fidelity) {
  const byTopic = new Map();
  if (!fidelity) return byTopic;
  const figuresOf = new Map(fidelity.topics.map((figures) => [figures.topic_id, figures]));
  for (const theme of themes) {
    for (const topic of theme.topics) {
      const figures = figuresOf.get(topic.id);
      if (figures) byTopic.set(topic, figures);
    }
  }
  return byTopic;
}

/** Shows the fidelity of the package just written (or hides it): the tree's badges and the fidelity section. */
export function showFidelity() {
  const fidelity = shown.conversion?.package ? shown.conversion.fidelity ?? null : null;
  shown.fidelityOf = shown.conversion && fidelity ? fidelityByTopic(shown.conversion.preview.themes, fidelity) : new Map();
  if (fidelity) {
    shown.agreement = new Map();
    for (const [topic, figures] of shown.fidelityOf) if (topic.id != null) shown.agreement.set(topic.id, figures.agreement_percent);
  }
  // The tree as drawn gets its badges in place: topics opened meanwhile stay open.
  for (const node of document.querySelectorAll('#tree details.topic')) {
    const summary = node.querySelector(':scope > summary');
    summary.querySelectorAll(':scope > .agreement, :scope > .agreement-before').forEach((old) => old.remove());
    const topic = shown.topicOfNode.get(node);
    const figures = shown.fidelityOf.get(topic);
    const badge = agreementBadge(figures);
    if (badge) summary.querySelector(':scope > .count').before(badge);
    const before = agreementBefore(figures, topic?.id);
    if (before) summary.querySelector(':scope > .count').before(before);
  }
  fillSuggestions();
  $('#fidelity').hidden = !fidelity;
  const pending = $('#fidelity-pending');
  pending.hidden = Boolean(fidelity);
  pending.textContent = shown.conversion?.package
    ? 'The package holds no comparison with Chorus\'s trackers (fidelity.json): it needs tracker exports and imported calls with transcripts.'
    : 'The topics are compared with Chorus\'s trackers on your calls while the package is written.';
  if (fidelity) renderFidelity(fidelity);
}

/** The table's columns: a value to sort by and the direction of a first click (text A to Z, counts most first, agreement worst first). */
/** @type {{key: string, label: string, value: (t: TopicFidelity) => any, text?: boolean, num?: boolean, descending?: boolean, title?: string}[]} */
const FIDELITY_COLUMNS = [
  { key: 'theme', label: 'Theme', value: (t) => t.theme, text: true },
  { key: 'topic', label: 'Topic', value: (t) => t.topic, text: true },
  { key: 'chorus_tracker', label: 'Chorus tracker', value: (t) => t.chorus_tracker, text: true },
  { key: 'agreement', label: 'Agreement', value: (t) => t.agreement_percent, num: true },
  { key: 'both', label: 'Both', value: (t) => t.calls.both, num: true, descending: true, title: 'Calls where Chorus and the triggers found the topic' },
  { key: 'only_chorus', label: 'Only Chorus', value: (t) => t.calls.only_chorus, num: true, descending: true, title: 'Calls where Chorus found the topic and the triggers did not' },
  { key: 'only_triggers', label: 'Only triggers', value: (t) => t.calls.only_triggers, num: true, descending: true, title: 'Calls where the triggers found the topic and Chorus did not' },
  { key: 'hits_chorus', label: 'Chorus hits', value: (t) => t.hits.chorus, num: true, descending: true, title: 'Times Chorus found the topic, over all compared calls' },
  { key: 'hits_triggers', label: 'Trigger hits', value: (t) => t.hits.triggers, num: true, descending: true, title: 'Times the triggers found the topic, over all compared calls' },
  { key: 'missed', label: 'Most missed', value: (t) => t.missed_mentions[0]?.mentions ?? null, descending: true, title: 'The phrase Chorus found most often on calls where the triggers found nothing' },
];

/** The table's order; worst first to begin with, kept from one conversion to the next. */
let fidelitySort = { key: 'agreement', descending: false };

/**
 * Calls where either side found the topic.
 * @param {TopicFidelity} t
 */
const eitherSide = (t) => t.calls.both + t.calls.only_chorus + t.calls.only_triggers;

/**
 * Rows (`{figures, index}`) in the chosen order. Empty values (a topic not
 * seen, no Chorus tracker, nothing missed) come last either way; ties keep
 * package order, and agreement ties put the topic found on more calls first
 * (as the CLI's "worst topics" do).
 */
/**
 * @param {{figures: TopicFidelity, index: number}[]} rows
 * @param {{key: string, descending: boolean}} order
 */
function sortedFidelity(rows, { key, descending }) {
  const column = FIDELITY_COLUMNS.find((c) => c.key === key) ?? FIDELITY_COLUMNS[3];
  const sign = descending ? -1 : 1;
  return [...rows].sort((a, b) => {
    const x = column.value(a.figures);
    const y = column.value(b.figures);
    if (x == null || y == null) return Number(x == null) - Number(y == null) || a.index - b.index;
    let order = column.text ? x.localeCompare(y, 'en', { sensitivity: 'base' }) : x - y;
    if (order === 0 && key === 'agreement') order = eitherSide(b.figures) - eitherSide(a.figures);
    return sign * order || a.index - b.index;
  });
}

/** @param {Fidelity} fidelity */
function renderFidelity(fidelity) {
  const { summary } = fidelity;
  $('#fidelity-counts').replaceChildren(...countItems([
    ['Calls compared', 'calls_compared', summary.calls_compared],
    ['Calls without Chorus tracker data', 'calls_without_chorus_trackers', summary.calls_without_chorus_trackers],
    ['Topics', 'topics', summary.topics],
    ['At 100%', 'topics_at_100', summary.topics_at_100],
    ['Below 90%', 'topics_below_90', summary.topics_below_90],
    ['Not seen in any call', 'topics_not_seen', summary.topics_not_seen],
    ['Met a Chorus tracker by name', 'topics_matched', summary.topics_matched],
  ]));
  const note = $('#fidelity-note');
  note.hidden = summary.calls_compared > 0;
  note.textContent = summary.calls_compared > 0 ? ''
    : 'None of the imported calls with a transcript carries Chorus\'s tracker hits (an archive downloaded without them, say), so there was nothing to compare.';

  $('#fidelity-list thead tr').replaceChildren(...FIDELITY_COLUMNS.map((column) => {
    const sorted = fidelitySort.key === column.key;
    return el('th', {
      class: column.num ? 'num' : null,
      'data-sort': column.key,
      'aria-sort': sorted ? (fidelitySort.descending ? 'descending' : 'ascending') : null,
    }, el('button', {
      type: 'button',
      class: 'sort',
      title: column.title ? `${column.title}; click to sort` : 'Click to sort',
      text: column.label,
      onclick: () => {
        fidelitySort = sorted ? { key: column.key, descending: !fidelitySort.descending } : { key: column.key, descending: Boolean(column.descending) };
        renderFidelity(fidelity);
      },
    }));
  }));

  const rows = sortedFidelity(fidelity.topics.map((figures, index) => ({ figures, index })), fidelitySort);
  const drawn = rows.slice(0, FIDELITY_LIMIT).map(({ figures: t }) => {
    const missed = t.missed_mentions[0];
    const level = agreementLevel(t.agreement_percent);
    return el('tr', { class: `fidelity-topic ${level}`, 'data-theme': t.theme, 'data-topic': t.topic },
      el('td', { class: 'theme-name', text: t.theme }),
      el('td', { class: 'topic-name', text: t.topic }),
      el('td', { class: t.chorus_tracker == null ? 'tracker muted' : 'tracker', text: t.chorus_tracker ?? 'none in the calls' }),
      el('td', { class: `num agreement ${level}`, text: t.agreement_percent == null ? 'not seen' : percent(t.agreement_percent) }),
      el('td', { class: 'num both', text: String(t.calls.both) }),
      el('td', { class: 'num only-chorus', text: String(t.calls.only_chorus) }),
      el('td', { class: 'num only-triggers', text: String(t.calls.only_triggers) }),
      el('td', { class: 'num hits-chorus', text: String(t.hits.chorus) }),
      el('td', { class: 'num hits-triggers', text: String(t.hits.triggers) }),
      el('td', {
        class: 'missed',
        title: t.missed_mentions.length > 1 ? t.missed_mentions.map((m) => `"${m.phrase}" (${plural(m.mentions, 'mention')})`).join('\n') : null,
      }, missed ? [
        el('span', { class: 'missed-phrase', text: `"${missed.phrase}"` }),
        el('span', { class: 'missed-count', text: ` (${plural(missed.mentions, 'mention')})` }),
        el('span', { class: 'missed-example muted', title: `Call ${missed.example.source_id}`, text: `e.g. "${missed.example.text}"` }),
      ] : ''),
    );
  });
  if (drawn.length === 0) drawn.push(el('tr', {}, el('td', { colspan: FIDELITY_COLUMNS.length, class: 'muted', text: 'No topics.' })));
  $('#fidelity-list tbody').replaceChildren(...drawn);
  const more = rows.length - drawn.length;
  $('#fidelity-more').textContent = more > 0 ? `${plural(more, 'more topic')} not shown; fidelity.json in the package holds them all.` : '';
}

