// Production builds of a tiny app (js/test/bundlers/app) by Vite, webpack 5 and esbuild, each
// importing the installed tarball's `tempo-light` and verifying the real mainnet block in
// headless Chromium. Vite and webpack find the wasm themselves (new URL(..., import.meta.url));
// esbuild leaves that URL relative to the bundle, so the wasm is copied beside it (ESM), or
// its URL given to init() (iife, where import.meta does not exist).
// Run by scripts/test-js.sh, with TEMPO_SCRATCH the scratch project holding the tarball.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, copyFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, SCRATCH, PKG_DIR, serve, newPage, fixturePath } from '../support/browser.mjs';

const BIN = join(ROOT, 'node_modules/.bin');
const fixture = JSON.parse(execFileSync('cat', [fixturePath()], { encoding: 'utf8' }));

/** A copy of the app in the scratch project (so `tempo-light` resolves to the tarball). */
function app(name) {
  const dir = join(SCRATCH, `app-${name}`);
  cpSync(join(ROOT, 'js/test/bundlers/app'), dir, { recursive: true });
  copyFileSync(fixturePath(), join(dir, 'fixture.json'));
  return dir;
}
const run = (cmd, args, cwd) => execFileSync(join(BIN, cmd), args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });

async function check(dist, page = 'index.html', extra = '') {
  if (extra) writeFileSync(join(dist, page), extra);
  const base = await serve({ '/': dist });
  const p = await newPage();
  const wasmRequests = [];
  p.on('request', (r) => { if (r.url().endsWith('.wasm')) wasmRequests.push(r.url()); });
  await p.goto(`${base}/${page}`);
  await p.waitForFunction(() => window.result !== undefined, null, { timeout: 30000 });
  const result = await p.evaluate(() => window.result);
  assert.equal(result.error, undefined, `the app failed: ${JSON.stringify(result)}`);
  assert.equal(result.height, '32724390');
  assert.equal(result.hash, fixture.header.hash);
  assert.equal(result.refused, 'BadSignature', 'a typed error from the wasm');
  assert.ok(wasmRequests.length >= 2, `both wasm modules were fetched: ${wasmRequests}`);
  assert.ok(!['InitFailed', null].includes(result.payments) && !String(result.payments).startsWith('untyped'),
    `the payments module loaded and refused a non-proof with a typed error: ${result.payments}`);
  assert.deepEqual(p.errors, []);
}

test('Vite production build', { timeout: 120000 }, async () => {
  const dir = app('vite');
  run('vite', ['build', '--config', 'vite.config.mjs'], dir);
  const assets = readdirSync(join(dir, 'dist/assets'));
  assert.equal(assets.filter((f) => f.endsWith('.wasm')).length, 2, `Vite emitted both wasm modules: ${assets}`);
  await check(join(dir, 'dist'));
});

test('webpack 5 production build', { timeout: 120000 }, async () => {
  const dir = app('webpack');
  run('webpack', ['--config', 'webpack.config.cjs'], dir);
  const files = readdirSync(join(dir, 'dist'));
  assert.equal(files.filter((f) => f.endsWith('.wasm')).length, 2, `webpack emitted both wasm modules: ${files}`);
  await check(join(dir, 'dist'), 'index.html', '<!doctype html><meta charset="utf-8"><script src="main.js"></script>');
});

test('esbuild production builds (ESM with the wasm copied beside it, and iife with its URL)', { timeout: 120000 }, async () => {
  const dir = app('esbuild');
  const dist = join(dir, 'dist');
  run('esbuild', ['main.js', '--bundle', '--minify', '--format=esm', '--outfile=dist/main.js'], dir);
  run('esbuild', ['main.js', '--bundle', '--minify', '--format=iife', '--outfile=dist/iife.js', '--log-level=error'], dir);
  copyFileSync(join(PKG_DIR, 'tempo_light_bg.wasm'), join(dist, 'tempo_light_bg.wasm'));
  copyFileSync(join(PKG_DIR, 'tempo_light_payments_bg.wasm'), join(dist, 'tempo_light_payments_bg.wasm'));
  await check(dist, 'index.html', '<!doctype html><meta charset="utf-8"><script type="module" src="main.js"></script>');
  await check(dist, 'iife.html', '<!doctype html><meta charset="utf-8"><script>window.WASM_URL = "tempo_light_bg.wasm"; window.PAYMENTS_WASM_URL = "tempo_light_payments_bg.wasm"</script><script src="iife.js"></script>');
  assert.ok(existsSync(join(dist, 'iife.js')));
});
