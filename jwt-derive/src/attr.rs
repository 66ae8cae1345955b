//! Parsing `#[claims(...)]` on the struct and `#[claim(...)]` on fields. Rules that concern a
//! single attribute live here; rules across fields live in `check`.

use proc_macro2::Span;
use quote::ToTokens;
use syn::meta::ParseNestedMeta;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned as _;
use syn::{Expr, ExprLit, Lit, LitStr, Token};

use crate::ctxt::Ctxt;
use crate::duration;

/// The container keywords, for "unknown keyword" messages.
const CONTAINER_KEYWORDS: &str = "`alg`, `iss`, `aud`, `typ`, `leeway`";
/// The field keywords, for "unknown keyword" messages.
const FIELD_KEYWORDS: &str = "`exp`, `nbf`, `iat`, `iss`, `sub`, `aud`, `jti`, `window`, `rename`";

/// The registered claims of RFC 7519 §4.1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Registered {
    Exp,
    Nbf,
    Iat,
    Iss,
    Sub,
    Aud,
    Jti,
}

impl Registered {
    pub const ALL: [Registered; 7] = [
        Registered::Exp,
        Registered::Nbf,
        Registered::Iat,
        Registered::Iss,
        Registered::Sub,
        Registered::Aud,
        Registered::Jti,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Registered::Exp => "exp",
            Registered::Nbf => "nbf",
            Registered::Iat => "iat",
            Registered::Iss => "iss",
            Registered::Sub => "sub",
            Registered::Aud => "aud",
            Registered::Jti => "jti",
        }
    }

    pub fn from_name(name: &str) -> Option<Registered> {
        Registered::ALL
            .into_iter()
            .find(|claim| claim.name() == name)
    }

    pub fn is_time(self) -> bool {
        matches!(self, Registered::Exp | Registered::Nbf | Registered::Iat)
    }
}

/// The algorithms a claims type may pin (the public-key ones need the runtime's feature).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Algorithm {
    #[default]
    Hs256,
    Hs384,
    Hs512,
    EdDsa,
    Es256,
    Es384,
    Rs256,
    Rs384,
    Rs512,
    Ps256,
    Ps384,
    Ps512,
}

/// A value with the tokens it was written as, for spans.
pub struct WithSpan<T> {
    pub value: T,
    pub span: Span,
}

/// One slot per keyword; a second occurrence is reported on its key.
struct Slot<T> {
    keyword: &'static str,
    attribute: &'static str,
    value: Option<WithSpan<T>>,
}

impl<T> Slot<T> {
    fn new(attribute: &'static str, keyword: &'static str) -> Self {
        Slot {
            keyword,
            attribute,
            value: None,
        }
    }

    fn set(&mut self, cx: &Ctxt, key: &syn::Path, value: T, span: Span) {
        if self.value.is_some() {
            cx.error_spanned_by(
                key,
                format_args!("duplicate `{}` in #[{}(...)]", self.keyword, self.attribute),
            );
        } else {
            self.value = Some(WithSpan { value, span });
        }
    }
}

/// `#[claims(...)]`.
#[derive(Default)]
pub struct Container {
    pub alg: Algorithm,
    pub iss: Option<LitStr>,
    pub aud: Vec<LitStr>,
    pub typ: Option<LitStr>,
    pub leeway_secs: u64,
}

impl Container {
    pub fn from_attrs(cx: &Ctxt, attrs: &[syn::Attribute]) -> Container {
        let mut alg = Slot::new("claims", "alg");
        let mut iss = Slot::new("claims", "iss");
        let mut aud = Slot::new("claims", "aud");
        let mut typ = Slot::new("claims", "typ");
        let mut leeway = Slot::new("claims", "leeway");

        for attr in attrs {
            if attr.path().is_ident("claim") {
                cx.error_spanned_by(
                    attr,
                    "#[claim(...)] belongs on a field; the struct takes #[claims(...)]",
                );
                continue;
            }
            if !attr.path().is_ident("claims") {
                continue;
            }
            let result = attr.parse_nested_meta(|meta| {
                let key = &meta.path;
                if key.is_ident("alg") {
                    let Some(lit) = string_value(cx, &meta, "alg = \"HS256\"")? else {
                        return Ok(());
                    };
                    match parse_algorithm(&lit) {
                        Some(value) => alg.set(cx, key, value, lit.span()),
                        None => cx.error_spanned_by(
                            &lit,
                            format_args!(
                                "unsupported algorithm {:?}; #[derive(Claims)] supports \"HS256\" (the default), \"HS384\", \"HS512\", \"EdDSA\", \"ES256\", \"ES384\", \"RS256\", \"RS384\", \"RS512\", \"PS256\", \"PS384\" and \"PS512\"",
                                lit.value()
                            ),
                        ),
                    }
                } else if key.is_ident("iss") {
                    if let Some(lit) = string_value(cx, &meta, "iss = \"https://issuer.example\"")? {
                        iss.set(cx, key, lit.clone(), lit.span());
                    }
                } else if key.is_ident("typ") {
                    if let Some(lit) = string_value(cx, &meta, "typ = \"at+jwt\"")? {
                        typ.set(cx, key, lit.clone(), lit.span());
                    }
                } else if key.is_ident("aud") {
                    if let Some(value) = audience_value(cx, &meta)? {
                        let span = value.first().map_or_else(|| key.span(), LitStr::span);
                        aud.set(cx, key, value, span);
                    }
                } else if key.is_ident("leeway") {
                    let Some(lit) = string_value(cx, &meta, "leeway = \"30s\"")? else {
                        return Ok(());
                    };
                    match duration::parse_secs(&lit.value()) {
                        Ok(secs) => leeway.set(cx, key, secs, lit.span()),
                        Err(error) => cx.error_spanned_by(&lit, format_args!("invalid `leeway`: {error}")),
                    }
                } else {
                    return Err(meta.error(format_args!(
                        "unknown #[claims(...)] keyword `{}`; expected one of {CONTAINER_KEYWORDS}",
                        key.to_token_stream()
                    )));
                }
                Ok(())
            });
            if let Err(error) = result {
                cx.syn_error(error);
            }
        }

        Container {
            alg: alg.value.map(|alg| alg.value).unwrap_or_default(),
            iss: iss.value.map(|iss| iss.value),
            aud: aud.value.map(|aud| aud.value).unwrap_or_default(),
            typ: typ.value.map(|typ| typ.value),
            leeway_secs: leeway.value.map_or(0, |leeway| leeway.value),
        }
    }
}

fn parse_algorithm(lit: &LitStr) -> Option<Algorithm> {
    match lit.value().as_str() {
        "HS256" => Some(Algorithm::Hs256),
        "HS384" => Some(Algorithm::Hs384),
        "HS512" => Some(Algorithm::Hs512),
        "EdDSA" => Some(Algorithm::EdDsa),
        "ES256" => Some(Algorithm::Es256),
        "ES384" => Some(Algorithm::Es384),
        "RS256" => Some(Algorithm::Rs256),
        "RS384" => Some(Algorithm::Rs384),
        "RS512" => Some(Algorithm::Rs512),
        "PS256" => Some(Algorithm::Ps256),
        "PS384" => Some(Algorithm::Ps384),
        "PS512" => Some(Algorithm::Ps512),
        _ => None,
    }
}

/// `key = "string"`, or an error on the value that shows the expected form.
/// `key = "string"`. A value of the wrong kind is reported on the value and yields `None`,
/// so that the rest of the attribute is still checked; a syntax error stops the attribute.
fn string_value(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    example: &str,
) -> syn::Result<Option<LitStr>> {
    let expr: Expr = meta.value()?.parse()?;
    Ok(report(
        cx,
        string_literal(&expr, &format!("expected a string: `{example}`")),
    ))
}

fn report<T>(cx: &Ctxt, result: syn::Result<T>) -> Option<T> {
    result.map_err(|error| cx.syn_error(error)).ok()
}

/// `aud = "one"` or `aud = ["one", "two"]`.
fn audience_value(cx: &Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<Option<Vec<LitStr>>> {
    let expected =
        "expected a string or an array of strings: `aud = \"api\"` or `aud = [\"api\", \"admin\"]`";
    let input = meta.value()?;
    if input.peek(syn::token::Bracket) {
        let content;
        let brackets = syn::bracketed!(content in input);
        let list = Punctuated::<Expr, Token![,]>::parse_terminated(&content)?;
        if list.is_empty() {
            cx.syn_error(syn::Error::new(
                brackets.span.join(),
                "an empty `aud` list accepts no token; leave `aud` out to expect none",
            ));
            return Ok(None);
        }
        let audiences: Vec<Option<LitStr>> = list
            .iter()
            .map(|expr| report(cx, string_literal(expr, expected)))
            .collect();
        Ok(audiences.into_iter().collect())
    } else {
        let expr: Expr = input.parse()?;
        Ok(report(cx, string_literal(&expr, expected)).map(|lit| vec![lit]))
    }
}

fn string_literal(expr: &Expr, message: &str) -> syn::Result<LitStr> {
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        }) if lit.suffix().is_empty() => Ok(lit.clone()),
        // A `$value:literal` fragment from a `macro_rules!` arrives in an invisible group.
        Expr::Group(group) => string_literal(&group.expr, message),
        other => Err(syn::Error::new_spanned(other, message)),
    }
}

/// `#[claim(...)]` on one field.
#[derive(Default)]
pub struct Field {
    /// An explicit registered-claim keyword, with the keyword's span.
    pub role: Option<WithSpan<Registered>>,
    /// `window = "..."`, in seconds, with the literal's span.
    pub window: Option<WithSpan<u64>>,
    /// `rename = "..."`.
    pub rename: Option<LitStr>,
}

impl Field {
    pub fn from_attrs(cx: &Ctxt, attrs: &[syn::Attribute]) -> Field {
        let mut role: Slot<Registered> = Slot::new("claim", "claim");
        let mut window = Slot::new("claim", "window");
        let mut rename = Slot::new("claim", "rename");

        for attr in attrs {
            if attr.path().is_ident("claims") {
                cx.error_spanned_by(
                    attr,
                    "#[claims(...)] belongs on the struct; a field takes #[claim(...)]",
                );
                continue;
            }
            if !attr.path().is_ident("claim") {
                continue;
            }
            let result = attr.parse_nested_meta(|meta| {
                let key = &meta.path;
                if let Some(claim) = key
                    .get_ident()
                    .and_then(|ident| Registered::from_name(&ident.to_string()))
                {
                    if meta.input.peek(syn::Token![=]) {
                        return Err(meta.error(format_args!(
                            "`{}` takes no value; write `#[claim({})]`",
                            claim.name(),
                            claim.name()
                        )));
                    }
                    match &role.value {
                        Some(existing) if existing.value == claim => cx.error_spanned_by(
                            key,
                            format_args!("duplicate `{}` in #[claim(...)]", claim.name()),
                        ),
                        Some(existing) => cx.error_spanned_by(
                            key,
                            format_args!(
                                "a field holds one registered claim; this one is already `{}`",
                                existing.value.name()
                            ),
                        ),
                        None => role.set(cx, key, claim, key.span()),
                    }
                } else if key.is_ident("window") {
                    let Some(lit) = string_value(cx, &meta, "window = \"5m\"")? else {
                        return Ok(());
                    };
                    match duration::parse_secs(&lit.value()) {
                        Ok(0) => cx.error_spanned_by(&lit, "`window` must be longer than zero"),
                        Ok(secs) => window.set(cx, key, secs, lit.span()),
                        Err(error) => {
                            cx.error_spanned_by(&lit, format_args!("invalid `window`: {error}"))
                        }
                    }
                } else if key.is_ident("rename") {
                    if let Some(lit) = string_value(cx, &meta, "rename = \"claim_name\"")? {
                        rename.set(cx, key, lit.clone(), lit.span());
                    }
                } else {
                    return Err(meta.error(format_args!(
                        "unknown #[claim(...)] keyword `{}`; expected one of {FIELD_KEYWORDS}",
                        key.to_token_stream()
                    )));
                }
                Ok(())
            });
            if let Err(error) = result {
                cx.syn_error(error);
            }
        }

        Field {
            role: role.value,
            window: window.value,
            rename: rename.value.map(|rename| rename.value),
        }
    }
}
