#![doc = include_str!("../README.md")]

// The UniFFI component of the types that carry `derive(uniffi::…)` (feature `uniffi`).
#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!();

pub mod align;
mod auth;
pub mod detect;
pub mod embedding;
pub mod engine;
mod error;
mod geometry;
mod graph_rewrite;
pub mod image_ops;
pub mod liveness;
pub mod metrics;
pub mod quality;

pub use align::AlignedFace;
pub use auth::{
    Comparison, FaceAnalysis, FaceAuth, FaceAuthBuilder, FaceReport, FaceSummary, ImageComparison,
    MATCH_THRESHOLD, PORTRAIT_UPSCALE_BELOW_PX, Reason, Verdict,
};
pub use embedding::Embedding;
pub use error::FaceError;
pub use geometry::{BBox, Face, Landmarks, Point, Pose};
/// Re-export of the `image` crate version the API takes (`DynamicImage`).
pub use image;
pub use image_ops::{decode_image, load_image_file};
pub use liveness::{
    Challenge, ChallengeKind, Frame, LivenessConfig, LivenessIssue, LivenessReport, PoseSample,
};
pub use quality::{QualityIssue, QualityMeasures, QualityReport, QualityThresholds, Source};

/// Fuzzing entry point (not API): the in-memory PRelu rewrite of [`engine`]'s model loader on
/// arbitrary bytes. `None` means "load the bytes as they are".
#[doc(hidden)]
pub fn fuzz_rewrite_prelu(model: &[u8]) -> Option<Vec<u8>> {
    graph_rewrite::rewrite_prelu(model)
}
