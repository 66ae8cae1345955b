//! Tokens, keys and claims from an argument, `@FILE` or `-` (standard input).

use std::io::Read as _;

use zeroize::Zeroizing;

use crate::exit::{CliError, Exit};

/// How `--key` is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum KeyFormat {
    /// Strict base64url (URL alphabet, no padding), as `jwt keygen` prints; surrounding
    /// whitespace, such as a file's final newline, is ignored.
    Base64url,
    /// The bytes as they are: the argument's UTF-8, or a file's or standard input's exact
    /// bytes, a final newline included.
    Raw,
}

/// Where a value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source<'a> {
    Literal(&'a str),
    File(&'a str),
    Stdin,
}

impl<'a> Source<'a> {
    pub fn parse(arg: &'a str) -> Self {
        match arg {
            "-" => Source::Stdin,
            _ => match arg.strip_prefix('@') {
                Some(path) => Source::File(path),
                None => Source::Literal(arg),
            },
        }
    }
}

/// Reads inputs, allowing standard input to be used once.
#[derive(Debug, Default)]
pub struct Inputs {
    stdin_used_for: Option<&'static str>,
}

impl Inputs {
    /// The bytes of `arg`, for a value called `what` in messages.
    fn bytes(&mut self, what: &'static str, arg: &str) -> Result<Zeroizing<Vec<u8>>, CliError> {
        match Source::parse(arg) {
            Source::Literal(text) => Ok(Zeroizing::new(text.as_bytes().to_vec())),
            Source::File(path) => std::fs::read(path).map(Zeroizing::new).map_err(|error| {
                CliError::new(
                    Exit::Io,
                    format!("cannot read the {what} from {path:?}: {error}"),
                )
            }),
            Source::Stdin => {
                if let Some(first) = self.stdin_used_for {
                    return Err(CliError::usage(format!(
                        "standard input (`-`) is already the {first}; give the {what} as an \
                         argument or `@FILE`"
                    )));
                }
                self.stdin_used_for = Some(what);
                let mut bytes = Zeroizing::new(Vec::new());
                std::io::stdin().read_to_end(&mut bytes).map_err(|error| {
                    CliError::new(
                        Exit::Io,
                        format!("cannot read the {what} from standard input: {error}"),
                    )
                })?;
                Ok(bytes)
            }
        }
    }

    /// A token: a literal is taken exactly as given; from a file or standard input, the
    /// surrounding whitespace (a final newline) is removed.
    pub fn token(&mut self, arg: &str) -> Result<String, CliError> {
        let literal = matches!(Source::parse(arg), Source::Literal(_));
        let bytes = self.bytes("token", arg)?;
        let text = String::from_utf8(bytes.to_vec())
            .map_err(|_| CliError::new(Exit::Malformed, "the token is not UTF-8 text"))?;
        Ok(if literal {
            text
        } else {
            text.trim().to_owned()
        })
    }

    /// A public-key algorithm's key: PEM or JWK text, surrounding whitespace removed.
    pub fn key_text(&mut self, arg: &str) -> Result<Zeroizing<String>, CliError> {
        let bytes = self.literal_checked_key(arg)?;
        std::str::from_utf8(&bytes)
            .map(|text| Zeroizing::new(text.trim().to_owned()))
            .map_err(|_| CliError::new(Exit::Key, "the key is not text (PEM or JWK expected)"))
    }

    /// The key's bytes, with a warning when it was given literally.
    fn literal_checked_key(&mut self, arg: &str) -> Result<Zeroizing<Vec<u8>>, CliError> {
        if matches!(Source::parse(arg), Source::Literal(_)) {
            eprintln!(
                "warning: a key given on the command line is saved in the shell history and \
                 visible to other users in the process list; prefer `--key @FILE` or `--key -` \
                 (standard input)"
            );
        }
        self.bytes("key", arg)
    }

    /// A text value such as `--claims`, surrounding whitespace removed.
    pub fn text(&mut self, what: &'static str, arg: &str) -> Result<String, CliError> {
        let bytes = self.bytes(what, arg)?;
        String::from_utf8(bytes.to_vec())
            .map(|text| text.trim().to_owned())
            .map_err(|_| CliError::usage(format!("the {what} is not UTF-8 text")))
    }

    /// The key's bytes. A key given literally prints a warning: it is now in the shell
    /// history and, while the command runs, in the process list.
    pub fn key(&mut self, arg: &str, format: KeyFormat) -> Result<Zeroizing<Vec<u8>>, CliError> {
        let source = Source::parse(arg);
        let bytes = self.literal_checked_key(arg)?;
        match format {
            KeyFormat::Base64url => {
                let text = std::str::from_utf8(&bytes)
                    .map_err(|_| CliError::from(jwt_runtime::KeyError::Base64))?;
                let trimmed = text.trim();
                jwt_runtime::base64url::decode(trimmed.as_bytes())
                    .map(Zeroizing::new)
                    .map_err(|_| {
                        let error = CliError::from(jwt_runtime::KeyError::Base64);
                        if trimmed.starts_with("-----BEGIN") || trimmed.starts_with('{') {
                            error.with_hint(
                                "this is a PEM or JWK key: name its algorithm with --alg \
                                 (EdDSA, ES256, ES384, RS256, PS256, ...)",
                            )
                        } else {
                            error
                        }
                    })
            }
            KeyFormat::Raw => {
                if !matches!(source, Source::Literal(_)) && bytes.ends_with(b"\n") {
                    eprintln!(
                        "note: the raw key ends with a newline, which is part of the key \
                         (write key files with `printf`, not `echo`)"
                    );
                }
                Ok(bytes)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources() {
        assert_eq!(Source::parse("-"), Source::Stdin);
        assert_eq!(Source::parse("@key.txt"), Source::File("key.txt"));
        assert_eq!(Source::parse("eyJ"), Source::Literal("eyJ"));
        assert_eq!(Source::parse("@"), Source::File(""));
    }
}
