// Vite, production build (rollup): the wasm is emitted as an asset from `new URL(..., import.meta.url)`.
export default { build: { outDir: 'dist', emptyOutDir: true }, logLevel: 'warn' };
