//! The three HMAC algorithms, as types: a key and a claims type agree on one at compile time.

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Sha256, Sha384, Sha512};

mod sealed {
    pub trait Sealed {}
}

/// An HMAC JWS algorithm (RFC 7518 §3.2), as a marker type.
///
/// Implemented by [`Hs256`], [`Hs384`] and [`Hs512`] only (sealed). A claims type names
/// its algorithm through `#[claims(alg = "...")]`; keys are typed by algorithm too, so
/// verifying an HS512 claims type with an HS256 key does not compile.
pub trait Algorithm: sealed::Sealed + Copy + Send + Sync + 'static {
    /// The `alg` header value, e.g. `"HS256"`.
    const NAME: &'static str;
    /// Length of the MAC in bytes (32, 48 or 64), which is also the minimum key length.
    const MAC_LEN: usize;
    /// Length of the base64url-encoded signature segment (43, 64 or 86).
    const ENCODED_MAC_LEN: usize;

    #[doc(hidden)]
    type Mac: Mac + KeyInit + Clone + Send + Sync;
}

macro_rules! algorithm {
    ($(#[$doc:meta])* $name:ident, $alg:literal, $hash:ty, $len:literal, $encoded:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub struct $name;

        impl sealed::Sealed for $name {}

        impl Algorithm for $name {
            const NAME: &'static str = $alg;
            const MAC_LEN: usize = $len;
            const ENCODED_MAC_LEN: usize = $encoded;
            type Mac = Hmac<$hash>;
        }
    };
}

algorithm!(
    /// HMAC with SHA-256 (`"HS256"`): 32-byte MAC, keys of at least 32 bytes.
    Hs256, "HS256", Sha256, 32, 43
);
algorithm!(
    /// HMAC with SHA-384 (`"HS384"`): 48-byte MAC, keys of at least 48 bytes.
    Hs384, "HS384", Sha384, 48, 64
);
algorithm!(
    /// HMAC with SHA-512 (`"HS512"`): 64-byte MAC, keys of at least 64 bytes.
    Hs512, "HS512", Sha512, 64, 86
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_lengths_match_the_mac_lengths() {
        fn encoded(len: usize) -> usize {
            (len * 8).div_ceil(6)
        }
        assert_eq!(encoded(Hs256::MAC_LEN), Hs256::ENCODED_MAC_LEN);
        assert_eq!(encoded(Hs384::MAC_LEN), Hs384::ENCODED_MAC_LEN);
        assert_eq!(encoded(Hs512::MAC_LEN), Hs512::ENCODED_MAC_LEN);
    }
}
