//! Bridging epochs: the boundaries a client asks for on its way to a newer tip, how a run of
//! them is verified in one multi-pairing, and how each boundary's DKG outcome registers the
//! identity of the epoch it opens (the announcement rule included).

use super::*;

/// What a run of boundaries taught the client about one of them before its turn.
pub(super) struct Precheck {
    /// The identity its certificate was proven valid under by a batch, if any.
    proven: Option<PublicKey>,
    /// The outcome of the boundary verified before it in the run (its points and keys passed
    /// their checks, so the same bytes in this outcome are not checked again); after this
    /// boundary verifies, its own outcome, for the next.
    known: Option<crate::wire::dkg::DkgOutcome>,
}

pub(super) fn check_outcome_epoch(
    height: u64,
    expected: u64,
    actual: u64,
) -> Result<(), ClientError> {
    if expected == actual {
        Ok(())
    } else {
        Err(ClientError::BoundaryEpochMismatch {
            height,
            expected,
            actual,
        })
    }
}

/// Registers an outcome's identity for its epoch. `previous` is the epoch the boundary
/// belongs to and the identity that signed it (`None` when anchoring, where it is trusted).
pub(super) fn register_outcome(
    state: &mut TrustState,
    outcome: &crate::wire::dkg::DkgOutcome,
    previous: Option<(u64, PublicKey)>,
    events: &mut Vec<Event>,
) -> Result<(), ClientError> {
    let identity = outcome.identity().clone();
    let rotated = previous.as_ref().is_some_and(|(_, id)| *id != identity);
    if rotated {
        // Enforce the announcement when the previous epoch's outcome is known.
        if let (Some((prev_epoch, _)), Some(announced)) = (previous, state.announced) {
            if announced.epoch == prev_epoch && !announced.next_full_dkg {
                return Err(ClientError::UnannouncedRotation {
                    epoch: outcome.epoch,
                });
            }
        }
    }
    // Warn once per identity that differs from the preset (not at every reshare of it).
    let known = state.runs.last().is_some_and(|r| r.identity == identity);
    if let Ok(preset) = state.network.builtin_identity(outcome.epoch) {
        if preset.identity != identity && !known {
            events.push(Event::PresetIdentityDiffers {
                epoch: outcome.epoch,
                preset: preset.identity.clone(),
                onchain: identity.clone(),
            });
        }
    }
    state.register(outcome.epoch, identity.clone(), outcome.is_next_full_dkg);
    events.push(Event::EpochTransition {
        epoch: outcome.epoch,
        identity,
        rotated,
        next_full_dkg: outcome.is_next_full_dkg,
        players: outcome.players.len(),
    });
    Ok(())
}

/// The latest boundary at or before `height` (genesis, 0, if there is none).
pub fn latest_boundary_at_or_before(length: u64, height: u64) -> Result<u64, VerifyError> {
    let e = epoch::epoch_of(length, height)?;
    if epoch::is_boundary(length, height) {
        return Ok(height);
    }
    Ok(match e.checked_sub(1) {
        // Cannot fall back: the boundary of the epoch before `height`'s lies below `height`.
        Some(previous) => epoch::boundary_of(length, previous).unwrap_or(0),
        None => 0,
    })
}

impl LightClient {
    /// The boundary heights the client will ask for next, in order, while it bridges towards
    /// a newer tip (at most `max`; empty when it is not bridging). A driver may fetch them
    /// together and hand them to [`LightClient::on_boundaries`]. In every-header mode each
    /// boundary is followed by its header run, so only the next one is listed.
    pub fn boundaries_wanted(&self, max: usize) -> Vec<u64> {
        let (Sync::Bridging { tip }, None) = (&self.sync, &self.state.frozen) else {
            return Vec::new();
        };
        let Some(from) = self.bridged_epoch() else {
            return Vec::new();
        };
        let length = self.state.network.epoch_length().get();
        let max = if self.every_header { max.min(1) } else { max };
        (from..tip.block.epoch())
            .take(max)
            .map_while(|epoch| epoch::boundary_of(length, epoch))
            .collect()
    }

    /// Accepts a run of boundary finalizations answering [`LightClient::boundaries_wanted`],
    /// ascending: exactly as if each were given to [`LightClient::on_finalization`] in turn
    /// (the same events, the same state, the same first refusal), all-or-nothing over the
    /// run, with their certificates verified in one multi-pairing per identity.
    ///
    /// The identities are learnt ahead from the outcomes in the run itself, unchecked; that
    /// only decides which certificates are paired together. Each boundary is then taken in
    /// order through the rules, and a batch's verdict counts for its certificate only under
    /// the identity the rules arrive at; any other is verified alone.
    pub fn on_boundaries(
        &mut self,
        blocks: Vec<CertifiedBlock>,
    ) -> Result<Vec<Event>, ClientError> {
        let proven = self.prove_boundaries(&blocks);
        let mut next = self.clone();
        let mut events = Vec::new();
        let mut known = None;
        for (block, proven) in blocks.into_iter().zip(proven) {
            if !matches!(next.sync, Sync::Bridging { .. }) {
                // The run goes on past the boundaries the client wanted.
                return Err(ClientError::Unexpected(Unexpected::AnotherHeight));
            }
            let mut precheck = Precheck { proven, known };
            events.extend(next.finalization(block, Some(&mut precheck))?);
            known = precheck.known;
        }
        *self = next;
        Ok(events)
    }

    /// Verifies the run's certificates in batches, each under the identity it would have if
    /// every boundary before it were accepted: the identity a boundary announces is read
    /// from its `extraData` without decoding the rest ([`crate::wire::dkg::announced_identity`];
    /// a key other than the block's own costs one point check), and that only decides which
    /// certificates are paired together. No outcome is decoded here: each is decoded in its
    /// turn, after its certificate is proven under the identity the rules arrive at.
    pub(super) fn prove_boundaries(&self, blocks: &[CertifiedBlock]) -> Vec<Option<PublicKey>> {
        let length = self.state.network.epoch_length().get();
        // Identities the run's own boundaries announce, by epoch (unchecked until their turn).
        let mut announced: Vec<(u64, PublicKey)> = Vec::new();
        let mut groups: Vec<(PublicKey, Vec<usize>)> = Vec::new();
        for (i, block) in blocks.iter().enumerate() {
            let epoch = block.certificate.epoch;
            let identity = match announced.iter().rev().find(|(e, _)| *e == epoch) {
                Some((_, identity)) => Some(identity.clone()),
                None => self.state.identity_for(epoch).ok(),
            };
            if epoch::is_boundary(length, block.header.number()) {
                if let Some((next, bytes)) =
                    crate::wire::dkg::announced_identity(block.header.extra_data())
                {
                    let key = match &identity {
                        // A reshare keeps the key: the one already decoded.
                        Some(same) if same.to_bytes() == bytes => Some(same.clone()),
                        _ => PublicKey::from_bytes(&bytes).ok(),
                    };
                    if let Some(key) = key {
                        announced.push((next, key));
                    }
                }
            }
            if let Some(identity) = identity {
                verify::join_group(&mut groups, identity, i);
            }
        }
        let mut good = alloc::vec![false; blocks.len()];
        verify::prove_groups(blocks, &groups, &mut good);
        let mut proven = alloc::vec![None; blocks.len()];
        for (identity, members) in &groups {
            for &i in members {
                if good[i] {
                    proven[i] = Some(identity.clone());
                }
            }
        }
        proven
    }

    /// Whether a fresh client may probe the boundary of `epoch` (walking back from `tip_epoch`).
    pub(super) fn can_probe(&self, epoch: u64, tip_epoch: u64) -> bool {
        let length = self.state.network.epoch_length().get();
        tip_epoch.saturating_sub(epoch) <= MAX_PROBE_EPOCHS
            && self.state.identity_for(epoch).is_ok()
            && self
                .state
                .head
                .is_none_or(|h| epoch::boundary_of(length, epoch) > Some(h.height))
    }

    /// A fresh client whose anchor identity does not sign the tip, and no boundary within
    /// reach walking back does either (the key rotated more than [`MAX_PROBE_EPOCHS`] epochs
    /// ago, as on a chain that rotates often): bridge forward from the anchor instead. The
    /// boundary of the anchor's first epoch is verified under the anchor identity, and every
    /// later one under the identity learnt from the boundary before it, up to the tip, as
    /// if the client had followed the chain from there. Anything else keeps `refusal`.
    pub(super) fn bridge_from_anchor(
        &mut self,
        tip: Tip,
        refusal: ClientError,
    ) -> Result<Vec<Event>, ClientError> {
        let tip_epoch = tip.block.epoch();
        let fresh = self.state.head.is_none() && self.state.registered_through.is_none();
        let Ok(anchor) = self.state.network.builtin_identity(tip_epoch).cloned() else {
            return Err(refusal);
        };
        if !fresh || anchor.from_epoch >= tip_epoch {
            return Err(refusal);
        }
        self.state.anchor(anchor.from_epoch, anchor.identity);
        self.sync = Sync::Idle;
        self.continue_to(tip)
    }

    /// The last epoch whose identity the client has bridged to, if any. A client anchored by
    /// a built-in identity alone has not learnt its epoch's outcome yet: it bridges from the
    /// boundary before its head first, so the announcement is known before the next change.
    pub(super) fn bridged_epoch(&self) -> Option<u64> {
        match (self.state.registered_through, self.state.head) {
            (Some(k), _) => Some(k),
            (None, Some(head)) => Some(match head.epoch.checked_sub(1) {
                Some(previous) if self.state.identity_for(previous).is_ok() => previous,
                _ => head.epoch,
            }),
            (None, None) => None,
        }
    }

    /// Verifies a boundary certificate under the identity already trusted for its epoch. A
    /// `precheck` saves work, never a rule: its signature verdict counts only if it was
    /// reached under that very identity.
    pub(super) fn verify_boundary(
        &self,
        block: &CheckedBlock<'_>,
        precheck: Option<&mut Precheck>,
    ) -> Result<VerifiedBlock, ClientError> {
        if !block.is_boundary() {
            return Err(ClientError::Unexpected(Unexpected::NotABoundary));
        }
        let identity = self.state.identity_for(block.epoch())?;
        let Some(precheck) = precheck else {
            return Ok(block.verify_under(identity, None)?);
        };
        let verified = if precheck.proven.as_ref() == Some(&identity) {
            block.proven_under(identity, precheck.known.as_ref())?
        } else {
            block.verify_under(identity, precheck.known.as_ref())?
        };
        precheck.known.clone_from(&verified.next_epoch);
        Ok(verified)
    }

    /// Verifies a boundary certificate, registers the epoch it opens, and carries on towards `tip`.
    pub(super) fn accept_boundary(
        &mut self,
        block: &CheckedBlock<'_>,
        tip: Tip,
        precheck: Option<&mut Precheck>,
    ) -> Result<Vec<Event>, ClientError> {
        let verified = self.verify_boundary(block, precheck)?;
        if let Some(known) = self.state.known_hash(verified.height) {
            if known != verified.hash {
                let height = verified.height;
                return self.old_finalization(block, height);
            }
        }
        self.apply_verified(verified, Some(tip), block.block().claimed.seen)
    }
}
