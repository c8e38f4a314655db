// A verified EIP-1193 provider: answers what it can prove against final blocks (viem's
// `custom(provider)` takes it), refuses the rest (`policy: 'strict'`) or passes it through
// marked unverified (`policy: 'passthrough'`). Every answer is at a final block: the verified
// head, or an older block whose own finalization certificate verifies. Transactions and
// receipts by hash are proven by the payments module (loaded on the first such call).
import { TempoLightClient, _internals, verifyProof } from './client.js';
import { ProviderRpcError, TempoLightError, VerificationError, MalformedInputError, toTyped, typed } from './errors.js';
import { DEFAULT_TIMEOUT_MS, MAX_RESPONSE_BYTES, eip1193Transport, httpTransport, toHttpUrl, wsTransport } from './transport.js';

const EMPTY_CODE_HASH = '0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470';
const CACHE_MAX = 256;

const hex = (n) => `0x${BigInt(n).toString(16)}`;
const word = (n) => `0x${BigInt(n).toString(16).padStart(64, '0')}`;
const isHex = (s, bytes) => typeof s === 'string' && /^0x[0-9a-fA-F]*$/.test(s) && (bytes === undefined || s.length === 2 + 2 * bytes);
function bytesOf(h) {
  const s = h.slice(2);
  if (s.length % 2) throw typed('InvalidHex', 'odd-length hex', false);
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}
const hexOf = (bytes) => `0x${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;

const invalid = (message) => new ProviderRpcError(message, -32602, 'InvalidInput');
const unsupported = (message, reason = 'Unsupported') => new ProviderRpcError(message, 4200, reason);

/**
 * The promise `start()` returns, shared through `pending` while it is pending: asking again
 * for `key` meanwhile gets the same one (one fetch and one verification for all the asks).
 */
function shared(pending, key, start) {
  if (!pending.has(key)) pending.set(key, start().finally(() => pending.delete(key)));
  return pending.get(key);
}

/** Any error as the EIP-1193 error the provider rejects with. */
function asProviderError(e) {
  if (e instanceof ProviderRpcError) return e;
  const t = toTyped(e);
  if (t.code === 'Destroyed' || t.code === 'Aborted' || (t.retryable && t.code !== 'NotNewer')) {
    return new ProviderRpcError(`upstream unavailable: ${t.message}`, 4900, t.code, t.retryable, t);
  }
  if (t instanceof VerificationError || t instanceof MalformedInputError || t.code === 'InvalidJson' || t.code === 'RpcError') {
    return new ProviderRpcError(`not verified: ${t.message}`, -32099, t.code, false, t);
  }
  if (t.code === 'InvalidInput' || t.code === 'InvalidHex' || t.code === 'NotTip20') return new ProviderRpcError(t.message, -32602, t.code, false, t);
  return new ProviderRpcError(t.message, -32603, t.code, t.retryable, t);
}

/**
 * The `request` of a viem `Transport` (what viem's `http(url)`, `webSocket(url)` and
 * `custom(provider)` return), called as viem calls it, without viem's own retries (the
 * provider and `follow()` retry themselves).
 */
function transportRequest(transport, chain) {
  if (typeof transport !== 'function') {
    throw typed('InvalidInput', "createVerifiedProvider: `transport` must be a viem Transport (what viem's http(url), webSocket(url) or custom(provider) return)", false);
  }
  let made;
  try {
    made = transport({ chain, retryCount: 0 });
  } catch (e) {
    throw typed('InvalidInput', `createVerifiedProvider: the transport could not be set up: ${e?.message ?? e}`, false, e);
  }
  if (typeof made?.request !== 'function') {
    throw typed('InvalidInput', 'createVerifiedProvider: the transport gave no `request` function', false);
  }
  return (args) => made.request(args);
}

/**
 * An EIP-1193 provider whose answers are verified. Options: `client` (a client you follow) or
 * `network` (`'mainnet'`, `'testnet'` or a custom network: the provider creates a client
 * and follows it itself); for the upstream, `rpc` (a URL: given a ws(s):// one, every call
 * goes over that WebSocket, unless `http` names an http(s):// endpoint for them), `request`
 * (an EIP-1193 function) or `transport` (a viem Transport); `policy`: `'strict'` (default:
 * anything else is refused with code 4200) or `'passthrough'` (anything else is forwarded and
 * reported to `onUnverified`); `maxStateLag` (default 64): a `latest` state read is proven at
 * most that many blocks behind the verified head (else `StaleState`, retryable); `onProven`
 * (and the `proven` event): `{ method, params, height, hash }` of the final block each proven
 * answer was proven at.
 */
export function createVerifiedProvider(options = {}) {
  const {
    client: given,
    network,
    rpc,
    transport,
    chain,
    policy = 'strict',
    follow = !given,
    followOptions = {},
    readyTimeoutMs = 30000,
    timeoutMs = DEFAULT_TIMEOUT_MS,
    maxResponseBytes = MAX_RESPONSE_BYTES,
    maxStateLag,
    onUnverified,
    onProven,
  } = options;
  if (policy !== 'strict' && policy !== 'passthrough') throw typed('InvalidInput', "policy: 'strict' or 'passthrough'", false);
  if (transport !== undefined && options.request !== undefined) {
    throw typed('InvalidInput', 'createVerifiedProvider takes `request` or `transport`, not both', false);
  }
  const request = transport !== undefined ? transportRequest(transport, chain) : options.request;
  if (!rpc && !request) throw typed('InvalidInput', 'createVerifiedProvider needs `rpc` (a URL), `request` (an EIP-1193 function) or `transport` (a viem Transport)', false);
  if (request !== undefined && typeof request !== 'function') throw typed('InvalidInput', '`request` must be a function', false);
  if (rpc !== undefined && (typeof rpc !== 'string' || !/^(https?|wss?):\/\//i.test(rpc))) {
    throw typed('InvalidInput', '`rpc` must be an http(s):// or ws(s):// URL', false);
  }
  const httpUrl = options.http ?? followOptions.http;
  if (httpUrl !== undefined && (typeof httpUrl !== 'string' || !/^https?:\/\//i.test(httpUrl))) {
    throw typed('InvalidInput', '`http` must be an http(s):// URL', false);
  }
  if (!given && !network) throw typed('InvalidInput', 'createVerifiedProvider needs `client` or `network`', false);
  if (given && !(given instanceof TempoLightClient)) throw typed('InvalidInput', '`client` must be a TempoLightClient', false);
  const stop = new AbortController();
  // As `follow()` does: real nodes serve HTTP and WebSocket on separate ports, each refusing
  // the other protocol, so a ws(s):// `rpc` carries every call (with the limits of every
  // call), unless `http` (or `request`/`transport`) is given for them. The socket is the
  // provider's own: its destroy() and the client's close it.
  const upstream = request ? eip1193Transport(request)
    : httpUrl ? httpTransport(httpUrl)
      : /^wss?:/i.test(rpc) && typeof WebSocket !== 'undefined' ? wsTransport(rpc, { timeoutMs, maxResponseBytes, signals: [stop.signal] })
        : httpTransport(toHttpUrl(rpc));
  const closeUpstream = () => upstream.close?.();
  let fatal = null;

  const clientReady = (async () => {
    const client = given ?? await TempoLightClient.create({ network });
    _internals.lifetime(client).addEventListener('abort', closeUpstream, { once: true });
    if (follow) {
      const http = httpUrl === undefined ? {} : { http: httpUrl };
      client.follow({ rpc, request, timeoutMs, maxResponseBytes, signal: stop.signal, ...followOptions, ...http }).catch((e) => { fatal = toTyped(e); });
    }
    return client;
  })();
  clientReady.catch(() => {});

  const listeners = new Map();
  const emit = (type, payload) => { for (const fn of [...(listeners.get(type) ?? [])]) { try { fn(payload); } catch {} } };

  async function getClient() {
    const client = await clientReady;
    _internals.alive(client);
    if (fatal) throw fatal;
    // Frozen means frozen: no answer is final to a client that saw an equivocation.
    if (client.frozen) throw typed('Frozen', `frozen: conflicting finalizations at height ${client.frozen.height}; nothing is final until the client is reset`, false);
    return client;
  }
  async function headOf(client) {
    if (client.head === null) await client.ready({ timeoutMs: readyTimeoutMs });
    if (fatal) throw fatal;
    const head = client.head;
    if (!head?.stateRoot) throw typed('NoStateRoot', 'no verified state root yet', true);
    return head;
  }
  const limitsOf = (client) => ({ timeoutMs, maxResponseBytes, signals: [stop.signal, _internals.lifetime(client)] });
  const call = async (client, method, params) => upstream.call(method, params, limitsOf(client));
  const LATEST = [undefined, 'latest', 'safe', 'finalized'];
  /**
   * `ask(block)` at the final block `tag` names; for `latest` (which names no height), where
   * the node cannot prove at the verified head (real nodes prove only at their execution
   * head), at a fresh block both final and executed, as `getVerifiedBalance` does.
   */
  async function atFinal(client, tag, { fetch, check }) {
    if (!LATEST.includes(tag)) {
      const block = await blockAt(client, tag);
      if (block === null) throw unsupported('that block is not final yet', 'NotFinal');
      const proof = await fetch(block.height);
      if (proof === null) throw typed('RpcUnavailable', `eth_getProof at block ${block.height} answered null (not executed yet?)`, true);
      _internals.alive(client);
      return check(block, proof);
    }
    await headOf(client);
    return _internals.atServableBlock(client, upstream, limitsOf(client), { maxStateLag, what: 'the provider' }, { fetch, check });
  }

  // Verified headers by height, and heights by hash (bounded).
  const byHeight = new Map();
  const byHash = new Map();
  const remember = (entry) => {
    byHeight.set(entry.height, entry);
    byHash.set(entry.hash.toLowerCase(), entry.height);
    while (byHeight.size > CACHE_MAX) {
      const [h, old] = byHeight.entries().next().value;
      byHeight.delete(h);
      byHash.delete(old.hash.toLowerCase());
    }
  };

  /** The header at `height` (≤ the head), proven final by its own certificate. */
  const inflight = new Map();
  function finalHeader(client, height) {
    const cached = byHeight.get(height);
    if (cached) return Promise.resolve(cached);
    // Concurrent asks for one height share one fetch and one verification.
    return shared(inflight, height, () => fetchFinalHeader(client, height));
  }
  async function fetchFinalHeader(client, height) {
    const certified = await call(client, 'consensus_getFinalization', [{ height: Number(height) }]);
    if (certified === null || certified === undefined) throw typed('RpcUnavailable', `the server has no finalization at ${height}`, true);
    _internals.alive(client);
    const verified = client.verify(certified);
    if (verified.height !== height) throw typed('HeaderNumberMismatch', `asked for block ${height}, the server answered block ${verified.height}`, false);
    // The header as the core wrote it from what it verified (never the answer's own fields).
    // No `transactions` (a header does not prove the list of hashes an RPC sends with it).
    const entry = { height, hash: verified.hash, stateRoot: verified.stateRoot, block: verified.header };
    remember(entry);
    return entry;
  }

  /** The final block a tag names: `{ height, stateRoot }`, or null for one not final yet. */
  async function blockAt(client, tag = 'latest') {
    const head = await headOf(client);
    if (tag === 'latest' || tag === 'safe' || tag === 'finalized') return { height: head.height, hash: head.hash, stateRoot: head.stateRoot };
    if (tag && typeof tag === 'object') {
      if (isHex(tag.blockHash, 32)) return blockByHash(client, tag.blockHash);
      if (isHex(tag.blockNumber)) tag = tag.blockNumber;
    }
    if (tag === 'pending' || tag === 'earliest') throw unsupported(`block tag "${tag}" is not a final block`, 'NotFinal');
    if (!isHex(tag) || tag.length < 3 || tag.length > 18) throw invalid(`not a block number or tag: ${JSON.stringify(tag)}`);
    const height = BigInt(tag);
    if (height > head.height) return null;
    if (height === head.height) return { height, hash: head.hash, stateRoot: head.stateRoot };
    return finalHeader(client, height);
  }
  async function blockByHash(client, hash) {
    if (!isHex(hash, 32)) throw invalid('not a block hash');
    const head = await headOf(client);
    let height = byHash.get(hash.toLowerCase());
    if (height === undefined && hash.toLowerCase() === head.hash.toLowerCase()) height = head.height;
    if (height === undefined) {
      const claimed = await call(client, 'eth_getBlockByHash', [hash, false]);
      if (claimed === null) return null;
      if (!isHex(claimed?.number) || claimed.number.length > 18) throw typed('InvalidJson', 'eth_getBlockByHash answered without a block number', false);
      height = BigInt(claimed.number);
      if (height > head.height) return null;
    }
    const entry = await finalHeader(client, height);
    if (entry.hash.toLowerCase() !== hash.toLowerCase()) {
      throw typed('DigestMismatch', `block ${height} that final certificates prove is ${entry.hash}, not ${hash}`, false);
    }
    return entry;
  }

  /** `eth_getProof` at a final block, verified; also checks it answers what was asked. */
  async function proofAt(client, address, slots, tag) {
    if (!isHex(address, 20)) throw invalid('not an address');
    if (!Array.isArray(slots) || slots.length > 256 || !slots.every((s) => isHex(s) && s.length <= 66)) throw invalid('storage keys: up to 256 hex words');
    return atFinal(client, tag, {
      fetch: (height) => call(client, 'eth_getProof', [address, slots, hex(height)]),
      check(block, proof) {
        const verified = verifyProof(proof, { stateRoot: block.stateRoot });
        if (verified.address.toLowerCase() !== address.toLowerCase()) {
          throw typed('ProofAddressMismatch', `a proof for ${verified.address}, not ${address}`, false);
        }
        const values = slots.map((slot) => {
          const found = verified.storage.find((s) => BigInt(s.slot) === BigInt(slot));
          if (!found) throw typed('ProofMissingSlot', `no proof for slot ${slot}`, false);
          return found.value;
        });
        return { proof, verified, values, block };
      },
    });
  }

  /**
   * A TIP-20 view `eth_call` (the core reads the call: which views, their calldata), answered
   * from its token's storage proven at a final block, the answer written by the core; else
   * `undefined` (not a call this provider proves).
   */
  async function tip20(client, [tx, tag]) {
    const view = _internals.tip20View(tx ?? null);
    if (view === null) return undefined;
    const head = await headOf(client);
    if (!LATEST.includes(tag) && !(isHex(tag) && tag.length > 2 && tag.length <= 18 && BigInt(tag) === head.height)) {
      throw unsupported('TIP-20 reads are verified at the verified head only', 'NotFinal');
    }
    // `latest`: at the verified head, or where the node cannot prove there, at a fresh block
    // both final and executed. A number: at that block (the head) only.
    const { block, answer } = await atFinal(client, LATEST.includes(tag) ? tag : { blockNumber: hex(head.height) }, {
      fetch: (height) => call(client, 'eth_getProof', [view.token, view.slots, hex(height)]),
      check: (at, proof) => ({ block: at, answer: _internals.answerTip20View(tx, at, proof) }),
    });
    proven('eth_call', [tx, tag], block);
    return answer;
  }

  // Proven transactions and receipts by hash (final: they never change; bounded).
  const provenByHash = new Map();
  const provenInflight = new Map();
  /**
   * Transaction `hash` and its receipt, proven (the payments module: the block's raw
   * transactions and receipts rebuild the final header's roots, the sender is recovered from
   * the signature), as `{ transaction, receipt }`; null while it is in no final block.
   */
  function provenTransaction(client, hash) {
    if (!isHex(hash, 32)) throw invalid('not a transaction hash');
    const key = hash.toLowerCase();
    const cached = provenByHash.get(key);
    if (cached) return Promise.resolve(cached);
    return shared(provenInflight, key, () => fetchProvenTransaction(client, key));
  }
  async function fetchProvenTransaction(client, hash) {
    // The module loads while the chain is asked.
    _internals.loadPayments().catch(() => {});
    const head = await headOf(client);
    // Only where to look: nothing in this answer is believed.
    const located = await call(client, 'eth_getTransactionReceipt', [hash]);
    if (located === null || located === undefined || located.blockNumber == null) return null;
    if (!isHex(located.blockNumber) || located.blockNumber.length < 3 || located.blockNumber.length > 18) {
      throw typed('InvalidJson', 'eth_getTransactionReceipt: blockNumber is not a quantity', false);
    }
    const height = BigInt(located.blockNumber);
    // Not final yet: answered as a node answers for a transaction not yet mined (viem's
    // waitForTransactionReceipt keeps polling until it is final).
    if (height > head.height) return null;
    // (As confirmPayment gathers it; the provider's bounds apply to each call.)
    const text = await _internals.proveFromBlock(client, { call: (m, p) => call(client, m, p) }, height, undefined,
      (payments, input, query) => payments.provenTransaction({ txHash: hash, ...input }, query));
    if (text === null) throw typed('RpcUnavailable', `the server has no finalization at ${height}`, true);
    const proven = JSON.parse(text);
    provenByHash.set(hash, proven);
    while (provenByHash.size > CACHE_MAX) provenByHash.delete(provenByHash.keys().next().value);
    return proven;
  }

  /** Reports the final block a proven answer was proven at. */
  function proven(method, params, block) {
    const note = { method, params, height: BigInt(block.height), hash: block.hash };
    try { onProven?.(note); } catch {}
    emit('proven', note);
  }

  async function handle(method, params) {
    if (!Array.isArray(params)) params = params === undefined ? [] : [params];
    const client = await getClient();
    switch (method) {
      case 'eth_chainId': return hex(client.network.chainId);
      case 'net_version': return client.network.chainId.toString();
      case 'eth_blockNumber': return hex((await headOf(client)).height);
      case 'eth_getBlockByNumber':
      case 'eth_getBlockByHash': {
        if (params[1] === true) {
          if (policy === 'passthrough') break;
          throw unsupported('full transactions cannot be verified by a header: ask with `false` (includeTransactions)', 'Unsupported');
        }
        const found = method === 'eth_getBlockByHash' ? await blockByHash(client, params[0]) : await blockAt(client, params[0]);
        if (found === null) return null;
        const entry = found.block ? found : await finalHeader(client, found.height);
        proven(method, params, entry);
        return structuredClone(entry.block);
      }
      case 'eth_getProof': {
        const { verified, block } = await proofAt(client, params[0], params[1], params[2]);
        proven(method, params, block);
        // Written anew from what was verified: canonical quantities, nothing the node added.
        return verified.proof;
      }
      case 'eth_getStorageAt': {
        if (!isHex(params[1]) || params[1].length > 66) throw invalid('not a storage slot');
        const { values, block } = await proofAt(client, params[0], [params[1]], params[2]);
        proven(method, params, block);
        return word(values[0]);
      }
      case 'eth_getBalance':
      case 'eth_getTransactionCount': {
        const { verified, block } = await proofAt(client, params[0], [], params[1]);
        proven(method, params, block);
        return hex((method === 'eth_getBalance' ? verified.account?.balance : verified.account?.nonce) ?? 0n);
      }
      case 'eth_getCode': {
        const { verified, block } = await proofAt(client, params[0], [], params[1]);
        proven(method, params, block);
        const codeHash = verified.account?.codeHash?.toLowerCase();
        if (!codeHash || codeHash === EMPTY_CODE_HASH) return '0x';
        const code = await call(client, 'eth_getCode', [params[0], hex(block.height)]);
        if (!isHex(code)) throw typed('InvalidJson', 'eth_getCode did not answer hex', false);
        // keccak-256 loads on first use: its tables cost ~5 ms at import.
        const { keccak_256 } = await _internals.load('keccak', () => import('./keccak.js'));
        if (hexOf(keccak_256(bytesOf(code))) !== codeHash) {
          throw typed('CodeHashMismatch', `the code the server sent does not hash to the account's proven codeHash ${codeHash}`, false);
        }
        return code;
      }
      case 'eth_getTransactionByHash':
      case 'eth_getTransactionReceipt': {
        const found = await provenTransaction(client, params[0]);
        if (found === null) return null;
        proven(method, params, { height: found.receipt.blockNumber, hash: found.receipt.blockHash });
        return structuredClone(method === 'eth_getTransactionByHash' ? found.transaction : found.receipt);
      }
      case 'eth_call': {
        const answer = await tip20(client, params);
        if (answer !== undefined) return answer;
        break;
      }
      default: break;
    }
    if (policy === 'passthrough') {
      const result = await call(client, method, params);
      const note = { method, params, verified: false };
      onUnverified?.(note);
      emit('unverified', note);
      return result;
    }
    throw unsupported(`${method} cannot be verified by tempo-light (policy: 'strict')`);
  }

  return {
    /** EIP-1193 `request`. */
    async request(args) {
      if (!args || typeof args.method !== 'string') throw invalid('request({ method, params })');
      try {
        return await handle(args.method, args.params);
      } catch (e) {
        throw asProviderError(e);
      }
    },
    on(type, fn) {
      if (!listeners.has(type)) listeners.set(type, new Set());
      listeners.get(type).add(fn);
      return this;
    },
    removeListener(type, fn) {
      listeners.get(type)?.delete(fn);
      return this;
    },
    /** The client behind the provider (once created). */
    client: () => clientReady,
    /** Stops the provider's own `follow()` and destroys its own client (not a given one). */
    async destroy() {
      stop.abort(typed('Destroyed', 'the provider was destroyed', false));
      listeners.clear();
      closeUpstream();
      const client = await clientReady.catch(() => null);
      if (client) _internals.lifetime(client).removeEventListener('abort', closeUpstream);
      if (!given) client?.destroy();
    },
    isTempoLight: true,
  };
}

export { ProviderRpcError, TempoLightError };
