//! Exit codes, one per class of failure, and the error type that carries them.

use std::fmt;

/// The documented exit codes (see the README's table). Codes 1 and 2 follow the usual Unix
/// meaning; token errors start at 10 so that they never collide with a shell's own codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Any other failure (e.g. the operating system's RNG failed).
    Other = 1,
    /// The command line is wrong (also clap's own code for this).
    Usage = 2,
    /// A file or standard input could not be read, or output not written.
    Io = 3,
    /// The key is not usable: not base64url, shorter than the algorithm requires, bad `kid`.
    Key = 4,
    /// The token is not a well-formed JWS: length, shape, base64url, JSON, duplicate
    /// members, JWE.
    Malformed = 10,
    /// The header is refused: `alg`, `crit`, `typ`, `kid`.
    Header = 11,
    /// The signature does not verify.
    Signature = 12,
    /// A time claim fails: expired, not yet valid, issued in the future.
    Time = 13,
    /// Another claim fails: `iss`, `aud`, `sub`, a missing or mistyped claim.
    Claims = 14,
}

impl Exit {
    /// The class of a library error.
    pub fn of(error: &jwt_runtime::Error) -> Exit {
        use jwt_runtime::Error;
        match error {
            Error::TooLarge { .. }
            | Error::JweNotSupported
            | Error::Malformed { .. }
            | Error::DuplicateMember { .. } => Exit::Malformed,
            Error::Algorithm { .. }
            | Error::Crit
            | Error::TokenType { .. }
            | Error::UnknownKeyId { .. } => Exit::Header,
            Error::Signature => Exit::Signature,
            Error::Expired { .. }
            | Error::NotYetValid { .. }
            | Error::IssuedInFuture { .. }
            | Error::IssuedTooLongAgo { .. } => Exit::Time,
            Error::Issuer
            | Error::Audience
            | Error::Subject
            | Error::MissingClaim { .. }
            | Error::ClaimType { .. }
            | Error::InvalidClaim { .. } => Exit::Claims,
            // Replay and store errors cannot arise without a replay store; a variant added to
            // the library later lands here until it gets a class.
            _ => Exit::Other,
        }
    }

    /// The class's name in `--json` output.
    pub fn name(self) -> &'static str {
        match self {
            Exit::Other => "other",
            Exit::Usage => "usage",
            Exit::Io => "io",
            Exit::Key => "key",
            Exit::Malformed => "malformed",
            Exit::Header => "header",
            Exit::Signature => "signature",
            Exit::Time => "time",
            Exit::Claims => "claims",
        }
    }
}

/// A failure: what to print, a hint, and the exit code.
#[derive(Debug)]
pub struct CliError {
    pub exit: Exit,
    pub message: String,
    pub hint: Option<String>,
}

impl CliError {
    pub fn new(exit: Exit, message: impl Into<String>) -> Self {
        CliError {
            exit,
            message: message.into(),
            hint: None,
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn usage(message: impl Into<String>) -> Self {
        CliError::new(Exit::Usage, message)
    }
}

impl From<jwt_runtime::Error> for CliError {
    fn from(error: jwt_runtime::Error) -> Self {
        CliError::new(Exit::of(&error), error.to_string())
    }
}

impl From<jwt_runtime::KeyError> for CliError {
    fn from(error: jwt_runtime::KeyError) -> Self {
        let hint = match error {
            jwt_runtime::KeyError::Base64 => Some(
                "keys are read as base64url (as `jwt keygen` prints them); \
                 pass `--key-format raw` to use the key's bytes as they are",
            ),
            jwt_runtime::KeyError::TooShort { .. } => Some(
                "the library refuses keys shorter than the hash output, so a token signed \
                     with a shorter one cannot be verified; `jwt keygen --alg ...` makes a key \
                     of the right length",
            ),
            _ => None,
        };
        let error = CliError::new(Exit::Key, error.to_string());
        match hint {
            Some(hint) => error.with_hint(hint),
            None => error,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}
