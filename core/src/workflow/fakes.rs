//! Deterministic stand-ins for the recognizer, face verifier, renderer and signer.
//!
//! **Not for production**: they do no OCR, no face matching and no real PDF signing. They exist so
//! the workflow's logic, commit order and crash safety can be tested quickly, and so the demo can
//! say exactly which step is simulated when a real component is unavailable.

use super::{
    Check, CopyContent, CopyRenderer, CopySigner, CopyVerifier, DocumentRecognizer, FaceOutcome,
    FaceVerifier, IdCardReading, ModelVersion, PdfCheck, Recognition, SignatureStatus, StepError,
};
use crate::kind::DocumentKind;
use crate::report::Reason;
use sha2::{Digest, Sha256};

/// A recognizer that returns fixed results.
#[derive(Debug, Clone)]
pub struct FakeRecognizer {
    /// Kind to report.
    pub kind: DocumentKind,
    /// Classification confidence.
    pub kind_confidence: f32,
    /// Text confidence.
    pub text_confidence: f32,
    /// ID number read from the card.
    pub id_number: String,
    /// Whether the card's consistency check passes.
    pub id_card_ok: bool,
}

impl Default for FakeRecognizer {
    fn default() -> Self {
        Self {
            kind: DocumentKind::BIRTH_CERTIFICATE,
            kind_confidence: 0.95,
            text_confidence: 0.97,
            id_number: "001099012345".into(),
            id_card_ok: true,
        }
    }
}

impl DocumentRecognizer for FakeRecognizer {
    fn recognize(&self, pages: &[Vec<u8>]) -> Result<Recognition, StepError> {
        let text = pages
            .iter()
            .enumerate()
            .map(|(i, p)| format!("[fake OCR] page {} ({} bytes)", i + 1, p.len()))
            .collect();
        Ok(Recognition::new(
            self.kind,
            self.kind_confidence,
            text,
            self.text_confidence,
        ))
    }

    fn read_id_card(
        &self,
        _front: &[u8],
        _back: Option<&[u8]>,
    ) -> Result<IdCardReading, StepError> {
        Ok(IdCardReading::new(
            self.id_number.clone(),
            None,
            vec![Check::new(
                "id_card_mrz",
                self.id_card_ok,
                "[fake] MRZ check digits",
                "[giả lập] chữ số kiểm tra MRZ",
            )],
        ))
    }

    fn versions(&self) -> Vec<ModelVersion> {
        vec![ModelVersion::new("ocr", "fake")]
    }
}

/// A face verifier that returns a fixed similarity and liveness.
#[derive(Debug, Clone)]
pub struct FakeFace {
    /// Similarity to report.
    pub similarity: f32,
    /// Threshold.
    pub threshold: f32,
    /// Liveness result.
    pub live: bool,
}

impl Default for FakeFace {
    fn default() -> Self {
        Self {
            similarity: 0.8,
            threshold: 0.5,
            live: true,
        }
    }
}

impl FaceVerifier for FakeFace {
    fn verify(
        &self,
        _id_front: &[u8],
        live: &[Vec<u8>],
        _challenge: Option<&str>,
    ) -> Result<FaceOutcome, StepError> {
        Ok(FaceOutcome::new(
            self.similarity,
            self.threshold,
            self.live,
            format!("[fake] {} frames", live.len()),
            format!("[giả lập] {} khung hình", live.len()),
        ))
    }

    fn versions(&self) -> Vec<ModelVersion> {
        vec![ModelVersion::new("face", "fake")]
    }
}

const SEAL_MARK: &[u8] = b"%SAOY-SEAL ";
const SIG_MARK: &[u8] = b"\n%FAKE-SIG ";

/// Writes a PDF-shaped byte string holding the seal URL and the page digests (not a real PDF).
#[derive(Debug, Clone, Copy, Default)]
pub struct FakeRenderer;

impl CopyRenderer for FakeRenderer {
    fn render(&self, copy: &CopyContent<'_>) -> Result<Vec<u8>, StepError> {
        let mut out = b"%PDF-1.7\n% saoy fake certified copy (not a real PDF)\n".to_vec();
        out.extend_from_slice(SEAL_MARK);
        out.extend_from_slice(copy.seal_url.as_bytes());
        out.push(b'\n');
        for (p, t) in copy.pages.iter().zip(copy.pages_text.iter()) {
            out.extend_from_slice(
                format!("% page {} {}\n", hex::encode(Sha256::digest(p)), t).as_bytes(),
            );
        }
        out.extend_from_slice(b"%%EOF");
        Ok(out)
    }
}

/// "Signs" by appending a keyed SHA-256 (a stand-in for PAdES, with a matching verifier).
#[derive(Debug, Clone)]
pub struct FakeSigner {
    /// The key.
    pub key: Vec<u8>,
}

fn tag(key: &[u8], body: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(key);
    h.update(body);
    hex::encode(h.finalize())
}

impl CopySigner for FakeSigner {
    fn sign(&self, unsigned_pdf: &[u8], _signing_time: u64) -> Result<Vec<u8>, StepError> {
        let mut out = unsigned_pdf.to_vec();
        out.extend_from_slice(SIG_MARK);
        out.extend_from_slice(tag(&self.key, unsigned_pdf).as_bytes());
        Ok(out)
    }

    fn signer_name(&self) -> String {
        "fake signer (not PAdES)".into()
    }
}

impl CopyVerifier for FakeSigner {
    fn verify(&self, pdf: &[u8]) -> Result<PdfCheck, StepError> {
        let pos = pdf
            .windows(SIG_MARK.len())
            .rposition(|w| w == SIG_MARK)
            .ok_or_else(|| StepError::new("fake_unsigned", "no fake signature"))?;
        let body = &pdf[..pos];
        let ok = &pdf[pos + SIG_MARK.len()..] == tag(&self.key, body).as_bytes();
        let seal_text = pdf
            .windows(SEAL_MARK.len())
            .position(|w| w == SEAL_MARK)
            .and_then(|i| {
                let rest = &pdf[i + SEAL_MARK.len()..];
                let end = rest.iter().position(|&b| b == b'\n')?;
                String::from_utf8(rest[..end].to_vec()).ok()
            });
        let reason = if ok {
            Reason::new(
                "fake_signature_valid",
                "[fake] signature intact",
                "[giả lập] chữ ký nguyên vẹn",
            )
        } else {
            Reason::new(
                "fake_signature_invalid",
                "[fake] signature broken",
                "[giả lập] chữ ký bị hỏng",
            )
        };
        Ok(PdfCheck::new(
            if ok {
                SignatureStatus::Valid
            } else {
                SignatureStatus::Invalid
            },
            Some(self.signer_name()),
            vec![reason],
            Some(pdf.len()),
            seal_text,
        ))
    }
}
