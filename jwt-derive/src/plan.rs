//! The typed plan expansion works from: what each field is (its claim kind) and the ops
//! expression of its claim type, computed once per field.

use proc_macro2::{Group, Span, TokenStream, TokenTree};
use quote::{ToTokens as _, quote, quote_spanned};
use syn::spanned::Spanned as _;

use crate::ast::{self, Field, Input};
use crate::attr::{Algorithm, Registered};

/// How a field's value is written, read and validated.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `exp`, `nbf`, `iat`: through `TimeOps`.
    Time,
    /// `aud`: through `AudienceOps`.
    Audience,
    /// `iss`, `sub`, `jti`: through `StringOps`.
    String,
    /// Any other claim: through the type's `Serialize` and `Deserialize`.
    Custom,
    /// `#[claim(skip)]`: not in the token, `Default` on decode.
    Skipped,
    /// An attribute on the field was refused (already reported): nothing is generated for
    /// it, so that its type raises no second error.
    Refused,
}

/// One field of the plan.
pub struct FieldPlan<'a> {
    pub field: &'a Field<'a>,
    pub kind: Kind,
    /// The field type as generated code names it: `Self` spelled out, because inside the
    /// generated visitor `Self` is the visitor.
    pub ty: TokenStream,
    /// The claim's value type (`T` for `Option<T>`), likewise.
    pub value_ty: TokenStream,
    /// The claim type's ops (`time_ops::<T>()`, ...), spanned on the field type so that a
    /// wrong type gives one error there however many places use it. `None` for `Custom` and
    /// `Skipped`.
    pub ops: Option<TokenStream>,
    /// `Cow<'a, str>` with `'a` not `'static`: decoded borrowed from the payload.
    pub borrowing_cow: bool,
    /// A `&'static` inside the type (already reported): the field cannot be decoded.
    pub undecodable: bool,
}

/// The whole plan.
pub struct Plan<'a> {
    pub input: &'a Input<'a>,
    /// The path of `jwt_runtime` in generated code.
    pub krate: &'a syn::Path,
    pub fields: Vec<FieldPlan<'a>>,
}

impl<'a> Plan<'a> {
    pub fn new(input: &'a Input<'a>) -> Plan<'a> {
        let krate = &input.container.krate;
        let ident = &input.original.ident;
        let (_, ty_generics, _) = input.original.generics.split_for_impl();
        let self_ty = quote!(#ident #ty_generics);
        let fields = input
            .fields
            .iter()
            .map(|field| FieldPlan::new(krate, &self_ty, field))
            .collect();
        Plan {
            input,
            krate,
            fields,
        }
    }

    /// `type Algorithm = ...;` of the impl.
    pub fn algorithm(&self) -> TokenStream {
        algorithm(self.krate, self.input.container.alg)
    }

    /// `type Replay = ...;` of the impl: one-use when a field holds `jti`.
    pub fn replay(&self) -> TokenStream {
        let jwt = self.krate;
        if self.input.field_for(Registered::Jti).is_some() {
            quote!(#jwt::replay::OneUse)
        } else {
            quote!(#jwt::replay::Reusable)
        }
    }

    /// The fields that are claims, in declaration order.
    pub fn claims(&self) -> impl Iterator<Item = &FieldPlan<'a>> {
        self.fields
            .iter()
            .filter(|field| !matches!(field.kind, Kind::Skipped | Kind::Refused))
    }
}

pub fn algorithm(krate: &syn::Path, alg: Algorithm) -> TokenStream {
    match alg {
        Algorithm::Hs256 => quote!(#krate::Hs256),
        Algorithm::Hs384 => quote!(#krate::Hs384),
        Algorithm::Hs512 => quote!(#krate::Hs512),
        Algorithm::EdDsa => quote!(#krate::EdDsa),
        Algorithm::Es256 => quote!(#krate::Es256),
        Algorithm::Es384 => quote!(#krate::Es384),
        Algorithm::Es512 => quote!(#krate::Es512),
        Algorithm::Rs256 => quote!(#krate::Rs256),
        Algorithm::Rs384 => quote!(#krate::Rs384),
        Algorithm::Rs512 => quote!(#krate::Rs512),
        Algorithm::Ps256 => quote!(#krate::Ps256),
        Algorithm::Ps384 => quote!(#krate::Ps384),
        Algorithm::Ps512 => quote!(#krate::Ps512),
    }
}

impl<'a> FieldPlan<'a> {
    fn new(krate: &syn::Path, self_ty: &TokenStream, field: &'a Field<'a>) -> FieldPlan<'a> {
        let kind = if field.attrs.refused {
            Kind::Refused
        } else if field.skipped() {
            Kind::Skipped
        } else {
            match field.claim {
                Some(claim) if claim.is_time() => Kind::Time,
                Some(Registered::Aud) => Kind::Audience,
                Some(_) => Kind::String,
                None => Kind::Custom,
            }
        };
        let span = type_span(field.value_ty());
        let ty = replace_self(field.ty.to_token_stream(), self_ty);
        let value_ty = replace_self(field.value_ty().to_token_stream(), self_ty);
        let ops = match kind {
            Kind::Time => Some(quote_spanned!(span=> #krate::__private::time_ops::<#value_ty>())),
            Kind::Audience => {
                Some(quote_spanned!(span=> #krate::__private::audience_ops::<#value_ty>()))
            }
            Kind::String => {
                Some(quote_spanned!(span=> #krate::__private::string_ops::<#value_ty>()))
            }
            Kind::Custom | Kind::Skipped | Kind::Refused => None,
        };
        FieldPlan {
            field,
            kind,
            ty,
            value_ty,
            ops,
            borrowing_cow: kind != Kind::Skipped && ast::is_borrowing_cow_str(field.value_ty()),
            undecodable: kind != Kind::Skipped && ast::static_reference(field.ty).is_some(),
        }
    }
}

/// The span for generated code about a field's type: located at the type, so that a type
/// error points there, but resolved at the call site, so that the generated locals
/// (`__writer`, `__state`) resolve even when the type came from a `macro_rules!` fragment.
pub fn type_span(ty: &syn::Type) -> Span {
    Span::call_site().located_at(ty.span())
}

/// `tokens` with every `Self` replaced by the claims type.
fn replace_self(tokens: TokenStream, self_ty: &TokenStream) -> TokenStream {
    tokens
        .into_iter()
        .flat_map(|token| match token {
            TokenTree::Ident(ident) if ident == "Self" => {
                let mut replaced = self_ty.clone().into_iter().collect::<Vec<_>>();
                for token in &mut replaced {
                    token.set_span(ident.span());
                }
                replaced
            }
            TokenTree::Group(group) => {
                let mut replaced =
                    Group::new(group.delimiter(), replace_self(group.stream(), self_ty));
                replaced.set_span(group.span());
                vec![TokenTree::Group(replaced)]
            }
            other => vec![other],
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn self_is_spelled_out_at_every_depth() {
        let replaced = replace_self(quote!(Vec<(Self, Option<Box<Self>>)>), &quote!(Node<'a, T>));
        let compact = |text: String| text.replace(' ', "");
        assert_eq!(
            compact(replaced.to_string()),
            "Vec<(Node<'a,T>,Option<Box<Node<'a,T>>>)>"
        );
        let untouched = quote!(SelfMade<T>);
        assert_eq!(
            replace_self(untouched.clone(), &quote!(X)).to_string(),
            untouched.to_string()
        );
    }
}
