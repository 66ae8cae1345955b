//! `#[derive(Claims)]`: the compile-time half of `jwt-runtime`.
//!
//! Use it through `jwt_runtime::Claims`; this crate's only item is the derive. The pipeline
//! is parse (`attr`, `ast`) -> check (`check`) -> plan (`plan`, `bound`) -> expand (`expand`),
//! with errors collected in `ctxt` and stand-in impls from `fallback` where nothing can be
//! generated.

mod ast;
mod attr;
mod bound;
mod check;
mod ctxt;
mod duration;
mod expand;
mod fallback;
mod plan;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

/// Derives `jwt_runtime::Claims` for a struct with named fields. See the `jwt-runtime`
/// documentation for the attributes.
#[proc_macro_derive(Claims, attributes(claim, claims, serde))]
pub fn derive_claims(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::derive(&input).into()
}
