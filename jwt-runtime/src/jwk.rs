//! JSON Web Keys (RFC 7517) for the public-key families: the members read on import, the
//! document written on export, and RFC 7638 thumbprints (the default key id).

use core::fmt;

use serde::Deserialize;
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, Zeroizing};

use crate::base64url;
use crate::error::KeyError;

/// A JWK member that holds private key material: wiped on drop, never shown.
#[derive(Deserialize)]
#[serde(transparent)]
pub struct SecretMember(String);

impl SecretMember {
    /// The member's base64url value, decoded into wiped memory.
    pub(crate) fn decode(&self) -> Result<Zeroizing<Vec<u8>>, KeyError> {
        base64url::decode(self.0.as_bytes())
            .map(Zeroizing::new)
            .map_err(|_| KeyError::Format("a JWK member is not strict base64url"))
    }
}

impl Drop for SecretMember {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for SecretMember {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// The JWK members the public-key families read; every other member is ignored. A member
/// given twice is an error (serde refuses duplicate fields).
///
/// Not part of the API: nameable only inside the crate.
#[derive(Deserialize, Debug, Default)]
#[cfg_attr(
    not(all(feature = "eddsa", feature = "ecdsa", feature = "rsa")),
    allow(dead_code, reason = "each family reads its own members")
)]
pub struct JwkFields {
    pub(crate) kty: Option<String>,
    pub(crate) crv: Option<String>,
    pub(crate) alg: Option<String>,
    #[serde(rename = "use")]
    pub(crate) use_: Option<String>,
    pub(crate) key_ops: Option<Vec<String>>,
    pub(crate) kid: Option<String>,
    pub(crate) x: Option<String>,
    pub(crate) y: Option<String>,
    pub(crate) n: Option<String>,
    pub(crate) e: Option<String>,
    pub(crate) d: Option<SecretMember>,
    pub(crate) p: Option<SecretMember>,
    pub(crate) q: Option<SecretMember>,
    pub(crate) dp: Option<SecretMember>,
    pub(crate) dq: Option<SecretMember>,
    pub(crate) qi: Option<SecretMember>,
    pub(crate) oth: Option<serde::de::IgnoredAny>,
}

/// Which side of a key pair a JWK is read as.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Public,
    Private,
}

impl JwkFields {
    /// Parses one JWK object.
    pub(crate) fn parse(json: &str) -> Result<Self, KeyError> {
        serde_json::from_str(json).map_err(|_| KeyError::Format("not a JWK object"))
    }

    /// Does this JWK describe a key of type `kty` (and curve `crv`) for algorithm `alg`, to be
    /// used as `side`? `alg`, `use` and `key_ops` are optional; when present they must fit.
    pub(crate) fn check_fits(
        &self,
        kty: &str,
        crv: Option<&str>,
        alg: &str,
        side: Side,
    ) -> Result<(), KeyError> {
        if self.kty.as_deref() != Some(kty) {
            return Err(KeyError::Format("the JWK `kty` is not the algorithm's"));
        }
        if crv.is_some() && self.crv.as_deref() != crv {
            return Err(KeyError::Format(
                "the JWK `crv` is not the algorithm's curve",
            ));
        }
        if self.alg.as_deref().is_some_and(|found| found != alg) {
            return Err(KeyError::Format("the JWK `alg` is another algorithm"));
        }
        if self.use_.as_deref().is_some_and(|found| found != "sig") {
            return Err(KeyError::Format("the JWK `use` is not `sig`"));
        }
        let operation = match side {
            Side::Public => "verify",
            Side::Private => "sign",
        };
        if let Some(ops) = &self.key_ops
            && !ops.iter().any(|op| op == operation)
        {
            return Err(KeyError::Format("the JWK `key_ops` do not allow this use"));
        }
        let has_private = self.d.is_some()
            || self.p.is_some()
            || self.q.is_some()
            || self.dp.is_some()
            || self.dq.is_some()
            || self.qi.is_some()
            || self.oth.is_some();
        if side == Side::Public && has_private {
            // A verifier handed a private key: refuse rather than hold a secret it never
            // needs (and tell the operator that the key has leaked into the wrong place).
            return Err(KeyError::Format(
                "a public JWK must not hold private members (`d`, ...)",
            ));
        }
        Ok(())
    }

    /// A required public member, decoded.
    pub(crate) fn public_member(
        value: Option<&String>,
        missing: &'static str,
    ) -> Result<Vec<u8>, KeyError> {
        let value = value.ok_or(KeyError::Format(missing))?;
        base64url::decode(value.as_bytes())
            .map_err(|_| KeyError::Format("a JWK member is not strict base64url"))
    }

    /// A required private member, decoded into wiped memory.
    pub(crate) fn private_member(
        value: Option<&SecretMember>,
        missing: &'static str,
    ) -> Result<Zeroizing<Vec<u8>>, KeyError> {
        value.ok_or(KeyError::Format(missing))?.decode()
    }
}

/// Writes a JSON string (quoted, escaped).
pub(crate) fn json_string(text: &str) -> String {
    // Serializing a `&str` cannot fail.
    serde_json::to_string(text).unwrap_or_else(|_| String::from("\"\""))
}

/// The RFC 7638 thumbprint over the required members, given as `(name, base64url value)`
/// pairs in lexicographic order: base64url(SHA-256(`{"crv":...,"kty":...,...}`)).
pub(crate) fn thumbprint(members: &[(&str, &str)]) -> String {
    let mut json = String::from("{");
    for (index, (name, value)) in members.iter().enumerate() {
        if index > 0 {
            json.push(',');
        }
        json.push_str(&json_string(name));
        json.push(':');
        json.push_str(&json_string(value));
    }
    json.push('}');
    base64url::encode(&Sha256::digest(json.as_bytes()))
}

/// A public JWK: the key's members in thumbprint order, then `kid`, `alg` and `use`.
pub(crate) fn public_jwk(members: &[(&str, &str)], kid: &str, alg: &str) -> String {
    let mut json = String::from("{");
    for (name, value) in members {
        json.push_str(&json_string(name));
        json.push(':');
        json.push_str(&json_string(value));
        json.push(',');
    }
    json.push_str(r#""kid":"#);
    json.push_str(&json_string(kid));
    json.push_str(r#","alg":"#);
    json.push_str(&json_string(alg));
    json.push_str(r#","use":"sig"}"#);
    json
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7638_thumbprint_example() {
        // RFC 7638 §3.1.
        let n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
        assert_eq!(
            thumbprint(&[("e", "AQAB"), ("kty", "RSA"), ("n", n)]),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
    }

    #[test]
    fn fields_must_fit_the_algorithm() {
        let jwk =
            JwkFields::parse(r#"{"kty":"EC","crv":"P-256","alg":"ES256","use":"sig"}"#).unwrap();
        assert!(
            jwk.check_fits("EC", Some("P-256"), "ES256", Side::Public)
                .is_ok()
        );
        assert!(
            jwk.check_fits("EC", Some("P-384"), "ES384", Side::Public)
                .is_err()
        );
        assert!(jwk.check_fits("RSA", None, "ES256", Side::Public).is_err());
        let enc = JwkFields::parse(r#"{"kty":"EC","crv":"P-256","use":"enc"}"#).unwrap();
        assert!(
            enc.check_fits("EC", Some("P-256"), "ES256", Side::Public)
                .is_err()
        );
        let private = JwkFields::parse(r#"{"kty":"EC","crv":"P-256","d":"AA"}"#).unwrap();
        assert!(
            private
                .check_fits("EC", Some("P-256"), "ES256", Side::Public)
                .is_err()
        );
        assert!(format!("{private:?}").contains("[redacted]"));
        assert!(JwkFields::parse(r#"{"kty":"EC","kty":"RSA"}"#).is_err());
    }
}
