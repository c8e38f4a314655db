// tempo-light in Node (the `node` export condition): the same API as index.js, and the wasm
// is read from disk beside this file, so the sync APIs load it on first use (no init needed).
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { _setPlatform } from './client.js';

const wasmFile = new URL('./tempo_light_bg.wasm', import.meta.url);
const paymentsFile = new URL('./tempo_light_payments_bg.wasm', import.meta.url);
_setPlatform({
  load: () => readFile(wasmFile),
  loadSync: () => readFileSync(wasmFile),
  loadPayments: () => readFile(paymentsFile),
});

export * from './index.js';
export { default } from './index.js';
