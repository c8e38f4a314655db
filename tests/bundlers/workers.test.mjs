// `tempo-light/worker` in headless Chromium, from the installed tarball served as is: a module
// Worker, and an MV3-style module service worker registered from a page on localhost. In
// each, the page connects through the ready handshake, verifies the real mainnet block in
// the worker, follows `tempo-light devnet` there (events come back to the page), asks a
// verified provider living in the worker, and gets typed errors back.
// Run by scripts/test-js.sh, with TEMPO_SCRATCH the scratch project holding the tarball.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PKG_DIR, serve, newPage, devnet, fixturePath } from './browser.mjs';

const site = mkdtempSync(join(tmpdir(), 'tempo-workers-'));
copyFileSync(fixturePath(), join(site, 'fixture.json'));
// The worker script: `expose()` first thing, as the docs say.
const WORKER = `import { expose } from '/pkg/worker.js';\nexpose();\n`;
writeFileSync(join(site, 'worker.js'), WORKER);
writeFileSync(join(site, 'sw.js'), `${WORKER}self.addEventListener('install', () => self.skipWaiting());\nself.addEventListener('activate', (e) => e.waitUntil(self.clients.claim()));\n`);
writeFileSync(join(site, 'page.html'), `<!doctype html><meta charset="utf-8"><title>workers</title><script type="module">
import { connectWorker } from '/pkg/worker.js';
// Runs the scenario against a worker (\`kind\`: 'worker' or 'service'); never throws.
window.scenario = async ({ kind, rpc, identity }) => {
  const out = {};
  try {
    let target;
    if (kind === 'worker') {
      target = new Worker('/worker.js', { type: 'module' });
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
    try { await (await remote.create({ network: 'testnet' })).verify(fixture); } catch (e) { out.refused = [e.name, e.code, e.retryable, e.constructor.name]; }
    await mainnet.destroy();
    try { await mainnet.verify(fixture); } catch (e) { out.afterDestroy = e.code; }

    // Follow the devnet in the worker; events come back to the page.
    const network = { identity, epochLength: 5, chainId: 1337 };
    const client = await remote.create({ network, storage: 'indexedDB' });
    const finalized = [];
    const statuses = [];
    client.on('status', (s) => statuses.push(s));
    const controller = new AbortController();
    await client.follow({ rpc, pollMs: 30, signal: controller.signal, onFinalized: (e) => { finalized.push(e.height); if (finalized.length >= 5) controller.abort(); } });
    out.finalized = finalized.length;
    out.ascending = finalized.every((h, i) => i === 0 || h > finalized[i - 1]);
    out.head = client.head?.height?.toString();
    out.statuses = statuses;
    // A function cannot cross threads: a typed error, not a DataCloneError.
    try { await client.follow({ rpc, request: async () => null }); } catch (e) { out.uncloneable = [e.name, e.code]; }
    // A verified provider in the worker, over the worker's client.
    const provider = await remote.createVerifiedProvider({ client, rpc });
    out.chainId = await provider.request({ method: 'eth_chainId' });
    out.blockNumber = await provider.request({ method: 'eth_blockNumber' });
    try { await provider.request({ method: 'eth_gasPrice' }); } catch (e) { out.strict = [e.code, e.reason]; }
    await provider.destroy();
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
    assert.ok(out.finalized >= 5 && out.ascending, JSON.stringify(out));
    assert.ok(BigInt(out.head) > 0n);
    assert.ok(out.statuses.includes('syncing') && out.statuses.at(-1) === 'stopped', JSON.stringify(out.statuses));
    assert.equal(out.chainId, '0x539');
    assert.ok(BigInt(out.blockNumber) >= BigInt(out.head));
    assert.deepEqual(out.strict, [4200, 'Unsupported']);
    assert.deepEqual(out.uncloneable, ['TempoLightError', 'InvalidInput']);
    assert.equal(out.resumed, true, 'resumed from IndexedDB in the worker');
    if (kind === 'service') assert.ok(['activating', 'activated'].includes(out.serviceWorkerState), out.serviceWorkerState);
    assert.deepEqual(page.errors, []);
  });
}
