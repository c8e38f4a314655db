// Balances and state proofs: `getVerifiedBalance()` (proven at the verified head, or at a
// fresh block both final and executed where the node cannot prove there), `verifyProof()`,
// and what the provider borrows (`atServableBlock`).

import { VerificationError, typed } from '../errors.js';
import { DEFAULT_TIMEOUT_MS, MAX_RESPONSE_BYTES, sleep, stopError } from '../transport.js';
import { P, TempoLightClient, alive, checkFreshState, verifyBalance, verifyProof } from './wasm.js';
import { lifetime } from './lifecycle.js';
import { callTransport, quantity, quantityOf } from './rpc.js';
/** reth's answer to `eth_getProof` outside its proof window (`--rpc.eth-proof-window`, default 0). */
const OUTSIDE_PROOF_WINDOW = -32602;
/** reth's answer to `eth_getProof` at a block it has not executed (yet). */
const HEADER_NOT_FOUND = -32001;

/** Rejects with what stopped the work (the client's `Destroyed`, or `Aborted`), if anything did. */
function throwIfStopped(signals, what) {
  const stopped = stopError(signals, what);
  if (stopped) throw stopped;
}

/**
 * Runs `ask(block)` (a proof asked and checked at `block`: `{ height, hash, stateRoot }`) at
 * the verified head, then, when the node refuses there (reth proves only at its execution
 * head: -32602 outside the proof window, -32001 or `null` for a block not executed yet) or is
 * unavailable (`RpcUnavailable`), at a fresh block that is both final and executed (`servableBlock`, asked anew
 * each time), after a short capped backoff (cut short by the signals), at most `retries`
 * times; then a retryable error naming the attempts. `fetch(height)` asks the proof (a node
 * with a proof window of 0 proves only while that block is its execution head: it is asked
 * at once, while the block's certificate is fetched and verified); `check(block, proof)`
 * checks it against the verified block's state root. Anything else they throw (a proof that
 * does not verify, an abort) ends it at once.
 */
export async function atServableBlock(client, transport, limits, { retries = 8, retryDelayMs = 100, maxRetryDelayMs = 1000, maxStateLag, what }, { fetch, check }) {
  // (`maxStateLag` undefined: the core's default, 64 blocks.)
  for (const [name, value] of [['retries', retries], ['retryDelayMs', retryDelayMs], ['maxRetryDelayMs', maxRetryDelayMs], ['maxStateLag', maxStateLag ?? 0]]) {
    if (!Number.isSafeInteger(value) || value < 0) throw typed('InvalidInput', `${what}: \`${name}\` must be a non-negative integer`, false);
  }
  const head = client.head;
  if (!head?.stateRoot) throw typed('NoStateRoot', 'no verified state root yet: follow until a block is final', false);
  let block = head;
  // A copy of the client caught up past rotations (see `verifyFinal`), kept for the retries.
  const scratch = { copy: null };
  try {
    for (let attempt = 1; ; attempt++) {
      let asking = null;
      try {
        let proof;
        if (attempt === 1) {
          asking = block.height;
          proof = await fetch(block.height);
        } else {
          // The node's execution head only chooses the height; the proof asked there at once
          // is checked against that block's state root once its certificate verifies.
          const executed = quantityOf(await transport.call('eth_blockNumber', [], limits), 'eth_blockNumber');
          const early = fetch(executed);
          early.catch(() => {});
          // A node that cannot prove at the head names the block it can: never an old one
          // (StaleState, retryable: the core's rule, before anything is fetched there).
          checkFreshState(client.head.height, executed, maxStateLag);
          block = await servableBlock(client, transport, limits, scratch, executed);
          asking = block.height;
          proof = await (block.height === executed ? early : fetch(block.height));
        }
        if (proof === null || proof === undefined) throw typed('RpcUnavailable', `eth_getProof at block ${block.height} answered null (not executed yet?)`, true);
        alive(client);
        return check(block, proof);
      } catch (caught) {
        // Refusals that only mean "not that block" (a `null` proof too), and unavailability
        // (connection refused, 204/503): asked again at a fresh block. Anything else ends here,
        // a Timeout or an answer over the cap too (each costs a whole `timeoutMs`, or a
        // hostile answer: no use asking the same server again and again).
        const refused = asking !== null && (caught?.rpcCode === OUTSIDE_PROOF_WINDOW || caught?.rpcCode === HEADER_NOT_FOUND);
        if (!refused && !(caught?.code === 'RpcUnavailable' && caught?.retryable)) throw caught;
        throwIfStopped(limits.signals, what);
        if (attempt > retries) {
          const why = refused ? `eth_getProof at block ${asking} refused (${caught.message})` : caught.message;
          const e = typed(refused ? 'RpcUnavailable' : caught.code, `${what}: ${why} (gave up after ${attempt} attempts)`, true, caught);
          e.attempts = attempt;
          throw e;
        }
        await sleep(Math.min(retryDelayMs * 2 ** Math.min(attempt - 1, 20), maxRetryDelayMs), limits.signals);
        throwIfStopped(limits.signals, what);
      }
    }
  } finally {
    scratch.copy?.free();
  }
}

/**
 * The steps of proving a balance query (`balanceQuery`'s, made at the head) at another final
 * block, for `atServableBlock`: `fetch(height)` asks its `eth_getProof` there through
 * `call(method, params)`, `check(block, proof)` checks the answer against that block's state
 * root.
 */
function balanceSteps(atHead, call) {
  const params = (height) => [atHead.params[0], atHead.params[1], quantity(height)];
  return {
    fetch: (height) => call(atHead.method, params(height)),
    check: (block, proof) => verifyBalance({
      ...atHead,
      height: block.height,
      hash: block.hash,
      stateRoot: block.stateRoot,
      params: params(block.height),
    }, proof),
  };
}

/**
 * Proves `account`'s balance of the TIP-20 `token` at a final block: at the verified head, or,
 * where the node cannot prove there, at a fresh block both final and executed (see
 * `atServableBlock`). The answer names the block it is proven at (height, hash, root).
 */
P.getVerifiedBalance = async function getVerifiedBalance(options = {}) {
  alive(this);
  const {
    token,
    account,
    rpc,
    request,
    signal,
    timeoutMs = DEFAULT_TIMEOUT_MS,
    maxResponseBytes = MAX_RESPONSE_BYTES,
    retries,
    retryDelayMs,
    maxRetryDelayMs,
    maxStateLag,
  } = options;
  const atHead = this.balanceQuery(token, account);
  const limits = { timeoutMs, maxResponseBytes, signals: [signal, lifetime(this)] };
  const { transport, release } = callTransport(this, { rpc, request }, limits);
  if (!transport) {
    throw typed('InvalidInput', 'getVerifiedBalance needs `rpc` or `request` (or a client that is following)', false);
  }
  try {
    return await atServableBlock(this, transport, limits, { retries, retryDelayMs, maxRetryDelayMs, maxStateLag, what: 'getVerifiedBalance()' },
      // (The proof goes to the core as the answer's text.)
      balanceSteps(atHead, (method, params) => transport.call(method, params, { ...limits, text: true })));
  } finally {
    release();
  }
};

/**
 * A fresh block that is final and that the node has executed (its verified block, whole, or
 * the verified head; both with `{ height, hash, stateRoot }`): the node's execution head (`executed`, its `eth_blockNumber`: it only chooses the height), proven final
 * by its own certificate (verified purely, under the identity this client trusts for its
 * epoch); or, where that block is not final yet, the newest finalization if the node has
 * executed it; or the verified head if the node is at it.
 */
async function servableBlock(client, transport, limits, scratch, executed) {
  // (Certified blocks go to the core as the answers' text.)
  const answers = { ...limits, text: true };
  const head = client.head;
  if (executed === head.height) return head;
  if (executed > BigInt(Number.MAX_SAFE_INTEGER)) throw typed('RpcError', `eth_blockNumber: ${executed} is no block height`, false);
  let block = null;
  try {
    block = await transport.call('consensus_getFinalization', [{ height: Number(executed) }], answers);
  } catch (e) {
    // 204 (or null below): the execution head is not final yet. Anything else ends here.
    if (e?.code !== 'RpcUnavailable') throw e;
  }
  alive(client);
  let verified;
  if (block !== null && block !== undefined) {
    verified = await verifyFinal(client, block, transport, limits, scratch);
    if (verified.height !== executed) {
      throw typed('HeaderNumberMismatch', `asked for the finalization of block ${executed}, the server answered block ${verified.height}`, false);
    }
  } else {
    const newest = await transport.call('consensus_getFinalization', ['latest'], answers);
    if (newest === null || newest === undefined) throw typed('RpcUnavailable', 'the server has no finalization yet', true);
    alive(client);
    verified = await verifyFinal(client, newest, transport, limits, scratch);
    if (verified.height > executed) {
      throw typed('RpcUnavailable', `block ${executed}, the node's execution head, is not final yet, and the newest final block ${verified.height} is not executed yet`, true);
    }
  }
  const now = client.head;
  if (verified.height <= now.height && now.height <= executed) return now;
  return verified;
}

/**
 * `client.verify(block)`, purely. A block past the epochs the client has verified may fail
 * only because the network's identity rotated since the client's head: then a copy of the
 * client (from `toState()`; the client itself does not move) follows the chain over the same
 * transport, verifying every epoch boundary on the way, until its head reaches the block, and
 * verifies it under the identity it learnt; the copy is kept for the call's retries (in
 * `scratch`, freed by `atServableBlock`). `StaleHead` (retryable) if it cannot get there
 * within a bound.
 */
async function verifyFinal(client, block, transport, limits, scratch) {
  const verifier = scratch.copy ?? client;
  try {
    return verifier.verify(block);
  } catch (e) {
    const head = verifier.head;
    // Only a block past the epochs the verifier knows the identities of (the core says which
    // height and epoch the block claims) may verify once the copy has followed there.
    const beyond = e instanceof VerificationError ? verifier.beyondVerifiedEpochs(block) : null;
    if (beyond === null) throw e;
    const claimed = beyond.height;
    scratch.copy ??= TempoLightClient.fromState(client.toState());
    const copy = scratch.copy;
    const controller = new AbortController();
    const watched = limits.signals.filter(Boolean);
    const stop = () => controller.abort();
    for (const s of watched) s.addEventListener('abort', stop, { once: true });
    // Bounded: a few timeouts' worth at most (each call is bounded by `timeoutMs` too).
    const timer = setTimeout(stop, 3 * (limits.timeoutMs ?? DEFAULT_TIMEOUT_MS));
    try {
      await copy.follow({
        request: (args) => transport.call(args.method, args.params ?? [], limits),
        signal: controller.signal,
        timeoutMs: limits.timeoutMs,
        maxResponseBytes: limits.maxResponseBytes,
        maxRetries: 3,
        retryDelayMs: 50,
        maxRetryDelayMs: 400,
        pollMs: 100,
        onFinalized: (event) => { if (event.height >= claimed) controller.abort(); },
      });
      throwIfStopped(limits.signals, 'getVerifiedBalance()');
      if ((copy.head?.height ?? -1n) < claimed) {
        throw typed('StaleHead', `block ${claimed} is in epoch ${beyond.epoch}, past the epochs this client has verified (its head is block ${head?.height ?? 'none'}), and following from its head did not reach it in time: follow() first`, true, e);
      }
      return copy.verify(block);
    } finally {
      clearTimeout(timer);
      for (const s of watched) s.removeEventListener('abort', stop);
    }
  }
}

/** Checks an `eth_getProof` answer against `header` (default: the verified head). Pure. */
P.verifyProof = function (proof, header = this.head) {
  alive(this);
  if (!header?.stateRoot) throw typed('NoStateRoot', 'no verified state root yet: follow until a block is final', false);
  return verifyProof(proof, header);
};
