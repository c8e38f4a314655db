// tempo-light: Tempo finality, verified in WebAssembly.
//
// The client of the package: loads the wasm on demand (`init()`, no top-level await), wraps
// every wasm call so it throws typed errors (and `Destroyed` instead of touching freed
// memory), and adds the driver `follow()`, an event emitter, `ready()`/`waitSynced()` and
// persistence. Every decision is the wasm core's; these files only move bytes.
// No Node built-in here: this file is in the browser graph (index.node.js adds Node's loader).
//
// This file is the entry: it gathers the parts, one module of js/client/ per job, each adding
// its methods to the client's prototype:
//   loading.js      init(), initSync(): the wasm, loaded on demand
//   wasm.js         typed errors around every wasm call; the clients of a network
//   lifecycle.js    status, lifetime (free/destroy), listeners, ready()/waitSynced()
//   follow.js       follow(): the driver
//   persistence.js  create() with storage, save()
//   balances.js     getVerifiedBalance(), verifyProof()
//   payments.js     confirmPayment(), verifyPaymentProof() (the payments module, lazily loaded)
//   lazy.js, rpc.js what several parts share: lazily loaded modules; a call's transport

import { classFor, toTyped, typed } from './errors.js';
import { _setPlatform, init, initSync, isInitialized } from './client/loading.js';
import { TempoLightClient, alive, answerTip20View, tip20View, verifyBalance, verifyCertifiedBlock, verifyProof } from './client/wasm.js';
import { lifetime, RPC } from './client/lifecycle.js';
import './client/follow.js';
import './client/persistence.js';
import { atServableBlock } from './client/balances.js';
import { initPayments, paymentsModule, proveFromBlock, verifyPaymentProof } from './client/payments.js';
import { lazyModule, supplied } from './client/lazy.js';

export { _setPlatform, init, initSync, initPayments, isInitialized, verifyBalance, verifyCertifiedBlock, verifyPaymentProof, verifyProof };

/** @internal: for the provider. */
export const _internals = {
  lifetime,
  transportOf: (client) => RPC.get(client),
  alive,
  atServableBlock,
  // For the provider's TIP-20 eth_calls: the core reads the call and writes the answer.
  tip20View,
  answerTip20View,
  /** A lazily loaded module (see `lazyModule`): `load('keccak', () => import('./keccak.js'))`. */
  load: lazyModule,
  /**
   * Supplies modules imported statically (`{ payments, keccak }`: the namespaces of
   * payments.js and keccak.js), used instead of `import()`: for the worker entry, as a
   * service worker may not `import()`.
   */
  supply(modules) {
    for (const [name, module] of Object.entries(modules)) if (module) supplied[name] = module;
  },
  // For the provider's eth_getTransactionByHash / eth_getTransactionReceipt.
  proveFromBlock,
  loadPayments: () => paymentsModule(),
  /**
   * The error helpers the worker entry rebuilds errors with (through here, so that the
   * package's shared module, index.js, exports nothing of errors.js beyond the classes).
   */
  errors: { classFor, toTyped, typed },
};

export { TempoLightClient };
