//! Epoch arithmetic, checked: `epoch(h) = h / L`, epoch `e` spans `e·L ..= (e+1)·L − 1`,
//! and its last block is the *boundary* that carries the next epoch's DKG outcome.
//!
//! The reference (`FixedEpocher`) has no answer for an epoch whose last block overflows
//! `u64`, and Tempo's verifier panics there; here every such height is an error.

use crate::error::VerifyError;

/// The epoch containing `height`.
pub fn epoch_of(epoch_length: u64, height: u64) -> Result<u64, VerifyError> {
    let epoch = height
        .checked_div(epoch_length)
        .ok_or(VerifyError::HeightOutOfRange { height })?;
    boundary_of(epoch_length, epoch).ok_or(VerifyError::HeightOutOfRange { height })?;
    Ok(epoch)
}

/// The first block of `epoch`, if it fits in a `u64`.
pub fn first_of(epoch_length: u64, epoch: u64) -> Option<u64> {
    epoch.checked_mul(epoch_length)
}

/// The last block of `epoch` (its boundary), if it fits in a `u64`.
pub fn boundary_of(epoch_length: u64, epoch: u64) -> Option<u64> {
    first_of(epoch_length, epoch)?.checked_add(epoch_length.checked_sub(1)?)
}

/// Whether `height` is the last block of its epoch.
pub fn is_boundary(epoch_length: u64, height: u64) -> bool {
    epoch_length != 0 && height % epoch_length == epoch_length - 1
}
