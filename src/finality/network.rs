//! Networks: chain id, epoch length, and the built-in network identities.
//!
//! Presets come from Tempo's compiled identities (`tempo_chainspec::network_identity`)
//! and the public record of rotations. An identity serves every epoch from its
//! `from_epoch` until the next identity's `from_epoch`.

use crate::{bls::PublicKey, error::VerifyError};
use alloc::{vec, vec::Vec};
use alloy_primitives::hex;
use core::num::NonZeroU64;

/// A network identity and the first epoch it signs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnchoredIdentity {
    /// First epoch whose certificates this identity signs.
    pub from_epoch: u64,
    /// The BLS12-381 G2 threshold public key.
    pub identity: PublicKey,
}

/// Which network a [`Network`] describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NetworkKind {
    /// Tempo mainnet ("presto").
    Mainnet,
    /// Tempo testnet ("moderato").
    Testnet,
    /// A network with an identity the user supplied (a devnet, or a key learnt out of band).
    Custom,
}

impl NetworkKind {
    /// The name shown to people and saved with the state: `mainnet`, `testnet`, `custom`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Mainnet => "mainnet",
            Self::Testnet => "testnet",
            Self::Custom => "custom",
        }
    }

    /// The kind a saved name stands for (any other name is a custom network).
    pub fn from_name(name: &str) -> Self {
        match name {
            "mainnet" => Self::Mainnet,
            "testnet" => Self::Testnet,
            _ => Self::Custom,
        }
    }
}

/// What a light client needs to know about a network before it trusts anything. Built only
/// by its constructors, so it always has a positive epoch length and at least one identity,
/// sorted by first epoch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Network {
    kind: NetworkKind,
    chain_id: u64,
    epoch_length: NonZeroU64,
    identities: Vec<AnchoredIdentity>,
}

/// Mainnet ("presto") identity, valid from epoch 0.
pub const MAINNET_IDENTITY: [u8; 96] = hex!(
    "a217bb85001d4dcf8e5c50136f77af88cb2cab1857279b91c6240f41cca95c4f"
    "43f6dcab3e0dfb87dafb3ecbeb6251e90a5df2e6c47432482821cd8b84665ee4"
    "642589d2d9628a92b03e2bbfb00e006d038cd98def76d2a41b7c228c05f5a193"
);
/// Testnet ("moderato") identity, valid from epoch 51.
pub const TESTNET_IDENTITY_51: [u8; 96] = hex!(
    "84591ad702a9ee67c0c64add2ff166c19a4666a1dc636cc530a810052957d34c"
    "185bb1d2c7f5569983485a5af49baed70166ba17ae782bc8c75701099c704747"
    "98ccc181d03b0c12054f1d01c7817b27b425bae4bfcf936218c0d097cccf3242"
);
/// Testnet ("moderato") identity after the full DKG that took effect at epoch 1747.
pub const TESTNET_IDENTITY_1747: [u8; 96] = hex!(
    "967ae1a6d3ddbe5cb0fe5e6fc58e74249787b4a277619b549fed6609d0466054"
    "0dd2449cd7174def35e40f544e5ad72d15d064191a205ed6e0c49619c68f9751"
    "08b614d0d51def9a8416a10a07c4193bea0cbbc4252ec1b33f21095a5d7aa590"
);

// The same identities uncompressed (`x ‖ y`), so a preset client starts without a square
// root and a subgroup check per identity. `builtin_identities_are_their_constants` below
// checks each against `PublicKey::from_bytes` of the compressed constant.
const MAINNET_POINT: [u8; 192] = hex!(
    "0217bb85001d4dcf8e5c50136f77af88cb2cab1857279b91c6240f41cca95c4f"
    "43f6dcab3e0dfb87dafb3ecbeb6251e90a5df2e6c47432482821cd8b84665ee4"
    "642589d2d9628a92b03e2bbfb00e006d038cd98def76d2a41b7c228c05f5a193"
    "115882d7f2d4df4755669120ccc4df1113a9b9ec636aad413d37d4390b1ff600"
    "771f56e5094b05629eeb1c16911d78f215939064fefc7ba6c85dc70fbe798d25"
    "54672b10312c60aa3289c4b8b223fcfe853f73ba150371aa9eb39be58de7fe9f"
);
const TESTNET_POINT_51: [u8; 192] = hex!(
    "04591ad702a9ee67c0c64add2ff166c19a4666a1dc636cc530a810052957d34c"
    "185bb1d2c7f5569983485a5af49baed70166ba17ae782bc8c75701099c704747"
    "98ccc181d03b0c12054f1d01c7817b27b425bae4bfcf936218c0d097cccf3242"
    "0a4ae47063f3114e9acd0d482f124ac3640cbc5dcf5944986d186ada31e39a52"
    "c395db8b41a8f0addd42660ea883ccb60c6a77025e6afc96b0e34be595d29cc5"
    "ef225c1373843937d6f2d921b27e7491afc8236f627e1c043521b07d82473b62"
);
const TESTNET_POINT_1747: [u8; 192] = hex!(
    "167ae1a6d3ddbe5cb0fe5e6fc58e74249787b4a277619b549fed6609d0466054"
    "0dd2449cd7174def35e40f544e5ad72d15d064191a205ed6e0c49619c68f9751"
    "08b614d0d51def9a8416a10a07c4193bea0cbbc4252ec1b33f21095a5d7aa590"
    "0647a54f5c3524f90144a099a5c646faaff317a9d5b3fd64feab6e288d3adee4"
    "f27782a01f14fd76f0e61baf7990946e026382a635077de12bc0d42f895f1060"
    "aa4c503be2de8ab0ddd8ad13efcab997c373fe37a7615277cfe68e4b7d3594bf"
);

/// Tempo's epoch length on mainnet and testnet.
pub const EPOCH_LENGTH: u64 = 21_600;
const PRESET_EPOCH_LENGTH: NonZeroU64 = match NonZeroU64::new(EPOCH_LENGTH) {
    Some(length) => length,
    None => panic!("21,600 is not zero"),
};

fn builtin(point: &[u8; 192], compressed: &[u8; 96]) -> PublicKey {
    // Each pair is the same valid G2 point; `builtin_identities_are_their_constants` below
    // proves it.
    PublicKey::from_checked_constant(point, compressed)
        .unwrap_or_else(|| unreachable!("built-in identity is valid"))
}

impl Network {
    /// Tempo mainnet (chain 4217).
    pub fn mainnet() -> Self {
        Self {
            kind: NetworkKind::Mainnet,
            chain_id: 4217,
            epoch_length: PRESET_EPOCH_LENGTH,
            identities: vec![AnchoredIdentity {
                from_epoch: 0,
                identity: builtin(&MAINNET_POINT, &MAINNET_IDENTITY),
            }],
        }
    }

    /// Tempo testnet, moderato (chain 42431).
    pub fn testnet() -> Self {
        Self {
            kind: NetworkKind::Testnet,
            chain_id: 42431,
            epoch_length: PRESET_EPOCH_LENGTH,
            identities: vec![
                AnchoredIdentity {
                    from_epoch: 51,
                    identity: builtin(&TESTNET_POINT_51, &TESTNET_IDENTITY_51),
                },
                AnchoredIdentity {
                    from_epoch: 1747,
                    identity: builtin(&TESTNET_POINT_1747, &TESTNET_IDENTITY_1747),
                },
            ],
        }
    }

    /// A preset by name: `mainnet`/`presto` or `testnet`/`moderato`.
    pub fn by_name(name: &str) -> Option<Self> {
        match name {
            "mainnet" | "presto" => Some(Self::mainnet()),
            "testnet" | "moderato" => Some(Self::testnet()),
            _ => None,
        }
    }

    /// A network with one explicit identity (a devnet, or a key learnt out of band).
    /// Returns `None` if `epoch_length` is zero.
    pub fn custom(
        chain_id: u64,
        epoch_length: u64,
        identity: PublicKey,
        from_epoch: u64,
    ) -> Option<Self> {
        Some(Self {
            kind: NetworkKind::Custom,
            chain_id,
            epoch_length: NonZeroU64::new(epoch_length)?,
            identities: vec![AnchoredIdentity {
                from_epoch,
                identity,
            }],
        })
    }

    /// A network restored from saved state: `None` unless `identities` is non-empty and
    /// strictly ascending by first epoch.
    pub(crate) fn restore(
        kind: NetworkKind,
        chain_id: u64,
        epoch_length: NonZeroU64,
        identities: Vec<AnchoredIdentity>,
    ) -> Option<Self> {
        let ascending = identities
            .windows(2)
            .all(|w| w[0].from_epoch < w[1].from_epoch);
        (ascending && !identities.is_empty()).then_some(Self {
            kind,
            chain_id,
            epoch_length,
            identities,
        })
    }

    /// Which network this is.
    pub fn kind(&self) -> NetworkKind {
        self.kind
    }

    /// Its name: `mainnet`, `testnet` or `custom`.
    pub fn name(&self) -> &'static str {
        self.kind.name()
    }

    /// The EIP-155 chain id (informational for a custom network).
    pub fn chain_id(&self) -> u64 {
        self.chain_id
    }

    /// Blocks per epoch.
    pub fn epoch_length(&self) -> NonZeroU64 {
        self.epoch_length
    }

    /// The identities it starts from, by ascending first epoch.
    pub fn identities(&self) -> &[AnchoredIdentity] {
        &self.identities
    }

    /// The epoch containing `height`; an error if that epoch's last block would overflow `u64`
    /// (the reference's epoch strategy has no answer there either).
    pub fn epoch_of(&self, height: u64) -> Result<u64, VerifyError> {
        crate::finality::epoch::epoch_of(self.epoch_length.get(), height)
    }

    /// The built-in identity serving `epoch`: the one with the largest `from_epoch <= epoch`.
    pub fn builtin_identity(&self, epoch: u64) -> Result<&AnchoredIdentity, VerifyError> {
        self.identities
            .iter()
            .rev()
            .find(|anchored| anchored.from_epoch <= epoch)
            .ok_or(VerifyError::IdentityUnavailable {
                epoch,
                from_epoch: self.identities.first().map_or(u64::MAX, |a| a.from_epoch),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_identities_are_their_constants() {
        for (point, compressed) in [
            (&MAINNET_POINT, &MAINNET_IDENTITY),
            (&TESTNET_POINT_51, &TESTNET_IDENTITY_51),
            (&TESTNET_POINT_1747, &TESTNET_IDENTITY_1747),
        ] {
            let checked = PublicKey::from_bytes(compressed);
            let constant = PublicKey::from_checked_constant(point, compressed);
            // Equality covers the decoded point and the encoding.
            assert!(
                matches!((&checked, &constant), (Ok(a), Some(b)) if a == b),
                "a built-in identity's constants disagree"
            );
        }
    }
}
