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

pub(crate) fn encode<C: Claims>(claims: &C, key: &HmacKey<C::Algorithm>) -> Result<String, Error> {
    let mut payload = Vec::with_capacity(256);
    let mut writer = crate::__private::PayloadWriter::new(&mut payload);
    claims.__write_payload(&mut writer)?;
    writer.finish();

    let header = header_json::<C>(key.kid())?;
    let encoded_len = |len: usize| (len * 4).div_ceil(3);
    let mut token = String::with_capacity(
        encoded_len(header.len()) + encoded_len(payload.len()) + C::Algorithm::ENCODED_MAC_LEN + 2,
    );
    base64url::encode_into(&header, &mut token);
    token.push('.');
    base64url::encode_into(&payload, &mut token);
    let mut mac = [0_u8; 64];
    let mac = &mut mac[..C::Algorithm::MAC_LEN];
    key.sign_into(token.as_bytes(), mac);
    token.push('.');
    base64url::encode_into(mac, &mut token);
    Ok(token)
}

fn header_json<C: Claims>(kid: Option<&str>) -> Result<Vec<u8>, Error> {
    let mut header = Vec::with_capacity(64);
    header.extend_from_slice(br#"{"alg":""#);
    header.extend_from_slice(C::Algorithm::NAME.as_bytes());
    header.extend_from_slice(br#"","typ":"#);
    let typ = C::__SCHEMA.typ.unwrap_or("JWT");
    serde_json::to_writer(&mut header, typ).map_err(|error| Error::Encode(error.to_string()))?;
    if let Some(kid) = kid {
        header.extend_from_slice(br#","kid":"#);
        serde_json::to_writer(&mut header, kid)
            .map_err(|error| Error::Encode(error.to_string()))?;
    }
    header.push(b'}');
    Ok(header)
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
    let mut dots = token
        .bytes()
        .enumerate()
        .filter(|&(_, byte)| byte == b'.')
        .map(|(at, _)| at);
    let (Some(first), Some(second)) = (dots.next(), dots.next()) else {
        return Err(malformed(Malformed::SegmentCount));
    };
    match dots.count() {
        0 => {}
        2 => return Err(Error::JweNotSupported),
        _ => return Err(malformed(Malformed::SegmentCount)),
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
    if decoded_len <= STACK_BUFFER_LEN {
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

/// Step 3 and 4: the header, then the signature. Returns nothing; the payload is untouched.
pub(crate) fn verify_header_and_signature<A: Algorithm, K: VerifyingKeys<A> + ?Sized>(
    parts: &Parts<'_>,
    keys: &K,
    rules: &HeaderRules,
) -> Result<(), Error> {
    let key = with_decoded(Segment::Header, parts.header, |json| {
        let header = RawHeader::parse(json)?;
        check_header::<A>(&header, rules)?;
        keys.key_for(header.kid.as_deref())
    })?;
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
    C::__decode_payload(json, state)
}

/// The registered claims of decoded claims, completed from the hidden slots.
pub(crate) fn registered<'c, C: Claims>(
    claims: &'c C,
    state: &'c DecodeState<'_>,
) -> Registered<'c> {
    claims.__registered().or_hidden(&state.hidden)
}
