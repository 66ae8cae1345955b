//! The generics of the generated impls: the decode lifetime, and the where-clause predicates
//! inferred from the fields (or given with `#[claims(bound = "...")]`).

use std::collections::HashSet;

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::{
    GenericParam, Generics, Ident, Lifetime, LifetimeParam, Type, TypeParamBound, WherePredicate,
};

use crate::ast;
use crate::plan::{FieldPlan, Kind, Plan};

/// The lifetime of the payload a type decodes from, `'__de` in every generated impl.
pub fn decode_lifetime() -> Lifetime {
    Lifetime::new("'__de", Span::call_site())
}

/// `generics` with `'__de` first, outliving every lifetime parameter: a field borrowed for
/// `'a` is read from a payload that lives at least as long.
pub fn with_decode_lifetime(generics: &Generics) -> Generics {
    let mut generics = generics.clone();
    let mut param = LifetimeParam::new(decode_lifetime());
    param
        .bounds
        .extend(generics.lifetimes().map(|param| param.lifetime.clone()));
    generics.params.insert(0, GenericParam::Lifetime(param));
    generics
}

/// The generics of `impl Claims`.
pub fn claims_generics(plan: &Plan<'_>) -> Generics {
    let predicates = match &plan.input.container.bound {
        Some(explicit) => explicit.clone(),
        None => inferred(plan, false),
    };
    with_predicates(plan.input.original.generics.clone(), predicates)
}

/// The generics of `impl DecodeClaims<'__de>`.
pub fn decode_generics(plan: &Plan<'_>) -> Generics {
    let predicates = match &plan.input.container.bound {
        Some(explicit) => explicit.clone(),
        None => inferred(plan, true),
    };
    with_predicates(
        with_decode_lifetime(&plan.input.original.generics),
        predicates,
    )
}

fn with_predicates(mut generics: Generics, predicates: Vec<WherePredicate>) -> Generics {
    generics.make_where_clause().predicates.extend(predicates);
    generics
}

/// What serde infers: a bound for each field whose type mentions a type parameter, on what the
/// generated code needs of that type. A bound the user already wrote on a bare parameter is
/// not repeated: `T: DeserializeOwned` and an added `T: Deserialize<'__de>` would make every
/// use ambiguous (E0283).
fn inferred(plan: &Plan<'_>, decode: bool) -> Vec<WherePredicate> {
    let generics = &plan.input.original.generics;
    let type_params: Vec<&Ident> = generics.type_params().map(|param| &param.ident).collect();
    if type_params.is_empty() {
        return Vec::new();
    }
    let jwt = &plan.krate;
    let de = decode_lifetime();
    let serde = quote!(#jwt::__private::serde);
    let mut predicates = Vec::new();
    let mut push = |field: &FieldPlan<'_>, whole: bool, trait_name: &str, bound: TokenStream| {
        let (ty, tokens) = if whole {
            (field.field.ty, &field.ty)
        } else {
            (field.field.value_ty(), &field.value_ty)
        };
        if !mentions_any(ty, &type_params) || declared(generics, ty, trait_name) {
            return;
        }
        predicates.push(syn::parse_quote!(#tokens: #bound));
    };
    for field in &plan.fields {
        match field.kind {
            Kind::Time => push(field, false, "TimeClaim", quote!(#jwt::TimeClaim)),
            Kind::Audience => push(field, false, "AudienceClaim", quote!(#jwt::AudienceClaim)),
            Kind::String => {
                push(field, false, "StringClaim", quote!(#jwt::StringClaim));
                if decode && !field.borrowing_cow {
                    push(
                        field,
                        false,
                        "Deserialize",
                        quote!(#serde::Deserialize<#de>),
                    );
                }
            }
            Kind::Custom => {
                push(field, false, "Serialize", quote!(#serde::Serialize));
                if decode {
                    push(field, true, "Deserialize", quote!(#serde::Deserialize<#de>));
                }
            }
            Kind::Skipped => {
                if decode {
                    push(field, true, "Default", quote!(::core::default::Default));
                }
            }
            Kind::Refused => {}
        }
    }
    predicates
}

/// True when `ty` is a bare type parameter the user already bounds by `trait_name`
/// (`Deserialize` also by `DeserializeOwned`), inline or in the where clause.
fn declared(generics: &Generics, ty: &Type, trait_name: &str) -> bool {
    let Type::Path(path) = ast::ungroup(ty) else {
        return false;
    };
    let Some(param) = path.path.get_ident() else {
        return false;
    };
    let mut names = HashSet::new();
    let mut collect = |bounds: &syn::punctuated::Punctuated<TypeParamBound, syn::Token![+]>| {
        for bound in bounds {
            if let TypeParamBound::Trait(bound) = bound
                && let Some(segment) = bound.path.segments.last()
            {
                names.insert(segment.ident.to_string());
            }
        }
    };
    for type_param in generics.type_params() {
        if type_param.ident == *param {
            collect(&type_param.bounds);
        }
    }
    if let Some(where_clause) = &generics.where_clause {
        for predicate in &where_clause.predicates {
            if let WherePredicate::Type(predicate) = predicate
                && matches!(ast::ungroup(&predicate.bounded_ty), Type::Path(bounded) if bounded.path.is_ident(param))
            {
                collect(&predicate.bounds);
            }
        }
    }
    names.contains(trait_name)
        || (trait_name == "Deserialize" && names.contains("DeserializeOwned"))
}

fn mentions_any(ty: &Type, params: &[&Ident]) -> bool {
    let tokens = quote!(#ty).to_string();
    tokens
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .any(|word| params.iter().any(|param| *param == word))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_the_user_declared_are_recognised() {
        let generics: Generics = syn::parse_quote!(<T: Serialize + serde::de::DeserializeOwned, U>);
        let t: Type = syn::parse_quote!(T);
        assert!(declared(&generics, &t, "Serialize"));
        assert!(declared(&generics, &t, "Deserialize"));
        assert!(!declared(&generics, &t, "Default"));
        assert!(!declared(
            &generics,
            &syn::parse_quote!(Vec<T>),
            "Serialize"
        ));

        let mut generics = generics;
        generics.where_clause = Some(syn::parse_quote!(where U: for<'de> Deserialize<'de>));
        assert!(declared(&generics, &syn::parse_quote!(U), "Deserialize"));
        assert!(!declared(&generics, &syn::parse_quote!(U), "Serialize"));
    }

    #[test]
    fn mentions_finds_whole_identifiers() {
        let t = Ident::new("T", Span::call_site());
        assert!(mentions_any(&syn::parse_quote!(Vec<T>), &[&t]));
        assert!(!mentions_any(&syn::parse_quote!(Tee), &[&t]));
        assert!(!mentions_any(&syn::parse_quote!(String), &[]));
    }
}
