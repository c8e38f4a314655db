// Verified TIP-20 balances from the installed package against `tempo-light devnet` on
// loopback: `getVerifiedBalance` at the verified head, the pure `verifyProof`, and the
// devnet's proof faults refused with their own codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TempoLightClient, verifyProof, verifyBalance } from 'tempo-light';
import { devnet } from './support/devnet.mjs';

const PATH_USD = '0x20c0000000000000000000000000000000000000';

/** The devnet's pathUSD balance of holder `i` at `height` (crates/devnet/src/state.rs, `balance`). */
function expected(i, height) {
  if (i >= 4) return 0n;
  const n = BigInt(i + 1);
  return n * 1_000_000_000n + ((height * 1_000_003n * n) % 1_000_000_000n);
}

async function followTo(client, rpc, height) {
  const controller = new AbortController();
  await client.follow({ rpc, signal: controller.signal, pollMs: 30, onFinalized: (e) => { if (e.height >= height) controller.abort(); } });
}

test('proves a TIP-20 balance at the verified head', { timeout: 60000 }, async () => {
  const { port, identity, holders } = await devnet([]);
  const rpc = `http://127.0.0.1:${port}`;
  const client = TempoLightClient.custom({ identity, epochLength: 5 });
  await assert.rejects(client.getVerifiedBalance({ token: PATH_USD, account: holders[0], rpc }), { code: 'NoStateRoot' });
  assert.throws(() => client.verifyProof({}), { code: 'NoStateRoot' });
  await followTo(client, rpc, 12n);
  const head = client.head;
  assert.match(head.stateRoot, /^0x[0-9a-f]{64}$/);
  // Over the endpoint follow() used, and over an explicit one.
  for (const options of [{}, { rpc }]) {
    for (const i of [0, 3, 4]) {
      const b = await client.getVerifiedBalance({ token: PATH_USD, account: holders[i], ...options });
      assert.equal(b.height, head.height);
      assert.equal(b.hash, head.hash);
      assert.equal(b.stateRoot, head.stateRoot);
      assert.equal(b.balance, expected(i, head.height));
      assert.equal(b.symbol, 'pathUSD');
      assert.equal(b.currency, 'USD');
      assert.equal(b.decimals, 6);
      assert.equal(typeof b.totalSupply, 'bigint');
    }
  }
  // The pure check, against the head.
  const query = client.balanceQuery(PATH_USD, holders[1]);
  const answer = await (await fetch(rpc, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: query.method, params: query.params }) })).json();
  const account = verifyProof(answer.result, head);
  assert.deepEqual(client.verifyProof(answer.result), account);
  assert.notEqual(account.account, null);
  assert.equal(account.storage[0].value, expected(1, head.height));
  assert.equal(verifyBalance(query, answer).balance, expected(1, head.height));
  // A forged value, and a proof checked against another root.
  const forged = structuredClone(answer.result);
  forged.storageProof[0].value = '0x1';
  assert.throws(() => verifyProof(forged, head), { code: 'ProofValueMismatch' });
  assert.throws(() => verifyProof(answer.result, { stateRoot: `0x${'11'.repeat(32)}` }), { code: 'ProofRootMismatch' });
  // A node altered by one byte.
  const altered = structuredClone(answer.result);
  const node = altered.accountProof[1];
  altered.accountProof[1] = node.slice(0, 10) + (node[10] === '0' ? '1' : '0') + node.slice(11);
  assert.throws(() => verifyProof(altered, head), { code: 'ProofNodeMismatch' });
  // Bad input is a typed error, not a trap.
  assert.throws(() => client.balanceQuery('0x1234', holders[0]), { code: 'InvalidInput' });
  assert.throws(() => client.balanceQuery(holders[0], holders[0]), { code: 'NotTip20' });
  assert.throws(() => verifyProof({ nonsense: true }, head), { code: 'InvalidJson' });
  assert.throws(() => verifyProof(answer.result, {}), { code: 'InvalidInput' });
  client.free();
});

for (const [fault, code] of [['forged-balance', 'ProofValueMismatch'], ['proof-wrong-root', 'ProofRootMismatch']]) {
  test(`a devnet with ${fault} is refused with ${code}`, { timeout: 60000 }, async () => {
    const { port, identity, holders } = await devnet(['--fault', fault]);
    const rpc = `http://127.0.0.1:${port}`;
    const client = TempoLightClient.custom({ identity, epochLength: 5 });
    await followTo(client, rpc, 6n);
    await assert.rejects(client.getVerifiedBalance({ token: PATH_USD, account: holders[0] }), (e) => e.code === code && e.retryable === false);
    client.free();
  });
}
