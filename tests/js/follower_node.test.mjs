// The installed package against `tempo-light devnet` behaving as a real Tempo follower node
// does (issue 14): `--ws-port` (WebSocket on its own port; the main port is HTTP only and
// each refuses the other protocol, as reth does), `--proof-window 0` (eth_getProof only at
// the execution head, reth's default: -32602 otherwise), `--execution-lag-ms 300` (a
// finalization is published before its block is executed: headers answer null and proofs
// -32001 until then). follow() in every-header mode and getVerifiedBalance, over the WS-only
// port and over the HTTP port.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TempoLightClient } from 'tempo-light';
import { devnet } from './devnet.mjs';

const PATH_USD = '0x20c0000000000000000000000000000000000000';
const FOLLOWER_NODE = ['--ws-port', '0', '--proof-window', '0', '--execution-lag-ms', '300'];

for (const over of ['the WebSocket-only port', 'the HTTP port']) {
  test(`follows every header and proves balances from a follower node over ${over}`, { timeout: 90000 }, async () => {
    const { port, wsPort, identity, holders } = await devnet(FOLLOWER_NODE, { blockTimeMs: 100 });
    assert.ok(wsPort, 'the devnet names its WebSocket port');
    const rpc = over === 'the HTTP port' ? `http://127.0.0.1:${port}` : `ws://127.0.0.1:${wsPort}`;
    const client = TempoLightClient.custom({ identity, epochLength: 5 });
    client.setEveryHeader(true);
    const controller = new AbortController();
    const heights = [];
    const errors = [];
    await client.follow({
      rpc,
      signal: controller.signal,
      pollMs: 50,
      retryDelayMs: 50,
      maxRetryDelayMs: 200,
      onError: (e) => errors.push(e.code),
      onHeaders: (e) => { for (const h of e.headers) heights.push(BigInt(h.height)); },
      onFinalized: (e) => { heights.push(e.height); if (e.height >= 25n) controller.abort(); },
    });
    // Every block from the first head on, once each, in order: headers not executed yet
    // (null) were retried, not taken as a failure.
    const unique = [...new Set(heights)].sort((a, b) => (a < b ? -1 : 1));
    assert.ok(unique.at(-1) >= 25n);
    assert.equal(unique.length, Number(unique.at(-1) - unique[0]) + 1, 'no block skipped');
    assert.ok(errors.every((code) => code === 'RpcUnavailable'), `only transient errors: ${errors}`);

    // The verified head is newer than what the node has executed (300 ms behind): the
    // balance is proven at a block that is both final and executed, named in the answer.
    const head = client.head;
    for (const options of [{ rpc }, {}]) {
      const b = await client.getVerifiedBalance({ token: PATH_USD, account: holders[1], ...options });
      assert.equal(b.symbol, 'pathUSD');
      assert.ok(b.height <= client.head.height && b.height > 0n);
      assert.match(b.stateRoot, /^0x[0-9a-f]{64}$/);
      if (b.height === head.height) assert.equal(b.stateRoot, head.stateRoot);
    }
    client.free();
  });
}

test('a dead follower node ends getVerifiedBalance after its bounded retries', { timeout: 60000 }, async () => {
  const { port, identity, holders } = await devnet(['--proof-window', '0', '--execution-lag-ms', '300'], { blockTimeMs: 100 });
  const rpc = `http://127.0.0.1:${port}`;
  const client = TempoLightClient.custom({ identity, epochLength: 5 });
  const controller = new AbortController();
  await client.follow({ rpc, signal: controller.signal, pollMs: 50, onFinalized: (e) => { if (e.height >= 8n) controller.abort(); } });
  // Nothing listens here: each attempt fails at once, and there are at most retries + 1.
  const started = Date.now();
  await assert.rejects(
    client.getVerifiedBalance({ token: PATH_USD, account: holders[0], rpc: 'http://127.0.0.1:9', retries: 2, timeoutMs: 2000 }),
    (e) => e.code === 'RpcUnavailable' && e.retryable === true,
  );
  assert.ok(Date.now() - started < 8000);
  client.free();
});
