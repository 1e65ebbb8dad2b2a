// End-to-end tests of the web page: starts `chorus2outdoo serve` on a free
// 127.0.0.1 port, drives Debian's /usr/bin/chromium with playwright-core,
// and stops both at the end, also on failure or timeout. The tests of the
// page's download from Chorus start the mock Chorus API
// (target/debug/examples/mock_chorus) and a server allowing its origin.
//
//   node tests/e2e/run.mjs            (after `make wasm build` and `cargo build --example mock_chorus`)
//
// Prints one line per test and a closing "N passed, N failed"; exits non-zero
// on any failure. Screenshots go to tests/artifacts/ (preview.png, calls-preview.png,
// preview-200-calls.png, report-200-calls.png, fidelity.png, fidelity-tree.png,
// scope-recover.png).

import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_FLAGS, CLI, ROOT, children, startServer } from './support.mjs';
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import zlib from 'node:zlib';
import http from 'node:http';
import { dirname, join } from 'node:path';
import assert from 'node:assert/strict';

const MOCK = join(ROOT, 'target/debug/examples/mock_chorus');
const FIXTURES = join(ROOT, 'tests/fixtures');
const E2E = join(FIXTURES, 'e2e');
const ARTIFACTS = join(ROOT, 'tests/artifacts');
const GLOBAL_TIMEOUT_MS = 480_000;
const TEST_TIMEOUT_MS = 45_000;

const csp = (chorusOrigin) => "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; "
  + `connect-src 'self' ${chorusOrigin}; `
  + "img-src 'self' blob: data:; style-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
/** The mock API's token: distinctive, so any leak is found by a plain search. */
const TOKEN = 'e2e-Tok3n-9f8a7b6c';
const NO_HEADER_ERROR = 'broken_no_header.csv row 1: no tracker header found: a header row needs a tracker name column and a keywords or expression column. Headers found: "Owner", "Notes", "Created".';

let browser = null;
/** Errors thrown where no test awaits them (a route handler, say): they fail the test that was running. */
const unhandled = [];
process.on('unhandledRejection', (error) => unhandled.push(error));

async function cleanup() {
  if (browser) await browser.close().catch(() => {});
  browser = null;
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
}
const globalTimer = setTimeout(async () => {
  console.error(`e2e: global timeout of ${GLOBAL_TIMEOUT_MS / 1000} s reached, stopping`);
  await cleanup();
  process.exit(1);
}, GLOBAL_TIMEOUT_MS);

/** Starts the mock Chorus API (`faults`: "PATH_PART:STATUS:TIMES"); `stop()` ends it and gives the requests it saw ("GET /path?query"). */
async function startMock({ cors, faults = [] }) {
  if (!existsSync(MOCK)) throw new Error(`${MOCK} is missing: run "cargo build --example mock_chorus" first`);
  const args = ['--data', join(FIXTURES, 'api'), '--token', TOKEN];
  if (cors) args.push('--cors');
  for (const fault of faults) args.push('--fault', fault);
  const mock = spawn(MOCK, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(mock);
  let log = '';
  mock.stderr.on('data', (chunk) => { log += chunk; });
  const url = await new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error('the mock API did not start within 10 s')), 10_000);
    let output = '';
    mock.stdout.on('data', (chunk) => {
      output += chunk;
      const found = output.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (found) {
        clearTimeout(timer);
        done(found[1]);
      }
    });
    mock.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`the mock API exited with ${code}: ${log}`));
    });
  });
  const stop = () => new Promise((done) => {
    if (mock.exitCode !== null) return done(log.split('\n').filter(Boolean));
    mock.once('exit', () => done(log.split('\n').filter(Boolean)));
    mock.stdin.end();
  });
  return { url, stop };
}

/** The status of a GET for `path` sent exactly as written. */
function rawStatus(path) {
  const { hostname, port } = new URL(BASE);
  return new Promise((done, fail) => {
    http.get({ hostname, port, path }, (response) => {
      response.resume();
      done(response.statusCode);
    }).on('error', fail);
  });
}

function localDate() {
  const now = new Date();
  const pad = (n) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

// ---------------------------------------------------------------------------
// A fresh browser context per test, recording everything the page does.

let BASE = '';

async function openPage({ allowConsoleErrors = false, beforeGoto = null, base = BASE, allowedOrigins = [], query = '', waitReady = true } = {}) {
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1200, height: 900 } });
  const record = { requests: [], consoleErrors: [], consoleAll: [], pageErrors: [] };
  context.on('request', (request) => record.requests.push(request.url()));
  if (beforeGoto) await beforeGoto(context);
  const page = await context.newPage();
  page.on('console', (message) => {
    record.consoleAll.push(message.text());
    if (message.type() === 'error') record.consoleErrors.push(message.text());
  });
  page.on('worker', (worker) => worker.on('console', (message) => record.consoleAll.push(message.text())));
  page.on('pageerror', (error) => record.pageErrors.push(String(error)));
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (event) => {
      window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  const response = await page.goto(`${base}/${query}`);
  if (waitReady) await page.waitForSelector('body[data-ready="true"]', { timeout: 15_000 });

  /** The checks every test ends with. */
  const finish = async () => {
    const violations = await page.evaluate(() => window.__cspViolations);
    assert.deepEqual(violations, [], 'no Content-Security-Policy violations');
    assert.deepEqual(record.pageErrors, [], 'no uncaught page errors');
    if (!allowConsoleErrors) assert.deepEqual(record.consoleErrors, [], 'no console errors');
    const outside = record.requests.filter((url) => {
      const parsed = new URL(url);
      return !(parsed.origin === base || allowedOrigins.includes(parsed.origin) || parsed.protocol === 'blob:' || parsed.protocol === 'data:');
    });
    assert.deepEqual(outside, [], 'no request leaves the page origin (and the allowed Chorus origin)');
    assert.ok(record.requests.length > 0, 'requests were recorded');
    await context.close();
  };
  return { page, context, response, record, finish };
}

/** Waits until the page has converted more than `before` times. */
async function converted(page, before, timeout = 30_000) {
  await saying(page, page.waitForFunction((n) => Number(document.body.dataset.conversions ?? 0) > n, before, { timeout }));
}

/** `waiting`, or when it fails, its error with what the page shows (its state, message and progress), so a timeout says where the page stood. */
async function saying(page, waiting) {
  try {
    return await waiting;
  } catch (error) {
    const shown = await page.evaluate(() => JSON.stringify({
      dataset: { ...document.body.dataset },
      message: document.querySelector('#message')?.hidden ? null : document.querySelector('#message')?.textContent,
      progress: document.querySelector('#progress-text')?.textContent ?? null,
    })).catch((reason) => `(not readable: ${reason.message})`);
    error.message += `\nthe page: ${shown}`;
    error.stack += `\nthe page: ${shown}`;
    throw error;
  }
}

const conversions = async (page) => Number(await page.evaluate(() => document.body.dataset.conversions ?? 0));

/** Clicks the download button and gives the package's bytes (kept as tests/artifacts/<keepAs> to compare by hand). */
async function downloadPackage(page, keepAs) {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
  assert.equal(download.suggestedFilename(), `outdoo-import-${localDate()}.zip`);
  const bytes = readFileSync(await download.path());
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(join(ARTIFACTS, keepAs), bytes);
  return bytes;
}

/** The CLI's package for the same inputs. */
function cliPackage(name, args) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const out = join(ARTIFACTS, name);
  execFileSync(CLI, ['--quiet', 'convert', ...args, '--out', out]);
  return readFileSync(out);
}

/** Fills the scope controls (each change converts again when files are there). */
async function setScope(page, { from = '', to = '', minDuration = '0', calls = 'all' }) {
  await page.fill('#scope-from', from);
  await page.fill('#scope-to', to);
  await page.fill('#scope-min-duration', minDuration);
  await page.dispatchEvent('#scope-min-duration', 'change');
  await page.selectOption('#scope-calls', calls);
}

/** Picks files with the file button and waits for the resulting conversion. */
async function pick(page, paths) {
  const before = Number(await page.evaluate(() => document.body.dataset.conversions ?? 0));
  await page.setInputFiles('#file-input', paths);
  await saying(page, page.waitForFunction((n) => Number(document.body.dataset.conversions ?? 0) > n, before, { timeout: 15_000 }));
}

const texts = (page, selector) => page.$$eval(selector, (nodes) => nodes.map((node) => node.textContent.trim()));

/** Selects the preview's tab `name` (trackers, calls, users, agreement, report) with a click; its panel is then the one shown. */
async function showTab(page, name) {
  await page.click(`#tab-${name}`);
  assert.equal(await page.getAttribute(`#tab-${name}`, 'aria-selected'), 'true');
  assert.equal(await page.isVisible(`#panel-${name}`), true);
}

/** The report's reason codes as [severity, code, count], in the order shown. */
const reportGroups = (page) => page.$$eval('#report details.report-code', (nodes) => nodes.map((node) => [
  node.querySelector('summary .badge').textContent, node.dataset.code, node.querySelector('summary .count').textContent,
]));

/** Opens the report's line for `code` and gives its entries as [severity, message, location]. */
async function reportEntries(page, code) {
  if (await page.getAttribute('#tab-report', 'aria-selected') !== 'true') await showTab(page, 'report');
  const group = page.locator(`#report details.report-code[data-code="${code}"]`);
  if (!(await group.evaluate((node) => node.open))) await group.locator('summary').click();
  await group.locator('table.report-entries').waitFor();
  return group.locator('tbody tr.entry').evaluateAll((rows) => rows.map((row) => [
    row.querySelector('.badge').textContent, row.querySelector('td.message').textContent, row.querySelector('td.location').textContent,
  ]));
}

async function openTopic(page, name) {
  if (await page.getAttribute('#tab-trackers', 'aria-selected') !== 'true') await showTab(page, 'trackers');
  const topic = page.locator(`#tree details.topic[data-topic="${name}"]`);
  await topic.locator('summary').click();
  await topic.locator('.topic-body').waitFor();
  return topic;
}

// ---------------------------------------------------------------------------

const tests = [];
const test = (name, body) => tests.push({ name, body });

test('the page loads with its policy, no console errors and no outside requests', async () => {
  const { page, response, record, finish } = await openPage();
  const headers = response.headers();
  assert.equal(headers['content-security-policy'], csp('https://chorus.ai'));
  assert.equal(headers['x-content-type-options'], 'nosniff');
  assert.equal(headers['content-type'], 'text/html; charset=utf-8');
  // The policy is the header alone: a <meta> could not name the configured Chorus origin.
  assert.equal(await page.locator('meta[http-equiv="Content-Security-Policy"]').count(), 0);
  const config = await page.evaluate(async () => {
    const answer = await fetch('/config.json');
    return { type: answer.headers.get('content-type'), policy: answer.headers.get('content-security-policy'), body: await answer.text() };
  });
  assert.deepEqual(config, { type: 'application/json', policy: csp('https://chorus.ai'), body: '{"chorus_origin":"https://chorus.ai"}' });
  assert.equal(await page.inputValue('#fetch-base-url'), 'https://chorus.ai');
  assert.equal(await page.textContent('#chorus-origin-note'), 'https://chorus.ai');
  assert.match(await page.textContent('#privacy'), /Your files stay on this computer\./);
  assert.match(await page.textContent('#version'), /^chorus2outdoo \d+\.\d+\.\d+$/);
  assert.ok(record.requests.some((url) => url.endsWith('/pkg/chorus2outdoo_bg.wasm')), 'the module was fetched');
  const wasm = await page.evaluate(async () => (await fetch('/pkg/chorus2outdoo_bg.wasm')).headers.get('content-type'));
  assert.equal(wasm, 'application/wasm');
  // Paths that try to leave www/ (sent raw, without the browser's normalisation).
  for (const path of ['/../Cargo.toml', '/pkg/..%2f..%2fCargo.toml', '/..\\Cargo.toml', '//etc/passwd']) {
    assert.equal(await rawStatus(path), 400, path);
  }
  assert.equal(await rawStatus('/no-such-file.js'), 404);
  await finish();
});

test('the tree shows themes, topics and triggers with counts', async () => {
  const { page, finish } = await openPage();
  await pick(page, [join(E2E, 'trackers_page.csv')]);
  assert.deepEqual(await texts(page, '#files tbody tr td.kind'), ['tracker table (CSV/text)']);
  assert.deepEqual(await texts(page, '#files tbody tr td.trackers'), ['6']);
  assert.deepEqual(await texts(page, '#files tbody tr td.phrases'), ['15']);
  assert.deepEqual(await texts(page, '#counts dd[data-count="themes"]'), ['3']);
  assert.deepEqual(await texts(page, '#counts dd[data-count="topics"]'), ['61 need review']);
  assert.deepEqual(await texts(page, '#counts dd[data-count="triggers"]'), ['15']);
  assert.deepEqual(await texts(page, '#tree .theme > summary .name'), ['Deal', 'Competitor', 'Playbook']);
  assert.deepEqual(await texts(page, '#tree .theme > summary .count'), [
    '3 topics · 9 triggers', '2 topics · 3 triggers', '1 topic · 3 triggers',
  ]);
  assert.deepEqual(await texts(page, '#tree .topic > summary .name'), [
    'Pricing', 'Discounts', 'Budget approval', 'Gong', 'Clari', 'Next steps',
  ]);
  assert.deepEqual(await texts(page, '#tree .topic > summary .count'), [
    '3 triggers', '3 triggers', '3 triggers', '2 triggers', '1 trigger', '3 triggers',
  ]);
  const pricing = await openTopic(page, 'Pricing');
  assert.deepEqual(await pricing.locator('tr.trigger td.phrase').allTextContents(), ['price', 'pricing', '10,000 seats']);
  assert.deepEqual(await pricing.locator('tr.trigger td.said-by').allTextContents(), ['external', 'external', 'external']);
  assert.deepEqual(await pricing.locator('tr.trigger td.language').allTextContents(), ['en', 'en', 'en']);
  const gong = await openTopic(page, 'Gong');
  assert.deepEqual(await gong.locator('tr.trigger td.language').allTextContents(), ['de', 'de']);
  assert.deepEqual(await gong.locator('tr.trigger td.said-by').allTextContents(), ['anyone', 'anyone']);
  const clari = await openTopic(page, 'Clari');
  assert.deepEqual(await clari.locator('tr.trigger td.said-by').allTextContents(), ['company']);
  assert.equal(await page.getAttribute('#download', 'download'), `outdoo-import-${localDate()}.zip`);
  await finish();
});

test('a topic that is not a pure OR shows the review badge, its reasons and expression', async () => {
  const { page, finish } = await openPage();
  await pick(page, [join(E2E, 'trackers_page.csv')]);
  const badges = await page.$$eval('#tree .topic', (nodes) => nodes
    .filter((node) => node.querySelector(':scope > summary .badge.review'))
    .map((node) => node.dataset.topic));
  assert.deepEqual(badges, ['Budget approval'], 'only the AND/NOT tracker needs review; the pure OR one does not');
  const budget = await openTopic(page, 'Budget approval');
  assert.equal(await budget.locator('summary .badge.review').textContent(), 'needs review');
  assert.equal(await budget.locator('.review-box code.expression').textContent(), 'budget AND (approve OR approval) NOT "no budget"');
  const reasons = await budget.locator('.review-box li').allTextContents();
  assert.equal(reasons.length, 1);
  assert.match(reasons[0], /uses AND/);
  assert.match(reasons[0], /excludes "no budget" \(NOT\)/);
  assert.equal(await budget.locator('.source').textContent(), 'From trackers_page.csv row 4 (Chorus type: Advanced)');
  assert.deepEqual(await glance(page), {
    import: [['6 topics in 3 themes, with 15 triggers', 'Trackers']],
    needs: [
      ['1 topic needs review: imported as converted unless you change them', 'Show them'],
      ['2 report items to review — Expressions triggers cannot say exactly: the topic needs review (2)', 'Report'],
    ],
    'left-out': [['Nothing.', null]],
  });
  assert.deepEqual(await tabState(page), {
    tabs: [['tab-trackers', '6', 'true'], ['tab-report', '2', 'false']], panels: ['panel-trackers'], focused: null,
  });
  // "Show them": the tree with the topics that need review alone.
  await page.click('#glance-needs li[data-item="needs_review"] button');
  assert.equal(await page.isChecked('#only-review'), true);
  assert.deepEqual(await texts(page, '#tree .topic > summary .name'), ['Budget approval']);
  assert.equal(await page.textContent('#filter-status'), '1 topic of 6 match.');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'tab-trackers');
  await page.uncheck('#only-review');
  await page.waitForFunction(() => document.querySelectorAll('#tree .topic').length === 6);
  assert.deepEqual(await reportGroups(page), [['review', 'expression_needs_review', '2']]);
  assert.deepEqual((await reportEntries(page, 'expression_needs_review')).map(([severity, , location]) => [severity, location]),
    [['review', 'trackers_page.csv row 4'], ['review', 'trackers_page.csv row 4']]);
  await showTab(page, 'trackers');
  await openTopic(page, 'Pricing');
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, 'preview.png'), fullPage: true });
  await finish();
});

test('the filter narrows the tree as you type', async () => {
  const { page, finish } = await openPage();
  await pick(page, [join(E2E, 'trackers_page.csv')]);
  const topics = () => texts(page, '#tree .topic > summary .name');
  await page.fill('#filter', 'gong');
  await page.waitForFunction(() => document.querySelectorAll('#tree .topic').length === 1);
  assert.deepEqual(await texts(page, '#tree .theme > summary .name'), ['Competitor']);
  assert.deepEqual(await topics(), ['Gong']);
  assert.deepEqual(await texts(page, '#tree .theme > summary .count'), ['1 of 2 topics']);
  assert.equal(await page.textContent('#filter-status'), '1 topic of 6 match.');
  // A phrase match shows only the matching triggers, opened.
  await page.fill('#filter', 'follow');
  await page.waitForFunction(() => document.querySelector('#tree .topic')?.dataset.topic === 'Next steps');
  assert.deepEqual(await topics(), ['Next steps']);
  assert.deepEqual(await texts(page, '#tree .topic > summary .count'), ['1 of 3 triggers']);
  assert.deepEqual(await texts(page, '#tree .topic tr.trigger td.phrase'), ['follow up']);
  // A theme match keeps all its topics.
  await page.fill('#filter', 'deal');
  await page.waitForFunction(() => document.querySelectorAll('#tree .topic').length === 3);
  assert.deepEqual(await topics(), ['Pricing', 'Discounts', 'Budget approval']);
  await page.fill('#filter', 'no such phrase');
  await page.waitForSelector('#tree .empty');
  await page.fill('#filter', '');
  await page.waitForFunction(() => document.querySelectorAll('#tree .topic').length === 6);
  await page.check('#only-review');
  await page.waitForFunction(() => document.querySelectorAll('#tree .topic').length === 1);
  assert.deepEqual(await topics(), ['Budget approval']);
  await finish();
});

test('the downloaded package is byte-identical to the CLI output', async () => {
  const { page, finish } = await openPage();
  const inputs = [
    join(E2E, 'trackers_page.csv'),
    join(FIXTURES, 'trackers_array.json'),
    join(FIXTURES, 'trackers_workbook_named_sheet.xlsx'),
    join(FIXTURES, 'trackers_semicolon_bom_crlf.csv'),
  ].filter((path) => existsSync(path));
  assert.ok(inputs.length >= 2, 'fixtures present');
  await page.selectOption('#default-language', 'de');
  await pick(page, inputs);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
  assert.equal(download.suggestedFilename(), `outdoo-import-${localDate()}.zip`);
  const fromPage = readFileSync(await download.path());

  mkdirSync(ARTIFACTS, { recursive: true });
  const out = join(ARTIFACTS, 'cli-package.zip');
  execFileSync(CLI, ['--quiet', 'convert', ...inputs.flatMap((path) => ['--trackers', path]), '--default-language', 'de', '--out', out]);
  const fromCli = readFileSync(out);
  assert.ok(fromPage.length > 100, 'the package is not empty');
  assert.ok(fromPage.equals(fromCli), `page package (${fromPage.length} bytes) equals CLI package (${fromCli.length} bytes)`);
  await finish();
});

test('a browser without WebAssembly SIMD is told so instead of a compile error', async () => {
  // The worker sees a browser whose WebAssembly lacks SIMD (validate says no to the probe).
  const { page, finish } = await openPage({
    waitReady: false,
    beforeGoto: (context) => context.route('**/worker.js', async (route) => {
      const response = await route.fetch();
      const original = await response.text();
      return route.fulfill({ response, body: `WebAssembly.validate = () => false;\n${original}` });
    }),
  });
  await page.waitForFunction(() => !document.querySelector('#message').hidden, null, { timeout: 15_000 });
  assert.equal((await page.textContent('#message span')).trim(),
    'The converter could not be loaded: this browser cannot run the converter: it lacks WebAssembly SIMD '
    + '(Chrome 91, Firefox 89, Safari 16.4 or later have it); use a current browser, or the chorus2outdoo command.');
  assert.equal(await page.evaluate(() => document.body.dataset.ready), undefined);
  await finish();
});

test('a roster with tracker exports and no call archive says what it needs, with helper workers too', async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const rosterPath = join(ARTIFACTS, 'roster-alone.csv');
  writeFileSync(rosterPath, 'Email,Name\nriley.lee@seller.example,Riley Lee\n');
  const { page, finish } = await openPage({ query: '?workers=2' });
  await page.setInputFiles('#roster-input', rosterPath);
  await page.waitForFunction(() => !document.querySelector('#roster-clear').hidden);
  await page.setInputFiles('#file-input', [join(E2E, 'trackers_page.csv')]);
  await page.waitForFunction(() => !document.querySelector('#message').hidden, null, { timeout: 15_000 });
  assert.match(await page.textContent('#message'), /roster-alone\.csv: a roster only matters with call archives; add a call archive \(--archive\) or leave the roster out/);
  await finish();
});

test('a broken file shows its error; the other files still convert and the page stays usable', async () => {
  const { page, finish } = await openPage();
  await pick(page, [join(E2E, 'broken_no_header.csv'), join(E2E, 'trackers_page.csv')]);
  const broken = page.locator('#files tr[data-file="broken_no_header.csv"]');
  assert.ok((await broken.locator('.status.error').textContent()).startsWith(NO_HEADER_ERROR));
  assert.equal(await page.locator('#files tr[data-file="trackers_page.csv"] .status').textContent(), 'read, 2 problems (see the report)');
  assert.deepEqual(await texts(page, '#counts dd[data-count="topics"]'), ['61 need review']);
  assert.equal(await page.isHidden('#message'), true, 'no global error');
  // Still usable: another file adds to the preview, the broken one can be removed.
  await pick(page, [join(E2E, 'trackers_xss.csv')]);
  assert.deepEqual(await texts(page, '#counts dd[data-count="topics"]'), ['71 need review']);
  const conversions = Number(await page.evaluate(() => document.body.dataset.conversions));
  await broken.locator('button.remove').click();
  await page.waitForFunction(() => document.querySelectorAll('#files tbody tr').length === 2);
  // The broken file added nothing, so its removal converts nothing again.
  await page.waitForTimeout(300);
  assert.equal(Number(await page.evaluate(() => document.body.dataset.conversions)), conversions);
  assert.deepEqual(await texts(page, '#counts dd[data-count="topics"]'), ['71 need review']);
  await finish();
});

/** A zip of `files` ({name: content}), stored, for archives built in a test. */
function storedZip(files) {
  const locals = [];
  const central = [];
  let offset = 0;
  for (const [name, content] of Object.entries(files)) {
    const nameBytes = Buffer.from(name);
    const data = Buffer.from(content);
    const crc = zlib.crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0); local.writeUInt16LE(20, 4); local.writeUInt16LE(0x0800, 6);
    local.writeUInt32LE(crc, 14); local.writeUInt32LE(data.length, 18); local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const entry = Buffer.alloc(46);
    entry.writeUInt32LE(0x02014b50, 0); entry.writeUInt16LE(20, 4); entry.writeUInt16LE(20, 6); entry.writeUInt16LE(0x0800, 8);
    entry.writeUInt32LE(crc, 16); entry.writeUInt32LE(data.length, 20); entry.writeUInt32LE(data.length, 24);
    entry.writeUInt16LE(nameBytes.length, 28); entry.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, data);
    central.push(entry, nameBytes);
    offset += 30 + nameBytes.length + data.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(files).length, 8); end.writeUInt16LE(Object.keys(files).length, 10);
  end.writeUInt32LE(directory.length, 12); end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** Attributes that run code or load something: none may carry a value from a file. */
const ACTIVE_ATTRIBUTES = (page) => page.evaluate(() => [...document.querySelectorAll('*')].flatMap((node) => [...node.attributes]
  .filter((a) => /^on|^(href|src|srcdoc|action|formaction|style|xlink:href)$/i.test(a.name) && a.value.includes('__xss'))
  .map((a) => `${node.tagName} ${a.name}=${a.value}`)));

test('markup in tracker files and call archives is shown as text, never run', async () => {
  const archiveDir = join(E2E, 'archive_xss');
  const archive = join(ARTIFACTS, 'archive_xss.zip');
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(archive, storedZip(Object.fromEntries(readdirSync(archiveDir).sort().map((name) => [name, readFileSync(join(archiveDir, name))]))));

  const { page, finish } = await openPage();
  await pick(page, [join(E2E, 'trackers_xss.csv'), archive]);
  assert.deepEqual(await texts(page, '#tree .theme > summary .name'), ['<b>Markup theme</b>']);
  assert.deepEqual(await texts(page, '#tree .topic > summary .name'), ['<img src=x onerror=window.__xss=1>']);
  const topic = await openTopic(page, '<img src=x onerror=window.__xss=1>');
  assert.deepEqual(await topic.locator('td.phrase').allTextContents(), ['<script>window.__xss=2</script>', 'plain phrase']);
  assert.deepEqual(await topic.locator('.description').allTextContents(), ['<a href="javascript:window.__xss=5">click</a><iframe src=x></iframe>']);

  // The call: its title, host and users, then its participants and transcript.
  await showTab(page, 'calls');
  assert.deepEqual(await texts(page, '#call-list tbody tr.call td.title'), ['<img src=x onerror=window.__xss=11>Quarterly review']);
  assert.deepEqual(await texts(page, '#user-list tbody tr td.name'), ['<b onmouseover=window.__xss=12>Hana</b>']);
  await page.click('#call-list tbody tr.call button.call-open');
  await page.waitForSelector('#call-list tr.call-detail li.utterance');
  assert.deepEqual(await texts(page, '#call-list tr.call-detail li.participant'), XSS_PARTICIPANTS);
  assert.deepEqual(await texts(page, '#call-list tr.call-detail li.utterance'), [
    '0:01 <b onmouseover=window.__xss=12>Hana</b>: <img src=x onerror=window.__xss=18>Hello there',
    '0:05 <script>window.__xss=13</script>: </li><script>window.__xss=19</script>',
  ]);

  assert.equal(await page.locator('img, iframe, svg, script:not([src]), b, #result a:not(#download):not(#edits-download)').count(), 0, 'no element parsed from a file');
  assert.deepEqual(await ACTIVE_ATTRIBUTES(page), [], 'no event handler or URL attribute holds a value from a file');
  await page.hover('#call-list tr.call-detail');
  await page.waitForTimeout(200);
  assert.equal(await page.evaluate(() => window.__xss), undefined);

  // The topic against Chorus's tracker of the same (markup) name, the words at its missed mention, and the tracker no export holds.
  const xssTopic = '<img src=x onerror=window.__xss=1>';
  assert.deepEqual(await fidelityRows(page), [['<b>Markup theme</b>', xssTopic, '0.0%', '0', '1', '0', '1', '0', '"img src" (1 mention)']]);
  assert.deepEqual(await texts(page, '#fidelity-list td.tracker'), [xssTopic]);
  assert.deepEqual(await texts(page, '#fidelity-list td.missed .missed-example'), ['e.g. "<img src=x onerror=window.__xss=18>Hello there"']);
  assert.deepEqual(await texts(page, '#tree .topic > summary .badge.agreement'), ['0.0% agree']);
  assert.equal(await page.getAttribute('#tree .topic > summary .badge.agreement', 'title'),
    `Chorus tracker: ${xssTopic}\nCalls: both 0, only Chorus 1, only the triggers 0\nHits: Chorus 1, triggers 0`);
  assert.deepEqual((await notExportedEntries(page)).map(([, message]) => message.slice(0, 45)), ['Chorus tracker "<svg onload=window.__xss=20>"']);
  // Recovered, it becomes a topic whose name and trigger come from the archive.
  const before = await conversions(page);
  await page.check('#recover-trackers');
  await converted(page, before);
  assert.deepEqual(await texts(page, '#tree .topic > summary .name'), [xssTopic, '<svg onload=window.__xss=20>']);
  const recovered = await openTopic(page, '<svg onload=window.__xss=20>');
  assert.deepEqual(await recovered.locator('td.phrase').allTextContents(), ['li script']);
  assert.deepEqual(await texts(page, '#fidelity-list td.topic-name'), [xssTopic, '<svg onload=window.__xss=20>']);
  assert.equal(await page.locator('img, iframe, svg, script:not([src]), b, #result a:not(#download):not(#edits-download)').count(), 0, 'no element parsed from a file');
  assert.deepEqual(await ACTIVE_ATTRIBUTES(page), [], 'no event handler or URL attribute holds a value from a file');
  await showTab(page, 'agreement');
  await page.hover('#fidelity-list tbody tr');
  await showTab(page, 'trackers');
  await page.hover('#tree .topic > summary .badge.agreement');
  await page.waitForTimeout(200);
  assert.equal(await page.evaluate(() => window.__xss), undefined);
  await finish();
});

test('a big archive shows progress, the preview before the package, and cancels at once', async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const archive = join(ARTIFACTS, 'sample-3000.zip');
  if (!existsSync(archive)) execFileSync(CLI, ['--quiet', 'sample', '--calls', '3000', '--seed', '5', '--out', archive]);
  // The CLI says what the archive holds: "... - 2811 entries: 30 engagement pages (3000 engagements), 2780 conversations, ...".
  const inspected = execFileSync(CLI, ['inspect', archive]).toString();
  const [, entries, engagements, conversations] = inspected.match(/ - (\d+) entries: \d+ engagement pages \((\d+) engagements\), (\d+) conversations/);
  const n = (text) => Number(text).toLocaleString('en');
  const { page, finish } = await openPage();
  await page.setInputFiles('#file-input', [archive]);
  await page.waitForSelector(`#files .status.busy >> text="listed: ${n(entries)} entries; read while converting"`);
  await page.waitForSelector('#progress', { state: 'visible' });
  await page.waitForFunction((total) => new RegExp(`^(Reading the archives: [\\d,]+ of ${total} entries|Writing the package: [\\d,]+ of [\\d,]+ transcripts and recordings) · [\\d.,]+ of [\\d.,]+ MB`)
    .test(document.querySelector('#progress-text').textContent), n(entries));
  await page.click('#cancel');
  await page.waitForSelector('body[data-state="cancelled"]');
  assert.equal(await page.locator('#message span').textContent(), 'Conversion cancelled. Your files are still here.');
  assert.equal(await page.isHidden('#progress'), true);
  assert.equal(await page.isHidden('#result'), true);

  // Again, to the end: the preview comes while the package is written.
  const before = await conversions(page);
  await page.click('#message .retry');
  await page.waitForSelector('body[data-verified="pending"]');
  assert.equal(await page.isVisible('#call-counts'), true, 'the preview is shown before the package is ready (on the Calls tab, without trackers)');
  assert.equal(await page.getAttribute('#download', 'href'), null, 'no download before the package is checked');
  await converted(page, before, 40_000);
  assert.deepEqual(await texts(page, '#files tbody tr .status'), [`read: ${n(engagements)} engagements, ${n(conversations)} conversations, 12 users, 0 recordings`]);
  assert.equal(await page.isHidden('#progress'), true);
  assert.equal(await page.evaluate(() => document.body.dataset.verified), 'ok');
  assert.match(await page.textContent('#verification'), /^Checked before download: [\d,]+ files; every size and SHA-256 checksum, every JSON schema, path and count matches\.$/);
  assert.ok((await page.getAttribute('#download', 'href')).startsWith('blob:'));
  // More entries of a code than the preview carries: the counts are still the whole report's.
  assert.deepEqual(await reportGroups(page), [['review', 'tracker_not_exported', '6'], ['warning', 'missing_media', '2,741']]);
  assert.equal(await page.textContent('#report-status'), '2,747 entries: 6 review items, 2,741 warnings.'
    + ' A code lists its first 500 entries here; report.csv inside the package has them all.');
  // A code's entries come 200 at a time.
  await showTab(page, 'report');
  const group = page.locator('#report details[data-code="missing_media"]');
  await group.locator('summary').click();
  await group.locator('tr.entry').first().waitFor();
  const rows = () => group.locator('tr.entry').count();
  assert.equal(await rows(), 200);
  assert.equal(await group.locator('button.more-entries').textContent(), 'Show 200 more of 300');
  await group.locator('button.more-entries').click();
  assert.equal(await rows(), 400);
  assert.equal(await group.locator('button.more-entries').textContent(), 'Show 100 more of 100');
  assert.equal(await page.evaluate(() => document.activeElement.className), 'more-entries', 'the focus stays on the button');
  await page.keyboard.press('Enter');
  assert.equal(await rows(), 500);
  assert.equal(await group.locator('button.more-entries').count(), 0);
  assert.equal(await group.locator('.elsewhere').textContent(), 'The other 2,241 are in report.csv inside the package.');
  assert.equal(await page.evaluate(() => document.activeElement.closest('details')?.dataset.code), 'missing_media', 'the focus goes back to the code');
  await finish();
});

test('one worker checksums, reads and writes a big archive in steps, each phase with its progress', async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const archive = join(ARTIFACTS, 'sample-3000.zip');
  if (!existsSync(archive)) execFileSync(CLI, ['--quiet', 'sample', '--calls', '3000', '--seed', '5', '--out', archive]);
  const [, entries] = execFileSync(CLI, ['inspect', archive]).toString().match(/ - (\d+) entries: /);
  const { page, finish } = await openPage({ query: '?workers=1' });
  // Every phase the progress line went through, with its first text.
  await page.evaluate(() => {
    window.__phases = [];
    new MutationObserver(() => {
      const phase = document.body.dataset.progressPhase;
      if (window.__phases.at(-1)?.phase !== phase) window.__phases.push({ phase, text: document.querySelector('#progress-text').textContent });
    }).observe(document.body, { attributes: true, attributeFilter: ['data-progress-phase'] });
  });
  const before = await conversions(page);
  await page.setInputFiles('#file-input', [archive]);
  await converted(page, before, 60_000);
  assert.equal(await page.evaluate(() => document.body.dataset.verified), 'ok');
  const phases = await page.evaluate(() => window.__phases);
  assert.deepEqual(phases.map(({ phase }) => phase), ['hash', 'read', 'write', 'verify']);
  const megabytes = (statSync(archive).size / 1e6).toLocaleString('en', { maximumFractionDigits: 0 });
  assert.match(phases[0].text, new RegExp(`^Checksumming the archives: 0 of 1 archives · [\\d.]+ of ${megabytes} MB$`));
  assert.match(phases[1].text, new RegExp(`^Reading the archives: [\\d,]+ of ${Number(entries).toLocaleString('en')} entries · `));
  assert.match(phases[2].text, /^Writing the package: [\d,]+ of [\d,]+ transcripts and recordings · /);
  assert.equal(phases[3].text, 'Checking the package…');
  // Another scope converts again without checksumming the same File twice; the manifest still names its SHA-256, as the CLI's does.
  await page.evaluate(() => { window.__phases = []; });
  const again = await conversions(page);
  await page.selectOption('#scope-calls', 'meetings');
  await converted(page, again, 60_000);
  assert.deepEqual(await page.evaluate(() => window.__phases.map(({ phase }) => phase)), ['read', 'write', 'verify']);
  const fromPage = await downloadPackage(page, 'page-sample-3000-meetings.zip');
  const fromCli = cliPackage('cli-sample-3000-meetings.zip', ['--archive', archive, '--calls', 'meetings']);
  assert.ok(fromPage.equals(fromCli), `page package (${fromPage.length} bytes) equals CLI package (${fromCli.length} bytes)`);
  await finish();
});

test('a conversion superseded while it checksums the archive stops at its next step instead of hashing the archive to its end', async () => {
  const archive = join(ARTIFACTS, 'sample-3000.zip');
  if (!existsSync(archive)) execFileSync(CLI, ['--quiet', 'sample', '--calls', '3000', '--seed', '5', '--out', archive]);
  const size = statSync(archive).size;
  // Each read hashed is counted and takes 300 ms longer, so the first conversion is still hashing when the scope changes.
  const line = '    digest.update(bytes);';
  const { page, finish } = await openPage({
    query: '?workers=1',
    beforeGoto: patchedWorker('worker/streams.js', [[line, `${line}\n    self.hashedBytes = (self.hashedBytes ?? 0) + bytes.length;\n    for (const until = performance.now() + 300; performance.now() < until;);`]]),
  });
  const before = await conversions(page);
  await page.setInputFiles('#file-input', archive);
  await page.waitForFunction(() => document.body.dataset.progressPhase === 'hash');
  await page.selectOption('#scope-calls', 'meetings');
  await converted(page, before, 60_000);
  assert.equal(await conversions(page), before + 1);
  const [worker] = page.workers();
  const hashed = await worker.evaluate(() => self.hashedBytes);
  // The newer conversion hashes the whole archive; the older one stopped after a few reads (not the whole archive again).
  assert.ok(hashed > size && hashed < size * 1.5, `${hashed} bytes hashed for an archive of ${size}`);
  const fromCli = cliPackage('cli-sample-3000-meetings.zip', ['--archive', archive, '--calls', 'meetings']);
  assert.ok((await downloadPackage(page, 'page-sample-3000-meetings-superseded.zip')).equals(fromCli));
  await finish();
});

test('a package that fails its check is not offered for download', async () => {
  // The worker is made to check a cut copy of the package, as a writer bug would leave it.
  const { page, finish } = await openPage({
    beforeGoto: patchedWorker('worker/converter.js', [['verification: await verified(written.package, id), convert_ms',
      'verification: await verified(written.package.slice(0, written.package.size - 40), id), convert_ms']]),
  });
  await pick(page, [join(E2E, 'trackers_page.csv')]);
  assert.equal(await page.evaluate(() => document.body.dataset.verified), 'failed');
  assert.equal(await page.textContent('#download'), 'The package failed its check');
  assert.equal(await page.getAttribute('#download', 'href'), null);
  assert.match(await page.textContent('#verification p'), /^The package failed its own check \(1 problem\), so it is not offered for download\./);
  assert.match(await page.textContent('#verification li'), /^not a readable zip archive/);
  assert.deepEqual(await texts(page, '#counts dd[data-count="topics"]'), ['61 need review'], 'the preview is still shown');
  await finish();
});

test('a worker that crashes is replaced and the page recovers', async () => {
  // The first worker gets a module whose convert traps the way a Rust panic
  // does (RuntimeError: unreachable); the replacement worker is the real one.
  let served = 0;
  const { page, finish } = await openPage({
    beforeGoto: (context) => context.route('**/worker/converter.js', async (route) => {
      served += 1;
      if (served > 1) return route.fallback();
      const response = await route.fetch();
      const original = await response.text();
      const patched = original.replace(
        'convert: async ({ files, options, storage = null }, id) => {',
        "convert: () => { throw new WebAssembly.RuntimeError('unreachable'); },\n  unused: async ({ files, options, storage = null }, id) => {",
      );
      if (patched === original) throw new Error('worker/converter.js no longer has the line this test patches');
      return route.fulfill({ response, body: patched });
    }),
  });
  await page.setInputFiles('#file-input', [join(E2E, 'trackers_page.csv')]);
  await page.waitForSelector('#message .retry');
  assert.equal(
    await page.locator('#message span').textContent(),
    'The converter stopped unexpectedly (RuntimeError: unreachable). It has been restarted; your files are still here.',
  );
  assert.equal(await page.isHidden('#result'), true);
  assert.equal(served, 1);
  await page.click('#message .retry');
  await page.waitForFunction(() => Number(document.body.dataset.conversions ?? 0) === 1);
  assert.equal(served, 2, 'a new worker was started');
  assert.equal(await page.isHidden('#message'), true);
  assert.deepEqual(await texts(page, '#counts dd[data-count="topics"]'), ['61 need review']);
  await finish();
});

test('1,000 trackers preview bounded, filter, and the package is checked', async () => {
  const lines = ['Tracker Name,Category,Keywords,Said By,Language'];
  const saidBy = ['Rep', 'Prospect', 'Anyone'];
  for (let i = 0; i < 1000; i += 1) {
    const n = String(i).padStart(4, '0');
    lines.push(`Tracker ${n},Category ${i % 10},"alpha ${n}; beta ${n}; gamma ${n}",${saidBy[i % 3]},English`);
  }
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, 'trackers_1000.csv');
  writeFileSync(path, lines.join('\r\n') + '\r\n');

  const { page, finish } = await openPage();
  const started = Date.now();
  await page.setInputFiles('#file-input', [path]);
  await page.waitForSelector('#tree .more');
  const elapsed = Date.now() - started;
  await converted(page, 0);
  const inPage = Number(await page.evaluate(() => document.body.dataset.previewMs));
  const checked = Date.now() - started;
  // A figure, not a pass mark: `make bench` prints the timings that matter.
  console.log(`    1,000 trackers: preview shown ${elapsed} ms after picking the file (in the page: ${inPage} ms); package written and checked after ${checked} ms`);
  assert.equal(await page.evaluate(() => document.body.dataset.verified), 'ok');
  assert.deepEqual(await texts(page, '#counts dd[data-count="topics"]'), ['1000']);
  assert.deepEqual(await texts(page, '#counts dd[data-count="triggers"]'), ['3000']);
  assert.equal(await page.locator('#tree .topic').count(), 200, 'a bounded slice is rendered');
  assert.equal(await page.textContent('#tree .more'), '800 more topics not shown; type in the filter to narrow the list.');
  const filterStarted = Date.now();
  await page.fill('#filter', 'gamma 0999');
  await page.waitForFunction(() => document.querySelectorAll('#tree .topic').length === 1);
  const filterElapsed = Date.now() - filterStarted;
  console.log(`    1,000 trackers: filter narrowed the tree in ${filterElapsed} ms`);
  assert.deepEqual(await texts(page, '#tree .topic > summary .name'), ['Tracker 0999']);
  await finish();
});

test('a dropped call archive converts within the scope and roster, byte-identical to the CLI', async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const archive = join(ARTIFACTS, 'sample-50.zip');
  execFileSync(CLI, ['--quiet', 'sample', '--calls', '50', '--seed', '7', '--out', archive]);
  const rosterPath = join(ARTIFACTS, 'roster.csv');
  writeFileSync(rosterPath, 'Email,Name\nriley.lee@seller.example,Riley Lee\nnoa.khan@seller.example,Noa Khan\n');

  const { page, finish } = await openPage();
  await setScope(page, { from: '2026-10-31', to: '2026-10-31', minDuration: '120', calls: 'meetings' });
  await page.setInputFiles('#roster-input', rosterPath);
  await page.waitForFunction(() => !document.querySelector('#roster-clear').hidden);
  await pick(page, [archive]);
  assert.deepEqual(await texts(page, '#files tbody tr td.kind'), ['Chorus call archive']);
  assert.deepEqual(await texts(page, '#files tbody tr .status'), ['read: 50 engagements, 47 conversations, 12 users, 0 recordings']);
  const counts = await page.$$eval('#call-counts dd', (nodes) => Object.fromEntries(nodes.map((node) => [node.dataset.count, node.textContent])));
  assert.deepEqual(counts, { calls: '25', skipped_calls: '25', transcripts: '25', media: '0', users: '11', users_to_create: '9' });
  assert.deepEqual(await texts(page, '#skipped-by-reason li'), [
    'excluded_kind a dialer call (meetings only): 8',
    'host_did_not_join the host did not join: 3',
    'out_of_period outside the period: 9',
    'too_short too short: 5',
  ]);
  assert.equal(await page.locator('#call-list tbody tr.call').count(), 25);
  const first = await page.$$eval('#call-list tbody tr.call:first-child td', (cells) => cells.map((cell) => cell.textContent));
  assert.deepEqual(first, ['Pricing discussion - Hooli', '2026-10-31 00:12', '44:41', 'jamie.park@seller.example', '3', 'yes']);
  assert.deepEqual(await texts(page, '#user-list tbody tr.existing td.email'), ['noa.khan@seller.example', 'riley.lee@seller.example']);
  assert.equal(await page.locator('#user-list tbody tr.create').count(), 9);
  assert.equal(await page.locator('#skipped-list tbody tr.skipped').count(), 25);
  const skipped = await page.$$eval('#skipped-list tbody tr.skipped:first-child td', (cells) => cells.map((cell) => cell.textContent));
  assert.deepEqual(skipped, [
    '044c3cd7f43c661ce6984080bab12a02', 'excluded_kind', 'a dialer call; only meetings were chosen',
    'sample-50.zip entry engagements/page-00001.json at /engagements/0',
  ]);
  assert.equal(await page.isHidden('#tab-trackers'), true, 'no Trackers tab without trackers');
  assert.equal(await page.isHidden('#tab-agreement'), true, 'no Agreement tab without trackers');
  assert.equal(await page.isHidden('#tracker-part'), true, 'no tracker tree without trackers');
  assert.equal(await page.getAttribute('#tab-calls', 'aria-selected'), 'true', 'the Calls tab comes first');

  const fromPage = await downloadPackage(page, 'page-archive-package.zip');
  const fromCli = cliPackage('cli-archive-package.zip', [
    '--archive', archive, '--roster', rosterPath, '--from', '2026-10-31', '--to', '2026-10-31', '--min-duration', '120', '--calls', 'meetings',
  ]);
  assert.ok(fromPage.length > 10_000, 'the package holds the transcripts');
  assert.ok(fromPage.equals(fromCli), `page package (${fromPage.length} bytes) equals CLI package (${fromCli.length} bytes)`);

  // A wider scope converts again: every recorded call of the archive.
  const before = await conversions(page);
  await page.selectOption('#scope-calls', 'all');
  await converted(page, before);
  await setScope(page, {});
  await page.waitForFunction(() => document.querySelector('#call-counts dd[data-count="calls"]')?.textContent === '47');
  await finish();
});

test('one worker and three workers write the same package as the CLI', async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const archive = join(ARTIFACTS, 'sample-120.zip');
  execFileSync(CLI, ['--quiet', 'sample', '--calls', '120', '--seed', '4', '--media', '--out', archive]);
  const fromCli = cliPackage('cli-sample-120-package.zip', ['--archive', archive]);
  for (const workers of [1, 3]) {
    const { page, finish } = await openPage({ query: `?workers=${workers}` });
    await pick(page, [archive]);
    assert.equal(await page.evaluate(() => document.body.dataset.workers), String(workers));
    assert.equal(await page.evaluate(() => document.body.dataset.verified), 'ok');
    // The package on disk is checked through sync access handles (read-only ones shared with the helpers).
    assert.equal(await page.evaluate(() => document.body.dataset.checkReads), 'handle');
    // Recordings this small (280 bytes) are copied by the converter through FileReaderSync.
    assert.equal(await page.evaluate(() => document.body.dataset.recordingReads), 'reader');
    const fromPage = await downloadPackage(page, `page-sample-120-${workers}-workers.zip`);
    assert.ok(fromPage.equals(fromCli), `${workers} worker(s): page package (${fromPage.length} bytes) equals CLI package (${fromCli.length} bytes)`);
    await finish();
  }
  // On a machine of 16 cores the page starts 4 workers unless asked for more (its memory stays within 1 GB).
  const manyCores = (context) => context.addInitScript(() => Object.defineProperty(Navigator.prototype, 'hardwareConcurrency', { get: () => 16 }));
  for (const [query, workers] of [['', '4'], ['?workers=6', '6']]) {
    const { page, finish } = await openPage({ query, beforeGoto: manyCores });
    assert.equal(await page.evaluate(() => navigator.hardwareConcurrency), 16);
    await pick(page, [archive]);
    assert.equal(await page.evaluate(() => document.body.dataset.workers), workers, query);
    assert.ok((await downloadPackage(page, `page-sample-120-16-cores${query ? '-6' : ''}.zip`)).equals(fromCli), query);
    await finish();
  }
});

/** Every file under `dir`, as {relative path: content}, folders joined with '/'. */
function filesUnder(dir, prefix = '') {
  const files = {};
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) Object.assign(files, filesUnder(path, `${prefix}${name}/`));
    else files[`${prefix}${name}`] = readFileSync(path);
  }
  return files;
}

test('archives in the shapes tools save (collections, merged records, flattened transcripts) convert to the CLI\'s bytes, one worker and three', async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const shapes = ['archive_jsonapi_collection', 'archive_engagements_keyed_by_id', 'archive_merged_records',
    'archive_conversation_fallbacks', 'archive_html_summaries', 'archive_merged_records_as_json_text', 'archive_json_lines'];
  const archive = join(ARTIFACTS, 'shapes.zip');
  writeFileSync(archive, storedZip(Object.assign({}, ...shapes.map((shape) => filesUnder(join(FIXTURES, shape), `${shape}/`)))));
  const fromCli = cliPackage('cli-shapes-package.zip', ['--archive', archive]);
  // Transcripts read again by their JSON pointer, one of them a flattened text with estimated times.
  assert.match(zipEntry(fromCli, 'transcripts/3e000000000000000000000000000002.json').toString('utf8'), /"timing": "estimated"/);
  assert.equal(callIds(fromCli).length, 18);
  for (const workers of [1, 3]) {
    const { page, finish } = await openPage({ query: `?workers=${workers}` });
    await pick(page, [archive]);
    assert.equal(await page.evaluate(() => document.body.dataset.verified), 'ok');
    const fromPage = await downloadPackage(page, `page-shapes-${workers}-workers.zip`);
    assert.ok(fromPage.equals(fromCli), `${workers} worker(s): page package (${fromPage.length} bytes) equals CLI package (${fromCli.length} bytes)`);
    await finish();
  }
});

/**
 * The CLI's package of `archive` in parts of `size`, in the folder
 * `ARTIFACTS/<folder>` (emptied first): the folder, the files there
 * (sorted), the parts' stem and the index.
 */
function cliParts(folder, archive, size) {
  const out = join(ARTIFACTS, folder);
  mkdirSync(out, { recursive: true });
  for (const name of readdirSync(out)) rmSync(join(out, name));
  const stem = `outdoo-import-${localDate()}`;
  execFileSync(CLI, ['--quiet', 'convert', '--archive', archive, '--part-size', size, '--out', join(out, `${stem}.zip`)]);
  const index = JSON.parse(readFileSync(join(out, `${stem}-index.json`)));
  assert.ok(index.parts.length >= 3, `${index.parts.length} parts`);
  return { out, files: readdirSync(out).sort(), stem, index };
}

/** Types a part size into the page (with files there, it converts again). */
async function setPartSize(page, size) {
  await page.fill('#part-size', size);
  await page.dispatchEvent('#part-size', 'change');
}

/** Clicks the first links of the part list, one per name in `names`: each downloads that file, the bytes of the one in `out`. */
async function partLinksDownload(page, names, out) {
  const links = page.locator('#part-list a');
  for (const [i, name] of names.entries()) {
    const [download] = await Promise.all([page.waitForEvent('download'), links.nth(i).click()]);
    assert.equal(download.suggestedFilename(), name);
    assert.ok(readFileSync(await download.path()).equals(readFileSync(join(out, name))), `${name} equals the CLI's`);
  }
}

/** A page whose worker module `file` (under www/) has each `[line, replacement]` replaced (each must be there). */
function patchedWorker(file, patches) {
  return (context) => context.route(`**/${file}`, async (route) => {
    const response = await route.fetch();
    let body = await response.text();
    for (const [line, replacement] of patches) {
      if (!body.includes(line)) throw new Error(`${file} no longer has the line this test patches: ${line}`);
      body = body.replace(line, replacement);
    }
    return route.fulfill({ response, body });
  });
}

test('recordings of 1 MiB and more are read through the File\'s byte stream, a read left unanswered is finished through FileReaderSync, and without BYOB readers all go through FileReaderSync: the same package', async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const archive = join(ARTIFACTS, 'sample-20-media-1mib.zip');
  execFileSync(CLI, ['--quiet', 'sample', '--calls', '20', '--seed', '5', '--media-bytes', '1048576', '--out', archive]);
  const fromCli = cliPackage('cli-sample-20-media-1mib.zip', ['--archive', archive]);
  const read = 'const answer = await answeredWithin(stream.read(new Uint8Array(buffer)), STALL_MS);';
  const runs = [
    { name: 'streams', patches: [], recordingReads: 'stream', stalled: '0' },
    // Every fifth read of a stream goes unanswered (as Chromium now and then leaves one), given up after 50 ms.
    { name: 'stalls', patches: [['const STALL_MS = 2000;', 'const STALL_MS = 50;'],
      [read, 'self.reads = (self.reads ?? 0) + 1;\n      const answer = await answeredWithin(self.reads % 5 === 3 ? new Promise(() => {}) : stream.read(new Uint8Array(buffer)), STALL_MS);']],
    recordingReads: 'stream', stalled: 'some' },
    { name: 'no BYOB', patches: [['function byobReader(blob) {', 'function byobReader(blob) {\n  if (blob) return null;']], recordingReads: 'reader', stalled: '0' },
  ];
  for (const run of runs) {
    const { page, finish } = await openPage({ query: '?workers=1', beforeGoto: run.patches.length ? patchedWorker('worker/streams.js', run.patches) : undefined });
    await pick(page, [archive]);
    assert.equal(await page.evaluate(() => document.body.dataset.verified), 'ok', run.name);
    assert.equal(await page.evaluate(() => document.body.dataset.recordingReads), run.recordingReads, run.name);
    const stalled = await page.evaluate(() => document.body.dataset.stalledReads);
    if (run.stalled === 'some') assert.ok(Number(stalled) >= 3, `${run.name}: ${stalled} stalled reads`);
    else assert.equal(stalled, run.stalled, run.name);
    const fromPage = await downloadPackage(page, `page-sample-20-media-1mib-${run.name.replace(' ', '-')}.zip`);
    assert.ok(fromPage.equals(fromCli), `${run.name}: page package (${fromPage.length} bytes) equals CLI package (${fromCli.length} bytes)`);
    await finish();
  }

  // In parts of 5 MB, with two workers: a part that is full waits while its
  // recordings are read through streams, then closes; the parts are the CLI's.
  const { out, index } = cliParts('cli-parts-1mib', archive, '5MB');
  // The first recording read fails once: the conversion ends with that said, and the next one (another part size) is whole.
  const { page, finish } = await openPage({ query: '?workers=2', beforeGoto: patchedWorker('worker/streams.js', [['  conversion.endRecording();',
    "  if (!self.failedOnce) { self.failedOnce = true; throw new Error('a recording read failed on purpose'); }\n  conversion.endRecording();"]]) });
  await setPartSize(page, '6MB');
  await page.setInputFiles('#file-input', archive);
  await page.waitForFunction(() => !document.querySelector('#message').hidden, null, { timeout: 30_000 });
  assert.equal(await page.textContent('#message span'), 'a recording read failed on purpose');
  const before = await conversions(page);
  await setPartSize(page, '5MB');
  await converted(page, before);
  assert.equal(await page.evaluate(() => document.querySelector('#message').hidden), true);
  assert.equal(await page.evaluate(() => document.body.dataset.verified), 'ok');
  assert.equal(await page.evaluate(() => document.body.dataset.workers), '2');
  assert.equal(await page.evaluate(() => document.body.dataset.recordingReads), 'stream');
  assert.equal(await page.evaluate(() => document.body.dataset.parts), String(index.parts.length));
  await partLinksDownload(page, index.parts.map((part) => part.name), out);
  await finish();
});

/** An entry of a zip (stored or deflated), found through its central directory. */
function zipEntry(zip, name) {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  let at = zip.readUInt32LE(end + 16);
  for (let i = 0; i < zip.readUInt16LE(end + 10); i += 1) {
    const nameLength = zip.readUInt16LE(at + 28);
    if (zip.toString('utf8', at + 46, at + 46 + nameLength) === name) {
      const offset = zip.readUInt32LE(at + 42);
      const start = offset + 30 + zip.readUInt16LE(offset + 26) + zip.readUInt16LE(offset + 28);
      const data = zip.subarray(start, start + zip.readUInt32LE(at + 20));
      return zip.readUInt16LE(at + 10) === 8 ? zlib.inflateRawSync(data) : data;
    }
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  throw new Error(`${name} is not in the zip`);
}

/** The Chorus ids of a package's calls (calls.jsonl), sorted. */
const callIds = (pkg) => zipEntry(pkg, 'calls.jsonl').toString('utf8').split('\n').filter(Boolean)
  .map((line) => JSON.parse(line).source_id).sort();

test('a cutover run: the archive with the package of an earlier run leaves out its calls, one worker and three, like the CLI', async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const archive = join(ARTIFACTS, 'sample-20.zip');
  execFileSync(CLI, ['--quiet', 'sample', '--calls', '20', '--seed', '3', '--out', archive]);
  const fullIds = callIds(cliPackage('cli-sample-20-package.zip', ['--archive', archive]));
  assert.equal(fullIds.length, 18);

  // The earlier run, in the page: the meetings only.
  const first = await openPage();
  await setScope(first.page, { calls: 'meetings' });
  await pick(first.page, [archive]);
  const earlierPath = join(ARTIFACTS, 'earlier-meetings.zip');
  const earlierIds = callIds(await downloadPackage(first.page, 'earlier-meetings.zip'));
  assert.equal(earlierIds.length, 15);
  const newIds = fullIds.filter((id) => !earlierIds.includes(id));
  assert.equal(newIds.length, 3);
  // Without the archive, an earlier package says what it needs.
  await first.page.click('#files tbody tr button.remove');
  await first.page.waitForFunction(() => document.querySelectorAll('#files tbody tr').length === 0);
  await first.page.setInputFiles('#file-input', earlierPath);
  await first.page.waitForFunction(() => !document.querySelector('#message').hidden, null, { timeout: 15_000 });
  assert.equal(await first.page.textContent('#message span'),
    'earlier-meetings.zip: an earlier package only matters with call archives: it says which of their calls were migrated already; add the call archive (--archive)');
  await first.finish();

  // The cutover run: the archive and the earlier package, every call in scope.
  const fromCli = cliPackage('cli-cutover-package.zip', ['--archive', archive, '--after-package', earlierPath]);
  for (const workers of [1, 3]) {
    const { page, finish } = await openPage({ query: `?workers=${workers}` });
    await pick(page, [archive, earlierPath]);
    assert.deepEqual(await texts(page, '#files tbody tr td.kind'), ['Chorus call archive', 'earlier Outdoo import package']);
    assert.deepEqual(await texts(page, '#files tbody tr .status'), [
      'read: 20 engagements, 18 conversations, 12 users, 0 recordings',
      'read: 15 calls, 8 users: the calls it holds are left out (already migrated), its users are kept as existing',
    ]);
    assert.deepEqual(await texts(page, '#files tbody tr td.trackers'), ['', '']);
    const counts = await page.$$eval('#call-counts dd', (nodes) => Object.fromEntries(nodes.map((node) => [node.dataset.count, node.textContent])));
    assert.deepEqual(counts, { calls: '3', skipped_calls: '17', transcripts: '3', media: '0', users: '3', users_to_create: '1' });
    assert.deepEqual(await texts(page, '#skipped-by-reason li'), [
      'already_migrated in an earlier package: 15',
      'host_did_not_join the host did not join: 2',
    ]);
    const migrated = await page.$$eval('#skipped-list tbody tr.skipped.already_migrated', (rows) => rows.map((row) => [
      row.querySelector('td.id').textContent, row.querySelector('td.message').textContent]));
    assert.deepEqual(migrated.map(([id]) => id).sort(), earlierIds);
    assert.deepEqual([...new Set(migrated.map(([, message]) => message))], ['already migrated: the earlier package earlier-meetings.zip holds this call']);
    assert.deepEqual((await page.$$eval('#call-list tbody tr.call', (rows) => rows.map((row) => row.dataset.id))).sort(), newIds);
    assert.equal(await page.locator('#user-list tbody tr.existing').count(), 2);
    assert.equal(await page.evaluate(() => document.body.dataset.workers), String(workers));
    assert.equal(await page.evaluate(() => document.body.dataset.verified), 'ok');

    const fromPage = await downloadPackage(page, `page-cutover-${workers}-workers.zip`);
    assert.deepEqual(callIds(fromPage), newIds, 'the package holds exactly the new calls');
    const report = JSON.parse(zipEntry(fromPage, 'report.json'));
    assert.equal(report.skipped.filter((call) => call.reason === 'already_migrated').length, 15);
    assert.ok(fromPage.equals(fromCli), `${workers} worker(s): page package (${fromPage.length} bytes) equals CLI package (${fromCli.length} bytes)`);
    await finish();
  }
});

/** The files in a folder of the page's origin private file system: [{name, size, sha256}], sorted by name. */
const opfsFiles = (page, folderName) => page.evaluate(async (folderName) => {
  const root = await navigator.storage.getDirectory();
  let folder;
  try {
    folder = await root.getDirectoryHandle(folderName);
  } catch {
    return [];
  }
  const files = [];
  for await (const [name, handle] of folder.entries()) {
    const file = await handle.getFile();
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', await file.arrayBuffer()));
    files.push({ name, size: file.size, sha256: [...digest].map((b) => b.toString(16).padStart(2, '0')).join('') });
  }
  return files.sort((a, b) => a.name.localeCompare(b.name));
}, folderName);

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** Save pickers answering with folders of the origin private file system ('picked'), as a customer picking a place would. */
async function stubSavePickers(context) {
  await context.addInitScript(() => {
    const picked = async () => (await navigator.storage.getDirectory()).getDirectoryHandle('picked', { create: true });
    window.showDirectoryPicker = async () => picked();
    window.showSaveFilePicker = async ({ suggestedName }) => (await picked()).getFileHandle(suggestedName, { create: true });
  });
}

test('the package is written to disk, not memory, removed when replaced, saved where the customer picks; or kept in memory, saying so', async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const archive = join(ARTIFACTS, 'sample-40-media.zip');
  execFileSync(CLI, ['--quiet', 'sample', '--calls', '40', '--seed', '9', '--media', '--out', archive]);
  const fromCli = cliPackage('cli-sample-40-media.zip', ['--archive', archive]);
  const meetings = cliPackage('cli-sample-40-media-meetings.zip', ['--archive', archive, '--calls', 'meetings']);

  const { page, finish } = await openPage({ beforeGoto: stubSavePickers });
  // A package file a cancelled conversion left behind (no worker holds it) is removed when the next package begins.
  await page.evaluate(async () => {
    const root = await navigator.storage.getDirectory();
    const folder = await root.getDirectoryHandle('chorus2outdoo-packages', { create: true });
    await folder.getFileHandle('package-left-behind.zip', { create: true });
  });
  await pick(page, [archive]);
  assert.equal(await page.evaluate(() => document.body.dataset.stored), 'disk');
  assert.ok(fromCli.length < 1e6, `${fromCli.length} bytes`);
  assert.equal(await page.textContent('#storage'),
    `The package (${Math.round(fromCli.length / 1e3)} KB) waits in this browser's storage on disk, not in memory, until you convert again or remove the files.`);
  const first = await opfsFiles(page, 'chorus2outdoo-packages');
  assert.equal(first.length, 1, JSON.stringify(first));
  assert.match(first[0].name, /^package-\d+-[a-z0-9]+\.zip$/);
  assert.deepEqual([first[0].size, first[0].sha256], [fromCli.length, sha256(fromCli)], 'the file on disk is the CLI package');
  const fromPage = await downloadPackage(page, 'page-sample-40-media.zip');
  assert.ok(fromPage.equals(fromCli), `page package (${fromPage.length} bytes) equals CLI package (${fromCli.length} bytes)`);

  // "Save as…": the package streamed to the file picked.
  assert.equal(await page.textContent('#save-package'), 'Save as…');
  await page.click('#save-package');
  await page.waitForFunction(() => document.body.dataset.saved === '1');
  assert.equal(await page.textContent('#save-status'), 'Saved 1 file.');
  assert.deepEqual(await opfsFiles(page, 'picked'), [{ name: `outdoo-import-${localDate()}.zip`, size: fromCli.length, sha256: sha256(fromCli) }]);

  // Another scope: the new package replaces the file of the last one.
  const before = await conversions(page);
  await page.selectOption('#scope-calls', 'meetings');
  await converted(page, before);
  const second = await opfsFiles(page, 'chorus2outdoo-packages');
  assert.equal(second.length, 1, JSON.stringify(second));
  assert.notEqual(second[0].name, first[0].name);
  assert.equal(second[0].sha256, sha256(meetings));
  assert.ok((await downloadPackage(page, 'page-sample-40-meetings.zip')).equals(meetings));
  // Removing the files removes the package.
  await page.click('#clear');
  await page.waitForFunction(() => document.body.dataset.state === 'empty');
  await page.waitForFunction(async () => {
    const folder = await (await navigator.storage.getDirectory()).getDirectoryHandle('chorus2outdoo-packages');
    let files = 0;
    for await (const name of folder.keys()) files += name ? 1 : 0;
    return files === 0;
  });
  await finish();

  // Kept in memory (as where the browser gives no file on disk): the same bytes, and the page says so.
  const memory = await openPage({ query: '?storage=memory' });
  await pick(memory.page, [archive]);
  assert.equal(await memory.page.evaluate(() => document.body.dataset.stored), 'memory');
  assert.equal(await memory.page.evaluate(() => document.body.dataset.checkReads), 'blob');
  assert.equal(await memory.page.textContent('#storage'),
    'The page was asked to keep the package in memory; a package of several GB may exhaust this browser\'s memory: the chorus2outdoo command writes any size.');
  assert.deepEqual(await opfsFiles(memory.page, 'chorus2outdoo-packages'), []);
  assert.ok((await downloadPackage(memory.page, 'page-sample-40-memory.zip')).equals(fromCli));
  await memory.finish();
});

test('a conversion asked for while another runs waits its turn: the older one, finishing late, leaves the newer package alone', async () => {
  const archive = join(ARTIFACTS, 'sample-40-media.zip');
  if (!existsSync(archive)) execFileSync(CLI, ['--quiet', 'sample', '--calls', '40', '--seed', '9', '--media', '--out', archive]);
  const meetings = cliPackage('cli-sample-40-media-meetings.zip', ['--archive', archive, '--calls', 'meetings']);
  // The first conversion's first pass takes 3 s longer, so the second, asked for meanwhile, would finish first.
  const line = 'async function firstPassWithDigests(archives, workers, onProgress) {';
  const { page, finish } = await openPage({
    query: '?workers=2',
    beforeGoto: patchedWorker('worker/converter.js', [[line, `${line}\n  if (!self.delayed) { self.delayed = true; await new Promise((done) => setTimeout(done, 3000)); }`]]),
  });
  const before = await conversions(page);
  await page.setInputFiles('#file-input', archive);
  await page.waitForTimeout(1000);
  await page.selectOption('#scope-calls', 'meetings');
  await converted(page, before);
  // Time for the first conversion to end, superseded.
  await page.waitForTimeout(4000);
  assert.equal(await conversions(page), before + 1);
  assert.equal(await page.isHidden('#message'), true);
  const stored = await opfsFiles(page, 'chorus2outdoo-packages');
  assert.deepEqual(stored.map((file) => file.sha256), [sha256(meetings)], 'the package on disk is the newer conversion\'s');
  assert.ok((await downloadPackage(page, 'page-sample-40-meetings-after-an-older-one.zip')).equals(meetings));
  await finish();
});

test('a disk without room for the package says so, leaves no file behind, and the page stays usable', async () => {
  const archive = join(ARTIFACTS, 'sample-40-media.zip');
  if (!existsSync(archive)) execFileSync(CLI, ['--quiet', 'sample', '--calls', '40', '--seed', '9', '--media', '--out', archive]);
  // The browser refuses writes past the first 200,000 bytes of a file (the package's first chunk, here), as a full disk or a used-up quota does.
  const line = 'const written = access.write(bytes, { at });';
  const { page, finish } = await openPage({
    beforeGoto: patchedWorker('worker/storage.js', [[line, `if (at + bytes.byteLength > 200000) throw new DOMException('no room', 'QuotaExceededError');\n  ${line}`]]),
  });
  await page.setInputFiles('#file-input', archive);
  await page.waitForFunction(() => !document.querySelector('#message').hidden, null, { timeout: 15_000 });
  assert.equal(await page.textContent('#message span'),
    'there is no room left on disk for the package: the browser refused to store more than 0.0 MB of it. Free disk space and convert again, or convert with the chorus2outdoo command');
  assert.equal(await page.isHidden('#result'), true);
  assert.deepEqual(await opfsFiles(page, 'chorus2outdoo-packages'), [], 'the package and the waiting transcripts are removed');
  // The page stays usable: a tracker export alone still converts (its package is small).
  await page.click('#clear');
  await pick(page, [join(E2E, 'trackers_page.csv')]);
  assert.equal(await page.evaluate(() => document.body.dataset.verified), 'ok');
  await finish();
});

test('a package in parts: every part and the index as the CLI writes them, checked as a set, downloaded or saved to a folder', async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const archive = join(ARTIFACTS, 'sample-40-media.zip');
  if (!existsSync(archive)) execFileSync(CLI, ['--quiet', 'sample', '--calls', '40', '--seed', '9', '--media', '--out', archive]);
  const { out, files: cliFiles, stem, index } = cliParts('cli-parts', archive, '200KB');
  assert.deepEqual(cliFiles, [`${stem}-index.json`, ...index.parts.map((part) => part.name)]);

  const { page, finish } = await openPage({ beforeGoto: stubSavePickers });
  // A size below the smallest is refused by name.
  await setPartSize(page, '10KB');
  await page.setInputFiles('#file-input', archive);
  await page.waitForFunction(() => !document.querySelector('#message').hidden, null, { timeout: 15_000 });
  assert.equal(await page.textContent('#message span'), 'part size: a part size of 10KB is too small: give at least 64 KiB');
  const before = await conversions(page);
  await setPartSize(page, '200KB');
  await converted(page, before);
  assert.equal(await page.evaluate(() => document.body.dataset.verified), 'ok');
  assert.equal(await page.evaluate(() => document.body.dataset.parts), String(index.parts.length));
  // Parts on disk are checked through the file's sync access handle, each within its range.
  assert.equal(await page.evaluate(() => document.body.dataset.checkReads), 'handle');
  // Each part's recordings (under 1 MiB: copied by the converter) as the part closed.
  assert.equal(await page.evaluate(() => document.body.dataset.recordingReads), 'reader');
  assert.equal(await page.textContent('#download'), `Download all ${index.parts.length} parts and the index`);
  assert.match(await page.textContent('#verification'), new RegExp(`^Checked before download: ${index.parts.length} parts and their index, `));
  const listed = await texts(page, '#part-list li');
  assert.deepEqual(listed, [
    ...index.parts.map((part) => `${part.name} ${Math.max(1, Math.round(part.bytes / 1e3))} KB, ${part.calls} call${part.calls === 1 ? '' : 's'}`),
    `${stem}-index.json ${Math.max(1, Math.round(statSync(join(out, `${stem}-index.json`)).size / 1e3))} KB: names every part and its SHA-256`,
  ]);
  // Each link downloads its file: the CLI's bytes.
  await partLinksDownload(page, [...index.parts.map((part) => part.name), `${stem}-index.json`], out);
  // "Download all": every part and the index, one download each.
  const all = [];
  const onDownload = (download) => all.push(download);
  page.on('download', onDownload);
  await page.click('#download');
  for (let waited = 0; all.length < cliFiles.length && waited < 10_000; waited += 100) await new Promise((done) => setTimeout(done, 100));
  page.off('download', onDownload);
  assert.deepEqual(all.map((download) => download.suggestedFilename()).sort(), cliFiles);
  for (const download of all) {
    assert.ok(readFileSync(await download.path()).equals(readFileSync(join(out, download.suggestedFilename()))), `${download.suggestedFilename()} equals the CLI's`);
  }
  // "Save every part to a folder…": the same files in the folder picked.
  assert.equal(await page.textContent('#save-package'), 'Save every part to a folder…');
  await page.click('#save-package');
  await page.waitForFunction((n) => document.body.dataset.saved === String(n), cliFiles.length);
  assert.deepEqual(await opfsFiles(page, 'picked'), cliFiles.map((name) => {
    const bytes = readFileSync(join(out, name));
    return { name, size: bytes.length, sha256: sha256(bytes) };
  }));
  await finish();
});

test('"Try it with a sample archive" shows the whole flow', async () => {
  const { page, finish } = await openPage();
  const before = await conversions(page);
  await page.click('#sample');
  await converted(page, before);
  assert.deepEqual(await texts(page, '#files tbody tr td.name'), ['chorus-sample-200-calls.zip', 'sample-trackers.csv']);
  assert.deepEqual(await texts(page, '#files tbody tr .status'), ['read: 200 engagements, 176 conversations, 12 users, 0 recordings', 'read']);
  assert.deepEqual(await texts(page, '#files tbody tr td.trackers'), ['', '5']);
  const counts = await page.$$eval('#call-counts dd', (nodes) => Object.fromEntries(nodes.map((node) => [node.dataset.count, node.textContent])));
  assert.deepEqual(counts, SAMPLE_200_COUNTS);
  assert.equal(await page.locator('#call-list tbody tr.call').count(), 50);
  assert.equal(await page.textContent('#call-list-more'), `${Number(SAMPLE_200_COUNTS.calls) - 50} more calls not listed; calls.jsonl in the package holds them all.`);
  // The tracker export's topics, the tracker Chorus found that it lacks, and how the topics compare.
  assert.equal(await page.isVisible('#tracker-part'), true, 'the trackers come first');
  assert.deepEqual(await texts(page, '#tree .topic > summary .name'), SAMPLE_TOPICS);
  const notExported = await notExportedEntries(page);
  assert.equal(notExported.length, 1);
  assert.equal(notExported[0][0], 'review');
  assert.match(notExported[0][1], /^Chorus tracker "Trial \/ POC" has 124 hit\(s\) in 51 imported call\(s\), first on call [0-9a-f]{32}, but no tracker export holds it, so no topic detects it; add it to the export, or convert with --recover-trackers \(the page's "recover trackers from the calls"\)/);
  await showTab(page, 'agreement');
  assert.equal(await page.isVisible('#fidelity'), true);
  assert.equal(await page.isHidden('#fidelity-pending'), true);
  assert.equal(await page.textContent('#fidelity-counts dd[data-count="calls_compared"]'), '171');
  // The sample is the CLI's `sample --calls 200 --seed 1` with its `--trackers-out`, converted the same way.
  const { archive, trackers } = sampleWithTrackers();
  const fromPage = await downloadPackage(page, 'page-sample-package.zip');
  assert.ok(fromPage.equals(cliPackage('cli-sample-package.zip', ['--archive', archive, '--trackers', trackers])), 'the sample package equals the CLI one');
  await page.locator('#result').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(ARTIFACTS, 'calls-preview.png') });
  await finish();
});

/** The tabs as [name, count, selected] for those shown, and the panel shown. */
const tabState = (page) => page.evaluate(() => ({
  tabs: [...document.querySelectorAll('[role="tab"]')].filter((tab) => !tab.hidden)
    .map((tab) => [tab.id, tab.querySelector('.tab-count').textContent, tab.getAttribute('aria-selected')]),
  panels: [...document.querySelectorAll('[role="tabpanel"]')].filter((panel) => !panel.hidden).map((panel) => panel.id),
  focused: document.activeElement?.id || null,
}));

/** The summary at a glance as its three lists of lines (each line's words, then its button). */
const glance = (page) => page.evaluate(() => Object.fromEntries(['import', 'needs', 'left-out'].map((part) => [part,
  [...document.querySelectorAll(`#glance-${part} li`)].map((li) => [li.querySelector('span').textContent, li.querySelector('button')?.textContent ?? null])])));

test('the sample at a glance, the tabs by keyboard, and the report by reason code, its entries drawn when opened', async () => {
  const { archive, trackers } = sampleWithTrackers();
  const { page, finish } = await openPage({ query: '?workers=1' });
  await pick(page, [archive, trackers]);
  assert.deepEqual(await glance(page), {
    import: [
      ['5 topics in 4 themes, with 10 triggers', 'Trackers'],
      ['175 calls: 175 with a transcript, 0 with a recording', 'Calls'],
      ['12 users: 12 to create, 0 already in Outdoo', 'Users'],
    ],
    needs: [['1 report item to review — Trackers Chorus found on the calls that no export holds (1)', 'Report']],
    'left-out': [
      ['25 calls left out: the host did not join (24), private (1)', 'Calls'],
      ['Calls without a recording in the archive: 175', 'Report'],
    ],
  });
  // The trackers first; the rest one tab away.
  assert.deepEqual(await tabState(page), {
    tabs: [['tab-trackers', '5', 'true'], ['tab-calls', '175', 'false'], ['tab-users', '12', 'false'], ['tab-agreement', '', 'false'], ['tab-report', '176', 'false']],
    panels: ['panel-trackers'],
    focused: null,
  });
  assert.deepEqual(await page.$$eval('[role="tab"]', (tabs) => tabs.map((tab) => [tab.tabIndex, tab.getAttribute('aria-controls')])),
    [[0, 'panel-trackers'], [-1, 'panel-calls'], [-1, 'panel-users'], [-1, 'panel-agreement'], [-1, 'panel-report']]);
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, 'preview-200-calls.png'), fullPage: true });

  // The keyboard: the arrows move and select (round the ends), Home and End go to the ends, Tab goes into the panel.
  await page.focus('#tab-trackers');
  const selected = async () => {
    const state = await tabState(page);
    return [state.tabs.find(([, , on]) => on === 'true')[0], state.panels.join(), state.focused];
  };
  await page.keyboard.press('ArrowRight');
  assert.deepEqual(await selected(), ['tab-calls', 'panel-calls', 'tab-calls']);
  assert.equal(await page.isVisible('#call-list'), true);
  await page.keyboard.press('ArrowRight');
  assert.deepEqual(await selected(), ['tab-users', 'panel-users', 'tab-users']);
  await page.keyboard.press('ArrowRight');
  assert.deepEqual(await selected(), ['tab-agreement', 'panel-agreement', 'tab-agreement']);
  assert.equal(await page.isVisible('#fidelity-counts'), true);
  await page.keyboard.press('ArrowRight');
  assert.deepEqual(await selected(), ['tab-report', 'panel-report', 'tab-report']);
  await page.keyboard.press('ArrowRight');
  assert.deepEqual(await selected(), ['tab-trackers', 'panel-trackers', 'tab-trackers']);
  await page.keyboard.press('ArrowLeft');
  assert.deepEqual(await selected(), ['tab-report', 'panel-report', 'tab-report']);
  await page.keyboard.press('Home');
  assert.deepEqual(await selected(), ['tab-trackers', 'panel-trackers', 'tab-trackers']);
  await page.keyboard.press('End');
  assert.deepEqual(await selected(), ['tab-report', 'panel-report', 'tab-report']);
  assert.deepEqual(await page.$$eval('[role="tab"]', (tabs) => tabs.map((tab) => tab.tabIndex)), [-1, -1, -1, -1, 0], 'only the selected tab is in the Tab order');

  // The report: a closed line per code, the most pressing first, no entry drawn until one is opened.
  assert.equal(await page.textContent('#report-status'), '176 entries: 1 review item, 175 warnings.');
  assert.deepEqual(await reportGroups(page), [['review', 'tracker_not_exported', '1'], ['warning', 'missing_media', '175']]);
  assert.deepEqual(await texts(page, '#report details.report-code summary .meaning'), [
    'Trackers Chorus found on the calls that no export holds', 'Calls without a recording in the archive',
  ]);
  assert.equal(await page.locator('#report tr.entry').count(), 0, 'entries are drawn when their code is opened');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'panel-report');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.closest('details')?.dataset.code), 'missing_media');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#report details[data-code="missing_media"] tr.entry');
  // The entries are report.json's of that code, in its order, as the CLI writes it for the same files.
  const cliReport = JSON.parse(zipEntry(cliPackage('cli-sample-report.zip', ['--archive', archive, '--trackers', trackers]), 'report.json'));
  const expected = cliReport.entries.filter((entry) => entry.code === 'missing_media')
    .map((entry) => ['warning', entry.message, `chorus-sample-200-calls.zip entry ${entry.location.entry} at ${entry.location.pointer}`]);
  assert.equal(expected.length, 175);
  assert.match(expected[0][1], /^call [0-9a-f]{32}: no recording in the archive; imported without one$/);
  assert.deepEqual(await reportEntries(page, 'missing_media'), expected);
  assert.equal(await page.locator('#report details[data-code="tracker_not_exported"] tr.entry').count(), 0, 'the other code stays closed and undrawn');
  const notExported = await notExportedEntries(page);
  assert.equal(notExported.length, 1);
  assert.match(notExported[0][1], /^Chorus tracker "Trial \/ POC" has 124 hit\(s\) in 51 imported call\(s\)/);
  await page.locator('#result').screenshot({ path: join(ARTIFACTS, 'report-200-calls.png') });

  // "Report" from the summary opens the Report tab.
  await showTab(page, 'trackers');
  await page.click('#glance-needs li[data-item="review_items"] button');
  assert.deepEqual((await tabState(page)).panels, ['panel-report']);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'tab-report');
  await finish();
});

/** The report's tracker_not_exported entries as [severity, message] (the Report tab is left selected). */
const notExportedEntries = async (page) => (await reportEntries(page, 'tracker_not_exported')).map(([severity, message]) => [severity, message]);

test('the editor: a missed phrase added, a topic to review marked ready, one left out and undone; the edits file gives convert --edits the same package', async () => {
  const { archive, trackers } = sampleWithTrackers();
  const { page, finish } = await openPage({ query: '?workers=1' });
  await page.check('#recover-trackers');
  await pick(page, [archive, trackers]);
  await page.waitForFunction(() => document.body.dataset.verified === 'ok');
  assert.equal(await page.isVisible('#edit-bar'), true);
  assert.equal(await page.textContent('#edit-count'), 'No edits');
  assert.equal(await page.isDisabled('#undo'), true);

  // Pricing misses "per seat": one button adds it, and the agreement rises.
  let pricing = await openTopic(page, 'Pricing');
  assert.equal(await pricing.locator('summary .badge.agreement').textContent(), '94.2% agree');
  assert.deepEqual(await pricing.locator('.suggestions li').evaluateAll((items) => items.map((li) => [li.dataset.phrase, li.querySelector('.missed-count').textContent])),
    [['per seat', ' (3 mentions)']]);
  let before = await conversions(page);
  await pricing.locator('.suggestions button.add-suggestion').click();
  await converted(page, before);
  pricing = page.locator('#tree details.topic[data-topic="Pricing"]');
  assert.equal(await pricing.evaluate((node) => node.open), true, 'the topic edited stays open');
  assert.deepEqual(await pricing.locator('tr.trigger td.phrase').allTextContents(), [...PRICING_PHRASES, 'per seat']);
  assert.equal(await pricing.locator('summary .badge.agreement').textContent(), PRICING_AGREEMENT_AFTER);
  // Beside it, the figure before the edit; the topics the edit did not change show none.
  assert.equal(await pricing.locator('summary .agreement-before').textContent(), 'was 94.2%');
  assert.deepEqual(await texts(page, '#tree .topic > summary .agreement-before'), ['was 94.2%']);
  assert.equal(await pricing.locator('.suggestions li button').count(), 0, 'no phrase left to add');
  assert.equal(await page.textContent('#edit-count'), '1 edit');

  // The recovered topic needs review: marked ready.
  const trial = await openTopic(page, 'Trial / POC');
  assert.equal(await trial.locator('summary .badge.review').count(), 1);
  before = await conversions(page);
  await trial.locator('button.mark-ready').click();
  await converted(page, before);
  assert.equal(await page.locator('#tree details.topic[data-topic="Trial / POC"] > summary .badge.review').count(), 0);
  assert.equal(await page.locator('#tree details.topic[data-topic="Trial / POC"] button.mark-ready').count(), 0);
  // The next edit changed no agreement: nothing beside the figures now.
  assert.deepEqual(await texts(page, '#tree .topic > summary .agreement-before'), []);

  // Security left out, then back with Ctrl+Z (the focus is on Undo after leaving a topic out).
  const security = await openTopic(page, 'Security');
  before = await conversions(page);
  await security.locator('button.leave-out').click();
  await converted(page, before);
  assert.equal(await page.locator('#tree details.topic[data-topic="Security"]').count(), 0);
  assert.equal(await page.textContent('#edit-count'), '3 edits');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'undo');
  before = await conversions(page);
  await page.keyboard.press('Control+z');
  await converted(page, before);
  assert.equal(await page.locator('#tree details.topic[data-topic="Security"]').count(), 1);
  assert.equal(await page.textContent('#edit-count'), '2 edits');
  assert.equal(await page.isEnabled('#redo'), true);
  assert.deepEqual(await texts(page, '#edit-list li'), ['Trigger "per seat" added to "Pricing"', 'Topic "Trial / POC" marked ready']);
  assert.deepEqual(await reportGroups(page), EDITED_REPORT_GROUPS);

  // The edits file, and the CLI given it writes the page's package.
  await page.waitForFunction(() => document.querySelector('#edits-download').hasAttribute('href'));
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#edits-download')]);
  assert.equal(download.suggestedFilename(), 'outdoo-edits.json');
  const editsFile = join(ARTIFACTS, 'outdoo-edits.json');
  writeFileSync(editsFile, readFileSync(await download.path()));
  const document = JSON.parse(readFileSync(editsFile, 'utf8'));
  assert.deepEqual(document.edits.map((edit) => edit.op), ['add_trigger', 'mark_ready']);
  assert.deepEqual(document.edits[0].trigger, { phrase: 'per seat', said_by: 'anyone', language: 'en', match: 'exact' });
  const fromPage = await downloadPackage(page, 'page-sample-edited.zip');
  const fromCli = cliPackage('cli-sample-edited.zip', ['--archive', archive, '--trackers', trackers, '--recover-trackers', '--edits', editsFile]);
  assert.ok(fromPage.equals(fromCli), `page package (${fromPage.length} bytes) equals the CLI's with --edits (${fromCli.length} bytes)`);
  await page.locator('#tracker-part').screenshot({ path: join(ARTIFACTS, 'editor.png') });
  await finish();
});

/** The sample's Pricing triggers, and its agreement once "per seat" is added (as convert --edits gives it). */
const PRICING_PHRASES = ['price increase', 'list price'];
const PRICING_AGREEMENT_AFTER = '100.0% agree';
/** The report of the sample with recovered trackers and the two edits, by code. */
const EDITED_REPORT_GROUPS = [
  ['review', 'tracker_not_exported', '1'], ['warning', 'missing_media', '175'], ['info', 'edit_add_trigger', '1'], ['info', 'edit_mark_ready', '1'],
];

/** The sample's topics (its tracker export), in package order. */
const SAMPLE_TOPICS = ['Pricing', 'Budget approved', 'Next Steps', 'Security', 'Competitor'];

/** What `convert` prints for the sample (200 calls, seed 1) with its tracker export. */
const SAMPLE_FIDELITY_LINES = [
  'fidelity: 5 topics replayed over 171 calls with Chorus tracker hits (4 calls had none to compare): 3 at 100%, 0 below 90%, 0 not seen in any call; 5 met a Chorus tracker by name',
  '   92.1%  Competitor / Competitor: both 47, only Chorus 0, only the triggers 4 (hits: Chorus 101, triggers 115)',
  '   94.2%  Deal / Pricing: both 49, only Chorus 3, only the triggers 0 (hits: Chorus 121, triggers 99); most missed: "per seat" (3 mentions)',
];

/** The sample archive (`sample --calls 200 --seed 1`) and its tracker export (`--trackers-out`), written by the CLI. */
function sampleWithTrackers() {
  mkdirSync(ARTIFACTS, { recursive: true });
  const archive = join(ARTIFACTS, 'chorus-sample-200-calls.zip');
  const trackers = join(ARTIFACTS, 'sample-trackers.csv');
  execFileSync(CLI, ['--quiet', 'sample', '--calls', '200', '--seed', '1', '--out', archive, '--trackers-out', trackers]);
  return { archive, trackers };
}

/** The CLI's package for the same inputs and the fidelity lines `convert` prints (those with a %). */
function cliPackageAndFidelity(name, args) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const out = join(ARTIFACTS, name);
  const run = spawnSync(CLI, ['convert', ...args, '--out', out], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  return { bytes: readFileSync(out), lines: run.stderr.split('\n').filter((line) => line.includes('%')) };
}

/** The figures of the CLI's summary line, by the keys of the page's counts. */
function cliSummary(line) {
  const found = line.match(/^fidelity: (\d+) topics? replayed over (\d+) calls? with Chorus tracker hits \((\d+) calls? had none to compare\): (\d+) at 100%, (\d+) below 90%, (\d+) not seen in any call; (\d+) met a Chorus tracker by name$/);
  assert.ok(found, line);
  const [, topics, compared, without, full, below, unseen, matched] = found;
  return {
    calls_compared: compared, calls_without_chorus_trackers: without, topics, topics_at_100: full,
    topics_below_90: below, topics_not_seen: unseen, topics_matched: matched,
  };
}

/** A worst topic's line as the CLI prints it, as the cells of the page's table (the most missed phrase without its example). */
function cliWorstRow(line) {
  const found = line.match(/^ +(\d+\.\d)%  (.+) \/ (.+): both (\d+), only Chorus (\d+), only the triggers (\d+) \(hits: Chorus (\d+), triggers (\d+)\)(?:; most missed: ("[^"]+") \((\d+ mentions?)\))?$/);
  assert.ok(found, line);
  const [, percent, theme, topic, both, onlyChorus, onlyTriggers, hitsChorus, hitsTriggers, phrase, mentions] = found;
  return [theme, topic, `${percent}%`, both, onlyChorus, onlyTriggers, hitsChorus, hitsTriggers, phrase ? `${phrase} (${mentions})` : ''];
}

/** The fidelity table's rows as [theme, topic, agreement, both, only Chorus, only triggers, hits Chorus, hits triggers, most missed phrase]. */
const fidelityRows = (page) => page.$$eval('#fidelity-list tbody tr.fidelity-topic', (rows) => rows.map((row) => [
  ...['theme-name', 'topic-name', 'agreement', 'both', 'only-chorus', 'only-triggers', 'hits-chorus', 'hits-triggers'].map((name) => row.querySelector(`td.${name}`).textContent),
  [...row.querySelectorAll('td.missed .missed-phrase, td.missed .missed-count')].map((node) => node.textContent).join(''),
]));

const fidelityCounts = (page) => page.$$eval('#fidelity-counts dd', (nodes) => Object.fromEntries(nodes.map((node) => [node.dataset.count, node.textContent])));

test('the sample with its tracker export: the topics compared with Chorus as the CLI says, sortable, one worker', async () => {
  const { archive, trackers } = sampleWithTrackers();
  const cli = cliPackageAndFidelity('cli-sample-fidelity.zip', ['--archive', archive, '--trackers', trackers]);
  assert.deepEqual(cli.lines, SAMPLE_FIDELITY_LINES, 'the CLI prints the expected figures');

  const { page, finish } = await openPage({ query: '?workers=1' });
  await pick(page, [archive, trackers]);
  assert.equal(await page.evaluate(() => document.body.dataset.workers), '1');
  assert.equal(await page.evaluate(() => document.body.dataset.verified), 'ok');
  await showTab(page, 'agreement');
  assert.equal(await page.isVisible('#fidelity'), true);
  assert.equal(await page.textContent('#fidelity-title'), "How the topics compare with Chorus's trackers on your calls");
  assert.deepEqual(await fidelityCounts(page), cliSummary(cli.lines[0]));
  assert.deepEqual(await fidelityCounts(page), {
    calls_compared: '171', calls_without_chorus_trackers: '4', topics: '5', topics_at_100: '3', topics_below_90: '0', topics_not_seen: '0', topics_matched: '5',
  });
  assert.equal(await page.isHidden('#fidelity-note'), true);

  // Worst first: the CLI's worst topics, in its order, then those at 100%.
  const rows = await fidelityRows(page);
  assert.deepEqual(rows.slice(0, 2), cli.lines.slice(1).map(cliWorstRow));
  assert.deepEqual(rows.map((row) => row[1]), WORST_FIRST, 'at 100%: the topic found on more calls first');
  assert.deepEqual(rows.slice(2).map((row) => row[2]), ['100.0%', '100.0%', '100.0%']);
  assert.deepEqual(await texts(page, '#fidelity-list tbody tr.fidelity-topic td.tracker'), WORST_FIRST);
  assert.equal(await page.textContent('#fidelity-list tr[data-topic="Pricing"] td.missed .missed-example'), `e.g. "${SAMPLE_PRICING_EXAMPLE}"`);
  assert.equal(await page.getAttribute('#fidelity-list th[data-sort="agreement"]', 'aria-sort'), 'ascending');
  assert.equal(await page.textContent('#fidelity-more'), '');

  // A click on a header sorts by it (counts most first), a second click reverses.
  await page.click('#fidelity-list th[data-sort="only_chorus"] button');
  assert.equal(await page.getAttribute('#fidelity-list th[data-sort="only_chorus"]', 'aria-sort'), 'descending');
  assert.equal(await page.getAttribute('#fidelity-list th[data-sort="agreement"]', 'aria-sort'), null);
  assert.deepEqual((await fidelityRows(page)).map((row) => [row[1], row[4]]).slice(0, 2), [['Pricing', '3'], ['Budget approved', '0']]);
  await page.click('#fidelity-list th[data-sort="only_chorus"] button');
  assert.equal(await page.getAttribute('#fidelity-list th[data-sort="only_chorus"]', 'aria-sort'), 'ascending');
  assert.deepEqual((await fidelityRows(page)).map((row) => row[1]), ['Budget approved', 'Next Steps', 'Security', 'Competitor', 'Pricing']);
  await page.click('#fidelity-list th[data-sort="topic"] button');
  assert.equal(await page.getAttribute('#fidelity-list th[data-sort="topic"]', 'aria-sort'), 'ascending');
  assert.deepEqual((await fidelityRows(page)).map((row) => row[1]), ['Budget approved', 'Competitor', 'Next Steps', 'Pricing', 'Security']);
  await page.click('#fidelity-list th[data-sort="topic"] button');
  assert.deepEqual((await fidelityRows(page)).map((row) => row[1]), ['Security', 'Pricing', 'Next Steps', 'Competitor', 'Budget approved']);
  await page.click('#fidelity-list th[data-sort="agreement"] button');
  assert.deepEqual((await fidelityRows(page)).map((row) => row[1]), WORST_FIRST);

  // The tree: each topic's agreement, both sides in its tooltip.
  assert.deepEqual(await texts(page, '#tree .topic > summary .badge.agreement'), ['94.2% agree', '100.0% agree', '100.0% agree', '100.0% agree', '92.1% agree']);
  const competitor = page.locator('#tree details.topic[data-topic="Competitor"] > summary .badge.agreement');
  assert.equal(await competitor.getAttribute('title'), 'Chorus tracker: Competitor\nCalls: both 47, only Chorus 0, only the triggers 4\nHits: Chorus 101, triggers 115');
  assert.equal(await competitor.getAttribute('class'), 'badge agreement info');

  const fromPage = await downloadPackage(page, 'page-sample-fidelity-1-worker.zip');
  assert.ok(fromPage.equals(cli.bytes), `page package (${fromPage.length} bytes) equals the CLI's (${cli.bytes.length} bytes)`);
  await page.locator('#fidelity').scrollIntoViewIfNeeded();
  await page.locator('#fidelity').screenshot({ path: join(ARTIFACTS, 'fidelity.png') });
  await showTab(page, 'trackers');
  await page.locator('#tracker-part').screenshot({ path: join(ARTIFACTS, 'fidelity-tree.png') });
  await finish();
});

test('a topic not seen in any call and a call without Chorus tracker data, as fidelity.json says', async () => {
  // The fixture of tests/fidelity.rs: Security is said nowhere and meets no Chorus tracker; one call has no tracker data.
  const folder = join(FIXTURES, 'archive_tracker_hits');
  const files = {};
  for (const name of readdirSync(folder, { recursive: true }).sort()) {
    const path = join(folder, name);
    if (!statSync(path).isDirectory()) files[name] = readFileSync(path);
  }
  mkdirSync(ARTIFACTS, { recursive: true });
  const archive = join(ARTIFACTS, 'tracker-hits.zip');
  writeFileSync(archive, storedZip(files));
  const trackers = join(FIXTURES, 'trackers_replayed_on_tracker_hits.csv');
  const cli = cliPackageAndFidelity('cli-tracker-hits.zip', ['--archive', archive, '--trackers', trackers]);
  const { page, finish } = await openPage();
  await pick(page, [archive, trackers]);
  assert.deepEqual(await fidelityCounts(page), cliSummary(cli.lines[0]));
  assert.deepEqual(await fidelityCounts(page), {
    calls_compared: '4', calls_without_chorus_trackers: '1', topics: '4', topics_at_100: '0', topics_below_90: '3', topics_not_seen: '1', topics_matched: '3',
  });
  const rows = await fidelityRows(page);
  assert.deepEqual(rows.slice(0, 3), cli.lines.slice(1).map(cliWorstRow));
  assert.deepEqual(rows[3], ['Feature', 'Security', 'not seen', '0', '0', '0', '0', '0', '']);
  assert.deepEqual(await texts(page, '#fidelity-list tbody tr.fidelity-topic td.tracker'), ['Competitor', 'Pricing', 'Next Steps', 'none in the calls']);
  // Not seen stays last whichever way the agreement is sorted.
  await showTab(page, 'agreement');
  await page.click('#fidelity-list th[data-sort="agreement"] button');
  assert.equal(await page.getAttribute('#fidelity-list th[data-sort="agreement"]', 'aria-sort'), 'descending');
  assert.deepEqual((await fidelityRows(page)).map((row) => row[1]), ['Next steps', 'Pricing', 'Competitor', 'Security']);
  assert.deepEqual(await texts(page, '#tree .topic > summary .badge.agreement'), ['66.6% agree', '50.0% agree', '0.0% agree', 'not seen']);
  assert.equal(await page.getAttribute('#tree details.topic[data-topic="Security"] > summary .badge.agreement', 'title'),
    'No Chorus tracker of this name in the compared calls\nCalls: both 0, only Chorus 0, only the triggers 0\nHits: Chorus 0, triggers 0');
  const fromPage = await downloadPackage(page, 'page-tracker-hits.zip');
  assert.ok(fromPage.equals(cli.bytes), `page package (${fromPage.length} bytes) equals the CLI's (${cli.bytes.length} bytes)`);
  await finish();
});

/** The sample's topics in the fidelity table's first order: lowest agreement first, ties found on more calls first. */
const WORST_FIRST = ['Competitor', 'Pricing', 'Budget approved', 'Security', 'Next Steps'];

/** The start of the first missed "per seat" mention of the sample's Pricing topic, as fidelity.json holds it. */
const SAMPLE_PRICING_EXAMPLE = 'Per seat.';

test('the sample with its tracker export: three workers give the same fidelity and the CLI\'s bytes', async () => {
  const { archive, trackers } = sampleWithTrackers();
  const cli = cliPackageAndFidelity('cli-sample-fidelity.zip', ['--archive', archive, '--trackers', trackers]);
  const { page, finish } = await openPage({ query: '?workers=3' });
  await pick(page, [archive, trackers]);
  assert.equal(await page.evaluate(() => document.body.dataset.workers), '3');
  assert.deepEqual(await fidelityCounts(page), cliSummary(cli.lines[0]));
  assert.deepEqual((await fidelityRows(page)).slice(0, 2), cli.lines.slice(1).map(cliWorstRow));
  assert.deepEqual(await texts(page, '#tree .topic > summary .badge.agreement'), ['94.2% agree', '100.0% agree', '100.0% agree', '100.0% agree', '92.1% agree']);
  const fromPage = await downloadPackage(page, 'page-sample-fidelity-3-workers.zip');
  assert.ok(fromPage.equals(cli.bytes), `page package (${fromPage.length} bytes) equals the CLI's (${cli.bytes.length} bytes)`);
  await finish();
});

test('"Recover trackers from the calls" adds the tracker no export holds as a topic to review, like --recover-trackers', async () => {
  const { archive, trackers } = sampleWithTrackers();
  const cli = cliPackageAndFidelity('cli-sample-recovered.zip', ['--archive', archive, '--trackers', trackers, '--recover-trackers']);
  const { page, finish } = await openPage({ query: '?workers=3' });
  await pick(page, [archive, trackers]);
  assert.equal(await page.locator('#tree details.topic[data-topic="Trial / POC"]').count(), 0, 'not recovered unless asked');
  const before = await conversions(page);
  await page.check('#recover-trackers');
  await converted(page, before);
  await page.locator('#scope').screenshot({ path: join(ARTIFACTS, 'scope-recover.png') });
  assert.deepEqual(await texts(page, '#tree .theme > summary .name'), [...SAMPLE_THEMES, 'Recovered from Chorus calls']);
  const recovered = page.locator('#tree details.theme[data-theme="Recovered from Chorus calls"] details.topic');
  assert.deepEqual(await recovered.evaluateAll((nodes) => nodes.map((node) => node.dataset.topic)), ['Trial / POC']);
  assert.equal(await recovered.locator('summary .badge.review').textContent(), 'needs review');
  assert.equal(await recovered.locator('summary .badge.agreement').textContent(), '100.0% agree');
  const topic = await openTopic(page, 'Trial / POC');
  assert.match((await topic.locator('.review-box li').allTextContents())[0], /^recovered from the calls: Chorus found this tracker 124 time\(s\) in 51 call\(s\)/);
  assert.deepEqual(await fidelityCounts(page), cliSummary(cli.lines[0]));
  assert.equal(await page.textContent('#fidelity-counts dd[data-count="topics"]'), '6');
  const notExported = await notExportedEntries(page);
  assert.equal(notExported.length, 1);
  assert.match(notExported[0][1], /but no tracker export holds it; it was recovered as a topic to review with 2 trigger\(s\) read from 124 mention\(s\)$/);
  const fromPage = await downloadPackage(page, 'page-sample-recovered.zip');
  assert.ok(fromPage.equals(cli.bytes), `page package (${fromPage.length} bytes) equals the CLI's with --recover-trackers (${cli.bytes.length} bytes)`);

  // Off again: the export's topics only.
  const again = await conversions(page);
  await page.uncheck('#recover-trackers');
  await converted(page, again);
  assert.deepEqual(await texts(page, '#tree .topic > summary .name'), SAMPLE_TOPICS);
  await finish();
});

/** The sample export's themes, in package order. */
const SAMPLE_THEMES = ['Deal', 'Playbook', 'Feature', 'Competitor'];

/** The participants of the hostile call as the detail lists them. */
const XSS_PARTICIPANTS = [
  '<b onmouseover=window.__xss=12>Hana</b> host@example.com (our team)',
  '<script>window.__xss=13</script> "><img src=x onerror=window.__xss=14>@customer.example · javascript:window.__xss=16, <svg onload=window.__xss=15> (customer side)',
];

/** The CLI's counts for the same archives and scopes (`convert` prints them). */
const SAMPLE_200_COUNTS = { calls: '175', skipped_calls: '25', transcripts: '175', media: '0', users: '12', users_to_create: '12' };
const FETCH_COUNTS = { calls: '3', skipped_calls: '2', transcripts: '3', media: '0', users: '1', users_to_create: '1' };
const FETCH_STATUS = 'Downloaded 5 engagements and 3 conversations.';
const FETCH_SCOPE = { from: '2026-05-01', to: '2026-06-30', minDuration: '600', calls: 'meetings' };
const FETCH_FLAGS = ['--from', '2026-05-01', '--to', '2026-06-30', '--min-duration', '600', '--calls', 'meetings'];

/** Asserts the token went nowhere but the Authorization header. */
async function assertTokenKept(page, record, mockRequests) {
  assert.equal(await page.inputValue('#fetch-token'), '', 'the token input is cleared');
  const storage = await page.evaluate(() => JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage }, url: location.href, cookie: document.cookie }));
  assert.ok(!storage.includes(TOKEN), 'not in storage, cookies or the page URL');
  assert.deepEqual(record.requests.filter((url) => url.includes(TOKEN)), [], 'not in any request URL');
  assert.deepEqual(record.consoleAll.filter((text) => text.includes(TOKEN)), [], 'not in the console');
  assert.deepEqual(mockRequests.filter((line) => line.includes(TOKEN)), [], 'not in a URL the API saw');
  assert.ok(!(await page.content()).includes(TOKEN), 'not in the page');
}

test('the page downloads from a Chorus API that allows it (CORS) and converts like the CLI', async () => {
  const mock = await startMock({ cors: true });
  const base = await startServer(mock.url);
  const { page, record, response, finish } = await openPage({ base, allowedOrigins: [mock.url], allowConsoleErrors: true });
  assert.equal(response.headers()['content-security-policy'], csp(mock.url));
  assert.equal(await page.inputValue('#fetch-base-url'), mock.url, 'the address comes from the server');
  await setScope(page, FETCH_SCOPE);
  await page.click('#fetch summary');

  // A wrong token: a clear message, nothing added.
  await page.fill('#fetch-token', 'not-the-token');
  await page.click('#fetch-start');
  await page.waitForFunction(() => document.body.dataset.fetch === 'failed');
  assert.match(await page.textContent('#fetch-status'), /^the token is invalid or its role lacks API access \(401 from http:\/\/127\.0\.0\.1:\d+\/v3\/engagements\?/);
  assert.equal(await page.isHidden('#fetch-fallback'), true);

  const before = await conversions(page);
  await page.fill('#fetch-token', TOKEN);
  await page.click('#fetch-start');
  await converted(page, before);
  assert.equal(await page.textContent('#fetch-status'), FETCH_STATUS);
  assert.deepEqual(await texts(page, '#files tbody tr td.name'), ['chorus-archive.zip']);
  const counts = await page.$$eval('#call-counts dd', (nodes) => Object.fromEntries(nodes.map((node) => [node.dataset.count, node.textContent])));
  assert.deepEqual(counts, FETCH_COUNTS);
  const fromPage = await downloadPackage(page, 'page-fetch-package.zip');
  const requests = await mock.stop();
  assert.ok(requests.some((line) => line.startsWith('GET /v3/engagements?')), 'the page called the mock API');

  // The CLI: fetch from a fresh mock with the same scope, then convert.
  const cliMock = await startMock({ cors: false });
  const fetched = join(ARTIFACTS, 'fetch', 'chorus-archive.zip');
  mkdirSync(dirname(fetched), { recursive: true });
  execFileSync(CLI, ['--quiet', 'fetch', '--base-url', cliMock.url, ...FETCH_FLAGS, '--out', fetched], { env: { ...process.env, CHORUS_API_TOKEN: TOKEN } });
  await cliMock.stop();
  const fromCli = cliPackage('cli-fetch-package.zip', ['--archive', fetched, ...FETCH_FLAGS]);
  assert.ok(fromPage.equals(fromCli), `page package (${fromPage.length} bytes) equals the CLI's fetch + convert (${fromCli.length} bytes)`);

  await assertTokenKept(page, record, requests);
  const origins = new Set(record.requests.map((url) => new URL(url).origin).filter((origin) => origin !== 'null'));
  assert.deepEqual([...origins].sort(), [base, mock.url].sort(), 'requests only to the page and the Chorus API');
  await finish();
});

test('where the browser cannot reach Chorus, the page shows the native command with the scope', async () => {
  const mock = await startMock({ cors: false });
  const base = await startServer(mock.url);
  const { page, record, finish } = await openPage({ base, allowedOrigins: [mock.url], allowConsoleErrors: true });
  await setScope(page, FETCH_SCOPE);
  await page.click('#fetch summary');

  // Another origin than the configured one is refused before any request.
  await page.fill('#fetch-base-url', 'https://elsewhere.example');
  await page.fill('#fetch-token', TOKEN);
  await page.click('#fetch-start');
  assert.equal(await page.textContent('#fetch-status'),
    `This page may only connect to ${mock.url}. To use https://elsewhere.example, start the page with: chorus2outdoo serve --chorus-origin https://elsewhere.example`);
  assert.equal(await page.inputValue('#fetch-token'), '', 'the token input is cleared even then');

  await page.fill('#fetch-base-url', mock.url);
  await page.fill('#fetch-token', TOKEN);
  await page.click('#fetch-start');
  await page.waitForSelector('#fetch-fallback:not([hidden])');
  assert.equal(await page.textContent('#fetch-fallback-text'),
    'The browser could not reach the Chorus API (blocked by the browser (CORS) or network unreachable). Run this command on your computer instead:');
  assert.equal(await page.textContent('#fetch-command'),
    `CHORUS_API_TOKEN=... chorus2outdoo fetch --base-url ${mock.url} --from 2026-05-01 --to 2026-06-30 --min-duration 600 --calls meetings --out chorus-archive.zip`);
  assert.equal(await page.locator('#files tbody tr').count(), 0, 'nothing was added');
  const requests = await mock.stop();
  await assertTokenKept(page, record, requests);
  assert.ok(record.requests.every((url) => !url.startsWith('https://elsewhere.example')), 'the refused origin was never called');
  await finish();
});

test('a download from the page that misses most calls adds nothing unless accepted', async () => {
  // Two of the scope's three conversations answer 404, twice each.
  const A1 = 'A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1';
  const C3 = 'C3C3C3C3C3C3C3C3C3C3C3C3C3C3C3C3';
  const mock = await startMock({ cors: true, faults: [`${A1}:404:2`, `${C3}:404:2`] });
  const base = await startServer(mock.url);
  const { page, record, finish } = await openPage({ base, allowedOrigins: [mock.url], allowConsoleErrors: true });
  await setScope(page, FETCH_SCOPE);
  await page.click('#fetch summary');

  await page.fill('#fetch-token', TOKEN);
  await page.click('#fetch-start');
  await page.waitForFunction(() => document.body.dataset.fetch === 'failed');
  assert.equal(await page.textContent('#fetch-status'),
    'The download is incomplete: 2 of 3 conversations could not be downloaded. Nothing was added: check that the token\'s user may see these calls, or tick "Accept an incomplete download" and download again to convert what came.');
  assert.equal(await page.locator('#files tbody tr').count(), 0, 'nothing was added');
  assert.equal(await page.isHidden('#fetch-fallback'), true);

  const before = await conversions(page);
  await page.check('#fetch-accept-partial');
  await page.fill('#fetch-token', TOKEN);
  await page.click('#fetch-start');
  await converted(page, before);
  assert.equal(await page.textContent('#fetch-status'), 'Downloaded 5 engagements and 1 conversation; 2 calls could not be downloaded (see the report).');
  assert.deepEqual(await texts(page, '#files tbody tr td.name'), ['chorus-archive.zip']);
  const requests = await mock.stop();
  // Asked by the id as Chorus gives it, twice each (one download after the other).
  assert.equal(requests.filter((line) => line === `GET /api/v1/conversations/${A1}`).length, 2);
  await assertTokenKept(page, record, requests);
  await finish();
});

test('asking the page for recordings hands over the native command with the session variable', async () => {
  const mock = await startMock({ cors: true });
  const base = await startServer(mock.url);
  const { page, record, finish } = await openPage({ base, allowedOrigins: [mock.url], allowConsoleErrors: true });
  await setScope(page, FETCH_SCOPE);
  await page.click('#fetch summary');
  await page.check('#fetch-media');
  // No token is needed: nothing is sent.
  await page.click('#fetch-start');
  await page.waitForSelector('#fetch-fallback:not([hidden])');
  assert.equal(await page.textContent('#fetch-fallback-text'),
    "Recordings download only through the migration user's Chorus session, which a browser page cannot send to Chorus. Run this command on your computer instead:");
  assert.equal(await page.textContent('#fetch-command'),
    `CHORUS_API_TOKEN=... CHORUS_SESSION=... chorus2outdoo fetch --base-url ${mock.url} --from 2026-05-01 --to 2026-06-30 --min-duration 600 --calls meetings --media --out chorus-archive.zip`);
  assert.equal(await page.textContent('#fetch-status'), '');
  assert.equal(await page.locator('#files tbody tr').count(), 0, 'nothing was added');
  const requests = await mock.stop();
  assert.deepEqual(requests, [], 'the page called no API');
  assert.ok(record.requests.every((url) => !url.startsWith(mock.url)), 'no request to the Chorus address');
  await finish();
});

// ---------------------------------------------------------------------------

async function main() {
  let passed = 0;
  let failed = 0;
  try {
    BASE = await startServer();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, headless: true });
  } catch (error) {
    console.error(`e2e: cannot start: ${error.message}`);
    await cleanup();
    process.exit(1);
  }
  // E2E_ONLY=regex runs only the tests whose name matches.
  const only = process.env.E2E_ONLY ? new RegExp(process.env.E2E_ONLY) : null;
  for (const { name, body } of tests) {
    if (only && !only.test(name)) continue;
    let timer;
    try {
      await Promise.race([
        body(),
        new Promise((_, fail) => { timer = setTimeout(() => fail(new Error(`timed out after ${TEST_TIMEOUT_MS / 1000} s`)), TEST_TIMEOUT_MS); }),
      ]);
      if (unhandled.length) throw unhandled.splice(0)[0];
      passed += 1;
      console.log(`ok      ${name}`);
    } catch (error) {
      failed += 1;
      console.log(`FAILED  ${name}\n        ${String(error.stack ?? error).split('\n').join('\n        ')}`);
    } finally {
      clearTimeout(timer);
      unhandled.splice(0);
    }
  }
  await cleanup();
  clearTimeout(globalTimer);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main();
