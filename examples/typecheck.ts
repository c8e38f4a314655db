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
    case 'presetSuperseded': return `identity learnt on chain at ${event.epoch}`;
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
const status: 'syncing' | 'synced' | 'stalled' | 'stopped' | 'frozen' | 'destroyed' = resumed.status;
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

// Loading, errors, events, the verified provider with viem-like consumers, storage.
import {
  init, initSync, TempoLightError as TempoLightErrorClass, DestroyedError, ProviderRpcError,
  createVerifiedProvider, localStorageAdapter, type StorageAdapter, type Eip1193Provider,
} from 'tempo-light';
import fixture from './fixture-shape.js';
import { http as viemHttp, webSocket as viemWebSocket, custom as viemCustom } from 'viem';
async function lifecycle(): Promise<void> {
  await init();
  await init({ wasm: new URL('https://example.com/tempo_light_bg.wasm') });
  initSync(new Uint8Array(8));
  const memory: StorageAdapter = { get: (k) => k, set: () => {} };
  const c = await TempoLightClient.create({ network: { identity: '0x00', epochLength: 5n }, storage: memory });
  const off: () => void = c.on('finalized', (e) => console.log(e.height + 1n));
  c.on('rotation', (e) => console.log(e.identity));
  c.on('status', (s) => console.log(s === 'destroyed'));
  c.on('error', (e) => console.log(e.code, e.retryable));
  off();
  await c.ready({ timeoutMs: 1000 });
  await c.waitSynced({ signal: AbortSignal.timeout(1000) });
  // The fixture shape `{ header, finalization: { certificate } }` is accepted.
  c.verify(fixture);
  try { c.verify(fixture); } catch (e) {
    if (e instanceof DestroyedError) console.log(e.code);
    if (e instanceof TempoLightErrorClass) console.log(e.code, e.retryable);
  }
  await c.follow({ rpc: 'wss://example.com', request: async () => null, maxRetries: Infinity, retryDelayMs: 100, maxRetryDelayMs: 5000 });
  const provider = createVerifiedProvider({ client: c, rpc: 'https://example.com', policy: 'strict' });
  // A viem Transport as the upstream (structurally typed: no viem types in the package), and
  // a ws:// rpc with its calls over HTTP.
  const overViem = createVerifiedProvider({ network: 'mainnet', transport: viemHttp('https://example.com') });
  const overWs = createVerifiedProvider({ network: 'mainnet', rpc: 'wss://example.com', http: 'https://example.com' });
  const overViemWs = createVerifiedProvider({ network: 'mainnet', transport: viemWebSocket('wss://example.com') });
  const overCustom = createVerifiedProvider({ network: 'mainnet', transport: viemCustom({ request: async () => null }) });
  await overViem.destroy();
  await overViemWs.destroy();
  await overCustom.destroy();
  await overWs.destroy();
  const asEip1193: Eip1193Provider = provider;
  const n: string = await asEip1193.request({ method: 'eth_blockNumber' });
  try { await provider.request({ method: 'eth_gasPrice' }); } catch (e) {
    if (e instanceof ProviderRpcError) { const code: number = e.code; console.log(code, e.reason); }
  }
  void localStorageAdapter;
  await provider.destroy();
  console.log(n);
}
void lifecycle;

// Proven payments: the payment's fields are typed, amounts bigint, errors narrowed by class.
import { verifyPaymentProof, initPayments, PaymentMismatchError, type ConfirmedPayment, type PaymentStatus } from 'tempo-light';
async function pay(c: TempoLightClient, hash: `0x${string}`) {
  await initPayments();
  try {
    const { payment, proof } = await c.confirmPayment({
      hash,
      token: '0x20c0000000000000000000000000000000000000',
      amount: 12_500_000n,
      waitMs: Infinity,
      onStatus: (s: PaymentStatus) => console.log(s.status, s.height),
    });
    const { token, from, amount: moved } = payment.transfers[0];
    // An expectation names its token (or says `anyToken: true`); `txHash` binds the proof.
    const again: ConfirmedPayment = await verifyPaymentProof(proof, { network: 'mainnet', expected: { token, from, amount: moved }, txHash: hash });
    const mine: ConfirmedPayment = await c.verifyPaymentProof(JSON.parse(proof), { anyToken: true, amount: moved }, { txHash: hash });
    return again.success && mine.height;
  } catch (e) {
    if (e instanceof PaymentMismatchError) return e.payment?.success;
    throw e;
  }
}
void pay;
