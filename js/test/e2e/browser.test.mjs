// The web page in real headless Chromium (Playwright core), against `tempo-light devnet` on
// loopback: verified blocks appear, epochs are explained (reshare or rotation), the trust
// panel says where each identity came from, a verified balance and a read through viem and
// the verified provider are shown, a reload keeps the head, the watched balance and the epoch
// history; nothing is cut off at 1280 px nor at a 390 px phone width; an unreachable RPC shows
// in the status area with a countdown (not under Rejections), and lying devnets do show
// under Rejections with their reason. Saves screenshots to target/e2e/.
//
// Run by scripts/test-all.sh (`node --test js/test/e2e/`, after it has built pkg/ and the binary).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { serve } from '../support/serve.mjs';
import { ROOT, launchChromium } from '../support/browser.mjs';
import { devnet as startDevnet } from '../support/devnet.mjs';
import { readFile, mkdir } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';

const BIN = process.env.TEMPO_LIGHT_BIN ?? join(ROOT, 'target/debug/tempo-light');
/** A devnet of 100 ms blocks (the devnet's own default for full DKGs unless `args` say). */
const devnet = (args) => startDevnet(args, { blockTimeMs: 100, fullDkgEvery: null });

const DEVNET = ['--seed', '7'];

const SHOTS = join(ROOT, 'target/e2e');

/** The devnet's pathUSD balance of its holder 1 at height `h` (crates/devnet). */
const holderBalance = (h) => 2n * 1_000_000_000n + ((BigInt(h) * 1_000_003n * 2n) % 1_000_000_000n);

/** A loopback port nobody listens on: an RPC that cannot be reached. */
async function closedPort() {
  const probe = createServer();
  await new Promise((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/**
 * Every visible form control, label, button, badge and heading whose text does not fit: its
 * scrollWidth beyond its clientWidth (text areas: also scrollHeight), a select whose longest
 * option would not fit its box, or a page wider than the window.
 */
function cutOff(page) {
  return page.evaluate(() => {
    const bad = [];
    const canvas = document.createElement('canvas').getContext('2d');
    const name = (el) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.tagName === 'LABEL' ? ` "${el.firstChild.textContent.trim()}"` : ''}`;
    let checked = 0;
    for (const el of document.querySelectorAll('input, select, textarea, label, button, .badge, h2, dt')) {
      if (!el.getClientRects().length || getComputedStyle(el).visibility === 'hidden') continue;
      checked += 1;
      if (el.scrollWidth > el.clientWidth) bad.push(`${name(el)}: scrollWidth ${el.scrollWidth} > clientWidth ${el.clientWidth}`);
      if (el.tagName === 'TEXTAREA' && el.scrollHeight > el.clientHeight + 1) bad.push(`${name(el)}: scrollHeight ${el.scrollHeight} > clientHeight ${el.clientHeight}`);
      if (el.tagName === 'SELECT') {
        const style = getComputedStyle(el);
        canvas.font = style.font;
        // The text box: the select's inner width less its padding and the drop-down arrow.
        const room = el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - 20;
        for (const option of el.options) {
          const width = canvas.measureText(option.text).width;
          if (width > room) bad.push(`${name(el)} option "${option.text}": ${width.toFixed(0)} px in ${room} px`);
        }
      }
    }
    if (document.documentElement.scrollWidth > innerWidth) bad.push(`page: ${document.documentElement.scrollWidth} px wide in a ${innerWidth} px window`);
    return { bad, checked };
  });
}

test('the page follows a devnet, explains epochs and trust, reads through viem, keeps its state, and fits at 1280 and 390 px', { timeout: 180000 }, async () => {
  const honest = await devnet([...DEVNET, '--full-dkg-every', '2']);
  const server = await serve();
  const site = `http://127.0.0.1:${server.address().port}/www/index.html`;
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
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
    const followDevnet = async (net) => {
      await page.selectOption('#network', 'custom');
      await page.fill('#rpc', net.rpc);
      await page.fill('#identity', net.identity);
      await page.fill('#epochLength', '5');
      await page.click('#start');
    };
    const shown = (selector) => page.$$eval(selector, (items) => items.map((li) => li.textContent));
    // Waits for #balance-proof to match; on a timeout, says what the page showed instead.
    const balanceProof = async (pattern) => {
      try {
        await page.waitForFunction((source) => new RegExp(source).test(document.getElementById('balance-proof').textContent), pattern.source, { timeout: 20000 });
      } catch (e) {
        const seen = await page.evaluate(() => ({
          proof: document.getElementById('balance-proof').textContent,
          head: document.getElementById('head-height').textContent,
          rejections: [...document.querySelectorAll('#rejections li')].map((li) => li.textContent),
        }));
        throw new Error(`#balance-proof never matched ${pattern}: ${JSON.stringify(seen)} (${e.message})`);
      }
    };
    const headHeight = async () => Number((await page.textContent('#head-height')).slice(1));
    await ready();

    // Nothing is cut off on the first screen (mainnet preset, then the custom network's fields).
    assert.deepEqual((await cutOff(page)).bad, []);
    await followDevnet(honest);

    // Verified blocks appear, and the head keeps moving.
    await page.waitForFunction(() => /^#\d+$/.test(document.getElementById('head-height').textContent), null, { timeout: 30000 });
    const first = await headHeight();
    await page.waitForFunction((h) => Number(document.getElementById('head-height').textContent.slice(1)) > h + 5, first, { timeout: 30000 });
    assert.match(await page.textContent('#head-hash'), /^0x[0-9a-f]{64}$/);
    assert.match(await page.textContent('#head-verify'), /ms$/);
    assert.equal(await page.isVisible('#connectivity'), false, 'no connection problem with a devnet that answers');

    // An identity rotation is shown (full DKG every 2 epochs of 5 blocks at 100 ms), in words,
    // beside routine reshares, with the explanation on hover and in a legend.
    await page.waitForSelector('#epochs li.rotation', { timeout: 30000 });
    assert.match(await page.textContent('#epochs li.rotation'), /identity rotated.*new network key \(full DKG\)/);
    assert.match(await page.getAttribute('#epochs li.rotation', 'title'), /full DKG made a new network key/);
    await page.waitForSelector('#epochs li:not(.rotation)', { timeout: 30000 });
    assert.match(await page.textContent('#epochs li:not(.rotation)'), /same identity routine reshare of the same key/);
    assert.match(await page.getAttribute('#epochs li:not(.rotation) .tag', 'title'), /same network key.*unchanged/);
    assert.match(await page.textContent('#epochs-card .legend'), /reshare.*same key.*full DKG.*new network key.*next epoch rotates/s);
    await page.waitForFunction(() => document.getElementById('status').textContent === 'synced', null, { timeout: 30000 });
    assert.match(await page.getAttribute('#status', 'title'), /Up to date/);

    // The trust panel: the identity the page started from, and how each epoch's identity was
    // learnt — from the last block of the previous epoch, verified under that epoch's identity.
    assert.match(await page.textContent('#trust-anchor'), new RegExp(`${honest.identity}.*entered by you \\(custom network\\), from epoch 0: preset, taken on trust`));
    const chain = await page.evaluate(() => [...document.querySelectorAll('#trust-chain li')].map((li) => ({ text: li.textContent, under: li.querySelector('.mono:last-child')?.title })));
    assert.ok(chain.length >= 2, `trust chain: ${JSON.stringify(chain)}`);
    for (const { text, under } of chain) {
      const m = text.match(/^Epoch (\d+) 0x[0-9a-f]+…[0-9a-f]+ · learnt from boundary block #(\d+) \(last of epoch (\d+)\), verified under epoch (\d+)'s identity/);
      assert.ok(m, `trust chain entry: ${text}`);
      const epoch = Number(m[1]);
      assert.equal(Number(m[2]), epoch * 5 - 1);
      assert.equal(Number(m[3]), epoch - 1);
      assert.equal(Number(m[4]), epoch - 1);
      const expected = await page.evaluate((e) => window.tempoLight.client.identityFor(BigInt(e)), epoch - 1);
      assert.equal(under, expected, `epoch ${epoch} verified under epoch ${epoch - 1}'s identity`);
    }
    // The first rotation learnt an identity other than the one entered.
    const rotatedEpoch = Number((await page.textContent('#epochs li.rotation strong')).match(/\d+/)[0]);
    const learnt = await page.evaluate((e) => window.tempoLight.client.identityFor(BigInt(e)), rotatedEpoch);
    assert.notEqual(learnt, honest.identity);

    // A verified TIP-20 balance: proven with eth_getProof against the head's state root, and
    // equal to the devnet's pathUSD balance of that holder at exactly that final block.
    await page.fill('#account', honest.holders[1]);
    await page.click('#check-balance');
    await balanceProof(/verified/);
    const proven = await page.evaluate(() => ({ ...document.getElementById('balance-card').dataset }));
    assert.equal(BigInt(proven.balance), holderBalance(proven.height));
    assert.match(await page.textContent('#balance-value'), /^\d+(\.\d+)? pathUSD$/);

    // The verified provider, read by viem (createPublicClient + custom(provider)): the block
    // number is the verified head, and balanceOf is the holder's balance at a final block
    // from that head on (the head moves between the two reads).
    await page.fill('#provider-account', honest.holders[1]);
    await page.click('#provider-read');
    await page.waitForFunction(() => document.getElementById('provider-card').dataset.balance !== undefined
      || /frozen/.test(document.getElementById('provider-balance').innerHTML), null, { timeout: 20000 });
    const read = await page.evaluate(() => ({ ...document.getElementById('provider-card').dataset }));
    assert.equal(read.via, 'viem', `read with ${await page.textContent('#provider-via')}: ${await page.textContent('#provider-balance')}`);
    assert.match(await page.textContent('#provider-balance'), /^\d+(\.\d+)? pathUSD proven$/);
    const headNow = await headHeight();
    const from = Number(read.block);
    assert.ok(from >= 1 && from <= headNow, `block ${from}, head ${headNow}`);
    let match = null;
    for (let h = from; h <= headNow && match === null; h++) if (holderBalance(h) === BigInt(read.balance)) match = h;
    assert.notEqual(match, null, `balanceOf ${read.balance} is the holder's balance at no block in ${from}..${headNow}`);


    // Nothing is cut off at 1280 px nor at a 390 px phone width (screenshots of both).
    await mkdir(SHOTS, { recursive: true });
    const wide = await cutOff(page);
    assert.deepEqual(wide.bad, []);
    assert.ok(wide.checked > 20, `checked ${wide.checked} elements`);
    await page.screenshot({ path: join(SHOTS, 'page.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(300);
    const phone = await cutOff(page);
    assert.deepEqual(phone.bad, []);
    assert.ok(phone.checked > 20, `checked ${phone.checked} elements`);
    await page.screenshot({ path: join(SHOTS, 'page-390.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });

    // A reload resumes from the saved state: the head at once, no lower than before; the
    // watched balance (re-proven) and the epoch history and trust chain as they were.
    const before = await headHeight();
    const epochsBefore = await shown('#epochs li');
    const chainBefore = await shown('#trust-chain li');
    await page.reload();
    await ready();
    await page.waitForFunction(() => /^#\d+$/.test(document.getElementById('head-height').textContent), null, { timeout: 10000 });
    const resumed = await headHeight();
    assert.ok(resumed >= before, `resumed at ${resumed}, was ${before}`);
    const state = await page.evaluate(() => Object.entries(localStorage).find(([k]) => k.startsWith('tempo-light:state:'))?.[1]);
    assert.ok(state && JSON.parse(state).version === 1, 'state saved in localStorage');
    // (Epochs pass every 0.5 s here and the page keeps the last 50: the newest ten before the
    // reload must be there after it, in order.)
    const kept = (after, before) => {
      const newest = before.slice(0, 10);
      const at = after.indexOf(newest[0]);
      return at >= 0 && JSON.stringify(after.slice(at, at + newest.length)) === JSON.stringify(newest);
    };
    assert.ok(epochsBefore.length >= 2 && kept(await shown('#epochs li'), epochsBefore), 'epoch history kept');
    assert.ok(chainBefore.length >= 2 && kept(await shown('#trust-chain li'), chainBefore), 'trust chain kept');
    assert.equal(await page.inputValue('#account'), honest.holders[1]);
    await balanceProof(/verified/);
    const again = await page.evaluate(() => ({ ...document.getElementById('balance-card').dataset }));
    assert.ok(BigInt(again.height) >= BigInt(proven.height));
    assert.equal(BigInt(again.balance), holderBalance(again.height));

    // A devnet that forges balances: the page refuses to show the balance, and says why.
    const forger = await devnet([...DEVNET, '--fault', 'forged-balance']);
    await forget();
    await followDevnet(forger);
    await page.waitForFunction(() => /^#\d+$/.test(document.getElementById('head-height').textContent), null, { timeout: 30000 });
    await page.fill('#account', forger.holders[1]);
    await page.click('#check-balance');
    await balanceProof(/ProofValueMismatch/);
    assert.equal(await page.evaluate(() => document.getElementById('balance-card').dataset.balance), undefined);
    assert.match((await shown('#rejections li')).join('\n'), /ProofValueMismatch/);
    assert.deepEqual(pageErrors, []);
  } finally {
    await browser.close();
    server.close();
  }
});

test('an unreachable RPC shows in the status area with a countdown, not under Rejections; lying devnets do', { timeout: 180000 }, async () => {
  const server = await serve();
  const site = `http://127.0.0.1:${server.address().port}/www/index.html`;
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const pageErrors = [];
    page.on('pageerror', (e) => pageErrors.push(e));
    await page.goto(site);
    const ready = () => page.waitForFunction(() => window.tempoLight !== undefined, null, { timeout: 20000 });
    await ready();
    const rejections = () => page.$$eval('#rejections li', (items) => items.map((li) => li.textContent));
    const followDevnet = async (net) => {
      await page.selectOption('#network', 'custom');
      await page.fill('#rpc', net.rpc);
      await page.fill('#identity', net.identity);
      await page.fill('#epochLength', '5');
      await page.click('#start');
    };

    // Mainnet (its built-in identity) through an endpoint nobody answers.
    const unreachable = `http://127.0.0.1:${await closedPort()}`;
    await page.selectOption('#network', 'mainnet');
    await page.fill('#rpc', unreachable);
    await page.click('#start');
    await page.waitForFunction(() => Number(document.getElementById('connectivity').dataset.failures) >= 3, null, { timeout: 30000 });
    await page.waitForFunction(() => /Retrying in \d+\.\d s \(attempt \d+\)/.test(document.getElementById('connectivity').textContent), null, { timeout: 20000 });
    const notice = await page.textContent('#connectivity');
    assert.match(notice, /Connection problem/);
    assert.match(notice, /RpcUnavailable/);
    assert.ok(notice.includes(unreachable.replace('http://', '')), notice);
    assert.equal(await page.textContent('#status'), 'stalled');
    assert.deepEqual(await rejections(), [], 'an unreachable RPC is no rejection');
    // The countdown counts down.
    const left = async () => Number((await page.textContent('#connectivity .countdown')).match(/in (\d+\.\d) s/)?.[1] ?? NaN);
    await page.waitForFunction(() => /in ([1-9]\d*\.\d|0\.[5-9]) s/.test(document.getElementById('connectivity').textContent), null, { timeout: 20000 });
    const t0 = await left();
    await page.waitForFunction((t) => { const m = document.getElementById('connectivity').textContent.match(/in (\d+\.\d) s/); return m && Number(m[1]) < t; }, t0, { timeout: 20000 });
    assert.match(await page.textContent('#trust-anchor'), /0x[0-9a-f]{192}.*built into tempo-light for mainnet, from epoch 0: preset/);
    await mkdir(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, 'unreachable.png'), fullPage: true });

    // Stopping, then switching to a devnet that answers: the stale notice goes, nothing
    // under Rejections.
    await page.click('#stop');
    await page.waitForFunction(() => !document.getElementById('start').disabled, null, { timeout: 10000 });
    assert.equal(await page.isVisible('#connectivity'), false);
    const honest = await devnet(DEVNET);
    await followDevnet(honest);
    await page.waitForFunction(() => /^#\d+$/.test(document.getElementById('head-height').textContent), null, { timeout: 30000 });
    assert.equal(await page.isVisible('#connectivity'), false);
    assert.deepEqual(await rejections(), []);

    // Lying devnets: the rejection and its reason, under Rejections (not a connection problem).
    for (const [fault, reason] of [['corrupt-certificate', /BadSignature|SignaturePoint/], ['header-mismatch', /DigestMismatch/]]) {
      const liar = await devnet([...DEVNET, '--fault', fault]);
      await Promise.all([page.waitForEvent('load'), page.click('#forget')]);
      await ready();
      await followDevnet(liar);
      await page.waitForSelector('#rejections li.fatal', { timeout: 30000 });
      assert.match(await page.textContent('#rejections li.fatal'), reason, fault);
      assert.equal(await page.isVisible('#connectivity'), false, fault);
      await page.screenshot({ path: join(SHOTS, `rejection-${fault}.png`), fullPage: true });
    }
    // Following another network clears the rejections of the last one (they were its own).
    const other = await devnet(['--seed', '8']);
    await page.waitForFunction(() => !document.getElementById('start').disabled, null, { timeout: 10000 });
    await followDevnet(other);
    await page.waitForFunction(() => /^#\d+$/.test(document.getElementById('head-height').textContent), null, { timeout: 30000 });
    assert.deepEqual(await rejections(), []);
    assert.equal(await page.isVisible('#connectivity'), false);
    assert.deepEqual(pageErrors, []);
  } finally {
    await browser.close();
    server.close();
  }
});

/** A JSON-RPC call to a devnet from the test (to pick transactions, never to check them). */
async function rpcCall(rpc, method, params) {
  const answer = await (await fetch(rpc, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  })).json();
  return answer.result;
}
const blockHashes = async (rpc, h) => (await rpcCall(rpc, 'eth_getBlockByNumber', [`0x${h.toString(16)}`, true])).transactions.map((t) => t.hash);
async function waitForBlock(rpc, h) {
  while (BigInt(await rpcCall(rpc, 'eth_blockNumber', [])) < BigInt(h)) await new Promise((r) => setTimeout(r, 50));
}

test('the payment card confirms a devnet payment (pending → final, transfers, proof download), says when it is not as expected, and refuses every payment fault', { timeout: 240000 }, async () => {
  // Block 6 of the devnet has its receipts forged (its other blocks are honest). One identity
  // throughout, so that the CLI can re-check the downloaded proof offline with it alone (a
  // proof from after a rotation needs the identity of its epoch).
  // Block heights hold 1 + h % 4 transactions: each payment fault at a block where it bites.
  const FAULTS = [
    [6, 0, 'forged-receipt', 'ReceiptsRootMismatch'],
    [5, 1, 'receipt-from-other-block', 'ReceiptFromOtherBlock'],
    [10, 1, 'missing-transaction', 'TransactionsRootMismatch'],
    [7, 2, 'reordered-receipts', 'ReceiptsReordered'],
    [9, 0, 'forged-log', 'LogsBloomMismatch'],
  ];
  const net = await devnet([...DEVNET, '--full-dkg-every', '0', ...FAULTS.flatMap(([h, , kind]) => ['--fault', `${kind}@${h}`])]);
  // The honest payment is taken from beyond the faulty blocks.
  await waitForBlock(net.rpc, 12);
  const server = await serve();
  const site = `http://127.0.0.1:${server.address().port}/www/index.html`;
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    const pageErrors = [];
    page.on('pageerror', (e) => pageErrors.push(e));
    await page.goto(site);
    await page.waitForFunction(() => window.tempoLight !== undefined, null, { timeout: 20000 });
    // Every state the card goes through, in order.
    await page.evaluate(() => {
      window.paymentStates = [];
      const card = document.getElementById('payment-card');
      new MutationObserver(() => {
        const s = card.dataset.state;
        if (s && window.paymentStates.at(-1) !== s) window.paymentStates.push(s);
      }).observe(card, { attributes: true, attributeFilter: ['data-state'] });
    });
    const confirm = async (hash, expect = {}) => {
      await page.evaluate(() => { window.paymentStates = []; });
      await page.fill('#payment-hash', hash);
      // What is expected is folded away until asked for.
      const open = await page.evaluate(() => document.getElementById('payment-expect').open);
      if (open !== (expect.amount !== undefined)) await page.click('#payment-expect summary');
      if (expect.amount !== undefined) await page.fill('#payment-amount', expect.amount);
      else await page.evaluate(() => { document.getElementById('payment-amount').value = ''; });
      // An amount names its token (the page refuses it otherwise, as the package does).
      await page.evaluate((token) => { document.getElementById('payment-token').value = token; }, expect.token ?? '');
      await page.click('#confirm-payment');
      await page.waitForFunction(() => ['final', 'otherwise', 'refused', 'error'].includes(document.getElementById('payment-card').dataset.state), null, { timeout: 60000 });
      return page.evaluate(() => ({ ...document.getElementById('payment-card').dataset, states: window.paymentStates, status: document.getElementById('payment-status').textContent }));
    };
    await page.selectOption('#network', 'custom');
    await page.fill('#rpc', net.rpc);
    await page.fill('#identity', net.identity);
    await page.fill('#epochLength', '5');
    await page.click('#start');
    await page.waitForFunction(() => /^#\d+$/.test(document.getElementById('head-height').textContent), null, { timeout: 30000 });

    // Stopped, the page's client falls behind: a payment in a newer block is pending until
    // confirmPayment has followed the chain to it, then final.
    await page.click('#stop');
    await page.waitForFunction(() => !document.getElementById('start').disabled, null, { timeout: 10000 });
    const head = BigInt((await page.textContent('#head-height')).slice(1));
    await waitForBlock(net.rpc, head + 4n);
    // A transaction the RPC says succeeded (only to pick one: the page proves it), in the
    // newest block that has one.
    let latest = BigInt(await rpcCall(net.rpc, 'eth_blockNumber', []));
    let fresh = null;
    for (; !fresh; latest--) {
      for (const hash of await blockHashes(net.rpc, latest)) {
        if ((await rpcCall(net.rpc, 'eth_getTransactionReceipt', [hash])).status === '0x1') { fresh = hash; break; }
      }
      if (fresh) break;
    }
    assert.ok(latest > head, 'the payment is in a block the stopped page has not verified');
    let shown = await confirm(fresh);
    assert.equal(shown.state, 'final', JSON.stringify(shown));
    assert.deepEqual([shown.states[0], shown.states.at(-2), shown.states.at(-1)], ['waiting', 'pending', 'final'], JSON.stringify(shown.states));
    assert.equal(shown.height, String(latest));
    assert.ok(Number(shown.transfers) >= 1, JSON.stringify(shown));
    const transfers = await page.textContent('#payment-transfers');
    assert.match(transfers, /pathUSD|\d+ decimals/, transfers);
    assert.match(transfers, /from 0x.*to 0x/);
    await mkdir(SHOTS, { recursive: true });
    await page.locator('#payment-card').screenshot({ path: join(SHOTS, 'payment.png') });

    // The proof downloads, and the CLI re-checks it offline.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-proof')]);
    const file = join(SHOTS, 'payment-proof.json');
    await download.saveAs(file);
    const proof = JSON.parse(await readFile(file, 'utf8'));
    assert.equal(proof.type, 'tempo-light/payment-proof');
    const checked = await new Promise((resolve) => {
      const child = spawn(BIN, ['verify-payment', '--json', '--identity', net.identity, '--epoch-length', '5', file], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d) => { out += d; });
      child.on('exit', (code) => resolve({ code, out: JSON.parse(out.trim()) }));
    });
    assert.equal(checked.code, 0, JSON.stringify(checked.out));
    assert.equal(checked.out.transactionHash, fresh);

    // Not what was expected (an amount nobody sent): proven final, shown otherwise, with
    // what it did.
    shown = await confirm(fresh, { token: '0x20c0000000000000000000000000000000000000', amount: '987654.321' });
    assert.equal(shown.state, 'otherwise', JSON.stringify(shown));
    assert.equal(shown.code, 'AmountMismatch');
    assert.ok(Number(shown.transfers) >= 1);

    // Every payment fault: refused with its own code, and listed under Rejections.
    await waitForBlock(net.rpc, 11);
    for (const [height, index, fault, code] of FAULTS) {
      const forged = (await blockHashes(net.rpc, height))[index];
      shown = await confirm(forged);
      assert.equal(shown.state, 'refused', `${fault}: ${JSON.stringify(shown)}`);
      assert.equal(shown.code, code, fault);
      const rejections = await page.$$eval('#rejections li', (items) => items.map((li) => li.textContent));
      assert.ok(rejections.some((r) => r.includes(code)), `${fault}: ${rejections.join('\n')}`);
      if (fault === 'forged-receipt') await page.screenshot({ path: join(SHOTS, 'payment-refused.png'), fullPage: true });
    }

    // The card fits at a 390 px phone width too.
    await page.setViewportSize({ width: 390, height: 844 });
    // (The text areas regrow on the window's resize event: give it a moment.)
    let { bad, checked: controls } = await cutOff(page);
    for (let i = 0; i < 20 && bad.length; i++) {
      await page.waitForTimeout(100);
      ({ bad, checked: controls } = await cutOff(page));
    }
    assert.deepEqual(bad, [], `cut off at 390 px (of ${controls} checked)`);
    await page.locator('#payment-card').screenshot({ path: join(SHOTS, 'payment-390.png') });
    assert.deepEqual(pageErrors, []);
  } finally {
    await browser.close();
    server.close();
  }
});
