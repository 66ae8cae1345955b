//! The traits `#[derive(Claims)]` implements, and the encoder.

use crate::alg::{Algorithm, TokenSigner};
use crate::base64url;
use crate::error::Error;
use crate::header;
use crate::json::JsonBuffer;
use crate::key::{SigningKey, VerifyingKeys};
use crate::payload::{DecodeState, Members, PayloadWriter};
use crate::replay::{DecodableWithoutStore, OneUse, ReplayPolicy, ReplayStore};
use crate::schema::{Registered, Schema};
use crate::validation::Validation;

/// A claims schema: implemented by `#[derive(Claims)]`, never by hand.
///
/// The derive generates the encoder, the decoder and the validation of exactly the declared
/// claims; the runtime drives them in the order of the secure default profile (length,
/// shape, header, signature, payload, claims, replay).
pub trait Claims: Sized {
    /// The algorithm the type pins (`#[claims(alg = "...")]`, HS256 by default). Keys are
    /// typed by algorithm, so a key for another algorithm does not compile.
    type Algorithm: Algorithm;

    /// [`Reusable`](crate::replay::Reusable), or [`OneUse`](crate::replay::OneUse) for a
    /// type with a `jti` claim, which cannot be decoded without a replay store.
    type Replay: ReplayPolicy;

    #[doc(hidden)]
    const __SCHEMA: Schema;

    #[doc(hidden)]
    /// Writes the claims as one JSON object.
    ///
    /// # Errors
    ///
    /// [`Error::Encode`] when a custom claim fails to serialize.
    fn __write_payload(&self, writer: &mut PayloadWriter<'_>) -> Result<(), Error>;

    #[doc(hidden)]
    fn __registered(&self) -> Registered<'_>;

    /// Signs the claims into a compact JWS, `header.payload.signature`.
    ///
    /// The header is `{"alg":...,"typ":...}` (`typ` is the declared one, `JWT` by default),
    /// plus `kid` when the signing key has one. Encoding does not validate the claims.
    ///
    /// # Errors
    ///
    /// [`Error::Encode`] when a custom claim's `Serialize` implementation fails.
    fn encode<K: SigningKey<Self::Algorithm> + ?Sized>(&self, key: &K) -> Result<String, Error> {
        encode(self, key.signing_key())
    }

    /// Signs the claims like [`Claims::encode`], appending the token to `out`.
    ///
    /// Nothing is allocated when `out` already has room for the token (a buffer reused
    /// across calls, or one that already holds `Bearer `); `encode` itself allocates only
    /// the token. On error `out` is left as it was.
    ///
    /// # Errors
    ///
    /// [`Error::Encode`] when a custom claim's `Serialize` implementation fails.
    fn encode_into<K: SigningKey<Self::Algorithm> + ?Sized>(
        &self,
        key: &K,
        out: &mut String,
    ) -> Result<(), Error> {
        encode_into(self, key.signing_key(), out)
    }

    /// Verifies a token and returns its claims, with the declared defaults, the system clock
    /// and no leeway unless declared. See [`Validation`] to change any of those.
    ///
    /// Not available for a type with a `jti` claim: those are decoded through a replay store.
    ///
    /// # Errors
    ///
    /// The first check the token fails, as an [`Error`].
    fn decode<K>(token: &str, keys: &K) -> Result<Self, Error>
    where
        Self: for<'de> DecodeClaims<'de>,
        Self::Replay: DecodableWithoutStore,
        K: VerifyingKeys<Self::Algorithm> + ?Sized,
    {
        Validation::new().decode(token, keys)
    }

    /// Verifies a token of a one-use (`jti`) type and consumes its `jti` in `store`, with the
    /// declared defaults and the system clock: the first presentation is accepted, every
    /// later one is [`Error::Replayed`]. See [`Validation::decode_once`] for the details and
    /// [`Validation::decode_once_async`] for async code.
    ///
    /// # Errors
    ///
    /// The first check the token fails, as an [`Error`]; [`Error::Replayed`];
    /// [`Error::StoreUnavailable`] when the store cannot answer (fail closed).
    fn decode_once<K, S>(token: &str, keys: &K, store: &S) -> Result<Self, Error>
    where
        Self: for<'de> DecodeClaims<'de> + Claims<Replay = OneUse>,
        K: VerifyingKeys<Self::Algorithm> + ?Sized,
        S: ReplayStore + ?Sized,
    {
        Validation::new().decode_once(token, keys, store)
    }
}

/// Decoding of a [`Claims`] type from a payload that lives for `'de`: implemented by
/// `#[derive(Claims)]`. Owned types implement it for every `'de`; types with borrowed fields
/// (`&'a str`, `Cow<'a, str>`) for `'de: 'a`.
pub trait DecodeClaims<'de>: Claims {
    #[doc(hidden)]
    /// Reads the claims object's members from `members`: the payload's bytes (the fast path)
    /// or serde (the reference, which also types every error).
    ///
    /// # Errors
    ///
    /// Duplicates, missing claims and mistyped claims; malformed JSON.
    fn __read_members<M: Members<'de>>(
        members: &mut M,
        state: &mut DecodeState<'de>,
    ) -> Result<Self, M::Error>;
}

fn encode<C: Claims>(
    claims: &C,
    key: &<C::Algorithm as Algorithm>::SigningKey,
) -> Result<String, Error> {
    let mut token = String::new();
    encode_into(claims, key, &mut token)?;
    Ok(token)
}

/// Appends the token to `out`. The payload JSON is written on the stack (up to 512 bytes),
/// so the only allocation is `out` growing to the token's exact length, and none when it
/// already has room. On error `out` is left as it was.
fn encode_into<C: Claims>(
    claims: &C,
    key: &<C::Algorithm as Algorithm>::SigningKey,
    out: &mut String,
) -> Result<(), Error> {
    let mut payload = JsonBuffer::new();
    let mut writer = PayloadWriter::new(&mut payload);
    claims.__write_payload(&mut writer)?;
    writer.finish();
    let payload = payload.as_bytes();

    // Signatures up to this length are made on the stack (every algorithm but RSA).
    const STACK_SIGNATURE_LEN: usize = 64;
    let signature_len = key.signature_len();
    let rest = base64url::encoded_len(payload.len()) + base64url::encoded_len(signature_len) + 2;
    let start = out.len();
    // The usual header (no declared `typ`) is encoded once, with the key; others per call.
    match C::__SCHEMA.typ {
        None => {
            let header = key.encoded_default_header();
            out.reserve(header.len() + rest);
            out.push_str(header);
        }
        Some(typ) => {
            let header = header::write_json(C::Algorithm::NAME, typ, key.kid())?;
            let header = header.as_bytes();
            out.reserve(base64url::encoded_len(header.len()) + rest);
            base64url::encode_into(header, out);
        }
    }
    out.push('.');
    base64url::encode_into(payload, out);
    let mut stack = [0_u8; STACK_SIGNATURE_LEN];
    let mut heap = Vec::new();
    let signature = if signature_len <= STACK_SIGNATURE_LEN {
        &mut stack[..signature_len]
    } else {
        heap.resize(signature_len, 0);
        &mut heap[..]
    };
    if let Err(error) = key.sign_into(&out.as_bytes()[start..], signature) {
        out.truncate(start);
        return Err(error);
    }
    out.push('.');
    base64url::encode_into(signature, out);
    Ok(())
}
