//! The light client's trust state: everything it believes, and nothing else.
//!
//! It is small and serializes to a compact, versioned JSON document: the network (chain id,
//! epoch length, built-in identities), the identities learnt from verified boundaries (as
//! runs: an entry only where the identity changes), how far they reach, what the last
//! outcome announced, the finalized head, a short window of recent finalized hashes (to
//! recognise equivocation), and the evidence that froze the client, if any.

use crate::{
    bls::PublicKey,
    error::{ClientError, StateError, VerifyError},
    finality::network::{AnchoredIdentity, Network, NetworkKind},
};
use crate::{
    error::DecodeError,
    wire::json::{self, array, invalid, object},
};
use alloc::{
    collections::VecDeque,
    format,
    string::{String, ToString},
    vec::Vec,
};
use alloy_primitives::B256;
use core::num::NonZeroU64;
use serde::{Deserialize, Serialize};
use serde_json::Value;

mod saved;

/// Version of the saved-state format.
pub const STATE_VERSION: u32 = 1;

/// How many recent finalized (height, hash) pairs are kept for equivocation checks.
pub const RECENT_WINDOW: usize = 256;

/// How many identity runs are kept. Older ones only matter for re-verifying old epochs, which
/// are then refused (`IdentityForgotten`) rather than grow the state without bound.
pub const MAX_IDENTITY_RUNS: usize = 64;

/// The newest block the client has proven final.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Head {
    /// Height.
    pub height: u64,
    /// Hash.
    pub hash: B256,
    /// Epoch containing it.
    pub epoch: u64,
    /// Its state root, against which state proofs are checked (absent in state saved by
    /// versions that did not keep it, until the head moves).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_root: Option<B256>,
}

/// Proof that the network finalized two different blocks at one height: both certificates
/// verified against the identity of their epoch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Equivocation {
    /// The height finalized twice.
    pub height: u64,
    /// The epoch of both certificates.
    pub epoch: u64,
    /// The hash the client had finalized.
    pub known_hash: B256,
    /// The conflicting hash.
    pub conflicting_hash: B256,
    /// The conflicting certificate (hex), which verified.
    pub conflicting_certificate: String,
}

/// An identity learnt from a verified boundary, serving from `from_epoch` on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentityRun {
    /// First epoch of the run.
    pub from_epoch: u64,
    /// The identity.
    pub identity: PublicKey,
}

/// The announcement carried by the newest registered outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Announcement {
    /// The epoch whose outcome it is.
    pub epoch: u64,
    /// Whether that outcome announced a full DKG (the next boundary may change the identity).
    pub next_full_dkg: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(Deserialize))]
#[serde(rename_all = "camelCase")]
struct NetworkState {
    name: String,
    chain_id: u64,
    epoch_length: u64,
    builtin: Vec<IdentityRun>,
}

/// Everything the client trusts. Cheap to clone; the client clones it to make every
/// operation all-or-nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrustState {
    pub(crate) network: Network,
    pub(crate) runs: Vec<IdentityRun>,
    pub(crate) registered_through: Option<u64>,
    pub(crate) announced: Option<Announcement>,
    pub(crate) head: Option<Head>,
    pub(crate) recent: VecDeque<(u64, B256)>,
    pub(crate) frozen: Option<Equivocation>,
}

#[derive(Serialize)]
#[cfg_attr(test, derive(Deserialize))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Saved {
    version: u32,
    network: NetworkState,
    identities: Vec<IdentityRun>,
    registered_through: Option<u64>,
    announced: Option<Announcement>,
    head: Option<Head>,
    recent: Vec<(u64, B256)>,
    frozen: Option<Equivocation>,
}

impl TrustState {
    /// A state that trusts only `network`'s built-in identities.
    pub fn new(network: Network) -> Self {
        Self {
            network,
            runs: Vec::new(),
            registered_through: None,
            announced: None,
            head: None,
            recent: VecDeque::new(),
            frozen: None,
        }
    }

    /// The network.
    pub fn network(&self) -> &Network {
        &self.network
    }

    /// The finalized head, if any.
    pub fn head(&self) -> Option<Head> {
        self.head
    }

    /// The equivocation evidence that froze the client, if any.
    pub fn frozen(&self) -> Option<&Equivocation> {
        self.frozen.as_ref()
    }

    /// The last epoch whose identity was learnt from a verified boundary.
    pub fn registered_through(&self) -> Option<u64> {
        self.registered_through
    }

    /// What the newest registered outcome announced.
    pub fn announced(&self) -> Option<Announcement> {
        self.announced
    }

    /// The identity that signs `epoch`: one learnt from a boundary if the epoch is within the
    /// registered range; past that range, a built-in identity only if it is anchored after
    /// everything learnt (a preset pinned ahead, such as a later rotation's key), since the
    /// learnt boundaries supersede every preset anchored before them
    /// (`IdentityNotBridged`: bridge first); for a client that has learnt nothing, the
    /// built-in identity serving the epoch, else `IdentityUnavailable`.
    pub fn identity_for(&self, epoch: u64) -> Result<PublicKey, VerifyError> {
        match self.registered_through {
            Some(through) if epoch <= through => {
                if let Some(run) = self.runs.iter().rev().find(|r| r.from_epoch <= epoch) {
                    return Ok(run.identity.clone());
                }
                // Older than every run kept. With the most runs kept, older ones may have been
                // dropped, and a preset is certain only for the epoch it is anchored at (the
                // genesis identity for epoch 0): for any later epoch it would be a guess that
                // calls a genuine block's signature bad, so that is refused instead.
                if let Some(oldest) = self
                    .runs
                    .first()
                    .filter(|_| self.runs.len() >= MAX_IDENTITY_RUNS)
                {
                    if let Ok(anchored) = self.network.builtin_identity(epoch) {
                        if anchored.from_epoch == epoch {
                            return Ok(anchored.identity.clone());
                        }
                    }
                    return Err(VerifyError::IdentityForgotten {
                        epoch,
                        oldest: oldest.from_epoch,
                    });
                }
                // Before the run the client was anchored at: only the presets can say (and a
                // wrong one fails safe, its signatures not verifying).
                self.network
                    .builtin_identity(epoch)
                    .map(|a| a.identity.clone())
            }
            Some(through) => match self.network.builtin_identity(epoch) {
                Ok(anchored) if anchored.from_epoch > through => Ok(anchored.identity.clone()),
                Ok(_) => Err(VerifyError::IdentityNotBridged { epoch, through }),
                Err(e) => Err(e),
            },
            None => self
                .network
                .builtin_identity(epoch)
                .map(|a| a.identity.clone()),
        }
    }

    /// Records that `epoch` is signed by `identity` (learnt from the previous boundary).
    pub(crate) fn register(&mut self, epoch: u64, identity: PublicKey, next_full_dkg: bool) {
        self.anchor(epoch, identity);
        self.announced = Some(Announcement {
            epoch,
            next_full_dkg,
        });
    }

    /// Trusts `identity` for `epoch` as the anchor to bridge forward from: the epoch counts
    /// as registered, with no announcement yet (the first outcome learnt from its boundary
    /// is part of the anchor, as for a client anchored at a boundary). A run starts only
    /// where the identity changes; the oldest run goes past [`MAX_IDENTITY_RUNS`].
    pub(crate) fn anchor(&mut self, epoch: u64, identity: PublicKey) {
        if self.runs.last().is_none_or(|r| r.identity != identity) {
            self.runs.push(IdentityRun {
                from_epoch: epoch,
                identity,
            });
            if self.runs.len() > MAX_IDENTITY_RUNS {
                self.runs.remove(0);
            }
        }
        self.registered_through = Some(epoch);
    }

    /// Records a finalized block (for the head and the equivocation window).
    pub(crate) fn remember(&mut self, height: u64, hash: B256) {
        if self.recent.iter().any(|(h, _)| *h == height) {
            return;
        }
        let at = self
            .recent
            .iter()
            .position(|(h, _)| *h > height)
            .unwrap_or(self.recent.len());
        self.recent.insert(at, (height, hash));
        while self.recent.len() > RECENT_WINDOW {
            self.recent.pop_front();
        }
    }

    /// The finalized hash the client knows at `height`, if it is in the window.
    pub fn known_hash(&self, height: u64) -> Option<B256> {
        self.recent
            .iter()
            .find(|(h, _)| *h == height)
            .map(|(_, hash)| *hash)
    }
}
