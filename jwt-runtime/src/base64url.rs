//! Strict base64url (RFC 7515 §2): URL alphabet, no padding, canonical trailing bits.
//!
//! On `base64-simd`, which checks and translates many characters per instruction (AVX2,
//! SSSE3 or NEON, chosen at run time) where a table-driven decoder takes one at a time:
//! base64 is a quarter of a typical token's decode. `tests/base64url_reference.rs` holds it
//! to the `base64` crate's strict engine, byte for byte, accepted and refused alike.

use core::mem::MaybeUninit;

use base64_simd::{Out, URL_SAFE_NO_PAD as STRICT};

/// Encodes `bytes` as unpadded base64url.
#[must_use]
pub fn encode(bytes: &[u8]) -> String {
    STRICT.encode_to_string(bytes)
}

/// Appends the unpadded base64url encoding of `bytes` to `out`.
pub fn encode_into(bytes: &[u8], out: &mut String) {
    STRICT.encode_append(bytes, out);
}

/// The length of the unpadded base64url encoding of `len` bytes.
#[must_use]
pub const fn encoded_len(len: usize) -> usize {
    len / 3 * 4 + (len % 3 * 4).div_ceil(3)
}

/// Decodes strict base64url.
///
/// # Errors
///
/// [`DecodeError`] for any character outside the URL alphabet (`+`, `/`, `=`, whitespace),
/// an impossible length, or non-zero trailing bits.
pub fn decode(text: &[u8]) -> Result<Vec<u8>, DecodeError> {
    let mut out = Vec::new();
    decode_into(text, &mut out)?;
    Ok(out)
}

/// Decodes strict base64url, appending to `out`.
///
/// # Errors
///
/// As [`decode`]; `out` is left with its original contents on error.
pub fn decode_into(text: &[u8], out: &mut Vec<u8>) -> Result<(), DecodeError> {
    // Leaves `out`'s length alone on error (it writes only into spare capacity).
    STRICT.decode_append(text, out).map_err(|_| DecodeError)
}

/// Decodes strict base64url into a fixed buffer, returning the number of bytes written.
///
/// # Errors
///
/// As [`decode`], and when `out` is too small.
pub fn decode_to_slice(text: &[u8], out: &mut [u8]) -> Result<usize, DecodeError> {
    checked_len(text, out.len())?;
    STRICT
        .decode(text, Out::from_slice(out))
        .map(|decoded| decoded.len())
        .map_err(|_| DecodeError)
}

/// Decodes strict base64url into a buffer that need not be initialised (a stack buffer
/// that is never zeroed), returning the decoded bytes.
///
/// # Errors
///
/// As [`decode`], and when `out` is too small.
pub fn decode_to_uninit<'o>(
    text: &[u8],
    out: &'o mut [MaybeUninit<u8>],
) -> Result<&'o mut [u8], DecodeError> {
    checked_len(text, out.len())?;
    STRICT
        .decode(text, Out::from_uninit_slice(out))
        .map_err(|_| DecodeError)
}

/// The decoded length of `text` if it fits `capacity` bytes: the decoder panics on a
/// buffer too small, so no text reaches it before this.
fn checked_len(text: &[u8], capacity: usize) -> Result<usize, DecodeError> {
    match decoded_len(text.len()) {
        Some(len) if len <= capacity => Ok(len),
        _ => Err(DecodeError),
    }
}

/// The number of bytes `encoded_len` base64url characters decode to, if such a length exists.
#[must_use]
pub const fn decoded_len(encoded_len: usize) -> Option<usize> {
    match encoded_len % 4 {
        1 => None,
        rem => Some(encoded_len / 4 * 3 + rem.saturating_sub(1)),
    }
}

/// Input that is not strict base64url.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeError;

impl core::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("not strict base64url (URL alphabet, no padding, canonical trailing bits)")
    }
}

impl std::error::Error for DecodeError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_length() {
        let bytes: Vec<u8> = (0..=255).collect();
        for len in 0..bytes.len() {
            let text = encode(&bytes[..len]);
            assert!(!text.contains('='));
            assert_eq!(decode_then_unwrap(&text), &bytes[..len]);
            assert_eq!(decoded_len(text.len()), Some(len));
            assert_eq!(encoded_len(len), text.len());
        }
    }

    fn decode_then_unwrap(text: &str) -> Vec<u8> {
        decode(text.as_bytes()).unwrap()
    }

    #[test]
    fn refuses_everything_but_the_canonical_form() {
        let cases: &[&str] = &[
            "AA==",   // padding
            "AA=",    // partial padding
            "A=A",    // embedded padding
            "+w",     // standard alphabet
            "/w",     // standard alphabet
            "A",      // impossible length
            "AB",     // non-zero trailing bits (canonical is "AA")
            "AAB",    // non-zero trailing bits (canonical is "AAA")
            "AA AA",  // whitespace
            "AA\nAA", // newline
            "AA.",    // separator
            "ÿÿ",     // non-ASCII
        ];
        for case in cases {
            assert_eq!(decode(case.as_bytes()), Err(DecodeError), "{case:?}");
        }
        assert_eq!(decode(b"_w").unwrap(), [0xff]);
        assert_eq!(decode(b"-w").unwrap(), [0xfb]);
        assert_eq!(decode(b"").unwrap(), b"");
    }

    #[test]
    fn decoded_len_matches_the_engine() {
        assert_eq!(decoded_len(0), Some(0));
        assert_eq!(decoded_len(1), None);
        assert_eq!(decoded_len(2), Some(1));
        assert_eq!(decoded_len(3), Some(2));
        assert_eq!(decoded_len(4), Some(3));
        assert_eq!(decoded_len(43), Some(32));
        assert_eq!(decoded_len(64), Some(48));
        assert_eq!(decoded_len(86), Some(64));
    }
}
