// What the one-off calls share (`getVerifiedBalance`, `confirmPayment`): the transport a call
// goes over, and JSON-RPC quantities.

import { typed } from '../errors.js';
import { eip1193Transport, httpTransport, toHttpUrl, wsTransport } from '../transport.js';
import { RPC } from './lifecycle.js';

/**
 * The transport of a one-off call (`getVerifiedBalance`, `confirmPayment`): over `request`
 * or `rpc` when given (a connection of its own, which `release()` closes), otherwise the one
 * `follow()` uses (null when the client is not following).
 */
export function callTransport(client, { rpc, request }, limits) {
  if (request) return { transport: eip1193Transport(request), release() {} };
  if (rpc) {
    const transport = /^wss?:/i.test(rpc) && typeof WebSocket !== 'undefined'
      ? wsTransport(rpc, limits)
      : httpTransport(toHttpUrl(rpc));
    return { transport, release: () => transport.close?.() };
  }
  return { transport: RPC.get(client) ?? null, release() {} };
}


/** A JSON-RPC quantity's value (at most 64 bits), or `RpcError` naming `what`. */
export const quantityOf = (value, what) => {
  if (typeof value !== 'string' || !/^0x[0-9a-fA-F]{1,16}$/.test(value)) {
    throw typed('RpcError', `${what}: not a quantity`, false);
  }
  return BigInt(value);
};
/** `n` as a JSON-RPC quantity. */
export const quantity = (n) => `0x${n.toString(16)}`;
