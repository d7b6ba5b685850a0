#![doc = include_str!("../README.md")]
// UniFFI's scaffolding macros generate `extern "C"` functions with `#[no_mangle]`: the FFI
// boundary is unsafe by nature; all code written in this crate is safe Rust.
#![allow(unsafe_code)]

mod error;
mod face;
mod models;
mod ocr;
mod worker;
mod workflow;

pub use error::SaoyError;
pub use face::{FaceComparison, FaceEngine, FaceSource};
pub use models::{FetchSummary, ModelFile, ModelStore, models_fetch, models_locate, models_status};
pub use ocr::{OcrEngine, OcrLine, OcrPage};
pub use workflow::{
    Check, DemoInputs, IssueOutcome, IssueProgress, IssueRequest, IssuedCopy, Issuer,
    IssuerOptions, KioskPki, Reason, RecoverySummary, Registry, RegistryRecord, SealKey, Verdict,
    VerificationReport, Verifier, demo_inputs,
};

uniffi::setup_scaffolding!("saoy");
