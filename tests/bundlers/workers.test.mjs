// `tempo-light/worker` in headless Chromium, from the installed tarball served as is: a module
// Worker, and an MV3-style module service worker registered from a page on localhost. In
// each, the page connects through the ready handshake, verifies the real mainnet block in
// the worker, follows `tempo-light devnet` there (every event comes back to the page, to
// `onEvent` too), asks a verified provider living in the worker, and gets typed errors back as
// the classes they were, with all their fields (`payment`, `reason`, `cause`). And the
// CommonJS build `worker.cjs`, bundled by esbuild from `require('tempo-light/worker')`, serves
// a classic Worker.
// Run by scripts/test-js.sh, with TEMPO_SCRATCH the scratch project holding the tarball.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, SCRATCH, PKG_DIR, serve, newPage, devnet, fixturePath } from './browser.mjs';

const site = mkdtempSync(join(tmpdir(), 'tempo-workers-'));
copyFileSync(fixturePath(), join(site, 'fixture.json'));
// The worker script: `expose()` first thing, as the docs say.
const WORKER = `import { expose } from '/pkg/worker.js';\nexpose();\n`;
writeFileSync(join(site, 'worker.js'), WORKER);
writeFileSync(join(site, 'sw.js'), `${WORKER}self.addEventListener('install', () => self.skipWaiting());\nself.addEventListener('activate', (e) => e.waitUntil(self.clients.claim()));\n`);
// An endpoint that answers 200 with a body that is no JSON (any method: the server is static).
writeFileSync(join(site, 'not-json'), 'this is not JSON');
// The CommonJS worker entry, as a bundler in CommonJS mode takes it: a classic Worker script
// bundled from \`require('tempo-light/worker')\` in the scratch project, the wasm beside it.
mkdirSync(join(site, 'cjs'));
const cjsEntry = join(SCRATCH ?? '', 'cjs-worker.js');
writeFileSync(cjsEntry, "const { expose } = require('tempo-light/worker');\nexpose();\n");
execFileSync(join(ROOT, 'node_modules/.bin/esbuild'), [cjsEntry, '--bundle', '--format=iife', '--platform=browser', `--outfile=${join(site, 'cjs/worker.js')}`, '--log-level=error'], { cwd: SCRATCH });
copyFileSync(join(PKG_DIR, 'tempo_light_bg.wasm'), join(site, 'cjs/tempo_light_bg.wasm'));
writeFileSync(join(site, 'page.html'), `<!doctype html><meta charset="utf-8"><title>workers</title><script type="module">
import { connectWorker } from '/pkg/worker.js';
import { RpcError, MalformedInputError, PaymentMismatchError, ProviderRpcError, UsageError } from '/pkg/index.js';
// Runs the scenario against a worker (\`kind\`: 'worker', 'service' or 'cjs'); never throws.
window.scenario = async ({ kind, rpc, identity }) => {
  const out = {};
  try {
    let target;
    if (kind === 'worker') {
      target = new Worker('/worker.js', { type: 'module' });
    } else if (kind === 'cjs') {
      target = new Worker('/cjs/worker.js');
    } else {
      const registration = await navigator.serviceWorker.register('/sw.js', { type: 'module', scope: '/' });
      await navigator.serviceWorker.ready;
      target = registration.active;
      out.serviceWorkerState = target.state;
    }
    const remote = await connectWorker(target);
    const fixture = await (await fetch('/fixture.json')).json();
    const mainnet = await remote.create({ network: 'mainnet' });
    const verified = await mainnet.verify(fixture);
    out.height = verified.height.toString();
    out.hash = verified.hash;
    // verifyBatch's refusals are errors inside its answer: typed all the same.
    const batch = await mainnet.verifyBatch([fixture, { header: fixture.header }]);
    out.batch = [batch[0].ok, batch[0].block?.height?.toString(), batch[1].ok, batch[1].error instanceof MalformedInputError, batch[1].error?.code];
    try { await (await remote.create({ network: 'testnet' })).verify(fixture); } catch (e) { out.refused = [e.name, e.code, e.retryable, e.constructor.name]; }
    await mainnet.destroy();
    try { await mainnet.verify(fixture); } catch (e) { out.afterDestroy = e.code; }
    if (kind === 'cjs') { remote.close(); target.terminate(); return out; }

    // Follow the devnet in the worker; events come back to the page.
    const network = { identity, epochLength: 5, chainId: 1337 };
    const client = await remote.create({ network, storage: 'indexedDB' });
    const finalized = [];
    const statuses = [];
    client.on('status', (s) => statuses.push(s));
    // Every core event, to onEvent as on the main thread, and to the listeners of its type.
    const onEvent = [];
    const listened = { event: [], finalized: 0, epoch: 0, rotation: 0, presetSuperseded: 0 };
    for (const type of Object.keys(listened)) client.on(type, (e) => { if (type === 'event') listened.event.push(e.type); else listened[type]++; });
    const controller = new AbortController();
    await client.follow({ rpc, pollMs: 30, signal: controller.signal, onEvent: (e) => onEvent.push(e.type), onFinalized: (e) => { finalized.push(e.height); if (finalized.length >= 5) controller.abort(); } });
    out.finalized = finalized.length;
    out.ascending = finalized.every((h, i) => i === 0 || h > finalized[i - 1]);
    out.head = client.head?.height?.toString();
    out.statuses = [...statuses];
    out.onEvent = onEvent;
    out.listened = structuredClone(listened); // (the listeners stay, for the follows below)
    // A callback that throws: a ListenerFailed error, to onError, as on the main thread.
    const failures = [];
    const throwing = new AbortController();
    await client.follow({ rpc, pollMs: 30, signal: throwing.signal, onError: (e) => { failures.push(e); throwing.abort(); }, onFinalized: () => { throw new Error('boom'); } });
    out.listenerFailed = failures.filter((e) => e.code === 'ListenerFailed').map((e) => [e instanceof UsageError, e.cause?.message]).at(0);
    // A server's malformed JSON is an RpcError on the main thread: the same here.
    const errors = [];
    const offError = client.on('error', (e) => errors.push(e));
    try { await client.follow({ rpc: location.origin + '/not-json', retryDelayMs: 10 }); } catch (e) {
      out.invalidJson = [e instanceof RpcError, e instanceof MalformedInputError, e.code, e.retryable];
    }
    offError();
    out.invalidJsonEvent = errors.map((e) => [e instanceof RpcError, e.code]).find(([, code]) => code === 'InvalidJson');
    // A function cannot cross threads: a typed error, not a DataCloneError.
    try { await client.follow({ rpc, request: async () => null }); } catch (e) { out.uncloneable = [e.name, e.code]; }
    // A verified provider in the worker, over the worker's client.
    const provider = await remote.createVerifiedProvider({ client, rpc });
    out.chainId = await provider.request({ method: 'eth_chainId' });
    out.blockNumber = await provider.request({ method: 'eth_blockNumber' });
    try { await provider.request({ method: 'eth_gasPrice' }); } catch (e) { out.strict = [e.code, e.reason, e instanceof ProviderRpcError, e.data?.reason]; }
    await provider.destroy();
    // A provider error keeps its cause (the typed error behind it), as its class.
    const notJson = await remote.createVerifiedProvider({ client, rpc: location.origin + '/not-json' });
    try { await notJson.request({ method: 'eth_getBalance', params: ['0x' + '11'.repeat(20), 'latest'] }); } catch (e) {
      out.providerCause = [e instanceof ProviderRpcError, e.code, e.reason, e.retryable, e.cause instanceof RpcError, e.cause?.code];
    }
    await notJson.destroy();
    // A payment proven but not as expected: PaymentMismatchError, with what the payment did.
    let hash;
    for (let h = 1; !hash && h <= Number(out.head); h++) {
      const answer = await (await fetch(rpc, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_getBlockByNumber', params: ['0x' + h.toString(16), true] }) })).json();
      hash = answer.result?.transactions?.[0]?.hash;
    }
    try { await client.confirmPayment({ hash, rpc, pollMs: 50, to: '0x' + '00'.repeat(19) + '01' }); } catch (e) {
      out.mismatch = [e instanceof PaymentMismatchError, e.code, e.retryable, e.payment?.transactionHash === hash, typeof e.payment?.gasUsed, e.message, e.cause?.message];
    }
    const head = client.head;
    await client.destroy();
    // IndexedDB in the worker: a new client resumes at the saved head.
    const resumed = await remote.create({ network, storage: 'indexedDB' });
    out.resumed = resumed.head?.hash === head.hash;
    await resumed.destroy();
    remote.close();
    if (kind === 'worker') target.terminate();
  } catch (e) {
    out.error = String(e?.stack ?? e);
  }
  return out;
};
window.ready = true;
</script>`);

test('tempo-light/worker from CommonJS (worker.cjs, bundled by esbuild) in a classic Worker', { timeout: 60000 }, async () => {
  const base = await serve({ '/pkg/': PKG_DIR, '/': site });
  const page = await newPage();
  await page.goto(`${base}/page.html`);
  await page.waitForFunction(() => window.ready === true, null, { timeout: 20000 });
  const out = await page.evaluate((args) => window.scenario(args), { kind: 'cjs' });
  assert.equal(out.error, undefined, out.error);
  assert.equal(out.height, '32724390');
  assert.deepEqual(out.refused, ['TempoLightError', 'BadSignature', false, 'VerificationError']);
  assert.equal(out.afterDestroy, 'Destroyed');
  assert.deepEqual(out.batch, [true, '32724390', false, true, 'InvalidJson']);
  assert.deepEqual(page.errors, []);
});

for (const kind of ['worker', 'service']) {
  test(`tempo-light/worker in a ${kind === 'worker' ? 'module Worker' : 'module service worker (MV3-style)'}`, { timeout: 90000 }, async () => {
    const { rpc, identity } = await devnet([]);
    const base = await serve({ '/pkg/': PKG_DIR, '/': site });
    const page = await newPage();
    // Service workers need a secure context: http://localhost is one.
    await page.goto(`${base.replace('127.0.0.1', 'localhost')}/page.html`);
    await page.waitForFunction(() => window.ready === true, null, { timeout: 20000 });
    const out = await page.evaluate((args) => window.scenario(args), { kind, rpc, identity });
    assert.equal(out.error, undefined, out.error);
    assert.equal(out.height, '32724390');
    assert.match(out.hash, /^0x[0-9a-f]{64}$/);
    assert.deepEqual(out.refused, ['TempoLightError', 'BadSignature', false, 'VerificationError']);
    assert.equal(out.afterDestroy, 'Destroyed');
    assert.deepEqual(out.batch, [true, '32724390', false, true, 'InvalidJson']);
    assert.ok(out.finalized >= 5 && out.ascending, JSON.stringify(out));
    assert.ok(BigInt(out.head) > 0n);
    assert.ok(out.statuses.includes('syncing') && out.statuses.at(-1) === 'stopped', JSON.stringify(out.statuses));
    assert.equal(out.chainId, '0x539');
    assert.ok(BigInt(out.blockNumber) >= BigInt(out.head));
    assert.deepEqual(out.strict, [4200, 'Unsupported', true, 'Unsupported']);
    // Every event reached onEvent, and the listeners of its type, as on the main thread.
    assert.deepEqual(out.onEvent, out.listened.event);
    for (const type of ['finalized', 'epoch', 'presetSuperseded']) {
      assert.equal(out.listened[type], out.onEvent.filter((t) => t === type).length, type);
    }
    assert.ok(out.onEvent.includes('finalized') && out.onEvent.includes('epoch'), JSON.stringify(out.onEvent));
    // A custom network: presetSuperseded at every rotation (each brings a new identity).
    assert.equal(out.listened.presetSuperseded, out.listened.rotation, JSON.stringify(out.listened));
    assert.deepEqual(out.listenerFailed, [true, 'boom']);
    // Errors come back as the class they were, with all their fields.
    assert.deepEqual(out.invalidJson, [true, false, 'InvalidJson', false]);
    assert.deepEqual(out.invalidJsonEvent, [true, 'InvalidJson']);
    assert.deepEqual(out.providerCause, [true, -32099, 'InvalidJson', false, true, 'InvalidJson']);
    if (kind === 'worker') {
      assert.equal(out.mismatch?.[0], true, JSON.stringify(out.mismatch));
      assert.ok(['PaymentFailed', 'NoTransfer', 'RecipientMismatch'].includes(out.mismatch[1]), out.mismatch[1]);
      assert.deepEqual(out.mismatch.slice(2, 5), [false, true, 'bigint']);
    } else {
      // A service worker may not import(): the payments module (a dynamic import) cannot load
      // there. The refusal is typed, and its cause crosses the thread with it.
      assert.deepEqual(out.mismatch.slice(0, 2), [false, 'InitFailed'], JSON.stringify(out.mismatch));
      assert.match(out.mismatch[6], /import\(\) is disallowed on ServiceWorkerGlobalScope/);
    }
    assert.deepEqual(out.uncloneable, ['TempoLightError', 'InvalidInput']);
    assert.equal(out.resumed, true, 'resumed from IndexedDB in the worker');
    if (kind === 'service') assert.ok(['activating', 'activated'].includes(out.serviceWorkerState), out.serviceWorkerState);
    assert.deepEqual(page.errors, []);
  });
}
