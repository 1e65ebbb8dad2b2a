// @ts-check
// The tree of the preview: Theme -> Topic -> Trigger, a bounded slice of
// what the filter keeps (a topic's body built when it is first opened),
// each topic with its review badge and, once the package is written, its
// agreement with Chorus; where the converter gives ids, each with the
// editor's controls (editor.js). In: the preview, the filter. Out: the
// tree.

import { $, el, formatLocation, plural } from './dom.js';
import { addTriggerRow, editable, restoreFocus, suggestions, themeActions, topicActions, triggerButtons } from './editor.js';
import { agreementBadge } from './fidelity.js';
import { shown } from './state.js';

/** @typedef {import('./editor.js').Theme} Theme */
/** @typedef {import('./editor.js').Topic} Topic */
/** @typedef {import('./editor.js').Trigger} Trigger */

/** How many topics the tree shows at once; the filter narrows the rest. */
const TOPIC_LIMIT = 200;

/** Ids of the topics open in the tree, opened again when it is drawn again (after an edit, say). @type {Set<string>} */
const openTopics = new Set();

/**
 * A topic's body: its description, why it needs review, its tracker
 * settings, where it came from and its triggers; editable: the topic's
 * edits, a button per trigger, a row to add one, and the phrases Chorus
 * found that the triggers missed.
 * @param {Topic} topic
 * @param {Trigger[]} triggers those the filter keeps
 * @param {Theme} theme
 * @param {boolean} editing
 */
function topicDetails(topic, triggers, theme, editing) {
  const body = el('div', { class: 'topic-body' });
  if (editing) body.append(topicActions(topic, theme));
  if (topic.description) body.append(el('p', { class: 'description', text: topic.description }));
  if (topic.status === 'needs_review') {
    body.append(el('div', { class: 'review-box' },
      el('strong', { text: 'Needs review before import:' }),
      el('ul', {}, topic.review_reasons.map((reason) => el('li', { text: reason }))),
      topic.source.expression != null ? el('p', {}, 'Original expression: ', el('code', { class: 'expression', text: topic.source.expression })) : null,
    ));
  }
  // Tracker settings (absent in themes.json when not set).
  if (topic.enabled === false) body.append(el('p', { class: 'switched-off', text: 'Disabled in the export: imported switched off.' }));
  if (topic.teams) body.append(el('p', { class: 'teams', text: `Teams: ${topic.teams.join(', ')}` }));
  if (topic.exclusions) body.append(el('p', { class: 'exclusions', text: `Excludes (not converted): ${topic.exclusions.map((p) => `"${p}"`).join(', ')}` }));
  if (topic.example_sentences) {
    body.append(el('div', { class: 'example-sentences' },
      el('strong', { text: 'Example sentences (for an Outdoo smart tracker, not triggers):' }),
      el('ul', {}, topic.example_sentences.map((sentence) => el('li', { text: sentence }))),
    ));
  }
  const from = topic.source.locations.map(formatLocation).join('; ');
  body.append(el('p', { class: 'source muted', text: `From ${from}${topic.source.chorus_type ? ` (Chorus type: ${topic.source.chorus_type})` : ''}` }));
  if (triggers.length === 0 && !editing) {
    body.append(el('p', { class: 'muted', text: 'No triggers.' }));
  } else {
    body.append(el('table', { class: 'triggers' },
      el('thead', {}, el('tr', {}, el('th', { text: 'Trigger phrase' }), el('th', { text: 'Said by' }), el('th', { text: 'Language' }), el('th', { text: 'Match' }),
        editing ? el('th', {}, el('span', { class: 'visually-hidden', text: 'Edit' })) : null)),
      el('tbody', {}, triggers.map((trigger) => el('tr', { class: 'trigger', 'data-trigger-id': trigger.id },
        el('td', { class: 'phrase', text: trigger.phrase }),
        el('td', { class: `said-by ${trigger.said_by}`, text: trigger.said_by }),
        el('td', { class: 'language', text: trigger.language }),
        el('td', { class: 'match', text: trigger.related_forms ? `${trigger.match}, related forms` : trigger.match }),
        editing ? triggerButtons(topic, trigger) : null,
      )), editing ? addTriggerRow(topic) : null),
    ));
  }
  // The phrases the triggers missed, once the package's fidelity is known (fillSuggestions fills the slot then).
  if (editing) body.append(el('div', { class: 'suggestions-slot' }, suggestions(topic) ?? ''));
  return body;
}

/**
 * A topic of the tree, closed (its body built when it is first opened) or `open`.
 * @param {Topic} topic
 * @param {Trigger[]} triggers those the filter keeps
 * @param {boolean} open
 * @param {Theme} theme
 * @param {boolean} editing
 */
function topicNode(topic, triggers, open, theme, editing) {
  const partial = triggers.length !== topic.triggers.length;
  const node = el('details', { class: `topic ${topic.status}`, 'data-topic': topic.name, 'data-topic-id': topic.id },
    el('summary', {},
      el('span', { class: 'name', text: topic.name }),
      topic.status === 'needs_review' ? el('span', { class: 'badge review', title: topic.review_reasons.join('\n'), text: 'needs review' }) : null,
      topic.enabled === false ? el('span', { class: 'badge', title: 'The tracker was disabled: the topic is imported switched off.', text: 'switched off' }) : null,
      agreementBadge(shown.fidelityOf.get(topic)),
      el('span', { class: 'count', text: partial ? `${triggers.length} of ${plural(topic.triggers.length, 'trigger')}` : plural(topic.triggers.length, 'trigger') }),
    ),
  );
  shown.topicOfNode.set(node, topic);
  // The body is built when the topic is first opened: a thousand closed
  // topics cost a thousand summaries, not every trigger row.
  const fill = () => {
    if (topic.id) {
      if (node.open) openTopics.add(topic.id);
      else openTopics.delete(topic.id);
    }
    if (node.open && !node.querySelector('.topic-body')) node.append(topicDetails(topic, triggers, theme, editing));
  };
  node.addEventListener('toggle', fill);
  if (open || (topic.id && openTopics.has(topic.id))) {
    node.open = true;
    fill();
  }
  return node;
}

/** The tree as the filter keeps it, TOPIC_LIMIT topics at most. */
export function renderTree() {
  const query = $('#filter', HTMLInputElement).value.trim().toLowerCase();
  const onlyReview = $('#only-review', HTMLInputElement).checked;
  const { themes, counts } = shown.conversion.preview;
  const editing = editable(shown.conversion.preview);
  $('#edit-bar').hidden = !editing;
  const nodes = [];
  let listed = 0;
  let matched = 0;
  for (const theme of themes) {
    const themeHit = query !== '' && theme.name.toLowerCase().includes(query);
    const kept = [];
    for (const topic of theme.topics) {
      if (onlyReview && topic.status !== 'needs_review') continue;
      let triggers = topic.triggers;
      let open = false;
      if (query !== '' && !themeHit && !shown.topicText.get(topic).includes(query)) {
        triggers = topic.triggers.filter((trigger) => trigger.phrase.toLowerCase().includes(query));
        if (triggers.length === 0) continue;
        open = true;
      }
      kept.push({ topic, triggers, open });
    }
    if (kept.length === 0) continue;
    matched += kept.length;
    const room = TOPIC_LIMIT - listed;
    if (room <= 0) continue;
    const visible = kept.slice(0, room);
    listed += visible.length;
    const filtered = kept.length !== theme.topics.length;
    const triggerCount = theme.topics.reduce((sum, topic) => sum + topic.triggers.length, 0);
    nodes.push(el('details', { class: 'theme', open: true, 'data-theme': theme.name, 'data-theme-id': /** @type {Theme} */ (theme).id },
      el('summary', {},
        el('span', { class: 'name', text: theme.name }),
        el('span', { class: 'count', text: filtered ? `${kept.length} of ${plural(theme.topics.length, 'topic')}` : `${plural(theme.topics.length, 'topic')} · ${plural(triggerCount, 'trigger')}` }),
      ),
      el('div', { class: 'topics' }, editing ? themeActions(theme) : null, visible.map(({ topic, triggers, open }) => topicNode(topic, triggers, open, theme, editing))),
    ));
  }
  const more = matched - listed;
  if (more > 0) nodes.push(el('p', { class: 'more', text: `${plural(more, 'more topic')} not shown; type in the filter to narrow the list.` }));
  if (nodes.length === 0) nodes.push(el('p', { class: 'muted empty', text: 'No theme, topic or trigger matches the filter.' }));
  $('#tree').replaceChildren(...nodes);
  $('#filter-status').textContent = query || onlyReview ? `${plural(matched, 'topic')} of ${counts.topics} match.` : '';
  restoreFocus();
}
