//! Test helpers shared by tempo-light's crates: the real mainnet fixtures (kept in
//! `tests/fixtures/`, copied from Tempo mainnet), and certificates signed with real BLS keys
//! by the reference crates (commonware 2026.7.1) over headers we choose.

//!
//! Test-only: its `unwrap`s are on the embedded fixtures and on inputs the tests themselves
//! build, never on outside bytes, and it is no dependency of the core, the CLI or the wasm.

pub mod reference;

use commonware_codec::Encode;
use commonware_cryptography::bls12381::primitives::{
    group::Private,
    ops::{keypair, sign_message},
    variant::{MinSig, Variant},
};
use rand::{rngs::StdRng, SeedableRng};
use serde_json::{json, Value};
use tempo_light::{wire::certificate::Certificate, PublicKey, TempoHeader};

/// The real mainnet block fixture, as JSON.
pub const MAINNET_BLOCK: &str = include_str!("../../../tests/fixtures/mainnet-block-32724390.json");
/// The real mainnet genesis DKG outcome fixture, as JSON.
pub const MAINNET_GENESIS: &str =
    include_str!("../../../tests/fixtures/mainnet-genesis-dkg-outcome.json");

/// The real mainnet block fixture, parsed.
pub fn fixture() -> Value {
    serde_json::from_str(MAINNET_BLOCK).expect("the embedded mainnet fixture is JSON")
}

/// The fixture as a later fork would serve it: a hashed header field this version does not
/// know (`futureForkRoot`), and another field changed to make the hash differ, as the new
/// field would. No version of this crate can verify it; it must be named `UnsupportedHeader`.
pub fn later_fork_block() -> Value {
    let mut v = mainnet_certified_block();
    v["block"]["header"]["futureForkRoot"] = json!(format!("0x{}", "ab".repeat(32)));
    v["block"]["header"]["gasUsed"] = json!("0x1");
    v
}

/// The fixture as a `consensus_getFinalization` result (a CertifiedBlock).
pub fn mainnet_certified_block() -> Value {
    let f = fixture();
    json!({
        "epoch": f["finalization"]["epoch"],
        "view": f["finalization"]["view"],
        "digest": f["finalization"]["digest"],
        "certificate": f["finalization"]["certificate"],
        "block": { "header": f["header"], "body": { "transactions": [], "ommers": [], "withdrawals": [] } }
    })
}

/// A group key held whole (a threshold signature recovered from shares equals the
/// signature under the group secret, so this signs exactly what a committee would).
pub struct Signer {
    private: Private,
    public: <MinSig as Variant>::Public,
}

impl Signer {
    /// A group key drawn from `seed`.
    pub fn new(seed: u64) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let (private, public) = keypair::<_, MinSig>(&mut rng);
        Self { private, public }
    }

    /// The group public key, as the core reads it.
    pub fn identity(&self) -> PublicKey {
        // The reference's own encoding of a key it made: 96 bytes of a G2 subgroup point.
        PublicKey::from_slice(&self.public.encode()).expect("the reference's key is a valid point")
    }

    /// The group public key as `0x` hex.
    pub fn identity_hex(&self) -> String {
        alloy_primitives::hex::encode_prefixed(self.public.encode())
    }

    /// A valid certificate for (epoch, view, parent_view, digest).
    pub fn certify(
        &self,
        epoch: u64,
        view: u64,
        parent_view: u64,
        digest: [u8; 32],
    ) -> Certificate {
        let mut c = Certificate {
            epoch,
            view,
            parent_view,
            digest: digest.into(),
            vote_signature: [0; 48],
            seed_signature: [0; 48],
        };
        let vote = sign_message::<MinSig>(&self.private, b"TEMPO_FINALIZE", &c.proposal_bytes());
        let seed = sign_message::<MinSig>(&self.private, b"TEMPO_SEED", &c.round_bytes());
        c.vote_signature.copy_from_slice(&vote.encode());
        c.seed_signature.copy_from_slice(&seed.encode());
        c
    }

    /// A CertifiedBlock JSON for `header`, certified at `epoch`.
    pub fn certified_block(&self, header: &Value, epoch: u64, view: u64) -> Value {
        // Test helpers take the tests' own headers (the fixture's, moved by `header_at`); one
        // that does not parse is the calling test's mistake.
        let parsed = TempoHeader::from_value(header.clone()).expect("a test's header parses");
        let c = self.certify(epoch, view, view.saturating_sub(1), parsed.hash().0);
        json!({
            "epoch": epoch, "view": view, "digest": format!("{:#x}", parsed.hash()),
            "certificate": alloy_primitives::hex::encode_prefixed(c.encode()),
            "block": { "header": header }
        })
    }
}

/// The fixture's header moved to `height` (other fields kept, consensusContext dropped).
pub fn header_at(height: u64, extra_data: &str) -> Value {
    let mut h = fixture()["header"].clone();
    h["number"] = json!(format!("{height:#x}"));
    h["extraData"] = json!(extra_data);
    // The embedded mainnet fixture's header is an object; test helpers only.
    h.as_object_mut()
        .expect("the fixture's header is a JSON object")
        .remove("consensusContext");
    h
}
