#![doc = include_str!("../README.md")]

// The UniFFI component of the types that carry `derive(uniffi::…)` (feature `uniffi`).
#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!();

pub mod code;
pub mod kind;
pub mod report;
pub mod seal;

pub use code::{CodeError, VerificationCode};
pub use kind::DocumentKind;
pub use report::Reason;
pub use seal::{
    IssuerKey, IssuerKeys, KeyId, Seal, SealError, SealReport, SealStatus, verify_seal,
};
#[cfg(feature = "demo")]
pub mod demo;
#[cfg(feature = "registry")]
pub mod registry;
#[cfg(feature = "workflow")]
pub mod workflow;
