// Types of the `tempo-light` package: its error taxonomy and classes (errors.js), held to the
// Rust core's codes and kinds by tests/error_codes.rs. Re-exported by index.d.ts.

import type { ConfirmedPayment } from './index.js';

/**
 * What kind of failure an error is: the core's one taxonomy (`ErrorKind` in the Rust core),
 * from which the error's class follows. `malformed`: bytes that do not decode
 * (`MalformedInputError`); `notVerified`: well-formed but not proven (`VerificationError`);
 * `mismatch`: a payment proven, but not as expected (`PaymentMismatchError`); `unavailable`:
 * what would prove it is not available, retry (`RpcError`); `usage`: a question that cannot be
 * asked as asked (`UsageError`); `frozen`: the client saw two finalizations at one height
 * (`VerificationError`); `outdated`: a header this version cannot hash, update tempo-light
 * (`VerificationError`).
 */
export type ErrorKind =
  | 'malformed' | 'notVerified' | 'mismatch' | 'unavailable' | 'usage' | 'frozen' | 'outdated';

/** Stable error codes (the Rust error variants' names). */
export type ErrorCode =
  | 'InvalidHex' | 'Truncated' | 'TrailingBytes' | 'InvalidVarint' | 'LengthOutOfRange'
  | 'InvalidBool' | 'UnsupportedSharingMode' | 'InvalidPoint' | 'InvalidEd25519Key'
  | 'UnsortedSet' | 'InvalidJson' | 'AmbiguousAnswer' | 'RpcError' | 'SignaturePoint' | 'BadSignature'
  | 'DigestMismatch' | 'EpochMismatch' | 'HeightOutOfRange' | 'IdentityUnavailable'
  /**
   * A block past the epochs the client has learnt, where the built-in identity it would fall
   * back to is superseded by what it learnt: follow (bridge) to it first.
   */
  | 'IdentityNotBridged'
  /**
   * A block older than every identity the client still keeps (the newest 64 identity runs):
   * its identity is no longer known, and nothing is said about the block either way.
   */
  | 'IdentityForgotten'
  /**
   * A `latest` state read the node would prove only at a block more than `maxStateLag`
   * blocks behind the verified head (retryable).
   */
  | 'StaleState'
  /** Saved state loaded for another network than the one it was saved for. */
  | 'NetworkMismatch'
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
  /** The call was cancelled by its `signal`. */
  | 'Aborted'
  /** The client was destroyed (`destroy()`/`free()`) before or while the work ran. */
  | 'Destroyed'
  /** A sync API ran before the wasm was loaded (browsers: `await init()` first). */
  | 'NotInitialized'
  /**
   * A wasm module, the payments module or keccak-256 could not be loaded (retryable when
   * fetching it failed; not where `import()` cannot work, e.g. in a service worker without
   * `tempo-light/worker`, or a file of the package is missing or broken).
   */
  | 'InitFailed'
  /** A second `follow()` on a client that is following. */
  | 'FollowActive'
  /**
   * `getVerifiedBalance` on a client whose head is epochs behind, past a rotation of the
   * network's identity: a copy of the client could not follow to the fresh block in time
   * (retryable; `follow()` first).
   */
  | 'StaleHead'
  /** Saved state that cannot be read back: refused, left in place. */
  | 'StorageCorrupt'
  /** Saved state of another network (chain id, epoch length or identity): refused, left in place. */
  | 'StorageMismatch'
  /** The storage adapter failed (retryable). */
  | 'StorageUnavailable'
  /** `eth_getCode` answered code whose keccak is not the proven codeHash. */
  | 'CodeHashMismatch'
  /** A node's answer to `eth_sendRawTransaction` that is not the transaction's hash (`tempo-light proxy`). */
  | 'TransactionHashMismatch'
  /** The provider was asked about a block that is not final (yet). */
  | 'NotFinal'
  /** The provider cannot verify the method (strict policy). */
  | 'Unsupported'
  | 'UnsupportedHeader' | 'Malformed'
  /** A `follow()` callback threw (reported to `onError`/`error`; following goes on). */
  | 'ListenerFailed'
  /** A transaction not in a final block yet (`confirmPayment` ran out of `waitMs`; retryable). */
  | 'Pending'
  /** A payment's transactions or receipts that do not check out against its final header. */
  | 'MalformedTransaction' | 'MalformedReceipt' | 'TransactionsRootMismatch' | 'TransactionProofInvalid'
  | 'TransactionNotInBlock' | 'ReceiptCountMismatch' | 'ReceiptsReordered' | 'ReceiptFromOtherBlock'
  | 'LogsBloomMismatch' | 'ReceiptsRootMismatch' | 'ReceiptProofInvalid' | 'MalformedTransferLog'
  /** A PaymentProof under another identity than the network's, or about another transaction. */
  | 'IdentityMismatch' | 'WrongTransaction' | 'UnsupportedVersion'
  /** A final block's transaction that Tempo's envelope does not decode, or whose sender does not recover (the verified provider). */
  | 'UnknownEnvelope' | 'SenderRecoveryFailed'
  /** A payment proven, but not as expected (`PaymentMismatchError`, with `payment`). */
  | 'PaymentFailed' | 'NoTransfer' | 'TokenMismatch' | 'SenderMismatch' | 'RecipientMismatch' | 'AmountMismatch' | 'MemoMismatch'
  /** A bug: never expected. */
  | 'Internal';

/**
 * Every error this package throws is an instance of `TempoLightError` (or a subclass below),
 * with a stable `code` and `retryable`; `name` is always `'TempoLightError'`.
 */
export declare class TempoLightError<C extends string | number = ErrorCode> extends Error {
  name: 'TempoLightError';
  code: C;
  /** Whether asking again (later, or another server) may succeed. */
  retryable: boolean;
  /** What kind of failure it is (absent on the package's own `Aborted`, `Destroyed`, storage, `Pending` and `Internal` errors). */
  kind?: ErrorKind;
  /** On the error that ends `getVerifiedBalance`'s retries: how many attempts were made. */
  attempts?: number;
  constructor(message: string, code: C, retryable?: boolean, options?: { cause?: unknown });
}
/** A JSON-RPC transport or server error: `RpcUnavailable`, `Timeout`, `ResponseTooLarge`, `RpcError`, `InvalidJson`, `SubscriptionRefused`. */
export declare class RpcError extends TempoLightError {}
/** Something was proven wrong: a signature, a digest, an epoch, a proof, a chain of headers. */
export declare class VerificationError extends TempoLightError {}
/** Input that cannot be decoded (hex, varints, points, JSON, state). */
export declare class MalformedInputError extends TempoLightError {}
/** The API was used in a way it does not support (`InvalidInput`, `FollowActive`, `NotInitialized`, ...). */
export declare class UsageError extends TempoLightError {}
/** Cancelled by an `AbortSignal` (`Aborted`). */
export declare class AbortedError extends TempoLightError {}
/** The client was destroyed (`Destroyed`). */
export declare class DestroyedError extends TempoLightError {}
/** Saved state refused or unavailable (`StorageCorrupt`, `StorageMismatch`, `StorageUnavailable`). */
export declare class StorageError extends TempoLightError {}
/**
 * A payment proven final, included and executed, but not as expected (`PaymentFailed`,
 * `NoTransfer`, `TokenMismatch`, `SenderMismatch`, `RecipientMismatch`, `AmountMismatch`,
 * `MemoMismatch`): `payment` says what it did.
 */
export declare class PaymentMismatchError extends TempoLightError {
  payment?: ConfirmedPayment;
}
/** A transaction not in a final block yet (`Pending`, retryable). */
export declare class PendingError extends TempoLightError {}
/**
 * What the verified provider rejects with: `code` is numeric as EIP-1193 wants (4200
 * unsupported or unverifiable, 4900 upstream unavailable or destroyed, -32602 invalid
 * params, -32099 not verified: the answer failed its proof, -32603 other), `reason` the
 * package's string code (e.g. `ProofValueMismatch`).
 */
export declare class ProviderRpcError extends TempoLightError<number> {
  reason: ErrorCode;
  data: { reason: ErrorCode };
  constructor(message: string, code: number, reason: ErrorCode, retryable?: boolean, cause?: unknown);
}
