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
  for (const bad of [null, 42, 'not json', {}, { certificate: '0xzz', header: {} }, [], { certificate: fixture.finalization.certificate + '00', header: fixture.header }]) {
    assert.throws(() => client.verify(bad), (e) => typeof e.code === 'string');
  }
  assert.throws(() => TempoLightClient.custom({ identity: '0x00', epochLength: 20 }), (e) => e.code === 'InvalidInput');
  assert.throws(() => TempoLightClient.fromState('{"version":9}'), (e) => e.code === 'InvalidState');
  // The client still works after all that.
  assert.equal(client.verify(fixture).height, 32724390n);
});
