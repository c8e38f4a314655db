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

// Verified TIP-20 balances.
import { verifyProof, verifyBalance, type VerifiedBalance, type AccountProofJson } from 'tempo-light';
declare const proofAnswer: AccountProofJson;
async function showBalance(c: TempoLightClient): Promise<string> {
  const b: VerifiedBalance = await c.getVerifiedBalance({
    token: '0x20c0000000000000000000000000000000000000',
    account: '0x05f45a1874164a7e96442e3a77cfcf7228c0dee8',
  });
  const q = c.balanceQuery(b.token, b.account);
  const again: bigint = verifyBalance(q, proofAnswer).balance;
  const head = c.head;
  const exists = head ? verifyProof(proofAnswer, { stateRoot: head.stateRoot ?? q.stateRoot }).account !== null : false;
  const slots = c.verifyProof(proofAnswer).storage.map((s) => s.value);
  return `${b.formatted} ${b.symbol} at #${b.height} (${again}, ${exists}, ${slots.length})`;
}
void showBalance;
