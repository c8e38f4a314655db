// tempo-light: Tempo finality, verified in WebAssembly.
//
// This file is the package's entry point. It loads the wasm module (in browsers with
// fetch, in Node from the file beside it) and adds `follow`, the driver that answers the
// sans-IO client's requests over JSON-RPC (fetch, WebSocket, or a caller's EIP-1193
// `request`). Every decision is the wasm core's; this file only moves bytes.

import init, {
  initSync,
  TempoLightClient,
  verifyBalance,
  verifyCertifiedBlock,
  verifyProof,
} from './tempo_light.js';

const isNode = typeof process !== 'undefined' && !!process.versions?.node;
if (isNode) {
  const { readFile } = await import('node:fs/promises');
  initSync({ module: await readFile(new URL('./tempo_light_bg.wasm', import.meta.url)) });
} else {
  await init({ module_or_path: new URL('./tempo_light_bg.wasm', import.meta.url) });
}

/** A transport or server error, shaped like the core's errors. */
class RpcError extends Error {
  constructor(message, code, retryable) {
    super(message);
    this.name = 'TempoLightError';
    this.code = code;
    this.retryable = retryable;
  }
}

/** The default cap on one answer (an HTTP body or a WebSocket message): 16 MB. */
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 10000;

const aborted = (why) => new RpcError(why, 'Aborted', false);
const tooLarge = (what, max) =>
  new RpcError(`${what} is over the ${max}-byte cap (maxResponseBytes)`, 'ResponseTooLarge', true);

/** Waits `ms`, or less if one of `signals` aborts. */
const sleep = (ms, signals = []) =>
  new Promise((resolve) => {
    const watched = signals.filter(Boolean);
    if (watched.some((s) => s.aborted)) return resolve();
    const done = () => {
      clearTimeout(timer);
      for (const s of watched) s.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    for (const s of watched) s.addEventListener('abort', done, { once: true });
  });

/**
 * Runs `fn(signal, fail)` and settles with it, unless first: `timeoutMs` passes (a retryable
 * `Timeout`), one of `signals` aborts (`Aborted`), or `fn` calls `fail(error)`. Then it
 * rejects at once, aborts the `signal` it gave `fn` (which cancels a fetch and its body) and
 * drops whatever `fn` settles with later. `onStop(error)` runs once when that happens.
 */
function bounded(fn, { timeoutMs = DEFAULT_TIMEOUT_MS, signals = [], what = 'the call', onStop } = {}) {
  const controller = new AbortController();
  const watched = signals.filter(Boolean);
  let timer;
  let settle;
  const result = new Promise((resolve, reject) => {
    let settled = false;
    settle = (error, value) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      for (const s of watched) s.removeEventListener('abort', onAbort);
      if (error) {
        if (!controller.signal.aborted) controller.abort(error);
        try { onStop?.(error); } catch {}
        reject(error);
      } else {
        resolve(value);
      }
    };
  });
  const onAbort = () => settle(aborted(`${what} was cancelled (aborted, or the client was destroyed)`));
  for (const s of watched) {
    if (s.aborted) { onAbort(); return result; }
    s.addEventListener('abort', onAbort, { once: true });
  }
  timer = setTimeout(() => settle(new RpcError(`no complete answer to ${what} in ${timeoutMs} ms`, 'Timeout', true)), timeoutMs);
  Promise.resolve()
    .then(() => fn(controller.signal, (error) => settle(error)))
    .then((value) => settle(null, value), (error) => settle(error ?? new Error('failed')));
  return result;
}

function serverError(error) {
  const code = Number(error?.code);
  const retryable = code === 204 || code === 503;
  return new RpcError(`RPC error ${error?.code}: ${error?.message ?? ''}`, retryable ? 'RpcUnavailable' : 'RpcError', retryable);
}

/**
 * A response body as text, read chunk by chunk; over `maxBytes` (announced by content-length
 * or while streaming) the body is cancelled and a `ResponseTooLarge` error thrown.
 */
async function readBody(response, maxBytes, url) {
  const announced = Number(response.headers.get('content-length'));
  if (announced > maxBytes) {
    response.body?.cancel().catch(() => {});
    throw tooLarge(`the answer from ${url} (content-length ${announced})`, maxBytes);
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      chunks.length = 0;
      reader.cancel().catch(() => {});
      throw tooLarge(`the answer from ${url}`, maxBytes);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) { bytes.set(chunk, at); at += chunk.byteLength; }
  return new TextDecoder().decode(bytes);
}

/**
 * JSON-RPC over HTTP with the platform's fetch. Each call is bounded by `limits`:
 * `{ timeoutMs, maxResponseBytes, signals }` (the timeout covers the whole answer).
 */
function httpTransport(url) {
  let id = 0;
  return {
    call(method, params, { timeoutMs, maxResponseBytes = MAX_RESPONSE_BYTES, signals } = {}) {
      return bounded(async (signal) => {
        let response;
        try {
          response = await fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params }),
            signal,
          });
        } catch (e) {
          throw new RpcError(`cannot reach ${url}: ${e?.message ?? e}`, 'RpcUnavailable', true);
        }
        let text;
        try {
          text = await readBody(response, maxResponseBytes, url);
        } catch (e) {
          if (e instanceof RpcError) throw e;
          throw new RpcError(`the answer from ${url} broke off: ${e?.message ?? e}`, 'RpcUnavailable', true);
        }
        let body;
        try {
          body = JSON.parse(text);
        } catch (e) {
          if (!response.ok) throw new RpcError(`HTTP ${response.status} from ${url}`, 'RpcUnavailable', true);
          throw new RpcError(`malformed JSON from ${url}: ${e.message}`, 'InvalidJson', false);
        }
        if (body?.error) throw serverError(body.error);
        if (!body || !('result' in body)) throw new RpcError('not a JSON-RPC response', 'InvalidJson', false);
        return body.result;
      }, { timeoutMs, signals, what: `${method} (${url})` });
    },
  };
}

/**
 * A caller's EIP-1193 `request` function (a viem transport, a wallet provider). Raced against
 * the timeout and the signals: its function cannot be cancelled, but a late answer is
 * dropped. (The size of its answers is the caller's function's business.)
 */
function eip1193Transport(request) {
  return {
    call(method, params, { timeoutMs, signals } = {}) {
      return bounded(async () => {
        try {
          return await request({ method, params });
        } catch (e) {
          if (e instanceof RpcError) throw e;
          if (e && typeof e.code === 'number') throw serverError(e);
          throw new RpcError(e?.message ?? String(e), 'RpcUnavailable', true);
        }
      }, { timeoutMs, signals, what: `${method} (EIP-1193 request)` });
    },
  };
}

/**
 * Node's WebSocket (undici) keeps the TCP socket it reads from under a symbol; where it is
 * there, the transport counts the bytes arriving on it (so a message that never ends is cut
 * off at the cap instead of being buffered until the timeout) and destroys it to stop at once
 * (its close() waits for the server's closing handshake while still buffering).
 */
function rawSocket(socket) {
  try {
    const key = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'response');
    const raw = key && socket[key]?.socket;
    return raw && typeof raw.destroy === 'function' && typeof raw.on === 'function' ? raw : null;
  } catch {
    return null;
  }
}

/**
 * JSON-RPC over a WebSocket, with the consensus_subscribe event stream. Each call (and the
 * connection) is bounded by `limits` like HTTP calls; a message over `maxResponseBytes`
 * closes the socket and fails the pending calls with `ResponseTooLarge`; a call that times
 * out or is aborted closes the socket too (which frees a half-received message).
 */
function wsTransport(url, limits) {
  const { maxResponseBytes = MAX_RESPONSE_BYTES } = limits;
  let socket = null;
  let opened = null;
  let id = 0;
  const pending = new Map();
  // Subscription events not yet consumed, with their sizes: at most 1024 of them and
  // `maxResponseBytes` in all (the oldest are dropped; follow() only needs the newest).
  const events = [];
  const sizes = [];
  let queued = 0;
  let wake = null;
  let subscription = null;

  /** Closes the socket now and fails every pending call with `error`. */
  function drop(error) {
    const s = socket;
    socket = null;
    opened = null;
    subscription = null;
    for (const { reject: fail } of pending.values()) fail(error);
    pending.clear();
    if (s) {
      s.onopen = s.onmessage = s.onerror = null;
      s.onclose = null;
      try { s.close(); } catch {}
      rawSocket(s)?.destroy();
    }
    wake?.();
  }

  function connect() {
    if (opened) return opened;
    const s = new WebSocket(url);
    socket = s;
    opened = new Promise((resolve, reject) => {
      let unread = 0; // bytes arrived since the last whole message
      s.onopen = () => {
        const raw = rawSocket(s);
        raw?.on('data', (chunk) => {
          unread += chunk.length;
          // A message's frame headers add at most 14 bytes per frame; allow a 64 KB margin.
          if (unread > maxResponseBytes + 65536 && socket === s) drop(tooLarge(`a message from ${url}`, maxResponseBytes));
        });
        resolve();
      };
      s.onerror = () => reject(new RpcError(`cannot connect to ${url}`, 'RpcUnavailable', true));
      s.onclose = (event) => {
        reject(new RpcError(`cannot connect to ${url}`, 'RpcUnavailable', true));
        if (socket !== s) return;
        drop(event?.code === 1009
          ? tooLarge(`a message from ${url}`, maxResponseBytes)
          : new RpcError(`connection closed${event?.reason ? `: ${event.reason}` : ''}`, 'RpcUnavailable', true));
      };
      s.onmessage = (message) => {
        unread = 0;
        const data = message.data;
        const size = typeof data === 'string' ? data.length : data?.byteLength ?? data?.size ?? 0;
        if (size > maxResponseBytes) {
          drop(tooLarge(`a message from ${url}`, maxResponseBytes));
          return;
        }
        if (typeof data !== 'string') return;
        let body;
        try { body = JSON.parse(data); } catch { return; }
        if (body?.id !== undefined && pending.has(body.id)) {
          const { resolve: done, reject: fail } = pending.get(body.id);
          pending.delete(body.id);
          if (body.error) fail(serverError(body.error)); else done(body.result);
        } else if (body?.method && body.params?.subscription === subscription) {
          events.push(body.params.result);
          sizes.push(size);
          queued += size;
          while (events.length > 1 && (events.length > 1024 || queued > maxResponseBytes)) {
            events.shift();
            queued -= sizes.shift();
          }
          wake?.();
        }
      };
    });
    opened.catch(() => {});
    return opened;
  }

  function call(method, params, { timeoutMs = limits.timeoutMs, signals = limits.signals } = {}) {
    let requestId = null;
    return bounded(async () => {
      await connect();
      if (!socket) throw new RpcError('connection closed', 'RpcUnavailable', true);
      requestId = ++id;
      return new Promise((resolve, reject) => {
        pending.set(requestId, { resolve, reject });
        socket.send(JSON.stringify({ jsonrpc: '2.0', id: requestId, method, params }));
      });
    }, {
      timeoutMs,
      signals,
      what: `${method} (${url})`,
      // Whatever stopped the call (timeout, abort, a message over the cap), the socket may be
      // in the middle of a hostile message: close it, which frees what it buffered.
      onStop: (error) => {
        if (requestId !== null) pending.delete(requestId);
        if (['Timeout', 'Aborted', 'ResponseTooLarge'].includes(error?.code)) drop(error);
      },
    });
  }

  return {
    call,
    async subscribe() {
      subscription = await call('consensus_subscribe', []);
    },
    get subscribed() { return subscription !== null; },
    /** The next finalized event, or null after `waitMs` or when `signal` aborts. */
    async nextFinalized(waitMs, signal) {
      const deadline = Date.now() + waitMs;
      for (;;) {
        while (events.length) {
          const event = events.shift();
          queued -= sizes.shift();
          if (event?.type === 'finalized') return event;
        }
        const left = deadline - Date.now();
        if (left <= 0 || signal?.aborted || subscription === null) return null;
        // Until the deadline, an event or a closed socket (`wake`), or an abort.
        const watched = [signal, ...(limits.signals ?? [])].filter(Boolean);
        await new Promise((resolve) => {
          const stop = () => {
            clearTimeout(timer);
            for (const s of watched) s.removeEventListener('abort', stop);
            wake = null;
            resolve();
          };
          const timer = setTimeout(stop, left);
          wake = stop;
          for (const s of watched) s.addEventListener('abort', stop, { once: true });
        });
        if (watched.some((s) => s.aborted)) return null;
      }
    },
    close() { drop(aborted('the transport was closed')); },
  };
}

function toHttpUrl(url) {
  return url.replace(/^ws/, 'http');
}

const STATUS = new WeakMap();
/** Each client's lifetime: aborted by `free()`/`destroy()`, which cancels its calls in flight. */
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

Object.defineProperty(TempoLightClient.prototype, 'status', {
  /** `syncing` | `synced` | `stalled` | `stopped` | `frozen`. */
  get() {
    if (!this.__wbg_ptr) return 'stopped';
    if (this.frozen) return 'frozen';
    return STATUS.get(this) ?? 'stopped';
  },
});

/**
 * Follows the chain: answers the client's requests until `signal` aborts or a proof fails.
 * Resolves when stopped by the signal; rejects with the error that stopped it otherwise.
 * Once the signal aborts, an answer still in flight is dropped: the client's state does not
 * change and no callback runs after the abort.
 */
TempoLightClient.prototype.follow = async function follow(options = {}) {
  const {
    rpc,
    request,
    transport = rpc && /^wss?:/.test(rpc) ? 'websocket' : 'http',
    signal,
    onFinalized,
    onEpoch,
    onHeaders,
    onEvent,
    onError,
    pollMs = 1000,
    timeoutMs = DEFAULT_TIMEOUT_MS,
    maxResponseBytes = MAX_RESPONSE_BYTES,
    maxRetries = 8,
    concurrency = 8,
  } = options;
  if (!rpc && !request) throw new RpcError('follow needs `rpc` (a URL) or `request` (an EIP-1193 function)', 'InvalidInput', false);
  const canSocket = typeof WebSocket !== 'undefined';
  if (transport === 'websocket' && !canSocket && !request) {
    onError?.(new RpcError('no WebSocket in this runtime; polling over HTTP', 'SubscriptionRefused', true));
  }
  // Every call is bounded: `timeoutMs` for the whole answer, `maxResponseBytes`, and
  // cancelled at once by `signal` or by the client's `free()`/`destroy()`.
  const life = lifetime(this);
  const signals = [signal, life];
  const stopped = () => !!signal?.aborted || life.aborted;
  const limits = { timeoutMs, maxResponseBytes, signals };
  const ws = request || !canSocket ? null : transport === 'websocket' ? wsTransport(rpc, limits) : null;
  const http = request ? eip1193Transport(request) : httpTransport(transport === 'websocket' ? toHttpUrl(rpc) : rpc);
  const calls = ws ?? http;
  RPC.set(this, http);
  let subscribe = !!ws;
  let failures = 0;
  STATUS.set(this, 'syncing');

  const dispatch = (events) => {
    for (const event of events) {
      onEvent?.(event);
      if (event.type === 'finalized') onFinalized?.(event);
      else if (event.type === 'epoch') onEpoch?.(event);
      else if (event.type === 'headers') onHeaders?.(event);
    }
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
      if (next === null) { STATUS.set(this, 'frozen'); break; }
      try {
        if (next.type === 'latest') {
          let block = null;
          if (subscribe) {
            try {
              if (!ws.subscribed) await ws.subscribe();
              block = await ws.nextFinalized(pollMs * 4, signal);
            } catch (e) {
              if (stopped()) throw e;
              if (!e.retryable) { subscribe = false; onError?.(new RpcError(`subscription refused (${e.message}); polling`, 'SubscriptionRefused', true)); }
              else throw e;
            }
          }
          if (stopped()) break;
          block ??= await calls.call('consensus_getFinalization', ['latest'], limits);
          if (stopped()) break;
          try {
            dispatch(timed(() => this.onFinalization(block)));
          } catch (e) {
            if (e.code !== 'NotNewer') throw e;
            STATUS.set(this, 'synced');
            if (!subscribe) await sleep(pollMs, signals);
          }
        } else if (next.type === 'finalization') {
          const block = await calls.call('consensus_getFinalization', [{ height: Number(next.height) }], limits);
          if (stopped()) break;
          dispatch(timed(() => this.onFinalization(block)));
        } else {
          const heights = [];
          for (let h = next.from; h <= next.to; h++) heights.push(h);
          const headers = [];
          for (let i = 0; i < heights.length; i += concurrency) {
            const part = await Promise.all(heights.slice(i, i + concurrency).map((h) =>
              http.call('eth_getBlockByNumber', [`0x${h.toString(16)}`, false], limits)));
            for (const header of part) {
              if (header === null) throw new RpcError('the server does not have a requested block', 'RpcUnavailable', true);
              headers.push(header);
            }
          }
          if (stopped()) break;
          dispatch(this.onHeaders(headers));
        }
        STATUS.set(this, this.idle && next.type === 'latest' ? 'synced' : 'syncing');
        failures = 0;
      } catch (e) {
        if (stopped()) break;
        if (e?.retryable && failures < maxRetries) {
          failures += 1;
          STATUS.set(this, 'stalled');
          onError?.(e);
          await sleep(Math.min(250 * 2 ** failures, 8000), signals);
          continue;
        }
        STATUS.set(this, this.frozen ? 'frozen' : 'stopped');
        onError?.(e);
        throw e;
      }
    }
  } finally {
    ws?.close();
    if (STATUS.get(this) !== 'frozen') STATUS.set(this, 'stopped');
  }
};

/**
 * Proves `account`'s balance of the TIP-20 `token` at the verified head: asks `eth_getProof`
 * (over `rpc`/`request`, or the endpoint `follow()` uses) and checks the answer against the
 * head's state root. Rejects with a `TempoLightError` if no head is verified yet
 * (`NoStateRoot`), the server is unreachable (`RpcUnavailable`, retryable) or the proof fails
 * (`ProofValueMismatch`, `ProofRootMismatch`, ...).
 */
TempoLightClient.prototype.getVerifiedBalance = async function getVerifiedBalance(options = {}) {
  const {
    token,
    account,
    rpc,
    request,
    signal,
    timeoutMs = DEFAULT_TIMEOUT_MS,
    maxResponseBytes = MAX_RESPONSE_BYTES,
  } = options;
  const query = this.balanceQuery(token, account);
  const transport = request
    ? eip1193Transport(request)
    : rpc
      ? httpTransport(toHttpUrl(rpc))
      : RPC.get(this);
  if (!transport) {
    throw new RpcError('getVerifiedBalance needs `rpc` or `request` (or a client that is following)', 'InvalidInput', false);
  }
  const proof = await transport.call(query.method, query.params, { timeoutMs, maxResponseBytes, signals: [signal, lifetime(this)] });
  return verifyBalance(query, proof);
};

/**
 * Checks an `eth_getProof` answer against `header` (default: the verified head's state root).
 * Pure; see `verifyProof`.
 */
TempoLightClient.prototype.verifyProof = function (proof, header = this.head) {
  if (!header?.stateRoot) throw new RpcError('no verified state root yet: follow until a block is final', 'NoStateRoot', false);
  return verifyProof(proof, header);
};

const free = TempoLightClient.prototype.free;
/**
 * Releases the wasm memory; safe to call twice. Cancels the client's calls in flight: a
 * `follow()` resolves, a `getVerifiedBalance()` rejects with `Aborted`.
 */
TempoLightClient.prototype.free = function () {
  LIFETIME.get(this)?.abort();
  if (this.__wbg_ptr) free.call(this);
};
/** Same as `free()`. */
TempoLightClient.prototype.destroy = TempoLightClient.prototype.free;

export { TempoLightClient, verifyCertifiedBlock, verifyBalance, verifyProof, RpcError };
export default TempoLightClient;
