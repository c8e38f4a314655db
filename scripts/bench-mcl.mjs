// The mcl-wasm contender of the benchmarks (scripts/bench-wasm.mjs in Node, scripts/bench-browser.mjs
// in headless Chromium): herumi's mcl-wasm 2.4.1 doing exactly the check tempo-light does on a
// certificate (src/wire/certificate.rs, src/bls.rs). No Node built-in here: the browser page imports
// this file too.
//
// Set up once per process (as tempo-light keeps a key's lines and the generator's):
//   - mcl.init(BLS12_381); setETHserialization(true) (ZCash compressed points, as Tempo's);
//     setMapToMode(IRTF) (RFC 9380 hash-to-curve); verifyOrderG1/G2(true) (subgroup checks on
//     every decode);
//   - _mclBnG1_setDst('BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_POP_') (commonware's MinSig DST);
//   - the network key (G2) decoded with its subgroup check, then PrecomputedG2 of the key and of
//     the G2 generator (the cached Miller-loop lines).
// Per certificate (what is timed):
//   1. hex-decode the certificate; split it as Tempo lays it out: varint epoch, varint view,
//      varint parent view, 32-byte payload digest, 48-byte vote signature, 48-byte seed signature;
//   2. two G1 decodes with subgroup checks (vote, seed), each rejected if it is infinity;
//   3. two IETF hash-to-G1: H1 = H(union(TEMPO_FINALIZE, proposal)), H2 = H(union(TEMPO_SEED,
//      round)), union(ns, m) = varint(len ns) ‖ ns ‖ m, proposal = round ‖ parent ‖ payload;
//   4. one 128-bit random scalar r (top bit set, never zero; tempo-light derives its r by
//      hashing the batch with keccak instead);
//   5. H = H1 + r·H2 and S = vote + r·seed (two 128-bit G1 multiplications, two additions), −S;
//   6. precomputedMillerLoop2(H, lines(pk), −S, lines(g2)), then finalExp, then isOne:
//      e(H1 + r·H2, pk) · e(−(σ1 + r·σ2), g2) = 1, the same equation as src/bls.rs.
export const MCL_OPERATIONS = [
  'hex-decode the certificate and split it (varints, payload, two signatures)',
  'two G1 decodes with subgroup checks (G1.deserialize, verifyOrderG1) and infinity checks',
  'two IETF hash-to-G1 (hashAndMapToG1, IRTF mode, DST set by _mclBnG1_setDst)',
  'one 128-bit random scalar r (crypto.getRandomValues, top bit set)',
  'two 128-bit G1 multiplications and two additions: H1 + r·H2, σ1 + r·σ2; one negation',
  'precomputedMillerLoop2 over the cached G2 lines of the key and the generator',
  'finalExp and isOne',
];

export const DST = 'BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_POP_';
// The G2 generator, compressed (ZCash encoding).
const G2_GENERATOR = '93e02b6052719f607dacd3a088274f65596bd0d09920b61ab5da61bbdc7f5049334cf11213945d57e5ac7d055d042b7e024aa2b2f08f0a91260805272dc51051c6e47ad4fa403b02b4510b647ae3d1770bac0326a805bbefd48056c8c121bdb8';
const enc = new TextEncoder();
const FINALIZE = enc.encode('TEMPO_FINALIZE');
const SEED = enc.encode('TEMPO_SEED');

export function hexToBytes(hex) {
  const s = hex.startsWith('0x') ? hex.slice(2) : hex;
  if (s.length % 2 !== 0 || /[^0-9a-fA-F]/.test(s)) throw new Error('bad hex');
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.substr(2 * i, 2), 16);
  return out;
}

function varintEnd(bytes, at) {
  for (let i = at; i < Math.min(bytes.length, at + 10); i++) if ((bytes[i] & 0x80) === 0) return i + 1;
  throw new Error('bad varint');
}

/** Splits a Tempo finalization certificate into the two signed messages and their signatures. */
export function splitCertificate(cert) {
  const afterEpoch = varintEnd(cert, 0);
  const afterView = varintEnd(cert, afterEpoch);
  const afterParent = varintEnd(cert, afterView);
  const end = afterParent + 32 + 96;
  if (cert.length !== end) throw new Error(`certificate of ${cert.length} bytes, expected ${end}`);
  return {
    round: cert.subarray(0, afterView),
    proposal: cert.subarray(0, afterParent + 32),
    vote: cert.subarray(afterParent + 32, afterParent + 80),
    seed: cert.subarray(afterParent + 80, end),
  };
}

const union = (ns, msg) => {
  const out = new Uint8Array(1 + ns.length + msg.length); // namespaces are < 128 bytes: 1-byte varint
  out[0] = ns.length;
  out.set(ns, 1);
  out.set(msg, 1 + ns.length);
  return out;
};

/**
 * Sets mcl up (the caller has run `await mcl.init(mcl.BLS12_381)`; `mod` is mcl-wasm's emscripten
 * module) and returns `verify(certificateHex) → boolean` for the key `publicKeyHex`.
 */
export function mclVerifier(mcl, mod, publicKeyHex) {
  mcl.setETHserialization(true);
  mcl.setMapToMode(mcl.IRTF);
  mcl.verifyOrderG1(true);
  mcl.verifyOrderG2(true);
  const dst = enc.encode(DST);
  const p = mod._malloc(dst.length);
  new Uint8Array(mod.HEAP8.buffer, p, dst.length).set(dst);
  const rc = mod._mclBnG1_setDst(p, dst.length);
  mod._free(p);
  if (rc !== 0) throw new Error(`mclBnG1_setDst returned ${rc}`);
  const pk = new mcl.G2();
  pk.deserialize(hexToBytes(publicKeyHex));
  if (pk.isZero()) throw new Error('key is infinity');
  const g2 = new mcl.G2();
  g2.deserialize(hexToBytes(G2_GENERATOR));
  const pkLines = new mcl.PrecomputedG2(pk);
  const g2Lines = new mcl.PrecomputedG2(g2);
  const scalarBytes = new Uint8Array(16);
  const r = new mcl.Fr();
  return function verify(certificateHex) {
    const { round, proposal, vote, seed } = splitCertificate(hexToBytes(certificateHex));
    const s1 = new mcl.G1();
    const s2 = new mcl.G1();
    try {
      s1.deserialize(vote); // throws off the curve or the subgroup
      s2.deserialize(seed);
    } catch {
      return false;
    }
    if (s1.isZero() || s2.isZero()) return false;
    const h1 = mcl.hashAndMapToG1(union(FINALIZE, proposal));
    const h2 = mcl.hashAndMapToG1(union(SEED, round));
    crypto.getRandomValues(scalarBytes);
    scalarBytes[15] |= 0x80;
    r.setLittleEndian(scalarBytes);
    const h = mcl.add(h1, mcl.mul(h2, r));
    const s = mcl.neg(mcl.add(s1, mcl.mul(s2, r)));
    return mcl.finalExp(mcl.precomputedMillerLoop2(h, pkLines, s, g2Lines)).isOne();
  };
}

/** A copy of the certificate hex with one byte of the payload digest flipped (a forged message). */
export function corruptPayload(certificateHex) {
  const cert = hexToBytes(certificateHex);
  const { proposal } = splitCertificate(cert);
  cert[proposal.length - 1] ^= 1;
  return '0x' + Array.from(cert, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** A copy of the certificate hex with the vote and seed signatures swapped. */
export function swapSignatures(certificateHex) {
  const cert = hexToBytes(certificateHex);
  const { vote, seed } = splitCertificate(cert);
  const v = vote.slice(), s = seed.slice();
  const at = vote.byteOffset;
  cert.set(s, at);
  cert.set(v, at + 48);
  return '0x' + Array.from(cert, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** A copy of the certificate hex whose seed signature is the vote signature (a valid point). */
export function voteAsSeed(certificateHex) {
  const cert = hexToBytes(certificateHex);
  const { vote } = splitCertificate(cert);
  cert.set(vote.slice(), vote.byteOffset + 48);
  return '0x' + Array.from(cert, (b) => b.toString(16).padStart(2, '0')).join('');
}
