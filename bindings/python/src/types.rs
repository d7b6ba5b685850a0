//! Result classes (immutable; `to_dict()` where a full JSON report exists).

use pyo3::prelude::*;
use pyo3::types::PyBytes;
use saoy_ffi as ffi;

fn json_loads<'py>(py: Python<'py>, s: &str) -> PyResult<Bound<'py, PyAny>> {
    py.import("json")?.call_method1("loads", (s,))
}

/// One recognized text line.
#[pyclass(module = "saoy", frozen, get_all)]
#[derive(Clone)]
pub struct OcrLine {
    /// Text (NFC).
    pub text: String,
    /// Mean character probability 0..1.
    pub confidence: f32,
    /// Corners (x, y): top-left, top-right, bottom-right, bottom-left.
    pub quad: Vec<(f32, f32)>,
}

#[pymethods]
impl OcrLine {
    fn __repr__(&self) -> String {
        format!(
            "OcrLine(text={:?}, confidence={:.3})",
            self.text, self.confidence
        )
    }
}

/// Everything recognized on one page.
#[pyclass(module = "saoy", frozen)]
pub struct OcrResult {
    /// Plain text.
    #[pyo3(get)]
    pub text: String,
    /// Lines in reading order.
    #[pyo3(get)]
    pub lines: Vec<OcrLine>,
    /// Image width.
    #[pyo3(get)]
    pub width: u32,
    /// Image height.
    #[pyo3(get)]
    pub height: u32,
    /// Document kind (snake_case).
    #[pyo3(get)]
    pub kind: String,
    /// Confidence in the kind.
    #[pyo3(get)]
    pub kind_confidence: f32,
    /// Total time (ms).
    #[pyo3(get)]
    pub total_ms: f64,
    json: String,
}

#[pymethods]
impl OcrResult {
    /// The complete result (fields, MRZ, QR, consistency report) as a dict.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_loads(py, &self.json)
    }
    fn __repr__(&self) -> String {
        format!(
            "OcrResult(kind={:?}, lines={}, {}x{})",
            self.kind,
            self.lines.len(),
            self.width,
            self.height
        )
    }
}

impl From<ffi::OcrPage> for OcrResult {
    fn from(p: ffi::OcrPage) -> Self {
        OcrResult {
            text: p.text,
            lines: p
                .lines
                .into_iter()
                .map(|l| OcrLine {
                    text: l.text,
                    confidence: l.confidence,
                    quad: l.quad.chunks_exact(2).map(|c| (c[0], c[1])).collect(),
                })
                .collect(),
            width: p.width,
            height: p.height,
            kind: p.kind,
            kind_confidence: p.kind_confidence,
            total_ms: p.total_ms,
            json: p.json,
        }
    }
}

/// The result of `face_compare` (no biometric values).
#[pyclass(module = "saoy", frozen)]
pub struct FaceComparison {
    /// Cosine similarity -1..1.
    #[pyo3(get)]
    pub score: f32,
    /// The calibrated threshold.
    #[pyo3(get)]
    pub threshold: f32,
    /// `score >= threshold`.
    #[pyo3(get)]
    pub is_match: bool,
    /// Faces found in the probe.
    #[pyo3(get)]
    pub probe_faces: u32,
    /// Faces found in the reference.
    #[pyo3(get)]
    pub reference_faces: u32,
    json: String,
}

#[pymethods]
impl FaceComparison {
    /// Full result (boxes, landmarks, quality) as a dict.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_loads(py, &self.json)
    }
    fn __repr__(&self) -> String {
        format!(
            "FaceComparison(score={:.3}, threshold={:.3}, is_match={})",
            self.score,
            self.threshold,
            if self.is_match { "True" } else { "False" }
        )
    }
}

impl From<ffi::FaceComparison> for FaceComparison {
    fn from(c: ffi::FaceComparison) -> Self {
        FaceComparison {
            score: c.score,
            threshold: c.threshold,
            is_match: c.is_match,
            probe_faces: c.probe_faces,
            reference_faces: c.reference_faces,
            json: c.json,
        }
    }
}

/// A finding in English and Vietnamese.
#[pyclass(module = "saoy", frozen, get_all)]
#[derive(Clone)]
pub struct Reason {
    /// Stable code.
    pub code: String,
    /// English.
    pub en: String,
    /// Vietnamese.
    pub vi: String,
}

#[pymethods]
impl Reason {
    fn __repr__(&self) -> String {
        format!("Reason(code={:?}, en={:?})", self.code, self.en)
    }
}

fn reasons(r: Vec<ffi::Reason>) -> Vec<Reason> {
    r.into_iter()
        .map(|r| Reason {
            code: r.code,
            en: r.en,
            vi: r.vi,
        })
        .collect()
}

/// A verification report: `verdict` is `valid`, `invalid`, `revoked`, `unknown` or
/// `indeterminate`; `reasons` say why, in English and Vietnamese.
#[pyclass(module = "saoy", frozen)]
pub struct VerificationReport {
    /// The verdict.
    #[pyo3(get)]
    pub verdict: String,
    /// The code checked.
    #[pyo3(get)]
    pub code: Option<String>,
    /// PDF signature status.
    #[pyo3(get)]
    pub signature: Option<String>,
    /// The signer.
    #[pyo3(get)]
    pub signer: Option<String>,
    /// Seal status.
    #[pyo3(get)]
    pub seal: Option<String>,
    /// Registry status.
    #[pyo3(get)]
    pub registry: String,
    /// Whether the signed revision is the registered one.
    #[pyo3(get)]
    pub document_matches_registry: Option<bool>,
    /// Findings.
    #[pyo3(get)]
    pub reasons: Vec<Reason>,
    json: String,
}

#[pymethods]
impl VerificationReport {
    /// `verdict == "valid"`.
    #[getter]
    fn is_valid(&self) -> bool {
        self.verdict == "valid"
    }
    /// The full report as a dict.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_loads(py, &self.json)
    }
    fn __repr__(&self) -> String {
        format!(
            "VerificationReport(verdict={:?}, code={:?}, reasons={})",
            self.verdict,
            self.code,
            self.reasons.len()
        )
    }
}

impl From<ffi::VerificationReport> for VerificationReport {
    fn from(r: ffi::VerificationReport) -> Self {
        let verdict = match r.verdict {
            ffi::Verdict::Valid => "valid",
            ffi::Verdict::Invalid => "invalid",
            ffi::Verdict::Revoked => "revoked",
            ffi::Verdict::Unknown => "unknown",
            ffi::Verdict::Indeterminate => "indeterminate",
        };
        VerificationReport {
            verdict: verdict.into(),
            code: r.code,
            signature: r.signature,
            signer: r.signer,
            seal: r.seal,
            registry: r.registry,
            document_matches_registry: r.document_matches_registry,
            reasons: reasons(r.reasons),
            json: r.json,
        }
    }
}

/// One registry row.
#[pyclass(module = "saoy", frozen, get_all)]
pub struct RegistryRecord {
    /// Verification code.
    pub code: String,
    /// Request id.
    pub request_id: String,
    /// `pending`, `valid`, `revoked` or `failed`.
    pub status: String,
    /// Why it was revoked/failed.
    pub status_reason: Option<String>,
    /// When (Unix seconds).
    pub status_at: Option<u64>,
    /// Document kind.
    pub kind: String,
    /// Office.
    pub office_id: String,
    /// Officer.
    pub officer_id: String,
    /// Issue time (Unix seconds).
    pub issued_at: u64,
    /// SHA-256 of the signed PDF.
    pub document_sha256: Option<String>,
}

#[pymethods]
impl RegistryRecord {
    fn __repr__(&self) -> String {
        format!(
            "RegistryRecord(code={:?}, status={:?})",
            self.code, self.status
        )
    }
}

impl From<ffi::RegistryRecord> for RegistryRecord {
    fn from(r: ffi::RegistryRecord) -> Self {
        RegistryRecord {
            code: r.code,
            request_id: r.request_id,
            status: r.status,
            status_reason: r.status_reason,
            status_at: r.status_at,
            kind: r.kind,
            office_id: r.office_id,
            officer_id: r.officer_id,
            issued_at: r.issued_at,
            document_sha256: r.document_sha256,
        }
    }
}

/// A trusted seal public key: `SealKey(name, public_key_pem)`.
#[pyclass(module = "saoy", frozen, get_all, from_py_object)]
#[derive(Clone)]
pub struct SealKey {
    /// Issuer name.
    pub name: String,
    /// P-384 public key, SPKI PEM.
    pub public_key_pem: String,
}

#[pymethods]
impl SealKey {
    #[new]
    fn new(name: String, public_key_pem: String) -> Self {
        SealKey {
            name,
            public_key_pem,
        }
    }
    fn __repr__(&self) -> String {
        format!("SealKey(name={:?})", self.name)
    }
}

impl From<ffi::SealKey> for SealKey {
    fn from(k: ffi::SealKey) -> Self {
        SealKey {
            name: k.name,
            public_key_pem: k.public_key_pem,
        }
    }
}

impl From<SealKey> for ffi::SealKey {
    fn from(k: SealKey) -> Self {
        ffi::SealKey {
            name: k.name,
            public_key_pem: k.public_key_pem,
        }
    }
}

/// A check run during issuance.
#[pyclass(module = "saoy", frozen, get_all)]
#[derive(Clone)]
pub struct Check {
    /// Stable code.
    pub code: String,
    /// Passed?
    pub passed: bool,
    /// English.
    pub en: String,
    /// Vietnamese.
    pub vi: String,
}

#[pymethods]
impl Check {
    fn __repr__(&self) -> String {
        format!(
            "Check(code={:?}, passed={})",
            self.code,
            if self.passed { "True" } else { "False" }
        )
    }
}

fn checks(c: Vec<ffi::Check>) -> Vec<Check> {
    c.into_iter()
        .map(|c| Check {
            code: c.code,
            passed: c.passed,
            en: c.en,
            vi: c.vi,
        })
        .collect()
}

/// What `Issuer.recover` did and found.
#[pyclass(module = "saoy", frozen, get_all)]
pub struct Recovery {
    /// Pending copies whose PDF was in place: now valid.
    pub activated: Vec<String>,
    /// Pending copies whose own issuance's activation landed while recovery ran.
    pub already_active: Vec<String>,
    /// Pending copies without a PDF: marked failed.
    pub abandoned: Vec<String>,
    /// Temporary files removed.
    pub removed_temp_files: u32,
    /// The store and the registry agree.
    pub consistent: bool,
    /// What disagrees, when not consistent.
    pub problems: Option<String>,
}

#[pymethods]
impl Recovery {
    fn __repr__(&self) -> String {
        format!(
            "Recovery(activated={}, already_active={}, abandoned={}, consistent={})",
            self.activated.len(),
            self.already_active.len(),
            self.abandoned.len(),
            if self.consistent { "True" } else { "False" }
        )
    }
}

impl From<ffi::RecoverySummary> for Recovery {
    fn from(r: ffi::RecoverySummary) -> Self {
        Self {
            activated: r.activated,
            already_active: r.already_active,
            abandoned: r.abandoned,
            removed_temp_files: r.removed_temp_files,
            consistent: r.consistent,
            problems: r.problems,
        }
    }
}

/// The outcome of `Issuer.issue`: issued (`code`, `pdf`, paths) or refused (`reasons`).
#[pyclass(module = "saoy", frozen)]
pub struct IssueResult {
    issued: bool,
    copy: Option<ffi::IssuedCopy>,
    reasons: Vec<Reason>,
    checks: Vec<Check>,
}

#[pymethods]
impl IssueResult {
    /// True when a copy was issued (or replayed).
    #[getter]
    fn issued(&self) -> bool {
        self.issued
    }
    /// The verification code.
    #[getter]
    fn code(&self) -> Option<String> {
        self.copy.as_ref().map(|c| c.code.clone())
    }
    /// The signed PDF.
    #[getter]
    fn pdf<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyBytes>> {
        self.copy.as_ref().map(|c| PyBytes::new(py, &c.pdf))
    }
    /// Where the PDF is stored.
    #[getter]
    fn pdf_path(&self) -> Option<String> {
        self.copy.as_ref().map(|c| c.pdf_path.clone())
    }
    /// QR PNG path.
    #[getter]
    fn qr_path(&self) -> Option<String> {
        self.copy.as_ref().map(|c| c.qr_path.clone())
    }
    /// Receipt path.
    #[getter]
    fn receipt_path(&self) -> Option<String> {
        self.copy.as_ref().map(|c| c.receipt_path.clone())
    }
    /// The QR URL with the seal.
    #[getter]
    fn seal_url(&self) -> Option<String> {
        self.copy.as_ref().map(|c| c.seal_url.clone())
    }
    /// True when the request id had been issued before.
    #[getter]
    fn replayed(&self) -> bool {
        self.copy.as_ref().is_some_and(|c| c.replayed)
    }
    /// Refusal reasons (empty when issued).
    #[getter]
    fn reasons(&self) -> Vec<Reason> {
        self.reasons.clone()
    }
    /// Checks run.
    #[getter]
    fn checks(&self) -> Vec<Check> {
        self.checks.clone()
    }
    /// The receipt as a dict (None when refused).
    fn receipt<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.copy
            .as_ref()
            .map(|c| json_loads(py, &c.receipt_json))
            .transpose()
    }
    fn __repr__(&self) -> String {
        match &self.copy {
            Some(c) => format!("IssueResult(issued=True, code={:?})", c.code),
            None => format!("IssueResult(issued=False, reasons={})", self.reasons.len()),
        }
    }
}

impl From<ffi::IssueOutcome> for IssueResult {
    fn from(o: ffi::IssueOutcome) -> Self {
        match o {
            ffi::IssueOutcome::Issued { copy } => IssueResult {
                issued: true,
                reasons: Vec::new(),
                checks: checks(copy.checks.clone()),
                copy: Some(copy),
            },
            ffi::IssueOutcome::Refused {
                reasons: r,
                checks: c,
            } => IssueResult {
                issued: false,
                copy: None,
                reasons: reasons(r),
                checks: checks(c),
            },
        }
    }
}

/// Fictional demo inputs (JPEG bytes).
#[pyclass(module = "saoy", frozen)]
pub struct DemoInputs {
    inner: ffi::DemoInputs,
}

#[pymethods]
impl DemoInputs {
    /// The fictional citizen's name.
    #[getter]
    fn person_name(&self) -> String {
        self.inner.person_name.clone()
    }
    /// The original's pages.
    #[getter]
    fn pages<'py>(&self, py: Python<'py>) -> Vec<Bound<'py, PyBytes>> {
        self.inner
            .pages
            .iter()
            .map(|p| PyBytes::new(py, p))
            .collect()
    }
    /// CCCD front.
    #[getter]
    fn id_front<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.id_front)
    }
    /// CCCD back.
    #[getter]
    fn id_back<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.id_back)
    }
    /// Live frames.
    #[getter]
    fn live_frames<'py>(&self, py: Python<'py>) -> Vec<Bound<'py, PyBytes>> {
        self.inner
            .live_frames
            .iter()
            .map(|p| PyBytes::new(py, p))
            .collect()
    }
    /// The liveness challenge the frames answer.
    #[getter]
    fn challenge(&self) -> String {
        self.inner.challenge.clone()
    }
    /// The turn target the simulated frames need (pass to `Issuer(liveness_turn_target_deg=…)`).
    #[getter]
    fn liveness_turn_target_deg(&self) -> f32 {
        self.inner.liveness_turn_target_deg
    }
}

impl From<ffi::DemoInputs> for DemoInputs {
    fn from(inner: ffi::DemoInputs) -> Self {
        DemoInputs { inner }
    }
}

/// Register the result classes.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<OcrLine>()?;
    m.add_class::<OcrResult>()?;
    m.add_class::<FaceComparison>()?;
    m.add_class::<Reason>()?;
    m.add_class::<VerificationReport>()?;
    m.add_class::<RegistryRecord>()?;
    m.add_class::<SealKey>()?;
    m.add_class::<Check>()?;
    m.add_class::<IssueResult>()?;
    m.add_class::<Recovery>()?;
    m.add_class::<DemoInputs>()?;
    Ok(())
}
