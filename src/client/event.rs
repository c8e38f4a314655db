//! What a client asks of the network ([`Request`]) and tells its driver ([`Event`]), with
//! the events' JSON form (the CLI's `--json` lines, the wasm's event objects).

use super::*;

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

pub(super) fn finalized_event(verified: &VerifiedBlock, seen_ms: Option<u64>) -> Event {
    Event::Finalized {
        height: verified.height,
        hash: verified.hash,
        epoch: verified.epoch,
        view: verified.view,
        timestamp_ms: verified.header.timestamp_millis(),
        seen_ms,
    }
}
