//! Parsing `#[claims(...)]` on the struct, `#[claim(...)]` on fields, and the `#[serde(...)]`
//! attributes that would change a claim's name or presence. Rules that concern a single
//! attribute live here; rules across fields live in `check`.

use proc_macro2::{Delimiter, Span, TokenStream, TokenTree};
use quote::ToTokens;
use syn::meta::ParseNestedMeta;
use syn::parse::ParseStream;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned as _;
use syn::{Lit, LitStr, Token, WherePredicate};

use crate::ctxt::Ctxt;
use crate::duration;

/// Every keyword, named once: the parser matches these and the "expected one of" lists are
/// built from the same constants.
pub mod kw {
    pub const ALG: &str = "alg";
    pub const ISS: &str = "iss";
    pub const AUD: &str = "aud";
    pub const TYP: &str = "typ";
    pub const LEEWAY: &str = "leeway";
    pub const BOUND: &str = "bound";
    pub const CRATE: &str = "crate";
    pub const EXP: &str = "exp";
    pub const NBF: &str = "nbf";
    pub const IAT: &str = "iat";
    pub const SUB: &str = "sub";
    pub const JTI: &str = "jti";
    pub const WINDOW: &str = "window";
    pub const RENAME: &str = "rename";
    pub const SKIP: &str = "skip";

    /// The keywords of `#[claims(...)]`, in the order messages list them.
    pub const CONTAINER: &[&str] = &[ALG, ISS, AUD, TYP, LEEWAY, BOUND, CRATE];
    /// The keywords of `#[claim(...)]`, in the order messages list them.
    pub const FIELD: &[&str] = &[EXP, NBF, IAT, ISS, SUB, AUD, JTI, WINDOW, RENAME, SKIP];
}

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
            Registered::Exp => kw::EXP,
            Registered::Nbf => kw::NBF,
            Registered::Iat => kw::IAT,
            Registered::Iss => kw::ISS,
            Registered::Sub => kw::SUB,
            Registered::Aud => kw::AUD,
            Registered::Jti => kw::JTI,
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
    Es512,
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

    fn into_value(self) -> Option<T> {
        self.value.map(|slot| slot.value)
    }
}

/// `#[claims(...)]`.
pub struct Container {
    pub alg: Algorithm,
    pub iss: Option<LitStr>,
    pub aud: Vec<LitStr>,
    pub typ: Option<LitStr>,
    pub leeway_secs: u64,
    /// `bound = "..."`: replaces the inferred where-clause predicates.
    pub bound: Option<Vec<WherePredicate>>,
    /// `crate = "..."`: the path of `jwt_runtime` in generated code.
    pub krate: syn::Path,
}

impl Container {
    pub fn from_attrs(cx: &Ctxt, attrs: &[syn::Attribute]) -> Container {
        let mut alg = Slot::new("claims", kw::ALG);
        let mut iss = Slot::new("claims", kw::ISS);
        let mut aud = Slot::new("claims", kw::AUD);
        let mut typ = Slot::new("claims", kw::TYP);
        let mut leeway = Slot::new("claims", kw::LEEWAY);
        let mut bound = Slot::new("claims", kw::BOUND);
        let mut krate = Slot::new("claims", kw::CRATE);

        for attr in attrs {
            if attr.path().is_ident("claim") {
                cx.error_spanned_by(
                    attr,
                    "#[claim(...)] belongs on a field; the struct takes #[claims(...)]",
                );
                continue;
            }
            if attr.path().is_ident("serde") {
                serde_container(cx, attr);
                continue;
            }
            if !attr.path().is_ident("claims") {
                continue;
            }
            let result = attr.parse_nested_meta(|meta| {
                let key = &meta.path;
                if key.is_ident(kw::ALG) {
                    let Some(lit) = string_value(cx, &meta, kw::ALG, "alg = \"HS256\"")? else {
                        return Ok(());
                    };
                    match parse_algorithm(&lit) {
                        Some(value) => alg.set(cx, key, value, lit.span()),
                        // `"hs512"`: reported, and kept, so that its keys raise nothing more.
                        None if let Some((name, value)) =
                            parse_algorithm_ignoring_case(&lit) =>
                        {
                            cx.error_spanned_by(
                                &lit,
                                format_args!("algorithm names are case-sensitive: write {name:?}"),
                            );
                            alg.set(cx, key, value, lit.span());
                        }
                        None => cx.error_spanned_by(
                            &lit,
                            format_args!(
                                "unsupported algorithm {:?}; #[derive(Claims)] supports {} (\"HS256\" is the default)",
                                lit.value(),
                                algorithm_names()
                            ),
                        ),
                    }
                } else if key.is_ident(kw::ISS) {
                    let example = "iss = \"https://issuer.example\"";
                    if let Some(lit) = string_value(cx, &meta, kw::ISS, example)?
                        && not_blank(cx, &lit, "`iss`", "leave `iss` out to accept any issuer")
                    {
                        iss.set(cx, key, lit.clone(), lit.span());
                    }
                } else if key.is_ident(kw::TYP) {
                    if let Some(lit) = string_value(cx, &meta, kw::TYP, "typ = \"at+jwt\"")?
                        && not_blank(cx, &lit, "`typ`", "leave `typ` out to accept `JWT`")
                    {
                        typ.set(cx, key, lit.clone(), lit.span());
                    }
                } else if key.is_ident(kw::AUD) {
                    if let Some(value) = audience_value(cx, &meta)? {
                        let span = value.first().map_or_else(|| key.span(), LitStr::span);
                        aud.set(cx, key, value, span);
                    }
                } else if key.is_ident(kw::LEEWAY) {
                    let Some(lit) = string_value(cx, &meta, kw::LEEWAY, "leeway = \"30s\"")?
                    else {
                        return Ok(());
                    };
                    match duration::parse_secs(&lit.value()) {
                        Ok(secs) => leeway.set(cx, key, secs, lit.span()),
                        Err(error) => {
                            cx.error_spanned_by(&lit, format_args!("invalid `leeway`: {error}"));
                        }
                    }
                } else if key.is_ident(kw::BOUND) {
                    let example = "bound = \"T: Serialize + DeserializeOwned\"";
                    let Some(lit) = string_value(cx, &meta, kw::BOUND, example)? else {
                        return Ok(());
                    };
                    match lit.parse_with(Punctuated::<WherePredicate, Token![,]>::parse_terminated) {
                        Ok(predicates) => {
                            bound.set(cx, key, predicates.into_iter().collect(), lit.span());
                        }
                        Err(_) => cx.error_spanned_by(
                            &lit,
                            format_args!("`bound` takes where-clause predicates separated by commas: `{example}`"),
                        ),
                    }
                } else if key.is_ident(kw::CRATE) {
                    let example = "crate = \"jwt\"";
                    let Some(lit) = string_value(cx, &meta, kw::CRATE, example)? else {
                        return Ok(());
                    };
                    match lit.parse::<syn::Path>() {
                        Ok(path) if !lit.value().trim().is_empty() => {
                            krate.set(cx, key, path, lit.span());
                        }
                        _ => cx.error_spanned_by(
                            &lit,
                            format_args!("`crate` takes the path under which jwt-runtime is imported: `{example}`"),
                        ),
                    }
                } else {
                    unknown_keyword(cx, &meta, "claims", kw::CONTAINER, kw::FIELD)?;
                }
                Ok(())
            });
            if let Err(error) = result {
                cx.syn_error(malformed(&error, "claims", kw::CONTAINER));
            }
        }

        Container {
            alg: alg.into_value().unwrap_or_default(),
            iss: iss.into_value(),
            aud: aud.into_value().unwrap_or_default(),
            typ: typ.into_value(),
            leeway_secs: leeway.into_value().unwrap_or(0),
            bound: bound.into_value(),
            krate: krate
                .into_value()
                .unwrap_or_else(|| syn::parse_quote!(::jwt_runtime)),
        }
    }
}

/// Every algorithm name `alg = "..."` accepts, as RFC 7518 and RFC 8037 spell it.
const ALGORITHMS: [(&str, Algorithm); 13] = [
    ("HS256", Algorithm::Hs256),
    ("HS384", Algorithm::Hs384),
    ("HS512", Algorithm::Hs512),
    ("EdDSA", Algorithm::EdDsa),
    ("ES256", Algorithm::Es256),
    ("ES384", Algorithm::Es384),
    ("ES512", Algorithm::Es512),
    ("RS256", Algorithm::Rs256),
    ("RS384", Algorithm::Rs384),
    ("RS512", Algorithm::Rs512),
    ("PS256", Algorithm::Ps256),
    ("PS384", Algorithm::Ps384),
    ("PS512", Algorithm::Ps512),
];

/// `"HS256", "HS384", ... and "PS512"`, for messages.
fn algorithm_names() -> String {
    let names: Vec<String> = ALGORITHMS
        .iter()
        .map(|(name, _)| format!("{name:?}"))
        .collect();
    match names.split_last() {
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// The algorithm a wrongly cased name means, with its correct spelling.
fn parse_algorithm_ignoring_case(lit: &LitStr) -> Option<(&'static str, Algorithm)> {
    let value = lit.value();
    ALGORITHMS
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(&value))
        .copied()
}

fn parse_algorithm(lit: &LitStr) -> Option<Algorithm> {
    let value = lit.value();
    ALGORITHMS
        .iter()
        .find(|(name, _)| *name == value)
        .map(|&(_, algorithm)| algorithm)
}

/// `#[claim(...)]` on one field, and the `#[serde(...)]` attributes it honours.
#[derive(Default)]
pub struct Field {
    /// An explicit registered-claim keyword, with the keyword's span.
    pub role: Option<WithSpan<Registered>>,
    /// `window = "..."`, in seconds, with the literal's span.
    pub window: Option<WithSpan<u64>>,
    /// `rename = "..."`.
    pub rename: Option<LitStr>,
    /// `#[serde(rename = "...")]`: honoured as the JSON name, like `#[claim(rename)]`.
    pub serde_rename: Option<LitStr>,
    /// `skip` (or `#[serde(skip)]`): not a claim; `Default` on decode. The keyword's span.
    pub skip: Option<Span>,
    /// What the field is was refused (a serde key, `skip` with a claim keyword): its type is
    /// not checked either, since the refused attribute may be why the type lacks a trait.
    pub refused: bool,
}

impl Field {
    /// `optional`: the field is `Option<T>`, whose `None` is already omitted and whose
    /// absence already decodes as `None`.
    pub fn from_attrs(cx: &Ctxt, attrs: &[syn::Attribute], optional: bool) -> Field {
        let mut role: Slot<Registered> = Slot::new("claim", "claim");
        let mut window = Slot::new("claim", kw::WINDOW);
        let mut rename = Slot::new("claim", kw::RENAME);
        let mut skip = Slot::new("claim", kw::SKIP);
        let mut serde = SerdeField::default();

        for attr in attrs {
            if attr.path().is_ident("claims") {
                cx.error_spanned_by(
                    attr,
                    "#[claims(...)] belongs on the struct; a field takes #[claim(...)]",
                );
                continue;
            }
            if attr.path().is_ident("serde") {
                serde_field(cx, attr, &mut serde, optional);
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
                    if no_value(cx, &meta, claim.name())? {
                        return Ok(());
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
                } else if key.is_ident(kw::SKIP) {
                    if !no_value(cx, &meta, kw::SKIP)? {
                        skip.set(cx, key, (), key.span());
                    }
                } else if key.is_ident(kw::WINDOW) {
                    let Some(lit) = string_value(cx, &meta, kw::WINDOW, "window = \"5m\"")? else {
                        return Ok(());
                    };
                    match duration::parse_secs(&lit.value()) {
                        Ok(0) => cx.error_spanned_by(&lit, "`window` must be longer than zero"),
                        Ok(secs) => window.set(cx, key, secs, lit.span()),
                        Err(error) => {
                            cx.error_spanned_by(&lit, format_args!("invalid `window`: {error}"));
                        }
                    }
                } else if key.is_ident(kw::RENAME) {
                    if let Some(lit) =
                        string_value(cx, &meta, kw::RENAME, "rename = \"claim_name\"")?
                        && not_blank(
                            cx,
                            &lit,
                            "a claim name",
                            "leave `rename` out to use the field name",
                        )
                    {
                        rename.set(cx, key, lit.clone(), lit.span());
                    }
                } else {
                    unknown_keyword(cx, &meta, "claim", kw::FIELD, kw::CONTAINER)?;
                }
                Ok(())
            });
            if let Err(error) = result {
                cx.syn_error(malformed(&error, "claim", kw::FIELD));
            }
        }

        let role = role.value;
        let window = window.value;
        let rename = rename.into_value();
        let skip = skip.value.map(|skip| skip.span).or(serde.skip);
        let mut refused = serde.refused;
        if let Some(skip) = skip {
            let conflict = role
                .as_ref()
                .map(|role| role.value.name())
                .or(window.as_ref().map(|_| kw::WINDOW))
                .or(rename.as_ref().map(|_| kw::RENAME));
            if let Some(conflict) = conflict {
                refused = true;
                cx.syn_error(syn::Error::new(
                    skip,
                    format_args!(
                        "a skipped field is not in the token, so `{conflict}` does not apply; remove one of the two"
                    ),
                ));
            }
        }
        Field {
            role,
            window,
            rename,
            serde_rename: serde.rename,
            skip,
            refused,
        }
    }
}

/// `#[serde(...)]` keys on a field that `#[derive(Claims)]` honours.
#[derive(Default)]
struct SerdeField {
    rename: Option<LitStr>,
    skip: Option<Span>,
    refused: bool,
}

/// Reads a field's `#[serde(...)]`. A key that changes the field's name, presence or encoding
/// is honoured (`rename`, `skip`) or refused with what to write instead: the token must never
/// differ silently from what the serde attribute says. Keys that do not change the token
/// (`borrow`, `bound`, `getter`) and keys serde itself rejects are left to serde.
fn serde_field(cx: &Ctxt, attr: &syn::Attribute, serde: &mut SerdeField, optional: bool) {
    let _ = attr.parse_nested_meta(|meta| {
        let key = &meta.path;
        let name = key.to_token_stream().to_string();
        let refusal = match name.as_str() {
            "rename" => {
                if meta.input.peek(Token![=])
                    && let Some(lit) = serde_string(&meta)?
                {
                    if not_blank(cx, &lit, "a claim name", "remove the attribute") {
                        serde.rename = Some(lit);
                    }
                    return Ok(());
                }
                Some(
                    "the token has one name per claim: write `#[serde(rename = \"name\")]` (or `#[claim(rename = \"name\")]`) without separate `serialize` and `deserialize` names",
                )
            }
            "skip" => {
                serde.skip = Some(key.span());
                None
            }
            "skip_serializing" | "skip_deserializing" => Some(
                "a field is either a claim in both directions or not in the token at all: write `#[claim(skip)]` (decoded as `Default::default()`) or remove the attribute",
            ),
            // What an `Option<T>` claim does anyway: `None` is omitted.
            "skip_serializing_if"
                if optional
                    && meta.input.peek(Token![=])
                    && serde_string(&meta)?
                        .is_some_and(|lit| is_option_is_none(&lit.value())) =>
            {
                return Ok(());
            }
            "skip_serializing_if" => Some(
                "#[derive(Claims)] omits a claim only when it is `None`: make the field `Option<T>` and use `skip_serializing_if = \"Option::is_none\"`, or remove the attribute",
            ),
            // What an `Option<T>` claim does anyway: a missing claim is `None`.
            "default" if optional && (meta.input.is_empty() || meta.input.peek(Token![,])) => None,
            "default" => Some(
                "a claim that may be missing is written `Option<T>` (plain `default` is then allowed); a field that is never in the token is `#[claim(skip)]` (decoded as `Default::default()`)",
            ),
            "alias" => Some(
                "a claim has exactly one name: remove `alias`, or accept the other name with a separate `Option<T>` field",
            ),
            "flatten" => Some(
                "#[derive(Claims)] does not flatten: declare each claim as a field of this struct",
            ),
            "with" | "serialize_with" | "deserialize_with" => Some(
                "#[derive(Claims)] encodes a claim with its type's `Serialize` and `Deserialize`: wrap the value in a newtype that implements them",
            ),
            _ => None,
        };
        if let Some(refusal) = refusal {
            cx.error_spanned_by(
                key,
                format_args!("#[serde({name})] is not supported on a claim: {refusal}"),
            );
            serde.refused = true;
        }
        skip_value(&meta)
    });
}

/// Reads the struct's `#[serde(...)]` and refuses the keys that change the claims' names or
/// presence, which the derive does not follow.
fn serde_container(cx: &Ctxt, attr: &syn::Attribute) {
    let _ = attr.parse_nested_meta(|meta| {
        let key = &meta.path;
        let name = key.to_token_stream().to_string();
        let refusal = match name.as_str() {
            "rename_all" | "rename_all_fields" => Some(
                "registered claims have fixed names: rename each custom claim with `#[claim(rename = \"name\")]`",
            ),
            "default" => Some(
                "a claim that may be missing is written `Option<T>`; a field that is never in the token is `#[claim(skip)]`",
            ),
            "deny_unknown_fields" => Some(
                "a token may carry claims the type does not declare; they are skipped (registered ones are still checked)",
            ),
            "transparent" | "from" | "try_from" | "into" | "remote" | "tag" | "content"
            | "untagged" => Some(
                "#[derive(Claims)] encodes and decodes the struct's own fields, so serde's form would differ from the token",
            ),
            _ => None,
        };
        if let Some(refusal) = refusal {
            cx.error_spanned_by(
                key,
                format_args!(
                    "#[serde({name})] is not supported on a claims struct: {refusal}"
                ),
            );
        }
        skip_value(&meta)
    });
}

/// `Option::is_none`, also written with its full path.
fn is_option_is_none(path: &str) -> bool {
    let path = path.replace(' ', "");
    path == "Option::is_none" || path.ends_with("::Option::is_none")
}

/// The string of a serde `key = "..."`, or `None` when it is anything else (serde reports it).
fn serde_string(meta: &ParseNestedMeta<'_>) -> syn::Result<Option<LitStr>> {
    meta.input.parse::<Token![=]>()?;
    let tokens = value_tokens(meta.input)?;
    Ok(string_literal(tokens, "").ok())
}

/// Consumes whatever follows a key up to the next `,` (`= value`, `(...)`, or a stray `: x`),
/// so that the next key is still read and syn never reports on tokens we already did.
fn skip_value(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        meta.input.parse::<Token![=]>()?;
    }
    value_tokens(meta.input)?;
    Ok(())
}

/// A keyword that takes no value. Reports `key = ...` or `key(...)` and returns true then.
fn no_value(cx: &Ctxt, meta: &ParseNestedMeta<'_>, keyword: &str) -> syn::Result<bool> {
    let has_value = !(meta.input.is_empty() || meta.input.peek(Token![,]));
    if has_value {
        let message = if keyword == kw::ISS || keyword == kw::AUD {
            format!(
                "`{keyword}` takes no value on a field: `#[claim({keyword})]` marks the field that holds the claim; the value every token must carry is declared on the struct: `#[claims({keyword} = \"...\")]`"
            )
        } else {
            format!("`{keyword}` takes no value; write `#[claim({keyword})]`")
        };
        cx.error_spanned_by(&meta.path, message);
        skip_value(meta)?;
    }
    Ok(has_value)
}

/// An unknown keyword: reported on the key with a suggestion, then skipped so that the rest
/// of the attribute is still checked.
fn unknown_keyword(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    attribute: &str,
    here: &[&'static str],
    other_level: &[&str],
) -> syn::Result<()> {
    let key = meta.path.to_token_stream().to_string();
    let message = if attribute == "claim" && ["default", "optional"].contains(&key.as_str()) {
        format!(
            "unknown #[claim(...)] keyword `{key}`: a claim that may be missing is an `Option<T>` field, and a field that is never in the token is `#[claim(skip)]`"
        )
    } else if other_level.contains(&key.as_str()) {
        if attribute == "claims" {
            match key.as_str() {
                kw::WINDOW => {
                    "`window` goes on the `iat` field: `#[claim(iat, window = \"5m\")]`".to_owned()
                }
                kw::SKIP | kw::RENAME => format!(
                    "`{key}` goes on a field: `#[claim({key}{})]`",
                    if key == kw::SKIP { "" } else { " = \"...\"" }
                ),
                _ => format!(
                    "`{key}` goes on the field that holds the claim: `#[claim({key})]`, or name the field `{key}`"
                ),
            }
        } else {
            format!("`{key}` goes on the struct: `#[claims({key} = \"...\")]`")
        }
    } else {
        let expected = here
            .iter()
            .map(|keyword| format!("`{keyword}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let suggestion = suggest(&key, here)
            .map(|near| format!("did you mean `{near}`? "))
            .unwrap_or_default();
        format!(
            "unknown #[{attribute}(...)] keyword `{key}`; {suggestion}expected one of {expected}"
        )
    };
    cx.error_spanned_by(&meta.path, message);
    skip_value(meta)
}

/// syn's error for an attribute that is not a list of keys (`#[claims(1)]`, `#[claims]`),
/// restated in the attribute's terms.
fn malformed(error: &syn::Error, attribute: &str, keywords: &[&str]) -> syn::Error {
    let expected = keywords
        .iter()
        .map(|keyword| format!("`{keyword}`"))
        .collect::<Vec<_>>()
        .join(", ");
    syn::Error::new(
        error.span(),
        format_args!(
            "expected #[{attribute}(keyword, keyword = \"value\", ...)] with keywords from {expected}"
        ),
    )
}

/// The keyword closest to a misspelt one: one that starts it (`expiry` -> `exp`), or one a
/// couple of edits away (`leway` -> `leeway`).
fn suggest(word: &str, keywords: &[&'static str]) -> Option<&'static str> {
    let word = word.to_ascii_lowercase();
    // The spelled-out names of registered claims that neither rule finds.
    const LONG_NAMES: [(&str, &str); 4] = [
        ("id", kw::JTI),
        ("jwt_id", kw::JTI),
        ("not_before", kw::NBF),
        ("issued_at", kw::IAT),
    ];
    if let Some((_, keyword)) = LONG_NAMES
        .iter()
        .find(|(long, keyword)| *long == word && keywords.contains(keyword))
    {
        return Some(keyword);
    }
    let by_distance = keywords
        .iter()
        .map(|keyword| (edit_distance(&word, keyword), *keyword))
        .filter(|(distance, keyword)| *distance <= (keyword.len().max(word.len()) / 3).max(1))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, keyword)| keyword);
    by_distance.or_else(|| {
        keywords
            .iter()
            .copied()
            .find(|keyword| keyword.len() >= 3 && word.starts_with(keyword))
    })
}

/// Levenshtein distance.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

/// `key = "string"`. A value of the wrong kind is reported on the value and yields `None`,
/// so that the rest of the attribute is still checked.
fn string_value(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    keyword: &str,
    example: &str,
) -> syn::Result<Option<LitStr>> {
    if !meta.input.peek(Token![=]) {
        cx.error_spanned_by(
            &meta.path,
            format_args!("`{keyword}` takes a value: `{example}`"),
        );
        skip_value(meta)?;
        return Ok(None);
    }
    meta.input.parse::<Token![=]>()?;
    let tokens = value_tokens(meta.input)?;
    if tokens.is_empty() {
        cx.error_spanned_by(
            &meta.path,
            format_args!("`{keyword}` is missing its value: `{example}`"),
        );
        return Ok(None);
    }
    Ok(report(
        cx,
        string_literal(tokens, &format!("expected a string: `{example}`")),
    ))
}

/// Refuses an empty string or one with surrounding whitespace, which no token matches as
/// meant. Returns true when the value is usable.
fn not_blank(cx: &Ctxt, lit: &LitStr, what: &str, instead: &str) -> bool {
    let value = lit.value();
    if value.is_empty() {
        cx.error_spanned_by(lit, format_args!("{what} cannot be empty; {instead}"));
        false
    } else if value.trim() != value {
        cx.error_spanned_by(
            lit,
            format_args!(
                "{what} cannot start or end with whitespace: write {:?}",
                value.trim()
            ),
        );
        false
    } else {
        true
    }
}

fn report<T>(cx: &Ctxt, result: syn::Result<T>) -> Option<T> {
    result.map_err(|error| cx.syn_error(error)).ok()
}

/// The tokens of one value, up to the next `,` of the attribute. Read as plain tokens, not as
/// an expression, so that no value (an array, a block) reaches syn's expression parser.
fn value_tokens(input: ParseStream<'_>) -> syn::Result<TokenStream> {
    let mut tokens = TokenStream::new();
    while !input.is_empty() && !input.peek(Token![,]) {
        tokens.extend([input.parse::<TokenTree>()?]);
    }
    Ok(tokens)
}

/// The tokens inside invisible groups: a `macro_rules!` fragment (`$value:literal`,
/// `$value:expr`) arrives wrapped in one.
fn ungroup(tokens: TokenStream) -> TokenStream {
    let mut iter = tokens.clone().into_iter();
    match (iter.next(), iter.next()) {
        (Some(TokenTree::Group(group)), None) if group.delimiter() == Delimiter::None => {
            ungroup(group.stream())
        }
        _ => tokens,
    }
}

fn string_literal(tokens: TokenStream, message: &str) -> syn::Result<LitStr> {
    let tokens = ungroup(tokens);
    let mut iter = tokens.clone().into_iter();
    if let (Some(TokenTree::Literal(literal)), None) = (iter.next(), iter.next())
        && let Lit::Str(lit) = Lit::new(literal)
        && lit.suffix().is_empty()
    {
        return Ok(lit);
    }
    Err(syn::Error::new_spanned(tokens, message))
}

/// `aud = "one"` or `aud = ["one", "two"]`.
fn audience_value(cx: &Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<Option<Vec<LitStr>>> {
    let example = "aud = \"api\"` or `aud = [\"api\", \"admin\"]";
    let expected = format!("expected a string or an array of strings: `{example}`");
    if !meta.input.peek(Token![=]) {
        cx.error_spanned_by(&meta.path, format_args!("`aud` takes a value: `{example}`"));
        skip_value(meta)?;
        return Ok(None);
    }
    meta.input.parse::<Token![=]>()?;
    let tokens = ungroup(value_tokens(meta.input)?);
    let mut iter = tokens.clone().into_iter();
    let list = match (iter.next(), iter.next()) {
        (Some(TokenTree::Group(group)), None) if group.delimiter() == Delimiter::Bracket => {
            let items = split_commas(group.stream());
            if items.is_empty() {
                cx.syn_error(syn::Error::new(
                    group.span(),
                    "an empty `aud` list accepts no token; leave `aud` out to expect none",
                ));
                return Ok(None);
            }
            items
        }
        (None, _) => {
            cx.error_spanned_by(
                &meta.path,
                format_args!("`aud` is missing its value: `{example}`"),
            );
            return Ok(None);
        }
        _ => vec![tokens],
    };
    let audiences: Vec<Option<LitStr>> = list
        .into_iter()
        .map(|item| {
            let lit = report(cx, string_literal(item, &expected))?;
            not_blank(
                cx,
                &lit,
                "an audience",
                "write the audience the tokens must carry",
            )
            .then_some(lit)
        })
        .collect();
    let audiences: Option<Vec<LitStr>> = audiences.into_iter().collect();
    if let Some(audiences) = &audiences {
        for (index, audience) in audiences.iter().enumerate() {
            if audiences[..index]
                .iter()
                .any(|earlier| earlier.value() == audience.value())
            {
                cx.error_spanned_by(
                    audience,
                    format_args!("duplicate audience {:?}", audience.value()),
                );
                return Ok(None);
            }
        }
    }
    Ok(audiences)
}

/// The items of a bracketed list, split at its top-level commas (a trailing one allowed).
fn split_commas(stream: TokenStream) -> Vec<TokenStream> {
    let mut items = vec![TokenStream::new()];
    for token in stream {
        match &token {
            TokenTree::Punct(punct) if punct.as_char() == ',' => items.push(TokenStream::new()),
            _ => items.last_mut().expect("never empty").extend([token]),
        }
    }
    if items.last().is_some_and(TokenStream::is_empty) {
        items.pop();
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_keywords() {
        assert_eq!(suggest("leway", kw::CONTAINER), Some("leeway"));
        assert_eq!(suggest("algo", kw::CONTAINER), Some("alg"));
        assert_eq!(suggest("expiry", kw::FIELD), Some("exp"));
        assert_eq!(suggest("widnow", kw::FIELD), Some("window"));
        assert_eq!(suggest("renmae", kw::FIELD), Some("rename"));
        assert_eq!(suggest("Skip", kw::FIELD), Some("skip"));
        assert_eq!(suggest("unknown", kw::FIELD), None);
        assert_eq!(suggest("x", kw::CONTAINER), None);
        assert_eq!(suggest("id", kw::FIELD), Some("jti"));
        assert_eq!(suggest("id", kw::CONTAINER), None);
        assert_eq!(suggest("issued_at", kw::FIELD), Some("iat"));
    }

    fn errors_of(attribute: syn::Attribute, container: bool) -> Vec<String> {
        let cx = Ctxt::new();
        if container {
            Container::from_attrs(&cx, &[attribute]);
        } else {
            Field::from_attrs(&cx, &[attribute], false);
        }
        cx.check()
            .err()
            .into_iter()
            .flatten()
            .map(|error| error.to_string())
            .collect()
    }

    // The "expected one of" lists are built from `kw`; every keyword in them is parsed.
    #[test]
    fn every_listed_keyword_is_parsed() {
        for keyword in kw::CONTAINER {
            // `crate` is a keyword: not an identifier, but a valid attribute key.
            let key = if *keyword == kw::CRATE {
                quote::quote!(crate)
            } else {
                let key = syn::Ident::new(keyword, Span::call_site());
                quote::quote!(#key)
            };
            let errors = errors_of(syn::parse_quote!(#[claims(#key = "x")]), true);
            assert!(
                errors.iter().all(|error| !error.contains("unknown")),
                "{keyword}: {errors:?}"
            );
        }
        for keyword in kw::FIELD {
            let key = syn::Ident::new(keyword, Span::call_site());
            let errors = errors_of(syn::parse_quote!(#[claim(#key)]), false);
            assert!(
                errors.iter().all(|error| !error.contains("unknown")),
                "{keyword}: {errors:?}"
            );
        }
    }

    #[test]
    fn stray_tokens_after_a_key_are_one_error() {
        let errors = errors_of(syn::parse_quote!(#[claims(alg: "HS256", iss = "x")]), true);
        assert_eq!(errors, ["`alg` takes a value: `alg = \"HS256\"`"]);
        let errors = errors_of(syn::parse_quote!(#[claim(exp(now), sub)]), false);
        assert_eq!(errors, ["`exp` takes no value; write `#[claim(exp)]`"]);
    }

    #[test]
    fn option_is_none_by_any_path() {
        assert!(is_option_is_none("Option::is_none"));
        assert!(is_option_is_none("std::option::Option::is_none"));
        assert!(is_option_is_none(" core::option::Option :: is_none"));
        assert!(!is_option_is_none("MyOption::is_none"));
        assert!(!is_option_is_none("Vec::is_empty"));
    }

    #[test]
    fn edit_distances() {
        assert_eq!(edit_distance("", ""), 0);
        assert_eq!(edit_distance("abc", ""), 3);
        assert_eq!(edit_distance("leway", "leeway"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
