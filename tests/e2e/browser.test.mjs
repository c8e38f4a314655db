// The web page in real headless Chromium (Playwright core), against `tempo-light devnet` on
// loopback: verified blocks appear, a rotation is shown, a devnet fault shows as a rejection
// with its reason, and a reload resumes from the saved state. Saves a screenshot.
//
// Run by scripts/test-e2e.sh (which builds pkg/ and the binary first).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { readFile, mkdir } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { chromium } from 'playwright-core';

const ROOT = new URL('../..', import.meta.url).pathname;
const BIN = process.env.TEMPO_LIGHT_BIN ?? join(ROOT, 'target/debug/tempo-light');
const children = [];

function devnet(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, ['devnet', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(child);
    let out = '';
    const timer = setTimeout(() => reject(new Error(`devnet did not start: ${out}`)), 20000);
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const port = out.match(/listening on http:\/\/127\.0\.0\.1:(\d+)/)?.[1];
      const identity = out.match(/genesis identity: (0x[0-9a-f]+)/)?.[1];
      const holders = out.match(/token holders: (.+)\n/)?.[1]?.split(' ');
      if (port && identity && holders) {
        clearTimeout(timer);
        resolve({ rpc: `http://127.0.0.1:${port}`, identity, holders, child });
      }
    });
    child.on('exit', (code) => reject(new Error(`devnet exited with ${code}: ${out}`)));
  });
}

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm', '.json': 'application/json' };
function serve() {
  return new Promise((resolve) => {
    const server = createServer(async (req, res) => {
      const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
      if (!path.startsWith('/www/') && !path.startsWith('/pkg/')) { res.writeHead(404).end(); return; }
      try {
        const body = await readFile(join(ROOT, path));
        res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' }).end(body);
      } catch { res.writeHead(404).end(); }
    });
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

after(() => { for (const child of children) child.kill('SIGKILL'); });

test('the page follows a devnet, shows rotations and rejections, and resumes after reload', { timeout: 120000 }, async () => {
  const honest = await devnet(['--epoch-length', '5', '--block-time-ms', '100', '--full-dkg-every', '2', '--seed', '7']);
  const server = await serve();
  const site = `http://127.0.0.1:${server.address().port}/www/index.html`;
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage();
    const pageErrors = [];
    page.on('pageerror', (e) => pageErrors.push(e));
    await page.goto(site);
    const ready = () => page.waitForFunction(() => window.tempoLight !== undefined, null, { timeout: 20000 });
    // "Forget" reloads the page. Wait for the new page, not the old one: the old page still
    // answers ready() until the reload lands, and its form would be overwritten by the
    // saved config on the new page.
    const forget = async () => {
      await Promise.all([page.waitForEvent('load'), page.click('#forget')]);
      await ready();
    };
    // Waits for #balance-proof to match; on a timeout, says what the page showed instead.
    const balanceProof = async (pattern) => {
      try {
        await page.waitForFunction((source) => new RegExp(source).test(document.getElementById('balance-proof').textContent), pattern.source, { timeout: 20000 });
      } catch (e) {
        const shown = await page.evaluate(() => ({
          proof: document.getElementById('balance-proof').textContent,
          head: document.getElementById('head-height').textContent,
          rejections: [...document.querySelectorAll('#rejections li')].map((li) => li.textContent),
        }));
        throw new Error(`#balance-proof never matched ${pattern}: ${JSON.stringify(shown)} (${e.message})`);
      }
    };
    await ready();
    await page.selectOption('#network', 'custom');
    await page.fill('#rpc', honest.rpc);
    await page.fill('#identity', honest.identity);
    await page.fill('#epochLength', '5');
    await page.click('#start');

    // Verified blocks appear, and the head keeps moving.
    await page.waitForFunction(() => /^#\d+$/.test(document.getElementById('head-height').textContent), null, { timeout: 30000 });
    const first = Number((await page.textContent('#head-height')).slice(1));
    await page.waitForFunction((h) => Number(document.getElementById('head-height').textContent.slice(1)) > h + 5, first, { timeout: 30000 });
    assert.match(await page.textContent('#head-hash'), /^0x[0-9a-f]{64}$/);
    assert.match(await page.textContent('#head-verify'), /ms$/);

    // An identity rotation is shown (full DKG every 2 epochs of 5 blocks at 100 ms).
    await page.waitForSelector('#epochs li.rotation', { timeout: 30000 });
    assert.match(await page.textContent('#epochs li.rotation'), /identity rotated/);
    await page.waitForFunction(() => document.getElementById('status').textContent === 'synced', null, { timeout: 30000 });

    // A reload resumes from the saved state: the head is shown at once, no lower than before.
    const before = Number((await page.textContent('#head-height')).slice(1));
    await page.reload();
    await ready();
    await page.waitForFunction(() => /^#\d+$/.test(document.getElementById('head-height').textContent), null, { timeout: 10000 });
    const resumed = Number((await page.textContent('#head-height')).slice(1));
    assert.ok(resumed >= before, `resumed at ${resumed}, was ${before}`);
    const state = await page.evaluate(() => Object.entries(localStorage).find(([k]) => k.startsWith('tempo-light:state:'))?.[1]);
    assert.ok(state && JSON.parse(state).version === 1, 'state saved in localStorage');

    // A verified TIP-20 balance: proven with eth_getProof against the head's state root, and
    // equal to the devnet's pathUSD balance of that holder at exactly that final block.
    await page.fill('#account', honest.holders[1]);
    await page.click('#check-balance');
    await balanceProof(/verified/);
    const shown = await page.evaluate(() => ({ ...document.getElementById('balance-card').dataset }));
    const provenAt = BigInt(shown.height);
    assert.equal(BigInt(shown.balance), 2n * 1_000_000_000n + ((provenAt * 1_000_003n * 2n) % 1_000_000_000n));
    assert.match(await page.textContent('#balance-value'), /^\d+(\.\d+)? pathUSD$/);

    await mkdir(join(ROOT, 'target/e2e'), { recursive: true });
    await page.screenshot({ path: join(ROOT, 'target/e2e/page.png'), fullPage: true });

    // A devnet that forges balances: the page refuses to show the balance, and says why.
    const forger = await devnet(['--epoch-length', '5', '--block-time-ms', '100', '--seed', '7', '--fault', 'forged-balance']);
    await forget();
    await page.selectOption('#network', 'custom');
    await page.fill('#rpc', forger.rpc);
    await page.fill('#identity', forger.identity);
    await page.fill('#epochLength', '5');
    await page.click('#start');
    await page.waitForFunction(() => /^#\d+$/.test(document.getElementById('head-height').textContent), null, { timeout: 30000 });
    await page.fill('#account', forger.holders[1]);
    await page.click('#check-balance');
    await balanceProof(/ProofValueMismatch/);
    assert.equal(await page.evaluate(() => document.getElementById('balance-card').dataset.balance), undefined);

    // A lying devnet: its certificates are corrupt. The page shows the rejection and why.
    const liar = await devnet(['--epoch-length', '5', '--block-time-ms', '100', '--seed', '7', '--fault', 'corrupt-certificate']);
    await forget();
    await page.selectOption('#network', 'custom');
    await page.fill('#rpc', liar.rpc);
    await page.fill('#identity', liar.identity);
    await page.fill('#epochLength', '5');
    await page.click('#start');
    await page.waitForSelector('#rejections li.fatal', { timeout: 30000 });
    const reason = await page.textContent('#rejections li.fatal');
    assert.match(reason, /BadSignature|SignaturePoint/);
    await page.screenshot({ path: join(ROOT, 'target/e2e/rejection.png'), fullPage: true });
    assert.deepEqual(pageErrors, []);
  } finally {
    await browser.close();
    server.close();
  }
});
