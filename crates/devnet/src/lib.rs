//! A simulated Tempo chain: real headers, real BLS certificates, real DKG outcomes.
//!
//! This is the generator behind `tempo-light devnet` and the tests of everything built on
//! the verifier. It does what Tempo's consensus does, minus the network: each epoch has a
//! committee with a BLS12-381 threshold key (a polynomial over the scalar field whose
//! constant term's public key is the network identity); each block's header is a real
//! Tempo header, hashed as Tempo hashes it; each block is finalized by a certificate
//! signed over Tempo's message layout; each boundary block carries the real
//! `OnchainDkgOutcome` encoding for the next epoch.
//!
//! Certificates are signed with the committee's group secret. A threshold signature
//! recovered from any quorum of shares *is* the signature under the group secret, so the
//! bytes are exactly those a committee would produce.
//!
//! Key schedule: reshares keep the constant term (the identity) and draw fresh higher
//! coefficients; with `full_dkg_every = K`, every epoch `e` with `e % K == 0` (and
//! `e > 0`) gets a new identity, announced one epoch ahead by `is_next_full_dkg` in the
//! outcome for `e − 1`. The player set changes by one validator every epoch.
//!
//! Everything is deterministic given the seed; memory is bounded by `retain` (genesis and
//! boundary blocks are always kept, as a client needs them to cross epochs).
//!
//! [`server`] (feature `server`, on by default) serves a chain over JSON-RPC on loopback
//! with the shapes of a Tempo node.

extern crate alloc;

pub mod keys;
#[cfg(not(target_arch = "wasm32"))]
pub mod payments;
#[cfg(feature = "server")]
pub mod server;
pub mod state;

use alloc::{collections::BTreeMap, vec::Vec};
use alloy_consensus::Header;
use alloy_primitives::{b256, keccak256, Address, Bytes, B256, B64, U256};
use keys::SecretKey;
use tempo_light::{
    finality::epoch,
    wire::certificate::{Certificate, FINALIZE_NAMESPACE, SEED_NAMESPACE},
    wire::dkg::{DkgOutcome, Sharing, SharingMode},
    wire::header::{ConsensusContext, TempoHeader},
    PublicKey,
};

/// Root of an empty trie (no transactions, receipts, withdrawals, accounts).
pub const EMPTY_ROOT: B256 =
    b256!("56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421");
/// keccak256(rlp([])): the ommers hash of a block without uncles.
pub const EMPTY_OMMERS: B256 =
    b256!("1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347");
/// sha256(""): the requests hash of a block without EIP-7685 requests.
pub const EMPTY_REQUESTS: B256 =
    b256!("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");

/// Faults that change what the chain *is* (as opposed to what a server says about it).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChainFaults {
    /// At this epoch the identity changes although the previous outcome did not announce a
    /// full DKG. The boundary announcing it is still signed by the old, valid identity.
    pub unannounced_rotation_at_epoch: Option<u64>,
    /// At this height a second block is also finalized with a valid certificate.
    pub equivocation_at: Option<u64>,
}

/// How the simulated chain is shaped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DevnetConfig {
    /// Chain id reported by `eth_chainId`.
    pub chain_id: u64,
    /// Blocks per epoch (at least 2).
    pub epoch_length: u64,
    /// Milliseconds between blocks (header timestamps).
    pub block_time_ms: u64,
    /// Seed of every key and choice.
    pub seed: u64,
    /// A full DKG (new identity) every K epochs; 0 for never.
    pub full_dkg_every: u64,
    /// Validators per committee (at least 1).
    pub validators: usize,
    /// Timestamp of the genesis block, in ms since the Unix epoch.
    pub genesis_timestamp_ms: u64,
    /// Most non-boundary blocks kept; older ones are pruned (answered as missing).
    pub retain: usize,
    /// Faults built into the chain.
    pub faults: ChainFaults,
}

impl Default for DevnetConfig {
    fn default() -> Self {
        Self {
            chain_id: 1337,
            epoch_length: 20,
            block_time_ms: 200,
            seed: 0,
            full_dkg_every: 3,
            validators: 4,
            genesis_timestamp_ms: 1_767_225_600_000, // 2026-01-01T00:00:00Z
            retain: 100_000,
            faults: ChainFaults::default(),
        }
    }
}

/// A finalized block of the devnet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DevBlock {
    /// The header.
    pub header: TempoHeader,
    /// Its hash.
    pub hash: B256,
    /// Its finalization certificate (`None` for genesis, which consensus never certifies).
    pub certificate: Option<Certificate>,
}

impl DevBlock {
    /// Height.
    pub fn height(&self) -> u64 {
        self.header.number()
    }

    /// The block as an RPC would serve it to a client (`None` for genesis, never certified).
    pub fn certified(&self) -> Option<tempo_light::CertifiedBlock> {
        Some(tempo_light::CertifiedBlock {
            certificate: self.certificate.clone()?,
            header: self.header.clone(),
            claimed: Default::default(),
        })
    }
}

/// One epoch's committee and the outcome that installed it.
#[derive(Clone)]
struct Committee {
    secret: SecretKey,
    outcome: DkgOutcome,
}

/// A deterministic byte stream (keccak in counter mode over the seed and a label).
#[derive(Clone, Debug)]
struct Drbg {
    seed: B256,
    counter: u64,
}

impl Drbg {
    fn new(seed: u64) -> Self {
        let mut input = b"tempo-light/devnet/v1".to_vec();
        input.extend_from_slice(&seed.to_be_bytes());
        Self {
            seed: keccak256(input),
            counter: 0,
        }
    }

    fn next32(&mut self) -> [u8; 32] {
        let mut input = [0u8; 40];
        input[..32].copy_from_slice(self.seed.as_slice());
        input[32..].copy_from_slice(&self.counter.to_be_bytes());
        self.counter += 1;
        keccak256(input).0
    }

    fn next64(&mut self) -> [u8; 64] {
        let mut out = [0u8; 64];
        out[..32].copy_from_slice(&self.next32());
        out[32..].copy_from_slice(&self.next32());
        out
    }

    fn secret(&mut self) -> SecretKey {
        loop {
            if let Some(secret) = SecretKey::from_entropy(&self.next64()) {
                return secret;
            }
        }
    }

    fn ed25519(&mut self) -> [u8; 32] {
        ed25519_consensus::SigningKey::from(self.next32())
            .verification_key()
            .to_bytes()
    }

    fn below(&mut self, n: u64) -> u64 {
        u64::from_be_bytes(self.next32()[..8].try_into().unwrap_or([0; 8])) % n.max(1)
    }
}

/// The simulated chain.
pub struct Chain {
    config: DevnetConfig,
    rng: Drbg,
    committees: BTreeMap<u64, Committee>,
    /// Players of each epoch, decided one epoch ahead (an outcome names the next players).
    players: BTreeMap<u64, Vec<[u8; 32]>>,
    blocks: BTreeMap<u64, DevBlock>,
    equivocations: BTreeMap<u64, DevBlock>,
    /// Transactions and receipts of the kept blocks (native only).
    #[cfg(not(target_arch = "wasm32"))]
    bodies: BTreeMap<u64, payments::Body>,
    nullified: Vec<(u64, u64)>,
    tip: u64,
    tip_view: u64,
    pruned_below: u64,
}

impl Chain {
    /// A new chain with its genesis block (height 0, whose `extraData` is epoch 0's outcome).
    pub fn new(mut config: DevnetConfig) -> Self {
        config.epoch_length = config.epoch_length.max(2);
        config.validators = config.validators.max(1);
        let mut rng = Drbg::new(config.seed);
        let mut players = BTreeMap::new();
        let first: Vec<[u8; 32]> = (0..config.validators).map(|_| rng.ed25519()).collect();
        players.insert(0, sorted(first));
        let mut chain = Self {
            config,
            rng,
            committees: BTreeMap::new(),
            players,
            blocks: BTreeMap::new(),
            equivocations: BTreeMap::new(),
            #[cfg(not(target_arch = "wasm32"))]
            bodies: BTreeMap::new(),
            nullified: Vec::new(),
            tip: 0,
            tip_view: 0,
            pruned_below: 0,
        };
        let committee = chain.make_committee(0, None);
        let extra = Bytes::from(committee.outcome.encode());
        chain.committees.insert(0, committee);
        let header = chain.header(0, B256::ZERO, extra, None);
        let hash = header.hash();
        chain.blocks.insert(
            0,
            DevBlock {
                header,
                hash,
                certificate: None,
            },
        );
        chain
    }

    /// A chain of `blocks` blocks past genesis, with epochs of `epoch_length` (the default
    /// configuration otherwise): the payment tests' devnet.
    pub fn with_blocks(epoch_length: u64, blocks: u64) -> Self {
        let mut chain = Self::new(DevnetConfig {
            epoch_length,
            ..DevnetConfig::default()
        });
        for _ in 0..blocks {
            chain.produce();
        }
        chain
    }

    /// Block `height`'s certified block and its verification under the devnet's identity for
    /// its epoch (as a light client trusting this devnet verifies it), if it is certified.
    pub fn verified(
        &self,
        height: u64,
    ) -> Option<(tempo_light::CertifiedBlock, tempo_light::VerifiedBlock)> {
        let block = self.block(height)?.certified()?;
        let epoch_length = self.config.epoch_length;
        let identity = self.identity(height / epoch_length)?;
        let verified = tempo_light::verify_block(&identity, epoch_length, &block).ok()?;
        Some((block, verified))
    }

    /// The configuration.
    pub fn config(&self) -> &DevnetConfig {
        &self.config
    }

    /// Whether epoch `e` gets a new identity (a scheduled full DKG or the injected fault).
    fn rotates_at(&self, e: u64) -> bool {
        let k = self.config.full_dkg_every;
        (e > 0 && k > 0 && e.is_multiple_of(k))
            || self.config.faults.unannounced_rotation_at_epoch == Some(e)
    }

    /// Whether the outcome for `e` announces a full DKG for the ceremony it starts.
    fn announces_full_dkg(&self, e: u64) -> bool {
        let k = self.config.full_dkg_every;
        k > 0 && (e + 1).is_multiple_of(k)
    }

    fn players_of(&mut self, e: u64) -> Vec<[u8; 32]> {
        if let Some(p) = self.players.get(&e) {
            return p.clone();
        }
        let previous = self.players_of(e.saturating_sub(1));
        // Rotate one validator: drop the one at a chosen position, add a fresh key.
        let mut next = previous.clone();
        let drop_at = usize::try_from(self.rng.below(next.len() as u64)).unwrap_or(0);
        next.remove(drop_at);
        next.push(self.rng.ed25519());
        let next = sorted(next);
        self.players.insert(e, next.clone());
        next
    }

    /// The committee for epoch `e`, reshared from `previous` or freshly dealt.
    fn make_committee(&mut self, e: u64, previous: Option<&Committee>) -> Committee {
        let n = self.config.validators;
        let threshold = n - (n - 1) / 3; // 2f + 1 of n = 3f + 1
        let secret = match previous {
            Some(p) if !self.rotates_at(e) => p.secret.clone(),
            _ => self.rng.secret(),
        };
        let higher: Vec<PublicKey> = (1..threshold)
            .map(|_| self.rng.secret().public_key())
            .collect();
        let players = self.players_of(e);
        let next_players = self.players_of(e + 1);
        let dealers = match e {
            0 => players.clone(),
            _ => self.players_of(e - 1),
        };
        let outcome = DkgOutcome {
            epoch: e,
            summary: B256::from(self.rng.next32()),
            sharing: Sharing::new(
                SharingMode::NonZeroCounter,
                u32::try_from(players.len()).unwrap_or(u32::MAX),
                secret.public_key(),
                &higher,
            ),
            dealers,
            players,
            revealed: Vec::new(),
            next_players,
            is_next_full_dkg: self.announces_full_dkg(e),
        };
        Committee { secret, outcome }
    }

    fn header(
        &mut self,
        height: u64,
        parent_hash: B256,
        extra_data: Bytes,
        context: Option<ConsensusContext>,
    ) -> TempoHeader {
        let millis = self
            .config
            .genesis_timestamp_ms
            .saturating_add(height.saturating_mul(self.config.block_time_ms));
        // The block's transactions and receipts (native only: none in wasm32 builds).
        #[cfg(not(target_arch = "wasm32"))]
        let (transactions_root, receipts_root, logs_bloom, gas_used) = {
            let body = payments::body(self.config.chain_id, height);
            let roots = (
                body.transactions_root(),
                body.receipts_root(),
                body.logs_bloom(),
                body.gas_used(),
            );
            self.bodies.insert(height, body);
            roots
        };
        #[cfg(target_arch = "wasm32")]
        let (transactions_root, receipts_root, logs_bloom, gas_used) =
            (EMPTY_ROOT, EMPTY_ROOT, Default::default(), 0);
        TempoHeader {
            general_gas_limit: 30_000_000,
            shared_gas_limit: 0,
            timestamp_millis_part: millis % 1000,
            inner: Header {
                parent_hash,
                ommers_hash: EMPTY_OMMERS,
                beneficiary: Address::from_word(B256::from(self.rng.next32())),
                state_root: state::World::at(height).root(),
                transactions_root,
                receipts_root,
                logs_bloom,
                difficulty: U256::ZERO,
                number: height,
                gas_limit: 500_000_000,
                gas_used,
                timestamp: millis / 1000,
                extra_data,
                mix_hash: B256::ZERO,
                nonce: B64::ZERO,
                base_fee_per_gas: Some(10_000_000_000),
                withdrawals_root: Some(EMPTY_ROOT),
                blob_gas_used: Some(0),
                excess_blob_gas: Some(0),
                parent_beacon_block_root: Some(B256::ZERO),
                requests_hash: Some(EMPTY_REQUESTS),
                block_access_list_hash: None,
                slot_number: None,
            },
            consensus_context: context,
        }
    }

    fn certify(&self, epoch: u64, view: u64, parent_view: u64, digest: B256) -> Certificate {
        // Provably present: the committee of epoch e is made at genesis (e = 0) or at the boundary
        // of e − 1, before any block of e is produced.
        let secret = &self
            .committees
            .get(&epoch)
            .unwrap_or_else(|| unreachable!("a committee exists for every produced epoch"))
            .secret;
        let mut certificate = Certificate {
            epoch,
            view,
            parent_view,
            digest,
            vote_signature: [0; 48],
            seed_signature: [0; 48],
        };
        certificate.vote_signature = secret.sign(FINALIZE_NAMESPACE, &certificate.proposal_bytes());
        certificate.seed_signature = secret.sign(SEED_NAMESPACE, &certificate.round_bytes());
        certificate
    }

    /// A certificate, signed by the committee of the header's epoch, for any header carrying a
    /// consensus context of an epoch this chain has reached: for benchmarks and tests that
    /// need a final block of chosen contents (e.g. a block of 1,000 payments). `None` for a
    /// header without a consensus context or of an epoch without a committee yet.
    pub fn certify_header(&self, header: &TempoHeader) -> Option<tempo_light::CertifiedBlock> {
        let context = header.consensus_context.as_ref()?;
        if !self.committees.contains_key(&context.epoch) {
            return None;
        }
        Some(tempo_light::CertifiedBlock {
            certificate: self.certify(
                context.epoch,
                context.view,
                context.parent_view,
                header.hash(),
            ),
            header: header.clone(),
            claimed: Default::default(),
        })
    }

    /// Finalizes the next block and returns it.
    pub fn produce(&mut self) -> &DevBlock {
        let height = self.tip + 1;
        let length = self.config.epoch_length;
        let e = height / length;
        let parent = self.blocks.get(&self.tip).map_or(B256::ZERO, |b| b.hash);
        let (parent_view, mut view) = if epoch::first_of(length, e) == Some(height) {
            (0, 1)
        } else {
            (self.tip_view, self.tip_view + 1)
        };
        // Now and then a view times out without a block (nullified), as on a real network.
        if height % 7 == 3 {
            self.nullified.push((e, view));
            if self.nullified.len() > 1024 {
                self.nullified.remove(0);
            }
            view += 1;
        }
        let proposer = {
            let players = self.players_of(e);
            players[usize::try_from(view % players.len() as u64).unwrap_or(0)]
        };
        let extra = if epoch::is_boundary(length, height) {
            // Provably present, for the same reason as in `certify`.
            let previous = self
                .committees
                .get(&e)
                .cloned()
                .unwrap_or_else(|| unreachable!("the current epoch has a committee"));
            let next = self.make_committee(e + 1, Some(&previous));
            let bytes = Bytes::from(next.outcome.encode());
            self.committees.insert(e + 1, next);
            bytes
        } else {
            Bytes::new()
        };
        let context = ConsensusContext {
            epoch: e,
            view,
            parent_view,
            proposer: B256::from(proposer),
        };
        let header = self.header(height, parent, extra, Some(context));
        let hash = header.hash();
        let certificate = self.certify(e, view, parent_view, hash);
        if self.config.faults.equivocation_at == Some(height) {
            // A conflicting block at the same height, also with a valid certificate.
            let mut twin = header.clone();
            twin.timestamp_millis_part = (twin.timestamp_millis_part + 1) % 1000;
            let twin_hash = twin.hash();
            let twin_certificate = self.certify(e, view, parent_view, twin_hash);
            self.equivocations.insert(
                height,
                DevBlock {
                    header: twin,
                    hash: twin_hash,
                    certificate: Some(twin_certificate),
                },
            );
        }
        self.blocks.insert(
            height,
            DevBlock {
                header,
                hash,
                certificate: Some(certificate),
            },
        );
        self.tip = height;
        self.tip_view = view;
        self.prune();
        &self.blocks[&height]
    }

    fn prune(&mut self) {
        let retain = self.config.retain as u64;
        let length = self.config.epoch_length;
        while self.tip.saturating_sub(self.pruned_below) >= retain.max(1) {
            let h = self.pruned_below;
            if h != 0 && !epoch::is_boundary(length, h) {
                self.blocks.remove(&h);
                self.equivocations.remove(&h);
                #[cfg(not(target_arch = "wasm32"))]
                self.bodies.remove(&h);
            }
            self.pruned_below += 1;
        }
    }

    /// The newest finalized block.
    pub fn tip(&self) -> &DevBlock {
        &self.blocks[&self.tip]
    }

    /// The block at `height`, if produced and not pruned.
    pub fn block(&self, height: u64) -> Option<&DevBlock> {
        self.blocks.get(&height)
    }

    /// The transactions and receipts of the block at `height`, if produced and kept.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn body(&self, height: u64) -> Option<&payments::Body> {
        self.bodies.get(&height)
    }

    /// The height and index of the transaction with `hash` among the kept blocks (a linear
    /// scan; the devnet is small).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn find_transaction(&self, hash: &B256) -> Option<(u64, usize)> {
        self.bodies.iter().find_map(|(height, body)| {
            body.hashes()
                .iter()
                .position(|h| h == hash)
                .map(|i| (*height, i))
        })
    }

    /// The block with `hash`, if kept (a linear scan; the devnet is small).
    pub fn block_by_hash(&self, hash: &B256) -> Option<&DevBlock> {
        self.blocks
            .values()
            .chain(self.equivocations.values())
            .find(|b| &b.hash == hash)
    }

    /// The conflicting twin finalized at `height`, if the equivocation fault put one there.
    pub fn equivocation(&self, height: u64) -> Option<&DevBlock> {
        self.equivocations.get(&height)
    }

    /// Views that timed out without a block, oldest first (bounded).
    pub fn nullified(&self) -> &[(u64, u64)] {
        &self.nullified
    }

    /// The DKG outcome that installed epoch `e`'s committee, if `e` has been reached.
    pub fn outcome(&self, e: u64) -> Option<&DkgOutcome> {
        self.committees.get(&e).map(|c| &c.outcome)
    }

    /// The network identity of epoch `e`, if `e` has been reached.
    pub fn identity(&self, e: u64) -> Option<PublicKey> {
        self.outcome(e).map(|o| o.identity().clone())
    }

    /// The genesis identity (epoch 0's).
    pub fn genesis_identity(&self) -> PublicKey {
        self.committees[&0].outcome.identity().clone()
    }
}

fn sorted(mut keys: Vec<[u8; 32]>) -> Vec<[u8; 32]> {
    keys.sort_unstable();
    keys.dedup();
    keys
}
