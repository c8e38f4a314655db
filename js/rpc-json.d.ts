// Types of the `tempo-light` package: the shapes an RPC answer (or a file) arrives in, as the
// core reads them (`CertifiedBlock::from_value`, `AccountProof::from_value`). Re-exported by
// index.d.ts.

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

/**
 * The unauthenticated fields a server may send beside a certificate: read for display and
 * discrepancy reports, never for verification (non-negative integers; `digest` 32 bytes).
 */
export interface ClaimedFields {
  epoch?: number | null;
  view?: number | null;
  digest?: Hex | null;
  height?: number | null;
  seen?: number | null;
}

/** A header beside its certificate: `{ header, certificate }` (other fields are ignored). */
export interface HeaderWithCertificate extends ClaimedFields {
  header: TempoHeaderJson;
  certificate: Hex;
  /** (With `block`, the object is read as a {@link CertifiedBlockJson}.) */
  block?: never;
  /** Ignored (a subscription event's `'finalized'`). */
  type?: 'finalized' | 'notarized';
  [field: string]: unknown;
}

/**
 * A header beside a finalization holding its certificate: `{ header, finalization:
 * { certificate } }`, the shape of the mainnet fixture (other fields are ignored).
 */
export interface HeaderWithFinalization {
  header: TempoHeaderJson;
  finalization: ClaimedFields & { certificate: Hex; [field: string]: unknown };
  /** (With `certificate` beside `header`, the object is a {@link HeaderWithCertificate}.) */
  certificate?: never;
  /** (With `finalized`, the object is read as a {@link ConsensusLatestJson}.) */
  finalized?: never;
  block?: never;
  /** Ignored. */
  type?: 'finalized' | 'notarized';
  [field: string]: unknown;
}

/** One certified block, in any of the shapes an RPC or a file gives it. */
export type CertifiedBlockObject =
  | CertifiedBlockJson
  // `block` as a one-element array holding the header (serde's sequence form of a struct).
  | (Omit<CertifiedBlockJson, 'block'> & { block: [TempoHeaderJson] })
  | HeaderWithCertificate
  | HeaderWithFinalization;

/** What `consensus_getLatest` returns: its `finalized` block is the one read. */
export interface ConsensusLatestJson {
  finalized: CertifiedBlockObject;
  notarized?: unknown;
  /** (With `certificate`, the object is read as a {@link HeaderWithCertificate}.) */
  certificate?: never;
  /** Ignored. */
  type?: 'finalized' | 'notarized';
  [field: string]: unknown;
}

/** Not an envelope: the fields that would make the runtime read the object as one. */
interface NoEnvelope {
  jsonrpc?: never;
  result?: never;
  /** A JSON-RPC `error` member is refused (`RpcError`). */
  error?: never;
  params?: never;
}

/**
 * What `verify`, `verifyBatch`, `onFinalization` and `verifyCertifiedBlock` accept (the
 * runtime's `CertifiedBlock::from_value`): a {@link CertifiedBlockObject} or a
 * `consensus_getLatest` answer, bare; either inside a JSON-RPC response (`{ jsonrpc, id,
 * result }`, or `{ result }` alone); either as the `params.result` of a whole subscription
 * notification (`{ jsonrpc, method: 'consensus_event', params: { subscription, result } }`); or
 * any of these as a JSON string. A response with an `error` member, a `null` result and an
 * object with neither `block` nor `header` are refused.
 */
export type CertifiedBlockInput =
  | (CertifiedBlockObject & NoEnvelope)
  | (ConsensusLatestJson & NoEnvelope)
  | { jsonrpc?: string; id?: string | number | null; result: CertifiedBlockObject | ConsensusLatestJson; error?: never; params?: never }
  | { jsonrpc?: string; method: string; params: { subscription?: unknown; result: CertifiedBlockObject | ConsensusLatestJson }; error?: never }
  | string;

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
