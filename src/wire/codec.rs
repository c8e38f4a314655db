//! A bounded reader over commonware-codec bytes that names the field it is reading.
//!
//! Varints are decoded by `commonware-codec` itself (canonical LEB128: over-long and
//! overflowing encodings are rejected), so their acceptance rules are the reference's by
//! construction. Everything else here is fixed-width, and every read checks what remains
//! before it copies or allocates.

use crate::error::DecodeError;
use commonware_codec::{varint::UInt, Error as CodecError, ReadExt};

/// A cursor over an input slice.
#[derive(Clone, Debug)]
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Self { buf }
    }

    fn map_err(field: &'static str, before: usize, e: CodecError) -> DecodeError {
        match e {
            CodecError::EndOfBuffer => DecodeError::Truncated {
                field,
                needed: before + 1,
                remaining: before,
            },
            _ => DecodeError::InvalidVarint { field },
        }
    }

    /// An unsigned LEB128 varint that must fit in a `u64`.
    pub(crate) fn varint_u64(&mut self, field: &'static str) -> Result<u64, DecodeError> {
        let before = self.buf.len();
        UInt::<u64>::read(&mut self.buf)
            .map(Into::into)
            .map_err(|e| Self::map_err(field, before, e))
    }

    /// A length prefix: a varint that must fit in a `u32` (commonware encodes `usize` as `u32`),
    /// checked against `min..=max`.
    pub(crate) fn length(
        &mut self,
        field: &'static str,
        min: u32,
        max: u32,
    ) -> Result<u32, DecodeError> {
        let before = self.buf.len();
        let len: u32 = UInt::<u32>::read(&mut self.buf)
            .map(Into::into)
            .map_err(|e| Self::map_err(field, before, e))?;
        if len < min || len > max {
            return Err(DecodeError::LengthOutOfRange {
                field,
                len: u64::from(len),
                min: u64::from(min),
                max: u64::from(max),
            });
        }
        Ok(len)
    }

    /// Fails unless at least `count` items of `size` bytes remain: the guard that keeps a
    /// claimed length from allocating more than the input could possibly hold.
    pub(crate) fn ensure_items(
        &self,
        field: &'static str,
        count: u32,
        size: usize,
    ) -> Result<(), DecodeError> {
        // u32 * usize: computed in u64 so a 32-bit target cannot overflow.
        let needed = u64::from(count).saturating_mul(size as u64);
        if needed > self.buf.len() as u64 {
            return Err(DecodeError::Truncated {
                field,
                needed: usize::try_from(needed).unwrap_or(usize::MAX),
                remaining: self.buf.len(),
            });
        }
        Ok(())
    }

    /// Exactly `N` bytes.
    pub(crate) fn array<const N: usize>(
        &mut self,
        field: &'static str,
    ) -> Result<[u8; N], DecodeError> {
        let Some((head, tail)) = self.buf.split_first_chunk::<N>() else {
            return Err(DecodeError::Truncated {
                field,
                needed: N,
                remaining: self.buf.len(),
            });
        };
        self.buf = tail;
        Ok(*head)
    }

    /// One byte.
    pub(crate) fn u8(&mut self, field: &'static str) -> Result<u8, DecodeError> {
        Ok(self.array::<1>(field)?[0])
    }

    /// A big-endian `u32` (commonware's fixed-width integer encoding).
    pub(crate) fn u32_be(&mut self, field: &'static str) -> Result<u32, DecodeError> {
        Ok(u32::from_be_bytes(self.array::<4>(field)?))
    }

    /// A boolean byte: 0 or 1.
    pub(crate) fn bool(&mut self, field: &'static str) -> Result<bool, DecodeError> {
        match self.u8(field)? {
            0 => Ok(false),
            1 => Ok(true),
            byte => Err(DecodeError::InvalidBool { field, byte }),
        }
    }

    /// Fails if anything is left: for structures that must end the input.
    pub(crate) fn finish(&self, field: &'static str) -> Result<(), DecodeError> {
        if self.buf.is_empty() {
            Ok(())
        } else {
            Err(DecodeError::TrailingBytes {
                field,
                count: self.buf.len(),
            })
        }
    }
}

/// Appends the canonical LEB128 encoding of `value` (the encoder twin of [`Reader::varint_u64`]).
pub(crate) fn write_varint(out: &mut alloc::vec::Vec<u8>, value: u64) {
    commonware_codec::Write::write(&UInt(value), out);
}

/// Decodes hex with or without a `0x` prefix.
pub(crate) fn decode_hex(
    field: &'static str,
    text: &str,
) -> Result<alloc::vec::Vec<u8>, DecodeError> {
    alloy_primitives::hex::decode(text.trim()).map_err(|_| DecodeError::InvalidHex { field })
}
