//! Support for the code `#[derive(Claims)]` generates: re-exports only. Not public API: no
//! semver promise. The items live where their job is: `schema.rs` (what the validator
//! reads), `payload.rs` (the payload reader and writer the derive drives) and
//! `json.rs` (member names, one-object parsing).

pub use serde;

pub use crate::json::{MemberName as Key, deserialize_object};
pub use crate::payload::{
    AudienceOps, DecodeState, PayloadWriter, StringOps, TimeOps, audience_ops, string_ops, time_ops,
};
pub use crate::schema::{Registered, Schema};
