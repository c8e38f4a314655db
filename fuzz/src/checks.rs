//! What every fuzz target checks, one function per target, shared by the libFuzzer binaries
//! (`fuzz/fuzz_targets/*.rs`) and by `tests/fuzz_regressions.rs`, which replays the committed
//! corpora and regression inputs through the very same functions in `cargo test`.
//!
//! Each function takes the fuzzer's bytes and panics only when tempo-light misbehaves: a
//! panic inside the core on hostile input, a verdict that differs from the reference crates
//! (commonware 2026.7.1), an accepted block or balance the chain never had, or a broken
//! light-client invariant.

use std::sync::OnceLock;

use alloy_primitives::{hex, Address, B256};
use serde_json::{json, Value};
use tempo_light::{
    client::TrustState,
    finality::network::{MAINNET_IDENTITY, TESTNET_IDENTITY_1747, TESTNET_IDENTITY_51},
    finality::verify::VerifiedBlock,
    payment::{
        check_payment, confirm_payment, tip20_transfers, ConfirmedPayment, ExpectedPayment,
        FinalAnchor, PaymentProof, ProofForm,
    },
    receipt::{self, BlockReceipt},
    state::state_proof::verify_account_proof,
    state::state_proof::AccountProof,
    tip20::BalanceQuery,
    wire::certificate::{self, Certificate},
    CertifiedBlock, ClientError, DkgOutcome, Event, LightClient, Network, PublicKey, Request,
    TempoHeader,
};
use tempo_light_devnet::{state, ChainFaults, DevBlock, DevnetConfig};
use tempo_light_testkit::reference;

/// A target's check: panics on a finding.
pub type Check = fn(&[u8]);

/// Every fuzz target, by name (the `fuzz_targets/<name>.rs` binaries and the corpus folders).
pub const TARGETS: &[(&str, Check)] = &[
    ("certificate", certificate),
    ("certificate_differential", certificate_differential),
    ("dkg_outcome", dkg_outcome),
    ("dkg_outcome_differential", dkg_outcome_differential),
    ("header_json", header_json),
    ("certified_block", certified_block),
    ("saved_state", saved_state),
    ("account_proof", account_proof),
    ("light_client", light_client),
    ("payment_block", payment_block),
    ("payment_proof", payment_proof),
    ("wasm_inputs", wasm_inputs),
];

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

// ---- certificates -------------------------------------------------------------------------

fn identities() -> &'static [PublicKey; 4] {
    static IDENTITIES: OnceLock<[PublicKey; 4]> = OnceLock::new();
    IDENTITIES.get_or_init(|| {
        [
            PublicKey::from_bytes(&MAINNET_IDENTITY).expect("valid"),
            PublicKey::from_bytes(&TESTNET_IDENTITY_51).expect("valid"),
            PublicKey::from_bytes(&TESTNET_IDENTITY_1747).expect("valid"),
            devnet().chain.genesis_identity(),
        ]
    })
}

/// Certificate bytes: decoding never panics and is exact (what decodes re-encodes to the
/// same bytes); verification against each known identity never panics, and a batch of the
/// input with a valid certificate verifies exactly when both verify alone.
pub fn certificate(data: &[u8]) {
    let Ok(c) = Certificate::decode(data) else {
        return;
    };
    assert_eq!(c.encode(), data, "decoding is exact: re-encoding differs");
    let _ = c.signatures();
    let good = devnet()
        .block(1)
        .certificate
        .clone()
        .expect("a certified block");
    for identity in identities() {
        let alone = c.verify(identity).is_ok();
        let good_alone = good.verify(identity).is_ok();
        let batch = certificate::verify_batch(identity, &[good.clone(), c.clone()]).is_ok();
        assert_eq!(
            batch,
            alone && good_alone,
            "a batch's verdict differs from its members' verdicts"
        );
    }
}

/// First byte: which identity (mainnet, testnet 51, testnet 1747, the devnet's); the rest:
/// certificate bytes. Our decoding verdict and our verification verdict must equal the
/// reference's (`Finalization::decode`, `Finalization::verify`).
pub fn certificate_differential(data: &[u8]) {
    let Some((&which, bytes)) = data.split_first() else {
        return;
    };
    let identity = &identities()[usize::from(which) % 4];
    let ours_decodes = Certificate::decode(bytes);
    let theirs_decodes = reference_decodes(bytes);
    assert_eq!(
        ours_decodes.is_ok(),
        theirs_decodes,
        "decoding verdicts differ on {}",
        hex::encode(bytes)
    );
    let ours = ours_decodes.is_ok_and(|c| c.verify(identity).is_ok());
    let theirs = reference::certificate_verifies(bytes, &identity.to_bytes());
    assert_eq!(
        ours,
        theirs,
        "verification verdicts differ on {}",
        hex::encode(bytes)
    );
}

/// The reference's decoding verdict: `Finalization::decode` (which rejects trailing bytes).
fn reference_decodes(bytes: &[u8]) -> bool {
    use commonware_codec::DecodeExt;
    use commonware_consensus::simplex::{
        scheme::bls12381_threshold::vrf::Scheme, types::Finalization,
    };
    use commonware_cryptography::{bls12381::primitives::variant::MinSig, ed25519, sha256};
    Finalization::<Scheme<ed25519::PublicKey, MinSig>, sha256::Digest>::decode(bytes).is_ok()
}

// ---- DKG outcomes ------------------------------------------------------------------------------

/// DKG outcome bytes: decoding never panics; what decodes re-encodes to a prefix of the
/// input (trailing bytes are ignored, as Tempo does) that decodes to the same outcome.
pub fn dkg_outcome(data: &[u8]) {
    let Ok(outcome) = DkgOutcome::decode(data) else {
        return;
    };
    let encoded = outcome.encode();
    assert!(
        data.starts_with(&encoded),
        "decoding is exact: re-encoding is not the input's prefix"
    );
    assert_eq!(
        DkgOutcome::decode(&encoded).as_ref(),
        Ok(&outcome),
        "re-decoding differs"
    );
    let _ = outcome.identity().to_bytes();
}

/// DKG outcome bytes: our decoding must accept exactly what Tempo's `OnchainDkgOutcome::read`
/// accepts (the reference crates), and read the same epoch, identity, players, next players
/// and announcement.
pub fn dkg_outcome_differential(data: &[u8]) {
    let ours = DkgOutcome::decode(data);
    let theirs = reference::read_outcome(data);
    match (&ours, &theirs) {
        (Ok(o), Some(r)) => {
            let keys = |v: &[[u8; 32]]| v.iter().map(|k| k.to_vec()).collect::<Vec<_>>();
            assert_eq!(r.0, o.epoch, "epochs differ");
            assert_eq!(r.1, o.identity().to_bytes().to_vec(), "identities differ");
            assert_eq!(r.2, keys(&o.players), "players differ");
            assert_eq!(r.3, keys(&o.next_players), "next players differ");
            assert_eq!(r.4, o.is_next_full_dkg, "announcements differ");
        }
        (Err(_), None) => {}
        (Ok(_), None) => panic!("ours accepts, the reference rejects {}", hex::encode(data)),
        (Err(e), Some(_)) => panic!(
            "ours rejects ({e}), the reference accepts {}",
            hex::encode(data)
        ),
    }
}

// ---- JSON from the RPC ---------------------------------------------------------------------------

/// Header JSON: parsing never panics; a parsed header serializes to JSON that parses back to
/// the same header (and so the same hash); wherever Tempo's own header type
/// (`tempo_primitives::TempoHeader` 1.11.0, read by serde, hashed by `Sealable::hash_slow`)
/// also reads the JSON, the two hashes are equal.
pub fn header_json(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(header) = TempoHeader::from_json(text) else {
        return;
    };
    let hash = header.hash();
    let _ = (
        header.number(),
        header.timestamp_millis(),
        header.extra_data(),
    );
    let again = serde_json::to_value(&header).expect("a header serializes");
    let reparsed = TempoHeader::from_value(again).expect("a serialized header parses");
    assert_eq!(reparsed, header, "header JSON does not round-trip");
    assert_eq!(reparsed.hash(), hash);
    if let Ok(theirs) = serde_json::from_str::<tempo_primitives::TempoHeader>(text) {
        use alloy_consensus::Sealable;
        assert_eq!(
            hash,
            theirs.hash_slow(),
            "our header hash differs from tempo-primitives'"
        );
    }
}

fn fixture_hash() -> B256 {
    static HASH: OnceLock<B256> = OnceLock::new();
    *HASH.get_or_init(|| {
        CertifiedBlock::from_json(tempo_light_testkit::MAINNET_BLOCK)
            .expect("the fixture parses")
            .header
            .hash()
    })
}

/// A CertifiedBlock in any accepted shape (JSON-RPC response, event, notification,
/// `consensus_getLatest`, header beside certificate): parsing never panics; verification on
/// mainnet, testnet and the devnet never panics and accepts only blocks really finalized
/// there (the real mainnet fixture, the devnet's blocks).
pub fn certified_block(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(block) = CertifiedBlock::from_json(text) else {
        return;
    };
    for d in block.discrepancies() {
        let _ = (d.field(), d.claimed(), d.actual());
    }
    let hash = block.header.hash();
    if let Ok(v) = tempo_light::verify_with_network(&Network::mainnet(), &block) {
        assert_eq!(
            v.hash,
            fixture_hash(),
            "mainnet accepted a block never finalized"
        );
        assert_eq!(v.hash, hash);
    }
    if let Ok(v) = tempo_light::verify_with_network(&Network::testnet(), &block) {
        panic!("testnet accepted a block of ours: {:#x}", v.hash);
    }
    let d = devnet();
    if let Ok(v) = tempo_light::verify_with_network(&d.network(), &block) {
        assert!(
            d.finalized(v.height, v.hash).is_some(),
            "the devnet's network accepted a block it never finalized"
        );
    }
    let _ = tempo_light::provenance(&Network::mainnet(), &block);
    let _ = tempo_light::provenance(&d.network(), &block);
}

// ---- saved state ------------------------------------------------------------------------------

/// Saved state: restoring never panics; a restored state saves and restores to itself; a
/// restored client answers `next_request` and refuses or accepts a real devnet block without
/// panicking, a refusal leaving its state unchanged.
pub fn saved_state(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(state) = TrustState::from_json(text) {
        let saved = state.to_json();
        let restored = TrustState::from_json(&saved).expect("a saved state restores");
        assert_eq!(restored, state, "saved state does not round-trip");
        assert_eq!(restored.to_json(), saved);
        for epoch in [0, 1, 7, 51, 1747, u64::MAX] {
            let _ = state.identity_for(epoch);
        }
    }
    let Ok(mut client) = LightClient::from_json(text) else {
        return;
    };
    let _ = client.next_request();
    let d = devnet();
    for height in [9, DEVNET_BLOCKS] {
        let before = client.to_json();
        let was_frozen = client.is_frozen();
        if client.on_finalization(d.certified(height)).is_err() {
            assert_eq!(client.to_json(), before, "a refusal changed the state");
        }
        assert!(!was_frozen || client.is_frozen(), "a frozen client thawed");
        let _ = client.next_request();
    }
}

// ---- state proofs ---------------------------------------------------------------------------------

/// The devnet height whose state root the proofs are checked against.
pub const PROOF_HEIGHT: u64 = 40;

struct ProofFixture {
    world: state::World,
    queries: Vec<BalanceQuery>,
}

fn proof_fixture() -> &'static ProofFixture {
    static FIXTURE: OnceLock<ProofFixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let world = state::World::at(PROOF_HEIGHT);
        let root = world.root();
        let queries = proof_subjects()
            .iter()
            .map(|&(token, account)| {
                BalanceQuery::new(token, account, PROOF_HEIGHT, B256::ZERO, root)
                    .expect("a TIP-20 token")
            })
            .collect();
        ProofFixture { world, queries }
    })
}

/// The (token, account) pairs whose balances the `account_proof` target checks: a holder with
/// a balance, an empty holder, and a token with no account in the state.
pub fn proof_subjects() -> [(Address, Address); 3] {
    let no_such_token = alloy_primitives::address!("20c00000000000000000000000000000000000ff");
    [
        (state::TOKENS[0], state::holder(1)),
        (state::TOKENS[1], state::holder(state::HOLDERS - 1)),
        (no_such_token, state::holder(0)),
    ]
}

/// An `eth_getProof` answer (with or without its envelope): parsing never panics; checking it
/// as a TIP-20 balance against a fixed devnet state root never panics, and a balance it
/// proves is the true one (as are the supply and the token's strings).
pub fn account_proof(data: &[u8]) {
    let Ok(value) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let Ok(proof) = AccountProof::from_value(value) else {
        return;
    };
    let _ = proof.to_json();
    let fixture = proof_fixture();
    for query in &fixture.queries {
        if let Ok(proven) = query.verify(&proof) {
            let b = &proven.balance;
            let truth = |slot: B256| fixture.world.storage(query.token, slot);
            assert_eq!(
                b.balance,
                truth(tempo_light::tip20::balance_slot(query.account)),
                "a forged balance was proven"
            );
            assert!(
                state::TOKENS.contains(&query.token),
                "a token with no account in the state was proven"
            );
            assert_eq!(
                b.total_supply,
                truth(tempo_light::tip20::field_slot(
                    tempo_light::tip20::slot::TOTAL_SUPPLY
                )),
                "a forged supply was proven"
            );
            assert_eq!(b.state_root, query.state_root);
        }
    }
}

// ---- payments ------------------------------------------------------------------------------

/// The honest devnet's block at `height`, verified under its epoch's identity.
pub fn verified_devnet_block(height: u64) -> Option<VerifiedBlock> {
    let d = devnet();
    let block = d.chain.block(height)?.certified()?;
    let identity = d.chain.identity(height / DEVNET_EPOCH_LENGTH)?;
    tempo_light::verify_block(&identity, DEVNET_EPOCH_LENGTH, &block).ok()
}

/// What the devnet really did in the transaction a payment names: the payment must be it.
fn assert_is_the_chains(payment: &ConfirmedPayment) {
    let d = devnet();
    let block = d
        .chain
        .block(payment.height)
        .expect("a proven payment is in a block the devnet produced");
    assert_eq!(
        payment.block_hash, block.hash,
        "a payment proven in a forged block"
    );
    let body = d.chain.body(payment.height).expect("every body is kept");
    assert_eq!(
        body.hashes().get(payment.index),
        Some(&payment.transaction_hash),
        "a transaction proven at an index the block does not hold it at"
    );
    let truth = BlockReceipt::decode_2718(&body.raw_receipts()[payment.index])
        .expect("the devnet's receipts decode");
    assert_eq!(
        payment.success,
        truth.success(),
        "a forged status was proven"
    );
    assert_eq!(
        payment.gas_used,
        Some(body.gas_used_by(payment.index)),
        "a forged gas used was proven"
    );
    assert_eq!(
        payment.transfers,
        tip20_transfers(truth.logs()).expect("the devnet's logs decode"),
        "forged transfers were proven"
    );
}

/// The expectation `selector` picks from the first transfer: bit 0 its token (any token
/// otherwise), 1 its recipient, 2 its amount, 3 its memo, 4 its sender, 5 the transaction.
fn expectation(selector: u8, payment: &ConfirmedPayment) -> ExpectedPayment {
    let first = payment.transfers.first();
    ExpectedPayment {
        token: (selector & 1 != 0).then(|| first.map_or(Address::ZERO, |t| t.token)),
        any_token: selector & 1 == 0,
        to: (selector & 2 != 0).then(|| first.map_or(Address::ZERO, |t| t.to)),
        amount: (selector & 4 != 0).then(|| first.map_or_else(Default::default, |t| t.amount)),
        memo: (selector & 8 != 0).then(|| first.and_then(|t| t.memo).unwrap_or_default()),
        from: (selector & 16 != 0).then(|| first.map_or(Address::ZERO, |t| t.from)),
        transaction_hash: (selector & 32 != 0).then_some(payment.transaction_hash),
    }
}

/// What a wallet fetches to confirm a payment, as one JSON document: `{"tip": certified
/// height on the honest devnet, "hash": the transaction, "transactions": the
/// `debug_getRawTransactions` answer, "receipts": the `eth_getBlockReceipts` answer, "links":
/// headers from the payment's block up to the tip (optional), "expect": 0..63 (optional)}`.
/// Reading the answers and confirming never panic; a payment confirmed is exactly the
/// devnet's transaction (block, index, status, gas used, transfers); a proof built from it,
/// in each form, re-checks offline to the same payment.
pub fn payment_block(data: &[u8]) {
    let Ok(doc) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let transactions = doc
        .get("transactions")
        .map(receipt::raw_transactions_from_value);
    let receipts = doc.get("receipts").map(receipt::block_receipts_from_value);
    let (Some(Ok(transactions)), Some(Ok(receipts))) = (transactions, receipts) else {
        return;
    };
    let _ = tempo_light::payment::check_transactions(&transactions);
    let _ = receipt::transactions_root(&transactions);
    for r in &receipts {
        let again = BlockReceipt::decode_2718(&r.encoded_2718()).expect("an encoding decodes");
        assert_eq!(again.receipt, r.receipt, "a receipt does not round-trip");
        let back = BlockReceipt::from_value(&r.to_value()).expect("its JSON reads back");
        assert_eq!(
            back.receipt, r.receipt,
            "a receipt's JSON does not round-trip"
        );
    }
    let links = match doc.get("links") {
        None => Vec::new(),
        Some(v) => {
            let Some(items) = v.as_array() else { return };
            let Ok(headers) = items
                .iter()
                .map(|h| TempoHeader::from_value(h.clone()))
                .collect::<Result<Vec<_>, _>>()
            else {
                return;
            };
            headers
        }
    };
    let Some(tip) = doc.get("tip").and_then(Value::as_u64) else {
        return;
    };
    let Some(verified) = verified_devnet_block(tip.min(DEVNET_BLOCKS)) else {
        return;
    };
    let Some(hash) = doc
        .get("hash")
        .and_then(Value::as_str)
        .and_then(|h| h.parse::<B256>().ok())
    else {
        return;
    };
    let certified = devnet().certified(verified.height);
    let anchor = FinalAnchor {
        verified: &verified,
        certificate: &certified.certificate,
        links: &links,
    };
    let Ok(payment) = confirm_payment(&anchor, hash, &transactions, &receipts) else {
        return;
    };
    assert_is_the_chains(&payment);
    let selector = doc
        .get("expect")
        .and_then(Value::as_u64)
        .and_then(|n| u8::try_from(n & 63).ok())
        .unwrap_or(0);
    let _ = check_payment(&payment, &expectation(selector, &payment));
    for form in [ProofForm::FullBlock, ProofForm::TrieProofs] {
        let proof = payment.proof(form);
        let again = PaymentProof::from_json(&proof.to_json()).expect("a built proof reads");
        assert_eq!(again, proof, "a built proof does not round-trip");
        let rechecked = again
            .verify(&verified.identity, DEVNET_EPOCH_LENGTH)
            .expect("a proof built from a confirmed payment re-checks");
        assert_eq!(rechecked, *payment, "a proof re-checks to another payment");
    }
}

/// A `PaymentProof` document: reading never panics and round-trips; re-checking it under the
/// honest devnet's identity for its epoch never panics and proves only the devnet's real
/// transactions; under mainnet's or testnet's identities it proves nothing (no such payment
/// was made there by anyone holding these bytes).
pub fn payment_proof(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(proof) = PaymentProof::from_json(text) else {
        return;
    };
    let again = PaymentProof::from_json(&proof.to_json()).expect("a read proof writes and reads");
    assert_eq!(again, proof, "a proof does not round-trip");
    let d = devnet();
    let checked = proof.verify_with(|block| {
        let epoch = block.header.number() / DEVNET_EPOCH_LENGTH;
        // An epoch the devnet never reached: its genesis identity, under which nothing of a
        // later epoch verifies.
        let identity = d
            .chain
            .identity(epoch)
            .unwrap_or_else(|| d.chain.genesis_identity());
        tempo_light::verify_block(&identity, DEVNET_EPOCH_LENGTH, block)
    });
    if let Ok(payment) = checked {
        assert_is_the_chains(&payment);
        for selector in [0, 63] {
            let _ = check_payment(&payment, &expectation(selector, &payment));
        }
    }
    for network in [Network::mainnet(), Network::testnet()] {
        if let Ok(p) = tempo_light::verify_payment_proof(&network, &proof) {
            panic!(
                "{} proved a payment: {:#x}",
                network.name(),
                p.transaction_hash
            );
        }
    }
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

// ---- what the wasm exports read ---------------------------------------------------------------

/// The exports of the npm package (`crates/wasm`) that read JSON from JavaScript, by the
/// first byte of a `wasm_inputs` input; the rest is the JSON text JavaScript hands over.
pub const WASM_EXPORTS: &[&str] = &[
    "fromState",
    "verifyCertifiedBlock",
    "TempoLightClient.verifyBatch",
    "TempoLightClient.onFinalization",
    "TempoLightClient.onHeaders",
    "verifyBalance",
    "verifyProof",
    "TempoLightClient.confirmPayment",
    "verifyPaymentProof",
];

/// The JSON each export of the npm package reads, through the core calls that export makes
/// after converting its JS argument to JSON (`crates/wasm` is a thin conversion layer: each
/// export is `to_json`, then these calls, then a conversion of the result to JS). First byte:
/// the export ([`WASM_EXPORTS`], modulo); the rest: its argument as JSON text (for the
/// two-argument exports, `[first, second]`). Nothing panics; a client refusing an input is
/// left byte for byte unchanged; what is accepted is what the chain finalized.
pub fn wasm_inputs(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(value) = serde_json::from_slice::<Value>(rest) else {
        return;
    };
    let d = devnet();
    let synced = || synced_client(false);
    let second = |i: usize| value.as_array().and_then(|a| a.get(i)).cloned();
    let export = usize::from(selector) % WASM_EXPORTS.len();
    match export {
        0 => {
            if let Ok(client) = LightClient::from_json(&value.to_string()) {
                let saved = client.to_json();
                let again = LightClient::from_json(&saved).expect("a saved state restores");
                assert_eq!(
                    again.to_json(),
                    saved,
                    "a restored state does not round-trip"
                );
            }
        }
        1 => {
            let Ok(block) = CertifiedBlock::from_value(value) else {
                return;
            };
            if let Ok(v) = tempo_light::verify_with_network(&Network::mainnet(), &block) {
                assert_eq!(
                    v.hash,
                    fixture_hash(),
                    "mainnet accepted a block never finalized"
                );
            }
            assert!(tempo_light::verify_with_network(&Network::testnet(), &block).is_err());
        }
        2 | 3 => {
            let items = match value {
                Value::Array(items) if export == 2 => items,
                one => Vec::from([one]),
            };
            let blocks: Vec<CertifiedBlock> = items
                .into_iter()
                .filter_map(|v| CertifiedBlock::from_value(v).ok())
                .collect();
            let mut client = synced();
            for (block, result) in blocks.iter().zip(client.verify_batch(&blocks)) {
                if let Ok(v) = result {
                    assert!(
                        d.finalized(v.height, v.hash).is_some(),
                        "a forged block verified"
                    );
                    assert_eq!(v.hash, block.header.hash());
                }
            }
            for block in blocks {
                let before = client.to_json();
                if client.on_finalization(block).is_err() {
                    assert_eq!(client.to_json(), before, "a refusal changed the state");
                }
                if let Some(head) = client.head() {
                    assert!(
                        d.finalized(head.height, head.hash).is_some(),
                        "a forged head"
                    );
                }
            }
        }
        4 => {
            let Value::Array(items) = value else { return };
            let Ok(headers) = items
                .into_iter()
                .map(TempoHeader::from_value)
                .collect::<Result<Vec<_>, _>>()
            else {
                return;
            };
            let mut client = synced_client(true);
            let before = client.to_json();
            match client.on_headers(headers) {
                Err(_) => assert_eq!(client.to_json(), before, "a refusal changed the state"),
                Ok(events) => {
                    for event in events {
                        let Event::Headers(headers) = event else {
                            continue;
                        };
                        for h in headers {
                            assert_eq!(
                                d.chain.block(h.header.number()).map(|b| b.hash),
                                Some(h.hash),
                                "a header the chain never had was yielded"
                            );
                        }
                    }
                }
            }
        }
        5 | 6 => {
            let (Some(query), Some(proof)) = (second(0), second(1)) else {
                return;
            };
            let Ok(proof) = AccountProof::from_value(proof) else {
                return;
            };
            let fixture = proof_fixture();
            let root = fixture.queries[0].state_root;
            if export == 6 {
                if let Ok(v) = verify_account_proof(root, &proof) {
                    for (slot, value) in &v.storage {
                        assert_eq!(
                            *value,
                            fixture.world.storage(v.address, *slot),
                            "a forged slot"
                        );
                    }
                }
                return;
            }
            let field = |k: &str| {
                query
                    .get(k)
                    .and_then(Value::as_str)
                    .and_then(|s| s.parse().ok())
            };
            let (Some(token), Some(account)) = (field("token"), field("account")) else {
                return;
            };
            let Ok(q) = BalanceQuery::new(token, account, PROOF_HEIGHT, B256::ZERO, root) else {
                return;
            };
            if let Ok(b) = q.verify(&proof) {
                assert_eq!(
                    b.balance.balance,
                    fixture
                        .world
                        .storage(token, tempo_light::tip20::balance_slot(account)),
                    "a forged balance was proven"
                );
            }
        }
        7 => {
            let (Some(hash), Some(block)) = (value.get("txHash"), value.get("block")) else {
                return;
            };
            let Some(hash) = hash.as_str().and_then(|h| h.parse::<B256>().ok()) else {
                return;
            };
            let Ok(block) = CertifiedBlock::from_value(block.clone()) else {
                return;
            };
            let empty = Value::Null;
            let Ok(transactions) =
                receipt::raw_transactions_from_value(value.get("transactions").unwrap_or(&empty))
            else {
                return;
            };
            let Ok(receipts) =
                receipt::block_receipts_from_value(value.get("receipts").unwrap_or(&empty))
            else {
                return;
            };
            let Ok(verified) = synced().verify(&block) else {
                return;
            };
            let anchor = FinalAnchor {
                verified: &verified,
                certificate: &block.certificate,
                links: &[],
            };
            if let Ok(payment) = confirm_payment(&anchor, hash, &transactions, &receipts) {
                assert_is_the_chains(&payment);
                let proof = payment.proof(ProofForm::Smallest);
                assert_eq!(
                    PaymentProof::from_json(&proof.to_json()).map(|p| p == proof),
                    Ok(true)
                );
            }
        }
        _ => {
            let Ok(proof) = PaymentProof::from_value(&value) else {
                return;
            };
            if let Ok(payment) = proof.verify_with(|block| synced().verify(block)) {
                assert_is_the_chains(&payment);
            }
        }
    }
}

// ---- the light client, step by step --------------------------------------------------------------

/// Most operations run per input (each may verify a certificate: ~1 ms).
pub const MAX_STEPS: usize = 48;

struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }
    fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.byte().unwrap_or(0), self.byte().unwrap_or(0)])
    }
    fn height(&mut self) -> u64 {
        1 + u64::from(self.byte().unwrap_or(0)) % DEVNET_BLOCKS
    }
}

/// A sequence of operations on a light client of a devnet (first byte: the honest devnet,
/// with a valid equivocation, or the one that rotates its identity unannounced; operations:
/// single finalizations, mutated ones, honest answers, header chunks, runs of boundaries,
/// replays, saves and reloads), each followed
/// by the invariants: the head never moves back; every block accepted as final is one the chain
/// finalized and its certificate verifies under the identity the client holds for its epoch;
/// every identity the client registers is the chain's, and one that changes does so only where
/// the previous outcome announced a full DKG; a refused step leaves the state byte for byte
/// unchanged; a frozen client stays frozen; saved state restores to itself.
pub fn light_client(data: &[u8]) {
    let mut input = Bytes(data);
    let d = match input.byte() {
        Some(b) if b % 2 == 1 => faulty_devnet(),
        _ => devnet(),
    };
    let mut client = LightClient::new(d.network());
    let mut every_header = false;
    let mut last: Option<CertifiedBlock> = None;
    for _ in 0..MAX_STEPS {
        let Some(op) = input.byte() else { break };
        let before = client.to_json();
        let before_head = client.head();
        let was_frozen = client.is_frozen();
        let mut fed: Option<CertifiedBlock> = None;
        let result: Option<Result<Vec<Event>, ClientError>> = match op % 9 {
            // A finalization of height h, as is.
            0 => {
                let block = d.certified(input.height());
                fed = Some(block.clone());
                Some(client.on_finalization(block))
            }
            // A finalization with one byte changed: of its JSON text, or of its certificate.
            1 => {
                let dev = d.block(input.height());
                let at = usize::from(input.u16());
                let value = input.byte().unwrap_or(0);
                let mutated = if at % 2 == 0 {
                    let mut text = certified_json(dev).to_string().into_bytes();
                    let i = (at / 2) % text.len();
                    text[i] = value;
                    std::str::from_utf8(&text)
                        .ok()
                        .and_then(|t| CertifiedBlock::from_json(t).ok())
                } else {
                    let mut bytes = dev.certificate.as_ref().expect("certified").encode();
                    let i = (at / 2) % bytes.len();
                    bytes[i] ^= value.max(1);
                    Certificate::decode(&bytes)
                        .ok()
                        .map(|certificate| CertifiedBlock {
                            certificate,
                            ..dev.certified().expect("certified")
                        })
                };
                mutated.map(|block| {
                    fed = Some(block.clone());
                    client.on_finalization(block)
                })
            }
            // What the client asks for, answered honestly.
            2 => match client.next_request() {
                None => None,
                Some(tempo_light::Request::LatestFinalization) => {
                    let block = d.certified(DEVNET_BLOCKS);
                    fed = Some(block.clone());
                    Some(client.on_finalization(block))
                }
                Some(tempo_light::Request::Finalization { height }) => d
                    .chain
                    .block(height)
                    .and_then(DevBlock::certified)
                    .map(|b| {
                        fed = Some(b.clone());
                        client.on_finalization(b)
                    }),
                Some(tempo_light::Request::Headers { from, to }) => {
                    let headers = (from..=to.min(from + 300))
                        .filter_map(|h| d.chain.block(h).map(|b| b.header.clone()))
                        .collect();
                    Some(client.on_headers(headers))
                }
            },
            // A chunk of headers the fuzzer picks, possibly with one changed.
            3 => {
                let from = u64::from(input.byte().unwrap_or(0)) % (DEVNET_BLOCKS + 1);
                let len = u64::from(input.byte().unwrap_or(0) % 16);
                let tamper = input.byte().unwrap_or(0);
                let mut headers: Vec<TempoHeader> = (from..=(from + len).min(DEVNET_BLOCKS))
                    .map(|h| d.chain.block(h).expect("retained").header.clone())
                    .collect();
                if tamper % 4 == 1 {
                    let i = usize::from(tamper / 4) % headers.len();
                    headers[i].inner.gas_used ^= 1;
                } else if tamper % 4 == 2 {
                    headers.reverse();
                }
                Some(client.on_headers(headers))
            }
            // Save and reload.
            4 => {
                let saved = client.to_json();
                let mut restored = LightClient::from_json(&saved).expect("saved state restores");
                assert_eq!(restored.to_json(), saved, "saved state does not round-trip");
                restored.set_every_header(every_header);
                client = restored;
                None
            }
            // A replay of the last block fed.
            5 => last.clone().map(|block| {
                fed = Some(block.clone());
                client.on_finalization(block)
            }),
            // Every-header mode on or off.
            6 => {
                every_header = input.byte().unwrap_or(0) % 2 == 1;
                client.set_every_header(every_header);
                None
            }
            // The equivocating twin (honest devnet), or a block of the other devnet.
            7 => {
                let block = match d.chain.equivocation(EQUIVOCATION_AT) {
                    Some(twin) => twin.certified().expect("certified"),
                    None => devnet().certified(input.height()),
                };
                fed = Some(block.clone());
                Some(client.on_finalization(block))
            }
            // The boundaries the client wants as one run (`on_boundaries`: several identities
            // in one multi-pairing), as the chain has them or with one of them spoilt: a
            // certificate byte changed, the other devnet's block in its place, or the run
            // reversed.
            _ => {
                let max = usize::from(input.byte().unwrap_or(0) % 12) + 1;
                let spoil = input.byte().unwrap_or(0);
                let wanted = client.boundaries_wanted(max);
                let mut run: Vec<CertifiedBlock> = wanted.iter().map(|&h| d.certified(h)).collect();
                if !run.is_empty() {
                    let i = usize::from(spoil / 4) % run.len();
                    match spoil % 4 {
                        1 => {
                            let mut bytes = run[i].certificate.encode();
                            let at = usize::from(input.byte().unwrap_or(0)) % bytes.len();
                            bytes[at] ^= input.byte().unwrap_or(0).max(1);
                            match Certificate::decode(&bytes) {
                                Ok(certificate) => run[i].certificate = certificate,
                                Err(_) => run.truncate(i),
                            }
                        }
                        2 => {
                            let other = if std::ptr::eq(d, devnet()) {
                                faulty_devnet()
                            } else {
                                devnet()
                            };
                            run[i] = other.certified(run[i].header.number());
                        }
                        3 => run.reverse(),
                        _ => {}
                    }
                }
                (!run.is_empty()).then(|| client.on_boundaries(run))
            }
        };
        if let Some(block) = fed {
            last = Some(block);
        }
        check_step(d, &client, &before, before_head, was_frozen, result);
    }
}

fn check_step(
    d: &Devnet,
    client: &LightClient,
    before: &str,
    before_head: Option<tempo_light::client::Head>,
    was_frozen: bool,
    result: Option<Result<Vec<Event>, ClientError>>,
) {
    let state = client.state();
    assert!(!was_frozen || client.is_frozen(), "a frozen client thawed");
    if let (Some(old), Some(new)) = (before_head, client.head()) {
        assert!(new.height >= old.height, "the head moved back");
    }
    assert!(
        before_head.is_none() || client.head().is_some(),
        "the head was lost"
    );
    if let Some(head) = client.head() {
        let block = d
            .finalized(head.height, head.hash)
            .expect("the head is a block the chain finalized");
        assert_eq!(head.state_root, Some(block.header.state_root()));
    }
    match result {
        None => {}
        Some(Err(_)) => assert_eq!(client.to_json(), before, "a refused step changed the state"),
        Some(Ok(events)) => {
            for event in events {
                match event {
                    Event::Finalized {
                        height,
                        hash,
                        epoch,
                        ..
                    } => {
                        let block = d
                            .finalized(height, hash)
                            .expect("accepted a block the chain never finalized");
                        let identity = state
                            .identity_for(epoch)
                            .expect("an accepted block's epoch has an identity");
                        block
                            .certificate
                            .as_ref()
                            .expect("certified")
                            .verify(&identity)
                            .expect("an accepted block verifies under the held identity");
                    }
                    Event::EpochTransition {
                        epoch, identity, ..
                    } => {
                        assert_eq!(
                            Some(&identity),
                            d.chain.identity(epoch).as_ref(),
                            "registered an identity the chain never had"
                        );
                        let previous = epoch.checked_sub(1).and_then(|e| d.chain.identity(e));
                        if epoch > 0 && previous.as_ref() != Some(&identity) {
                            assert!(
                                d.chain
                                    .outcome(epoch - 1)
                                    .is_some_and(|o| o.is_next_full_dkg),
                                "the identity changed at epoch {epoch} without an announced full DKG"
                            );
                        }
                    }
                    Event::Headers(run) => {
                        for h in run {
                            let number = h.header.number();
                            assert!(
                                d.finalized(number, h.hash).is_some(),
                                "yielded a header the chain never finalized"
                            );
                        }
                    }
                    Event::PresetIdentityDiffers { .. } | Event::Equivocation(_) => {}
                }
            }
        }
    }
}
