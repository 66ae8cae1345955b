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
    /// False for enums, unions, tuple and unit structs (already reported).
    pub named: bool,
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
    /// The schema, with every mistake reported into `cx`. Anything but a struct with named
    /// fields is reported and read as a struct without fields, so that the container's
    /// attributes are still checked and the stand-in impl still keeps them.
    pub fn from_syn(cx: &Ctxt, input: &'a DeriveInput) -> Input<'a> {
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
        };
        let is_named = named.is_some();
        let fields = named
            .into_iter()
            .flat_map(|named| &named.named)
            .map(|field| Field::from_syn(cx, field))
            .collect();
        Input {
            original: input,
            container,
            fields,
            named: is_named,
        }
    }

    pub fn field_for(&self, claim: Registered) -> Option<&Field<'a>> {
        self.fields.iter().find(|field| field.claim == Some(claim))
    }
}

impl<'a> Field<'a> {
    fn from_syn(cx: &Ctxt, field: &'a syn::Field) -> Field<'a> {
        let ident = field.ident.as_ref().expect("named fields have idents");
        let optional = option_inner(&field.ty);
        let attrs = attr::Field::from_attrs(cx, &field.attrs, optional.is_some());
        let (json_name, json_name_tokens) = json_name(cx, ident, &attrs);
        // A field that lands on a registered name is that claim, and is validated as such;
        // a skipped field is no claim at all.
        let claim = if attrs.skip.is_some() {
            None
        } else {
            attrs
                .role
                .as_ref()
                .map(|role| role.value)
                .or_else(|| Registered::from_name(&json_name))
        };
        Field {
            ident,
            ty: &field.ty,
            optional,
            attrs,
            json_name,
            json_name_tokens,
            claim,
        }
    }

    /// True for `#[claim(skip)]` or `#[serde(skip)]`: not in the token.
    pub fn skipped(&self) -> bool {
        self.attrs.skip.is_some()
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

/// The member name in the JSON payload and the tokens that decided it. `#[serde(rename)]`
/// is honoured like `#[claim(rename)]`; where the two disagree, or where either renames a
/// registered claim, the token would differ from what one of them says, so that is refused.
fn json_name(cx: &Ctxt, ident: &Ident, attrs: &attr::Field) -> (String, TokenStream) {
    if let Some(role) = &attrs.role {
        let name = role.value.name();
        if let Some(rename) = &attrs.rename {
            cx.error_spanned_by(
                rename,
                format_args!(
                    "`rename` does not apply to the registered claim `{name}`, whose name is fixed"
                ),
            );
        }
        // serde may say the same name: that agrees with the token.
        if let Some(rename) = &attrs.serde_rename
            && rename.value() != name
        {
            cx.error_spanned_by(
                rename,
                format_args!(
                    "the registered claim `{name}` is always named `{name}` in the token, so serde must not rename it; remove this rename"
                ),
            );
        }
        return (name.to_owned(), ident.to_token_stream());
    }
    match (&attrs.rename, &attrs.serde_rename) {
        (Some(rename), Some(serde_rename)) if rename.value() != serde_rename.value() => {
            cx.error_spanned_by(
                serde_rename,
                format_args!(
                    "#[serde(rename = {:?})] and #[claim(rename = {:?})] disagree; the token would not match what serde writes: keep one",
                    serde_rename.value(),
                    rename.value()
                ),
            );
            (rename.value(), rename.to_token_stream())
        }
        (Some(rename), _) | (None, Some(rename)) => (rename.value(), rename.to_token_stream()),
        (None, None) => (unraw(ident), ident.to_token_stream()),
    }
}

/// `r#type` is the claim `type`.
fn unraw(ident: &Ident) -> String {
    let name = ident.to_string();
    name.strip_prefix("r#").map_or(name.clone(), str::to_owned)
}

/// The type inside invisible groups (`macro_rules!` fragments such as `$ty:ty`) and
/// parentheses, which are the same type.
pub fn ungroup(ty: &Type) -> &Type {
    match ty {
        Type::Group(group) => ungroup(&group.elem),
        Type::Paren(paren) => ungroup(&paren.elem),
        _ => ty,
    }
}

/// `Some(T)` for a type written `Option<T>` (or `std::option::Option<T>`).
fn option_inner(ty: &Type) -> Option<&Type> {
    last_segment_argument(ty, "Option")
}

/// True for `Cow<'a, str>` with a lifetime other than `'static`: decoded borrowed from the
/// payload when it has no escapes.
pub fn is_borrowing_cow_str(ty: &Type) -> bool {
    let Type::Path(path) = ungroup(ty) else {
        return false;
    };
    let Some(segment) = path.path.segments.last() else {
        return false;
    };
    if segment.ident != "Cow" {
        return false;
    }
    let PathArguments::AngleBracketed(args) = &segment.arguments else {
        return false;
    };
    let is_static = args.args.iter().any(
        |arg| matches!(arg, GenericArgument::Lifetime(lifetime) if lifetime.ident == "static"),
    );
    !is_static
        && args.args.iter().any(|arg| {
            matches!(arg, GenericArgument::Type(inner)
                if matches!(ungroup(inner), Type::Path(inner) if inner.path.is_ident("str")))
        })
}

/// The `'static` of a `&'static T` inside `ty`: such a field cannot be decoded, because a
/// token's payload does not live for `'static`.
pub fn static_reference(ty: &Type) -> Option<&syn::Lifetime> {
    match ungroup(ty) {
        Type::Reference(reference) => match &reference.lifetime {
            Some(lifetime) if lifetime.ident == "static" => Some(lifetime),
            _ => static_reference(&reference.elem),
        },
        Type::Array(array) => static_reference(&array.elem),
        Type::Slice(slice) => static_reference(&slice.elem),
        Type::Tuple(tuple) => tuple.elems.iter().find_map(static_reference),
        Type::Path(path) => path.path.segments.iter().find_map(|segment| {
            let PathArguments::AngleBracketed(args) = &segment.arguments else {
                return None;
            };
            args.args.iter().find_map(|arg| match arg {
                GenericArgument::Type(inner) => static_reference(inner),
                _ => None,
            })
        }),
        _ => None,
    }
}

fn last_segment_argument<'t>(ty: &'t Type, name: &str) -> Option<&'t Type> {
    let Type::Path(path) = ungroup(ty) else {
        return None;
    };
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_read_through_groups_and_parentheses() {
        // What a `$ty:ty` fragment arrives as.
        let group = proc_macro2::Group::new(proc_macro2::Delimiter::None, quote!(Option<(String)>));
        let grouped: Type = syn::parse2(proc_macro2::TokenTree::Group(group).into()).unwrap();
        assert!(matches!(grouped, Type::Group(_)));
        let inner = option_inner(&grouped).expect("an Option");
        assert!(matches!(ungroup(inner), Type::Path(path) if path.path.is_ident("String")));
        assert!(option_inner(&syn::parse_quote!(std::option::Option<u8>)).is_some());
        assert!(option_inner(&syn::parse_quote!(Vec<u8>)).is_none());
    }

    #[test]
    fn borrowing_cows_and_static_references() {
        let borrowing: [Type; 3] = [
            syn::parse_quote!(Cow<'a, str>),
            syn::parse_quote!(std::borrow::Cow<'_, str>),
            syn::parse_quote!((Cow<'a, str>)),
        ];
        assert!(borrowing.iter().all(is_borrowing_cow_str));
        let owning: [Type; 3] = [
            syn::parse_quote!(Cow<'static, str>),
            syn::parse_quote!(Cow<'a, [u8]>),
            syn::parse_quote!(String),
        ];
        assert!(!owning.iter().any(is_borrowing_cow_str));

        let refused: [Type; 4] = [
            syn::parse_quote!(&'static str),
            syn::parse_quote!(Option<&'static str>),
            syn::parse_quote!(Vec<(u8, &'static [u8])>),
            syn::parse_quote!([&'static str; 2]),
        ];
        assert!(refused.iter().all(|ty| static_reference(ty).is_some()));
        let accepted: [Type; 3] = [
            syn::parse_quote!(&'a str),
            syn::parse_quote!(Cow<'static, str>),
            syn::parse_quote!(&'a &'a str),
        ];
        assert!(accepted.iter().all(|ty| static_reference(ty).is_none()));
    }
}
