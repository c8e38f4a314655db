// Hostile JSON-RPC servers on 127.0.0.1 for js/test/hostile.test.mjs: answers that never
// end, that drip, that are huge, that never come; WebSocket messages that never end and a
// frame header claiming 2^63 bytes (the WebSocket handshake and frames are written by hand
// with node:net and node:crypto). Every stream stops when the client goes away, after
// LIMIT_MS, or after LIMIT_BYTES, whichever comes first.
import { createServer as createHttpServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

export const MB = 1024 * 1024;
/** No hostile stream runs longer than this or sends more than this. */
export const LIMIT_MS = 60_000;
export const LIMIT_BYTES = 4 * 1024 * MB;
const CHUNK = Buffer.alloc(64 * 1024, 0x20); // 64 KB of spaces (valid JSON whitespace)

/**
 * Writes `chunk` to `stream` again and again (honouring back-pressure) until `total` bytes
 * were sent, the stream closes, LIMIT_BYTES or LIMIT_MS. `frame(chunk)` wraps each chunk.
 */
function pour(stream, { total = LIMIT_BYTES, frame = (c) => c, end } = {}) {
  const started = Date.now();
  let sent = 0;
  const next = () => {
    while (!stream.destroyed && !stream.writableEnded) {
      if (sent >= Math.min(total, LIMIT_BYTES) || Date.now() - started > LIMIT_MS) {
        end?.();
        return;
      }
      sent += CHUNK.length;
      if (!stream.write(frame(CHUNK))) {
        stream.once('drain', next);
        return;
      }
    }
  };
  next();
}

/** One byte every `everyMs`, `length` bytes in all, with a valid content-length. */
function drip(res, length, everyMs) {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(length) });
  const body = Buffer.from(`{"jsonrpc":"2.0","id":1,"result":null}`.padEnd(length, ' '));
  let i = 0;
  const timer = setInterval(() => {
    if (res.destroyed || i >= length) { clearInterval(timer); if (!res.destroyed) res.end(); return; }
    res.write(body.subarray(i, i + 1));
    i += 1;
  }, everyMs);
  res.on('close', () => clearInterval(timer));
}

/** The real mainnet block (TEMPO_FIXTURE), as the answers that carry a block send it. */
const fixture = () => JSON.parse(readFileSync(process.env.TEMPO_FIXTURE, 'utf8'));

/** Reads the request's JSON-RPC body and answers it with `result` (its id echoed). */
function answerWith(req, res, result) {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (d) => { body += d; });
  req.on('end', () => {
    let id = null;
    try { id = JSON.parse(body).id ?? null; } catch {}
    const text = `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":${result}}`;
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
    res.end(text);
  });
}

const HTTP = {
  /** Chunked transfer encoding, 64 KB chunks, forever. */
  'endless-chunked': (req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    pour(res);
  },
  /** One byte per second, with a valid content-length of 1000. */
  drip: (req, res) => drip(res, 1000, 1000),
  /** 200 MB announced by content-length, then streamed. */
  'huge-200mb': (req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(200 * MB) });
    pour(res, { total: 200 * MB, end: () => res.end() });
  },
  /** 200 MB, chunked (no content-length to refuse it by). */
  'huge-200mb-chunked': (req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    pour(res, { total: 200 * MB, end: () => res.end() });
  },
  /** Headers at once, then silence. */
  'headers-only': (req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
    res.flushHeaders();
  },
  /** A `result` nested 10^6 arrays deep (2 MB). */
  'nested-1e6': (req, res) => answerWith(req, res, `${'['.repeat(1e6)}${']'.repeat(1e6)}`),
  /** The real block, its certificate followed by 10 MB more hex (under the 16 MB cap). */
  'hex-10mb': (req, res) => {
    const block = fixture();
    block.finalization.certificate += 'ab'.repeat(5 * MB);
    answerWith(req, res, JSON.stringify(block));
  },
  /** Announces 1000 bytes, sends 50, closes the connection. */
  'closes-mid-answer': (req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
    res.write('{"jsonrpc":"2.0","id":1,"result":{"finalization":{');
    setTimeout(() => res.socket?.destroy(), 20);
  },
  /** 302 to itself, forever. */
  'redirect-loop': (req, res) => {
    res.writeHead(302, { location: req.url ?? '/' });
    res.end();
  },
};

/** A server frame (unmasked) with `opcode`, `fin` and a payload of `length` bytes. */
export function frameHeader(opcode, fin, length) {
  const first = (fin ? 0x80 : 0) | opcode;
  if (length < 126) return Buffer.from([first, length]);
  if (length < 65536) {
    const b = Buffer.alloc(4);
    b[0] = first; b[1] = 126; b.writeUInt16BE(length, 2);
    return b;
  }
  const b = Buffer.alloc(10);
  b[0] = first; b[1] = 127; b.writeBigUInt64BE(BigInt(length), 2);
  return b;
}

const WS = {
  /** A text message that never ends: a first fragment, then continuation frames forever. */
  'ws-endless-message': (socket) => {
    let first = true;
    pour(socket, {
      frame: (chunk) => {
        const header = frameHeader(first ? 0x1 : 0x0, false, chunk.length);
        first = false;
        return Buffer.concat([header, chunk]);
      },
    });
  },
  /** One frame whose header claims 2^63 - 1 bytes (the most RFC 6455 allows), then data forever. */
  'ws-2pow63-header': (socket) => {
    const header = Buffer.alloc(10);
    header[0] = 0x81; header[1] = 127; header.writeBigUInt64BE(2n ** 63n - 1n, 2);
    socket.write(header);
    pour(socket);
  },
  /** One frame whose header claims 2^63 bytes (top bit set, which RFC 6455 forbids), then data forever. */
  'ws-2pow63-header-msb': (socket) => {
    const header = Buffer.alloc(10);
    header[0] = 0x81; header[1] = 127; header.writeBigUInt64BE(2n ** 63n, 2);
    socket.write(header);
    pour(socket);
  },
  /** One complete 20 MB text message (over the 16 MB default cap). */
  'ws-20mb-message': (socket) => {
    const length = 20 * MB;
    socket.write(frameHeader(0x1, true, length));
    pour(socket, { total: length });
  },
  /** Accepts the upgrade and never answers a call. */
  'ws-silent': () => {},
};

/** A server text frame holding `text`. */
const textFrame = (text) => { const b = Buffer.from(text); return Buffer.concat([frameHeader(0x1, true, b.length), b]); };

/**
 * The whole WebSocket frames at the start of `buffer` (masked or not), each
 * `{ raw, opcode, fin, payload }` with its payload unmasked, and the rest of `buffer`.
 */
export function wsFrames(buffer) {
  const out = [];
  for (;;) {
    if (buffer.length < 2) break;
    let length = buffer[1] & 0x7f;
    let offset = 2;
    if (length === 126) { if (buffer.length < 4) break; length = buffer.readUInt16BE(2); offset = 4; }
    else if (length === 127) { if (buffer.length < 10) break; length = Number(buffer.readBigUInt64BE(2)); offset = 10; }
    const masked = (buffer[1] & 0x80) !== 0;
    const start = offset + (masked ? 4 : 0);
    if (buffer.length < start + length) break;
    const payload = Buffer.from(buffer.subarray(start, start + length));
    if (masked) for (let i = 0; i < payload.length; i++) payload[i] ^= buffer[offset + (i % 4)];
    out.push({ raw: buffer.subarray(0, start + length), opcode: buffer[0] & 0x0f, fin: (buffer[0] & 0x80) !== 0, payload });
    buffer = buffer.subarray(start + length);
  }
  return [out, buffer];
}

/** The client's text frames complete in `buffer` (masked, unfragmented): [texts, rest]. */
function clientTexts(buffer) {
  const [frames, rest] = wsFrames(buffer);
  return [frames.filter((f) => f.opcode === 0x1).map((f) => f.payload.toString('utf8')), rest];
}

/**
 * WebSocket servers that answer the calls honestly (`consensus_subscribe` with subscription
 * 0x1, `consensus_getFinalization` with the real block, anything else null) while doing
 * something hostile beside them, started on the first call. `stats` counts what was sent.
 */
const WS_ANSWERING = {
  /** 1000 subscription events (not finalizations) every 10 ms: 10^5 a second. */
  'ws-event-flood': (socket, stats) => {
    let n = 0;
    const started = Date.now();
    const timer = setInterval(() => {
      if (socket.destroyed || Date.now() - started > LIMIT_MS) { clearInterval(timer); return; }
      if (socket.writableLength > 64 * MB) return; // the client reads slower: do not grow here
      const frames = [];
      for (let i = 0; i < 1000; i++, n++) {
        frames.push(textFrame(`{"jsonrpc":"2.0","method":"consensus_event","params":{"subscription":"0x1","result":{"type":"notarized","height":${n},"view":${n}}}}`));
      }
      socket.write(Buffer.concat(frames));
      stats.events = n;
    }, 10);
    socket.on('close', () => clearInterval(timer));
  },
  /** A malformed "finalized" event for a subscription never made, every 20 ms. */
  'ws-foreign-notification': (socket, stats) => {
    const timer = setInterval(() => {
      if (socket.destroyed) { clearInterval(timer); return; }
      socket.write(textFrame('{"jsonrpc":"2.0","method":"consensus_event","params":{"subscription":"0xdead","result":{"type":"finalized","certificate":"0xzz","block":{}}}}'));
      stats.events = (stats.events ?? 0) + 1;
    }, 20);
    socket.on('close', () => clearInterval(timer));
  },
};

/**
 * Completes the WebSocket handshake on `socket` (node:net), then hands every byte the client
 * sends after it to `onData` (the bytes that came with the handshake first, if any).
 */
function upgrading(socket, onData) {
  let head = Buffer.alloc(0);
  let upgraded = false;
  socket.on('error', () => {});
  socket.on('data', (data) => {
    if (upgraded) { onData(data); return; }
    head = Buffer.concat([head, data]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) { if (head.length > 65536) socket.destroy(); return; }
    const key = /sec-websocket-key:\s*(\S+)/i.exec(head.subarray(0, end).toString('latin1'))?.[1];
    if (!key) { socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'); return; }
    const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    upgraded = true;
    onData(head.subarray(end + 4));
  });
}

/** The server for WS_ANSWERING's `kind`: answers every call, starts the hostile part on the first. */
function wsAnswering(kind, stats) {
  const block = JSON.stringify(fixture());
  return (socket) => {
    let started = false;
    let pending = Buffer.alloc(0);
    upgrading(socket, (data) => {
      const [texts, rest] = clientTexts(Buffer.concat([pending, data]));
      pending = rest;
      for (const text of texts) {
        let call;
        try { call = JSON.parse(text); } catch { continue; }
        const result = call.method === 'consensus_subscribe' ? '"0x1"'
          : call.method === 'consensus_getFinalization' ? block : 'null';
        if (call.method === 'consensus_getFinalization') stats.finalizationCalls = (stats.finalizationCalls ?? 0) + 1;
        socket.write(textFrame(`{"jsonrpc":"2.0","id":${JSON.stringify(call.id ?? null)},"result":${result}}`));
        if (!started) { started = true; WS_ANSWERING[kind](socket, stats); }
      }
    });
  };
}

/**
 * A WebSocket server for `kind` on `server` (node:net): completes the handshake, then, when
 * the first client frame (a call) arrives, does what `kind` says.
 */
function wsConnection(kind) {
  return (socket) => {
    let started = false;
    upgrading(socket, (data) => {
      if (data.length > 0 && !started) { started = true; WS[kind](socket); }
    });
  };
}

/** All hostile kinds: HTTP ones, WebSocket ones, and `silent` (accepts, never answers). */
export const KINDS = [...Object.keys(HTTP), ...Object.keys(WS), ...Object.keys(WS_ANSWERING), 'silent'];

/**
 * Starts the hostile server `kind` on 127.0.0.1 (a free port). Resolves
 * `{ url, connections, close() }`; `connections()` counts the sockets accepted so far.
 */
export function startHostile(kind) {
  const sockets = new Set();
  const stats = {};
  let accepted = 0;
  let server;
  if (HTTP[kind]) {
    server = createHttpServer((req, res) => {
      req.resume();
      res.on('error', () => {});
      // Pages on another loopback port may call it (the Chromium test): allow CORS.
      res.setHeader('access-control-allow-origin', '*');
      if (req.method === 'OPTIONS') {
        res.writeHead(204, { 'access-control-allow-headers': 'content-type', 'access-control-allow-methods': 'POST' }).end();
        return;
      }
      HTTP[kind](req, res);
    });
  } else if (WS[kind]) {
    server = createNetServer(wsConnection(kind));
  } else if (WS_ANSWERING[kind]) {
    server = createNetServer(wsAnswering(kind, stats));
  } else if (kind === 'silent') {
    server = createNetServer((socket) => { socket.on('error', () => {}); socket.resume(); });
  } else {
    throw new Error(`no hostile server ${kind}`);
  }
  server.on('connection', (socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({
        url: `${WS[kind] || WS_ANSWERING[kind] ? 'ws' : 'http'}://127.0.0.1:${port}`,
        connections: () => accepted,
        stats: () => ({ ...stats }),
        close: () => new Promise((done) => {
          for (const s of sockets) s.destroy();
          server.close(() => done());
        }),
      });
    });
  });
}

// `node hostile-server.mjs KIND` serves KIND until killed (for trying runtimes by hand).
if (import.meta.url === `file://${process.argv[1]}`) {
  const { url } = await startHostile(process.argv[2]);
  console.log(url);
}
