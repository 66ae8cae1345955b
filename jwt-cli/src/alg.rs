//! The three HMAC algorithms, each with a claims type that reads any payload.

use jwt_runtime::replay::Reusable;
use jwt_runtime::{Claims, DecodeClaims, Hs256, Hs384, Hs512};

/// `--alg`: the algorithms the library implements. Public-key algorithms (RS*, PS*, ES*,
/// EdDSA) do not exist in it yet, so they cannot be chosen here.
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
}

impl Alg {
    pub fn name(self) -> &'static str {
        match self {
            Alg::Hs256 => "HS256",
            Alg::Hs384 => "HS384",
            Alg::Hs512 => "HS512",
        }
    }

    /// The algorithm a header `alg` names, if the library implements it.
    pub fn from_name(name: &str) -> Option<Alg> {
        match name {
            "HS256" => Some(Alg::Hs256),
            "HS384" => Some(Alg::Hs384),
            "HS512" => Some(Alg::Hs512),
            _ => None,
        }
    }

    /// The MAC length in bytes, which is also the minimum key length.
    pub fn mac_len(self) -> usize {
        match self {
            Alg::Hs256 => 32,
            Alg::Hs384 => 48,
            Alg::Hs512 => 64,
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

/// Calls `$function::<Family>($args)` for the family of `$alg`.
macro_rules! with_family {
    ($alg:expr, $($function:ident)::+($($arg:expr),* $(,)?)) => {
        match $alg {
            $crate::alg::Alg::Hs256 => $($function)::+::<$crate::alg::Hs256Family>($($arg),*),
            $crate::alg::Alg::Hs384 => $($function)::+::<$crate::alg::Hs384Family>($($arg),*),
            $crate::alg::Alg::Hs512 => $($function)::+::<$crate::alg::Hs512Family>($($arg),*),
        }
    };
}
pub(crate) use with_family;
