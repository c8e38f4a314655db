// Types of the `tempo-light` package. Heights, epochs, views and timestamps are `bigint`;
// hashes, keys and certificates are `0x`-prefixed hex strings (viem's conventions).

export * from './rpc-json.js';
export * from './errors.js';
import type { Hex, TempoHeaderJson, CertifiedBlockInput, AccountProofJson } from './rpc-json.js';
import type { TempoLightError, VerificationError, UsageError, StorageError, PaymentMismatchError } from './errors.js';

/** The DKG outcome a boundary block announces for the next epoch. */
export interface NextEpoch {
  epoch: bigint;
  identity: Hex;
  isNextFullDkg: boolean;
  players: Hex[];
}

/** What a successful verification proves. */
export interface VerifiedBlock {
  height: bigint;
  hash: Hex;
  epoch: bigint;
  view: bigint;
  parentView: bigint;
  stateRoot: Hex;
  timestamp: bigint;
  timestampMillis: bigint;
  /** The identity the certificate verified against. */
  identity: Hex;
  /** Present on boundary blocks (the last of an epoch). */
  nextEpoch?: NextEpoch;
  /**
   * The header as a node's `eth_getBlockByNumber(n, false)` shows it (hex quantities, with
   * `hash`), written by the core from the verified header, never copied from the answer.
   */
  header: Record<string, unknown> & { hash: Hex; number: Hex; stateRoot: Hex; timestamp: Hex };
}

/** The newest block the client has proven final. */
export interface Head {
  height: bigint;
  hash: Hex;
  epoch: bigint;
  /** Its state root (absent only in state saved by older versions, until the head moves). */
  stateRoot?: Hex;
}

/** What `verifyProof` proved. */
export interface VerifiedAccount {
  address: Hex;
  stateRoot: Hex;
  /** `null`: the account provably does not exist. */
  account: { nonce: bigint; balance: bigint; codeHash: Hex; storageRoot: Hex } | null;
  /** Each slot's proven value (0n for an empty slot). */
  storage: { slot: Hex; value: bigint }[];
  /** The answer written anew from what was verified (canonical quantities), to hand on. */
  proof: AccountProofJson;
}

/** A TIP-20 balance query at a verified head (from `balanceQuery`). */
export interface BalanceQuery {
  method: 'eth_getProof';
  params: [Hex, Hex[], Hex];
  token: Hex;
  account: Hex;
  height: bigint;
  hash: Hex;
  stateRoot: Hex;
}

/** A TIP-20 balance proven at a final block. */
export interface VerifiedBalance {
  token: Hex;
  account: Hex;
  /** In the token's smallest unit (6 decimals). */
  balance: bigint;
  /** `balance` with its decimals, e.g. `"1052.000156"`. */
  formatted: string;
  totalSupply: bigint;
  decimals: number;
  name: string;
  symbol: string;
  currency: string;
  /** The final block it was read at. */
  height: bigint;
  hash: Hex;
  stateRoot: Hex;
}

/** What the client needs next. */
export type ClientRequest =
  | { type: 'latest' }
  | { type: 'finalization'; height: bigint }
  | { type: 'headers'; from: bigint; to: bigint };

export interface FinalizedEvent {
  type: 'finalized';
  height: bigint;
  hash: Hex;
  epoch: bigint;
  view: bigint;
  timestampMillis: bigint;
  /** When the server saw the finalization (ms since the Unix epoch), for subscription events. */
  seen: bigint | null;
  /** Time spent verifying, in ms (set by `follow`). */
  verifyMs?: number;
}

export interface EpochEvent {
  type: 'epoch';
  epoch: bigint;
  identity: Hex;
  /** Whether the identity changed (a full DKG took effect). */
  rotated: boolean;
  /** Whether the next boundary will rotate the identity. */
  nextFullDkg: boolean;
  players: number;
}

export interface HeadersEvent {
  type: 'headers';
  headers: { height: bigint; hash: Hex; stateRoot: Hex }[];
}

/**
 * Informational, not an alarm: the chain's own DKG outcome, read from a verified boundary
 * block, gave `epoch` another identity (`onchain`) than the one configured for it (`preset`: a
 * custom network's `identity`, or for mainnet and testnet the identities built into this
 * version). Once for each new identity: on a custom network at every rotation (every full
 * DKG), on mainnet/testnet at each rotation past the built-in identities; never at a reshare,
 * which keeps the identity. Nothing is wrong. (The core calls it `presetIdentityDiffers`; the
 * package renames it.)
 */
export interface PresetSupersededEvent {
  type: 'presetSuperseded';
  epoch: bigint;
  preset: Hex;
  onchain: Hex;
}

export interface EquivocationEvent {
  type: 'equivocation';
  height: bigint;
  epoch: bigint;
  knownHash: Hex;
  conflictingHash: Hex;
  conflictingCertificate: Hex;
}

export type ClientEvent =
  | FinalizedEvent
  | EpochEvent
  | HeadersEvent
  | PresetSupersededEvent
  | EquivocationEvent;

/** An EIP-1193 request function (a viem transport's `request`, a wallet provider's). */
export type Eip1193Request = (args: { method: string; params?: unknown[] }) => Promise<unknown>;

export interface FollowOptions {
  /**
   * JSON-RPC endpoint: `http(s)://` polls, `ws(s)://` subscribes (falling back to polling).
   * Given a `ws(s)://` URL, every call goes over that socket (real nodes serve HTTP and
   * WebSocket on separate ports, each refusing the other), unless `http` or `request` is
   * given; with `request` too, a `ws(s)://` `rpc` is used for the subscription only.
   */
  rpc?: string;
  /** An HTTP endpoint for the calls, beside a `ws(s)://` `rpc` used for the subscription. */
  http?: string;
  /** Or a caller-supplied EIP-1193 `request` function (polls, unless `rpc` is a ws URL). */
  request?: Eip1193Request;
  /**
   * Or an EIP-1193 provider: its `request` answers the calls and, if it has `on`, the
   * subscription goes through it (`consensus_subscribe`, then `message` events of type
   * `eth_subscription`, as EIP-1193 specifies); polls if it cannot subscribe.
   */
  provider?: {
    request: Eip1193Request;
    on?(event: 'message', listener: (message: { type: string; data: unknown }) => void): unknown;
    removeListener?(event: 'message', listener: (message: { type: string; data: unknown }) => void): unknown;
  };
  transport?: 'http' | 'websocket';
  /**
   * Aborting stops following at once (a call in flight is cancelled); `follow` then
   * resolves, and nothing in flight is applied. `free()`/`destroy()` do the same.
   */
  signal?: AbortSignal;
  onFinalized?: (event: FinalizedEvent) => void;
  onEpoch?: (event: EpochEvent) => void;
  onHeaders?: (event: HeadersEvent) => void;
  onEvent?: (event: ClientEvent) => void;
  /** Every error, including retried ones; the one that stops following is also thrown. */
  onError?: (error: TempoLightError) => void;
  pollMs?: number;
  /**
   * Per call, in ms (default 10000): the whole answer, body included, must arrive in time,
   * or the call fails with a retryable `Timeout`.
   */
  timeoutMs?: number;
  /**
   * The largest answer accepted, in bytes (default 16 MB): an HTTP body (checked against
   * content-length, then counted while streaming) or a WebSocket message. Over it, the
   * answer is abandoned and the call fails with a retryable `ResponseTooLarge`.
   */
  maxResponseBytes?: number;
  /**
   * Retries of a retryable error (unavailability, `Timeout`, `ResponseTooLarge`) in a row
   * (default `Infinity`: reconnect until `signal` aborts or the client is destroyed).
   */
  maxRetries?: number;
  /** The first retry's delay in ms (default 250), doubled at each failure in a row... */
  retryDelayMs?: number;
  /** ...up to this (default 8000). */
  maxRetryDelayMs?: number;
  concurrency?: number;
}

export interface BalanceOptions {
  token: Hex;
  account: Hex;
  rpc?: string;
  request?: Eip1193Request;
  /** Aborting cancels the call at once; it rejects with `Aborted`. */
  signal?: AbortSignal;
  /** For the whole answer, in ms (default 10000); then a retryable `Timeout`. */
  timeoutMs?: number;
  /** The largest answer accepted, in bytes (default 16 MB); over it, `ResponseTooLarge`. */
  maxResponseBytes?: number;
  /**
   * Real nodes prove only at their execution head (reth's proof window: `-32602`) and not
   * at a block they have not executed yet (`-32001`, or `null`). The first attempt is at the
   * verified head; on those answers (and on `RpcUnavailable`: no connection, 204/503; a
   * `Timeout` ends at once) the balance is asked again, after a short backoff, at a fresh
   * block that is both final and executed (the node's execution head, proven final by its
   * own certificate under the identity of its epoch, or the newest finalization; past a
   * rotation the client has not seen, a copy of it follows to that block, the client itself
   * does not move), at most this many times (default 8); then a retryable error whose
   * `attempts` says how many were made. The answer's `height`, `hash` and `stateRoot` name
   * the block it is proven at (above a stale head's, when the client does not follow).
   */
  retries?: number;
  /**
   * The most blocks behind the verified head a balance may be proven at (default 64): where
   * the node names an older block to prove at, `StaleState` (retryable).
   */
  maxStateLag?: number;
  /** The first retry's delay in ms (default 100), doubled at each retry... */
  retryDelayMs?: number;
  /** ...up to this (default 1000). `signal` and `destroy()` cut the wait short. */
  maxRetryDelayMs?: number;
}

/**
 * What the payer expected; each field given is checked (its own error when it differs).
 * `from`, `to`, `amount` and `memo` need `token`, or `anyToken: true`: TIP-20 tokens are
 * created permissionlessly, so without a token they would accept a payment in a worthless
 * token anyone minted. Such an expectation (or `token` with `anyToken: true`) is refused
 * before any request, a `UsageError` with code `InvalidInput` naming `token`. With no field
 * at all, the payment is only proven: it reports every transfer it moved.
 */
export interface ExpectedPayment {
  /** The TIP-20 token (a `0x20c0…` address): the only thing that says what was paid in. */
  token?: Hex;
  /** Accept a transfer of any token (instead of `token`): the token does not matter. */
  anyToken?: boolean;
  /** The sender (the transfer's `from`). */
  from?: Hex;
  /** The recipient. */
  to?: Hex;
  /** The amount in base units (the token's 6 decimals: `1_500_000n` is 1.5). */
  amount?: bigint | number | string;
  /** The memo (32 bytes of hex) of a `TransferWithMemo`. */
  memo?: Hex;
}

/** A TIP-20 `Transfer`/`TransferWithMemo` log of the payment's receipt, decoded. */
export interface Tip20Transfer {
  token: Hex;
  from: Hex;
  to: Hex;
  amount: bigint;
  /** `amount` with the token's 6 decimals, e.g. `"1.5"`. */
  formatted: string;
  memo: Hex | null;
  logIndex: bigint;
}

/** A transaction proven in a final block, with its outcome and what it moved. */
export interface ConfirmedPayment {
  transactionHash: Hex;
  /** The receipt's status. */
  success: boolean;
  /** The block that holds it. */
  height: bigint;
  blockHash: Hex;
  /** Its index in the block. */
  index: bigint;
  /** Its EIP-2718 type (`0x76` for Tempo's own). */
  txType: number;
  gasUsed: bigint | null;
  transfers: Tip20Transfer[];
  /** The block whose certificate proves it final (its own, or one it links to). */
  certifiedHeight: bigint;
  epoch: bigint;
  /** The identity the certificate verified under. */
  identity: Hex;
  timestampMillis: bigint;
}

/** What `confirmPayment` reports while it waits. */
export interface PaymentStatus {
  /** `unknown`: in no block the RPC knows; `pending`: in a block not final yet; `final`. */
  status: 'unknown' | 'pending' | 'final';
  hash: Hex;
  height: bigint | null;
  /** The client's verified head when reported. */
  finalHeight: bigint | null;
}

export interface ConfirmPaymentOptions extends ExpectedPayment {
  /** The transaction hash. */
  hash: Hex;
  /** The endpoint to ask (default: the one `follow()` uses; needed when the client is not following). */
  rpc?: string;
  request?: Eip1193Request;
  /** Aborting cancels at once (`Aborted`). */
  signal?: AbortSignal;
  /** Called when the status changes: unknown → pending → final. */
  onStatus?: (status: PaymentStatus) => void;
  /** How long to wait for finality, in ms (default 120000; `Infinity`: until `signal`); then `Pending`. */
  waitMs?: number;
  /** How often to ask about a transaction not final yet, in ms (default 1000). */
  pollMs?: number;
  /** The proof holds the whole block (`full`), trie proofs of one transaction and receipt (`trie`), or the smaller (`smallest`, default). */
  proofForm?: 'smallest' | 'full' | 'trie';
  /** For each whole answer, in ms (default 10000). */
  timeoutMs?: number;
  /** The largest answer accepted, in bytes (default 16 MB). */
  maxResponseBytes?: number;
}

/** A payment proven, and the proof that lets anyone re-check it offline. */
export interface PaymentConfirmation {
  payment: ConfirmedPayment;
  /** The PaymentProof: a self-contained JSON document (what `tempo-light confirm --proof-out` writes). */
  proof: string;
}

export type Status = 'syncing' | 'synced' | 'stalled' | 'stopped' | 'frozen' | 'destroyed';

/** A place to keep the client's trust state; sync or async. */
export interface StorageAdapter {
  get(key: string): string | null | undefined | Promise<string | null | undefined>;
  set(key: string, value: string): void | Promise<void>;
  remove?(key: string): void | Promise<void>;
}

/** What `init()` accepts: the wasm's URL, bytes, a `Response`, a compiled module, or `{ wasm }`. */
export type WasmInput = string | URL | Response | BufferSource | WebAssembly.Module;

export interface CreateOptions {
  /** Default `'mainnet'`. */
  network?: 'mainnet' | 'testnet' | CustomNetwork;
  /** Resume from `toState()`'s output. */
  state?: string | object;
  /**
   * Resume from, and save after every advance to, this storage: an adapter,
   * `'localStorage'` or `'indexedDB'`. Saved state that is corrupt or of another network is
   * refused (`StorageError`) and left in place.
   */
  storage?: StorageAdapter | 'localStorage' | 'indexedDB';
  /** Default: `tempo-light:<network>` (custom networks: with chain id and identity prefix). */
  storageKey?: string;
  /** Where to load the wasm from, if not loaded yet (see `init`). */
  wasm?: WasmInput;
}

export interface WaitOptions {
  signal?: AbortSignal;
  /** Rejects with a retryable `Timeout` after this (default: no limit). */
  timeoutMs?: number;
}

export interface ClientEventMap {
  finalized: FinalizedEvent;
  epoch: EpochEvent;
  /** An epoch whose identity changed (a full DKG took effect). */
  rotation: EpochEvent;
  headers: HeadersEvent;
  presetSuperseded: PresetSupersededEvent;
  equivocation: EquivocationEvent;
  /** Every error `follow()` meets, retried ones too. */
  error: TempoLightError;
  status: Status;
  /** Every core event. */
  event: ClientEvent;
}

export interface CustomNetwork {
  /** The network identity: a 96-byte compressed BLS12-381 G2 point, hex. */
  identity: Hex;
  epochLength: number | bigint;
  /** First epoch the identity signs (default 0). */
  fromEpoch?: number | bigint;
  chainId?: number | bigint;
}

/**
 * Loads the wasm, once (idempotent; concurrent calls share one load). By default it is found
 * beside the package's JS (`new URL('./tempo_light_bg.wasm', import.meta.url)`, which Vite
 * and webpack 5 bundle); in Node it is read from disk. Rejects with `InitFailed`.
 */
export declare function init(input?: WasmInput | { wasm?: WasmInput; paymentsWasm?: WasmInput }): Promise<void>;
/**
 * Loads the payments module now (it loads by itself on the first payment call, beside this
 * file: `tempo_light_payments_bg.wasm`).
 */
export declare function initPayments(input?: WasmInput): Promise<void>;
/**
 * Re-checks a PaymentProof offline under `network` (default `'mainnet'`): its certificate,
 * the block's tries and the transfer; held to `expected` when given, and to `txHash`: a
 * proof of another transaction is refused (`WrongTransaction`, a `VerificationError`).
 */
export declare function verifyPaymentProof(
  proof: string | object,
  options?: { network?: 'mainnet' | 'testnet' | CustomNetwork; expected?: ExpectedPayment; txHash?: Hex },
): Promise<ConfirmedPayment>;
/** Loads the wasm synchronously from its bytes or a compiled module (idempotent). */
export declare function initSync(input: BufferSource | WebAssembly.Module | { wasm: BufferSource | WebAssembly.Module }): void;
/** Whether the wasm is loaded. */
export declare function isInitialized(): boolean;

/**
 * A Tempo light client. Create it with `await TempoLightClient.create()` (loads the wasm), or
 * after `init()` with `mainnet()`, `testnet()`, `custom()` or `fromState()` (in Node these
 * load the wasm themselves).
 */
export declare class TempoLightClient {
  private constructor();
  /** Loads the wasm if needed and creates a client (resuming from `storage` if given). */
  static create(options?: CreateOptions): Promise<TempoLightClient>;
  static mainnet(): TempoLightClient;
  static testnet(): TempoLightClient;
  static custom(network: CustomNetwork): TempoLightClient;
  /** Resumes from `toState()`'s output. */
  /**
   * A client resumed from `toState()`'s output. With `network`, the state is checked against
   * it (name, chain id, epoch length, built-in identities: `NetworkMismatch` otherwise);
   * without, the state's own network is taken as it is.
   */
  static fromState(state: string | object, network?: 'mainnet' | 'testnet' | CustomNetwork): TempoLightClient;
  /**
   * A client resumed from `toState()`'s output, checked against this client's network (its
   * name, chain id, epoch length and built-in identities): `NetworkMismatch` otherwise.
   */
  resume(state: string | object): TempoLightClient;
  /** Verifies one CertifiedBlock against the identity trusted for its epoch. Pure. */
  verify(block: CertifiedBlockInput): VerifiedBlock;
  /** Verifies many at once (one multi-pairing per identity), each with its own verdict. Pure. */
  verifyBatch(blocks: CertifiedBlockInput[]): ({ ok: true; block: VerifiedBlock } | { ok: false; error: TempoLightError })[];
  /** What the client needs next, or `null` when frozen. */
  nextRequest(): ClientRequest | null;
  /** Feeds a finalization; all or nothing. */
  onFinalization(block: CertifiedBlockInput): ClientEvent[];
  /** The boundary heights the client takes next as one run (at most `max`); empty unless it is bridging epochs towards a tip. */
  boundariesWanted(max: number): number[];
  /** Feeds the finalizations of `boundariesWanted`'s heights, in order, as one run: the same events, state and first refusal as `onFinalization` on each in turn, with the certificates verified together; all or nothing. */
  onBoundaries(blocks: CertifiedBlockInput[]): ClientEvent[];
  /** Feeds the headers answering a `headers` request; all or nothing. */
  onHeaders(headers: TempoHeaderJson[]): ClientEvent[];
  setEveryHeader(everyHeader: boolean): void;
  /** Forgets the current plan. */
  abandon(): void;
  /** Clears a freeze after an equivocation. */
  reset(): void;
  /** The identity trusted for `epoch`. */
  identityFor(epoch: number | bigint): Hex;
  /**
   * The identity `verify` uses for `epoch`: throws `Frozen` once frozen (what the payments
   * module is handed for its block's epoch).
   */
  verifyingIdentity(epoch: number | bigint): Hex;
  /**
   * Where `block` lies past the epochs this client has verified: the height its header
   * claims and that height's epoch, when the client does not know that epoch's identity yet
   * (follow first); `null` otherwise. Nothing in it is verified: it says how far to follow.
   */
  beyondVerifiedEpochs(block: CertifiedBlockInput): { height: bigint; epoch: bigint } | null;
  /** Compact JSON of everything the client trusts; store it and pass it to `fromState`. */
  toState(): string;
  /**
   * Drives the client over JSON-RPC until `signal` aborts or a proof fails. An answer still
   * in flight when `signal` aborts is dropped: the state does not change and no callback
   * runs after the abort.
   */
  follow(options: FollowOptions): Promise<void>;
  /** Checks an `eth_getProof` answer against `header` (default: the verified head). Pure. */
  verifyProof(proof: AccountProofJson | string, header?: { stateRoot: Hex }): VerifiedAccount;
  /** The `eth_getProof` call proving `account`'s balance of `token` at the head. */
  balanceQuery(token: Hex, account: Hex): BalanceQuery;
  /**
   * `account`'s balance of the TIP-20 `token`, proven with `eth_getProof` (over `rpc`/`request`,
   * or the endpoint `follow()` uses) at the verified head, or, where the node cannot prove
   * there, at a fresh block both final and executed (see `retries`); the answer names it.
   */
  getVerifiedBalance(options: BalanceOptions): Promise<VerifiedBalance>;
  /**
   * Proves a payment: resolves once transaction `hash` is in a final block (following the
   * chain until then), with the payment and its PaymentProof. Rejects with a `UsageError`
   * (`InvalidInput`, before any request) for an expectation without `token` or `anyToken`, a
   * `VerificationError` for answers that do not check out, a `PaymentMismatchError` when it
   * is not as expected, `Pending` when `waitMs` runs out.
   */
  confirmPayment(options: ConfirmPaymentOptions): Promise<PaymentConfirmation>;
  /**
   * Re-checks a PaymentProof under the identities this client has learnt; held to `expected`
   * and `txHash` when given, as `verifyPaymentProof` does.
   */
  verifyPaymentProof(proof: string | object, expected?: ExpectedPayment, options?: { txHash?: Hex }): Promise<ConfirmedPayment>;
  /** Listens to an event; returns a function that removes the listener. */
  on<K extends keyof ClientEventMap>(type: K, listener: (payload: ClientEventMap[K]) => void): () => void;
  off<K extends keyof ClientEventMap>(type: K, listener: (payload: ClientEventMap[K]) => void): void;
  /** How many listeners are registered (of one type, or all). */
  listenerCount(type?: keyof ClientEventMap): number;
  /** Resolves once the client has a verified head. Rejects with `Destroyed`, `Aborted`, `Timeout`, or the error that stopped `follow()`. */
  ready(options?: WaitOptions): Promise<void>;
  /** Resolves once `follow()` has caught up (status `synced`). Rejects like `ready()`. */
  waitSynced(options?: WaitOptions): Promise<void>;
  /** Saves the state to the client's storage now (no-op without storage). */
  save(): Promise<void>;
  /** Whether `follow()` runs. */
  readonly following: boolean;
  readonly head: Head | null;
  readonly status: Status;
  readonly frozen: boolean;
  readonly idle: boolean;
  readonly network: { name: 'mainnet' | 'testnet' | 'custom'; chainId: bigint; epochLength: bigint };
  /**
   * The identities the network starts from, taken on trust (mainnet's and testnet's presets,
   * or the identity a custom network was given), by ascending first epoch.
   */
  readonly presets: ReadonlyArray<{ fromEpoch: bigint; identity: Hex }>;
  /**
   * Releases the wasm memory; safe to call twice. Cancels the client's calls in flight: a
   * `follow()` resolves; pending work (`getVerifiedBalance`, `ready`, `waitSynced`, provider
   * calls) rejects with `Destroyed`; listeners are removed; later calls throw `Destroyed`.
   */
  free(): void;
  /** Same as `free()`. */
  destroy(): void;
}

/** Verifies a CertifiedBlock against a preset (`mainnet` by default), statelessly. */
export declare function verifyCertifiedBlock(block: CertifiedBlockInput, network?: 'mainnet' | 'testnet'): VerifiedBlock;

/** Checks an `eth_getProof` answer for a `balanceQuery()` against the query's state root. */
export declare function verifyBalance(query: BalanceQuery, proof: AccountProofJson | string): VerifiedBalance;

/**
 * Checks an `eth_getProof` answer against a header you have verified (anything with its
 * `stateRoot`: a `verify()` result, a head). Pure.
 */
export declare function verifyProof(proof: AccountProofJson | string, header: { stateRoot: Hex }): VerifiedAccount;

/** An EIP-1193 provider (viem's `custom()` accepts it). */
export interface Eip1193Provider {
  request(args: { method: string; params?: unknown[] | object }): Promise<any>;
  on(event: 'unverified', listener: (note: UnverifiedNote) => void): this;
  removeListener(event: 'unverified', listener: (note: UnverifiedNote) => void): this;
}
export interface UnverifiedNote { method: string; params: unknown; verified: false }

/**
 * A viem `Transport`, structurally (no viem types needed): a function that, called with
 * `{ chain, retryCount }`, returns an object with an EIP-1193 `request`.
 */
// `any` where viem's own types are generic (a viem Transport's `chain` parameter and its
// `request`'s arguments), so that any viem Transport is assignable.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type TransportLike = (options: { chain?: any; retryCount?: number }) => { request: (args: { method: string; params?: any }) => Promise<unknown> };

export interface VerifiedProviderOptions {
  /** A client you follow yourself... */
  client?: TempoLightClient;
  /** ...or a network: the provider creates a client and follows it. */
  network?: 'mainnet' | 'testnet' | CustomNetwork;
  /**
   * The upstream JSON-RPC endpoint (http(s) or ws(s) URL: given a ws(s):// one, every call
   * goes over that WebSocket, which `destroy()` closes, unless `http` is given)...
   */
  rpc?: string;
  /** ...or an EIP-1193 request function... */
  request?: Eip1193Request;
  /**
   * ...or a viem `Transport` (`http(url)`, `webSocket(url)`, `custom(provider)`): called as
   * viem calls it, `transport({ chain, retryCount: 0 })`, and its `request` used for the
   * provider's calls and the `follow()` it starts. Not with `request`.
   */
  transport?: TransportLike;
  /** Passed to `transport` as viem passes a chain (default: none; `http(url)` needs none). */
  chain?: unknown;
  /**
   * With a ws(s):// `rpc`: an http(s):// endpoint of the same node for the calls (the
   * provider's and its `follow()`'s; the socket then carries only the subscription).
   * Default: `followOptions.http`, else every call over the WebSocket.
   */
  http?: string;
  /** `'strict'` (default): refuse what cannot be verified (4200); `'passthrough'`: forward it, reported to `onUnverified`. */
  policy?: 'strict' | 'passthrough';
  /** Whether the provider follows the client (default: when it created it). */
  follow?: boolean;
  /** Options for that `follow()` (no `signal`: `destroy()` stops it). */
  followOptions?: Omit<FollowOptions, 'rpc' | 'request' | 'signal'>;
  /** How long a call waits for a first verified head (default 30000). */
  readyTimeoutMs?: number;
  timeoutMs?: number;
  maxResponseBytes?: number;
  onUnverified?: (note: UnverifiedNote) => void;
  /**
   * `latest` state reads are proven at most this many blocks behind the verified head
   * (default 64), else `StaleState` (retryable; 4900).
   */
  maxStateLag?: number;
  /** The final block each proven answer was proven at (also the `'proven'` event). */
  onProven?: (note: ProvenNote) => void;
}
/** What `onProven` and the provider's `'proven'` event report. */
export interface ProvenNote {
  method: string;
  params: unknown[];
  height: bigint;
  hash: Hex;
}
export interface VerifiedProvider extends Eip1193Provider {
  /** The client behind the provider. */
  client(): Promise<TempoLightClient>;
  /** Stops the provider's follow() and destroys the client it created (not a given one). */
  destroy(): Promise<void>;
  readonly isTempoLight: true;
}
/**
 * A verified EIP-1193 provider: `eth_chainId`, `eth_blockNumber` (the verified head),
 * `eth_getBlockByNumber`/`ByHash` (headers of final blocks, without transactions),
 * `eth_getProof`, `eth_getStorageAt`, `eth_getBalance`, `eth_getTransactionCount`,
 * `eth_getCode` (checked against the proven codeHash), TIP-20 `balanceOf`/`decimals`/
 * `symbol` `eth_call`s, and `eth_getTransactionByHash`/`eth_getTransactionReceipt` (proven
 * against the block's transactions and receipts roots, the sender recovered from the
 * signature; `null` until the block is final; loads the payments module), each proven at a
 * final block. Everything else: see `policy`.
 */
export declare function createVerifiedProvider(options: VerifiedProviderOptions): VerifiedProvider;

/** `window.localStorage` (or another Web Storage object) as a storage adapter. */
export declare function localStorageAdapter(storage?: Storage): StorageAdapter;
/** IndexedDB as a storage adapter (database `tempo-light`, store `state` by default). */
export declare function indexedDbAdapter(options?: { database?: string; store?: string; indexedDB?: IDBFactory }): StorageAdapter;

export default TempoLightClient;
