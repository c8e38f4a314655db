//! The reference's verdicts, from the reference crates themselves (commonware 2026.7.1):
//! what Tempo's `FinalizationVerifier` and `OnchainDkgOutcome::read` would decide.

use commonware_codec::{DecodeExt, Encode, RangeCfg, Read, ReadExt};
use commonware_consensus::{
    simplex::{scheme::bls12381_threshold::vrf::Scheme, types::Finalization},
    types::Epoch,
};
use commonware_cryptography::{
    bls12381::{
        dkg::feldman_desmedt::Output,
        primitives::{sharing::ModeVersion, variant::MinSig},
    },
    ed25519, sha256,
};
use commonware_utils::{ordered::Set, NZU32};

type Identity = <MinSig as commonware_cryptography::bls12381::primitives::variant::Variant>::Public;

/// The reference's verdict on certificate bytes against an identity: decode (rejecting
/// trailing bytes), then `Finalization::verify` with `certificate_verifier(b"TEMPO", identity)`.
pub fn certificate_verifies(certificate: &[u8], identity: &[u8; 96]) -> bool {
    let Ok(identity) = Identity::decode(identity.as_slice()) else {
        return false;
    };
    let Ok(finalization) =
        Finalization::<Scheme<ed25519::PublicKey, MinSig>, sha256::Digest>::decode(certificate)
    else {
        return false;
    };
    let scheme = Scheme::<ed25519::PublicKey, MinSig>::certificate_verifier(b"TEMPO", identity);
    let mut rng = rand::rng();
    finalization.verify(&mut rng, &scheme, &commonware_parallel::Sequential)
}

/// What the reference reads from a DKG outcome: (epoch, identity, players, next players, full DKG next).
pub type ReferenceOutcome = (u64, Vec<u8>, Vec<Vec<u8>>, Vec<Vec<u8>>, bool);

/// Tempo's `OnchainDkgOutcome::read`, assembled from the reference types (trailing bytes allowed).
pub fn read_outcome(mut buf: &[u8]) -> Option<ReferenceOutcome> {
    let epoch = Epoch::read(&mut buf).ok()?;
    let output = Output::<MinSig, ed25519::PublicKey>::read_cfg(
        &mut buf,
        &(NZU32!(u16::MAX as u32), ModeVersion::v0()),
    )
    .ok()?;
    let next_players = Set::<ed25519::PublicKey>::read_cfg(
        &mut buf,
        &(RangeCfg::from(1..=(u16::MAX as usize)), ()),
    )
    .ok()?;
    let is_next_full_dkg = bool::read(&mut buf).ok()?;
    Some((
        epoch.get(),
        output.public().public().encode().to_vec(),
        output
            .players()
            .iter()
            .map(|p| p.encode().to_vec())
            .collect(),
        next_players.iter().map(|p| p.encode().to_vec()).collect(),
        is_next_full_dkg,
    ))
}
