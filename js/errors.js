// Every error the package throws is a `TempoLightError` (or a subclass) with a stable string
// `code` and `retryable`. Errors thrown by the wasm (plain `Error`s with `code`/`retryable`)
// are re-created as the subclass their code belongs to. `name` is always 'TempoLightError'.

export class TempoLightError extends Error {
  constructor(message, code, retryable = false, options) {
    super(message, options);
    this.name = 'TempoLightError';
    this.code = code;
    this.retryable = !!retryable;
  }
}

/** A transport or server problem (unavailable, timeout, oversize, malformed JSON-RPC). */
export class RpcError extends TempoLightError {}
/** Something was proven wrong: a signature, a digest, a proof, a chain of headers. */
export class VerificationError extends TempoLightError {}
/** Input that cannot be decoded (hex, varints, points, JSON, state). */
export class MalformedInputError extends TempoLightError {}
/** The API was used in a way it does not support (bad options, a second `follow()`, no init). */
export class UsageError extends TempoLightError {}
/** Cancelled by an `AbortSignal`. */
export class AbortedError extends TempoLightError {}
/** The client was destroyed (`destroy()`/`free()`) while the work was pending, or before it. */
export class DestroyedError extends TempoLightError {}
/** Saved state that could not be read back (`storage`): refused and reported, never replaced. */
export class StorageError extends TempoLightError {}
/**
 * A payment proven final, included and executed, but not what was expected: it failed, moved
 * nothing, or moved another token, from another sender, to another recipient, another amount
 * or memo. `payment` holds what it did.
 */
export class PaymentMismatchError extends TempoLightError {}
/** A transaction not in a final block yet (`confirmPayment` ran out of `waitMs`): retryable. */
export class PendingError extends TempoLightError {}

const VERIFICATION = new Set([
  'SignaturePoint', 'BadSignature', 'DigestMismatch', 'EpochMismatch', 'HeightOutOfRange',
  'IdentityUnavailable', 'IdentityNotBridged', 'Frozen', 'NotNewer', 'UnannouncedRotation', 'BoundaryEpochMismatch',
  'Unexpected', 'HeaderNumberMismatch', 'BrokenParentLink', 'TipHashMismatch',
  'ProofRootMismatch', 'ProofNodeMismatch', 'ProofIncomplete', 'ProofValueMismatch',
  'ProofMalformedNode', 'ProofAddressMismatch', 'ProofMissingSlot', 'NoSuchToken',
  'UnsupportedHeader', 'CodeHashMismatch', 'NotFinal',
  // A payment's block, transactions and receipts that do not check out.
  'MalformedTransaction', 'MalformedReceipt', 'TransactionsRootMismatch', 'TransactionProofInvalid',
  'TransactionNotInBlock', 'ReceiptCountMismatch', 'ReceiptsReordered', 'ReceiptFromOtherBlock',
  'LogsBloomMismatch', 'ReceiptsRootMismatch', 'ReceiptProofInvalid', 'MalformedTransferLog',
  'IdentityMismatch', 'WrongTransaction',
  // A final block's transaction whose sender does not recover (the verified provider).
  'UnknownEnvelope', 'SenderRecoveryFailed',
]);
const PAYMENT_MISMATCH = new Set(['PaymentFailed', 'NoTransfer', 'TokenMismatch', 'SenderMismatch', 'RecipientMismatch', 'AmountMismatch', 'MemoMismatch']);
const MALFORMED = new Set([
  'InvalidHex', 'Truncated', 'TrailingBytes', 'InvalidVarint', 'LengthOutOfRange', 'InvalidBool',
  'UnsupportedSharingMode', 'InvalidPoint', 'InvalidEd25519Key', 'UnsortedSet', 'InvalidState',
  'StringNotInline', 'Malformed', 'InvalidJson', 'UnsupportedVersion', 'NetworkMismatch',
]);
// (A server's malformed JSON is an RpcError made by the transports; `InvalidJson` from the wasm
// is malformed input.)
const RPC = new Set(['RpcError', 'RpcUnavailable', 'SubscriptionRefused', 'Timeout', 'ResponseTooLarge', 'StaleState']);
const USAGE = new Set(['ListenerFailed', 'InvalidInput', 'NotTip20', 'NoStateRoot', 'StaleHead', 'NotInitialized', 'FollowActive', 'Unsupported']);

/** The subclass for a code. */
export function classFor(code) {
  if (code === 'Aborted') return AbortedError;
  if (code === 'Destroyed') return DestroyedError;
  if (code === 'StorageCorrupt' || code === 'StorageMismatch' || code === 'StorageUnavailable') return StorageError;
  if (code === 'Pending') return PendingError;
  if (PAYMENT_MISMATCH.has(code)) return PaymentMismatchError;
  if (RPC.has(code)) return RpcError;
  if (VERIFICATION.has(code)) return VerificationError;
  if (MALFORMED.has(code)) return MalformedInputError;
  if (USAGE.has(code)) return UsageError;
  return TempoLightError;
}

/** A typed error with `code`; `retryable` defaults to false. */
export function typed(code, message, retryable = false, cause) {
  const Class = classFor(code);
  return new Class(message, code, retryable, cause === undefined ? undefined : { cause });
}

/** Any thrown value as a `TempoLightError` (a wasm error keeps its message, code, retryable). */
export function toTyped(e) {
  if (e instanceof TempoLightError) return e;
  if (e && typeof e === 'object' && typeof e.code === 'string') {
    const error = typed(e.code, e.message ?? String(e), !!e.retryable);
    // A payment proven but not as expected: what it did.
    if (e.payment !== undefined) error.payment = e.payment;
    return error;
  }
  // A wasm trap or a bug: never expected, still typed.
  return typed('Internal', `internal error: ${e?.message ?? String(e)}`, false, e);
}

/**
 * An EIP-1193 error from the verified provider: `code` is numeric as EIP-1193 wants (4200
 * unsupported or unverifiable method, 4900 upstream unavailable, -32602 invalid params,
 * -32099 verification failed), `reason` the package's string code.
 */
export class ProviderRpcError extends TempoLightError {
  constructor(message, code, reason, retryable = false, cause) {
    super(message, code, retryable, cause === undefined ? undefined : { cause });
    this.reason = reason;
    this.data = { reason };
  }
}
