// The proxy's throughput and latency beside the devnet's own (issues 30 and 32): starts a
// devnet and `tempo-light proxy` in front of it, waits for the proxy's verified head, then for
// three requests at a fixed final block
//
//   block     eth_getBlockByNumber(n, false)   (cached by the proxy after the first)
//   receipt   eth_getTransactionReceipt(hash)  (a transaction of a final block)
//   balance   eth_getBalance(holder, n)        through the proxy; directly, the devnet's
//             eth_getProof(holder, [], n): the devnet does not serve eth_getBalance, and this is
//             the read the proxy makes upstream for it
//
// measures requests/s and p50/p99 latency with CONNECTIONS (200) keep-alive connections for
// RUN_SECONDS (10) per run (or REQUESTS requests), through the proxy and directly against the
// devnet, alternating (direct, proxy, direct, proxy: ROUNDS (2) rounds of each), and prints a
// table with proxy/direct.
// Every answer must carry a non-null `result`; errors are counted and the first few printed.
//
//   node scripts/bench-proxy.mjs                  the benchmark
//   node scripts/bench-proxy.mjs soak             the soak: mixed load against the proxy for
//                                                 SOAK_SECONDS (600), with a cache budget of
//                                                 SOAK_CACHE_MIB (8) so that its caches reach
//                                                 their bound in the first minutes; its RSS and
//                                                 the caches' bytes (its metrics) sampled every
//                                                 10 s; blocks every SOAK_BLOCK_MS (100); fails
//                                                 on an error or if RSS grows by more than
//                                                 SOAK_MAX_GROWTH_KB (4,096) from two thirds of
//                                                 the run to its end
//
// The binary: TEMPO_LIGHT_BIN, else target/debug/tempo-light. The load generator is this one
// Node process, sharing the machine's cores with the proxy and the devnet.
import http from 'node:http';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

const BIN = process.env.TEMPO_LIGHT_BIN ?? new URL('../target/debug/tempo-light', import.meta.url).pathname;
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 200);
const RUN_SECONDS = Number(process.env.RUN_SECONDS ?? 10);
const REQUESTS = Number(process.env.REQUESTS ?? Infinity); // a fixed count instead of RUN_SECONDS
const ROUNDS = Number(process.env.ROUNDS ?? 2);
const SOAK_SECONDS = Number(process.env.SOAK_SECONDS ?? 600);
const SOAK_MAX_GROWTH_KB = Number(process.env.SOAK_MAX_GROWTH_KB ?? 4096);
const SOAK_BLOCK_MS = Number(process.env.SOAK_BLOCK_MS ?? 100);
const SOAK_CACHE_MIB = Number(process.env.SOAK_CACHE_MIB ?? 8);
const mode = process.argv[2] ?? 'bench';

const children = [];
const cleanup = () => { for (const c of children) c.kill('SIGKILL'); };
process.on('exit', cleanup);
for (const s of ['SIGINT', 'SIGTERM']) process.on(s, () => process.exit(130));

/** Spawns `args`, resolves the first stdout text for which `parse` returns a value. */
function start(args, parse, what) {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    children.push(child);
    let out = '';
    let done = false;
    const timer = setTimeout(() => reject(new Error(`${what} did not start: ${out}`)), 30_000);
    child.stdout.on('data', (d) => {
      if (done) return; // keep draining
      out += d;
      const value = parse(out);
      if (value) { done = true; clearTimeout(timer); resolve({ ...value, child }); }
    });
    child.on('exit', (code) => { clearTimeout(timer); if (!done) reject(new Error(`${what} exited ${code}: ${out}`)); });
  });
}

function devnet(blockMs = 200) {
  return start(['devnet', '--port', '0', '--epoch-length', '5', '--block-time-ms', String(blockMs), '--full-dkg-every', '2'], (out) => {
    const port = out.match(/listening on http:\/\/127\.0\.0\.1:(\d+)/)?.[1];
    const identity = out.match(/genesis identity: (0x[0-9a-f]+)/)?.[1];
    const holders = out.match(/token holders: (.+)\n/)?.[1]?.split(' ');
    return port && identity && holders && { port: Number(port), identity, holders };
  }, 'devnet');
}

function proxy(dev, extra = []) {
  return start(['proxy', '--rpc', `http://127.0.0.1:${dev.port}`, '--identity', dev.identity, '--epoch-length', '5',
    '--chain-id', '1337', '--listen', '127.0.0.1:0', '--poll-ms', '50', ...extra], (out) => {
    const port = out.match(/^http:\/\/127\.0\.0\.1:(\d+)\n/)?.[1];
    return port && { port: Number(port) };
  }, 'proxy');
}

const agents = new Map();
function agent(port) {
  if (!agents.has(port)) agents.set(port, new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS, maxFreeSockets: CONNECTIONS }));
  return agents.get(port);
}

/** POSTs `body` (a string); resolves the parsed answer, rejects on a transport error. */
function post(port, body, via = agent(port)) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/', agent: via,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        try { resolve(JSON.parse(text)); } catch { reject(new Error(`HTTP ${res.statusCode}, not JSON: ${text.slice(0, 200)}`)); }
      });
      res.on('error', reject);
    });
    req.setTimeout(30_000, () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

const body = (method, params) => JSON.stringify({ jsonrpc: '2.0', id: 1, method, params });
// Control calls (the head, the subjects) on connections of their own, not queued behind the load.
const control = new http.Agent({ keepAlive: true });
async function call(port, method, params) {
  const answer = await post(port, body(method, params), control);
  if (answer.result === undefined) throw new Error(`${method}: ${JSON.stringify(answer)}`);
  return answer.result;
}
const hex = (n) => `0x${n.toString(16)}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Waits for the proxy's verified head to reach `height`; returns it. */
async function verifiedHead(port, height) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const head = Number(await call(port, 'eth_blockNumber', []));
      if (head >= height) return head;
    } catch { /* no verified head yet */ }
    if (Date.now() > deadline) throw new Error(`the proxy has no verified head at ${height}`);
    await sleep(100);
  }
}

/**
 * `total` requests (or until `untilMs`) from `bodies()` over `connections` concurrent
 * keep-alive connections to `port`: requests/s, latencies (ms) and errors.
 */
async function load(port, bodies, { total = Infinity, untilMs = Infinity, connections = CONNECTIONS, errors }) {
  const latencies = [];
  let issued = 0;
  const t0 = process.hrtime.bigint();
  async function worker() {
    while (issued < total && Date.now() < untilMs) {
      issued++;
      const b = bodies();
      const start = process.hrtime.bigint();
      try {
        const answer = await post(port, b);
        if (answer.result === undefined || answer.result === null) errors.push(`${b.slice(0, 80)} → ${JSON.stringify(answer).slice(0, 200)}`);
      } catch (e) {
        errors.push(`${b.slice(0, 80)} → ${e.message}`);
      }
      latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
  }
  await Promise.all(Array.from({ length: connections }, worker));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { latencies, seconds };
}

function summary(runs) {
  const latencies = runs.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const seconds = runs.reduce((s, r) => s + r.seconds, 0);
  const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
  return { rps: latencies.length / seconds, p50: q(0.5), p99: q(0.99), n: latencies.length };
}

/** The fixed final block (one with a transaction), a transaction of it and a holder. */
async function subjects(dev, prx) {
  const head = await verifiedHead(prx.port, 12);
  for (let n = head - 1; n > 0; n--) {
    const block = await call(dev.port, 'eth_getBlockByNumber', [hex(n), false]);
    if (block?.transactions?.length) return { block: hex(n), tx: block.transactions[0], holder: dev.holders[0], head };
  }
  throw new Error('no final block with a transaction');
}

function requests(s) {
  return [
    { name: 'block (eth_getBlockByNumber, cached)', proxy: body('eth_getBlockByNumber', [s.block, false]), direct: body('eth_getBlockByNumber', [s.block, false]) },
    { name: 'receipt (eth_getTransactionReceipt)', proxy: body('eth_getTransactionReceipt', [s.tx]), direct: body('eth_getTransactionReceipt', [s.tx]) },
    { name: 'balance (eth_getBalance; direct: eth_getProof)', proxy: body('eth_getBalance', [s.holder, s.block]), direct: body('eth_getProof', [s.holder, [], s.block]) },
  ];
}

function rss(pid) {
  return Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)[1]);
}

async function bench() {
  const dev = await devnet();
  const prx = await proxy(dev);
  const s = await subjects(dev, prx);
  console.log(`bench-proxy: ${BIN}; devnet 200 ms blocks; proxy head ${s.head}; final block ${Number(s.block)}, transaction ${s.tx}, holder ${s.holder}`);
  const per = Number.isFinite(REQUESTS) ? `${REQUESTS} requests` : `${RUN_SECONDS} s`;
  console.log(`bench-proxy: ${CONNECTIONS} keep-alive connections, ${per} per run, ${ROUNDS} rounds of direct then proxy\n`);
  const run = () => (Number.isFinite(REQUESTS) ? { total: REQUESTS } : { untilMs: Date.now() + RUN_SECONDS * 1000 });
  let served = 0;
  const rows = [];
  let failed = 0;
  for (const r of requests(s)) {
    const errors = { direct: [], proxy: [] };
    // Warm-up: connections opened, the proxy's cache filled.
    await load(dev.port, () => r.direct, { total: 2 * CONNECTIONS, errors: [] });
    await load(prx.port, () => r.proxy, { total: 2 * CONNECTIONS, errors: [] });
    const runs = { direct: [], proxy: [] };
    for (let i = 0; i < ROUNDS; i++) {
      runs.direct.push(await load(dev.port, () => r.direct, { ...run(), errors: errors.direct }));
      runs.proxy.push(await load(prx.port, () => r.proxy, { ...run(), errors: errors.proxy }));
      served += runs.proxy.at(-1).latencies.length;
    }
    const d = summary(runs.direct);
    const p = summary(runs.proxy);
    rows.push({ name: r.name, d, p, errors });
    for (const side of ['direct', 'proxy']) {
      failed += errors[side].length;
      if (errors[side].length) console.log(`${r.name} ${side}: ${errors[side].length} errors, e.g.\n  ${errors[side].slice(0, 3).join('\n  ')}`);
    }
  }
  const f = (x, d = 0) => x.toFixed(d).padStart(8);
  console.log('| request | direct req/s | proxy req/s | proxy/direct | direct p50 ms | proxy p50 ms | direct p99 ms | proxy p99 ms | errors |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const { name, d, p, errors } of rows) {
    console.log(`| ${name} | ${f(d.rps)} | ${f(p.rps)} | ${f(p.rps / d.rps, 2)}x | ${f(d.p50, 1)} | ${f(p.p50, 1)} | ${f(d.p99, 1)} | ${f(p.p99, 1)} | ${errors.direct.length + errors.proxy.length} |`);
  }
  console.log(`\nbench-proxy: proxy RSS ${rss(prx.child.pid)} kB after ${served} requests through it; ${failed} errors`);
  if (failed) process.exitCode = 1;
}

/** A free loopback port (for the proxy's metrics). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => { const { port } = server.address(); server.close(() => resolve(port)); });
  });
}

/** The proxy's `tempo_light_cache_bytes` gauges, by cache, and its heap's allocated and resident bytes. */
function cacheBytes(port) {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/metrics', agent: control }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({
        caches: Object.fromEntries([...text.matchAll(/^tempo_light_cache_bytes\{cache="(\w+)"\} (\d+)$/gm)].map((m) => [m[1], Number(m[2])])),
        allocated: Number(text.match(/^tempo_light_heap_allocated_bytes (\d+)$/m)?.[1] ?? NaN),
        resident: Number(text.match(/^tempo_light_heap_resident_bytes (\d+)$/m)?.[1] ?? NaN),
      }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

async function soak() {
  const dev = await devnet(SOAK_BLOCK_MS);
  const metricsPort = await freePort();
  const prx = await proxy(dev, ['--cache-mib', String(SOAK_CACHE_MIB), '--metrics', `127.0.0.1:${metricsPort}`]);
  const s = await subjects(dev, prx);
  console.log(`soak-proxy: ${SOAK_SECONDS} s of mixed load (${CONNECTIONS} connections) against the proxy (--cache-mib ${SOAK_CACHE_MIB}), devnet blocks every ${SOAK_BLOCK_MS} ms; RSS every 10 s`);
  // Mixed: half the requests the three at the fixed block (cached), half the same at random
  // recent final blocks, transactions and holders seen so far, so that every cache of the proxy
  // (blocks, proofs, proven transactions) fills to its bound and has to stay there.
  // The "fixed" block moves to the newest seen at every sample, so that it stays within the
  // identities kept (see RECENT) while each is asked thousands of times from the cache.
  let fixed = requests(s).map((r) => r.proxy);
  const seen = [{ block: s.block, tx: s.tx }];
  let scanned = s.head;
  const any = (list) => list[Math.floor(Math.random() * list.length)];
  // Random blocks among those seen in the last RECENT heights: more than the final-block cache
  // holds at this budget (so it keeps evicting), within the identities the proxy keeps (64 runs;
  // this devnet rotates every 10 blocks: older blocks are refused as IdentityForgotten, by
  // design).
  const RECENT = 400;
  let turn = 0;
  const bodies = () => {
    turn++;
    const at = any(seen);
    switch (turn % 6) {
      case 0: case 1: case 2: return fixed[turn % 3];
      case 3: return body('eth_getBlockByNumber', [at.block, false]);
      case 4: return body('eth_getTransactionReceipt', [at.tx]);
      default: return body('eth_getBalance', [any(dev.holders), at.block]);
    }
  };
  const untilMs = Date.now() + SOAK_SECONDS * 1000;
  const errors = [];
  const running = load(prx.port, bodies, { untilMs, errors });
  const samples = [];
  const heap = [];
  const t0 = Date.now();
  for (let next = t0 + 10_000; next <= untilMs; next = Math.max(next + 10_000, Date.now() + 5_000)) {
    // Follow the chain: the final blocks since the last look (20 at most), a transaction of each.
    while (Date.now() < next) {
      await sleep(Math.min(1000, Math.max(0, next - Date.now())));
      try {
        const head = Number(await call(prx.port, 'eth_blockNumber', []));
        for (let n = Math.max(scanned + 1, head - 20); n <= head; n++) {
          const block = await call(dev.port, 'eth_getBlockByNumber', [hex(n), false]);
          if (block?.transactions?.length) seen.push({ block: hex(n), tx: any(block.transactions) });
        }
        scanned = head;
        while (seen.length > 1 && Number(seen[0].block) < head - RECENT) seen.shift();
      } catch (e) { errors.push(`following: ${e.message}`); }
    }
    if (prx.child.exitCode !== null) throw new Error(`the proxy exited ${prx.child.exitCode}`);
    fixed = requests({ ...s, ...seen.at(-1) }).map((r) => r.proxy);
    const kb = rss(prx.child.pid);
    samples.push(kb);
    const { caches = {}, allocated, resident } = await cacheBytes(metricsPort).catch((e) => { errors.push(`metrics: ${e.message}`); return {}; });
    heap.push(allocated);
    const cached = Object.values(caches).reduce((a, b) => a + b, 0);
    const devHead = Number(await call(dev.port, 'eth_blockNumber', []).catch(() => 0));
    console.log(`soak-proxy: ${Math.round((Date.now() - t0) / 1000)} s  rss ${kb} kB  caches ${Math.round(cached / 1024)} kB (${Object.entries(caches).map(([k, v]) => `${k} ${Math.round(v / 1024)}`).join(', ')})  heap allocated ${Math.round(allocated / 1024)} kB, resident ${Math.round(resident / 1024)} kB  verified head ${scanned} of ${devHead}  blocks seen ${seen.length}  errors ${errors.length}`);
  }
  const { latencies, seconds } = await running;
  const served = latencies.length;
  const first = samples[0], last = samples.at(-1), max = Math.max(...samples);
  // The caches fill in the first minutes; from two thirds of the run on, memory must hold.
  const middle = samples[Math.floor((samples.length * 2) / 3)];
  const sorted = [...latencies].sort((a, b) => a - b);
  console.log(`soak-proxy: ${served} requests in ${seconds.toFixed(0)} s (${(served / seconds).toFixed(0)}/s, p50 ${sorted[Math.floor(sorted.length / 2)].toFixed(1)} ms, p99 ${sorted[Math.floor(sorted.length * 0.99)].toFixed(1)} ms), ${errors.length} errors`);
  console.log(`soak-proxy: rss first ${first} kB, at two thirds ${middle} kB, last ${last} kB, max ${max} kB; growth since ${last - middle} kB (limit ${SOAK_MAX_GROWTH_KB})`);
  const kb = (b) => Math.round(b / 1024);
  const heapMiddle = heap[Math.floor((heap.length * 2) / 3)];
  console.log(`soak-proxy: heap allocated (jemalloc's count) first ${kb(heap[0])} kB, at two thirds ${kb(heapMiddle)} kB, last ${kb(heap.at(-1))} kB, max ${kb(Math.max(...heap))} kB`);
  if (errors.length) console.log(`soak-proxy: errors, e.g.\n  ${errors.slice(0, 5).join('\n  ')}`);
  if (errors.length || last - middle > SOAK_MAX_GROWTH_KB) { console.log('soak-proxy: failed'); process.exitCode = 1; } else console.log('soak-proxy: passed');
}

await (mode === 'soak' ? soak() : bench());
for (const a of agents.values()) a.destroy();
process.exit();
