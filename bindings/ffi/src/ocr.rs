//! OCR: an image → text lines, document kind, fields.

use crate::{ModelStore, SaoyError};
use std::sync::Arc;

/// One recognized line.
// A view of saoy-ocr's `TextLine`: its `Quad` is `[[f32; 2]; 4]` (no fixed arrays over UniFFI).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct OcrLine {
    /// Text (NFC).
    pub text: String,
    /// Mean character probability 0..1.
    pub confidence: f32,
    /// Quadrilateral in image pixels: x0,y0 (top-left), x1,y1, x2,y2, x3,y3 (bottom-left).
    pub quad: Vec<f32>,
}

/// Everything recognized on one page.
// A view of saoy-ocr's `PageResult` (blocks, MRZ, fields, consistency report: in `json`).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct OcrPage {
    /// Plain text (lines by newlines, blocks by blank lines).
    pub text: String,
    /// Lines in reading order.
    pub lines: Vec<OcrLine>,
    /// Image width.
    pub width: u32,
    /// Image height.
    pub height: u32,
    /// Document kind (snake_case, e.g. `cccd_front`, `administrative_form`, `unknown`).
    pub kind: String,
    /// Confidence in the kind 0..1.
    pub kind_confidence: f32,
    /// Total time in ms.
    pub total_ms: f64,
    /// The complete result (fields, MRZ, QR, consistency report) as JSON.
    pub json: String,
}

impl From<saoy_ocr::PageResult> for OcrPage {
    fn from(p: saoy_ocr::PageResult) -> Self {
        let kind = serde_json::to_value(p.document.kind)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_else(|| format!("{:?}", p.document.kind));
        OcrPage {
            text: p.text(),
            lines: p
                .lines
                .iter()
                .map(|l| OcrLine {
                    text: l.text.clone(),
                    confidence: l.confidence,
                    quad: l.quad.points.iter().flatten().copied().collect(),
                })
                .collect(),
            width: p.width,
            height: p.height,
            kind,
            kind_confidence: p.document.kind_confidence,
            total_ms: p.timings.total_ms,
            json: serde_json::to_string(&p).unwrap_or_default(),
        }
    }
}

/// The OCR engine (thread-safe; share one per process).
#[derive(Debug, uniffi::Object)]
pub struct OcrEngine {
    inner: saoy_ocr::Ocr,
}

#[uniffi::export]
impl OcrEngine {
    /// Build the engine from the model store; `threads` = 0 picks a default.
    #[uniffi::constructor]
    pub fn new(models: Arc<ModelStore>, threads: u32) -> Result<Arc<Self>, SaoyError> {
        let inner = saoy_ocr::Ocr::builder()
            .threads(threads as usize)
            .build(&models.inner)?;
        Ok(Arc::new(Self { inner }))
    }

    /// Recognize an encoded image (PNG, JPEG, TIFF, WebP, BMP).
    pub fn recognize(&self, image: Vec<u8>) -> Result<OcrPage, SaoyError> {
        self.recognize_bytes(&image)
    }

    /// [`OcrEngine::recognize`] on a worker thread (a Kotlin `suspend fun` / Python coroutine).
    pub async fn recognize_async(self: Arc<Self>, image: Vec<u8>) -> Result<OcrPage, SaoyError> {
        crate::worker::on_worker("ocr", move || self.recognize_bytes(&image)).await
    }

    /// Recognize an image file.
    pub fn recognize_file(&self, path: String) -> Result<OcrPage, SaoyError> {
        let img = saoy_ocr::load_image(path.as_ref(), &saoy_ocr::LoadLimits::default())?;
        self.recognize_image(&img)
    }
}

impl OcrEngine {
    /// Recognize encoded image bytes (no copy of the input).
    pub fn recognize_bytes(&self, image: &[u8]) -> Result<OcrPage, SaoyError> {
        let img = saoy_ocr::load_image_bytes(image, &saoy_ocr::LoadLimits::default())?;
        self.recognize_image(&img)
    }

    /// Recognize decoded pixels.
    pub fn recognize_image(&self, image: &image::RgbImage) -> Result<OcrPage, SaoyError> {
        Ok(self.inner.recognize_page(image)?.into())
    }

    /// The underlying engine.
    pub fn engine(&self) -> &saoy_ocr::Ocr {
        &self.inner
    }
}
