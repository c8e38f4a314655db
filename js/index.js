// tempo-light: the package's entry point in browsers and bundlers (Node's is index.node.js).
// Nothing runs at import: the wasm loads on `await init()` or `await TempoLightClient.create()`.
export {
  init, initSync, initPayments, isInitialized, TempoLightClient, verifyCertifiedBlock, verifyBalance, verifyProof,
  verifyPaymentProof,
} from './client.js';
export {
  TempoLightError, RpcError, VerificationError, MalformedInputError, UsageError, AbortedError,
  DestroyedError, StorageError, ProviderRpcError, PaymentMismatchError, PendingError,
} from './errors.js';
export { createVerifiedProvider } from './provider.js';
export { localStorageAdapter, indexedDbAdapter } from './storage.js';
export { TempoLightClient as default } from './client.js';
