//! # tempo-light
//!
//! A light client for [Tempo](https://tempo.xyz) finality. Tempo finalizes every block
//! with a BLS12-381 threshold certificate (134–140 bytes) that anyone can check against
//! one public key, the *network identity*. This crate checks it: `no_std` + `alloc`, no
//! I/O, the same code natively and in WebAssembly.
//!
//! ```
//! # fn main() -> Result<(), tempo_light::Error> {
//! # let json = include_str!("../tests/fixtures/mainnet-block-32724390.json");
//! use tempo_light::{CertifiedBlock, Network, verify_with_network};
//! // `json` is what `consensus_getFinalization` returned (with or without the JSON-RPC envelope).
//! let block = CertifiedBlock::from_json(json)?;
//! let verified = verify_with_network(&Network::mainnet(), &block)?;
//! assert_eq!(verified.height, 32_724_390);
//! # Ok(()) }
//! ```
//!
//! ## Trust model
//!
//! **Assumed.** The network identity for each epoch you verify: a built-in preset
//! ([`Network::mainnet`], [`Network::testnet`]), one you pass in, or (with epoch tracking)
//! one learnt from a boundary block that itself verified. Also assumed: that at most a
//! threshold minus one of the epoch's validators collude (the threshold signature's own
//! assumption), and that BLS12-381 is secure.
//!
//! **Checked.** Everything else, from the bytes: the certificate decodes exactly as the
//! reference decodes it; its two signatures (the finalize vote over the proposal and the
//! VRF seed over the round) are valid G1 points in the subgroup and verify against the
//! identity; its digest is the keccak256 of the header's RLP, computed here; its epoch is
//! the epoch containing the header's height. A boundary block's DKG outcome is decoded
//! with the reference's acceptance rules.
//!
//! **What an attacker controlling the RPC can do**: withhold answers, answer slowly, or
//! answer with garbage, each of which is reported as such (a typed [`Error`]); show you an
//! older final block rather than the newest. **What it cannot do**: make a block that was
//! not finalized verify, change any field of a verified header, move a block into another
//! epoch, or make a certificate from another network verify (the identities differ). The
//! `epoch`, `view` and `digest` fields an RPC sends beside a certificate are never used.
//!
//! **Across epochs** ([`client::LightClient`]): a new epoch's identity is learnt only from a
//! boundary block whose certificate verified under the previous epoch's identity; a boundary
//! that changes the identity is accepted only if the previous outcome announced a full DKG
//! (the first outcome learnt after anchoring is trusted as part of the anchor); the head never
//! moves backwards; two valid finalizations at one height freeze the client with the evidence.
//! A server can therefore not skip a rotation, replay an old block as new, or splice a
//! foreign chain in: it can only stop answering.
//!
//! **State** ([`state::state_proof`], [`state::tip20`]): once a header is final its `stateRoot` is trusted, and an
//! `eth_getProof` answer is checked against it node by node. A server cannot make an account,
//! slot or TIP-20 balance read as anything but its value in that final state (a forged value,
//! an altered, missing or extra node, or a proof from another block is refused with its own
//! [`state::state_proof::ProofError`]); it can only answer for an older final block, or not at all, and a
//! `latest` read is proven at most [`state::state_proof::DEFAULT_MAX_STATE_LAG`] blocks behind the verified
//! head ([`state::state_proof::check_fresh_state`]).
//!
//! **Answers are read once, here.** An answer with two candidates for what it answers (a
//! certified block beside a JSON-RPC `result`, a `header` beside a `block`) is refused
//! ([`DecodeError::Ambiguous`]); what an edge shows of a verified block is written from the
//! verified header ([`TempoHeader::to_rpc_json`]), never copied from the answer. Past the
//! epochs a client has learnt, a built-in identity the learnt boundaries superseded signs
//! nothing ([`VerifyError::IdentityNotBridged`]); a frozen client verifies and proves nothing
//! ([`VerifyError::Frozen`]); saved state loads only for the network it was saved for
//! ([`StateError::NetworkMismatch`]).
//!
//! **Payments** ([`payment`], [`payment::receipt`]): a transaction is proven in a final block only by
//! its raw bytes rebuilding the header's `transactionsRoot`, and its outcome only by the block's
//! receipts rebuilding `receiptsRoot`. A server cannot make a transaction look included, a
//! failed one successful, or a transfer's token, recipient, amount or memo read otherwise; it
//! can only withhold the block (the payment stays pending).
//!
//! ## Layout (in data-flow order)
//! [`bls`] (BLS12-381 on blst: checked points, hashing to G1, the batch check) → [`wire`] (an
//! RPC answer's one candidate, decoded: [`wire::certified_block`],
//! [`wire::certificate`], [`wire::header`], [`wire::dkg`]) → [`finality`] (whether it is final:
//! [`finality::verify`], with [`finality::network`] and [`finality::epoch`]
//! saying what is trusted when) → [`state`] (`state_proof`, `tip20`: state under a final header) →
//! [`payment`] (`receipt`, `rules`, `query`: transactions and receipts under a final header) → [`client`]
//! (following epochs, sans-IO; [`client::trust`] is everything it trusts) → [`serve`] (what a
//! verified JSON-RPC endpoint proves: requests read into asks, answers written from verified
//! values) → [`error`] (one enum
//! per kind of refusal, each variant with a stable code and an [`ErrorKind`]).
#![no_std]
#![cfg_attr(docsrs, feature(doc_cfg))]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod bls;

pub mod wire;

pub mod finality;

pub mod state;

pub mod payment;

pub mod client;

pub mod serve;

pub mod error;

pub use bls::PublicKey;
pub use client::{Event, LightClient, Request};
pub use error::{Classified, ClientError, ErrorKind, StateError, Unexpected};
pub use error::{DecodeError, Error, PointError, VerifyError};
pub use finality::{
    provenance, verify_block, verify_with_network, AnchoredIdentity, CheckedBlock, Network,
    NetworkKind, Provenance, VerifiedBlock,
};
pub use payment::{
    check_payment, confirm_payment, verify_payment_proof, ConfirmedPayment, ExpectedPayment,
    PaymentConfirmation, PaymentError, PaymentProof,
};
pub use wire::{Certificate, CertifiedBlock, Discrepancy, DkgOutcome, TempoHeader};
