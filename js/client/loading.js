// The wasm's loading: `init()` (async, idempotent, no top-level await), `initSync()`, and
// `ensure()` for the sync APIs (in Node the wasm is read from disk through the platform that
// index.node.js sets). Also where the payments module's wasm is to be found (`init({
// paymentsWasm })`, the platform's `loadPayments`), read by ./payments.js when it loads.
// No Node built-in here: this file is in the browser graph.

import wbgInit, { initSync as wbgInitSync } from '../tempo_light.js';
import { typed } from '../errors.js';

let initialized = false;
let loading = null;
/** Set by the Node entry: reads the wasm beside this file (sync and async). */
let platform = null;
/** @internal */
export function _setPlatform(p) { platform = p; }
/** The platform's loaders (Node's entry sets them), or null. */
export const platformLoader = () => platform;

/** The payments module's source set by `init({ paymentsWasm })` or `initPayments(input)`. */
let paymentsSource;
/** The payments module's source given so far (undefined: the platform's, or beside the package). */
export const paymentsSourceGiven = () => paymentsSource;
/** Sets the payments module's source (`initPayments(input)`). */
export function setPaymentsSource(source) { paymentsSource = source; }

/** The wasm's source in `input` (`{ wasm }` or the source itself). */
export const wasmSource = (input) =>
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
export function ensure() {
  if (initialized) return;
  if (platform) return initSync(platform.loadSync());
  throw typed('NotInitialized', 'tempo-light is not loaded yet: `await init()` first (or use `await TempoLightClient.create(...)`)', false);
}
