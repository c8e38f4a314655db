// tempo-light: the payments module, loaded on the first payment call.
//
// Proving a payment needs the transaction and receipt tries, Tempo's transaction envelopes
// and TIP-20 log decoding on top of finality: that is a second wasm module
// (`tempo_light_payments_bg.wasm`, built from the same crate with its `payments` feature),
// so the module every page loads stays small. This file loads it once and hands its exports
// to client.js, which imports this file with a dynamic `import()` (a separate chunk for
// bundlers), or takes it from worker.js, which imports it statically (a service worker may not
// import()). Nothing runs at import. No Node built-in here (index.node.js supplies the loader).

import wbgInit, {
  TempoLightClient as PaymentsClient,
  PaymentQuery,
  confirmPayment,
  provenTransaction,
  verifyPaymentProof as wasmVerifyPaymentProof,
  verifyPaymentProofUnder,
  validateExpectation as wasmValidateExpectation,
} from './tempo_light_payments.js';

let loaded = null;

/**
 * Loads the payments module once (concurrent calls share one load). `source`: its URL,
 * bytes, `Response` or compiled module; by default found beside this file.
 * @internal
 */
export function loadPayments(source) {
  if (!loaded) {
    loaded = (async () => {
      await wbgInit({ module_or_path: source ?? new URL('./tempo_light_payments_bg.wasm', import.meta.url) });
      return {
        PaymentsClient,
        PaymentQuery,
        confirmPayment,
        provenTransaction,
        verifyPaymentProof: wasmVerifyPaymentProof,
        verifyPaymentProofUnder,
        validateExpectation: wasmValidateExpectation,
      };
    })().catch((e) => {
      loaded = null;
      throw e;
    });
  }
  return loaded;
}
