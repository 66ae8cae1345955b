//! Key files: PEM armor (RFC 7468) and the few DER shapes the public-key families read.
//! Only what the keys need; everything else is refused rather than guessed at.

use zeroize::Zeroizing;

use crate::error::KeyError;

/// The one PEM block in `text`: its label and its DER bytes (wiped on drop: they may hold a
/// private key). Explanatory text around the block is ignored (RFC 7468 §2).
pub(crate) fn pem_decode(text: &str) -> Result<(String, Zeroizing<Vec<u8>>), KeyError> {
    const BEGIN: &str = "-----BEGIN ";
    const END: &str = "-----END ";
    const DASHES: &str = "-----";
    let not_pem = KeyError::Format("not a PEM block (-----BEGIN ...-----)");
    let start = text.find(BEGIN).ok_or(not_pem.clone())?;
    let after_begin = &text[start + BEGIN.len()..];
    let label_end = after_begin.find(DASHES).ok_or(not_pem.clone())?;
    let label = &after_begin[..label_end];
    if label.contains('\n') || label.len() > 64 {
        return Err(not_pem);
    }
    let body_and_rest = &after_begin[label_end + DASHES.len()..];
    let end_marker = format!("{END}{label}{DASHES}");
    let body_end = body_and_rest
        .find(&end_marker)
        .ok_or(KeyError::Format("PEM block without its END line"))?;
    if body_and_rest[body_end..].contains(BEGIN) || body_and_rest[..body_end].contains(DASHES) {
        return Err(KeyError::Format("more than one PEM block"));
    }
    let body: Zeroizing<String> = Zeroizing::new(
        body_and_rest[..body_end]
            .chars()
            .filter(|c| !c.is_ascii_whitespace())
            .collect(),
    );
    let der = base64_simd::STANDARD
        .decode_to_vec(body.as_bytes())
        .map_err(|_| KeyError::Format("PEM body is not base64"))?;
    Ok((label.to_owned(), Zeroizing::new(der)))
}

/// `text` as PEM, with its label required to be one of `labels`.
pub(crate) fn pem_with_label(
    text: &str,
    labels: &[&str],
) -> Result<(String, Zeroizing<Vec<u8>>), KeyError> {
    let (label, der) = pem_decode(text)?;
    if !labels.contains(&label.as_str()) {
        return Err(KeyError::Format(
            "unexpected PEM label (a public key needs `PUBLIC KEY`, a private key `PRIVATE KEY`)",
        ));
    }
    Ok((label, der))
}

/// The key bytes of a SubjectPublicKeyInfo whose encoding before them is exactly `prefix`
/// (the fixed DER of an Ed25519 or named-curve EC key of one curve).
#[cfg(any(feature = "eddsa", feature = "ecdsa", feature = "es512"))]
pub(crate) fn spki_with_prefix<'d>(der: &'d [u8], prefix: &[u8]) -> Option<&'d [u8]> {
    der.strip_prefix(prefix)
}

/// A strict DER reader: definite, minimal lengths only.
#[cfg(any(feature = "rsa", feature = "es512"))]
pub(crate) struct Der<'a> {
    rest: &'a [u8],
}

/// DER tags used here.
#[cfg(any(feature = "rsa", feature = "es512"))]
#[cfg_attr(
    not(all(feature = "rsa", feature = "es512")),
    allow(dead_code, reason = "each family reads its own structures")
)]
pub(crate) mod tag {
    pub const INTEGER: u8 = 0x02;
    pub const BIT_STRING: u8 = 0x03;
    pub const OCTET_STRING: u8 = 0x04;
    pub const NULL: u8 = 0x05;
    pub const OID: u8 = 0x06;
    pub const SEQUENCE: u8 = 0x30;
    /// `[0]`, constructed (explicitly tagged).
    pub const CONTEXT_0: u8 = 0xa0;
    /// `[1]`, constructed (explicitly tagged).
    pub const CONTEXT_1: u8 = 0xa1;
}

#[cfg(any(feature = "rsa", feature = "es512"))]
impl<'a> Der<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Der { rest: bytes }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    pub(crate) fn peek_tag(&self) -> Option<u8> {
        self.rest.first().copied()
    }

    /// The contents of the next element, which must have tag `expected`.
    pub(crate) fn read(&mut self, expected: u8) -> Option<&'a [u8]> {
        let (&tag, rest) = self.rest.split_first()?;
        if tag != expected {
            return None;
        }
        let (&first, rest) = rest.split_first()?;
        let (len, rest) = match first {
            0..=0x7f => (usize::from(first), rest),
            0x81 => {
                let (&len, rest) = rest.split_first()?;
                (len >= 0x80).then_some((usize::from(len), rest))?
            }
            0x82 => {
                let (len, rest) = rest.split_first_chunk::<2>()?;
                let len = usize::from(u16::from_be_bytes(*len));
                (len >= 0x100).then_some((len, rest))?
            }
            _ => return None,
        };
        if rest.len() < len {
            return None;
        }
        let (contents, rest) = rest.split_at(len);
        self.rest = rest;
        Some(contents)
    }

    /// A non-negative INTEGER in minimal encoding, as big-endian bytes without the sign
    /// octet.
    pub(crate) fn read_unsigned(&mut self) -> Option<&'a [u8]> {
        let bytes = self.read(tag::INTEGER)?;
        match bytes {
            [] => None,
            [first, ..] if first & 0x80 != 0 => None,
            [0, second, ..] if second & 0x80 == 0 => None,
            [0, rest @ ..] if !rest.is_empty() => Some(rest),
            _ => Some(bytes),
        }
    }
}

/// The DER of `rsaEncryption` (1.2.840.113549.1.1.1).
#[cfg(feature = "rsa")]
const RSA_ENCRYPTION_OID: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];

/// `(n, e)` of an RSA public key: a SubjectPublicKeyInfo with `rsaEncryption`, or a bare
/// PKCS#1 `RSAPublicKey` when `pkcs1` is set.
#[cfg(feature = "rsa")]
pub(crate) fn rsa_public_key(der: &[u8], pkcs1: bool) -> Option<(&[u8], &[u8])> {
    let rsa_public_key = if pkcs1 {
        der
    } else {
        let mut outer = Der::new(der);
        let mut spki = Der::new(outer.read(tag::SEQUENCE)?);
        if !outer.is_empty() {
            return None;
        }
        let mut algorithm = Der::new(spki.read(tag::SEQUENCE)?);
        if algorithm.read(tag::OID)? != RSA_ENCRYPTION_OID {
            return None;
        }
        // The parameters are NULL (RFC 3279 §2.3.1); some encoders leave them out.
        if algorithm.peek_tag() == Some(tag::NULL) && !algorithm.read(tag::NULL)?.is_empty() {
            return None;
        }
        if !algorithm.is_empty() {
            return None;
        }
        let bits = spki.read(tag::BIT_STRING)?;
        if !spki.is_empty() {
            return None;
        }
        bits.strip_prefix(&[0])?
    };
    let mut outer = Der::new(rsa_public_key);
    let mut key = Der::new(outer.read(tag::SEQUENCE)?);
    let n = key.read_unsigned()?;
    let e = key.read_unsigned()?;
    (outer.is_empty() && key.is_empty()).then_some((n, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_blocks_are_read_strictly() {
        let pem = "comment\n-----BEGIN PUBLIC KEY-----\nAAEC\nAw==\n-----END PUBLIC KEY-----\n";
        let (label, der) = pem_decode(pem).unwrap();
        assert_eq!(
            (label.as_str(), &der[..]),
            ("PUBLIC KEY", &[0, 1, 2, 3][..])
        );
        for bad in [
            "AAEC",
            "-----BEGIN PUBLIC KEY-----\nAAEC\n-----END PRIVATE KEY-----",
            "-----BEGIN PUBLIC KEY-----\nA*EC\n-----END PUBLIC KEY-----",
            "-----BEGIN X-----\nAA==\n-----END X-----\n-----BEGIN X-----\nAA==\n-----END X-----",
        ] {
            assert!(pem_decode(bad).is_err(), "{bad:?}");
        }
        assert!(pem_with_label(pem, &["PRIVATE KEY"]).is_err());
    }

    #[cfg(any(feature = "rsa", feature = "es512"))]
    #[test]
    fn der_lengths_and_integers_are_minimal() {
        assert_eq!(
            Der::new(&[0x02, 0x01, 0x05]).read_unsigned(),
            Some(&[5][..])
        );
        assert_eq!(
            Der::new(&[0x02, 0x02, 0x00, 0x80]).read_unsigned(),
            Some(&[0x80][..])
        );
        // Negative, non-minimal, empty, long-form length for a short value.
        for bad in [
            &[0x02, 0x01, 0x80][..],
            &[0x02, 0x02, 0x00, 0x05],
            &[0x02, 0x00],
            &[0x02, 0x81, 0x01, 0x05],
            &[0x02, 0x05, 0x01],
        ] {
            assert_eq!(Der::new(bad).read_unsigned(), None, "{bad:?}");
        }
    }
}
