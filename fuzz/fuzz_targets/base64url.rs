//! base64url: decoding never panics, and is canonical: whatever decodes re-encodes to exactly
//! the input (A17), and every byte string round-trips.
#![no_main]

use jwt_runtime::base64url;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
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
