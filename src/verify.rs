//! Deciding finality of one block: each rule a named predicate with its own error.
//!
//! A CertifiedBlock proves its block final exactly when
//! 1. [`check_digest`]: the certificate's digest is the header's hash;
//! 2. [`check_epoch`]: the certificate's epoch is the epoch containing the header's height;
//! 3. an identity is known for that epoch (supplied by the caller: [`verify_block`], or
//!    taken from a network's built-in identities: [`verify_with_network`]);
//! 4. [`Certificate::verify`]: both threshold signatures verify against that identity.
//!
//! A verified boundary block (the last of its epoch) also yields the next epoch's DKG
//! outcome from its `extraData`.

use crate::{
    bls::PublicKey,
    certificate::Certificate,
    dkg::DkgOutcome,
    epoch,
    error::{Error, VerifyError},
    header::TempoHeader,
    network::Network,
    rpc::CertifiedBlock,
};
use alloy_primitives::B256;

/// What a successful verification proves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedBlock {
    /// Height of the final block.
    pub height: u64,
    /// Its hash (computed from the header).
    pub hash: B256,
    /// Epoch of its certificate (= the epoch containing `height`).
    pub epoch: u64,
    /// View of its certificate.
    pub view: u64,
    /// Parent view of its certificate.
    pub parent_view: u64,
    /// The identity the certificate verified against.
    pub identity: PublicKey,
    /// The header, now authenticated.
    pub header: TempoHeader,
    /// For a boundary block: the DKG outcome for the next epoch, decoded from `extraData`.
    pub next_epoch: Option<DkgOutcome>,
}

/// Rule 1: the certificate finalizes this header.
pub fn check_digest(certificate: &Certificate, header_hash: B256) -> Result<(), VerifyError> {
    if certificate.digest == header_hash {
        Ok(())
    } else {
        Err(VerifyError::DigestMismatch {
            certified: certificate.digest,
            header: header_hash,
        })
    }
}

/// Rule 2: the certificate's epoch is the one containing the height.
pub fn check_epoch(
    epoch_length: u64,
    certificate: &Certificate,
    height: u64,
) -> Result<u64, VerifyError> {
    let expected = epoch::epoch_of(epoch_length, height)?;
    if certificate.epoch == expected {
        Ok(expected)
    } else {
        Err(VerifyError::EpochMismatch {
            height,
            expected,
            actual: certificate.epoch,
        })
    }
}

/// Verifies a certified block against an identity the caller trusts for its epoch.
///
/// The rules run cheapest first (hash, epoch, then pairing). A boundary block whose
/// `extraData` is not a DKG outcome is a [`crate::DecodeError`] even though its certificate
/// verified: a light client cannot cross that boundary.
pub fn verify_block(
    identity: &PublicKey,
    epoch_length: u64,
    block: &CertifiedBlock,
) -> Result<VerifiedBlock, Error> {
    verify_inner(epoch_length, block, |_| Ok(identity.clone()), true)
}

/// Verifies a certified block against a network's built-in identities (no epoch tracking:
/// the identity is the built-in one serving the certificate's epoch).
pub fn verify_with_network(
    network: &Network,
    block: &CertifiedBlock,
) -> Result<VerifiedBlock, Error> {
    verify_inner(
        network.epoch_length,
        block,
        |epoch| network.builtin_identity(epoch).map(|a| a.identity.clone()),
        true,
    )
}

/// The rules in order; `identity_for` answers rule 3 for the epoch rule 2 established.
/// `check_signature` is false only where a batch multi-pairing already proved rule 4.
pub(crate) fn verify_inner(
    epoch_length: u64,
    block: &CertifiedBlock,
    identity_for: impl FnOnce(u64) -> Result<PublicKey, VerifyError>,
    check_signature: bool,
) -> Result<VerifiedBlock, Error> {
    let hash = block.header.hash();
    check_digest(&block.certificate, hash)?;
    let height = block.header.number();
    let epoch = check_epoch(epoch_length, &block.certificate, height)?;
    let identity = identity_for(epoch)?;
    if check_signature {
        block.certificate.verify(&identity)?;
    }
    let next_epoch = if epoch::is_boundary(epoch_length, height) {
        Some(DkgOutcome::decode(block.header.extra_data())?)
    } else {
        None
    };
    Ok(VerifiedBlock {
        height,
        hash,
        epoch,
        view: block.certificate.view,
        parent_view: block.certificate.parent_view,
        identity,
        header: block.header.clone(),
        next_epoch,
    })
}
