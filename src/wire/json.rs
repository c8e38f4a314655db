//! Field readers for RPC JSON, deciding as alloy's `Deserialize` implementations decide.
//!
//! Why this exists: reading a header through serde's derive (with alloy's header
//! `#[serde(flatten)]`ed into Tempo's) cost the wasm module about 20 KB for the derive's
//! generated visitors and flatten's buffering. These readers take a parsed
//! [`serde_json::Value`] and apply, field by field, the rules of the implementations the
//! derive would have called, often by calling the very same parsing function:
//!
//! - fixed-size bytes (`B256`, `Address`, `Bloom`, `B64`): a hex string of exactly `2N`
//!   digits with an optional `0x` (`FromHex`), or an array of exactly `N` integers in 0..=255;
//! - variable bytes (`Bytes`): an even-length hex string with an optional `0x`
//!   (`hex::decode`), or an array of integers in 0..=255;
//! - unsigned integers in alloy's quantity form (`alloy_serde::quantity`, ruint's serde): a
//!   JSON integer in range, or a string ruint's `FromStr` accepts (`0x` hex, decimal, …);
//! - plain `u64`: a non-negative JSON integer.
//!
//! `tests/header_json.rs` checks the header reader built on these against alloy's serde on
//! the real fixtures and thousands of altered headers.

use crate::error::DecodeError;
use alloc::{format, vec::Vec};
use alloy_primitives::{ruint::Uint, Bytes, FixedBytes};
use serde_json::{Map, Value};

/// A JSON object.
pub type Object = Map<alloc::string::String, Value>;

/// A [`DecodeError::Json`] naming the field and what was wrong with it.
pub fn invalid(field: &str, what: &str) -> DecodeError {
    DecodeError::Json(format!("{field}: {what}"))
}

/// An object.
pub fn object<'a>(field: &str, value: &'a Value) -> Result<&'a Object, DecodeError> {
    value
        .as_object()
        .ok_or_else(|| invalid(field, "expected an object"))
}

/// An array.
pub fn array<'a>(field: &str, value: &'a Value) -> Result<&'a [Value], DecodeError> {
    value
        .as_array()
        .map(Vec::as_slice)
        .ok_or_else(|| invalid(field, "expected an array"))
}

/// A required member of `object`.
pub fn required<'a>(object: &'a Object, field: &str) -> Result<&'a Value, DecodeError> {
    object
        .get(field)
        .ok_or_else(|| invalid(field, "missing field"))
}

/// An optional member: absent and `null` are both `None`.
pub fn optional<'a>(object: &'a Object, field: &str) -> Option<&'a Value> {
    object.get(field).filter(|v| !v.is_null())
}

/// The required member `field` of `object`, read with `read`.
pub fn member<'a, T>(
    object: &'a Object,
    field: &str,
    read: impl FnOnce(&str, &'a Value) -> Result<T, DecodeError>,
) -> Result<T, DecodeError> {
    read(field, required(object, field)?)
}

/// The optional member `field` of `object` (absent or `null`: `None`), read with `read`.
pub fn optional_member<'a, T>(
    object: &'a Object,
    field: &str,
    read: impl FnOnce(&str, &'a Value) -> Result<T, DecodeError>,
) -> Result<Option<T>, DecodeError> {
    optional(object, field).map(|v| read(field, v)).transpose()
}

/// A string.
pub fn string<'a>(field: &str, value: &'a Value) -> Result<&'a str, DecodeError> {
    value
        .as_str()
        .ok_or_else(|| invalid(field, "expected a string"))
}

/// A byte of a byte array: an integer in 0..=255 (not a float).
fn byte(value: &Value) -> Option<u8> {
    match value {
        Value::Number(n) => n
            .as_u64()
            .or_else(|| n.as_i64().and_then(|i| u64::try_from(i).ok()))
            .and_then(|v| u8::try_from(v).ok()),
        _ => None,
    }
}

/// Fixed-size bytes: `N` bytes as hex (`0x` optional) or as an array of `N` bytes.
pub fn fixed<const N: usize>(field: &str, value: &Value) -> Result<FixedBytes<N>, DecodeError> {
    let mut out = [0u8; N];
    fill(field, value, &mut out)?;
    Ok(FixedBytes(out))
}

/// [`fixed`]'s work, once for every size: fills `out` exactly (the hex decoder is the one
/// `FixedBytes::from_hex` uses).
#[inline(never)]
fn fill(field: &str, value: &Value, out: &mut [u8]) -> Result<(), DecodeError> {
    match value {
        Value::String(s) => alloy_primitives::hex::decode_to_slice(s, out)
            .map_err(|_| invalid(field, &format!("not {} bytes of hex", out.len()))),
        Value::Array(items) if items.len() == out.len() => {
            for (slot, item) in out.iter_mut().zip(items) {
                *slot = byte(item).ok_or_else(|| invalid(field, "array item is not a byte"))?;
            }
            Ok(())
        }
        Value::Array(items) => Err(invalid(
            field,
            &format!("{} array items for {} bytes", items.len(), out.len()),
        )),
        _ => Err(invalid(field, "expected a hex string")),
    }
}

/// Variable-length bytes: even-length hex (`0x` optional) or an array of bytes.
pub fn bytes(field: &str, value: &Value) -> Result<Bytes, DecodeError> {
    match value {
        Value::String(s) => alloy_primitives::hex::decode(s)
            .map(Bytes::from)
            .map_err(|_| invalid(field, "invalid hex")),
        Value::Array(items) => items
            .iter()
            .map(|item| byte(item).ok_or_else(|| invalid(field, "array item is not a byte")))
            .collect::<Result<Vec<u8>, _>>()
            .map(Bytes::from),
        _ => Err(invalid(field, "expected a hex string")),
    }
}

/// An unsigned integer of `BITS` bits as ruint's serde reads it: a non-negative JSON
/// integer that fits, or a string in a form ruint's `FromStr` accepts.
pub fn uint<const BITS: usize, const LIMBS: usize>(
    field: &str,
    value: &Value,
) -> Result<Uint<BITS, LIMBS>, DecodeError> {
    match value {
        Value::Number(n) => n
            .as_u64()
            .and_then(|v| Uint::try_from(v).ok())
            .ok_or_else(|| invalid(field, "not an unsigned integer in range")),
        Value::String(s) => s
            .parse()
            .map_err(|_| invalid(field, "not a hex or decimal quantity")),
        _ => Err(invalid(field, "expected a hex quantity")),
    }
}

/// A `u64` in alloy's quantity form (`alloy_serde::quantity`): `"0x1f"`, or a JSON integer.
pub fn quantity(field: &str, value: &Value) -> Result<u64, DecodeError> {
    uint::<64, 1>(field, value).map(|v| v.as_limbs()[0])
}

/// A plain `u64`: a non-negative JSON integer.
pub fn plain_u64(field: &str, value: &Value) -> Result<u64, DecodeError> {
    value
        .as_u64()
        .ok_or_else(|| invalid(field, "expected a non-negative integer"))
}
