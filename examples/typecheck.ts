// Compiled with `tsc --noEmit --strict` against the built package: the declarations are real.
import { TempoLightClient, verifyCertifiedBlock, type ClientEvent, type VerifiedBlock, type TempoLightError } from 'tempo-light';

declare const rpcResponse: { jsonrpc: '2.0'; id: 1; result: { certificate: `0x${string}`; block: { header: any } } };

const client: TempoLightClient = TempoLightClient.mainnet();
const verified: VerifiedBlock = client.verify(rpcResponse);
const height: bigint = verified.height;
const next = verified.nextEpoch?.identity;
const stateless: VerifiedBlock = verifyCertifiedBlock(rpcResponse, 'testnet');

function show(event: ClientEvent): string {
  switch (event.type) {
    case 'finalized': return `#${event.height} ${event.hash} ${event.verifyMs ?? 0} ms`;
    case 'epoch': return `epoch ${event.epoch} rotated=${event.rotated}`;
    case 'headers': return `${event.headers.length} headers`;
    case 'presetIdentityDiffers': return `stale preset at ${event.epoch}`;
    case 'equivocation': return `equivocation at ${event.height}`;
  }
}

const controller = new AbortController();
void client.follow({
  rpc: 'https://rpc.presto.tempo.xyz',
  signal: controller.signal,
  onEvent: (e) => console.log(show(e)),
  onError: (e: TempoLightError) => console.warn(e.code, e.retryable),
});
const saved: string = client.toState();
const resumed = TempoLightClient.fromState(saved);
const status: 'syncing' | 'synced' | 'stalled' | 'stopped' | 'frozen' = resumed.status;
console.log(height, next, stateless.hash, status, client.head?.height);
resumed.free();
resumed.destroy();
