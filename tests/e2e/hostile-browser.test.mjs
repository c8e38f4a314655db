// The package in real headless Chromium (Playwright core) against the hostile servers of
// tests/js/hostile-server.mjs on loopback (issue 20): a page imports pkg/index.js and calls
// follow() against each; it must end within timeoutMs + 1 s with the typed error (or within
// 100 ms of an abort), leaving the state unchanged. Chromium's RSS (all its processes) is
// sampled and printed: `hostile-chromium: <case> ended in N ms with CODE, chromium rss +M MB`.
//
// Run by scripts/test-all.sh (`node --test tests/e2e/`), after pkg/ is built.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { chromium } from 'playwright-core';
import { startHostile } from '../js/hostile-server.mjs';

const ROOT = new URL('../..', import.meta.url).pathname;
const TIMEOUT_MS = 3000;
const TYPES = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };
const PAGE = `<!doctype html><meta charset="utf-8"><title>hostile</title><script type="module">
import { TempoLightClient, init } from '/pkg/index.js';
await init();
// Runs follow() against \`rpc\`; aborts after \`abortAfterMs\` if given. Never throws.
window.hostile = async ({ rpc, timeoutMs, abortAfterMs }) => {
  const client = TempoLightClient.mainnet();
  const state = client.toState();
  const controller = new AbortController();
  let abortedAt = null;
  if (abortAfterMs) setTimeout(() => { abortedAt = performance.now(); controller.abort(); }, abortAfterMs);
  const errors = [];
  const started = performance.now();
  let outcome;
  try {
    await client.follow({ rpc, timeoutMs, maxRetries: 0, signal: controller.signal, onError: (e) => errors.push(e.code) });
    outcome = { settled: 'resolved' };
  } catch (e) {
    outcome = { settled: 'rejected', code: e.code, retryable: e.retryable, name: e.name, message: e.message };
  }
  const ended = performance.now();
  const result = { ...outcome, errors, ms: Math.round(ended - started), sinceAbortMs: abortedAt === null ? null : Math.round(ended - abortedAt), stateUnchanged: client.toState() === state, head: client.head };
  client.free();
  return result;
};
window.ready = true;
</script>`;

let server;
let browser;
let page;

/** The RSS of all Chromium processes, in MB (Linux `ps`). */
function chromiumRss() {
  const out = execFileSync('ps', ['-eo', 'rss=,comm='], { encoding: 'utf8' });
  let kb = 0;
  for (const line of out.split('\n')) {
    const [rss, comm] = line.trim().split(/\s+/);
    if (comm && /chrom/i.test(comm)) kb += Number(rss);
  }
  return Math.round(kb / 1024);
}

before(async () => {
  server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    if (path === '/hostile.html') { res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE); return; }
    if (!path.startsWith('/pkg/')) { res.writeHead(404).end(); return; }
    try {
      const body = await readFile(join(ROOT, path));
      res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' }).end(body);
    } catch { res.writeHead(404).end(); }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage();
  // Served from 127.0.0.1, so that Chromium lets the page reach the loopback servers.
  await page.goto(`http://127.0.0.1:${server.address().port}/hostile.html`);
  await page.waitForFunction(() => window.ready === true, null, { timeout: 20000 });
});

after(async () => {
  await browser?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve()));
});

/** Runs the page's follow() against a fresh `kind` server; samples Chromium's RSS meanwhile. */
async function run(kind, spec = {}) {
  const hostile = await startHostile(kind);
  const baseline = chromiumRss();
  let peak = baseline;
  const sampler = setInterval(() => { peak = Math.max(peak, chromiumRss()); }, 100);
  try {
    const r = await page.evaluate((s) => window.hostile(s), { rpc: hostile.url, timeoutMs: TIMEOUT_MS, ...spec });
    peak = Math.max(peak, chromiumRss());
    return { ...r, baselineMB: baseline, peakMB: peak };
  } finally {
    clearInterval(sampler);
    await hostile.close();
  }
}

function report(name, r) {
  const how = r.settled === 'resolved' ? 'resolved' : r.code;
  const abort = r.sinceAbortMs === null ? '' : ` (${r.sinceAbortMs} ms after the abort)`;
  console.log(`hostile-chromium: ${name} ended in ${r.ms} ms${abort} with ${how}, chromium rss peak ${r.peakMB} MB (+${r.peakMB - r.baselineMB} MB over ${r.baselineMB} MB)`);
}

const CASES = [
  ['http endless chunked body', 'endless-chunked', 'ResponseTooLarge'],
  ['http one byte per second', 'drip', 'Timeout'],
  ['http 200 MB body with content-length', 'huge-200mb', 'ResponseTooLarge'],
  ['http 200 MB chunked body', 'huge-200mb-chunked', 'ResponseTooLarge'],
  ['http server accepts and never answers', 'silent', 'Timeout'],
  ['ws 20 MB message', 'ws-20mb-message', 'ResponseTooLarge'],
  // Chromium buffers a fragmented message until it ends; the per-call timeout closes the
  // socket, which stops the reading (the buffer grows at the link's speed until then).
  ['ws message that never ends', 'ws-endless-message', 'Timeout'],
  ['ws server accepts and never answers', 'ws-silent', 'Timeout'],
];

for (const [name, kind, code] of CASES) {
  test(`chromium follow: ${name} ends with ${code}`, { timeout: 60000 }, async () => {
    const r = await run(kind);
    report(name, r);
    assert.equal(r.settled, 'rejected', JSON.stringify(r));
    assert.equal(r.name, 'TempoLightError');
    assert.equal(r.code, code, r.message);
    assert.equal(r.retryable, true);
    assert.ok(r.ms < TIMEOUT_MS + 1000, `ended in ${r.ms} ms`);
    assert.deepEqual(r.errors, [code]);
    assert.equal(r.stateUnchanged, true);
    assert.equal(r.head, null);
  });
}

// The runtime refuses a frame header claiming 2^63 bytes itself and closes the connection.
for (const kind of ['ws-2pow63-header', 'ws-2pow63-header-msb']) {
  test(`chromium follow: ${kind} ends at once`, { timeout: 60000 }, async () => {
    const r = await run(kind);
    report(`ws frame header claiming ${kind.endsWith('msb') ? '2^63' : '2^63 - 1'} bytes`, r);
    assert.equal(r.settled, 'rejected', JSON.stringify(r));
    assert.ok(['RpcUnavailable', 'ResponseTooLarge'].includes(r.code), r.message);
    assert.equal(r.retryable, true);
    assert.ok(r.ms < TIMEOUT_MS + 1000, `ended in ${r.ms} ms`);
    assert.equal(r.stateUnchanged, true);
  });
}

for (const [name, kind] of [['http answer dripping', 'drip'], ['ws server never answering', 'ws-silent']]) {
  test(`chromium follow: an abort during an ${name} ends it within 100 ms`, { timeout: 60000 }, async () => {
    const r = await run(kind, { timeoutMs: 10000, abortAfterMs: 1000 });
    report(`abort during ${name}`, r);
    assert.equal(r.settled, 'resolved', JSON.stringify(r));
    assert.deepEqual(r.errors, []);
    assert.ok(r.sinceAbortMs < 100, `ended ${r.sinceAbortMs} ms after the abort`);
    assert.equal(r.stateUnchanged, true);
  });
}
