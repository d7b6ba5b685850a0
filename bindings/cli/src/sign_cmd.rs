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
    #[arg(long, value_name = "KEY.pem")]
    pub key: std::path::PathBuf,
    /// Signer's certificate (PEM).
    #[arg(long, value_name = "CERT.pem")]
    pub cert: std::path::PathBuf,
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

/// Run `saoy sign`.
pub fn run_sign(a: SignArgs, g: &crate::Global) -> ExitCode {
    use saoy_signing::sign::{DocMdpPermissions, SignOptions, SoftwareSigner};
    let key = match read_input(g, &a.key) {
        Ok(k) => zeroize::Zeroizing::new(k),
        Err(c) => return c,
    };
    let Ok(key) = std::str::from_utf8(&key) else {
        return crate::exit::fail(
            g,
            "sign_unsupported_key",
            "the key file is not PEM text",
            crate::exit::DATA,
        );
    };
    let cert = match read_input(g, &a.cert) {
        Ok(c) => c,
        Err(c) => return c,
    };
    let mut chain = Vec::new();
    for p in &a.chain {
        match read_input(g, p) {
            Ok(c) => chain.push(c),
            Err(c) => return c,
        }
    }
    let chain_refs: Vec<&[u8]> = chain.iter().map(Vec::as_slice).collect();
    let signer = match SoftwareSigner::from_pem(key, &cert, &chain_refs) {
        Ok(s) => s,
        Err(e) => return sign_fail(g, &e),
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
    let signed = match saoy_signing::sign::sign_pdf(&pdf, &signer, &opts) {
        Ok(s) => s,
        Err(e) => return sign_fail(g, &e),
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
        println!(
            "{}",
            serde_json::json!({ "signed": a.output.display().to_string(), "bytes": signed.len() })
        );
    } else {
        println!(
            "signed {} -> {} ({} bytes)",
            a.input.display(),
            a.output.display(),
            signed.len()
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
            Ok(j) => println!("{j}"),
            Err(e) => return exit::fail(g, "json", &e.to_string(), exit::SOFTWARE),
        }
    } else {
        let lang = match a.lang {
            VerifyLang::Vi => Lang::Vi,
            VerifyLang::En => Lang::En,
        };
        print!("{}", report.render_text(lang));
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
                println!(
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
                println!(
                    "TEST ONLY PKI written to {} (NOT for production)",
                    dir.display()
                );
                println!("  trust anchor: {}", files.root_cert.display());
                println!(
                    "  signer:       {} + {}",
                    files.signer_cert.display(),
                    files.signer_key.display()
                );
                println!("  chain:        {}", files.chain.display());
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
        println!(
            "{}",
            serde_json::json!({ "written": a.out.display().to_string(), "bytes": pdf.len(), "pages": copy.pages.len() + 1 })
        );
    } else {
        println!(
            "certified copy written to {} ({} bytes, unsigned)",
            a.out.display(),
            pdf.len()
        );
    }
    crate::exit::code(crate::exit::OK)
}
