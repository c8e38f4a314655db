// JSON-RPC transports of the package (HTTP with fetch, WebSocket with consensus_subscribe, a
// caller's EIP-1193 `request`), every call bounded in time and size and cancelled by signals.
// No Node built-in: this file is in the browser graph.
import { RpcError, TempoLightError, typed } from './errors.js';

/** The default cap on one answer (an HTTP body or a WebSocket message): 16 MB. */
export const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;
export const DEFAULT_TIMEOUT_MS = 10000;

export const aborted = (why) => typed('Aborted', why, false);

/**
 * What work watched by `signals` ends with once one of them has aborted: its reason when that
 * is a TempoLightError (the client's lifetime: `Destroyed`), else `Aborted`; `null` while none
 * has.
 */
export function stopError(signals, what) {
  const watched = signals.filter(Boolean);
  if (!watched.some((s) => s.aborted)) return null;
  const reason = watched.find((s) => s.aborted).reason;
  return reason instanceof TempoLightError ? reason : aborted(`${what} was cancelled`);
}
const tooLarge = (what, max) =>
  new RpcError(`${what} is over the ${max}-byte cap (maxResponseBytes)`, 'ResponseTooLarge', true);

/** Waits `ms`, or less if one of `signals` aborts. */
export const sleep = (ms, signals = []) =>
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
export function bounded(fn, { timeoutMs = DEFAULT_TIMEOUT_MS, signals = [], what = 'the call', onStop } = {}) {
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
  // A signal aborted with a TempoLightError (the client's lifetime: `Destroyed`) rejects with
  // it; any other abort is `Aborted`.
  const onAbort = () => settle(stopError(watched, what));
  for (const s of watched) {
    if (s.aborted) { onAbort(); return result; }
    s.addEventListener('abort', onAbort, { once: true });
  }
  timer = setTimeout(() => settle(new RpcError(`no complete answer to ${what} in ${timeoutMs} ms`, 'Timeout', true)), timeoutMs);
  Promise.resolve()
    .then(() => fn(controller.signal, (error) => settle(error)))
    .then((value) => settle(null, value), (error) => settle(error ?? typed('Internal', 'failed')));
  return result;
}

export function serverError(error) {
  const code = Number(error?.code);
  const retryable = code === 204 || code === 503;
  const e = new RpcError(`RPC error ${error?.code}: ${error?.message ?? ''}`, retryable ? 'RpcUnavailable' : 'RpcError', retryable);
  // The JSON-RPC error code, for callers that tell a node's answers apart (reth's -32602
  // "distance to target block exceeds maximum proof window", -32001 "header not found").
  e.rpcCode = Number.isFinite(code) ? code : undefined;
  return e;
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
 * What a call resolves with: the answer's `result`, or, with `text` (for answers the wasm
 * reads: certified blocks, headers, proofs), the JSON-RPC response's text as received, which
 * the core reads itself (no object built here to be written out again for it). Either way
 * the envelope was checked here (an `error`, no `result`), and a `null` or absent result is
 * that value, not text.
 */
const answer = (body, text, asText) => (asText && body.result != null ? text : body.result);

/**
 * JSON-RPC over HTTP with the platform's fetch. Each call is bounded by `limits`:
 * `{ timeoutMs, maxResponseBytes, signals }` (the timeout covers the whole answer);
 * `limits.onBytes(n)`, when given, is told the size of the answer as received; with
 * `limits.text`, a result is the response's text (see `answer`).
 */
export function httpTransport(url) {
  let id = 0;
  return {
    call(method, params, { timeoutMs, maxResponseBytes = MAX_RESPONSE_BYTES, signals, onBytes, text: asText } = {}) {
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
        onBytes?.(text.length);
        let body;
        try {
          body = JSON.parse(text);
        } catch (e) {
          if (!response.ok) throw new RpcError(`HTTP ${response.status} from ${url}`, 'RpcUnavailable', true);
          throw new RpcError(`malformed JSON from ${url}: ${e.message}`, 'InvalidJson', false);
        }
        if (body?.error) throw serverError(body.error);
        if (!body || !('result' in body)) throw new RpcError('not a JSON-RPC response', 'InvalidJson', false);
        return answer(body, text, asText);
      }, { timeoutMs, signals, what: `${method} (${url})` });
    },
  };
}

/**
 * A caller's EIP-1193 `request` function (a viem transport, a wallet provider). Raced against
 * the timeout and the signals: its function cannot be cancelled, but a late answer is
 * dropped. (The size of its answers is the caller's function's business.)
 */
export function eip1193Transport(request) {
  return {
    call(method, params, { timeoutMs, signals, onBytes } = {}) {
      return bounded(async () => {
        try {
          const result = await request({ method, params });
          // No bytes to count from a function's answer: its JSON's size, all of it.
          if (onBytes) onBytes(JSON.stringify(result ?? null)?.length ?? 0);
          return result;
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
export function wsTransport(url, limits) {
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
          const { resolve: done, reject: fail, onBytes, asText } = pending.get(body.id);
          pending.delete(body.id);
          onBytes?.(size);
          if (body.error) fail(serverError(body.error)); else done(answer(body, data, asText));
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

  function call(method, params, { timeoutMs = limits.timeoutMs, signals = limits.signals, onBytes, text: asText } = {}) {
    let requestId = null;
    return bounded(async () => {
      await connect();
      if (!socket) throw new RpcError('connection closed', 'RpcUnavailable', true);
      requestId = ++id;
      return new Promise((resolve, reject) => {
        pending.set(requestId, { resolve, reject, onBytes, asText });
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
        await sleepWakeable(left, watched, (stop) => { wake = stop; });
        if (watched.some((s) => s.aborted)) return null;
      }
    },
    close() { drop(aborted('the transport was closed')); },
  };
}

/**
 * Waits `ms`, or less: until one of `signals` aborts, or the function handed to `onWake` is
 * called (by an event, or the socket closing). `onWake(null)` once it is over.
 */
function sleepWakeable(ms, signals, onWake) {
  return new Promise((resolve) => {
    const stop = () => {
      clearTimeout(timer);
      for (const s of signals) s.removeEventListener('abort', stop);
      onWake(null);
      resolve();
    };
    const timer = setTimeout(stop, ms);
    onWake(stop);
    for (const s of signals) s.addEventListener('abort', stop, { once: true });
  });
}

export function toHttpUrl(url) {
  return url.replace(/^ws/i, 'http');
}

/**
 * An EIP-1193 provider that can subscribe (`request` plus `on`/`removeListener` for
 * `message` events, as EIP-1193 specifies for subscriptions: `{ type: 'eth_subscription',
 * data: { subscription, result } }`), with the same interface as `wsTransport`.
 * Queued events are capped like the WebSocket's: 1024, the oldest dropped.
 */
export function eip1193SubscriptionTransport(provider, limits) {
  const base = eip1193Transport((args) => provider.request(args));
  const events = [];
  let subscription = null;
  let wake = null;
  const onMessage = (message) => {
    const data = message?.data;
    if (message?.type !== 'eth_subscription' || subscription === null || data?.subscription !== subscription) return;
    events.push(data.result);
    while (events.length > 1024) events.shift();
    wake?.();
  };
  const call = (method, params, options = limits) => base.call(method, params, { ...limits, ...options });
  return {
    call,
    async subscribe() {
      const id = await call('consensus_subscribe', []);
      if (typeof id !== 'string' && typeof id !== 'number') throw new RpcError('consensus_subscribe answered no subscription id', 'SubscriptionRefused', false);
      subscription = id;
      provider.on('message', onMessage);
    },
    get subscribed() { return subscription !== null; },
    async nextFinalized(waitMs, signal) {
      const deadline = Date.now() + waitMs;
      const watched = [signal, ...(limits.signals ?? [])].filter(Boolean);
      for (;;) {
        while (events.length) {
          const event = events.shift();
          if (event?.type === 'finalized') return event;
        }
        const left = deadline - Date.now();
        if (left <= 0 || watched.some((s) => s.aborted) || subscription === null) return null;
        await sleepWakeable(left, watched, (stop) => { wake = stop; });
      }
    },
    close() {
      const id = subscription;
      subscription = null;
      events.length = 0;
      provider.removeListener?.('message', onMessage);
      wake?.();
      if (id !== null) Promise.resolve().then(() => provider.request({ method: 'consensus_unsubscribe', params: [id] })).catch(() => {});
    },
  };
}
