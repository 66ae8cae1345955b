//! Stand-in impls for an input the derive cannot read (an enum, a tuple struct). The errors
//! are already reported; the stand-ins keep what was parsed (the algorithm, the crate path),
//! so that uses of the type report nothing more.

use proc_macro2::TokenStream;
use quote::quote;

use crate::ast::Input;
use crate::bound;
use crate::plan;

/// `impl Claims` and `impl DecodeClaims` with the parsed algorithm and no fields.
pub fn expand(input: &Input<'_>, errors: TokenStream) -> TokenStream {
    let jwt = &input.container.krate;
    let ident = &input.original.ident;
    let (impl_generics, ty_generics, where_clause) = input.original.generics.split_for_impl();
    let algorithm = plan::algorithm(jwt, input.container.alg);
    let decode = decode_stand_in(input);

    quote! {
        #errors

        #[automatically_derived]
        #[allow(unused_qualifications, unused_parens)]
        impl #impl_generics #jwt::Claims for #ident #ty_generics #where_clause {
            type Algorithm = #algorithm;
            type Replay = #jwt::replay::Reusable;

            const __SCHEMA: #jwt::__private::Schema = #jwt::__private::Schema::DEFAULT;

            fn __write_payload(
                &self,
                _: &mut #jwt::__private::PayloadWriter<'_>,
            ) -> ::core::result::Result<(), #jwt::Error> {
                ::core::unreachable!()
            }

            fn __registered(&self) -> #jwt::__private::Registered<'_> {
                ::core::unreachable!()
            }
        }

        #decode
    }
}

/// `impl DecodeClaims` whose body is never run (the derive reported an error).
fn decode_stand_in(input: &Input<'_>) -> TokenStream {
    let jwt = &input.container.krate;
    let ident = &input.original.ident;
    let (_, ty_generics, where_clause) = input.original.generics.split_for_impl();
    let de = bound::decode_lifetime();
    let decode_generics = bound::with_decode_lifetime(&input.original.generics);
    let (decode_impl_generics, _, _) = decode_generics.split_for_impl();

    quote! {
        #[automatically_derived]
        #[allow(unused_qualifications, unused_parens)]
        impl #decode_impl_generics #jwt::DecodeClaims<#de> for #ident #ty_generics #where_clause {
            fn __read_members<__M: #jwt::__private::Members<#de>>(
                _: &mut __M,
                _: &mut #jwt::__private::DecodeState<#de>,
            ) -> ::core::result::Result<Self, __M::Error> {
                ::core::unreachable!()
            }
        }
    }
}
