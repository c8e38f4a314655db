// Payments: `confirmPayment()`, `verifyPaymentProof()` and the evidence of a block's
// transaction (certificate, raw transactions, receipts), proven by the payments module
// (js/payments.js and its wasm), loaded on the first payment call.

import { toTyped, typed } from '../errors.js';
import { DEFAULT_TIMEOUT_MS, MAX_RESPONSE_BYTES } from '../transport.js';
import { paymentsSourceGiven, platformLoader, setPaymentsSource, wasmSource } from './loading.js';
import { P, alive } from './wasm.js';
import { FOLLOWING, lifetime, untilStopped, waitFor } from './lifecycle.js';
import { lazyModule } from './lazy.js';
import { callTransport, quantityOf } from './rpc.js';

let paymentsLoading = null;
/** The payments module (js/payments.js and its wasm), loaded once on the first payment call. */
export function paymentsModule() {
  if (!paymentsLoading) {
    paymentsLoading = (async () => {
      const { loadPayments } = await lazyModule('payments', () => import('../payments.js'));
      try {
        const platform = platformLoader();
        const source = paymentsSourceGiven() ?? (platform?.loadPayments ? await platform.loadPayments() : undefined);
        return await loadPayments(source);
      } catch (e) {
        // Fetching the wasm may fail for a while (network, server): retryable.
        throw typed('InitFailed', `could not load tempo-light's payments module: ${e?.message ?? e}`, true, e);
      }
    })().catch((e) => {
      paymentsLoading = null;
      throw e;
    });
  }
  return paymentsLoading;
}

/**
 * Loads the payments module now (it loads by itself on the first payment call): for a page
 * that wants it ready, or offline. `input`: its URL, bytes, `Response` or compiled module;
 * by default `tempo_light_payments_bg.wasm` beside this file.
 */
export function initPayments(input) {
  if (input != null && !paymentsLoading) setPaymentsSource(wasmSource(input));
  return paymentsModule().then(() => undefined);
}

/**
 * What the payments module verifies under: the identity `client` trusts for the epoch it asks
 * about (`verifyingIdentity`: the core picks it, and refuses once frozen), never the client's
 * whole state.
 */
function trustOf(client) {
  // A frozen client verifies nothing: `Frozen` comes before anything about the block, as
  // from its own verify() (the core's refusal, not one made here).
  if (client.frozen) client.verifyingIdentity(0);
  const { epochLength } = client.network;
  return { epochLength, identityFor: (epoch) => client.verifyingIdentity(epoch) };
}

/**
 * Re-checks a PaymentProof (the JSON document `confirmPayment()` and `tempo-light confirm
 * --proof-out` write; text or parsed) offline: the certificate under `network` (a preset, by
 * default `'mainnet'`, or a custom network `{ identity, epochLength, ... }`), the block's
 * tries and the transfer; held to `expected` (`{ token?, anyToken?, from?, to?, amount?,
 * memo? }`: `from`, `to`, `amount` or `memo` need `token` or `anyToken: true`) and to
 * `txHash` (a proof of another transaction is refused, `WrongTransaction`) when given.
 * Resolves with the payment; rejects with a `UsageError` (`InvalidInput`) for an expectation
 * the core refuses, a `VerificationError` naming the rule that failed, or a
 * `PaymentMismatchError` (carrying `payment`) for a payment proven but not as expected.
 */
export async function verifyPaymentProof(proof, { network = 'mainnet', expected, txHash } = {}) {
  const m = await paymentsModule();
  try {
    if (network && typeof network === 'object') {
      const custom = m.PaymentsClient.custom(network);
      try { return m.verifyPaymentProofUnder(proof, trustOf(custom), expected, txHash); } finally { custom.free(); }
    }
    return m.verifyPaymentProof(proof, network, expected, txHash);
  } catch (e) {
    throw toTyped(e);
  }
}

/**
 * Re-checks a PaymentProof under the identities this client has learnt (epochs after a
 * rotation included); held to `expected` (`{ token?, anyToken?, from?, to?, amount?, memo? }`)
 * and to `txHash` when given, as `verifyPaymentProof` does.
 */
P.verifyPaymentProof = async function (proof, expected, { txHash } = {}) {
  alive(this);
  const m = await paymentsModule();
  alive(this);
  try {
    return m.verifyPaymentProofUnder(proof, trustOf(this), expected, txHash);
  } catch (e) {
    throw toTyped(e);
  }
};

const HASH = /^0x[0-9a-fA-F]{64}$/;
/**
 * Runs `prove` of the payments module (`confirmPayment` or `provenTransaction`) on block
 * `height`'s evidence: its certificate (`consensus_getFinalization`), then the calls the core's
 * `PaymentQuery` names for its transactions and receipts (a refusal handed back by its
 * JSON-RPC code: the query knows the fallback). `prove(m, input, query)` gets `input` `{ block,
 * height, trust }`. `null` when the server has no finalization at that height. (Nothing
 * fetched is trusted.)
 */
export async function proveFromBlock(client, transport, height, limits, prove) {
  const m = await paymentsModule();
  const block = await transport.call('consensus_getFinalization', [{ height: Number(height) }], limits);
  if (block === null || block === undefined) return null;
  const query = new m.PaymentQuery(BigInt(height));
  try {
    while (!query.done) {
      const calls = query.calls();
      let answers;
      try {
        answers = await Promise.all(calls.map((c) => transport.call(c.method, c.params, limits)));
      } catch (e) {
        if (typeof e?.rpcCode === 'number' && query.refused(e.rpcCode)) continue;
        throw e;
      }
      try { query.answer(answers); } catch (e) { throw toTyped(e); }
    }
    alive(client);
    try {
      return prove(m, { block, height: BigInt(height), trust: trustOf(client) }, query);
    } catch (e) {
      throw toTyped(e);
    }
  } finally {
    query.free();
  }
}

/**
 * Proves a payment: resolves once transaction `hash` is in a final block, with `{ payment,
 * proof }`: the payment (success, block, index, gas used, its TIP-20 transfers decoded,
 * amounts as bigint) and its PaymentProof (JSON text that anyone can re-check offline with
 * `verifyPaymentProof`). Until then it follows the chain (the client's own `follow()`, or
 * one it runs meanwhile over `rpc`/`request`) and reports `onStatus({ status: 'unknown' |
 * 'pending' | 'final', height, finalHeight })`. Held to `{ token, from, to, amount, memo }`
 * when given (a `PaymentMismatchError` carrying `payment` otherwise): `from`, `to`, `amount`
 * or `memo` need `token`, or `anyToken: true` to accept a transfer of any token (refused
 * before any request otherwise: `InvalidInput` naming `token`, the core's rule). Rejects with
 * `Pending` (retryable) when `waitMs` (default 120 s; `Infinity` waits for ever) runs out.
 */
P.confirmPayment = async function confirmPayment(options = {}) {
  alive(this);
  const {
    hash,
    token,
    to,
    amount,
    memo,
    from,
    anyToken,
    rpc,
    request,
    signal,
    onStatus,
    waitMs = 120_000,
    pollMs = 1000,
    proofForm = 'smallest',
    timeoutMs = DEFAULT_TIMEOUT_MS,
    maxResponseBytes = MAX_RESPONSE_BYTES,
  } = options;
  if (typeof hash !== 'string' || !HASH.test(hash)) {
    throw typed('InvalidInput', 'confirmPayment: `hash` must be a 0x-prefixed 32-byte transaction hash', false);
  }
  if (!['smallest', 'full', 'trie'].includes(proofForm)) {
    throw typed('InvalidInput', "confirmPayment: `proofForm` is 'smallest', 'full' or 'trie'", false);
  }
  if (rpc !== undefined && (typeof rpc !== 'string' || !/^(https?|wss?):\/\//i.test(rpc))) {
    throw typed('InvalidInput', 'confirmPayment: `rpc` must be an http(s):// or ws(s):// URL', false);
  }
  // (A client that is not following needs an endpoint: the follow() started meanwhile uses it.)
  if (!FOLLOWING.has(this) && !rpc && !request) {
    throw typed('InvalidInput', 'confirmPayment needs `rpc` or `request` (or a client that is following)', false);
  }
  const expected = { token, anyToken, from, to, amount, memo };
  // The expectation is the core's to refuse (one without a token, say), before any request:
  // the payments module holds the rule, so it loads first.
  const m = await untilStopped(this, paymentsModule(), signal, 'confirmPayment()');
  try {
    m.validateExpectation(expected);
  } catch (e) {
    throw toTyped(e);
  }
  const limits = { timeoutMs, maxResponseBytes, signals: [signal, lifetime(this)] };
  const { transport, release } = callTransport(this, { rpc, request }, limits);
  // Finality needs the client's head at the transaction's block: its own follow(), or one
  // this call runs (from the first time it has to wait until it returns).
  let inner = null;
  let innerRun = null;
  let stoppedBy = null;
  const followMeanwhile = () => {
    if (inner || FOLLOWING.has(this)) return;
    inner = new AbortController();
    innerRun = this.follow({ rpc, request, signal: inner.signal, timeoutMs, maxResponseBytes, pollMs: Math.min(pollMs, 1000) })
      .catch((e) => { stoppedBy = e; });
  };
  const deadline = Date.now() + waitMs;
  let last = '';
  const report = (status, height, finalHeight) => {
    const key = `${status}:${height}:${finalHeight}`;
    if (key === last) return;
    last = key;
    try { onStatus?.({ status, hash, height, finalHeight }); } catch {} // the caller's business
  };
  try {
    for (;;) {
      if (stoppedBy) throw stoppedBy;
      const receipt = await transport.call('eth_getTransactionReceipt', [hash], limits);
      // Only where to look: nothing in the receipt is believed.
      const height = receipt?.blockNumber == null ? null : quantityOf(receipt.blockNumber, 'eth_getTransactionReceipt.blockNumber');
      const finalHeight = this.head?.height ?? null;
      if (height !== null && finalHeight !== null && height <= finalHeight) {
        const out = await proveFromBlock(this, transport, height, limits, (p, input, query) =>
          p.confirmPayment({ txHash: hash, ...input, expected, proofForm }, query));
        if (out !== null) {
          report('final', height, finalHeight);
          return out;
        }
      }
      report(height === null ? 'unknown' : 'pending', height, finalHeight);
      if (height !== null) followMeanwhile();
      if (Date.now() >= deadline) {
        const where = height === null ? 'is in no block the RPC knows' : `is in block ${height}, not final yet (final head ${finalHeight})`;
        throw typed('Pending', `transaction ${hash} ${where}`, true);
      }
      const left = deadline - Date.now();
      try {
        await waitFor(this, () => height !== null && (this.head?.height ?? -1n) >= height, 'confirmPayment()', { signal, timeoutMs: Math.min(pollMs, left) });
      } catch (e) {
        if (e.code !== 'Timeout') throw e;
      }
    }
  } finally {
    // Nothing of this call runs after it returns: the follow() it started has ended.
    inner?.abort();
    await innerRun;
    release();
  }
};
