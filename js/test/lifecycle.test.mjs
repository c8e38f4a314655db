// The client's lifecycle in the installed package, against `tempo-light devnet` or an
// unreachable port: events, ready()/waitSynced(), one follow() per client, reconnecting
// forever with a capped backoff, destroy() during follow() (pending work rejects with
// Destroyed; no listener or timer left behind), persistence through a storage adapter
// (corrupt or foreign state refused and left in place), and subscriptions with `request`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { createServer } from 'node:net';
import {
  TempoLightClient, TempoLightError, UsageError, DestroyedError, StorageError, MalformedInputError,
  VerificationError, init, isInitialized,
} from 'tempo-light';
import { devnet } from './support/devnet.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

/** A loopback port nothing listens on. */
async function deadPort() {
  const server = createServer();
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  return port;
}

test('init() is idempotent; Node needs no init for the sync APIs', async () => {
  await Promise.all([init(), init()]);
  await init();
  assert.equal(isInitialized(), true);
});

test('events, ready() and waitSynced() while following a devnet', { timeout: 60000 }, async () => {
  const { port, identity } = await devnet([]);
  const client = await TempoLightClient.create({ network: { identity, epochLength: 5 } });
  const statuses = [];
  const finalized = [];
  const rotations = [];
  const superseded = [];
  client.on('status', (s) => statuses.push(s));
  client.on('finalized', (e) => finalized.push(e));
  client.on('rotation', (e) => rotations.push(e));
  client.on('presetSuperseded', (e) => superseded.push(e));
  const controller = new AbortController();
  const following = client.follow({ rpc: `http://127.0.0.1:${port}`, pollMs: 20, signal: controller.signal });
  await client.ready({ timeoutMs: 20000 });
  assert.ok(client.head);
  await client.waitSynced({ timeoutMs: 20000 });
  assert.equal(client.status, 'synced');
  while (rotations.length === 0) await sleep(50);
  controller.abort();
  await following;
  assert.ok(finalized.length > 0 && finalized.every((e) => e.type === 'finalized'));
  assert.ok(rotations.every((e) => e.type === 'epoch' && e.rotated));
  assert.ok(statuses.includes('syncing') && statuses.includes('synced') && statuses.at(-1) === 'stopped');
  // A rotation on a custom network is announced as `presetSuperseded` (informational).
  assert.ok(superseded.length >= 1 && superseded[0].type === 'presetSuperseded');
  assert.ok(client.listenerCount() === 4);
  client.destroy();
  assert.equal(client.listenerCount(), 0, 'destroy removes the listeners');
  assert.equal(client.status, 'destroyed');
});

test('a second follow() on one client is a typed error; the first goes on', { timeout: 60000 }, async () => {
  const { port, identity } = await devnet([]);
  const client = TempoLightClient.custom({ identity, epochLength: 5 });
  const controller = new AbortController();
  const first = client.follow({ rpc: `http://127.0.0.1:${port}`, pollMs: 20, signal: controller.signal });
  assert.equal(client.following, true);
  await assert.rejects(client.follow({ rpc: `http://127.0.0.1:${port}` }),
    (e) => e instanceof UsageError && e instanceof TempoLightError && e.code === 'FollowActive' && e.retryable === false);
  await client.ready({ timeoutMs: 20000 });
  controller.abort();
  await first;
  assert.equal(client.following, false);
  // Once stopped, following again is fine.
  const again = new AbortController();
  const second = client.follow({ rpc: `http://127.0.0.1:${port}`, pollMs: 20, signal: again.signal });
  await client.waitSynced({ timeoutMs: 20000 });
  again.abort();
  await second;
  client.destroy();
});

test('an unreachable server: follow() retries forever with a capped backoff until aborted, no listener piles up', { timeout: 30000 }, async () => {
  const port = await deadPort();
  const client = TempoLightClient.mainnet();
  const controller = new AbortController();
  const errors = [];
  const at = [];
  const baseline = timers();
  const following = client.follow({
    rpc: `http://127.0.0.1:${port}`, signal: controller.signal, retryDelayMs: 5, maxRetryDelayMs: 40,
    onError: (e) => { errors.push(e); at.push(performance.now()); },
  });
  let maxListeners = 0;
  const started = performance.now();
  while (performance.now() - started < 2500) {
    maxListeners = Math.max(maxListeners, getEventListeners(controller.signal, 'abort').length);
    await sleep(3);
  }
  assert.ok(errors.length >= 30, `kept retrying: ${errors.length} errors in 2.5 s`);
  assert.ok(errors.every((e) => e instanceof TempoLightError && e.code === 'RpcUnavailable' && e.retryable));
  const gaps = at.slice(5).map((t, i) => t - at[i + 4]);
  assert.ok(Math.max(...gaps) < 40 + 200, `backoff capped: the longest gap ${Math.max(...gaps)} ms`);
  assert.ok(maxListeners <= 3, `at most 3 abort listeners on the signal at a time (saw ${maxListeners})`);
  assert.equal(client.status, 'stalled');
  controller.abort();
  await following;
  assert.equal(client.status, 'stopped');
  assert.equal(getEventListeners(controller.signal, 'abort').length, 0, 'no listener left on the signal');
  await sleep(20);
  assert.ok(timers() <= baseline, `no timer left behind (${timers()} > ${baseline})`);
  client.destroy();
});

test('destroy() during follow(): follow resolves, pending work rejects with Destroyed, nothing left behind', { timeout: 60000 }, async () => {
  const { port, identity, holders } = await devnet([]);
  const client = TempoLightClient.custom({ identity, epochLength: 5 });
  const baseline = timers();
  const errors = [];
  client.on('error', (e) => errors.push(e));
  const following = client.follow({ rpc: `http://127.0.0.1:${port}`, pollMs: 20 });
  await client.ready({ timeoutMs: 20000 });
  // Work pending at the destroy: a balance proof asked of a server that never answers.
  const silent = createServer((socket) => socket.on('error', () => {}));
  await new Promise((r) => silent.listen(0, '127.0.0.1', r));
  const balance = client.getVerifiedBalance({ token: '0x20C0000000000000000000000000000000000000', account: holders[1], rpc: `http://127.0.0.1:${silent.address().port}`, timeoutMs: 60000 });
  await sleep(100);
  client.destroy();
  await following; // resolves
  await assert.rejects(balance, (e) => e instanceof DestroyedError && e.code === 'Destroyed' && e.retryable === false);
  await assert.rejects(client.ready(), (e) => e instanceof DestroyedError);
  await assert.rejects(client.waitSynced(), (e) => e instanceof DestroyedError);
  await assert.rejects(client.follow({ rpc: `http://127.0.0.1:${port}` }), (e) => e instanceof DestroyedError);
  assert.throws(() => client.nextRequest(), (e) => e instanceof DestroyedError);
  assert.throws(() => client.head, (e) => e instanceof DestroyedError);
  silent.close();
  silent.closeAllConnections?.();
  assert.ok(!errors.some((e) => /null pointer/.test(e.message)), 'no use of freed memory');
  assert.equal(client.listenerCount(), 0);
  await sleep(50);
  assert.ok(timers() <= baseline, `no timer left behind (${timers()} > ${baseline})`);
});

test('subscriptions over a ws `rpc` also when `request` answers the other calls', { timeout: 60000 }, async () => {
  const { port, identity } = await devnet([]);
  const client = TempoLightClient.custom({ identity, epochLength: 5 });
  const methods = new Set();
  const request = async ({ method, params }) => {
    methods.add(method);
    const r = await fetch(`http://127.0.0.1:${port}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
    const body = await r.json();
    if (body.error) throw Object.assign(new Error(body.error.message), { code: body.error.code });
    return body.result;
  };
  const controller = new AbortController();
  const seen = [];
  await client.follow({
    request, rpc: `ws://127.0.0.1:${port}`, signal: controller.signal, pollMs: 50,
    onFinalized: (e) => { if (e.seen !== null) seen.push(e); if (seen.length >= 3) controller.abort(); },
  });
  assert.ok(seen.length >= 3 && seen.every((e) => typeof e.seen === 'bigint'), 'finalized events came from the subscription');
  client.destroy();
});

test('storage: saved after every advance, resumed, corrupt or foreign state refused and left in place', { timeout: 60000 }, async () => {
  const { port, identity } = await devnet([]);
  const saved = new Map();
  let writes = 0;
  const storage = { get: async (k) => saved.get(k), set: async (k, v) => { writes += 1; saved.set(k, v); } };
  const network = { identity, epochLength: 5, chainId: 1337 };
  const client = await TempoLightClient.create({ network, storage });
  const controller = new AbortController();
  let advances = 0;
  await client.follow({ rpc: `http://127.0.0.1:${port}`, pollMs: 20, signal: controller.signal, onFinalized: () => { if (++advances >= 5) controller.abort(); } });
  assert.ok(writes >= 4, `saved after the advances (${writes} writes)`);
  const [key] = saved.keys();
  const head = client.head;
  client.destroy();
  const resumed = await TempoLightClient.create({ network, storage });
  assert.equal(resumed.head.height, head.height, 'resumed from the last saved head');
  assert.equal(resumed.head.hash, head.hash);
  resumed.destroy();

  // Corrupt: refused with a typed error, and the stored value is left exactly as it was.
  saved.set(key, '{"version":1,"garbage":');
  await assert.rejects(TempoLightClient.create({ network, storage }),
    (e) => e instanceof StorageError && e.code === 'StorageCorrupt' && e.retryable === false && e.message.includes(key));
  assert.equal(saved.get(key), '{"version":1,"garbage":');
  // Another network's state under the key: refused too, and left exactly as it was.
  const foreign = TempoLightClient.mainnet().toState();
  saved.set(key, foreign);
  await assert.rejects(TempoLightClient.create({ network, storage }),
    (e) => e instanceof StorageError && e.code === 'StorageMismatch' && e.retryable === false);
  assert.equal(saved.get(key), foreign);
  // So is the state of a network with the same chain id and epoch length but another identity.
  const other = TempoLightClient.custom({ ...network, identity: TempoLightClient.mainnet().identityFor(0) }).toState();
  saved.set(key, other);
  await assert.rejects(TempoLightClient.create({ network, storage }),
    (e) => e instanceof StorageError && e.code === 'StorageMismatch' && e.retryable === false);
  assert.equal(saved.get(key), other);
  // A broken adapter: a typed, retryable error.
  await assert.rejects(TempoLightClient.create({ network, storage: { get: () => { throw new Error('disk gone'); }, set() {} } }),
    (e) => e instanceof StorageError && e.code === 'StorageUnavailable' && e.retryable === true);
  await assert.rejects(TempoLightClient.create({ network, storage: {} }), (e) => e instanceof UsageError && e.code === 'InvalidInput');
});

test('state passed to create() is checked against the network it is created for', async () => {
  const mainnet = TempoLightClient.mainnet().toState();
  const testnet = TempoLightClient.testnet().toState();
  // A blob carrying another identity does not become "mainnet"; nor does a testnet state.
  const forged = JSON.parse(mainnet);
  forged.network.builtin[0].identity = TempoLightClient.testnet().identityFor(51);
  for (const state of [testnet, JSON.stringify(forged), forged]) {
    await assert.rejects(TempoLightClient.create({ network: 'mainnet', state }),
      (e) => e instanceof MalformedInputError && e.code === 'NetworkMismatch' && /another network/.test(e.message));
  }
  const resumed = await TempoLightClient.create({ network: 'mainnet', state: mainnet });
  assert.equal(resumed.network.name, 'mainnet');
  resumed.destroy();
  // fromState with the network it is loaded for checks it too.
  assert.throws(() => TempoLightClient.fromState(testnet, 'mainnet'), (e) => e.code === 'NetworkMismatch');
  assert.equal(TempoLightClient.fromState(mainnet, 'mainnet').network.name, 'mainnet');
  // More identities than a client keeps: refused for the count, before any is decoded.
  const many = JSON.parse(mainnet);
  many.identities = Array.from({ length: 65 }, (_, i) => ({ fromEpoch: i, identity: '0x00' }));
  await assert.rejects(TempoLightClient.create({ network: 'mainnet', state: many }),
    (e) => e instanceof MalformedInputError && e.code === 'InvalidState' && /more than 64/.test(e.message));
});

test('wasm errors are typed subclasses', () => {
  const client = TempoLightClient.mainnet();
  assert.throws(() => client.verify({ certificate: '0xzz', header: {} }), (e) => e instanceof TempoLightError && typeof e.code === 'string');
  assert.throws(() => client.verifyProof({}, { stateRoot: '0x' + '11'.repeat(32) }), (e) => e instanceof TempoLightError && e.retryable === false);
  assert.throws(() => TempoLightClient.fromState('{"version":9}'), (e) => e instanceof MalformedInputError && e.code === 'InvalidState');
  assert.throws(() => client.on('nope', () => {}), (e) => e instanceof UsageError);
  const [entry] = client.verifyBatch([{ certificate: '0x00', header: {} }]);
  assert.equal(entry.ok, false);
  assert.ok(entry.error instanceof TempoLightError);
  assert.ok(VerificationError.prototype instanceof TempoLightError);
  client.destroy();
});

/** A minimal EIP-1193 provider over a WebSocket (as a wallet's would be), with `message` events. */
function wsProvider(url) {
  const socket = new WebSocket(url);
  const opened = new Promise((resolve, reject) => { socket.onopen = resolve; socket.onerror = reject; });
  const pending = new Map();
  const listeners = new Set();
  let id = 0;
  socket.onmessage = ({ data }) => {
    const body = JSON.parse(data);
    if (body.id !== undefined && pending.has(body.id)) {
      const { resolve, reject } = pending.get(body.id);
      pending.delete(body.id);
      if (body.error) reject(Object.assign(new Error(body.error.message), { code: body.error.code })); else resolve(body.result);
    } else if (body.params?.subscription !== undefined) {
      for (const fn of listeners) fn({ type: 'eth_subscription', data: body.params });
    }
  };
  return {
    async request({ method, params }) {
      await opened;
      const n = ++id;
      return new Promise((resolve, reject) => {
        pending.set(n, { resolve, reject });
        socket.send(JSON.stringify({ jsonrpc: '2.0', id: n, method, params }));
      });
    },
    on(event, fn) { if (event === 'message') listeners.add(fn); },
    removeListener(event, fn) { listeners.delete(fn); },
    listeners,
    close() { socket.close(); },
  };
}

test('subscriptions through an EIP-1193 provider that emits message events', { timeout: 60000, skip: typeof WebSocket !== 'function' && 'no WebSocket' }, async () => {
  const { port, identity } = await devnet([]);
  const client = TempoLightClient.custom({ identity, epochLength: 5 });
  const provider = wsProvider(`ws://127.0.0.1:${port}`);
  const controller = new AbortController();
  const seen = [];
  await client.follow({
    provider, signal: controller.signal, pollMs: 50,
    onFinalized: (e) => { if (e.seen !== null) seen.push(e); if (seen.length >= 3) controller.abort(); },
  });
  assert.ok(seen.length >= 3 && seen.every((e) => typeof e.seen === 'bigint'), 'finalized events came through the provider');
  assert.equal(provider.listeners.size, 0, 'the message listener was removed when follow() ended');
  provider.close();
  client.destroy();
});

test('a callback that throws is reported as ListenerFailed and following goes on', { timeout: 60000 }, async () => {
  const { port, identity } = await devnet([]);
  const client = TempoLightClient.custom({ identity, epochLength: 5 });
  const controller = new AbortController();
  const errors = [];
  let calls = 0;
  await client.follow({
    rpc: `http://127.0.0.1:${port}`, pollMs: 20, signal: controller.signal,
    onError: (e) => errors.push(e),
    onFinalized: () => { if (++calls >= 3) controller.abort(); throw new Error('a bug in the app'); },
  });
  assert.equal(calls, 3, 'following went on after the first exception');
  // (Other errors may be the devnet's retryable 'not ready yet' at its start.)
  const failed = errors.filter((e) => e.code === 'ListenerFailed');
  assert.equal(failed.length, 3, errors.map((e) => e.code).join());
  assert.ok(failed.every((e) => e instanceof UsageError && /a bug in the app/.test(e.message) && e.retryable === false));
  assert.ok(errors.every((e) => e.code === 'ListenerFailed' || e.retryable), 'nothing else went wrong');
  client.destroy();
});
