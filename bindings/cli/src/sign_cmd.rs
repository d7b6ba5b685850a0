//! `saoy sign`, `saoy verify`, `saoy pki`, `saoy copy` (filled by the signing work).

use std::process::ExitCode;

/// Arguments of `saoy sign`.
#[derive(Debug, clap::Args)]
pub struct SignArgs {
    /// Input PDF (any PDF, signed or not).
    pub input: std::path::PathBuf,
    /// Output PDF (written via a temporary file, then renamed).
    pub output: std::path::PathBuf,
    /// Signer's private key (unencrypted PKCS#8 PEM: P-384, P-256 or RSA ≥ 2048, signs with PSS).
    #[arg(
        long,
        value_name = "KEY.pem",
        required_unless_present = "pkcs11_module",
        conflicts_with = "pkcs11_module",
        requires = "cert"
    )]
    pub key: Option<std::path::PathBuf>,
    /// Signer's certificate (PEM). With --pkcs11-module it may be omitted when the
    /// token holds a certificate object labelled like the key.
    #[arg(long, value_name = "CERT.pem")]
    pub cert: Option<std::path::PathBuf>,
    /// Sign with a key on a PKCS#11 token (HSM): path of the module, e.g.
    /// /usr/lib/softhsm/libsofthsm2.so. The user PIN is read from the environment
    /// variable SAOY_PKCS11_PIN (never from the command line).
    #[arg(long, value_name = "MODULE.so", requires_all = ["pkcs11_token", "key_label"])]
    pub pkcs11_module: Option<std::path::PathBuf>,
    /// Label of the PKCS#11 token.
    #[arg(long, value_name = "LABEL", requires = "pkcs11_module")]
    pub pkcs11_token: Option<String>,
    /// Label of the private key on the token (ECDSA P-256/P-384).
    #[arg(long, value_name = "LABEL", requires = "pkcs11_module")]
    pub key_label: Option<String>,
    /// Chain certificates to embed (PEM; repeatable; a file may hold several).
    #[arg(long, value_name = "CA.pem")]
    pub chain: Vec<std::path::PathBuf>,
    /// Make a certification signature (DocMDP P=2: form filling and signing allowed).
    #[arg(long)]
    pub certify: bool,
    /// With --certify: DocMDP permission level 1, 2 or 3.
    #[arg(long, value_name = "P", default_value_t = 2, requires = "certify")]
    pub docmdp: u8,
    /// /Reason of the signature.
    #[arg(long)]
    pub reason: Option<String>,
    /// /Location of the signature.
    #[arg(long)]
    pub location: Option<String>,
    /// Signature field name (an existing empty signature field of that name is filled).
    #[arg(long)]
    pub field: Option<String>,
    /// PAdES baseline level: b-b, b-t (signature time-stamp), b-lt (+ /DSS), b-lta (+ document time-stamp).
    #[arg(long, value_enum, default_value_t = SignLevel::BB)]
    pub level: SignLevel,
    /// RFC 3161 time-stamping authority (http:// URL); required from b-t on.
    #[arg(long, value_name = "URL")]
    pub tsa: Option<String>,
    /// Timeout in seconds for TSA/OCSP/CRL requests.
    #[arg(long, value_name = "SECS", default_value_t = 10)]
    pub net_timeout: u64,
    /// Sign at B-B (exit 0, with a warning) when the TSA fails, instead of failing.
    #[arg(long)]
    pub allow_downgrade: bool,
    /// Strict OCSP (b-lt, b-lta): where a certificate names an OCSP responder, fail if it does not
    /// answer instead of falling back to the CRL.
    #[arg(long)]
    pub ocsp: bool,
}

/// PAdES level of `saoy sign`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SignLevel {
    /// PAdES-BASELINE-B.
    #[value(name = "b-b")]
    BB,
    /// PAdES-BASELINE-T.
    #[value(name = "b-t")]
    BT,
    /// PAdES-BASELINE-LT.
    #[value(name = "b-lt")]
    BLt,
    /// PAdES-BASELINE-LTA.
    #[value(name = "b-lta")]
    BLta,
}
/// Arguments of `saoy verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// PDF to verify.
    pub file: std::path::PathBuf,
    /// Trusted root certificate (PEM; may hold several). Repeatable.
    #[arg(long = "trust", value_name = "ROOT.pem")]
    pub trust: Vec<std::path::PathBuf>,
    /// Validation time (RFC 3339, e.g. 2025-11-10T09:00:00+07:00, or a date); default now.
    #[arg(long, value_name = "RFC3339")]
    pub at: Option<String>,
    /// Language of the text report.
    #[arg(long, value_enum, default_value_t = VerifyLang::Vi)]
    pub lang: VerifyLang,
    /// Verification code printed on the copy (checked against its QR seal and the registry).
    #[arg(long, value_name = "CODE")]
    pub code: Option<String>,
    /// Registry to check the copy's status in: `sqlite:PATH`, a file path, or `postgresql://…`.
    #[arg(long, value_name = "URL")]
    pub db: Option<String>,
    /// Issuer seal key (PEM public key, or a kiosk's seal.key.pem). Repeatable.
    #[arg(long = "seal-key", value_name = "KEY.pem")]
    pub seal_key: Vec<std::path::PathBuf>,
}

/// Language of `saoy verify`'s text output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum VerifyLang {
    /// Vietnamese.
    Vi,
    /// English.
    En,
}
/// Arguments of `saoy pki`.
#[derive(Debug, clap::Args)]
pub struct PkiArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: PkiCommand,
}

/// `saoy pki` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum PkiCommand {
    /// Make a TEST-ONLY root CA, issuing CA and document-signing leaf (P-384) in DIR.
    Init {
        /// Output directory (created if missing).
        dir: std::path::PathBuf,
        /// Leaf key algorithm.
        #[arg(long, value_enum, default_value_t = LeafAlg::P384)]
        leaf: LeafAlg,
    },
}

/// Leaf key algorithm of the test PKI.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum LeafAlg {
    /// ECDSA P-384.
    P384,
    /// ECDSA P-256.
    P256,
    /// RSA-PSS 2048.
    RsaPss,
}
/// Arguments of `saoy copy`.
#[derive(Debug, clap::Args)]
pub struct CopyArgs {
    /// Page images in order (JPEG passed through, PNG and others re-encoded; ≥ 200 dpi).
    #[arg(required = true)]
    pub images: Vec<std::path::PathBuf>,
    /// Output PDF (unsigned; sign it with `saoy sign`).
    #[arg(long, short)]
    pub out: std::path::PathBuf,
    /// Resolution of the images when they do not declare one.
    #[arg(long)]
    pub dpi: Option<f32>,
    /// Certifying agency.
    #[arg(long)]
    pub agency: String,
    /// Certification number.
    #[arg(long)]
    pub number: String,
    /// Certification date as printed (e.g. 25/11/2026).
    #[arg(long)]
    pub date: String,
    /// Certifying officer.
    #[arg(long)]
    pub officer: Option<String>,
    /// Document title (metadata).
    #[arg(long, default_value = "Bản sao điện tử")]
    pub title: String,
    /// QR payload (e.g. the verification URL).
    #[arg(long)]
    pub qr: Option<String>,
    /// ISO 8601 signing time for the Decree 30 signature text on page 1 (omit for none).
    #[arg(long)]
    pub signing_time: Option<String>,
    /// OCR lines as JSON: [{"page":0,"text":"…","bbox":[x0,y0,x1,y1]}, …] (pixels, top-left origin).
    #[arg(long)]
    pub text_lines: Option<std::path::PathBuf>,
}

#[derive(serde::Deserialize)]
struct JsonLine {
    page: usize,
    text: String,
    bbox: [f32; 4],
}

fn sign_fail(g: &crate::Global, e: &saoy_signing::sign::SignError) -> ExitCode {
    use saoy_signing::sign::SignError as E;
    let exit = match e {
        E::Io { .. } => crate::exit::IO,
        E::InvalidOption { .. } => crate::exit::USAGE,
        E::SignerFailed { .. } | E::Cms { .. } => crate::exit::SOFTWARE,
        _ => crate::exit::DATA,
    };
    crate::exit::fail(g, e.code(), &e.to_string(), exit)
}

fn read_input(g: &crate::Global, path: &std::path::Path) -> Result<Vec<u8>, ExitCode> {
    std::fs::read(path).map_err(|e| {
        crate::exit::fail(
            g,
            "no_input",
            &format!("cannot read {}: {e}", path.display()),
            crate::exit::NO_INPUT,
        )
    })
}

fn ltv_options(a: &SignArgs) -> Result<saoy_signing::ltv::LtvOptions, String> {
    use saoy_signing::ltv::{HttpTransport, Level, LtvOptions, RevocationClient, TsaClient};
    let level = match a.level {
        SignLevel::BB => Level::BB,
        SignLevel::BT => Level::BT,
        SignLevel::BLt => Level::BLt,
        SignLevel::BLta => Level::BLta,
    };
    let transport = std::sync::Arc::new(HttpTransport::with_timeout(
        std::time::Duration::from_secs(a.net_timeout.max(1)),
    ));
    let tsa = a
        .tsa
        .as_ref()
        .map(|u| TsaClient::new(u.clone()).with_transport(transport.clone()));
    if level != Level::BB && tsa.is_none() {
        return Err(format!("--level {:?} needs --tsa URL", a.level));
    }
    let revocation = RevocationClient::new(transport).ocsp_only(a.ocsp);
    Ok(LtvOptions::new(level, tsa)
        .allow_downgrade(a.allow_downgrade)
        .revocation(revocation))
}

fn ltv_fail(g: &crate::Global, e: &saoy_signing::ltv::LtvError) -> ExitCode {
    use saoy_signing::ltv::LtvError as E;
    match e {
        E::Sign(s) => sign_fail(g, s),
        E::InvalidOption { .. } => {
            crate::exit::fail(g, e.code(), &e.to_string(), crate::exit::USAGE)
        }
        E::Internal { .. } => crate::exit::fail(g, e.code(), &e.to_string(), crate::exit::SOFTWARE),
        _ => crate::exit::fail(g, e.code(), &e.to_string(), crate::exit::UNAVAILABLE),
    }
}

/// The environment variable holding the PKCS#11 user PIN.
pub const PKCS11_PIN_ENV: &str = "SAOY_PKCS11_PIN";

/// The signer of `saoy sign`: a PKCS#8 PEM key file or a PKCS#11 token key.
fn load_signer(
    a: &SignArgs,
    g: &crate::Global,
) -> Result<Box<dyn saoy_signing::sign::CmsSigner>, ExitCode> {
    use saoy_signing::sign::SoftwareSigner;
    let cert = match &a.cert {
        Some(p) => Some(read_input(g, p)?),
        None => None,
    };
    let mut chain = Vec::new();
    for p in &a.chain {
        chain.push(read_input(g, p)?);
    }
    let chain_refs: Vec<&[u8]> = chain.iter().map(Vec::as_slice).collect();
    if let Some(module) = &a.pkcs11_module {
        use saoy_signing::pkcs11::{Pkcs11Signer, TokenConfig};
        let usage = |m: &str| crate::exit::fail(g, "usage", m, crate::exit::USAGE);
        let (Some(token), Some(label)) = (&a.pkcs11_token, &a.key_label) else {
            return Err(usage(
                "--pkcs11-module needs --pkcs11-token and --key-label",
            ));
        };
        let pin = zeroize::Zeroizing::new(std::env::var(PKCS11_PIN_ENV).unwrap_or_default());
        if pin.is_empty() {
            return Err(usage(&format!(
                "set the token's user PIN in the environment variable {PKCS11_PIN_ENV}"
            )));
        }
        let cfg = TokenConfig::new(module.clone(), token.clone(), &pin);
        return match Pkcs11Signer::open_pem(&cfg, label, cert.as_deref(), &chain_refs) {
            Ok(s) => Ok(Box::new(s)),
            Err(e) => {
                use saoy_signing::pkcs11::Pkcs11Error as E;
                let exit = match e {
                    E::Module { .. } => crate::exit::UNAVAILABLE,
                    E::Call { .. } => crate::exit::SOFTWARE,
                    _ => crate::exit::DATA,
                };
                Err(crate::exit::fail(g, e.code(), &e.to_string(), exit))
            }
        };
    }
    let (Some(key_path), Some(cert)) = (&a.key, &cert) else {
        return Err(crate::exit::fail(
            g,
            "usage",
            "give --key and --cert, or --pkcs11-module/--pkcs11-token/--key-label",
            crate::exit::USAGE,
        ));
    };
    let key = zeroize::Zeroizing::new(read_input(g, key_path)?);
    let Ok(key) = std::str::from_utf8(&key) else {
        return Err(crate::exit::fail(
            g,
            "sign_unsupported_key",
            "the key file is not PEM text",
            crate::exit::DATA,
        ));
    };
    match SoftwareSigner::from_pem(key, cert, &chain_refs) {
        Ok(s) => Ok(Box::new(s)),
        Err(e) => Err(sign_fail(g, &e)),
    }
}

/// Run `saoy sign`.
pub fn run_sign(a: SignArgs, g: &crate::Global) -> ExitCode {
    use saoy_signing::sign::{DocMdpPermissions, SignOptions};
    let signer = match load_signer(&a, g) {
        Ok(s) => s,
        Err(c) => return c,
    };
    let ltv = match ltv_options(&a) {
        Ok(l) => l,
        Err(msg) => return crate::exit::fail(g, "usage", &msg, crate::exit::USAGE),
    };
    let mut opts = SignOptions::default();
    if a.certify {
        opts = opts.certify(match a.docmdp {
            1 => DocMdpPermissions::NoChanges,
            2 => DocMdpPermissions::FormFillingAndSigning,
            3 => DocMdpPermissions::AnnotationsFormsAndSigning,
            p => {
                return crate::exit::fail(
                    g,
                    "usage",
                    &format!("--docmdp must be 1, 2 or 3, not {p}"),
                    crate::exit::USAGE,
                );
            }
        });
    }
    if let Some(r) = a.reason {
        opts = opts.reason(r);
    }
    if let Some(l) = a.location {
        opts = opts.location(l);
    }
    if let Some(f) = a.field {
        opts = opts.field_name(f);
    }
    let pdf = match read_input(g, &a.input) {
        Ok(p) => p,
        Err(c) => return c,
    };
    let (signed, level) = match saoy_signing::ltv::sign_pdf_at_level(&pdf, &*signer, &opts, &ltv) {
        Ok(s) => {
            if let Some(e) = &s.downgraded_because {
                eprintln!(
                    "warning: signed at {} instead of {:?}: [{}] {e}",
                    s.level.as_str(),
                    a.level,
                    e.code()
                );
            }
            (s.pdf, s.level)
        }
        Err(e) => return ltv_fail(g, &e),
    };
    if let Err(e) = saoy_signing::sign::write_atomically(&a.output, &signed) {
        return crate::exit::fail(
            g,
            "sign_io",
            &format!("cannot write {}: {e}", a.output.display()),
            crate::exit::IO,
        );
    }
    if g.json {
        outln!(
            "{}",
            serde_json::json!({ "signed": a.output.display().to_string(), "bytes": signed.len(), "level": level.as_str() })
        );
    } else {
        outln!(
            "signed {} -> {} ({} bytes, {})",
            a.input.display(),
            a.output.display(),
            signed.len(),
            level.as_str()
        );
    }
    crate::exit::code(crate::exit::OK)
}
/// Run `saoy verify`.
pub fn run_verify(a: VerifyArgs, g: &crate::Global) -> ExitCode {
    use crate::exit;
    if a.code.is_some() || a.db.is_some() || !a.seal_key.is_empty() {
        // A certified copy: signature + QR seal + registry, through saoy-core's Verifier.
        let lang = if a.lang == VerifyLang::Vi { "vi" } else { "en" };
        return crate::workflow_cmd::verify_copy(
            &a.file,
            &a.trust,
            a.code.as_deref(),
            a.db.as_deref(),
            &a.seal_key,
            lang,
            g,
        );
    }
    use saoy_signing::verify::{Lang, Status, VerifyOptions, parse_rfc3339, verify_pdf};
    let mut opts = match &a.at {
        Some(t) => match parse_rfc3339(t) {
            Some(at) => VerifyOptions::new(at),
            None => {
                return exit::fail(
                    g,
                    "bad_time",
                    &format!("--at {t}: not an RFC 3339 time"),
                    exit::USAGE,
                );
            }
        },
        None => VerifyOptions::now(),
    };
    for path in &a.trust {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                return exit::fail(
                    g,
                    "trust_unreadable",
                    &format!("{}: {e}", path.display()),
                    exit::NO_INPUT,
                );
            }
        };
        opts = match opts.with_trust_anchors_pem(&text) {
            Ok(o) => o,
            Err(e) => {
                return exit::fail(g, e.code(), &format!("{}: {e}", path.display()), exit::DATA);
            }
        };
    }
    let bytes = match std::fs::read(&a.file) {
        Ok(b) => b,
        Err(e) => {
            return exit::fail(
                g,
                "input_unreadable",
                &format!("{}: {e}", a.file.display()),
                exit::NO_INPUT,
            );
        }
    };
    let report = match verify_pdf(&bytes, &opts) {
        Ok(r) => r,
        Err(e) => return exit::fail(g, e.code(), &e.to_string(), exit::DATA),
    };
    if g.json {
        match serde_json::to_string_pretty(&report) {
            Ok(j) => outln!("{j}"),
            Err(e) => return exit::fail(g, "json", &e.to_string(), exit::SOFTWARE),
        }
    } else {
        let lang = match a.lang {
            VerifyLang::Vi => Lang::Vi,
            VerifyLang::En => Lang::En,
        };
        out!("{}", report.render_text(lang));
    }
    exit::code(match report.status {
        Status::Valid => exit::OK,
        Status::Invalid => exit::NEGATIVE,
        _ => exit::INDETERMINATE,
    })
}
/// Run `saoy pki`.
pub fn run_pki(a: PkiArgs, g: &crate::Global) -> ExitCode {
    use saoy_signing::pki::TestPki;
    use saoy_signing::sign::KeyAlgorithm;
    match a.command {
        PkiCommand::Init { dir, leaf } => {
            let alg = match leaf {
                LeafAlg::P384 => KeyAlgorithm::P384,
                LeafAlg::P256 => KeyAlgorithm::P256,
                LeafAlg::RsaPss => KeyAlgorithm::RsaPss,
            };
            let pki = match TestPki::generate_with(alg) {
                Ok(p) => p,
                Err(e) => {
                    return crate::exit::fail(g, e.code(), &e.to_string(), crate::exit::SOFTWARE);
                }
            };
            let files = match pki.write_pem_dir(&dir) {
                Ok(f) => f,
                Err(e) => return crate::exit::fail(g, e.code(), &e.to_string(), crate::exit::IO),
            };
            if g.json {
                outln!(
                    "{}",
                    serde_json::json!({
                        "test_only": true,
                        "root": files.root_cert.display().to_string(),
                        "issuing_ca": files.issuing_cert.display().to_string(),
                        "signer_cert": files.signer_cert.display().to_string(),
                        "signer_key": files.signer_key.display().to_string(),
                        "chain": files.chain.display().to_string(),
                    })
                );
            } else {
                outln!(
                    "TEST ONLY PKI written to {} (NOT for production)",
                    dir.display()
                );
                outln!("  trust anchor: {}", files.root_cert.display());
                outln!(
                    "  signer:       {} + {}",
                    files.signer_cert.display(),
                    files.signer_key.display()
                );
                outln!("  chain:        {}", files.chain.display());
            }
            crate::exit::code(crate::exit::OK)
        }
    }
}
/// Run `saoy copy`.
pub fn run_copy(a: CopyArgs, g: &crate::Global) -> ExitCode {
    use saoy_signing::writer::{
        CertificationBlock, CertifiedCopy, PageImage, SignatureText, TextLine,
    };
    let mut block = CertificationBlock::new(a.agency.clone(), a.number, a.date);
    block.officer = a.officer;
    let mut copy = CertifiedCopy::new(a.title, block);
    for p in &a.images {
        let data = match read_input(g, p) {
            Ok(d) => d,
            Err(c) => return c,
        };
        copy.pages.push(match a.dpi {
            Some(d) => PageImage::with_dpi(data, d),
            None => PageImage::new(data),
        });
    }
    if let Some(path) = &a.text_lines {
        let raw = match read_input(g, path) {
            Ok(d) => d,
            Err(c) => return c,
        };
        let lines: Vec<JsonLine> = match serde_json::from_slice(&raw) {
            Ok(l) => l,
            Err(e) => {
                return crate::exit::fail(
                    g,
                    "copy_bad_text_lines",
                    &format!("{}: {e}", path.display()),
                    crate::exit::DATA,
                );
            }
        };
        copy.text_lines = lines
            .into_iter()
            .map(|l| TextLine::new(l.page, l.text, l.bbox))
            .collect();
    }
    copy.qr_payload = a.qr;
    copy.signature_text = a.signing_time.map(|t| SignatureText::new(a.agency, t));
    let pdf = match copy.render() {
        Ok(p) => p,
        Err(e) => return crate::exit::fail(g, e.code(), &e.to_string(), crate::exit::DATA),
    };
    if let Err(e) = saoy_signing::sign::write_atomically(&a.out, &pdf) {
        return crate::exit::fail(
            g,
            "copy_io",
            &format!("cannot write {}: {e}", a.out.display()),
            crate::exit::IO,
        );
    }
    if g.json {
        outln!(
            "{}",
            serde_json::json!({ "written": a.out.display().to_string(), "bytes": pdf.len(), "pages": copy.pages.len() + 1 })
        );
    } else {
        outln!(
            "certified copy written to {} ({} bytes, unsigned)",
            a.out.display(),
            pdf.len()
        );
    }
    crate::exit::code(crate::exit::OK)
}

/// Arguments of `saoy extend`.
#[derive(Debug, clap::Args)]
pub struct ExtendArgs {
    /// Signed PDFs to renew in place (each written via a temporary file, then renamed).
    #[arg(required = true)]
    pub files: Vec<std::path::PathBuf>,
    /// RFC 3161 time-stamping authority (http:// URL) for the document time-stamps.
    #[arg(long, value_name = "URL")]
    pub tsa: String,
    /// Write the renewed files into this directory instead of in place.
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<std::path::PathBuf>,
    /// Timeout in seconds for TSA/OCSP/CRL requests.
    #[arg(long, value_name = "SECS", default_value_t = 10)]
    pub net_timeout: u64,
    /// Files renewed at once (network-bound: waiting on the TSA/OCSP dominates);
    /// default: 4 per CPU core, at most 32.
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
}

/// Outcome of renewing one file: Ok, or (error code, message).
type ExtendResult = Result<(), (&'static str, String)>;

/// Run `saoy extend`: every file is renewed or reported; exit 0 only if all were renewed.
pub fn run_extend(a: ExtendArgs, g: &crate::Global) -> ExitCode {
    use saoy_signing::ltv::{HttpTransport, RevocationClient, TsaClient, extend_pdf};
    let transport = std::sync::Arc::new(HttpTransport::with_timeout(
        std::time::Duration::from_secs(a.net_timeout.max(1)),
    ));
    let tsa = TsaClient::new(a.tsa.clone()).with_transport(transport.clone());
    // One OCSP request per certificate and one download per CRL for the whole batch.
    let rev = RevocationClient::new(transport).with_cache();
    let started = std::time::Instant::now();
    let jobs = a
        .jobs
        .unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get() * 4)
                .unwrap_or(4)
                .min(32)
        })
        .clamp(1, a.files.len().max(1));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: std::sync::Mutex<Vec<(usize, ExtendResult)>> =
        std::sync::Mutex::new(Vec::with_capacity(a.files.len()));
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(f) = a.files.get(i) else { break };
                    let out = match &a.out_dir {
                        Some(d) => d.join(f.file_name().unwrap_or(f.as_os_str())),
                        None => f.clone(),
                    };
                    let result = std::fs::read(f)
                        .map_err(|e| ("input_unreadable", e.to_string()))
                        .and_then(|pdf| {
                            extend_pdf(&pdf, &tsa, &rev).map_err(|e| (e.code(), e.to_string()))
                        })
                        .and_then(|bytes| {
                            saoy_signing::sign::write_atomically(&out, &bytes)
                                .map_err(|e| ("sign_io", e.to_string()))
                        });
                    if let Ok(mut r) = results.lock() {
                        r.push((i, result));
                    }
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap_or_default();
    results.sort_by_key(|(i, _)| *i);
    let mut ok = 0usize;
    let mut failed = Vec::new();
    for (i, result) in results {
        let f = &a.files[i];
        match result {
            Ok(()) => ok += 1,
            Err((code, msg)) => {
                eprintln!("{}: [{code}] {msg}", f.display());
                failed.push(serde_json::json!({"file": f.display().to_string(), "code": code, "error": msg}));
            }
        }
    }
    if ok + failed.len() != a.files.len() {
        failed.push(serde_json::json!({"code": "internal", "error": "a worker stopped early"}));
    }
    let secs = started.elapsed().as_secs_f64();
    if g.json {
        outln!(
            "{}",
            serde_json::json!({"renewed": ok, "failed": failed, "seconds": secs})
        );
    } else {
        outln!(
            "renewed {ok} of {} file(s) in {secs:.2} s ({:.1} files/s)",
            a.files.len(),
            ok as f64 / secs.max(1e-9)
        );
    }
    crate::exit::code(if failed.is_empty() {
        crate::exit::OK
    } else {
        crate::exit::UNAVAILABLE
    })
}
