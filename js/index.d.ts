// Types of the `tempo-light` package. Heights, epochs, views and timestamps are `bigint`;
// hashes, keys and certificates are `0x`-prefixed hex strings (viem's conventions).

/** A `0x`-prefixed hex string. */
export type Hex = `0x${string}`;

/** A Tempo header as `eth_getBlockByNumber` or `consensus_getFinalization` returns it. */
export interface TempoHeaderJson {
  parentHash: Hex;
  sha3Uncles: Hex;
  miner: Hex;
  stateRoot: Hex;
  transactionsRoot: Hex;
  receiptsRoot: Hex;
  logsBloom: Hex;
  difficulty: Hex;
  number: Hex;
  gasLimit: Hex;
  gasUsed: Hex;
  timestamp: Hex;
  extraData: Hex;
  mixHash: Hex;
  nonce: Hex;
  baseFeePerGas?: Hex;
  withdrawalsRoot?: Hex;
  blobGasUsed?: Hex;
  excessBlobGas?: Hex;
  parentBeaconBlockRoot?: Hex;
  requestsHash?: Hex;
  mainBlockGeneralGasLimit: Hex;
  sharedGasLimit: Hex;
  timestampMillisPart: Hex;
  consensusContext?: { epoch: number; view: number; parentView: number; proposer: Hex };
  /** Ignored: the hash is always computed from the header. */
  hash?: Hex;
  [field: string]: unknown;
}

/** What `consensus_getFinalization` returns (or a `consensus_subscribe` event). */
export interface CertifiedBlockJson {
  /** Unauthenticated echo; never used for verification. */
  epoch?: number;
  /** Unauthenticated echo; never used for verification. */
  view?: number;
  /** Unauthenticated echo; never used for verification. */
  digest?: Hex;
  /** The finalization certificate (commonware-codec, hex). */
  certificate: Hex;
  block: { header: TempoHeaderJson; body?: unknown };
  type?: 'finalized' | 'notarized';
  seen?: number;
}

/** Also accepted: a JSON-RPC response around a CertifiedBlock, or `{ header, certificate }`. */
export type CertifiedBlockInput =
  | CertifiedBlockJson
  | { jsonrpc: '2.0'; id: unknown; result: CertifiedBlockJson }
  | { header: TempoHeaderJson; certificate: Hex }
  | string;

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
}

/** The newest block the client has proven final. */
export interface Head {
  height: bigint;
  hash: Hex;
  epoch: bigint;
  /** Its state root (absent only in state saved by older versions, until the head moves). */
  stateRoot?: Hex;
}

/** An `eth_getProof` answer (EIP-1186), as an RPC returns it. */
export interface AccountProofJson {
  address: Hex;
  nonce: Hex;
  balance: Hex;
  codeHash: Hex;
  storageHash: Hex;
  accountProof: Hex[];
  storageProof: { key: Hex; value: Hex; proof: Hex[] }[];
}

/** What `verifyProof` proved. */
export interface VerifiedAccount {
  address: Hex;
  stateRoot: Hex;
  /** `null`: the account provably does not exist. */
  account: { nonce: bigint; balance: bigint; codeHash: Hex; storageRoot: Hex } | null;
  /** Each slot's proven value (0n for an empty slot). */
  storage: { slot: Hex; value: bigint }[];
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

export interface PresetIdentityDiffersEvent {
  type: 'presetIdentityDiffers';
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
  | PresetIdentityDiffersEvent
  | EquivocationEvent;

/** Stable error codes (the Rust error variants' names). */
export type ErrorCode =
  | 'InvalidHex' | 'Truncated' | 'TrailingBytes' | 'InvalidVarint' | 'LengthOutOfRange'
  | 'InvalidBool' | 'UnsupportedSharingMode' | 'InvalidPoint' | 'InvalidEd25519Key'
  | 'UnsortedSet' | 'InvalidJson' | 'RpcError' | 'SignaturePoint' | 'BadSignature'
  | 'DigestMismatch' | 'EpochMismatch' | 'HeightOutOfRange' | 'IdentityUnavailable'
  | 'Frozen' | 'NotNewer' | 'UnannouncedRotation' | 'BoundaryEpochMismatch' | 'Unexpected'
  | 'HeaderNumberMismatch' | 'BrokenParentLink' | 'TipHashMismatch' | 'InvalidState'
  | 'InvalidInput' | 'RpcUnavailable' | 'SubscriptionRefused'
  | 'ProofRootMismatch' | 'ProofNodeMismatch' | 'ProofIncomplete' | 'ProofValueMismatch'
  | 'ProofMalformedNode' | 'ProofAddressMismatch' | 'ProofMissingSlot' | 'NoStateRoot'
  | 'NotTip20' | 'NoSuchToken' | 'StringNotInline'
  /** No complete answer within `timeoutMs` (retryable). */
  | 'Timeout'
  /** An HTTP body or WebSocket message over `maxResponseBytes` (retryable). */
  | 'ResponseTooLarge'
  /** The call was cancelled by its `signal` or by the client's `free()`/`destroy()`. */
  | 'Aborted';

/** Every error this package throws. */
export interface TempoLightError extends Error {
  name: 'TempoLightError';
  code: ErrorCode;
  /** Whether asking again (later, or another server) may succeed. */
  retryable: boolean;
}

/** A JSON-RPC transport or server error. */
export declare class RpcError extends Error implements TempoLightError {
  name: 'TempoLightError';
  code: ErrorCode;
  retryable: boolean;
  constructor(message: string, code: ErrorCode, retryable: boolean);
}

/** An EIP-1193 request function (a viem transport's `request`, a wallet provider's). */
export type Eip1193Request = (args: { method: string; params?: unknown[] }) => Promise<unknown>;

export interface FollowOptions {
  /** JSON-RPC endpoint: `http(s)://` polls, `ws(s)://` subscribes (falling back to polling). */
  rpc?: string;
  /** Or a caller-supplied EIP-1193 `request` function. */
  request?: Eip1193Request;
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
  /** Retries of a retryable error (unavailability, `Timeout`, `ResponseTooLarge`) in a row. */
  maxRetries?: number;
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
}

export type Status = 'syncing' | 'synced' | 'stalled' | 'stopped' | 'frozen';

export interface CustomNetwork {
  /** The network identity: a 96-byte compressed BLS12-381 G2 point, hex. */
  identity: Hex;
  epochLength: number | bigint;
  /** First epoch the identity signs (default 0). */
  fromEpoch?: number | bigint;
  chainId?: number | bigint;
}

/** A Tempo light client. Create it with `mainnet()`, `testnet()`, `custom()` or `fromState()`. */
export declare class TempoLightClient {
  private constructor();
  static mainnet(): TempoLightClient;
  static testnet(): TempoLightClient;
  static custom(network: CustomNetwork): TempoLightClient;
  /** Resumes from `toState()`'s output. */
  static fromState(state: string | object): TempoLightClient;
  /** Verifies one CertifiedBlock against the identity trusted for its epoch. Pure. */
  verify(block: CertifiedBlockInput): VerifiedBlock;
  /** Verifies many at once (one multi-pairing per identity), each with its own verdict. Pure. */
  verifyBatch(blocks: CertifiedBlockInput[]): ({ ok: true; block: VerifiedBlock } | { ok: false; error: TempoLightError })[];
  /** What the client needs next, or `null` when frozen. */
  nextRequest(): ClientRequest | null;
  /** Feeds a finalization; all or nothing. */
  onFinalization(block: CertifiedBlockInput): ClientEvent[];
  /** Feeds the headers answering a `headers` request; all or nothing. */
  onHeaders(headers: TempoHeaderJson[]): ClientEvent[];
  setEveryHeader(everyHeader: boolean): void;
  /** Forgets the current plan. */
  abandon(): void;
  /** Clears a freeze after an equivocation. */
  reset(): void;
  /** The identity trusted for `epoch`. */
  identityFor(epoch: number | bigint): Hex;
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
   * `account`'s balance of the TIP-20 `token`, proven at the verified head with `eth_getProof`
   * (over `rpc`/`request`, or the endpoint `follow()` uses).
   */
  getVerifiedBalance(options: BalanceOptions): Promise<VerifiedBalance>;
  readonly head: Head | null;
  readonly status: Status;
  readonly frozen: boolean;
  readonly idle: boolean;
  readonly network: { name: 'mainnet' | 'testnet' | 'custom'; chainId: bigint; epochLength: bigint };
  /**
   * Releases the wasm memory; safe to call twice. Cancels the client's calls in flight: a
   * `follow()` resolves, a `getVerifiedBalance()` rejects with `Aborted`.
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

export default TempoLightClient;
