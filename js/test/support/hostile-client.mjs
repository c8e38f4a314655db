// The client side of js/test/hostile.test.mjs, run in its own process so that its memory is
// measured alone: `node hostile-client.mjs '<json case>'`. Starts a mainnet client at the
// real block in TEMPO_FIXTURE, runs `follow()`, `getVerifiedBalance()`, `confirmPayment()` or a
// call through the verified provider against the case's server (optionally aborting or
// destroying the client, or the provider, after `stopAfterMs`), and prints one line
// `RESULT {json}`: how it ended, when, the peak RSS and whether the state changed.
// Run with --expose-gc, so that the baseline is taken after a collection.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { TempoLightClient, createVerifiedProvider } from 'tempo-light';

const PATH_USD = '0x20c0000000000000000000000000000000000000';
const MB = 1024 * 1024;
const spec = JSON.parse(process.argv[2]);
const fixture = JSON.parse(readFileSync(process.env.TEMPO_FIXTURE, 'utf8'));

// At the real block, or (`fresh`) at the preset alone, to be led to it by the server.
const client = TempoLightClient.mainnet();
if (!spec.fresh) client.onFinalization(fixture);
const state = client.toState();
const head = client.head;
const fixtureHash = TempoLightClient.mainnet().verify(fixture).hash;

// An EIP-1193 request function that never answers.
const request = spec.request === 'never' ? () => new Promise(() => {}) : undefined;

// Warm up the runtime's fetch, web streams and WebSocket (Node compiles them on first use,
// some 30 MB) on a benign server, so that the baseline includes them and the bound measures
// what the hostile answer costs.
{
  const warm = createServer((req, res) => { req.resume(); res.end('{"jsonrpc":"2.0","id":1,"result":null}'); });
  await new Promise((resolve) => warm.listen(0, '127.0.0.1', resolve));
  const url = `127.0.0.1:${warm.address().port}`;
  const reader = (await fetch(`http://${url}`, { method: 'POST', body: '{}' })).body.getReader();
  while (!(await reader.read()).done);
  if (typeof WebSocket === 'function') {
    await new Promise((resolve) => { const ws = new WebSocket(`ws://${url}`); ws.onerror = ws.onclose = resolve; });
  }
  warm.closeAllConnections?.();
  await new Promise((resolve) => warm.close(resolve));
}

// The baseline is taken once the process has settled: in the first few hundred ms after the
// start (and after a forced collection) Node's RSS still moves by ±15…25 MB on its own (a
// client that never receives a byte, against a silent server or an EIP-1193 function that
// never answers, measured +22 MB over a baseline taken at once, +0 MB over a settled one).
// Collect, wait, and repeat until two readings 300 ms apart agree within 1 MB (at most ~6 s).
const settled = async () => {
  let last = -Infinity;
  for (let i = 0; i < 20; i++) {
    globalThis.gc?.();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const rss = process.memoryUsage().rss;
    if (Math.abs(rss - last) < MB) break;
    last = rss;
  }
  globalThis.gc?.();
  await new Promise((resolve) => setTimeout(resolve, 50));
  return process.memoryUsage().rss;
};
const baseline = await settled();
let sampled = baseline;
const sampler = setInterval(() => { sampled = Math.max(sampled, process.memoryUsage().rss); }, 5);

const controller = new AbortController();
const errors = [];
const options = {
  rpc: request ? undefined : spec.url,
  request,
  signal: controller.signal,
  timeoutMs: spec.timeoutMs,
  maxResponseBytes: spec.maxResponseBytes,
};
// `provider`: the verified EIP-1193 provider over the client (not following), asked
// `spec.call` (`eth_getBalance`, or a TIP-20 `balanceOf` through `eth_call`).
const provider = spec.mode === 'provider'
  ? createVerifiedProvider({ client, rpc: request ? undefined : spec.url, request, timeoutMs: spec.timeoutMs, maxResponseBytes: spec.maxResponseBytes })
  : null;
let stoppedAt = null;
if (spec.stop) {
  setTimeout(() => {
    stoppedAt = performance.now();
    if (spec.stop === 'abort') controller.abort();
    else if (spec.stop === 'provider.destroy') provider.destroy();
    else client.destroy();
  }, spec.stopAfterMs);
}

const started = performance.now();
let outcome;
try {
  if (spec.mode === 'provider') {
    const ACCOUNT = '0x00000000000000000000000000000000000000aa';
    await provider.request(spec.call === 'balanceOf'
      ? { method: 'eth_call', params: [{ to: PATH_USD, data: `0x70a08231${ACCOUNT.slice(2).padStart(64, '0')}` }, 'latest'] }
      : { method: 'eth_getBalance', params: [ACCOUNT, 'latest'] });
  } else if (spec.mode === 'balance') {
    await client.getVerifiedBalance({ token: PATH_USD, account: '0x00000000000000000000000000000000000000aa', ...options });
  } else if (spec.mode === 'payment') {
    await client.confirmPayment({ hash: `0x${'ab'.repeat(32)}`, ...options, waitMs: 0 });
  } else {
    await client.follow({ ...options, maxRetries: spec.maxRetries ?? 0, pollMs: 50, onError: (e) => errors.push(e.code) });
  }
  outcome = { settled: 'resolved' };
} catch (e) {
  outcome = { settled: 'rejected', code: e?.code, retryable: e?.retryable, name: e?.name, message: String(e?.message).slice(0, 200) };
  // The provider's EIP-1193 error: a numeric code, the typed error as `cause`, its code as `reason`.
  if (provider) outcome.cause = { code: e?.cause?.code, retryable: e?.cause?.retryable, name: e?.cause?.name, reason: e?.reason };
}
const ended = performance.now();
clearInterval(sampler);
sampled = Math.max(sampled, process.memoryUsage().rss);
// The process's lifetime peak (resourceUsage().maxRSS) also counts the start (compiling the
// wasm, verifying the fixture); it is reported, but the bound is on the samples taken from the
// baseline on (every 5 ms, and at the end).
const lifetimeMaxRss = process.resourceUsage().maxRSS * 1024;
const alive = !!client.__wbg_ptr;

console.log(`RESULT ${JSON.stringify({
  ...outcome,
  ms: Math.round(ended - started),
  sinceStopMs: stoppedAt === null ? null : Math.round(ended - stoppedAt),
  errors,
  baselineMB: +(baseline / MB).toFixed(1),
  peakMB: +(sampled / MB).toFixed(1),
  overBaselineMB: +((sampled - baseline) / MB).toFixed(1),
  lifetimeMaxRssMB: +(lifetimeMaxRss / MB).toFixed(1),
  stateUnchanged: alive ? client.toState() === state : null,
  headUnchanged: alive ? client.head?.hash === head?.hash && client.head?.height === head?.height : null,
  atFixture: alive ? client.head?.hash === fixtureHash : null,
  status: client.status,
})}`);
process.exit(0);
