// `follow()` of the installed package against `tempo-light devnet` on loopback: over HTTP,
// over a WebSocket subscription, and through a caller's EIP-1193 `request` function; and a
// lying devnet stops it with a typed, non-retryable error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TempoLightClient, VerificationError } from 'tempo-light';
import { devnet } from './support/devnet.mjs';

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

// An EIP-1193 `request` function over the devnet's HTTP endpoint; `onAnswer(method)` runs
// when an answer has arrived, before it is returned.
const eip1193 = (http, onAnswer) => async ({ method, params }) => {
  const r = await fetch(http, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  const body = await r.json();
  if (body.error) throw Object.assign(new Error(body.error.message), { code: body.error.code });
  onAnswer?.(method);
  return body.result;
};

for (const transport of ['http', 'websocket', 'eip1193']) {
  test(`follows across rotations over ${transport}`, { timeout: 60000 }, async () => {
    const { port, identity } = await devnet([]);
    const client = TempoLightClient.custom({ identity, epochLength: 5 });
    const http = `http://127.0.0.1:${port}`;
    const options = transport === 'http' ? { rpc: http }
      : transport === 'websocket' ? { rpc: `ws://127.0.0.1:${port}` }
      : { request: eip1193(http) };
    const { finalized, epochs } = await followUntil(client, options, 30n);
    assert.ok(finalized.at(-1).height >= 30n);
    assert.ok(finalized.every((e, i) => i === 0 || e.height > finalized[i - 1].height), 'ascending');
    assert.ok(epochs.some((e) => e.rotated), 'a rotation was followed');
    if (transport === 'websocket') assert.ok(finalized.some((e) => typeof e.seen === 'bigint'), 'subscription events carry seen');
    assert.equal(client.status, 'stopped');
    client.free();
  });
}

// Catch-up takes runs of boundaries (`boundariesWanted`, `onBoundaries`): decided exactly as
// one at a time. Two clients bridge from the genesis identity to the same tip, one boundary
// per `onFinalization`, the other in runs; their events and saved states must be the same.
test('a run of boundaries is taken exactly as each boundary in turn', { timeout: 60000 }, async () => {
  const { port, identity } = await devnet([], { blockTimeMs: 10 });
  const http = `http://127.0.0.1:${port}`;
  const call = eip1193(http);
  let tip;
  do {
    await new Promise((r) => setTimeout(r, 100));
    tip = await call({ method: 'consensus_getFinalization', params: ['latest'] });
  } while (Number(tip.block.header.number) < 5 * 14);
  const json = (events) => JSON.stringify(events, (_, v) => (typeof v === 'bigint' ? v.toString() : v));
  const fetchAt = (height) => call({ method: 'consensus_getFinalization', params: [{ height: Number(height) }] });

  const single = TempoLightClient.custom({ identity, epochLength: 5 });
  const singleEvents = [...single.onFinalization(tip)];
  let singleCalls = 0;
  for (let next = single.nextRequest(); next?.type === 'finalization'; next = single.nextRequest()) {
    singleEvents.push(...single.onFinalization(await fetchAt(next.height)));
    singleCalls += 1;
  }

  const runs = TempoLightClient.custom({ identity, epochLength: 5 });
  const runEvents = [...runs.onFinalization(tip)];
  const lengths = [];
  for (let next = runs.nextRequest(); next?.type === 'finalization'; next = runs.nextRequest()) {
    const heights = runs.boundariesWanted(4);
    if (heights.length === 0) {
      runEvents.push(...runs.onFinalization(await fetchAt(next.height)));
      lengths.push(1);
    } else {
      assert.equal(BigInt(heights[0]), next.height, 'a run starts where nextRequest points');
      runEvents.push(...runs.onBoundaries(await Promise.all(heights.map(fetchAt))));
      lengths.push(heights.length);
    }
  }
  assert.ok(singleEvents.filter((e) => e.type === 'epoch').length >= 12, 'a dozen epochs bridged');
  assert.ok(lengths.some((n) => n > 1), `runs were taken (${lengths})`);
  assert.ok(lengths.length < singleCalls, `fewer calls in runs (${lengths.length} against ${singleCalls})`);
  assert.equal(json(runEvents), json(singleEvents));
  assert.equal(runs.toState(), single.toState());
  single.free();
  runs.free();
});

test('follow bridges epochs in runs of boundaries', { timeout: 60000 }, async () => {
  const { port, identity } = await devnet([], { blockTimeMs: 10 });
  const http = `http://127.0.0.1:${port}`;
  let height = 0;
  while (height < 5 * 12) {
    await new Promise((r) => setTimeout(r, 100));
    const tip = await eip1193(http)({ method: 'consensus_getFinalization', params: ['latest'] });
    height = Number(tip.block.header.number);
  }
  const client = TempoLightClient.custom({ identity, epochLength: 5 });
  const lengths = [];
  client.onBoundaries = function (run) { lengths.push(run.length); return TempoLightClient.prototype.onBoundaries.call(this, run); };
  const { epochs } = await followUntil(client, { rpc: http }, BigInt(height));
  assert.ok(lengths.some((n) => n > 1), `runs were taken (${lengths})`);
  assert.ok(epochs.every((e, i) => i === 0 || e.epoch === epochs[i - 1].epoch + 1n), 'every epoch, in order');
  assert.ok(epochs.some((e) => e.rotated), 'a rotation inside the catch-up');
  client.free();
});

test('a block signed by a retired preset past the learnt epochs is refused (IdentityNotBridged)', { timeout: 60000 }, async () => {
  // Same seed, same genesis key: one devnet rotates it every 2 epochs, the other never does,
  // so its blocks are what the retired key signs at any epoch.
  const rotating = await devnet([]);
  const steady = await devnet([], { fullDkgEvery: 0 });
  assert.equal(steady.identity, rotating.identity);
  const client = TempoLightClient.custom({ identity: rotating.identity, epochLength: 5 });
  const { epochs } = await followUntil(client, { rpc: `http://127.0.0.1:${rotating.port}` }, 16n);
  assert.ok(epochs.some((e) => e.rotated), 'the client learnt a rotation');
  const target = client.head.height + 20n;
  let forged;
  for (let i = 0; i < 200; i++) {
    forged = await eip1193(`http://127.0.0.1:${steady.port}`)({ method: 'consensus_getFinalization', params: ['latest'] });
    if (BigInt(forged.block.header.number) >= target) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(BigInt(forged.block.header.number) >= target, 'the steady devnet reached a far-future epoch');
  const before = client.toState();
  assert.throws(() => client.verify(forged), (e) => e instanceof VerificationError && e.code === 'IdentityNotBridged');
  assert.equal(client.toState(), before);
  // A client that learnt nothing trusts its preset, as configured.
  const fresh = TempoLightClient.custom({ identity: rotating.identity, epochLength: 5 });
  assert.equal(fresh.verify(forged).height, BigInt(forged.block.header.number));
  client.free();
  fresh.free();
});

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

// "Stop" and the page's "Forget" abort follow while an answer may be on its way. That answer
// must not land: a late onFinalized would save the state that Forget just removed.
test('an answer in flight when follow is aborted changes nothing and calls nothing back', { timeout: 60000 }, async () => {
  const { port, identity } = await devnet([]);
  const http = `http://127.0.0.1:${port}`;
  let abortOnAnswer = null;
  // When an answer has arrived, the caller aborts before follow sees it.
  const request = eip1193(http, (method) => {
    if (abortOnAnswer && method === 'consensus_getFinalization') abortOnAnswer.abort();
  });
  // Wait for the devnet's first finalization, so that the only thing to happen is the abort.
  for (;;) {
    try { if (await request({ method: 'consensus_getFinalization', params: ['latest'] })) break; } catch {}
    await new Promise((r) => setTimeout(r, 50));
  }
  const client = TempoLightClient.custom({ identity, epochLength: 5 });
  const calls = [];
  const callbacks = {
    onEvent: (e) => calls.push(e.type),
    onFinalized: () => calls.push('onFinalized'),
    onEpoch: () => calls.push('onEpoch'),
    onError: (e) => calls.push(`onError ${e.code}`),
  };

  // On a fresh client: the first answer is dropped, the client stays without a head.
  abortOnAnswer = new AbortController();
  await client.follow({ request, signal: abortOnAnswer.signal, pollMs: 30, ...callbacks });
  assert.deepEqual(calls, []);
  assert.equal(client.head, null);

  // With a head: follow a while, then abort as the next answer arrives.
  const { finalized } = await followUntil(client, { request }, 12n);
  const head = client.head;
  const state = client.toState();
  abortOnAnswer = new AbortController();
  await client.follow({ request, signal: abortOnAnswer.signal, pollMs: 30, ...callbacks });
  assert.deepEqual(calls, []);
  assert.equal(client.head.height, head.height);
  assert.equal(client.toState(), state);
  assert.ok(finalized.length > 0);
  client.free();
});
