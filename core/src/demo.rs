//! The kiosk demo behind `saoy demo`: fictional specimens (saoy-specimen) → the real issuance
//! workflow (saoy-ocr, saoy-faceauth, saoy-signing with a TEST PKI) on an embedded SQLite
//! registry → verification of the result and of a tampered copy.
//!
//! Everything is real except the inputs (generated, marked "MẪU - SPECIMEN") and the PKI (a
//! freshly generated TEST-ONLY root, CA and signer; the seal key is generated too).

use crate::registry::sqlite::SqliteRegistry;
use crate::registry::{CitizenIdHasher, Registry};
use crate::seal::{IssuerKey, IssuerKeys};
use crate::workflow::adapters::{
    FaceAuthVerifier, OcrRecognizer, OcrRecognizerOptions, PadesSigner, PadesVerifier,
    PdfCopyRenderer,
};
use crate::workflow::{
    DeliveryBundle, DeliveryStore, IssueError, IssueInput, IssueOutcome, Issuer, IssuerConfig,
    OfficeContext, Progress, Refusal, VerificationReport, Verifier,
};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Live-capture frames the demo records.
pub const DEMO_LIVE_FRAMES: usize = 10;

/// Liveness turn target used by the demo (faceauth's default is 18°); see [`run_demo`].
pub const DEMO_TURN_TARGET_DEG: f32 = 9.0;

/// Demo failures.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DemoError {
    /// The specimen generator failed.
    #[error("specimen generation failed: {0}")]
    Specimen(String),
    /// Models could not be fetched or loaded.
    #[error("models unavailable ({code}): {detail}")]
    Models {
        /// Stable code from saoy-models / the step.
        code: String,
        /// Detail.
        detail: String,
    },
    /// The test PKI could not be generated.
    #[error("test PKI: {0}")]
    Pki(String),
    /// The issuance failed.
    #[error("issuance: {0}")]
    Issue(#[from] IssueError),
    /// Writing demo files failed.
    #[error("I/O on {path}: {detail}")]
    Io {
        /// Path.
        path: PathBuf,
        /// OS error.
        detail: String,
    },
}

impl DemoError {
    /// Stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            DemoError::Specimen(_) => "demo_specimen",
            DemoError::Models { .. } => "demo_models_unavailable",
            DemoError::Pki(_) => "demo_pki",
            DemoError::Issue(e) => e.code(),
            DemoError::Io { .. } => "demo_io",
        }
    }
}

/// Demo options.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DemoOptions {
    /// Output directory (inputs, PKI, registry, delivered copy).
    pub dir: PathBuf,
    /// Inference threads.
    pub threads: usize,
    /// Model store directory (default: saoy-models' default).
    pub models_dir: Option<PathBuf>,
    /// Never download models.
    pub offline: bool,
    /// Seed of the fictional person.
    pub seed: u64,
    /// Overlap the page recognition with the card, page and face steps
    /// ([`IssuerConfig::overlap_steps`], default `true`).
    pub overlap_steps: bool,
    /// How the OCR runs (recognizer sessions, QR search on the original's pages).
    pub recognizer: OcrRecognizerOptions,
}

impl DemoOptions {
    /// Options writing into `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: dir.into(),
            threads: saoy_models::default_threads(),
            models_dir: None,
            offline: false,
            seed: 7,
            overlap_steps: true,
            recognizer: OcrRecognizerOptions::default(),
        }
    }
}

/// What the demo did.
#[derive(Debug)]
pub struct DemoReport {
    /// The fictional citizen's name.
    pub person_name: String,
    /// Input files written (scan, CCCD front/back, live frames).
    pub inputs: Vec<PathBuf>,
    /// The issued copy, or the refusal.
    pub outcome: Result<Box<DeliveryBundle>, Refusal>,
    /// Verification of the issued copy (when issued).
    pub verification: Option<VerificationReport>,
    /// Verification of a copy with one byte changed (when issued).
    pub tampered: Option<VerificationReport>,
    /// The registry database file.
    pub registry_path: PathBuf,
    /// The PKI directory (root.pem is the trust anchor).
    pub pki_dir: PathBuf,
}

fn io(path: &Path, e: std::io::Error) -> DemoError {
    DemoError::Io {
        path: path.to_path_buf(),
        detail: e.to_string(),
    }
}

fn jpeg(img: &image::RgbImage, quality: u8) -> Result<Vec<u8>, DemoError> {
    let mut out = Vec::new();
    let mut enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality);
    enc.set_pixel_density(image::codecs::jpeg::PixelDensity::dpi(200));
    enc.encode_image(img)
        .map_err(|e| DemoError::Specimen(e.to_string()))?;
    Ok(out)
}

/// Generated demo inputs.
struct Inputs {
    name: String,
    id_number: String,
    scan: Vec<u8>,
    front: Vec<u8>,
    back: Vec<u8>,
    live: Vec<Vec<u8>>,
}

fn generate(seed: u64, live_frames: usize) -> Result<Inputs, DemoError> {
    use saoy_specimen as sp;
    let sp_err = |e: sp::SpecimenError| DemoError::Specimen(e.to_string());
    let person = sp::Person::generate(seed);
    let opts = sp::RenderOptions::new(seed);
    let portrait = sp::demo_portrait().map_err(sp_err)?;
    let a4 = sp::render_a4_form(&person, &opts).map_err(sp_err)?;
    let front = sp::render_cccd_front(&person, Some(&portrait), &opts).map_err(sp_err)?;
    let back = sp::render_cccd_back(&person, &opts).map_err(sp_err)?;
    let mut live = sp::LiveOptions::new(live_frames, sp::HeadMotion::TurnLeft);
    // The landmark pose estimate under-reads the simulated turn: simulate a clear one.
    live.max_angle_deg = 80.0;
    let frames = sp::live_frames_with(&portrait, &live, seed);
    Ok(Inputs {
        name: person.full_name(),
        id_number: person.id_number.clone(),
        scan: jpeg(&a4.image, 90)?,
        front: jpeg(&front.image, 92)?,
        back: jpeg(&back.image, 92)?,
        live: frames
            .iter()
            .map(|f| jpeg(&f.image, 90))
            .collect::<Result<_, _>>()?,
    })
}

/// The signing material of a kiosk: PAdES signer (TEST PKI), seal key, trust anchor.
pub struct KioskKeys {
    /// The PAdES signer.
    pub signer: saoy_signing::sign::SoftwareSigner,
    /// The seal key.
    pub seal_key: p384::ecdsa::SigningKey,
    /// The root certificate (PEM), trust anchor for verification.
    pub root_pem: String,
    /// The trusted seal keys (the seal key's public half).
    pub issuer_keys: IssuerKeys,
    /// The registry's citizen-ID HMAC secret.
    pub registry_secret: Vec<u8>,
    /// True when the material was generated now (TEST ONLY).
    pub generated: bool,
}

impl std::fmt::Debug for KioskKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KioskKeys")
            .field("generated", &self.generated)
            .finish_non_exhaustive()
    }
}

/// Load the kiosk's TEST signing material from `dir` (`signer.key.pem`, `signer.pem`,
/// `chain.pem`, `root.pem`, `seal.key.pem`, `registry.secret`), generating and writing it on
/// first use. **Test/demo only**: a production kiosk signs with its agency certificate on a token.
pub fn kiosk_keys(dir: &Path) -> Result<KioskKeys, DemoError> {
    use p384::pkcs8::{DecodePrivateKey, EncodePrivateKey};
    let pki_err = |e: &dyn std::fmt::Display| DemoError::Pki(e.to_string());
    let read = |name: &str| std::fs::read(dir.join(name)).map_err(|e| io(&dir.join(name), e));
    let mut generated = false;
    if !dir.join("seal.key.pem").exists() {
        generated = true;
        let pki = saoy_signing::pki::TestPki::generate().map_err(|e| pki_err(&e))?;
        pki.write_pem_dir(dir).map_err(|e| pki_err(&e))?;
        let mut seed = [0u8; 48];
        getrandom::fill(&mut seed).map_err(|e| pki_err(&e))?;
        let seal = p384::ecdsa::SigningKey::from_slice(&seed).map_err(|e| pki_err(&e))?;
        let pem = seal
            .to_pkcs8_pem(p384::pkcs8::LineEnding::LF)
            .map_err(|e| pki_err(&e))?;
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).map_err(|e| pki_err(&e))?;
        let p = dir.join("registry.secret");
        std::fs::write(&p, hex::encode(secret)).map_err(|e| io(&p, e))?;
        let p = dir.join("seal.key.pem");
        std::fs::write(&p, pem.as_bytes()).map_err(|e| io(&p, e))?;
    }
    let key_pem = String::from_utf8_lossy(&read("signer.key.pem")?).into_owned();
    let signer = saoy_signing::sign::SoftwareSigner::from_pem(
        &key_pem,
        &read("signer.pem")?,
        &[&read("chain.pem")?],
    )
    .map_err(|e| pki_err(&e))?;
    let seal_pem = String::from_utf8_lossy(&read("seal.key.pem")?).into_owned();
    let seal_key = p384::ecdsa::SigningKey::from_pkcs8_pem(&seal_pem).map_err(|e| pki_err(&e))?;
    let issuer_keys = IssuerKeys::new().with(IssuerKey::new(
        "UBND phường Hoàn Kiếm (TEST seal key)",
        *seal_key.verifying_key(),
    ));
    let registry_secret = hex::decode(String::from_utf8_lossy(&read("registry.secret")?).trim())
        .map_err(|e| pki_err(&e))?;
    Ok(KioskKeys {
        signer,
        seal_key,
        root_pem: String::from_utf8_lossy(&read("root.pem")?).into_owned(),
        issuer_keys,
        registry_secret,
        generated,
    })
}

/// Hooks for the demo's own stages (before the issuance steps, which report via [`Progress`]).
pub trait DemoProgress: Progress {
    /// A demo stage starts (`specimens`, `models`, `pki`, `verify`).
    fn stage(&self, _name: &str) {}
}

/// A kiosk ready to issue: the real models, the TEST PKI and seal key, an embedded SQLite
/// registry, and a delivery store, all under one directory.
pub struct DemoKiosk {
    /// The issuer.
    pub issuer: Issuer,
    /// Its registry.
    pub registry: Arc<dyn Registry>,
    /// The registry database file.
    pub registry_path: PathBuf,
    /// Trust anchor (PEM) of the TEST PKI.
    pub root_pem: String,
    /// Trusted seal keys.
    pub issuer_keys: IssuerKeys,
    /// The PKI directory.
    pub pki_dir: PathBuf,
}

impl std::fmt::Debug for DemoKiosk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoKiosk")
            .field("registry_path", &self.registry_path)
            .finish_non_exhaustive()
    }
}

/// Build the demo kiosk in `opts.dir` (models fetched unless `opts.offline`; PKI generated on
/// first use). Reports the `models` and `pki` stages.
pub fn demo_kiosk(opts: &DemoOptions, progress: &dyn DemoProgress) -> Result<DemoKiosk, DemoError> {
    let dir = &opts.dir;
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    progress.stage("models");
    let mut store_opts = match &opts.models_dir {
        Some(d) => saoy_models::StoreOptions::with_dir(d.clone()),
        None => saoy_models::StoreOptions::default(),
    };
    store_opts = store_opts.offline(opts.offline);
    let models = saoy_models::ModelStore::open(&store_opts).map_err(|e| DemoError::Models {
        code: e.code().into(),
        detail: e.to_string(),
    })?;
    let recognizer =
        OcrRecognizer::with_options(&models, opts.threads, &opts.recognizer).map_err(step_err)?;
    // The simulated live frames are a 2D perspective warp of one photo: the landmark pose
    // estimate reads ~12° for an 80° simulated turn, below faceauth's 18° default. The demo
    // lowers the turn target to DEMO_TURN_TARGET_DEG and says so in its summary.
    let mut liveness = saoy_faceauth::LivenessConfig::default();
    liveness.target_yaw_deg = DEMO_TURN_TARGET_DEG;
    let face = FaceAuthVerifier::with_liveness(&models, opts.threads, 200, Some(liveness))
        .map_err(step_err)?;

    progress.stage("pki");
    let pki_dir = dir.join("pki");
    let kk = kiosk_keys(&pki_dir)?;
    let (root_pem, keys, secret) = (kk.root_pem, kk.issuer_keys, kk.registry_secret);
    let (signer, seal_key) = (kk.signer, kk.seal_key);

    let registry_path = dir.join("registry.sqlite");
    let registry: Arc<dyn Registry> =
        Arc::new(SqliteRegistry::open(&registry_path).map_err(|e| DemoError::Issue(e.into()))?);
    let issuer = Issuer::new(
        Arc::new(recognizer),
        Arc::new(face),
        Arc::new(PdfCopyRenderer),
        Arc::new(PadesSigner::new(
            signer,
            "saoy TEST ONLY Document Signer",
            "Hà Nội",
        )),
        Arc::new(seal_key),
        registry.clone(),
        DeliveryStore::open(dir.join("out"))?,
        CitizenIdHasher::new(&secret).map_err(|e| DemoError::Issue(e.into()))?,
        IssuerConfig::default()
            .seal_host("xacthuc.saoy.example.vn")
            .overlap_steps(opts.overlap_steps),
    );
    Ok(DemoKiosk {
        issuer,
        registry,
        registry_path,
        root_pem,
        issuer_keys: keys,
        pki_dir,
    })
}

fn step_err(e: crate::workflow::StepError) -> DemoError {
    DemoError::Models {
        code: e.code.clone(),
        detail: e.detail,
    }
}

/// The demo's fictional inputs as an [`IssueInput`]: a 1-page A4 original (200 dpi JPEG), the
/// CCCD front and back, and `live_frames` live-capture frames turning left (challenge
/// `turn_left`). Returns the citizen's name with it.
pub fn demo_input(
    seed: u64,
    live_frames: usize,
    request_id: impl Into<String>,
) -> Result<(String, IssueInput), DemoError> {
    let inputs = generate(seed, live_frames)?;
    Ok((inputs.name.clone(), issue_input(&inputs, request_id.into())))
}

fn issue_input(inputs: &Inputs, request_id: String) -> IssueInput {
    IssueInput::new(
        request_id,
        vec![inputs.scan.clone()],
        inputs.front.clone(),
        Some(inputs.back.clone()),
        inputs.live.clone(),
        OfficeContext::new("HN-HK-KIOSK-01", "UBND phường Hoàn Kiếm", "can-bo-01"),
    )
    .with_challenge("turn_left")
}

/// Run the demo.
pub fn run_demo(opts: &DemoOptions, progress: &dyn DemoProgress) -> Result<DemoReport, DemoError> {
    let dir = &opts.dir;
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;

    progress.stage("specimens");
    let inputs = generate(opts.seed, DEMO_LIVE_FRAMES)?;
    let in_dir = dir.join("inputs");
    std::fs::create_dir_all(&in_dir).map_err(|e| io(&in_dir, e))?;
    let mut written = Vec::new();
    let mut write = |name: String, bytes: &[u8]| -> Result<(), DemoError> {
        let p = in_dir.join(name);
        std::fs::write(&p, bytes).map_err(|e| io(&p, e))?;
        written.push(p);
        Ok(())
    };
    write("original-page1.jpg".into(), &inputs.scan)?;
    write("cccd-front.jpg".into(), &inputs.front)?;
    write("cccd-back.jpg".into(), &inputs.back)?;
    for (i, f) in inputs.live.iter().enumerate() {
        write(format!("live-{:02}.jpg", i + 1), f)?;
    }

    let kiosk = demo_kiosk(opts, progress)?;
    let DemoKiosk {
        issuer,
        registry,
        registry_path,
        root_pem,
        issuer_keys: keys,
        pki_dir,
    } = kiosk;
    let input = issue_input(&inputs, format!("demo-{}", crate::report::now_unix()));
    let _ = &inputs.id_number; // hashed inside the issuer, never stored
    let outcome = issuer.issue_with_progress(&input, progress)?;

    let (outcome, verification, tampered) = match outcome {
        IssueOutcome::Issued(bundle) => {
            progress.stage("verify");
            let pdf_verifier = PadesVerifier::new(&root_pem).map_err(step_err)?;
            let verifier = Verifier::new(Arc::new(pdf_verifier), Some(registry.clone()), keys);
            let report = verifier.verify(&bundle.pdf, Some(&bundle.code.to_string()));
            let mut bad = bundle.pdf.clone();
            // Change one byte inside the first page's image data region (middle of the file).
            let i = bad.len() / 2;
            bad[i] ^= 0x01;
            let tampered = verifier.verify(&bad, None);
            (Ok(bundle), Some(report), Some(tampered))
        }
        IssueOutcome::Refused(r) => (Err(r), None, None),
    };
    Ok(DemoReport {
        person_name: inputs.name,
        inputs: written,
        outcome,
        verification,
        tampered,
        registry_path,
        pki_dir,
    })
}
