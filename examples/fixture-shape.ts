// The shape of tests/fixtures/mainnet-block-32724390.json (what the runtime accepts).
import type { TempoHeaderJson, Hex } from 'tempo-light';
declare const header: TempoHeaderJson;
declare const certificate: Hex;
const fixture = { header, finalization: { certificate, epoch: 1515, view: 391 }, networkIdentity: { publicKey: certificate } };
export default fixture;
