// @ts-check
// The calls side of the preview: the call counts, the calls left out per
// reason, the first calls (each opened to its participants and the start
// of its transcript, read from the archive by the worker), the users and
// the calls left out with their reason and place. In: the preview. Out:
// the calls section.

import { converter, describeFailure } from './converter.js';
import { $, countItems, el, formatDuration, formatLocation, plural } from './dom.js';
import { shown } from './state.js';

/** @typedef {import('../pkg/chorus2outdoo.js').Call} Call */

/** How many calls, users and left-out calls the preview lists. */
const CALL_LIMIT = 50;

/** What each reason a call is left out for means, in words. @type {Record<string, string>} */
export const SKIP_REASONS = {
  not_recorded: 'not recorded',
  host_did_not_join: 'the host did not join',
  private: 'private',
  out_of_period: 'outside the period',
  too_short: 'too short',
  excluded_kind: 'a dialer call (meetings only)',
  unreadable: 'unreadable',
  already_migrated: 'in an earlier package',
};

export function renderCalls() {
  const calls = shown.conversion.preview.calls;
  if (!calls) return;
  const counts = shown.conversion.preview.counts;
  $('#call-counts').replaceChildren(...countItems([
    ['Calls to import', 'calls', counts.calls],
    ['Left out', 'skipped_calls', counts.skipped_calls],
    ['With transcript', 'transcripts', counts.transcripts],
    ['With recording', 'media', counts.media],
    ['Users', 'users', counts.users],
    ['Users to create', 'users_to_create', counts.users_to_create],
  ]));
  $('#skipped-by-reason').replaceChildren(...Object.entries(calls.skipped_by_reason).map(([reason, n]) => el('li', { 'data-reason': reason },
    el('code', { text: reason }), ` ${SKIP_REASONS[reason] ?? ''}: ${n}`)));

  const listed = calls.calls.slice(0, CALL_LIMIT).map((call) => el('tr', { class: 'call', 'data-id': call.source_id },
    el('td', { class: 'title' }, el('button', {
      type: 'button', class: 'call-open', 'aria-expanded': 'false', text: call.title ?? '(no title)',
      onclick: (/** @type {MouseEvent} */ event) => toggleCall(/** @type {HTMLButtonElement} */ (event.currentTarget), call),
    })),
    el('td', { class: 'start', text: call.started_at.slice(0, 16).replace('T', ' ') }),
    el('td', { class: 'num duration', text: formatDuration(call.duration_seconds) }),
    el('td', { class: 'host', text: call.host_email ?? '' }),
    el('td', { class: 'num participants', text: String(call.participants.length) }),
    el('td', { class: 'transcript', text: call.transcript ? 'yes' : 'no' }),
  ));
  if (listed.length === 0) listed.push(el('tr', {}, el('td', { colspan: 6, class: 'muted', text: 'No call within the scope.' })));
  $('#call-list tbody').replaceChildren(...listed);
  $('#call-list-more').textContent = counts.calls > CALL_LIMIT ? `${plural(counts.calls - CALL_LIMIT, 'more call')} not listed; calls.jsonl in the package holds them all.` : '';

  const users = calls.users.slice(0, CALL_LIMIT * 4).map((user) => el('tr', { class: `user ${user.action}` },
    el('td', { class: 'email', text: user.email }),
    el('td', { class: 'name', text: user.name ?? '' }),
    el('td', { class: 'action', text: user.action === 'create' ? 'create' : 'existing' }),
    el('td', { class: 'role', text: user.role ?? '' }),
  ));
  if (users.length === 0) users.push(el('tr', {}, el('td', { colspan: 4, class: 'muted', text: 'No users.' })));
  $('#user-list tbody').replaceChildren(...users);

  const skipped = calls.skipped.slice(0, CALL_LIMIT).map((call) => el('tr', { class: `skipped ${call.reason}` },
    el('td', { class: 'id', text: call.source_id }),
    el('td', { class: 'reason' }, el('code', { text: call.reason })),
    el('td', { class: 'message', text: call.message }),
    el('td', { class: 'location', text: formatLocation(call.location) }),
  ));
  if (skipped.length === 0) skipped.push(el('tr', {}, el('td', { colspan: 4, class: 'muted', text: 'None.' })));
  $('#skipped-list tbody').replaceChildren(...skipped);
  $('#skipped-list-more').textContent = counts.skipped_calls > CALL_LIMIT ? `${plural(counts.skipped_calls - CALL_LIMIT, 'more call')} left out are listed in report.json inside the package.` : '';
}

/** How many utterances a call's detail shows. */
const EXCERPT_UTTERANCES = 8;

/** @type {Record<string, string>} */
const SIDES = { internal: 'our team', external: 'customer side', unknown: 'side unknown' };

/**
 * Opens or closes the detail row of a call: participants, then the start of its transcript.
 * @param {HTMLButtonElement} button
 * @param {Call} call
 */
async function toggleCall(button, call) {
  const row = button.closest('tr');
  const open = row.nextElementSibling?.classList.contains('call-detail');
  if (open) {
    row.nextElementSibling.remove();
    button.setAttribute('aria-expanded', 'false');
    return;
  }
  button.setAttribute('aria-expanded', 'true');
  const transcript = el('div', { class: 'excerpt' }, el('p', { class: 'muted', text: call.transcript ? 'Reading the transcript…' : 'No transcript.' }));
  const people = call.participants.map((person) => el('li', { class: 'participant' },
    el('span', { class: 'person-name', text: person.name ?? '(no name)' }),
    person.email ? el('span', { class: 'person-email muted', text: ` ${person.email}` }) : null,
    person.title || person.company ? el('span', { class: 'person-role', text: ` · ${[person.title, person.company].filter(Boolean).join(', ')}` }) : null,
    el('span', { class: 'person-side muted', text: ` (${SIDES[person.side] ?? person.side})` }),
  ));
  const detail = el('tr', { class: 'call-detail', 'data-id': call.source_id }, el('td', { colspan: 6 },
    el('h4', { text: 'Participants' }),
    people.length ? el('ul', { class: 'participants' }, people) : el('p', { class: 'muted', text: 'None listed.' }),
    el('h4', { text: 'Transcript' }),
    transcript,
  ));
  row.after(detail);
  if (!call.transcript) return;
  try {
    /** @type {import('../pkg/chorus2outdoo.js').Excerpt} */
    const excerpt = await converter.call('transcript', { sourceId: call.source_id, limit: EXCERPT_UTTERANCES });
    const speakers = new Map(excerpt.speakers.map((speaker) => [speaker.id, speaker]));
    const lines = excerpt.utterances.map((utterance) => {
      const speaker = speakers.get(utterance.speaker);
      return el('li', { class: `utterance ${speaker?.side ?? 'unknown'}` },
        el('span', { class: 'at muted', text: `${formatDuration(Math.floor(utterance.start_ms / 1000))} ` }),
        el('span', { class: 'speaker', text: `${speaker?.name ?? `Speaker ${utterance.speaker}`}: ` }),
        el('span', { class: 'text', text: utterance.text }),
      );
    });
    const more = excerpt.utterance_count - excerpt.utterances.length;
    transcript.replaceChildren(
      el('ol', { class: 'utterances' }, lines),
      more > 0 ? el('p', { class: 'muted', text: `${plural(more, 'more utterance')} in transcripts/${call.source_id}.json.` }) : '',
    );
  } catch (error) {
    transcript.replaceChildren(el('p', { class: 'status error', text: describeFailure(error) }));
  }
}
