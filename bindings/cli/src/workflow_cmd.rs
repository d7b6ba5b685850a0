//! `saoy issue`, `saoy lookup`, `saoy revoke`, `saoy demo`: thin wrappers over saoy-core.

use crate::exit;
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use saoy_core::demo::{DEMO_TURN_TARGET_DEG, DemoOptions, DemoProgress, kiosk_keys, run_demo};
use saoy_core::registry::{CitizenIdHasher, Registry, RegistryError, Requester};
use saoy_core::workflow::adapters::{
    FaceAuthVerifier, OcrRecognizer, PadesSigner, PdfCopyRenderer,
};
use saoy_core::workflow::{
    DeliveryStore, IssueInput, IssueOutcome, Issuer, IssuerConfig, OfficeContext, Progress, Step,
    Verdict,
};
use saoy_core::{Reason, VerificationCode};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Workflow subcommands (flattened into the top level).
#[derive(Debug, clap::Subcommand)]
pub enum WorkflowCommand {
    /// Run the whole kiosk flow on fictional specimens (README command one).
    Demo(DemoArgs),
    /// Issue a certified copy: OCR, CCCD, face + liveness, sign, register.
    Issue(IssueArgs),
    /// Look a verification code up in the registry.
    Lookup(LookupArgs),
    /// Revoke a certified copy.
    Revoke(RevokeArgs),
    /// After a crash or power loss: complete or abandon the issuances a kiosk left pending,
    /// then check its delivery store against the registry.
    Recover(RecoverArgs),
}

/// `saoy demo`.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Output directory (default: ./saoy-demo).
    #[arg(long, default_value = "saoy-demo")]
    pub dir: PathBuf,
    /// Seed of the fictional citizen.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
}

/// `saoy issue`.
#[derive(Debug, clap::Args)]
pub struct IssueArgs {
    /// Page scan of the original (repeat for more pages).
    #[arg(long = "scan", required = true)]
    pub scans: Vec<PathBuf>,
    /// CCCD front image.
    #[arg(long)]
    pub id_front: PathBuf,
    /// CCCD back image.
    #[arg(long)]
    pub id_back: Option<PathBuf>,
    /// Live capture frame, in capture order (repeat).
    #[arg(long = "live", required = true)]
    pub live: Vec<PathBuf>,
    /// Liveness challenge the frames answer (turn_left, turn_right, look_up, look_down).
    #[arg(long, default_value = "turn_left")]
    pub challenge: String,
    /// Output directory for the delivery bundle.
    #[arg(long)]
    pub out: PathBuf,
    /// Registry: `sqlite:PATH`, a file path, or `postgresql://…` (default: OUT/registry.sqlite).
    #[arg(long)]
    pub db: Option<String>,
    /// Idempotency key (default: derived from the inputs' names and the time).
    #[arg(long)]
    pub request_id: Option<String>,
    /// Office or kiosk id.
    #[arg(long, default_value = "HN-HK-KIOSK-01")]
    pub office: String,
    /// Office name printed on the copy.
    #[arg(long, default_value = "UBND phường Hoàn Kiếm")]
    pub office_name: String,
    /// Certifying officer id.
    #[arg(long, default_value = "can-bo-01")]
    pub officer: String,
    /// Directory of the kiosk's TEST signing material (generated on first use; default OUT/pki).
    #[arg(long)]
    pub pki: Option<PathBuf>,
}

/// `saoy lookup`.
#[derive(Debug, clap::Args)]
pub struct LookupArgs {
    /// Verification code (case-insensitive, hyphens optional).
    pub code: String,
    /// Registry: `sqlite:PATH`, a file path, or `postgresql://…`.
    #[arg(long, default_value = "saoy-demo/registry.sqlite")]
    pub db: String,
}

/// `saoy revoke`.
#[derive(Debug, clap::Args)]
pub struct RevokeArgs {
    /// Verification code.
    pub code: String,
    /// Why (recorded in the audit log).
    #[arg(long)]
    pub reason: String,
    /// Revoking officer id.
    #[arg(long, default_value = "can-bo-01")]
    pub officer: String,
    /// Registry: `sqlite:PATH`, a file path, or `postgresql://…`.
    #[arg(long, default_value = "saoy-demo/registry.sqlite")]
    pub db: String,
}

/// `saoy recover`.
#[derive(Debug, clap::Args)]
pub struct RecoverArgs {
    /// The kiosk's delivery store (the `--out` of `saoy issue`).
    #[arg(long)]
    pub out: PathBuf,
    /// Registry: `sqlite:PATH`, a file path, or `postgresql://…` (default: OUT/registry.sqlite).
    #[arg(long)]
    pub db: Option<String>,
    /// Office or kiosk id whose copies the store holds (the `--office` of `saoy issue`).
    #[arg(long, default_value = "HN-HK-KIOSK-01")]
    pub office: String,
    /// Treat every row of the registry as this store's: only for a registry no other kiosk
    /// writes to (otherwise their pending rows would be marked failed).
    #[arg(long, conflicts_with = "office")]
    pub all_offices: bool,
    /// Leave pending rows younger than this many seconds alone: their issuance may still be
    /// running. 0 when the kiosk is known to be stopped.
    #[arg(long, default_value_t = 60, value_name = "SECS")]
    pub grace: u64,
}

/// Run a workflow subcommand.
pub fn run(c: WorkflowCommand, g: &crate::Global) -> ExitCode {
    match c {
        WorkflowCommand::Demo(a) => demo(a, g),
        WorkflowCommand::Issue(a) => issue(a, g),
        WorkflowCommand::Lookup(a) => lookup(a, g),
        WorkflowCommand::Revoke(a) => revoke(a, g),
        WorkflowCommand::Recover(a) => recover(a, g),
    }
}

fn open_registry(db: &str) -> Result<Arc<dyn Registry>, RegistryError> {
    if db.starts_with("postgres://") || db.starts_with("postgresql://") {
        return Ok(Arc::new(saoy_core::registry::postgres::PgRegistry::open(
            db,
        )?));
    }
    let path = db.strip_prefix("sqlite:").unwrap_or(db);
    Ok(Arc::new(saoy_core::registry::sqlite::SqliteRegistry::open(
        path,
    )?))
}

fn registry_exit(e: &RegistryError) -> u8 {
    match e {
        RegistryError::Unavailable { .. } => exit::UNAVAILABLE,
        RegistryError::StorageFull { .. } => exit::IO,
        RegistryError::NotFound { .. } | RegistryError::InvalidState { .. } => exit::NEGATIVE,
        RegistryError::InvalidInput { .. } => exit::USAGE,
        _ => exit::SOFTWARE,
    }
}

/// Progress bars, one per step.
struct Bars {
    multi: MultiProgress,
    bars: Mutex<HashMap<String, ProgressBar>>,
    quiet: bool,
}

impl Bars {
    fn new(quiet: bool) -> Self {
        Self {
            multi: MultiProgress::new(),
            bars: Mutex::new(HashMap::new()),
            quiet,
        }
    }

    fn start(&self, key: &str, label: &str) {
        if self.quiet {
            return;
        }
        let pb = self.multi.add(ProgressBar::new_spinner());
        pb.set_style(
            ProgressStyle::with_template("{spinner:.cyan} {msg:<44} {elapsed:>4}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        pb.set_message(label.to_string());
        pb.enable_steady_tick(Duration::from_millis(100));
        // Steps may run at the same time (the page recognition overlaps the card, page and
        // face steps), so a new bar leaves the running ones alone; `close` ends any left.
        if let Ok(mut b) = self.bars.lock() {
            b.insert(key.to_string(), pb);
        }
    }

    fn finish(&self, key: &str, ok: bool, took: Duration) {
        if let Some(pb) = self.bars.lock().ok().and_then(|mut b| b.remove(key)) {
            let mark = if ok { "✔" } else { "✘" };
            pb.set_style(
                ProgressStyle::with_template("{msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            pb.finish_with_message(format!(
                "{mark} {:<44} {:>7.0} ms",
                key_label(key),
                took.as_secs_f64() * 1000.0
            ));
        }
    }

    fn close(&self) {
        if let Ok(b) = self.bars.lock() {
            for pb in b.values() {
                pb.finish();
            }
        }
    }
}

fn key_label(key: &str) -> String {
    Step::ALL.iter().find(|s| s.name() == key).map_or_else(
        || key.to_string(),
        |s| format!("{} / {}", s.label_vi(), s.name()),
    )
}

impl Progress for Bars {
    fn step_started(&self, step: Step) {
        self.start(step.name(), &key_label(step.name()));
    }
    fn step_finished(&self, step: Step, took: Duration, ok: bool) {
        self.finish(step.name(), ok, took);
    }
}

struct DemoBars {
    bars: Bars,
    stage: Mutex<Option<(String, std::time::Instant)>>,
}

impl Progress for DemoBars {
    fn step_started(&self, step: Step) {
        self.end_stage();
        self.bars.step_started(step);
    }
    fn step_finished(&self, step: Step, took: Duration, ok: bool) {
        self.bars.step_finished(step, took, ok);
    }
}

impl DemoBars {
    fn end_stage(&self) {
        if let Some((name, t0)) = self.stage.lock().ok().and_then(|mut s| s.take()) {
            self.bars.finish(&name, true, t0.elapsed());
        }
    }
}

impl DemoProgress for DemoBars {
    fn stage(&self, name: &str) {
        self.end_stage();
        let label = match name {
            "specimens" => "Tạo hồ sơ mẫu / generate fictional specimens",
            "models" => "Tải mô hình / load models (auto-fetch)",
            "pki" => "PKI thử nghiệm / TEST PKI + seal key",
            "verify" => "Xác minh bản sao / verify the copy",
            other => other,
        };
        self.bars.start(name, label);
        if let Ok(mut s) = self.stage.lock() {
            *s = Some((name.to_string(), std::time::Instant::now()));
        }
    }
}

fn print_reasons(reasons: &[Reason]) {
    for r in reasons {
        outln!("    - [{}] {}", r.code, r.vi);
        outln!("      {}", r.en);
    }
}

fn demo(a: DemoArgs, g: &crate::Global) -> ExitCode {
    let mut opts = DemoOptions::new(&a.dir);
    opts.seed = a.seed;
    opts.offline = g.offline;
    opts.models_dir = g.models_dir.clone();
    if let Some(t) = g.threads {
        opts.threads = t;
    }
    let bars = DemoBars {
        bars: Bars::new(g.json),
        stage: Mutex::new(None),
    };
    let result = run_demo(&opts, &bars);
    bars.end_stage();
    bars.bars.close();
    let report = match result {
        Ok(r) => r,
        Err(e) => {
            let code = match &e {
                saoy_core::demo::DemoError::Models { .. } => exit::UNAVAILABLE,
                saoy_core::demo::DemoError::Io { .. } => exit::IO,
                _ => exit::SOFTWARE,
            };
            return exit::fail(g, e.code(), &e.to_string(), code);
        }
    };
    if g.json {
        let v = serde_json::json!({
            "person": report.person_name,
            "issued": report.outcome.as_ref().ok().map(|b| &b.receipt),
            "refusal": report.outcome.as_ref().err(),
            "verification": report.verification,
            "tampered": report.tampered,
            "simulated": simulated(),
            "malloc_tuning": crate::malloc_tuning::current().as_str(),
        });
        outln!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else {
        outln!();
        outln!(
            "Công dân (hư cấu) / fictional citizen: {}",
            report.person_name
        );
        outln!("Đầu vào / inputs: {}", report.inputs.len());
        match &report.outcome {
            Ok(b) => {
                outln!(
                    "Bản sao chứng thực / certified copy: {}",
                    b.pdf_path.display()
                );
                outln!("Mã xác thực / verification code:      {}", b.code);
                outln!(
                    "QR: {}    biên nhận / receipt: {}",
                    b.qr_path.display(),
                    b.receipt_path.display()
                );
                outln!("Đường dẫn QR / seal URL: {}", b.receipt.seal_url);
                outln!(
                    "Tổng thời gian cấp / issue time: {:.0} ms",
                    b.receipt.total_millis
                );
            }
            Err(r) => {
                outln!("TỪ CHỐI / REFUSED:");
                print_reasons(&r.reasons);
            }
        }
        if let Some(v) = &report.verification {
            outln!("Xác minh / verification: {:?}", v.verdict);
            print_reasons(&v.reasons);
        }
        if let Some(t) = &report.tampered {
            outln!("Bản bị sửa 1 byte / one byte changed: {:?}", t.verdict);
        }
        outln!();
        outln!("Simulated in this demo (everything else is the real pipeline):");
        for s in simulated() {
            outln!("  * {s}");
        }
    }
    match (
        &report.outcome,
        report.verification.as_ref().map(|v| v.verdict),
    ) {
        (Ok(_), Some(Verdict::Valid)) => ExitCode::SUCCESS,
        _ => exit::code(exit::NEGATIVE),
    }
}

fn simulated() -> Vec<String> {
    vec![
        "the citizen, the original (A4 birth certificate) and the CCCD are fictional specimens (saoy-specimen), marked MẪU - SPECIMEN".into(),
        "the live capture is a 2D perspective warp of the public-domain NASA astronaut photo, not a camera".into(),
        format!("liveness turn target lowered to {DEMO_TURN_TARGET_DEG}° (default 18°) because a 2D warp cannot rotate a head in 3D"),
        "the PAdES signer and the seal key are a freshly generated TEST PKI, not an agency certificate".into(),
    ]
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// Page scans, CCCD front, CCCD back, live frames.
type Loaded = (Vec<Vec<u8>>, Vec<u8>, Option<Vec<u8>>, Vec<Vec<u8>>);

fn issue(a: IssueArgs, g: &crate::Global) -> ExitCode {
    let load = || -> Result<Loaded, String> {
        Ok((
            a.scans.iter().map(|p| read(p)).collect::<Result<_, _>>()?,
            read(&a.id_front)?,
            a.id_back.as_deref().map(read).transpose()?,
            a.live.iter().map(|p| read(p)).collect::<Result<_, _>>()?,
        ))
    };
    let (pages, front, back, live) = match load() {
        Ok(v) => v,
        Err(e) => return exit::fail(g, "input_unreadable", &e, exit::NO_INPUT),
    };
    let pki_dir = a.pki.clone().unwrap_or_else(|| a.out.join("pki"));
    let keys = match kiosk_keys(&pki_dir) {
        Ok(k) => k,
        Err(e) => return exit::fail(g, e.code(), &e.to_string(), exit::SOFTWARE),
    };
    if keys.generated && !g.json {
        eprintln!(
            "note: generated TEST-ONLY signing material in {}",
            pki_dir.display()
        );
    }
    let db =
        a.db.clone()
            .unwrap_or_else(|| a.out.join("registry.sqlite").display().to_string());
    if let Err(e) = std::fs::create_dir_all(&a.out) {
        return exit::fail(g, "io", &format!("{}: {e}", a.out.display()), exit::IO);
    }
    let registry = match open_registry(&db) {
        Ok(r) => r,
        Err(e) => return exit::fail(g, e.code(), &e.to_string(), registry_exit(&e)),
    };
    let threads = g.threads.unwrap_or_else(saoy_models::default_threads);
    let mut store_opts = match &g.models_dir {
        Some(d) => saoy_models::StoreOptions::with_dir(d.clone()),
        None => saoy_models::StoreOptions::default(),
    };
    store_opts = store_opts.offline(g.offline);
    let models = match saoy_models::ModelStore::open(&store_opts) {
        Ok(m) => m,
        Err(e) => return exit::fail(g, e.code(), &e.to_string(), exit::UNAVAILABLE),
    };
    let parts = OcrRecognizer::new(&models, threads)
        .and_then(|o| Ok((o, FaceAuthVerifier::new(&models, threads, 200)?)));
    let (ocr, face) = match parts {
        Ok(p) => p,
        Err(e) => return exit::fail(g, &e.code, &e.detail, exit::UNAVAILABLE),
    };
    let store = match DeliveryStore::open(&a.out) {
        Ok(s) => s.for_office(a.office.clone()),
        Err(e) => return exit::fail(g, e.code(), &e.to_string(), exit::IO),
    };
    let hasher = match CitizenIdHasher::new(&keys.registry_secret) {
        Ok(h) => h,
        Err(e) => return exit::fail(g, e.code(), &e.to_string(), exit::SOFTWARE),
    };
    let issuer = Issuer::new(
        Arc::new(ocr),
        Arc::new(face),
        Arc::new(PdfCopyRenderer),
        Arc::new(PadesSigner::new(
            keys.signer,
            "saoy TEST ONLY Document Signer",
            "Hà Nội",
        )),
        Arc::new(keys.seal_key),
        registry,
        store,
        hasher,
        IssuerConfig::default(),
    );
    let request_id = a.request_id.clone().unwrap_or_else(|| {
        format!(
            "cli-{}-{}",
            std::process::id(),
            saoy_core::report::now_unix()
        )
    });
    let input = IssueInput::new(
        request_id,
        pages,
        front,
        back,
        live,
        OfficeContext::new(a.office, a.office_name, a.officer),
    )
    .with_challenge(a.challenge);
    let bars = Bars::new(g.json);
    let outcome = issuer.issue_with_progress(&input, &bars);
    bars.close();
    match outcome {
        Ok(IssueOutcome::Issued(b)) => {
            if g.json {
                outln!(
                    "{}",
                    serde_json::to_string_pretty(&b.receipt).unwrap_or_default()
                );
            } else {
                outln!("code: {}", b.code);
                outln!("pdf: {}", b.pdf_path.display());
                outln!("qr: {}", b.qr_path.display());
                outln!("receipt: {}", b.receipt_path.display());
            }
            ExitCode::SUCCESS
        }
        Ok(IssueOutcome::Refused(r)) => {
            if g.json {
                outln!("{}", serde_json::to_string_pretty(&r).unwrap_or_default());
            } else {
                outln!("refused:");
                print_reasons(&r.reasons);
            }
            exit::code(exit::NEGATIVE)
        }
        Ok(_) => exit::fail(
            g,
            "unexpected_outcome",
            "unexpected outcome",
            exit::SOFTWARE,
        ),
        Err(e) => {
            let code = match &e {
                saoy_core::workflow::IssueError::Registry(r) => registry_exit(r),
                saoy_core::workflow::IssueError::DiskFull { .. }
                | saoy_core::workflow::IssueError::Io { .. } => exit::IO,
                saoy_core::workflow::IssueError::Input { .. } => exit::DATA,
                saoy_core::workflow::IssueError::Step { .. } => exit::DATA,
                _ => exit::SOFTWARE,
            };
            exit::fail(g, e.code(), &e.to_string(), code)
        }
    }
}

fn parse_code(g: &crate::Global, s: &str) -> Result<VerificationCode, ExitCode> {
    VerificationCode::parse(s).map_err(|e| exit::fail(g, e.code(), &e.to_string(), exit::DATA))
}

fn lookup(a: LookupArgs, g: &crate::Global) -> ExitCode {
    let code = match parse_code(g, &a.code) {
        Ok(c) => c,
        Err(x) => return x,
    };
    let reg = match open_registry(&a.db) {
        Ok(r) => r,
        Err(e) => return exit::fail(g, e.code(), &e.to_string(), registry_exit(&e)),
    };
    match reg.lookup(&code, &Requester::new("cli")) {
        Ok(Some(rec)) => {
            if g.json {
                outln!("{}", serde_json::to_string_pretty(&rec).unwrap_or_default());
            } else {
                outln!("code: {}", rec.code);
                outln!("status: {}", rec.status.kind());
                if let saoy_core::registry::Status::Revoked { reason, at } = &rec.status {
                    outln!("revoked: {} ({reason})", saoy_core::report::format_utc(*at));
                }
                outln!("kind: {} / {}", rec.kind.name_vi(), rec.kind.name_en());
                outln!("office: {}  officer: {}", rec.office_id, rec.officer_id);
                outln!("issued: {}", saoy_core::report::format_utc(rec.issued_at));
                if let Some(d) = rec.document_digest {
                    outln!("document sha256: {}", hex_string(&d));
                }
            }
            match rec.status.kind() {
                saoy_core::registry::StatusKind::Valid => ExitCode::SUCCESS,
                _ => exit::code(exit::NEGATIVE),
            }
        }
        Ok(None) => exit::fail(
            g,
            "registry_unknown",
            &format!("no certified copy has code {code}"),
            exit::NEGATIVE,
        ),
        Err(e) => exit::fail(g, e.code(), &e.to_string(), registry_exit(&e)),
    }
}

fn hex_string(d: &[u8]) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect()
}

fn recover(a: RecoverArgs, g: &crate::Global) -> ExitCode {
    use saoy_core::workflow::IssueError;
    let fail = |e: IssueError| {
        let exit = match &e {
            IssueError::Registry(r) => registry_exit(r),
            _ => exit::IO,
        };
        exit::fail(g, e.code(), &e.to_string(), exit)
    };
    if !a.out.is_dir() {
        let msg = format!("{}: no such delivery store", a.out.display());
        return exit::fail(g, "input_unreadable", &msg, exit::NO_INPUT);
    }
    let db =
        a.db.clone()
            .unwrap_or_else(|| a.out.join("registry.sqlite").display().to_string());
    let registry = match open_registry(&db) {
        Ok(r) => r,
        Err(e) => return exit::fail(g, e.code(), &e.to_string(), registry_exit(&e)),
    };
    let mut store = match DeliveryStore::open(&a.out) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    if !a.all_offices {
        store = store.for_office(a.office.clone());
    }
    let recovery = match store.recover(registry.as_ref(), a.grace) {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    let check = match store.check_consistency(registry.as_ref()) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let consistent = check.is_consistent();
    if g.json {
        let v = serde_json::json!({
            "office": store.office(),
            "grace_secs": a.grace,
            "recovery": recovery,
            "consistency": check,
            "consistent": consistent,
        });
        outln!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else {
        let scope = store
            .office()
            .map_or("every office".to_string(), |o| format!("office {o}"));
        outln!(
            "recovery ({scope}, pending rows older than {} s): {} activated, {} already active, \
             {} marked failed, {} temporary files removed",
            a.grace,
            recovery.activated.len(),
            recovery.already_active.len(),
            recovery.abandoned.len(),
            recovery.removed_temp_files
        );
        for c in &recovery.activated {
            outln!("  activated {c} (its PDF was in place)");
        }
        for c in &recovery.abandoned {
            outln!("  marked failed {c} (no PDF was written)");
        }
        outln!(
            "store check: {}",
            if consistent {
                "consistent".to_string()
            } else {
                format!(
                    "NOT consistent: {}",
                    saoy_core::workflow::store::describe(&check)
                )
            }
        );
        outln!(
            "  {} copies with their PDF and digest, {} PDFs in the store",
            check.rows_checked,
            check.pdfs_checked
        );
        if !check.pending.is_empty() {
            outln!(
                "  {} still pending: younger than --grace ({} s) or still being issued; run \
                 again later, or with --grace 0 once the kiosk is stopped",
                check.pending.len(),
                a.grace
            );
        }
    }
    if consistent {
        ExitCode::SUCCESS
    } else {
        exit::code(exit::NEGATIVE)
    }
}

fn revoke(a: RevokeArgs, g: &crate::Global) -> ExitCode {
    let code = match parse_code(g, &a.code) {
        Ok(c) => c,
        Err(x) => return x,
    };
    let reg = match open_registry(&a.db) {
        Ok(r) => r,
        Err(e) => return exit::fail(g, e.code(), &e.to_string(), registry_exit(&e)),
    };
    match reg.revoke(&code, &a.reason, &a.officer) {
        Ok(rec) => {
            if g.json {
                outln!("{}", serde_json::to_string_pretty(&rec).unwrap_or_default());
            } else {
                outln!("revoked {}: {}", rec.code, a.reason);
            }
            ExitCode::SUCCESS
        }
        Err(e) => exit::fail(g, e.code(), &e.to_string(), registry_exit(&e)),
    }
}

/// `saoy verify FILE.pdf --code CODE --db URL [--seal-key KEY.pem]`: a certified copy checked
/// end to end by saoy-core's `Verifier`: PAdES signature (trust anchors), QR seal (issuer keys),
/// registry status, and the registered digest of the signed revision.
pub fn verify_copy(
    file: &Path,
    trust: &[PathBuf],
    code: Option<&str>,
    db: Option<&str>,
    seal_keys: &[PathBuf],
    lang: &str,
    g: &crate::Global,
) -> ExitCode {
    use saoy_core::seal::{IssuerKey, IssuerKeys};
    use saoy_core::workflow::Verifier;
    use saoy_core::workflow::adapters::PadesVerifier;
    let pdf = match read(file) {
        Ok(b) => b,
        Err(e) => return exit::fail(g, "input_unreadable", &e, exit::NO_INPUT),
    };
    let read_text = |p: &Path, code: &str| {
        std::fs::read_to_string(p)
            .map_err(|e| exit::fail(g, code, &format!("{}: {e}", p.display()), exit::NO_INPUT))
    };
    let mut anchors = String::new();
    for p in trust {
        match read_text(p, "trust_unreadable") {
            Ok(t) => anchors.push_str(&t),
            Err(x) => return x,
        }
    }
    let pades = match PadesVerifier::new(&anchors) {
        Ok(v) => v,
        Err(e) => return exit::fail(g, &e.code, &e.detail, exit::DATA),
    };
    let mut keys = IssuerKeys::new();
    for p in seal_keys {
        let text = match read_text(p, "seal_key_unreadable") {
            Ok(t) => t,
            Err(x) => return x,
        };
        let name = p.display().to_string();
        match IssuerKey::from_pem(name.clone(), &text) {
            Ok(k) => keys.push(k),
            Err(e) => {
                return exit::fail(g, e.code(), &format!("{name}: {e}"), exit::DATA);
            }
        }
    }
    let registry = match db.map(open_registry).transpose() {
        Ok(r) => r,
        Err(e) => return exit::fail(g, e.code(), &e.to_string(), registry_exit(&e)),
    };
    let verifier = Verifier::new(Arc::new(pades), registry, keys);
    let report = verifier.verify(&pdf, code);
    if g.json {
        outln!(
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        );
    } else {
        let verdict = match (report.verdict, lang) {
            (Verdict::Valid, "vi") => "HỢP LỆ",
            (Verdict::Invalid, "vi") => "KHÔNG HỢP LỆ",
            (Verdict::Revoked, "vi") => "ĐÃ THU HỒI",
            (Verdict::Unknown, "vi") => "KHÔNG CÓ TRONG SỔ ĐĂNG KÝ",
            (Verdict::Valid, _) => "VALID",
            (Verdict::Invalid, _) => "INVALID",
            (Verdict::Revoked, _) => "REVOKED",
            (Verdict::Unknown, _) => "UNKNOWN",
            (_, "vi") => "CHƯA XÁC ĐỊNH",
            _ => "INDETERMINATE",
        };
        outln!("{}: {verdict}", file.display());
        if let Some(c) = &report.code {
            outln!("code: {c}");
        }
        for r in &report.reasons {
            outln!("  - [{}] {}", r.code, r.text(lang));
        }
    }
    match report.verdict {
        Verdict::Valid => ExitCode::SUCCESS,
        Verdict::Indeterminate => exit::code(exit::INDETERMINATE),
        _ => exit::code(exit::NEGATIVE),
    }
}
