//! What the derive emits when the schema has errors: the errors, plus stub impls so that the
//! type still implements the traits and uses of it report nothing more.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::{DeriveInput, GenericParam, Lifetime, LifetimeParam};

pub fn expand(input: &DeriveInput, error: &syn::Error) -> TokenStream {
    let error = error.to_compile_error();
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let mut decode_generics = input.generics.clone();
    decode_generics.params.insert(
        0,
        GenericParam::Lifetime(LifetimeParam::new(Lifetime::new(
            "'__de",
            Span::call_site(),
        ))),
    );
    let (decode_impl_generics, _, _) = decode_generics.split_for_impl();

    quote! {
        #error

        #[automatically_derived]
        #[allow(unused_qualifications)]
        impl #impl_generics ::jwt_runtime::Claims for #ident #ty_generics #where_clause {
            type Algorithm = ::jwt_runtime::Hs256;
            type Replay = ::jwt_runtime::replay::Reusable;

            const __SCHEMA: ::jwt_runtime::__private::Schema = ::jwt_runtime::__private::Schema::DEFAULT;

            fn __write_payload(
                &self,
                _: &mut ::jwt_runtime::__private::PayloadWriter<'_>,
            ) -> ::core::result::Result<(), ::jwt_runtime::Error> {
                ::core::unreachable!()
            }

            fn __registered(&self) -> ::jwt_runtime::__private::Registered<'_> {
                ::core::unreachable!()
            }
        }

        #[automatically_derived]
        #[allow(unused_qualifications)]
        impl #decode_impl_generics ::jwt_runtime::DecodeClaims<'__de> for #ident #ty_generics #where_clause {
            fn __decode_payload(
                _: &'__de [u8],
                _: &mut ::jwt_runtime::__private::DecodeState<'__de>,
            ) -> ::core::result::Result<Self, ::jwt_runtime::Error> {
                ::core::unreachable!()
            }
        }
    }
}
