//! The `jwt` binary, run as a user runs it: on tokens made by PyJWT (committed fixtures, see
//! `fixtures/make_pyjwt.py`), by the library, and on bad input of every kind.
//!
//! The binary is run with `std::process::Command` rather than `assert_cmd`: a few helpers
//! below do the same job without adding a dependency tree to the workspace. No test reads the
//! wall clock: every run passes `--now`.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use hmac::{KeyInit as _, Mac as _};
use jwt_runtime::{
    Claims, Error, FixedClock, HmacKey, Hs256, NumericDate, Validation, base64url, dangerous,
};
use serde_json::{Value, json};

/// "Now" for every run: 300 s after the fixtures' `iat`.
const NOW: i64 = 1_700_000_300;
const KEY: &[u8] = b"an example secret, 32 bytes long";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    /// The first `error:` line on stderr, without the prefix.
    fn error(&self) -> &str {
        self.stderr
            .lines()
            .find_map(|line| line.strip_prefix("error: "))
            .unwrap_or("")
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|error| panic!("not JSON ({error}): {}", self.stdout))
    }
}

fn jwt_with_input(args: &[&str], stdin: Option<&[u8]>) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_jwt"))
        .args(args)
        .env_remove("NO_COLOR")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the jwt binary runs");
    if let Some(input) = stdin {
        // A child that exits early closes its stdin; that is not the test's failure.
        let _ = child.stdin.take().unwrap().write_all(input);
    }
    let output = child.wait_with_output().unwrap();
    let run = Run {
        // A signal (no code) must fail every expectation below.
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    };
    assert!(
        !run.stderr.contains("panicked"),
        "jwt {args:?} panicked: {}",
        run.stderr
    );
    run
}

/// Runs `jwt` with `--now NOW`.
fn jwt(args: &[&str]) -> Run {
    jwt_at(NOW, args, None)
}

fn jwt_at(now: i64, args: &[&str], stdin: Option<&[u8]>) -> Run {
    let now = now.to_string();
    let mut all = args.to_vec();
    all.extend(["--now", &now]);
    jwt_with_input(&all, stdin)
}

/// A file in a fresh directory under the target directory (tests run in parallel: no two
/// calls share a file).
fn temp_file(name: &str, contents: &[u8]) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "jwt-cli-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

fn key_file() -> String {
    format!(
        "@{}",
        temp_file(
            "key.b64",
            format!("{}\n", base64url::encode(KEY)).as_bytes()
        )
        .display()
    )
}

fn b64(text: &str) -> String {
    base64url::encode(text.as_bytes())
}

/// A token with exactly this header and payload JSON, HS256-signed with `KEY`.
fn signed(header: &str, payload: &str) -> String {
    let signing_input = format!("{}.{}", b64(header), b64(payload));
    let mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(KEY)
        .unwrap()
        .chain_update(signing_input.as_bytes())
        .finalize()
        .into_bytes();
    format!("{signing_input}.{}", base64url::encode(&mac))
}

const HS256_HEADER: &str = r#"{"alg":"HS256","typ":"JWT"}"#;

#[derive(Claims)]
struct Any {}

/// The library's own verdict at `NOW`, for comparing messages.
fn library_verdict(token: &str) -> Result<(), Error> {
    Validation::new()
        .clock(FixedClock(NumericDate::from_secs(NOW)))
        .decode::<Any, _>(token, &HmacKey::<Hs256>::from_bytes(KEY).unwrap())
        .map(|_| ())
}

// ---------------------------------------------------------------------------------------
// Tokens made by PyJWT

fn pyjwt_cases() -> Vec<Value> {
    let fixtures: Value = serde_json::from_str(include_str!("fixtures/pyjwt.json")).unwrap();
    assert_eq!(fixtures["now"], NOW);
    fixtures["cases"].as_array().unwrap().clone()
}

#[test]
fn decodes_pyjwt_tokens_exactly() {
    for case in pyjwt_cases() {
        let token = case["token"].as_str().unwrap();
        let run = jwt(&["decode", token, "--json"]);
        assert_eq!(run.code, 0, "{}: {}", case["name"], run.stderr);
        let shown = run.json();
        assert_eq!(shown["verified"], false);
        assert_eq!(shown["payload"], case["claims"], "{}", case["name"]);
        assert_eq!(shown["header"]["alg"], case["alg"]);
        assert_eq!(shown["findings"], json!([]));
    }
}

#[test]
fn verifies_pyjwt_tokens_with_raw_and_base64url_keys() {
    for case in pyjwt_cases() {
        let name = case["name"].as_str().unwrap();
        let expected = match case["expect"].as_str().unwrap() {
            "valid" => 0,
            "time" => 13,
            "claims" => 14,
            other => panic!("unknown expectation {other}"),
        };
        let token = case["token"].as_str().unwrap();
        let alg = case["alg"].as_str().unwrap();
        let extra: Vec<&str> = case["verify_args"]
            .as_array()
            .unwrap()
            .iter()
            .map(|arg| arg.as_str().unwrap())
            .collect();

        // The text key PyJWT signed with, from a file, as raw bytes.
        let raw = temp_file(
            &format!("{name}.key"),
            case["key_raw"].as_str().unwrap().as_bytes(),
        );
        let raw = format!("@{}", raw.display());
        let mut args = vec![
            "verify",
            token,
            "--alg",
            alg,
            "--key",
            &raw,
            "--key-format",
            "raw",
        ];
        args.extend(&extra);
        let run = jwt(&args);
        assert_eq!(run.code, expected, "{name}: {}", run.stderr);
        assert!(!run.stderr.contains("warning"), "{name}: {}", run.stderr);
        if expected == 0 {
            assert!(run.stdout.starts_with("VALID"), "{name}: {}", run.stdout);
        }

        // The same bytes as base64url, from standard input.
        let mut args = vec!["verify", token, "--alg", alg, "--key", "-"];
        args.extend(&extra);
        args.push("--json");
        let key = case["key_base64url"].as_str().unwrap();
        let run = jwt_at(NOW, &args, Some(format!("{key}\n").as_bytes()));
        assert_eq!(run.code, expected, "{name}: {}", run.stderr);
        assert_eq!(run.json()["valid"], expected == 0, "{name}");
        if expected == 0 {
            assert_eq!(run.json()["payload"], case["claims"], "{name}");
        }

        // Any other key: a signature error, whatever the claims say.
        let other = base64url::encode(&[0x42; 64]);
        let mut args = vec!["verify", token, "--alg", alg, "--key", "-"];
        args.extend(extra.iter().filter(|arg| ["--typ", "at+jwt"].contains(arg)));
        let run = jwt_at(NOW, &args, Some(other.as_bytes()));
        assert_eq!(run.code, 12, "{name}: {}", run.stderr);
        assert_eq!(run.error(), "signature does not verify");
    }
}

// ---------------------------------------------------------------------------------------
// Round trips with the library

#[derive(Claims, Debug)]
#[claims(iss = "https://auth.example.com")]
struct Session {
    sub: String,
    exp: NumericDate,
    iat: NumericDate,
    jti: String,
    roles: Vec<String>,
}

#[test]
fn library_tokens_verify_and_encoded_tokens_decode_in_the_library() {
    let key = HmacKey::<Hs256>::from_bytes(KEY).unwrap();
    let token = Session {
        sub: "ada".into(),
        exp: NumericDate::from_secs(NOW + 60),
        iat: NumericDate::from_secs(NOW),
        jti: "one".into(),
        roles: vec!["admin".into()],
    }
    .encode(&key)
    .unwrap();
    let run = jwt(&[
        "verify",
        &token,
        "--key",
        &key_file(),
        "--iss",
        "https://auth.example.com",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);

    let run = jwt(&[
        "encode",
        "--key",
        &key_file(),
        "--claims",
        r#"{"sub":"ada","iss":"https://auth.example.com","roles":["admin"]}"#,
        "--exp",
        "15m",
        "--iat",
        "--jti",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let token = run.stdout.trim();
    // `jti` makes `Session` one-use; this test has no replay store to consume it in.
    let session: Session = dangerous::decode_without_replay_check(
        &Validation::new().clock(FixedClock(NumericDate::from_secs(NOW + 60))),
        token,
        &key,
    )
    .unwrap();
    assert_eq!(session.sub, "ada");
    assert_eq!(session.exp.as_secs(), NOW + 900);
    assert_eq!(session.iat.as_secs(), NOW);
    assert_eq!(base64url::decode(session.jti.as_bytes()).unwrap().len(), 16);
    assert_eq!(session.roles, ["admin"]);

    // ... and through `jwt verify`, from a file.
    let file = temp_file("token.jwt", format!("{token}\n").as_bytes());
    let run = jwt(&[
        "verify",
        &format!("@{}", file.display()),
        "--key",
        &key_file(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn encodes_every_algorithm_with_kid_and_round_trips() {
    for (alg, len) in [("HS256", 32), ("HS384", 48), ("HS512", 64)] {
        let keygen = jwt(&["keygen", "--alg", alg]);
        assert_eq!(keygen.code, 0);
        let key = keygen.stdout.trim().to_owned();
        assert_eq!(base64url::decode(key.as_bytes()).unwrap().len(), len);
        assert!(
            keygen.stderr.contains("Keep it secret"),
            "{}",
            keygen.stderr
        );

        let token = jwt_at(
            NOW,
            &[
                "encode", "--alg", alg, "--key", "-", "--kid", "k-1", "--exp", "1h",
            ],
            Some(key.as_bytes()),
        );
        assert_eq!(token.code, 0, "{}", token.stderr);
        let token = token.stdout.trim();
        let run = jwt_at(
            NOW,
            &["verify", token, "--alg", alg, "--key", "-"],
            Some(key.as_bytes()),
        );
        assert_eq!(run.code, 0, "{alg}: {}", run.stderr);
        let shown = jwt(&["decode", token, "--json"]).json();
        assert_eq!(
            shown["header"],
            json!({"alg": alg, "typ": "JWT", "kid": "k-1"})
        );
        assert_eq!(shown["payload"], json!({"exp": NOW + 3600}));

        // An hour and one second later, the same token has expired.
        let run = jwt_at(
            NOW + 3600,
            &["verify", token, "--alg", alg, "--key", "-"],
            Some(key.as_bytes()),
        );
        assert_eq!(run.code, 13, "{alg}: {}", run.stderr);
    }
}

// ---------------------------------------------------------------------------------------
// decode: what it shows

#[test]
fn decode_labels_unverified_and_shows_times_in_utc_and_relative() {
    let token = signed(
        HS256_HEADER,
        r#"{"sub":"ada","iat":1700000000,"exp":1700000900}"#,
    );
    let run = jwt_at(1_700_000_648, &["decode", &token], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.starts_with("UNVERIFIED"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("exp  2023-11-14 22:28:20 UTC  expires in 4m 12s"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("iat  2023-11-14 22:13:20 UTC  10m 48s ago"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("Findings  none"), "{}", run.stdout);
    assert!(!run.stdout.contains('\u{1b}'), "colour in a pipe");

    let run = jwt_at(1_700_011_700, &["decode", &token], None);
    assert!(run.stdout.contains("expired 3h ago"), "{}", run.stdout);

    let run = jwt_at(
        1_700_011_700,
        &["decode", &token, "--color", "always"],
        None,
    );
    assert!(
        run.stdout.contains("\u{1b}["),
        "no colour with --color always"
    );
}

/// Colour follows the terminal and `NO_COLOR`. `script` (util-linux) gives the binary a
/// pseudo-terminal as its standard output.
#[test]
fn colour_only_on_a_terminal_without_no_color() {
    let token = signed(HS256_HEADER, r#"{"exp":1700000000}"#);
    let command = format!("{} decode {token} --now {NOW}", env!("CARGO_BIN_EXE_jwt"));
    let on_terminal = |no_color: Option<&str>| {
        let mut script = Command::new("script");
        script.args(["-qec", &command, "/dev/null"]);
        script.env_remove("NO_COLOR");
        if let Some(value) = no_color {
            script.env("NO_COLOR", value);
        }
        script.stdin(Stdio::null()).output()
    };
    let Ok(coloured) = on_terminal(None) else {
        eprintln!("SKIPPED colour_only_on_a_terminal_without_no_color: `script` is not installed");
        return;
    };
    let coloured = String::from_utf8_lossy(&coloured.stdout).into_owned();
    assert!(
        coloured.contains("\u{1b}[1;33mUNVERIFIED\u{1b}[0m"),
        "{coloured:?}"
    );
    assert!(
        coloured.contains("\u{1b}[1;31mexpired 5m ago"),
        "{coloured:?}"
    );
    let plain = on_terminal(Some("1")).unwrap();
    let plain = String::from_utf8_lossy(&plain.stdout).into_owned();
    assert!(
        plain.contains("UNVERIFIED") && !plain.contains('\u{1b}'),
        "{plain:?}"
    );
    // An empty NO_COLOR is unset (no-color.org).
    let empty = on_terminal(Some("")).unwrap();
    assert!(String::from_utf8_lossy(&empty.stdout).contains('\u{1b}'));
}

#[test]
fn decode_reads_standard_input_and_files() {
    let token = signed(HS256_HEADER, r#"{"sub":"ada"}"#);
    let run = jwt_at(
        NOW,
        &["decode", "-", "--json"],
        Some(format!("{token}\n").as_bytes()),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["payload"], json!({"sub": "ada"}));
    let file = temp_file("decode.jwt", token.as_bytes());
    let run = jwt(&["decode", &format!("@{}", file.display()), "--json"]);
    assert_eq!(run.json()["payload"], json!({"sub": "ada"}));
}

#[test]
fn decode_keeps_member_order_duplicates_and_escapes_terminal_controls() {
    let token = signed(
        HS256_HEADER,
        r#"{"z":1,"a":{"x":1,"x":2},"evil":"\u001b[2J"}"#,
    );
    let run = jwt(&["decode", &token]);
    assert_eq!(run.code, 10);
    assert!(run.stdout.contains(r#""x": 1,"#) && run.stdout.contains(r#""x": 2"#));
    assert!(run.stdout.find(r#""z""#) < run.stdout.find(r#""a""#));
    assert!(!run.stdout.contains('\u{1b}'), "{}", run.stdout);
    assert!(run.stdout.contains(r#""\u001b[2J""#));
}

/// Each finding is the library's own message, as `jwt verify` and the library report it.
#[test]
fn decode_reports_every_finding_in_the_library_words() {
    let too_large = signed(
        HS256_HEADER,
        &format!(r#"{{"pad":"{}"}}"#, "x".repeat(70_000)),
    );
    let cases: Vec<(String, i32, Vec<String>)> = vec![
        (
            signed(r#"{"alg":"HS256","alg":"none"}"#, "{}"),
            10,
            vec![r#"duplicate member "alg" in the header"#.into()],
        ),
        (
            signed(HS256_HEADER, r#"{"exp":1,"\u0065xp":2}"#),
            10,
            vec![r#"duplicate member "exp" in the payload"#.into()],
        ),
        (
            format!("{}.e30=.sig", b64(HS256_HEADER)),
            10,
            vec!["malformed payload: not strict base64url".into()],
        ),
        (
            format!("{}.{}.sig", b64(HS256_HEADER), b64("[1]")),
            10,
            vec!["malformed payload: not a JSON object".into()],
        ),
        (
            too_large.clone(),
            10,
            vec![format!("token is {} bytes, over the limit of 65536", too_large.len())],
        ),
        ("a.b.c.d.e".into(), 10, vec!["JWE tokens are not supported, only JWS".into()]),
        (
            "no-dots".into(),
            10,
            vec!["malformed token: expected exactly three `.`-separated segments".into()],
        ),
        (
            signed(r#"{"alg":"none","crit":["b64"],"typ":"JOSE"}"#, r#"{"exp":"soon","exp":1}"#),
            11,
            vec![
                r#"algorithm "none" is not the expected HS256 (the library implements HS256/384/512, EdDSA, ES256/384/512, RS256/384/512 and PS256/384/512)"#.into(),
                "header has `crit`; no JWS extension is supported".into(),
                // `typ` names the token's kind, which `decode` takes as given: which kinds to
                // accept is the reader's choice (`jwt verify --typ`), not a fault of the token.
                // The first `exp` is already the wrong type; the library stops there.
                "claim `exp` has the wrong type; expected a number of seconds since the epoch \
                 (NumericDate)"
                    .into(),
            ],
        ),
        (
            signed(HS256_HEADER, r#"{"exp":"tomorrow"}"#),
            14,
            vec![library_verdict(&signed(HS256_HEADER, r#"{"exp":"tomorrow"}"#))
                .unwrap_err()
                .to_string()],
        ),
        (
            signed(r#"{"alg":"HS256","kid":7}"#, "{}"),
            10,
            vec!["malformed header: header parameter `kid` has the wrong type".into()],
        ),
    ];
    for (token, code, expected) in cases {
        let run = jwt(&["decode", &token, "--json"]);
        assert_eq!(run.code, code, "{token:.60}: {}", run.stderr);
        assert_eq!(run.json()["findings"], json!(expected), "{token:.60}");
        // The first finding is what the library says when verifying (bar the note on `alg`).
        // A token whose signature fails stops there in the library (the payload is never
        // read), so only the other verdicts are comparable.
        if let Err(library) = library_verdict(&token).map_err(|error| error.to_string())
            && library != "signature does not verify"
        {
            assert!(
                expected[0].starts_with(&library.to_string()),
                "{library} vs {expected:?}"
            );
        }
        let text = jwt(&["decode", &token]);
        assert!(
            text.stdout.contains("the library refuses this token"),
            "{}",
            text.stdout
        );
    }
}

// ---------------------------------------------------------------------------------------
// verify: the library's messages and one exit code per class

#[test]
fn verify_reports_the_library_error_with_its_class_code() {
    let cases: Vec<(String, Vec<&str>, i32)> = vec![
        (signed(HS256_HEADER, r#"{"exp":1700000301}"#), vec![], 0),
        (signed(HS256_HEADER, r#"{"exp":1700000300}"#), vec![], 13),
        (
            signed(HS256_HEADER, r#"{"exp":1700000290}"#),
            vec!["--leeway", "10s"],
            13,
        ),
        (
            signed(HS256_HEADER, r#"{"exp":1700000290}"#),
            vec!["--leeway", "11s"],
            0,
        ),
        (signed(HS256_HEADER, r#"{"nbf":1700000301}"#), vec![], 13),
        (signed(HS256_HEADER, r#"{"iat":1700000301}"#), vec![], 13),
        (
            signed(HS256_HEADER, r#"{"iss":"a"}"#),
            vec!["--iss", "b"],
            14,
        ),
        (
            signed(HS256_HEADER, r#"{"iss":"a"}"#),
            vec!["--iss", "a"],
            0,
        ),
        (signed(HS256_HEADER, r#"{"aud":["x","y"]}"#), vec![], 14),
        (
            signed(HS256_HEADER, r#"{"aud":["x","y"]}"#),
            vec!["--aud", "z", "--aud", "y"],
            0,
        ),
        (
            signed(HS256_HEADER, r#"{"sub":"a"}"#),
            vec!["--sub", "b"],
            14,
        ),
        (signed(HS256_HEADER, r#"{"exp":null}"#), vec![], 14),
        (signed(r#"{"alg":"HS384"}"#, "{}"), vec![], 11),
        (signed(r#"{"alg":"HS256","crit":[]}"#, "{}"), vec![], 11),
        (signed(r#"{"alg":"HS256","typ":"JOSE"}"#, "{}"), vec![], 11),
        // A type that declares no `typ` accepts only `JWT`; `--typ` names the kind expected.
        (
            signed(r#"{"alg":"HS256","typ":"at+jwt"}"#, "{}"),
            vec![],
            11,
        ),
        (
            signed(r#"{"alg":"HS256","typ":"at+jwt"}"#, "{}"),
            vec!["--typ", "at+jwt"],
            0,
        ),
        (signed(HS256_HEADER, "{}"), vec!["--typ", "at+jwt"], 11),
        (signed(HS256_HEADER, r#"{"a":1,"a":2}"#), vec![], 10),
        (format!("{}x", signed(HS256_HEADER, "{}")), vec![], 12),
        (format!("Bearer {}", signed(HS256_HEADER, "{}")), vec![], 10),
        ("a.b.c.d.e".into(), vec![], 10),
    ];
    for (token, extra, code) in cases {
        let key = key_file();
        let mut args = vec!["verify", &token, "--key", &key];
        args.extend(&extra);
        let run = jwt(&args);
        assert_eq!(run.code, code, "{token:.70} {extra:?}: {}", run.stderr);
        if extra.is_empty() {
            match library_verdict(&token) {
                Ok(()) => assert_eq!(run.code, 0),
                Err(error) => assert_eq!(run.error(), error.to_string(), "{token:.70}"),
            }
        }
        if code != 0 {
            let json = jwt(&[&args[..], &["--json"]].concat()).json();
            assert_eq!(json["valid"], false);
            assert_eq!(json["exit_code"], code);
            assert_eq!(json["error"], run.error());
        }
    }
}

#[test]
fn verify_hints_at_the_usual_mistakes() {
    let token = signed(HS256_HEADER, r#"{"exp":1700000000}"#);
    let run = jwt(&["verify", &token, "--key", &key_file()]);
    assert!(
        run.stderr
            .contains("hint: `exp` is 2023-11-14 22:13:20 UTC: expired 5m ago"),
        "{}",
        run.stderr
    );
    let run = jwt(&["verify", &format!("Bearer {token}"), "--key", &key_file()]);
    assert!(
        run.stderr.contains("without the `Bearer ` prefix"),
        "{}",
        run.stderr
    );
    let run = jwt(&[
        "verify",
        &signed(r#"{"alg":"HS512"}"#, "{}"),
        "--key",
        &key_file(),
    ]);
    assert!(
        run.stderr.contains("hint: pass --alg HS512"),
        "{}",
        run.stderr
    );
    let run = jwt(&[
        "verify",
        &signed(r#"{"alg":"RS256"}"#, "{}"),
        "--key",
        &key_file(),
    ]);
    assert!(
        run.stderr.contains("hint: pass --alg RS256"),
        "{}",
        run.stderr
    );
}

#[test]
fn keys_usage_and_io_errors_have_their_codes() {
    let token = signed(HS256_HEADER, "{}");
    let literal = base64url::encode(KEY);

    // A literal key works, with a warning.
    let run = jwt(&["verify", &token, "--key", &literal]);
    assert_eq!(run.code, 0);
    assert!(
        run.stderr
            .contains("warning: a key given on the command line"),
        "{}",
        run.stderr
    );

    let short = base64url::encode(&KEY[..31]);
    let run = jwt(&["verify", &token, "--key", &short]);
    assert_eq!(run.code, 4);
    assert_eq!(
        run.error(),
        "HS256 key is 31 bytes; at least 32 are required (RFC 7518 §3.2)"
    );
    let run = jwt(&["verify", &token, "--key", "not base64url!"]);
    assert_eq!((run.code, run.error()), (4, "key is not strict base64url"));
    assert!(run.stderr.contains("--key-format raw"));
    let run = jwt(&["encode", "--key", &key_file(), "--kid", ""]);
    assert_eq!(
        (run.code, run.error()),
        (4, "a key id must be 1 to 256 bytes")
    );

    let run = jwt(&["verify", &token, "--key", "@/nonexistent/key"]);
    assert_eq!(run.code, 3);
    assert!(
        run.error()
            .starts_with("cannot read the key from \"/nonexistent/key\"")
    );
    let run = jwt_at(NOW, &["verify", "-", "--key", "-"], Some(b"x"));
    assert_eq!(run.code, 2);
    assert!(
        run.error()
            .contains("standard input (`-`) is already the token")
    );

    for args in [
        &["verify", &token][..],
        &["verify", &token, "--key", &literal, "--alg", "ES256K"],
        &["encode", "--key", &literal, "--exp", "5x"],
        &["encode", "--key", &literal, "--exp", "5"],
        &["frobnicate"],
    ] {
        let run = jwt(args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
    }
    let run = jwt(&["encode", "--key", &literal, "--exp", "5x"]);
    assert!(run.stderr.contains("unknown unit `x`"), "{}", run.stderr);

    for (claims, message) in [
        ("[1]", "--claims must be a JSON object"),
        ("{", "--claims is not valid JSON"),
        (r#"{"a":1,"a":2}"#, r#"--claims has the member "a" twice"#),
        (
            r#"{"exp":1}"#,
            "--exp and the `exp` in --claims both set `exp`; keep one",
        ),
    ] {
        let run = jwt(&[
            "encode",
            "--key",
            &key_file(),
            "--claims",
            claims,
            "--exp",
            "1m",
        ]);
        assert_eq!(run.code, 2, "{claims}");
        assert!(run.error().starts_with(message), "{claims}: {}", run.stderr);
    }
    let run = jwt(&["encode", "--key", &key_file(), "--claims", r#"{"jti":5}"#]);
    assert_eq!(run.code, 14);
    assert!(
        run.error()
            .starts_with("the library would refuse this token: claim `jti`"),
        "{}",
        run.stderr
    );
}

#[test]
fn raw_keys_are_exact_bytes() {
    let token = signed(HS256_HEADER, "{}");
    let exact = temp_file("raw.key", KEY);
    let run = jwt(&[
        "verify",
        &token,
        "--key-format",
        "raw",
        "--key",
        &format!("@{}", exact.display()),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let with_newline = temp_file("raw-newline.key", &[KEY, b"\n"].concat());
    let run = jwt(&[
        "verify",
        &token,
        "--key-format",
        "raw",
        "--key",
        &format!("@{}", with_newline.display()),
    ]);
    assert_eq!(run.code, 12);
    assert!(run.stderr.contains("ends with a newline"), "{}", run.stderr);
}

#[test]
fn keygen_writes_a_private_file_once() {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("jwt-cli-keygen-{}", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let out = path.to_str().unwrap();
    let run = jwt(&["keygen", "--alg", "hs512", "--out", out]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.is_empty());
    let key = std::fs::read_to_string(&path).unwrap();
    assert_eq!(base64url::decode(key.trim().as_bytes()).unwrap().len(), 64);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let run = jwt(&["keygen", "--out", out]);
    assert_eq!(run.code, 3, "an existing key file is never overwritten");
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn every_command_has_help_and_completions_exist() {
    let run = jwt_with_input(&[], None);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("Commands:"),
        "no arguments show the help"
    );
    let run = jwt_with_input(&["--help"], None);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("--jwks"), "{}", run.stdout);
    assert!(
        run.stdout.contains("13  time claim failed"),
        "{}",
        run.stdout
    );
    for command in ["decode", "verify", "encode", "keygen", "completions"] {
        let run = jwt_with_input(&[command, "--help"], None);
        assert_eq!(run.code, 0, "{command}");
        assert!(
            run.stdout.contains("Usage: jwt"),
            "{command}: {}",
            run.stdout
        );
        assert!(!run.stdout.contains("--now"), "--now is hidden");
    }
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let run = jwt_with_input(&["completions", shell], None);
        assert_eq!(run.code, 0, "{shell}");
        assert!(
            run.stdout.contains("verify") && run.stdout.contains("key-format"),
            "{shell}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Garbage never panics

/// A small deterministic generator (xorshift), so that a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn garbage_and_mutated_tokens_never_panic() {
    let valid = signed(
        HS256_HEADER,
        r#"{"sub":"ada","exp":1700000900,"aud":["a"],"n":{"x":[1,2.5e300,null]}}"#,
    );
    let alphabet = b"A_-.=+/ \n{}\"e0\\\x7f";
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    let mut inputs: Vec<Vec<u8>> = vec![
        Vec::new(),
        b".".to_vec(),
        b"..".to_vec(),
        b"...".to_vec(),
        vec![0xff, 0xfe, b'.', b'.'],
        format!("{}.{}.", b64("{"), b64("}")).into_bytes(),
        format!("{}.{}.", b64(&"[".repeat(500)), b64("{}")).into_bytes(),
        format!("{}.{}.", b64(r#"{"alg":"HS256"}"#), b64(r#"{"exp":1e999}"#)).into_bytes(),
        format!(
            "{}.{}.",
            b64(r#"{"alg":"HS256"}"#),
            b64(r#"{"exp":-1e308,"nbf":1e308}"#)
        )
        .into_bytes(),
    ];
    for _ in 0..120 {
        let mut token = valid.clone().into_bytes();
        for _ in 0..=rng.below(4) {
            match rng.below(4) {
                0 if !token.is_empty() => {
                    let at = rng.below(token.len());
                    token[at] = alphabet[rng.below(alphabet.len())];
                }
                1 if !token.is_empty() => token.truncate(rng.below(token.len())),
                2 => {
                    let at = rng.below(token.len() + 1);
                    token.insert(at, alphabet[rng.below(alphabet.len())]);
                }
                _ => token.push((rng.next() & 0xff) as u8),
            }
        }
        inputs.push(token);
    }
    let key = key_file();
    for input in &inputs {
        for args in [
            &["decode", "-"][..],
            &["decode", "-", "--json"],
            &["verify", "-", "--key", &key],
        ] {
            let run = jwt_at(NOW, args, Some(input));
            assert!(
                matches!(run.code, 0 | 10..=14),
                "{args:?} on {:?}: exit {} {}",
                String::from_utf8_lossy(input),
                run.code,
                run.stderr
            );
            if run.code != 0 {
                assert!(run.error().len() > 10, "a clear message: {}", run.stderr);
            }
        }
    }
}

/// A key file of `tests/data/keys`, as `@PATH`.
fn test_key(name: &str) -> String {
    format!("@{}/../tests/data/keys/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn public_key_algorithms_encode_and_verify_with_pem_jwk_and_jwks() {
    for (alg, private, public) in [
        ("EdDSA", "ed25519.pkcs8.pem", "ed25519.spki.pem"),
        ("ES256", "p256.pkcs8.pem", "p256.spki.pem"),
        ("ES384", "p384.pkcs8.pem", "p384.spki.pem"),
        ("ES512", "p521.pkcs8.pem", "p521.spki.pem"),
        ("RS256", "rsa2048.pkcs8.pem", "rsa2048.spki.pem"),
        ("PS512", "rsa2048.pkcs8.pem", "rsa2048.spki.pem"),
    ] {
        let encoded = jwt(&[
            "encode",
            "--alg",
            alg,
            "--key",
            &test_key(private),
            "--claims",
            r#"{"sub":"ada"}"#,
            "--exp",
            "15m",
        ]);
        assert_eq!(encoded.code, 0, "{alg}: {}", encoded.stderr);
        let token = encoded.stdout.trim().to_owned();
        // The library's own verifier agrees, through the key's JWK.
        let header: Value = serde_json::from_slice(
            &base64url::decode(token.split('.').next().unwrap().as_bytes()).unwrap(),
        )
        .unwrap();
        assert_eq!(header["alg"], alg);
        assert!(
            header["kid"].is_string(),
            "{alg}: the thumbprint is the kid"
        );

        let verified = jwt(&["verify", &token, "--alg", alg, "--key", &test_key(public)]);
        assert_eq!(verified.code, 0, "{alg}: {}", verified.stderr);
        assert!(verified.stdout.starts_with("VALID"), "{alg}");

        // With the wrong algorithm the header is refused, never verified another way.
        let (other, other_key) = if alg == "ES384" {
            ("ES256", "p256.spki.pem")
        } else {
            ("ES384", "p384.spki.pem")
        };
        let refused = jwt(&[
            "verify",
            &token,
            "--alg",
            other,
            "--key",
            &test_key(other_key),
        ]);
        assert_eq!(refused.code, 11, "{alg} as {other}: {}", refused.stderr);

        // A modified payload fails the signature.
        let mut parts: Vec<&str> = token.split('.').collect();
        let forged_payload = b64(r#"{"sub":"eve"}"#);
        parts[1] = &forged_payload;
        let forged = jwt(&[
            "verify",
            &parts.join("."),
            "--alg",
            alg,
            "--key",
            &test_key(public),
        ]);
        assert_eq!(forged.code, 12, "{alg}: {}", forged.stderr);
    }
}

#[test]
fn jwks_files_select_the_key_by_kid() {
    let encoded = jwt(&[
        "encode",
        "--alg",
        "ES256",
        "--key",
        &test_key("p256.pkcs8.pem"),
        "--kid",
        "k1",
    ]);
    assert_eq!(encoded.code, 0, "{}", encoded.stderr);
    let token = encoded.stdout.trim().to_owned();
    let public =
        std::fs::read_to_string(test_key("p256.spki.pem").trim_start_matches('@')).unwrap();
    let key = jwt_runtime::EcdsaPublicKey::<jwt_runtime::Es256>::from_pem(&public)
        .unwrap()
        .with_kid("k1")
        .unwrap();
    let set = jwt_runtime::PublicKeySet::new(vec![key]).unwrap();
    let jwks = temp_file("jwks.json", set.to_jwks().as_bytes());
    let jwks = format!("@{}", jwks.display());
    let verified = jwt(&["verify", &token, "--alg", "ES256", "--jwks", &jwks]);
    assert_eq!(verified.code, 0, "{}", verified.stderr);
    // The same key under another id: the set has no key for the token's `kid`.
    let other = jwt(&[
        "encode",
        "--alg",
        "ES256",
        "--key",
        &test_key("p256.pkcs8.pem"),
        "--kid",
        "k2",
    ]);
    let refused = jwt(&[
        "verify",
        other.stdout.trim(),
        "--alg",
        "ES256",
        "--jwks",
        &jwks,
    ]);
    assert_eq!(refused.code, 11, "{}", refused.stderr);
    assert!(refused.error().contains("k2"), "{}", refused.stderr);
}

#[test]
fn public_key_mistakes_have_clear_messages() {
    // A PEM key with the default algorithm (HS256).
    let run = jwt(&["verify", "a.b.c", "--key", &test_key("p256.spki.pem")]);
    assert_eq!(run.code, 4);
    assert!(run.stderr.contains("--alg"), "{}", run.stderr);
    // A public key where a private one is needed.
    let run = jwt(&[
        "encode",
        "--alg",
        "ES256",
        "--key",
        &test_key("p256.spki.pem"),
    ]);
    assert_eq!(run.code, 4, "{}", run.stderr);
    // A key of another curve.
    let run = jwt(&[
        "verify",
        "a.b.c",
        "--alg",
        "ES256",
        "--key",
        &test_key("p384.spki.pem"),
    ]);
    assert_eq!(run.code, 4, "{}", run.stderr);
    // An RSA key under 2048 bits is refused.
    let run = jwt(&[
        "verify",
        "a.b.c",
        "--alg",
        "RS256",
        "--key",
        &test_key("rsa1024.spki.pem"),
    ]);
    assert_eq!(run.code, 4, "{}", run.stderr);
    // keygen does not pretend: it says how to make a key pair.
    let run = jwt(&["keygen", "--alg", "EdDSA"]);
    assert_eq!(run.code, 2);
    assert!(run.error().contains("openssl genpkey"), "{}", run.stderr);
    let run = jwt(&["keygen", "--alg", "ES512"]);
    assert_eq!(run.code, 2);
    assert!(
        run.error().contains("ec_paramgen_curve:P-521"),
        "{}",
        run.stderr
    );
    // Neither --key nor --jwks.
    let run = jwt(&["verify", "a.b.c", "--alg", "ES256"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
}
