// Writes the npm package's ES modules into pkg/ from the staged sources (scripts/build-pkg.sh
// stages js/ and wasm-bindgen's glue in target/pkg-stage): one module, core.js, holds the
// client, its errors, transport, storage, provider and the main wasm's glue, and the entry
// points import it, so a page or a Node process loads two modules instead of a graph three
// levels deep (see BENCHMARKS.md, 2026-11-26, later morning), and every entry shares one
// instance of the client, its error classes and its wasm.
//
//   index.js, index.node.js, worker.js -> core.js (+ payments.js, keccak.js: worker.js
//   imports them statically, core.js by a dynamic import() on first use)
//   payments.js: the payments glue bundled in; keccak.js: as staged (already bundled)
//
// Unminified, as written. Usage: node scripts/bundle-pkg.mjs <stage dir> <out dir>
import { build } from 'esbuild';
import { copyFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [stage, out] = process.argv.slice(2).map((p) => resolve(p));
if (!stage || !out) throw new Error('usage: node scripts/bundle-pkg.mjs <stage dir> <out dir>');

// The modules core.js is made of, as the entry points and each other import them.
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

/** An esbuild plugin: imports of `core` modules become './core.js', of `separate` stay as they are. */
const linkTo = (core, separate) => ({
  name: 'tempo-light-links',
  setup(b) {
    b.onResolve({ filter: /^\.\/[\w.]+\.js$/ }, (args) => {
      const name = args.path.slice(2);
      if (args.kind === 'entry-point') return undefined;
      if (core.includes(name)) return { path: './core.js', external: true };
      if (separate.includes(name)) return { path: args.path, external: true };
      return undefined;
    });
  },
});

// core.js: everything the core modules export (each name once; errors.js's classes are the
// ones client.js and provider.js throw).
await build({
  ...common,
  stdin: {
    contents: CORE.map((m) => `export * from './${m}';`).join('\n'),
    resolveDir: stage,
    sourcefile: 'core.js',
  },
  plugins: [linkTo([], SEPARATE)],
  outfile: join(out, 'core.js'),
});
// The entry points, linked to core.js.
for (const entry of ['index.js', 'index.node.js', 'worker.js']) {
  await build({ ...common, entryPoints: [join(stage, entry)], plugins: [linkTo(CORE, SEPARATE)], outfile: join(out, entry) });
}
// payments.js with its own glue bundled in (it imports nothing of core.js).
await build({ ...common, entryPoints: [join(stage, 'payments.js')], plugins: [linkTo(CORE, [])], outfile: join(out, 'payments.js') });
copyFileSync(join(stage, 'keccak.js'), join(out, 'keccak.js'));

// `export *` drops a name two modules export with different bindings: check that core.js
// exports every name of every module it is made of.
const core = Object.keys(await import(pathToFileURL(join(out, 'core.js')).href));
for (const m of CORE) {
  const missing = Object.keys(await import(pathToFileURL(join(stage, m)).href)).filter((n) => !core.includes(n));
  if (missing.length) throw new Error(`bundle-pkg: core.js lacks ${m}'s ${missing.join(', ')}`);
}
