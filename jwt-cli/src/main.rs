//! `jwt`: decode, verify and sign JSON Web Tokens with jwt-runtime's strict decoder, so that
//! what the tool says about a token is what the library does with it.

mod alg;
mod exit;
mod input;
mod inspect;
mod json;
mod public;
mod render;
mod sign;
mod style;
mod time;

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{CommandFactory as _, Parser, Subcommand};
use jwt_runtime::{Clock as _, NumericDate, SystemClock};

use crate::alg::{Alg, with_family};
use crate::exit::{CliError, Exit};
use crate::input::{Inputs, KeyFormat};
use crate::public::with_public_family;
use crate::style::{ColorChoice, Style};

/// The exit-code table, shown by `--help` (one text for every command).
macro_rules! exit_codes {
    () => {
        "Exit codes:
  0   success: the token is valid (verify), strict decoding found nothing (decode)
  1   other failure
  2   usage error (bad option, bad --claims, standard input used twice)
  3   I/O error (a file or standard input could not be read, output not written)
  4   key error (not base64url, too short for the algorithm, bad --kid)
  10  malformed token (length, shape, base64url, JSON, duplicate members, JWE)
  11  header refused (alg, crit, typ, kid)
  12  signature does not verify
  13  time claim failed (expired, not yet valid, issued in the future)
  14  other claim failed (iss, aud, sub, a mistyped claim)"
    };
}

const EXIT_CODES: &str = exit_codes!();

const EXAMPLES_AND_EXIT_CODES: &str = concat!(
    "\
Examples:
  jwt decode eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZGEifQ.c2ln   # show a token, unverified
  jwt keygen --out key.b64                                # a new key, readable by you only
  jwt encode --key @key.b64 --claims '{\"sub\":\"ada\"}' --exp 15m --iat > token.jwt
  jwt verify @token.jwt --key @key.b64 --aud api
  jwt verify @token.jwt --alg ES256 --jwks https://issuer.example/.well-known/jwks.json

",
    exit_codes!()
);

/// Decode, verify and sign JSON Web Tokens with jwt-runtime's strict decoder.
///
/// Tokens, keys and claims are read from an argument, from a file (`@FILE`) or from standard
/// input (`-`). HMAC keys are base64url unless `--key-format raw` is given; public-key
/// algorithms (EdDSA, ES256/384/512, RS/PS 256/384/512) take PEM or JWK keys, and `verify` a
/// JWKS (`--jwks FILE|URL`).
#[derive(Debug, Parser)]
#[command(
    name = "jwt",
    version,
    arg_required_else_help = true,
    after_long_help = EXAMPLES_AND_EXIT_CODES
)]
struct Cli {
    #[command(subcommand)]
    command: Command,

    /// When to colour output.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, display_order = 100)]
    color: ColorChoice,

    /// "Now" in seconds since the epoch instead of the system clock, to replay a decision.
    #[arg(long, global = true, hide = true, allow_negative_numbers = true)]
    now: Option<i64>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Show a token's header and claims WITHOUT verifying it, with every finding of the
    /// library's strict decoder.
    ///
    /// Times are shown in UTC and relative to now. Exits 0 when strict decoding finds
    /// nothing, else with the code of the first finding (see `jwt --help`); the signature and
    /// the claims are not checked: use `jwt verify` for that.
    #[command(after_long_help = EXIT_CODES)]
    Decode {
        /// The token: TOKEN, @FILE or - (standard input).
        #[arg(value_name = "TOKEN|@FILE|-")]
        token: String,

        /// Print plain JSON: {"verified": false, "header", "payload", "signature", "findings"}.
        #[arg(long)]
        json: bool,
    },

    /// Verify a token's signature and claims exactly as the library does.
    ///
    /// Runs the library's full pipeline: length, shape, header (the --alg algorithm only;
    /// `none` never passes), signature, payload, then `exp`, `nbf`, `iat`, and the expected
    /// `iss`, `aud`, `sub`. A token carrying `aud` is refused unless --aud names one of its
    /// audiences. Errors are the library's own messages; each class has its exit code.
    #[command(after_long_help = EXIT_CODES)]
    Verify {
        /// The token: TOKEN, @FILE or - (standard input).
        #[arg(value_name = "TOKEN|@FILE|-")]
        token: String,

        #[command(flatten)]
        key: VerifyKeyArgs,

        /// The algorithm the token must use; the header's `alg` is never trusted to choose.
        #[arg(long, value_enum, ignore_case = true, default_value_t = Alg::Hs256)]
        alg: Alg,

        /// The token type (header `typ`) required, e.g. `at+jwt` (RFC 9068 access tokens).
        /// Without it, as for a claims type that declares none: `typ` absent or `JWT`.
        #[arg(long, value_name = "TYP")]
        typ: Option<String>,

        /// The exact issuer (`iss`) required.
        #[arg(long, value_name = "ISSUER")]
        iss: Option<String>,

        /// An accepted audience: the token's `aud` must contain one. Repeatable.
        #[arg(long, value_name = "AUDIENCE")]
        aud: Vec<String>,

        /// The exact subject (`sub`) required.
        #[arg(long, value_name = "SUBJECT")]
        sub: Option<String>,

        /// Tolerated clock skew for `exp`, `nbf` and `iat`, e.g. 30s, 5m (units s, m, h, d).
        #[arg(long, value_name = "DURATION", value_parser = time::parse_duration)]
        leeway: Option<Duration>,

        /// Print plain JSON: {"valid", "header", "payload"} or {"valid", "error", "class",
        /// "exit_code"}.
        #[arg(long)]
        json: bool,
    },

    /// Sign claims into a token with the header the library writes.
    ///
    /// The token is decoded by the library before it is printed, so it round-trips through
    /// `jwt verify` and through the library.
    #[command(after_long_help = EXIT_CODES)]
    Encode {
        #[command(flatten)]
        key: KeyArgs,

        /// The claims, a JSON object: JSON, @FILE or - (standard input).
        #[arg(long, value_name = "JSON|@FILE|-", default_value = "{}")]
        claims: String,

        /// Set `exp` to now plus this duration, e.g. 15m (units s, m, h, d).
        #[arg(long, value_name = "DURATION", value_parser = time::parse_duration)]
        exp: Option<Duration>,

        /// Set `iat` to now.
        #[arg(long)]
        iat: bool,

        /// Set `jti` to 128 random bits, base64url.
        #[arg(long)]
        jti: bool,

        /// Put this key id in the header (`kid`), for verifiers with several keys.
        #[arg(long, value_name = "KID")]
        kid: Option<String>,

        /// The algorithm.
        #[arg(long, value_enum, ignore_case = true, default_value_t = Alg::Hs256)]
        alg: Alg,
    },

    /// Generate a random HMAC key, printed as base64url.
    ///
    /// The key has the hash's length (32, 48 or 64 bytes). For a public-key algorithm it
    /// prints the `openssl` commands that make a key pair instead.
    Keygen {
        /// The algorithm the key is for.
        #[arg(long, value_enum, ignore_case = true, default_value_t = Alg::Hs256)]
        alg: Alg,

        /// Write the key to this new file (readable by its owner only) instead of standard
        /// output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },

    /// Print a shell completion script.
    ///
    /// For example `jwt completions bash > ~/.local/share/bash-completion/completions/jwt`,
    /// or `jwt completions zsh > ~/.zfunc/_jwt`.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, clap::Args)]
struct KeyArgs {
    /// The key: KEY, @FILE or - (standard input). HMAC: the secret; public-key algorithms:
    /// the private key as a PKCS#8 PEM block or a private JWK. A key given literally prints
    /// a warning: it ends up in the shell history.
    #[arg(long, value_name = "KEY|@FILE|-")]
    key: String,

    /// How the key is written: base64url (as `jwt keygen` prints it; surrounding whitespace
    /// ignored) or raw (the exact bytes, e.g. a text secret shared with another library).
    #[arg(long, value_enum, default_value_t = KeyFormat::Base64url)]
    key_format: KeyFormat,
}

#[derive(Debug, clap::Args)]
struct VerifyKeyArgs {
    /// The key: KEY, @FILE or - (standard input). HMAC: the secret; public-key algorithms:
    /// a public key as a `PUBLIC KEY` PEM block, a public JWK, or a JWKS document. A key
    /// given literally prints a warning: it ends up in the shell history.
    #[arg(long, value_name = "KEY|@FILE|-", required_unless_present = "jwks")]
    key: Option<String>,

    /// How an HMAC key is written: base64url (as `jwt keygen` prints it; surrounding
    /// whitespace ignored) or raw (the exact bytes, e.g. a text secret shared with another
    /// library).
    #[arg(long, value_enum, default_value_t = KeyFormat::Base64url)]
    key_format: KeyFormat,

    /// Public-key algorithms: the key set (JWKS) to verify with, a file (@FILE or -) or an
    /// `https` URL (http only to a loopback address); the token's `kid` selects the key.
    #[arg(long, value_name = "@FILE|-|URL", conflicts_with = "key")]
    jwks: Option<String>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let style = Style::for_stdout(cli.color);
    // Read only by the commands that use "now": `--help`, `keygen` and `completions` never
    // touch the clock.
    let now = || {
        cli.now
            .map_or_else(|| SystemClock.now(), NumericDate::from_secs)
    };
    match run(cli.command, now, &style) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {}", error.message);
            if let Some(hint) = &error.hint {
                eprintln!("hint: {hint}");
            }
            ExitCode::from(error.exit as u8)
        }
    }
}

fn run(command: Command, now: impl Fn() -> NumericDate, style: &Style) -> Result<(), CliError> {
    let mut inputs = Inputs::default();
    match command {
        Command::Decode { token, json } => {
            let token = inputs.token(&token)?;
            let now = now();
            let inspection = inspect::inspect(&token, now)?;
            let shown = if json {
                render::decode_json(&inspection)
            } else {
                render::decode_text(&inspection, now, style)
            };
            print(&shown)?;
            inspection
                .result()
                .map_err(|error| render::with_token_hint(error, &token))
        }
        Command::Verify {
            token,
            key,
            alg,
            typ,
            iss,
            aud,
            sub,
            leeway,
            json,
        } => {
            let token = inputs.token(&token)?;
            let checks = sign::Checks {
                token_type: typ,
                issuer: iss,
                audience: aud,
                subject: sub,
                leeway,
            };
            let now = now();
            let verdict = if alg.is_hmac() {
                let Some(key_arg) = &key.key else {
                    return Err(CliError::new(
                        Exit::Usage,
                        format!("{} verifies with a shared secret: pass --key", alg.name()),
                    ));
                };
                let key_bytes = inputs.key(key_arg, key.key_format)?;
                with_family!(alg, sign::verify(&token, &key_bytes, &checks, now), else unreachable_hmac())?
            } else {
                let source = match (&key.key, &key.jwks) {
                    (_, Some(url)) if url.starts_with("https://") || url.starts_with("http://") => {
                        public::PublicKeySource::Url(url.clone())
                    }
                    (_, Some(file)) => public::PublicKeySource::Text(inputs.text("jwks", file)?),
                    (Some(key_arg), None) => {
                        public::PublicKeySource::Text(inputs.key_text(key_arg)?.to_string())
                    }
                    (None, None) => unreachable_key_or_jwks()?,
                };
                with_public_family!(alg, public::verify(&token, &source, &checks, now), else unreachable_hmac())?
            };
            match verdict {
                Ok(()) => {
                    let inspection = inspect::inspect(&token, now)?;
                    print(&if json {
                        render::verified_json(&inspection)
                    } else {
                        render::verified_text(&inspection, alg, now, style)
                    })
                }
                Err(error) => {
                    let failure = render::verify_error(&error, &token, &checks);
                    if json {
                        print(&render::failure_json(&failure))?;
                    }
                    Err(failure)
                }
            }
        }
        Command::Encode {
            key,
            claims,
            exp,
            iat,
            jti,
            kid,
            alg,
        } => {
            let key_bytes = if alg.is_hmac() {
                inputs.key(&key.key, key.key_format)?
            } else {
                let text = inputs.key_text(&key.key)?;
                zeroize::Zeroizing::new(text.as_bytes().to_vec())
            };
            let claims = inputs.text("claims", &claims)?;
            let additions = sign::Additions {
                expires_in: exp,
                issued_at: iat,
                jti,
                kid,
            };
            let now = now();
            let payload = sign::payload(&claims, &additions, now)?;
            let kid = additions.kid.as_deref();
            let token = with_family!(
                alg,
                sign::encode(&payload, &key_bytes, kid, now),
                else with_public_family!(
                    alg,
                    public::encode(&payload, &String::from_utf8_lossy(&key_bytes), kid, now),
                    else unreachable_hmac()
                )
            )?;
            print(&format!("{token}\n"))
        }
        Command::Keygen { alg, out } => keygen(alg, out),
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "jwt", &mut script);
            write_stdout(&script)
        }
    }
}

fn keygen(alg: Alg, out: Option<PathBuf>) -> Result<(), CliError> {
    let key = match alg {
        Alg::Hs256 => jwt_runtime::HmacKey::<jwt_runtime::Hs256>::generate_base64url(),
        Alg::Hs384 => jwt_runtime::HmacKey::<jwt_runtime::Hs384>::generate_base64url(),
        Alg::Hs512 => jwt_runtime::HmacKey::<jwt_runtime::Hs512>::generate_base64url(),
        _ => return Err(CliError::new(Exit::Usage, public::keygen_hint(alg))),
    }
    .map_err(|error| CliError::new(Exit::Other, error.to_string()))?;
    let note = format!(
        "{} key: {} random bytes, base64url. Keep it secret: in a secret manager or a file \
         only the service can read (chmod 600), never in the repository or the shell history. \
         Use it with `--key @FILE`.",
        alg.name(),
        alg.signature_len().unwrap_or_default()
    );
    match out {
        None => {
            eprintln!("{note}");
            print(&format!("{}\n", &*key))
        }
        Some(path) => {
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let written = options
                .open(&path)
                .and_then(|mut file| writeln!(file, "{}", &*key));
            written.map_err(|error| {
                CliError::new(
                    Exit::Io,
                    format!("cannot write the key to {}: {error}", path.display()),
                )
            })?;
            eprintln!("wrote {}. {note}", path.display());
            Ok(())
        }
    }
}

/// The dispatch macros cover every algorithm between them; this arm is never taken.
fn unreachable_hmac<T>() -> Result<T, CliError> {
    Err(CliError::new(
        Exit::Other,
        "no implementation for this algorithm",
    ))
}

/// clap requires `--key` or `--jwks`; this arm is never taken.
fn unreachable_key_or_jwks<T>() -> Result<T, CliError> {
    Err(CliError::new(Exit::Usage, "pass --key or --jwks"))
}

fn print(text: &str) -> Result<(), CliError> {
    write_stdout(text.as_bytes())
}

fn write_stdout(bytes: &[u8]) -> Result<(), CliError> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        // The reader has gone (`jwt completions bash | head`): nothing left to say.
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(error) => Err(CliError::new(
            Exit::Io,
            format!("cannot write the output: {error}"),
        )),
        Ok(()) => Ok(()),
    }
}
