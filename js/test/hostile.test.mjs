// The installed package against hostile JSON-RPC servers on 127.0.0.1 (issue 20): answers
// that never end, drip, are huge or never come, over HTTP and WebSocket, and an EIP-1193
// function that never answers; for follow(), getVerifiedBalance(), confirmPayment() and the
// verified provider. Each case runs the client in its own process (hostile-client.mjs) to
// measure its memory alone, and checks: the call ends within timeoutMs + 1 s with the typed,
// retryable error; the peak RSS stays under the cap + 50 MB over a baseline taken once the
// process has settled (the bound; measured about cap + 20 MB: the cap's worth of
// chunks the package holds, and about as much again of the runtime's socket buffers not yet
// collected; a 200 MB or endless body read whole would be 200 MB and more); the state is
// unchanged; an abort or destroy() ends it within 100 ms.
// Prints `hostile: <case> ended in N ms with CODE, peak rss M MB (+D MB)` for RELIABILITY.md.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startHostile, MB } from './support/hostile-server.mjs';

const CLIENT = fileURLToPath(new URL('./support/hostile-client.mjs', import.meta.url));
const CAP = 16 * MB;
const TIMEOUT_MS = 3000;
// Node 20 has WebSocket behind a flag; newer Nodes have it built in.
const WS_FLAG = spawnSync(process.execPath, ['--experimental-websocket', '-e', "typeof WebSocket === 'function' || process.exit(1)"]).status === 0
  ? ['--experimental-websocket'] : [];

/** Runs hostile-client.mjs with `spec` against a fresh `kind` server; resolves its RESULT. */
async function run(kind, spec) {
  const server = await startHostile(kind);
  try {
    const child = spawn(process.execPath, [...WS_FLAG, '--no-warnings', '--expose-gc', CLIENT, JSON.stringify({ url: server.url, ...spec })], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    const code = await new Promise((resolve) => child.on('exit', resolve));
    const line = out.split('\n').find((l) => l.startsWith('RESULT '));
    assert.ok(line, `the client process printed no result (exit ${code}): ${out}`);
    return { ...JSON.parse(line.slice(7)), connections: server.connections(), server: server.stats() };
  } finally {
    await server.close();
  }
}

function report(name, r) {
  const how = r.settled === 'resolved' ? 'resolved' : r.code;
  const stop = r.sinceStopMs === null ? '' : ` (${r.sinceStopMs} ms after the stop)`;
  console.log(`hostile: ${name} ended in ${r.ms} ms${stop} with ${how}, peak rss ${r.peakMB} MB (+${r.overBaselineMB} MB over baseline ${r.baselineMB} MB; process lifetime max ${r.lifetimeMaxRssMB} MB)`);
}

/** The memory bound: the peak RSS under the cap + 50 MB over the settled baseline. */
function underCap(r, cap = CAP) {
  assert.ok(r.overBaselineMB < cap / MB + 50, `peak rss ${r.peakMB} MB is ${r.overBaselineMB} MB over the baseline ${r.baselineMB} MB (bound: cap + 50 MB)`);
}

/** The checks every bounded case shares. */
function bounded(r, { code, timeoutMs = TIMEOUT_MS, cap = CAP, retries = 0 }) {
  assert.equal(r.settled, 'rejected', `rejects (${JSON.stringify(r)})`);
  assert.equal(r.name, 'TempoLightError');
  assert.equal(r.code, code, r.message);
  assert.equal(r.retryable, true, 'retryable, like other unavailability');
  // Each try is bounded by the timeout; between tries follow() backs off 500 ms, 1 s, ...
  const backoff = Array.from({ length: retries }, (_, i) => Math.min(250 * 2 ** (i + 1), 8000)).reduce((a, b) => a + b, 0);
  assert.ok(r.ms < (retries + 1) * timeoutMs + backoff + 1000, `ended in ${r.ms} ms`);
  underCap(r, cap);
  assert.equal(r.stateUnchanged, true, 'the state did not change');
  assert.equal(r.headUnchanged, true, 'the head did not change');
}

const CASES = [
  // [name, server kind, client spec, expected code]
  ['http endless chunked body', 'endless-chunked', {}, 'ResponseTooLarge'],
  ['http one byte per second (content-length 1000, default 10 s timeout)', 'drip', { timeoutMs: undefined }, 'Timeout'],
  ['http 200 MB body with content-length', 'huge-200mb', {}, 'ResponseTooLarge'],
  ['http 200 MB chunked body', 'huge-200mb-chunked', {}, 'ResponseTooLarge'],
  ['http headers then silence', 'headers-only', {}, 'Timeout'],
  ['http server accepts and never answers', 'silent', {}, 'Timeout'],
  ['http endless chunked body, maxResponseBytes 1 MB', 'endless-chunked', { maxResponseBytes: MB }, 'ResponseTooLarge'],
  ['ws message that never ends (continuation frames forever)', 'ws-endless-message', {}, 'ResponseTooLarge'],
  ['ws 20 MB message', 'ws-20mb-message', {}, 'ResponseTooLarge'],
  ['ws 20 MB message, maxResponseBytes 1 MB', 'ws-20mb-message', { maxResponseBytes: MB }, 'ResponseTooLarge'],
  ['ws server accepts and never answers a call', 'ws-silent', {}, 'Timeout'],
];

for (const [name, kind, spec, code] of CASES) {
  test(`follow: ${name} ends with ${code}`, { timeout: 60000 }, async () => {
    const timeoutMs = 'timeoutMs' in spec ? spec.timeoutMs : TIMEOUT_MS;
    const r = await run(kind, { mode: 'follow', timeoutMs, ...spec });
    report(`follow, ${name}`, r);
    bounded(r, { code, timeoutMs: timeoutMs ?? 10000, cap: spec.maxResponseBytes ?? CAP });
    assert.deepEqual(r.errors, [code], 'onError saw the error once');
    assert.equal(r.status, 'stopped');
  });
}

// Answers that arrive whole but are not a block: refused at once with a typed error that
// names them, not retried (they are not unavailability), the state untouched. Their memory
// bound is looser, cap + 100 MB: an answer under the cap is read whole and handed to the
// wasm core, which holds a few copies of it (the JSON text, serde's value, the decoded bytes)
// and whose linear memory keeps its high-water mark; measured +65…89 MB, which is the core's
// cost of any answer that size, not of a hostile transport.
const REFUSED = [
  ['http result nested 10^6 arrays deep', 'nested-1e6'],
  ['http certificate followed by 10 MB more hex', 'hex-10mb'],
];
for (const [name, kind] of REFUSED) {
  test(`follow: ${name} is refused, typed, at once`, { timeout: 60000 }, async () => {
    const r = await run(kind, { mode: 'follow', timeoutMs: TIMEOUT_MS, maxRetries: 3 });
    report(`follow, ${name}`, r);
    assert.equal(r.settled, 'rejected', JSON.stringify(r));
    assert.equal(r.name, 'TempoLightError');
    assert.ok(r.code && r.code !== 'Internal', `a named code: ${r.code}: ${r.message}`);
    assert.equal(r.retryable, false, `not retried: ${r.code}`);
    assert.deepEqual(r.errors, [r.code], 'reported once');
    assert.equal(r.connections, 1, 'asked once');
    assert.ok(r.ms < 1000 + TIMEOUT_MS, `ended in ${r.ms} ms`);
    assert.ok(r.overBaselineMB < CAP / MB + 100, `peak rss ${r.peakMB} MB is ${r.overBaselineMB} MB over the baseline (bound: cap + 100 MB, see above)`);
    assert.equal(r.stateUnchanged, true, 'the state did not change');
    assert.equal(r.headUnchanged, true, 'the head did not change');
  });
}

// A connection closed in the middle of an answer, a redirect loop: unavailability, retried
// (maxRetries 1: asked twice), then the typed, retryable error.
for (const [name, kind] of [['http connection closed mid-answer', 'closes-mid-answer'], ['http 302 to itself', 'redirect-loop']]) {
  test(`follow: ${name} ends with RpcUnavailable`, { timeout: 60000 }, async () => {
    const r = await run(kind, { mode: 'follow', timeoutMs: TIMEOUT_MS, maxRetries: 1 });
    report(`follow, ${name}`, r);
    bounded(r, { code: 'RpcUnavailable', retries: 1 });
    assert.deepEqual(r.errors, ['RpcUnavailable', 'RpcUnavailable']);
  });
}

// A WebSocket server that answers the calls with the real block while it floods the
// subscription with 10^5 other events a second, or sends malformed "finalized" events for a
// subscription never made: a fresh client still reaches the block (polling is not starved,
// the foreign events are ignored), no error, memory bounded; stopped after 3 s.
for (const [name, kind] of [['10^5 subscription events a second', 'ws-event-flood'], ['notifications for a subscription never made', 'ws-foreign-notification']]) {
  test(`follow: ${name} neither stalls nor bloats it`, { timeout: 60000 }, async () => {
    const r = await run(kind, { mode: 'follow', timeoutMs: TIMEOUT_MS, fresh: true, stop: 'abort', stopAfterMs: 3000 });
    report(`follow, ws ${name} (${r.server.events ?? 0} sent, ${r.server.finalizationCalls ?? 0} finalizations asked)`, r);
    assert.equal(r.settled, 'resolved', JSON.stringify(r));
    assert.deepEqual(r.errors, [], 'no error');
    assert.equal(r.atFixture, true, 'the real block was reached');
    assert.ok((r.server.events ?? 0) >= 100, `the hostile events were sent: ${r.server.events}`);
    assert.ok(r.server.finalizationCalls >= 3, `it kept polling: ${r.server.finalizationCalls} calls`);
    underCap(r);
  });
}

// A frame header claiming 2^63 bytes: the runtime itself refuses it (Node's undici: "payload
// length > 2^31 bytes") and closes the connection before the package sees a message.
for (const kind of ['ws-2pow63-header', 'ws-2pow63-header-msb']) {
  test(`follow: ${kind} ends at once, connection refused by the runtime`, { timeout: 60000 }, async () => {
    const r = await run(kind, { mode: 'follow', timeoutMs: TIMEOUT_MS });
    report(`follow, ws frame header claiming ${kind.endsWith('msb') ? '2^63' : '2^63 - 1'} bytes`, r);
    assert.ok(['RpcUnavailable', 'ResponseTooLarge'].includes(r.code), `a typed unavailability: ${JSON.stringify(r)}`);
    bounded(r, { code: r.code });
  });
}

test('follow retries a timeout like other unavailability (maxRetries 1)', { timeout: 60000 }, async () => {
  const r = await run('silent', { mode: 'follow', timeoutMs: 1000, maxRetries: 1 });
  report('follow, http never answers, maxRetries 1', r);
  bounded(r, { code: 'Timeout', timeoutMs: 1000, retries: 1 });
  assert.deepEqual(r.errors, ['Timeout', 'Timeout']);
  assert.equal(r.connections, 2, 'asked twice');
});

test('follow over an EIP-1193 request that never answers ends with Timeout', { timeout: 60000 }, async () => {
  const r = await run('silent', { mode: 'follow', request: 'never', timeoutMs: TIMEOUT_MS });
  report('follow, EIP-1193 request never answers', r);
  bounded(r, { code: 'Timeout' });
});

for (const [name, kind, code] of [['one byte per second', 'drip', 'Timeout'], ['endless chunked body', 'endless-chunked', 'ResponseTooLarge'], ['200 MB body', 'huge-200mb', 'ResponseTooLarge']]) {
  test(`getVerifiedBalance: ${name} ends with ${code}`, { timeout: 60000 }, async () => {
    const r = await run(kind, { mode: 'balance', timeoutMs: TIMEOUT_MS });
    report(`getVerifiedBalance, ${name}`, r);
    bounded(r, { code });
  });
}

for (const [name, kind, code] of [['one byte per second', 'drip', 'Timeout'], ['endless chunked body', 'endless-chunked', 'ResponseTooLarge'], ['200 MB body', 'huge-200mb', 'ResponseTooLarge']]) {
  test(`confirmPayment: ${name} ends with ${code}`, { timeout: 60000 }, async () => {
    const r = await run(kind, { mode: 'payment', timeoutMs: TIMEOUT_MS });
    report(`confirmPayment, ${name}`, r);
    bounded(r, { code });
  });
}

// Abort and destroy() cancel a call in flight at once. The bound is 100 ms from the stop.
const STOPS = [
  ['follow', 'drip', {}, 'http answer dripping'],
  ['follow', 'silent', {}, 'http server never answering'],
  ['follow', 'ws-silent', {}, 'ws server never answering'],
  ['follow', 'silent', { request: 'never' }, 'EIP-1193 request never answering'],
  ['balance', 'drip', {}, 'http answer dripping'],
  ['payment', 'drip', {}, 'http answer dripping'],
];
const CALLED = { balance: 'getVerifiedBalance', payment: 'confirmPayment', follow: 'follow' };
for (const stop of ['abort', 'destroy']) {
  for (const [mode, kind, spec, name] of STOPS) {
    test(`${mode}: ${stop} during an ${name} ends it within 100 ms`, { timeout: 60000 }, async () => {
      const r = await run(kind, { mode, timeoutMs: 10000, stop, stopAfterMs: 1000, ...spec });
      report(`${CALLED[mode]}, ${stop} during ${name}`, r);
      if (mode === 'follow') {
        assert.equal(r.settled, 'resolved', `follow resolves when stopped: ${JSON.stringify(r)}`);
        assert.deepEqual(r.errors, [], 'no callback after the stop');
      } else {
        assert.equal(r.settled, 'rejected');
        // Pending work rejects with `Destroyed` when the client is destroyed (issue 16).
        assert.equal(r.code, stop === 'destroy' ? 'Destroyed' : 'Aborted');
        assert.equal(r.retryable, false);
      }
      assert.ok(r.sinceStopMs < 100, `ended ${r.sinceStopMs} ms after the ${stop}`);
      if (stop === 'abort') {
        assert.equal(r.stateUnchanged, true);
        assert.equal(r.headUnchanged, true);
      } else {
        assert.equal(r.stateUnchanged, null, 'destroyed');
      }
      underCap(r);
    });
  }
}

// The verified provider (createVerifiedProvider over a client at the real block, its
// `timeoutMs` 3 s and default cap) against the same servers: `eth_getBalance` (an
// `eth_getProof` upstream) and a TIP-20 `balanceOf` through `eth_call` reject with the
// EIP-1193 error 4900 whose `reason` and `cause` carry the typed, retryable error.
const PROVIDER = [
  ['one byte per second', 'drip', 'Timeout'],
  ['endless chunked body', 'endless-chunked', 'ResponseTooLarge'],
  ['200 MB body with content-length', 'huge-200mb', 'ResponseTooLarge'],
  ['200 MB chunked body', 'huge-200mb-chunked', 'ResponseTooLarge'],
  ['server accepts and never answers', 'silent', 'Timeout'],
  ['EIP-1193 request that never answers', 'silent', 'Timeout', { request: 'never' }],
];
for (const call of ['eth_getBalance', 'balanceOf']) {
  for (const [name, kind, code, spec = {}] of PROVIDER) {
    test(`provider ${call}: ${name} ends with 4900 ${code}`, { timeout: 60000 }, async () => {
      const r = await run(kind, { mode: 'provider', call, timeoutMs: TIMEOUT_MS, ...spec });
      report(`provider ${call}, ${name}`, r);
      assert.equal(r.settled, 'rejected', JSON.stringify(r));
      assert.equal(r.name, 'TempoLightError');
      assert.equal(r.code, 4900, r.message);
      assert.equal(r.retryable, true);
      assert.deepEqual(r.cause, { code, retryable: true, name: 'TempoLightError', reason: code });
      assert.ok(r.ms < TIMEOUT_MS + 1000, `ended in ${r.ms} ms`);
      underCap(r);
      assert.equal(r.stateUnchanged, true, 'the state did not change');
      assert.equal(r.headUnchanged, true, 'the head did not change');
    });
  }
}

// provider.destroy() and the client's destroy() end a provider call in flight at once:
// 4900 with the cause `Destroyed`, not retryable.
for (const stop of ['provider.destroy', 'destroy']) {
  for (const [kind, name] of [['drip', 'http answer dripping'], ['silent', 'http server never answering']]) {
    test(`provider eth_getBalance: ${stop}() during an ${name} ends it within 100 ms`, { timeout: 60000 }, async () => {
      const r = await run(kind, { mode: 'provider', timeoutMs: 10000, stop, stopAfterMs: 1000 });
      report(`provider eth_getBalance, ${stop}() during ${name}`, r);
      assert.equal(r.settled, 'rejected', JSON.stringify(r));
      assert.equal(r.code, 4900, r.message);
      assert.equal(r.retryable, false, 'a destroyed provider is not retried');
      assert.deepEqual(r.cause, { code: 'Destroyed', retryable: false, name: 'TempoLightError', reason: 'Destroyed' });
      assert.ok(r.sinceStopMs < 100, `ended ${r.sinceStopMs} ms after the ${stop}()`);
      underCap(r);
    });
  }
}
