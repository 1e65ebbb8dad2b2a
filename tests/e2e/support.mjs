// What the end-to-end tests (run.mjs) and the page benchmark (bench.mjs)
// share: the browser's path and flags, and `chorus2outdoo serve` on a free
// 127.0.0.1 port. Every process started here is in `children`, for the
// caller to stop; none outlives the node process.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = join(ROOT, 'target/release/chorus2outdoo');
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run',
];

/** Every process started (servers, mock APIs), stopped at the end. */
export const children = [];
process.on('exit', () => { for (const child of children) if (child.exitCode === null) child.kill('SIGKILL'); });

export function freePort() {
  return new Promise((done, fail) => {
    const probe = net.createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => done(port));
    });
  });
}

/** Starts `serve`; `chorusOrigin` null means the default (no flag, no CHORUS_ORIGIN). */
export async function startServer(chorusOrigin = null) {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "make build" first`);
  if (!existsSync(join(ROOT, 'www/pkg/chorus2outdoo_bg.wasm'))) throw new Error('www/pkg is missing: run "make wasm" first');
  const port = await freePort();
  const env = { ...process.env };
  delete env.CHORUS_ORIGIN;
  const args = ['serve', '--dir', join(ROOT, 'www'), '--port', String(port)];
  if (chorusOrigin) args.push('--chorus-origin', chorusOrigin);
  const server = spawn(CLI, args, { stdio: ['ignore', 'inherit', 'pipe'], env });
  children.push(server);
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
