//! The certification workflow: [`Issuer`] takes a scanned original, the citizen's CCCD images and
//! live capture frames to a signed, registered, verifiable certified copy; [`Verifier`] checks a
//! copy (signature + QR seal + registry status) into one bilingual report.
//!
//! The heavy parts sit behind traits defined here — [`DocumentRecognizer`], [`FaceVerifier`],
//! [`CopyRenderer`], [`CopySigner`], [`CopyVerifier`] — with adapters over saoy-ocr, saoy-faceauth
//! and saoy-signing in [`adapters`], and deterministic stand-ins for tests in [`fakes`].

pub mod fakes;
mod issue;
pub mod store;
mod verify;

pub use issue::{
    Check, DeliveryBundle, IssueError, IssueInput, IssueOutcome, Issuer, IssuerConfig,
    OfficeContext, OfficerOverride, Receipt, Refusal, StepTiming,
};
pub use store::{ConsistencyReport, DeliveryStore, RecoveryReport};
pub use verify::{RegistryCheck, Verdict, VerificationReport, Verifier};

#[cfg(feature = "adapters")]
pub mod adapters;

use crate::kind::DocumentKind;
use crate::report::Reason;
use serde::Serialize;
use std::time::Duration;

/// A failure inside a step implementation (model error, unreadable image, signer down …), with
/// the implementing crate's stable error code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {detail}")]
pub struct StepError {
    /// Stable machine code from the implementing crate (e.g. `ocr_bad_image`).
    pub code: String,
    /// Human-readable detail.
    pub detail: String,
}

impl StepError {
    /// A step error.
    pub fn new(code: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            detail: detail.into(),
        }
    }
}

/// The issuance steps, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Step {
    /// Recognize the original's text and classify it.
    Recognize,
    /// Read the CCCD (front QR/text, back MRZ) and check its consistency.
    IdCard,
    /// Authenticity / consistency report of the inputs.
    Authenticity,
    /// Face match (CCCD portrait vs live capture) and liveness.
    Face,
    /// Eligibility decision.
    Eligibility,
    /// Reserve the code in the registry.
    Reserve,
    /// Render the certified copy with text layer and QR seal.
    Render,
    /// Sign the PDF.
    Sign,
    /// Write the PDF durably and activate the registry row.
    Commit,
}

impl Step {
    /// All steps in order.
    pub const ALL: [Step; 9] = [
        Step::Recognize,
        Step::IdCard,
        Step::Authenticity,
        Step::Face,
        Step::Eligibility,
        Step::Reserve,
        Step::Render,
        Step::Sign,
        Step::Commit,
    ];

    /// snake_case name.
    pub fn name(self) -> &'static str {
        match self {
            Step::Recognize => "recognize",
            Step::IdCard => "id_card",
            Step::Authenticity => "authenticity",
            Step::Face => "face",
            Step::Eligibility => "eligibility",
            Step::Reserve => "reserve",
            Step::Render => "render",
            Step::Sign => "sign",
            Step::Commit => "commit",
        }
    }

    /// Vietnamese label for UIs.
    pub fn label_vi(self) -> &'static str {
        match self {
            Step::Recognize => "Nhận dạng văn bản",
            Step::IdCard => "Đọc thẻ căn cước",
            Step::Authenticity => "Kiểm tra tính xác thực",
            Step::Face => "Đối chiếu khuôn mặt",
            Step::Eligibility => "Quyết định chứng thực",
            Step::Reserve => "Cấp mã xác thực",
            Step::Render => "Tạo bản sao",
            Step::Sign => "Ký số",
            Step::Commit => "Lưu và đăng ký",
        }
    }
}

/// Progress callbacks for UIs (all methods have empty defaults).
pub trait Progress: Send + Sync {
    /// A step starts.
    fn step_started(&self, _step: Step) {}
    /// A step ended (`ok == false`: it failed or refused).
    fn step_finished(&self, _step: Step, _took: Duration, _ok: bool) {}
}

/// No progress reporting.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;
impl Progress for NoProgress {}

/// Name and version of a model or engine, for the receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ModelVersion {
    /// Role, e.g. `text_detection`.
    pub role: String,
    /// Name and version, or the file's SHA-256.
    pub version: String,
}

impl ModelVersion {
    /// A model version entry.
    pub fn new(role: impl Into<String>, version: impl Into<String>) -> Self {
        Self {
            role: role.into(),
            version: version.into(),
        }
    }
}

/// What the recognizer found in the original.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct Recognition {
    /// Document kind.
    pub kind: DocumentKind,
    /// Classification confidence 0..1.
    pub kind_confidence: f32,
    /// Recognized text per page (the copy's text layer).
    pub pages_text: Vec<String>,
    /// Mean recognition confidence 0..1.
    pub text_confidence: f32,
    /// Consistency findings about the original (e.g. expected headings present).
    pub findings: Vec<Check>,
    /// Recognized lines with their boxes (for the copy's invisible text layer).
    pub lines: Vec<RecognizedLine>,
}

/// One recognized line and where it is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecognizedLine {
    /// 0-based page.
    pub page: usize,
    /// Text.
    pub text: String,
    /// Axis-aligned box `[x0, y0, x1, y1]` in image pixels, top-left origin.
    pub bbox: [f32; 4],
}

impl Recognition {
    /// A recognition result.
    pub fn new(
        kind: DocumentKind,
        kind_confidence: f32,
        pages_text: Vec<String>,
        text_confidence: f32,
    ) -> Self {
        Self {
            kind,
            kind_confidence,
            pages_text,
            text_confidence,
            findings: Vec::new(),
            lines: Vec::new(),
        }
    }
}

/// What was read from the citizen's CCCD.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct IdCardReading {
    /// The 12-digit ID number (only hashed into the registry, never stored).
    pub id_number: String,
    /// Full name, if read.
    pub full_name: Option<String>,
    /// Consistency checks (MRZ check digits, front/back agreement …).
    pub checks: Vec<Check>,
}

impl IdCardReading {
    /// A reading.
    pub fn new(
        id_number: impl Into<String>,
        full_name: Option<String>,
        checks: Vec<Check>,
    ) -> Self {
        Self {
            id_number: id_number.into(),
            full_name,
            checks,
        }
    }
}

/// Recognizes the original and reads the CCCD (saoy-ocr).
pub trait DocumentRecognizer: Send + Sync {
    /// Recognize and classify the original's pages (encoded images).
    fn recognize(&self, pages: &[Vec<u8>]) -> Result<Recognition, StepError>;
    /// Read the CCCD front (and back).
    fn read_id_card(&self, front: &[u8], back: Option<&[u8]>) -> Result<IdCardReading, StepError>;
    /// Model versions used.
    fn versions(&self) -> Vec<ModelVersion>;
}

/// Face match and liveness result.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct FaceOutcome {
    /// Best cosine similarity between the CCCD portrait and the live frames.
    pub similarity: f32,
    /// Match threshold used.
    pub threshold: f32,
    /// `similarity >= threshold`.
    pub matched: bool,
    /// Liveness passed.
    pub live: bool,
    /// Liveness detail (challenge, score …), English.
    pub liveness_detail: String,
    /// Liveness detail, Vietnamese.
    pub liveness_detail_vi: String,
}

impl FaceOutcome {
    /// An outcome.
    pub fn new(
        similarity: f32,
        threshold: f32,
        live: bool,
        liveness_detail: impl Into<String>,
        liveness_detail_vi: impl Into<String>,
    ) -> Self {
        Self {
            similarity,
            threshold,
            matched: similarity >= threshold,
            live,
            liveness_detail: liveness_detail.into(),
            liveness_detail_vi: liveness_detail_vi.into(),
        }
    }
}

/// Compares the CCCD portrait with live frames and checks liveness (saoy-faceauth).
pub trait FaceVerifier: Send + Sync {
    /// Verify the citizen's face: `live_frames` (in capture order) answer the liveness
    /// `challenge` (e.g. `turn_left`; `None` lets the implementation pick its default).
    fn verify(
        &self,
        id_front: &[u8],
        live_frames: &[Vec<u8>],
        challenge: Option<&str>,
    ) -> Result<FaceOutcome, StepError>;
    /// Model versions used.
    fn versions(&self) -> Vec<ModelVersion>;
}

/// What goes onto the certified copy.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CopyContent<'a> {
    /// Page images (JPEG), embedded unchanged (their bytes are the seal's content digest).
    pub pages: &'a [Vec<u8>],
    /// Text layer per page.
    pub pages_text: &'a [String],
    /// Recognized lines with boxes (may be empty).
    pub lines: &'a [RecognizedLine],
    /// The verification code.
    pub code: crate::VerificationCode,
    /// The QR URL with the seal.
    pub seal_url: &'a str,
    /// Document kind.
    pub kind: DocumentKind,
    /// Issuing office name (printed in the certification block).
    pub office_name: &'a str,
    /// Issue time (Unix seconds).
    pub issued_at: u64,
}

/// Renders the certified-copy PDF (saoy-signing's writer).
pub trait CopyRenderer: Send + Sync {
    /// An unsigned PDF embedding each page's bytes unchanged, with text layer and QR.
    fn render(&self, copy: &CopyContent<'_>) -> Result<Vec<u8>, StepError>;
}

/// Signs the PDF (saoy-signing, PAdES B-B).
pub trait CopySigner: Send + Sync {
    /// The signed PDF; `signing_time` (Unix seconds) is the issue time printed on the copy.
    fn sign(&self, unsigned_pdf: &[u8], signing_time: u64) -> Result<Vec<u8>, StepError>;
    /// Who signs (certificate subject), for the receipt.
    fn signer_name(&self) -> String;
}

/// Signature verdict of a PDF.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SignatureStatus {
    /// Valid and trusted.
    Valid,
    /// Broken, tampered or not a signed PDF.
    Invalid,
    /// Intact but not provably trusted.
    Indeterminate,
}

/// What a PDF signature check found (saoy-signing's verifier).
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct PdfCheck {
    /// Verdict.
    pub status: SignatureStatus,
    /// Signer name.
    pub signer: Option<String>,
    /// Reasons in English and Vietnamese.
    pub reasons: Vec<Reason>,
    /// Length of the first signed revision (its SHA-256 is the registry's document digest).
    pub signed_revision_len: Option<usize>,
    /// The QR seal text found in the PDF, if any.
    pub seal_text: Option<String>,
}

impl PdfCheck {
    /// A check result.
    pub fn new(
        status: SignatureStatus,
        signer: Option<String>,
        reasons: Vec<Reason>,
        signed_revision_len: Option<usize>,
        seal_text: Option<String>,
    ) -> Self {
        Self {
            status,
            signer,
            reasons,
            signed_revision_len,
            seal_text,
        }
    }
}

/// Verifies a PDF's signatures and finds its seal (saoy-signing's verifier).
pub trait CopyVerifier: Send + Sync {
    /// Verify a PDF.
    fn verify(&self, pdf: &[u8]) -> Result<PdfCheck, StepError>;
}
