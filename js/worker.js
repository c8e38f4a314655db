// tempo-light/worker: run clients (and verified providers) in a Web Worker or a service
// worker, and drive them from the page through a proxy with the same methods, async.
//
// In the worker:  import { expose } from 'tempo-light/worker'; expose();
// On the page:    const remote = await connectWorker(worker);   // a Worker or a ServiceWorker
//                 const client = await remote.create({ network: 'mainnet' });
//
// Handshake: the page sends a MessagePort to the worker (again each time the worker says
// hello, until one is acknowledged); the worker answers `ready` on that port. Messages on a
// MessagePort are queued until both ends listen, so none is lost, whichever side starts
// first. Every reply and event goes over that private port (one per page).
import { TempoLightClient, _internals, init } from './client.js';
import {
  AbortedError, DestroyedError, MalformedInputError, PaymentMismatchError, PendingError, ProviderRpcError,
  RpcError, StorageError, TempoLightError, UsageError, VerificationError,
} from './errors.js';
import { createVerifiedProvider } from './provider.js';
// The parts the package loads lazily elsewhere, imported statically here: a service worker
// may not `import()`. (Importing runs nothing but keccak's tables, a few ms; the payments
// wasm still loads on the first payment call.)
import * as payments from './payments.js';
import * as keccak from './keccak.js';

_internals.supply({ payments, keccak });
const { classFor, toTyped, typed } = _internals.errors;

const CONNECT = 'tempo-light:connect';
const HELLO = 'tempo-light:hello';
const READY = 'tempo-light:ready';

// Errors cross the thread as what they are: the same class (named by a tag, as minifiers
// rename classes; `name` is 'TempoLightError' for all), message, and every own field
// (`code`, `retryable`, `reason`, `data`, `payment`, `rpcCode`, ...) that structured clone
// can carry; `cause` likewise, a few levels deep. So `instanceof` and `code` agree on both sides.
const CLASSES = [
  ['ProviderRpcError', ProviderRpcError], ['RpcError', RpcError], ['VerificationError', VerificationError],
  ['MalformedInputError', MalformedInputError], ['UsageError', UsageError], ['AbortedError', AbortedError],
  ['DestroyedError', DestroyedError], ['StorageError', StorageError], ['PaymentMismatchError', PaymentMismatchError],
  ['PendingError', PendingError], ['TempoLightError', TempoLightError],
];
const cloneable = (value) => {
  if (value === null || typeof value !== 'object') return typeof value === 'function' || typeof value === 'symbol' ? undefined : value;
  try { return structuredClone(value); } catch { return undefined; }
};
const serializeError = (e, depth = 0) => {
  const t = e instanceof ProviderRpcError || depth > 0 ? e : toTyped(e);
  if (!(t instanceof Error)) {
    const plain = cloneable(t);
    return { plain: plain === undefined ? String(t) : plain };
  }
  const tag = CLASSES.find(([, Class]) => t instanceof Class)?.[0] ?? 'Error';
  const fields = {};
  for (const key of Object.keys(t)) {
    const value = cloneable(t[key]);
    if (value !== undefined) fields[key] = value;
  }
  const out = { tag, message: String(t.message), fields };
  if (tag === 'Error') out.name = String(t.name);
  if (t.cause !== undefined && depth < 4) out.cause = serializeError(t.cause, depth + 1);
  return out;
};
const deserializeError = (s, depth = 0) => {
  if (!s || typeof s !== 'object') return typed('Internal', 'the worker sent no error', false);
  if ('plain' in s) return s.plain;
  const fields = s.fields && typeof s.fields === 'object' ? s.fields : {};
  const cause = s.cause !== undefined && depth < 4 ? deserializeError(s.cause, depth + 1) : undefined;
  const options = cause === undefined ? undefined : { cause };
  const message = String(s.message ?? '');
  let error;
  if (s.tag === 'ProviderRpcError') {
    error = new ProviderRpcError(message, fields.code, fields.reason, fields.retryable, cause);
  } else if (s.tag === 'Error') {
    error = new Error(message, options);
    error.name = String(s.name ?? 'Error');
  } else {
    const Class = CLASSES.find(([tag]) => tag === s.tag)?.[1] ?? classFor(fields.code);
    error = new Class(message, fields.code, fields.retryable, options);
  }
  for (const key of Object.keys(fields)) {
    if (key !== '__proto__' && key !== 'constructor') error[key] = fields[key];
  }
  return error;
};

// Forwarded events: every core event goes once, as `event`; the page emits it, then under its
// own type (`finalized`, `epoch` and `rotation`, `headers`, `presetSuperseded`, ...), as the
// client's `follow()` does on the main thread.
const EVENTS = ['event', 'error', 'status'];
const CALLS = new Set(['verify', 'verifyBatch', 'nextRequest', 'boundariesWanted', 'onFinalization', 'onBoundaries', 'onHeaders', 'setEveryHeader', 'abandon', 'reset', 'identityFor', 'toState', 'balanceQuery', 'verifyProof', 'getVerifiedBalance', 'ready', 'waitSynced', 'save', 'confirmPayment', 'verifyPaymentProof']);
const snapshot = (c) => (c.__wbg_ptr ? { head: c.head, status: c.status, frozen: c.frozen, idle: c.idle, network: c.network } : { head: null, status: 'destroyed', frozen: false, idle: false, network: null });

/** Serves one page over `port`. */
function serve(port, wasm) {
  const clients = new Map();
  const follows = new Map();
  const providers = new Map();
  let nextId = 0;
  const post = (m) => { try { port.postMessage(m); } catch {} };
  const client = (id) => {
    const c = clients.get(id);
    if (!c) throw typed('Destroyed', 'no such client (destroyed)', false);
    return c;
  };
  const handlers = {
    async create(options) {
      const c = await TempoLightClient.create({ ...options, wasm: options?.wasm ?? wasm });
      const id = ++nextId;
      clients.set(id, c);
      for (const type of EVENTS) c.on(type, (payload) => post({ event: type, client: id, payload: type === 'error' ? serializeError(payload) : payload, state: snapshot(c) }));
      return { id, state: snapshot(c) };
    },
    async call(id, method, args) {
      const c = client(id);
      if (!CALLS.has(method)) throw typed('InvalidInput', `no method ${method}`, false);
      let value = await c[method](...(args ?? []));
      // verifyBatch's refusals are errors inside the value: each crosses as errors do.
      if (method === 'verifyBatch') value = value.map((r) => (r.ok ? r : { ok: false, error: serializeError(r.error) }));
      return { value, state: snapshot(c) };
    },
    async follow(id, options) {
      const c = client(id);
      const controller = new AbortController();
      follows.set(id, controller);
      try {
        await c.follow({ ...options, signal: controller.signal });
      } finally {
        if (follows.get(id) === controller) follows.delete(id);
      }
      return { state: snapshot(c) };
    },
    async stop(id) { follows.get(id)?.abort(); follows.delete(id); },
    async destroy(id) {
      follows.get(id)?.abort();
      follows.delete(id);
      clients.get(id)?.destroy();
      clients.delete(id);
    },
    async provider(options) {
      const id = ++nextId;
      const { client: clientId, ...rest } = options ?? {};
      providers.set(id, createVerifiedProvider({ ...rest, ...(clientId ? { client: client(clientId) } : {}) }));
      return id;
    },
    async request(id, args) {
      const p = providers.get(id);
      if (!p) throw typed('Destroyed', 'no such provider', false);
      return p.request(args);
    },
    async destroyProvider(id) { await providers.get(id)?.destroy(); providers.delete(id); },
  };
  port.onmessage = async ({ data }) => {
    if (!data || typeof data.id !== 'number' || typeof data.op !== 'string' || !Object.hasOwn(handlers, data.op)) return;
    try {
      post({ id: data.id, ok: true, value: await handlers[data.op](...(data.args ?? [])) });
    } catch (e) {
      post({ id: data.id, ok: false, error: serializeError(e) });
    }
  };
  port.start?.();
  post({ type: READY });
}

/**
 * In a worker (dedicated, shared or service): serves the pages that connect. Call it
 * synchronously at the top of the worker script. `options.wasm`: where to load the wasm
 * from (default: beside this file).
 */
export function expose(options = {}) {
  const scope = globalThis;
  const loading = init(options.wasm === undefined ? undefined : { wasm: options.wasm });
  loading.catch(() => {});
  scope.addEventListener('message', (event) => {
    if (event.data?.type !== CONNECT || !event.ports?.[0]) return;
    const port = event.ports[0];
    // A service worker may be stopped when idle; keep it alive until the page is served.
    event.waitUntil?.(loading.catch(() => {}));
    serve(port, options.wasm);
  });
  // A dedicated worker's page may have sent its port before this ran: say hello.
  if (typeof scope.postMessage === 'function' && typeof scope.clients === 'undefined') scope.postMessage({ type: HELLO });
}

/**
 * On the page: connects to a worker that called `expose()`. `target`: a `Worker`, a
 * `ServiceWorker` (e.g. `registration.active`), or anything with `postMessage`. Resolves
 * once the worker is ready (or rejects with `Timeout` after `timeoutMs`, default 10 s).
 */
export function connectWorker(target, { timeoutMs = 10000 } = {}) {
  return new Promise((resolve, reject) => {
    let done = false;
    const ports = [];
    const offer = () => {
      const channel = new MessageChannel();
      ports.push(channel.port1);
      channel.port1.onmessage = ({ data }) => {
        if (data?.type !== READY || done) return;
        done = true;
        cleanup();
        for (const p of ports) if (p !== channel.port1) p.close();
        resolve(remote(channel.port1));
      };
      target.postMessage({ type: CONNECT }, [channel.port2]);
    };
    const onHello = (event) => { if (event.data?.type === HELLO && !done) offer(); };
    const cleanup = () => {
      clearTimeout(timer);
      target.removeEventListener?.('message', onHello);
    };
    const timer = setTimeout(() => {
      if (done) return;
      done = true;
      cleanup();
      for (const p of ports) p.close();
      reject(typed('Timeout', `the worker did not answer in ${timeoutMs} ms (did it call expose()?)`, true));
    }, timeoutMs);
    target.addEventListener?.('message', onHello);
    offer();
  });
}

function remote(port) {
  let nextId = 0;
  const pending = new Map();
  const clients = new Map();
  const rpc = (op, ...args) => new Promise((resolve, reject) => {
    const id = ++nextId;
    pending.set(id, { resolve, reject });
    try {
      port.postMessage({ id, op, args });
    } catch (e) {
      // A function or another value that cannot cross threads (structured clone).
      pending.delete(id);
      reject(typed('InvalidInput', `cannot send ${op} to the worker: ${e?.message ?? e}`, false));
    }
  });
  port.onmessage = ({ data }) => {
    if (data?.event) {
      const c = clients.get(data.client);
      if (!c) return;
      Object.assign(c.state, data.state);
      if (data.event === 'error') c.emit('error', deserializeError(data.payload));
      else if (data.event === 'event') c.dispatch(data.payload);
      else c.emit(data.event, data.payload);
      return;
    }
    const p = pending.get(data?.id);
    if (!p) return;
    pending.delete(data.id);
    if (data.ok) p.resolve(data.value); else p.reject(deserializeError(data.error));
  };

  class RemoteClient {
    constructor(id, state) {
      this.id = id;
      this.state = state;
      this.listeners = new Map();
      for (const method of CALLS) {
        this[method] = async (...args) => {
          const { value, state: s } = await rpc('call', id, method, args);
          Object.assign(this.state, s);
          if (method === 'verifyBatch') return value.map((r) => (r.ok ? r : { ok: false, error: deserializeError(r.error) }));
          return value;
        };
      }
    }
    get head() { return this.state.head; }
    get status() { return this.state.status; }
    get frozen() { return this.state.frozen; }
    get idle() { return this.state.idle; }
    get network() { return this.state.network; }
    emit(type, payload) {
      for (const fn of [...(this.listeners.get(type) ?? [])]) { try { fn(payload); } catch {} }
    }
    /** A core event from the worker: as `event`, then under its type (as `follow()` does). */
    dispatch(event) {
      this.emit('event', event);
      const type = event?.type;
      if (typeof type !== 'string' || type === 'event' || type === 'error' || type === 'status') return;
      this.emit(type, event);
      if (type === 'epoch' && event.rotated) this.emit('rotation', event);
    }
    on(type, fn) {
      if (!this.listeners.has(type)) this.listeners.set(type, new Set());
      this.listeners.get(type).add(fn);
      return () => this.off(type, fn);
    }
    off(type, fn) { this.listeners.get(type)?.delete(fn); }
    /** Like `TempoLightClient.follow`, run in the worker; callbacks and events come back. */
    async follow(options = {}) {
      const { signal, onFinalized, onEpoch, onHeaders, onEvent, onError, ...rest } = options;
      // As on the main thread: `onEvent` gets every core event, and a callback that throws is
      // reported as a `ListenerFailed` error (to `onError` and `error` listeners).
      const guard = (fn) => (event) => {
        try {
          fn(event);
        } catch (e) {
          this.emit('error', typed('ListenerFailed', `a ${event?.type} callback threw: ${e?.message ?? e}`, false, e));
        }
      };
      const offs = [
        onError && this.on('error', onError), onEvent && this.on('event', guard(onEvent)),
        onFinalized && this.on('finalized', guard(onFinalized)), onEpoch && this.on('epoch', guard(onEpoch)),
        onHeaders && this.on('headers', guard(onHeaders)),
      ].filter(Boolean);
      const stop = () => rpc('stop', this.id).catch(() => {});
      if (signal?.aborted) return;
      signal?.addEventListener('abort', stop, { once: true });
      try {
        const { state } = await rpc('follow', this.id, rest);
        Object.assign(this.state, state);
      } finally {
        signal?.removeEventListener('abort', stop);
        for (const off of offs) off();
      }
    }
    async destroy() {
      clients.delete(this.id);
      this.listeners.clear();
      this.state.status = 'destroyed';
      await rpc('destroy', this.id);
    }
  }

  return {
    /** `TempoLightClient.create(options)` in the worker (storage: 'indexedDB' or none). */
    async create(options = {}) {
      const { id, state } = await rpc('create', options);
      const c = new RemoteClient(id, state);
      clients.set(id, c);
      return c;
    },
    /** `createVerifiedProvider(options)` in the worker (`client`: a remote client). */
    async createVerifiedProvider(options = {}) {
      const { client, ...rest } = options;
      const id = await rpc('provider', { ...rest, ...(client ? { client: client.id } : {}) });
      return {
        request: (args) => rpc('request', id, args),
        destroy: () => rpc('destroyProvider', id),
        isTempoLight: true,
      };
    },
    /** Closes the port (the worker's clients stay until destroyed). */
    close() {
      for (const p of pending.values()) p.reject(typed('Destroyed', 'the worker connection was closed', false));
      pending.clear();
      port.close();
    },
  };
}

export { TempoLightError };
