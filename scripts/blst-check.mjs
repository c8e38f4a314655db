// Holds blst's wasm build (crates/wasm/blst/field30.c: the base field's multiplication in
// 30-bit limbs, and what is built on it) to native blst (its assembly): crates/blst-check
// computes the same cases natively (target/debug/blst-check; blst at opt-level 3, assembly) and
// in wasm32 (its cdylib in the npm package's profile, wasm-release, with scripts/c-toolchain.sh's
// compiler and flags: the package's blst), and this
// compares every output byte for byte, and the wasm build's certificate verdicts with the
// reference's (commonware 2026.7.1, native). Prints how many cases it compared; exits 1 on any
// difference. Run by scripts/test-all.sh after building both (see there); case counts:
//   node scripts/blst-check.mjs [FIELD_CASES] [PAIRING_CASES] [CERTIFICATES]
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const [fieldCases = 20000, pairingCases = 2000, certificateCases = 600] = process.argv.slice(2).map(Number);
const native = (what, n) =>
  execFileSync(`${root}/target/debug/blst-check`, [what, String(n)], { maxBuffer: 1 << 30 })
    .toString().trim().split('\n');
const { instance } = await WebAssembly.instantiate(
  readFileSync(`${root}/target/wasm32-unknown-unknown/wasm-release/tempo_light_blst_check.wasm`));
const wasm = instance.exports;
const hex = (bytes) => Buffer.from(bytes).toString('hex');
const output = (len) => new Uint8Array(wasm.memory.buffer, wasm.output(), len);

let failed = 0;
for (const [what, n] of [['field', fieldCases], ['pairing', pairingCases]]) {
  const expected = native(what, n);
  let mismatches = 0;
  expected.forEach((line, i) => {
    const got = hex(output(wasm[what](i)));
    if (got !== line) {
      mismatches += 1;
      if (mismatches <= 3) console.error(`${what} case ${i}: native ${line}\n${' '.repeat(what.length + 10)}wasm   ${got}`);
    }
  });
  console.log(`differential: blst wasm (field30) vs native blst: ${what}: compared ${expected.length} cases, ${mismatches} mismatches`);
  if (expected.length !== n) { console.error(`expected ${n} native cases, got ${expected.length}`); failed += 1; }
  failed += mismatches;
}

let mismatches = 0, accepted = 0;
const certificates = native('certificates', certificateCases);
certificates.forEach((line, i) => {
  const [identity, certificate, verdict] = line.split(' ');
  const bytes = Buffer.from(identity + certificate, 'hex');
  new Uint8Array(wasm.memory.buffer, wasm.input(bytes.length), bytes.length).set(bytes);
  const got = wasm.verdict();
  accepted += Number(verdict);
  if (String(got) !== verdict) {
    mismatches += 1;
    if (mismatches <= 3) console.error(`certificate ${i}: reference ${verdict}, tempo-light in wasm ${got}`);
  }
});
console.log(`differential: certificate verdicts, tempo-light in wasm (field30) vs the reference: compared ${certificates.length} cases (${accepted} accepted), ${mismatches} mismatches`);
failed += mismatches;
process.exit(failed ? 1 : 0);
