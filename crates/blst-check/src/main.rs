//! The native side of the differential test of blst's wasm build (scripts/blst-check.mjs):
//! prints the cases of this crate, computed by native blst (its assembly), one per line in hex,
//! and certificates with the reference's verdict on each.
//!
//! `blst-check field N` | `blst-check pairing N` | `blst-check certificates N`

use std::io::{self, BufWriter, Write};

use alloy_primitives::hex;
use tempo_light_blst_check::{certificate_verdict, field_case, pairing_case};
use tempo_light_testkit::{reference, Signer};

/// Certificates signed by `n` identities and spoilt in turn, each printed as
/// `identity certificate verdict` with the reference's verdict (commonware 2026.7.1).
fn certificates(n: u32, out: &mut impl Write) -> io::Result<()> {
    let signers: Vec<Signer> = (0..8).map(|i| Signer::new(0xb157 + i)).collect();
    for i in 0..n {
        let signer = &signers[(i % 8) as usize];
        let other = &signers[((i + 1) % 8) as usize];
        let word = u64::from(i).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let mut digest = [0u8; 32];
        digest[..8].copy_from_slice(&word.to_le_bytes());
        let certificate = signer.certify(word >> (i % 64), word % 1000, word % 999, digest);
        let mut bytes = certificate.encode();
        let n = bytes.len();
        let mut identity = signer.identity().to_bytes();
        match i % 6 {
            0 => {}
            1 => bytes[n - 1 - (i as usize % 96)] ^= 1 << (i % 8),
            2 => bytes[i as usize % (n - 96)] ^= 1 << (i % 8),
            3 => {
                let (vote, seed) = (certificate.vote_signature, certificate.seed_signature);
                bytes[n - 96..n - 48].copy_from_slice(&seed);
                bytes[n - 48..].copy_from_slice(&vote);
            }
            4 => identity = other.identity().to_bytes(),
            _ => {
                bytes[n - 48..].fill(0);
                bytes[n - 48] = 0xc0;
            }
        }
        let verdict = reference::certificate_verifies(&bytes, &identity);
        // The native core agrees with the reference (tests/reference_differential.rs); a case
        // where it does not would be that test's failure, not this one's.
        assert_eq!(certificate_verdict(&bytes, &identity), verdict, "case {i}");
        writeln!(
            out,
            "{} {} {}",
            hex::encode(identity),
            hex::encode(&bytes),
            u8::from(verdict)
        )?;
    }
    Ok(())
}

fn main() -> io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(what), Some(Ok(n))) = (args.get(1), args.get(2).map(|n| n.parse::<u32>())) else {
        eprintln!("usage: blst-check field|pairing|certificates N");
        std::process::exit(2);
    };
    let mut out = BufWriter::new(io::stdout().lock());
    match what.as_str() {
        "field" => (0..n).try_for_each(|i| writeln!(out, "{}", hex::encode(field_case(i))))?,
        "pairing" => (0..n).try_for_each(|i| writeln!(out, "{}", hex::encode(pairing_case(i))))?,
        "certificates" => certificates(n, &mut out)?,
        _ => {
            eprintln!("usage: blst-check field|pairing|certificates N");
            std::process::exit(2);
        }
    }
    out.flush()
}
