//! base64url: decoding never panics, and is canonical: whatever decodes re-encodes to exactly
//! the input (A17), and every byte string round-trips. The runtime's SIMD decoder accepts
//! exactly what the `base64` crate's strict engine accepts, with the same bytes.
#![no_main]

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use jwt_runtime::base64url;
use libfuzzer_sys::fuzz_target;

const REFERENCE: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone)
        .with_decode_allow_trailing_bits(false),
);

fuzz_target!(|data: &[u8]| {
    assert_eq!(
        base64url::decode(data).ok(),
        REFERENCE.decode(data).ok(),
        "the reference disagrees"
    );
    let mut uninit = [core::mem::MaybeUninit::uninit(); 256];
    if let Ok(decoded) = base64url::decode_to_uninit(data, &mut uninit) {
        assert_eq!(REFERENCE.decode(data).ok().as_deref(), Some(&decoded[..]));
    }
    if let Ok(decoded) = base64url::decode(data) {
        assert_eq!(
            base64url::encode(&decoded).as_bytes(),
            data,
            "non-canonical input accepted"
        );
        assert_eq!(base64url::decoded_len(data.len()), Some(decoded.len()));
        let mut buffer = [0_u8; 256];
        if decoded.len() <= buffer.len() {
            let len = base64url::decode_to_slice(data, &mut buffer).expect("slice decode agrees");
            assert_eq!(&buffer[..len], &decoded[..]);
        }
    } else {
        let mut buffer = [0_u8; 256];
        assert!(base64url::decode_to_slice(data, &mut buffer).is_err() || data.len() > 340);
    }
    let encoded = base64url::encode(data);
    assert!(!encoded.contains(['=', '+', '/']));
    assert_eq!(
        base64url::decode(encoded.as_bytes()).expect("own output decodes"),
        data
    );
    let mut appended = b"prefix".to_vec();
    base64url::decode_into(encoded.as_bytes(), &mut appended).expect("own output decodes");
    assert_eq!(&appended[6..], data);
});
