// The security issue's lying-node suite through `tempo-light proxy`: for every lie of
// js/test/support/lying-node.mjs (each built from the devnet's genuine answers), a proxy whose
// only upstream is that lying node is asked the same fixed set of questions (blocks, receipts,
// transactions, proofs, balances, storage, code, TIP-20 calls, logs, the chain id, the head)
// at final heights. Every answer must be an error or equal, member for member, to what a proxy
// in front of the honest devnet answers: a lie never reaches a client as a result. For the lies
// that alter what the proxy must read, at least the question that reads it must be an error.
// Run by scripts/test-proxy-clients.sh from the workspace root.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { keccak256, encodeAbiParameters } from 'viem';
import { devnet as startDevnet } from '../support/devnet.mjs';
import { LIES, startLyingNode } from '../support/lying-node.mjs';

const BIN = process.env.TEMPO_LIGHT_BIN ?? new URL('../../../target/debug/tempo-light', import.meta.url).pathname;
const TOKEN = '0x20c0000000000000000000000000000000000000';
const hex = (n) => `0x${BigInt(n).toString(16)}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** The balance slot of `account` in a TIP-20 token (mapping at slot 9). */
const balanceSlot = (account) => keccak256(encodeAbiParameters([{ type: 'address' }, { type: 'uint256' }], [account, 9n]));

/**
 * The lies that alter something the proxy reads to answer one of the questions, with the
 * questions (by name) of which at least one must be refused. The other lies target what the
 * proxy never reads (the node's `eth_getBlockByNumber`, `eth_chainId`, `eth_blockNumber`,
 * `eth_getTransactionReceipt`: it answers those from what it verified) or change only the
 * spelling of a value it re-encodes (non-canonical quantities, extra members, an answer under
 * the CLI's 64 MiB bound padded past the package's 16 MiB), or stop it from
 * proving any head (then every question but the chain id is refused, which is checked too).
 */
const MUST_REFUSE = {
  'truncated-json': ['balance', 'proof', 'storage', 'call'],
  'proof-of-another-account': ['proof', 'storage', 'call'],
  'proof-from-another-block': ['balance', 'proof', 'storage', 'call'],
  'forged-balance': ['balance', 'proof', 'storage', 'call'],
  'proof-node-altered': ['balance', 'proof', 'storage', 'call'],
  'storage-proof-dropped': ['proof', 'storage', 'call'],
  'stale-execution-head': ['balance', 'proof', 'storage', 'call'],
  'other-code': ['tokenCode'],
  'receipts-of-another-block': ['receipts', 'receipt', 'logs'],
  'dropped-log': ['receipts', 'receipt', 'logs'],
  'reordered-receipts': ['receipts', 'receipt', 'logs'],
  'receipt-status-flipped': ['receipts', 'receipt', 'logs'],
  'missing-raw-transaction': ['block', 'fullBlock', 'receipts', 'transaction'],
  'raw-transactions-cut-short': ['block', 'fullBlock', 'receipts', 'transaction'],
};
/** Lies that keep the proxy from proving any head: every question but the chain id's is refused. */
const BLIND = [
  'ambiguous-result-beside-block', 'ambiguous-envelope-inside-result', 'ambiguous-header-beside-block',
  'ambiguous-finalized-beside-block', 'timestamp-changed', 'corrupt-certificate',
  'certificate-of-previous-block', 'previous-block', 'finalization-withheld',
];

let chain;
let honest;
let target;
let questions;
let honestAnswers;
const tally = { lies: 0, questions: 0, equal: 0, refused: 0, lied: 0 };

/** Starts a proxy in front of `rpc`; resolves `{ url, child }` once it prints its URL. */
async function startProxy(rpc) {
  const child = spawn(BIN, ['proxy', '--rpc', rpc, '--identity', chain.identity, '--epoch-length', '50', '--listen', '127.0.0.1:0', '--poll-ms', '50', '--chain-id', '1337'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const lines = createInterface({ input: child.stdout });
  const url = await new Promise((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`proxy exited ${code}`)));
  });
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
  return { url, child };
}

async function call(url, method, params = []) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    signal: AbortSignal.timeout(60_000),
  });
  return response.json();
}

/** Waits until the proxy's verified head is at least `height`, for at most `ms`; the head. */
async function waitForHead(url, height, ms) {
  const end = Date.now() + ms;
  let head = null;
  while (Date.now() < end) {
    const r = await call(url, 'eth_blockNumber');
    head = r.result ? BigInt(r.result) : null;
    if (head !== null && head >= height) return head;
    await sleep(50);
  }
  return head;
}

before(async () => {
  // Epochs of 50 blocks of 100 ms: each proxy follows from genesis, so the chain must not
  // outgrow the suite by thousands of boundaries.
  chain = await startDevnet([], { blockTimeMs: 100, epochLength: 50 });
  honest = await startProxy(chain.rpc);
  const head = await waitForHead(honest.url, 12n, 60_000);
  assert.ok(head >= 12n, 'the honest proxy proved no head');
  // A final block that holds two transactions or more (reversing a lone receipt is no lie),
  // and a final height past it for state.
  let block;
  for (let n = head - 1n; n > 0n; n--) {
    const r = await call(honest.url, 'eth_getBlockByNumber', [hex(n), false]);
    if (r.result?.transactions?.length >= 2) { block = r.result; break; }
  }
  assert.ok(block, 'no transaction on the devnet');
  target = head;
  const holder = chain.holders[0];
  const tx = block.transactions[0];
  const at = hex(target);
  questions = {
    chainId: ['eth_chainId', []],
    block: ['eth_getBlockByNumber', [block.number, false]],
    fullBlock: ['eth_getBlockByNumber', [block.number, true]],
    blockByHash: ['eth_getBlockByHash', [block.hash, false]],
    receipts: ['eth_getBlockReceipts', [block.number]],
    transaction: ['eth_getTransactionByHash', [tx]],
    receipt: ['eth_getTransactionReceipt', [tx]],
    balance: ['eth_getBalance', [holder, at]],
    nonce: ['eth_getTransactionCount', [holder, at]],
    proof: ['eth_getProof', [TOKEN, [balanceSlot(holder)], at]],
    storage: ['eth_getStorageAt', [TOKEN, balanceSlot(holder), at]],
    // A holder has no code: '0x', from its proven code hash. The token's code the devnet does
    // not serve (a real node does): the honest proxy's answer is an error, and so must every
    // liar's be ('other-code' serves code of another hash).
    code: ['eth_getCode', [holder, at]],
    tokenCode: ['eth_getCode', [TOKEN, at]],
    call: ['eth_call', [{ to: TOKEN, data: `0x70a08231${holder.slice(2).toLowerCase().padStart(64, '0')}` }, at]],
    logs: ['eth_getLogs', [{ fromBlock: block.number, toBlock: block.number, address: TOKEN }]],
  };
  honestAnswers = {};
  for (const [name, [method, params]] of Object.entries(questions)) {
    const r = await call(honest.url, method, params);
    assert.equal('result' in r, name !== 'tokenCode', `the honest proxy's ${name}: ${JSON.stringify(r)}`);
    honestAnswers[name] = r;
  }
  assert.ok(honestAnswers.logs.result.length > 0, 'the block of a transaction has no TIP-20 log');
  assert.equal(honestAnswers.code.result, '0x');
});

after(() => {
  honest?.child.kill('SIGTERM');
  console.log(`proxy lying-node: ${tally.lies} lies (${tally.lied} answers rewritten) × ${Object.keys(questions ?? {}).length} questions: ${tally.equal} answers equal to the honest proxy's, ${tally.refused} refused, 0 lies through`);
});

for (const lie of Object.keys(LIES)) {
  test(`${lie}: every answer through the proxy is an error or the honest one`, { timeout: 180_000 }, async () => {
    const liar = await startLyingNode(chain.rpc, lie);
    const proxy = await startProxy(liar.url);
    try {
      const head = await waitForHead(proxy.url, target, BLIND.includes(lie) ? 4_000 : 60_000);
      if (BLIND.includes(lie)) assert.equal(head, null, `${lie}: the proxy proved a head through the lie`);
      else assert.ok(head >= target, `${lie}: the proxy proved no head past ${target} (${head})`);

      const refused = [];
      for (const [name, [method, params]] of Object.entries(questions)) {
        const r = await call(proxy.url, method, params);
        tally.questions += 1;
        if ('result' in r) {
          assert.ok('result' in honestAnswers[name], `${lie}: ${name} answered where the honest proxy refuses: ${JSON.stringify(r.result)}`);
          assert.deepEqual(r.result, honestAnswers[name].result, `${lie}: ${name} answered other than the honest proxy`);
          assert.equal(r.error, undefined);
          tally.equal += 1;
        } else {
          assert.equal(typeof r.error?.code, 'number', `${lie}: ${name}: neither a result nor an error: ${JSON.stringify(r)}`);
          refused.push(name);
          tally.refused += 1;
        }
      }
      // The head: never past what the devnet has certified (the liar may inflate its own).
      const r = await call(proxy.url, 'eth_blockNumber');
      if ('result' in r) {
        const devnetHead = BigInt((await call(chain.rpc, 'eth_blockNumber')).result);
        assert.ok(BigInt(r.result) <= devnetHead, `${lie}: head ${r.result} past the devnet's ${devnetHead}`);
      }
      if (BLIND.includes(lie)) {
        // Everything but the chain id (which the proxy was given) waits for a verified head.
        const needHead = Object.keys(questions).filter((q) => q !== 'chainId');
        assert.deepEqual(needHead.filter((q) => !refused.includes(q)), [], `${lie}: a question answered without a verified head`);
      }
      const must = MUST_REFUSE[lie];
      if (must) {
        assert.ok(liar.lied() > 0, `${lie}: the proxy never asked what the lie rewrites`);
        assert.ok(must.some((q) => refused.includes(q)), `${lie}: none of ${must.join(', ')} refused (refused: ${refused.join(', ') || 'none'})`);
      }
      tally.lies += 1;
      tally.lied += liar.lied();
    } finally {
      proxy.child.kill('SIGTERM');
      await liar.close();
    }
  });
}
