// @ts-check
// The preview's tabs (Trackers, Calls, Users, Agreement, Report) as the
// ARIA tabs pattern: one tab in the Tab order (the selected one), the
// arrow keys, Home and End move between the tabs shown and select the
// one reached. In: which tabs a conversion has and their counts. Out:
// the tab list and which panel is shown.

import { $ } from './dom.js';

/** The tabs in order, by the name in their ids (`#tab-NAME`, `#panel-NAME`). */
export const TABS = ['trackers', 'calls', 'users', 'agreement', 'report'];

/** The tab chosen last by the customer, kept while it is shown. @type {string | null} */
let chosen = null;

/** @param {string} name */
const tab = (name) => $(`#tab-${name}`, HTMLButtonElement);

/** The tabs not hidden, in order. */
const shownTabs = () => TABS.filter((name) => !tab(name).hidden);

/**
 * Shows the panel of tab `name` and selects its tab (the only one in the Tab order).
 * @param {string} name
 * @param {{focus?: boolean}} [options]
 */
export function selectTab(name, { focus = false } = {}) {
  for (const other of TABS) {
    const selected = other === name;
    tab(other).setAttribute('aria-selected', String(selected));
    tab(other).tabIndex = selected ? 0 : -1;
    $(`#panel-${other}`).hidden = !selected;
  }
  if (focus) tab(name).focus();
}

/**
 * Which tabs a conversion has (a tab left out is hidden) and the count
 * beside each name (none for null); the tab chosen before stays selected
 * while it is shown, else the first shown.
 * @param {Record<string, {shown: boolean, count?: string | null}>} tabs
 */
export function setTabs(tabs) {
  for (const name of TABS) {
    const { shown: visible, count } = tabs[name] ?? { shown: false };
    tab(name).hidden = !visible;
    tab(name).querySelector('.tab-count').textContent = count ?? '';
  }
  const visible = shownTabs();
  selectTab(chosen && visible.includes(chosen) ? chosen : visible[0] ?? 'report');
}

/**
 * Chooses tab `name` as the customer would (kept for the next conversion) and focuses it.
 * @param {string} name
 */
export function chooseTab(name) {
  chosen = name;
  selectTab(name, { focus: true });
}

/** Clicks and keys on the tab list. */
export function setUpTabs() {
  for (const name of TABS) tab(name).addEventListener('click', () => chooseTab(name));
  $('.tabs[role="tablist"]').addEventListener('keydown', (event) => {
    const visible = shownTabs();
    const at = visible.indexOf(/** @type {HTMLElement} */ (event.target).id.replace(/^tab-/, ''));
    if (at < 0) return;
    /** @type {Record<string, number>} */
    const moves = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: visible.length - 1 };
    if (!(event.key in moves)) return;
    event.preventDefault();
    chooseTab(visible[(moves[event.key] + visible.length) % visible.length]);
  });
}
