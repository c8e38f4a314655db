// `tempo-light devnet` as a child process, for every JavaScript test (the package's Node
// tests, the bundler and worker tests, the web page's): a fast chain (5-block epochs, 40 ms
// blocks, a new identity every 2 epochs by default) on a free loopback port, killed when the
// test file ends. The binary: TEMPO_LIGHT_BIN (set by scripts/test-js.sh), else the
// workspace's target/debug/tempo-light.
import { after } from 'node:test';
import { spawn } from 'node:child_process';

const children = [];
after(() => { for (const c of children) c.kill('SIGKILL'); });

const BIN = () => process.env.TEMPO_LIGHT_BIN ?? new URL('../../../target/debug/tempo-light', import.meta.url).pathname;

/**
 * Starts a devnet with extra `args`: `blockTimeMs` (40 by default), `fullDkgEvery` (a new
 * identity every 2 epochs by default, 0 for never, null for the devnet's own default),
 * `epochLength` (5). Resolves `{ port, wsPort, rpc, identity, holders, child }` once it
 * listens (`wsPort` with `--ws-port`); rejects if it exits first or does not start within
 * `startMs` (20 s).
 */
export function devnet(args = [], { blockTimeMs = 40, fullDkgEvery = 2, epochLength = 5, startMs = 20_000 } = {}) {
  const flags = ['devnet', '--port', '0', '--epoch-length', String(epochLength), '--block-time-ms', String(blockTimeMs)];
  if (fullDkgEvery !== null) flags.push('--full-dkg-every', String(fullDkgEvery));
  return new Promise((resolve, reject) => {
    const child = spawn(BIN(), [...flags, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(child);
    let out = '';
    const timer = setTimeout(() => reject(new Error(`devnet did not start: ${out}`)), startMs);
    child.stdout.on('data', (d) => {
      out += d;
      const port = out.match(/listening on http:\/\/127\.0\.0\.1:(\d+)/)?.[1];
      const identity = out.match(/genesis identity: (0x[0-9a-f]+)/)?.[1];
      const holders = out.match(/token holders: (.+)\n/)?.[1]?.split(' ');
      const wsPort = out.match(/WebSocket on ws:\/\/127\.0\.0\.1:(\d+)/)?.[1];
      if (port && identity && holders) {
        clearTimeout(timer);
        resolve({ port, wsPort, rpc: `http://127.0.0.1:${port}`, identity, holders, child });
      }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`devnet exited ${code}: ${out}`)); });
  });
}
