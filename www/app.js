// The page: files in (drop zone or file button), the converter runs in a Web
// Worker (worker.js), the preview tree, the report and the download out.
// Everything taken from a file is rendered with textContent / text nodes,
// never parsed as HTML.

/** How many topics the tree shows at once; the filter narrows the rest. */
const TOPIC_LIMIT = 200;
/** How many report rows the page shows; the package holds all of them. */
const REPORT_LIMIT = 500;

const $ = (selector) => document.querySelector(selector);

/** Creates an element; strings among the children become text nodes. */
function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child !== undefined && child !== null && child !== false) node.append(child);
  }
  return node;
}

const plural = (n, one, many = `${one}s`) => `${n.toLocaleString('en')} ${n === 1 ? one : many}`;

/** A location as the CLI prints it: `file entry E row R at /pointer column C`. */
function formatLocation(location) {
  if (!location) return '';
  let text = location.file ?? '';
  if (location.entry != null) text += ` entry ${location.entry}`;
  if (location.row != null) text += ` row ${location.row}`;
  if (location.pointer != null) text += ` at ${location.pointer === '' ? '/' : location.pointer}`;
  if (location.column != null) text += ` column ${location.column}`;
  return text;
}

// ---------------------------------------------------------------------------
// The converter worker. A worker that dies (a panic in the module, a failed
// load) is terminated and a fresh one is started on the next request.

class Converter {
  constructor() {
    this.worker = null;
    this.pending = new Map();
    this.nextId = 1;
  }

  start() {
    const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    worker.onmessage = (event) => {
      const { id, ok, result, error, fatal } = event.data;
      const request = this.pending.get(id);
      if (!request) return;
      this.pending.delete(id);
      if (ok) {
        request.resolve(result);
        return;
      }
      const failure = new Error(error.message);
      failure.name = error.name;
      failure.fatal = Boolean(fatal);
      if (fatal) this.replace(failure);
      request.reject(failure);
    };
    worker.onerror = (event) => {
      event.preventDefault();
      const failure = new Error(event.message || 'the converter could not be loaded or stopped unexpectedly');
      failure.fatal = true;
      this.replace(failure);
    };
    worker.onmessageerror = () => this.replace(Object.assign(new Error('the converter sent an unreadable answer'), { fatal: true }));
    this.worker = worker;
  }

  /** Ends the current worker and fails everything it still owed. */
  replace(failure) {
    if (this.worker) this.worker.terminate();
    this.worker = null;
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const request of pending) request.reject(failure);
  }

  call(op, args) {
    if (!this.worker) this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, op, args });
    });
  }
}

const converter = new Converter();

// ---------------------------------------------------------------------------
// State

/** @type {{id: number, name: string, size: number, bytes: Uint8Array|null, summary: object|null, state: string, error: string|null}[]} */
let entries = [];
let nextEntryId = 1;
/** The latest conversion: {preview, package, package_name}. */
let conversion = null;
/** Search text per topic, built once per conversion. */
let topicText = new Map();
let downloadUrl = null;
/** Bumped on every change, so a late answer for an older state is dropped. */
let generation = 0;

function showMessage(text, { retry = false } = {}) {
  const box = $('#message');
  box.replaceChildren();
  if (!text) {
    box.hidden = true;
    return;
  }
  box.append(el('span', { text }));
  if (retry) box.append(' ', el('button', { type: 'button', class: 'retry', text: 'Try again', onclick: () => update() }));
  box.hidden = false;
}

function describeFailure(error) {
  if (error.fatal) {
    return `The converter stopped unexpectedly (${error.name ?? 'Error'}: ${error.message}). It has been restarted; your files are still here.`;
  }
  return error.message;
}

// ---------------------------------------------------------------------------
// Files

async function addFiles(fileList) {
  const files = [...fileList];
  if (files.length === 0) return;
  const added = files.map((file) => ({
    id: nextEntryId++, name: file.name, size: file.size, bytes: null, summary: null, state: 'reading', error: null, file,
  }));
  entries.push(...added);
  renderFiles();
  await Promise.all(added.map(async (entry) => {
    try {
      entry.bytes = new Uint8Array(await entry.file.arrayBuffer());
      entry.state = 'inspecting';
      renderFiles();
      entry.summary = await converter.call('inspect', { name: entry.name, bytes: entry.bytes });
      entry.state = entry.summary.error ? 'error' : 'ok';
      entry.error = entry.summary.error;
    } catch (error) {
      entry.state = 'error';
      entry.error = describeFailure(error);
    }
    delete entry.file;
    renderFiles();
  }));
  update();
}

function removeEntry(id) {
  entries = entries.filter((entry) => entry.id !== id);
  renderFiles();
  update();
}

function renderFiles() {
  const table = $('#files');
  const body = table.querySelector('tbody');
  body.replaceChildren(...entries.map((entry) => {
    const summary = entry.summary;
    let status;
    if (entry.state === 'error') status = el('span', { class: 'status error', text: entry.error });
    else if (entry.state === 'ok') {
      const problems = summary.problems;
      status = el('span', { class: problems ? 'status warning' : 'status ok', text: problems ? `read, ${plural(problems, 'problem')} (see the report)` : 'read' });
    } else status = el('span', { class: 'status busy', text: `${entry.state}…` });
    return el('tr', { 'data-file': entry.name, class: `file ${entry.state}` },
      el('td', { class: 'name', text: entry.name }),
      el('td', { class: 'kind', text: summary ? summary.kind_label : '' }),
      el('td', { class: 'num trackers', text: summary && !summary.error ? String(summary.trackers) : '' }),
      el('td', { class: 'num phrases', text: summary && !summary.error ? String(summary.phrases) : '' }),
      el('td', {}, status),
      el('td', {}, el('button', { type: 'button', class: 'remove', title: `Remove ${entry.name}`, 'aria-label': `Remove ${entry.name}`, text: '×', onclick: () => removeEntry(entry.id) })),
    );
  }));
  table.hidden = entries.length === 0;
  $('#clear').disabled = entries.length === 0;
}

// ---------------------------------------------------------------------------
// Conversion

async function update() {
  const current = ++generation;
  const ready = entries.filter((entry) => entry.state === 'ok');
  const busy = entries.some((entry) => entry.state === 'reading' || entry.state === 'inspecting');
  if (busy) return;
  if (ready.length === 0) {
    setConversion(null);
    const failed = entries.filter((entry) => entry.state === 'error');
    showMessage(failed.length ? 'None of the files could be read; see the status of each file above.' : '');
    return;
  }
  const started = performance.now();
  try {
    const result = await converter.call('convert', {
      files: ready.map((entry) => ({ name: entry.name, bytes: entry.bytes })),
      options: { default_language: $('#default-language').value },
    });
    if (current !== generation) return;
    setConversion(result);
    showMessage('');
    const elapsed = performance.now() - started;
    const rendered = performance.now();
    renderAll();
    const total = performance.now() - started;
    $('#timing').textContent = `Converted ${plural(ready.length, 'file')} in ${Math.round(elapsed)} ms, shown in ${Math.round(performance.now() - rendered)} ms.`;
    document.body.dataset.previewMs = String(Math.round(total));
    document.body.dataset.conversions = String(Number(document.body.dataset.conversions ?? 0) + 1);
  } catch (error) {
    if (current !== generation) return;
    setConversion(null);
    showMessage(describeFailure(error), { retry: error.fatal });
  }
}

function setConversion(result) {
  conversion = result;
  if (downloadUrl) URL.revokeObjectURL(downloadUrl);
  downloadUrl = null;
  topicText = new Map();
  $('#result').hidden = !result;
  document.body.dataset.state = result ? 'converted' : 'empty';
  if (!result) return;
  for (const theme of result.preview.themes) {
    for (const topic of theme.topics) {
      topicText.set(topic, [theme.name, topic.name, topic.description, topic.source.expression ?? '', ...topic.review_reasons].join('\n').toLowerCase());
    }
  }
  downloadUrl = URL.createObjectURL(result.package);
  const link = $('#download');
  link.href = downloadUrl;
  link.download = result.package_name;
  link.textContent = `Download ${result.package_name}`;
}

function renderAll() {
  renderCounts();
  renderTree();
  renderReport();
}

function renderCounts() {
  const { counts } = conversion.preview;
  const item = (label, value, extra) => [el('dt', { text: label }), el('dd', { 'data-count': label.toLowerCase() }, String(value), extra ?? '')];
  $('#counts').replaceChildren(
    ...item('Themes', counts.themes),
    ...item('Topics', counts.topics, counts.needs_review ? el('span', { class: 'badge review', text: `${counts.needs_review} need review` }) : null),
    ...item('Triggers', counts.triggers),
    ...item('Report', `${plural(counts.report.warning, 'warning')}, ${plural(counts.report.review, 'review item')}, ${plural(counts.report.error, 'error')}`),
  );
}

// ---------------------------------------------------------------------------
// The tree: Theme -> Topic -> Trigger, a bounded slice of what the filter keeps.

function topicDetails(topic, triggers) {
  const body = el('div', { class: 'topic-body' });
  if (topic.description) body.append(el('p', { class: 'description', text: topic.description }));
  if (topic.status === 'needs_review') {
    body.append(el('div', { class: 'review-box' },
      el('strong', { text: 'Needs review before import:' }),
      el('ul', {}, topic.review_reasons.map((reason) => el('li', { text: reason }))),
      topic.source.expression != null ? el('p', {}, 'Original expression: ', el('code', { class: 'expression', text: topic.source.expression })) : null,
    ));
  }
  const from = topic.source.locations.map(formatLocation).join('; ');
  body.append(el('p', { class: 'source muted', text: `From ${from}${topic.source.chorus_type ? ` (Chorus type: ${topic.source.chorus_type})` : ''}` }));
  if (triggers.length === 0) {
    body.append(el('p', { class: 'muted', text: 'No triggers.' }));
  } else {
    body.append(el('table', { class: 'triggers' },
      el('thead', {}, el('tr', {}, el('th', { text: 'Trigger phrase' }), el('th', { text: 'Said by' }), el('th', { text: 'Language' }), el('th', { text: 'Match' }))),
      el('tbody', {}, triggers.map((trigger) => el('tr', { class: 'trigger' },
        el('td', { class: 'phrase', text: trigger.phrase }),
        el('td', { class: `said-by ${trigger.said_by}`, text: trigger.said_by }),
        el('td', { class: 'language', text: trigger.language }),
        el('td', { class: 'match', text: trigger.match }),
      ))),
    ));
  }
  return body;
}

function topicNode(topic, triggers, open) {
  const partial = triggers.length !== topic.triggers.length;
  const node = el('details', { class: `topic ${topic.status}`, 'data-topic': topic.name },
    el('summary', {},
      el('span', { class: 'name', text: topic.name }),
      topic.status === 'needs_review' ? el('span', { class: 'badge review', title: topic.review_reasons.join('\n'), text: 'needs review' }) : null,
      el('span', { class: 'count', text: partial ? `${triggers.length} of ${plural(topic.triggers.length, 'trigger')}` : plural(topic.triggers.length, 'trigger') }),
    ),
  );
  // The body is built when the topic is first opened: a thousand closed
  // topics cost a thousand summaries, not every trigger row.
  const fill = () => {
    if (node.open && !node.querySelector('.topic-body')) node.append(topicDetails(topic, triggers));
  };
  node.addEventListener('toggle', fill);
  if (open) {
    node.open = true;
    fill();
  }
  return node;
}

function renderTree() {
  const query = $('#filter').value.trim().toLowerCase();
  const onlyReview = $('#only-review').checked;
  const { themes, counts } = conversion.preview;
  const nodes = [];
  let shown = 0;
  let matched = 0;
  for (const theme of themes) {
    const themeHit = query !== '' && theme.name.toLowerCase().includes(query);
    const kept = [];
    for (const topic of theme.topics) {
      if (onlyReview && topic.status !== 'needs_review') continue;
      let triggers = topic.triggers;
      let open = false;
      if (query !== '' && !themeHit && !topicText.get(topic).includes(query)) {
        triggers = topic.triggers.filter((trigger) => trigger.phrase.toLowerCase().includes(query));
        if (triggers.length === 0) continue;
        open = true;
      }
      kept.push({ topic, triggers, open });
    }
    if (kept.length === 0) continue;
    matched += kept.length;
    const room = TOPIC_LIMIT - shown;
    if (room <= 0) continue;
    const visible = kept.slice(0, room);
    shown += visible.length;
    const filtered = kept.length !== theme.topics.length;
    const triggerCount = theme.topics.reduce((sum, topic) => sum + topic.triggers.length, 0);
    nodes.push(el('details', { class: 'theme', open: true, 'data-theme': theme.name },
      el('summary', {},
        el('span', { class: 'name', text: theme.name }),
        el('span', { class: 'count', text: filtered ? `${kept.length} of ${plural(theme.topics.length, 'topic')}` : `${plural(theme.topics.length, 'topic')} · ${plural(triggerCount, 'trigger')}` }),
      ),
      el('div', { class: 'topics' }, visible.map(({ topic, triggers, open }) => topicNode(topic, triggers, open))),
    ));
  }
  const more = matched - shown;
  if (more > 0) nodes.push(el('p', { class: 'more', text: `${plural(more, 'more topic')} not shown; type in the filter to narrow the list.` }));
  if (nodes.length === 0) nodes.push(el('p', { class: 'muted empty', text: 'No theme, topic or trigger matches the filter.' }));
  $('#tree').replaceChildren(...nodes);
  $('#filter-status').textContent = query || onlyReview ? `${plural(matched, 'topic')} of ${counts.topics} match.` : '';
}

function renderReport() {
  const { report } = conversion.preview;
  const rows = report.slice(0, REPORT_LIMIT).map((entry) => el('tr', { class: `entry ${entry.severity}` },
    el('td', {}, el('span', { class: `badge ${entry.severity}`, text: entry.severity })),
    el('td', { class: 'code', text: entry.code }),
    el('td', { class: 'message', text: entry.message }),
    el('td', { class: 'location', text: formatLocation(entry.location) }),
  ));
  if (rows.length === 0) rows.push(el('tr', {}, el('td', { colspan: 4, class: 'muted', text: 'Nothing to report.' })));
  $('#report tbody').replaceChildren(...rows);
  $('#report-more').textContent = report.length > REPORT_LIMIT ? `${report.length - REPORT_LIMIT} more entries are in report.csv inside the package.` : '';
}

// ---------------------------------------------------------------------------
// Wiring

function setUp() {
  const input = $('#file-input');
  input.addEventListener('change', () => {
    addFiles(input.files);
    input.value = '';
  });
  const zone = $('#drop-zone');
  zone.addEventListener('dragover', (event) => {
    event.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('over');
    addFiles(event.dataTransfer.files);
  });
  // A file dropped next to the zone must not make the browser navigate away.
  window.addEventListener('dragover', (event) => event.preventDefault());
  window.addEventListener('drop', (event) => event.preventDefault());

  $('#default-language').addEventListener('change', () => update());
  $('#clear').addEventListener('click', () => {
    entries = [];
    renderFiles();
    update();
  });
  let pending = 0;
  const refilter = () => {
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(() => conversion && renderTree());
  };
  $('#filter').addEventListener('input', refilter);
  $('#only-review').addEventListener('change', refilter);
  const setAll = (open) => {
    for (const node of document.querySelectorAll('#tree details')) node.open = open;
  };
  $('#expand').addEventListener('click', () => setAll(true));
  $('#collapse').addEventListener('click', () => setAll(false));

  converter.call('version').then(
    (version) => {
      $('#version').textContent = version;
      document.body.dataset.ready = 'true';
    },
    (error) => showMessage(`The converter could not be loaded: ${error.message}. Build it with "make wasm" and reload the page.`),
  );
}

setUp();
