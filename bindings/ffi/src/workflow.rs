//! The certification workflow: registry, kiosk signing material, [`Issuer`], [`Verifier`].

use crate::{ModelStore, SaoyError};
use saoy_core::workflow as wf;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

// saoy-core's own records, crossing as they are (derives behind saoy-core's `uniffi` feature).
pub use saoy_core::Reason;
pub use saoy_core::workflow::Check;

fn parse_code(code: &str) -> Result<saoy_core::VerificationCode, SaoyError> {
    Ok(saoy_core::VerificationCode::parse(code)?)
}

fn snake<T: serde::Serialize + std::fmt::Debug>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_else(|| format!("{v:?}").to_lowercase())
}

// ---------------------------------------------------------------------------------------------
// Registry

/// One registry row (no personal data: the citizen is only a keyed hash, not exposed here).
// A view, not core's `registry::Record`: that holds the citizen-id hash (never leaves the
// registry), a `[u8; 32]` digest, a `VerificationCode` and the data-carrying `Status` enum.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RegistryRecord {
    /// Verification code (canonical form).
    pub code: String,
    /// Request id it was issued for.
    pub request_id: String,
    /// `pending`, `valid`, `revoked` or `failed`.
    pub status: String,
    /// Why it was revoked/failed.
    pub status_reason: Option<String>,
    /// When it was revoked/failed (Unix seconds).
    pub status_at: Option<u64>,
    /// Document kind (snake_case).
    pub kind: String,
    /// Issuing office.
    pub office_id: String,
    /// Certifying officer.
    pub officer_id: String,
    /// Issue time (Unix seconds).
    pub issued_at: u64,
    /// SHA-256 of the signed PDF (hex), once active.
    pub document_sha256: Option<String>,
}

impl From<saoy_core::registry::Record> for RegistryRecord {
    fn from(r: saoy_core::registry::Record) -> Self {
        use saoy_core::registry::Status;
        let (status_reason, status_at) = match &r.status {
            Status::Revoked { reason, at } | Status::Failed { reason, at } => {
                (Some(reason.clone()), Some(*at))
            }
            _ => (None, None),
        };
        RegistryRecord {
            code: r.code.to_string(),
            request_id: r.request_id,
            status: r.status.kind().as_str().into(),
            status_reason,
            status_at,
            kind: snake(&r.kind),
            office_id: r.office_id,
            officer_id: r.officer_id,
            issued_at: r.issued_at,
            document_sha256: r.document_digest.map(hex_encode),
        }
    }
}

fn hex_encode(b: [u8; 32]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The registry of issued copies (SQLite file or PostgreSQL).
#[derive(uniffi::Object)]
pub struct Registry {
    pub(crate) inner: Arc<dyn saoy_core::registry::Registry>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry").finish_non_exhaustive()
    }
}

#[uniffi::export]
impl Registry {
    /// Open a registry: `postgresql://…`, `sqlite:PATH` or a file path (created if absent).
    #[uniffi::constructor]
    pub fn open(url: String) -> Result<Arc<Self>, SaoyError> {
        let inner: Arc<dyn saoy_core::registry::Registry> =
            if url.starts_with("postgres://") || url.starts_with("postgresql://") {
                Arc::new(saoy_core::registry::postgres::PgRegistry::open(&url)?)
            } else {
                let path = url.strip_prefix("sqlite:").unwrap_or(&url);
                Arc::new(saoy_core::registry::sqlite::SqliteRegistry::open(path)?)
            };
        Ok(Arc::new(Self { inner }))
    }

    /// Look a code up (audited as `requester`); `None` when no copy has it.
    pub fn lookup(
        &self,
        code: String,
        requester: String,
    ) -> Result<Option<RegistryRecord>, SaoyError> {
        let code = parse_code(&code)?;
        let r = self
            .inner
            .lookup(&code, &saoy_core::registry::Requester::new(requester))?;
        self.inner.flush()?;
        Ok(r.map(RegistryRecord::from))
    }

    /// Revoke a valid copy (`registry_not_found`, `registry_invalid_state` otherwise).
    pub fn revoke(
        &self,
        code: String,
        reason: String,
        officer: String,
    ) -> Result<RegistryRecord, SaoyError> {
        let code = parse_code(&code)?;
        Ok(self.inner.revoke(&code, &reason, &officer)?.into())
    }
}

// ---------------------------------------------------------------------------------------------
// Signing material

/// A trusted seal public key.
// FFI-only input: core's `IssuerKey` holds a parsed p384 `VerifyingKey`; this is its PEM.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SealKey {
    /// Display name of the issuer.
    pub name: String,
    /// P-384 public key, SPKI PEM.
    pub public_key_pem: String,
}

/// The kiosk's signing material in a directory. **TEST ONLY**: generated on first use
/// (a TEST PKI root/CA/signer, a seal key and the registry secret), like `saoy issue --pki`.
#[derive(Debug, uniffi::Object)]
pub struct KioskPki {
    dir: PathBuf,
    root_pem: String,
    seal_key: SealKey,
    generated: bool,
}

#[uniffi::export]
impl KioskPki {
    /// Load the material in `dir`, generating a TEST PKI there on first use.
    #[uniffi::constructor]
    pub fn open(dir: String) -> Result<Arc<Self>, SaoyError> {
        use p384::pkcs8::EncodePublicKey;
        let dir = PathBuf::from(dir);
        std::fs::create_dir_all(&dir)
            .map_err(|e| SaoyError::input("io", format!("{}: {e}", dir.display())))?;
        let kk = saoy_core::demo::kiosk_keys(&dir)?;
        let public_key_pem = kk
            .seal_key
            .verifying_key()
            .to_public_key_pem(p384::pkcs8::LineEnding::LF)
            .map_err(|e| SaoyError::Pki {
                code: "pki_seal_key".into(),
                detail: e.to_string(),
            })?;
        Ok(Arc::new(Self {
            seal_key: SealKey {
                name: "UBND phường Hoàn Kiếm (TEST seal key)".into(),
                public_key_pem,
            },
            root_pem: kk.root_pem,
            generated: kk.generated,
            dir,
        }))
    }

    /// The root certificate (PEM): the trust anchor for verification.
    pub fn root_pem(&self) -> String {
        self.root_pem.clone()
    }

    /// The seal's public key, for [`Verifier`].
    pub fn seal_key(&self) -> SealKey {
        self.seal_key.clone()
    }

    /// True when the material was generated by this call.
    pub fn generated(&self) -> bool {
        self.generated
    }

    /// The directory.
    pub fn dir(&self) -> String {
        self.dir.display().to_string()
    }
}

// ---------------------------------------------------------------------------------------------
// Issuance

/// Progress of an issuance. Called from the issuing thread, except the `recognize` step, which
/// runs (and reports) on a second thread beside the card, page and face steps: implementations
/// must be thread-safe, and `recognize`'s start/end may interleave with the others'.
#[uniffi::export(callback_interface)]
pub trait IssueProgress: Send + Sync {
    /// A step starts (`recognize`, `id_card`, `authenticity`, `face`, `eligibility`, `reserve`,
    /// `render`, `sign`, `commit`); `label_vi` is its Vietnamese label.
    fn step_started(&self, step: String, label_vi: String);
    /// A step ended; `ok == false`: it failed or refused.
    fn step_finished(&self, step: String, millis: f64, ok: bool);
}

struct ProgressAdapter(Option<Box<dyn IssueProgress>>);

impl wf::Progress for ProgressAdapter {
    fn step_started(&self, step: wf::Step) {
        if let Some(p) = &self.0 {
            p.step_started(step.name().into(), step.label_vi().into());
        }
    }
    fn step_finished(&self, step: wf::Step, took: Duration, ok: bool) {
        if let Some(p) = &self.0 {
            p.step_finished(step.name().into(), took.as_secs_f64() * 1000.0, ok);
        }
    }
}

/// Issuer settings.
// FFI-only: picks the adapters' settings; core's `IssuerConfig` is the policy (kinds, overrides).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct IssuerOptions {
    /// Inference threads (0: default).
    #[uniffi(default = 0)]
    pub threads: u32,
    /// Host of the verification URL in the QR.
    #[uniffi(default = "xacthuc.saoy.example.vn")]
    pub seal_host: String,
    /// Name of the PDF signature.
    #[uniffi(default = "saoy TEST ONLY Document Signer")]
    pub signer_name: String,
    /// Signing location.
    #[uniffi(default = "Hà Nội")]
    pub location: String,
    /// Liveness head-turn target in degrees (`None`: faceauth's default, 18°). The demo's
    /// simulated frames need 9° (see `saoy demo`).
    #[uniffi(default = None)]
    pub liveness_turn_target_deg: Option<f32>,
    /// The office or kiosk whose copies `out_dir` holds. Set it when several kiosks share one
    /// registry: [`Issuer::recover`] then touches only this office's rows, and requests of
    /// another office are refused. `None`: the registry is this kiosk's alone.
    #[uniffi(default = None)]
    pub office_id: Option<String>,
    /// Text recognizer sessions: 0 (default) one per inference thread, so the original's pages
    /// and the card are read side by side (fastest); 1 one shared session, 100-260 MB less
    /// peak memory for a kiosk short of RAM (saoy-core README, "Issuance latency").
    #[uniffi(default = 0)]
    pub recognizer_sessions: u32,
}

impl Default for IssuerOptions {
    fn default() -> Self {
        Self {
            threads: 0,
            seal_host: "xacthuc.saoy.example.vn".into(),
            signer_name: "saoy TEST ONLY Document Signer".into(),
            location: "Hà Nội".into(),
            liveness_turn_target_deg: None,
            office_id: None,
            recognizer_sessions: 0,
        }
    }
}

/// One issuance request.
// Flat kiosk request: core's `IssueInput` is `#[non_exhaustive]` (built with `new`/`with_*`) and
// nests `OfficeContext` and the officer override, which kiosks are not offered.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct IssueRequest {
    /// Idempotency key (kiosk session id).
    pub request_id: String,
    /// The original's page scans (encoded images).
    pub pages: Vec<Vec<u8>>,
    /// CCCD front image.
    pub id_front: Vec<u8>,
    /// CCCD back image.
    pub id_back: Option<Vec<u8>>,
    /// Live capture frames in capture order.
    pub live_frames: Vec<Vec<u8>>,
    /// Liveness challenge the frames answer (`turn_left`, `turn_right`, `look_up`, `look_down`).
    pub challenge: Option<String>,
    /// Office or kiosk id.
    pub office_id: String,
    /// Office name printed on the copy.
    pub office_name: String,
    /// Certifying officer id.
    pub officer_id: String,
}

/// An issued certified copy.
// A view of core's `DeliveryBundle`: that holds `PathBuf`s, a `VerificationCode` and a `Receipt`
// with a `BTreeMap` of thresholds (here as JSON).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct IssuedCopy {
    /// The verification code.
    pub code: String,
    /// The signed PDF.
    pub pdf: Vec<u8>,
    /// Where the PDF is stored.
    pub pdf_path: String,
    /// QR PNG path.
    pub qr_path: String,
    /// Receipt JSON path.
    pub receipt_path: String,
    /// The QR URL with the seal.
    pub seal_url: String,
    /// The receipt as JSON.
    pub receipt_json: String,
    /// True when the request id was issued before and that copy was returned.
    pub replayed: bool,
    /// Checks run.
    pub checks: Vec<Check>,
}

/// Outcome of an issuance: issued, or refused with reasons (a refusal is not an error).
// A view of core's `IssueOutcome`, whose variants wrap `Box<DeliveryBundle>` and `Refusal`.
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum IssueOutcome {
    /// Issued (or replayed).
    Issued {
        /// The copy.
        copy: IssuedCopy,
    },
    /// Refused.
    Refused {
        /// Why, in English and Vietnamese.
        reasons: Vec<Reason>,
        /// All checks run.
        checks: Vec<Check>,
    },
}

impl From<wf::IssueOutcome> for IssueOutcome {
    fn from(o: wf::IssueOutcome) -> Self {
        match o {
            wf::IssueOutcome::Issued(b) => IssueOutcome::Issued {
                copy: IssuedCopy {
                    code: b.code.to_string(),
                    pdf_path: b.pdf_path.display().to_string(),
                    qr_path: b.qr_path.display().to_string(),
                    receipt_path: b.receipt_path.display().to_string(),
                    seal_url: b.receipt.seal_url.clone(),
                    receipt_json: serde_json::to_string(&b.receipt).unwrap_or_default(),
                    replayed: b.replayed,
                    checks: b.receipt.checks,
                    pdf: b.pdf,
                },
            },
            wf::IssueOutcome::Refused(r) => IssueOutcome::Refused {
                reasons: r.reasons,
                checks: r.checks,
            },
            // IssueOutcome is non_exhaustive: a future variant surfaces as a typed error.
            #[allow(unreachable_patterns)]
            _ => IssueOutcome::Refused {
                reasons: vec![Reason::new(
                    "unsupported_outcome",
                    "unsupported issuance outcome",
                    "kết quả cấp không được hỗ trợ",
                )],
                checks: Vec::new(),
            },
        }
    }
}

/// The certification workflow of one kiosk: OCR + CCCD + face/liveness + PAdES + seal + registry.
#[derive(uniffi::Object)]
pub struct Issuer {
    inner: Arc<wf::Issuer>,
}

/// What [`Issuer::recover`] did and found.
// FFI view of core's `RecoveryReport` + `ConsistencyReport` (codes as strings).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RecoverySummary {
    /// Pending copies whose PDF was in place: now valid.
    pub activated: Vec<String>,
    /// Pending copies whose own issuance's activation landed while recovery ran.
    pub already_active: Vec<String>,
    /// Pending copies without a PDF: marked failed.
    pub abandoned: Vec<String>,
    /// Temporary files removed.
    pub removed_temp_files: u32,
    /// The store and the registry agree: every copy has its PDF and row, nothing is pending.
    pub consistent: bool,
    /// What disagrees, when not consistent (English, for the operator's log).
    pub problems: Option<String>,
}

impl std::fmt::Debug for Issuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.fmt(f)
    }
}

#[uniffi::export]
impl Issuer {
    /// An issuer writing copies into `out_dir`, signing with the kiosk material in `pki`,
    /// registering in `registry`.
    #[uniffi::constructor]
    pub fn new(
        models: Arc<ModelStore>,
        pki: Arc<KioskPki>,
        registry: Arc<Registry>,
        out_dir: String,
        options: IssuerOptions,
    ) -> Result<Arc<Self>, SaoyError> {
        use saoy_core::workflow::adapters::{
            FaceAuthVerifier, OcrRecognizer, OcrRecognizerOptions, PadesSigner, PdfCopyRenderer,
        };
        let threads = options.threads as usize;
        let kk = saoy_core::demo::kiosk_keys(&pki.dir)?;
        let mut ocr_options = OcrRecognizerOptions::default();
        ocr_options.recognizer_sessions = options.recognizer_sessions as usize;
        let recognizer = OcrRecognizer::with_options(&models.inner, threads, &ocr_options)?;
        let liveness = options.liveness_turn_target_deg.map(|deg| {
            let mut l = saoy_faceauth::LivenessConfig::default();
            l.target_yaw_deg = deg;
            l
        });
        let face = FaceAuthVerifier::with_liveness(&models.inner, threads, 200, liveness)?;
        let hasher = saoy_core::registry::CitizenIdHasher::new(&kk.registry_secret)?;
        let store = wf::DeliveryStore::open(out_dir)?;
        let inner = wf::Issuer::new(
            Arc::new(recognizer),
            Arc::new(face),
            Arc::new(PdfCopyRenderer),
            Arc::new(PadesSigner::new(
                kk.signer,
                options.signer_name,
                options.location,
            )),
            Arc::new(kk.seal_key),
            registry.inner.clone(),
            match options.office_id {
                Some(office) => store.for_office(office),
                None => store,
            },
            hasher,
            wf::IssuerConfig::default().seal_host(options.seal_host),
        );
        Ok(Arc::new(Self {
            inner: Arc::new(inner),
        }))
    }

    /// After a crash or power loss, at kiosk start-up and before issuing: complete (PDF in place)
    /// or mark failed (no PDF; its code was never published) the copies this issuer's store left
    /// pending for at least `grace_secs`, then check the store against the registry. Use 0 when
    /// no issuance of this kiosk can be running.
    pub fn recover(&self, grace_secs: u64) -> Result<RecoverySummary, SaoyError> {
        let (store, registry) = (self.inner.store(), self.inner.registry());
        let r = store.recover(registry.as_ref(), grace_secs)?;
        let check = store.check_consistency(registry.as_ref())?;
        let codes = |v: &[saoy_core::VerificationCode]| v.iter().map(|c| c.to_string()).collect();
        let consistent = check.is_consistent();
        Ok(RecoverySummary {
            activated: codes(&r.activated),
            already_active: codes(&r.already_active),
            abandoned: codes(&r.abandoned),
            removed_temp_files: u32::try_from(r.removed_temp_files).unwrap_or(u32::MAX),
            consistent,
            problems: (!consistent).then(|| wf::store::describe(&check)),
        })
    }

    /// Issue a certified copy (blocking; progress callbacks run on this thread, `recognize`'s on a
    /// second one).
    pub fn issue(
        &self,
        request: IssueRequest,
        progress: Option<Box<dyn IssueProgress>>,
    ) -> Result<IssueOutcome, SaoyError> {
        issue_on(&self.inner, request, progress)
    }

    /// [`Issuer::issue`] on a worker thread: a Kotlin `suspend fun` / Python coroutine that does
    /// not block the caller's thread (progress callbacks run on the worker thread, `recognize`'s on
    /// a second one).
    pub async fn issue_async(
        &self,
        request: IssueRequest,
        progress: Option<Box<dyn IssueProgress>>,
    ) -> Result<IssueOutcome, SaoyError> {
        let inner = self.inner.clone();
        crate::worker::on_worker("issue", move || issue_on(&inner, request, progress)).await
    }
}

fn issue_on(
    issuer: &wf::Issuer,
    r: IssueRequest,
    progress: Option<Box<dyn IssueProgress>>,
) -> Result<IssueOutcome, SaoyError> {
    let mut input = wf::IssueInput::new(
        r.request_id,
        r.pages,
        r.id_front,
        r.id_back,
        r.live_frames,
        wf::OfficeContext::new(r.office_id, r.office_name, r.officer_id),
    );
    if let Some(c) = r.challenge {
        input = input.with_challenge(c);
    }
    Ok(issuer
        .issue_with_progress(&input, &ProgressAdapter(progress))?
        .into())
}

// ---------------------------------------------------------------------------------------------
// Verification

/// Overall verdict of a verification.
// Mirror of core's `workflow::Verdict`, kept: that one is `#[non_exhaustive]`, and saoy-python
// (`bindings/python/src/types.rs`) matches this one exhaustively.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Verdict {
    /// Signature, seal and registry confirm the copy.
    Valid,
    /// Tampered, forged or inconsistent.
    Invalid,
    /// Authentic but revoked.
    Revoked,
    /// The code is not in the registry.
    Unknown,
    /// Could not be decided (untrusted signer, unknown seal key, registry unavailable).
    Indeterminate,
}

/// A verification report (data, not an error).
// A view of core's `VerificationReport`: that holds `PdfCheck` (a `usize`), `SealReport` (byte
// arrays), a `VerificationCode` and a tagged `RegistryCheck`; statuses go as strings + JSON.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct VerificationReport {
    /// The verdict.
    pub verdict: Verdict,
    /// The code checked.
    pub code: Option<String>,
    /// PDF signature status (`valid`, `invalid`, `indeterminate`), when checked.
    pub signature: Option<String>,
    /// The signer's name.
    pub signer: Option<String>,
    /// Seal status (`valid`, `invalid`, `indeterminate`), when a seal was found.
    pub seal: Option<String>,
    /// Registry status (`not_checked`, `valid`, `revoked`, `unknown`, `unavailable`).
    pub registry: String,
    /// Whether the PDF's signed revision is the registered one.
    pub document_matches_registry: Option<bool>,
    /// Every finding, in English and Vietnamese.
    pub reasons: Vec<Reason>,
    /// The full report as JSON.
    pub json: String,
}

impl From<wf::VerificationReport> for VerificationReport {
    fn from(r: wf::VerificationReport) -> Self {
        let verdict = match r.verdict {
            wf::Verdict::Valid => Verdict::Valid,
            wf::Verdict::Invalid => Verdict::Invalid,
            wf::Verdict::Revoked => Verdict::Revoked,
            wf::Verdict::Unknown => Verdict::Unknown,
            _ => Verdict::Indeterminate,
        };
        let registry = serde_json::to_value(&r.registry)
            .ok()
            .and_then(|v| v.get("status").and_then(|s| s.as_str().map(String::from)))
            .unwrap_or_else(|| "not_checked".into());
        VerificationReport {
            verdict,
            code: r.code.as_ref().map(ToString::to_string),
            signature: r.signature.as_ref().map(|s| snake(&s.status)),
            signer: r.signature.as_ref().and_then(|s| s.signer.clone()),
            seal: r.seal.as_ref().map(|s| snake(&s.status)),
            registry,
            document_matches_registry: r.document_matches_registry,
            json: serde_json::to_string(&r).unwrap_or_default(),
            reasons: r.reasons,
        }
    }
}

/// Verifies certified copies: PAdES signature (against trust anchors), QR seal (against the
/// trusted seal keys) and, with a registry, the copy's status.
#[derive(uniffi::Object)]
pub struct Verifier {
    inner: wf::Verifier,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.fmt(f)
    }
}

#[uniffi::export]
impl Verifier {
    /// A verifier. `trust_anchors_pem`: root certificates (PEM, concatenated);
    /// `seal_keys`: trusted seal public keys; `registry`: `None` checks signature and seal only.
    #[uniffi::constructor]
    pub fn new(
        trust_anchors_pem: String,
        seal_keys: Vec<SealKey>,
        registry: Option<Arc<Registry>>,
    ) -> Result<Arc<Self>, SaoyError> {
        use p384::pkcs8::DecodePublicKey;
        let mut keys = saoy_core::IssuerKeys::new();
        for k in seal_keys {
            let vk =
                p384::ecdsa::VerifyingKey::from_public_key_pem(&k.public_key_pem).map_err(|e| {
                    SaoyError::Pki {
                        code: "pki_bad_seal_key".into(),
                        detail: format!("{}: {e}", k.name),
                    }
                })?;
            keys = keys.with(saoy_core::IssuerKey::new(k.name, vk));
        }
        let pdf = saoy_core::workflow::adapters::PadesVerifier::new(&trust_anchors_pem)?;
        Ok(Arc::new(Self {
            inner: wf::Verifier::new(Arc::new(pdf), registry.map(|r| r.inner.clone()), keys),
        }))
    }

    /// Verify a PDF; `typed_code` is a code the user typed (checked against the seal's).
    pub fn verify(&self, pdf: Vec<u8>, typed_code: Option<String>) -> VerificationReport {
        self.verify_bytes(&pdf, typed_code.as_deref())
    }

    /// [`Verifier::verify`] on a worker thread (a Kotlin `suspend fun` / Python coroutine).
    pub async fn verify_async(
        self: Arc<Self>,
        pdf: Vec<u8>,
        typed_code: Option<String>,
    ) -> Result<VerificationReport, SaoyError> {
        crate::worker::on_worker("verify", move || {
            Ok(self.verify_bytes(&pdf, typed_code.as_deref()))
        })
        .await
    }
}

impl Verifier {
    /// Verify borrowed PDF bytes.
    pub fn verify_bytes(&self, pdf: &[u8], typed_code: Option<&str>) -> VerificationReport {
        self.inner.verify(pdf, typed_code).into()
    }
}

// ---------------------------------------------------------------------------------------------
// Demo inputs

/// Fictional inputs for a demo issuance (marked "MẪU - SPECIMEN"; never real people's data).
// FFI-only: saoy-specimen's renderings, encoded as JPEG here.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct DemoInputs {
    /// The fictional citizen's name.
    pub person_name: String,
    /// An A4 original, JPEG at 200 dpi.
    pub pages: Vec<Vec<u8>>,
    /// CCCD front (JPEG).
    pub id_front: Vec<u8>,
    /// CCCD back (JPEG).
    pub id_back: Vec<u8>,
    /// Simulated live frames (JPEG) answering `challenge`.
    pub live_frames: Vec<Vec<u8>>,
    /// The liveness challenge the frames answer.
    pub challenge: String,
    /// The liveness turn target the simulated frames need (degrees; pass it in
    /// [`IssuerOptions::liveness_turn_target_deg`]).
    pub liveness_turn_target_deg: f32,
}

fn jpeg(img: &image::RgbImage, quality: u8) -> Result<Vec<u8>, SaoyError> {
    let mut out = Vec::new();
    let mut enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality);
    enc.set_pixel_density(image::codecs::jpeg::PixelDensity::dpi(200));
    enc.encode_image(img)
        .map_err(|e| SaoyError::input("demo_specimen", e.to_string()))?;
    Ok(out)
}

/// Generate the fictional demo inputs of `saoy demo` for `seed` (same specimens and settings).
#[uniffi::export]
pub fn demo_inputs(seed: u64) -> Result<DemoInputs, SaoyError> {
    use saoy_specimen as sp;
    let err = |e: sp::SpecimenError| SaoyError::input("demo_specimen", e.to_string());
    let person = sp::Person::generate(seed);
    let opts = sp::RenderOptions::new(seed);
    let portrait = sp::demo_portrait().map_err(err)?;
    let a4 = sp::render_a4_form(&person, &opts).map_err(err)?;
    let front = sp::render_cccd_front(&person, Some(&portrait), &opts).map_err(err)?;
    let back = sp::render_cccd_back(&person, &opts).map_err(err)?;
    let mut live = sp::LiveOptions::new(10, sp::HeadMotion::TurnLeft);
    live.max_angle_deg = 80.0;
    let frames = sp::live_frames_with(&portrait, &live, seed);
    Ok(DemoInputs {
        person_name: person.full_name(),
        pages: vec![jpeg(&a4.image, 90)?],
        id_front: jpeg(&front.image, 92)?,
        id_back: jpeg(&back.image, 92)?,
        live_frames: frames
            .iter()
            .map(|f| jpeg(&f.image, 90))
            .collect::<Result<_, _>>()?,
        challenge: "turn_left".into(),
        liveness_turn_target_deg: saoy_core::demo::DEMO_TURN_TARGET_DEG,
    })
}
