//! The decode pipeline. [`decode`] is the whole of it, one named step per line, in the order
//! of the secure default profile (see `docs/design.md`): length, shape, header, signature,
//! payload, claims; replay follows for one-use types. Every entry point ([`Validation::decode`],
//! [`Validation::decode_borrowed`], [`Validation::decode_once`], the axum extractor,
//! [`dangerous`](crate::dangerous)) is a few lines on top of these steps.

use core::marker::PhantomData;
use core::mem::MaybeUninit;

use crate::alg::{Algorithm, SignatureVerifier};
use crate::base64url;
use crate::claims::{Claims, DecodeClaims};
use crate::clock::Clock;
use crate::error::{Error, Malformed, Segment};
use crate::header::{HeaderRules, RawHeader};
use crate::json;
use crate::key::VerifyingKeys;
use crate::payload::{self, DecodeState};
use crate::replay::{
    self, AsyncReplayStore, DecodableWithoutStore, InsertOutcome, OneUse, ReplayId, ReplayStore,
    ReplayWindow, StoreError,
};
use crate::schema::Registered;
use crate::time::NumericDate;
use crate::validation::Validation;

/// Steps 1 to 6 for claims type `C`: the verified claims, decoded into `payload`'s storage.
pub(crate) fn decode<C, K, Ks, P>(
    validation: &Validation<K>,
    token: &str,
    keys: &Ks,
    payload: P,
) -> Result<C, Error>
where
    C: Claims,
    K: Clock,
    Ks: VerifyingKeys<C::Algorithm> + ?Sized,
    P: PayloadStorage<C>,
{
    decode_checked(validation, token, keys, payload).map(|(claims, _)| claims)
}

/// [`decode`], also returning the one clock reading step 6 checked the claims at, which
/// step 7 hands to the replay store.
pub(crate) fn decode_checked<C, K, Ks, P>(
    validation: &Validation<K>,
    token: &str,
    keys: &Ks,
    payload: P,
) -> Result<(C, NumericDate), Error>
where
    C: Claims,
    K: Clock,
    Ks: VerifyingKeys<C::Algorithm> + ?Sized,
    P: PayloadStorage<C>,
{
    let parts = split(token, validation.max_len())?;
    let key = verify_header(&parts, keys, header_rules::<C, K>(validation))?;
    verify_signature(key, &parts)?;
    // Step 6 always runs before the claims are returned, so this is the instant it used.
    let mut checked_at = NumericDate::from_secs(0);
    let claims = payload.decode_then(parts.payload, |registered| {
        checked_at = validation.now();
        validation.check_claims::<C>(registered, checked_at)
    })?;
    Ok((claims, checked_at))
}

/// The three segments of a compact JWS, and the signed part `header.payload`.
pub(crate) struct Parts<'t> {
    pub header: &'t str,
    pub payload: &'t str,
    pub signature: &'t str,
    pub signed: &'t str,
}

/// Steps 1 and 2: length, then shape (exactly three segments).
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

/// What the header must satisfy for `C`: its pinned `alg`, and its declared `typ` unless
/// `validation` gives it another.
fn header_rules<C: Claims, K: Clock>(validation: &Validation<K>) -> HeaderRules {
    HeaderRules {
        alg: C::Algorithm::NAME,
        typ: validation.token_type::<C>(),
    }
}

/// Step 3: the header, then the key its `kid` selects among the configured ones.
pub(crate) fn verify_header<'k, A: Algorithm, Ks: VerifyingKeys<A> + ?Sized>(
    parts: &Parts<'_>,
    keys: &'k Ks,
    rules: HeaderRules,
) -> Result<&'k A::VerifyingKey, Error> {
    if rules.accepts_canonical(parts.header) {
        // Exactly `{"alg":A,"typ":"JWT"}`: alg pinned, typ accepted, no crit, no kid.
        return keys.key_for(None);
    }
    decode_segment(Segment::Header, parts.header, |json| {
        let header = RawHeader::parse(json)?;
        rules.check(&header)?;
        keys.key_for(header.kid.as_deref())
    })
}

/// Signatures up to this many bytes are decoded on the stack (every algorithm but RSA).
const STACK_SIGNATURE_LEN: usize = 64;

/// Step 4: the signature over `header.payload`. The payload is still untouched.
///
/// The signature segment must be strict base64url before anything is compared: trailing
/// whitespace or junk outside the alphabet, a space after the dot, padding, an impossible
/// length are [`Malformed`], not a bad signature. Base64url text of another length than the
/// algorithm's is a signature of something else ([`Error::Signature`], as is one that does not
/// verify), unless the payload segment is not even base64url text (a space after the first
/// dot): those are looked at only on the failure paths, so a valid token pays nothing.
pub(crate) fn verify_signature<V: SignatureVerifier + ?Sized>(
    key: &V,
    parts: &Parts<'_>,
) -> Result<(), Error> {
    let signature_len = key.signature_len();
    let malformed = |segment| Error::Malformed {
        segment,
        reason: Malformed::Base64,
    };
    // The signature length is public and fixed: a wrong one never reaches the verification.
    if parts.signature.len() != base64url::encoded_len(signature_len) {
        return Err(if is_base64url_text(parts.signature) {
            Error::Signature
        } else {
            malformed(Segment::Signature)
        });
    }
    let mut stack = [MaybeUninit::<u8>::uninit(); STACK_SIGNATURE_LEN];
    let verified = if signature_len <= STACK_SIGNATURE_LEN {
        let signature = base64url::decode_to_uninit(parts.signature.as_bytes(), &mut stack)
            .map_err(|_| malformed(Segment::Signature))?;
        key.verify_signature(parts.signed.as_bytes(), signature)
    } else {
        let signature = base64url::decode(parts.signature.as_bytes())
            .map_err(|_| malformed(Segment::Signature))?;
        key.verify_signature(parts.signed.as_bytes(), &signature)
    };
    if !verified {
        if !is_base64url_text(parts.payload) {
            return Err(malformed(Segment::Payload));
        }
        return Err(Error::Signature);
    }
    Ok(())
}

/// Could `segment` be base64url at all: URL alphabet only, a possible length? (Trailing bits
/// are left to the decoder.)
///
/// Runs on every forged token, over the whole payload: written without early exit or
/// table lookups, so that the compiler checks many bytes per instruction.
fn is_base64url_text(segment: &str) -> bool {
    base64url::decoded_len(segment.len()).is_some()
        && segment
            .bytes()
            .fold(true, |all, byte| all & is_base64url_byte(byte))
}

/// `A-Z`, `a-z`, `0-9`, `-`, `_`, without branches.
#[inline(always)]
fn is_base64url_byte(byte: u8) -> bool {
    // `| 0x20` folds upper case onto lower case and moves no other byte into `a..=z`.
    let letter = (byte | 0x20).wrapping_sub(b'a') < 26;
    let digit = byte.wrapping_sub(b'0') < 10;
    letter | digit | (byte == b'-') | (byte == b'_')
}

/// Headers and payloads up to this many decoded bytes are decoded on the stack (a buffer
/// that is never zeroed, so its size costs nothing).
const STACK_BUFFER_LEN: usize = 1024;

/// Decodes a base64url segment, on the stack when it is small, and hands the bytes to `use_bytes`.
pub(crate) fn decode_segment<R>(
    segment: Segment,
    text: &str,
    use_bytes: impl FnOnce(&[u8]) -> Result<R, Error>,
) -> Result<R, Error> {
    let malformed = || Error::Malformed {
        segment,
        reason: Malformed::Base64,
    };
    let decoded_len = base64url::decoded_len(text.len()).ok_or_else(malformed)?;
    if decoded_len <= STACK_BUFFER_LEN {
        let mut buffer = [MaybeUninit::<u8>::uninit(); STACK_BUFFER_LEN];
        let bytes =
            base64url::decode_to_uninit(text.as_bytes(), &mut buffer).map_err(|_| malformed())?;
        use_bytes(bytes)
    } else {
        let bytes = base64url::decode(text.as_bytes()).map_err(|_| malformed())?;
        use_bytes(&bytes)
    }
}

/// Step 5: the payload JSON, decoded into the claims type. Runs only after the signature
/// verified. Returns the claims and the decode state that holds the registered claims the
/// type has no field for.
///
/// The generated decoder reads the bytes directly and checks every one of them strictly,
/// members without a field included; a payload it is unsure of goes to
/// [`decode_payload_reference`].
pub(crate) fn decode_payload<'b, C: DecodeClaims<'b>>(
    json: &'b [u8],
) -> Result<(C, DecodeState<'b>), Error> {
    // The generated decoder reads the bytes directly; whatever it is unsure of (every fault
    // included) is decided by the serde path, so errors are the reference's by construction.
    let mut state = DecodeState::default();
    decode_payload_into(json, &mut state).map(|claims| (claims, state))
}

/// [`decode_payload`] into a caller's decode state, which stays in place while the claims
/// are returned (the state is a few hundred bytes: moving it costs more than the JSON's
/// numbers take to read).
fn decode_payload_into<'b, C: DecodeClaims<'b>>(
    json: &'b [u8],
    state: &mut DecodeState<'b>,
) -> Result<C, Error> {
    if let Some(claims) = payload::decode_scanned_into::<C>(json, state) {
        return Ok(claims);
    }
    let (claims, reference_state) = decode_payload_reference(json)?;
    *state = reference_state;
    Ok(claims)
}

/// Step 5 through serde alone: the reference the generated decoder is tested against, and
/// what decides every payload the generated decoder is unsure of.
///
/// The decode checks every byte it reads strictly. When a custom claim's type may have
/// skipped bytes (a struct, a map, `serde_json::Value`), the whole payload is walked strictly
/// once more: a fault there is refused even when the decode succeeded, and reported rather
/// than the decode's own error unless that one is about a claim (a duplicate member is
/// reported in any case, as the cause).
pub(crate) fn decode_payload_reference<'b, C: DecodeClaims<'b>>(
    json: &'b [u8],
) -> Result<(C, DecodeState<'b>), Error> {
    let mut state = DecodeState::default();
    let decoded = payload::decode_with_serde::<C>(json, &mut state);
    if !state.needs_strict_check() {
        return decoded.map(|claims| (claims, state));
    }
    match (decoded, json::check_strict(json)) {
        (Ok(claims), Ok(())) => Ok((claims, state)),
        // The walk meets faults in document order and with strict eyes; the decode's own
        // error is kept when it is about a claim.
        (Ok(_) | Err(Error::Malformed { .. }), Err(fault))
        | (_, Err(fault @ Error::DuplicateMember { .. })) => Err(fault),
        (Err(error), _) => Err(error),
    }
}

/// The registered claims of decoded claims, completed from the decode state.
fn registered<'c, C: Claims>(claims: &'c C, state: &'c DecodeState<'_>) -> Registered<'c> {
    state.complete(claims.__registered())
}

/// Where step 5 puts the payload's bytes, which decides what the claims may borrow: a stack
/// buffer for claims that own their data, or a caller's buffer for claims that borrow.
pub(crate) trait PayloadStorage<C> {
    /// Decodes the payload segment into claims, and runs `check` (step 6) on their
    /// registered claims before returning them.
    fn decode_then(
        self,
        segment: &str,
        check: impl FnOnce(Registered<'_>) -> Result<(), Error>,
    ) -> Result<C, Error>;
}

/// The payload decoded on the stack (or the heap when large) for claims that own their data.
pub(crate) struct Transient;

impl<C: for<'de> DecodeClaims<'de>> PayloadStorage<C> for Transient {
    fn decode_then(
        self,
        segment: &str,
        check: impl FnOnce(Registered<'_>) -> Result<(), Error>,
    ) -> Result<C, Error> {
        decode_segment(Segment::Payload, segment, |json| {
            let mut state = DecodeState::default();
            let claims = decode_payload_into::<C>(json, &mut state)?;
            check(registered(&claims, &state))?;
            Ok(claims)
        })
    }
}

/// The payload decoded into a caller's buffer, which the claims may borrow from.
pub(crate) struct Borrowed<'b>(pub &'b mut Vec<u8>);

impl<'b, C: DecodeClaims<'b>> PayloadStorage<C> for Borrowed<'b> {
    fn decode_then(
        self,
        segment: &str,
        check: impl FnOnce(Registered<'_>) -> Result<(), Error>,
    ) -> Result<C, Error> {
        let buffer = self.0;
        buffer.clear();
        base64url::decode_into(segment.as_bytes(), buffer).map_err(|_| Error::Malformed {
            segment: Segment::Payload,
            reason: Malformed::Base64,
        })?;
        let buffer: &'b Vec<u8> = buffer;
        let mut state = DecodeState::default();
        let claims = decode_payload_into::<C>(buffer, &mut state)?;
        check(registered(&claims, &state))?;
        Ok(claims)
    }
}

/// Step 7, for one-use types: the `jti` of verified claims in the type's namespace, and the
/// window the store keeps it for: from the instant step 6 checked the claims at (minus the
/// leeway in force, so that the window is on the token's time scale) to the token's `exp`.
///
/// A one-use type always has a `jti` and a required `exp` field (the derive insists); should
/// either be absent all the same, the token is refused rather than accepted unprotected.
pub(crate) fn replay_request<'c, C: Claims, K: Clock>(
    claims: &'c C,
    validation: &Validation<K>,
    checked_at: NumericDate,
) -> Result<(ReplayId<'c>, ReplayWindow), Error> {
    let registered = claims.__registered();
    let jti = registered.jti.ok_or(Error::MissingClaim { claim: "jti" })?;
    let exp = registered.exp.ok_or(Error::MissingClaim { claim: "exp" })?;
    let leeway = validation.effective_leeway(&C::__SCHEMA);
    Ok((
        ReplayId::new(ReplayId::namespace_of::<C>(), jti),
        ReplayWindow::new(checked_at.saturating_sub(leeway), exp),
    ))
}

/// The default namespace of `C`, computed at compile time.
struct NamespaceOf<C>(PhantomData<C>);

impl<C: Claims> NamespaceOf<C> {
    const DIGEST: [u8; 16] = replay::namespace_digest(C::Algorithm::NAME, &C::__SCHEMA);
    const TEXT: &'static str = match core::str::from_utf8(&Self::DIGEST) {
        Ok(text) => text,
        Err(_) => "",
    };
}

impl ReplayId<'_> {
    /// The default namespace of the one-use claims type `C`: 16 hex digits that digest what
    /// the type accepts (its algorithm, declared `typ`, issuer and audiences).
    ///
    /// Two types that differ in any of these get different namespaces, so one never uses up
    /// the other's ids. Two types that declare the same ones accept each other's tokens and
    /// share a namespace, so that a token consumed as one is not accepted again as the other.
    /// The digest depends on nothing but these declarations, so servers built from different
    /// crates or compiler versions agree on it.
    #[must_use]
    pub fn namespace_of<C: Claims>() -> &'static str {
        NamespaceOf::<C>::TEXT
    }
}

/// The store's answer as the token's fate: only a fresh id passes.
fn consumed(outcome: Result<InsertOutcome, StoreError>) -> Result<(), Error> {
    match outcome? {
        InsertOutcome::Inserted => Ok(()),
        InsertOutcome::AlreadyPresent => Err(Error::Replayed),
    }
}

impl<K: Clock> Validation<K> {
    /// Verifies `token` and returns its claims.
    ///
    /// Not available for a type with a `jti` claim, which needs a replay store.
    ///
    /// # Errors
    ///
    /// The first check the token fails, as an [`Error`].
    pub fn decode<C, Ks>(&self, token: &str, keys: &Ks) -> Result<C, Error>
    where
        C: for<'de> DecodeClaims<'de>,
        C::Replay: DecodableWithoutStore,
        Ks: VerifyingKeys<C::Algorithm> + ?Sized,
    {
        decode(self, token, keys, Transient)
    }

    /// Verifies `token` and returns claims that may borrow from `buffer` (types with
    /// `&'b str` or `Cow<'b, str>` fields). `buffer` is cleared and receives the payload.
    ///
    /// Not available for a type with a `jti` claim, which needs a replay store.
    ///
    /// # Errors
    ///
    /// The first check the token fails, as an [`Error`].
    pub fn decode_borrowed<'b, C, Ks>(
        &self,
        token: &str,
        keys: &Ks,
        buffer: &'b mut Vec<u8>,
    ) -> Result<C, Error>
    where
        C: DecodeClaims<'b>,
        C::Replay: DecodableWithoutStore,
        Ks: VerifyingKeys<C::Algorithm> + ?Sized,
    {
        decode(self, token, keys, Borrowed(buffer))
    }

    /// Verifies a token of a one-use (`jti`) claims type and consumes its `jti` in `store`:
    /// the first presentation is accepted, every later one is [`Error::Replayed`] (on every
    /// server sharing the store) until the token expires.
    ///
    /// Every other check runs first; only a token that passes all of them consumes its id.
    /// The clock is read once: the claims are checked at that instant, and the store is told
    /// the same instant (minus the leeway in force) and the token's `exp`, to keep the id for
    /// as long as a validation sharing the store could still accept the token (see
    /// [`ReplayWindow`]). The id lives in the type's own namespace
    /// ([`ReplayId::namespace_of`]). Use [`decode_once_async`](Validation::decode_once_async)
    /// from async code.
    ///
    /// # Errors
    ///
    /// The first check the token fails, as an [`Error`]; then [`Error::Replayed`] when the
    /// id was already consumed, [`Error::StoreUnavailable`] when the store cannot answer or
    /// cannot promise to keep the id (the token is rejected: fail closed), or
    /// [`Error::ReplayUnconfirmed`] when the store was asked but its answer never came (the
    /// token is rejected, and may or may not have been consumed).
    ///
    /// # Examples
    ///
    /// See the [module documentation](crate::replay).
    pub fn decode_once<C, Ks, S>(&self, token: &str, keys: &Ks, store: &S) -> Result<C, Error>
    where
        C: for<'de> DecodeClaims<'de> + Claims<Replay = OneUse>,
        Ks: VerifyingKeys<C::Algorithm> + ?Sized,
        S: ReplayStore + ?Sized,
    {
        let (claims, checked_at): (C, _) = decode_checked(self, token, keys, Transient)?;
        let (id, window) = replay_request(&claims, self, checked_at)?;
        consumed(store.insert_if_absent(id, window))?;
        Ok(claims)
    }

    /// [`decode_once`](Validation::decode_once) for async callers: the same checks, then the
    /// `jti` is consumed in an [`AsyncReplayStore`] without blocking the runtime.
    ///
    /// # Errors
    ///
    /// As [`decode_once`](Validation::decode_once): the first check the token fails, then
    /// [`Error::Replayed`], [`Error::StoreUnavailable`] or [`Error::ReplayUnconfirmed`].
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use jwt_runtime::replay::MemoryStore;
    /// # use jwt_runtime::{Claims, Error, HmacKey, Hs256, NumericDate, Validation};
    /// #[derive(Claims)]
    /// struct Invite {
    ///     exp: NumericDate,
    ///     jti: String,
    /// }
    ///
    /// async fn accept(token: &str, key: &HmacKey<Hs256>, store: &MemoryStore) -> Result<Invite, Error> {
    ///     Validation::new().decode_once_async(token, key, store).await
    /// }
    /// ```
    pub async fn decode_once_async<C, Ks, S>(
        &self,
        token: &str,
        keys: &Ks,
        store: &S,
    ) -> Result<C, Error>
    where
        C: for<'de> DecodeClaims<'de> + Claims<Replay = OneUse>,
        Ks: VerifyingKeys<C::Algorithm> + ?Sized,
        S: AsyncReplayStore,
    {
        let (claims, checked_at): (C, _) = decode_checked(self, token, keys, Transient)?;
        let (id, window) = replay_request(&claims, self, checked_at)?;
        consumed(store.insert_if_absent(id, window).await)?;
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_bytes_are_exactly_the_url_alphabet() {
        for byte in 0..=u8::MAX {
            let expected = byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_';
            assert_eq!(is_base64url_byte(byte), expected, "{byte:#04x}");
        }
        assert!(is_base64url_text("eyJhIjoxfQ"));
        assert!(!is_base64url_text("eyJhIjoxfQ "));
        assert!(!is_base64url_text("eyJhIjox=Q"));
        assert!(!is_base64url_text("a")); // no base64 text has this length
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
}
