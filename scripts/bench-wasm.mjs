// WebAssembly benchmarks in Node: the npm package (pkg/), mcl-wasm 2.4.1 doing the same check
// (scripts/bench-mcl.mjs) and @noble/curves on the same real mainnet certificate in the same
// process, plus the wasm and JS sizes and the cold start of fresh Node processes. Run by
// scripts/bench.sh (which builds pkg/ first; headless Chromium is scripts/bench-browser.mjs);
// prints medians, spread, ratios and the issue 18 targets it measures, which it also writes to
// target/bench-wasm-results.json for bench-browser.mjs.
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { bls12_381 as bls } from '@noble/curves/bls12-381.js';
import mcl from 'mcl-wasm';
import mclInternal from 'mcl-wasm/dist/mcl.js';
import { MCL_OPERATIONS, mclVerifier, corruptPayload, swapSignatures, voteAsSeed } from './bench-mcl.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const fixturePath = `${root}/tests/fixtures/mainnet-block-32724390.json`;
const fixture = JSON.parse(readFileSync(fixturePath, 'utf8'));

// Cold start as users meet it: a fresh Node process runs a module file (the certificate inlined
// in it, as if it had just arrived) that imports the library, initializes it and verifies one
// certificate; each child reports, from its first statement (performance.now()), the import,
// the initialization, the first verification alone, the second one, and a warm one (median of
// 15 after 300 ms of warm-up runs in that process). tempo-light and mcl-wasm alternate, 11
// processes each. The wall time of the whole process (Node's own start included) is printed
// beside, for information.
const require = createRequire(import.meta.url);
const coldDir = mkdtempSync(join(tmpdir(), 'tempo-light-cold-'));
const inlined = `const fixture = ${JSON.stringify(fixture)};`;
const warmTail = (call) => `
const warmStart = performance.now();
while (performance.now() - warmStart < 300) ${call};
const warmTimes = [];
for (let i = 0; i < 15; i++) { const t = performance.now(); ${call}; warmTimes.push(performance.now() - t); }
warmTimes.sort((a, b) => a - b);
console.log(JSON.stringify({ importMs: t1 - t0, initMs: t2 - t1, firstMs: t3 - t2, total: t3 - t0, secondMs: t4 - t3, warmMs: warmTimes[7] }));
`;
const coldFiles = {
  'tempo-light': join(coldDir, 'cold-tempo-light.mjs'),
  'mcl-wasm 2.4.1': join(coldDir, 'cold-mcl.mjs'),
};
writeFileSync(coldFiles['tempo-light'], `${inlined}
const t0 = performance.now();
const { TempoLightClient } = await import(${JSON.stringify(pathToFileURL(`${root}/pkg/index.node.js`).href)});
const t1 = performance.now();
// In Node the package loads its wasm synchronously on first use: here, when the client is made.
const client = TempoLightClient.mainnet();
const t2 = performance.now();
client.verify(fixture);
const t3 = performance.now();
client.verify(fixture);
const t4 = performance.now();
${warmTail('client.verify(fixture)')}`);
writeFileSync(coldFiles['mcl-wasm 2.4.1'], `import { mclVerifier } from ${JSON.stringify(pathToFileURL(`${root}/scripts/bench-mcl.mjs`).href)};
${inlined}
const cert = fixture.finalization.certificate;
const t0 = performance.now();
const { default: mcl } = await import(${JSON.stringify(pathToFileURL(require.resolve('mcl-wasm')).href)});
const { default: mclInternal } = await import(${JSON.stringify(pathToFileURL(require.resolve('mcl-wasm/dist/mcl.js')).href)});
const t1 = performance.now();
// init (the wasm is inlined in mcl-wasm's JS as base64), DST, the key's and the generator's lines.
await mcl.init(mcl.BLS12_381);
const verify = mclVerifier(mcl, mclInternal.mod, fixture.networkIdentity.publicKey);
const t2 = performance.now();
if (!verify(cert)) throw new Error('mcl rejected the real certificate');
const t3 = performance.now();
verify(cert);
const t4 = performance.now();
${warmTail('verify(cert)')}`);
const cold = { 'tempo-light': [], 'mcl-wasm 2.4.1': [] };
for (let i = 0; i < 11; i++) {
  const order = i % 2 === 0 ? ['tempo-light', 'mcl-wasm 2.4.1'] : ['mcl-wasm 2.4.1', 'tempo-light'];
  for (const name of order) {
    const t = performance.now();
    const out = execFileSync(process.execPath, [coldFiles[name]]).toString();
    cold[name].push({ ...JSON.parse(out), wall: performance.now() - t });
  }
}
rmSync(coldDir, { recursive: true, force: true });
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
// Contenders in alternating samples (the order rotates from one sample to the next), so that
// drift during the run falls on all alike.
function measureAlternating(samples, contenders) {
  for (const [, f] of contenders) warm(f);
  const times = contenders.map(() => []);
  for (let s = 0; s < samples; s++) {
    for (let k = 0; k < contenders.length; k++) {
      const i = (s + k) % contenders.length;
      const [iters, f] = contenders[i];
      times[i].push(sample(iters, f));
    }
  }
  return times.map(stats);
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

// mcl-wasm 2.4.1 doing exactly our check (scripts/bench-mcl.mjs lists and comments every step):
// set up once (IRTF hash-to-curve, our DST, cached lines of the key and the generator), then
// checked on the real certificate and on three forgeries before any timing.
await mcl.init(mcl.BLS12_381);
const mclVerify = mclVerifier(mcl, mclInternal.mod, fixture.networkIdentity.publicKey);
const certHex = fixture.finalization.certificate;
if (mclVerify(certHex) !== true) throw new Error('mcl-wasm rejected the real certificate');
if (mclVerify(corruptPayload(certHex)) !== false) throw new Error('mcl-wasm accepted a corrupted payload');
if (mclVerify(swapSignatures(certHex)) !== false) throw new Error('mcl-wasm accepted swapped signatures');
if (mclVerify(voteAsSeed(certHex)) !== false) throw new Error('mcl-wasm accepted the vote as the seed');
// tempo-light refuses the same forgeries (the payload one already at its digest check).
for (const forge of [corruptPayload, swapSignatures, voteAsSeed]) {
  const forged = { ...fixture, finalization: { ...fixture.finalization, certificate: forge(certHex) } };
  let refused = false;
  try { client.verify(forged); } catch { refused = true; }
  if (!refused) throw new Error(`tempo-light accepted a forgery (${forge.name})`);
}
const mclOne = () => { if (!mclVerify(certHex)) throw new Error('mcl-wasm rejected the real certificate'); };

const [oursOne, mclStats, nobleOne] = measureAlternating(21, [[10, () => client.verify(fixture)], [4, mclOne], [1, nobleVerify]]);
const ours = row('verify one certificate (tempo-light wasm)', oursOne);
const mclMedian = row('verify one certificate (mcl-wasm 2.4.1)', mclStats);
const noble = row('verify one certificate (@noble/curves 2.4)', nobleOne);
console.log('  mcl-wasm runs, per certificate (set up once: IRTF mode, our DST, subgroup checks on, lines of the key and g2):');
for (const op of MCL_OPERATIONS) console.log(`    - ${op}`);
console.log(`ratio: tempo-light / mcl-wasm = ${(ours / mclMedian).toFixed(2)}x of the medians, ${(oursOne.p10 / mclStats.p10).toFixed(2)}x of the p10s (same run, alternating samples)`);

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

// Sizes: the wasm gzipped as build-pkg.sh measures it (`gzip -9`; Node's zlib at level 9 beside
// it), and the JS glue: everything pkg/index.js imports, bundled and minified by esbuild, gzipped.
const gzip9 = (bytes) => {
  try { return execFileSync('gzip', ['-9', '-c'], { input: bytes }).length; } catch { return null; }
};
const raw = readFileSync(`${root}/pkg/tempo_light_bg.wasm`);
const wasmGz = gzip9(raw) ?? gzipSync(raw, { level: 9 }).length;
const wasmZlib = gzipSync(raw, { level: 9 }).length;
const glue = (await build({
  entryPoints: [`${root}/pkg/index.js`], bundle: true, minify: true, format: 'esm', write: false,
  logLevel: 'error', external: ['./tempo_light_bg.wasm', './payments.js'],
})).outputFiles[0].contents;
const glueGz = gzip9(glue) ?? gzipSync(glue, { level: 9 }).length;

const coldStats = (name, key) => stats(cold[name].map((c) => c[key]));
const coldLine = (name) => {
  const total = coldStats(name, 'total');
  const m = (key) => coldStats(name, key).median.toFixed(1);
  console.log(`  ${name.padEnd(15)} import + init + first verify ${total.median.toFixed(1)} ms (p10 ${total.p10.toFixed(1)}, p90 ${total.p90.toFixed(1)}): ` +
    `import ${m('importMs')}, init ${m('initMs')}, first verify alone ${m('firstMs')}; then second verify ${m('secondMs')}, ` +
    `warm verify ${coldStats(name, 'warmMs').median.toFixed(2)}; whole process ${m('wall')} ms`);
  return total.median;
};
console.log('\ncold start, fresh Node process running a module file (medians of 11, alternating):');
const coldOurs = coldLine('tempo-light');
const coldMcl = coldLine('mcl-wasm 2.4.1');
console.log(`\nwasm size: ${raw.length} bytes raw, ${wasmGz} bytes gzipped (gzip -9; ${wasmZlib} with zlib level 9)`);
console.log(`JS glue (everything pkg/index.js imports, esbuild --minify): ${glue.length} bytes, ${glueGz} gzipped`);
console.log(`ratio: @noble/curves / tempo-light wasm = ${(noble / ours).toFixed(1)}x (target >= 5x)`);
const native = Number(process.env.NATIVE_VERIFY_US ?? 0) / 1000;
if (native > 0) console.log(`ratio: tempo-light wasm / native = ${(ours / native).toFixed(1)}x (target <= 7.5x)`);
if (headersPerSecond !== null) console.log(`header authentication in wasm: ${Math.round(headersPerSecond)} headers/s (target >= 20000/s)`);

// The targets of issue 18 that Node measures, each with its figure and whether it is met. The
// Chromium ones are printed by scripts/bench-browser.mjs, which reads this run's figures from
// target/bench-wasm-results.json and prints the whole list again at its end.
const targets = [
  { target: 'wasm verify in Node <= 0.85x mcl-wasm', figure: `${(ours / mclMedian).toFixed(2)}x (${ours.toFixed(2)} vs ${mclMedian.toFixed(2)} ms)`, met: ours / mclMedian <= 0.85 },
  batchPerCert === null
    ? { target: 'wasm batch of 100 <= 1.3 ms per certificate', figure: 'not measured (no target/bench-batch.json)', met: null }
    : { target: 'wasm batch of 100 <= 1.3 ms per certificate', figure: `${batchPerCert.toFixed(2)} ms`, met: batchPerCert <= 1.3 },
  { target: 'Node cold start (import + init + first verify) <= 20 ms', figure: `${coldOurs.toFixed(1)} ms (mcl-wasm ${coldMcl.toFixed(1)} ms)`, met: coldOurs <= 20 },
  { target: 'package wasm <= 150 KB gzipped', figure: `${wasmGz} bytes (gzip -9)`, met: wasmGz <= 150000 },
  { target: 'JS glue size (reported)', figure: `${glueGz} bytes gzipped`, met: null },
];
const printTargets = (list) => {
  for (const { target, figure, met } of list) {
    console.log(`  ${(met === null ? '    ' : met ? 'MET ' : 'NOT ')} ${target.padEnd(58)} ${figure}`);
  }
};
console.log('\nissue 18 targets measured in Node:');
printTargets(targets);
writeFileSync(`${root}/target/bench-wasm-results.json`, JSON.stringify({ when: new Date().toISOString(), node: process.version, targets }, null, 2));
console.log('\nbench: 1 passed, 0 failed');
