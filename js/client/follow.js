// `follow()`: the driver that answers the client's requests (`nextRequest`) over HTTP, a
// WebSocket subscription or an EIP-1193 provider, hands the answers to the core, dispatches
// the core's events to callbacks and listeners, saves the state after every advance, and
// retries what is retryable.

import { typed, toTyped } from '../errors.js';
import {
  DEFAULT_TIMEOUT_MS,
  MAX_RESPONSE_BYTES,
  eip1193SubscriptionTransport,
  eip1193Transport,
  httpTransport,
  sleep,
  toHttpUrl,
  wsTransport,
} from '../transport.js';
import { P, alive } from './wasm.js';
import { FOLLOWING, RPC, STATUS, STOPPED, STORAGE, emit, lifetime, setStatus } from './lifecycle.js';
import { save } from './persistence.js';

/** follow() bridges epochs in runs of up to this many boundaries (`boundariesWanted`)... */
const BOUNDARY_RUN = 64;
/** ...cut once their headers' JSON passes this many bytes (as the CLI's `follow`). */
const BOUNDARY_RUN_BYTES = 1 << 20;

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
  // What the core reads (certified blocks, headers) goes to it as the answer's text.
  const answers = { ...limits, text: true };
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
          block ??= await calls.call('consensus_getFinalization', ['latest'], answers);
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
            const block = await calls.call('consensus_getFinalization', [{ height: Number(next.height) }], answers);
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
            const counted = { ...answers, onBytes: (n) => { bytes += n; } };
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
              http.call('eth_getBlockByNumber', [`0x${h.toString(16)}`, false], answers)));
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
