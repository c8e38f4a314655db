// The installed package against `tempo-light devnet` behaving as a real Tempo follower node
// does (issue 14): `--ws-port` (WebSocket on its own port; the main port is HTTP only and
// each refuses the other protocol, as reth does), `--proof-window 0` (eth_getProof only at
// the execution head, reth's default: -32602 otherwise), `--execution-lag-ms 300` (a
// finalization is published before its block is executed: headers answer null and proofs
// -32001 until then). follow() in every-header mode and getVerifiedBalance, over the WS-only
// port and over the HTTP port; getVerifiedBalance on a client that stopped following (its head
// stale, outside the node's proof window), and against a node that refuses every proof.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TempoLightClient, RpcError, AbortedError, DestroyedError } from 'tempo-light';
import { devnet } from './support/devnet.mjs';
import { refusingProxy } from './support/refusing-proxy.mjs';

const PATH_USD = '0x20c0000000000000000000000000000000000000';
const FOLLOWER_NODE = ['--ws-port', '0', '--proof-window', '0', '--execution-lag-ms', '300'];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const hex = (n) => `0x${n.toString(16)}`;
/** The devnet's pathUSD balance of its second holder at block `h` (crates/devnet). */
const expectedBalance = (h) => 2n * 1_000_000_000n + ((h * 1_000_003n * 2n) % 1_000_000_000n);

/** One JSON-RPC call straight to the devnet's HTTP port (what the devnet says). */
async function ask(port, method, params) {
  const r = await fetch(`http://127.0.0.1:${port}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  const body = await r.json();
  if (body.error) throw Object.assign(new Error(body.error.message), { rpcCode: body.error.code });
  return body.result;
}

/** A client that followed the devnet on `port` to block `height` or past it, then stopped. */
async function stoppedClient(port, identity, height) {
  const client = TempoLightClient.custom({ identity, epochLength: 5 });
  const controller = new AbortController();
  await client.follow({
    rpc: `http://127.0.0.1:${port}`, signal: controller.signal, pollMs: 50, retryDelayMs: 50, maxRetryDelayMs: 200,
    onFinalized: (e) => { if (e.height >= height) controller.abort(); },
  });
  return client;
}

/** Waits until the devnet has executed `height`. */
async function executed(port, height) {
  while (BigInt(await ask(port, 'eth_blockNumber', [])) < height) await sleep(50);
}

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

    // The verified head is newer than what the node has executed (300 ms behind), and the
    // node moves on past it (the client has stopped): the balance is proven at a block that is
    // both final and executed, named in the answer, with the devnet's value there.
    const head = client.head;
    for (const options of [{ rpc }, {}]) {
      const b = await client.getVerifiedBalance({ token: PATH_USD, account: holders[1], ...options });
      assert.equal(b.symbol, 'pathUSD');
      assert.ok(b.height > 0n);
      assert.equal(b.balance, expectedBalance(b.height));
      assert.equal(b.hash, (await ask(port, 'eth_getBlockByNumber', [hex(b.height), false])).hash);
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

for (const over of ['the WebSocket-only port', 'the HTTP port']) {
  test(`a client that stopped following proves a balance at a fresh final block past its stale head, over ${over}`, { timeout: 90000 }, async () => {
    // No new identity on this chain (the next test has rotations). Blocks every 250 ms: the
    // node proves only at its execution head, so the client's eth_blockNumber and the proof it
    // asks at once must both land within one block (CI saw every one of 9 attempts miss a
    // 100 ms block on a loaded 2-core machine).
    const { port, wsPort, identity, holders } = await devnet(FOLLOWER_NODE, { blockTimeMs: 250, fullDkgEvery: 0 });
    const rpc = over === 'the HTTP port' ? `http://127.0.0.1:${port}` : `ws://127.0.0.1:${wsPort}`;
    const client = await stoppedClient(port, identity, 8n);
    const stale = client.head;
    // The devnet moves on, several blocks past the stale head: the node no longer proves there.
    await executed(port, stale.height + 8n);
    await assert.rejects(ask(port, 'eth_getProof', [PATH_USD, [], hex(stale.height)]), (e) => e.rpcCode === -32602);

    const b = await client.getVerifiedBalance({ token: PATH_USD, account: holders[1], rpc });
    assert.ok(b.height > stale.height, `proven at block ${b.height}, above the stale head ${stale.height}`);
    // The value is the devnet's at that block, and the block is the devnet's.
    assert.equal(b.balance, expectedBalance(b.height));
    const block = await ask(port, 'eth_getBlockByNumber', [hex(b.height), false]);
    assert.equal(b.hash, block.hash);
    assert.equal(b.stateRoot, block.stateRoot);
    assert.equal(b.symbol, 'pathUSD');
    assert.equal(client.head.height, stale.height, 'pure: the client did not move');
    assert.equal(client.head.hash, stale.hash);
    client.free();
  });
}

test('a stale head epochs behind, across rotations of the identity: proven at a fresh block all the same, the client not moved', { timeout: 90000 }, async () => {
  // A new identity every 2 epochs: blocks 25 past the head are signed by one the client has
  // not learnt; a copy of it learns them (verifying each boundary), the client does not move.
  const { port, wsPort, identity, holders } = await devnet(FOLLOWER_NODE, { blockTimeMs: 100 });
  const client = await stoppedClient(port, identity, 6n);
  const stale = client.head;
  const state = client.toState();
  await executed(port, stale.height + 25n);
  for (const rpc of [`http://127.0.0.1:${port}`, `ws://127.0.0.1:${wsPort}`]) {
    const b = await client.getVerifiedBalance({ token: PATH_USD, account: holders[1], rpc });
    assert.ok(b.height >= stale.height + 25n, `proven at block ${b.height}, epochs past the stale head ${stale.height}`);
    assert.equal(b.balance, expectedBalance(b.height));
    assert.equal(b.hash, (await ask(port, 'eth_getBlockByNumber', [hex(b.height), false])).hash);
  }
  assert.equal(client.toState(), state, 'pure: the client learnt nothing and did not move');
  client.free();
});

for (const kind of ['http', 'ws']) {
  test(`a node that refuses every proof ends getVerifiedBalance with a retryable error naming its attempts, within its bound (${kind})`, { timeout: 90000 }, async () => {
    const { port, wsPort, identity, holders } = await devnet(FOLLOWER_NODE, { blockTimeMs: 100, fullDkgEvery: 0 });
    const proxy = await refusingProxy(kind === 'http' ? port : wsPort, kind);
    try {
      const client = await stoppedClient(port, identity, 6n);
      const stale = client.head;
      await executed(port, stale.height + 3n);
      const started = performance.now();
      await assert.rejects(
        client.getVerifiedBalance({ token: PATH_USD, account: holders[1], rpc: proxy.url, retries: 3 }),
        (e) => e instanceof RpcError && e.code === 'RpcUnavailable' && e.retryable === true && e.attempts === 4
          && /gave up after 4 attempts/.test(e.message) && /proof window/.test(e.message),
      );
      const elapsed = performance.now() - started;
      // One eth_getProof per attempt: the first at the head, each retry at a fresh final block.
      const asked = proxy.refused().map((h) => BigInt(h));
      assert.equal(asked.length, 4, `${asked}`);
      assert.equal(asked[0], stale.height);
      assert.ok(asked.slice(1).every((h, i) => h > stale.height && h >= asked[i]), `fresh blocks: ${asked}`);
      // Backoffs of 100, 200 and 400 ms between them, and nothing long: no 10 s timeout was
      // waited out (the upper bound is loose, for a loaded CI machine).
      assert.ok(elapsed >= 700 && elapsed < 10000, `${elapsed} ms`);
      client.free();
    } finally {
      await proxy.close();
    }
  });
}

test('signal and destroy() end getVerifiedBalance during its backoff at once', { timeout: 90000 }, async () => {
  const { port, identity, holders } = await devnet(FOLLOWER_NODE, { blockTimeMs: 100, fullDkgEvery: 0 });
  const proxy = await refusingProxy(port, 'http');
  try {
    const client = await stoppedClient(port, identity, 6n);
    const options = { token: PATH_USD, account: holders[1], rpc: proxy.url, retries: 50, retryDelayMs: 5000, maxRetryDelayMs: 5000 };
    const controller = new AbortController();
    let started = performance.now();
    const aborted = client.getVerifiedBalance({ ...options, signal: controller.signal });
    while (proxy.refused().length < 1) await sleep(10);
    controller.abort();
    await assert.rejects(aborted, (e) => e instanceof AbortedError && e.code === 'Aborted');
    assert.ok(performance.now() - started < 4500, 'not after the 5 s backoff');

    started = performance.now();
    const destroyed = client.getVerifiedBalance(options);
    while (proxy.refused().length < 2) await sleep(10);
    client.destroy();
    await assert.rejects(destroyed, (e) => e instanceof DestroyedError && e.code === 'Destroyed');
    assert.ok(performance.now() - started < 4500, 'not after the 5 s backoff');
  } finally {
    await proxy.close();
  }
});
