//! The simulated chains the checks run against: an honest devnet (with one valid
//! equivocation) and a faulty one (an unannounced rotation), built once per process, and
//! clients of the honest one led by their own requests.

use std::sync::OnceLock;

use alloy_primitives::{hex, B256};
use serde_json::{json, Value};
use tempo_light::{CertifiedBlock, LightClient, Network, Request};
use tempo_light_devnet::{ChainFaults, DevBlock, DevnetConfig};

// ---- the simulated chains -----------------------------------------------------------------

/// Blocks per epoch of the fuzzing devnets.
pub const DEVNET_EPOCH_LENGTH: u64 = 5;
/// Blocks produced on each fuzzing devnet (12 epochs).
pub const DEVNET_BLOCKS: u64 = 60;
/// Where the honest devnet finalizes a second, conflicting block (a valid equivocation).
pub const EQUIVOCATION_AT: u64 = 37;
/// Where the faulty devnet changes its identity without an announced full DKG.
pub const UNANNOUNCED_ROTATION_AT: u64 = 7;

/// A devnet built once per process.
pub struct Devnet {
    /// The chain.
    pub chain: tempo_light_devnet::Chain,
}

impl Devnet {
    fn build(seed: u64, faults: ChainFaults) -> Self {
        let mut chain = tempo_light_devnet::Chain::new(DevnetConfig {
            epoch_length: DEVNET_EPOCH_LENGTH,
            full_dkg_every: 2,
            validators: 4,
            seed,
            faults,
            ..DevnetConfig::default()
        });
        for _ in 0..DEVNET_BLOCKS {
            chain.produce();
        }
        Self { chain }
    }

    /// The network a client of this devnet starts from: its genesis identity from epoch 0.
    pub fn network(&self) -> Network {
        Network::custom(
            self.chain.config().chain_id,
            DEVNET_EPOCH_LENGTH,
            self.chain.genesis_identity(),
            0,
        )
        .expect("the epoch length is not zero")
    }

    /// The block finalized at `height` (1..=tip).
    pub fn block(&self, height: u64) -> &DevBlock {
        self.chain.block(height).expect("every block is retained")
    }

    /// A finalized block as the client receives it.
    pub fn certified(&self, height: u64) -> CertifiedBlock {
        self.block(height).certified().expect("not genesis")
    }

    /// The finalized block (or equivocating twin) at `height` whose hash is `hash`, if any.
    pub fn finalized(&self, height: u64, hash: B256) -> Option<&DevBlock> {
        self.chain
            .block(height)
            .filter(|b| b.hash == hash)
            .or_else(|| self.chain.equivocation(height).filter(|b| b.hash == hash))
    }
}

/// The honest devnet (with one valid equivocation at [`EQUIVOCATION_AT`]).
pub fn devnet() -> &'static Devnet {
    static DEVNET: OnceLock<Devnet> = OnceLock::new();
    DEVNET.get_or_init(|| {
        Devnet::build(
            17,
            ChainFaults {
                equivocation_at: Some(EQUIVOCATION_AT),
                ..ChainFaults::default()
            },
        )
    })
}

/// The devnet whose identity changes at epoch [`UNANNOUNCED_ROTATION_AT`] unannounced.
pub fn faulty_devnet() -> &'static Devnet {
    static DEVNET: OnceLock<Devnet> = OnceLock::new();
    DEVNET.get_or_init(|| {
        // Another seed: another genesis identity, so neither devnet's blocks verify on the other.
        Devnet::build(
            18,
            ChainFaults {
                unannounced_rotation_at_epoch: Some(UNANNOUNCED_ROTATION_AT),
                ..ChainFaults::default()
            },
        )
    })
}

/// A block as `consensus_getFinalization` serves it (a CertifiedBlock; `certificate` without
/// `0x`, as a node sends it).
pub fn certified_json(block: &DevBlock) -> Value {
    let c = block.certificate.as_ref().expect("not genesis");
    json!({
        "epoch": c.epoch,
        "view": c.view,
        "digest": format!("{:#x}", c.digest),
        "certificate": hex::encode(c.encode()),
        "block": {
            "header": block.header,
            "body": {"ommers": [], "transactions": [], "withdrawals": null},
        },
    })
}

/// A client of the honest devnet led by its own requests (answered honestly) for at most
/// `steps` steps toward the tip `tip`.
pub fn followed(d: &Devnet, tip: u64, steps: usize, every_header: bool) -> LightClient {
    let mut client = LightClient::new(d.network());
    client.set_every_header(every_header);
    for _ in 0..steps {
        match client.next_request() {
            None => break,
            Some(Request::LatestFinalization) => {
                let _ = client.on_finalization(d.certified(tip));
            }
            Some(Request::Finalization { height }) => {
                let _ = client.on_finalization(d.certified(height));
            }
            Some(Request::Headers { from, to }) => {
                let headers = (from..=to).map(|h| d.block(h).header.clone()).collect();
                let _ = client.on_headers(headers);
            }
        }
    }
    client
}

/// Where the clients of `wasm_inputs` stand: synced to this height of the honest devnet.
pub const SYNCED_AT: u64 = 20;
/// The block the every-header client of `wasm_inputs` was handed, its headers not yet.
pub const AWAITING_HEADERS_OF: u64 = 23;

/// A client of the honest devnet synced to [`SYNCED_AT`] (built once, cloned). With
/// `awaiting_headers`, in every-header mode and handed block [`AWAITING_HEADERS_OF`], so that
/// its next request is the headers in between.
pub fn synced_client(awaiting_headers: bool) -> LightClient {
    static CLIENTS: OnceLock<[LightClient; 2]> = OnceLock::new();
    let [plain, awaiting] = CLIENTS.get_or_init(|| {
        let d = devnet();
        let plain = followed(d, SYNCED_AT, 40, false);
        let mut awaiting = followed(d, SYNCED_AT, 40, true);
        let _ = awaiting.on_finalization(d.certified(AWAITING_HEADERS_OF));
        [plain, awaiting]
    });
    if awaiting_headers { awaiting } else { plain }.clone()
}
