// The page's half of `make bench` (tests/bench/run.sh calls it): the served
// page in headless Chromium converts the same sample archives as the CLI
// rows, with one Web Worker and with one per core, RUNS times each, and
// previews the same 5,000-tracker export. Prints table rows in run.sh's
// columns: wall time from picking the file to the checked package, MB/s of
// uncompressed JSON, CPU seconds of all browser processes, and their peak
// memory (summed RSS, sampled every 100 ms); then the wasm memory of the
// converter's worker and of a helper worker, and where the package was
// stored (disk: the origin private file system; the target for the peak is
// 1 GB at 45,000 calls, issue 17). The browser runs on a profile on disk, as
// a customer's does: an incognito context keeps its file system in memory.
// PAGE_STORAGE=memory measures the page keeping the package in memory.
//
//   node tests/e2e/bench.mjs <work dir> "<calls ...>" <runs> <trackers.csv>
//   (NATIVE_RATES="<calls>:<MB/s> ..." adds the page's ratio to the CLI;
//   WORKERS="2 8" measures those worker counts instead of one and one per core)
//
// The archives are <work dir>/sample-<calls>.zip (SAMPLE_SUFFIX=-media:
// sample-<calls>-media.zip; -media-<bytes>: recordings of that size) with <archive>.txt holding
// the generator's summary ("... (87.6 MB of JSON) ..."), as run.sh writes them.

import { chromium } from 'playwright-core';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import os from 'node:os';
import { CHROMIUM, CHROMIUM_FLAGS, children, startServer } from './support.mjs';

const [work, callsList, runsText, trackers] = process.argv.slice(2);
const RUNS = Number(runsText) || 3;
const CONVERSION_TIMEOUT_MS = 15 * 60_000;
const CLOCK_TICKS = 100;

/** Every process below `pid` (inclusive), from /proc. */
function processTree(pid) {
  const parents = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(Number(name), ppid);
    } catch {
      // The process ended while listed.
    }
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i += 1) {
    for (const [child, parent] of parents) if (parent === tree[i]) tree.push(child);
  }
  return tree;
}

/** Summed RSS and PSS (bytes) and CPU seconds (user + system) of the
 * browser's processes: everything this script started except the server.
 * RSS counts a page shared by several processes once in each (an idle
 * headless Chromium with the page open sums to about 1.1 GB); PSS shares
 * it out between them, so its sum is what the processes hold together. */
function browserUsage() {
  const server = new Set(children.flatMap((child) => processTree(child.pid)));
  let rss = 0;
  let pss = 0;
  let cpu = 0;
  for (const p of processTree(process.pid)) {
    if (p === process.pid || server.has(p)) continue;
    try {
      const text = readFileSync(`/proc/${p}/stat`, 'utf8');
      const stat = text.slice(text.lastIndexOf(')') + 2).split(' ');
      cpu += (Number(stat[11]) + Number(stat[12])) / CLOCK_TICKS;
      rss += Number(stat[21]) * 4096;
      pss += Number(readFileSync(`/proc/${p}/smaps_rollup`, 'utf8').match(/^Pss:\s+(\d+)/m)?.[1] ?? 0) * 1024;
    } catch {
      // Gone.
    }
  }
  return { rss, pss, cpu };
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

const row = (run, calls, jsonMb, wall, rate, cpu, peak) => console.log(
  `${run.padEnd(32)} ${String(calls).padStart(7)} ${String(jsonMb).padStart(8)} ${wall.toFixed(wall < 1 ? 3 : 2).padStart(8)} `
  + `${(rate == null ? '-' : rate.toFixed(1)).padStart(7)} ${cpu.toFixed(2).padStart(8)} ${String(Math.round(peak / 1e6)).padStart(8)}`,
);

const STORAGE = process.env.PAGE_STORAGE === 'memory' ? '&storage=memory' : '';
/** `PAGE_PART_SIZE=2GB`: the page splits the package into parts of that size. */
const PART_SIZE = process.env.PAGE_PART_SIZE ?? '';

/** One conversion in a fresh tab: picks `file`, waits for the checked package. */
async function convertOnce(context, base, file, workers) {
  const page = await context.newPage();
  await page.goto(`${base}/?workers=${workers}${STORAGE}`);
  await page.waitForSelector('body[data-ready="true"]');
  const before = browserUsage();
  let peak = before.rss;
  let peakPss = before.pss;
  const sampler = setInterval(() => {
    const usage = browserUsage();
    peak = Math.max(peak, usage.rss);
    peakPss = Math.max(peakPss, usage.pss);
  }, 100);
  if (PART_SIZE) {
    await page.fill('#part-size', PART_SIZE);
    await page.dispatchEvent('#part-size', 'change');
  }
  const started = Date.now();
  await page.setInputFiles('#file-input', file);
  await page.waitForFunction(() => Number(document.body.dataset.conversions ?? 0) > 0 || document.body.dataset.state === 'empty' && !document.querySelector('#message').hidden,
    null, { timeout: CONVERSION_TIMEOUT_MS, polling: 50 });
  const wall = (Date.now() - started) / 1000;
  clearInterval(sampler);
  const after = browserUsage();
  const data = await page.evaluate(() => ({ ...document.body.dataset, message: document.querySelector('#message').textContent }));
  // Closing the tab frees its package (its file is removed by the next tab's first package).
  await page.close();
  if (data.verified !== 'ok') throw new Error(`the page did not convert ${file}: ${data.message || data.verified}`);
  return { wall, cpu: after.cpu - before.cpu, peak, peakPss, idlePss: before.pss, data };
}

async function main() {
  const base = await startServer();
  const profile = mkdtempSync(join(os.tmpdir(), 'chorus2outdoo-bench-profile-'));
  const browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: CHROMIUM_FLAGS, headless: true });
  const cores = Math.min(8, os.availableParallelism?.() ?? os.cpus().length);
  const summary = [];
  try {
    for (const calls of callsList.split(/\s+/).filter(Boolean)) {
      const archive = join(work, `sample-${calls}${process.env.SAMPLE_SUFFIX ?? ''}.zip`);
      const jsonBytes = Number(readFileSync(`${archive}.txt`, 'utf8').match(/\(([\d.]+) MB of JSON\)/)[1]) * 1e6;
      const jsonMb = (jsonBytes / 1e6).toFixed(1);
      const counts = process.env.WORKERS ? process.env.WORKERS.split(/\s+/).filter(Boolean).map(Number) : [1, cores];
      for (const workers of [...new Set(counts)]) {
        const results = [];
        for (let i = 0; i < RUNS; i += 1) results.push(await convertOnce(browser, base, archive, workers));
        const stored = [...new Set(results.map((r) => `${r.data.stored}, checked through ${r.data.checkReads === 'handle' ? 'sync access handles' : 'Blob reads'}`))].join('; ');
        const wall = median(results.map((r) => r.wall));
        const rate = jsonBytes / 1e6 / wall;
        row(`page, ${workers} worker${workers === 1 ? '' : 's'}`, calls, jsonMb, wall, rate, median(results.map((r) => r.cpu)), median(results.map((r) => r.peak)));
        const wasm = Math.max(...results.map((r) => Number(r.data.wasmMemory)));
        const helper = Math.max(...results.map((r) => Number(r.data.helperMemory ?? 0)));
        console.log(`  (wasm memory: converter ${(wasm / 1e6).toFixed(1)} MB${workers > 1 ? `, largest helper ${(helper / 1e6).toFixed(1)} MB` : ''}; `
          + `median first pass ${(median(results.map((r) => Number(r.data.readMs))) / 1000).toFixed(2)} s, package ${(median(results.map((r) => Number(r.data.writeMs))) / 1000).toFixed(2)} s, `
          + `check ${(median(results.map((r) => Number(r.data.checkMs))) / 1000).toFixed(2)} s; package stored: ${stored}; `
          + `recordings read: ${[...new Set(results.map((r) => r.data.recordingReads || 'none'))].join(', ')}, stalled stream reads ${results.map((r) => r.data.stalledReads ?? 0).join(', ')}; `
          + `peak summed PSS of each run ${results.map((r) => (r.peakPss / 1e9).toFixed(3)).join(', ')} GB)`);
        summary.push({
          calls, workers, rate, peak: median(results.map((r) => r.peak)), peakPss: median(results.map((r) => r.peakPss)), idlePss: median(results.map((r) => r.idlePss)),
        });
      }
    }
    const previews = [];
    for (let i = 0; i < RUNS; i += 1) {
      const page = await browser.newPage();
      await page.goto(`${base}/`);
      await page.waitForSelector('body[data-ready="true"]');
      await page.setInputFiles('#file-input', trackers);
      await page.waitForFunction(() => Number(document.body.dataset.conversions ?? 0) > 0, null, { timeout: 120_000 });
      previews.push(Number(await page.evaluate(() => document.body.dataset.previewMs)) / 1000);
      await page.close();
    }
    console.log(`${'page preview, 5,000 trackers'.padEnd(32)} ${'-'.padStart(7)} ${'-'.padStart(8)} ${median(previews).toFixed(3).padStart(8)}`);
    // NATIVE_RATES="2000:51.3 10000:49.8": the CLI's MB/s with all threads, from run.sh.
    const native = new Map((process.env.NATIVE_RATES ?? '').split(/\s+/).filter(Boolean).map((pair) => pair.split(':')));
    for (const { calls, workers, rate, peak, peakPss, idlePss } of summary) {
      const one = summary.find((s) => s.calls === calls && s.workers === 1);
      const parts = [];
      if (native.has(calls)) parts.push(`${(rate / Number(native.get(calls))).toFixed(2)} of the native CLI's MB/s`);
      if (workers > 1 && one) parts.push(`${(rate / one.rate).toFixed(2)}x one worker`);
      parts.push(`browser memory at its peak ${(peak / 1e9).toFixed(2)} GB summed RSS, ${(peakPss / 1e9).toFixed(2)} GB summed PSS `
        + `(${(idlePss / 1e9).toFixed(2)} GB before the file was picked)${Number(calls) >= 45000 ? ' (target: at most 1 GB at 45,000 calls)' : ''}`);
      if (parts.length) console.log(`  ${calls} calls, page with ${workers} worker${workers === 1 ? '' : 's'}: ${parts.join(', ')}`);
    }
  } finally {
    await browser.close();
    rmSync(profile, { recursive: true, force: true });
    for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  }
}

main().catch((error) => {
  console.error(`page benchmark: ${error.message}`);
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  process.exit(1);
});
