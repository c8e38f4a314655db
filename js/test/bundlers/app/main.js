// A tiny app as a user writes it: import the package, load it, verify the real mainnet block.
import { init, TempoLightClient, TempoLightError, verifyPaymentProof } from 'tempo-light';
import fixture from './fixture.json';

async function main() {
  // `window.WASM_URL` is set by pages whose bundle cannot locate the wasm itself (esbuild iife).
  await init(window.WASM_URL ? { wasm: window.WASM_URL, paymentsWasm: window.PAYMENTS_WASM_URL } : undefined);
  const client = TempoLightClient.mainnet();
  const verified = client.verify(fixture);
  let refused = null;
  try {
    TempoLightClient.testnet().verify(fixture);
  } catch (e) {
    refused = e instanceof TempoLightError ? e.code : `untyped: ${e}`;
  }
  client.destroy();
  // The payments module loads on the first payment call (its own chunk and wasm): a document
  // that is no proof is refused by it with a typed error (InitFailed if it could not load).
  let payments = null;
  try {
    await verifyPaymentProof('{"type":"tempo-light/payment-proof","version":1}');
  } catch (e) {
    payments = e instanceof TempoLightError ? e.code : `untyped: ${e}`;
  }
  return { height: verified.height.toString(), hash: verified.hash, refused, payments };
}

main().then(
  (result) => { window.result = result; },
  (e) => { window.result = { error: String(e?.message ?? e), code: e?.code }; },
);
