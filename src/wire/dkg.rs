//! The DKG outcome a boundary block carries in `extraData`: who holds the key next epoch,
//! and the key itself.
//!
//! Layout (commonware-codec, `tempo_dkg_onchain_artifacts::OnchainDkgOutcome`):
//! `varint(epoch) ‖ Output ‖ next_players ‖ is_next_full_dkg(bool)` where
//! `Output = summary[32] ‖ Sharing ‖ dealers ‖ players ‖ revealed` and
//! `Sharing = mode(u8) ‖ total(u32 big-endian) ‖ varint(n) ‖ n × G2[96]`.
//! Sets are `varint(n) ‖ n × ed25519 key[32]`, strictly increasing.
//!
//! Acceptance rules, all as in the reference: at most 65535 validators; the sharing mode
//! must be 0 (the only one on-chain version 0 supports); `total` in `1..=65535` and not
//! cross-checked against the polynomial; `1..=65535` coefficients, each a valid G2 point
//! that is not infinity; dealers, players and next players non-empty, revealed possibly
//! empty; every key must decompress; trailing bytes after the outcome are accepted
//! (every Tempo consumer reads it with `Read`, not `Decode`). Every length is checked
//! against what remains before anything is allocated.

use crate::{
    bls::{PublicKey, PUBLIC_KEY_LENGTH},
    error::DecodeError,
    wire::codec::{decode_hex, Reader},
};
use alloc::vec::Vec;
use alloy_primitives::B256;

/// The most bytes a Tempo block's `extraData` may hold: `TEMPO_MAXIMUM_EXTRA_DATA_SIZE`
/// (10 KiB) in `crates/evm/src/consensus/mod.rs` of `tempoxyz/tempo`, which its consensus
/// hands to reth's header validation (`with_max_extra_data_size`), so no final block's
/// `extraData` is longer. A longer one is refused before any of it is decoded.
pub const MAX_EXTRA_DATA_BYTES: usize = 10 * 1024;

/// The most validators an on-chain outcome may describe (`u16::MAX`).
pub const MAX_VALIDATORS: u32 = u16::MAX as u32;

/// How participants are assigned evaluation points in the sharing. Only the first exists on chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SharingMode {
    /// Participant `i` evaluates at `i + 1` (tag 0).
    NonZeroCounter,
}

/// The public polynomial of a (re)shared key. It always has at least one coefficient: the
/// constant term, which is the network identity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sharing {
    mode: SharingMode,
    total: u32,
    coefficients: Vec<PublicKey>,
}

impl Sharing {
    /// A sharing with constant term `identity` and the higher coefficients `higher`.
    pub fn new(mode: SharingMode, total: u32, identity: PublicKey, higher: &[PublicKey]) -> Self {
        let mut coefficients = Vec::with_capacity(1 + higher.len());
        coefficients.push(identity);
        coefficients.extend_from_slice(higher);
        Self {
            mode,
            total,
            coefficients,
        }
    }

    /// The network identity: the polynomial's constant term.
    pub fn identity(&self) -> &PublicKey {
        // Never empty: both constructors (`new`, decoding) refuse an empty polynomial.
        &self.coefficients[0]
    }

    /// Evaluation-point assignment.
    pub fn mode(&self) -> SharingMode {
        self.mode
    }

    /// Number of participants the sharing was made for (not checked against the polynomial).
    pub fn total(&self) -> u32 {
        self.total
    }

    /// Public polynomial coefficients, constant term first.
    pub fn coefficients(&self) -> &[PublicKey] {
        &self.coefficients
    }
}

/// A DKG outcome as written on chain, fully decoded and checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DkgOutcome {
    /// The epoch this outcome is used for.
    pub epoch: u64,
    /// The ceremony transcript summary.
    pub summary: B256,
    /// The public polynomial.
    pub sharing: Sharing,
    /// Dealers of the ceremony.
    pub dealers: Vec<[u8; 32]>,
    /// Players of the ceremony: the signers of `epoch`.
    pub players: Vec<[u8; 32]>,
    /// Players whose shares were revealed.
    pub revealed: Vec<[u8; 32]>,
    /// Players of the ceremony running during `epoch` (the signers of `epoch + 1`).
    pub next_players: Vec<[u8; 32]>,
    /// Whether the next ceremony is a full DKG, which will change the network identity.
    pub is_next_full_dkg: bool,
}

impl DkgOutcome {
    /// Decodes an outcome from the front of `bytes`; bytes after it are ignored, as Tempo does.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        Self::decode_after(bytes, None)
    }

    /// [`Self::decode`], with less work when `previous` (an outcome decoded before, such as
    /// the previous epoch's) shares points or keys with this one: a coefficient whose bytes
    /// are those of `previous`'s at the same index (the identity, across a reshare), or a
    /// validator key found in one of its sets or in an earlier set of this outcome (the
    /// dealers, players and next players of consecutive epochs are mostly the same), is
    /// already known valid and is not decompressed again. The verdict is exactly
    /// [`Self::decode`]'s: only bytes equal to ones that passed the same check are skipped.
    /// (`previous` must come from decoding, whose sets are checked and ascending: an outcome
    /// built by hand could hold keys that never were; hence not public.)
    pub(crate) fn decode_after(
        bytes: &[u8],
        previous: Option<&DkgOutcome>,
    ) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let epoch = r.varint_u64("dkg.epoch")?;
        let summary = B256::from(r.array::<32>("dkg.summary")?);
        let sharing = read_sharing(&mut r, previous.map(|p| p.sharing.coefficients()))?;
        let earlier: [&[[u8; 32]]; 4] = match previous {
            Some(p) => [&p.next_players, &p.players, &p.dealers, &p.revealed],
            None => [&[]; 4],
        };
        let dealers = read_set(&mut r, "dkg.dealers", 1, &earlier)?;
        let players = read_set(
            &mut r,
            "dkg.players",
            1,
            &[&dealers, earlier[0], earlier[1]],
        )?;
        let revealed = read_set(&mut r, "dkg.revealed", 0, &[&players, &dealers])?;
        let next_players = read_set(
            &mut r,
            "dkg.next_players",
            1,
            &[&players, &dealers, &revealed, earlier[0]],
        )?;
        let is_next_full_dkg = r.bool("dkg.is_next_full_dkg")?;
        Ok(Self {
            epoch,
            summary,
            sharing,
            dealers,
            players,
            revealed,
            next_players,
            is_next_full_dkg,
        })
    }

    /// Decodes the outcome a boundary header's `extraData` carries, refusing bytes over
    /// [`MAX_EXTRA_DATA_BYTES`] before decoding any of them; `previous` as in
    /// [`Self::decode_after`].
    pub(crate) fn from_extra_data(
        extra_data: &[u8],
        previous: Option<&DkgOutcome>,
    ) -> Result<Self, DecodeError> {
        check_extra_data_size(extra_data)?;
        Self::decode_after(extra_data, previous)
    }

    /// Decodes from hex (an `extraData` field), with or without `0x`.
    pub fn from_hex(text: &str) -> Result<Self, DecodeError> {
        Self::decode(&decode_hex("extraData", text)?)
    }

    /// The network identity for [`Self::epoch`].
    pub fn identity(&self) -> &PublicKey {
        self.sharing.identity()
    }

    /// The commonware-codec encoding (what the reference writes).
    pub fn encode(&self) -> Vec<u8> {
        use crate::wire::codec::write_varint;
        let mut out = Vec::new();
        write_varint(&mut out, self.epoch);
        out.extend_from_slice(self.summary.as_slice());
        out.push(match self.sharing.mode() {
            SharingMode::NonZeroCounter => 0,
        });
        out.extend_from_slice(&self.sharing.total().to_be_bytes());
        write_varint(&mut out, self.sharing.coefficients().len() as u64);
        for c in self.sharing.coefficients() {
            out.extend_from_slice(&c.to_bytes());
        }
        for set in [
            &self.dealers,
            &self.players,
            &self.revealed,
            &self.next_players,
        ] {
            write_varint(&mut out, set.len() as u64);
            for key in set {
                out.extend_from_slice(key);
            }
        }
        out.push(u8::from(self.is_next_full_dkg));
        out
    }
}

/// Refuses `extraData` longer than a Tempo node accepts ([`MAX_EXTRA_DATA_BYTES`]).
pub(crate) fn check_extra_data_size(extra_data: &[u8]) -> Result<(), DecodeError> {
    if extra_data.len() > MAX_EXTRA_DATA_BYTES {
        return Err(DecodeError::LengthOutOfRange {
            field: "extraData",
            len: extra_data.len() as u64,
            min: 0,
            max: MAX_EXTRA_DATA_BYTES as u64,
        });
    }
    Ok(())
}

/// The epoch and the identity's 96 bytes an outcome claims, read without decoding anything
/// else and without checking the point: what a run of boundaries not verified yet only
/// *announces*, to group certificates by the identity they will be checked under. `None`
/// where the bytes do not even have that shape (or are over the size bound); nothing read
/// here is trusted: the outcome is decoded whole only after its certificate verified.
pub(crate) fn announced_identity(extra_data: &[u8]) -> Option<(u64, [u8; PUBLIC_KEY_LENGTH])> {
    check_extra_data_size(extra_data).ok()?;
    let mut r = Reader::new(extra_data);
    let epoch = r.varint_u64("dkg.epoch").ok()?;
    r.array::<32>("dkg.summary").ok()?;
    r.array::<1>("dkg.mode").ok()?;
    r.array::<4>("dkg.total").ok()?;
    (r.varint_u64("dkg.coefficients").ok()? >= 1).then_some(())?;
    Some((epoch, r.array::<PUBLIC_KEY_LENGTH>("dkg.identity").ok()?))
}

/// Reads the sharing; `known` are coefficients checked before, reused where the bytes at the
/// same index are theirs.
fn read_sharing(r: &mut Reader<'_>, known: Option<&[PublicKey]>) -> Result<Sharing, DecodeError> {
    let mode = match r.u8("dkg.sharing.mode")? {
        0 => SharingMode::NonZeroCounter,
        tag => return Err(DecodeError::UnsupportedSharingMode { tag }),
    };
    let total = r.u32_be("dkg.sharing.total")?;
    if total == 0 || total > MAX_VALIDATORS {
        return Err(DecodeError::LengthOutOfRange {
            field: "dkg.sharing.total",
            len: u64::from(total),
            min: 1,
            max: u64::from(MAX_VALIDATORS),
        });
    }
    let count = r.length("dkg.sharing.coefficients", 1, MAX_VALIDATORS)?;
    r.ensure_items("dkg.sharing.coefficients", count, PUBLIC_KEY_LENGTH)?;
    let mut coefficients = Vec::with_capacity(count as usize);
    for index in 0..count as usize {
        let bytes = r.array::<PUBLIC_KEY_LENGTH>("dkg.sharing.coefficients")?;
        // Equal bytes decode to the same point, which passed every check then.
        if let Some(same) = known
            .and_then(|k| k.get(index))
            .filter(|k| k.to_bytes() == bytes)
        {
            coefficients.push(same.clone());
            continue;
        }
        let point = PublicKey::from_bytes(&bytes).map_err(|reason| DecodeError::InvalidPoint {
            field: "dkg.sharing.coefficients",
            index,
            reason,
        })?;
        coefficients.push(point);
    }
    Ok(Sharing {
        mode,
        total,
        coefficients,
    })
}

/// Reads a set of validator keys. `known` are sets of keys checked before, each ascending: a
/// key found in one is valid without decompressing it again. (Each is walked once, in step
/// with the keys read, which ascend unless the set is refused as unsorted; a key not found
/// is simply checked.)
fn read_set(
    r: &mut Reader<'_>,
    field: &'static str,
    min: u32,
    known: &[&[[u8; 32]]],
) -> Result<Vec<[u8; 32]>, DecodeError> {
    let count = r.length(field, min, MAX_VALIDATORS)?;
    r.ensure_items(field, count, 32)?;
    let mut keys: Vec<[u8; 32]> = Vec::with_capacity(count as usize);
    let mut cursors = [0usize; 4];
    for index in 0..count as usize {
        let key = r.array::<32>(field)?;
        let mut seen = false;
        for (set, at) in known.iter().zip(cursors.iter_mut()) {
            while set.get(*at).is_some_and(|k| *k < key) {
                *at += 1;
            }
            if set.get(*at) == Some(&key) {
                seen = true;
                break;
            }
        }
        if !seen && !crate::wire::ed25519::is_valid_key(&key) {
            return Err(DecodeError::InvalidEd25519Key { field, index });
        }
        if keys.last().is_some_and(|prev| *prev >= key) {
            return Err(DecodeError::UnsortedSet { field, index });
        }
        keys.push(key);
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    // Test code only: the embedded mainnet genesis fixture, whose shape is fixed.
    fn genesis() -> Vec<u8> {
        let fixture: Value = serde_json::from_str(include_str!(
            "../../tests/fixtures/mainnet-genesis-dkg-outcome.json"
        ))
        .expect("the embedded genesis fixture is JSON");
        let hex = fixture["genesisExtraData"]
            .as_str()
            .expect("the fixture's genesisExtraData is a string");
        decode_hex("extraData", hex).expect("the fixture's genesisExtraData is hex")
    }

    /// Decoding after a previous outcome decides exactly as decoding alone, on every
    /// single-byte change of an outcome that shares all its points and keys with it (so
    /// every changed key or point is one the previous outcome does not vouch for, and every
    /// unchanged one is skipped), and after no outcome at all.
    #[test]
    fn decoding_after_a_previous_outcome_decides_as_decoding_alone() {
        let bytes = genesis();
        // Test code only: mainnet's genesis outcome, which the fixture tests decode.
        let previous = DkgOutcome::decode(&bytes).expect("mainnet's genesis outcome decodes");
        assert_eq!(
            DkgOutcome::decode_after(&bytes, Some(&previous)),
            Ok(previous.clone())
        );
        let mut rejected = 0;
        for at in 0..bytes.len() {
            for mask in [0x01u8, 0x02, 0x10, 0x80, 0xff] {
                let mut changed = bytes.clone();
                changed[at] ^= mask;
                let alone = DkgOutcome::decode(&changed);
                assert_eq!(
                    DkgOutcome::decode_after(&changed, Some(&previous)),
                    alone,
                    "byte {at} ^ {mask:#x}"
                );
                assert_eq!(DkgOutcome::decode_after(&changed, None), alone);
                rejected += usize::from(alone.is_err());
            }
        }
        assert!(rejected > bytes.len(), "{rejected}");
        // Sets reordered (unsorted, then sorted differently) and keys swapped between sets.
        let next_players_at = bytes.len() - 1 - (1 + 32 * previous.next_players.len());
        let mut swapped = bytes.clone();
        swapped[next_players_at + 1..next_players_at + 65].rotate_left(32);
        assert_eq!(
            DkgOutcome::decode_after(&swapped, Some(&previous)),
            DkgOutcome::decode(&swapped)
        );
    }
}
