//! Face comparison: the largest face of two images.

use crate::{ModelStore, SaoyError};
use std::sync::Arc;

/// What kind of image a face comes from (selects the quality gates): saoy-faceauth's `Source`,
/// named `FaceSource` across the FFI.
pub use saoy_faceauth::Source as FaceSource;

/// The result of a face comparison (no biometric values).
// A view of saoy-faceauth's `ImageComparison`: its per-image summaries stay in `json`.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct FaceComparison {
    /// Cosine similarity -1..1.
    pub score: f32,
    /// The calibrated threshold.
    pub threshold: f32,
    /// `score >= threshold`.
    pub is_match: bool,
    /// Faces found in the probe.
    pub probe_faces: u32,
    /// Faces found in the reference.
    pub reference_faces: u32,
    /// Full result (boxes, landmarks, quality reports) as JSON.
    pub json: String,
}

/// The face engine (thread-safe).
#[derive(Debug, uniffi::Object)]
pub struct FaceEngine {
    inner: saoy_faceauth::FaceAuth,
}

/// Largest image side accepted.
const MAX_SIDE: u32 = 8192;

#[uniffi::export]
impl FaceEngine {
    /// Build the engine from the model store; `threads` = 0 picks a default.
    #[uniffi::constructor]
    pub fn new(models: Arc<ModelStore>, threads: u32) -> Result<Arc<Self>, SaoyError> {
        let inner = saoy_faceauth::FaceAuth::builder()
            .threads(threads as usize)
            .build(&models.inner)?;
        Ok(Arc::new(Self { inner }))
    }

    /// Compare the largest face of two encoded images (`face.no_face` when either has none).
    pub fn compare(
        &self,
        probe: Vec<u8>,
        reference: Vec<u8>,
        probe_source: FaceSource,
        reference_source: FaceSource,
    ) -> Result<FaceComparison, SaoyError> {
        let p = saoy_faceauth::decode_image(&probe, MAX_SIDE)?;
        let r = saoy_faceauth::decode_image(&reference, MAX_SIDE)?;
        self.compare_images(&p, probe_source, &r, reference_source)
    }

    /// [`FaceEngine::compare`] on a worker thread (a Kotlin `suspend fun` / Python coroutine).
    pub async fn compare_async(
        self: Arc<Self>,
        probe: Vec<u8>,
        reference: Vec<u8>,
        probe_source: FaceSource,
        reference_source: FaceSource,
    ) -> Result<FaceComparison, SaoyError> {
        crate::worker::on_worker("face", move || {
            self.compare(probe, reference, probe_source, reference_source)
        })
        .await
    }
}

impl FaceEngine {
    /// Decode an encoded image the way [`FaceEngine::compare`] does.
    pub fn decode(bytes: &[u8]) -> Result<image::DynamicImage, SaoyError> {
        Ok(saoy_faceauth::decode_image(bytes, MAX_SIDE)?)
    }

    /// Compare decoded images.
    pub fn compare_images(
        &self,
        probe: &image::DynamicImage,
        probe_source: FaceSource,
        reference: &image::DynamicImage,
        reference_source: FaceSource,
    ) -> Result<FaceComparison, SaoyError> {
        let c = self
            .inner
            .compare_images(probe, probe_source, reference, reference_source)?;
        Ok(FaceComparison {
            score: c.comparison.score,
            threshold: c.comparison.threshold,
            is_match: c.comparison.is_match,
            probe_faces: c.probe.faces.len() as u32,
            reference_faces: c.reference.faces.len() as u32,
            json: serde_json::to_string(&c).unwrap_or_default(),
        })
    }
}
