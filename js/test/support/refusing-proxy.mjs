// A proxy on 127.0.0.1 in front of a devnet port that answers every `eth_getProof` with reth's
// -32602 "distance to target block exceeds maximum proof window" (a node that refuses every
// proof) and forwards everything else unchanged: over HTTP (JSON-RPC POSTs), or over
// WebSocket (the handshakes forwarded byte for byte, then whole frames both ways: the
// client's read, its `eth_getProof` calls answered here, the rest passed on).
import { createServer as createHttpServer } from 'node:http';
import { createServer as createNetServer, connect } from 'node:net';
import { frameHeader, wsFrames as frames } from './hostile-server.mjs';

const REFUSAL = { code: -32602, message: 'distance to target block exceeds maximum proof window' };
const refusal = (id) => JSON.stringify({ jsonrpc: '2.0', id: id ?? null, error: REFUSAL });

/** Splits off the HTTP head (through the blank line) once it is complete: [head | null, rest]. */
function httpHead(buffer) {
  const end = buffer.indexOf('\r\n\r\n');
  return end < 0 ? [null, buffer] : [buffer.subarray(0, end + 4), buffer.subarray(end + 4)];
}

/**
 * Starts the proxy in front of `port` (`kind` 'http' or 'ws'). Resolves `{ url, refused,
 * close() }`; `refused()` lists the blocks of the `eth_getProof` calls it refused, in order.
 */
export function refusingProxy(port, kind) {
  const refused = [];
  const sockets = new Set();
  let server;
  if (kind === 'http') {
    server = createHttpServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (d) => { body += d; });
      req.on('end', async () => {
        let call = null;
        try { call = JSON.parse(body); } catch {}
        if (call?.method === 'eth_getProof') {
          refused.push(call.params?.[2]);
          res.writeHead(200, { 'content-type': 'application/json' }).end(refusal(call.id));
          return;
        }
        try {
          const r = await fetch(`http://127.0.0.1:${port}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
          const text = await r.text();
          res.writeHead(r.status, { 'content-type': 'application/json' }).end(text);
        } catch {
          res.destroy();
        }
      });
    });
  } else {
    server = createNetServer((client) => {
      const upstream = connect(port, '127.0.0.1');
      client.on('error', () => {});
      upstream.on('error', () => {});
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      // The devnet's bytes: its handshake answer, then whole frames only (so that a refusal
      // written here never lands inside one of its messages).
      let down = Buffer.alloc(0);
      let downHead = true;
      upstream.on('data', (data) => {
        down = Buffer.concat([down, data]);
        if (downHead) {
          const [head, rest] = httpHead(down);
          if (!head) return;
          client.write(head);
          down = rest;
          downHead = false;
        }
        const [whole, rest] = frames(down);
        down = rest;
        for (const f of whole) client.write(f.raw);
      });
      let up = Buffer.alloc(0);
      let upHead = true;
      client.on('data', (data) => {
        up = Buffer.concat([up, data]);
        if (upHead) {
          const [head, rest] = httpHead(up);
          if (!head) return;
          upstream.write(head);
          up = rest;
          upHead = false;
        }
        const [whole, rest] = frames(up);
        up = rest;
        for (const f of whole) {
          let call = null;
          if (f.opcode === 0x1 && f.fin) { try { call = JSON.parse(f.payload.toString('utf8')); } catch {} }
          if (call?.method === 'eth_getProof') {
            refused.push(call.params?.[2]);
            const text = Buffer.from(refusal(call.id));
            client.write(Buffer.concat([frameHeader(0x1, true, text.length), text]));
          } else {
            upstream.write(f.raw);
          }
        }
      });
    });
  }
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({
        url: `${kind}://127.0.0.1:${server.address().port}`,
        refused: () => [...refused],
        close: () => new Promise((done) => {
          for (const s of sockets) s.destroy();
          server.close(() => done());
        }),
      });
    });
  });
}
