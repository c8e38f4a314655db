// `tempo-light proxy` as other people's clients use it: viem (http and webSocket transports)
// and ethers v6, unchanged, pointed at the proxy's URL in front of a devnet. Every answer is
// compared with the devnet's own. (web3.py: clients.py beside this file.) Run by
// scripts/test-proxy-clients.sh from the workspace root, with the workspace's node_modules.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { createPublicClient, http, webSocket, keccak256, encodeAbiParameters, erc20Abi } from 'viem';
import { JsonRpcProvider, Contract } from 'ethers';
import { devnet as startDevnet } from '../support/devnet.mjs';

const BIN = process.env.TEMPO_LIGHT_BIN ?? new URL('../../../target/debug/tempo-light', import.meta.url).pathname;
const TOKEN = '0x20c0000000000000000000000000000000000000';
let chain;
let proxy;
let url;
let compared = 0;

/** The devnet's own answer. */
async function node(method, params = []) {
  const response = await fetch(chain.rpc, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const body = await response.json();
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

/** The balance slot of `account` in a TIP-20 token (mapping at slot 9). */
const balanceSlot = (account) => keccak256(encodeAbiParameters([{ type: 'address' }, { type: 'uint256' }], [account, 9n]));
/** The slot of `allowances[owner][spender]` (a nested mapping at slot 10), by Solidity's rule. */
const allowanceSlot = (owner, spender) => keccak256(encodeAbiParameters(
  [{ type: 'address' }, { type: 'bytes32' }],
  [spender, keccak256(encodeAbiParameters([{ type: 'address' }, { type: 'uint256' }], [owner, 10n]))],
));
const ALPHA = '0x20c0000000000000000000000000000000000001';
const pausedAbi = [{ name: 'paused', type: 'function', stateMutability: 'view', inputs: [], outputs: [{ name: '', type: 'bool' }] }];

before(async () => {
  chain = await startDevnet();
  proxy = spawn(BIN, ['proxy', '--rpc', chain.rpc, '--identity', chain.identity, '--epoch-length', '5', '--listen', '127.0.0.1:0', '--poll-ms', '50', '--chain-id', '1337'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const lines = createInterface({ input: proxy.stdout });
  url = await new Promise((resolve, reject) => {
    lines.once('line', resolve);
    proxy.once('exit', (code) => reject(new Error(`proxy exited ${code}`)));
  });
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
  // Until the proxy has a verified head past a few epochs.
  for (let i = 0; i < 600; i++) {
    const r = await fetch(url, { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_blockNumber' }) }).then((x) => x.json());
    if (r.result && BigInt(r.result) >= 12n) return;
    await new Promise((s) => setTimeout(s, 50));
  }
  throw new Error('the proxy proved no head');
});

after(() => {
  proxy?.kill('SIGTERM');
  console.log(`proxy clients: ${compared} answers compared with the devnet's`);
});

/** A block at most the verified head that holds a transaction, and that transaction's hash. */
async function blockWithTransaction(head) {
  for (let n = head; n > 0n; n--) {
    const block = await node('eth_getBlockByNumber', [`0x${n.toString(16)}`, false]);
    if (block.transactions.length) return { block, hash: block.transactions[0] };
  }
  throw new Error('no transaction on the devnet');
}

test('viem over http: blocks, receipts, transactions and TIP-20 reads equal the devnet\'s', async () => {
  const client = createPublicClient({ transport: http(url, { retryCount: 0 }) });
  assert.equal(await client.getChainId(), Number(BigInt(await node('eth_chainId'))));
  const head = await client.getBlockNumber();
  const block = await client.getBlock({ blockNumber: head - 1n });
  const theirs = await node('eth_getBlockByNumber', [`0x${(head - 1n).toString(16)}`, false]);
  assert.equal(block.hash, theirs.hash);
  assert.equal(block.stateRoot, theirs.stateRoot);
  assert.equal(block.receiptsRoot, theirs.receiptsRoot);
  compared += 4;

  const { block: holding, hash } = await blockWithTransaction(head);
  const receipt = await client.getTransactionReceipt({ hash });
  const their = await node('eth_getTransactionReceipt', [hash]);
  assert.equal(receipt.blockHash, their.blockHash);
  assert.equal(receipt.status, their.status === '0x1' ? 'success' : 'reverted');
  assert.equal(receipt.logs.length, their.logs.length);
  assert.equal(receipt.gasUsed, BigInt(their.gasUsed));
  assert.equal(receipt.from, their.from.toLowerCase());
  const transaction = await client.getTransaction({ hash });
  assert.equal(transaction.blockNumber, BigInt(holding.number));
  assert.equal(transaction.from, their.from.toLowerCase());
  compared += 7;

  for (const holder of chain.holders.slice(0, 3)) {
    const balance = await client.readContract({ address: TOKEN, abi: erc20Abi, functionName: 'balanceOf', args: [holder], blockNumber: head });
    const proof = await node('eth_getProof', [TOKEN, [balanceSlot(holder)], `0x${head.toString(16)}`]);
    assert.equal(balance, BigInt(proof.storageProof[0].value));
    assert.ok(balance > 0n);
    compared += 1;
  }
  assert.equal(await client.readContract({ address: TOKEN, abi: erc20Abi, functionName: 'decimals' }), 6);
  compared += 1;

  // allowance(owner, spender) and paused(), each one proven word of the token's storage.
  const [owner, spender] = chain.holders;
  const at = `0x${head.toString(16)}`;
  for (const token of [TOKEN, ALPHA]) {
    const allowance = await client.readContract({ address: token, abi: erc20Abi, functionName: 'allowance', args: [owner, spender], blockNumber: head });
    const proof = await node('eth_getProof', [token, [allowanceSlot(owner, spender), `0x${'0'.repeat(63)}c`], at]);
    assert.equal(allowance, BigInt(proof.storageProof[0].value));
    assert.ok(allowance > 0n, 'the devnet grants holder 0 → holder 1 an allowance');
    assert.equal(await client.readContract({ address: token, abi: erc20Abi, functionName: 'allowance', args: [spender, owner], blockNumber: head }), 0n);
    const paused = await client.readContract({ address: token, abi: pausedAbi, functionName: 'paused', blockNumber: head });
    assert.equal(paused, BigInt(proof.storageProof[1].value) !== 0n);
    assert.equal(paused, token === ALPHA, 'the devnet pauses AlphaUSD only');
    compared += 3;
  }
});

test('viem over webSocket: watchBlocks gets final heads that the devnet certifies', async () => {
  const wsUrl = url.replace('http://', 'ws://');
  const client = createPublicClient({ transport: webSocket(wsUrl, { retryCount: 0 }) });
  const seen = await new Promise((resolve, reject) => {
    const blocks = [];
    const timer = setTimeout(() => reject(new Error('no blocks')), 30_000);
    const unwatch = client.watchBlocks({
      onBlock: (b) => {
        blocks.push(b);
        if (blocks.length === 3) { clearTimeout(timer); unwatch(); resolve(blocks); }
      },
      onError: reject,
    });
  });
  for (const b of seen) {
    const theirs = await node('eth_getBlockByNumber', [`0x${b.number.toString(16)}`, false]);
    assert.equal(b.hash, theirs.hash);
    compared += 1;
  }
  assert.ok(seen[0].number < seen[2].number);
  assert.equal(await client.getBlockNumber() > 0n, true);
  await client.transport.getRpcClient?.().then((c) => c.close()).catch(() => {});
});

test('ethers v6: blocks, balances, receipts and a TIP-20 contract equal the devnet\'s', async () => {
  const provider = new JsonRpcProvider(url, undefined, { staticNetwork: true });
  try {
    const head = await provider.getBlockNumber();
    const block = await provider.getBlock(head - 1);
    const theirs = await node('eth_getBlockByNumber', [`0x${(head - 1).toString(16)}`, false]);
    assert.equal(block.hash, theirs.hash);
    const holder = chain.holders[0];
    const native = await provider.getBalance(holder, head);
    const account = await node('eth_getProof', [holder, [], `0x${head.toString(16)}`]);
    assert.equal(native, BigInt(account.balance));
    const token = new Contract(TOKEN, ['function balanceOf(address) view returns (uint256)', 'function symbol() view returns (string)'], provider);
    const proof = await node('eth_getProof', [TOKEN, [balanceSlot(holder)], `0x${head.toString(16)}`]);
    assert.equal(await token.balanceOf(holder, { blockTag: head }), BigInt(proof.storageProof[0].value));
    assert.equal(typeof await token.symbol(), 'string');
    const { hash } = await blockWithTransaction(BigInt(head));
    const receipt = await provider.getTransactionReceipt(hash);
    const their = await node('eth_getTransactionReceipt', [hash]);
    assert.equal(receipt.blockHash, their.blockHash);
    assert.equal(receipt.status, Number(their.status));
    compared += 6;
  } finally {
    provider.destroy();
  }
});

test('web3.py: the same answers from Python', { skip: !process.env.TEMPO_LIGHT_PYTHON && 'TEMPO_LIGHT_PYTHON (a Python with web3) not set' }, async () => {
  const py = spawn(process.env.TEMPO_LIGHT_PYTHON, [new URL('./clients.py', import.meta.url).pathname, url, chain.rpc, chain.holders[0]], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  py.stdout.on('data', (d) => { out += d; });
  const code = await new Promise((resolve) => py.on('exit', resolve));
  assert.equal(code, 0, out);
  const n = Number(out.match(/web3\.py: (\d+) answers compared/)?.[1]);
  assert.ok(n > 0, out);
  compared += n;
});
