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
    error::{Error, VerifyError},
    finality::bls::PublicKey,
    finality::epoch,
    finality::network::Network,
    wire::certificate::Certificate,
    wire::certified_block::CertifiedBlock,
    wire::dkg::DkgOutcome,
    wire::header::TempoHeader,
};
use alloc::vec::Vec;
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

/// Rule 1 for a block as fetched: [`check_digest`] of its header's `hash`, except that when
/// the header carried fields this version does not know, a mismatch is
/// [`VerifyError::UnsupportedHeader`] naming them (a later fork's hashed fields, which this
/// version cannot hash), not a lie about the digest.
pub(crate) fn check_block_digest(block: &CertifiedBlock, hash: B256) -> Result<(), VerifyError> {
    check_digest(&block.certificate, hash).map_err(|e| {
        if block.claimed.unknown_header_fields.is_empty() {
            e
        } else {
            VerifyError::UnsupportedHeader {
                fields: block.claimed.unknown_header_fields.clone(),
            }
        }
    })
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
    verify_under(
        epoch_length,
        block,
        block.header.hash(),
        identity.clone(),
        true,
        None,
    )
}

/// Verifies a certified block against a network's built-in identities (no epoch tracking:
/// the identity is the built-in one serving the certificate's epoch).
pub fn verify_with_network(
    network: &Network,
    block: &CertifiedBlock,
) -> Result<VerifiedBlock, Error> {
    verify_inner(
        network.epoch_length().get(),
        block,
        |epoch| network.builtin_identity(epoch).map(|a| a.identity.clone()),
        true,
    )
}

/// Where a block that `network` refused looks like it comes from: a hint for people who
/// passed the wrong network. Never a verdict: the block stays refused under `network`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Provenance {
    /// The block verifies under another built-in network's identity (its name).
    Preset(&'static str),
    /// The certificate's epoch for this height contradicts `network`'s epoch length: the
    /// chain's epoch length lies in `min..=max` (a custom network, such as a devnet).
    EpochLength {
        /// Smallest epoch length that puts the height in the certificate's epoch.
        min: u64,
        /// Largest such epoch length.
        max: u64,
    },
}

/// Explains a refusal by `network` of `block` when the network, not the block, is the likely
/// culprit: a certificate whose epoch cannot be this network's for its height, or a block
/// that verifies under another preset. `None` when nothing points elsewhere (a forged or
/// corrupt block stays unexplained). Costs one verification per other preset.
pub fn provenance(network: &Network, block: &CertifiedBlock) -> Option<Provenance> {
    let height = block.header.number();
    let epoch = block.certificate.epoch;
    if height / network.epoch_length().get() != epoch {
        // floor(height / L) == epoch  <=>  height / (epoch + 1) < L <= height / epoch.
        // (No epoch length at all when that bound is u64::MAX: epoch 0 at height u64::MAX.)
        let min = (height / epoch.checked_add(1)?).checked_add(1)?;
        let max = match epoch {
            0 => u64::MAX,
            _ => height / epoch,
        };
        return (min <= max).then_some(Provenance::EpochLength { min, max });
    }
    [Network::mainnet(), Network::testnet()]
        .into_iter()
        .filter(|preset| preset != network)
        .find(|preset| verify_with_network(preset, block).is_ok())
        .map(|preset| Provenance::Preset(preset.name()))
}

/// The rules in order; `identity_for` answers rule 3 for the epoch rule 2 established.
/// `check_signature` is false only where a batch multi-pairing already proved rule 4.
pub(crate) fn verify_inner(
    epoch_length: u64,
    block: &CertifiedBlock,
    identity_for: impl FnOnce(u64) -> Result<PublicKey, VerifyError>,
    check_signature: bool,
) -> Result<VerifiedBlock, Error> {
    verify_hashed(
        epoch_length,
        block,
        block.header.hash(),
        identity_for,
        check_signature,
        None,
    )
}

/// [`verify_inner`] with the header's hash already computed (a batch hashes each header once).
/// A boundary's DKG outcome is decoded only once its certificate is proven (here, or by the
/// batch whose verdict `check_signature: false` carries), and never past the node's size
/// bound; `known` is an outcome decoded before (the previous boundary's), whose checked
/// points and keys need not be checked again (the verdict is decoding's alone).
pub(crate) fn verify_hashed(
    epoch_length: u64,
    block: &CertifiedBlock,
    hash: B256,
    identity_for: impl FnOnce(u64) -> Result<PublicKey, VerifyError>,
    check_signature: bool,
    known: Option<&DkgOutcome>,
) -> Result<VerifiedBlock, Error> {
    check_block_digest(block, hash)?;
    let height = block.header.number();
    let epoch = check_epoch(epoch_length, &block.certificate, height)?;
    let identity = identity_for(epoch)?;
    if check_signature {
        block.certificate.verify(&identity)?;
    }
    let next_epoch = if epoch::is_boundary(epoch_length, height) {
        Some(DkgOutcome::from_extra_data(
            block.header.extra_data(),
            known,
        )?)
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

/// [`verify_hashed`] under an identity already chosen (one instance for every caller).
pub(crate) fn verify_under(
    epoch_length: u64,
    block: &CertifiedBlock,
    hash: B256,
    identity: PublicKey,
    check_signature: bool,
    known: Option<&DkgOutcome>,
) -> Result<VerifiedBlock, Error> {
    verify_hashed(
        epoch_length,
        block,
        hash,
        move |_| Ok(identity),
        check_signature,
        known,
    )
}

/// Verifies many certified blocks in one multi-pairing across their identities
/// (`identity_for` gives each block's epoch its identity); when that fails, one per
/// identity, and a failed batch is split in halves until the bad certificates are found.
/// Each result is exactly what verifying that block alone gives.
pub fn verify_batch(
    epoch_length: u64,
    blocks: &[CertifiedBlock],
    identity_for: impl Fn(u64) -> Result<PublicKey, VerifyError>,
) -> Vec<Result<VerifiedBlock, Error>> {
    /// A block after the cheap rules: refused already, or waiting for its group's pairing.
    enum Checked {
        Refused(Error),
        Grouped { group: usize, hash: B256 },
    }
    let mut groups: Vec<(PublicKey, Vec<usize>)> = Vec::new();
    let checked: Vec<Checked> = blocks
        .iter()
        .enumerate()
        .map(|(i, block)| {
            let hash = block.header.hash();
            let identity = check_block_digest(block, hash)
                .and_then(|()| check_epoch(epoch_length, &block.certificate, block.header.number()))
                .and_then(&identity_for);
            match identity {
                Err(e) => Checked::Refused(e.into()),
                Ok(identity) => Checked::Grouped {
                    group: join_group(&mut groups, identity, i),
                    hash,
                },
            }
        })
        .collect();
    let mut good = alloc::vec![false; blocks.len()];
    prove_groups(blocks, &groups, &mut good);
    checked
        .into_iter()
        .enumerate()
        .map(|(i, checked)| match checked {
            Checked::Refused(e) => Err(e),
            Checked::Grouped { group, hash } => {
                let identity = groups[group].0.clone();
                // A certificate the batch proved needs no pairing of its own; one it did not
                // is verified alone, so its refusal is exactly the single-block refusal.
                verify_under(epoch_length, &blocks[i], hash, identity, !good[i], None)
            }
        })
        .collect()
}

/// Adds block `member` to the group of `identity` (made if it is the first of it), for
/// [`prove_groups`]; returns the group's index.
pub(crate) fn join_group(
    groups: &mut Vec<(PublicKey, Vec<usize>)>,
    identity: PublicKey,
    member: usize,
) -> usize {
    match groups.iter().position(|(id, _)| *id == identity) {
        Some(group) => {
            groups[group].1.push(member);
            group
        }
        None => {
            groups.push((identity, alloc::vec![member]));
            groups.len() - 1
        }
    }
}

/// Marks in `good` the members of every group whose certificates verify under the group's
/// identity: all groups in one multi-pairing (one final exponentiation for the lot), and
/// when that fails, each group alone, splitting failed batches in halves.
pub(crate) fn prove_groups(
    blocks: &[CertifiedBlock],
    groups: &[(PublicKey, Vec<usize>)],
    good: &mut [bool],
) {
    if groups.len() > 1 {
        let together: Vec<(&PublicKey, Vec<&Certificate>)> = groups
            .iter()
            .map(|(identity, members)| {
                (
                    identity,
                    members.iter().map(|&i| &blocks[i].certificate).collect(),
                )
            })
            .collect();
        if crate::wire::certificate::verify_groups(&together) {
            for (_, members) in groups {
                for &i in members {
                    good[i] = true;
                }
            }
            return;
        }
    }
    for (identity, members) in groups {
        bisect(identity, blocks, members, good);
    }
}

/// Marks in `good` the members whose certificates verify, splitting failed batches in halves.
fn bisect(identity: &PublicKey, blocks: &[CertifiedBlock], members: &[usize], good: &mut [bool]) {
    if members.is_empty() {
        return;
    }
    let certificates: Vec<&Certificate> = members.iter().map(|&i| &blocks[i].certificate).collect();
    if crate::wire::certificate::verify_some(identity, &certificates).is_ok() {
        for &i in members {
            good[i] = true;
        }
        return;
    }
    if members.len() == 1 {
        return;
    }
    let (left, right) = members.split_at(members.len() / 2);
    bisect(identity, blocks, left, good);
    bisect(identity, blocks, right, good);
}
