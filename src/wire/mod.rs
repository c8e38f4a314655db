//! The wire layer: what a Tempo RPC sends, decoded exactly as the reference decodes it, with
//! explicit limits. Nothing here decides finality; it only says what the bytes are.
//!
//! [`certified_block`] takes the one candidate of an RPC answer (refusing an ambiguous one);
//! [`certificate`], [`header`] and [`dkg`] decode its parts; `json`, `codec` and `ed25519` are
//! the readers they share.

pub mod certificate;
pub mod certified_block;
pub(crate) mod codec;
pub mod dkg;
pub(crate) mod ed25519;
pub mod header;
pub(crate) mod json;

pub use certificate::Certificate;
pub use certified_block::{CertifiedBlock, Discrepancy};
pub use dkg::DkgOutcome;
pub use header::TempoHeader;
