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

const sleep = (ms, signal) =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
  });

function serverError(error) {
  const code = Number(error?.code);
  const retryable = code === 204 || code === 503;
  return new RpcError(`RPC error ${error?.code}: ${error?.message ?? ''}`, retryable ? 'RpcUnavailable' : 'RpcError', retryable);
}

/** JSON-RPC over HTTP with the platform's fetch. */
function httpTransport(url, timeoutMs) {
  let id = 0;
  return {
    async call(method, params) {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), timeoutMs);
      let response;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params }),
          signal: controller.signal,
        });
      } catch (e) {
        throw new RpcError(`cannot reach ${url}: ${e?.message ?? e}`, 'RpcUnavailable', true);
      } finally {
        clearTimeout(timer);
      }
      let body;
      try {
        body = JSON.parse(await response.text());
      } catch (e) {
        if (!response.ok) throw new RpcError(`HTTP ${response.status} from ${url}`, 'RpcUnavailable', true);
        throw new RpcError(`malformed JSON from ${url}: ${e.message}`, 'InvalidJson', false);
      }
      if (body?.error) throw serverError(body.error);
      if (!body || !('result' in body)) throw new RpcError('not a JSON-RPC response', 'InvalidJson', false);
      return body.result;
    },
  };
}

/** A caller's EIP-1193 `request` function (a viem transport, a wallet provider). */
function eip1193Transport(request) {
  return {
    async call(method, params) {
      try {
        return await request({ method, params });
      } catch (e) {
        if (e instanceof RpcError) throw e;
        if (e && typeof e.code === 'number') throw serverError(e);
        throw new RpcError(e?.message ?? String(e), 'RpcUnavailable', true);
      }
    },
  };
}

/** JSON-RPC over a WebSocket, with the consensus_subscribe event stream. */
function wsTransport(url, timeoutMs) {
  let socket = null;
  let opened = null;
  let id = 0;
  const pending = new Map();
  const events = [];
  let wake = null;
  let subscription = null;

  function connect() {
    if (opened) return opened;
    opened = new Promise((resolve, reject) => {
      socket = new WebSocket(url);
      socket.onopen = () => resolve();
      socket.onerror = () => reject(new RpcError(`cannot connect to ${url}`, 'RpcUnavailable', true));
      socket.onclose = () => {
        for (const { reject: fail } of pending.values()) fail(new RpcError('connection closed', 'RpcUnavailable', true));
        pending.clear();
        opened = null;
        subscription = null;
        wake?.();
      };
      socket.onmessage = (message) => {
        let body;
        try { body = JSON.parse(message.data); } catch { return; }
        if (body.id !== undefined && pending.has(body.id)) {
          const { resolve: done, reject: fail } = pending.get(body.id);
          pending.delete(body.id);
          if (body.error) fail(serverError(body.error)); else done(body.result);
        } else if (body.method && body.params?.subscription === subscription) {
          events.push(body.params.result);
          if (events.length > 1024) events.shift();
          wake?.();
        }
      };
    });
    return opened;
  }

  async function call(method, params) {
    await connect();
    const requestId = ++id;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(requestId);
        reject(new RpcError(`no answer to ${method} in ${timeoutMs} ms`, 'RpcUnavailable', true));
      }, timeoutMs);
      pending.set(requestId, {
        resolve: (v) => { clearTimeout(timer); resolve(v); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      });
      socket.send(JSON.stringify({ jsonrpc: '2.0', id: requestId, method, params }));
    });
  }

  return {
    call,
    async subscribe() {
      subscription = await call('consensus_subscribe', []);
    },
    get subscribed() { return subscription !== null; },
    /** The next finalized event, or null after `waitMs`. */
    async nextFinalized(waitMs, signal) {
      const deadline = Date.now() + waitMs;
      for (;;) {
        while (events.length) {
          const event = events.shift();
          if (event?.type === 'finalized') return event;
        }
        const left = deadline - Date.now();
        if (left <= 0 || signal?.aborted || subscription === null) return null;
        await new Promise((resolve) => {
          wake = resolve;
          setTimeout(resolve, left);
        });
        wake = null;
      }
    },
    close() { socket?.close(); },
  };
}

function toHttpUrl(url) {
  return url.replace(/^ws/, 'http');
}

const STATUS = new WeakMap();
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
    timeoutMs = 10000,
    maxRetries = 8,
    concurrency = 8,
  } = options;
  if (!rpc && !request) throw new RpcError('follow needs `rpc` (a URL) or `request` (an EIP-1193 function)', 'InvalidInput', false);
  const canSocket = typeof WebSocket !== 'undefined';
  if (transport === 'websocket' && !canSocket && !request) {
    onError?.(new RpcError('no WebSocket in this runtime; polling over HTTP', 'SubscriptionRefused', true));
  }
  const ws = request || !canSocket ? null : transport === 'websocket' ? wsTransport(rpc, timeoutMs) : null;
  const http = request ? eip1193Transport(request) : httpTransport(transport === 'websocket' ? toHttpUrl(rpc) : rpc, timeoutMs);
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
    while (!signal?.aborted) {
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
              if (!e.retryable) { subscribe = false; onError?.(new RpcError(`subscription refused (${e.message}); polling`, 'SubscriptionRefused', true)); }
              else throw e;
            }
          }
          if (signal?.aborted) break;
          block ??= await calls.call('consensus_getFinalization', ['latest']);
          if (signal?.aborted) break;
          try {
            dispatch(timed(() => this.onFinalization(block)));
          } catch (e) {
            if (e.code !== 'NotNewer') throw e;
            STATUS.set(this, 'synced');
            if (!subscribe) await sleep(pollMs, signal);
          }
        } else if (next.type === 'finalization') {
          const block = await calls.call('consensus_getFinalization', [{ height: Number(next.height) }]);
          if (signal?.aborted) break;
          dispatch(timed(() => this.onFinalization(block)));
        } else {
          const heights = [];
          for (let h = next.from; h <= next.to; h++) heights.push(h);
          const headers = [];
          for (let i = 0; i < heights.length; i += concurrency) {
            const part = await Promise.all(heights.slice(i, i + concurrency).map((h) =>
              http.call('eth_getBlockByNumber', [`0x${h.toString(16)}`, false])));
            for (const header of part) {
              if (header === null) throw new RpcError('the server does not have a requested block', 'RpcUnavailable', true);
              headers.push(header);
            }
          }
          if (signal?.aborted) break;
          dispatch(this.onHeaders(headers));
        }
        STATUS.set(this, this.idle && next.type === 'latest' ? 'synced' : 'syncing');
        failures = 0;
      } catch (e) {
        if (signal?.aborted) break;
        if (e?.retryable && failures < maxRetries) {
          failures += 1;
          STATUS.set(this, 'stalled');
          onError?.(e);
          await sleep(Math.min(250 * 2 ** failures, 8000), signal);
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
  const { token, account, rpc, request, timeoutMs = 10000 } = options;
  const query = this.balanceQuery(token, account);
  const transport = request
    ? eip1193Transport(request)
    : rpc
      ? httpTransport(toHttpUrl(rpc), timeoutMs)
      : RPC.get(this);
  if (!transport) {
    throw new RpcError('getVerifiedBalance needs `rpc` or `request` (or a client that is following)', 'InvalidInput', false);
  }
  const proof = await transport.call(query.method, query.params);
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
/** Releases the wasm memory; safe to call twice. */
TempoLightClient.prototype.free = function () {
  if (this.__wbg_ptr) free.call(this);
};
/** Same as `free()`. */
TempoLightClient.prototype.destroy = TempoLightClient.prototype.free;

export { TempoLightClient, verifyCertifiedBlock, verifyBalance, verifyProof, RpcError };
export default TempoLightClient;
