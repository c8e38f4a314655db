// tempo-light in Node (the `node` export condition): the same API as index.js, and the wasm
// is read from disk beside this file, so the sync APIs load it on first use (no init needed).
import { createRequire } from 'node:module';
import { _setPlatform } from './client.js';

// fs through require(): an ESM import of 'node:fs' builds a namespace of its hundred-odd
// exports, about 1.2 ms of every cold start (require returns the loaded built-in).
const { readFileSync, promises: { readFile } } = createRequire(import.meta.url)('node:fs');

const wasmFile = new URL('./tempo_light_bg.wasm', import.meta.url);
const paymentsFile = new URL('./tempo_light_payments_bg.wasm', import.meta.url);
_setPlatform({
  load: () => readFile(wasmFile),
  loadSync: () => readFileSync(wasmFile),
  loadPayments: () => readFile(paymentsFile),
});

export * from './index.js';
export { default } from './index.js';
