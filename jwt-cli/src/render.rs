//! What `decode` and `verify` print: text for people, `--json` for programs.

use std::fmt::Write as _;

use jwt_runtime::{Error, NumericDate};

use crate::alg::Alg;
use crate::exit::{CliError, Exit};
use crate::inspect::{Inspection, Part, View};
use crate::json::{Json, quote};
use crate::sign::Checks;
use crate::style::Style;
use crate::time::{relative, utc};

pub fn decode_text(inspection: &Inspection, now: NumericDate, style: &Style) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}  the signature was NOT checked: anyone can make a token that reads like this \
         (check it with `jwt verify`)",
        style.warning("UNVERIFIED")
    );
    parts(&mut out, inspection, now, style);
    if inspection.findings.is_empty() {
        let _ = writeln!(
            out,
            "\n{}  none: the library's strict decoding accepts the header and the payload; \
             `jwt verify` checks the signature and the claims",
            style.heading("Findings")
        );
    } else {
        let _ = writeln!(
            out,
            "\n{}  the library refuses this token:",
            style.heading("Findings")
        );
        for (_, finding) in &inspection.findings {
            let _ = writeln!(out, "  - {}", style.bad(finding));
        }
    }
    out
}

pub fn verified_text(inspection: &Inspection, alg: Alg, now: NumericDate, style: &Style) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}  the {} signature verifies and the claims are valid at {}",
        style.good("VALID"),
        alg.name(),
        utc(now.as_f64())
    );
    parts(&mut out, inspection, now, style);
    out
}

fn parts(out: &mut String, inspection: &Inspection, now: NumericDate, style: &Style) {
    if let Some(header) = &inspection.header {
        part(out, "Header", header, style);
    }
    if let Some(payload) = &inspection.payload {
        part(out, "Claims", payload, style);
        if let View::Json(json) = &payload.view {
            times(out, json, now, style);
        }
    }
    if let Some((_, length)) = &inspection.signature {
        let alg = inspection.alg().and_then(Alg::from_name);
        let kind = if alg.is_some_and(Alg::is_hmac) {
            "MAC"
        } else {
            "signature"
        };
        let text = match (length, alg.map(|alg| (alg, alg.signature_len()))) {
            (None, _) => "not strict base64url".to_owned(),
            (Some(length), Some((alg, Some(expected)))) if *length == expected => {
                format!("{length} bytes, the length of an {} {kind}", alg.name())
            }
            (Some(length), Some((alg, Some(expected)))) => format!(
                "{length} bytes, but an {} {kind} has {expected}: it cannot verify",
                alg.name(),
            ),
            (Some(length), _) => format!("{length} bytes"),
        };
        let _ = writeln!(out, "\n{}  {text}", style.heading("Signature"));
    }
}

fn part(out: &mut String, title: &str, part: &Part, style: &Style) {
    let note = match (&part.view, part.strict_base64) {
        (View::Undecodable, _) => "  (not base64url: cannot be shown)",
        (_, false) => "  (not strict base64url; shown decoded leniently)",
        (View::Text(_), true) => "  (not JSON; shown as text)",
        (View::Json(_), true) => "",
    };
    let _ = writeln!(out, "\n{}{}", style.heading(title), style.dim(note));
    match &part.view {
        View::Json(json) => {
            let _ = writeln!(out, "{}", json.to_pretty(style));
        }
        View::Text(text) => {
            let _ = writeln!(out, "{}", quote(text));
        }
        View::Undecodable => {}
    }
}

fn times(out: &mut String, claims: &Json, now: NumericDate, style: &Style) {
    let rows: Vec<(&str, f64)> = ["exp", "nbf", "iat"]
        .into_iter()
        .filter_map(|name| Some((name, claims.get(name)?.as_f64()?)))
        .collect();
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\n{}  (now {})",
        style.heading("Times"),
        utc(now.as_f64())
    );
    for (name, secs) in rows {
        let when = relative(name, secs, now.as_f64());
        let late =
            (name == "exp" && secs <= now.as_f64()) || (name != "exp" && secs > now.as_f64());
        let when = if late { style.bad(&when) } else { when };
        let _ = writeln!(out, "  {name}  {}  {when}", utc(secs));
    }
}

fn view_json(part: Option<&Part>) -> Json {
    match part.map(|part| &part.view) {
        Some(View::Json(json)) => json.clone(),
        _ => Json::Null,
    }
}

pub fn decode_json(inspection: &Inspection) -> String {
    let findings = inspection
        .findings
        .iter()
        .map(|(_, finding)| Json::String(finding.clone()))
        .collect();
    let signature = inspection
        .signature
        .as_ref()
        .map_or(Json::Null, |(text, _)| Json::String(text.clone()));
    let json = Json::Object(vec![
        ("verified".to_owned(), Json::Bool(false)),
        ("header".to_owned(), view_json(inspection.header.as_ref())),
        ("payload".to_owned(), view_json(inspection.payload.as_ref())),
        ("signature".to_owned(), signature),
        ("findings".to_owned(), Json::Array(findings)),
    ]);
    format!("{}\n", json.to_pretty(&Style::plain()))
}

pub fn verified_json(inspection: &Inspection) -> String {
    let json = Json::Object(vec![
        ("valid".to_owned(), Json::Bool(true)),
        ("header".to_owned(), view_json(inspection.header.as_ref())),
        ("payload".to_owned(), view_json(inspection.payload.as_ref())),
    ]);
    format!("{}\n", json.to_pretty(&Style::plain()))
}

pub fn failure_json(failure: &CliError) -> String {
    let json = Json::Object(vec![
        ("valid".to_owned(), Json::Bool(false)),
        ("error".to_owned(), Json::String(failure.message.clone())),
        (
            "class".to_owned(),
            Json::String(failure.exit.name().to_owned()),
        ),
        (
            "exit_code".to_owned(),
            Json::Number((failure.exit as u8).into()),
        ),
    ]);
    format!("{}\n", json.to_pretty(&Style::plain()))
}

/// The library's message, with a hint on what to do about it.
pub fn verify_error(error: &Error, token: &str, checks: &Checks) -> CliError {
    let failure = CliError::from(error.clone());
    let hint = match error {
        Error::Expired { exp, now } => Some(format!(
            "`exp` is {}: {}",
            utc(exp.as_f64()),
            relative("exp", exp.as_f64(), now.as_f64())
        )),
        Error::NotYetValid { nbf, now } => Some(format!(
            "`nbf` is {}: {}",
            utc(nbf.as_f64()),
            relative("nbf", nbf.as_f64(), now.as_f64())
        )),
        Error::IssuedInFuture { iat, now } => Some(format!(
            "`iat` is {}, {}; --leeway tolerates clock skew",
            utc(iat.as_f64()),
            relative("iat", iat.as_f64(), now.as_f64())
        )),
        Error::Audience if checks.audience.is_empty() => Some(
            "the token carries `aud`, so it is refused unless --aud names one of its audiences"
                .to_owned(),
        ),
        Error::Algorithm {
            found: Some(found), ..
        } if Alg::from_name(found).is_some() => Some(format!("pass --alg {found}")),
        Error::TokenType {
            found: Some(found), ..
        } => Some(format!(
            "if tokens of type {found:?} are what you expect, pass --typ {found}"
        )),
        Error::Algorithm { found: Some(_), .. } => Some(
            "the library implements HS256/384/512, EdDSA, ES256/384/512, RS256/384/512 and \
             PS256/384/512 only"
                .to_owned(),
        ),
        Error::Signature => Some(
            "wrong key, wrong --key-format, or a modified token (`jwt decode` shows its parts)"
                .to_owned(),
        ),
        _ => None,
    };
    let failure = match hint {
        Some(hint) => failure.with_hint(hint),
        None => failure,
    };
    with_token_hint(failure, token)
}

/// A hint for the usual copy-and-paste mistakes, when the token is malformed.
pub fn with_token_hint(failure: CliError, token: &str) -> CliError {
    if failure.exit != Exit::Malformed || failure.hint.is_some() {
        return failure;
    }
    let hint = if token
        .get(..7)
        .is_some_and(|prefix| prefix.eq_ignore_ascii_case("bearer "))
    {
        Some("pass the token without the `Bearer ` prefix")
    } else if token.trim() != token {
        Some("the token has surrounding whitespace; the library refuses it")
    } else {
        None
    };
    match hint {
        Some(hint) => failure.with_hint(hint),
        None => failure,
    }
}
