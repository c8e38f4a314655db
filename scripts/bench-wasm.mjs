// WebAssembly benchmarks in Node: the npm package (pkg/) and @noble/curves on the same real
// mainnet certificate in the same process, plus the wasm size and the cold start.
// Run by scripts/bench.sh (which builds pkg/ first); prints medians, spread and ratios.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { bls12_381 as bls } from '@noble/curves/bls12-381.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const fixturePath = `${root}/tests/fixtures/mainnet-block-32724390.json`;
const fixture = JSON.parse(readFileSync(fixturePath, 'utf8'));

// Cold start: a fresh Node process that imports the package and verifies one certificate.
const cold = [];
for (let i = 0; i < 11; i++) {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', `
    const t0 = performance.now();
    const { TempoLightClient } = await import(${JSON.stringify(`${root}/pkg/index.node.js`)});
    const fixture = JSON.parse((await import('node:fs')).readFileSync(${JSON.stringify(fixturePath)}, 'utf8'));
    TempoLightClient.mainnet().verify(fixture);
    console.log(performance.now() - t0);`]).toString();
  cold.push(Number(out));
}

const { TempoLightClient } = await import(`${root}/pkg/index.node.js`);

// Warm-up: at least three runs and 300 ms, so that V8 has moved the hot functions to its
// optimizing tier before the samples start (the cold start is measured on its own).
function warm(f) {
  const start = performance.now();
  for (let i = 0; i < 3 || performance.now() - start < 300; i++) f();
}
function sample(iters, f) {
  const t = performance.now();
  for (let i = 0; i < iters; i++) f();
  return (performance.now() - t) / iters;
}
function stats(times) {
  times.sort((a, b) => a - b);
  const at = (q) => times[Math.round((times.length - 1) * q)];
  return { median: at(0.5), p10: at(0.1), p90: at(0.9) };
}
function measure(samples, iters, f) {
  warm(f);
  return stats(Array.from({ length: samples }, () => sample(iters, f)));
}
// Two contenders in alternating samples, so that drift during the run falls on both alike.
function measurePair(samples, [itersA, fA], [itersB, fB]) {
  warm(fA);
  warm(fB);
  const a = [], b = [];
  for (let s = 0; s < samples; s++) {
    if (s % 2 === 0) { a.push(sample(itersA, fA)); b.push(sample(itersB, fB)); }
    else { b.push(sample(itersB, fB)); a.push(sample(itersA, fA)); }
  }
  return [stats(a), stats(b)];
}
const row = (name, m, unit = 'ms') => {
  console.log(`${name.padEnd(48)} ${m.median.toFixed(3).padStart(9)} ${unit}  (p10 ${m.p10.toFixed(3)}, p90 ${m.p90.toFixed(3)})`);
  return m.median;
};

const client = TempoLightClient.mainnet();
const { verifyProof } = await import(`${root}/pkg/index.node.js`);
console.log('tempo-light wasm benchmarks in Node', process.version, '(real mainnet certificate)\n');

// @noble/curves by hand: both signatures, with the message layout Tempo uses.
const hex = (s) => Uint8Array.from(Buffer.from(s.replace(/^0x/, ''), 'hex'));
const cert = hex(fixture.finalization.certificate);
const pk = bls.G2.Point.fromHex(fixture.networkIdentity.publicKey.slice(2));
const DST = 'BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_POP_';
const union = (ns, msg) => Uint8Array.from([ns.length, ...ns, ...msg]);
// Varints of epoch 1515, view 391, parent 390 occupy the first 6 bytes here.
const proposal = cert.slice(0, 6 + 32);
const round = cert.slice(0, 4);
const vote = cert.slice(38, 86);
const seed = cert.slice(86, 134);
const enc = new TextEncoder();
const nobleVerify = () => {
  const a = bls.shortSignatures.verify(vote, bls.shortSignatures.hash(union(enc.encode('TEMPO_FINALIZE'), proposal), DST), pk);
  const b = bls.shortSignatures.verify(seed, bls.shortSignatures.hash(union(enc.encode('TEMPO_SEED'), round), DST), pk);
  if (!a || !b) throw new Error('noble rejected the real certificate');
};
const [oursOne, nobleOne] = measurePair(15, [10, () => client.verify(fixture)], [1, nobleVerify]);
const ours = row('verify one certificate (tempo-light wasm)', oursOne);
const noble = row('verify one certificate (@noble/curves 2.4)', nobleOne);

// A batch of 100 devnet certificates of one identity (written by the native benchmark), from
// the JSON objects an RPC returns, in one verifyBatch call.
let batchPerCert = null;
try {
  const { identity, epochLength, blocks } = JSON.parse(readFileSync(`${root}/target/bench-batch.json`, 'utf8'));
  const devnet = TempoLightClient.custom({ identity, epochLength });
  const check = devnet.verifyBatch(blocks);
  if (check.length !== 100 || !check.every((r) => r.ok)) throw new Error('the batch did not verify');
  const m = measure(7, 1, () => devnet.verifyBatch(blocks));
  batchPerCert = row('verify a batch of 100, per certificate', { median: m.median / 100, p10: m.p10 / 100, p90: m.p90 / 100 });
} catch (e) {
  if (e.code !== 'ENOENT') throw e;
}

// Header authentication in wasm, through the client a wallet uses: a head at 1, the verified
// finalization of 21601, then the 21600 headers up to it as the client asks for them (chunks
// of JSON objects as eth_getBlockByNumber returns them), each decoded, hashed and linked to
// its child, and every one reported as a verified header.
let headersPerSecond = null;
try {
  const { identity, epochLength, head, tip, headers } = JSON.parse(readFileSync(`${root}/target/bench-headers.json`, 'utf8'));
  const first = headers.length ? Number(BigInt(headers[0].number)) : 0;
  const authenticate = () => {
    const c = TempoLightClient.custom({ identity, epochLength });
    c.setEveryHeader(true);
    c.onFinalization(head);
    c.onFinalization(tip);
    let seen = 0;
    const t = performance.now();
    for (let req = c.nextRequest(); req.type === 'headers'; req = c.nextRequest()) {
      for (const event of c.onHeaders(headers.slice(Number(req.from) - first, Number(req.to) - first + 1))) {
        if (event.type === 'headers') seen += event.headers?.length ?? 0;
      }
    }
    const ms = performance.now() - t;
    if (BigInt(c.head.height) !== BigInt(tip.block.header.number)) throw new Error('the run did not reach the tip');
    return { ms, seen };
  };
  const check = authenticate();
  if (check.seen !== headers.length) throw new Error(`${check.seen} of ${headers.length} headers reported verified`);
  const times = [check.ms, ...Array.from({ length: 4 }, () => authenticate().ms)].sort((a, b) => a - b);
  const m = { median: times[2], p10: times[0], p90: times[4] };
  row(`authenticate ${headers.length} headers (one epoch)`, m);
  headersPerSecond = headers.length / (m.median / 1000);
} catch (e) {
  if (e.code !== 'ENOENT') throw e;
}

// A TIP-20 balance proof (eth_getProof answer written by the native benchmark): account proof
// and five storage proofs against the state root.
try {
  const { stateRoot, proof } = JSON.parse(readFileSync(`${root}/target/bench-proof.json`, 'utf8'));
  row('verify an eth_getProof answer (6 proofs)', measure(15, 50, () => verifyProof(proof, { stateRoot })));
} catch (e) {
  if (e.code !== 'ENOENT') throw e;
}

// Proven payments in a block of 1,000 transactions (PaymentProofs written by the native
// benchmark, under the batch chain's identity), re-checked offline by the package's payments
// module: the whole block (both tries rebuilt) and the trie proofs of one transaction and its
// receipt; each includes one certificate check.
try {
  const { identity, epochLength } = JSON.parse(readFileSync(`${root}/target/bench-batch.json`, 'utf8'));
  const { verifyPaymentProof, initPayments } = await import(`${root}/pkg/index.node.js`);
  await initPayments();
  for (const form of ['full', 'trie']) {
    const text = readFileSync(`${root}/target/bench-payment-${form}.json`, 'utf8');
    const network = { identity, epochLength };
    await verifyPaymentProof(text, { network });
    const times = [];
    for (let i = 0; i < 15; i++) {
      const t0 = performance.now();
      for (let k = 0; k < 3; k++) await verifyPaymentProof(text, { network });
      times.push((performance.now() - t0) / 3);
    }
    row(`payment proof, 1000 txs, ${form}: parse+check`, stats(times));
    console.log(`${''.padEnd(48)} (${text.length} bytes of JSON; + one certificate check)`);
  }
  const payments = readFileSync(`${root}/pkg/tempo_light_payments_bg.wasm`);
  console.log(`payments module (loaded on the first payment call): ${payments.length} bytes raw, ${gzipSync(payments, { level: 9 }).length} gzipped`);
} catch (e) {
  if (e.code !== 'ENOENT') throw e;
}

const raw = readFileSync(`${root}/pkg/tempo_light_bg.wasm`);
const gz = gzipSync(raw, { level: 9 });
const coldMedian = cold.sort((a, b) => a - b)[5];

console.log(`\nwasm size: ${raw.length} bytes raw, ${gz.length} bytes gzipped (target <= 150000)`);
console.log(`cold start (import + init + first verify), fresh Node process: median ${coldMedian.toFixed(1)} ms of ${cold.length} (p10 ${cold[1].toFixed(1)}, p90 ${cold[9].toFixed(1)}) (target <= 30)`);
console.log(`ratio: @noble/curves / tempo-light wasm = ${(noble / ours).toFixed(1)}x (target >= 5x)`);
const native = Number(process.env.NATIVE_VERIFY_US ?? 0) / 1000;
if (native > 0) console.log(`ratio: tempo-light wasm / native = ${(ours / native).toFixed(1)}x (target <= 7.5x)`);
if (batchPerCert !== null) console.log(`batch of 100 in wasm: ${batchPerCert.toFixed(2)} ms per certificate (target <= 2.3)`);
if (headersPerSecond !== null) console.log(`header authentication in wasm: ${Math.round(headersPerSecond)} headers/s (target >= 20000/s)`);

// The same in headless Chromium: a page that imports the package, verifies, and reports.
const { createServer } = await import('node:http');
const { chromium } = await import('playwright-core');
const server = createServer((req, res) => {
  const path = new URL(req.url, 'http://x').pathname;
  if (path === '/bench.html') {
    res.writeHead(200, { 'content-type': 'text/html' }).end(`<script type="module">
      const t0 = performance.now();
      const { TempoLightClient, init } = await import('/pkg/index.js');
      await init();
      const fixture = await (await fetch('/fixture.json')).json();
      const client = TempoLightClient.mainnet();
      client.verify(fixture);
      const cold = performance.now() - t0;
      const times = [];
      for (let i = 0; i < 15; i++) { const t = performance.now(); client.verify(fixture); times.push(performance.now() - t); }
      times.sort((a, b) => a - b);
      window.result = { cold, median: times[7], p10: times[1], p90: times[13] };
    </script>`);
    return;
  }
  const file = path === '/fixture.json' ? fixturePath : `${root}${path}`;
  try {
    const body = readFileSync(file);
    const type = file.endsWith('.wasm') ? 'application/wasm' : file.endsWith('.js') ? 'text/javascript' : 'application/json';
    res.writeHead(200, { 'content-type': type }).end(body);
  } catch { res.writeHead(404).end(); }
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${server.address().port}/bench.html`);
  const result = await page.waitForFunction(() => window.result, null, { timeout: 60000 }).then((h) => h.jsonValue());
  console.log(`\nheadless Chromium: verify one certificate ${result.median.toFixed(3)} ms (p10 ${result.p10.toFixed(3)}, p90 ${result.p90.toFixed(3)}); cold start (import + init + first verify) ${result.cold.toFixed(1)} ms`);
} finally {
  await browser.close();
  server.close();
}
console.log('\nbench: 1 passed, 0 failed');
