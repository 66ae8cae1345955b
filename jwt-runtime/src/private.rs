//! Support for the code `#[derive(Claims)]` generates: re-exports only. Not public API: no
//! semver promise. The items live where their job is: `schema.rs` (what the validator
//! reads), `payload.rs` (the payload reader and writer the derive drives) and
//! `json.rs` (member names, one-object parsing).

pub use serde;

pub use crate::json::{MemberName as Key, deserialize_object};
pub use crate::payload::{
    AudienceOps, DecodeState, Members, NextMember, PayloadWriter, StringOps, TimeOps, audience_ops,
    string_ops, time_ops,
};
pub use crate::schema::{Registered, Schema};

use crate::claims::DecodeClaims;
use crate::error::Error;

/// The payload decoded by the generated decoder alone: `None` where it leaves the decision to
/// the serde path. For differential tests.
pub fn decode_payload_scanned<'de, C: DecodeClaims<'de>>(
    json: &'de [u8],
) -> Option<(C, DecodeState<'de>)> {
    crate::payload::decode_scanned(json)
}

/// The payload decoded through serde alone, the reference. For differential tests.
///
/// # Errors
///
/// The typed error the decoder reports for this payload.
pub fn decode_payload_reference<'de, C: DecodeClaims<'de>>(
    json: &'de [u8],
) -> Result<(C, DecodeState<'de>), Error> {
    crate::pipeline::decode_payload_reference(json)
}
