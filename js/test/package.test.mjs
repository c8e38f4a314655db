// The built npm package, imported as a user imports it: `import ... from 'tempo-light'`.
// Run by scripts/test-js.sh from a scratch project that installed the packed tarball.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { TempoLightClient, verifyCertifiedBlock } from 'tempo-light';

const fixture = JSON.parse(readFileSync(process.env.TEMPO_FIXTURE, 'utf8'));

test('verifies the real mainnet block', () => {
  const client = TempoLightClient.mainnet();
  const verified = client.verify(fixture);
  assert.equal(verified.height, 32724390n);
  assert.equal(verified.epoch, 1515n);
  assert.equal(verified.hash, fixture.header.hash);
  assert.equal(verified.identity, fixture.networkIdentity.publicKey);
  assert.equal(verifyCertifiedBlock(fixture).height, 32724390n);
  client.free();
});

test('verify() accepts every shape CertifiedBlockInput names, and refuses the shapes its types refuse', () => {
  // The same shapes as examples/fixture-shape.ts, built from the real block.
  const { header } = fixture;
  const { certificate, epoch, view, digest } = fixture.finalization;
  const certified = { epoch, view, digest, certificate, block: { header } };
  const accepted = {
    withFinalization: fixture, withCertificate: { header, certificate, epoch, view, height: 32724390 },
    bare: certified, sequence: { certificate, block: [header] }, event: { ...certified, type: 'finalized', seen: 1700000000000 },
    latest: { finalized: certified, notarized: null }, response: { jsonrpc: '2.0', id: 1, result: certified },
    resultOnly: { result: { header, certificate } }, latestResponse: { jsonrpc: '2.0', id: 'a', result: { finalized: fixture } },
    notification: { jsonrpc: '2.0', method: 'consensus_event', params: { subscription: '0x1', result: { ...certified, type: 'finalized' } } },
    text: JSON.stringify(certified),
  };
  const refused = {
    errorResponse: [{ jsonrpc: '2.0', id: 1, error: { code: -32000, message: 'no' } }, 'RpcError'],
    nullResult: [{ jsonrpc: '2.0', id: 1, result: null }, 'InvalidJson'],
    headerOnly: [{ header }, 'InvalidJson'],
    certificateOnly: [{ certificate }, 'InvalidJson'],
    // An envelope inside the envelope: a second candidate where the block should be.
    nested: [{ jsonrpc: '2.0', id: 1, result: { jsonrpc: '2.0', id: 1, result: certified } }, 'AmbiguousAnswer'],
    // A certified block beside another header: ambiguous, never resolved by precedence.
    twoCandidates: [{ ...certified, header: { ...header, timestamp: '0x1' } }, 'AmbiguousAnswer'],
    resultBeside: [{ result: certified, block: { header: { ...header, timestamp: '0x1' } } }, 'AmbiguousAnswer'],
    noFinalized: [{ finalized: null }, 'InvalidJson'],
  };
  const client = TempoLightClient.mainnet();
  for (const [name, block] of Object.entries(accepted)) assert.equal(client.verify(block).height, 32724390n, name);
  for (const [name, [block, code]] of Object.entries(refused)) assert.throws(() => client.verify(block), { code }, name);
  client.free();
});

test('follows by feeding a finalization and persists its state', () => {
  const client = TempoLightClient.mainnet();
  assert.deepEqual(client.nextRequest(), { type: 'latest' });
  const events = client.onFinalization(fixture);
  assert.equal(events[0].type, 'finalized');
  assert.equal(client.head.height, 32724390n);
  const resumed = TempoLightClient.fromState(client.toState());
  assert.equal(resumed.head.hash, fixture.header.hash);
  assert.throws(() => resumed.onFinalization(fixture), (e) => e.code === 'NotNewer' && e.retryable === true);
  client.free();
  client.free(); // twice is fine
  client.destroy();
  resumed.destroy();
});

test('throws typed errors, never traps', () => {
  const client = TempoLightClient.mainnet();
  const testnet = TempoLightClient.testnet();
  assert.throws(() => testnet.verify(fixture), (e) => e.name === 'TempoLightError' && e.code === 'BadSignature' && e.retryable === false);
  const broken = structuredClone(fixture);
  broken.header.stateRoot = '0x' + '11'.repeat(32);
  assert.throws(() => client.verify(broken), (e) => e.code === 'DigestMismatch');
  // A later fork's header (a hashed field this version does not know): named as such by
  // verify, onFinalization and verifyBatch alike, not as a digest mismatch.
  const later = structuredClone(fixture);
  later.header.futureForkRoot = '0x' + 'ab'.repeat(32);
  later.header.gasUsed = '0x1';
  const unsupported = (e) => e.code === 'UnsupportedHeader' && /futureForkRoot/.test(e.message);
  assert.throws(() => client.verify(later), unsupported);
  assert.throws(() => client.onFinalization(later), unsupported);
  assert.ok(unsupported(client.verifyBatch([later])[0].error), 'in a batch');
  for (const bad of [null, 42, 'not json', {}, { certificate: '0xzz', header: {} }, [], { certificate: fixture.finalization.certificate + '00', header: fixture.header }]) {
    assert.throws(() => client.verify(bad), (e) => typeof e.code === 'string');
  }
  assert.throws(() => TempoLightClient.custom({ identity: '0x00', epochLength: 20 }), (e) => e.code === 'InvalidInput');
  assert.throws(() => TempoLightClient.fromState('{"version":9}'), (e) => e.code === 'InvalidState');
  // The client still works after all that.
  assert.equal(client.verify(fixture).height, 32724390n);
});

test('presets, beyondVerifiedEpochs and answers as text: the wasm says what JS used to work out', () => {
  const client = TempoLightClient.mainnet();
  // The identities taken on trust, as the saved state holds them (the page used to parse it).
  const presets = client.presets;
  assert.ok(presets.length >= 1);
  assert.deepEqual(presets, JSON.parse(client.toState()).network.builtin.map((run) =>
    (Array.isArray(run) ? { fromEpoch: BigInt(run[0]), identity: run[1] } : { fromEpoch: BigInt(run.fromEpoch), identity: run.identity })));
  assert.ok(presets.every((p) => typeof p.fromEpoch === 'bigint' && /^0x[0-9a-f]{192}$/.test(p.identity)));
  const custom = TempoLightClient.custom({ identity: fixture.networkIdentity.publicKey, epochLength: 21600, fromEpoch: 7 });
  assert.deepEqual(custom.presets, [{ fromEpoch: 7n, identity: fixture.networkIdentity.publicKey }]);
  custom.destroy();
  // A block past the epochs a client has verified: the height its header claims, its epoch.
  assert.deepEqual(client.beyondVerifiedEpochs(fixture), { height: 32724390n, epoch: 1515n });
  assert.equal(client.beyondVerifiedEpochs({ nonsense: true }), null);
  // The JSON-RPC response's text, as the transports hand it over, reads as the object does.
  const response = JSON.stringify({ jsonrpc: '2.0', id: 1, result: fixture });
  assert.equal(client.verify(response).hash, fixture.header.hash);
  client.onFinalization(response);
  assert.equal(client.head.height, 32724390n);
  assert.equal(client.beyondVerifiedEpochs(response), null, 'at its head, the block is no longer beyond');
  assert.throws(() => client.onHeaders([JSON.stringify({ jsonrpc: '2.0', id: 2, error: { code: -32000, message: 'no' } })]), (e) => typeof e.code === 'string');
  client.destroy();
});
