// Typed errors around every wasm call: each method of the wasm's TempoLightClient (and each
// free function) is wrapped so that it throws the package's error classes, and `Destroyed`
// instead of touching freed memory. Also the clients of a network (`clientOf`, `resumeFor`).

import {
  TempoLightClient,
  verifyBalance as wasmVerifyBalance,
  verifyCertifiedBlock as wasmVerifyCertifiedBlock,
  verifyProof as wasmVerifyProof,
  checkFreshState as wasmCheckFreshState,
  tip20View as wasmTip20View,
  answerTip20View as wasmAnswerTip20View,
} from '../tempo_light.js';
import { toTyped, typed } from '../errors.js';
import { ensure } from './loading.js';

export { TempoLightClient };

// ---- typed errors around every wasm call ------------------------------------------------

/** The client's prototype, which the modules of js/client/ add to. */
export const P = TempoLightClient.prototype;
/** The error of a call on a destroyed client. */
export const destroyedError = () => typed('Destroyed', 'the client was destroyed', false);
/** Throws `Destroyed` if the client's wasm memory is freed. */
export const alive = (client) => { if (!client.__wbg_ptr) throw destroyedError(); };

/** Events the core emits, with `presetIdentityDiffers` renamed (it is not an alarm). */
function renameEvents(events) {
  for (const e of events) {
    if (e?.type === 'presetIdentityDiffers') e.type = 'presetSuperseded';
  }
  return events;
}

for (const name of ['verify', 'verifyBatch', 'nextRequest', 'boundariesWanted', 'onFinalization', 'onBoundaries', 'onHeaders', 'setEveryHeader', 'abandon', 'reset', 'identityFor', 'toState', 'balanceQuery', 'resume', 'beyondVerifiedEpochs', 'verifyingIdentity']) {
  const f = P[name];
  P[name] = function (...args) {
    alive(this);
    let out;
    try {
      out = f.apply(this, args);
    } catch (e) {
      throw toTyped(e);
    }
    if (name === 'onFinalization' || name === 'onBoundaries' || name === 'onHeaders') return renameEvents(out);
    if (name === 'verifyBatch') return out.map((r) => (r.ok ? r : { ok: false, error: toTyped(r.error) }));
    return out;
  };
}
for (const name of ['head', 'frozen', 'idle', 'network', 'presets']) {
  const { get } = Object.getOwnPropertyDescriptor(P, name);
  Object.defineProperty(P, name, {
    configurable: true,
    get() {
      alive(this);
      try { return get.call(this); } catch (e) { throw toTyped(e); }
    },
  });
}
for (const name of ['mainnet', 'testnet', 'custom', 'fromState']) {
  const f = TempoLightClient[name];
  TempoLightClient[name] = function (...args) {
    ensure();
    try { return f.apply(this, args); } catch (e) { throw toTyped(e); }
  };
}

/** A fresh client of `network`: `'mainnet'`, `'testnet'` or a custom network's options. */
export function clientOf(network) {
  if (network === 'mainnet') return TempoLightClient.mainnet();
  if (network === 'testnet') return TempoLightClient.testnet();
  if (network && typeof network === 'object') return TempoLightClient.custom(network);
  throw typed('InvalidInput', "network: 'mainnet', 'testnet' or { identity, epochLength, ... }", false);
}

/** `resume(state)` on a fresh client of `network` (checked by the core: NetworkMismatch). */
export function resumeFor(network, state) {
  const base = clientOf(network);
  try {
    return base.resume(state);
  } finally {
    base.destroy();
  }
}

// `fromState(state, network)`: with a network, the state is checked against it (the core's
// rule); without one, the state's own network is taken as it is (you vouch for the blob).
{
  const alone = TempoLightClient.fromState;
  TempoLightClient.fromState = function fromState(state, network) {
    return network === undefined ? alone.call(this, state) : resumeFor(network, state);
  };
}

const wrapFree = (f) => function (...args) {
  ensure();
  try { return f(...args); } catch (e) { throw toTyped(e); }
};
/** Verifies a CertifiedBlock against a preset (`mainnet` by default), statelessly. */
export const verifyCertifiedBlock = wrapFree(wasmVerifyCertifiedBlock);
/** Checks an `eth_getProof` answer for a `balanceQuery()` against the query's state root. */
export const verifyBalance = wrapFree(wasmVerifyBalance);
/** Checks an `eth_getProof` answer against a header you verified (its `stateRoot`). */
export const verifyProof = wrapFree(wasmVerifyProof);
/** The core's rule for `latest` state reads: `StaleState` past `maxStateLag` blocks behind. */
export const checkFreshState = wrapFree(wasmCheckFreshState);
/** The core's reading of an `eth_call`: `{ token, slots }` for a TIP-20 view it proves, else null. */
export const tip20View = wrapFree(wasmTip20View);
/** A TIP-20 view's ABI-encoded answer, from its token's proof checked against `block.stateRoot`. */
export const answerTip20View = wrapFree(wasmAnswerTip20View);
