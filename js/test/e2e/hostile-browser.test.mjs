// The package in real headless Chromium (Playwright core) against the hostile servers of
// js/test/support/hostile-server.mjs on loopback (issue 20): a page imports pkg/index.js and calls
// follow(), getVerifiedBalance() or confirmPayment() against each; it must end within
// timeoutMs + 1 s with the typed error (or within 100 ms of an abort or destroy()), leaving
// the state unchanged, and for the HTTP cases the page's memory must stay under the cap +
// 50 MB over its baseline.
//
// Memory is the RSS of the page's renderer process (/proc/PID/statm of the Chromium processes
// under this test's with --type=renderer), sampled every 10 ms from a baseline taken after a
// forced collection (CDP HeapProfiler.collectGarbage) once it has settled. That is where a
// body the page reads lives: its chunks are ArrayBuffers outside the JS heap, so CDP's
// JSHeapUsedSize would not see them; performance.measureUserAgentSpecificMemory() needs
// cross-origin isolation and answers only after a collection of its choosing; the sum over all
// Chromium processes (browser, GPU, network service) moves with things the page did not do.
// Printed: `hostile-chromium: <case> ended in N ms with CODE, renderer rss +M MB`.
//
// Run by scripts/test-all.sh (`node --test js/test/e2e/`), after pkg/ is built.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFileSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { startHostile } from '../support/hostile-server.mjs';
import { ROOT, launchChromium } from '../support/browser.mjs';

const FIXTURE = JSON.parse(readFileSync(join(ROOT, 'tests/fixtures/mainnet-block-32724390.json'), 'utf8'));
const TIMEOUT_MS = 3000;
const MB = 1024 * 1024;
const CAP_MB = 16;
const TYPES = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };
const PAGE = `<!doctype html><meta charset="utf-8"><title>hostile</title><script type="module">
import { TempoLightClient, init } from '/pkg/index.js';
await init();
const PATH_USD = '0x20c0000000000000000000000000000000000000';
// Runs \`mode\` (follow, balance: getVerifiedBalance, payment: confirmPayment) against \`rpc\`,
// from the real block (\`fixture\`) or a fresh client; stops it (\`stop\`: abort or destroy)
// after \`stopAfterMs\` if given. Never throws.
window.hostile = async ({ rpc, mode = 'follow', timeoutMs, stop, stopAfterMs, fixture }) => {
  const client = TempoLightClient.mainnet();
  if (fixture) client.onFinalization(fixture);
  const state = client.toState();
  const head = client.head;
  const controller = new AbortController();
  let stoppedAt = null;
  if (stop) {
    setTimeout(() => {
      stoppedAt = performance.now();
      if (stop === 'abort') controller.abort(); else client.destroy();
    }, stopAfterMs);
  }
  const errors = [];
  const options = { rpc, timeoutMs, signal: controller.signal };
  const started = performance.now();
  let outcome;
  try {
    if (mode === 'balance') {
      await client.getVerifiedBalance({ token: PATH_USD, account: '0x00000000000000000000000000000000000000aa', ...options });
    } else if (mode === 'payment') {
      await client.confirmPayment({ hash: '0x' + 'ab'.repeat(32), ...options, waitMs: 0 });
    } else {
      await client.follow({ ...options, maxRetries: 0, onError: (e) => errors.push(e.code) });
    }
    outcome = { settled: 'resolved' };
  } catch (e) {
    outcome = { settled: 'rejected', code: e.code, retryable: e.retryable, name: e.name, message: e.message };
  }
  const ended = performance.now();
  const alive = !!client.__wbg_ptr;
  const result = {
    ...outcome,
    errors,
    ms: Math.round(ended - started),
    sinceStopMs: stoppedAt === null ? null : Math.round(ended - stoppedAt),
    stateUnchanged: alive ? client.toState() === state : null,
    headUnchanged: alive ? client.head?.hash === head?.hash && client.head?.height === head?.height : null,
  };
  if (alive) client.free();
  return result;
};
window.ready = true;
</script>`;

let server;
let browser;
let page;
let cdp;

/** The pids of the processes descending from this one whose command line has --type=renderer. */
function rendererPids() {
  const parent = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // /proc/PID/stat: "pid (comm) state ppid ..."; comm may hold spaces and parentheses.
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parent.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {}
  }
  const ours = (pid) => {
    for (let p = pid, depth = 0; p > 1 && depth < 16; p = parent.get(p), depth++) if (p === process.pid) return true;
    return false;
  };
  return [...parent.keys()].filter((pid) => {
    if (!ours(pid)) return false;
    try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--type=renderer'); } catch { return false; }
  });
}

let renderers = [];
const PAGE_SIZE = 4096;
/** The RSS of the renderer processes, in bytes (/proc/PID/statm: resident pages). */
function rendererRss() {
  let pages = 0;
  for (const pid of renderers) {
    try { pages += Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]); } catch {}
  }
  return pages * PAGE_SIZE;
}

/** A forced collection in the page, repeated until two readings 300 ms apart agree within 1 MB. */
async function settledBaseline() {
  let last = -Infinity;
  for (let i = 0; i < 20; i++) {
    await cdp.send('HeapProfiler.collectGarbage');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const rss = rendererRss();
    if (Math.abs(rss - last) < MB) return rss;
    last = rss;
  }
  return last;
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
  browser = await launchChromium(['--headless']);
  page = await browser.newPage();
  // Served from 127.0.0.1, so that Chromium lets the page reach the loopback servers.
  await page.goto(`http://127.0.0.1:${server.address().port}/hostile.html`);
  await page.waitForFunction(() => window.ready === true, null, { timeout: 20000 });
  cdp = await page.context().newCDPSession(page);
  renderers = rendererPids();
  assert.ok(renderers.length > 0, 'found the renderer process of the page');
  console.log(`hostile-chromium: renderer processes measured: ${renderers.join(', ')}`);
});

after(async () => {
  await browser?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve()));
});

/** Runs the page's call against a fresh `kind` server; samples the renderer's RSS meanwhile. */
async function run(kind, spec = {}) {
  const hostile = await startHostile(kind);
  const baseline = await settledBaseline();
  let peak = baseline;
  const sampler = setInterval(() => { peak = Math.max(peak, rendererRss()); }, 10);
  try {
    const r = await page.evaluate((s) => window.hostile(s), { rpc: hostile.url, timeoutMs: TIMEOUT_MS, ...spec });
    peak = Math.max(peak, rendererRss());
    return { ...r, baselineMB: +(baseline / MB).toFixed(1), overBaselineMB: +((peak - baseline) / MB).toFixed(1) };
  } finally {
    clearInterval(sampler);
    await hostile.close();
  }
}

function report(name, r) {
  const how = r.settled === 'resolved' ? 'resolved' : r.code;
  const stop = r.sinceStopMs === null ? '' : ` (${r.sinceStopMs} ms after the stop)`;
  console.log(`hostile-chromium: ${name} ended in ${r.ms} ms${stop} with ${how}, renderer rss +${r.overBaselineMB} MB over ${r.baselineMB} MB`);
}

/** The memory bound, for the HTTP cases: the renderer under the cap + 50 MB. */
function underCap(r) {
  assert.ok(r.overBaselineMB < CAP_MB + 50, `renderer rss ${r.overBaselineMB} MB over its baseline ${r.baselineMB} MB (bound: cap + 50 MB)`);
}

function typedRetryable(r, code) {
  assert.equal(r.settled, 'rejected', JSON.stringify(r));
  assert.equal(r.name, 'TempoLightError');
  assert.equal(r.code, code, r.message);
  assert.equal(r.retryable, true);
  assert.ok(r.ms < TIMEOUT_MS + 1000, `ended in ${r.ms} ms`);
}

const CASES = [
  ['http endless chunked body', 'endless-chunked', 'ResponseTooLarge'],
  ['http one byte per second', 'drip', 'Timeout'],
  ['http 200 MB body with content-length', 'huge-200mb', 'ResponseTooLarge'],
  ['http 200 MB chunked body', 'huge-200mb-chunked', 'ResponseTooLarge'],
  ['http server accepts and never answers', 'silent', 'Timeout'],
  // A browser hands the page a WebSocket message only whole, so the package checks its size
  // on arrival and cannot cut off one that streams: no memory bound is asserted for these
  // (documented in js/README.md and RELIABILITY.md), only the time bound and the typed error.
  ['ws 20 MB message', 'ws-20mb-message', 'ResponseTooLarge'],
  // Chromium buffers a fragmented message until it ends; the per-call timeout closes the
  // socket, which stops the reading (the buffer grows at the link's speed until then).
  ['ws message that never ends', 'ws-endless-message', 'Timeout'],
  ['ws server accepts and never answers', 'ws-silent', 'Timeout'],
];

for (const [name, kind, code] of CASES) {
  test(`chromium follow: ${name} ends with ${code}`, { timeout: 60000 }, async () => {
    const r = await run(kind);
    report(`follow, ${name}`, r);
    typedRetryable(r, code);
    assert.deepEqual(r.errors, [code]);
    assert.equal(r.stateUnchanged, true);
    assert.equal(r.headUnchanged, true);
    if (kind !== 'ws-20mb-message' && kind !== 'ws-endless-message') underCap(r);
  });
}

// The runtime refuses a frame header claiming 2^63 bytes itself and closes the connection.
for (const kind of ['ws-2pow63-header', 'ws-2pow63-header-msb']) {
  test(`chromium follow: ${kind} ends at once`, { timeout: 60000 }, async () => {
    const r = await run(kind);
    report(`follow, ws frame header claiming ${kind.endsWith('msb') ? '2^63' : '2^63 - 1'} bytes`, r);
    assert.equal(r.settled, 'rejected', JSON.stringify(r));
    assert.ok(['RpcUnavailable', 'ResponseTooLarge'].includes(r.code), r.message);
    assert.equal(r.retryable, true);
    assert.ok(r.ms < TIMEOUT_MS + 1000, `ended in ${r.ms} ms`);
    assert.equal(r.stateUnchanged, true);
    underCap(r);
  });
}

// getVerifiedBalance and confirmPayment from the real block, against the drip and the endless body.
const CALLS = { balance: 'getVerifiedBalance', payment: 'confirmPayment' };
for (const mode of ['balance', 'payment']) {
  for (const [name, kind, code] of [['one byte per second', 'drip', 'Timeout'], ['endless chunked body', 'endless-chunked', 'ResponseTooLarge']]) {
    test(`chromium ${CALLS[mode]}: ${name} ends with ${code}`, { timeout: 60000 }, async () => {
      const r = await run(kind, { mode, fixture: FIXTURE });
      report(`${CALLS[mode]}, ${name}`, r);
      typedRetryable(r, code);
      assert.equal(r.stateUnchanged, true);
      assert.equal(r.headUnchanged, true);
      underCap(r);
    });
  }
}

// An abort or destroy() ends a call in flight within 100 ms: follow() resolves,
// getVerifiedBalance() and confirmPayment() reject with `Aborted` / `Destroyed` (not retryable).
const STOPS = [
  ['follow', 'drip', 'http answer dripping'],
  ['follow', 'silent', 'http server never answering'],
  ['follow', 'ws-silent', 'ws server never answering'],
  ['balance', 'drip', 'http answer dripping'],
  ['balance', 'silent', 'http server never answering'],
  ['payment', 'drip', 'http answer dripping'],
  ['payment', 'silent', 'http server never answering'],
];
for (const stop of ['abort', 'destroy']) {
  for (const [mode, kind, name] of STOPS) {
    test(`chromium ${CALLS[mode] ?? mode}: ${stop} during an ${name} ends it within 100 ms`, { timeout: 60000 }, async () => {
      const r = await run(kind, { mode, timeoutMs: 10000, stop, stopAfterMs: 1000, fixture: mode === 'follow' ? undefined : FIXTURE });
      report(`${CALLS[mode] ?? mode}, ${stop} during ${name}`, r);
      if (mode === 'follow') {
        assert.equal(r.settled, 'resolved', JSON.stringify(r));
        assert.deepEqual(r.errors, []);
      } else {
        assert.equal(r.settled, 'rejected', JSON.stringify(r));
        assert.equal(r.name, 'TempoLightError');
        assert.equal(r.code, stop === 'destroy' ? 'Destroyed' : 'Aborted', r.message);
        assert.equal(r.retryable, false);
      }
      assert.ok(r.sinceStopMs < 100, `ended ${r.sinceStopMs} ms after the ${stop}`);
      if (stop === 'abort') assert.equal(r.stateUnchanged, true);
      else assert.equal(r.stateUnchanged, null, 'destroyed');
      underCap(r);
    });
  }
}
