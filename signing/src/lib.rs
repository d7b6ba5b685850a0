//! Certified-copy PDF writer and PAdES signer/verifier for saoy.
//!
//! Module ownership while the crate is being built: `verify` (and
//! `verify::*`) is the verifier's; everything else is the signer's.

pub mod verify;
