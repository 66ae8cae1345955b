//! The claims schema as the derive sees it, lifted from syn with the user's tokens kept for
//! spans.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::{Data, DeriveInput, Fields, GenericArgument, Ident, PathArguments, Type};

use crate::attr::{self, Registered};
use crate::ctxt::Ctxt;

/// A struct deriving `Claims`.
pub struct Input<'a> {
    pub original: &'a DeriveInput,
    pub container: attr::Container,
    pub fields: Vec<Field<'a>>,
}

/// One named field.
pub struct Field<'a> {
    pub ident: &'a Ident,
    /// The field's type, as written.
    pub ty: &'a Type,
    /// `T` when the field is `Option<T>`: the claim is optional and omitted when `None`.
    pub optional: Option<&'a Type>,
    pub attrs: attr::Field,
    /// The member name in the JSON payload.
    pub json_name: String,
    /// The tokens that decided the JSON name (the rename literal or the ident), for spans.
    pub json_name_tokens: TokenStream,
    /// The registered claim this field holds, by keyword or by its JSON name.
    pub claim: Option<Registered>,
}

impl<'a> Input<'a> {
    pub fn from_syn(cx: &Ctxt, input: &'a DeriveInput) -> Option<Input<'a>> {
        let container = attr::Container::from_attrs(cx, &input.attrs);
        let ident = &input.ident;
        let named = match &input.data {
            Data::Struct(data) => match &data.fields {
                Fields::Named(named) => Some(named),
                Fields::Unnamed(unnamed) => {
                    cx.error_spanned_by(
                        unnamed,
                        "#[derive(Claims)] needs named fields, one per claim; tuple structs have none",
                    );
                    None
                }
                Fields::Unit => {
                    let struct_token = data.struct_token;
                    cx.error_spanned_by(
                        quote!(#struct_token #ident),
                        "#[derive(Claims)] needs named fields, one per claim; a unit struct has none",
                    );
                    None
                }
            },
            Data::Enum(data) => {
                let enum_token = data.enum_token;
                cx.error_spanned_by(
                    quote!(#enum_token #ident),
                    "#[derive(Claims)] supports only structs with named fields, not enums",
                );
                None
            }
            Data::Union(data) => {
                let union_token = data.union_token;
                cx.error_spanned_by(
                    quote!(#union_token #ident),
                    "#[derive(Claims)] supports only structs with named fields, not unions",
                );
                None
            }
        }?;
        let fields = named
            .named
            .iter()
            .map(|field| Field::from_syn(cx, field))
            .collect();
        Some(Input {
            original: input,
            container,
            fields,
        })
    }

    pub fn field_for(&self, claim: Registered) -> Option<&Field<'a>> {
        self.fields.iter().find(|field| field.claim == Some(claim))
    }
}

impl<'a> Field<'a> {
    fn from_syn(cx: &Ctxt, field: &'a syn::Field) -> Field<'a> {
        let ident = field.ident.as_ref().expect("named fields have idents");
        let attrs = attr::Field::from_attrs(cx, &field.attrs);
        let (json_name, json_name_tokens) = match (&attrs.role, &attrs.rename) {
            (Some(role), Some(rename)) => {
                cx.error_spanned_by(
                    rename,
                    format_args!(
                        "`rename` does not apply to the registered claim `{}`, whose name is fixed",
                        role.value.name()
                    ),
                );
                (role.value.name().to_owned(), ident.to_token_stream())
            }
            (Some(role), None) => (role.value.name().to_owned(), ident.to_token_stream()),
            (None, Some(rename)) => (rename.value(), rename.to_token_stream()),
            (None, None) => (unraw(ident), ident.to_token_stream()),
        };
        // A field that lands on a registered name is that claim, and is validated as such.
        let claim = attrs
            .role
            .as_ref()
            .map(|role| role.value)
            .or_else(|| Registered::from_name(&json_name));
        Field {
            ident,
            ty: &field.ty,
            optional: option_inner(&field.ty),
            attrs,
            json_name,
            json_name_tokens,
            claim,
        }
    }

    /// An error on what made this field its claim: the keyword, else the rename or the ident.
    pub fn error_on_claim(&self, message: impl std::fmt::Display) -> syn::Error {
        match &self.attrs.role {
            Some(role) => syn::Error::new(role.span, message),
            None => syn::Error::new_spanned(&self.json_name_tokens, message),
        }
    }

    /// The claim's value type: `T` for `Option<T>`, else the field type.
    pub fn value_ty(&self) -> &'a Type {
        self.optional.unwrap_or(self.ty)
    }
}

/// `r#type` is the claim `type`.
fn unraw(ident: &Ident) -> String {
    let name = ident.to_string();
    name.strip_prefix("r#").map_or(name.clone(), str::to_owned)
}

/// `Some(T)` for a type written `Option<T>` (or `std::option::Option<T>`).
fn option_inner(ty: &Type) -> Option<&Type> {
    last_segment_argument(ty, "Option")
}

/// True for `Cow<'_, str>`: decoded borrowed from the payload when it has no escapes.
pub fn is_cow_str(ty: &Type) -> bool {
    let Type::Path(path) = ty else { return false };
    let Some(segment) = path.path.segments.last() else {
        return false;
    };
    if segment.ident != "Cow" {
        return false;
    }
    let PathArguments::AngleBracketed(args) = &segment.arguments else {
        return false;
    };
    args.args.iter().any(
        |arg| matches!(arg, GenericArgument::Type(Type::Path(inner)) if inner.path.is_ident("str")),
    )
}

fn last_segment_argument<'t>(ty: &'t Type, name: &str) -> Option<&'t Type> {
    let Type::Path(path) = ty else { return None };
    if path.qself.is_some() {
        return None;
    }
    let segment = path.path.segments.last()?;
    if segment.ident != name {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &segment.arguments else {
        return None;
    };
    match args.args.iter().collect::<Vec<_>>().as_slice() {
        [GenericArgument::Type(inner)] => Some(inner),
        _ => None,
    }
}
