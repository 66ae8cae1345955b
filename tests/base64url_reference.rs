//! The runtime's base64url (SIMD, `base64-simd`) against the `base64` crate's strict engine:
//! the same texts accepted, the same bytes out, the same texts refused. Also the standard
//! alphabet with padding that PEM key files use.

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use jwt_runtime::base64url;

const REFERENCE: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone)
        .with_decode_allow_trailing_bits(false),
);

/// Every way the runtime decodes agrees with the reference on `text`.
fn assert_agrees(text: &[u8]) {
    let expected = REFERENCE.decode(text).ok();
    assert_eq!(base64url::decode(text).ok(), expected, "decode {text:?}");

    let mut appended = b"kept".to_vec();
    let result = base64url::decode_into(text, &mut appended);
    match &expected {
        Some(bytes) => {
            assert!(result.is_ok(), "decode_into {text:?}");
            assert_eq!(&appended[4..], &bytes[..], "decode_into {text:?}");
        }
        None => {
            assert!(result.is_err(), "decode_into {text:?}");
            assert_eq!(appended, b"kept", "decode_into left {text:?} behind");
        }
    }

    let mut slice = [0_u8; 512];
    let sliced = base64url::decode_to_slice(text, &mut slice)
        .ok()
        .map(|len| slice[..len].to_vec());
    let mut uninit = [core::mem::MaybeUninit::uninit(); 512];
    let uninit = base64url::decode_to_uninit(text, &mut uninit)
        .ok()
        .map(|bytes| bytes.to_vec());
    if expected.as_ref().is_none_or(|bytes| bytes.len() <= 512) {
        assert_eq!(sliced, expected, "decode_to_slice {text:?}");
        assert_eq!(uninit, expected, "decode_to_uninit {text:?}");
    } else {
        assert_eq!(
            (sliced, uninit),
            (None, None),
            "too small a buffer {text:?}"
        );
    }
}

/// A deterministic byte stream (xorshift), so that a failure names its input.
struct Bytes(u64);

impl Bytes {
    fn next(&mut self) -> u8 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 24) as u8
    }
}

#[test]
fn every_short_text_over_the_interesting_bytes() {
    // The alphabet's edges, the other alphabet, padding, whitespace, separators, non-ASCII.
    let bytes = b"AEQZaz09-_+/=. \n\x00\x7f\x80\xff";
    let mut text = Vec::new();
    for len in 0..=4_u32 {
        for mut index in 0..bytes.len().pow(len) {
            text.clear();
            for _ in 0..len {
                text.push(bytes[index % bytes.len()]);
                index /= bytes.len();
            }
            assert_agrees(&text);
        }
    }
}

#[test]
fn every_single_byte_mutation_of_encodings_of_every_length() {
    let mut stream = Bytes(0x9e37_79b9_7f4a_7c15);
    for len in [
        0, 1, 2, 3, 16, 31, 32, 33, 47, 48, 49, 64, 95, 96, 97, 200, 383, 384, 385, 600,
    ] {
        let data: Vec<u8> = (0..len).map(|_| stream.next()).collect();
        let encoded = REFERENCE.encode(&data);
        assert_eq!(base64url::encode(&data), encoded, "encode {len} bytes");
        let mut appended = String::from("kept.");
        base64url::encode_into(&data, &mut appended);
        assert_eq!(appended, format!("kept.{encoded}"));
        assert_agrees(encoded.as_bytes());
        let text = encoded.into_bytes();
        for at in 0..text.len() {
            for byte in 0..=255_u8 {
                let mut mutated = text.clone();
                mutated[at] = byte;
                assert_agrees(&mutated);
            }
            let mut deleted = text.clone();
            deleted.remove(at);
            assert_agrees(&deleted);
            let mut doubled = text.clone();
            doubled.insert(at, text[at]);
            assert_agrees(&doubled);
        }
    }
}

#[test]
fn random_texts_over_the_url_alphabet_and_its_neighbours() {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/=";
    let mut stream = Bytes(0x2545_f491_4f6c_dd1d);
    for _ in 0..20_000 {
        let len = usize::from(stream.next()) % 130;
        let text: Vec<u8> = (0..len)
            .map(|_| {
                let pick = stream.next();
                // Mostly the URL alphabet (so that long texts decode), now and then another byte.
                if pick < 250 {
                    alphabet[usize::from(pick) % 64]
                } else {
                    alphabet[64 + usize::from(pick) % 3]
                }
            })
            .collect();
        assert_agrees(&text);
    }
}

#[test]
fn pem_bodies_decode_as_the_standard_padded_alphabet_does() {
    let standard = base64::engine::general_purpose::STANDARD;
    let mut stream = Bytes(0x1234_5678_9abc_def1);
    for len in 0..70 {
        let data: Vec<u8> = (0..len).map(|_| stream.next()).collect();
        let text = standard.encode(&data).into_bytes();
        for at in 0..text.len() {
            for byte in [b'A', b'-', b'_', b'+', b'/', b'=', b' ', b'\n', 0x80] {
                let mut mutated = text.clone();
                mutated[at] = byte;
                assert_eq!(
                    base64_simd::STANDARD.decode_to_vec(&mutated).ok(),
                    standard.decode(&mutated).ok(),
                    "{mutated:?}"
                );
            }
        }
    }
}
