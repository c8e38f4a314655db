// Serves the web page for the browser tests (and for a look by hand): /www/ and /pkg/ from the
// repository root, and /www/vendor/viem.js, viem (the devDependency) bundled by esbuild into
// one ES module with just what the page's provider panel uses.
//
//   node js/test/support/serve.mjs [port]   → open http://127.0.0.1:<port>/www/index.html
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { build } from 'esbuild';

const ROOT = new URL('../../..', import.meta.url).pathname;
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm', '.json': 'application/json' };

let viem;
/** viem's ESM build, bundled once (tree-shaken to the page's imports). */
export function viemBundle() {
  viem ??= build({
    stdin: { contents: "export { createPublicClient, custom, erc20Abi, formatUnits } from 'viem';", resolveDir: ROOT, sourcefile: 'viem-entry.js' },
    bundle: true, minify: true, format: 'esm', platform: 'browser', target: 'es2022', write: false, logLevel: 'error',
  }).then((r) => r.outputFiles[0].contents);
  return viem;
}

/** Starts the server on 127.0.0.1 (`port` 0: any free one); resolves with the http.Server. */
export function serve(port = 0) {
  return new Promise((resolve) => {
    const server = createServer(async (req, res) => {
      const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
      try {
        if (path === '/www/vendor/viem.js') {
          res.writeHead(200, { 'content-type': 'text/javascript' }).end(await viemBundle());
          return;
        }
        if (!path.startsWith('/www/') && !path.startsWith('/pkg/')) { res.writeHead(404).end(); return; }
        const body = await readFile(join(ROOT, path));
        res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' }).end(body);
      } catch { res.writeHead(404).end(); }
    });
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const server = await serve(Number(process.argv[2] ?? 8080));
  console.log(`http://127.0.0.1:${server.address().port}/www/index.html`);
}
