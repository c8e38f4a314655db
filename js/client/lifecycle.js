// Each client's life on the JS side: its status, its lifetime (aborted by `free()`/`destroy()`),
// its listeners (`on`/`off`), the waits on it (`ready()`, `waitSynced()`), and what `follow()`
// and the persistence keep per client (WeakMaps keyed by the client, gone with it).

import { TempoLightError, toTyped, typed } from '../errors.js';
import { P, alive, destroyedError } from './wasm.js';

/** Each client's status as `follow()` last set it. */
export const STATUS = new WeakMap();
/** Each client's lifetime: aborted by `free()`/`destroy()` with a `Destroyed` error. */
const LIFETIME = new WeakMap();
export function lifetime(client) {
  let controller = LIFETIME.get(client);
  if (!controller) {
    controller = new AbortController();
    LIFETIME.set(client, controller);
  }
  return controller.signal;
}
/** The JSON-RPC transport `follow()` last used for a client (for `getVerifiedBalance`). */
export const RPC = new WeakMap();
/** Clients whose `follow()` runs. */
export const FOLLOWING = new WeakSet();
/** `{ adapter, key }` of clients created with `storage`. */
export const STORAGE = new WeakMap();
/** Listeners: Map<type, Set<fn>>. */
const LISTENERS = new WeakMap();

/** Calls `type`'s listeners with `payload` (a listener that throws is ignored). */
export function emit(client, type, payload) {
  const set = LISTENERS.get(client)?.get(type);
  if (!set) return;
  for (const fn of [...set]) {
    try { fn(payload); } catch {} // a listener's exception is its own business
  }
}

/** Sets the status, emitting `status` when it changes. */
export function setStatus(client, status) {
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
export function waitFor(client, done, what, { signal, timeoutMs } = {}) {
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
export function untilStopped(client, promise, signal, what) {
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
export const STOPPED = new WeakMap();
export function onStopped(client, fn) {
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
