// Persistence: `TempoLightClient.create()` (the wasm loaded, the state resumed from a storage
// adapter, checked by the core), `save()`, and the save `follow()` does after every advance.

import { typed } from '../errors.js';
import { storageAdapter } from '../storage.js';
import { init } from './loading.js';
import { P, TempoLightClient, alive, clientOf, resumeFor } from './wasm.js';
import { STORAGE } from './lifecycle.js';

/** Saves the client's state with its adapter; a failure is reported (`StorageUnavailable`). */
export async function save(client, { adapter, key }, report) {
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
