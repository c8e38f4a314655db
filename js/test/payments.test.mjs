// Proven payments from the installed package against `tempo-light devnet` on loopback (issue
// 15): `confirmPayment` reports unknown/pending → final and agrees with the native CLI on the
// same transaction; its PaymentProof is re-checked offline by the package and by the CLI, and
// the CLI's by the package; a proof with any single byte changed is refused; a failed payment
// and a wrong expectation are proven otherwise (`PaymentMismatchError` with the payment);
// every payment fault of the devnet is refused with its own code, over HTTP and WebSocket; an
// expectation without a token is refused before any request unless `anyToken: true`; `from`
// is checked; `txHash` binds a proof to its transaction.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  TempoLightClient, verifyPaymentProof, initPayments, PaymentMismatchError, PendingError, UsageError, VerificationError,
} from 'tempo-light';
import { devnet } from './support/devnet.mjs';

const EPOCH_LENGTH = 5;
const dir = mkdtempSync(join(tmpdir(), 'tempo-light-payments-'));

async function call(port, method, params) {
  const answer = await (await fetch(`http://127.0.0.1:${port}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  })).json();
  return answer.result;
}

async function waitFor(port, height) {
  for (;;) {
    if (BigInt(await call(port, 'eth_blockNumber', [])) >= height) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The hashes of block `height`'s transactions, in order. */
async function hashes(port, height) {
  const block = await call(port, 'eth_getBlockByNumber', [`0x${height.toString(16)}`, true]);
  return block.transactions.map((t) => t.hash);
}

/** `tempo-light <args> --json`: [exit code, the JSON object it printed]. */
function cli(args) {
  return new Promise((resolve) => {
    execFile(process.env.TEMPO_LIGHT_BIN, [...args, '--json'], (error, stdout) => {
      resolve([error ? error.code : 0, JSON.parse(stdout.trim().split('\n').pop())]);
    });
  });
}

const PATH_USD = '0x20c0000000000000000000000000000000000000';
const trust = (identity) => ['--identity', identity, '--epoch-length', String(EPOCH_LENGTH)];

/**
 * The first transaction from `from` on whose CLI confirmation satisfies `want` (the RPC's
 * receipt only picks candidates: `success` says which status to look for).
 */
async function find(port, identity, rpc, from, success, want) {
  for (let h = from; ; h++) {
    await waitFor(port, BigInt(h + 1));
    for (const hash of await hashes(port, h)) {
      const receipt = await call(port, 'eth_getTransactionReceipt', [hash]);
      if ((receipt.status === '0x1') !== success) continue;
      if (!want) return { hash };
      const [code, out] = await cli(['confirm', ...trust(identity), '--rpc', rpc, hash]);
      delete out.proof;
      if ((code === 0 || code === 1) && out.type === 'payment' && want(out)) return { hash, cliPayment: out };
    }
  }
}

/** The package's payment in the CLI's JSON shape (bigints as the CLI prints them). */
function asCli(p) {
  return {
    type: 'payment',
    transactionHash: p.transactionHash,
    success: p.success,
    height: Number(p.height),
    blockHash: p.blockHash,
    index: Number(p.index),
    txType: `0x${p.txType.toString(16)}`,
    gasUsed: p.gasUsed === null ? null : Number(p.gasUsed),
    transfers: p.transfers.map((t) => ({
      token: t.token, from: t.from, to: t.to, amount: t.amount.toString(), formatted: t.formatted,
      memo: t.memo, logIndex: Number(t.logIndex),
    })),
    certifiedHeight: Number(p.certifiedHeight),
    epoch: Number(p.epoch),
    identity: p.identity,
    timestamp: Number(p.timestampMillis),
  };
}

test('a devnet payment is confirmed (pending → final), agrees with the CLI, and its proof travels both ways', { timeout: 300000 }, async () => {
  const { port, wsPort, identity } = await devnet(['--ws-port', '0']);
  const rpc = `http://127.0.0.1:${port}`;
  const { hash, cliPayment } = await find(port, identity, rpc, 3, true, (p) => p.transfers.some((t) => t.memo));
  const transfer = cliPayment.transfers.find((t) => t.memo);
  const expected = { token: transfer.token, from: transfer.from, to: transfer.to, amount: BigInt(transfer.amount), memo: transfer.memo };
  for (const [endpoint, proofForm] of [[rpc, 'full'], [`ws://127.0.0.1:${wsPort}`, 'trie']]) {
    const client = TempoLightClient.custom({ identity, epochLength: EPOCH_LENGTH });
    const statuses = [];
    const { payment, proof } = await client.confirmPayment({
      hash, rpc: endpoint, ...expected, proofForm, pollMs: 50, onStatus: (s) => statuses.push(s.status),
    });
    // A fresh client has no final head: the payment is pending until it has followed there.
    assert.deepEqual([statuses[0], statuses.at(-1)], ['pending', 'final'], `${statuses}`);
    assert.equal(client.following, false, 'the follow() it ran meanwhile has stopped');
    assert.deepEqual(asCli(payment), cliPayment, 'the wasm core and the native CLI agree');
    assert.equal(typeof payment.transfers[0].amount, 'bigint');
    assert.equal(JSON.parse(proof).type, 'tempo-light/payment-proof');
    // Offline, by the package: under the network, and under the client's identities.
    const network = { identity, epochLength: EPOCH_LENGTH };
    assert.deepEqual(await verifyPaymentProof(proof, { network, expected }), payment);
    assert.deepEqual(await verifyPaymentProof(JSON.parse(proof), { network }), payment);
    assert.deepEqual(await client.verifyPaymentProof(proof, expected), payment);
    // ... and by the CLI.
    const file = join(dir, `js-${proofForm}.json`);
    writeFileSync(file, proof);
    const [code, out] = await cli(['verify-payment', ...trust(identity), file]);
    delete out.proof;
    assert.deepEqual([code, out], [0, cliPayment]);
    // Under another identity (the mainnet preset): refused.
    await assert.rejects(verifyPaymentProof(proof), (e) => e instanceof VerificationError || e.code === 'IdentityMismatch');
    client.destroy();
  }
  // A proof written by the CLI, verified by the package.
  const file = join(dir, 'cli.json');
  const [code] = await cli(['confirm', ...trust(identity), '--rpc', rpc, hash, '--proof-out', file, '--proof-form', 'trie']);
  delete cliPayment.proof;
  assert.equal(code, 0);
  const cliProof = readFileSync(file, 'utf8');
  const payment = await verifyPaymentProof(cliProof, { network: { identity, epochLength: EPOCH_LENGTH }, expected });
  assert.deepEqual(asCli(payment), cliPayment);

  // Every single byte of the proof's hex changed: refused, never accepted, never a crash.
  const network = { identity, epochLength: EPOCH_LENGTH };
  // Every hex digit of every hex value in the document.
  const positions = [];
  for (const m of cliProof.matchAll(/"(0x)?([0-9a-f]{2,})"/g)) {
    const start = m.index + 1 + (m[1] ? 2 : 0);
    for (let i = 0; i < m[2].length; i++) positions.push(start + i);
  }
  let refused = 0;
  let sameMeaning = 0;
  const step = Math.max(1, Math.floor(positions.length / 400));
  for (let k = 0; k < positions.length; k += step) {
    const i = positions[k];
    const altered = cliProof.slice(0, i) + (cliProof[i] === '0' ? '1' : '0') + cliProof.slice(i + 1);
    try {
      const p = await verifyPaymentProof(altered, { network, expected });
      // Only bytes no rule covers may change without a refusal: none in a proof.
      assert.deepEqual(p, payment, `byte ${i} changed and a different payment was accepted`);
      sameMeaning += 1;
    } catch (e) {
      assert.equal(e.name, 'TempoLightError', `${e}`);
      assert.notEqual(e.code, 'Internal', `${e.message}`);
      refused += 1;
    }
  }
  console.log(`payment proof: ${refused} single-digit changes refused, ${sameMeaning} accepted unchanged in meaning (of ${positions.length} hex digits, every ${step})`);
  assert.equal(sameMeaning, 0, 'every change refused');
  assert.ok(refused >= 400);
});

test('a failed payment and a wrong expectation are proven otherwise, with the payment', { timeout: 300000 }, async () => {
  const { port, identity } = await devnet([]);
  const rpc = `http://127.0.0.1:${port}`;
  const client = TempoLightClient.custom({ identity, epochLength: EPOCH_LENGTH });
  const controller = new AbortController();
  const following = client.follow({ rpc, signal: controller.signal, pollMs: 30 });
  try {
    const failed = await find(port, identity, rpc, 2, false, null);
    // Proven: it failed (a payment that did not happen), with what it did.
    for (const expected of [{}, { token: PATH_USD, amount: 1n }, { anyToken: true, amount: 1n }]) {
      await assert.rejects(client.confirmPayment({ hash: failed.hash, pollMs: 50, ...expected }), (e) =>
        e instanceof PaymentMismatchError && e.code === 'PaymentFailed' && e.payment.success === false
        && e.payment.transactionHash === failed.hash && typeof e.payment.gasUsed === 'bigint');
    }
    const ok = await find(port, identity, rpc, 2, true, (p) => p.transfers.length > 0);
    const t = ok.cliPayment.transfers.at(-1);
    for (const [wrong, code] of [
      [{ token: t.token, amount: BigInt(t.amount) + 1n }, 'AmountMismatch'],
      [{ token: t.token, to: `0x${'00'.repeat(19)}01` }, 'RecipientMismatch'],
      [{ token: t.token, from: `0x${'00'.repeat(19)}02` }, 'SenderMismatch'],
      [{ token: '0x20c0000000000000000000000000000000000999' }, 'TokenMismatch'],
      [{ token: t.token, memo: `0x${'ab'.repeat(32)}` }, 'MemoMismatch'],
    ]) {
      await assert.rejects(client.confirmPayment({ hash: ok.hash, ...wrong }), (e) =>
        e instanceof PaymentMismatchError && e.code === code && e.payment.transactionHash === ok.hash, code);
    }
    // Unknown to the chain: pending until waitMs runs out (retryable), reported as unknown.
    const statuses = [];
    await assert.rejects(
      client.confirmPayment({ hash: `0x${'ab'.repeat(32)}`, waitMs: 300, pollMs: 50, onStatus: (s) => statuses.push(s.status) }),
      (e) => e instanceof PendingError && e.retryable);
    assert.deepEqual([...new Set(statuses)], ['unknown']);
    // Cancelled at once by its signal.
    const abort = new AbortController();
    const pending = client.confirmPayment({ hash: `0x${'cd'.repeat(32)}`, waitMs: Infinity, signal: abort.signal });
    setTimeout(() => abort.abort(), 100);
    await assert.rejects(pending, { code: 'Aborted' });
    // Bad input is a usage error, at once.
    await assert.rejects(client.confirmPayment({ hash: '0x12' }), { code: 'InvalidInput' });
    await assert.rejects(verifyPaymentProof('{"type":"x"}'), (e) => e.name === 'TempoLightError' && e.code !== 'Internal');
    await assert.rejects(verifyPaymentProof('not json'), (e) => e.name === 'TempoLightError' && e.code !== 'Internal');
  } finally {
    controller.abort();
    await following;
    client.destroy();
  }
});

test('every payment fault of the devnet is refused with its own code, over HTTP and WebSocket', { timeout: 300000 }, async () => {
  await initPayments();
  // Block heights hold 1 + h % 4 transactions: each fault at a block where it bites.
  const faults = [
    [6, 0, 'forged-receipt', 'ReceiptsRootMismatch'],
    [5, 1, 'receipt-from-other-block', 'ReceiptFromOtherBlock'],
    [10, 1, 'missing-transaction', 'TransactionsRootMismatch'],
    [7, 2, 'reordered-receipts', 'ReceiptsReordered'],
    [9, 0, 'forged-log', 'LogsBloomMismatch'],
  ];
  const { port, wsPort, identity } = await devnet(['--ws-port', '0', ...faults.flatMap(([h, , kind]) => ['--fault', `${kind}@${h}`])]);
  await waitFor(port, 12n);
  for (const rpc of [`http://127.0.0.1:${port}`, `ws://127.0.0.1:${wsPort}`]) {
    const client = TempoLightClient.custom({ identity, epochLength: EPOCH_LENGTH });
    for (const [height, index, , code] of faults) {
      const hash = (await hashes(port, height))[index];
      await assert.rejects(client.confirmPayment({ hash, rpc, pollMs: 50 }), (e) =>
        e instanceof VerificationError && e.code === code, `${code} at ${height} over ${rpc}`);
    }
    // The blocks around them are confirmed.
    const { payment } = await client.confirmPayment({ hash: (await hashes(port, 8))[0], rpc });
    assert.equal(payment.height, 8n);
    client.destroy();
  }
});

test('without the debug namespace, raw transactions are fetched one by one', { timeout: 60000 }, async () => {
  const { port, identity } = await devnet(['--fault', 'no-debug-namespace']);
  await waitFor(port, 8n);
  const hash = (await hashes(port, 7)).at(-1);
  const client = TempoLightClient.custom({ identity, epochLength: EPOCH_LENGTH });
  const { payment } = await client.confirmPayment({ hash, rpc: `http://127.0.0.1:${port}` });
  assert.equal(payment.height, 7n);
  assert.equal(payment.index, 3n);
  client.destroy();
});

/** A devnet with a successful payment final on it, shared by the tests below. */
let shared = null;
function sharedPayment() {
  shared ??= (async () => {
    const { port, identity } = await devnet([]);
    const rpc = `http://127.0.0.1:${port}`;
    const { hash, cliPayment } = await find(port, identity, rpc, 3, true, (p) => p.transfers.length > 1);
    const client = TempoLightClient.custom({ identity, epochLength: EPOCH_LENGTH });
    const { payment, proof } = await client.confirmPayment({ hash, rpc, pollMs: 50 });
    client.destroy();
    const other = (await hashes(port, Number(payment.height))).find((h) => h !== hash) ?? `0x${'77'.repeat(32)}`;
    return { port, identity, rpc, hash, other, payment, proof, transfer: cliPayment.transfers.at(-1) };
  })();
  return shared;
}

test('refuses an expectation without a token, before any request', { timeout: 300000 }, async () => {
  const { proof, identity, transfer } = await sharedPayment();
  const asked = [];
  const request = async ({ method }) => { asked.push(method); throw new Error('not asked'); };
  const client = TempoLightClient.custom({ identity, epochLength: EPOCH_LENGTH });
  const hash = `0x${'ab'.repeat(32)}`;
  const to = `0x${'00'.repeat(19)}01`;
  try {
    for (const [expectation, fields] of [
      [{ to }, '`to`'],
      [{ from: to }, '`from`'],
      [{ amount: 1n }, '`amount`'],
      [{ memo: `0x${'ab'.repeat(32)}` }, '`memo`'],
      [{ to, amount: 1n, anyToken: false }, '`to`, `amount`'],
    ]) {
      await assert.rejects(client.confirmPayment({ hash, request, ...expectation }), (e) =>
        e instanceof UsageError && e.code === 'InvalidInput' && e.message.includes(`an expectation of ${fields} needs \`token\``)
        && e.message.includes('anyToken'), JSON.stringify(expectation, (_, v) => (typeof v === 'bigint' ? `${v}` : v)));
    }
    // A token and any token: a contradiction; anyToken must be a boolean.
    await assert.rejects(client.confirmPayment({ hash, request, token: PATH_USD, anyToken: true }), (e) =>
      e.code === 'InvalidInput' && e.message.includes('`token` and `anyToken`'));
    await assert.rejects(client.confirmPayment({ hash, request, to, anyToken: 'yes' }), (e) =>
      e.code === 'InvalidInput' && e.message.includes('anyToken'));
    assert.deepEqual(asked, [], 'nothing was asked');
  } finally {
    client.destroy();
  }
  // Offline as well, before the proof is read.
  await assert.rejects(verifyPaymentProof('{}', { expected: { to, amount: 1n } }), (e) =>
    e instanceof UsageError && e.code === 'InvalidInput' && e.message.includes('`token`'));
  const network = { identity, epochLength: EPOCH_LENGTH };
  await assert.rejects(verifyPaymentProof(proof, { network, expected: { to: transfer.to } }), (e) =>
    e instanceof UsageError && e.code === 'InvalidInput' && e.message.includes('`token`'));
});

test('accepts any token when asked', { timeout: 300000 }, async () => {
  const { identity, rpc, hash, proof, payment, transfer } = await sharedPayment();
  const expected = { anyToken: true, to: transfer.to, amount: BigInt(transfer.amount) };
  const client = TempoLightClient.custom({ identity, epochLength: EPOCH_LENGTH });
  try {
    const confirmed = await client.confirmPayment({ hash, rpc, pollMs: 50, ...expected });
    assert.deepEqual(confirmed.payment, payment);
    assert.deepEqual(await verifyPaymentProof(proof, { network: { identity, epochLength: EPOCH_LENGTH }, expected }), payment);
    // Any token, still this recipient.
    await assert.rejects(client.confirmPayment({ hash, rpc, anyToken: true, to: `0x${'00'.repeat(19)}01` }), (e) =>
      e instanceof PaymentMismatchError && e.code === 'RecipientMismatch');
  } finally {
    client.destroy();
  }
});

test('refuses a payment from another sender', { timeout: 300000 }, async () => {
  const { identity, rpc, hash, proof, payment, transfer } = await sharedPayment();
  const network = { identity, epochLength: EPOCH_LENGTH };
  const client = TempoLightClient.custom({ identity, epochLength: EPOCH_LENGTH });
  try {
    const right = { token: transfer.token, from: transfer.from };
    assert.deepEqual((await client.confirmPayment({ hash, rpc, pollMs: 50, ...right })).payment, payment);
    const other = `0x${'00'.repeat(19)}02`;
    for (const attempt of [
      () => client.confirmPayment({ hash, rpc, ...right, from: other }),
      () => verifyPaymentProof(proof, { network, expected: { ...right, from: other } }),
    ]) {
      await assert.rejects(attempt(), (e) =>
        e instanceof PaymentMismatchError && e.code === 'SenderMismatch' && e.message.includes(other)
        && e.payment.transactionHash === hash);
    }
  } finally {
    client.destroy();
  }
});

test('binds the transaction hash', { timeout: 300000 }, async () => {
  const { identity, hash, other, proof, payment } = await sharedPayment();
  const network = { identity, epochLength: EPOCH_LENGTH };
  assert.deepEqual(await verifyPaymentProof(proof, { network, txHash: hash }), payment);
  const client = TempoLightClient.custom({ identity, epochLength: EPOCH_LENGTH });
  try {
    assert.deepEqual(await client.verifyPaymentProof(proof, undefined, { txHash: hash }), payment);
    for (const attempt of [
      () => verifyPaymentProof(proof, { network, txHash: other }),
      () => verifyPaymentProof(proof, { network, expected: { token: payment.transfers[0].token }, txHash: other }),
      () => client.verifyPaymentProof(proof, undefined, { txHash: other }),
    ]) {
      await assert.rejects(attempt(), (e) =>
        e instanceof VerificationError && e.code === 'WrongTransaction' && e.message.includes(other) && e.message.includes(hash));
    }
    // Not a hash: a usage error.
    await assert.rejects(verifyPaymentProof(proof, { network, txHash: '0x12' }), (e) => e instanceof UsageError && e.code === 'InvalidInput');
  } finally {
    client.destroy();
  }
});
