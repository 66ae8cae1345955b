//! Code generation: `impl Claims` and `impl DecodeClaims` for a checked schema.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{DeriveInput, GenericParam, Generics, Lifetime, LifetimeParam, Type, WherePredicate};

use crate::ast::{self, Field, Input};
use crate::attr::{Algorithm, Registered};
use crate::check;
use crate::ctxt::Ctxt;
use crate::fallback;

pub fn derive(input: &DeriveInput) -> TokenStream {
    match try_expand(input) {
        Ok(expanded) => expanded,
        // Still implement the traits, so that one mistake yields one error and not a cascade
        // of "trait `Claims` is not implemented" wherever the type is used.
        Err(error) => fallback::expand(input, &error),
    }
}

fn try_expand(input: &DeriveInput) -> syn::Result<TokenStream> {
    let cx = Ctxt::new();
    let Some(parsed) = Input::from_syn(&cx, input) else {
        cx.check()?;
        unreachable!("from_syn returns None only after reporting an error");
    };
    check::check(&cx, &parsed);
    cx.check()?;
    Ok(impl_claims(&parsed))
}

/// How a field's value is read, written and validated.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Time,
    Audience,
    String,
    Custom,
}

impl Kind {
    fn of(field: &Field<'_>) -> Kind {
        match field.claim {
            Some(claim) if claim.is_time() => Kind::Time,
            Some(Registered::Aud) => Kind::Audience,
            Some(_) => Kind::String,
            None => Kind::Custom,
        }
    }
}

fn impl_claims(input: &Input<'_>) -> TokenStream {
    let ident = &input.original.ident;
    let generics = &input.original.generics;
    let (_, ty_generics, _) = generics.split_for_impl();

    let claims_generics = with_bounds(input, generics, None);
    let (impl_generics, _, where_clause) = claims_generics.split_for_impl();

    let algorithm = match input.container.alg {
        Algorithm::Hs256 => quote!(::jwt_runtime::Hs256),
        Algorithm::Hs384 => quote!(::jwt_runtime::Hs384),
        Algorithm::Hs512 => quote!(::jwt_runtime::Hs512),
        Algorithm::EdDsa => quote!(::jwt_runtime::EdDsa),
        Algorithm::Es256 => quote!(::jwt_runtime::Es256),
        Algorithm::Es384 => quote!(::jwt_runtime::Es384),
        Algorithm::Rs256 => quote!(::jwt_runtime::Rs256),
        Algorithm::Rs384 => quote!(::jwt_runtime::Rs384),
        Algorithm::Rs512 => quote!(::jwt_runtime::Rs512),
        Algorithm::Ps256 => quote!(::jwt_runtime::Ps256),
        Algorithm::Ps384 => quote!(::jwt_runtime::Ps384),
        Algorithm::Ps512 => quote!(::jwt_runtime::Ps512),
    };
    let replay = if input.field_for(Registered::Jti).is_some() {
        quote!(::jwt_runtime::replay::OneUse)
    } else {
        quote!(::jwt_runtime::replay::Reusable)
    };
    let schema = schema(input);
    let write_payload = input.fields.iter().map(write_field);
    let write_declared = write_declared(input);
    let registered = input.fields.iter().filter_map(registered_field);
    let decode = impl_decode_claims(input);

    quote! {
        #[automatically_derived]
        #[allow(unused_qualifications)]
        impl #impl_generics ::jwt_runtime::Claims for #ident #ty_generics #where_clause {
            type Algorithm = #algorithm;
            type Replay = #replay;

            const __SCHEMA: ::jwt_runtime::__private::Schema = #schema;

            fn __write_payload(
                &self,
                __writer: &mut ::jwt_runtime::__private::PayloadWriter<'_>,
            ) -> ::core::result::Result<(), ::jwt_runtime::Error> {
                #(#write_payload)*
                #write_declared
                ::core::result::Result::Ok(())
            }

            fn __registered(&self) -> ::jwt_runtime::__private::Registered<'_> {
                let mut __registered: ::jwt_runtime::__private::Registered<'_> =
                    ::core::default::Default::default();
                #(#registered)*
                __registered
            }
        }

        #decode
    }
}

fn schema(input: &Input<'_>) -> TokenStream {
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
        ::jwt_runtime::__private::Schema {
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

/// The ops of a registered field's type (see `jwt_runtime::__private::TimeOps`). Every use
/// of a field's claim behaviour goes through this one call, spanned on the field type, so a
/// wrong type gives one error there, however many places use it.
fn ops(field: &Field<'_>) -> Option<TokenStream> {
    let value_ty = field.value_ty();
    let span = value_ty.span();
    Some(match Kind::of(field) {
        Kind::Time => quote_spanned!(span=> ::jwt_runtime::__private::time_ops::<#value_ty>()),
        Kind::Audience => {
            quote_spanned!(span=> ::jwt_runtime::__private::audience_ops::<#value_ty>())
        }
        Kind::String => quote_spanned!(span=> ::jwt_runtime::__private::string_ops::<#value_ty>()),
        Kind::Custom => return None,
    })
}

/// `__writer.<kind>("name", value)?;`, skipped for `None`.
fn write_field(field: &Field<'_>) -> TokenStream {
    let member = field.ident;
    let name = &field.json_name;
    let value_ty = field.value_ty();
    let write = |value: TokenStream| match (Kind::of(field), ops(field)) {
        (Kind::Time, Some(ops)) => quote!(__writer.time(#name, #value, #ops)?;),
        (Kind::Audience, Some(ops)) => quote!(__writer.audience(#name, #value, #ops)?;),
        _ => quote_spanned!(value_ty.span()=> __writer.value::<#value_ty>(#name, #value)?;),
    };
    if field.optional.is_some() {
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
        tokens.extend(quote!(__writer.value::<str>("iss", #iss)?;));
    }
    match (
        input.container.aud.as_slice(),
        input.field_for(Registered::Aud),
    ) {
        ([], _) | (_, Some(_)) => {}
        ([one], None) => tokens.extend(quote!(__writer.value::<str>("aud", #one)?;)),
        (many, None) => tokens.extend(quote!(__writer.value::<[&str]>("aud", &[#(#many),*])?;)),
    }
    tokens
}

/// `__registered.<claim> = ...;` for a registered claim.
fn registered_field(field: &Field<'_>) -> Option<TokenStream> {
    let claim = field.claim?;
    let ops = ops(field)?;
    let slot = format_ident!("{}", claim.name());
    let member = field.ident;
    let convert = match Kind::of(field) {
        Kind::Time => quote!((#ops).date),
        Kind::Audience => quote!((#ops).as_dyn),
        _ => quote!((#ops).as_str),
    };
    Some(if field.optional.is_some() {
        quote!(__registered.#slot = self.#member.as_ref().map(#convert);)
    } else {
        quote!(__registered.#slot = ::core::option::Option::Some((#convert)(&self.#member));)
    })
}

fn impl_decode_claims(input: &Input<'_>) -> TokenStream {
    let ident = &input.original.ident;
    let generics = &input.original.generics;
    let (_, ty_generics, _) = generics.split_for_impl();
    let de = Lifetime::new("'__de", Span::call_site());
    let decode_generics = with_bounds(input, generics, Some(&de));
    let (impl_generics, _, where_clause) = decode_generics.split_for_impl();

    // The visitor carries the user's generics plus the state's borrow.
    let mut visitor_generics = decode_generics.clone();
    visitor_generics.params.insert(
        0,
        GenericParam::Lifetime(LifetimeParam::new(Lifetime::new("'__s", Span::call_site()))),
    );
    let (visitor_impl_generics, visitor_ty_generics, visitor_where) =
        visitor_generics.split_for_impl();

    let indices: Vec<usize> = (0..input.fields.len()).collect();
    let names: Vec<&str> = input
        .fields
        .iter()
        .map(|field| field.json_name.as_str())
        .collect();
    let values: Vec<_> = (0..input.fields.len())
        .map(|index| format_ident!("__value{}", index))
        .collect();
    let seen: Vec<_> = (0..input.fields.len())
        .map(|index| format_ident!("__seen{}", index))
        .collect();
    let reads = input.fields.iter().map(read_field);
    let inits = input.fields.iter().zip(&values).map(|(field, value)| {
        let member = field.ident;
        let name = &field.json_name;
        if field.optional.is_some() {
            quote!(#member: #value)
        } else {
            quote!(#member: __state.required::<_, __A::Error>(#value, #name)?)
        }
    });

    quote! {
        #[automatically_derived]
        #[allow(unused_qualifications)]
        impl #impl_generics ::jwt_runtime::DecodeClaims<#de> for #ident #ty_generics #where_clause {
            fn __decode_payload(
                __json: &#de [u8],
                __state: &mut ::jwt_runtime::__private::DecodeState<#de>,
            ) -> ::core::result::Result<Self, ::jwt_runtime::Error> {
                struct __Visitor #visitor_impl_generics #visitor_where {
                    state: &'__s mut ::jwt_runtime::__private::DecodeState<#de>,
                    marker: ::core::marker::PhantomData<fn() -> #ident #ty_generics>,
                }

                impl #visitor_impl_generics ::jwt_runtime::__private::serde::de::Visitor<#de>
                    for __Visitor #visitor_ty_generics #visitor_where
                {
                    type Value = #ident #ty_generics;

                    fn expecting(&self, __f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                        __f.write_str("a JWT claims object")
                    }

                    fn visit_map<__A>(self, mut __map: __A) -> ::core::result::Result<Self::Value, __A::Error>
                    where
                        __A: ::jwt_runtime::__private::serde::de::MapAccess<#de>,
                    {
                        let __state = self.state;
                        #(
                            let mut #values = ::core::option::Option::None;
                            let mut #seen = false;
                        )*
                        while let ::core::option::Option::Some(::jwt_runtime::__private::Key(__key)) =
                            ::jwt_runtime::__private::serde::de::MapAccess::next_key(&mut __map)?
                        {
                            let __index = match &*__key {
                                #(#names => #indices,)*
                                _ => usize::MAX,
                            };
                            match __index {
                                #(
                                    #indices => {
                                        __state.first::<__A::Error>(&mut #seen, #names)?;
                                        #values = #reads;
                                    }
                                )*
                                _ => __state.other(&mut __map, __key)?,
                            }
                        }
                        ::core::result::Result::Ok(#ident { #(#inits),* })
                    }
                }

                let __result = ::jwt_runtime::__private::deserialize_object(
                    __json,
                    __Visitor { state: &mut *__state, marker: ::core::marker::PhantomData },
                );
                __state.finish(__result)
            }
        }
    }
}

/// The expression that reads one field's value, as the `Option` the visitor keeps.
fn read_field(field: &Field<'_>) -> TokenStream {
    let name = &field.json_name;
    let value_ty = field.value_ty();
    let span = value_ty.span();
    let read = match (Kind::of(field), ops(field)) {
        (Kind::Time, Some(ops)) => quote!(__state.time(&mut __map, #name, #ops)?),
        (Kind::Audience, Some(ops)) => quote!(__state.audience(&mut __map, #name, #ops)?),
        _ if ast::is_cow_str(value_ty) => quote!(__state.cow_str(&mut __map, #name)?),
        (Kind::String, _) => {
            quote_spanned!(span=> __state.value::<__A, #value_ty>(&mut __map, #name, "a string")?)
        }
        // An optional custom claim follows serde: `null` reads as `None`.
        (Kind::Custom, _) if field.optional.is_some() => {
            let ty = field.ty;
            let expected = expected_custom(value_ty);
            return quote_spanned!(span=> __state.value::<__A, #ty>(&mut __map, #name, #expected)?);
        }
        _ => {
            let expected = expected_custom(value_ty);
            quote_spanned!(span=> __state.value::<__A, #value_ty>(&mut __map, #name, #expected)?)
        }
    };
    quote!(::core::option::Option::Some(#read))
}

fn expected_custom(value_ty: &Type) -> TokenStream {
    quote!(::core::any::type_name::<#value_ty>())
}

/// The user's generics, plus (for decoding) `'__de` outliving every lifetime parameter, plus
/// bounds for the fields whose types mention a type parameter.
fn with_bounds(input: &Input<'_>, generics: &Generics, de: Option<&Lifetime>) -> Generics {
    let mut generics = generics.clone();
    let type_params: Vec<_> = generics
        .type_params()
        .map(|param| param.ident.clone())
        .collect();
    let mut predicates: Vec<WherePredicate> = Vec::new();
    if let Some(de) = de {
        let lifetimes: Vec<_> = generics
            .lifetimes()
            .map(|param| param.lifetime.clone())
            .collect();
        let mut param = LifetimeParam::new(de.clone());
        param.bounds.extend(lifetimes);
        generics.params.insert(0, GenericParam::Lifetime(param));
    }
    for field in &input.fields {
        if !mentions_any(field.ty, &type_params) {
            continue;
        }
        let value_ty = field.value_ty();
        let ty = field.ty;
        let predicate = match (Kind::of(field), de) {
            (Kind::Time, _) => quote!(#value_ty: ::jwt_runtime::TimeClaim),
            (Kind::Audience, _) => quote!(#value_ty: ::jwt_runtime::AudienceClaim),
            (Kind::String, None) => quote!(#value_ty: ::jwt_runtime::StringClaim),
            (Kind::String, Some(de)) => {
                quote!(#value_ty: ::jwt_runtime::StringClaim + ::jwt_runtime::__private::serde::Deserialize<#de>)
            }
            (Kind::Custom, None) => quote!(#value_ty: ::jwt_runtime::__private::serde::Serialize),
            // `DecodeClaims` has `Claims` as supertrait, so it needs the `Serialize` bound too.
            (Kind::Custom, Some(de)) => quote!(
                #value_ty: ::jwt_runtime::__private::serde::Serialize,
                #ty: ::jwt_runtime::__private::serde::Deserialize<#de>
            ),
        };
        let parsed: syn::punctuated::Punctuated<WherePredicate, syn::Token![,]> =
            syn::parse_quote!(#predicate);
        predicates.extend(parsed);
    }
    generics.make_where_clause().predicates.extend(predicates);
    generics
}

fn mentions_any(ty: &Type, params: &[syn::Ident]) -> bool {
    if params.is_empty() {
        return false;
    }
    let tokens = quote!(#ty).to_string();
    tokens
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .any(|word| params.iter().any(|param| param == word))
}
