// Crash-safe state in Chromium (issue 17): a page follows `tempo-light devnet` with
// `storage: 'indexedDB'` (and `'localStorage'`), and the whole browser is killed with SIGKILL
// at random points, then relaunched on the same profile, again and again. Each relaunch,
// `TempoLightClient.create({ storage })` must resume from what was saved (never refused as
// corrupt), at a head that is a block of the devnet and never behind the head of the last
// resume; with IndexedDB also never behind the last head the page read back from the store
// (a committed transaction survives the kill). localStorage may lose the last minute of writes
// (Chromium writes it to disk about 5 s after the first setItem, then at most about once a
// minute): the count of relaunches that came back behind the page's last read-back, and by how
// many blocks, is printed, and not an error.
//
// TEMPO_LIGHT_BROWSER_KILLS=N kills per storage kind (5 by default, for CI; RELIABILITY.md
// reports the long runs), TEMPO_LIGHT_KILL_SEED the seed of the kill times,
// TEMPO_LIGHT_BROWSER_STORAGE=indexedDB (or localStorage) one kind only. The package is the
// tarball scripts/test-js.sh installed (TEMPO_SCRATCH), or pkg/ when run by hand:
//   TEMPO_LIGHT_BROWSER_KILLS=50 node --test js/test/bundlers/storage-kill.test.mjs
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { PKG_DIR, ROOT, SCRATCH, serve, devnet } from '../support/browser.mjs';

const KILLS = Number(process.env.TEMPO_LIGHT_BROWSER_KILLS ?? 5);
/** The storage kinds to kill (TEMPO_LIGHT_BROWSER_STORAGE, comma-separated): both by default. */
const KINDS = (process.env.TEMPO_LIGHT_BROWSER_STORAGE ?? 'indexedDB,localStorage').split(',');
const pkgDir = SCRATCH ? PKG_DIR : join(ROOT, 'pkg');

/** splitmix64: the same seed, the same kill times. */
function rng(seed) {
  let s = BigInt.asUintN(64, BigInt(seed));
  return (lo, hi) => {
    s = BigInt.asUintN(64, s + 0x9e3779b97f4a7c15n);
    let z = s;
    z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n);
    z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn);
    z ^= z >> 31n;
    return lo + Number(z % BigInt(hi - lo));
  };
}

const site = mkdtempSync(join(tmpdir(), 'tempo-kill-site-'));
after(() => rmSync(site, { recursive: true, force: true }));
writeFileSync(join(site, 'page.html'), `<!doctype html><meta charset="utf-8"><title>kill</title><script type="module">
import { TempoLightClient, indexedDbAdapter } from '/pkg/index.js';
const q = new URLSearchParams(location.search);
const storage = q.get('storage'), rpc = q.get('rpc'), identity = q.get('identity');
const network = { identity, epochLength: 5, chainId: 1337 };
const key = 'tempo-light:custom:1337:' + identity.slice(2, 18);
window.start = async () => {
  let client;
  try {
    client = await TempoLightClient.create({ network, storage });
  } catch (e) {
    return { error: [e.code, String(e.message)] };
  }
  const head = client.head;
  const resumed = head ? { height: String(head.height), hash: head.hash } : null;
  client.follow({ rpc, pollMs: 20 }).catch((e) => window.report({ error: String(e?.message ?? e) }));
  // Reads back what is stored, as often as it can: with IndexedDB, what a read transaction
  // sees is committed.
  const adapter = storage === 'indexedDB' ? indexedDbAdapter() : { get: (k) => localStorage.getItem(k) };
  (async () => {
    for (;;) {
      const saved = await adapter.get(key);
      if (typeof saved === 'string') {
        const c = TempoLightClient.fromState(saved);
        if (c.head) window.report({ stored: String(c.head.height) });
        c.destroy();
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return { resumed };
};
window.ready = true;
</script>`);

/** Chromium on `profile`, in a process group of its own (killed whole, as a crash would). */
async function launch(profile) {
  const child = spawn(process.env.CHROMIUM ?? '/usr/bin/chromium', [
    '--headless', '--remote-debugging-port=0', `--user-data-dir=${profile}`,
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--password-store=basic', 'about:blank',
  ], { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const endpoint = await new Promise((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => reject(new Error(`chromium did not start: ${err}`)), 30000);
    child.stderr.on('data', (d) => {
      err += d;
      const ws = err.match(/DevTools listening on (ws:\/\/\S+)/)?.[1];
      if (ws) { clearTimeout(timer); resolve(ws); }
    });
    child.on('exit', (code) => reject(new Error(`chromium exited ${code}: ${err}`)));
  });
  const browser = await chromium.connectOverCDP(endpoint);
  const kill = async () => {
    try { process.kill(-child.pid, 'SIGKILL'); } catch {}
    await exited;
    await browser.close().catch(() => {});
  };
  /** A clean shutdown (Browser.close), as when the user quits. */
  const close = async () => {
    const cdp = await browser.newBrowserCDPSession();
    await cdp.send('Browser.close').catch(() => {}); // the connection may end before the answer
    await exited;
    await browser.close().catch(() => {});
  };
  return { browser, kill, close };
}

async function blockHash(rpc, height) {
  const res = await fetch(rpc, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_getBlockByNumber', params: [`0x${height.toString(16)}`, false] }),
  });
  return (await res.json()).result?.hash;
}

for (const storage of KINDS) {
  test(`storage: '${storage}' in Chromium killed ${KILLS} times with SIGKILL resumes every time, never behind`, { timeout: 60000 + KILLS * 20000 }, async () => {
    const random = rng(Number(process.env.TEMPO_LIGHT_KILL_SEED ?? 17) + (storage === 'indexedDB' ? 0 : 1));
    const net = await devnet([]);
    const base = await serve({ '/pkg/': pkgDir, '/': site });
    const profile = mkdtempSync(join(tmpdir(), `tempo-kill-${storage}-`));
    const url = `${base}/page.html?storage=${storage}&rpc=${encodeURIComponent(net.rpc)}&identity=${net.identity}`;
    const started = Date.now();
    let lastResumed = null; // the head the last relaunch resumed at
    let lastStored = null; // the highest head the page read back before the last kill
    const heads = new Set();
    let behind = 0; // relaunches behind the page's last read-back (localStorage only)
    let gap = 0n; // and by how many blocks at most
    let chrome = null;
    let final = null;
    let failed = false;
    try {
      for (let i = 0; i <= KILLS; i++) {
        chrome = await launch(profile);
        const context = chrome.browser.contexts()[0];
        const page = context.pages()[0] ?? await context.newPage();
        const reports = [];
        await page.exposeFunction('report', (r) => reports.push(r));
        await page.goto(url);
        await page.waitForFunction(() => window.ready === true, null, { timeout: 30000 });
        const out = await page.evaluate(() => window.start());
        assert.equal(out.error, undefined, `relaunch ${i}: create() refused the saved state: ${out.error}`);
        const resumed = out.resumed ? BigInt(out.resumed.height) : null;
        // Once a state was seen, it stays (IndexedDB: once one was read back).
        const expected = storage === 'indexedDB' ? lastStored ?? lastResumed : lastResumed;
        if (expected !== null) assert.notEqual(resumed, null, `relaunch ${i}: the saved state is gone`);
        if (resumed !== null) {
          assert.equal(out.resumed.hash, await blockHash(net.rpc, resumed), `relaunch ${i}: #${resumed} is not the devnet's block`);
          if (lastResumed !== null) assert.ok(resumed >= lastResumed, `relaunch ${i}: resumed at #${resumed}, behind the last resume #${lastResumed}`);
          heads.add(resumed);
        }
        if (lastStored !== null && (resumed ?? -1n) < lastStored) {
          assert.notEqual(storage, 'indexedDB', `relaunch ${i}: resumed at #${resumed}, behind #${lastStored} read back from IndexedDB before the kill`);
          behind += 1;
          if (lastStored - (resumed ?? 0n) > gap) gap = lastStored - (resumed ?? 0n);
        }
        lastResumed = resumed ?? lastResumed;
        if (i === KILLS) {
          // The last launch goes on from where it resumed, is closed cleanly, and the next
          // one resumes at least where it was.
          const newer = () => reports.filter((r) => r.stored && BigInt(r.stored) > (resumed ?? 0n)).map((r) => BigInt(r.stored));
          const deadline = Date.now() + 30000;
          while (newer().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
          assert.ok(newer().length > 0, 'the last launch saves new heads');
          const target = newer().reduce((a, b) => (a > b ? a : b));
          await chrome.close();
          chrome = await launch(profile);
          const again = chrome.browser.contexts()[0];
          const last = again.pages()[0] ?? await again.newPage();
          await last.exposeFunction('report', () => {});
          await last.goto(url);
          await last.waitForFunction(() => window.ready === true, null, { timeout: 30000 });
          const closed = await last.evaluate(() => window.start());
          assert.equal(closed.error, undefined, `after a clean close: ${closed.error}`);
          assert.ok(BigInt(closed.resumed.height) >= target, `after a clean close: resumed at #${closed.resumed.height}, behind #${target}`);
          final = BigInt(closed.resumed.height);
          break;
        }
        // Kills at any point: while it loads, resumes, follows and saves every block.
        // (localStorage: 2 to 12 s, as Chromium first writes it to disk about 5 s after the
        // first setItem: most kills come after it, some while it writes.)
        await new Promise((r) => setTimeout(r, storage === 'indexedDB' ? random(0, 1500) : random(2000, 12000)));
        await chrome.kill();
        chrome = null;
        const errors = reports.filter((r) => r.error);
        assert.deepEqual(errors, [], `relaunch ${i}: follow() failed`);
        for (const r of reports) if (r.stored && (lastStored === null || BigInt(r.stored) > lastStored)) lastStored = BigInt(r.stored);
      }
    } catch (e) {
      failed = true;
      throw e;
    } finally {
      await chrome?.kill();
      // On a failure the profile is kept for inspection, as the failing relaunch found it.
      if (failed) console.log(`kill loop (Chromium, ${storage}): failed; the profile is kept in ${profile}`);
      else rmSync(profile, { recursive: true, force: true });
    }
    console.log(`kill loop (Chromium, ${storage}): ${KILLS} kills, ${heads.size} distinct resumed heads, 0 corrupt, ${behind} resumed behind the page's last read-back (by ${gap} blocks at most); head #${final} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });
}
