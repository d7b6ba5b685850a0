#![doc = include_str!("../README.md")]
//!
//! Module ownership while the crate is being built: `verify` (and
//! `verify::*`) is the verifier's; everything else is the signer's.

pub mod digest;
pub mod ess;
#[cfg(feature = "sign")]
pub mod ltv;
#[cfg(feature = "pkcs11")]
pub mod pkcs11;
#[cfg(feature = "sign")]
pub mod pki;
#[cfg(feature = "sign")]
pub mod sign;
pub mod verify;
#[cfg(feature = "writer")]
pub mod writer;
