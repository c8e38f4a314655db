// Persistence in Chromium, from the tarball served as is: `storage: 'localStorage'` and
// `'indexedDB'` save after every advance while following `tempo-light devnet`, a new client
// resumes from it, and corrupt saved state is refused with `StorageCorrupt` and left as it was.
// The page imports the package unbundled: one module, index.js, before the wasm.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PKG_DIR, serve, newPage, devnet } from '../support/browser.mjs';

const site = mkdtempSync(join(tmpdir(), 'tempo-storage-'));
writeFileSync(join(site, 'page.html'), `<!doctype html><meta charset="utf-8"><title>storage</title><script type="module">
import { TempoLightClient, StorageError, UsageError, indexedDbAdapter, initSync, isInitialized } from '/pkg/index.js';
window.scenario = async ({ storage, rpc, identity }) => {
  const out = {};
  try {
    // Before loading, the sync APIs refuse with a typed error; initSync loads from bytes.
    try { TempoLightClient.mainnet(); out.before = 'worked'; } catch (e) { out.before = [e instanceof UsageError, e.code]; }
    initSync(new Uint8Array(await (await fetch('/pkg/tempo_light_bg.wasm')).arrayBuffer()));
    out.loaded = isInitialized();
    const network = { identity, epochLength: 5, chainId: 1337 };
    const client = await TempoLightClient.create({ network, storage });
    const controller = new AbortController();
    let n = 0;
    await client.follow({ rpc, pollMs: 30, signal: controller.signal, onFinalized: () => { if (++n >= 4) controller.abort(); } });
    out.head = client.head.height.toString();
    client.destroy();
    const resumed = await TempoLightClient.create({ network, storage });
    out.resumed = resumed.head?.height?.toString();
    resumed.destroy();
    const key = 'tempo-light:custom:1337:' + identity.slice(2, 18);
    const adapter = storage === 'localStorage'
      ? { get: (k) => localStorage.getItem(k), set: (k, v) => localStorage.setItem(k, v) }
      : indexedDbAdapter();
    out.saved = typeof (await adapter.get(key)) === 'string';
    await adapter.set(key, 'not a state');
    try { await TempoLightClient.create({ network, storage }); out.corrupt = 'accepted'; }
    catch (e) { out.corrupt = [e instanceof StorageError, e.code]; }
    out.left = await adapter.get(key);
  } catch (e) {
    out.error = String(e?.stack ?? e);
  }
  return out;
};
window.ready = true;
</script>`);

for (const storage of ['localStorage', 'indexedDB']) {
  test(`storage: '${storage}' in Chromium`, { timeout: 60000 }, async () => {
    const { rpc, identity } = await devnet([]);
    const base = await serve({ '/pkg/': PKG_DIR, '/': site });
    const page = await newPage();
    const modules = [];
    page.on('request', (r) => { if (r.resourceType() === 'script') modules.push(new URL(r.url()).pathname); });
    await page.goto(`${base}/page.html`);
    await page.waitForFunction(() => window.ready === true, null, { timeout: 20000 });
    const out = await page.evaluate((args) => window.scenario(args), { storage, rpc, identity });
    assert.equal(out.error, undefined, out.error);
    assert.deepEqual(out.before, [true, 'NotInitialized']);
    assert.equal(out.loaded, true);
    assert.ok(BigInt(out.head) > 0n);
    assert.equal(out.resumed, out.head, "resumed at the last saved head");
    assert.equal(out.saved, true);
    assert.deepEqual(out.corrupt, [true, 'StorageCorrupt']);
    assert.equal(out.left, 'not a state', 'the corrupt value was left in place');
    assert.deepEqual(page.errors, []);
    // Unbundled, the package is one module before its wasm (no second round trip).
    assert.deepEqual(modules, ['/pkg/index.js'], 'the page loaded the package as one module');
  });
}
