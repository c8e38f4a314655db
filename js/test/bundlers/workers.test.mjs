// `tempo-light/worker` in headless Chromium, from the installed tarball served as is: a module
// Worker, and an MV3-style module service worker registered from a page on localhost. In
// each, the page connects through the ready handshake, verifies the real mainnet block in
// the worker, follows `tempo-light devnet` there (every event comes back to the page, to
// `onEvent` too), asks a verified provider living in the worker, and gets typed errors back as
// the classes they were, with all their fields (`payment`, `reason`, `cause`). In each, the
// parts the package loads lazily elsewhere work too (a service worker may not import()): a
// devnet payment is proven final and its proof re-checked, and eth_getCode's code is held to
// the proven codeHash (keccak-256). And the CommonJS build `worker.cjs`, bundled by esbuild
// from `require('tempo-light/worker')`, serves a classic Worker, payments and eth_getCode too.
// Run by scripts/test-js.sh, with TEMPO_SCRATCH the scratch project holding the tarball.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync, writeFileSync, copyFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, SCRATCH, PKG_DIR, serve, newPage, devnet, fixturePath } from '../support/browser.mjs';

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
copyFileSync(join(PKG_DIR, 'tempo_light_payments_bg.wasm'), join(site, 'cjs/tempo_light_payments_bg.wasm'));

/**
 * An upstream for eth_getCode, which the devnet does not serve: it answers eth_getCode with
 * the code its path names (`/0xef`: TIP-20 tokens' code on Tempo, whose hash the devnet's state
 * proves) and forwards everything else to the devnet `rpc`. CORS open, as a public RPC is.
 */
function codeUpstream(rpc) {
  return new Promise((resolve) => {
    const server = createServer(async (req, res) => {
      const cors = { 'access-control-allow-origin': '*', 'access-control-allow-headers': '*', 'access-control-allow-methods': 'POST' };
      if (req.method !== 'POST') { res.writeHead(204, cors).end(); return; }
      const chunks = [];
      for await (const chunk of req) chunks.push(chunk);
      const body = JSON.parse(Buffer.concat(chunks).toString());
      const answer = async (r) => (r.method === 'eth_getCode'
        ? { jsonrpc: '2.0', id: r.id, result: req.url.slice(1) }
        : (await fetch(rpc, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(r) })).json());
      const out = Array.isArray(body) ? await Promise.all(body.map(answer)) : await answer(body);
      res.writeHead(200, { ...cors, 'content-type': 'application/json' }).end(JSON.stringify(out));
    });
    server.listen(0, '127.0.0.1', () => {
      after(() => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }));
      resolve(`http://127.0.0.1:${server.address().port}`);
    });
  });
}
writeFileSync(join(site, 'page.html'), `<!doctype html><meta charset="utf-8"><title>workers</title><script type="module">
import { connectWorker } from '/pkg/worker.js';
import { RpcError, MalformedInputError, PaymentMismatchError, ProviderRpcError, UsageError } from '/pkg/index.js';
const TRANSFER = '0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef';
const PATH_USD = '0x20c0000000000000000000000000000000000000';
const ask = async (rpc, method, params) => (await (await fetch(rpc, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) })).json()).result;
const plain = (value) => JSON.parse(JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? v.toString() : v)));
const address = (topic) => '0x' + topic.slice(26);

// The parts the package loads lazily (by import() elsewhere), in the worker: a devnet payment
// proven final and its proof re-checked (the payments module), and eth_getCode held to the
// proven codeHash (keccak-256).
async function lazyParts(remote, { rpc, identity, codeRpc }) {
  const out = {};
  // A successful payment: its receipt's second Transfer log (the first pays the fee).
  let receipt;
  for (let h = 1; !receipt && h < 400; h++) {
    let block;
    while (!(block = await ask(rpc, 'eth_getBlockByNumber', ['0x' + h.toString(16), false]))) await new Promise((r) => setTimeout(r, 50));
    for (const hash of block.transactions) {
      const r = await ask(rpc, 'eth_getTransactionReceipt', [hash]);
      if (r.status === '0x1' && r.logs[1]?.topics[0] === TRANSFER) { receipt = r; break; }
    }
  }
  const log = receipt.logs[1];
  const transfer = { token: log.address, from: address(log.topics[1]), to: address(log.topics[2]), amount: BigInt(log.data.slice(0, 66)).toString() };
  out.transfer = transfer;
  const expected = { token: transfer.token, to: transfer.to, amount: BigInt(transfer.amount) };
  const client = await remote.create({ network: { identity, epochLength: 5, chainId: 1337 } });
  // A fresh client: confirmPayment follows the chain until the block is final, held to the transfer.
  const { payment, proof } = await client.confirmPayment({ hash: receipt.transactionHash, rpc, pollMs: 50, ...expected });
  out.payment = plain(payment);
  out.proofType = JSON.parse(proof).type;
  // Re-checked (under the client's identities), held to the same transfer.
  out.reverified = plain(await client.verifyPaymentProof(proof, expected));
  try { await client.verifyPaymentProof(proof, { ...expected, amount: expected.amount + 1n }); } catch (e) {
    out.reverifiedMismatch = [e instanceof PaymentMismatchError, e.code];
  }
  // eth_getCode: the code is held to the proven codeHash.
  const provider = await remote.createVerifiedProvider({ client, rpc: codeRpc + '/0xef' });
  out.code = await provider.request({ method: 'eth_getCode', params: [PATH_USD, 'latest'] });
  await provider.destroy();
  const lying = await remote.createVerifiedProvider({ client, rpc: codeRpc + '/0xee' });
  try { await lying.request({ method: 'eth_getCode', params: [PATH_USD, 'latest'] }); } catch (e) {
    out.codeMismatch = [e instanceof ProviderRpcError, e.code, e.reason];
  }
  await lying.destroy();
  await client.destroy();
  return out;
}

// Runs the scenario against a worker (\`kind\`: 'worker', 'service' or 'cjs'); never throws.
window.scenario = async ({ kind, rpc, identity, codeRpc }) => {
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
    out.lazy = await lazyParts(remote, { rpc, identity, codeRpc });
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
    try { await client.confirmPayment({ hash, rpc, pollMs: 50, to: '0x' + '00'.repeat(19) + '01', anyToken: true }); } catch (e) {
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

/** The lazily loaded parts worked in the worker (see `lazyParts` on the page). */
function assertLazyParts(lazy) {
  assert.ok(lazy, 'the payments and eth_getCode part ran');
  const { payment, transfer } = lazy;
  // Proven final, with the transfer the receipt shows.
  assert.equal(payment.success, true);
  assert.ok(BigInt(payment.certifiedHeight) >= BigInt(payment.height), JSON.stringify(payment));
  const same = (a, b) => a.toLowerCase() === b.toLowerCase();
  assert.ok(payment.transfers.some((t) => same(t.token, transfer.token) && same(t.from, transfer.from) && same(t.to, transfer.to) && t.amount === transfer.amount),
    JSON.stringify({ transfer, transfers: payment.transfers }));
  assert.equal(lazy.proofType, 'tempo-light/payment-proof');
  assert.deepEqual(lazy.reverified, payment);
  assert.deepEqual(lazy.reverifiedMismatch, [true, 'AmountMismatch']);
  // eth_getCode: the code that hashes to the proven codeHash passes, another is refused.
  assert.equal(lazy.code, '0xef');
  assert.deepEqual(lazy.codeMismatch, [true, -32099, 'CodeHashMismatch']);
}

test('tempo-light/worker from CommonJS (worker.cjs, bundled by esbuild) in a classic Worker', { timeout: 90000 }, async () => {
  const { rpc, identity } = await devnet([]);
  const codeRpc = await codeUpstream(rpc);
  const base = await serve({ '/pkg/': PKG_DIR, '/': site });
  const page = await newPage();
  await page.goto(`${base}/page.html`);
  await page.waitForFunction(() => window.ready === true, null, { timeout: 20000 });
  const out = await page.evaluate((args) => window.scenario(args), { kind: 'cjs', rpc, identity, codeRpc });
  assert.equal(out.error, undefined, out.error);
  assert.equal(out.height, '32724390');
  assert.deepEqual(out.refused, ['TempoLightError', 'BadSignature', false, 'VerificationError']);
  assert.equal(out.afterDestroy, 'Destroyed');
  assert.deepEqual(out.batch, [true, '32724390', false, true, 'InvalidJson']);
  assertLazyParts(out.lazy);
  assert.deepEqual(page.errors, []);
});

for (const kind of ['worker', 'service']) {
  test(`tempo-light/worker in a ${kind === 'worker' ? 'module Worker' : 'module service worker (MV3-style)'}`, { timeout: 90000 }, async () => {
    const { rpc, identity } = await devnet([]);
    const codeRpc = await codeUpstream(rpc);
    const base = await serve({ '/pkg/': PKG_DIR, '/': site });
    const page = await newPage();
    // Service workers need a secure context: http://localhost is one.
    await page.goto(`${base.replace('127.0.0.1', 'localhost')}/page.html`);
    await page.waitForFunction(() => window.ready === true, null, { timeout: 20000 });
    const out = await page.evaluate((args) => window.scenario(args), { kind, rpc, identity, codeRpc });
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
    assert.equal(out.mismatch?.[0], true, JSON.stringify(out.mismatch));
    assert.ok(['PaymentFailed', 'NoTransfer', 'RecipientMismatch'].includes(out.mismatch[1]), out.mismatch[1]);
    assert.deepEqual(out.mismatch.slice(2, 5), [false, true, 'bigint']);
    // The payments module and keccak-256, which a service worker could not import(): proven.
    assertLazyParts(out.lazy);
    assert.deepEqual(out.uncloneable, ['TempoLightError', 'InvalidInput']);
    assert.equal(out.resumed, true, 'resumed from IndexedDB in the worker');
    if (kind === 'service') assert.ok(['activating', 'activated'].includes(out.serviceWorkerState), out.serviceWorkerState);
    assert.deepEqual(page.errors, []);
  });
}

// Where the payments module cannot be imported, the refusal says whether retrying can help: a
// service worker that imports the package's main entry (not `tempo-light/worker`) may never
// import(): `InitFailed`, not retryable, naming the remedy (and with the remedy, importing
// `tempo-light/worker` beside the main entry, the module loads). A module Worker whose fetch of
// payments.js fails (here a 404) may succeed later: retryable, and a retry once the file is
// served succeeds (Chromium fetches a failed module again, whatwg/html#10327).
const plain = join(site, 'plain');
mkdirSync(plain);
const nopay = join(site, 'nopay');
mkdirSync(nopay);
const ANSWER = `const answer = async () => {
  try { return { ok: true, value: await verifyPaymentProof('{"type":"tempo-light/payment-proof","version":1}') }; } catch (e) {
    return { name: e.name, code: e.code, retryable: e.retryable, message: e.message };
  }
};
`;
const SERVICE = `${ANSWER}self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('message', (event) => event.waitUntil(answer().then((a) => event.ports[0].postMessage(a))));
`;
writeFileSync(join(plain, 'sw.js'), `import { verifyPaymentProof } from '/pkg/index.js';\n${SERVICE}`);
mkdirSync(join(plain, 'with-worker'));
writeFileSync(join(plain, 'with-worker/sw.js'), `import { verifyPaymentProof } from '/pkg/index.js';\nimport '/pkg/worker.js';\n${SERVICE}`);
writeFileSync(join(plain, 'worker.js'), `import { verifyPaymentProof } from '/nopay/index.js';
${ANSWER}self.onmessage = async () => self.postMessage(await answer());
`);
writeFileSync(join(plain, 'page.html'), `<!doctype html><meta charset="utf-8"><title>import() refused</title><script type="module">
window.serviceWorkerAnswer = async (dir) => {
  const registration = await navigator.serviceWorker.register(dir + 'sw.js', { type: 'module', scope: dir });
  const sw = registration.installing ?? registration.waiting ?? registration.active;
  while (sw.state !== 'activated') await new Promise((r) => sw.addEventListener('statechange', r, { once: true }));
  const channel = new MessageChannel();
  const answered = new Promise((r) => { channel.port1.onmessage = ({ data }) => r(data); });
  sw.postMessage(null, [channel.port2]);
  return answered;
};
const worker = new Worker('/plain/worker.js', { type: 'module' });
window.workerAnswer = () => new Promise((r) => { worker.onmessage = ({ data }) => r(data); worker.postMessage(null); });
window.ready = true;
</script>`);

test('payments where import() fails: InitFailed, not retryable in a service worker, retryable after a failed fetch', { timeout: 60000 }, async () => {
  // The package without payments.js, until it is copied in below.
  for (const file of readdirSync(PKG_DIR)) if (file !== 'payments.js') copyFileSync(join(PKG_DIR, file), join(nopay, file));
  const base = await serve({ '/pkg/': PKG_DIR, '/': site });
  const page = await newPage();
  await page.goto(`${base.replace('127.0.0.1', 'localhost')}/plain/page.html`);
  await page.waitForFunction(() => window.ready === true, null, { timeout: 20000 });
  const sw = await page.evaluate(() => window.serviceWorkerAnswer('/plain/'));
  assert.equal(sw.code, 'InitFailed', JSON.stringify(sw));
  assert.equal(sw.retryable, false);
  assert.match(sw.message, /a service worker may not import\(\): import 'tempo-light\/worker' there/);
  // The remedy: the payments module loads, and refuses the proof that is no proof itself.
  const remedied = await page.evaluate(() => window.serviceWorkerAnswer('/plain/with-worker/'));
  assert.equal(remedied.name, 'TempoLightError', JSON.stringify(remedied));
  assert.ok(!['InitFailed', 'Internal'].includes(remedied.code), JSON.stringify(remedied));
  const failed = await page.evaluate(() => window.workerAnswer());
  assert.equal(failed.code, 'InitFailed', JSON.stringify(failed));
  assert.equal(failed.retryable, true);
  assert.doesNotMatch(failed.message, /service worker/);
  copyFileSync(join(PKG_DIR, 'payments.js'), join(nopay, 'payments.js'));
  const retried = await page.evaluate(() => window.workerAnswer());
  // The module loaded: the proof that is no proof is refused by it, not by the loader.
  assert.equal(retried.name, 'TempoLightError', JSON.stringify(retried));
  assert.equal(retried.code, remedied.code);
  assert.ok(!['InitFailed', 'Internal'].includes(retried.code), JSON.stringify(retried));
  assert.deepEqual(page.errors.filter((e) => !e.endsWith('/nopay/payments.js')), []);
});
