// Storage adapters for `TempoLightClient.create({ storage })`: an adapter is any object with
// `get(key)` (the saved string, or null/undefined) and `set(key, value)`, sync or async.
import { typed } from './errors.js';

/** `window.localStorage` (or another Web Storage object). */
export function localStorageAdapter(storage = globalThis.localStorage) {
  if (!storage) throw typed('StorageUnavailable', 'no localStorage in this runtime', false);
  return {
    get: (key) => storage.getItem(key),
    set: (key, value) => storage.setItem(key, value),
    remove: (key) => storage.removeItem(key),
  };
}

/** IndexedDB: one object store (default database `tempo-light`, store `state`). */
export function indexedDbAdapter({ database = 'tempo-light', store = 'state', indexedDB = globalThis.indexedDB } = {}) {
  if (!indexedDB) throw typed('StorageUnavailable', 'no IndexedDB in this runtime', false);
  let opened = null;
  const open = () => {
    opened ??= new Promise((resolve, reject) => {
      const req = indexedDB.open(database, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(store);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => { opened = null; reject(req.error); };
    });
    return opened;
  };
  const run = async (mode, fn) => {
    const db = await open();
    return new Promise((resolve, reject) => {
      const tx = db.transaction(store, mode);
      const req = fn(tx.objectStore(store));
      tx.oncomplete = () => resolve(req.result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  };
  return {
    get: (key) => run('readonly', (s) => s.get(key)),
    set: (key, value) => run('readwrite', (s) => s.put(value, key)),
    remove: (key) => run('readwrite', (s) => s.delete(key)),
  };
}

/** An adapter from what `storage` accepts: an adapter, `'localStorage'` or `'indexedDB'`. */
export function storageAdapter(storage) {
  if (storage === 'localStorage') return localStorageAdapter();
  if (storage === 'indexedDB') return indexedDbAdapter();
  if (storage && typeof storage.get === 'function' && typeof storage.set === 'function') return storage;
  throw typed('InvalidInput', "storage: an object with get(key) and set(key, value), 'localStorage' or 'indexedDB'", false);
}
