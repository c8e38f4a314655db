// `follow()` of the installed package against `tempo-light devnet` on loopback: over HTTP,
// over a WebSocket subscription, and through a caller's EIP-1193 `request` function; and a
// lying devnet stops it with a typed, non-retryable error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TempoLightClient } from 'tempo-light';
import { devnet } from './devnet.mjs';

async function followUntil(client, options, height) {
  const controller = new AbortController();
  const finalized = [];
  const epochs = [];
  await client.follow({
    ...options,
    signal: controller.signal,
    pollMs: 30,
    onFinalized: (e) => { finalized.push(e); if (e.height >= height) controller.abort(); },
    onEpoch: (e) => epochs.push(e),
  });
  return { finalized, epochs };
}

for (const transport of ['http', 'websocket', 'eip1193']) {
  test(`follows across rotations over ${transport}`, { timeout: 60000 }, async () => {
    const { port, identity } = await devnet([]);
    const client = TempoLightClient.custom({ identity, epochLength: 5 });
    const http = `http://127.0.0.1:${port}`;
    const options = transport === 'http' ? { rpc: http }
      : transport === 'websocket' ? { rpc: `ws://127.0.0.1:${port}` }
      : { request: async ({ method, params }) => {
          const r = await fetch(http, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
          const body = await r.json();
          if (body.error) throw Object.assign(new Error(body.error.message), { code: body.error.code });
          return body.result;
        } };
    const { finalized, epochs } = await followUntil(client, options, 30n);
    assert.ok(finalized.at(-1).height >= 30n);
    assert.ok(finalized.every((e, i) => i === 0 || e.height > finalized[i - 1].height), 'ascending');
    assert.ok(epochs.some((e) => e.rotated), 'a rotation was followed');
    if (transport === 'websocket') assert.ok(finalized.some((e) => typeof e.seen === 'bigint'), 'subscription events carry seen');
    assert.equal(client.status, 'stopped');
    client.free();
  });
}

test('a lying devnet stops follow with a typed error', { timeout: 60000 }, async () => {
  const { port, identity } = await devnet(['--fault', 'header-mismatch']);
  const client = TempoLightClient.custom({ identity, epochLength: 5 });
  const errors = [];
  await assert.rejects(
    client.follow({ rpc: `http://127.0.0.1:${port}`, pollMs: 30, onError: (e) => errors.push(e) }),
    (e) => e.code === 'DigestMismatch' && e.retryable === false,
  );
  assert.equal(client.status, 'stopped');
  assert.equal(client.head, null, 'nothing was accepted');
  assert.equal(errors.at(-1).code, 'DigestMismatch');
});
