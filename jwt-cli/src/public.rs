//! The public-key algorithms (EdDSA, ES256/384/512, RS/PS 256/384/512): keys read from PEM,
//! a JWK or a JWKS (a file or an `https` URL), and the same verify and encode steps as HMAC.

use jwt_runtime::replay::Reusable;
use jwt_runtime::{
    Claims, DecodeClaims, EcdsaPrivateKey, EcdsaPublicKey, Ed25519PrivateKey, Ed25519PublicKey,
    Error, Es256, Es384, Es512PrivateKey, Es512PublicKey, KeyError, NumericDate, Ps256, Ps384,
    Ps512, PublicKey, PublicKeySet, RemoteKeySet, Rs256, Rs384, Rs512, RsaPrivateKey, RsaPublicKey,
    TokenSigner, VerifyingKeys,
};

use crate::alg::Alg;
use crate::exit::{CliError, Exit};
use crate::json::Json;
use crate::sign::{self, Checks};

/// A public-key algorithm's types: a claims type that reads any payload, its public key and
/// its private key.
pub trait PublicFamily {
    type Claims: for<'de> DecodeClaims<'de> + Claims<Replay = Reusable>;
    type Public: PublicKey<Algorithm = <Self::Claims as Claims>::Algorithm>
        + VerifyingKeys<<Self::Claims as Claims>::Algorithm>;
    type Private: TokenSigner;

    /// Reads a private key: a `PRIVATE KEY` PEM block (PKCS#8) or a private JWK.
    fn private_key(text: &str) -> Result<Self::Private, KeyError>;
    /// Attaches a `kid` to a private key.
    fn with_kid(key: Self::Private, kid: &str) -> Result<Self::Private, KeyError>;
    /// The public half of a private key.
    fn public_of(key: &Self::Private) -> Self::Public;
    /// A public key of this algorithm that verifies nothing of interest, for probing the
    /// header checks of a token.
    fn probe_key() -> Result<Self::Public, KeyError>;
}

macro_rules! public_family {
    ($family:ident, $claims:ident, $alg:literal, $public:ty, $private:ty, $probe:expr) => {
        #[doc = concat!("Any ", $alg, " payload.")]
        #[derive(Claims)]
        #[claims(alg = $alg)]
        pub struct $claims {}

        pub struct $family;

        impl PublicFamily for $family {
            type Claims = $claims;
            type Public = $public;
            type Private = $private;

            fn private_key(text: &str) -> Result<$private, KeyError> {
                if text.starts_with('{') {
                    <$private>::from_jwk(text)
                } else {
                    <$private>::from_pem(text)
                }
            }

            fn with_kid(key: $private, kid: &str) -> Result<$private, KeyError> {
                key.with_kid(kid)
            }

            fn public_of(key: &$private) -> $public {
                key.public_key()
            }

            fn probe_key() -> Result<$public, KeyError> {
                $probe
            }
        }
    };
}

/// Any RSA public key: the probe only needs the header checks to run before the signature.
const PROBE_RSA_KEY: &str = include_str!("../../tests/data/keys/rsa2048.spki.pem");

public_family!(
    EdDsaFamily,
    AnyEdDsa,
    "EdDSA",
    Ed25519PublicKey,
    Ed25519PrivateKey,
    Ed25519PrivateKey::generate().map(|key| key.public_key())
);
public_family!(
    Es256Family,
    AnyEs256,
    "ES256",
    EcdsaPublicKey<Es256>,
    EcdsaPrivateKey<Es256>,
    EcdsaPrivateKey::<Es256>::generate().map(|key| key.public_key())
);
public_family!(
    Es384Family,
    AnyEs384,
    "ES384",
    EcdsaPublicKey<Es384>,
    EcdsaPrivateKey<Es384>,
    EcdsaPrivateKey::<Es384>::generate().map(|key| key.public_key())
);
public_family!(
    Es512Family,
    AnyEs512,
    "ES512",
    Es512PublicKey,
    Es512PrivateKey,
    Es512PrivateKey::generate().map(|key| key.public_key())
);
public_family!(
    Rs256Family,
    AnyRs256,
    "RS256",
    RsaPublicKey<Rs256>,
    RsaPrivateKey<Rs256>,
    RsaPublicKey::from_pem(PROBE_RSA_KEY)
);
public_family!(
    Rs384Family,
    AnyRs384,
    "RS384",
    RsaPublicKey<Rs384>,
    RsaPrivateKey<Rs384>,
    RsaPublicKey::from_pem(PROBE_RSA_KEY)
);
public_family!(
    Rs512Family,
    AnyRs512,
    "RS512",
    RsaPublicKey<Rs512>,
    RsaPrivateKey<Rs512>,
    RsaPublicKey::from_pem(PROBE_RSA_KEY)
);
public_family!(
    Ps256Family,
    AnyPs256,
    "PS256",
    RsaPublicKey<Ps256>,
    RsaPrivateKey<Ps256>,
    RsaPublicKey::from_pem(PROBE_RSA_KEY)
);
public_family!(
    Ps384Family,
    AnyPs384,
    "PS384",
    RsaPublicKey<Ps384>,
    RsaPrivateKey<Ps384>,
    RsaPublicKey::from_pem(PROBE_RSA_KEY)
);
public_family!(
    Ps512Family,
    AnyPs512,
    "PS512",
    RsaPublicKey<Ps512>,
    RsaPrivateKey<Ps512>,
    RsaPublicKey::from_pem(PROBE_RSA_KEY)
);

/// Calls `$function::<Family>($args)` for the public-key family of `$alg`; `$hmac` for an
/// HMAC algorithm.
macro_rules! with_public_family {
    ($alg:expr, $($function:ident)::+($($arg:expr),* $(,)?), else $hmac:expr) => {
        match $alg {
            $crate::alg::Alg::EdDsa => $($function)::+::<$crate::public::EdDsaFamily>($($arg),*),
            $crate::alg::Alg::Es256 => $($function)::+::<$crate::public::Es256Family>($($arg),*),
            $crate::alg::Alg::Es384 => $($function)::+::<$crate::public::Es384Family>($($arg),*),
            $crate::alg::Alg::Es512 => $($function)::+::<$crate::public::Es512Family>($($arg),*),
            $crate::alg::Alg::Rs256 => $($function)::+::<$crate::public::Rs256Family>($($arg),*),
            $crate::alg::Alg::Rs384 => $($function)::+::<$crate::public::Rs384Family>($($arg),*),
            $crate::alg::Alg::Rs512 => $($function)::+::<$crate::public::Rs512Family>($($arg),*),
            $crate::alg::Alg::Ps256 => $($function)::+::<$crate::public::Ps256Family>($($arg),*),
            $crate::alg::Alg::Ps384 => $($function)::+::<$crate::public::Ps384Family>($($arg),*),
            $crate::alg::Alg::Ps512 => $($function)::+::<$crate::public::Ps512Family>($($arg),*),
            _ => $hmac,
        }
    };
}
pub(crate) use with_public_family;

/// Where `jwt verify` finds a public key.
pub enum PublicKeySource {
    /// `--key`: a `PUBLIC KEY` PEM block, a public JWK, or a JWKS document.
    Text(String),
    /// `--jwks URL`: fetched once (https, or http to a loopback address).
    Url(String),
}

/// The verifying keys: one key (the token's `kid` is then not needed) or a key set (the
/// token's `kid` selects a key; an unknown `kid` is refused).
enum Keys<K: PublicKey> {
    One(K),
    Set(PublicKeySet<K>),
}

fn load<F: PublicFamily>(source: &PublicKeySource) -> Result<Keys<F::Public>, CliError> {
    let keys = match source {
        PublicKeySource::Url(url) => {
            let remote = RemoteKeySet::<F::Public>::from_url(url)?;
            let keys = remote.keys().map_err(|error| {
                CliError::new(
                    Exit::Key,
                    format!("cannot use the key set at {url}: {error}"),
                )
            })?;
            Keys::Set((*keys).clone())
        }
        PublicKeySource::Text(text) => {
            let text = text.trim();
            if text.starts_with('{') {
                let is_set = matches!(Json::parse(text.as_bytes()), Ok(Json::Object(members))
                    if members.iter().any(|(name, _)| name == "keys"));
                if is_set {
                    Keys::Set(PublicKeySet::from_jwks(text)?)
                } else {
                    Keys::One(F::Public::from_jwk(text)?)
                }
            } else {
                Keys::One(F::Public::from_pem(text)?)
            }
        }
    };
    Ok(keys)
}

/// `jwt verify` for a public-key algorithm; as [`sign::verify`].
pub fn verify<F: PublicFamily>(
    token: &str,
    source: &PublicKeySource,
    checks: &Checks,
    now: NumericDate,
) -> Result<Result<(), Error>, CliError> {
    let keys: Box<dyn VerifyingKeys<<F::Claims as Claims>::Algorithm>> = match load::<F>(source)? {
        Keys::One(key) => Box::new(key),
        Keys::Set(set) => Box::new(set),
    };
    Ok(sign::validation_for::<F::Claims>(checks, now)
        .decode::<F::Claims, _>(token, &*keys)
        .map(|_: F::Claims| ()))
}

/// `jwt encode` for a public-key algorithm: signs with the private key (whose `kid`, the
/// thumbprint unless `--kid` names another, goes into the header), then has the library
/// verify the token with the public half before it is printed.
pub fn encode<F: PublicFamily>(
    payload: &Json,
    key_text: &str,
    kid: Option<&str>,
    now: NumericDate,
) -> Result<String, CliError> {
    let mut key = F::private_key(key_text.trim())?;
    if let Some(kid) = kid {
        key = F::with_kid(key, kid)?;
    }
    let alg = <<F::Claims as Claims>::Algorithm as jwt_runtime::Algorithm>::NAME;
    let token = sign::sign_with(payload, &key, alg)?;
    sign::check_encoded::<F::Claims, _>(token, &F::public_of(&key), now)
}

/// The header checks of a public-key algorithm's token, run by verifying it with a key
/// that cannot match (see `inspect.rs`).
pub fn header_rules<F: PublicFamily>(
    token: &str,
    now: NumericDate,
    typ: Option<&str>,
) -> Result<Option<Error>, CliError> {
    let key = F::probe_key()?;
    let validation =
        crate::inspect::accepting_typ::<F::Claims>(sign::validation(&Checks::default(), now), typ);
    Ok(crate::inspect::finding_before_signature(
        validation.decode::<F::Claims, _>(token, &key),
    ))
}

/// The name of `alg` with a public-key note, for `jwt keygen`.
pub fn keygen_hint(alg: Alg) -> String {
    let command = match alg {
        Alg::EdDsa => "openssl genpkey -algorithm ed25519 -out private.pem",
        Alg::Es256 => {
            "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out private.pem"
        }
        Alg::Es384 => {
            "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out private.pem"
        }
        Alg::Es512 => {
            "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-521 -out private.pem"
        }
        _ => "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out private.pem",
    };
    format!(
        "`jwt keygen` makes HMAC keys only; for {} make a key pair with `{command}`, its public \
         half with `openssl pkey -in private.pem -pubout -out public.pem`; sign with \
         `--key @private.pem`, verify with `--key @public.pem`",
        alg.name()
    )
}
