//! Rules across fields. Rules about one attribute are enforced while parsing (`attr`); rules
//! about a field's type are enforced by the compiler on the generated code, spanned on the
//! field type (`expand`), except `&'static`, which no trait bound can state clearly.

use crate::ast::{self, Input};
use crate::attr::Registered;
use crate::ctxt::Ctxt;

pub fn check(cx: &Ctxt, input: &Input<'_>) {
    check_claim_held_once(cx, input);
    check_json_names_unique(cx, input);
    check_window_only_on_iat(cx, input);
    check_jti_has_required_exp(cx, input);
    check_decodable(cx, input);
}

// A registered claim is held by at most one field: two `exp` fields (by keyword, by name or
// by `rename = "exp"`) would make it unclear which one is validated.
fn check_claim_held_once(cx: &Ctxt, input: &Input<'_>) {
    for (index, field) in input.fields.iter().enumerate() {
        let Some(claim) = field.claim else { continue };
        if let Some(first) = input.fields[..index]
            .iter()
            .find(|earlier| earlier.claim == Some(claim))
        {
            cx.syn_error(field.error_on_claim(format_args!(
                "the `{}` claim is already held by field `{}`",
                claim.name(),
                first.ident
            )));
        }
    }
}

// Two custom claims with one JSON name (`#[claim(rename = "x")]` and a field `x`) would
// serialize a duplicate member, which decoding rejects.
fn check_json_names_unique(cx: &Ctxt, input: &Input<'_>) {
    for (index, field) in input.fields.iter().enumerate() {
        if field.claim.is_some() || field.skipped() {
            continue;
        }
        if let Some(first) = input.fields[..index]
            .iter()
            .find(|earlier| !earlier.skipped() && earlier.json_name == field.json_name)
        {
            cx.error_spanned_by(
                &field.json_name_tokens,
                format_args!(
                    "the claim name {:?} is already used by field `{}`",
                    field.json_name, first.ident
                ),
            );
        }
    }
}

// `window` bounds how long ago a token was issued, so it belongs to `iat` alone.
fn check_window_only_on_iat(cx: &Ctxt, input: &Input<'_>) {
    for field in &input.fields {
        if let Some(window) = &field.attrs.window
            && field.claim != Some(Registered::Iat)
        {
            cx.syn_error(syn::Error::new(
                window.span,
                "`window` applies only to the `iat` claim: `#[claim(iat, window = \"5m\")]`",
            ));
        }
    }
}

// A one-use token's `jti` is remembered until the token expires, so the token must expire:
// `jti` requires a required (non-`Option`) `exp`.
fn check_jti_has_required_exp(cx: &Ctxt, input: &Input<'_>) {
    let Some(jti) = input.field_for(Registered::Jti) else {
        return;
    };
    if jti.optional.is_some() {
        cx.syn_error(jti.error_on_claim(
            "a one-use token must carry its `jti`; make the field required (not `Option`)",
        ));
    }
    let exp_required = input
        .field_for(Registered::Exp)
        .is_some_and(|exp| exp.optional.is_none());
    if !exp_required {
        cx.syn_error(jti.error_on_claim(
            "a `jti` claim makes tokens one-use, which needs a required `exp` so that the replay store can forget the id; add `exp: NumericDate`",
        ));
    }
}

// A token's payload does not live for `'static`, so a `&'static` inside a claim's type can
// never be decoded; `Cow<'static, str>` can (it owns what it decodes).
fn check_decodable(cx: &Ctxt, input: &Input<'_>) {
    for field in &input.fields {
        if field.skipped() {
            continue;
        }
        if let Some(lifetime) = ast::static_reference(field.ty) {
            cx.error_spanned_by(
                lifetime,
                "a `&'static` claim cannot be decoded, because a token's payload does not live for `'static`; use `Cow<'static, str>` (which borrows a static string when encoding and owns what it decodes) or an owned type such as `String`",
            );
        }
    }
}
