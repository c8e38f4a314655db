// `tempo-light devnet` as a child process for the package's Node tests: a fast chain (5-block
// epochs, 40 ms blocks, a new identity every 2 epochs) on a free loopback port, killed when the
// test file ends.
import { after } from 'node:test';
import { spawn } from 'node:child_process';

const children = [];
after(() => { for (const c of children) c.kill('SIGKILL'); });

/**
 * Starts a devnet with extra `args` (and `blockTimeMs`, 40 by default; `fullDkgEvery`, a new
 * identity every 2 epochs by default, 0 for never); resolves
 * `{ port, wsPort, identity, holders }` once it listens (`wsPort` with `--ws-port`).
 */
export function devnet(args, { blockTimeMs = 40, fullDkgEvery = 2 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.env.TEMPO_LIGHT_BIN, ['devnet', '--port', '0', '--epoch-length', '5', '--block-time-ms', String(blockTimeMs), '--full-dkg-every', String(fullDkgEvery), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(child);
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const port = out.match(/127\.0\.0\.1:(\d+)/)?.[1];
      const identity = out.match(/genesis identity: (0x[0-9a-f]+)/)?.[1];
      const holders = out.match(/token holders: (.+)\n/)?.[1]?.split(' ');
      const wsPort = out.match(/WebSocket on ws:\/\/127\.0\.0\.1:(\d+)/)?.[1];
      if (port && identity && holders) resolve({ port, wsPort, identity, holders });
    });
    child.on('exit', (code) => reject(new Error(`devnet exited ${code}`)));
  });
}
