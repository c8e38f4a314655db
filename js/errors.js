// Every error the package throws is a `TempoLightError` (or a subclass) with a stable string
// `code` and `retryable`. Errors thrown by the wasm (plain `Error`s with `code`, `kind` and
// `retryable`) are re-created as the subclass their kind belongs to. `name` is always
// 'TempoLightError'.

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

// The class of an error the core raised (through the wasm) follows from its `kind`, the core's
// one taxonomy (`ErrorKind` in the Rust core): no list of the core's codes is kept here.
const KIND_CLASS = {
  malformed: MalformedInputError,
  notVerified: VerificationError,
  mismatch: PaymentMismatchError,
  unavailable: RpcError,
  usage: UsageError,
  frozen: VerificationError,
  outdated: VerificationError,
};
// The codes raised here in JavaScript and their kinds: the package's own (transport, usage),
// and the core's codes the package raises itself (each with the core's kind for it, which
// `tests/error_codes.rs` holds to the core).
const OWN_KIND = {
  RpcUnavailable: 'unavailable', SubscriptionRefused: 'unavailable', Timeout: 'unavailable',
  ResponseTooLarge: 'unavailable', InvalidInput: 'usage', ListenerFailed: 'usage',
  NotInitialized: 'usage', FollowActive: 'usage', Unsupported: 'usage', StaleHead: 'usage',
  // The core's codes.
  RpcError: 'unavailable', InvalidHex: 'malformed', InvalidJson: 'malformed',
  NoStateRoot: 'usage', Frozen: 'frozen', HeaderNumberMismatch: 'notVerified',
  DigestMismatch: 'notVerified', ProofAddressMismatch: 'notVerified',
  ProofMissingSlot: 'notVerified', CodeHashMismatch: 'notVerified',
};
const OWN_CLASS = {
  Aborted: AbortedError, Destroyed: DestroyedError, Pending: PendingError,
  StorageCorrupt: StorageError, StorageMismatch: StorageError, StorageUnavailable: StorageError,
};

/** The subclass for an error of `kind` (set by the core) or, for the package's own, of `code`. */
export function classFor(code, kind) {
  return OWN_CLASS[code] ?? KIND_CLASS[kind ?? OWN_KIND[code]] ?? TempoLightError;
}

/**
 * A typed error with `code`; `retryable` defaults to false. `kind` is the core's `ErrorKind`
 * name when JavaScript raises one of the core's codes itself (the package's own codes know
 * their kind).
 */
export function typed(code, message, retryable = false, cause, kind = OWN_KIND[code]) {
  const Class = classFor(code, kind);
  const error = new Class(message, code, retryable, cause === undefined ? undefined : { cause });
  if (kind !== undefined) error.kind = kind;
  return error;
}

/** Any thrown value as a `TempoLightError` (a wasm error keeps its message, code, kind, retryable). */
export function toTyped(e) {
  if (e instanceof TempoLightError) return e;
  if (e && typeof e === 'object' && typeof e.code === 'string') {
    const kind = typeof e.kind === 'string' ? e.kind : undefined;
    const error = typed(e.code, e.message ?? String(e), !!e.retryable, undefined, kind);
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
