// End-to-end tests of the web page: starts `chorus2outdoo serve` on a free
// 127.0.0.1 port, drives Debian's /usr/bin/chromium with playwright-core,
// and stops both at the end, also on failure or timeout.
//
//   node tests/e2e/run.mjs            (after `make wasm build`)
//
// Prints one line per test and a closing "N passed, N failed"; exits non-zero
// on any failure. The preview screenshot goes to tests/artifacts/preview.png.

import { chromium } from 'playwright-core';
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = join(ROOT, 'target/release/chorus2outdoo');
const FIXTURES = join(ROOT, 'tests/fixtures');
const E2E = join(FIXTURES, 'e2e');
const ARTIFACTS = join(ROOT, 'tests/artifacts');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run',
];
const GLOBAL_TIMEOUT_MS = 240_000;
const TEST_TIMEOUT_MS = 45_000;

const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; connect-src 'self'; "
  + "img-src 'self' blob: data:; style-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const NO_HEADER_ERROR = 'broken_no_header.csv row 1: no tracker header found: a header row needs a tracker name column and a keywords or expression column. Headers found: "Owner", "Notes", "Created".';

let server = null;
let browser = null;

async function cleanup() {
  if (browser) await browser.close().catch(() => {});
  browser = null;
  if (server && server.exitCode === null) server.kill('SIGTERM');
}
process.on('exit', () => { if (server && server.exitCode === null) server.kill('SIGKILL'); });
const globalTimer = setTimeout(async () => {
  console.error(`e2e: global timeout of ${GLOBAL_TIMEOUT_MS / 1000} s reached, stopping`);
  await cleanup();
  process.exit(1);
}, GLOBAL_TIMEOUT_MS);

function freePort() {
  return new Promise((done, fail) => {
    const probe = net.createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => done(port));
    });
  });
}

async function startServer() {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "make build" first`);
  if (!existsSync(join(ROOT, 'www/pkg/chorus2outdoo_bg.wasm'))) throw new Error('www/pkg is missing: run "make wasm" first');
  const port = await freePort();
  server = spawn(CLI, ['serve', '--dir', join(ROOT, 'www'), '--port', String(port)], { stdio: ['ignore', 'inherit', 'pipe'] });
  await new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error('the server did not start within 10 s')), 10_000);
    let output = '';
    server.stderr.on('data', (chunk) => {
      output += chunk;
      if (output.includes(`on http://127.0.0.1:${port}`)) {
        clearTimeout(timer);
        done();
      }
    });
    server.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`the server exited with ${code}: ${output}`));
    });
  });
  return `http://127.0.0.1:${port}`;
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

async function openPage({ allowConsoleErrors = false, beforeGoto = null } = {}) {
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1200, height: 900 } });
  const record = { requests: [], consoleErrors: [], pageErrors: [] };
  context.on('request', (request) => record.requests.push(request.url()));
  if (beforeGoto) await beforeGoto(context);
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') record.consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => record.pageErrors.push(String(error)));
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (event) => {
      window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  const response = await page.goto(BASE + '/');
  await page.waitForSelector('body[data-ready="true"]', { timeout: 15_000 });

  /** The checks every test ends with. */
  const finish = async () => {
    const violations = await page.evaluate(() => window.__cspViolations);
    assert.deepEqual(violations, [], 'no Content-Security-Policy violations');
    assert.deepEqual(record.pageErrors, [], 'no uncaught page errors');
    if (!allowConsoleErrors) assert.deepEqual(record.consoleErrors, [], 'no console errors');
    const outside = record.requests.filter((url) => {
      const parsed = new URL(url);
      return !(parsed.origin === BASE || parsed.protocol === 'blob:' || parsed.protocol === 'data:');
    });
    assert.deepEqual(outside, [], 'no request leaves the page origin');
    assert.ok(record.requests.length > 0, 'requests were recorded');
    await context.close();
  };
  return { page, context, response, record, finish };
}

/** Picks files with the file button and waits for the resulting conversion. */
async function pick(page, paths) {
  const before = Number(await page.evaluate(() => document.body.dataset.conversions ?? 0));
  await page.setInputFiles('#file-input', paths);
  await page.waitForFunction((n) => Number(document.body.dataset.conversions ?? 0) > n, before, { timeout: 15_000 });
}

const texts = (page, selector) => page.$$eval(selector, (nodes) => nodes.map((node) => node.textContent.trim()));

async function openTopic(page, name) {
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
  assert.equal(headers['content-security-policy'], CSP);
  assert.equal(headers['x-content-type-options'], 'nosniff');
  assert.equal(headers['content-type'], 'text/html; charset=utf-8');
  const meta = await page.$eval('meta[http-equiv="Content-Security-Policy"]', (node) => node.getAttribute('content'));
  // frame-ancestors only works as a header; in a <meta> browsers ignore it with a console error.
  assert.equal(meta, CSP.replace("; frame-ancestors 'none'", ''), 'the <meta> policy matches the served header');
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
  assert.deepEqual(await texts(page, '#report tbody td.code'), ['expression_needs_review', 'expression_needs_review']);
  assert.deepEqual(await texts(page, '#report tbody td .badge'), ['review', 'review']);
  assert.deepEqual(await texts(page, '#report tbody td.location'), ['trackers_page.csv row 4', 'trackers_page.csv row 4']);
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

test('a broken file shows its error; the other files still convert and the page stays usable', async () => {
  const { page, finish } = await openPage();
  await pick(page, [join(E2E, 'broken_no_header.csv'), join(E2E, 'trackers_page.csv')]);
  const broken = page.locator('#files tr[data-file="broken_no_header.csv"]');
  assert.ok((await broken.locator('.status.error').textContent()).startsWith(NO_HEADER_ERROR));
  assert.equal(await page.locator('#files tr[data-file="trackers_page.csv"] .status').textContent(), 'read, 2 problems (see the report)');
  assert.deepEqual(await texts(page, '#counts dd[data-count="topics"]'), ['61 need review']);
  assert.equal(await page.isHidden('#message'), true, 'no global error');
  // Still usable: another file adds to the preview, the broken one can be removed.
  await pick(page, [join(E2E, 'trackers_xss_name.csv')]);
  assert.deepEqual(await texts(page, '#counts dd[data-count="topics"]'), ['71 need review']);
  const conversions = Number(await page.evaluate(() => document.body.dataset.conversions));
  await broken.locator('button.remove').click();
  await page.waitForFunction((n) => Number(document.body.dataset.conversions) > n, conversions);
  assert.equal(await page.locator('#files tbody tr').count(), 2);
  await finish();
});

test('markup in a tracker file is shown as text, never run', async () => {
  const { page, finish } = await openPage();
  await pick(page, [join(E2E, 'trackers_xss_name.csv')]);
  assert.deepEqual(await texts(page, '#tree .theme > summary .name'), ['<b>Markup theme</b>']);
  assert.deepEqual(await texts(page, '#tree .topic > summary .name'), ['<img src=x onerror=window.__xss=1>']);
  const topic = await openTopic(page, '<img src=x onerror=window.__xss=1>');
  assert.deepEqual(await topic.locator('td.phrase').allTextContents(), ['<script>window.__xss=2</script>', 'plain phrase']);
  assert.equal(await page.locator('img').count(), 0, 'no img element');
  assert.equal(await page.locator('#tree b, #tree script').count(), 0, 'no element parsed from the file');
  await page.waitForTimeout(200);
  assert.equal(await page.evaluate(() => window.__xss), undefined);
  await finish();
});

test('a worker that crashes is replaced and the page recovers', async () => {
  // The first worker gets a module whose convert traps the way a Rust panic
  // does (RuntimeError: unreachable); the replacement worker is the real one.
  let served = 0;
  const { page, finish } = await openPage({
    beforeGoto: (context) => context.route('**/worker.js', async (route) => {
      served += 1;
      if (served > 1) return route.fallback();
      const response = await route.fetch();
      const original = await response.text();
      const patched = original.replace(
        'convert: ({ files, options }) => convert(files, options),',
        "convert: () => { throw new WebAssembly.RuntimeError('unreachable'); },",
      );
      if (patched === original) throw new Error('worker.js no longer has the line this test patches');
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

test('1,000 trackers preview within a second, bounded, and filter quickly', async () => {
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
  await pick(page, [path]);
  await page.waitForSelector('#tree .more');
  const elapsed = Date.now() - started;
  const inPage = Number(await page.evaluate(() => document.body.dataset.previewMs));
  console.log(`    1,000 trackers: preview shown ${elapsed} ms after picking the file (convert + render in page: ${inPage} ms)`);
  assert.ok(elapsed < 1000, `preview within a second (took ${elapsed} ms)`);
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
  assert.ok(filterElapsed < 500, `filter within half a second (took ${filterElapsed} ms)`);
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
  for (const { name, body } of tests) {
    let timer;
    try {
      await Promise.race([
        body(),
        new Promise((_, fail) => { timer = setTimeout(() => fail(new Error(`timed out after ${TEST_TIMEOUT_MS / 1000} s`)), TEST_TIMEOUT_MS); }),
      ]);
      passed += 1;
      console.log(`ok      ${name}`);
    } catch (error) {
      failed += 1;
      console.log(`FAILED  ${name}\n        ${String(error.stack ?? error).split('\n').join('\n        ')}`);
    } finally {
      clearTimeout(timer);
    }
  }
  await cleanup();
  clearTimeout(globalTimer);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main();
