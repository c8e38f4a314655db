// Shared helpers of the browser tests (bundlers, workers, the web page): a static server on
// loopback, headless Chromium (playwright-core, the system's /usr/bin/chromium), and
// `tempo-light devnet` (./devnet.mjs).
import { after } from 'node:test';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { chromium } from 'playwright-core';
import { devnet as startDevnet } from './devnet.mjs';

export const ROOT = new URL('../../..', import.meta.url).pathname;
/** The scratch project scripts/test-js.sh installed the packed tarball into. */
export const SCRATCH = process.env.TEMPO_SCRATCH;
export const PKG_DIR = join(SCRATCH ?? '', 'node_modules/tempo-light');

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.cjs': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm', '.json': 'application/json' };
const cleanups = [];
after(async () => { for (const c of cleanups.reverse()) await c(); });

/** Serves `routes` (URL prefix -> directory) on 127.0.0.1; resolves the base URL. */
export function serve(routes) {
  return new Promise((resolve) => {
    const server = createServer(async (req, res) => {
      const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
      const prefix = Object.keys(routes).filter((p) => path.startsWith(p)).sort((a, b) => b.length - a.length)[0];
      if (prefix === undefined) { res.writeHead(404).end(); return; }
      try {
        const body = await readFile(join(routes[prefix], path.slice(prefix.length) || 'index.html'));
        res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream', 'cache-control': 'no-store' }).end(body);
      } catch {
        res.writeHead(404).end();
      }
    });
    server.listen(0, '127.0.0.1', () => {
      cleanups.push(() => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }));
      resolve(`http://127.0.0.1:${server.address().port}`);
    });
  });
}

/** Headless Chromium (CHROMIUM, else the system's /usr/bin/chromium) as every browser test runs it. */
export const launchChromium = (extraArgs = []) => chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: [...extraArgs, '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

let browser = null;
/** A fresh page in a shared headless Chromium; collects page errors in `page.errors`. */
export async function newPage() {
  if (!browser) {
    browser = await launchChromium();
    cleanups.push(() => browser.close());
  }
  const context = await browser.newContext();
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(String(e)));
  // Console errors, except the browser's own line for a failed fetch: those are counted by
  // their URL instead, and a missing /favicon.ico is not the package's business.
  page.on('console', (m) => { if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) page.errors.push(m.text()); });
  page.on('response', (r) => { if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) page.errors.push(`HTTP ${r.status()} ${r.url()}`); });
  cleanups.push(() => context.close());
  return page;
}

/** `tempo-light devnet` with extra args, 60 ms blocks; resolves `{ rpc, identity, holders, ... }`. */
export const devnet = (args = []) => startDevnet(args, { blockTimeMs: 60 });

export const fixturePath = () => process.env.TEMPO_FIXTURE ?? join(ROOT, 'tests/fixtures/mainnet-block-32724390.json');
