//! Code generation: `impl Claims` and `impl DecodeClaims` from the typed plan.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::DeriveInput;

use crate::ast::Input;
use crate::attr::Registered;
use crate::bound;
use crate::check;
use crate::ctxt::Ctxt;
use crate::fallback;
use crate::plan::{FieldPlan, Kind, Plan, type_span};

pub fn derive(input: &DeriveInput) -> TokenStream {
    let cx = Ctxt::new();
    let parsed = Input::from_syn(&cx, input);
    check::check(&cx, &parsed);
    let errors = cx.check().err().map(|error| error.to_compile_error());
    if !parsed.named {
        // Nothing to generate from: a stand-in keeps uses of the type quiet.
        return fallback::expand(&parsed, errors.unwrap_or_default());
    }
    // With errors, the impls are still generated from what was parsed (algorithm, one-use,
    // field types), so that one mistake yields one error, and the field type errors of the
    // same schema appear in the same round instead of after the attributes are fixed.
    let plan = Plan::new(&parsed);
    let claims = impl_claims(&plan);
    quote! {
        #errors
        #claims
    }
}

fn impl_claims(plan: &Plan<'_>) -> TokenStream {
    let jwt = plan.krate;
    let ident = &plan.input.original.ident;
    let (_, ty_generics, _) = plan.input.original.generics.split_for_impl();
    let claims_generics = bound::claims_generics(plan);
    let (impl_generics, _, where_clause) = claims_generics.split_for_impl();

    let algorithm = plan.algorithm();
    let replay = plan.replay();
    let schema = schema(plan);
    let write_payload = plan.claims().map(write_field);
    let write_declared = write_declared(plan.input);
    let registered = plan.claims().filter_map(registered_field);
    let decode = impl_decode_claims(plan);

    quote! {
        #[automatically_derived]
        #[allow(unused_qualifications, unused_parens)]
        impl #impl_generics #jwt::Claims for #ident #ty_generics #where_clause {
            type Algorithm = #algorithm;
            type Replay = #replay;

            const __SCHEMA: #jwt::__private::Schema = #schema;

            fn __write_payload(
                &self,
                __writer: &mut #jwt::__private::PayloadWriter<'_>,
            ) -> ::core::result::Result<(), #jwt::Error> {
                #(#write_payload)*
                #write_declared
                ::core::result::Result::Ok(())
            }

            fn __registered(&self) -> #jwt::__private::Registered<'_> {
                let mut __registered: #jwt::__private::Registered<'_> =
                    ::core::default::Default::default();
                #(#registered)*
                __registered
            }
        }

        #decode
    }
}

fn schema(plan: &Plan<'_>) -> TokenStream {
    let jwt = plan.krate;
    let input = plan.input;
    let container = &input.container;
    let issuer = option_tokens(container.iss.as_ref().map(|iss| quote!(#iss)));
    let audience = &container.aud;
    let typ = option_tokens(container.typ.as_ref().map(|typ| quote!(#typ)));
    let leeway = container.leeway_secs;
    let window = input
        .field_for(Registered::Iat)
        .and_then(|iat| iat.attrs.window.as_ref())
        .map(|window| {
            let secs = window.value;
            quote!(::core::time::Duration::from_secs(#secs))
        });
    let window = option_tokens(window);
    quote! {
        #jwt::__private::Schema {
            issuer: #issuer,
            audience: &[#(#audience),*],
            typ: #typ,
            leeway: ::core::time::Duration::from_secs(#leeway),
            iat_window: #window,
        }
    }
}

fn option_tokens(value: Option<TokenStream>) -> TokenStream {
    match value {
        Some(value) => quote!(::core::option::Option::Some(#value)),
        None => quote!(::core::option::Option::None),
    }
}

/// `"name":` as JSON, escaped here once rather than on every encode, exactly as serde_json
/// escapes a string.
fn json_key(name: &str) -> String {
    let mut key = String::with_capacity(name.len() + 3);
    key.push('"');
    for c in name.chars() {
        match c {
            '"' => key.push_str("\\\""),
            '\\' => key.push_str("\\\\"),
            '\u{8}' => key.push_str("\\b"),
            '\u{c}' => key.push_str("\\f"),
            '\n' => key.push_str("\\n"),
            '\r' => key.push_str("\\r"),
            '\t' => key.push_str("\\t"),
            '\0'..='\u{1f}' => key.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => key.push(c),
        }
    }
    key.push_str("\":");
    key
}

/// `__writer.<kind>("\"name\":", value)?;`, skipped for `None`.
fn write_field(field: &FieldPlan<'_>) -> TokenStream {
    let member = field.field.ident;
    let name = json_key(&field.field.json_name);
    let value_ty = &field.value_ty;
    let span = type_span(field.field.value_ty());
    let write = |value: TokenStream| match (field.kind, &field.ops) {
        (Kind::Time, Some(ops)) => quote!(__writer.time(#name, #value, #ops)?;),
        (Kind::Audience, Some(ops)) => quote!(__writer.audience(#name, #value, #ops)?;),
        // Through the claim's text: a `StringClaim` needs no `Serialize`.
        (Kind::String, Some(ops)) => {
            quote!(__writer.str(#name, ((#ops).as_str)(#value))?;)
        }
        _ => quote_spanned!(span=> __writer.value::<#value_ty>(#name, #value)?;),
    };
    if field.field.optional.is_some() {
        let write = write(quote!(__value));
        quote! {
            if let ::core::option::Option::Some(__value) = &self.#member {
                #write
            }
        }
    } else {
        write(quote!(&self.#member))
    }
}

/// A declared `iss` or `aud` without a field is written from the declaration, so that a type's
/// own tokens pass its own validation.
fn write_declared(input: &Input<'_>) -> TokenStream {
    let mut tokens = TokenStream::new();
    if let (Some(iss), None) = (&input.container.iss, input.field_for(Registered::Iss)) {
        let key = json_key("iss");
        tokens.extend(quote!(__writer.str(#key, #iss)?;));
    }
    let key = json_key("aud");
    match (
        input.container.aud.as_slice(),
        input.field_for(Registered::Aud),
    ) {
        ([], _) | (_, Some(_)) => {}
        ([one], None) => tokens.extend(quote!(__writer.str(#key, #one)?;)),
        (many, None) => tokens.extend(quote!(__writer.value::<[&str]>(#key, &[#(#many),*])?;)),
    }
    tokens
}

/// `__registered.<claim> = ...;` for a registered claim.
fn registered_field(field: &FieldPlan<'_>) -> Option<TokenStream> {
    let claim = field.field.claim?;
    let ops = field.ops.as_ref()?;
    let slot = format_ident!("{}", claim.name());
    let member = field.field.ident;
    let convert = match field.kind {
        Kind::Time => quote!((#ops).date),
        Kind::Audience => quote!((#ops).as_dyn),
        _ => quote!((#ops).as_str),
    };
    Some(if field.field.optional.is_some() {
        quote!(__registered.#slot = self.#member.as_ref().map(#convert);)
    } else {
        quote!(__registered.#slot = ::core::option::Option::Some((#convert)(&self.#member));)
    })
}

fn impl_decode_claims(plan: &Plan<'_>) -> TokenStream {
    let jwt = plan.krate;
    let ident = &plan.input.original.ident;
    let (_, ty_generics, _) = plan.input.original.generics.split_for_impl();
    let de = bound::decode_lifetime();
    let decode_generics = bound::decode_generics(plan);
    let (impl_generics, _, where_clause) = decode_generics.split_for_impl();

    // One arm per claim name: the first field with a name takes it. A field whose name an
    // earlier one took, or whose attribute or type was refused, is never read (all of these
    // were reported, so this code never runs); it is still generated so that the other
    // fields' type errors appear in the same round.
    let mut arms: Vec<(usize, &str)> = Vec::new();
    for (index, field) in plan.fields.iter().enumerate() {
        let name = field.field.json_name.as_str();
        let readable = !matches!(field.kind, Kind::Skipped | Kind::Refused) && !field.undecodable;
        if readable && !arms.iter().any(|(_, taken)| *taken == name) {
            arms.push((index, name));
        }
    }
    let indices: Vec<usize> = arms.iter().map(|(index, _)| *index).collect();
    let names: Vec<&str> = arms.iter().map(|(_, name)| *name).collect();
    let values: Vec<_> = indices
        .iter()
        .map(|index| format_ident!("__value{}", index))
        .collect();
    let seen: Vec<_> = indices
        .iter()
        .map(|index| format_ident!("__seen{}", index))
        .collect();
    let reads = indices.iter().map(|index| read_field(&plan.fields[*index]));
    let keys: Vec<Literal> = names
        .iter()
        .map(|name| Literal::byte_string(json_key(name).as_bytes()))
        .collect();
    let following: Vec<usize> = (1..=arms.len()).collect();
    let mut any_unread = false;
    let inits: Vec<TokenStream> = plan
        .fields
        .iter()
        .enumerate()
        .map(|(index, field)| {
            let member = field.field.ident;
            let name = &field.field.json_name;
            let value = format_ident!("__value{}", index);
            if field.kind == Kind::Skipped {
                let ty = field.field.ty;
                quote_spanned!(type_span(ty)=> #member: ::core::default::Default::default())
            } else if !indices.contains(&index) {
                any_unread = true;
                quote!(#member: __unread())
            } else if field.field.optional.is_some() {
                quote!(#member: #value)
            } else {
                quote!(#member: __state.required::<_, __M::Error>(#value, #name)?)
            }
        })
        .collect();
    let unread_fn = any_unread.then(|| {
        quote! {
            fn __unread<__T>() -> __T {
                ::core::unreachable!()
            }
        }
    });

    // The member loop is written once against `Members`: the runtime runs it over the
    // payload's bytes, and over serde for the payloads that path leaves to it.
    quote! {
        #[automatically_derived]
        #[allow(unused_qualifications, unused_parens, unused_mut, unused_assignments)]
        impl #impl_generics #jwt::DecodeClaims<#de> for #ident #ty_generics #where_clause {
            fn __read_members<__M: #jwt::__private::Members<#de>>(
                __members: &mut __M,
                __state: &mut #jwt::__private::DecodeState<#de>,
            ) -> ::core::result::Result<Self, __M::Error> {
                #(
                    let mut #values = ::core::option::Option::None;
                    let mut #seen = false;
                )*
                #unread_fn
                // The members in declaration order, as JSON keys: an issuer's encoder writes
                // them so, and each one read makes the next the one expected.
                const __KEYS: &[&[u8]] = &[#(#keys,)* b""];
                const __FIELDS: &[usize] = &[#(#indices,)* usize::MAX];
                let mut __expected = 0_usize;
                loop {
                    let __index = match __members.next_member(__KEYS[__expected])? {
                        #jwt::__private::NextMember::Expected => __FIELDS[__expected],
                        #jwt::__private::NextMember::Named(__key) => match &*__key {
                            #(#names => #indices,)*
                            _ => {
                                __members.other(__state, __key)?;
                                continue;
                            }
                        },
                        #jwt::__private::NextMember::End => break,
                    };
                    match __index {
                        #(
                            #indices => {
                                __state.first::<__M::Error>(&mut #seen, #names)?;
                                #values = #reads;
                                __expected = #following;
                            }
                        )*
                        _ => {}
                    }
                }
                ::core::result::Result::Ok(#ident { #(#inits),* })
            }
        }
    }
}

/// The expression that reads one field's value, as the `Option` the loop keeps.
fn read_field(field: &FieldPlan<'_>) -> TokenStream {
    let name = &field.field.json_name;
    let value_ty = &field.value_ty;
    let span = type_span(field.field.value_ty());
    let read = match (field.kind, &field.ops) {
        (Kind::Time, Some(ops)) => quote!(__members.time(__state, #name, #ops)?),
        (Kind::Audience, Some(ops)) => quote!(__members.audience(__state, #name, #ops)?),
        _ if field.borrowing_cow => quote!(__members.cow_str(__state, #name)?),
        (Kind::String, _) => {
            quote_spanned!(span=> __members.value::<#value_ty>(__state, #name, "a string")?)
        }
        // An optional custom claim follows serde: `null` reads as `None`.
        (Kind::Custom, _) if field.field.optional.is_some() => {
            let ty = &field.ty;
            let expected = expected_custom(value_ty);
            return quote_spanned!(span=> __members.value::<#ty>(__state, #name, #expected)?);
        }
        _ => {
            let expected = expected_custom(value_ty);
            quote_spanned!(span=> __members.value::<#value_ty>(__state, #name, #expected)?)
        }
    };
    quote!(::core::option::Option::Some(#read))
}

fn expected_custom(value_ty: &TokenStream) -> TokenStream {
    quote!(::core::any::type_name::<#value_ty>())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand(input: TokenStream) -> String {
        derive(&syn::parse2(input).unwrap()).to_string()
    }

    #[test]
    fn keys_are_escaped_as_serde_json_escapes_them() {
        for (name, expected) in [
            ("exp", r#""exp":"#),
            ("a\"b", r#""a\"b":"#),
            ("back\\slash", r#""back\\slash":"#),
            (
                "\u{1}\u{8}\u{c}\n\r\t\u{1f}",
                r#""\u0001\b\f\n\r\t\u001f":"#,
            ),
            ("\u{7f}é😀", "\"\u{7f}é😀\":"),
        ] {
            assert_eq!(json_key(name), expected);
        }
    }

    #[test]
    fn the_crate_path_replaces_every_runtime_path() {
        let valid = expand(quote! {
            #[claims(crate = "jwt", alg = "HS512")]
            struct S<T> { exp: u64, sub: String, aud: Vec<String>, data: T, #[claim(skip)] c: u8 }
        });
        assert!(!valid.contains("jwt_runtime"), "{valid}");
        assert!(valid.contains("jwt :: Hs512"), "{valid}");
        let invalid = expand(quote! {
            #[claims(crate = "jwt", alg = "HS512")]
            enum E {}
        });
        assert!(!invalid.contains("jwt_runtime"), "{invalid}");
        assert!(invalid.contains("jwt :: Hs512"), "{invalid}");
    }

    #[test]
    fn with_errors_the_impl_keeps_the_algorithm_and_one_use() {
        let expanded = expand(quote! {
            #[claims(alg = "HS384", leway = "1s")]
            struct S { exp: u64, jti: String }
        });
        assert!(expanded.contains("compile_error"), "{expanded}");
        assert!(expanded.contains("jwt_runtime :: Hs384"), "{expanded}");
        assert!(expanded.contains("replay :: OneUse"), "{expanded}");
    }
}
