#![doc = include_str!("../README.md")]

mod error;
pub mod manifest;
mod runtime;
mod store;

pub use error::ModelError;
pub use manifest::{MANIFEST, ModelId, ModelSpec};
pub use runtime::{default_threads, environment, session_from_file};
pub use store::{
    FetchEvent, FetchSummary, FileStatus, MODELS_ENV, ModelStore, ProgressFn, StoreOptions,
    sha256_file,
};

/// Re-export of the `ort` crate at the exact version sessions are built with,
/// so callers name the same `Session` and tensor types.
pub use ort;
