// Catch-up in wasm (issue 18: "≤ 3 s in the browser"), measured in Node with the package's
// own wasm and its own follow(): a fresh client anchored at a devnet's genesis identity
// reaches a tip about EPOCHS epochs later (two-block epochs, a new identity every tenth, as the
// native catch-up row), bridging in runs of up to 64 boundaries (`boundariesWanted`,
// `onBoundaries`: their certificates verified together). Prints the time inside the client's
// calls (transfer excluded, as the target), this process's CPU time (JSON-RPC over loopback
// included; the devnet is another process) and the wall time.
// Usage: node scripts/bench-catchup.mjs [EPOCHS]   (needs pkg/ and target/debug/tempo-light)
import { spawn } from 'node:child_process';
import { TempoLightClient } from '../pkg/index.node.js';

const epochs = Number(process.argv[2] ?? 1700);
const bin = process.env.TEMPO_LIGHT_BIN ?? new URL('../target/debug/tempo-light', import.meta.url).pathname;
const child = spawn(bin, ['devnet', '--port', '0', '--epoch-length', '2', '--block-time-ms', '2', '--full-dkg-every', '10'], { stdio: ['ignore', 'pipe', 'inherit'] });
process.on('exit', () => child.kill('SIGKILL'));
const { port, identity } = await new Promise((resolve, reject) => {
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
    const port = out.match(/127\.0\.0\.1:(\d+)/)?.[1];
    const identity = out.match(/genesis identity: (0x[0-9a-f]+)/)?.[1];
    if (port && identity) resolve({ port, identity });
  });
  child.on('exit', (code) => reject(new Error(`devnet exited ${code}`)));
});
const rpc = `http://127.0.0.1:${port}`;
const call = async (method, params) => (await (await fetch(rpc, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) })).json()).result;
// Wait for the chain to be `epochs` epochs long, then stop it growing in our way: the tip is
// whatever is latest when the client first asks.
for (;;) {
  const latest = await call('consensus_getFinalization', ['latest']);
  const height = Number(latest?.block?.header?.number ?? latest?.header?.number ?? 0);
  if (height >= 2 * epochs + 1) break;
  await new Promise((r) => setTimeout(r, 200));
}
const client = await TempoLightClient.custom({ identity, epochLength: 2 });
// The time inside the client's own calls (the wasm: decoding, verification, the rules), which
// is the catch-up with transfer excluded; the process's CPU adds fetch, JSON and HTTP.
let insideMs = 0;
let runs = 0;
for (const name of ['onFinalization', 'onBoundaries']) {
  client[name] = function (...args) {
    const t = performance.now();
    try { return TempoLightClient.prototype[name].apply(this, args); } finally {
      insideMs += performance.now() - t;
      if (name === 'onBoundaries') runs += 1;
    }
  };
}
let boundaries = 0;
let tipEpoch = 0;
const stop = new AbortController();
const cpu0 = process.cpuUsage();
const t0 = performance.now();
await client.follow({
  rpc,
  signal: stop.signal,
  pollMs: 10,
  onEvent: (event) => {
    if (event.type === 'epoch') boundaries++;
    if (event.type === 'finalized' && event.epoch >= epochs) { tipEpoch = event.epoch; stop.abort(); }
  },
});
const wall = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
console.log(`catch-up in wasm (Node ${process.version}): ${boundaries} boundaries to epoch ${tipEpoch} (${runs} runs): ${(insideMs / 1000).toFixed(2)} s in the client's calls (transfer excluded; target in the browser <= 3 s); ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s of this process's CPU with fetch and JSON; ${(wall / 1000).toFixed(2)} s wall`);
const met = insideMs <= 3000 ? 'MET ' : 'NOT ';
console.log(`  ${met} browser catch-up <= 3 s (${boundaries} boundaries; the target is for 1,700; transfer excluded; measured in Node)   ${(insideMs / 1000).toFixed(2)} s`);
child.kill('SIGKILL');
