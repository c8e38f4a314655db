// The package's JSON entry points fuzzed as a caller reaches them (issue 17): mutated versions
// of real inputs (the mainnet certified block, a saved state, a devnet balance proof and
// payment proof, a devnet block's payment answers) handed to every export of the installed
// package, in the real wasm modules. A Rust panic in wasm is a trap that the package reports
// as `Internal` and that leaves the module unusable, so every iteration checks:
// - nothing throws but a TempoLightError with a named code other than `Internal`;
// - what is accepted is what the chain holds: the mainnet block verifies only as itself, a
//   payment confirmed or re-checked is the devnet's payment, a proof or balance proven is the
//   honest one; a refused `onFinalization` leaves the state byte for byte unchanged;
// - the modules still verify the real block at the end.
// Mutations are structural (a value anywhere in the JSON replaced by an edge case: wrong types,
// huge or negative numbers, odd/oversized/empty hex, deep nesting, bigint, a dropped or added
// member, a duplicated or truncated array) or textual (the JSON text with a character changed,
// inserted or removed, handed over as a string). Deterministic: TEMPO_LIGHT_FUZZ_SEED replays a
// run; TEMPO_LIGHT_FUZZ_ITERATIONS sets the iterations per entry point (CI: 150).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  TempoLightClient, TempoLightError, verifyCertifiedBlock, verifyBalance, verifyProof, verifyPaymentProof,
} from 'tempo-light';
import { devnet } from './support/devnet.mjs';

const ITERATIONS = Number(process.env.TEMPO_LIGHT_FUZZ_ITERATIONS ?? 150);
const SEED = Number(process.env.TEMPO_LIGHT_FUZZ_SEED ?? 20261125);
const EPOCH_LENGTH = 5;
const fixture = JSON.parse(readFileSync(process.env.TEMPO_FIXTURE, 'utf8'));

// mulberry32: a small deterministic PRNG.
let state = SEED >>> 0;
function random() {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const below = (n) => Math.floor(random() * n);
const pick = (items) => items[below(items.length)];
const hex = (bytes) => `0x${Array.from({ length: bytes }, () => below(256).toString(16).padStart(2, '0')).join('')}`;

const deep = (depth) => { let v = 0; for (let i = 0; i < depth; i++) v = [v]; return v; };
const EDGES = [
  () => null, () => true, () => 0, () => -1, () => 2 ** 53, () => 2 ** 64, () => 1e308, () => 0.5, () => -0,
  () => '', () => '0x', () => '0x0', () => '0xzz', () => hex(below(4)), () => hex(32), () => hex(48), () => hex(96),
  () => hex(97), () => `0x${'f'.repeat(64)}`, () => `0x${'0'.repeat(below(200))}1`, () => '18446744073709551616',
  () => 'x'.repeat(below(5000)), () => `0x${'ab'.repeat(1 << 16)}`, () => [], () => ({}), () => deep(200 + below(2000)),
  () => 10n ** 30n, () => ({ __proto__: null }), () => [null], () => 'NaN',
];

/** A copy of JSON `value` with one change somewhere in it. */
function mutate(value) {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'string' && value.length > 2 && random() < 0.5) {
      const i = below(value.length);
      const c = pick(['0', 'f', 'g', '', '00', 'x', ' ']);
      return value.slice(0, i) + c + value.slice(i + (random() < 0.7 ? 1 : 0));
    }
    return pick(EDGES)();
  }
  const copy = Array.isArray(value) ? [...value] : { ...value };
  const keys = Object.keys(copy);
  const r = random();
  if (keys.length === 0 || r < 0.1) return pick(EDGES)();
  const key = pick(keys);
  if (r < 0.2) {
    if (Array.isArray(copy)) copy.splice(Number(key), 1); else delete copy[key];
  } else if (r < 0.27) {
    if (Array.isArray(copy)) copy.push(copy[key]); else copy[`${key}_`] = copy[key];
  } else if (r < 0.32 && Array.isArray(copy)) {
    copy.length = below(copy.length);
  } else {
    copy[key] = mutate(copy[key]);
  }
  return copy;
}

const stringify = (v) => JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? `${x}` : x));
/** A mutated input: most often structural, sometimes textual (the JSON as a string). */
function fuzzed(value) {
  let v = value;
  for (let n = 1 + below(3); n > 0; n--) v = mutate(v);
  if (random() < 0.2) {
    const text = stringify(value);
    const i = below(text.length);
    return text.slice(0, i) + pick(['', '"', '}', '0', 'a', '\\', '[']) + text.slice(i + below(2));
  }
  return v;
}

/** The JSON paths where `b` differs from `a` (for failure messages). */
function changes(a, b, path = '') {
  if (typeof b === 'string' && typeof a !== 'string') return `${path || '.'} is now text: ${b.slice(0, 200)}`;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') {
    return stringify(a) === stringify(b) ? '' : `${path || '.'}: ${stringify(a)?.slice(0, 80)} -> ${stringify(b)?.slice(0, 80)}; `;
  }
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].map((k) => changes(a[k], b[k], `${path}.${k}`)).join('');
}

const counts = {};
/** Runs `f()`; an error must be typed and not Internal. Returns [ok, value]. */
async function attempt(entry, f) {
  counts[entry] = counts[entry] ?? { calls: 0, accepted: 0, refused: 0 };
  counts[entry].calls++;
  try {
    const value = await f();
    counts[entry].accepted++;
    return [true, value];
  } catch (e) {
    counts[entry].refused++;
    assert.ok(e instanceof TempoLightError, `${entry}: threw ${e?.name}: ${e?.message} (seed ${SEED})`);
    assert.equal(typeof e.code, 'string', `${entry}: an error without a code`);
    assert.notEqual(e.code, 'Internal', `${entry}: a trap or a bug: ${e.message} (seed ${SEED})`);
    return [false, e];
  }
}

async function rpc(port, method, params) {
  const answer = await (await fetch(`http://127.0.0.1:${port}`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  })).json();
  if (answer.error) throw Object.assign(new Error(answer.error.message), { code: answer.error.code });
  return answer.result;
}

test('every JSON entry point refuses mutated inputs with a typed error and accepts only the truth', { timeout: Math.max(900000, ITERATIONS * 1000) }, async () => {
  const started = performance.now();
  // ---- the real inputs ----
  const { port, identity, holders } = await devnet([]);
  const network = { identity, epochLength: EPOCH_LENGTH };
  const tip = 12n;
  while (BigInt(await rpc(port, 'eth_blockNumber', [])) < tip + 2n) {
    assert.ok(performance.now() - started < 60000, 'the devnet did not reach its first blocks in 60 s');
    await new Promise((r) => setTimeout(r, 20));
  }
  // A client of the devnet synced past `tip`, saved.
  const follower = TempoLightClient.custom(network);
  const stop = new AbortController();
  const following = follower.follow({ rpc: `http://127.0.0.1:${port}`, signal: stop.signal });
  const deadline = Date.now() + 60000;
  while ((follower.head?.height ?? 0n) < tip) {
    assert.ok(Date.now() < deadline, `the devnet client did not reach height ${tip} in 60 s`);
    await new Promise((r) => setTimeout(r, 20));
  }
  stop.abort();
  await following;
  const devnetState = follower.toState();
  follower.destroy();
  // A block with a transfer, its payment confirmed honestly, and its proof.
  let hash, honest, honestProof;
  for (let h = 3; !honest; h++) {
    assert.ok(h < Number(tip), 'no successful transfer among the devnet\'s first blocks');
    const block = await rpc(port, 'eth_getBlockByNumber', [`0x${h.toString(16)}`, true]);
    for (const tx of block.transactions) {
      const client = TempoLightClient.fromState(devnetState);
      // A failed transaction is proven otherwise (PaymentFailed): look further.
      const found = await client.confirmPayment({ hash: tx.hash, rpc: `http://127.0.0.1:${port}`, proofForm: 'trie' }).catch(() => null);
      client.destroy();
      if (found?.payment.transfers.length > 0) { [hash, honest, honestProof] = [tx.hash, found.payment, JSON.parse(found.proof)]; break; }
    }
  }
  // A TIP-20 balance query and its proof at the client's head.
  const balanceClient = TempoLightClient.fromState(devnetState);
  const query = balanceClient.balanceQuery('0x20c0000000000000000000000000000000000000', holders[0]);
  balanceClient.destroy();
  const proof = await rpc(port, query.method, query.params);
  const honestBalance = verifyBalance(query, proof);
  const mainnetClient = TempoLightClient.mainnet();
  mainnetClient.onFinalization(fixture);
  const mainnetState = mainnetClient.toState();
  mainnetClient.destroy();
  const fixtureHash = verifyCertifiedBlock(fixture).hash;

  // ---- the entry points ----
  const same = (a, b) => assert.equal(stringify(a), stringify(b));
  for (let i = 0; i < ITERATIONS; i++) {
    const block = fuzzed(fixture);
    const [ok, v] = await attempt('verifyCertifiedBlock', () => verifyCertifiedBlock(block));
    if (ok) assert.equal(v.hash, fixtureHash, 'mainnet verified a block it never finalized');
    await attempt('verifyCertifiedBlock(testnet)', () => verifyCertifiedBlock(block, 'testnet'))
      .then(([accepted]) => assert.ok(!accepted, 'testnet verified a mainnet block'));

    const client = TempoLightClient.mainnet();
    const [vok, vv] = await attempt('TempoLightClient.verify', () => client.verify(block));
    if (vok) assert.equal(vv.hash, fixtureHash);
    const [bok, batch] = await attempt('TempoLightClient.verifyBatch', () => client.verifyBatch([block, fixture, fuzzed(fixture)]));
    if (bok) {
      assert.equal(batch.length, 3);
      assert.ok(batch[1].ok, 'the real block failed in a batch');
      for (const r of batch) {
        if (r.ok) assert.equal(r.block.hash, fixtureHash);
        else assert.ok(r.error instanceof TempoLightError && r.error.code !== 'Internal', `verifyBatch: ${r.error?.code}`);
      }
    }
    const before = client.toState();
    const [fok, events] = await attempt('TempoLightClient.onFinalization', () => client.onFinalization(block));
    if (fok && client.head === null) {
      // A fresh client whose preset identity does not sign the tip keeps it as a target and
      // walks back for the boundaries that would explain a rotation: nothing is final yet.
      assert.deepEqual([events.length, client.nextRequest()?.type], [0, 'finalization'],
        `accepted without reaching the real block or probing: ${changes(fixture, block)}`);
    } else if (fok) {
      assert.equal(client.head.hash, fixtureHash, `a head that is not the real block: ${changes(fixture, block)}`);
    }
    else assert.equal(client.toState(), before, 'a refused finalization changed the state');
    client.destroy();

    const [sok, restored] = await attempt('TempoLightClient.fromState', () => TempoLightClient.fromState(fuzzed(JSON.parse(random() < 0.5 ? mainnetState : devnetState))));
    if (sok) {
      const saved = restored.toState();
      const again = TempoLightClient.fromState(saved);
      assert.equal(again.toState(), saved, 'a restored state does not round-trip');
      again.destroy();
      restored.destroy();
    }
    const [cok, custom] = await attempt('TempoLightClient.custom', () => TempoLightClient.custom(fuzzed({ identity, epochLength: EPOCH_LENGTH, fromEpoch: 0, chainId: 1337 })));
    if (cok) custom.destroy();

    const devnetClient = TempoLightClient.fromState(devnetState);
    const [qToken, qAccount] = random() < 0.5 ? [fuzzed(query.token), query.account] : [query.token, fuzzed(query.account)];
    await attempt('TempoLightClient.balanceQuery', () => devnetClient.balanceQuery(qToken, qAccount));
    await attempt('TempoLightClient.identityFor', () => devnetClient.identityFor(fuzzed(1)));
    devnetClient.destroy();

    const [balOk, balance] = await attempt('verifyBalance', () => (random() < 0.5 ? verifyBalance(query, fuzzed(proof)) : verifyBalance(fuzzed(query), proof)));
    if (balOk) {
      assert.equal(balance.stateRoot, honestBalance.stateRoot);
      // `height` and `hash` are the caller's own labels of the state root, echoed back.
      const proven = ({ height, hash, ...rest }) => rest;
      if (balance.token === honestBalance.token && balance.account === honestBalance.account) same(proven(balance), proven(honestBalance));
    }
    const [pok, account] = await attempt('verifyProof', () => verifyProof(fuzzed(proof), { stateRoot: query.stateRoot }));
    if (pok) assert.equal(account.stateRoot, query.stateRoot);

    const [ppOk, paid] = await attempt('verifyPaymentProof', () => verifyPaymentProof(fuzzed(honestProof), { network }));
    if (ppOk) same(paid, honest);
    await attempt('verifyPaymentProof(expected)', () => verifyPaymentProof(honestProof, { network, expected: fuzzed({ token: honest.transfers[0].token, to: honest.transfers[0].to, amount: `${honest.transfers[0].amount}` }) }));
    await attempt('verifyPaymentProof(mainnet)', () => verifyPaymentProof(fuzzed(honestProof)))
      .then(([accepted]) => assert.ok(!accepted, 'mainnet proved a devnet payment'));

    // confirmPayment over an EIP-1193 `request` that answers honestly but for one answer the
    // payment depends on, mutated.
    const target = pick(['eth_getTransactionReceipt', 'consensus_getFinalization', 'debug_getRawTransactions', 'eth_getBlockReceipts']);
    const request = async ({ method, params }) => {
      const answer = await rpc(port, method, params);
      return method === target ? fuzzed(answer) : answer;
    };
    const payer = TempoLightClient.fromState(devnetState);
    const [cpOk, confirmed] = await attempt(`confirmPayment(${target})`, () => payer.confirmPayment({ hash, request, waitMs: 500, pollMs: 50, timeoutMs: 2000 }));
    if (cpOk) same(confirmed.payment, honest);
    payer.destroy();
  }

  // The modules still work.
  assert.equal(verifyCertifiedBlock(fixture).hash, fixtureHash);
  same(await verifyPaymentProof(honestProof, { network }), honest);
  const total = Object.values(counts).reduce((n, c) => n + c.calls, 0);
  console.log(`fuzz-exports: ${total} calls over ${Object.keys(counts).length} entry points (seed ${SEED}, ${ITERATIONS} iterations, ${((performance.now() - started) / 1000).toFixed(1)} s), none trapped:`);
  for (const [entry, c] of Object.entries(counts)) console.log(`  ${entry.padEnd(46)} ${String(c.calls).padStart(7)} calls, ${String(c.accepted).padStart(6)} accepted, ${String(c.refused).padStart(7)} refused (typed)`);
});
