//! Following finality across epochs: the light-client state machine (sans-IO).
//!
//! A [`LightClient`] owns its [`TrustState`] and never performs I/O. It says what it needs
//! next ([`LightClient::next_request`]), and accepts the answers
//! ([`LightClient::on_finalization`], [`LightClient::on_headers`]); any transport can drive
//! it: the native CLI's HTTP/WebSocket driver, the browser's `fetch`, or a test.
//!
//! How it keeps up:
//! - The latest finalization is the *tip*. If the identities it knows reach the tip's
//!   epoch, the tip is verified at once and becomes the head.
//! - Otherwise it *bridges*: it asks for the certificate of each epoch's boundary block
//!   after the last one it knows, verifies it under the identity it already trusts,
//!   and registers the next epoch's identity from the boundary's DKG outcome. Between
//!   boundaries it jumps: no header is fetched unless every header was asked for.
//! - A fresh client whose built-in identity does not verify the tip (the key rotated since
//!   the preset was made) walks back boundary by boundary to the first one it can verify,
//!   then bridges forward from there, as Tempo's `FinalizedHeaderStream` does.
//! - In every-header mode each verified target is followed by the run of headers back to the
//!   head, authenticated by parent hashes from the certified tip down (a certificate for a
//!   block vouches for all its ancestors), and yielded in ascending order.
//!
//! Rules beyond one certificate: a boundary's outcome must be for the next epoch; a boundary
//! that changes the identity is accepted only if the previous outcome announced a full DKG
//! (when that outcome is known: the first registration after anchoring trusts the anchor);
//! the head never moves backwards; two valid finalizations at one height freeze the client.
//!
//! Every operation is all-or-nothing: it works on a copy and commits only on success.

mod bridge;
mod event;
mod headers;
pub mod history;
pub mod trust;

pub use bridge::latest_boundary_at_or_before;
use bridge::{check_outcome_epoch, register_outcome, Precheck};
use event::finalized_event;
pub use event::{AuthenticatedHeader, Event, Request};
use headers::authenticate_run;
pub use trust::{Announcement, Equivocation, Head, IdentityRun, TrustState};

use crate::{
    bls::PublicKey,
    error::{ClientError, Error, Unexpected, VerifyError},
    finality::epoch,
    finality::network::Network,
    finality::verify::{self, CheckedBlock, VerifiedBlock},
    state::state_proof::ProofError,
    state::tip20::BalanceQuery,
    wire::certified_block::CertifiedBlock,
    wire::header::TempoHeader,
};
use alloc::{string::String, vec, vec::Vec};
use alloy_primitives::B256;

/// Most headers asked for in one [`Request::Headers`].
pub const MAX_HEADERS_PER_REQUEST: u64 = 256;
/// How many epochs a fresh client walks back looking for a boundary it can verify.
pub const MAX_PROBE_EPOCHS: u64 = 64;

/// Where the client is in reaching the newest tip.
// One value per client; the size difference between variants costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq)]
enum Sync {
    /// Waiting for a newer finalization.
    Idle,
    /// Fetching boundary certificates up to the tip's epoch.
    Bridging { tip: Tip },
    /// A fresh client walking back to a boundary it can verify (`confirm`: one boundary
    /// further back, to learn the announcement before trusting the next change).
    Probing { tip: Tip, epoch: u64, confirm: bool },
    /// Fetching the header run from the head up to a verified target (every-header mode).
    Filling {
        target: VerifiedBlock,
        resume: Option<Tip>,
        /// Runs received so far, highest first; each ends at the parent of the one before.
        chunks: Vec<Vec<AuthenticatedHeader>>,
    },
}

/// A finalization to reach, past the rules that need no identity (checked once, when it
/// arrived).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Tip {
    block: CheckedBlock<'static>,
}

/// The light client.
#[derive(Clone, Debug)]
pub struct LightClient {
    state: TrustState,
    every_header: bool,
    sync: Sync,
}

impl LightClient {
    /// A client trusting `network`'s built-in identities, with no head yet.
    pub fn new(network: Network) -> Self {
        Self::from_state(TrustState::new(network))
    }

    /// A client resuming from saved state.
    pub fn from_state(state: TrustState) -> Self {
        Self {
            state,
            every_header: false,
            sync: Sync::Idle,
        }
    }

    /// Restores from [`Self::to_json`].
    pub fn from_json(text: &str) -> Result<Self, ClientError> {
        TrustState::from_json(text).map(Self::from_state)
    }

    /// Restores from [`Self::to_json`] for `network`, refusing state saved for another
    /// ([`TrustState::from_json_for`]).
    pub fn from_json_for(network: &Network, text: &str) -> Result<Self, ClientError> {
        TrustState::from_json_for(network, text).map(Self::from_state)
    }

    /// A client anchored at a block you trust: `headers` run ascending from the latest
    /// boundary at or before it (or genesis) to the trusted block, whose hash is `trusted`.
    /// The run is authenticated by parent hashes down from `trusted`, and the boundary's
    /// outcome registers the identity of the epoch after it.
    pub fn from_trusted_block(
        network: Network,
        trusted: B256,
        headers: &[TempoHeader],
    ) -> Result<(Self, Vec<Event>), ClientError> {
        let length = network.epoch_length().get();
        let mut state = TrustState::new(network);
        let first = headers
            .first()
            .ok_or(ClientError::Unexpected(Unexpected::NoHeaders))?;
        let last = headers
            .last()
            .ok_or(ClientError::Unexpected(Unexpected::NoHeaders))?;
        authenticate_run(headers, first.number(), last.number(), trusted)?;
        let top = last.number();
        let boundary = latest_boundary_at_or_before(length, top)?;
        if first.number() != boundary {
            return Err(ClientError::HeaderNumberMismatch {
                expected: boundary,
                actual: first.number(),
            });
        }
        let mut events = Vec::new();
        let outcome = crate::wire::dkg::DkgOutcome::from_extra_data(first.extra_data(), None)
            .map_err(Error::from)?;
        let expected = if boundary == 0 && !epoch::is_boundary(length, 0) {
            0
        } else {
            epoch::epoch_of(length, boundary)? + 1
        };
        check_outcome_epoch(boundary, expected, outcome.epoch)?;
        register_outcome(&mut state, &outcome, None, &mut events)?;
        let head = Head {
            height: top,
            hash: trusted,
            epoch: epoch::epoch_of(length, top)?,
            state_root: Some(last.state_root()),
        };
        state.head = Some(head);
        state.remember(top, trusted);
        Ok((Self::from_state(state), events))
    }

    /// In every-header mode the client fetches and yields every header, not only heads.
    pub fn set_every_header(&mut self, every_header: bool) {
        self.every_header = every_header;
    }

    /// The trust state.
    pub fn state(&self) -> &TrustState {
        &self.state
    }

    /// The finalized head.
    pub fn head(&self) -> Option<Head> {
        self.state.head
    }

    /// A TIP-20 balance to prove at the head: send [`BalanceQuery::params`] to
    /// `eth_getProof`, and check the answer with [`BalanceQuery::verify`].
    pub fn balance_query(
        &self,
        token: alloy_primitives::Address,
        account: alloy_primitives::Address,
    ) -> Result<BalanceQuery, ProofError> {
        if let Some(evidence) = &self.state.frozen {
            return Err(ProofError::Frozen {
                height: evidence.height,
            });
        }
        let head = self.state.head.ok_or(ProofError::NoStateRoot(
            "no block has been proven final yet",
        ))?;
        let state_root = head.state_root.ok_or(ProofError::NoStateRoot(
            "the head was restored without its state root; follow to the next block",
        ))?;
        BalanceQuery::new(token, account, head.height, head.hash, state_root)
    }

    /// Saved state as compact, versioned JSON.
    pub fn to_json(&self) -> String {
        self.state.to_json()
    }

    /// Whether an equivocation froze the client.
    pub fn is_frozen(&self) -> bool {
        self.state.frozen.is_some()
    }

    /// Clears the frozen flag (after a person has looked at the evidence) and the plan.
    pub fn reset(&mut self) {
        self.state.frozen = None;
        self.sync = Sync::Idle;
    }

    /// Abandons the current plan (the next request is the latest finalization again).
    pub fn abandon(&mut self) {
        self.sync = Sync::Idle;
    }

    /// Whether the client has nothing pending beyond waiting for a newer finalization.
    pub fn is_idle(&self) -> bool {
        self.sync == Sync::Idle
    }

    /// What the client needs next; `None` when frozen.
    pub fn next_request(&self) -> Option<Request> {
        if self.state.frozen.is_some() {
            return None;
        }
        let length = self.state.network.epoch_length().get();
        // The fallbacks below cannot be taken: `Bridging` is entered only when a bridged epoch
        // exists and is below the tip's, and `Probing` only for an epoch below the tip's; the
        // tip's height passed `check_epoch`, so the boundary of any earlier epoch lies below it
        // and cannot overflow.
        Some(match &self.sync {
            Sync::Idle => Request::LatestFinalization,
            Sync::Bridging { .. } => Request::Finalization {
                height: epoch::boundary_of(length, self.bridged_epoch().unwrap_or(0))
                    .unwrap_or(u64::MAX),
            },
            Sync::Probing { epoch, .. } => Request::Finalization {
                height: epoch::boundary_of(length, *epoch).unwrap_or(u64::MAX),
            },
            Sync::Filling { target, chunks, .. } => {
                let to = chunks
                    .last()
                    .and_then(|c| c.first())
                    .map_or(target.height, |h| h.header.number().saturating_sub(1));
                let floor = self.state.head.map_or(0, |h| h.height + 1);
                let from = to.saturating_sub(MAX_HEADERS_PER_REQUEST - 1).max(floor);
                Request::Headers { from, to }
            }
        })
    }

    /// Accepts a finalization: the answer to [`Request::LatestFinalization`] or
    /// [`Request::Finalization`] (a subscription event counts as the former).
    pub fn on_finalization(&mut self, block: CertifiedBlock) -> Result<Vec<Event>, ClientError> {
        let mut next = self.clone();
        let events = next.finalization(block, None)?;
        *self = next;
        Ok(events)
    }

    /// The identity this client verifies `epoch`'s certificates under, as [`Self::verify`]
    /// picks it (none once frozen): what it hands to a verifier elsewhere (the npm package's
    /// payments module) instead of its whole state.
    pub fn verifying_identity(&self, epoch: u64) -> Result<PublicKey, VerifyError> {
        self.not_frozen()?;
        self.state.identity_for(epoch)
    }

    /// Verifies one certified block against the identity the client trusts for its epoch.
    /// Pure: the state does not change.
    /// A frozen client verifies nothing (`Frozen`) until [`LightClient::reset`].
    pub fn verify(&self, block: &CertifiedBlock) -> Result<VerifiedBlock, Error> {
        self.not_frozen()?;
        let checked = CheckedBlock::check(self.state.network().epoch_length().get(), block)?;
        let identity = self.state.identity_for(checked.epoch())?;
        checked.verify_under(identity, None)
    }

    /// Verifies many certified blocks against the identities the client knows, in one
    /// multi-pairing; when that fails, one per identity, bisecting to find the bad ones. Pure:
    /// the state does not change.
    /// A frozen client refuses each (`Frozen`).
    pub fn verify_batch(&self, blocks: &[CertifiedBlock]) -> Vec<Result<VerifiedBlock, Error>> {
        if let Err(frozen) = self.not_frozen() {
            return blocks.iter().map(|_| Err(frozen.clone().into())).collect();
        }
        let state = &self.state;
        verify::verify_batch(state.network.epoch_length().get(), blocks, |epoch| {
            state.identity_for(epoch)
        })
    }

    /// `Frozen` while an equivocation's evidence stands: every verdict waits for a reset.
    fn not_frozen(&self) -> Result<(), VerifyError> {
        match &self.state.frozen {
            Some(e) => Err(VerifyError::Frozen { height: e.height }),
            None => Ok(()),
        }
    }

    fn frozen_error(&self) -> Result<(), ClientError> {
        match &self.state.frozen {
            Some(e) => Err(ClientError::Frozen { height: e.height }),
            None => Ok(()),
        }
    }

    /// Accepts a finalization; `precheck` is what [`LightClient::on_boundaries`] learnt of it
    /// ahead of its turn (for a boundary asked for while bridging).
    fn finalization(
        &mut self,
        block: CertifiedBlock,
        precheck: Option<&mut Precheck>,
    ) -> Result<Vec<Event>, ClientError> {
        self.frozen_error()?;
        let length = self.state.network.epoch_length().get();
        // Rules that need no identity come first, so a lying answer is named as such.
        let block = CheckedBlock::check_owned(length, block)?;
        let height = block.height();
        match self.sync.clone() {
            Sync::Idle => self.new_tip(block),
            Sync::Bridging { tip } => {
                if Some(Request::Finalization { height }) != self.next_request() {
                    return Err(ClientError::Unexpected(Unexpected::AnotherHeight));
                }
                self.accept_boundary(&block, tip, precheck)
            }
            Sync::Probing {
                tip,
                epoch: probe,
                confirm,
            } => {
                if Some(Request::Finalization { height }) != self.next_request() {
                    return Err(ClientError::Unexpected(Unexpected::AnotherHeight));
                }
                let tip_epoch = tip.block.epoch();
                let can_go_back = probe > 0 && self.can_probe(probe - 1, tip_epoch);
                let walk_back = |client: &mut Self| {
                    client.sync = Sync::Probing {
                        tip: tip.clone(),
                        epoch: probe - 1,
                        confirm: false,
                    };
                    Ok(Vec::new())
                };
                if !confirm && can_go_back && self.state.registered_through.is_none() {
                    // Found? Then first learn the outcome one boundary back, so the identity
                    // this boundary announces is checked against that outcome's announcement.
                    match self.verify_boundary(&block, None) {
                        Ok(_) => {
                            self.sync = Sync::Probing {
                                tip,
                                epoch: probe - 1,
                                confirm: true,
                            };
                            Ok(Vec::new())
                        }
                        Err(ClientError::Block(Error::Verify(VerifyError::BadSignature {
                            ..
                        }))) => walk_back(self),
                        Err(e) => Err(e),
                    }
                } else {
                    match self.accept_boundary(&block, tip.clone(), None) {
                        Err(ClientError::Block(Error::Verify(VerifyError::BadSignature {
                            ..
                        }))) if !confirm && can_go_back => walk_back(self),
                        Err(
                            refusal @ ClientError::Block(Error::Verify(VerifyError::BadSignature {
                                ..
                            })),
                        ) if !confirm => self.bridge_from_anchor(tip, refusal),
                        other => other,
                    }
                }
            }
            Sync::Filling { .. } => Err(ClientError::Unexpected(
                Unexpected::FinalizationNotRequested,
            )),
        }
    }

    /// A finalization arrived while idle: a replay, an equivocation, or a newer tip.
    fn new_tip(&mut self, block: CheckedBlock<'static>) -> Result<Vec<Event>, ClientError> {
        let (height, tip_epoch) = (block.height(), block.epoch());
        if let Some(head) = self.state.head {
            if height <= head.height {
                return self.old_finalization(&block, head.height);
            }
        }
        if self.bridged_epoch().is_some() {
            return self.continue_to(Tip { block });
        }
        // A fresh client: try the built-in identity for the tip's epoch first; if it does not
        // verify, the key may have rotated since the preset was made: walk back.
        let identity = self.state.identity_for(tip_epoch)?;
        match block.verify_under(identity, None) {
            Ok(verified) => self.apply_verified(verified, None, block.block().claimed.seen),
            Err(Error::Verify(VerifyError::BadSignature { .. }))
                if tip_epoch > 0 && self.can_probe(tip_epoch - 1, tip_epoch) =>
            {
                self.sync = Sync::Probing {
                    tip: Tip { block },
                    epoch: tip_epoch - 1,
                    confirm: false,
                };
                Ok(Vec::new())
            }
            Err(refusal @ Error::Verify(VerifyError::BadSignature { .. })) => {
                self.bridge_from_anchor(Tip { block }, refusal.into())
            }
            Err(e) => Err(e.into()),
        }
    }

    /// A finalization at or below the head: a replay, or an equivocation.
    fn old_finalization(
        &mut self,
        block: &CheckedBlock<'_>,
        head: u64,
    ) -> Result<Vec<Event>, ClientError> {
        let (height, hash) = (block.height(), block.hash());
        match self.state.known_hash(height) {
            Some(known) if known != hash => {
                let epoch = block.epoch();
                let identity = self.state.identity_for(epoch)?;
                block.verify_under(identity, None)?;
                let evidence = Equivocation {
                    height,
                    epoch,
                    known_hash: known,
                    conflicting_hash: hash,
                    conflicting_certificate: alloy_primitives::hex::encode_prefixed(
                        block.block().certificate.encode(),
                    ),
                };
                self.state.frozen = Some(evidence.clone());
                self.sync = Sync::Idle;
                Ok(vec![Event::Equivocation(evidence)])
            }
            _ => Err(ClientError::NotNewer { height, head }),
        }
    }

    /// Plans (or completes) reaching `tip`: bridge boundaries, then verify it.
    fn continue_to(&mut self, tip: Tip) -> Result<Vec<Event>, ClientError> {
        let tip_epoch = tip.block.epoch();
        if self.bridged_epoch().is_some_and(|k| k < tip_epoch) {
            self.sync = Sync::Bridging { tip };
            return Ok(Vec::new());
        }
        if self
            .state
            .head
            .is_some_and(|h| tip.block.height() <= h.height)
        {
            self.sync = Sync::Idle;
            return Ok(Vec::new());
        }
        let identity = self.state.identity_for(tip_epoch)?;
        let verified = tip.block.verify_under(identity, None)?;
        self.apply_verified(verified, None, tip.block.block().claimed.seen)
    }

    /// Takes in a verified finalization: registers a boundary's outcome, moves the head
    /// forward if it is newer, and carries on towards `resume`.
    fn apply_verified(
        &mut self,
        verified: VerifiedBlock,
        resume: Option<Tip>,
        seen_ms: Option<u64>,
    ) -> Result<Vec<Event>, ClientError> {
        let mut registered = Vec::new();
        if let Some(outcome) = &verified.next_epoch {
            check_outcome_epoch(verified.height, verified.epoch + 1, outcome.epoch)?;
            if self
                .state
                .registered_through
                .is_none_or(|k| k < verified.epoch + 1)
            {
                let previous = Some((verified.epoch, verified.identity.clone()));
                register_outcome(&mut self.state, outcome, previous, &mut registered)?;
            }
        }
        let events = if self.state.head.is_none_or(|h| h.height < verified.height) {
            let block_epoch = verified.epoch;
            let mut advanced = self.advance(verified, resume, seen_ms)?;
            // Epochs up to the block's own (learnt on the way to it) come before its
            // finality; the epoch a boundary block opens comes right after it.
            let (earlier, opened): (Vec<Event>, Vec<Event>) =
                registered.into_iter().partition(|event| match event {
                    Event::EpochTransition { epoch, .. }
                    | Event::PresetIdentityDiffers { epoch, .. } => *epoch <= block_epoch,
                    _ => false,
                });
            let at = usize::from(matches!(advanced.first(), Some(Event::Finalized { .. })));
            advanced.splice(at..at, opened);
            advanced.splice(0..0, earlier);
            advanced
        } else if let Some(tip) = resume {
            let mut events = registered;
            events.extend(self.continue_to(tip)?);
            events
        } else {
            self.sync = Sync::Idle;
            registered
        };
        Ok(events)
    }

    /// Makes `verified` the head (after filling the header run in every-header mode).
    fn advance(
        &mut self,
        verified: VerifiedBlock,
        resume: Option<Tip>,
        seen_ms: Option<u64>,
    ) -> Result<Vec<Event>, ClientError> {
        if self.every_header
            && self
                .state
                .head
                .is_some_and(|h| verified.height > h.height + 1)
        {
            self.sync = Sync::Filling {
                target: verified,
                resume,
                chunks: Vec::new(),
            };
            return Ok(Vec::new());
        }
        self.finish(verified, resume, seen_ms, Vec::new())
    }

    /// Sets the head to `verified`, then carries on towards `resume`.
    fn finish(
        &mut self,
        verified: VerifiedBlock,
        resume: Option<Tip>,
        seen_ms: Option<u64>,
        mut events: Vec<Event>,
    ) -> Result<Vec<Event>, ClientError> {
        events.push(finalized_event(&verified, seen_ms));
        self.state.head = Some(Head {
            height: verified.height,
            hash: verified.hash,
            epoch: verified.epoch,
            state_root: Some(verified.header.state_root()),
        });
        self.state.remember(verified.height, verified.hash);
        self.sync = Sync::Idle;
        if let Some(tip) = resume {
            events.extend(self.continue_to(tip)?);
        }
        Ok(events)
    }
}
