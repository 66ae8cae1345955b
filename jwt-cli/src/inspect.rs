//! `jwt decode`: a token's parts shown as they are, and every finding of the library's strict
//! decoder, in the library's own words.

use jwt_runtime::{Claims, Error, FixedClock, HmacKey, NumericDate, Validation, dangerous};

use crate::alg::{Alg, Family, with_family};
use crate::exit::{CliError, Exit};
use crate::json::Json;
use crate::public::with_public_family;

/// The base64url of `{"alg":"HS256","typ":"JWT"}`: a header the library accepts, to check a
/// payload on its own.
const PLAIN_HEADER: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";
/// The base64url of `{}`: a payload the library accepts, to check a header on its own.
const EMPTY_PAYLOAD: &str = "e30";

/// A header or payload segment, decoded as far as it goes.
#[derive(Debug)]
pub enum View {
    /// Strict base64url of JSON.
    Json(Json),
    /// Decoded, but not JSON: the bytes as text.
    Text(String),
    /// Not base64url at all.
    Undecodable,
}

/// A segment and whether its base64url was strict.
#[derive(Debug)]
pub struct Part {
    pub view: View,
    pub strict_base64: bool,
}

/// What `jwt decode` shows.
#[derive(Debug)]
pub struct Inspection {
    pub header: Option<Part>,
    pub payload: Option<Part>,
    /// The signature segment's text and decoded length, when the token has three segments.
    pub signature: Option<(String, Option<usize>)>,
    /// The library's findings, first the one it would raise first; deduplicated.
    pub findings: Vec<(Exit, String)>,
}

impl Inspection {
    /// The exit code: the class of the first finding, or success.
    pub fn result(&self) -> Result<(), CliError> {
        match self.findings.first() {
            Some((exit, message)) => Err(CliError::new(*exit, message.clone())),
            None => Ok(()),
        }
    }

    /// The header's `alg`, when the header is a JSON object with a string `alg`.
    pub fn alg(&self) -> Option<&str> {
        match &self.header.as_ref()?.view {
            View::Json(json) => json.get("alg")?.as_str(),
            _ => None,
        }
    }

    /// The header's `typ`, if it is a string: the kind of token, which `decode` takes as
    /// given (a claims type, or `jwt verify --typ`, says which kinds it accepts).
    pub fn typ(&self) -> Option<&str> {
        match &self.header.as_ref()?.view {
            View::Json(json) => json.get("typ")?.as_str(),
            _ => None,
        }
    }
}

pub fn inspect(token: &str, now: NumericDate) -> Result<Inspection, CliError> {
    let segments: Vec<&str> = token.split('.').collect();
    let header = (segments.len() >= 2).then(|| part(segments[0]));
    let (payload, signature) = match segments.as_slice() {
        [_, payload, signature] => (
            Some(part(payload)),
            Some((
                (*signature).to_owned(),
                jwt_runtime::base64url::decode(signature.as_bytes())
                    .ok()
                    .map(|mac| mac.len()),
            )),
        ),
        _ => (None, None),
    };
    let mut inspection = Inspection {
        header,
        payload,
        signature,
        findings: Vec::new(),
    };

    // The whole token, as the library reads it without a key.
    let whole = dangerous::peek::<crate::alg::AnyHs256>(token).err();
    if let Some(
        error @ (Error::TooLarge { .. }
        | Error::JweNotSupported
        | Error::Malformed {
            segment: jwt_runtime::Segment::Token,
            ..
        }),
    ) = &whole
    {
        // The library reads nothing more of such a token.
        inspection.add(error);
        return Ok(inspection);
    }
    if let [header, payload, signature] = segments.as_slice() {
        // The first error hides the later ones, so each part is checked on its own, paired
        // with parts the library accepts, in the library's order: header, header rules and
        // signature encoding, payload. A probe token differs in length from the token, so a
        // length error of a probe is not a finding.
        let header_alone = format!("{header}.{EMPTY_PAYLOAD}.{signature}");
        match dangerous::peek::<crate::alg::AnyHs256>(&header_alone) {
            Err(Error::TooLarge { .. }) | Ok(_) => {}
            Err(error) => inspection.add(&error),
        }
        let alg = inspection
            .alg()
            .and_then(Alg::from_name)
            .unwrap_or(Alg::Hs256);
        let typ = inspection.typ().map(str::to_owned);
        let mut probe = header_alone;
        // `alg` is checked before `crit`, and `crit` before `typ`: a refused one is replaced
        // (or removed) in a re-encoded header, so that the next rule is checked too.
        for _ in 0..3 {
            let Some(error) = with_family!(
                alg,
                header_rules(&probe, now, typ.as_deref()),
                else with_public_family!(
                    alg,
                    crate::public::header_rules(&probe, now, typ.as_deref()),
                    else Ok(None)
                )
            )?
            else {
                break;
            };
            inspection.add(&error);
            let repaired = match (&error, &inspection.header) {
                (
                    Error::Algorithm { .. } | Error::Crit,
                    Some(Part {
                        view: View::Json(Json::Object(members)),
                        ..
                    }),
                ) => Some(repair(members, alg, &error)),
                _ => None,
            };
            let Some(header) = repaired else { break };
            probe = format!("{header}.{EMPTY_PAYLOAD}.{signature}");
        }
        let payload_alone = format!("{PLAIN_HEADER}.{payload}.{signature}");
        match dangerous::peek::<crate::alg::AnyHs256>(&payload_alone) {
            Err(Error::TooLarge { .. }) | Ok(_) => {}
            Err(error) => inspection.add(&error),
        }
    }
    // Anything the probes missed.
    if let Some(error) = whole {
        inspection.add(&error);
    }
    Ok(inspection)
}

/// The header checks that need an algorithm (`alg`, `crit`, `typ`) and the signature's
/// encoding: the library runs them before the signature, so verifying with a fresh random
/// key reports them, and otherwise fails with [`Error::Signature`], which is not a finding.
fn header_rules<F: Family>(
    token: &str,
    now: NumericDate,
    typ: Option<&str>,
) -> Result<Option<Error>, CliError> {
    let key = HmacKey::<F::Algorithm>::generate()?;
    let validation = accepting_typ::<F::Claims>(Validation::new().clock(FixedClock(now)), typ);
    Ok(finding_before_signature(
        validation.decode::<F::Claims, _>(token, &key),
    ))
}

/// `validation` accepting the token's own `typ` for `C`: which kinds a reader accepts is
/// the reader's choice, not a fault of the token.
pub fn accepting_typ<C: Claims>(
    validation: Validation<FixedClock>,
    typ: Option<&str>,
) -> Validation<FixedClock> {
    match typ {
        Some(typ) => validation.token_type_for::<C>(typ),
        None => validation,
    }
}

/// The finding of a probe verified with a key that cannot match: an error the library
/// raises before the signature, else none.
pub fn finding_before_signature<C>(result: Result<C, Error>) -> Option<Error> {
    match result {
        Err(Error::Signature | Error::TooLarge { .. }) | Ok(_) => None,
        Err(error) if error.is_claims_error() => None,
        Err(error) => Some(error),
    }
}

/// The header with `alg` set to `alg` and, after a `crit` error, without `crit`; base64url.
fn repair(members: &[(String, Json)], alg: Alg, error: &Error) -> String {
    let mut members: Vec<(String, Json)> = members
        .iter()
        .filter(|(name, _)| !(matches!(error, Error::Crit) && name == "crit"))
        .cloned()
        .collect();
    match members.iter_mut().find(|(name, _)| name == "alg") {
        Some((_, value)) => *value = Json::String(alg.name().to_owned()),
        None => members.insert(0, ("alg".to_owned(), Json::String(alg.name().to_owned()))),
    }
    jwt_runtime::base64url::encode(Json::Object(members).to_compact().as_bytes())
}

impl Inspection {
    fn add(&mut self, error: &Error) {
        let mut message = error.to_string();
        if let Error::Algorithm {
            found: Some(found), ..
        } = error
            && Alg::from_name(found).is_none()
        {
            message.push_str(
                " (the library implements HS256/384/512, EdDSA, ES256/384/512, RS256/384/512 and PS256/384/512)",
            );
        }
        if !self.findings.iter().any(|(_, known)| *known == message) {
            self.findings.push((Exit::of(error), message));
        }
    }
}

fn part(segment: &str) -> Part {
    let (bytes, strict_base64) = match jwt_runtime::base64url::decode(segment.as_bytes()) {
        Ok(bytes) => (Some(bytes), true),
        Err(_) => (lenient_base64(segment), false),
    };
    let view = match bytes {
        None => View::Undecodable,
        Some(bytes) => match Json::parse(&bytes) {
            Ok(json) => View::Json(json),
            Err(_) => View::Text(String::from_utf8_lossy(&bytes).into_owned()),
        },
    };
    Part {
        view,
        strict_base64,
    }
}

/// Base64 as other tools write it, for showing a segment the library refuses: either
/// alphabet, padding allowed, non-canonical trailing bits ignored.
fn lenient_base64(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() / 4 * 3 + 2);
    let (mut bits, mut count) = (0_u32, 0_u32);
    for byte in text.bytes() {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(value);
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push(((bits >> count) & 0xff) as u8);
            bits &= (1 << count) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lenient_base64_reads_both_alphabets_and_padding() {
        assert_eq!(lenient_base64("e30=").unwrap(), b"{}");
        assert_eq!(lenient_base64("_w").unwrap(), [0xff]);
        assert_eq!(lenient_base64("/w==").unwrap(), [0xff]);
        assert_eq!(lenient_base64("AB").unwrap(), [0]);
        assert!(lenient_base64("a b").is_none());
    }

    #[test]
    fn the_probe_parts_are_what_they_claim() {
        assert_eq!(
            jwt_runtime::base64url::decode(PLAIN_HEADER.as_bytes()).unwrap(),
            br#"{"alg":"HS256","typ":"JWT"}"#
        );
        assert_eq!(
            jwt_runtime::base64url::decode(EMPTY_PAYLOAD.as_bytes()).unwrap(),
            b"{}"
        );
    }
}
