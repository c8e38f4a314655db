// Types of `tempo-light/worker`: clients and verified providers run in a worker, driven from
// the page through a proxy with the same methods, async.
import type {
  AccountProofJson, BalanceOptions, BalanceQuery, CertifiedBlockInput, ClientEvent, ClientEventMap,
  ClientRequest, ConfirmedPayment, ConfirmPaymentOptions, CreateOptions, CustomNetwork, ExpectedPayment, FollowOptions, Head, Hex,
  PaymentConfirmation, Status, TempoHeaderJson,
  TempoLightError, VerifiedAccount, VerifiedBalance, VerifiedBlock, VerifiedProviderOptions, WaitOptions, WasmInput,
} from './index.js';

/**
 * In the worker (dedicated or service worker): serve the pages that connect. Call it
 * synchronously at the top of the worker script.
 */
export declare function expose(options?: { wasm?: WasmInput }): void;

/** On the page: connect to a worker that called `expose()` (waits for its ready handshake). */
export declare function connectWorker(
  target: Pick<Worker, 'postMessage'> & Partial<Pick<Worker, 'addEventListener' | 'removeEventListener'>>,
  options?: { timeoutMs?: number },
): Promise<RemoteWorker>;

export interface RemoteWorker {
  /** `TempoLightClient.create()` in the worker (`storage`: `'indexedDB'` or none; no functions). */
  create(options?: Omit<CreateOptions, 'storage'> & { storage?: 'indexedDB' }): Promise<RemoteClient>;
  /** `createVerifiedProvider()` in the worker (`rpc` only: a function cannot cross threads). */
  createVerifiedProvider(options: Omit<VerifiedProviderOptions, 'client' | 'request' | 'transport' | 'onUnverified'> & { client?: RemoteClient }): Promise<{
    request(args: { method: string; params?: unknown[] | object }): Promise<any>;
    destroy(): Promise<void>;
    readonly isTempoLight: true;
  }>;
  /** Closes the connection; pending calls reject with `Destroyed`. */
  close(): void;
}

/**
 * A client living in the worker: the same methods, async; getters mirror its last state.
 * Every event comes back (each core event as `event`, then under its own type); errors come
 * back as the class they were thrown as (`instanceof` works), with all their fields
 * (`code`, `retryable`, `reason`, `payment`, `cause`, ...).
 */
export interface RemoteClient {
  readonly id: number;
  readonly head: Head | null;
  readonly status: Status;
  readonly frozen: boolean;
  readonly idle: boolean;
  readonly network: { name: 'mainnet' | 'testnet' | 'custom'; chainId: bigint; epochLength: bigint } | null;
  verify(block: CertifiedBlockInput): Promise<VerifiedBlock>;
  verifyBatch(blocks: CertifiedBlockInput[]): Promise<({ ok: true; block: VerifiedBlock } | { ok: false; error: TempoLightError })[]>;
  nextRequest(): Promise<ClientRequest | null>;
  onFinalization(block: CertifiedBlockInput): Promise<ClientEvent[]>;
  boundariesWanted(max: number): Promise<number[]>;
  onBoundaries(blocks: CertifiedBlockInput[]): Promise<ClientEvent[]>;
  onHeaders(headers: TempoHeaderJson[]): Promise<ClientEvent[]>;
  setEveryHeader(everyHeader: boolean): Promise<void>;
  abandon(): Promise<void>;
  reset(): Promise<void>;
  identityFor(epoch: number | bigint): Promise<Hex>;
  toState(): Promise<string>;
  balanceQuery(token: Hex, account: Hex): Promise<BalanceQuery>;
  verifyProof(proof: AccountProofJson | string, header?: { stateRoot: Hex }): Promise<VerifiedAccount>;
  getVerifiedBalance(options: Omit<BalanceOptions, 'request' | 'signal'>): Promise<VerifiedBalance>;
  /** `confirmPayment()` in the worker (no functions: no `request`, `signal` or `onStatus`). */
  confirmPayment(options: Omit<ConfirmPaymentOptions, 'request' | 'signal' | 'onStatus'>): Promise<PaymentConfirmation>;
  verifyPaymentProof(proof: string | object, expected?: ExpectedPayment, options?: { txHash?: Hex }): Promise<ConfirmedPayment>;
  ready(options?: Omit<WaitOptions, 'signal'>): Promise<void>;
  waitSynced(options?: Omit<WaitOptions, 'signal'>): Promise<void>;
  save(): Promise<void>;
  /**
   * Runs `follow()` in the worker; aborting `signal` stops it there. The callbacks run on this
   * side (`onEvent`: every core event; one that throws is reported as `ListenerFailed`).
   * No `request` (functions cannot cross threads).
   */
  follow(options: Omit<FollowOptions, 'request'>): Promise<void>;
  on<K extends keyof ClientEventMap>(type: K, listener: (payload: ClientEventMap[K]) => void): () => void;
  off<K extends keyof ClientEventMap>(type: K, listener: (payload: ClientEventMap[K]) => void): void;
  destroy(): Promise<void>;
}

export type { CustomNetwork };
