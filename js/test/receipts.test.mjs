// The verified provider's eth_getTransactionByHash and eth_getTransactionReceipt, through
// viem's `custom()` transport, against `tempo-light devnet`: viem's getTransaction and
// getTransactionReceipt return the devnet's transactions (legacy, 0x02, 0x76), every proven
// field equal to the devnet's own unverified answer; a transaction in no final block is
// `null` (viem: not found) and waitForTransactionReceipt resolves once it is final; every
// payment fault of the devnet is refused (-32099 with the rule's code) and never reaches viem.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicClient, custom, defineChain } from 'viem';
import { createVerifiedProvider, TempoLightClient, ProviderRpcError } from 'tempo-light';
import { devnet } from './support/devnet.mjs';

const EPOCH_LENGTH = 5;
const devnetChain = (port) => defineChain({
  id: 1337,
  name: 'tempo-light devnet',
  nativeCurrency: { name: 'none', symbol: 'NONE', decimals: 18 },
  rpcUrls: { default: { http: [`http://127.0.0.1:${port}`] } },
});

async function call(port, method, params) {
  const answer = await (await fetch(`http://127.0.0.1:${port}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  })).json();
  return answer.result;
}

/** The hashes of block `height`'s transactions, in order. */
async function hashes(port, height) {
  const block = await call(port, 'eth_getBlockByNumber', [`0x${height.toString(16)}`, false]);
  return block.transactions;
}

async function finalAt(client, height) {
  await client.ready({ timeoutMs: 20000 });
  while (client.head.height < height) await new Promise((r) => setTimeout(r, 20));
}

function setup(port, identity, extra = {}, transport = {}) {
  const provider = createVerifiedProvider({
    network: { identity, epochLength: EPOCH_LENGTH, chainId: 1337 },
    rpc: `http://127.0.0.1:${port}`,
    followOptions: { pollMs: 30 },
    ...extra,
  });
  const viem = createPublicClient({ chain: devnetChain(port), transport: custom(provider, transport), cacheTime: 0 });
  return { provider, viem };
}

// The devnet reports the maximum fee as `gasPrice`/`effectiveGasPrice`; the provider reports
// what was paid (the header's base fee, priority fee 0): compared apart. `feeToken` and
// `feeRecipient` are not proven (left out by the provider).
const UNPROVEN = new Set(['gasPrice', 'effectiveGasPrice', 'feeToken', 'feeRecipient']);

test('viem gets the devnet\'s transactions and receipts, proven, every proven field as the devnet answers', { timeout: 120000 }, async () => {
  const { port, identity } = await devnet([]);
  const { provider, viem } = setup(port, identity);
  try {
    const client = await provider.client();
    await finalAt(client, 13n);
    const types = new Map();
    let compared = 0;
    for (let h = 1n; h <= 12n; h++) {
      const header = await call(port, 'eth_getBlockByNumber', [`0x${h.toString(16)}`, false]);
      for (const hash of header.transactions) {
        const ownTx = await call(port, 'eth_getTransactionByHash', [hash]);
        const ownReceipt = await call(port, 'eth_getTransactionReceipt', [hash]);
        const tx = await provider.request({ method: 'eth_getTransactionByHash', params: [hash] });
        const receipt = await provider.request({ method: 'eth_getTransactionReceipt', params: [hash] });
        for (const [k, v] of Object.entries(ownTx)) {
          if (!UNPROVEN.has(k)) assert.deepEqual(tx[k], v, `${hash} transaction.${k}`);
        }
        for (const [k, v] of Object.entries(ownReceipt)) {
          if (!UNPROVEN.has(k)) assert.deepEqual(receipt[k], v, `${hash} receipt.${k}`);
        }
        // What was paid per gas: the header's base fee (priority fee 0) for 0x02 and 0x76, the
        // gas price for legacy.
        const paid = tx.type === '0x0' ? ownTx.gasPrice : header.baseFeePerGas;
        assert.equal(receipt.effectiveGasPrice, paid);
        assert.equal(tx.gasPrice, paid);
        assert.equal(receipt.feeToken, undefined, 'not proven: left out');

        // Through viem.
        const viaViem = await viem.getTransactionReceipt({ hash });
        assert.equal(viaViem.transactionHash, hash);
        assert.equal(viaViem.blockNumber, h);
        assert.equal(viaViem.status, ownReceipt.status === '0x1' ? 'success' : 'reverted');
        assert.equal(viaViem.from, ownReceipt.from);
        assert.equal(viaViem.gasUsed, BigInt(ownReceipt.gasUsed));
        assert.equal(viaViem.logs.length, ownReceipt.logs.length);
        assert.deepEqual(viaViem.logs.map((l) => l.logIndex), ownReceipt.logs.map((l) => Number(l.logIndex)));
        const txViaViem = await viem.getTransaction({ hash });
        assert.equal(txViaViem.hash, hash);
        assert.equal(txViaViem.from, ownTx.from);
        assert.equal(txViaViem.blockNumber, h);
        assert.equal(txViaViem.nonce, Number(ownTx.nonce));
        types.set(tx.type, (types.get(tx.type) ?? 0) + 1);
        compared++;
      }
    }
    console.log(`# ${compared} transactions and receipts compared, by type: ${JSON.stringify(Object.fromEntries(types))}`);
    assert.ok(types.has('0x0') && types.has('0x2') && types.has('0x76'), [...types.keys()].join());

    // A hash of no transaction: null, which viem reports as not found.
    const unknown = `0x${'ab'.repeat(32)}`;
    assert.equal(await provider.request({ method: 'eth_getTransactionReceipt', params: [unknown] }), null);
    await assert.rejects(viem.getTransactionReceipt({ hash: unknown }), (e) => e.name === 'TransactionReceiptNotFoundError');
    await assert.rejects(viem.getTransaction({ hash: unknown }), (e) => e.name === 'TransactionNotFoundError');
    // Not a hash: invalid params.
    await assert.rejects(provider.request({ method: 'eth_getTransactionReceipt', params: ['0x12'] }),
      (e) => e instanceof ProviderRpcError && e.code === -32602);
  } finally {
    await provider.destroy();
  }
});

test('a transaction in no final block is null until it is final; waitForTransactionReceipt then resolves', { timeout: 120000 }, async () => {
  const { port, identity } = await devnet([]);
  const client = TempoLightClient.custom({ identity, epochLength: EPOCH_LENGTH });
  const rpc = `http://127.0.0.1:${port}`;
  // The client follows up to some head, then stops: the chain goes on without it.
  let controller = new AbortController();
  let following = client.follow({ rpc, signal: controller.signal, pollMs: 30 });
  await finalAt(client, 3n);
  controller.abort();
  await following;
  const head = client.head.height;
  const later = head + 3n;
  while (BigInt(await call(port, 'eth_blockNumber', [])) < later) await new Promise((r) => setTimeout(r, 20));
  const hash = (await hashes(port, later))[0];
  assert.ok(await call(port, 'eth_getTransactionReceipt', [hash]), 'the devnet has its receipt');

  const { provider, viem } = setup(port, identity, { client });
  try {
    assert.equal(await provider.request({ method: 'eth_getTransactionReceipt', params: [hash] }), null);
    assert.equal(await provider.request({ method: 'eth_getTransactionByHash', params: [hash] }), null);
    await assert.rejects(viem.getTransactionReceipt({ hash }), (e) => e.name === 'TransactionReceiptNotFoundError');
    // Following again: the block becomes final and viem's wait ends with the proven receipt.
    controller = new AbortController();
    following = client.follow({ rpc, signal: controller.signal, pollMs: 30 });
    const receipt = await viem.waitForTransactionReceipt({ hash, pollingInterval: 50, timeout: 30000 });
    assert.equal(receipt.blockNumber, later);
    assert.ok(client.head.height >= later);
  } finally {
    controller.abort();
    await following;
    await provider.destroy();
    client.destroy();
  }
});

test('every payment fault of the devnet is refused by the provider and never reaches viem', { timeout: 180000 }, async () => {
  // Block heights hold 1 + h % 4 transactions: each fault at a block where it bites.
  const faults = [
    [6, 0, 'forged-receipt', 'ReceiptsRootMismatch'],
    [5, 1, 'receipt-from-other-block', 'ReceiptFromOtherBlock'],
    [10, 1, 'missing-transaction', 'TransactionsRootMismatch'],
    [7, 2, 'reordered-receipts', 'ReceiptsReordered'],
    [9, 0, 'forged-log', 'LogsBloomMismatch'],
  ];
  const { port, identity } = await devnet(faults.flatMap(([h, , kind]) => ['--fault', `${kind}@${h}`]));
  // viem maps -32099 to its UnknownRpcError and retries it three times with backoff: the same
  // refusal each time, only slower.
  const { provider, viem } = setup(port, identity, {}, { retryCount: 0 });
  try {
    await finalAt(await provider.client(), 12n);
    for (const [height, index, kind, code] of faults) {
      const hash = (await hashes(port, height))[index];
      for (const method of ['eth_getTransactionReceipt', 'eth_getTransactionByHash']) {
        await assert.rejects(provider.request({ method, params: [hash] }), (e) =>
          e instanceof ProviderRpcError && e.code === -32099 && e.reason === code, `${method}: ${kind} at ${height}`);
      }
      await assert.rejects(viem.getTransactionReceipt({ hash }), (e) =>
        e.cause?.code === -32099 || e.code === -32099, `viem receipt: ${kind} at ${height}`);
      await assert.rejects(viem.getTransaction({ hash }), (e) =>
        e.cause?.code === -32099 || e.code === -32099, `viem transaction: ${kind} at ${height}`);
    }
    // A block between them is proven.
    const hash = (await hashes(port, 8))[0];
    const receipt = await viem.getTransactionReceipt({ hash });
    assert.equal(receipt.blockNumber, 8n);
  } finally {
    await provider.destroy();
  }
});

test('answers corrupted one byte at a time are refused with a typed error, never a trap or a wrong answer', { timeout: 120000 }, async () => {
  const { port, identity } = await devnet([]);
  let target = null;
  let seed = 7;
  const random = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
  // An upstream that answers honestly, except one hex digit of the `target` method's answer.
  const corrupt = (value) => {
    const text = JSON.stringify(value);
    const digits = [...text.matchAll(/0x[0-9a-f]+/g)].flatMap((m) => Array.from({ length: m[0].length - 2 }, (_, i) => m.index + 2 + i));
    if (digits.length === 0) return value;
    const at = digits[random(digits.length)];
    const digit = '0123456789abcdef'[(parseInt(text[at], 16) + 1 + random(15)) % 16];
    return JSON.parse(text.slice(0, at) + digit + text.slice(at + 1));
  };
  const request = async ({ method, params }) => {
    const result = await call(port, method, params);
    return method === target ? corrupt(result) : result;
  };
  // The provider that follows the chain has an honest upstream; each one asked has the corrupting one.
  const provider = createVerifiedProvider({ network: { identity, epochLength: EPOCH_LENGTH, chainId: 1337 }, rpc: `http://127.0.0.1:${port}`, followOptions: { pollMs: 30 } });
  try {
    await finalAt(await provider.client(), 10n);
    const hashesOf = await Promise.all([3, 6, 7].map((h) => hashes(port, h)));
    const candidates = hashesOf.flat();
    const honest = new Map();
    for (const hash of candidates) honest.set(hash, await call(port, 'eth_getTransactionReceipt', [hash]));
    const outcomes = {};
    for (let i = 0; i < 60; i++) {
      target = ['debug_getRawTransactions', 'eth_getBlockReceipts', 'consensus_getFinalization'][i % 3];
      const hash = candidates[random(candidates.length)];
      // A fresh provider cache each time: a proven answer is kept for good.
      const fresh = createVerifiedProvider({ client: await provider.client(), request });
      try {
        const receipt = await fresh.request({ method: 'eth_getTransactionReceipt', params: [hash] });
        // Accepted: the corruption touched nothing the proof covers (e.g. a claimed field it
        // does not read), and what came back is the honest receipt.
        for (const k of ['status', 'cumulativeGasUsed', 'gasUsed', 'logsBloom', 'from', 'to', 'blockHash', 'transactionIndex']) {
          assert.deepEqual(receipt[k], honest.get(hash)[k], `${target} corrupted: ${k}`);
        }
        outcomes.accepted = (outcomes.accepted ?? 0) + 1;
      } catch (e) {
        assert.ok(e instanceof ProviderRpcError, String(e));
        assert.notEqual(e.reason, 'Internal', e.message);
        outcomes[e.reason] = (outcomes[e.reason] ?? 0) + 1;
      } finally {
        await fresh.destroy();
      }
    }
    console.log(`# 60 corrupted answers: ${JSON.stringify(outcomes)}`);
    target = null;
    // The module still answers after all that.
    assert.equal((await provider.request({ method: 'eth_getTransactionReceipt', params: [candidates[0]] })).transactionHash, candidates[0]);
  } finally {
    await provider.destroy();
  }
});
