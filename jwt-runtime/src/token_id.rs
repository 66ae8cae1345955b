//! Fresh token ids for the `jti` claim.

use core::fmt;

/// Length in bytes of the random part of [`random_token_id`]: 128 bits, enough that two ids
/// never collide in practice and none can be guessed.
pub const TOKEN_ID_BYTES: usize = 16;

/// A fresh token id for `jti`: 128 bits from the operating system's RNG, as base64url
/// (22 URL-safe characters).
///
/// # Errors
///
/// [`RandomnessUnavailable`] when the operating system's RNG fails; the token must then not
/// be issued (an id that is not random could be guessed and burnt by an attacker).
///
/// # Examples
///
/// ```
/// let id = jwt_runtime::random_token_id()?;
/// assert_eq!(id.len(), 22);
/// assert!(id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
/// # Ok::<(), jwt_runtime::RandomnessUnavailable>(())
/// ```
pub fn random_token_id() -> Result<String, RandomnessUnavailable> {
    let mut bytes = [0_u8; TOKEN_ID_BYTES];
    getrandom::fill(&mut bytes).map_err(|_| RandomnessUnavailable)?;
    Ok(crate::base64url::encode(&bytes))
}

/// The operating system's random number generator failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RandomnessUnavailable;

impl fmt::Display for RandomnessUnavailable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the operating system's random number generator failed")
    }
}

impl std::error::Error for RandomnessUnavailable {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_fresh_and_url_safe() {
        let ids: std::collections::HashSet<String> =
            (0..1000).map(|_| random_token_id().unwrap()).collect();
        assert_eq!(ids.len(), 1000);
        for id in &ids {
            assert_eq!(
                crate::base64url::decode(id.as_bytes()).unwrap().len(),
                TOKEN_ID_BYTES
            );
        }
    }
}
