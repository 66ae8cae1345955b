//! The algorithms the library implements, each with a claims type that reads any payload:
//! the HMAC family here, the public-key families in `public.rs`.

use jwt_runtime::replay::Reusable;
use jwt_runtime::{Claims, DecodeClaims, Hs256, Hs384, Hs512};

/// `--alg`: the algorithms the library implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Alg {
    /// HMAC with SHA-256; keys of at least 32 bytes.
    #[value(name = "HS256")]
    Hs256,
    /// HMAC with SHA-384; keys of at least 48 bytes.
    #[value(name = "HS384")]
    Hs384,
    /// HMAC with SHA-512; keys of at least 64 bytes.
    #[value(name = "HS512")]
    Hs512,
    /// Ed25519 (RFC 8037).
    #[value(name = "EdDSA")]
    EdDsa,
    /// ECDSA on P-256 with SHA-256.
    #[value(name = "ES256")]
    Es256,
    /// ECDSA on P-384 with SHA-384.
    #[value(name = "ES384")]
    Es384,
    /// ECDSA on P-521 with SHA-512.
    #[value(name = "ES512")]
    Es512,
    /// RSASSA-PKCS1-v1_5 with SHA-256; keys of at least 2048 bits.
    #[value(name = "RS256")]
    Rs256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    #[value(name = "RS384")]
    Rs384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    #[value(name = "RS512")]
    Rs512,
    /// RSASSA-PSS with SHA-256.
    #[value(name = "PS256")]
    Ps256,
    /// RSASSA-PSS with SHA-384.
    #[value(name = "PS384")]
    Ps384,
    /// RSASSA-PSS with SHA-512.
    #[value(name = "PS512")]
    Ps512,
}

/// Every algorithm, for lookups by name.
const ALL: [Alg; 13] = [
    Alg::Hs256,
    Alg::Hs384,
    Alg::Hs512,
    Alg::EdDsa,
    Alg::Es256,
    Alg::Es384,
    Alg::Es512,
    Alg::Rs256,
    Alg::Rs384,
    Alg::Rs512,
    Alg::Ps256,
    Alg::Ps384,
    Alg::Ps512,
];

impl Alg {
    pub fn name(self) -> &'static str {
        match self {
            Alg::Hs256 => "HS256",
            Alg::Hs384 => "HS384",
            Alg::Hs512 => "HS512",
            Alg::EdDsa => "EdDSA",
            Alg::Es256 => "ES256",
            Alg::Es384 => "ES384",
            Alg::Es512 => "ES512",
            Alg::Rs256 => "RS256",
            Alg::Rs384 => "RS384",
            Alg::Rs512 => "RS512",
            Alg::Ps256 => "PS256",
            Alg::Ps384 => "PS384",
            Alg::Ps512 => "PS512",
        }
    }

    /// The algorithm a header `alg` names, if the library implements it (exact spelling).
    pub fn from_name(name: &str) -> Option<Alg> {
        ALL.into_iter().find(|alg| alg.name() == name)
    }

    /// HS256, HS384 or HS512: a shared secret rather than a key pair.
    pub fn is_hmac(self) -> bool {
        matches!(self, Alg::Hs256 | Alg::Hs384 | Alg::Hs512)
    }

    /// The signature's length in bytes, when the algorithm fixes it (RSA's is the modulus
    /// length, which depends on the key). For HMAC it is also the minimum key length.
    pub fn signature_len(self) -> Option<usize> {
        match self {
            Alg::Hs256 => Some(32),
            Alg::Hs384 => Some(48),
            Alg::Hs512 | Alg::EdDsa | Alg::Es256 => Some(64),
            Alg::Es384 => Some(96),
            Alg::Es512 => Some(132),
            Alg::Rs256 | Alg::Rs384 | Alg::Rs512 | Alg::Ps256 | Alg::Ps384 | Alg::Ps512 => None,
        }
    }
}

/// An algorithm's types: the library's marker and a claims type.
pub trait Family {
    type Algorithm: jwt_runtime::HmacAlgorithm;
    /// A claims type with no fields: it accepts any payload, and the library still validates
    /// every registered claim the token carries (`exp`, `nbf`, `iat`, `iss`, `aud`, `sub`).
    type Claims: for<'de> DecodeClaims<'de> + Claims<Algorithm = Self::Algorithm, Replay = Reusable>;
}

/// Any HS256 payload.
#[derive(Claims)]
#[claims(alg = "HS256")]
pub struct AnyHs256 {}

/// Any HS384 payload.
#[derive(Claims)]
#[claims(alg = "HS384")]
pub struct AnyHs384 {}

/// Any HS512 payload.
#[derive(Claims)]
#[claims(alg = "HS512")]
pub struct AnyHs512 {}

pub struct Hs256Family;
pub struct Hs384Family;
pub struct Hs512Family;

impl Family for Hs256Family {
    type Algorithm = Hs256;
    type Claims = AnyHs256;
}

impl Family for Hs384Family {
    type Algorithm = Hs384;
    type Claims = AnyHs384;
}

impl Family for Hs512Family {
    type Algorithm = Hs512;
    type Claims = AnyHs512;
}

/// Calls `$function::<Family>($args)` for the HMAC family of `$alg`, else evaluates
/// `$public` (the public-key families, in `public.rs`).
macro_rules! with_family {
    ($alg:expr, $($function:ident)::+($($arg:expr),* $(,)?), else $public:expr) => {
        match $alg {
            $crate::alg::Alg::Hs256 => $($function)::+::<$crate::alg::Hs256Family>($($arg),*),
            $crate::alg::Alg::Hs384 => $($function)::+::<$crate::alg::Hs384Family>($($arg),*),
            $crate::alg::Alg::Hs512 => $($function)::+::<$crate::alg::Hs512Family>($($arg),*),
            _ => $public,
        }
    };
}
pub(crate) use with_family;
