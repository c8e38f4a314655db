// A lying node: an HTTP JSON-RPC proxy on 127.0.0.1 (a free port) in front of a devnet that
// forwards every call and rewrites the answers of the methods a named lie targets (the shapes
// of `consensus_getFinalization`/`consensus_getLatest` answers, swapped headers, certificates,
// non-canonical proof quantities, proofs of another account or block, a stale execution head,
// other code, receipts and raw transactions of another block, oversized answers, ...).
// Every lie is built from the devnet's own genuine answers: nothing is signed here. Bounded
// (bodies up to 1 MiB in, one upstream call per forwarded call plus at most one per lie),
// real sockets, `close()` ends every connection.
import { createServer } from 'node:http';

const PATH_USD = '0x20c0000000000000000000000000000000000000';
const ALPHA_USD = '0x20c0000000000000000000000000000000000001';
const MAX_BODY = 1 << 20;
const hex = (n) => `0x${BigInt(n).toString(16)}`;

/** An answer sent as these bytes, not as JSON. */
class Raw {
  constructor(text) { this.text = text; }
}

/** A header with its timestamp and state root changed (what a liar would want believed). */
function forgedHeader(header) {
  return { ...header, timestamp: hex(BigInt(header.timestamp) + 1n), stateRoot: `0x${'42'.repeat(32)}` };
}

/** The height a call asks about, where it names one (`null` for none, e.g. 'latest'). */
function heightOf(method, params) {
  const p = params?.[0];
  if (method === 'consensus_getFinalization') return p && typeof p === 'object' && 'height' in p ? BigInt(p.height) : null;
  if (method === 'eth_getProof') return /^0x[0-9a-f]+$/i.test(params?.[2] ?? '') ? BigInt(params[2]) : null;
  if (typeof p === 'string' && /^0x[0-9a-f]{1,16}$/i.test(p)) return BigInt(p);
  return null;
}

// The shapes that hold two candidates for the block they answer (g: the genuine certified block).
const SHAPES = {
  'result-beside-block': (g) => ({ result: g, block: { header: forgedHeader(g.block.header) } }),
  'envelope-inside-result': (g) => ({ jsonrpc: '2.0', id: 1, result: g, block: { header: forgedHeader(g.block.header) } }),
  'header-beside-block': (g) => ({ ...g, block: [g.block.header], header: forgedHeader(g.block.header) }),
  'finalized-beside-block': (g) => ({ finalized: g, block: { header: forgedHeader(g.block.header) } }),
};

/**
 * The lies: `methods` it rewrites; `rewrite(ctx)` returns the answer's new `result` (or
 * `{ error }`), or `undefined` to pass the genuine answer on. `ctx`: `{ method, params,
 * answer (the genuine JSON-RPC response, when `forward` is not false), upstream(method,
 * params) (the genuine result), at (the targeted height, or null for every call) }`.
 * `before(ctx)` may change the params forwarded.
 */
export const LIES = {
  // One candidate per level: each of these is refused as ambiguous.
  ...Object.fromEntries(Object.entries(SHAPES).map(([name, shape]) => [`ambiguous-${name}`, {
    methods: ['consensus_getFinalization', 'consensus_getLatest'],
    rewrite: ({ method, answer }) => {
      const g = method === 'consensus_getLatest' ? answer.result?.finalized : answer.result;
      return g ? shape(g) : undefined;
    },
  }])),
  // An honest answer with members no hash covers: never passed on.
  'extra-fields': {
    methods: ['consensus_getFinalization'],
    rewrite: ({ answer }) => answer.result && {
      ...answer.result,
      extra: 'not covered by the certificate',
      block: { ...answer.result.block, extra: 1, header: { ...answer.result.block.header, lieExtra: '0x1234' } },
    },
  },
  // Block h answered with block h-1's certified block.
  'previous-block': {
    methods: ['consensus_getFinalization'],
    rewrite: async ({ answer, upstream }) => {
      const number = answer.result?.block?.header?.number;
      return number && BigInt(number) > 1n ? upstream('consensus_getFinalization', [{ height: Number(BigInt(number) - 1n) }]) : undefined;
    },
  },
  // A header field changed under the genuine certificate.
  'timestamp-changed': {
    methods: ['consensus_getFinalization', 'consensus_getLatest'],
    rewrite: ({ method, answer }) => {
      const g = method === 'consensus_getLatest' ? answer.result?.finalized : answer.result;
      if (!g) return undefined;
      const lied = { ...g, block: { ...g.block, header: { ...g.block.header, timestamp: hex(BigInt(g.block.header.timestamp) + 1n) } } };
      return method === 'consensus_getLatest' ? { ...answer.result, finalized: lied } : lied;
    },
  },
  // The certificate's two signatures swapped: each a valid point, neither over its message.
  'corrupt-certificate': {
    methods: ['consensus_getFinalization', 'consensus_getLatest'],
    rewrite: ({ method, answer }) => {
      const g = method === 'consensus_getLatest' ? answer.result?.finalized : answer.result;
      if (!g) return undefined;
      const c = g.certificate;
      const lied = { ...g, certificate: c.slice(0, -192) + c.slice(-96) + c.slice(-192, -96) };
      return method === 'consensus_getLatest' ? { ...answer.result, finalized: lied } : lied;
    },
  },
  // Block h's header under the genuine certificate of block h-1.
  'certificate-of-previous-block': {
    methods: ['consensus_getFinalization', 'consensus_getLatest'],
    rewrite: async ({ method, answer, upstream }) => {
      const g = method === 'consensus_getLatest' ? answer.result?.finalized : answer.result;
      if (!g) return undefined;
      const previous = await upstream('consensus_getFinalization', [{ height: Number(BigInt(g.block.header.number) - 1n) }]);
      const { block: _, ...certificate } = previous;
      const lied = { ...certificate, block: g.block };
      return method === 'consensus_getLatest' ? { ...answer.result, finalized: lied } : lied;
    },
  },
  // A final block withheld (null: the node says it has none).
  'finalization-withheld': {
    methods: ['consensus_getFinalization'],
    forward: false,
    rewrite: () => null,
  },
  // An execution head far ahead of finality.
  'inflated-block-number': {
    methods: ['eth_blockNumber'],
    forward: false,
    rewrite: () => '0xffffffff',
  },
  // An answer cut off in the middle of its JSON.
  'truncated-json': {
    methods: ['eth_getProof'],
    rewrite: ({ answer }) => new Raw(JSON.stringify(answer).slice(0, 200)),
  },
  // Non-canonical quantities of the same values.
  'balance-not-hex': {
    methods: ['eth_getProof'],
    rewrite: ({ answer }) => answer.result && { ...answer.result, balance: BigInt(answer.result.balance).toString() },
  },
  'nonce-zero-padded': {
    methods: ['eth_getProof'],
    rewrite: ({ answer }) => answer.result && { ...answer.result, nonce: `0x0${answer.result.nonce.slice(2)}` },
  },
  'storage-value-zero-padded': {
    methods: ['eth_getProof'],
    rewrite: ({ answer }) => answer.result && {
      ...answer.result,
      storageProof: answer.result.storageProof.map((s) => ({ ...s, value: `0x00${s.value.slice(2)}` })),
    },
  },
  // A genuine proof of another account (at the block asked for).
  'proof-of-another-account': {
    methods: ['eth_getProof'],
    before: (params) => [params[0].toLowerCase() === PATH_USD ? ALPHA_USD : PATH_USD, ...params.slice(1)],
  },
  // A genuine proof at the block before the one asked for.
  'proof-from-another-block': {
    methods: ['eth_getProof'],
    before: (params) => (/^0x[0-9a-f]+$/i.test(params[2] ?? '') && BigInt(params[2]) > 1n ? [params[0], params[1], hex(BigInt(params[2]) - 1n)] : params),
  },
  // A larger balance (and storage value), with the genuine proof beside it.
  'forged-balance': {
    methods: ['eth_getProof'],
    rewrite: ({ answer }) => answer.result && {
      ...answer.result,
      balance: hex(BigInt(answer.result.balance) + 1_000_000n),
      storageProof: answer.result.storageProof.map((s, i) => (i === 0 ? { ...s, value: hex(BigInt(s.value) + 1_000_000n) } : s)),
    },
  },
  // One byte of the account proof's last node changed.
  'proof-node-altered': {
    methods: ['eth_getProof'],
    rewrite: ({ answer }) => {
      if (!answer.result) return undefined;
      const nodes = [...answer.result.accountProof];
      const last = nodes.at(-1);
      const i = last.length - 3;
      nodes[nodes.length - 1] = last.slice(0, i) + (last[i] === '0' ? '1' : '0') + last.slice(i + 1);
      return { ...answer.result, accountProof: nodes };
    },
  },
  // The storage proofs asked for left out.
  'storage-proof-dropped': {
    methods: ['eth_getProof'],
    rewrite: ({ answer }) => answer.result && { ...answer.result, storageProof: [] },
  },
  // Members no proof covers beside an honest proof.
  'proof-extra-fields': {
    methods: ['eth_getProof'],
    rewrite: ({ answer }) => answer.result && {
      ...answer.result,
      lieExtra: 'unproven',
      storageProof: answer.result.storageProof.map((s) => ({ ...s, lieExtra: '0xff' })),
    },
  },
  // A node whose execution is far behind finality: it proves nothing at the final head
  // (reth's proof-window refusal) and claims its execution head is block 1.
  'stale-execution-head': {
    methods: ['eth_getProof', 'eth_blockNumber'],
    forward: false,
    rewrite: ({ method }) => (method === 'eth_blockNumber' ? '0x1'
      : { error: { code: -32602, message: 'distance to target block exceeds maximum proof window' } }),
  },
  // An answer over the package's 16 MiB cap.
  oversized: {
    methods: ['eth_getProof'],
    rewrite: ({ answer }) => answer.result && { ...answer.result, lieExtra: 'ab'.repeat(8.5 * 1024 * 1024) },
  },
  // Code whose hash is not the account's proven codeHash (the devnet serves no eth_getCode:
  // TIP-20 code on Tempo is the byte 0xef).
  'other-code': {
    methods: ['eth_getCode'],
    forward: false,
    rewrite: () => '0xee',
  },
  // eth_getBlockByHash claims the block is at another height.
  'block-by-hash-other-height': {
    methods: ['eth_getBlockByHash'],
    rewrite: ({ answer }) => answer.result && { ...answer.result, number: '0x2' },
  },
  // Another chain id.
  'other-chain-id': {
    methods: ['eth_chainId', 'net_version'],
    forward: false,
    rewrite: ({ method }) => (method === 'eth_chainId' ? '0x1' : '1'),
  },
  // Block h's receipts answered with block h-1's.
  'receipts-of-another-block': {
    methods: ['eth_getBlockReceipts'],
    forward: false,
    rewrite: ({ params, upstream }) => upstream('eth_getBlockReceipts', [hex(BigInt(params[0]) - 1n)]),
  },
  // The last log of every receipt with logs left out (bloom and all else unchanged).
  'dropped-log': {
    methods: ['eth_getBlockReceipts'],
    rewrite: ({ answer }) => answer.result?.map((r) => (r.logs?.length ? { ...r, logs: r.logs.slice(0, -1) } : r)),
  },
  'reordered-receipts': {
    methods: ['eth_getBlockReceipts'],
    rewrite: ({ answer }) => answer.result && [...answer.result].reverse(),
  },
  // Every receipt's status flipped.
  'receipt-status-flipped': {
    methods: ['eth_getBlockReceipts'],
    rewrite: ({ answer }) => answer.result?.map((r) => ({ ...r, status: r.status === '0x1' ? '0x0' : '0x1' })),
  },
  // The block's raw transactions without the first.
  'missing-raw-transaction': {
    methods: ['debug_getRawTransactions'],
    rewrite: ({ answer }) => answer.result?.slice(1),
  },
  // No debug namespace, and the block's raw transactions asked one by one end after the first.
  'raw-transactions-cut-short': {
    methods: ['debug_getRawTransactions', 'eth_getRawTransactionByBlockNumberAndIndex'],
    forward: false,
    rewrite: ({ method, params, upstream }) => (method === 'debug_getRawTransactions'
      ? { error: { code: -32601, message: 'the method debug_getRawTransactions does not exist/is not available' } }
      : BigInt(params[1]) === 0n ? upstream(method, params) : null),
  },
  // eth_getBlockByNumber with a forged state root and timestamp (the hash left as it is).
  'forged-eth-block': {
    methods: ['eth_getBlockByNumber'],
    rewrite: ({ answer }) => answer.result && forgedHeader(answer.result),
  },
  // eth_getTransactionReceipt names the block before the transaction's (a final one).
  'receipt-points-elsewhere': {
    methods: ['eth_getTransactionReceipt'],
    rewrite: async ({ answer, upstream }) => {
      if (!answer.result?.blockNumber) return undefined;
      const other = await upstream('eth_getBlockByNumber', [hex(BigInt(answer.result.blockNumber) - 1n), false]);
      return { ...answer.result, blockNumber: other.number, blockHash: other.hash };
    },
  },
  // A reverted transaction reported as a success (status 1) by eth_getTransactionReceipt.
  'reverted-reported-success': {
    methods: ['eth_getTransactionReceipt'],
    rewrite: ({ answer }) => answer.result && { ...answer.result, status: '0x1' },
  },
  // Honest: every answer passed on as it is.
  none: { methods: [] },
};

/**
 * Starts a lying node in front of `upstreamUrl` (an http:// devnet). `lie`: a name in `LIES`,
 * or `{ name, at }` to lie only about block `at` (the calls that name a height; calls that
 * name none, e.g. `consensus_getLatest`, always). Resolves `{ url, calls(), lied(), close() }`:
 * `calls()` counts the calls by method, `lied()` the answers rewritten.
 */
export function startLyingNode(upstreamUrl, lie) {
  const { name, at = null } = typeof lie === 'string' ? { name: lie } : lie;
  const spec = LIES[name];
  if (!spec) throw new Error(`unknown lie ${name}`);
  const counts = new Map();
  let lied = 0;
  const sockets = new Set();
  let nextId = 1;

  async function post(body) {
    const r = await fetch(upstreamUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(15000) });
    return r.text();
  }
  async function upstream(method, params) {
    const answer = JSON.parse(await post(JSON.stringify({ jsonrpc: '2.0', id: nextId++, method, params })));
    if (answer.error) throw new Error(`upstream ${method}: ${answer.error.message}`);
    return answer.result;
  }
  /** One call: the genuine answer, or the lie (a JSON-RPC response object, or text). */
  async function answerOne(call) {
    const { method, id } = call ?? {};
    counts.set(method, (counts.get(method) ?? 0) + 1);
    const h = heightOf(method, call?.params);
    const targeted = spec.methods.includes(method) && (at === null || h === null || h === at);
    if (!targeted) return post(JSON.stringify(call));
    const params = spec.before ? spec.before(call.params ?? []) : call.params;
    let answer = null;
    if (spec.forward !== false) {
      answer = JSON.parse(await post(JSON.stringify({ ...call, params })));
      if (answer.error || !spec.rewrite) {
        if (spec.before) lied += 1;
        return answer;
      }
    }
    const result = await spec.rewrite({ method, params, answer, upstream, at });
    if (result === undefined) return answer;
    lied += 1;
    if (result instanceof Raw) return result;
    if (result && typeof result === 'object' && !Array.isArray(result) && result.error && Object.keys(result).length === 1) {
      return { jsonrpc: '2.0', id, error: result.error };
    }
    return { jsonrpc: '2.0', id, result };
  }

  const server = createServer((req, res) => {
    const chunks = [];
    let size = 0;
    req.on('data', (d) => {
      size += d.length;
      if (size > MAX_BODY) { res.writeHead(413).end(); req.destroy(); return; }
      chunks.push(d);
    });
    req.on('end', async () => {
      if (size > MAX_BODY) return;
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        const answers = Array.isArray(body) ? await Promise.all(body.slice(0, 100).map(answerOne)) : [await answerOne(body)];
        const text = answers.map((a) => (typeof a === 'string' ? a : a instanceof Raw ? a.text : JSON.stringify(a)));
        const out = Array.isArray(body) ? `[${text.join(',')}]` : text[0];
        res.writeHead(200, { 'content-type': 'application/json' }).end(out);
      } catch (e) {
        // A bug of the lie, or an upstream gone: said so, not a silent hang-up.
        res.writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32603, message: `lying node: ${e?.message ?? e}` } }));
      }
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      resolve({
        url: `http://127.0.0.1:${server.address().port}`,
        calls: () => new Map(counts),
        lied: () => lied,
        close: () => new Promise((done) => {
          for (const s of sockets) s.destroy();
          server.close(() => done());
        }),
      });
    });
  });
}
