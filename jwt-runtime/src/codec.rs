//! The compact JWS codec: encoding, and decoding in the order of the secure default profile.

use crate::__private::{DecodeState, Registered};
use crate::alg::Algorithm;
use crate::base64url;
use crate::claims::{Claims, DecodeClaims};
use crate::error::{Error, Malformed, Segment, excerpt};
use crate::header::{RawHeader, typ_accepted};
use crate::key::{HmacKey, VerifyingKeys};

/// The default limit on a token's length, in bytes.
pub const DEFAULT_MAX_TOKEN_LEN: usize = 65_536;

/// Headers and payloads up to this many decoded bytes are decoded on the stack.
const STACK_BUFFER_LEN: usize = 1024;
/// ... into a smaller buffer up to this many (headers, typically).
const SMALL_STACK_BUFFER_LEN: usize = 128;

pub(crate) fn encode<C: Claims>(claims: &C, key: &HmacKey<C::Algorithm>) -> Result<String, Error> {
    let mut token = String::new();
    encode_into(claims, key, &mut token)?;
    Ok(token)
}

/// Appends the token to `out`. The payload JSON is written on the stack (up to
/// [`JSON_STACK_LEN`] bytes), so the only allocation is `out` growing to the token's exact
/// length, and none when it already has room. On error `out` is left as it was.
pub(crate) fn encode_into<C: Claims>(
    claims: &C,
    key: &HmacKey<C::Algorithm>,
    out: &mut String,
) -> Result<(), Error> {
    let mut payload = JsonBuffer::new();
    let mut writer = crate::__private::PayloadWriter::new(&mut payload);
    claims.__write_payload(&mut writer)?;
    writer.finish();
    let payload = payload.as_bytes();

    // The usual header (no declared `typ`) is encoded once, with the key; others per call.
    let start = out.len();
    let rest = base64url::encoded_len(payload.len()) + C::Algorithm::ENCODED_MAC_LEN + 2;
    match C::__SCHEMA.typ {
        None => {
            let header = key.encoded_header();
            out.reserve(header.len() + rest);
            out.push_str(header);
        }
        Some(typ) => {
            let header = header_json::<C::Algorithm>(typ, key.kid())?;
            let header = header.as_bytes();
            out.reserve(base64url::encoded_len(header.len()) + rest);
            base64url::encode_into(header, out);
        }
    }
    out.push('.');
    base64url::encode_into(payload, out);
    let mut mac = [0_u8; 64];
    let mac = &mut mac[..C::Algorithm::MAC_LEN];
    key.sign_into(&out.as_bytes()[start..], mac);
    out.push('.');
    base64url::encode_into(mac, out);
    Ok(())
}

/// `{"alg":...,"typ":...}`, plus `kid` when the key has one.
pub(crate) fn header_json<A: Algorithm>(typ: &str, kid: Option<&str>) -> Result<JsonBuffer, Error> {
    let mut header = JsonBuffer::new();
    header.extend_from_slice(br#"{"alg":""#);
    header.extend_from_slice(A::NAME.as_bytes());
    header.extend_from_slice(br#"","typ":"#);
    serde_json::to_writer(&mut header, typ).map_err(encode_error)?;
    if let Some(kid) = kid {
        header.extend_from_slice(br#","kid":"#);
        serde_json::to_writer(&mut header, kid).map_err(encode_error)?;
    }
    header.push(b'}');
    Ok(header)
}

fn encode_error(error: serde_json::Error) -> Error {
    Error::Encode(error.to_string())
}

/// Payloads and headers up to this many bytes of JSON are written on the stack when encoding.
pub(crate) const JSON_STACK_LEN: usize = 512;

/// A byte buffer on the stack that moves to the heap when it outgrows [`JSON_STACK_LEN`]:
/// the encoder writes JSON here, so that a small token costs no allocation but its own.
pub struct JsonBuffer {
    stack: [u8; JSON_STACK_LEN],
    len: usize,
    heap: Option<Vec<u8>>,
}

impl JsonBuffer {
    #[inline]
    pub(crate) fn new() -> Self {
        JsonBuffer {
            stack: [0; JSON_STACK_LEN],
            len: 0,
            heap: None,
        }
    }

    /// Appends `bytes`.
    #[inline]
    pub fn extend_from_slice(&mut self, bytes: &[u8]) {
        if self.heap.is_none()
            && let Some(free) = self.stack.get_mut(self.len..self.len + bytes.len())
        {
            free.copy_from_slice(bytes);
            self.len += bytes.len();
            return;
        }
        self.extend_on_heap(bytes);
    }

    #[cold]
    #[inline(never)]
    fn extend_on_heap(&mut self, bytes: &[u8]) {
        let stack = &self.stack[..self.len];
        let heap = self.heap.get_or_insert_with(|| {
            let mut heap = Vec::with_capacity((stack.len() + bytes.len()).max(2 * JSON_STACK_LEN));
            heap.extend_from_slice(stack);
            heap
        });
        heap.extend_from_slice(bytes);
    }

    /// Appends one byte.
    #[inline]
    pub fn push(&mut self, byte: u8) {
        self.extend_from_slice(&[byte]);
    }

    /// The bytes written so far.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        match &self.heap {
            None => &self.stack[..self.len],
            Some(heap) => heap,
        }
    }
}

impl std::io::Write for JsonBuffer {
    #[inline]
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    #[inline]
    fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.extend_from_slice(bytes);
        Ok(())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The three segments of a compact JWS, and the signed part `header.payload`.
pub(crate) struct Parts<'t> {
    pub header: &'t str,
    pub payload: &'t str,
    pub signature: &'t str,
    pub signed: &'t str,
}

/// Steps 1 and 2: length, then shape.
pub(crate) fn split(token: &str, max_len: usize) -> Result<Parts<'_>, Error> {
    if token.len() > max_len {
        return Err(Error::TooLarge {
            len: token.len(),
            limit: max_len,
        });
    }
    let malformed = |reason| Error::Malformed {
        segment: Segment::Token,
        reason,
    };
    // memchr: SIMD, not byte by byte (this scan is linear in the token).
    let dot_after =
        |from: usize| memchr::memchr(b'.', &token.as_bytes()[from..]).map(|at| from + at);
    let Some(first) = dot_after(0) else {
        return Err(malformed(Malformed::SegmentCount));
    };
    let Some(second) = dot_after(first + 1) else {
        return Err(malformed(Malformed::SegmentCount));
    };
    // Exactly two dots; four (five segments) is JWE.
    if let Some(third) = dot_after(second + 1) {
        let fourth = dot_after(third + 1);
        return Err(match fourth.and_then(|fourth| dot_after(fourth + 1)) {
            None if fourth.is_some() => Error::JweNotSupported,
            _ => malformed(Malformed::SegmentCount),
        });
    }
    Ok(Parts {
        header: &token[..first],
        payload: &token[first + 1..second],
        signature: &token[second + 1..],
        signed: &token[..second],
    })
}

/// Decodes a base64url segment, on the stack when it is small, and hands the bytes to `use_bytes`.
pub(crate) fn with_decoded<R>(
    segment: Segment,
    text: &str,
    use_bytes: impl FnOnce(&[u8]) -> Result<R, Error>,
) -> Result<R, Error> {
    let malformed = || Error::Malformed {
        segment,
        reason: Malformed::Base64,
    };
    let decoded_len = base64url::decoded_len(text.len()).ok_or_else(malformed)?;
    // A header fits the small buffer: no need to zero a whole kilobyte for it.
    if decoded_len <= SMALL_STACK_BUFFER_LEN {
        let mut buffer = [0_u8; SMALL_STACK_BUFFER_LEN];
        let len =
            base64url::decode_to_slice(text.as_bytes(), &mut buffer).map_err(|_| malformed())?;
        use_bytes(&buffer[..len])
    } else if decoded_len <= STACK_BUFFER_LEN {
        let mut buffer = [0_u8; STACK_BUFFER_LEN];
        let len =
            base64url::decode_to_slice(text.as_bytes(), &mut buffer).map_err(|_| malformed())?;
        use_bytes(&buffer[..len])
    } else {
        let bytes = base64url::decode(text.as_bytes()).map_err(|_| malformed())?;
        use_bytes(&bytes)
    }
}

/// What the header check needs from the validation settings.
pub(crate) struct HeaderRules {
    pub typ: Option<&'static str>,
}

/// The base64url of `{"alg":"<A>","typ":"JWT"}`, the header this crate (and most issuers)
/// write. Strict base64url has one encoding per byte string, so a header segment equal to it
/// is exactly that JSON: it passes step 3 as parsing it would, without decoding or parsing.
fn canonical_header<A: Algorithm>() -> &'static str {
    match A::NAME {
        "HS256" => "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",
        "HS384" => "eyJhbGciOiJIUzM4NCIsInR5cCI6IkpXVCJ9",
        "HS512" => "eyJhbGciOiJIUzUxMiIsInR5cCI6IkpXVCJ9",
        _ => "",
    }
}

/// Step 3 and 4: the header, then the signature. Returns nothing; the payload is untouched.
pub(crate) fn verify_header_and_signature<A: Algorithm, K: VerifyingKeys<A> + ?Sized>(
    parts: &Parts<'_>,
    keys: &K,
    rules: &HeaderRules,
) -> Result<(), Error> {
    let canonical = canonical_header::<A>();
    let key = if rules.typ.is_none() && !canonical.is_empty() && parts.header == canonical {
        // Exactly `{"alg":A,"typ":"JWT"}`: alg pinned, typ accepted, no crit, no kid.
        keys.key_for(None)?
    } else {
        with_decoded(Segment::Header, parts.header, |json| {
            let header = RawHeader::parse(json)?;
            check_header::<A>(&header, rules)?;
            keys.key_for(header.kid.as_deref())
        })?
    };
    // The signature length is public and fixed: a wrong one never reaches the MAC.
    if parts.signature.len() != A::ENCODED_MAC_LEN {
        return Err(Error::Signature);
    }
    let mut mac = [0_u8; 64];
    let len = base64url::decode_to_slice(parts.signature.as_bytes(), &mut mac).map_err(|_| {
        Error::Malformed {
            segment: Segment::Signature,
            reason: Malformed::Base64,
        }
    })?;
    if !key.verify(parts.signed.as_bytes(), &mac[..len]) {
        return Err(Error::Signature);
    }
    Ok(())
}

pub(crate) fn check_header<A: Algorithm>(
    header: &RawHeader<'_>,
    rules: &HeaderRules,
) -> Result<(), Error> {
    match &header.alg {
        Some(Ok(alg)) if alg == A::NAME => {}
        Some(Ok(alg)) => {
            return Err(Error::Algorithm {
                expected: A::NAME,
                found: Some(excerpt(alg)),
            });
        }
        _ => {
            return Err(Error::Algorithm {
                expected: A::NAME,
                found: None,
            });
        }
    }
    if header.crit {
        return Err(Error::Crit);
    }
    let typ = match &header.typ {
        None => None,
        Some(Ok(typ)) => Some(&**typ),
        Some(Err(())) => {
            return Err(Error::TokenType {
                expected: rules.typ.unwrap_or("JWT"),
                found: None,
            });
        }
    };
    if !typ_accepted(typ, rules.typ) {
        return Err(Error::TokenType {
            expected: rules.typ.unwrap_or("JWT"),
            found: typ.map(excerpt),
        });
    }
    Ok(())
}

/// Step 5: the payload, decoded into the claims type. Runs only after the MAC verified.
pub(crate) fn decode_payload<'b, C: DecodeClaims<'b>>(
    json: &'b [u8],
    state: &mut DecodeState<'b>,
) -> Result<C, Error> {
    check_nested_duplicates(json)?;
    C::__decode_payload(json, state)
}

/// The registered claims of decoded claims, completed from the hidden slots.
pub(crate) fn registered<'c, C: Claims>(
    claims: &'c C,
    state: &'c DecodeState<'_>,
) -> Registered<'c> {
    claims.__registered().or_hidden(&state.hidden)
}

/// Rejects duplicate member names inside the payload's nested objects (RFC 7519 §4; A16).
///
/// The derive's visitor checks the top level. Nested custom claims are read by user types
/// such as `serde_json::Value` or `HashMap`, which silently keep the last of two duplicates,
/// so two parsers could read different permissions out of one token. A payload without a
/// second `{` has no nested object and is not scanned again.
pub(crate) fn check_nested_duplicates(json: &[u8]) -> Result<(), Error> {
    // The top-level `{` is almost always the first byte; a second one is looked for with
    // memchr (SIMD), not byte by byte: this scan is linear in the payload.
    let second =
        memchr::memchr(b'{', json).and_then(|first| memchr::memchr(b'{', &json[first + 1..]));
    if second.is_none() {
        return Ok(());
    }
    let mut found = None;
    let mut deserializer = serde_json::Deserializer::from_slice(json);
    // JSON errors are left to the decode proper, which reports them with their claim.
    let _ = serde::de::DeserializeSeed::deserialize(
        DuplicateScan {
            depth: 0,
            found: &mut found,
        },
        &mut deserializer,
    );
    found.map_or(Ok(()), Err)
}

/// Walks one JSON value; in every object below the top level, a member name seen twice
/// (compared after unescaping) is recorded in `found` and stops the walk.
struct DuplicateScan<'f> {
    depth: usize,
    found: &'f mut Option<Error>,
}

impl<'de> serde::de::DeserializeSeed<'de> for DuplicateScan<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for DuplicateScan<'_> {
    type Value = ();

    fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let depth = self.depth + 1;
        while seq
            .next_element_seed(DuplicateScan {
                depth,
                found: &mut *self.found,
            })?
            .is_some()
        {}
        Ok(())
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let depth = self.depth + 1;
        let mut seen = std::collections::HashSet::new();
        while let Some(crate::__private::Key(name)) = map.next_key()? {
            if self.depth > 0 && !seen.insert(name.clone()) {
                *self.found = Some(Error::DuplicateMember {
                    segment: Segment::Payload,
                    name: excerpt(&name),
                });
                return Err(serde::de::Error::custom("duplicate member"));
            }
            map.next_value_seed(DuplicateScan {
                depth,
                found: &mut *self.found,
            })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod nested_duplicate_tests {
    use super::*;

    #[test]
    fn nested_duplicates_are_found_after_unescaping() {
        for json in [
            &br#"{"a":{"k":1,"k":2}}"#[..],
            br#"{"a":[{"k":1,"\u006b":2}]}"#,
            br#"{"a":1,"b":{"c":{"d":{},"d":{}}}}"#,
        ] {
            let error = check_nested_duplicates(json).unwrap_err();
            assert!(
                matches!(&error, Error::DuplicateMember { segment: Segment::Payload, name } if name == "k" || name == "d"),
                "{error:?}"
            );
        }
        for json in [
            &br#"{"a":{"k":1},"b":{"k":1}}"#[..],
            br#"{"k":1,"k":2}"#, // the top level is the derive's to check
            br#"{"a":"{{"}"#,
            br#"{"a":{"k":1,"#, // not JSON: reported by the decode proper
        ] {
            assert!(check_nested_duplicates(json).is_ok(), "{json:?}");
        }
    }
}

#[cfg(test)]
mod canonical_header_tests {
    use super::*;
    use crate::alg::{Hs256, Hs384, Hs512};

    fn check<A: Algorithm>() {
        let json = format!(r#"{{"alg":"{}","typ":"JWT"}}"#, A::NAME);
        assert_eq!(canonical_header::<A>(), base64url::encode(json.as_bytes()));
        // What the fast path assumes is what parsing finds.
        let header = RawHeader::parse(json.as_bytes()).unwrap();
        assert!(check_header::<A>(&header, &HeaderRules { typ: None }).is_ok());
        assert!(header.kid.is_none() && !header.crit);
    }

    #[test]
    fn json_buffer_moves_to_the_heap_intact() {
        use std::io::Write as _;
        for first in [0, 1, JSON_STACK_LEN - 1, JSON_STACK_LEN, JSON_STACK_LEN + 1] {
            let mut buffer = JsonBuffer::new();
            let mut expected = Vec::new();
            let chunk: Vec<u8> = (0..first).map(|i| (i % 251) as u8).collect();
            buffer.extend_from_slice(&chunk);
            expected.extend_from_slice(&chunk);
            for i in 0..3 * JSON_STACK_LEN {
                let byte = (i % 7) as u8;
                if i % 2 == 0 {
                    buffer.push(byte);
                } else {
                    buffer.write_all(&[byte, byte]).unwrap();
                    expected.push(byte);
                }
                expected.push(byte);
                assert_eq!(buffer.as_bytes(), &expected[..], "first {first}, step {i}");
            }
        }
    }

    #[test]
    fn split_counts_dots_exactly() {
        let parts = split("a.b.c", 100).unwrap();
        assert_eq!(
            (parts.header, parts.payload, parts.signature, parts.signed),
            ("a", "b", "c", "a.b")
        );
        let parts = split("..", 100).unwrap();
        assert_eq!((parts.header, parts.payload, parts.signature), ("", "", ""));
        for token in [
            "",
            "abc",
            "a.b",
            "a.b.c.d",
            "a.b.c.d.e.f",
            "a.b.c.d.e.f.g",
            ".....",
        ] {
            assert!(
                matches!(
                    split(token, 100),
                    Err(Error::Malformed {
                        segment: Segment::Token,
                        ..
                    })
                ),
                "{token:?}"
            );
        }
        for token in ["a.b.c.d.e", "...."] {
            assert!(
                matches!(split(token, 100), Err(Error::JweNotSupported)),
                "{token:?}"
            );
        }
        assert!(matches!(
            split("a.b.c", 4),
            Err(Error::TooLarge { len: 5, limit: 4 })
        ));
    }

    #[test]
    fn canonical_headers_are_what_they_claim() {
        check::<Hs256>();
        check::<Hs384>();
        check::<Hs512>();
    }
}
