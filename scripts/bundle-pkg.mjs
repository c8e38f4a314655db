// Writes the npm package's ES modules into pkg/ from the staged sources (scripts/build-pkg.sh
// stages js/ and wasm-bindgen's glue in target/pkg-stage). The browser's entry, index.js, is
// one module holding the client, its errors, transport, storage, provider and the main wasm's
// glue, so an unbundled page loads one module before the wasm (a static import of index.js
// used to cost a second round trip to the module it re-exported; see BENCHMARKS.md,
// 2026-11-26, noon); Node's entry and the worker entry import it, so every entry shares one
// instance of the client, its error classes and its wasm.
//
//   index.node.js, worker.js -> index.js (+ payments.js, keccak.js: worker.js imports them
//   statically, index.js by a dynamic import() on first use)
//   payments.js: the payments glue bundled in; keccak.js: as staged (already bundled)
//
// index.js exports the package's API (the staged index.js's names) and two internals the other
// entries need, `_setPlatform` and `_internals`, and nothing else (checked below).
// Unminified, as written. Usage: node scripts/bundle-pkg.mjs <stage dir> <out dir>
import { build } from 'esbuild';
import { copyFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';

const [stage, out] = process.argv.slice(2).map((p) => resolve(p));
if (!stage || !out) throw new Error('usage: node scripts/bundle-pkg.mjs <stage dir> <out dir>');

// The modules index.js is made of, as the entry points and each other import them (the
// client's parts, js/client/*.js, only client.js imports).
const CORE = ['client.js', 'errors.js', 'transport.js', 'storage.js', 'provider.js'];
// Modules every output refers to by path, never bundles.
const SEPARATE = ['payments.js', 'keccak.js'];

const common = {
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  external: ['node:*'],
  legalComments: 'inline',
  logLevel: 'warning',
  write: true,
};

/**
 * An esbuild plugin: imports of `core` modules become './index.js', of `separate` stay
 * modules of their own (named as in pkg/, where every output sits beside index.js). A module
 * is known by its path in the stage (js/client/'s parts import '../payments.js').
 */
const linkTo = (core, separate) => ({
  name: 'tempo-light-links',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\/[\w./]+\.js$/ }, (args) => {
      if (args.kind === 'entry-point') return undefined;
      const name = relative(stage, resolve(args.resolveDir, args.path)).split(sep).join('/');
      if (core.includes(name)) return { path: './index.js', external: true };
      if (separate.includes(name)) return { path: `./${name}`, external: true };
      return undefined;
    });
  },
});

// index.js: the API, and the two internals Node's entry and the worker entry import.
const INTERNALS = ['_setPlatform', '_internals'];
await build({
  ...common,
  stdin: {
    contents: `export * from './index.js';\nexport { default } from './index.js';\nexport { ${INTERNALS.join(', ')} } from './client.js';`,
    resolveDir: stage,
    sourcefile: 'index.bundle.js',
  },
  plugins: [linkTo([], SEPARATE)],
  outfile: join(out, 'index.js'),
});
// The other entry points, linked to index.js.
for (const entry of ['index.node.js', 'worker.js']) {
  await build({ ...common, entryPoints: [join(stage, entry)], plugins: [linkTo([...CORE, 'index.js'], SEPARATE)], outfile: join(out, entry) });
}
// payments.js with its own glue bundled in (it imports nothing of index.js).
await build({ ...common, entryPoints: [join(stage, 'payments.js')], plugins: [linkTo(CORE, [])], outfile: join(out, 'payments.js') });
copyFileSync(join(stage, 'keccak.js'), join(out, 'keccak.js'));

// index.js exports exactly the API and the internals (`export *` would drop a name two
// modules export with different bindings; nothing else may leak into the package's API), and
// the other entries link against it (a name they import that it lacks fails here).
const api = Object.keys(await import(pathToFileURL(join(stage, 'index.js')).href));
const exported = Object.keys(await import(pathToFileURL(join(out, 'index.js')).href));
const missing = [...api, ...INTERNALS].filter((n) => !exported.includes(n));
const extra = exported.filter((n) => !api.includes(n) && !INTERNALS.includes(n));
if (missing.length || extra.length) {
  throw new Error(`bundle-pkg: index.js ${missing.length ? `lacks ${missing.join(', ')}` : ''}${extra.length ? ` exports ${extra.join(', ')} beyond the API` : ''}`);
}
for (const entry of ['index.node.js', 'worker.js']) await import(pathToFileURL(join(out, entry)).href);
