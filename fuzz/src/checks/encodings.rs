//! Binary encodings from the chain: certificates and DKG outcomes, each against the
//! reference crates (commonware 2026.7.1).

use std::sync::OnceLock;

use alloy_primitives::hex;
use tempo_light::{
    finality::network::{MAINNET_IDENTITY, TESTNET_IDENTITY_1747, TESTNET_IDENTITY_51},
    wire::certificate::{self, Certificate},
    DkgOutcome, PublicKey,
};
use tempo_light_testkit::reference;

use super::*;

// ---- certificates -------------------------------------------------------------------------

fn identities() -> &'static [PublicKey; 4] {
    static IDENTITIES: OnceLock<[PublicKey; 4]> = OnceLock::new();
    IDENTITIES.get_or_init(|| {
        [
            PublicKey::from_bytes(&MAINNET_IDENTITY).expect("valid"),
            PublicKey::from_bytes(&TESTNET_IDENTITY_51).expect("valid"),
            PublicKey::from_bytes(&TESTNET_IDENTITY_1747).expect("valid"),
            devnet().chain.genesis_identity(),
        ]
    })
}

/// Certificate bytes: decoding never panics and is exact (what decodes re-encodes to the
/// same bytes); verification against each known identity never panics, and a batch of the
/// input with a valid certificate verifies exactly when both verify alone.
pub fn certificate(data: &[u8]) {
    let Ok(c) = Certificate::decode(data) else {
        return;
    };
    assert_eq!(c.encode(), data, "decoding is exact: re-encoding differs");
    let _ = c.signatures();
    let good = devnet()
        .block(1)
        .certificate
        .clone()
        .expect("a certified block");
    for identity in identities() {
        let alone = c.verify(identity).is_ok();
        let good_alone = good.verify(identity).is_ok();
        let batch = certificate::verify_batch(identity, &[good.clone(), c.clone()]).is_ok();
        assert_eq!(
            batch,
            alone && good_alone,
            "a batch's verdict differs from its members' verdicts"
        );
    }
}

/// First byte: which identity (mainnet, testnet 51, testnet 1747, the devnet's); the rest:
/// certificate bytes. Our decoding verdict and our verification verdict must equal the
/// reference's (`Finalization::decode`, `Finalization::verify`).
pub fn certificate_differential(data: &[u8]) {
    let Some((&which, bytes)) = data.split_first() else {
        return;
    };
    let identity = &identities()[usize::from(which) % 4];
    let ours_decodes = Certificate::decode(bytes);
    let theirs_decodes = reference_decodes(bytes);
    assert_eq!(
        ours_decodes.is_ok(),
        theirs_decodes,
        "decoding verdicts differ on {}",
        hex::encode(bytes)
    );
    let ours = ours_decodes.is_ok_and(|c| c.verify(identity).is_ok());
    let theirs = reference::certificate_verifies(bytes, &identity.to_bytes());
    assert_eq!(
        ours,
        theirs,
        "verification verdicts differ on {}",
        hex::encode(bytes)
    );
}

/// The reference's decoding verdict: `Finalization::decode` (which rejects trailing bytes).
fn reference_decodes(bytes: &[u8]) -> bool {
    use commonware_codec::DecodeExt;
    use commonware_consensus::simplex::{
        scheme::bls12381_threshold::vrf::Scheme, types::Finalization,
    };
    use commonware_cryptography::{bls12381::primitives::variant::MinSig, ed25519, sha256};
    Finalization::<Scheme<ed25519::PublicKey, MinSig>, sha256::Digest>::decode(bytes).is_ok()
}

// ---- DKG outcomes ------------------------------------------------------------------------------

/// DKG outcome bytes: decoding never panics; what decodes re-encodes to a prefix of the
/// input (trailing bytes are ignored, as Tempo does) that decodes to the same outcome.
pub fn dkg_outcome(data: &[u8]) {
    let Ok(outcome) = DkgOutcome::decode(data) else {
        return;
    };
    let encoded = outcome.encode();
    assert!(
        data.starts_with(&encoded),
        "decoding is exact: re-encoding is not the input's prefix"
    );
    assert_eq!(
        DkgOutcome::decode(&encoded).as_ref(),
        Ok(&outcome),
        "re-decoding differs"
    );
    let _ = outcome.identity().to_bytes();
}

/// DKG outcome bytes: our decoding must accept exactly what Tempo's `OnchainDkgOutcome::read`
/// accepts (the reference crates), and read the same epoch, identity, players, next players
/// and announcement.
pub fn dkg_outcome_differential(data: &[u8]) {
    let ours = DkgOutcome::decode(data);
    let theirs = reference::read_outcome(data);
    match (&ours, &theirs) {
        (Ok(o), Some(r)) => {
            let keys = |v: &[[u8; 32]]| v.iter().map(|k| k.to_vec()).collect::<Vec<_>>();
            assert_eq!(r.0, o.epoch, "epochs differ");
            assert_eq!(r.1, o.identity().to_bytes().to_vec(), "identities differ");
            assert_eq!(r.2, keys(&o.players), "players differ");
            assert_eq!(r.3, keys(&o.next_players), "next players differ");
            assert_eq!(r.4, o.is_next_full_dkg, "announcements differ");
        }
        (Err(_), None) => {}
        (Ok(_), None) => panic!("ours accepts, the reference rejects {}", hex::encode(data)),
        (Err(e), Some(_)) => panic!(
            "ours rejects ({e}), the reference accepts {}",
            hex::encode(data)
        ),
    }
}
