// The installed package from CommonJS: `require('tempo-light')` in Node (no init needed: the
// sync APIs load the wasm from disk on first use).
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { readFileSync } = require('node:fs');
const tempo = require('tempo-light');

test('require() loads the package and verifies the real mainnet block', () => {
  const fixture = JSON.parse(readFileSync(process.env.TEMPO_FIXTURE, 'utf8'));
  const client = tempo.TempoLightClient.mainnet();
  assert.equal(client.verify(fixture).height, 32724390n);
  assert.equal(tempo.default, tempo.TempoLightClient);
  assert.throws(() => tempo.TempoLightClient.testnet().verify(fixture),
    (e) => e instanceof tempo.VerificationError && e instanceof tempo.TempoLightError && e.code === 'BadSignature');
  client.destroy();
  assert.throws(() => client.verify(fixture), (e) => e instanceof tempo.DestroyedError && e.code === 'Destroyed');
});

test('init() is idempotent and create() works from CommonJS', async () => {
  await tempo.init();
  await tempo.init();
  assert.equal(tempo.isInitialized(), true);
  const client = await tempo.TempoLightClient.create({ network: 'testnet' });
  assert.equal(client.network.name, 'testnet');
  client.destroy();
});

test("index.cjs's lazy keccak-256 (eth_getCode) loads from CommonJS", async () => {
  const path = require('node:path');
  const file = path.join(path.dirname(require.resolve('tempo-light/package.json')), 'keccak.js');
  // index.cjs does `import("./keccak.js")` (dynamic import() works in CommonJS).
  assert.match(readFileSync(require.resolve('tempo-light'), 'utf8'), /\(\) => import\("\.\/keccak\.js"\)/);
  const { keccak_256 } = await import(require('node:url').pathToFileURL(file).href);
  assert.equal(Buffer.from(keccak_256(new Uint8Array())).toString('hex'), 'c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470');
});

test("index.cjs loads the payments module on the first payment call", async () => {
  // `await import("./payments.js")` from CommonJS, then its wasm read from disk beside it.
  assert.match(readFileSync(require.resolve('tempo-light'), 'utf8'), /import\("\.\/payments\.js"\)/);
  await tempo.initPayments();
  // A proof that is no proof: refused by the payments module, typed.
  await assert.rejects(tempo.verifyPaymentProof('{"type":"tempo-light/payment-proof","version":1}'), (e) =>
    e instanceof tempo.TempoLightError && e.code !== 'Internal' && e.code !== 'InitFailed');
  await assert.rejects(tempo.verifyPaymentProof('{'), (e) => e instanceof tempo.MalformedInputError || e.code === 'Malformed');
});

test("require('tempo-light/worker') loads worker.cjs, with expose and connectWorker", () => {
  assert.match(require.resolve('tempo-light/worker'), /worker\.cjs$/);
  const worker = require('tempo-light/worker');
  assert.equal(typeof worker.expose, 'function');
  assert.equal(typeof worker.connectWorker, 'function');
  assert.equal(typeof worker.TempoLightError, 'function');
});
