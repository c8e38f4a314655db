// The verified EIP-1193 provider of the installed package, through viem's `custom()`
// transport, against `tempo-light devnet`: honest answers arrive (and match the devnet's
// known balances), forged ones (--fault forged-balance, proof-wrong-root) never reach viem
// (the call rejects), and what cannot be verified is refused with 4200 (strict) or passed
// through and reported (passthrough).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicClient, custom, defineChain, erc20Abi, http } from 'viem';
import { createVerifiedProvider, TempoLightClient, ProviderRpcError, TempoLightError } from 'tempo-light';
import { devnet } from './support/devnet.mjs';

const PATH_USD = '0x20C0000000000000000000000000000000000000';
const devnetChain = (port) => defineChain({
  id: 1337, // `tempo-light devnet` prints "chain id: 1337"
  name: 'tempo-light devnet',
  nativeCurrency: { name: 'none', symbol: 'NONE', decimals: 18 },
  rpcUrls: { default: { http: [`http://127.0.0.1:${port}`] } },
});
// The devnet's pathUSD balance of its second holder at block `h` (crates/devnet).
const expectedBalance = (h) => 2n * 1_000_000_000n + ((h * 1_000_003n * 2n) % 1_000_000_000n);

async function setup(args, policy) {
  const { port, identity, holders } = await devnet(args);
  const provider = createVerifiedProvider({
    network: { identity, epochLength: 5, chainId: 1337 },
    rpc: `http://127.0.0.1:${port}`,
    policy,
    followOptions: { pollMs: 30 },
  });
  const viem = createPublicClient({ chain: devnetChain(port), transport: custom(provider), cacheTime: 0 });
  return { port, holders, provider, viem };
}

test('viem reads verified data through the provider (honest devnet)', { timeout: 60000 }, async () => {
  const { holders, provider, viem } = await setup([]);
  try {
    assert.equal(await viem.getChainId(), 1337);
    // Genesis has no certificate: start once a few blocks are final.
    const client = await provider.client();
    await client.ready({ timeoutMs: 20000 });
    while (client.head.height < 3n) await new Promise((r) => setTimeout(r, 50));
    const height = await viem.getBlockNumber();
    assert.ok(height > 0n);
    const block = await viem.getBlock({ blockNumber: height });
    assert.equal(block.number, height);
    assert.match(block.hash, /^0x[0-9a-f]{64}$/);
    assert.ok(client.head.height >= height);

    // An older block: proven final by its own certificate; by hash too.
    const older = await viem.getBlock({ blockNumber: height - 1n });
    assert.equal(older.number, height - 1n);
    assert.equal(older.hash, block.parentHash, 'the parent link holds');
    const byHash = await viem.getBlock({ blockHash: older.hash });
    assert.equal(byHash.number, older.number);

    // TIP-20 reads answered from storage proofs, at the verified head.
    // The head moves while the call runs: the balance is the one of a final block between
    // the head before the call and the head after it.
    const before = client.head.height;
    const balance = await viem.readContract({ address: PATH_USD, abi: erc20Abi, functionName: 'balanceOf', args: [holders[1]] });
    const after = client.head.height;
    const candidates = [];
    for (let h = before; h <= after; h++) candidates.push(expectedBalance(h));
    assert.ok(candidates.includes(balance), `${balance} is the balance at a final block in [${before}, ${after}]`);
    assert.equal(await viem.readContract({ address: PATH_USD, abi: erc20Abi, functionName: 'decimals' }), 6);
    assert.equal(await viem.readContract({ address: PATH_USD, abi: erc20Abi, functionName: 'symbol' }), 'pathUSD');
    // Every view the core answers (the call read and the answer written by the wasm, as the
    // proxy's): the devnet grants holder 0 → holder 1 an allowance and pauses AlphaUSD.
    assert.equal(await viem.readContract({ address: PATH_USD, abi: erc20Abi, functionName: 'name' }), 'pathUSD');
    assert.ok(await viem.readContract({ address: PATH_USD, abi: erc20Abi, functionName: 'totalSupply' }) > 0n);
    assert.equal(await viem.readContract({ address: PATH_USD, abi: erc20Abi, functionName: 'allowance', args: [holders[0], holders[1]] }), 5_000_000n);
    assert.equal(await viem.readContract({ address: PATH_USD, abi: erc20Abi, functionName: 'allowance', args: [holders[1], holders[0]] }), 0n);
    const pausedAbi = [{ name: 'paused', type: 'function', stateMutability: 'view', inputs: [], outputs: [{ name: '', type: 'bool' }] }];
    assert.equal(await viem.readContract({ address: PATH_USD, abi: pausedAbi, functionName: 'paused' }), false);
    assert.equal(await viem.readContract({ address: '0x20c0000000000000000000000000000000000001', abi: pausedAbi, functionName: 'paused' }), true);
    // Malformed calldata of a view is refused as invalid params, never passed on.
    await assert.rejects(provider.request({ method: 'eth_call', params: [{ to: PATH_USD, data: '0x70a08231ff' }, 'latest'] }), (e) => e.code === -32602);

    // Account and storage proofs at a pinned final block.
    const pinned = client.head.height;
    const proof = await viem.getProof({ address: PATH_USD, storageKeys: ['0x' + '00'.repeat(32)], blockNumber: pinned });
    assert.equal(proof.address.toLowerCase(), PATH_USD.toLowerCase());
    assert.equal(typeof await viem.getBalance({ address: holders[1], blockNumber: pinned }), 'bigint');
    assert.equal(typeof await viem.getTransactionCount({ address: holders[1], blockNumber: pinned }), 'number');
    const slot = await viem.getStorageAt({ address: PATH_USD, slot: '0x0', blockNumber: pinned });
    assert.match(slot, /^0x[0-9a-f]{64}$/);
    assert.equal(await viem.getCode({ address: holders[1], blockNumber: pinned }), undefined, 'an account without code');

    // Not final yet: no block.
    await assert.rejects(viem.getBlock({ blockNumber: client.head.height + 1000n }), /not be found|BlockNotFound/);
    // What cannot be verified is refused with 4200 under the default strict policy.
    await assert.rejects(viem.getGasPrice(), (e) => e.code === 4200 || e.cause?.code === 4200);
    await assert.rejects(provider.request({ method: 'eth_getBlockByNumber', params: ['latest', true] }),
      (e) => e instanceof ProviderRpcError && e instanceof TempoLightError && e.code === 4200);
    await assert.rejects(provider.request({ method: 'eth_getBalance', params: ['0x1234', 'latest'] }),
      (e) => e.code === -32602);
  } finally {
    await provider.destroy();
  }
});

for (const fault of ['forged-balance', 'proof-wrong-root']) {
  test(`a devnet with --fault ${fault}: no forged answer reaches viem`, { timeout: 60000 }, async () => {
    const { holders, provider, viem } = await setup(['--fault', fault]);
    try {
      // Headers are honest: they verify.
      const height = await viem.getBlockNumber();
      assert.ok(height > 0n);
      const code = fault === 'forged-balance' ? 'ProofValueMismatch' : 'ProofRootMismatch';
      const refused = (e) => {
        const cause = e.walk?.((c) => c?.data?.reason) ?? e;
        return cause?.data?.reason === code || cause?.reason === code || String(e.message).includes(code);
      };
      await assert.rejects(
        viem.readContract({ address: PATH_USD, abi: erc20Abi, functionName: 'balanceOf', args: [holders[1]] }),
        refused,
      );
      if (fault === 'proof-wrong-root') {
        // Every eth_getProof answer is for another root: account reads fail too.
        await assert.rejects(viem.getBalance({ address: holders[1] }), refused);
        await assert.rejects(viem.getProof({ address: PATH_USD, storageKeys: [] }), refused);
      }
      // The rejection is the typed provider error.
      await assert.rejects(
        provider.request({ method: 'eth_call', params: [{ to: PATH_USD, data: '0x70a08231' + holders[1].slice(2).toLowerCase().padStart(64, '0') }, 'latest'] }),
        (e) => e instanceof ProviderRpcError && e.code === -32099 && e.reason === code && e.retryable === false,
      );
    } finally {
      await provider.destroy();
    }
  });
}

test("policy 'passthrough' forwards what it cannot verify and reports it", { timeout: 60000 }, async () => {
  const { port, identity } = await devnet([]);
  const client = await TempoLightClient.create({ network: { identity, epochLength: 5, chainId: 1337 } });
  const controller = new AbortController();
  const following = client.follow({ rpc: `http://127.0.0.1:${port}`, pollMs: 30, signal: controller.signal });
  const notes = [];
  const provider = createVerifiedProvider({ client, rpc: `http://127.0.0.1:${port}`, policy: 'passthrough', onUnverified: (n) => notes.push(n) });
  try {
    await client.ready({ timeoutMs: 20000 });
    const latest = await provider.request({ method: 'eth_getBlockByNumber', params: ['latest', true] });
    assert.ok(latest && typeof latest.number === 'string');
    assert.deepEqual(notes.map((n) => [n.method, n.verified]), [['eth_getBlockByNumber', false]]);
    // Verified methods are still verified (no note).
    await provider.request({ method: 'eth_blockNumber' });
    assert.equal(notes.length, 1);
    // A given client is not destroyed with the provider.
    await provider.destroy();
    assert.ok(client.head);
  } finally {
    controller.abort();
    await following;
    client.destroy();
  }
});

test('hostile callers and a lying middleman get typed EIP-1193 errors, never a wrong answer', { timeout: 60000 }, async () => {
  const { port, identity, holders } = await devnet([]);
  const http = `http://127.0.0.1:${port}`;
  // A middleman that answers every eth_getProof with the proof of another account (real,
  // valid against the state root, but not what was asked), and eth_getBlockByHash with a
  // block of another height.
  const request = async ({ method, params }) => {
    if (method === 'eth_getProof') params = [holders[0], params[1], params[2]];
    const r = await fetch(http, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
    const body = await r.json();
    if (body.error) throw Object.assign(new Error(body.error.message), { code: body.error.code });
    if (method === 'eth_getBlockByHash' && body.result) body.result.number = '0x2';
    return body.result;
  };
  const provider = createVerifiedProvider({ network: { identity, epochLength: 5, chainId: 1337 }, request, followOptions: { pollMs: 30 } });
  try {
    const client = await provider.client();
    await client.ready({ timeoutMs: 20000 });
    while (client.head.height < 4n) await new Promise((r) => setTimeout(r, 50));
    await assert.rejects(provider.request({ method: 'eth_getBalance', params: [holders[1], 'latest'] }),
      (e) => e instanceof ProviderRpcError && e.code === -32099 && e.reason === 'ProofAddressMismatch');
    // Block 4's hash, straight from the devnet (not in the provider's cache): the middleman
    // says it is block 2, whose certificate proves another hash.
    const block4 = (await (await fetch(http, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_getBlockByNumber', params: ['0x4', false] }) })).json()).result;
    await assert.rejects(provider.request({ method: 'eth_getBlockByHash', params: [block4.hash, false] }),
      (e) => e instanceof ProviderRpcError && e.code === -32099 && e.reason === 'DigestMismatch');
    const hostile = [
      undefined, null, 42, {}, { method: 7 },
      { method: 'eth_getBalance', params: 'nope' },
      { method: 'eth_getBalance', params: [{}, 'latest'] },
      { method: 'eth_getBalance', params: [holders[1], 'pending'] },
      { method: 'eth_getBalance', params: [holders[1], '0x' + 'f'.repeat(40)] },
      { method: 'eth_getProof', params: [holders[1], new Array(1000).fill('0x00'), 'latest'] },
      { method: 'eth_getStorageAt', params: [holders[1], '0x' + '1'.repeat(100), 'latest'] },
      { method: 'eth_call', params: [{ to: PATH_USD, data: '0x70a08231' }, 'latest'] },
      { method: 'eth_getBlockByHash', params: ['0x1234', false] },
      { method: 'eth_sendRawTransaction', params: ['0x00'] },
      { method: '__proto__' },
    ];
    for (const args of hostile) {
      await assert.rejects(provider.request(args), (e) => e instanceof ProviderRpcError && typeof e.code === 'number' && typeof e.reason === 'string', JSON.stringify(args));
    }
    // A future block is not final: null, not a guess.
    assert.equal(await provider.request({ method: 'eth_getBlockByNumber', params: ['0xffffffff', false] }), null);
  } finally {
    await provider.destroy();
  }
});

for (const [fault, reason] of [['corrupt-certificate', /BadSignature|SignaturePoint|InvalidPoint/], ['header-mismatch', /DigestMismatch/]]) {
  test(`a devnet with --fault ${fault}: no block reaches viem`, { timeout: 60000 }, async () => {
    const { provider, viem } = await setup(['--fault', fault]);
    try {
      await assert.rejects(viem.getBlockNumber(), (e) => {
        const cause = e.walk?.((c) => c?.data?.reason) ?? e;
        return reason.test(cause?.data?.reason ?? '');
      });
      await assert.rejects(provider.request({ method: 'eth_getBlockByNumber', params: ['latest', false] }),
        (e) => e instanceof ProviderRpcError && e.code === -32099 && reason.test(e.reason));
      const client = await provider.client();
      assert.equal(client.head, null, 'nothing was accepted');
    } finally {
      await provider.destroy();
    }
  });
}

test('eth_getCode: code is checked against the proven codeHash (keccak-256)', { timeout: 60000 }, async () => {
  const { port, identity } = await devnet([]);
  const http = `http://127.0.0.1:${port}`;
  // The devnet does not serve eth_getCode: this upstream answers it with `code` (TIP-20
  // tokens' code on Tempo is the single byte 0xef, whose hash the devnet's state proves) and
  // forwards everything else to the devnet.
  let code = '0xef';
  const request = async ({ method, params }) => {
    if (method === 'eth_getCode') return code;
    const r = await fetch(http, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
    const body = await r.json();
    if (body.error) throw Object.assign(new Error(body.error.message), { code: body.error.code });
    return body.result;
  };
  const provider = createVerifiedProvider({ network: { identity, epochLength: 5, chainId: 1337 }, request, followOptions: { pollMs: 30 } });
  try {
    const client = await provider.client();
    await client.ready({ timeoutMs: 20000 });
    assert.equal(await provider.request({ method: 'eth_getCode', params: [PATH_USD, 'latest'] }), '0xef');
    code = '0xee';
    await assert.rejects(provider.request({ method: 'eth_getCode', params: [PATH_USD, 'latest'] }),
      (e) => e instanceof ProviderRpcError && e.code === -32099 && e.reason === 'CodeHashMismatch');
    code = '0xzz';
    await assert.rejects(provider.request({ method: 'eth_getCode', params: [PATH_USD, 'latest'] }), (e) => e instanceof ProviderRpcError && e.code === -32099);
  } finally {
    await provider.destroy();
  }
});

const FOLLOWER_NODE = ['--ws-port', '0', '--proof-window', '0', '--execution-lag-ms', '300'];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const tcpSockets = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

/** The balance viem reads is the devnet's at a final block in [from, to]. */
function oneOf(balance, from, to) {
  for (let h = from < 1n ? 1n : from; h <= to; h++) if (expectedBalance(h) === balance) return true;
  return false;
}

test('a ws:// rpc (a follower node\'s WebSocket-only port): every call over that socket, closed by destroy()', { timeout: 90000, skip: typeof WebSocket !== 'function' && 'no WebSocket' }, async () => {
  const { port, wsPort, identity, holders } = await devnet(FOLLOWER_NODE, { blockTimeMs: 100 });
  const network = { identity, epochLength: 5, chainId: 1337 };
  const rpc = `ws://127.0.0.1:${wsPort}`;
  await sleep(200);
  const baseline = tcpSockets();
  const baselineTimers = timers();
  const provider = createVerifiedProvider({ network, rpc, followOptions: { pollMs: 30 } });
  const viem = createPublicClient({ chain: devnetChain(port), transport: custom(provider), cacheTime: 0 });
  const client = await provider.client();
  await client.ready({ timeoutMs: 20000 });
  while (client.head.height < 4n) await sleep(50);
  // A block (its own certificate, fetched over the socket: the port refuses plain HTTP).
  const height = await viem.getBlockNumber();
  const block = await viem.getBlock({ blockNumber: height - 1n });
  assert.equal(block.number, height - 1n);
  assert.match(block.hash, /^0x[0-9a-f]{64}$/);
  // A TIP-20 balance: the node proves only at its execution head (300 ms behind the final
  // head): proven at a block both final and executed, the devnet's balance there.
  const before = client.head.height;
  const balance = await viem.readContract({ address: PATH_USD, abi: erc20Abi, functionName: 'balanceOf', args: [holders[1]] });
  assert.ok(oneOf(balance, before - 10n, client.head.height), `${balance}: the devnet's balance at a final block`);
  assert.equal(typeof await viem.getBalance({ address: holders[1] }), 'bigint');
  assert.ok(tcpSockets() > baseline, 'connected');
  await provider.destroy();
  await sleep(300);
  assert.ok(tcpSockets() <= baseline, `nothing left open: ${tcpSockets()} sockets, ${baseline} before`);
  assert.ok(timers() <= baselineTimers, `no timer left behind (${timers()} > ${baselineTimers})`);

  // A client of one's own, destroyed: it closes the provider's socket too.
  const own = await TempoLightClient.create({ network });
  const controller = new AbortController();
  const following = own.follow({ rpc, pollMs: 30, signal: controller.signal });
  await own.ready({ timeoutMs: 20000 });
  const second = createVerifiedProvider({ client: own, rpc });
  assert.equal(await second.request({ method: 'eth_blockNumber' }), `0x${own.head.height.toString(16)}`);
  assert.ok((await second.request({ method: 'eth_getBlockByNumber', params: ['latest', false] })).hash);
  own.destroy();
  await following;
  await sleep(300);
  assert.ok(tcpSockets() <= baseline, `nothing left open after the client's destroy: ${tcpSockets()} sockets, ${baseline} before`);
  await assert.rejects(second.request({ method: 'eth_blockNumber' }), (e) => e instanceof ProviderRpcError && e.reason === 'Destroyed');
  await second.destroy();
});

test('a ws:// rpc with `http` for the calls: the socket carries the subscription, HTTP the calls', { timeout: 90000, skip: typeof WebSocket !== 'function' && 'no WebSocket' }, async () => {
  const { port, wsPort, identity, holders } = await devnet(FOLLOWER_NODE, { blockTimeMs: 100 });
  const provider = createVerifiedProvider({
    network: { identity, epochLength: 5, chainId: 1337 }, rpc: `ws://127.0.0.1:${wsPort}`, http: `http://127.0.0.1:${port}`, followOptions: { pollMs: 30 },
  });
  try {
    const viem = createPublicClient({ chain: devnetChain(port), transport: custom(provider), cacheTime: 0 });
    const client = await provider.client();
    await client.ready({ timeoutMs: 20000 });
    while (client.head.height < 4n) await sleep(50);
    const height = await viem.getBlockNumber();
    assert.equal((await viem.getBlock({ blockNumber: height - 1n })).number, height - 1n);
    const before = client.head.height;
    const balance = await viem.readContract({ address: PATH_USD, abi: erc20Abi, functionName: 'balanceOf', args: [holders[1]] });
    assert.ok(oneOf(balance, before - 10n, client.head.height), `${balance}: the devnet's balance at a final block`);
  } finally {
    await provider.destroy();
  }
  assert.throws(() => createVerifiedProvider({ network: 'mainnet', rpc: 'ws://127.0.0.1:1', http: 'ws://127.0.0.1:1' }), (e) => e.code === 'InvalidInput');
});

test("a viem transport (http(url)) as the upstream: the provider's calls and its follow() go through it", { timeout: 60000 }, async () => {
  const { port, identity, holders } = await devnet([]);
  const methods = new Map();
  const transport = http(`http://127.0.0.1:${port}`, {
    onFetchRequest: (_request, init) => {
      const { method } = JSON.parse(init.body);
      methods.set(method, (methods.get(method) ?? 0) + 1);
    },
  });
  const provider = createVerifiedProvider({ network: { identity, epochLength: 5, chainId: 1337 }, transport, followOptions: { pollMs: 30 } });
  try {
    const viem = createPublicClient({ chain: devnetChain(port), transport: custom(provider), cacheTime: 0 });
    const client = await provider.client();
    await client.ready({ timeoutMs: 20000 });
    while (client.head.height < 3n) await sleep(50);
    const before = client.head.height;
    const balance = await viem.readContract({ address: PATH_USD, abi: erc20Abi, functionName: 'balanceOf', args: [holders[1]] });
    assert.ok(oneOf(balance, before, client.head.height), `${balance}: the devnet's balance at a final block`);
    assert.ok(methods.get('consensus_getFinalization') > 0, 'follow() went through the transport');
    assert.ok(methods.get('eth_getProof') > 0, 'the proof went through the transport');
  } finally {
    await provider.destroy();
  }
  assert.throws(() => createVerifiedProvider({ network: 'mainnet', transport: 'http://x' }), (e) => e instanceof TempoLightError && e.code === 'InvalidInput');
  assert.throws(() => createVerifiedProvider({ network: 'mainnet', transport, request: async () => null }), (e) => e.code === 'InvalidInput');
});

test('a viem transport to a devnet with --fault forged-balance: no forged balance reaches viem', { timeout: 60000 }, async () => {
  const { port, identity, holders } = await devnet(['--fault', 'forged-balance']);
  const provider = createVerifiedProvider({ network: { identity, epochLength: 5, chainId: 1337 }, transport: http(`http://127.0.0.1:${port}`), followOptions: { pollMs: 30 } });
  try {
    const viem = createPublicClient({ chain: devnetChain(port), transport: custom(provider), cacheTime: 0 });
    assert.ok(await viem.getBlockNumber() > 0n, 'headers are honest: they verify');
    await assert.rejects(
      viem.readContract({ address: PATH_USD, abi: erc20Abi, functionName: 'balanceOf', args: [holders[1]] }),
      (e) => {
        const cause = e.walk?.((c) => c?.data?.reason) ?? e;
        return cause?.data?.reason === 'ProofValueMismatch';
      },
    );
  } finally {
    await provider.destroy();
  }
});
