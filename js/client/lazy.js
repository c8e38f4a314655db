// The parts of the package that load lazily, each by a dynamic `import()`.

import { typed } from '../errors.js';

// Two parts load lazily, each by a dynamic `import()` (a chunk of its own for bundlers): the
// payments module (js/payments.js) and keccak-256 (keccak.js, for the provider's eth_getCode).
// A service worker may not `import()`: the worker entry (worker.js) imports both statically
// and supplies them here, and they are used instead.

/** The modules supplied by an entry that imported them statically, by name. */
export const supplied = { __proto__: null };
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
export async function lazyModule(name, importer) {
  if (supplied[name]) return supplied[name];
  try {
    return await importer();
  } catch (e) {
    const hint = inServiceWorker() ? " (a service worker may not import(): import 'tempo-light/worker' there, which imports it statically)" : '';
    throw typed('InitFailed', `could not load tempo-light's ${name} module${hint}: ${e?.message ?? e}`, importRetryable(e), e);
  }
}
