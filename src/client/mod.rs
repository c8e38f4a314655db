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

pub mod trust;

pub use trust::{Announcement, Equivocation, Head, IdentityRun, TrustState};

use crate::{
    error::{ClientError, Error, Unexpected, VerifyError},
    finality::epoch,
    finality::network::Network,
    finality::verify::{self, VerifiedBlock},
    state::state_proof::ProofError,
    tip20::BalanceQuery,
    wire::certified_block::CertifiedBlock,
    wire::header::TempoHeader,
    PublicKey,
};
use alloc::{string::String, vec, vec::Vec};
use alloy_primitives::B256;

/// Most headers asked for in one [`Request::Headers`].
pub const MAX_HEADERS_PER_REQUEST: u64 = 256;
/// How many epochs a fresh client walks back looking for a boundary it can verify.
pub const MAX_PROBE_EPOCHS: u64 = 64;

/// What the client needs from the network next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Request {
    /// `consensus_getFinalization("latest")` (or the next subscription event).
    LatestFinalization,
    /// `consensus_getFinalization({"height": height})`.
    Finalization {
        /// The block height.
        height: u64,
    },
    /// Headers `from..=to` (`eth_getBlockByNumber` for each), answered in ascending order.
    Headers {
        /// First height.
        from: u64,
        /// Last height.
        to: u64,
    },
}

/// A header whose place in the chain is proven (linked by parent hashes to a final block),
/// with its hash, computed once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthenticatedHeader {
    /// The header.
    pub header: TempoHeader,
    /// Its hash.
    pub hash: B256,
}

/// What an accepted answer changed, for the caller to show or act on.
// Events are few (a handful per block); boxing the keys would only complicate matching.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// A block was proven final and is the new head.
    Finalized {
        /// Height.
        height: u64,
        /// Hash.
        hash: B256,
        /// Epoch.
        epoch: u64,
        /// View.
        view: u64,
        /// Header timestamp in ms.
        timestamp_ms: u64,
        /// When the server says it saw the finalization (ms), for subscription events.
        seen_ms: Option<u64>,
    },
    /// Authenticated headers between the previous head and the new one, ascending
    /// (every-header mode only).
    Headers(Vec<AuthenticatedHeader>),
    /// A verified boundary registered the next epoch's identity.
    EpochTransition {
        /// The epoch that begins.
        epoch: u64,
        /// Its identity.
        identity: PublicKey,
        /// Whether the identity changed (a full DKG took effect).
        rotated: bool,
        /// Whether this outcome announces a full DKG for the next boundary.
        next_full_dkg: bool,
        /// Number of players (signers) of the epoch.
        players: usize,
    },
    /// The identity learnt on chain differs from the built-in preset for that epoch: the
    /// preset is stale (Tempo's follower warns the same way).
    PresetIdentityDiffers {
        /// The epoch.
        epoch: u64,
        /// The built-in identity.
        preset: PublicKey,
        /// The identity on chain.
        onchain: PublicKey,
    },
    /// Two valid finalizations at one height: the client is now frozen.
    Equivocation(Equivocation),
}

/// One JSON shape for events, shared by the CLI's `--json` lines and the JS objects of the
/// npm package: `{"type": "finalized" | "headers" | "epoch" | "presetIdentityDiffers" |
/// "equivocation", ...}` with camelCase fields, hashes and keys as `0x` hex.
impl serde::Serialize for Event {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        #[derive(serde::Serialize)]
        #[serde(rename_all = "camelCase")]
        struct HeaderSummary {
            height: u64,
            hash: B256,
            state_root: B256,
        }
        let mut map = serializer.serialize_map(None)?;
        match self {
            Event::Finalized {
                height,
                hash,
                epoch,
                view,
                timestamp_ms,
                seen_ms,
            } => {
                map.serialize_entry("type", "finalized")?;
                map.serialize_entry("height", height)?;
                map.serialize_entry("hash", hash)?;
                map.serialize_entry("epoch", epoch)?;
                map.serialize_entry("view", view)?;
                map.serialize_entry("timestampMillis", timestamp_ms)?;
                map.serialize_entry("seen", seen_ms)?;
            }
            Event::Headers(run) => {
                map.serialize_entry("type", "headers")?;
                let summaries: Vec<HeaderSummary> = run
                    .iter()
                    .map(|h| HeaderSummary {
                        height: h.header.number(),
                        hash: h.hash,
                        state_root: h.header.state_root(),
                    })
                    .collect();
                map.serialize_entry("headers", &summaries)?;
            }
            Event::EpochTransition {
                epoch,
                identity,
                rotated,
                next_full_dkg,
                players,
            } => {
                map.serialize_entry("type", "epoch")?;
                map.serialize_entry("epoch", epoch)?;
                map.serialize_entry("identity", identity)?;
                map.serialize_entry("rotated", rotated)?;
                map.serialize_entry("nextFullDkg", next_full_dkg)?;
                map.serialize_entry("players", &u32::try_from(*players).unwrap_or(u32::MAX))?;
            }
            Event::PresetIdentityDiffers {
                epoch,
                preset,
                onchain,
            } => {
                map.serialize_entry("type", "presetIdentityDiffers")?;
                map.serialize_entry("epoch", epoch)?;
                map.serialize_entry("preset", preset)?;
                map.serialize_entry("onchain", onchain)?;
            }
            Event::Equivocation(e) => {
                map.serialize_entry("type", "equivocation")?;
                map.serialize_entry("height", &e.height)?;
                map.serialize_entry("epoch", &e.epoch)?;
                map.serialize_entry("knownHash", &e.known_hash)?;
                map.serialize_entry("conflictingHash", &e.conflicting_hash)?;
                map.serialize_entry("conflictingCertificate", &e.conflicting_certificate)?;
            }
        }
        map.end()
    }
}

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

/// A finalization to reach, with its header's hash (computed once, when it arrived).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Tip {
    block: CertifiedBlock,
    hash: B256,
}

/// What a run of boundaries taught the client about one of them before its turn.
struct Precheck {
    /// The identity its certificate was proven valid under by a batch, if any.
    proven: Option<PublicKey>,
    /// The outcome of the boundary verified before it in the run (its points and keys passed
    /// their checks, so the same bytes in this outcome are not checked again); after this
    /// boundary verifies, its own outcome, for the next.
    known: Option<crate::wire::dkg::DkgOutcome>,
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

    /// Accepts headers `from..=to` answering [`Request::Headers`], ascending.
    ///
    /// All-or-nothing without copying what was received before: a chunk that does not reach
    /// the head is checked and then appended (which cannot fail); the chunk that completes
    /// the run is applied to a copy of the trust state, since registering a boundary inside
    /// the run can still fail.
    pub fn on_headers(&mut self, headers: Vec<TempoHeader>) -> Result<Vec<Event>, ClientError> {
        let (done, hashes) = self.check_headers(&headers)?;
        let headers: Vec<AuthenticatedHeader> = headers
            .into_iter()
            .zip(hashes)
            .map(|(header, hash)| AuthenticatedHeader { header, hash })
            .collect();
        let Sync::Filling {
            target,
            resume,
            chunks,
        } = &mut self.sync
        else {
            return Err(ClientError::Unexpected(Unexpected::HeadersNotRequested));
        };
        if !done {
            chunks.push(headers);
            return Ok(Vec::new());
        }
        // Ascending: this chunk, then the earlier ones (received highest first).
        let run: Vec<AuthenticatedHeader> = headers
            .into_iter()
            .chain(chunks.iter().rev().flatten().cloned())
            .collect();
        let (target, resume) = (target.clone(), resume.clone());
        let mut next = Self {
            state: self.state.clone(),
            every_header: self.every_header,
            sync: Sync::Idle,
        };
        let events = next.complete_run(run, target, resume)?;
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
        let state = &self.state;
        verify::verify_inner(
            state.network().epoch_length().get(),
            block,
            |epoch| state.identity_for(epoch),
            true,
        )
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
        (from..tip.block.certificate.epoch)
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
    fn prove_boundaries(&self, blocks: &[CertifiedBlock]) -> Vec<Option<PublicKey>> {
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
        let hash = block.header.hash();
        verify::check_block_digest(&block, hash)?;
        let height = block.header.number();
        let tip_epoch = verify::check_epoch(length, &block.certificate, height)?;
        match self.sync.clone() {
            Sync::Idle => self.new_tip(block, hash, tip_epoch),
            Sync::Bridging { tip } => {
                if Some(Request::Finalization { height }) != self.next_request() {
                    return Err(ClientError::Unexpected(Unexpected::AnotherHeight));
                }
                self.accept_boundary(&block, hash, tip, precheck)
            }
            Sync::Probing {
                tip,
                epoch: probe,
                confirm,
            } => {
                if Some(Request::Finalization { height }) != self.next_request() {
                    return Err(ClientError::Unexpected(Unexpected::AnotherHeight));
                }
                let tip_epoch = tip.block.certificate.epoch;
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
                    match self.verify_boundary(&block, hash, None) {
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
                    match self.accept_boundary(&block, hash, tip.clone(), None) {
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

    /// Whether a fresh client may probe the boundary of `epoch` (walking back from `tip_epoch`).
    fn can_probe(&self, epoch: u64, tip_epoch: u64) -> bool {
        let length = self.state.network.epoch_length().get();
        tip_epoch.saturating_sub(epoch) <= MAX_PROBE_EPOCHS
            && self.state.identity_for(epoch).is_ok()
            && self
                .state
                .head
                .is_none_or(|h| epoch::boundary_of(length, epoch) > Some(h.height))
    }

    /// A finalization arrived while idle: a replay, an equivocation, or a newer tip.
    fn new_tip(
        &mut self,
        block: CertifiedBlock,
        hash: B256,
        tip_epoch: u64,
    ) -> Result<Vec<Event>, ClientError> {
        let height = block.header.number();
        if let Some(head) = self.state.head {
            if height <= head.height {
                return self.old_finalization(&block, hash, head.height);
            }
        }
        if self.bridged_epoch().is_some() {
            return self.continue_to(Tip { block, hash });
        }
        // A fresh client: try the built-in identity for the tip's epoch first; if it does not
        // verify, the key may have rotated since the preset was made: walk back.
        let identity = self.state.identity_for(tip_epoch)?;
        let length = self.state.network.epoch_length().get();
        match verify::verify_under(length, &block, hash, identity, true, None) {
            Ok(verified) => self.apply_verified(verified, None, block.claimed.seen),
            Err(Error::Verify(VerifyError::BadSignature { .. }))
                if tip_epoch > 0 && self.can_probe(tip_epoch - 1, tip_epoch) =>
            {
                self.sync = Sync::Probing {
                    tip: Tip { block, hash },
                    epoch: tip_epoch - 1,
                    confirm: false,
                };
                Ok(Vec::new())
            }
            Err(refusal @ Error::Verify(VerifyError::BadSignature { .. })) => {
                self.bridge_from_anchor(Tip { block, hash }, refusal.into())
            }
            Err(e) => Err(e.into()),
        }
    }

    /// A fresh client whose anchor identity does not sign the tip, and no boundary within
    /// reach walking back does either (the key rotated more than [`MAX_PROBE_EPOCHS`] epochs
    /// ago, as on a chain that rotates often): bridge forward from the anchor instead. The
    /// boundary of the anchor's first epoch is verified under the anchor identity, and every
    /// later one under the identity learnt from the boundary before it, up to the tip, as
    /// if the client had followed the chain from there. Anything else keeps `refusal`.
    fn bridge_from_anchor(
        &mut self,
        tip: Tip,
        refusal: ClientError,
    ) -> Result<Vec<Event>, ClientError> {
        let tip_epoch = tip.block.certificate.epoch;
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
    fn bridged_epoch(&self) -> Option<u64> {
        match (self.state.registered_through, self.state.head) {
            (Some(k), _) => Some(k),
            (None, Some(head)) => Some(match head.epoch.checked_sub(1) {
                Some(previous) if self.state.identity_for(previous).is_ok() => previous,
                _ => head.epoch,
            }),
            (None, None) => None,
        }
    }

    /// A finalization at or below the head: a replay, or an equivocation.
    fn old_finalization(
        &mut self,
        block: &CertifiedBlock,
        hash: B256,
        head: u64,
    ) -> Result<Vec<Event>, ClientError> {
        let height = block.header.number();
        match self.state.known_hash(height) {
            Some(known) if known != hash => {
                let epoch = block.certificate.epoch;
                let identity = self.state.identity_for(epoch)?;
                let length = self.state.network.epoch_length().get();
                verify::verify_under(length, block, hash, identity, true, None)?;
                let evidence = Equivocation {
                    height,
                    epoch,
                    known_hash: known,
                    conflicting_hash: hash,
                    conflicting_certificate: alloy_primitives::hex::encode_prefixed(
                        block.certificate.encode(),
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
        let tip_epoch = tip.block.certificate.epoch;
        if self.bridged_epoch().is_some_and(|k| k < tip_epoch) {
            self.sync = Sync::Bridging { tip };
            return Ok(Vec::new());
        }
        if self
            .state
            .head
            .is_some_and(|h| tip.block.header.number() <= h.height)
        {
            self.sync = Sync::Idle;
            return Ok(Vec::new());
        }
        let identity = self.state.identity_for(tip_epoch)?;
        let length = self.state.network.epoch_length().get();
        let verified = verify::verify_under(length, &tip.block, tip.hash, identity, true, None)?;
        self.apply_verified(verified, None, tip.block.claimed.seen)
    }

    /// Verifies a boundary certificate (whose header hashes to `hash`) under the identity
    /// already trusted for its epoch. A `precheck` saves work, never a rule: its signature
    /// verdict counts only if it was reached under that very identity.
    fn verify_boundary(
        &self,
        block: &CertifiedBlock,
        hash: B256,
        precheck: Option<&mut Precheck>,
    ) -> Result<VerifiedBlock, ClientError> {
        let length = self.state.network.epoch_length().get();
        let height = block.header.number();
        let epoch = verify::check_epoch(length, &block.certificate, height)?;
        if !epoch::is_boundary(length, height) {
            return Err(ClientError::Unexpected(Unexpected::NotABoundary));
        }
        let identity = self.state.identity_for(epoch)?;
        let Some(precheck) = precheck else {
            return Ok(verify::verify_under(
                length, block, hash, identity, true, None,
            )?);
        };
        let proven = precheck.proven.as_ref() == Some(&identity);
        let verified = verify::verify_under(
            length,
            block,
            hash,
            identity,
            !proven,
            precheck.known.as_ref(),
        )?;
        precheck.known.clone_from(&verified.next_epoch);
        Ok(verified)
    }

    /// Verifies a boundary certificate, registers the epoch it opens, and carries on towards `tip`.
    fn accept_boundary(
        &mut self,
        block: &CertifiedBlock,
        hash: B256,
        tip: Tip,
        precheck: Option<&mut Precheck>,
    ) -> Result<Vec<Event>, ClientError> {
        let verified = self.verify_boundary(block, hash, precheck)?;
        if let Some(known) = self.state.known_hash(verified.height) {
            if known != verified.hash {
                let height = verified.height;
                return self.old_finalization(block, verified.hash, height);
            }
        }
        self.apply_verified(verified, Some(tip), block.claimed.seen)
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

    /// Checks a chunk of headers against the request it answers; returns whether it
    /// completes the run (reaches down to the head), and the headers' hashes. Changes nothing.
    fn check_headers(&self, headers: &[TempoHeader]) -> Result<(bool, Vec<B256>), ClientError> {
        self.frozen_error()?;
        let Some(Request::Headers { from, to }) = self.next_request() else {
            return Err(ClientError::Unexpected(Unexpected::HeadersNotRequested));
        };
        let Sync::Filling { target, chunks, .. } = &self.sync else {
            return Err(ClientError::Unexpected(Unexpected::HeadersNotRequested));
        };
        let expected_tip = chunks
            .last()
            .and_then(|c| c.first())
            .map_or(target.hash, |h| h.header.parent_hash());
        let hashes = authenticate_run(headers, from, to, expected_tip)?;
        let head = self
            .state
            .head
            .ok_or(ClientError::Unexpected(Unexpected::NoHead))?;
        let done = from == head.height + 1;
        if let (true, Some(first)) = (done, headers.first()) {
            if first.parent_hash() != head.hash {
                return Err(ClientError::BrokenParentLink {
                    height: from,
                    expected: head.hash,
                    actual: first.parent_hash(),
                });
            }
        }
        Ok((done, hashes))
    }

    /// Registers the boundaries inside a whole authenticated run (ascending), yields it, and
    /// moves the head to the run's target.
    fn complete_run(
        &mut self,
        run: Vec<AuthenticatedHeader>,
        target: VerifiedBlock,
        resume: Option<Tip>,
    ) -> Result<Vec<Event>, ClientError> {
        let mut events = Vec::new();
        let length = self.state.network.epoch_length().get();
        for AuthenticatedHeader { header, .. } in &run {
            let h = header.number();
            let e = epoch::epoch_of(length, h)?;
            if epoch::is_boundary(length, h)
                && self.state.registered_through.is_none_or(|k| k < e + 1)
            {
                let outcome =
                    crate::wire::dkg::DkgOutcome::from_extra_data(header.extra_data(), None)
                        .map_err(Error::from)?;
                check_outcome_epoch(h, e + 1, outcome.epoch)?;
                let identity = self.state.identity_for(e)?;
                register_outcome(&mut self.state, &outcome, Some((e, identity)), &mut events)?;
            }
        }
        events.push(Event::Headers(run));
        self.finish(target, resume, None, events)
    }
}

fn finalized_event(verified: &VerifiedBlock, seen_ms: Option<u64>) -> Event {
    Event::Finalized {
        height: verified.height,
        hash: verified.hash,
        epoch: verified.epoch,
        view: verified.view,
        timestamp_ms: verified.header.timestamp_millis(),
        seen_ms,
    }
}

fn check_outcome_epoch(height: u64, expected: u64, actual: u64) -> Result<(), ClientError> {
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
fn register_outcome(
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

/// Checks that `headers` are exactly heights `from..=to`, each the parent of the next, and
/// that the last one hashes to `tip`. Authenticates the whole run if `tip` is trusted;
/// returns the headers' hashes, each computed once.
pub(crate) fn authenticate_run(
    headers: &[TempoHeader],
    from: u64,
    to: u64,
    tip: B256,
) -> Result<Vec<B256>, ClientError> {
    let count = to
        .checked_sub(from)
        .and_then(|d| d.checked_add(1))
        .ok_or(ClientError::Unexpected(Unexpected::EmptyRange))?;
    if headers.len() as u64 != count {
        // The run must end at `to`; report where it actually ends.
        return Err(ClientError::HeaderNumberMismatch {
            expected: to,
            actual: from.saturating_add(headers.len() as u64).saturating_sub(1),
        });
    }
    let mut hashes: Vec<B256> = Vec::with_capacity(headers.len());
    for (offset, header) in headers.iter().enumerate() {
        let expected = from + offset as u64;
        if header.number() != expected {
            return Err(ClientError::HeaderNumberMismatch {
                expected,
                actual: header.number(),
            });
        }
        if let Some(&parent) = hashes.last() {
            if header.parent_hash() != parent {
                return Err(ClientError::BrokenParentLink {
                    height: expected,
                    expected: parent,
                    actual: header.parent_hash(),
                });
            }
        }
        hashes.push(header.hash());
    }
    let last = *hashes
        .last()
        .ok_or(ClientError::Unexpected(Unexpected::EmptyRange))?;
    if last != tip {
        return Err(ClientError::TipHashMismatch {
            expected: tip,
            actual: last,
        });
    }
    Ok(hashes)
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
