//! The finalization certificate: its wire format and its signature check.
//!
//! Wire format (commonware-codec, 134 to 140 bytes):
//! `varint(epoch) ‖ varint(view) ‖ varint(parent_view) ‖ digest[32] ‖ vote_sig[48] ‖ seed_sig[48]`.
//! The first four fields are the *proposal*, the first two the *round*. Decoding rejects
//! truncation, non-canonical varints and trailing bytes; the two G1 signatures are kept as
//! bytes and only checked when verifying (the reference decodes them lazily too), so a
//! malformed signature is a verification failure, not a decode error.
//!
//! Verification (`bls12381_threshold::vrf`, `Finalization::verify` with
//! `Scheme::certificate_verifier(b"TEMPO", identity)`):
//! - `vote_sig` signs `union_unique(b"TEMPO_FINALIZE", proposal)`;
//! - `seed_sig` signs `union_unique(b"TEMPO_SEED", round)`;
//! - both against the identity, checked together in one multi-pairing.

use crate::{
    bls::{self, Entry, PublicKey, Signature, SIGNATURE_LENGTH},
    error::{DecodeError, VerifyError},
    wire::codec::{decode_hex, write_varint, Reader},
};
use alloc::vec::Vec;
use alloy_primitives::B256;

/// Tempo's consensus namespace (`tempo_consensus::config::NAMESPACE`).
pub const NAMESPACE: &[u8] = b"TEMPO";
/// Namespace of finalize votes: `NAMESPACE ‖ "_FINALIZE"`.
pub const FINALIZE_NAMESPACE: &[u8] = b"TEMPO_FINALIZE";
/// Namespace of seed (VRF) signatures: `NAMESPACE ‖ "_SEED"`.
pub const SEED_NAMESPACE: &[u8] = b"TEMPO_SEED";

/// Smallest encoded certificate (three one-byte varints).
pub const MIN_LENGTH: usize = 3 + 32 + 2 * SIGNATURE_LENGTH;
/// Largest encoded certificate (three ten-byte varints).
pub const MAX_LENGTH: usize = 30 + 32 + 2 * SIGNATURE_LENGTH;

/// A decoded finalization certificate. Nothing in it is trusted until [`Certificate::verify`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Certificate {
    /// Epoch of the round.
    pub epoch: u64,
    /// View of the round.
    pub view: u64,
    /// View of the parent proposal.
    pub parent_view: u64,
    /// The finalized block's hash.
    pub digest: B256,
    /// Threshold signature over the proposal (compressed G1, unchecked until verification).
    pub vote_signature: [u8; SIGNATURE_LENGTH],
    /// Threshold signature over the round, the VRF seed (compressed G1, unchecked until verification).
    pub seed_signature: [u8; SIGNATURE_LENGTH],
}

impl Certificate {
    /// Decodes the commonware-codec encoding; the input must be exactly one certificate.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let epoch = r.varint_u64("certificate.epoch")?;
        let view = r.varint_u64("certificate.view")?;
        let parent_view = r.varint_u64("certificate.parent_view")?;
        let digest = B256::from(r.array::<32>("certificate.digest")?);
        let vote_signature = r.array::<SIGNATURE_LENGTH>("certificate.vote_signature")?;
        let seed_signature = r.array::<SIGNATURE_LENGTH>("certificate.seed_signature")?;
        r.finish("certificate")?;
        Ok(Self {
            epoch,
            view,
            parent_view,
            digest,
            vote_signature,
            seed_signature,
        })
    }

    /// Decodes a hex string (with or without `0x`), as the RPC's `certificate` field carries it.
    pub fn from_hex(text: &str) -> Result<Self, DecodeError> {
        Self::decode(&decode_hex("certificate", text)?)
    }

    /// The commonware-codec encoding.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = self.proposal_bytes();
        out.extend_from_slice(&self.vote_signature);
        out.extend_from_slice(&self.seed_signature);
        out
    }

    /// The round's encoding, `varint(epoch) ‖ varint(view)`: the seed signature's message.
    pub fn round_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(20);
        write_varint(&mut out, self.epoch);
        write_varint(&mut out, self.view);
        out
    }

    /// The proposal's encoding, `round ‖ varint(parent_view) ‖ digest`: the vote signature's message.
    pub fn proposal_bytes(&self) -> Vec<u8> {
        let mut out = self.round_bytes();
        write_varint(&mut out, self.parent_view);
        out.extend_from_slice(self.digest.as_slice());
        out
    }

    /// Decodes both signatures (the lazy half of decoding).
    pub fn signatures(&self) -> Result<(Signature, Signature), VerifyError> {
        let vote = Signature::from_bytes(&self.vote_signature).map_err(|reason| {
            VerifyError::SignaturePoint {
                which: "vote",
                reason,
            }
        })?;
        let seed = Signature::from_bytes(&self.seed_signature).map_err(|reason| {
            VerifyError::SignaturePoint {
                which: "seed",
                reason,
            }
        })?;
        Ok((vote, seed))
    }

    /// Checks both threshold signatures against `identity`, in one multi-pairing.
    ///
    /// This is the signature check only: that the certificate's digest is the block's hash
    /// and its epoch the block's epoch is [`crate::finality::verify`]'s job.
    pub fn verify(&self, identity: &PublicKey) -> Result<(), VerifyError> {
        verify_batch(identity, core::slice::from_ref(self))
    }
}

/// A batch's entries: every certificate's vote, and each round's seed once. Certificates
/// that share a round must carry the same seed signature, else the batch fails.
fn entries(certificates: &[&Certificate]) -> Result<Vec<Entry>, VerifyError> {
    let mut entries = Vec::with_capacity(certificates.len() * 2);
    let mut seen_rounds: Vec<(Vec<u8>, &[u8; SIGNATURE_LENGTH])> = Vec::new();
    for certificate in certificates {
        let (vote, seed) = certificate.signatures()?;
        entries.push(Entry {
            namespace: FINALIZE_NAMESPACE,
            message: certificate.proposal_bytes(),
            signature: vote,
        });
        let round = certificate.round_bytes();
        match seen_rounds.iter().find(|(r, _)| *r == round) {
            Some((_, seed_bytes)) => {
                if **seed_bytes != certificate.seed_signature {
                    return Err(VerifyError::BadSignature {
                        epoch: certificate.epoch,
                    });
                }
            }
            None => {
                seen_rounds.push((round.clone(), &certificate.seed_signature));
                entries.push(Entry {
                    namespace: SEED_NAMESPACE,
                    message: round,
                    signature: seed,
                });
            }
        }
    }
    Ok(entries)
}

/// Checks many certificates of one identity in a single multi-pairing (all or nothing).
///
/// Seeds are per round: certificates that share a round must carry the same seed
/// signature (else the batch fails), and each round's seed is checked once, as in the
/// reference's `verify_certificates`.
pub fn verify_batch(identity: &PublicKey, certificates: &[Certificate]) -> Result<(), VerifyError> {
    let certificates: Vec<&Certificate> = certificates.iter().collect();
    verify_some(identity, &certificates)
}

/// [`verify_batch`] over borrowed certificates.
pub(crate) fn verify_some(
    identity: &PublicKey,
    certificates: &[&Certificate],
) -> Result<(), VerifyError> {
    let batch = bls::Batch {
        signer: identity,
        entries: entries(certificates)?,
    };
    if bls::verify_same_signer(batch) {
        Ok(())
    } else {
        Err(VerifyError::BadSignature {
            epoch: certificates.first().map_or(0, |c| c.epoch),
        })
    }
}

/// Checks the certificates of several identities together, in one multi-pairing with one
/// final exponentiation: `true` says each group would pass [`verify_batch`] under its
/// identity; `false` only that they were not proven together (a group fails, or cannot be
/// batched), and each group must then be checked alone to learn which.
pub(crate) fn verify_groups(groups: &[(&PublicKey, Vec<&Certificate>)]) -> bool {
    let mut batches = Vec::with_capacity(groups.len());
    for (identity, certificates) in groups {
        let Ok(entries) = entries(certificates) else {
            return false;
        };
        batches.push(bls::Batch {
            signer: identity,
            entries,
        });
    }
    bls::verify_signers(&batches)
}
