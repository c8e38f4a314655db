// The source of pkg/keccak.js: keccak-256 from @noble/hashes, bundled into the package at
// build time (scripts/build-pkg.sh) so the package has no runtime dependency and works
// unbundled in a browser (no bare import specifier).
export { keccak_256 } from '@noble/hashes/sha3.js';
