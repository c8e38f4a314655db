// The lying-node suite: the installed package (the verified provider through viem,
// `getVerifiedBalance`, `confirmPayment`, `follow`, `verify`) and the CLI (`balance`, `confirm`,
// `follow`) against a proxy in front of `tempo-light devnet` that lies in one named way at a
// time (js/test/support/lying-node.mjs). Each case asserts the typed refusal (its exact code) or that
// the answer equals the honest devnet's own; the counts are printed at the end.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createPublicClient, custom, defineChain, erc20Abi } from 'viem';
import { TempoLightClient, createVerifiedProvider, ProviderRpcError } from 'tempo-light';
import { devnet } from './support/devnet.mjs';
import { startLyingNode } from './support/lying-node.mjs';

const PATH_USD = '0x20c0000000000000000000000000000000000000';
const EPOCH_LENGTH = 5;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const hex = (n) => `0x${BigInt(n).toString(16)}`;

// --- The tally: lies (each counted once) and cases (one per method and lie). ---
const lies = new Set();
let cases = 0;
let passed = 0;
const failures = [];
/**
 * Runs one case of `lie`; counts it, and counts it passed once its assertions hold. A failed
 * case does not stop the other cases of its lie: `settle()` (at the end of each test) throws
 * them all.
 */
async function check(lie, what, fn) {
  lies.add(lie);
  cases += 1;
  try {
    await fn();
    passed += 1;
  } catch (e) {
    e.message = `[${lie}: ${what}] ${e.message}`;
    failures.push(e);
  }
}
function settle() {
  const failed = failures.splice(0);
  if (failed.length === 1) throw failed[0];
  if (failed.length > 1) throw new AggregateError(failed, failed.map((e) => e.message.split('\n')[0]).join('\n'));
}

/** The package's string code of any rejection (a provider error's reason, a viem error's cause). */
function codeOf(e) {
  if (e instanceof ProviderRpcError) {
    // The EIP-1193 error carries the package's code as `reason` and on its typed cause.
    if (e.cause?.code !== undefined && typeof e.cause.code === 'string') assert.equal(e.cause.code, e.reason);
    return e.reason;
  }
  const inner = e?.walk?.((c) => c?.data?.reason);
  if (inner?.data?.reason) return inner.data.reason;
  return e?.code;
}
async function refuses(promise, code) {
  await assert.rejects(promise, (e) => {
    assert.equal(codeOf(e), code, `expected ${code}, got ${codeOf(e)}: ${e?.message}`);
    return true;
  });
}
function refusesSync(fn, code) {
  assert.throws(fn, (e) => {
    assert.equal(codeOf(e), code, `expected ${code}, got ${codeOf(e)}: ${e?.message}`);
    return true;
  });
}

// --- The CLI. ---
const BIN = process.env.TEMPO_LIGHT_BIN;
/** `tempo-light <args>`: [exit code, the last line of stderr]. Bounded by 90 s. */
function cli(args) {
  return new Promise((resolve) => {
    execFile(BIN, args, { timeout: 90000 }, (error, stdout, stderr) => {
      const lines = stderr.trim().split('\n');
      resolve([error ? error.code : 0, lines.at(-1), stdout]);
    });
  });
}

// --- The devnet, a client following it honestly, and what the honest devnet says. ---
let net;
let rpc;
let client;
let following;
const stopFollowing = new AbortController();
const devnetChain = () => defineChain({
  id: 1337,
  name: 'tempo-light devnet',
  nativeCurrency: { name: 'none', symbol: 'NONE', decimals: 18 },
  rpcUrls: { default: { http: [rpc] } },
});
async function call(method, params, url = rpc) {
  const answer = await (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) })).json();
  if (answer.error) throw Object.assign(new Error(answer.error.message), { rpcCode: answer.error.code });
  return answer.result;
}
const trust = () => ['--identity', net.identity, '--epoch-length', String(EPOCH_LENGTH)];

async function setup() {
  if (net) return;
  net = await devnet([], { blockTimeMs: 100 });
  rpc = `http://127.0.0.1:${net.port}`;
  client = TempoLightClient.custom({ identity: net.identity, epochLength: EPOCH_LENGTH, chainId: 1337 });
  following = client.follow({ rpc, pollMs: 30, signal: stopFollowing.signal }).catch(() => {});
  await client.ready({ timeoutMs: 20000 });
  for (let i = 0; i < 400 && client.head.height < 16n; i++) await sleep(50);
  assert.ok(client.head.height >= 16n);
}
after(async () => {
  stopFollowing.abort();
  await following;
  client?.destroy();
});

/** Runs `fn(node, provider, viem)` with a lying node for `lie` and a provider over it (on the honest client). */
async function withLie(lie, fn) {
  await setup();
  const node = await startLyingNode(rpc, lie);
  const provider = createVerifiedProvider({ client, rpc: node.url });
  const viem = createPublicClient({ chain: devnetChain(), transport: custom(provider), cacheTime: 0 });
  try {
    await fn(node, provider, viem);
    // No case passes because the lie was never told.
    if (lie !== 'none') assert.ok(node.lied() > 0, `${lie}: the node lied ${node.lied()} times`);
  } finally {
    await provider.destroy();
    await node.close();
  }
  settle();
}

/** The account whose balances are read (a devnet token holder). */
const account = () => net.holders[1];
/** An older final block than the head (its own certificate proves it). */
const older = () => client.head.height - 3n;

/**
 * The finalization lies on the payment path: `confirmPayment` (whose block's certificate comes
 * from the lying node) refuses with `code`; the CLI's `confirm` exits `cliExit` with `cliLine`.
 */
async function paymentPath(lie, node, code, cliExit, cliLine) {
  const { ok } = await payments();
  await check(lie, 'confirmPayment', () => refuses(client.confirmPayment({ hash: ok.hash, rpc: node.url, waitMs: 10000 }), code));
  await check(lie, 'CLI confirm', async () => {
    const [exit, line] = await cli(['confirm', ...trust(), '--rpc', node.url, ok.hash]);
    assert.equal(exit, cliExit, line);
    assert.match(line, cliLine);
  });
}

/** client.verify() of the lying node's answer for an older block refuses with `code`; the genuine one verifies. */
async function verifyCase(lie, node, code) {
  await check(lie, 'client.verify', async () => {
    const h = Number(older());
    const lied = await call('consensus_getFinalization', [{ height: h }], node.url);
    const genuine = await call('consensus_getFinalization', [{ height: h }]);
    assert.doesNotThrow(() => client.verify(genuine));
    refusesSync(() => client.verify(lied), code);
  });
}

/** The provider's header equals the devnet's own eth_getBlockByNumber header, field by field. */
async function assertHonestHeader(block, height) {
  const honest = await call('eth_getBlockByNumber', [hex(height), false]);
  for (const f of ['hash', 'number', 'parentHash', 'timestamp', 'stateRoot', 'miner', 'transactionsRoot', 'receiptsRoot', 'logsBloom', 'gasUsed', 'gasLimit', 'extraData']) {
    assert.ok(block[f] !== undefined, `the provider's header has ${f}`);
  }
  for (const [k, v] of Object.entries(block)) assert.deepEqual(v, honest[k], `field ${k}`);
}

// --- The honest node (not counted): what the lies are measured against. ---

test('through an honest proxy: the devnet\'s own header, proof and balance', { timeout: 60000 }, async () => {
  await withLie('none', async (node, provider) => {
    const h = older();
    await assertHonestHeader(await provider.request({ method: 'eth_getBlockByNumber', params: [hex(h), false] }), h);
    const b = await client.getVerifiedBalance({ token: PATH_USD, account: account(), rpc: node.url });
    const slot = client.balanceQuery(PATH_USD, account()).params[1][0];
    assert.equal(b.balance, BigInt((await call('eth_getProof', [PATH_USD, [slot], hex(b.height)])).storageProof[0].value));
    assert.equal(node.lied(), 0);
  });
});

// --- Finalization answers: ambiguous shapes, extra fields, swapped headers, certificates. ---

for (const shape of ['result-beside-block', 'envelope-inside-result', 'header-beside-block', 'finalized-beside-block']) {
  const lie = `ambiguous-${shape}`;
  test(`${lie}: refused as AmbiguousAnswer, by the provider, follow() and the CLI`, { timeout: 120000 }, async () => {
    await withLie(lie, async (node, provider) => {
      const h = older();
      await check(lie, 'provider eth_getBlockByNumber', async () => {
        await assert.rejects(provider.request({ method: 'eth_getBlockByNumber', params: [hex(h), false] }), (e) => {
          assert.equal(codeOf(e), 'AmbiguousAnswer', e.message);
          assert.match(e.message, /ambiguous answer/);
          return true;
        });
      });
      await check(lie, 'client.verify', async () => {
        const genuine = await call('consensus_getFinalization', [{ height: Number(h) }]);
        const lied = await call('consensus_getFinalization', [{ height: Number(h) }], node.url);
        assert.doesNotThrow(() => client.verify(genuine));
        assert.throws(() => client.verify(lied), (e) => e.code === 'AmbiguousAnswer' && /^ambiguous answer/.test(e.message));
      });
      await check(lie, 'follow() over consensus_getLatest', async () => {
        const fresh = TempoLightClient.custom({ identity: net.identity, epochLength: EPOCH_LENGTH });
        try {
          await refuses(fresh.follow({ rpc: node.url, pollMs: 30, signal: AbortSignal.timeout(15000) }), 'AmbiguousAnswer');
          assert.equal(fresh.head, null, 'nothing accepted');
        } finally { fresh.destroy(); }
      });
      await check(lie, 'CLI follow', async () => {
        const [code, line] = await cli(['follow', ...trust(), '--rpc', node.url, '--retries', '1', '--until', '1000000']);
        assert.equal(code, 2);
        assert.match(line, /ambiguous answer/);
      });
      await paymentPath(lie, node, 'AmbiguousAnswer', 2, /ambiguous answer/);
    });
  });
}

test('extra-fields: members no hash covers never reach the caller; the header equals the devnet\'s', { timeout: 60000 }, async () => {
  await withLie('extra-fields', async (node, provider, viem) => {
    const h = older();
    await check('extra-fields', 'provider eth_getBlockByNumber', async () => {
      const block = await provider.request({ method: 'eth_getBlockByNumber', params: [hex(h), false] });
      assert.equal(block.lieExtra, undefined);
      assert.equal(block.extra, undefined);
      await assertHonestHeader(block, h);
    });
    await check('extra-fields', 'viem getBlock', async () => {
      const block = await viem.getBlock({ blockNumber: h - 1n });
      const honest = await call('eth_getBlockByNumber', [hex(h - 1n), false]);
      assert.equal(block.hash, honest.hash);
      assert.equal(block.stateRoot, honest.stateRoot);
      assert.equal(block.timestamp, BigInt(honest.timestamp));
      assert.equal(block.lieExtra, undefined);
    });
  });
});

test('previous-block: block h answered with block h-1 → HeaderNumberMismatch', { timeout: 60000 }, async () => {
  await withLie('previous-block', async (node, provider, viem) => {
    await check('previous-block', 'provider eth_getBlockByNumber', () =>
      refuses(provider.request({ method: 'eth_getBlockByNumber', params: [hex(older()), false] }), 'HeaderNumberMismatch'));
    await check('previous-block', 'viem getBlock', () => refuses(viem.getBlock({ blockNumber: older() - 1n }), 'HeaderNumberMismatch'));
    // confirmPayment holds the certified block to the height it asked for, as the CLI does.
    await paymentPath('previous-block', node, 'HeaderNumberMismatch', 1, /^not verified: unexpected answer: finalization for another height/);
    // (`follow` asks consensus_getFinalization("latest") and for the heights it catches up on.)
    await check('previous-block', 'CLI follow', async () => {
      const [code, line] = await cli(['follow', ...trust(), '--rpc', node.url, '--retries', '1', '--until', '1000000']);
      assert.equal(code, 1);
      assert.match(line, /^not verified: unexpected answer: finalization for another height/);
    });
  });
});

test('timestamp-changed: a header field changed under the genuine certificate → DigestMismatch', { timeout: 120000 }, async () => {
  await withLie('timestamp-changed', async (node, provider) => {
    await check('timestamp-changed', 'provider eth_getBlockByNumber', () =>
      refuses(provider.request({ method: 'eth_getBlockByNumber', params: [hex(older()), false] }), 'DigestMismatch'));
    await check('timestamp-changed', 'follow()', async () => {
      const fresh = TempoLightClient.custom({ identity: net.identity, epochLength: EPOCH_LENGTH });
      try {
        await refuses(fresh.follow({ rpc: node.url, pollMs: 30, signal: AbortSignal.timeout(15000) }), 'DigestMismatch');
        assert.equal(fresh.head, null);
      } finally { fresh.destroy(); }
    });
    await check('timestamp-changed', 'CLI follow', async () => {
      const [code, line] = await cli(['follow', ...trust(), '--rpc', node.url, '--retries', '1', '--until', '1000000']);
      assert.equal(code, 1);
      assert.match(line, /^not verified: certificate finalizes 0x[0-9a-f]{64}, but the header hashes to/);
    });
    await verifyCase('timestamp-changed', node, 'DigestMismatch');
    await paymentPath('timestamp-changed', node, 'DigestMismatch', 1, /^not verified: certificate finalizes 0x[0-9a-f]{64}, but the header hashes to/);
  });
});

test('corrupt-certificate: the certificate\'s signatures swapped → BadSignature', { timeout: 120000 }, async () => {
  await withLie('corrupt-certificate', async (node, provider) => {
    await check('corrupt-certificate', 'provider eth_getBlockByNumber', () =>
      refuses(provider.request({ method: 'eth_getBlockByNumber', params: [hex(older()), false] }), 'BadSignature'));
    await check('corrupt-certificate', 'follow()', async () => {
      const fresh = TempoLightClient.custom({ identity: net.identity, epochLength: EPOCH_LENGTH });
      try {
        await refuses(fresh.follow({ rpc: node.url, pollMs: 30, signal: AbortSignal.timeout(15000) }), 'BadSignature');
        assert.equal(fresh.head, null);
      } finally { fresh.destroy(); }
    });
    await check('corrupt-certificate', 'CLI follow', async () => {
      const [code, line] = await cli(['follow', ...trust(), '--rpc', node.url, '--retries', '1', '--until', '1000000']);
      assert.equal(code, 1);
      assert.match(line, /^not verified: certificate signatures do not verify/);
    });
    await verifyCase('corrupt-certificate', node, 'BadSignature');
    await paymentPath('corrupt-certificate', node, 'BadSignature', 1, /^not verified: certificate signatures do not verify/);
  });
});

test('certificate-of-previous-block: block h under block h-1\'s genuine certificate → DigestMismatch', { timeout: 120000 }, async () => {
  await withLie('certificate-of-previous-block', async (node, provider) => {
    await check('certificate-of-previous-block', 'provider eth_getBlockByNumber', () =>
      refuses(provider.request({ method: 'eth_getBlockByNumber', params: [hex(older()), false] }), 'DigestMismatch'));
    await verifyCase('certificate-of-previous-block', node, 'DigestMismatch');
    await check('certificate-of-previous-block', 'follow()', async () => {
      const fresh = TempoLightClient.custom({ identity: net.identity, epochLength: EPOCH_LENGTH });
      try {
        await refuses(fresh.follow({ rpc: node.url, pollMs: 30, signal: AbortSignal.timeout(15000) }), 'DigestMismatch');
        assert.equal(fresh.head, null);
      } finally { fresh.destroy(); }
    });
    await check('certificate-of-previous-block', 'CLI follow', async () => {
      const [code, line] = await cli(['follow', ...trust(), '--rpc', node.url, '--retries', '1', '--until', '1000000']);
      assert.equal(code, 1);
      assert.match(line, /^not verified: certificate finalizes 0x[0-9a-f]{64}, but the header hashes to/);
    });
  });
});

test('finalization-withheld: a final block the node says it lacks → RpcUnavailable (retryable), never a guess', { timeout: 60000 }, async () => {
  await withLie('finalization-withheld', async (node, provider) => {
    await check('finalization-withheld', 'provider eth_getBlockByNumber', () =>
      assert.rejects(provider.request({ method: 'eth_getBlockByNumber', params: [hex(older()), false] }), (e) => {
        assert.equal(codeOf(e), 'RpcUnavailable', e.message);
        assert.equal(e.code, 4900);
        assert.equal(e.retryable, true);
        return true;
      }));
  });
});

test('inflated-block-number: the provider\'s block number is the verified head, never the node\'s', { timeout: 60000 }, async () => {
  await withLie('inflated-block-number', async (node, provider, viem) => {
    assert.equal(await call('eth_blockNumber', [], node.url), '0xffffffff', 'the node lies');
    await check('inflated-block-number', 'viem getBlockNumber', async () => {
      const before = client.head.height;
      const n = await viem.getBlockNumber();
      assert.ok(n >= before && n <= client.head.height, `${n} is the verified head`);
      assert.ok(n <= BigInt(await call('eth_blockNumber', [])), 'not past the honest devnet');
    });
    await check('inflated-block-number', 'provider eth_blockNumber', async () => {
      assert.equal(BigInt(await provider.request({ method: 'eth_blockNumber' })) <= BigInt(await call('eth_blockNumber', [])), true);
    });
  });
});

test('forged-eth-block: the node\'s eth_getBlockByNumber is never what the provider shows', { timeout: 60000 }, async () => {
  await withLie('forged-eth-block', async (node, provider, viem) => {
    const h = older();
    assert.notEqual((await call('eth_getBlockByNumber', [hex(h), false], node.url)).stateRoot,
      (await call('eth_getBlockByNumber', [hex(h), false])).stateRoot, 'the node lies');
    await check('forged-eth-block', 'provider eth_getBlockByNumber', async () =>
      assertHonestHeader(await provider.request({ method: 'eth_getBlockByNumber', params: [hex(h), false] }), h));
    await check('forged-eth-block', 'viem getBlock', async () => {
      const block = await viem.getBlock({ blockNumber: h - 1n });
      const honest = await call('eth_getBlockByNumber', [hex(h - 1n), false]);
      assert.equal(block.stateRoot, honest.stateRoot);
      assert.equal(block.timestamp, BigInt(honest.timestamp));
    });
  });
});

test('block-by-hash-other-height: eth_getBlockByHash claims another height → DigestMismatch', { timeout: 60000 }, async () => {
  await withLie('block-by-hash-other-height', async (node, provider) => {
    const h = older();
    const { hash } = await call('eth_getBlockByNumber', [hex(h), false]);
    await check('block-by-hash-other-height', 'provider eth_getBlockByHash', () =>
      refuses(provider.request({ method: 'eth_getBlockByHash', params: [hash, false] }), 'DigestMismatch'));
  });
});

test('other-chain-id: the provider answers the network\'s chain id, never the node\'s', { timeout: 60000 }, async () => {
  await withLie('other-chain-id', async (node, provider, viem) => {
    assert.equal(await call('eth_chainId', [], node.url), '0x1', 'the node lies');
    await check('other-chain-id', 'viem getChainId', async () => assert.equal(await viem.getChainId(), 1337));
    await check('other-chain-id', 'provider net_version', async () => assert.equal(await provider.request({ method: 'net_version' }), '1337'));
  });
});

// --- State proofs. ---


/** The provider's and the package's refusals of a proof lie, and the CLI's. */
function proofLie(lie, code, cliExpect, { accountRead = true } = {}) {
  test(`${lie}: ${code}`, { timeout: 120000 }, async () => {
    await withLie(lie, async (node, provider, viem) => {
      await check(lie, 'getVerifiedBalance', () => refuses(client.getVerifiedBalance({ token: PATH_USD, account: account(), rpc: node.url, retries: 1 }), code));
      // (eth_getBalance asks no storage slot: a lie about storage values is about eth_getStorageAt.)
      if (accountRead) await check(lie, 'provider eth_getBalance', () => refuses(provider.request({ method: 'eth_getBalance', params: [account(), 'latest'] }), code));
      else await check(lie, 'provider eth_getStorageAt', () => refuses(provider.request({ method: 'eth_getStorageAt', params: [PATH_USD, '0x0', 'latest'] }), code));
      await check(lie, 'viem readContract balanceOf', () =>
        refuses(viem.readContract({ address: PATH_USD, abi: erc20Abi, functionName: 'balanceOf', args: [account()] }), code));
      await check(lie, 'provider eth_getProof', () => refuses(provider.request({ method: 'eth_getProof', params: [PATH_USD, ['0x0'], 'latest'] }), code));
      if (cliExpect) {
        await check(lie, 'CLI balance', async () => {
          const [exit, line] = await cli(['balance', ...trust(), '--rpc', node.url, '--token', PATH_USD, account(), '--retries', '1']);
          assert.equal(exit, cliExpect[0], line);
          assert.match(line, cliExpect[1]);
        });
      }
    });
  });
}
const NON_CANONICAL = [2, /^malformed answer: eth_getProof: invalid JSON: .* is not a canonical quantity/];
proofLie('balance-not-hex', 'InvalidJson', NON_CANONICAL);
proofLie('nonce-zero-padded', 'InvalidJson', NON_CANONICAL);
proofLie('storage-value-zero-padded', 'InvalidJson', NON_CANONICAL, { accountRead: false });
proofLie('proof-of-another-account', 'ProofAddressMismatch', [1, /^not verified: asked for 0x20C0000000000000000000000000000000000000, the proof is for 0x20C0000000000000000000000000000000000001/]);
proofLie('proof-from-another-block', 'ProofRootMismatch', [1, /^not verified: account 0x20C0000000000000000000000000000000000000: proof does not start at the trusted root/]);
proofLie('forged-balance', 'ProofValueMismatch', [1, /^not verified: account 0x20C0000000000000000000000000000000000000: the proof contradicts the claimed value/]);
proofLie('proof-node-altered', 'ProofNodeMismatch', [1, /^not verified: account 0x20C0000000000000000000000000000000000000: proof node \d+ is not the node its parent commits to/]);

test('truncated-json: an eth_getProof answer cut off → refused as InvalidJson', { timeout: 60000 }, async () => {
  await withLie('truncated-json', async (node, provider) => {
    await check('truncated-json', 'getVerifiedBalance', () => refuses(client.getVerifiedBalance({ token: PATH_USD, account: account(), rpc: node.url, retries: 1 }), 'InvalidJson'));
    await check('truncated-json', 'provider eth_getBalance', () => refuses(provider.request({ method: 'eth_getBalance', params: [account(), 'latest'] }), 'InvalidJson'));
    await check('truncated-json', 'CLI balance', async () => {
      const [exit, line] = await cli(['balance', ...trust(), '--rpc', node.url, '--token', PATH_USD, account(), '--retries', '1']);
      assert.equal(exit, 2, line);
      assert.match(line, /^malformed answer: not JSON \(EOF while parsing/);
    });
  });
});

test('proof-extra-fields: the provider answers what it verified (canonical), equal to the honest proof', { timeout: 60000 }, async () => {
  await withLie('proof-extra-fields', async (node, provider) => {
    const height = client.head.height;
    await check('proof-extra-fields', 'provider eth_getProof', async () => {
      const slot = `0x${'00'.repeat(32)}`;
      const answer = await provider.request({ method: 'eth_getProof', params: [PATH_USD, [slot], hex(height)] });
      const honest = await call('eth_getProof', [PATH_USD, [slot], hex(height)]);
      assert.equal(answer.lieExtra, undefined);
      assert.equal(answer.storageProof[0].lieExtra, undefined);
      // Canonical quantities: 0x, no leading zeros.
      for (const q of [answer.balance, answer.nonce, answer.storageProof[0].value]) assert.match(q, /^0x(0|[1-9a-f][0-9a-f]*)$/);
      assert.equal(answer.address.toLowerCase(), honest.address.toLowerCase());
      for (const f of ['balance', 'nonce']) assert.equal(BigInt(answer[f]), BigInt(honest[f]), f);
      for (const f of ['codeHash', 'storageHash']) assert.equal(answer[f].toLowerCase(), honest[f].toLowerCase(), f);
      assert.deepEqual(answer.accountProof.map((n) => n.toLowerCase()), honest.accountProof.map((n) => n.toLowerCase()));
      assert.equal(answer.storageProof.length, honest.storageProof.length);
      assert.equal(BigInt(answer.storageProof[0].value), BigInt(honest.storageProof[0].value));
      assert.deepEqual(answer.storageProof[0].proof.map((n) => n.toLowerCase()), honest.storageProof[0].proof.map((n) => n.toLowerCase()));
    });
    await check('proof-extra-fields', 'getVerifiedBalance', async () => {
      const b = await client.getVerifiedBalance({ token: PATH_USD, account: account(), rpc: node.url });
      const honest = await call('eth_getProof', [PATH_USD, [b.slot ?? client.balanceQuery(PATH_USD, account()).params[1][0]], hex(b.height)]);
      assert.equal(b.balance, BigInt(honest.storageProof[0].value));
    });
  });
});

test('storage-proof-dropped: the slots asked for left out → ProofMissingSlot', { timeout: 60000 }, async () => {
  await withLie('storage-proof-dropped', async (node, provider) => {
    await check('storage-proof-dropped', 'provider eth_getStorageAt', () =>
      refuses(provider.request({ method: 'eth_getStorageAt', params: [PATH_USD, '0x0', 'latest'] }), 'ProofMissingSlot'));
    await check('storage-proof-dropped', 'getVerifiedBalance', () =>
      refuses(client.getVerifiedBalance({ token: PATH_USD, account: account(), rpc: node.url, retries: 1 }), 'ProofMissingSlot'));
  });
});

test('stale-execution-head: no proof at the final head, execution head at block 1 → StaleState', { timeout: 120000 }, async () => {
  await setup();
  // The rule refuses state more than 64 blocks behind the verified head.
  for (let i = 0; i < 400 && client.head.height < 70n; i++) await sleep(50);
  assert.ok(client.head.height >= 70n);
  await withLie('stale-execution-head', async (node, provider) => {
    // Retryable, naming both heights: the execution head (block 1) and the verified head.
    const stale = (e) => {
      assert.equal(codeOf(e), 'StaleState', e.message);
      assert.equal(e.retryable, true);
      assert.match(e.message, /\bblock 1\b/);
      assert.match(e.message, /verified head \d{2,}/);
      return true;
    };
    await check('stale-execution-head', 'getVerifiedBalance', () =>
      assert.rejects(client.getVerifiedBalance({ token: PATH_USD, account: account(), rpc: node.url, retries: 2, retryDelayMs: 10 }), stale));
    await check('stale-execution-head', "provider eth_getBalance 'latest'", () =>
      assert.rejects(provider.request({ method: 'eth_getBalance', params: [account(), 'latest'] }), stale));
    await check('stale-execution-head', 'CLI balance', async () => {
      const [exit, line] = await cli(['balance', ...trust(), '--rpc', node.url, '--token', PATH_USD, account(), '--retries', '1']);
      assert.equal(exit, 5, line);
      assert.match(line, /block 1, \d+ blocks behind the verified head \d+/);
    });
  });
});

test('oversized: an answer over maxResponseBytes → ResponseTooLarge', { timeout: 120000 }, async () => {
  await withLie('oversized', async (node, provider) => {
    await check('oversized', 'getVerifiedBalance', () => refuses(client.getVerifiedBalance({ token: PATH_USD, account: account(), rpc: node.url, retries: 1 }), 'ResponseTooLarge'));
    await check('oversized', 'provider eth_getBalance', () => refuses(provider.request({ method: 'eth_getBalance', params: [account(), 'latest'] }), 'ResponseTooLarge'));
    // The CLI's cap is 64 MiB: under it, the member no proof covers is ignored and the balance
    // proven is the devnet's own.
    await check('oversized', 'CLI balance (under its 64 MiB cap)', async () => {
      const [exit, line, stdout] = await cli(['balance', ...trust(), '--rpc', node.url, '--token', PATH_USD, account(), '--retries', '1', '--json']);
      assert.equal(exit, 0, line);
      const out = JSON.parse(stdout.trim().split('\n').pop());
      const slot = client.balanceQuery(PATH_USD, account()).params[1][0];
      const honest = await call('eth_getProof', [PATH_USD, [slot], hex(out.height)]);
      assert.equal(BigInt(out.balance), BigInt(honest.storageProof[0].value));
    });
  });
});

test('other-code: code that does not hash to the proven codeHash → CodeHashMismatch', { timeout: 60000 }, async () => {
  await withLie('other-code', async (node, provider, viem) => {
    await check('other-code', 'provider eth_getCode', () => refuses(provider.request({ method: 'eth_getCode', params: [PATH_USD, 'latest'] }), 'CodeHashMismatch'));
    await check('other-code', 'viem getCode', () => refuses(viem.getCode({ address: PATH_USD }), 'CodeHashMismatch'));
  });
});

// --- Payments: receipts and raw transactions of another block, a reverted transaction. ---

let chosen;
/** A successful transaction at index 1 of a final block of ≥ 3 transactions, and a failed one. */
async function payments() {
  if (chosen) return chosen;
  await setup();
  let ok = null;
  let failed = null;
  for (let h = 3n; h < client.head.height && !(ok && failed); h++) {
    const block = await call('eth_getBlockByNumber', [hex(h), false]);
    for (const [i, hash] of block.transactions.entries()) {
      const receipt = await call('eth_getTransactionReceipt', [hash]);
      if (!ok && receipt.status === '0x1' && i === 1 && block.transactions.length >= 3 && receipt.logs.length > 0) ok = { hash, height: h };
      if (!failed && receipt.status === '0x0') failed = { hash, height: h };
    }
  }
  assert.ok(ok && failed, 'the devnet made a payment and a failed transaction');
  chosen = { ok, failed };
  return chosen;
}

function paymentLie(lie, code, cliLine) {
  test(`${lie}: ${code}`, { timeout: 120000 }, async () => {
    const { ok } = await payments();
    await withLie(lie, async (node, provider, viem) => {
      await check(lie, 'confirmPayment', () => refuses(client.confirmPayment({ hash: ok.hash, rpc: node.url, waitMs: 10000 }), code));
      await check(lie, 'provider eth_getTransactionReceipt', () => refuses(provider.request({ method: 'eth_getTransactionReceipt', params: [ok.hash] }), code));
      await check(lie, 'viem getTransaction', () => refuses(viem.getTransaction({ hash: ok.hash }), code));
      await check(lie, 'CLI confirm', async () => {
        const [exit, line] = await cli(['confirm', ...trust(), '--rpc', node.url, ok.hash]);
        assert.equal(exit, 1, line);
        assert.match(line, cliLine);
      });
    });
  });
}
paymentLie('receipts-of-another-block', 'ReceiptFromOtherBlock', /^not verified: receipt \d+ is for transaction 0x[0-9a-f]{64}, which is not in this block/);
paymentLie('dropped-log', 'LogsBloomMismatch', /^not verified: receipt \d+: its logs bloom is not the bloom of its logs/);
paymentLie('reordered-receipts', 'ReceiptsReordered', /^not verified: receipt \d+ is for the block's transaction \d+: the receipts are out of order/);
paymentLie('receipt-status-flipped', 'ReceiptsRootMismatch', /^not verified: receipts root mismatch/);
paymentLie('missing-raw-transaction', 'TransactionsRootMismatch', /^not verified: transactions root mismatch/);
paymentLie('raw-transactions-cut-short', 'TransactionsRootMismatch', /^not verified: transactions root mismatch/);
paymentLie('receipt-points-elsewhere', 'TransactionNotInBlock', /^not verified: transaction 0x[0-9a-f]{64} is not in block \d+/);

test('reverted-reported-success: a reverted transaction the node calls a success → PaymentFailed; the provider says status 0', { timeout: 120000 }, async () => {
  const { failed } = await payments();
  await withLie('reverted-reported-success', async (node, provider) => {
    assert.equal((await call('eth_getTransactionReceipt', [failed.hash], node.url)).status, '0x1', 'the node lies');
    await check('reverted-reported-success', 'confirmPayment', () => refuses(client.confirmPayment({ hash: failed.hash, rpc: node.url, waitMs: 10000 }), 'PaymentFailed'));
    await check('reverted-reported-success', 'provider eth_getTransactionReceipt', async () => {
      const receipt = await provider.request({ method: 'eth_getTransactionReceipt', params: [failed.hash] });
      const honest = await call('eth_getTransactionReceipt', [failed.hash]);
      assert.equal(receipt.status, '0x0');
      assert.equal(receipt.status, honest.status);
      assert.equal(receipt.transactionHash, honest.transactionHash);
      assert.equal(BigInt(receipt.blockNumber), BigInt(honest.blockNumber));
    });
    await check('reverted-reported-success', 'CLI confirm', async () => {
      const [exit, line] = await cli(['confirm', ...trust(), '--rpc', node.url, failed.hash]);
      assert.equal(exit, 1, line);
      assert.match(line, /^not as expected: the transaction failed \(status 0/);
    });
  });
});

test('token-anyone: an expectation without `token` (a TIP-20 token anyone can create) → InvalidInput naming token, before any request', { timeout: 60000 }, async () => {
  const { ok } = await payments();
  await withLie('none', async (node) => {
    for (const expected of [{ to: net.holders[0], amount: 1n }, { amount: 1n }, { to: net.holders[0] }]) {
      await check('token-anyone', `confirmPayment ${Object.keys(expected)} without token`, async () => {
        const fresh = TempoLightClient.custom({ identity: net.identity, epochLength: EPOCH_LENGTH });
        try {
          await assert.rejects(fresh.confirmPayment({ hash: ok.hash, rpc: node.url, ...expected }), (e) => {
            assert.equal(e.code, 'InvalidInput', e.message);
            assert.match(e.message, /needs `token`/);
            return true;
          });
        } finally { fresh.destroy(); }
      });
    }
    await check('token-anyone', 'CLI confirm --to --amount without --token', async () => {
      const [exit, line] = await cli(['confirm', ...trust(), '--rpc', node.url, ok.hash, '--to', net.holders[0], '--amount', '1']);
      assert.equal(exit, 3, line);
      assert.match(line, /needs `token`/);
    });
    assert.equal(node.calls().size, 0, 'no request reached the node');
    // Any token, said so: the payment, proven (the devnet's own answer).
    await check('token-anyone', 'confirmPayment with anyToken', async () => {
      const { payment } = await client.confirmPayment({ hash: ok.hash, rpc: node.url, anyToken: true });
      const honest = await call('eth_getTransactionReceipt', [ok.hash]);
      assert.equal(payment.transactionHash, ok.hash);
      assert.equal(payment.success, true);
      assert.equal(payment.height, BigInt(honest.blockNumber));
      assert.equal(payment.blockHash, honest.blockHash);
    });
  });
});

// --- A frozen client (the devnet's equivocation fault). ---

test('frozen: after an equivocation, the provider and verify() refuse with Frozen', { timeout: 120000 }, async () => {
  const faulty = await devnet(['--fault', 'equivocation@8'], { blockTimeMs: 100 });
  const url = `http://127.0.0.1:${faulty.port}`;
  const node = await startLyingNode(url, 'none');
  const frozen = TempoLightClient.custom({ identity: faulty.identity, epochLength: EPOCH_LENGTH });
  const controller = new AbortController();
  const run = frozen.follow({ rpc: node.url, pollMs: 30, signal: AbortSignal.any([controller.signal, AbortSignal.timeout(60000)]) }).catch((e) => e);
  try {
    for (let i = 0; i < 1200 && !frozen.frozen; i++) await sleep(50);
    assert.ok(frozen.frozen, 'the client froze on the equivocation');
    const provider = createVerifiedProvider({ client: frozen, rpc: node.url });
    try {
      await check('frozen', 'provider eth_getBalance', () => refuses(provider.request({ method: 'eth_getBalance', params: [faulty.holders[1], 'latest'] }), 'Frozen'));
      await check('frozen', 'provider eth_getBlockByNumber', () => refuses(provider.request({ method: 'eth_getBlockByNumber', params: ['0x3', false] }), 'Frozen'));
      await check('frozen', 'verify()', async () => {
        const genuine = await call('consensus_getFinalization', [{ height: 3 }], url);
        refusesSync(() => frozen.verify(genuine), 'Frozen');
      });
    } finally {
      await provider.destroy();
    }
  } finally {
    controller.abort();
    await run;
    frozen.destroy();
    await node.close();
  }
  settle();
});

test('the counts', () => {
  console.log(`lying node: ${lies.size} lies, ${cases} cases, ${passed} refused or honest`);
  assert.equal(passed, cases);
  assert.ok(lies.size >= 25, `${lies.size} lies`);
});
