// tempo-light: Tempo finality, verified in WebAssembly.
//
// The client of the package: loads the wasm on demand (`init()`, no top-level await), wraps
// every wasm call so it throws typed errors (and `Destroyed` instead of touching freed
// memory), and adds the driver `follow()`, an event emitter, `ready()`/`waitSynced()` and
// persistence. Every decision is the wasm core's; this file only moves bytes.
// No Node built-in here: this file is in the browser graph (index.node.js adds Node's loader).

import wbgInit, {
  initSync as wbgInitSync,
  TempoLightClient,
  verifyBalance as wasmVerifyBalance,
  verifyCertifiedBlock as wasmVerifyCertifiedBlock,
  verifyProof as wasmVerifyProof,
  checkFreshState as wasmCheckFreshState,
} from './tempo_light.js';
import { TempoLightError, VerificationError, classFor, typed, toTyped } from './errors.js';
import {
  DEFAULT_TIMEOUT_MS,
  MAX_RESPONSE_BYTES,
  eip1193SubscriptionTransport,
  eip1193Transport,
  httpTransport,
  sleep,
  stopError,
  toHttpUrl,
  wsTransport,
} from './transport.js';
import { storageAdapter } from './storage.js';

// ---- loading ---------------------------------------------------------------------------

let initialized = false;
let loading = null;
/** Set by the Node entry: reads the wasm beside this file (sync and async). */
let platform = null;
/** @internal */
export function _setPlatform(p) { platform = p; }

const wasmSource = (input) =>
  input && typeof input === 'object' && !ArrayBuffer.isView(input) && !(input instanceof ArrayBuffer) &&
  !(typeof URL !== 'undefined' && input instanceof URL) && !(typeof Response !== 'undefined' && input instanceof Response) &&
  !(input instanceof WebAssembly.Module) && ('wasm' in input || 'paymentsWasm' in input)
    ? input.wasm
    : input;

/**
 * Loads the wasm module, once: later calls return at once (idempotent; concurrent calls
 * share one load). `input`: the wasm's URL (string or URL), its bytes, a `Response`, a
 * compiled `WebAssembly.Module`, or `{ wasm }` with any of those. By default it is found
 * beside this file (`new URL('./tempo_light_bg.wasm', import.meta.url)`, which Vite and
 * webpack 5 bundle; in Node it is read from disk).
 */
export function init(input) {
  if (initialized) return Promise.resolve();
  if (!loading) {
    loading = (async () => {
      if (input && typeof input === 'object' && 'paymentsWasm' in input) paymentsSource = input.paymentsWasm;
      let source = wasmSource(input);
      if (source == null) source = platform ? await platform.load() : new URL('./tempo_light_bg.wasm', import.meta.url);
      await wbgInit({ module_or_path: source });
      initialized = true;
    })().catch((e) => {
      loading = null;
      throw typed('InitFailed', `could not load tempo-light's wasm: ${e?.message ?? e}`, true, e);
    });
  }
  return loading;
}

/** Loads the wasm synchronously from its bytes or a compiled module (idempotent). */
export function initSync(input) {
  if (initialized) return;
  const source = wasmSource(input);
  if (source == null) throw typed('InvalidInput', 'initSync needs the wasm bytes or a WebAssembly.Module', false);
  try {
    wbgInitSync({ module: source });
  } catch (e) {
    throw typed('InitFailed', `could not load tempo-light's wasm: ${e?.message ?? e}`, false, e);
  }
  initialized = true;
}

/** Whether the wasm is loaded. */
export const isInitialized = () => initialized;

/** Loads the wasm for a sync API: in Node from disk, elsewhere `init()` must have run. */
function ensure() {
  if (initialized) return;
  if (platform) return initSync(platform.loadSync());
  throw typed('NotInitialized', 'tempo-light is not loaded yet: `await init()` first (or use `await TempoLightClient.create(...)`)', false);
}

// ---- typed errors around every wasm call ------------------------------------------------

/** follow() bridges epochs in runs of up to this many boundaries (`boundariesWanted`)... */
const BOUNDARY_RUN = 64;
/** ...cut once their headers' JSON passes this many bytes (as the CLI's `follow`). */
const BOUNDARY_RUN_BYTES = 1 << 20;

const P = TempoLightClient.prototype;
const destroyedError = () => typed('Destroyed', 'the client was destroyed', false);
const alive = (client) => { if (!client.__wbg_ptr) throw destroyedError(); };

/** Events the core emits, with `presetIdentityDiffers` renamed (it is not an alarm). */
function renameEvents(events) {
  for (const e of events) {
    if (e?.type === 'presetIdentityDiffers') e.type = 'presetSuperseded';
  }
  return events;
}

for (const name of ['verify', 'verifyBatch', 'nextRequest', 'boundariesWanted', 'onFinalization', 'onBoundaries', 'onHeaders', 'setEveryHeader', 'abandon', 'reset', 'identityFor', 'toState', 'balanceQuery', 'resume']) {
  const f = P[name];
  P[name] = function (...args) {
    alive(this);
    let out;
    try {
      out = f.apply(this, args);
    } catch (e) {
      throw toTyped(e);
    }
    if (name === 'onFinalization' || name === 'onBoundaries' || name === 'onHeaders') return renameEvents(out);
    if (name === 'verifyBatch') return out.map((r) => (r.ok ? r : { ok: false, error: toTyped(r.error) }));
    return out;
  };
}
for (const name of ['head', 'frozen', 'idle', 'network']) {
  const { get } = Object.getOwnPropertyDescriptor(P, name);
  Object.defineProperty(P, name, {
    configurable: true,
    get() {
      alive(this);
      try { return get.call(this); } catch (e) { throw toTyped(e); }
    },
  });
}
for (const name of ['mainnet', 'testnet', 'custom', 'fromState']) {
  const f = TempoLightClient[name];
  TempoLightClient[name] = function (...args) {
    ensure();
    try { return f.apply(this, args); } catch (e) { throw toTyped(e); }
  };
}

/** A fresh client of `network`: `'mainnet'`, `'testnet'` or a custom network's options. */
function clientOf(network) {
  if (network === 'mainnet') return TempoLightClient.mainnet();
  if (network === 'testnet') return TempoLightClient.testnet();
  if (network && typeof network === 'object') return TempoLightClient.custom(network);
  throw typed('InvalidInput', "network: 'mainnet', 'testnet' or { identity, epochLength, ... }", false);
}

/** `resume(state)` on a fresh client of `network` (checked by the core: NetworkMismatch). */
function resumeFor(network, state) {
  const base = clientOf(network);
  try {
    return base.resume(state);
  } finally {
    base.destroy();
  }
}

// `fromState(state, network)`: with a network, the state is checked against it (the core's
// rule); without one, the state's own network is taken as it is (you vouch for the blob).
{
  const alone = TempoLightClient.fromState;
  TempoLightClient.fromState = function fromState(state, network) {
    return network === undefined ? alone.call(this, state) : resumeFor(network, state);
  };
}

const wrapFree = (f) => function (...args) {
  ensure();
  try { return f(...args); } catch (e) { throw toTyped(e); }
};
/** Verifies a CertifiedBlock against a preset (`mainnet` by default), statelessly. */
export const verifyCertifiedBlock = wrapFree(wasmVerifyCertifiedBlock);
/** Checks an `eth_getProof` answer for a `balanceQuery()` against the query's state root. */
export const verifyBalance = wrapFree(wasmVerifyBalance);
/** Checks an `eth_getProof` answer against a header you verified (its `stateRoot`). */
export const verifyProof = wrapFree(wasmVerifyProof);
/** The core's rule for `latest` state reads: `StaleState` past `maxStateLag` blocks behind. */
const checkFreshState = wrapFree(wasmCheckFreshState);

// ---- per-client state -------------------------------------------------------------------

const STATUS = new WeakMap();
/** Each client's lifetime: aborted by `free()`/`destroy()` with a `Destroyed` error. */
const LIFETIME = new WeakMap();
function lifetime(client) {
  let controller = LIFETIME.get(client);
  if (!controller) {
    controller = new AbortController();
    LIFETIME.set(client, controller);
  }
  return controller.signal;
}
/** The JSON-RPC transport `follow()` last used for a client (for `getVerifiedBalance`). */
const RPC = new WeakMap();
/** Clients whose `follow()` runs. */
const FOLLOWING = new WeakSet();
/** `{ adapter, key }` of clients created with `storage`. */
const STORAGE = new WeakMap();
/** Listeners: Map<type, Set<fn>>. */
const LISTENERS = new WeakMap();

function emit(client, type, payload) {
  const set = LISTENERS.get(client)?.get(type);
  if (!set) return;
  for (const fn of [...set]) {
    try { fn(payload); } catch {} // a listener's exception is its own business
  }
}

function setStatus(client, status) {
  if (STATUS.get(client) === status) return;
  STATUS.set(client, status);
  emit(client, 'status', status);
}

Object.defineProperty(P, 'status', {
  configurable: true,
  /** `syncing` | `synced` | `stalled` | `stopped` | `frozen` | `destroyed`. */
  get() {
    if (!this.__wbg_ptr) return 'destroyed';
    if (this.frozen) return 'frozen';
    return STATUS.get(this) ?? 'stopped';
  },
});

const EVENT_TYPES = new Set(['finalized', 'epoch', 'rotation', 'headers', 'presetSuperseded', 'equivocation', 'error', 'status', 'event']);

/**
 * Listens to `type`: `finalized`, `epoch`, `rotation` (an epoch whose identity changed),
 * `headers`, `presetSuperseded`, `equivocation`, `error` (every error `follow()` meets,
 * retried ones too), `status` (the new status), or `event` (every core event). Returns a
 * function that removes the listener.
 */
P.on = function on(type, listener) {
  alive(this);
  if (!EVENT_TYPES.has(type) || typeof listener !== 'function') {
    throw typed('InvalidInput', `on(type, listener): unknown event type ${JSON.stringify(type)} or no function`, false);
  }
  let map = LISTENERS.get(this);
  if (!map) LISTENERS.set(this, (map = new Map()));
  if (!map.has(type)) map.set(type, new Set());
  map.get(type).add(listener);
  return () => this.off(type, listener);
};
/** Removes a listener added with `on`. */
P.off = function off(type, listener) {
  const map = LISTENERS.get(this);
  map?.get(type)?.delete(listener);
  if (map?.get(type)?.size === 0) map.delete(type);
};
/** The number of listeners (all types, or one): for leak checks. */
P.listenerCount = function listenerCount(type) {
  const map = LISTENERS.get(this);
  if (!map) return 0;
  if (type) return map.get(type)?.size ?? 0;
  let n = 0;
  for (const set of map.values()) n += set.size;
  return n;
};

/**
 * Resolves once `done()` holds, checked at every status or finalized event; rejects with
 * `Destroyed` if the client is destroyed, with the error that stopped `follow()`, with
 * `Aborted` if `signal` aborts, or with `Timeout` after `timeoutMs`.
 */
function waitFor(client, done, what, { signal, timeoutMs } = {}) {
  try { alive(client); } catch (e) { return Promise.reject(e); }
  if (done()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const life = lifetime(client);
    let timer = null;
    const offs = [];
    const finish = (error) => {
      clearTimeout(timer);
      for (const off of offs) off();
      life.removeEventListener('abort', onDestroy);
      signal?.removeEventListener('abort', onAbort);
      if (error) reject(error); else resolve();
    };
    const check = () => { try { if (done()) finish(); } catch (e) { finish(toTyped(e)); } };
    const onDestroy = () => finish(life.reason instanceof TempoLightError ? life.reason : destroyedError());
    const onAbort = () => finish(typed('Aborted', `${what} was cancelled`, false));
    if (signal?.aborted) return onAbort();
    offs.push(client.on('status', check), client.on('finalized', check), onStopped(client, (e) => finish(e)));
    life.addEventListener('abort', onDestroy, { once: true });
    signal?.addEventListener('abort', onAbort, { once: true });
    if (timeoutMs !== undefined && timeoutMs !== Infinity) {
      timer = setTimeout(() => finish(typed('Timeout', `${what}: not within ${timeoutMs} ms`, true)), timeoutMs);
    }
  });
}
/**
 * `promise`, or `Aborted` as soon as `signal` aborts, or `Destroyed` as soon as the client is
 * destroyed (what is awaited goes on, unobserved).
 */
function untilStopped(client, promise, signal, what) {
  try { alive(client); } catch (e) { return Promise.reject(e); }
  const life = lifetime(client);
  let off = () => {};
  const stopped = new Promise((_, reject) => {
    const onDestroy = () => reject(life.reason instanceof TempoLightError ? life.reason : destroyedError());
    const onAbort = () => reject(typed('Aborted', `${what} was cancelled`, false));
    if (life.aborted) return onDestroy();
    if (signal?.aborted) return onAbort();
    life.addEventListener('abort', onDestroy, { once: true });
    signal?.addEventListener('abort', onAbort, { once: true });
    off = () => {
      life.removeEventListener('abort', onDestroy);
      signal?.removeEventListener('abort', onAbort);
    };
  });
  return Promise.race([promise, stopped]).finally(() => off());
}
/** Internal: called when `follow()` stops on an error. */
const STOPPED = new WeakMap();
function onStopped(client, fn) {
  let set = STOPPED.get(client);
  if (!set) STOPPED.set(client, (set = new Set()));
  set.add(fn);
  return () => set.delete(fn);
}

/** Resolves once the client has a verified head (at once if it has one). */
P.ready = function ready(options) {
  return waitFor(this, () => this.head !== null, 'ready()', options);
};
/** Resolves once `follow()` has caught up with the newest finalization (status `synced`). */
P.waitSynced = function waitSynced(options) {
  return waitFor(this, () => STATUS.get(this) === 'synced', 'waitSynced()', options);
};

// ---- follow -----------------------------------------------------------------------------

/**
 * Follows the chain: answers the client's requests until `signal` aborts, the client is
 * destroyed, or a proof fails. Retryable errors (unavailable server, timeouts) are retried
 * forever by default (`maxRetries`), with a backoff from `retryDelayMs` doubling up to
 * `maxRetryDelayMs`. Resolves when stopped by the signal or `destroy()`; rejects with the
 * error that stopped it otherwise. One `follow()` per client at a time (`FollowActive`).
 */
P.follow = async function follow(options = {}) {
  alive(this);
  if (FOLLOWING.has(this)) {
    throw typed('FollowActive', 'this client is already following: stop the running follow() (its signal) before starting another', false);
  }
  const {
    rpc,
    http: httpUrl,
    provider,
    request = provider && typeof provider.request === 'function' ? (args) => provider.request(args) : undefined,
    transport = rpc && /^wss?:/i.test(rpc) ? 'websocket' : 'http',
    signal,
    onFinalized,
    onEpoch,
    onHeaders,
    onEvent,
    onError,
    pollMs = 1000,
    timeoutMs = DEFAULT_TIMEOUT_MS,
    maxResponseBytes = MAX_RESPONSE_BYTES,
    maxRetries = Infinity,
    retryDelayMs = 250,
    maxRetryDelayMs = 8000,
    concurrency = 8,
  } = options;
  if (!rpc && !request) throw typed('InvalidInput', 'follow needs `rpc` (a URL), `request` (an EIP-1193 function) or `provider` (an EIP-1193 provider)', false);
  if (provider !== undefined && (typeof provider?.request !== 'function')) throw typed('InvalidInput', 'follow: `provider` must be an EIP-1193 provider (with request)', false);
  if (rpc !== undefined && (typeof rpc !== 'string' || !/^(https?|wss?):\/\//i.test(rpc))) {
    throw typed('InvalidInput', 'follow: `rpc` must be an http(s):// or ws(s):// URL', false);
  }
  if (request !== undefined && typeof request !== 'function') throw typed('InvalidInput', 'follow: `request` must be a function', false);
  const report = (e) => {
    try { onError?.(e); } catch {} // an onError that throws has nowhere left to report to
    emit(this, 'error', e);
  };
  // A callback that throws does not stop following (the state already advanced): its
  // exception is reported as a `ListenerFailed` error.
  const callback = (fn, event) => {
    if (!fn) return;
    try {
      fn(event);
    } catch (e) {
      report(typed('ListenerFailed', `a ${event.type} callback threw: ${e?.message ?? e}`, false, e));
    }
  };
  const canSocket = typeof WebSocket !== 'undefined';
  if (transport === 'websocket' && !canSocket) {
    report(typed('SubscriptionRefused', 'no WebSocket in this runtime; polling over HTTP', true));
  }
  FOLLOWING.add(this);
  // Every call is bounded: `timeoutMs` for the whole answer, `maxResponseBytes`, and
  // cancelled at once by `signal` or by the client's `free()`/`destroy()`.
  const life = lifetime(this);
  const signals = [signal, life];
  const stopped = () => !!signal?.aborted || life.aborted;
  const limits = { timeoutMs, maxResponseBytes, signals };
  // Subscriptions need a ws(s) URL: `rpc` itself, also when `request` answers the other calls.
  // Or through an EIP-1193 provider that emits `message` events (EIP-1193 subscriptions).
  const ws = canSocket && rpc && transport === 'websocket' ? wsTransport(rpc.replace(/^http/i, 'ws'), limits)
    : provider && typeof provider.on === 'function' ? eip1193SubscriptionTransport(provider, limits)
      : null;
  if (httpUrl !== undefined && (typeof httpUrl !== 'string' || !/^https?:\/\//i.test(httpUrl))) {
    throw typed('InvalidInput', 'follow: `http` must be an http(s):// URL', false);
  }
  // Every call goes where it can be answered. Real nodes serve HTTP and WebSocket on separate
  // ports, each refusing the other protocol: given a ws(s):// `rpc`, every call goes over that
  // socket, unless an `http` URL (or a `request` function) is given for them.
  const http = request ? eip1193Transport(request)
    : httpUrl ? httpTransport(httpUrl)
      : ws && rpc && /^wss?:/i.test(rpc) ? ws
        : httpTransport(toHttpUrl(rpc));
  const calls = ws ?? http;
  RPC.set(this, http);
  let subscribe = !!ws;
  let failures = 0;
  setStatus(this, 'syncing');

  const storage = STORAGE.get(this);
  const dispatch = async (events) => {
    let advanced = false;
    for (const event of events) {
      // No callback after the abort (a callback may abort in the middle of a batch); the
      // client's state has advanced all the same, and is saved below.
      if (stopped()) { advanced = true; break; }
      callback(onEvent, event);
      emit(this, 'event', event);
      if (event.type === 'finalized') { advanced = true; callback(onFinalized, event); emit(this, 'finalized', event); }
      else if (event.type === 'epoch') {
        advanced = true;
        callback(onEpoch, event);
        emit(this, 'epoch', event);
        if (event.rotated) emit(this, 'rotation', event);
      } else if (event.type === 'headers') { callback(onHeaders, event); emit(this, 'headers', event); }
      else emit(this, event.type, event);
    }
    // Saved after every advance, the last one too (even if a callback just aborted).
    if ((advanced || events.length) && storage && this.__wbg_ptr) await save(this, storage, report);
  };
  const timed = (fn) => {
    const started = globalThis.performance?.now() ?? Date.now();
    const events = fn();
    const ms = (globalThis.performance?.now() ?? Date.now()) - started;
    for (const event of events) if (event.type === 'finalized') event.verifyMs = ms;
    return events;
  };

  try {
    while (!stopped()) {
      const next = this.nextRequest();
      if (next === null) { setStatus(this, 'frozen'); break; }
      try {
        if (next.type === 'latest') {
          let block = null;
          if (subscribe) {
            try {
              if (!ws.subscribed) await ws.subscribe();
              block = await ws.nextFinalized(pollMs * 4, signal);
            } catch (e) {
              if (stopped()) throw e;
              if (!e.retryable) { subscribe = false; report(typed('SubscriptionRefused', `subscription refused (${e.message}); polling`, true)); }
              else throw e;
            }
          }
          if (stopped()) break;
          block ??= await calls.call('consensus_getFinalization', ['latest'], limits);
          if (stopped()) break;
          let caughtUp = false;
          try {
            await dispatch(timed(() => this.onFinalization(block)));
          } catch (e) {
            if (e.code !== 'NotNewer') throw e;
            caughtUp = true;
          }
          if (stopped()) break;
          if (caughtUp) {
            setStatus(this, 'synced');
            if (!subscribe) await sleep(pollMs, signals);
            failures = 0;
            continue;
          }
        } else if (next.type === 'finalization') {
          const heights = this.boundariesWanted(BOUNDARY_RUN);
          if (heights.length <= 1) {
            const block = await calls.call('consensus_getFinalization', [{ height: Number(next.height) }], limits);
            if (stopped()) break;
            await dispatch(timed(() => this.onFinalization(block)));
          } else {
            // Bridging epochs: a run of boundaries, whose certificates the core verifies
            // together (decided exactly as one by one, all or nothing). Fetched `concurrency`
            // at a time, and cut once its headers pass BOUNDARY_RUN_BYTES: the answers are
            // held until the run is handed over. Counted from the answers as received, all
            // of each (not a member of it: the core decides which member is the header).
            const run = [];
            let bytes = 0;
            const counted = { ...limits, onBytes: (n) => { bytes += n; } };
            for (let i = 0; i < heights.length && bytes < BOUNDARY_RUN_BYTES && !stopped(); i += concurrency) {
              const part = await Promise.all(heights.slice(i, i + concurrency).map((h) =>
                calls.call('consensus_getFinalization', [{ height: h }], counted)));
              run.push(...part);
            }
            if (stopped()) break;
            await dispatch(timed(() => this.onBoundaries(run)));
          }
        } else {
          const heights = [];
          for (let h = next.from; h <= next.to; h++) heights.push(h);
          const headers = [];
          for (let i = 0; i < heights.length; i += concurrency) {
            const part = await Promise.all(heights.slice(i, i + concurrency).map((h) =>
              http.call('eth_getBlockByNumber', [`0x${h.toString(16)}`, false], limits)));
            for (const header of part) {
              // A follower node publishes a finalization before it has executed the block:
              // its header answers null for a while. Transient: retried like 204/503.
              if (header === null) throw typed('RpcUnavailable', 'the server does not have a requested block (not executed yet?)', true);
              headers.push(header);
            }
          }
          if (stopped()) break;
          await dispatch(this.onHeaders(headers));
        }
        if (stopped()) break;
        setStatus(this, this.idle && next.type === 'latest' ? 'synced' : 'syncing');
        failures = 0;
      } catch (caught) {
        if (stopped()) break;
        const e = toTyped(caught);
        if (e.retryable && failures < maxRetries) {
          failures += 1;
          setStatus(this, 'stalled');
          report(e);
          await sleep(Math.min(retryDelayMs * 2 ** (failures - 1), maxRetryDelayMs), signals);
          continue;
        }
        setStatus(this, this.frozen ? 'frozen' : 'stopped');
        report(e);
        for (const fn of [...(STOPPED.get(this) ?? [])]) fn(e);
        throw e;
      }
    }
  } finally {
    ws?.close();
    FOLLOWING.delete(this);
    if (this.__wbg_ptr && STATUS.get(this) !== 'frozen') setStatus(this, 'stopped');
  }
};

/** Whether `follow()` runs. */
Object.defineProperty(P, 'following', { configurable: true, get() { return FOLLOWING.has(this); } });

// ---- persistence ------------------------------------------------------------------------

async function save(client, { adapter, key }, report) {
  try {
    await adapter.set(key, client.toState());
  } catch (e) {
    report(typed('StorageUnavailable', `could not save the state under "${key}": ${e?.message ?? e}`, true, e));
  }
}

/** Saves the state now (clients created with `storage`; otherwise a no-op). */
P.save = async function saveNow() {
  alive(this);
  const storage = STORAGE.get(this);
  if (!storage) return;
  await storage.adapter.set(storage.key, this.toState());
};

function defaultKey(network) {
  if (network === 'mainnet' || network === 'testnet') return `tempo-light:${network}`;
  return `tempo-light:custom:${network.chainId ?? 0}:${String(network.identity).slice(2, 18).toLowerCase()}`;
}

/**
 * Creates a client once the wasm is loaded: `network` is `'mainnet'` (default), `'testnet'`
 * or a custom network; `state` resumes from `toState()`'s output; `storage` (an adapter
 * `{ get(key), set(key, value) }`, `'localStorage'`, `'indexedDB'`) resumes from the saved
 * state and saves after every advance. Saved state that cannot be read or belongs to
 * another network is refused with a `StorageError` (`StorageCorrupt`/`StorageMismatch`) and
 * left as it is.
 */
TempoLightClient.create = async function create(options = {}) {
  const { network = 'mainnet', state, storage, storageKey, wasm } = options;
  await init(wasm === undefined ? undefined : { wasm });
  // The core checks state against the network it is loaded for (NetworkMismatch).
  const client = state === undefined ? clientOf(network) : resumeFor(network, state);
  if (!storage) return client;
  let adapter;
  try {
    adapter = storageAdapter(storage);
  } catch (e) {
    client.destroy();
    throw e;
  }
  const key = storageKey ?? defaultKey(network);
  let saved;
  try {
    saved = await adapter.get(key);
  } catch (e) {
    client.destroy();
    throw typed('StorageUnavailable', `could not read the state saved under "${key}": ${e?.message ?? e}`, true, e);
  }
  if (saved !== null && saved !== undefined) {
    let resumed;
    try {
      // The core checks shape, bounds and the network the state was saved for.
      resumed = client.resume(saved);
    } catch (e) {
      client.destroy();
      if (e?.code === 'NetworkMismatch') {
        throw typed('StorageMismatch', `the state saved under "${key}" is for another network (${e.message}); it was left as it is`, false, e);
      }
      throw typed('StorageCorrupt', `the state saved under "${key}" is not valid (${e.message}); it was left as it is: remove it yourself to start afresh`, false, e);
    }
    client.destroy();
    STORAGE.set(resumed, { adapter, key });
    return resumed;
  }
  STORAGE.set(client, { adapter, key });
  return client;
};

// ---- balances and proofs ----------------------------------------------------------------

/**
 * The transport of a one-off call (`getVerifiedBalance`, `confirmPayment`): over `request`
 * or `rpc` when given (a connection of its own, which `release()` closes), otherwise the one
 * `follow()` uses (null when the client is not following).
 */
function callTransport(client, { rpc, request }, limits) {
  if (request) return { transport: eip1193Transport(request), release() {} };
  if (rpc) {
    const transport = /^wss?:/i.test(rpc) && typeof WebSocket !== 'undefined'
      ? wsTransport(rpc, limits)
      : httpTransport(toHttpUrl(rpc));
    return { transport, release: () => transport.close?.() };
  }
  return { transport: RPC.get(client) ?? null, release() {} };
}

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
async function atServableBlock(client, transport, limits, { retries = 8, retryDelayMs = 100, maxRetryDelayMs = 1000, maxStateLag, what }, { fetch, check }) {
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
      balanceSteps(atHead, (method, params) => transport.call(method, params, limits)));
  } finally {
    release();
  }
};

/**
 * A fresh block that is final and that the node has executed, `{ height, hash, stateRoot }`:
 * the node's execution head (`executed`, its `eth_blockNumber`: it only chooses the height), proven final
 * by its own certificate (verified purely, under the identity this client trusts for its
 * epoch); or, where that block is not final yet, the newest finalization if the node has
 * executed it; or the verified head if the node is at it.
 */
async function servableBlock(client, transport, limits, scratch, executed) {
  const head = client.head;
  if (executed === head.height) return head;
  if (executed > BigInt(Number.MAX_SAFE_INTEGER)) throw typed('RpcError', `eth_blockNumber: ${executed} is no block height`, false);
  let block = null;
  try {
    block = await transport.call('consensus_getFinalization', [{ height: Number(executed) }], limits);
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
    const newest = await transport.call('consensus_getFinalization', ['latest'], limits);
    if (newest === null || newest === undefined) throw typed('RpcUnavailable', 'the server has no finalization yet', true);
    alive(client);
    verified = await verifyFinal(client, newest, transport, limits, scratch);
    if (verified.height > executed) {
      throw typed('RpcUnavailable', `block ${executed}, the node's execution head, is not final yet, and the newest final block ${verified.height} is not executed yet`, true);
    }
  }
  const now = client.head;
  if (verified.height <= now.height && now.height <= executed) return now;
  return { height: verified.height, hash: verified.hash, stateRoot: verified.stateRoot };
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
    const length = client.network.epochLength;
    let claimed = null;
    try { claimed = quantityOf(block?.block?.header?.number ?? block?.header?.number, 'number'); } catch {}
    // Identities are learnt at each epoch's last block: through the head's epoch, and the
    // next one once the head is that last block.
    const known = head ? (head.height + 1n) / length : 0n;
    if (!(e instanceof VerificationError) || claimed === null || claimed / length <= known) throw e;
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
        throw typed('StaleHead', `block ${claimed} is in epoch ${claimed / length}, past the epochs this client has verified (its head is block ${head?.height ?? 'none'}), and following from its head did not reach it in time: follow() first`, true, e);
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

// ---- lazily loaded parts -------------------------------------------------------------------

// Two parts load lazily, each by a dynamic `import()` (a chunk of its own for bundlers): the
// payments module (js/payments.js) and keccak-256 (keccak.js, for the provider's eth_getCode).
// A service worker may not `import()`: the worker entry (worker.js) imports both statically
// and supplies them here, and they are used instead.

/** The modules supplied by an entry that imported them statically, by name. */
const supplied = { __proto__: null };
const inServiceWorker = () =>
  typeof ServiceWorkerGlobalScope === 'function' && globalThis instanceof ServiceWorkerGlobalScope;
/**
 * Whether an `import()` that failed with `e` may succeed if asked again: a fetch of the module
 * that failed (network, HTTP; a bundler's `ChunkLoadError`) may, as browsers that follow
 * whatwg/html#10327 fetch it again. A service worker may not `import()` at all, and a module
 * missing from disk (Node's `ERR_MODULE_NOT_FOUND`), that does not parse or that throws while
 * it runs fails the same way again.
 */
const importRetryable = (e) =>
  !inServiceWorker() && (e?.name === 'ChunkLoadError' || (e instanceof TypeError && e.code === undefined));
/**
 * The lazily loaded module `name`: the one supplied, or else `importer()` (the dynamic
 * import). Rejects with `InitFailed` (retryable as `importRetryable` says).
 */
async function lazyModule(name, importer) {
  if (supplied[name]) return supplied[name];
  try {
    return await importer();
  } catch (e) {
    const hint = inServiceWorker() ? " (a service worker may not import(): import 'tempo-light/worker' there, which imports it statically)" : '';
    throw typed('InitFailed', `could not load tempo-light's ${name} module${hint}: ${e?.message ?? e}`, importRetryable(e), e);
  }
}

// ---- payments ----------------------------------------------------------------------------

/** The payments module's source set by `init({ paymentsWasm })`. */
let paymentsSource;
let paymentsLoading = null;
/** The payments module (js/payments.js and its wasm), loaded once on the first payment call. */
function paymentsModule() {
  if (!paymentsLoading) {
    paymentsLoading = (async () => {
      const { loadPayments } = await lazyModule('payments', () => import('./payments.js'));
      try {
        const source = paymentsSource ?? (platform?.loadPayments ? await platform.loadPayments() : undefined);
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
  if (input != null && !paymentsLoading) paymentsSource = wasmSource(input);
  return paymentsModule().then(() => undefined);
}

/**
 * What the payments module verifies under: the identity `client` trusts for the epoch it asks
 * about (`verifyingIdentity`: the core picks it, and refuses once frozen), never the client's
 * whole state.
 */
function trustOf(client) {
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
const quantityOf = (value, what) => {
  if (typeof value !== 'string' || !/^0x[0-9a-fA-F]{1,16}$/.test(value)) {
    throw typed('RpcError', `${what}: not a quantity`, false);
  }
  return BigInt(value);
};
const quantity = (n) => `0x${n.toString(16)}`;
/**
 * Runs `prove` of the payments module (`confirmPayment` or `provenTransaction`) on block
 * `height`'s evidence: its certificate (`consensus_getFinalization`), then the calls the core's
 * `PaymentQuery` names for its transactions and receipts (a refusal handed back by its
 * JSON-RPC code: the query knows the fallback). `prove(m, input, query)` gets `input` `{ block,
 * height, trust }`. `null` when the server has no finalization at that height. (Nothing
 * fetched is trusted.)
 */
async function proveFromBlock(client, transport, height, limits, prove) {
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

const free = P.free;
/**
 * Releases the wasm memory and stops everything; safe to call twice. A running `follow()`
 * resolves; pending work (`getVerifiedBalance`, `ready`, `waitSynced`, provider calls)
 * rejects with `Destroyed`; listeners are removed.
 */
P.free = function () {
  const controller = LIFETIME.get(this) ?? new AbortController();
  LIFETIME.set(this, controller);
  if (!controller.signal.aborted) controller.abort(destroyedError());
  if (this.__wbg_ptr) {
    emit(this, 'status', 'destroyed');
    free.call(this);
  }
  LISTENERS.delete(this);
  STOPPED.delete(this);
};
/** Same as `free()`. */
P.destroy = P.free;
if (typeof Symbol.dispose === 'symbol') P[Symbol.dispose] = P.free;

/** @internal: for the provider. */
export const _internals = {
  lifetime,
  transportOf: (client) => RPC.get(client),
  alive,
  atServableBlock,
  balanceSteps,
  /** A lazily loaded module (see `lazyModule`): `load('keccak', () => import('./keccak.js'))`. */
  load: lazyModule,
  /**
   * Supplies modules imported statically (`{ payments, keccak }`: the namespaces of
   * payments.js and keccak.js), used instead of `import()`: for the worker entry, as a
   * service worker may not `import()`.
   */
  supply(modules) {
    for (const [name, module] of Object.entries(modules)) if (module) supplied[name] = module;
  },
  // For the provider's eth_getTransactionByHash / eth_getTransactionReceipt.
  proveFromBlock,
  loadPayments: () => paymentsModule(),
  /**
   * The error helpers the worker entry rebuilds errors with (through here, so that the
   * package's shared module, index.js, exports nothing of errors.js beyond the classes).
   */
  errors: { classFor, toTyped, typed },
};

export { TempoLightClient };
