//! Deciding finality of one block: each rule a named predicate with its own error.
//!
//! A CertifiedBlock proves its block final exactly when
//! 1. [`check_digest`]: the certificate's digest is the header's hash;
//! 2. [`check_epoch`]: the certificate's epoch is the epoch containing the header's height
//!    (1 and 2 together make a [`CheckedBlock`], which every path below starts from);
//! 3. an identity is known for that epoch (supplied by the caller: [`verify_block`], or
//!    taken from a network's built-in identities: [`verify_with_network`]);
//! 4. [`Certificate::verify`]: both threshold signatures verify against that identity.
//!
//! A verified boundary block (the last of its epoch) also yields the next epoch's DKG
//! outcome from its `extraData`.

use crate::{
    bls::PublicKey,
    error::{Error, VerifyError},
    finality::epoch,
    finality::network::Network,
    wire::certificate::Certificate,
    wire::certified_block::CertifiedBlock,
    wire::dkg::DkgOutcome,
    wire::header::TempoHeader,
};
use alloc::{borrow::Cow, vec::Vec};
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

/// A certified block that passed the rules needing no identity: its certificate finalizes its
/// header ([`check_digest`], rule 1) in the epoch containing its height ([`check_epoch`],
/// rule 2). The header is hashed once, here; every later step (choosing the identity for
/// [`CheckedBlock::epoch`], the signature, a boundary's outcome) reads these facts instead of
/// checking them again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedBlock<'a> {
    block: Cow<'a, CertifiedBlock>,
    hash: B256,
    epoch: u64,
    boundary: bool,
}

impl<'a> CheckedBlock<'a> {
    /// Runs rules 1 and 2 on a borrowed block. A mismatched digest on a header that carried
    /// fields this version does not know is [`VerifyError::UnsupportedHeader`] naming them (a
    /// later fork's hashed fields, which this version cannot hash), not a lie about the digest.
    pub fn check(epoch_length: u64, block: &'a CertifiedBlock) -> Result<Self, VerifyError> {
        Self::new(epoch_length, Cow::Borrowed(block))
    }

    fn new(epoch_length: u64, block: Cow<'a, CertifiedBlock>) -> Result<Self, VerifyError> {
        let hash = block.header.hash();
        check_digest(&block.certificate, hash).map_err(|e| {
            if block.claimed.unknown_header_fields.is_empty() {
                e
            } else {
                VerifyError::UnsupportedHeader {
                    fields: block.claimed.unknown_header_fields.clone(),
                }
            }
        })?;
        let height = block.header.number();
        let epoch = check_epoch(epoch_length, &block.certificate, height)?;
        Ok(Self {
            boundary: epoch::is_boundary(epoch_length, height),
            block,
            hash,
            epoch,
        })
    }

    /// The certified block as received.
    pub fn block(&self) -> &CertifiedBlock {
        &self.block
    }

    /// Its header's hash, which the certificate's digest equals.
    pub fn hash(&self) -> B256 {
        self.hash
    }

    /// The epoch containing its height, which the certificate's epoch equals.
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// Its height.
    pub fn height(&self) -> u64 {
        self.block.header.number()
    }

    /// Whether it is the last block of its epoch (its `extraData` announces the next).
    pub fn is_boundary(&self) -> bool {
        self.boundary
    }

    /// Rules 3 and 4: the certificate verifies under `identity`, the one the caller trusts
    /// for [`CheckedBlock::epoch`]. A boundary's DKG outcome is decoded only once its
    /// certificate is proven, and never past the node's size bound: a boundary block whose
    /// `extraData` is not a DKG outcome is a [`crate::DecodeError`] even though its
    /// certificate verified (a light client cannot cross that boundary). `known` is an
    /// outcome decoded before (the previous boundary's), whose checked points and keys need
    /// not be checked again (the verdict is decoding's alone).
    pub fn verify_under(
        &self,
        identity: PublicKey,
        known: Option<&DkgOutcome>,
    ) -> Result<VerifiedBlock, Error> {
        self.block.certificate.verify(&identity)?;
        self.proven_under(identity, known)
    }

    /// [`CheckedBlock::verify_under`] for a certificate a multi-pairing already proved under
    /// `identity` ([`prove_groups`]): only the outcome is left to decode.
    pub(crate) fn proven_under(
        &self,
        identity: PublicKey,
        known: Option<&DkgOutcome>,
    ) -> Result<VerifiedBlock, Error> {
        let next_epoch = if self.boundary {
            Some(DkgOutcome::from_extra_data(
                self.block.header.extra_data(),
                known,
            )?)
        } else {
            None
        };
        Ok(VerifiedBlock {
            height: self.height(),
            hash: self.hash,
            epoch: self.epoch,
            view: self.block.certificate.view,
            parent_view: self.block.certificate.parent_view,
            identity,
            header: self.block.header.clone(),
            next_epoch,
        })
    }
}

impl CheckedBlock<'static> {
    /// [`CheckedBlock::check`] of a block the caller hands over (one kept across requests).
    pub fn check_owned(epoch_length: u64, block: CertifiedBlock) -> Result<Self, VerifyError> {
        Self::new(epoch_length, Cow::Owned(block))
    }
}

/// Verifies a certified block against an identity the caller trusts for its epoch: the rules
/// cheapest first (hash, epoch, then pairing); see [`CheckedBlock`].
pub fn verify_block(
    identity: &PublicKey,
    epoch_length: u64,
    block: &CertifiedBlock,
) -> Result<VerifiedBlock, Error> {
    CheckedBlock::check(epoch_length, block)?.verify_under(identity.clone(), None)
}

/// Verifies a certified block against a network's built-in identities (no epoch tracking:
/// the identity is the built-in one serving the certificate's epoch).
pub fn verify_with_network(
    network: &Network,
    block: &CertifiedBlock,
) -> Result<VerifiedBlock, Error> {
    let checked = CheckedBlock::check(network.epoch_length().get(), block)?;
    let identity = network.builtin_identity(checked.epoch())?.identity.clone();
    checked.verify_under(identity, None)
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

/// Verifies many certified blocks in one multi-pairing across their identities
/// (`identity_for` gives each block's epoch its identity); when that fails, one per
/// identity, and a failed batch is split in halves until the bad certificates are found.
/// Each result is exactly what verifying that block alone gives.
pub fn verify_batch(
    epoch_length: u64,
    blocks: &[CertifiedBlock],
    identity_for: impl Fn(u64) -> Result<PublicKey, VerifyError>,
) -> Vec<Result<VerifiedBlock, Error>> {
    let mut groups: Vec<(PublicKey, Vec<usize>)> = Vec::new();
    let checked: Vec<Result<(CheckedBlock<'_>, usize), VerifyError>> = blocks
        .iter()
        .enumerate()
        .map(|(i, block)| {
            let checked = CheckedBlock::check(epoch_length, block)?;
            let identity = identity_for(checked.epoch())?;
            Ok((checked, join_group(&mut groups, identity, i)))
        })
        .collect();
    let mut good = alloc::vec![false; blocks.len()];
    prove_groups(blocks, &groups, &mut good);
    checked
        .into_iter()
        .enumerate()
        .map(|(i, checked)| {
            let (checked, group) = checked?;
            let identity = groups[group].0.clone();
            // A certificate the batch proved needs no pairing of its own; one it did not
            // is verified alone, so its refusal is exactly the single-block refusal.
            if good[i] {
                checked.proven_under(identity, None)
            } else {
                checked.verify_under(identity, None)
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
