//! [`Issuer`]: one call from scans + face to a signed, registered, verifiable certified copy.

use super::store::{DeliveryStore, qr_png};
use super::{
    CopyContent, CopyRenderer, CopySigner, DocumentRecognizer, FaceOutcome, FaceVerifier,
    ModelVersion, NoProgress, Progress, Step, StepError,
};
use crate::code::VerificationCode;
use crate::kind::DocumentKind;
use crate::registry::{
    CitizenIdHasher, IssueRequest, Registry, RegistryError, Reservation, StatusKind,
};
use crate::report::{Reason, format_utc, now_unix};
use crate::seal::{KeyId, Seal, SealError, SealSigner, content_digest};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Why an issuance could not run (refusals are not errors: see [`IssueOutcome::Refused`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IssueError {
    /// The input is unusable (no pages, no live frames, an undecodable image …).
    #[error("bad input ({what}): {detail}")]
    Input {
        /// Which input.
        what: &'static str,
        /// Why.
        detail: String,
    },
    /// A step's implementation failed.
    #[error("step {} failed: {source}", step.name())]
    Step {
        /// The step.
        step: Step,
        /// The implementation's error.
        source: StepError,
    },
    /// The registry failed (database down, storage full, request in progress …).
    #[error("registry: {0}")]
    Registry(#[from] RegistryError),
    /// The seal could not be built.
    #[error("seal: {0}")]
    Seal(#[from] SealError),
    /// The delivery store ran out of space.
    #[error("disk full while writing {path}: {detail}")]
    DiskFull {
        /// File being written.
        path: PathBuf,
        /// OS error.
        detail: String,
    },
    /// Other I/O failure of the delivery store.
    #[error("I/O error on {path}: {detail}")]
    Io {
        /// File concerned.
        path: PathBuf,
        /// OS error.
        detail: String,
    },
    /// A previously issued copy's files are missing from the store (idempotent replay).
    #[error("copy {code} is registered but its files are missing from the delivery store")]
    MissingDelivery {
        /// The code.
        code: VerificationCode,
    },
}

impl IssueError {
    /// Stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            IssueError::Input { .. } => "issue_bad_input",
            IssueError::Step { .. } => "issue_step_failed",
            IssueError::Registry(e) => e.code(),
            IssueError::Seal(e) => e.code(),
            IssueError::DiskFull { .. } => "issue_disk_full",
            IssueError::Io { .. } => "issue_io",
            IssueError::MissingDelivery { .. } => "issue_missing_delivery",
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, e: &std::io::Error) -> Self {
        let path = path.into();
        if e.kind() == std::io::ErrorKind::StorageFull || e.raw_os_error() == Some(28) {
            IssueError::DiskFull {
                path,
                detail: e.to_string(),
            }
        } else {
            IssueError::Io {
                path,
                detail: e.to_string(),
            }
        }
    }
}

/// One check in a receipt or refusal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Check {
    /// Stable code, e.g. `face_match`.
    pub code: String,
    /// Passed?
    pub passed: bool,
    /// English text.
    pub en: String,
    /// Vietnamese text.
    pub vi: String,
}

impl Check {
    /// A check.
    pub fn new(
        code: impl Into<String>,
        passed: bool,
        en: impl Into<String>,
        vi: impl Into<String>,
    ) -> Self {
        Self {
            code: code.into(),
            passed,
            en: en.into(),
            vi: vi.into(),
        }
    }
}

/// Issuing office and officer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OfficeContext {
    /// Office or kiosk id (e.g. `HN-HK-KIOSK-01`).
    pub office_id: String,
    /// Office name printed on the copy.
    pub office_name: String,
    /// Certifying officer id.
    pub officer_id: String,
}

impl OfficeContext {
    /// An office context.
    pub fn new(
        office_id: impl Into<String>,
        office_name: impl Into<String>,
        officer_id: impl Into<String>,
    ) -> Self {
        Self {
            office_id: office_id.into(),
            office_name: office_name.into(),
            officer_id: officer_id.into(),
        }
    }
}

/// An explicit, recorded officer override of specific refusal reasons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficerOverride {
    /// The officer who overrides.
    pub officer_id: String,
    /// Refusal codes overridden (each must be overridable by policy).
    pub codes: Vec<String>,
    /// Why (recorded in the receipt and the registry audit log).
    pub reason: String,
}

/// One issuance request.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct IssueInput {
    /// Idempotency key (kiosk session id).
    pub request_id: String,
    /// The original's page scans (encoded images).
    pub pages: Vec<Vec<u8>>,
    /// CCCD front.
    pub id_front: Vec<u8>,
    /// CCCD back.
    pub id_back: Option<Vec<u8>>,
    /// Live capture frames.
    pub live_frames: Vec<Vec<u8>>,
    /// Office and officer.
    pub office: OfficeContext,
    /// Officer override, if any.
    pub officer_override: Option<OfficerOverride>,
    /// The liveness challenge the live frames answer (e.g. `turn_left`).
    pub challenge: Option<String>,
}

impl IssueInput {
    /// An input without override.
    pub fn new(
        request_id: impl Into<String>,
        pages: Vec<Vec<u8>>,
        id_front: Vec<u8>,
        id_back: Option<Vec<u8>>,
        live_frames: Vec<Vec<u8>>,
        office: OfficeContext,
    ) -> Self {
        Self {
            request_id: request_id.into(),
            pages,
            id_front,
            id_back,
            live_frames,
            office,
            officer_override: None,
            challenge: None,
        }
    }

    /// Set the liveness challenge the frames answer.
    pub fn with_challenge(mut self, c: impl Into<String>) -> Self {
        self.challenge = Some(c.into());
        self
    }

    /// Attach an officer override.
    pub fn with_override(mut self, o: OfficerOverride) -> Self {
        self.officer_override = Some(o);
        self
    }
}

/// Issuer policy and thresholds.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct IssuerConfig {
    /// Document kinds this procedure accepts (empty: any classified kind).
    pub accepted_kinds: Vec<DocumentKind>,
    /// Minimum classification confidence.
    pub min_kind_confidence: f32,
    /// Minimum mean text confidence.
    pub min_text_confidence: f32,
    /// Host of the verification URL in the QR.
    pub seal_host: String,
    /// Refusal codes an officer may override.
    pub overridable: Vec<String>,
    /// Recognize the original's pages on a second thread while the card is read, the page
    /// bytes are checked and the face is verified (default `true`). The models' own thread
    /// pools leave gaps between operators that the other steps fill; `false` runs every step
    /// in turn (each step's timing is then its time alone).
    pub overlap_steps: bool,
}

impl Default for IssuerConfig {
    fn default() -> Self {
        Self {
            accepted_kinds: Vec::new(),
            min_kind_confidence: 0.5,
            min_text_confidence: 0.6,
            seal_host: "xacthuc.saoy.example.vn".into(),
            overridable: [
                "wrong_document_kind",
                "unreadable_scan",
                "authenticity_doubt",
                "id_card_inconsistent",
            ]
            .map(String::from)
            .to_vec(),
            overlap_steps: true,
        }
    }
}

impl IssuerConfig {
    /// Overlap the page recognition with the card, page and face steps (see the field).
    pub fn overlap_steps(mut self, on: bool) -> Self {
        self.overlap_steps = on;
        self
    }
    /// Set the seal host.
    pub fn seal_host(mut self, h: impl Into<String>) -> Self {
        self.seal_host = h.into();
        self
    }
    /// Set the accepted kinds.
    pub fn accepted_kinds(mut self, k: Vec<DocumentKind>) -> Self {
        self.accepted_kinds = k;
        self
    }
}

/// Time spent in one step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepTiming {
    /// Step name.
    pub step: String,
    /// Milliseconds.
    pub millis: f64,
}

/// The receipt JSON delivered with the copy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Receipt {
    /// Format tag, `saoy-receipt/1`.
    pub format: String,
    /// Verification code.
    pub code: VerificationCode,
    /// Request id.
    pub request_id: String,
    /// SHA-256 of the signed PDF (hex).
    pub document_sha256: String,
    /// Page-image digest in the seal (hex).
    pub content_sha256: String,
    /// Document kind.
    pub kind: DocumentKind,
    /// Document kind in Vietnamese.
    pub kind_vi: String,
    /// Office id.
    pub office_id: String,
    /// Office name.
    pub office_name: String,
    /// Officer id.
    pub officer_id: String,
    /// Issue time (Unix seconds).
    pub issued_at: u64,
    /// Issue time, RFC 3339.
    pub issued_at_utc: String,
    /// The QR URL.
    pub seal_url: String,
    /// Seal key id.
    pub seal_key_id: String,
    /// PDF signer.
    pub signer: String,
    /// Checks run and their outcome.
    pub checks: Vec<Check>,
    /// Thresholds in force.
    pub thresholds: BTreeMap<String, f32>,
    /// Model versions.
    pub model_versions: Vec<ModelVersion>,
    /// Step timings. Steps may overlap (`IssuerConfig::overlap_steps`): their sum can exceed
    /// [`Receipt::total_millis`].
    pub timings: Vec<StepTiming>,
    /// Wall time of the issuance, from the call to the committed copy (milliseconds; 0 in
    /// receipts written before this field existed).
    #[serde(default)]
    pub total_millis: f64,
    /// Officer override, if any.
    pub officer_override: Option<OfficerOverride>,
}

/// What the citizen receives.
#[derive(Debug, Clone)]
pub struct DeliveryBundle {
    /// The code.
    pub code: VerificationCode,
    /// The signed PDF.
    pub pdf: Vec<u8>,
    /// Where it is stored.
    pub pdf_path: PathBuf,
    /// QR PNG of the seal URL.
    pub qr_png: Vec<u8>,
    /// Where it is stored.
    pub qr_path: PathBuf,
    /// The receipt.
    pub receipt: Receipt,
    /// Where it is stored.
    pub receipt_path: PathBuf,
    /// True when this request id had been issued before and the earlier copy was returned.
    pub replayed: bool,
}

/// A refusal: a successful run that says no, with reasons.
#[derive(Debug, Clone, Serialize)]
pub struct Refusal {
    /// Reasons (codes: `wrong_document_kind`, `unreadable_scan`, `id_card_inconsistent`,
    /// `authenticity_doubt`, `face_mismatch`, `liveness_failed`, `override_not_allowed`).
    pub reasons: Vec<Reason>,
    /// All checks run.
    pub checks: Vec<Check>,
    /// Step timings.
    pub timings: Vec<StepTiming>,
}

/// Outcome of [`Issuer::issue`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum IssueOutcome {
    /// Issued (or replayed).
    Issued(Box<DeliveryBundle>),
    /// Refused, with reasons.
    Refused(Refusal),
}

/// The certification workflow.
pub struct Issuer {
    recognizer: Arc<dyn DocumentRecognizer>,
    face: Arc<dyn FaceVerifier>,
    renderer: Arc<dyn CopyRenderer>,
    signer: Arc<dyn CopySigner>,
    seal_signer: Arc<dyn SealSigner>,
    registry: Arc<dyn Registry>,
    store: DeliveryStore,
    hasher: CitizenIdHasher,
    config: IssuerConfig,
}

impl std::fmt::Debug for Issuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issuer")
            .field("store", &self.store)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

struct Timer<'p> {
    progress: &'p dyn Progress,
    timings: Vec<StepTiming>,
    started: Instant,
}

impl Timer<'_> {
    fn run<T, E>(&mut self, step: Step, f: impl FnOnce() -> Result<T, E>) -> Result<T, E> {
        self.progress.step_started(step);
        let t0 = Instant::now();
        let r = f();
        let took = t0.elapsed();
        self.timings.push(StepTiming {
            step: step.name().into(),
            millis: took.as_secs_f64() * 1000.0,
        });
        self.progress.step_finished(step, took, r.is_ok());
        r
    }

    fn mark(&mut self, step: Step, took: Duration, ok: bool) {
        self.progress.step_finished(step, took, ok);
    }
}

/// Run one step, reporting its start and end; returns its result and timing.
fn timed<T, E>(
    progress: &dyn Progress,
    step: Step,
    f: impl FnOnce() -> Result<T, E>,
) -> (Result<T, E>, StepTiming) {
    progress.step_started(step);
    let t0 = Instant::now();
    let r = f();
    let took = t0.elapsed();
    progress.step_finished(step, took, r.is_ok());
    (
        r,
        StepTiming {
            step: step.name().into(),
            millis: took.as_secs_f64() * 1000.0,
        },
    )
}

fn step_err(step: Step) -> impl Fn(StepError) -> IssueError {
    move |source| IssueError::Step { step, source }
}

impl Issuer {
    /// Build an issuer from its parts.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        recognizer: Arc<dyn DocumentRecognizer>,
        face: Arc<dyn FaceVerifier>,
        renderer: Arc<dyn CopyRenderer>,
        signer: Arc<dyn CopySigner>,
        seal_signer: Arc<dyn SealSigner>,
        registry: Arc<dyn Registry>,
        store: DeliveryStore,
        hasher: CitizenIdHasher,
        config: IssuerConfig,
    ) -> Self {
        Self {
            recognizer,
            face,
            renderer,
            signer,
            seal_signer,
            registry,
            store,
            hasher,
            config,
        }
    }

    /// The registry.
    pub fn registry(&self) -> &Arc<dyn Registry> {
        &self.registry
    }

    /// The delivery store.
    pub fn store(&self) -> &DeliveryStore {
        &self.store
    }

    /// The seal key id.
    pub fn seal_key_id(&self) -> KeyId {
        KeyId::of(&self.seal_signer.seal_verifying_key())
    }

    /// Issue without progress reporting.
    pub fn issue(&self, input: &IssueInput) -> Result<IssueOutcome, IssueError> {
        self.issue_with_progress(input, &NoProgress)
    }

    /// Run the whole workflow. Commit order (no registered code without its PDF, no PDF without
    /// its row): reserve a `pending` row → render + sign → write `CODE.pdf.tmp`, fsync → rename
    /// to `CODE.pdf`, fsync the directory → activate the row (`valid`, PDF digest) → write the
    /// QR and receipt. A failure before the rename abandons the row (`failed`); a crash is
    /// repaired by [`DeliveryStore::recover`].
    pub fn issue_with_progress(
        &self,
        input: &IssueInput,
        progress: &dyn Progress,
    ) -> Result<IssueOutcome, IssueError> {
        if input.pages.is_empty() {
            return Err(IssueError::Input {
                what: "pages",
                detail: "at least one page scan is required".into(),
            });
        }
        if input.live_frames.is_empty() {
            return Err(IssueError::Input {
                what: "live_frames",
                detail: "at least one live capture frame is required".into(),
            });
        }
        if let Some(office) = self.store.office()
            && office != input.office.office_id
        {
            return Err(IssueError::Input {
                what: "office",
                detail: format!(
                    "this delivery store holds office {office:?}'s copies, not {:?}'s",
                    input.office.office_id
                ),
            });
        }
        let mut timer = Timer {
            progress,
            timings: Vec::new(),
            started: Instant::now(),
        };
        // The original's pages and the citizen's card, face and page bytes are independent:
        // the page recognition runs on its own thread beside the other three steps (see
        // `IssuerConfig::overlap_steps`). Errors keep the sequential precedence: recognize,
        // id card, authenticity, face.
        let card_face_pages = || {
            let id_card = timed(progress, Step::IdCard, || {
                self.recognizer
                    .read_id_card(&input.id_front, input.id_back.as_deref())
            });
            let pages = timed(progress, Step::Authenticity, || {
                super::store::normalize_pages(&input.pages)
            });
            let face = timed(progress, Step::Face, || {
                self.face.verify(
                    &input.id_front,
                    &input.live_frames,
                    input.challenge.as_deref(),
                )
            });
            (id_card, pages, face)
        };
        let recognize = || {
            timed(progress, Step::Recognize, || {
                self.recognizer.recognize(&input.pages)
            })
        };
        let (recognition, (id_card, pages, face)) = if self.config.overlap_steps {
            std::thread::scope(|s| {
                // No thread to be had (resource limits): every step in turn, on this one.
                let Ok(rec) = std::thread::Builder::new()
                    .name("saoy-recognize".into())
                    .spawn_scoped(s, recognize)
                else {
                    let rec = recognize();
                    return (rec, card_face_pages());
                };
                let rest = card_face_pages();
                let rec = rec.join().unwrap_or_else(|_| {
                    (
                        Err(StepError::new(
                            "recognize_panicked",
                            "the recognition thread panicked",
                        )),
                        StepTiming {
                            step: Step::Recognize.name().into(),
                            millis: 0.0,
                        },
                    )
                });
                (rec, rest)
            })
        } else {
            let rec = recognize();
            (rec, card_face_pages())
        };
        for t in [&recognition.1, &id_card.1, &pages.1, &face.1] {
            timer.timings.push(t.clone());
        }
        let recognition = recognition.0.map_err(step_err(Step::Recognize))?;
        let id_card = id_card.0.map_err(step_err(Step::IdCard))?;
        let pages = pages.0?;
        let face = face.0.map_err(step_err(Step::Face))?;

        // Eligibility.
        progress.step_started(Step::Eligibility);
        let t0 = Instant::now();
        let (checks, refusals) = self.decide(&recognition, &id_card, &face);
        let (refusals, override_problems) = self.apply_override(refusals, input);
        let took = t0.elapsed();
        timer.timings.push(StepTiming {
            step: Step::Eligibility.name().into(),
            millis: took.as_secs_f64() * 1000.0,
        });
        if !refusals.is_empty() || !override_problems.is_empty() {
            timer.mark(Step::Eligibility, took, false);
            let mut reasons = refusals;
            reasons.extend(override_problems);
            return Ok(IssueOutcome::Refused(Refusal {
                reasons,
                checks,
                timings: timer.timings,
            }));
        }
        timer.mark(Step::Eligibility, took, true);

        // Reserve.
        let digest = content_digest(&pages);
        let mut req = IssueRequest::new(
            input.request_id.clone(),
            recognition.kind,
            input.office.office_id.clone(),
            input.office.officer_id.clone(),
            self.hasher.hash(&id_card.id_number),
            self.seal_key_id(),
            now_unix(),
            digest,
        );
        if let Some(o) = &input.officer_override {
            req.note = Some(format!(
                "officer override by {}: {} ({})",
                o.officer_id,
                o.codes.join(","),
                o.reason
            ));
        }
        let reservation = timer.run(Step::Reserve, || self.registry.reserve(&req))?;
        let record = match reservation {
            Reservation::New(r) => r,
            Reservation::Existing(r) => {
                let bundle = self.store.load(&r.code)?;
                return Ok(IssueOutcome::Issued(Box::new(DeliveryBundle {
                    replayed: true,
                    ..bundle
                })));
            }
        };
        let code = record.code;
        match self.produce(
            &mut timer,
            input,
            &recognition,
            &pages,
            &record,
            checks,
            &face,
        ) {
            Ok(bundle) => Ok(IssueOutcome::Issued(Box::new(bundle))),
            Err((e, renamed)) => {
                if !renamed {
                    self.store.discard(&code);
                    // Best effort: if the registry is down, recovery abandons the row later.
                    let _ = self.registry.abandon(&code, &format!("{}: {e}", e.code()));
                }
                Err(e)
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn produce(
        &self,
        timer: &mut Timer<'_>,
        input: &IssueInput,
        recognition: &super::Recognition,
        pages: &[Vec<u8>],
        record: &crate::registry::Record,
        checks: Vec<Check>,
        face: &FaceOutcome,
    ) -> Result<DeliveryBundle, (IssueError, bool)> {
        let code = record.code;
        let seal = Seal::sign(
            code,
            record.content_digest,
            record.issued_at,
            record.kind,
            self.seal_signer.as_ref(),
        )
        .map_err(|e| (e.into(), false))?;
        let seal_url = seal
            .to_url(&self.config.seal_host)
            .map_err(|e| (e.into(), false))?;
        let unsigned = timer
            .run(Step::Render, || {
                self.renderer.render(&CopyContent {
                    pages,
                    pages_text: &recognition.pages_text,
                    lines: &recognition.lines,
                    code,
                    seal_url: &seal_url,
                    kind: record.kind,
                    office_name: &input.office.office_name,
                    issued_at: record.issued_at,
                })
            })
            .map_err(|e| (step_err(Step::Render)(e), false))?;
        let signed = timer
            .run(Step::Sign, || self.signer.sign(&unsigned, record.issued_at))
            .map_err(|e| (step_err(Step::Sign)(e), false))?;
        let document_digest: [u8; 32] = Sha256::digest(&signed).into();

        let mut thresholds = BTreeMap::new();
        thresholds.insert("face_similarity".to_string(), face.threshold);
        thresholds.insert(
            "min_kind_confidence".to_string(),
            self.config.min_kind_confidence,
        );
        thresholds.insert(
            "min_text_confidence".to_string(),
            self.config.min_text_confidence,
        );
        let mut model_versions = self.recognizer.versions();
        model_versions.extend(self.face.versions());
        let mut receipt = Receipt {
            format: "saoy-receipt/1".into(),
            code,
            request_id: input.request_id.clone(),
            document_sha256: hex::encode(document_digest),
            content_sha256: hex::encode(record.content_digest),
            kind: record.kind,
            kind_vi: record.kind.name_vi(),
            office_id: input.office.office_id.clone(),
            office_name: input.office.office_name.clone(),
            officer_id: input.office.officer_id.clone(),
            issued_at: record.issued_at,
            issued_at_utc: format_utc(record.issued_at),
            seal_url: seal_url.clone(),
            seal_key_id: record.seal_key_id.to_hex(),
            signer: self.signer.signer_name(),
            checks,
            thresholds,
            model_versions,
            timings: Vec::new(),
            total_millis: 0.0,
            officer_override: input.officer_override.clone(),
        };

        timer.progress.step_started(Step::Commit);
        let t0 = Instant::now();
        let mut renamed = false;
        let result = (|| {
            let pdf_path = self.store.commit_pdf(&code, &signed, &mut renamed)?;
            self.registry.activate(&code, document_digest)?;
            let qr = qr_png(&seal_url)?;
            timer.timings.push(StepTiming {
                step: Step::Commit.name().into(),
                millis: t0.elapsed().as_secs_f64() * 1000.0,
            });
            receipt.timings = timer.timings.clone();
            receipt.total_millis = timer.started.elapsed().as_secs_f64() * 1000.0;
            let (qr_path, receipt_path) = self.store.write_extras(&code, &qr, &receipt)?;
            Ok(DeliveryBundle {
                code,
                pdf: signed.clone(),
                pdf_path,
                qr_png: qr,
                qr_path,
                receipt: receipt.clone(),
                receipt_path,
                replayed: false,
            })
        })();
        timer.mark(Step::Commit, t0.elapsed(), result.is_ok());
        result.map_err(|e| (e, renamed))
    }

    fn decide(
        &self,
        rec: &super::Recognition,
        id: &super::IdCardReading,
        face: &FaceOutcome,
    ) -> (Vec<Check>, Vec<Reason>) {
        let cfg = &self.config;
        let mut checks = Vec::new();
        let mut refusals = Vec::new();
        let kind_ok = rec.kind != DocumentKind::UNSPECIFIED
            && rec.kind_confidence >= cfg.min_kind_confidence
            && (cfg.accepted_kinds.is_empty() || cfg.accepted_kinds.contains(&rec.kind));
        let (en, vi) = (
            format!(
                "Document recognized as {} (confidence {:.2}).",
                rec.kind.name_en(),
                rec.kind_confidence
            ),
            format!(
                "Tài liệu được nhận dạng là {} (độ tin cậy {:.2}).",
                rec.kind.name_vi(),
                rec.kind_confidence
            ),
        );
        checks.push(Check::new("document_kind", kind_ok, &en, &vi));
        if !kind_ok {
            refusals.push(Reason::new(
                "wrong_document_kind",
                format!("{en} This kind is not accepted for this procedure."),
                format!("{vi} Loại tài liệu này không được chấp nhận cho thủ tục này."),
            ));
        }
        let readable = rec.text_confidence >= cfg.min_text_confidence
            && rec.pages_text.iter().any(|t| !t.trim().is_empty());
        checks.push(Check::new(
            "scan_readable",
            readable,
            format!(
                "Text confidence {:.2} (minimum {:.2}).",
                rec.text_confidence, cfg.min_text_confidence
            ),
            format!(
                "Độ tin cậy nhận dạng chữ {:.2} (tối thiểu {:.2}).",
                rec.text_confidence, cfg.min_text_confidence
            ),
        ));
        if !readable {
            refusals.push(Reason::new(
                "unreadable_scan",
                "The scan is not readable enough; please rescan the original.",
                "Bản quét không đủ rõ; vui lòng quét lại bản gốc.",
            ));
        }
        for c in &rec.findings {
            checks.push(c.clone());
            if !c.passed {
                refusals.push(Reason::new(
                    "authenticity_doubt",
                    format!("The original failed an authenticity check: {}", c.en),
                    format!("Bản gốc không đạt kiểm tra tính xác thực: {}", c.vi),
                ));
            }
        }
        for c in &id.checks {
            checks.push(c.clone());
            if !c.passed {
                refusals.push(Reason::new(
                    "id_card_inconsistent",
                    format!("The citizen ID card failed a check: {}", c.en),
                    format!("Thẻ căn cước không đạt kiểm tra: {}", c.vi),
                ));
            }
        }
        let (en, vi) = (
            format!(
                "Face similarity {:.3} against threshold {:.3}.",
                face.similarity, face.threshold
            ),
            format!(
                "Độ tương đồng khuôn mặt {:.3} so với ngưỡng {:.3}.",
                face.similarity, face.threshold
            ),
        );
        checks.push(Check::new("face_match", face.matched, &en, &vi));
        if !face.matched {
            refusals.push(Reason::new(
                "face_mismatch",
                format!("The live face does not match the ID card portrait. {en}"),
                format!("Khuôn mặt trực tiếp không khớp ảnh trên thẻ căn cước. {vi}"),
            ));
        }
        checks.push(Check::new(
            "liveness",
            face.live,
            format!("Liveness: {}", face.liveness_detail),
            format!("Kiểm tra người thật: {}", face.liveness_detail_vi),
        ));
        if !face.live {
            refusals.push(Reason::new(
                "liveness_failed",
                format!("The liveness check failed: {}", face.liveness_detail),
                format!("Kiểm tra người thật không đạt: {}", face.liveness_detail_vi),
            ));
        }
        (checks, refusals)
    }

    /// Remove the refusals an explicit, allowed override covers; report disallowed overrides.
    fn apply_override(
        &self,
        refusals: Vec<Reason>,
        input: &IssueInput,
    ) -> (Vec<Reason>, Vec<Reason>) {
        let Some(o) = &input.officer_override else {
            return (refusals, Vec::new());
        };
        let mut problems = Vec::new();
        if o.reason.trim().is_empty() || o.officer_id.trim().is_empty() {
            problems.push(Reason::new(
                "override_not_allowed",
                "An officer override needs the officer's id and a reason.",
                "Việc cán bộ bỏ qua kiểm tra phải ghi rõ mã cán bộ và lý do.",
            ));
            return (refusals, problems);
        }
        for c in &o.codes {
            if !self.config.overridable.contains(c) {
                problems.push(Reason::new(
                    "override_not_allowed",
                    format!("The check {c} cannot be overridden by an officer."),
                    format!("Cán bộ không được phép bỏ qua kiểm tra {c}."),
                ));
            }
        }
        let remaining = refusals
            .into_iter()
            .filter(|r| !(o.codes.contains(&r.code) && self.config.overridable.contains(&r.code)))
            .collect();
        (remaining, problems)
    }

    /// Re-check the registry status of a code (audited as an issuer lookup).
    pub fn status(&self, code: &VerificationCode) -> Result<Option<StatusKind>, IssueError> {
        Ok(self
            .registry
            .lookup(code, &crate::registry::Requester::new("issuer"))?
            .map(|r| r.status.kind()))
    }
}
