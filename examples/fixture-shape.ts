// The shape of tests/fixtures/mainnet-block-32724390.json (what the runtime accepts), and
// every other shape `CertifiedBlock::from_value` (src/rpc.rs) reads: each one assigned to
// `CertifiedBlockInput`, and the shapes it refuses marked as type errors.
import type { CertifiedBlockInput, CertifiedBlockJson, TempoHeaderJson, Hex } from 'tempo-light';
declare const header: TempoHeaderJson;
declare const certificate: Hex;
const fixture = { header, finalization: { certificate, epoch: 1515, view: 391 }, networkIdentity: { publicKey: certificate } };
export default fixture;

// A CertifiedBlock, as `consensus_getFinalization` returns it.
const certified: CertifiedBlockJson = { epoch: 1515, view: 391, digest: certificate, certificate, block: { header } };
// The fixture's shape: a header beside a finalization holding the certificate.
export const withFinalization: CertifiedBlockInput = fixture;
// A header beside its certificate (and the unauthenticated echoes).
export const withCertificate: CertifiedBlockInput = { header, certificate, epoch: 1515, view: 391, height: 32724390 };
// A bare CertifiedBlock; `block` also as serde's one-element sequence.
export const bare: CertifiedBlockInput = certified;
export const sequence: CertifiedBlockInput = { certificate, block: [header] };
// A `consensus_subscribe` event: the same, with `type` and `seen`.
export const event: CertifiedBlockInput = { ...certified, type: 'finalized', seen: 1700000000000 };
// A `consensus_getLatest` answer: its `finalized` block.
export const latest: CertifiedBlockInput = { finalized: certified, notarized: null };
// A JSON-RPC response, with or without `jsonrpc`/`id`, around any of these.
export const response: CertifiedBlockInput = { jsonrpc: '2.0', id: 1, result: certified };
export const resultOnly: CertifiedBlockInput = { result: { header, certificate } };
export const latestResponse: CertifiedBlockInput = { jsonrpc: '2.0', id: 'a', result: { finalized: fixture } };
// A whole `consensus_event` subscription notification: the event is `params.result`.
export const notification: CertifiedBlockInput = {
  jsonrpc: '2.0', method: 'consensus_event', params: { subscription: '0x1', result: { ...certified, type: 'finalized' } },
};
// Any of these as JSON text.
export const text: CertifiedBlockInput = JSON.stringify(certified);

// Refused by the runtime, refused by the types.
// @ts-expect-error a JSON-RPC error response
export const errorResponse: CertifiedBlockInput = { jsonrpc: '2.0', id: 1, error: { code: -32000, message: 'no' } };
// @ts-expect-error a null result (no finalized block yet)
export const nullResult: CertifiedBlockInput = { jsonrpc: '2.0', id: 1, result: null };
// @ts-expect-error a header without a certificate
export const headerOnly: CertifiedBlockInput = { header };
// @ts-expect-error a certificate without a header or block
export const certificateOnly: CertifiedBlockInput = { certificate };
// @ts-expect-error a response inside a response (the runtime unwraps one envelope)
export const nested: CertifiedBlockInput = { jsonrpc: '2.0', id: 1, result: { jsonrpc: '2.0', id: 1, result: certified } };
// @ts-expect-error a `consensus_getLatest` answer with no finalized block
export const noFinalized: CertifiedBlockInput = { finalized: null };
