//! Private-key rotation for an issuer of public-key tokens (`PrivateKeySet`): the life
//! cycle add -> promote -> retire as verifiers see it through the published JWKS, for each
//! family with key generation (EdDSA, ES256, ES512). RSA keys rotate the same way (the set
//! is generic); they are not generated here because the backend has no RSA key generation.

use jwt_runtime::{
    Claims, DecodeClaims, EcdsaPrivateKey, Ed25519PrivateKey, Error, Es256, Es512PrivateKey,
    FixedClock, KeyError, NumericDate, PrivateKey, PrivateKeySet, PublicKey, PublicKeySet,
    RotationError, Validation, VerifyingKeys, dangerous, replay::Reusable,
};

const NOW: i64 = 1_700_000_000;

fn validation() -> Validation<FixedClock> {
    Validation::new().clock(FixedClock(NumericDate::from_secs(NOW)))
}

macro_rules! session_type {
    ($name:ident, $alg:literal) => {
        #[derive(Claims, Debug, PartialEq)]
        #[claims(alg = $alg)]
        struct $name {
            sub: String,
            exp: NumericDate,
        }

        impl Default for $name {
            fn default() -> Self {
                $name {
                    sub: "user-42".into(),
                    exp: NumericDate::from_secs(NOW + 600),
                }
            }
        }
    };
}

session_type!(EdSession, "EdDSA");
session_type!(Es256Session, "ES256");
session_type!(Es512Session, "ES512");

/// What a verifier holds: the issuer's JWKS as last fetched.
fn fetch<P: PrivateKey>(issuer: &PrivateKeySet<P>) -> PublicKeySet<P::Public> {
    PublicKeySet::from_jwks(&issuer.jwks()).unwrap()
}

fn kid_of<C: Claims + for<'de> DecodeClaims<'de>>(token: &str) -> String {
    dangerous::peek::<C>(token)
        .unwrap()
        .header()
        .kid()
        .unwrap()
        .to_owned()
}

fn life_cycle<C, P>(generate: impl Fn() -> P)
where
    C: Claims<Replay = Reusable>
        + for<'de> DecodeClaims<'de>
        + Default
        + PartialEq
        + std::fmt::Debug,
    P: PrivateKey,
    P::Public: PublicKey<Algorithm = C::Algorithm>,
    PublicKeySet<P::Public>: VerifyingKeys<C::Algorithm>,
    PrivateKeySet<P>: jwt_runtime::SigningKey<C::Algorithm>,
{
    let october = generate().with_kid("2026-10").unwrap();
    let november = generate().with_kid("2026-11").unwrap();
    let mut issuer = PrivateKeySet::new(october);

    // One key: tokens carry its kid and verify with the published JWKS.
    let old_token = C::default().encode(&issuer).unwrap();
    assert_eq!(kid_of::<C>(&old_token), "2026-10");
    let before_add = fetch(&issuer);
    assert_eq!(before_add.len(), 1);
    assert_eq!(
        validation()
            .decode::<C, _>(&old_token, &before_add)
            .unwrap(),
        C::default()
    );

    // Add the next key: published at once, not yet signing.
    issuer.add(november).unwrap();
    assert_eq!(issuer.current().public_key().kid(), "2026-10");
    assert_eq!(
        kid_of::<C>(&C::default().encode(&issuer).unwrap()),
        "2026-10"
    );
    let after_add = fetch(&issuer);
    assert_eq!(after_add.len(), 2);
    assert!(
        !issuer.jwks().contains(r#""d""#),
        "the JWKS holds no private member"
    );

    // Promote it: new tokens carry its kid; tokens signed before still verify.
    issuer.promote("2026-11").unwrap();
    let new_token = C::default().encode(&issuer).unwrap();
    assert_eq!(kid_of::<C>(&new_token), "2026-11");
    assert!(validation().decode::<C, _>(&new_token, &after_add).is_ok());
    assert!(validation().decode::<C, _>(&old_token, &after_add).is_ok());
    // A verifier still on the JWKS fetched before the add does not know the new key: why
    // the next key is added (and published) before it is promoted.
    assert!(matches!(
        validation().decode::<C, _>(&new_token, &before_add),
        Err(Error::UnknownKeyId { kid: Some(kid) }) if kid == "2026-11"
    ));

    // The current key cannot be retired, an unknown one neither; ids stay unique.
    assert_eq!(
        issuer.retire("2026-11").unwrap_err(),
        RotationError::RetiringCurrentKey("2026-11".into())
    );
    assert_eq!(
        issuer.promote("2026-12").unwrap_err(),
        RotationError::UnknownKeyId("2026-12".into())
    );
    assert_eq!(
        issuer
            .add(generate().with_kid("2026-10").unwrap())
            .unwrap_err(),
        KeyError::DuplicateKeyId("2026-10".into())
    );

    // Retire the old key: it leaves the JWKS, and its tokens fail with the unknown-kid
    // error, before any signature check; the new key's tokens still verify.
    let retired = issuer.retire("2026-10").unwrap();
    assert_eq!(retired.public_key().kid(), "2026-10");
    assert_eq!(issuer.len(), 1);
    assert!(issuer.get("2026-10").is_none());
    let after_retire = fetch(&issuer);
    assert!(matches!(
        validation().decode::<C, _>(&old_token, &after_retire),
        Err(Error::UnknownKeyId { kid: Some(kid) }) if kid == "2026-10"
    ));
    assert!(
        validation()
            .decode::<C, _>(&new_token, &after_retire)
            .is_ok()
    );
    assert_eq!(
        issuer.retire("2026-10").unwrap_err(),
        RotationError::UnknownKeyId("2026-10".into())
    );
}

#[test]
fn eddsa_rotation_life_cycle() {
    life_cycle::<EdSession, _>(|| Ed25519PrivateKey::generate().unwrap());
}

#[test]
fn es256_rotation_life_cycle() {
    life_cycle::<Es256Session, _>(|| EcdsaPrivateKey::<Es256>::generate().unwrap());
}

#[test]
fn es512_rotation_life_cycle() {
    life_cycle::<Es512Session, _>(|| Es512PrivateKey::generate().unwrap());
}

/// Promoting keeps the order of the other keys (the JWKS changes only by the moved key),
/// and the builder form matches `KeySet::with_key`.
#[test]
fn promote_moves_only_the_promoted_key() {
    let key = |kid: &str| {
        Ed25519PrivateKey::generate()
            .unwrap()
            .with_kid(kid)
            .unwrap()
    };
    let mut issuer = PrivateKeySet::new(key("a"))
        .with_key(key("b"))
        .unwrap()
        .with_key(key("c"))
        .unwrap();
    let order = |issuer: &PrivateKeySet<Ed25519PrivateKey>| -> Vec<String> {
        issuer.iter().map(|key| key.kid().to_owned()).collect()
    };
    assert_eq!(order(&issuer), ["a", "b", "c"]);
    issuer.promote("c").unwrap();
    assert_eq!(order(&issuer), ["c", "a", "b"]);
    issuer.promote("c").unwrap();
    assert_eq!(order(&issuer), ["c", "a", "b"]);
    issuer.promote("b").unwrap();
    assert_eq!(order(&issuer), ["b", "c", "a"]);
    assert_eq!(issuer.current().kid(), "b");
    let kids: Vec<String> = issuer
        .public_set()
        .iter()
        .map(|key| key.kid().to_owned())
        .collect();
    assert_eq!(kids, ["b", "c", "a"]);
    assert!(format!("{issuer:?}").contains("[redacted]"));
}
