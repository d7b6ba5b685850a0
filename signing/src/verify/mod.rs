//! PDF signature verification (runs natively and in the browser).
//!
//! Entry point: [`verify_pdf`]. It takes the file's bytes and
//! [`VerifyOptions`] (trust anchors, validation time as Unix seconds,
//! [`Limits`]) and returns a [`DocumentReport`]: a status per signature and
//! for the document, with reasons in English and Vietnamese. Errors
//! ([`VerifyError`]) are reserved for input that is not a PDF at all or that
//! exceeds a limit; a tampered or malformed signature is a report.

mod algs;
mod asn1;
mod cache;
mod cert;
mod cms;
mod diff;
pub mod external;
mod ltv;
mod pdf;
mod report;
pub(crate) mod revocation;
mod time;

pub use cache::{CacheStats, DEFAULT_CACHE_CAPACITY, Verifier};
pub use ltv::{TimestampTokenReport, verify_timestamp_token};
pub use report::{
    Coverage, DocumentReport, Lang, PadesLevel, Reason, ReasonCode, Severity, SignatureKind,
    SignatureReport, Signer, Status,
};
pub use time::{format_rfc3339, parse_rfc3339};

use algs::{Check, DigestAlg};
use cert::{Cert, PathLimits};
use cms::{SignedData, SignerId, SignerInfo};
use report::status_of;

/// Resource limits. Every input-driven allocation is bounded by one of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Largest file accepted, bytes (default 64 MiB).
    pub max_file_size: usize,
    /// Most revisions (incremental updates + 1) accepted (default 64).
    pub max_revisions: usize,
    /// Most indirect objects in the document (default 1,000,000).
    pub max_objects: usize,
    /// Most signatures examined (default 64).
    pub max_signatures: usize,
    /// Largest decoded /Contents (CMS) accepted, bytes (default 1 MiB).
    pub max_cms_size: usize,
    /// Longest certificate path (default 10).
    pub max_chain_depth: usize,
    /// Largest decompressed stream (object streams, /DSS certificates), bytes (default 64 MiB).
    pub max_decompressed: usize,
    /// Comparison steps per revision pair in the update analysis (default 2,000,000).
    pub max_diff_steps: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_size: 64 << 20,
            max_revisions: 64,
            max_objects: 1_000_000,
            max_signatures: 64,
            max_cms_size: 1 << 20,
            max_chain_depth: 10,
            max_decompressed: 64 << 20,
            max_diff_steps: 2_000_000,
        }
    }
}

/// What to trust and when.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct VerifyOptions {
    trust_anchors: Vec<Vec<u8>>,
    /// Validation time, Unix seconds.
    pub at: i64,
    /// Resource limits.
    pub limits: Limits,
}

impl VerifyOptions {
    /// Validate at `at` (Unix seconds) with no trust anchors (every chain is then indeterminate).
    pub fn new(at: i64) -> Self {
        VerifyOptions {
            trust_anchors: Vec::new(),
            at,
            limits: Limits::default(),
        }
    }

    /// Validate now (not available on wasm32, where there is no clock: pass the time in).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn now() -> Self {
        let at = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        Self::new(at)
    }

    /// Add a DER-encoded trust anchor certificate.
    pub fn with_trust_anchor_der(mut self, der: &[u8]) -> Result<Self, VerifyError> {
        let n = self.trust_anchors.len();
        Cert::parse(der).map_err(|e| VerifyError::BadTrustAnchor {
            index: n,
            detail: e.0.to_owned(),
        })?;
        self.trust_anchors.push(der.to_vec());
        Ok(self)
    }

    /// Add every `CERTIFICATE` block of a PEM text as a trust anchor.
    pub fn with_trust_anchors_pem(mut self, pem: &str) -> Result<Self, VerifyError> {
        for der in certificates_from_pem(pem)? {
            self = self.with_trust_anchor_der(&der)?;
        }
        Ok(self)
    }

    /// Replace the resource limits.
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Number of trust anchors.
    pub fn trust_anchor_count(&self) -> usize {
        self.trust_anchors.len()
    }
}

/// Decode the `CERTIFICATE` blocks of a PEM text to DER.
pub fn certificates_from_pem(pem: &str) -> Result<Vec<Vec<u8>>, VerifyError> {
    const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
    const END: &str = "-----END CERTIFICATE-----";
    let mut out = Vec::new();
    let mut rest = pem;
    while let Some(b) = rest.find(BEGIN) {
        let after = &rest[b..];
        let e = after.find(END).ok_or(VerifyError::BadPem {
            detail: "unterminated CERTIFICATE block".into(),
        })?;
        let block = &after[..e + END.len()];
        let (label, der) =
            der::pem::decode_vec(block.as_bytes()).map_err(|e| VerifyError::BadPem {
                detail: e.to_string(),
            })?;
        if label == "CERTIFICATE" {
            out.push(der);
        }
        rest = &after[e + END.len()..];
    }
    if out.is_empty() {
        return Err(VerifyError::BadPem {
            detail: "no CERTIFICATE block".into(),
        });
    }
    Ok(out)
}

/// Why a file could not be verified at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// No `%PDF-` header in the first KiB.
    #[error("not a PDF file (no %PDF- header)")]
    NotPdf,
    /// The PDF structure could not be parsed at all.
    #[error("the PDF cannot be parsed: {detail}")]
    Unparseable {
        /// Parser message.
        detail: String,
    },
    /// Larger than [`Limits::max_file_size`].
    #[error("file is {size} bytes, more than the limit of {max}")]
    TooLarge {
        /// File size.
        size: usize,
        /// Limit.
        max: usize,
    },
    /// More revisions than [`Limits::max_revisions`].
    #[error("more than {max} revisions")]
    TooManyRevisions {
        /// Limit.
        max: usize,
    },
    /// More objects than [`Limits::max_objects`].
    #[error("{count} objects, more than the limit of {max}")]
    TooManyObjects {
        /// Objects found.
        count: usize,
        /// Limit.
        max: usize,
    },
    /// A trust anchor is not a certificate.
    #[error("trust anchor #{index} is not a valid certificate: {detail}")]
    BadTrustAnchor {
        /// Position among the anchors.
        index: usize,
        /// Decoder message.
        detail: String,
    },
    /// A PEM text holds no usable certificate.
    #[error("bad PEM: {detail}")]
    BadPem {
        /// Decoder message.
        detail: String,
    },
}

impl VerifyError {
    /// Stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            VerifyError::NotPdf => "not_pdf",
            VerifyError::Unparseable { .. } => "pdf_unparseable",
            VerifyError::TooLarge { .. } => "file_too_large",
            VerifyError::TooManyRevisions { .. } => "too_many_revisions",
            VerifyError::TooManyObjects { .. } => "too_many_objects",
            VerifyError::BadTrustAnchor { .. } => "bad_trust_anchor",
            VerifyError::BadPem { .. } => "bad_pem",
        }
    }
}

/// Verify every signature of a PDF.
///
/// ```
/// use saoy_signing::verify::{verify_pdf, VerifyOptions, Status, ReasonCode};
/// let opts = VerifyOptions::new(1_767_225_600); // 2026-01-01T00:00:00Z
/// // A PDF without signatures is indeterminate, not an error.
/// let pdf = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n\
/// xref\n0 3\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \ntrailer<</Size 3/Root 1 0 R>>\nstartxref\n95\n%%EOF\n";
/// let report = verify_pdf(pdf, &opts).unwrap();
/// assert_eq!(report.status, Status::Indeterminate);
/// assert_eq!(report.reasons[0].code, ReasonCode::NoSignatures);
/// assert!(verify_pdf(b"hello", &opts).is_err());
/// ```
pub fn verify_pdf(bytes: &[u8], opts: &VerifyOptions) -> Result<DocumentReport, VerifyError> {
    cache::within_call(|| {
        let hint = (bytes.len() >= crate::digest::PARALLEL_MIN
            && bytes.len() <= opts.limits.max_file_size
            && !cfg!(target_arch = "wasm32"))
        .then(|| byte_range_hint(bytes))
        .flatten();
        let Some(range) = hint else {
            return verify_document(bytes, opts, None);
        };
        // The newest signature's byte range is hashed (SHA-256, the common case) from the start,
        // beside the parsing; used only if the parsed /ByteRange and digest algorithm match.
        std::thread::scope(|scope| {
            let (tx, rx) = std::sync::mpsc::channel();
            let [a0, l0, a1, l1] = range;
            let parts: [&[u8]; 2] = [&bytes[a0..a0 + l0], &bytes[a1..a1 + l1]];
            let spawned = std::thread::Builder::new().spawn_scoped(scope, move || {
                let _ = tx.send(DigestAlg::Sha256.hash(&parts));
            });
            let early = EarlyDigest {
                range,
                rx: std::cell::RefCell::new(spawned.is_ok().then_some(rx)),
            };
            verify_document(bytes, opts, Some(&early))
        })
    })
}

/// A SHA-256 digest of one byte range, started before the PDF is parsed.
struct EarlyDigest {
    range: [usize; 4],
    rx: std::cell::RefCell<Option<std::sync::mpsc::Receiver<Vec<u8>>>>,
}

impl EarlyDigest {
    /// The pending digest, if it covers exactly `range` with `alg` (taken once).
    fn take(
        &self,
        range: [usize; 4],
        alg: DigestAlg,
    ) -> Option<std::sync::mpsc::Receiver<Vec<u8>>> {
        if range != self.range || alg != DigestAlg::Sha256 {
            return None;
        }
        self.rx.borrow_mut().take()
    }
}

/// The last `/ByteRange [a b c d]` of the file, read loosely, if it lies inside the file: only
/// a guess of what to hash early (the parsed dictionary decides what is checked).
fn byte_range_hint(bytes: &[u8]) -> Option<[usize; 4]> {
    let at = memchr::memmem::rfind(bytes, b"/ByteRange")?;
    let mut rest = bytes
        .get(at + 10..)?
        .trim_ascii_start()
        .strip_prefix(b"[")?;
    let mut out = [0usize; 4];
    for v in &mut out {
        rest = rest.trim_ascii_start();
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 || digits > 15 {
            return None;
        }
        *v = std::str::from_utf8(&rest[..digits]).ok()?.parse().ok()?;
        rest = &rest[digits..];
    }
    rest.trim_ascii_start().strip_prefix(b"]")?;
    let [a0, l0, a1, l1] = out;
    (a0.checked_add(l0)? <= a1 && a1.checked_add(l1)? <= bytes.len()).then_some(out)
}

fn verify_document(
    bytes: &[u8],
    opts: &VerifyOptions,
    early: Option<&EarlyDigest>,
) -> Result<DocumentReport, VerifyError> {
    let lim = &opts.limits;
    if bytes.len() > lim.max_file_size {
        return Err(VerifyError::TooLarge {
            size: bytes.len(),
            max: lim.max_file_size,
        });
    }
    if pdf::find(&bytes[..bytes.len().min(1024)], b"%PDF-").is_none() {
        return Err(VerifyError::NotPdf);
    }
    let ends = pdf::revision_ends(bytes, lim.max_revisions);
    if ends.len() > lim.max_revisions {
        return Err(VerifyError::TooManyRevisions {
            max: lim.max_revisions,
        });
    }
    let full = pdf::load(bytes, lim.max_decompressed).ok_or_else(|| VerifyError::Unparseable {
        detail: "no readable cross-reference structure".into(),
    })?;
    if full.objects.len() > lim.max_objects {
        return Err(VerifyError::TooManyObjects {
            count: full.objects.len(),
            max: lim.max_objects,
        });
    }
    let revisions = ends.len().max(1);
    let mut report = DocumentReport {
        status: Status::Indeterminate,
        revisions,
        file_size: bytes.len() as u64,
        validation_time: format_rfc3339(opts.at),
        signatures: Vec::new(),
        reasons: Vec::new(),
    };
    if full.encryption_state.is_some() || full.trailer.has(b"Encrypt") {
        report
            .reasons
            .push(Reason::new(ReasonCode::Encrypted, None));
        return Ok(report);
    }

    let anchors: Vec<Cert> = opts
        .trust_anchors
        .iter()
        .filter_map(|d| Cert::parse(d).ok())
        .collect();
    let dss: Vec<Cert> = pdf::dss_certs(&full, 1024, 1 << 20)
        .iter()
        .filter_map(|d| Cert::parse(d).ok())
        .collect();
    let sigs = pdf::signatures(&full, lim.max_signatures);
    let proofs = ltv::document_timestamp_proofs(
        bytes,
        &sigs,
        &anchors,
        &dss,
        opts.at,
        PathLimits {
            max_depth: lim.max_chain_depth,
        },
    );
    let revocation_data = revocation::RevocationData::from_dss(&full, 4096, 4 << 20);
    let ctx = Ctx {
        revocation: &revocation_data,
        bytes,
        ends: &ends,
        anchors: &anchors,
        dss: &dss,
        at: opts.at,
        limits: lim,
        proofs: &proofs,
        early,
    };
    let mut checked: Vec<Checked> = sigs
        .iter()
        .enumerate()
        .map(|(i, s)| check_signature(&ctx, i, s))
        .collect();

    // Incremental-update analysis for signatures that cover an earlier revision.
    let last = revisions - 1;
    let certification = sigs
        .iter()
        .zip(&checked)
        .find_map(|(s, c)| s.docmdp_p.map(|p| (p, c.revision)));
    let first = checked
        .iter()
        .filter_map(|c| c.revision)
        .filter(|r| *r < last)
        .min();
    let mut pair_results: Vec<Option<diff::DiffResult>> = vec![None; revisions];
    let mut has_dss = vec![false; revisions];
    has_dss[last] = pdf::has_dss(&full);
    // Revocation data of each earlier revision's /DSS (the last one's is `revocation_data`).
    let mut dss_data: Vec<Option<revocation::RevocationData>> = vec![None; revisions];
    if let Some(first) = first {
        let mut prev = pdf::load(&bytes[..ends[first].line_end], lim.max_decompressed);
        for k in first..last {
            let loaded = if k + 1 == last {
                None
            } else {
                pdf::load(&bytes[..ends[k + 1].line_end], lim.max_decompressed)
            };
            let next = if k + 1 == last {
                Some(&full)
            } else {
                loaded.as_ref()
            };
            if let Some(n) = next {
                has_dss[k + 1] = pdf::has_dss(n);
                if has_dss[k + 1] && k + 1 != last {
                    dss_data[k + 1] = Some(revocation::RevocationData::from_dss(n, 4096, 4 << 20));
                }
            }
            let mdp = match certification {
                Some((p, Some(r))) if r <= k => p,
                _ => 2,
            };
            pair_results[k] = match (&prev, next) {
                (Some(a), Some(b)) => Some(diff::diff(a, b, mdp, lim.max_diff_steps)),
                _ => None,
            };
            prev = loaded;
        }
    }
    for c in checked.iter_mut() {
        let Some(r) = c.revision else { continue };
        if r >= last {
            continue;
        }
        let mut codes: Vec<(ReasonCode, String, usize)> = Vec::new();
        let mut incomplete = false;
        for (k, res) in pair_results.iter().enumerate().take(last).skip(r) {
            match res {
                Some(d) => {
                    incomplete |= d.incomplete;
                    for f in &d.findings {
                        let code = f.cat.code();
                        match codes.iter_mut().find(|(c, _, _)| *c == code) {
                            Some(e) => e.2 += 1,
                            None => {
                                codes.push((code, format!("revision {}: {}", k + 2, f.path), 1))
                            }
                        }
                    }
                }
                None => incomplete = true,
            }
        }
        if incomplete {
            c.report
                .reasons
                .push(Reason::new(ReasonCode::ChangeAnalysisIncomplete, None));
        }
        if codes.is_empty() && !incomplete {
            c.report.reasons.push(Reason::new(
                ReasonCode::AllowedChangesAfterSigning,
                Some(format!("{} later revision(s)", last - r)),
            ));
        }
        for (code, first_path, n) in codes {
            let more = if n > 1 {
                format!(" (+{} more)", n - 1)
            } else {
                String::new()
            };
            c.report
                .reasons
                .push(Reason::new(code, Some(format!("{first_path}{more}"))));
        }
    }

    // PAdES levels.
    let ts_revs: Vec<usize> = checked
        .iter()
        .filter(|c| c.report.kind == SignatureKind::DocumentTimestamp && c.crypto_ok)
        .filter_map(|c| c.revision)
        .collect();
    for c in checked.iter_mut() {
        if c.report.kind == SignatureKind::DocumentTimestamp {
            c.report.pades_level = Some(PadesLevel::DocumentTimestamp);
            continue;
        }
        if c.report.sub_filter.as_deref() != Some("ETSI.CAdES.detached") || !c.has_ess {
            c.report.pades_level = Some(PadesLevel::NotPades);
            continue;
        }
        let r = c.revision.unwrap_or(last);
        let t = c.sig_timestamp_ok || ts_revs.iter().any(|t| *t > r);
        // B-LT: a later /DSS holds revocation data for every certificate on
        // the signer's and the signature time-stamp's paths (trust anchors
        // and self-signed roots excepted), as EN 319 142-1 asks and EU DSS
        // checks; a /DSS with other signatures' data only leaves it at B-T.
        let covered = |k: usize| {
            let data = if k == last {
                Some(&revocation_data)
            } else {
                dss_data[k].as_ref()
            };
            has_dss[k]
                && match (&c.lt_pairs, data) {
                    (Some(pairs), Some(d)) => pairs.iter().all(|(x, i)| d.has_data_for(x, i)),
                    _ => false,
                }
        };
        let dss_rev = (r + 1..revisions).find(|k| covered(*k));
        let lt = t && dss_rev.is_some();
        let lta = lt && dss_rev.is_some_and(|d| ts_revs.iter().any(|t| *t >= d));
        c.report.pades_level = Some(if lta {
            PadesLevel::BLta
        } else if lt {
            PadesLevel::BLt
        } else if t {
            PadesLevel::BT
        } else {
            PadesLevel::BB
        });
    }

    for mut c in checked {
        c.report
            .reasons
            .sort_by_key(|r| std::cmp::Reverse(r.severity));
        c.report.status = status_of(&c.report.reasons);
        report.signatures.push(c.report);
    }
    if report.signatures.is_empty() {
        report
            .reasons
            .push(Reason::new(ReasonCode::NoSignatures, None));
        report.status = Status::Indeterminate;
    } else {
        report.status = report
            .signatures
            .iter()
            .map(|s| s.status)
            .max()
            .unwrap_or(Status::Indeterminate);
    }
    Ok(report)
}

struct Ctx<'a> {
    bytes: &'a [u8],
    ends: &'a [pdf::RevisionEnd],
    anchors: &'a [Cert],
    dss: &'a [Cert],
    at: i64,
    limits: &'a Limits,
    /// Trusted document time-stamps (proofs of existence), latest first.
    proofs: &'a [ltv::ProofOfExistence],
    /// OCSP responses and CRLs from the /DSS.
    revocation: &'a revocation::RevocationData,
    /// A digest of the newest signature's byte range, started early.
    early: Option<&'a EarlyDigest>,
}

struct Checked {
    report: SignatureReport,
    /// 0-based revision the signature covers.
    revision: Option<usize>,
    has_ess: bool,
    sig_timestamp_ok: bool,
    /// Byte range, digest and signature value all good.
    crypto_ok: bool,
    /// The (certificate, issuer) pairs that need revocation data for B-LT:
    /// the signer's path and its signature time-stamp's TSA path (`None`
    /// when a path cannot be built).
    lt_pairs: Option<Vec<(Cert, Cert)>>,
}

const KNOWN_SUBFILTERS: [&str; 4] = [
    "adbe.pkcs7.detached",
    "ETSI.CAdES.detached",
    "adbe.pkcs7.sha1",
    "ETSI.RFC3161",
];

fn check_signature(ctx: &Ctx<'_>, index: usize, sd: &pdf::SigDict) -> Checked {
    let kind = if sd.is_doc_timestamp {
        SignatureKind::DocumentTimestamp
    } else {
        SignatureKind::Signature
    };
    let claimed_time = sd.m.as_ref().map(|m| match time::parse_pdf_date(m) {
        Some(t) => format_rfc3339(t),
        None => pdf::text(m),
    });
    let mut out = Checked {
        report: SignatureReport {
            index,
            field: sd.field.clone(),
            kind,
            status: Status::Indeterminate,
            sub_filter: sd.sub_filter.clone(),
            pades_level: None,
            certification_level: sd.docmdp_p,
            signer: None,
            claimed_time,
            signing_time_attribute: None,
            timestamp_time: None,
            stated_reason: sd.reason.clone(),
            location: sd.location.clone(),
            digest_algorithm: None,
            signature_algorithm: None,
            coverage: Coverage::Unknown,
            reasons: Vec::new(),
        },
        revision: None,
        has_ess: false,
        sig_timestamp_ok: false,
        crypto_ok: false,
        lt_pairs: None,
    };
    let reasons = &mut out.report.reasons;
    let bytes = ctx.bytes;
    let len = bytes.len();

    // 1. Byte range.
    let br: Option<[usize; 4]> = sd
        .byte_range
        .as_ref()
        .filter(|b| b.len() == 4)
        .and_then(|b| {
            Some([
                usize::try_from(b[0]).ok()?,
                usize::try_from(b[1]).ok()?,
                usize::try_from(b[2]).ok()?,
                usize::try_from(b[3]).ok()?,
            ])
        });
    let Some([a0, l0, a1, l1]) = br else {
        reasons.push(Reason::new(
            ReasonCode::ByteRangeMalformed,
            sd.byte_range.as_ref().map(|b| format!("{b:?}")),
        ));
        return out;
    };
    let end0 = a0.saturating_add(l0);
    let end1 = a1.saturating_add(l1);
    if a0 != 0 {
        reasons.push(Reason::new(
            ReasonCode::ByteRangeNotFromStart,
            Some(format!("starts at {a0}")),
        ));
    }
    if end0 > a1 {
        reasons.push(Reason::new(
            ReasonCode::ByteRangeOverlap,
            Some(format!("[{a0} {l0} {a1} {l1}]")),
        ));
    }
    if end1 > len || end0 > len {
        reasons.push(Reason::new(
            ReasonCode::ByteRangeOutOfFile,
            Some(format!("range ends at {end1}, file has {len} bytes")),
        ));
        return out;
    }
    let contents = sd.contents.as_deref().unwrap_or_default();
    if end0 <= a1 && !gap_is_contents(&bytes[end0..a1], contents) {
        reasons.push(Reason::new(
            ReasonCode::ByteRangeGapMismatch,
            Some(format!("gap {end0}..{a1} ({} bytes)", a1 - end0)),
        ));
    }
    let revisions = ctx.ends.len().max(1);
    if end1 == len
        || ctx
            .ends
            .last()
            .is_some_and(|e| e.matches(end1) && bytes[end1..].iter().all(u8::is_ascii_whitespace))
    {
        out.report.coverage = Coverage::WholeFile;
        out.revision = Some(revisions - 1);
    } else if let Some(r) = ctx
        .ends
        .iter()
        .position(|e| e.matches(end1))
        .filter(|r| r + 1 < ctx.ends.len())
    {
        out.report.coverage = Coverage::Revision {
            revision: r + 1,
            of: revisions,
            signed_bytes: end1 as u64,
            file_size: len as u64,
        };
        out.revision = Some(r);
    } else {
        reasons.push(Reason::new(
            ReasonCode::CoverageNotRevision,
            Some(format!("signed bytes end at {end1} of {len}")),
        ));
    }
    let covered: [&[u8]; 2] = [&bytes[a0..end0], &bytes[a1..end1]];

    // 2. CMS.
    let sub = sd.sub_filter.as_deref().unwrap_or("");
    if !KNOWN_SUBFILTERS.contains(&sub) {
        reasons.push(Reason::new(
            ReasonCode::UnsupportedSubfilter,
            Some(sub.to_owned()),
        ));
        return out;
    }
    if contents.iter().all(|b| *b == 0) {
        // Empty, or a placeholder that was never filled in.
        reasons.push(Reason::new(ReasonCode::ContentsMissing, None));
        return out;
    }
    if contents.len() > ctx.limits.max_cms_size {
        reasons.push(Reason::new(
            ReasonCode::CmsMalformed,
            Some(format!(
                "/Contents is {} bytes, limit {}",
                contents.len(),
                ctx.limits.max_cms_size
            )),
        ));
        return out;
    }
    let sdata = match cms::parse(contents) {
        Ok(s) => s,
        Err(e) => {
            reasons.push(Reason::new(ReasonCode::CmsMalformed, Some(e.0.to_owned())));
            return out;
        }
    };
    let cms_len = asn1::first(contents)
        .map(|t| t.raw.len())
        .unwrap_or(contents.len());
    if contents[cms_len..].iter().any(|b| *b != 0) {
        reasons.push(Reason::new(
            ReasonCode::ContentsPaddingModified,
            Some(format!("non-zero bytes after the first {cms_len} bytes")),
        ));
    }
    if sdata.signer_infos.len() != 1 {
        reasons.push(Reason::new(
            ReasonCode::CmsSignerCount,
            Some(format!("{} signers", sdata.signer_infos.len())),
        ));
        return out;
    }
    let si = &sdata.signer_infos[0];
    out.report.digest_algorithm = Some(si.digest_alg.display());
    out.report.signature_algorithm = Some(si.sig_alg.display());
    let Some(dalg) = DigestAlg::from_oid(&si.digest_alg.oid) else {
        reasons.push(Reason::new(
            ReasonCode::UnsupportedDigestAlgorithm,
            Some(si.digest_alg.oid.clone()),
        ));
        return out;
    };

    // 3. What the SignerInfo signs, per subfilter.
    let econtent = sdata.econtent.as_deref();
    let mut detached = false;
    let (content_type, content_parts): (&str, Vec<&[u8]>) = match sub {
        "adbe.pkcs7.sha1" => {
            let Some(ec) = econtent else {
                reasons.push(Reason::new(
                    ReasonCode::CmsAttributeMissing,
                    Some("adbe.pkcs7.sha1 without eContent".into()),
                ));
                return out;
            };
            let inner = asn1::first(ec)
                .ok()
                .filter(|t| t.tag == asn1::tag::OCTET_STRING)
                .map(|t| t.content)
                .unwrap_or(ec);
            if inner != DigestAlg::Sha1.hash(&covered).as_slice() {
                reasons.push(Reason::new(
                    ReasonCode::DigestMismatch,
                    Some("SHA-1 in eContent".into()),
                ));
            }
            (cms::OID_DATA, vec![ec])
        }
        "ETSI.RFC3161" => {
            let Some(ec) = econtent.filter(|_| sdata.econtent_type == cms::OID_TST_INFO) else {
                reasons.push(Reason::new(
                    ReasonCode::TimestampMalformed,
                    Some("no TSTInfo content".into()),
                ));
                return out;
            };
            match cms::parse_tst_info(ec) {
                Ok(tst) => {
                    match DigestAlg::from_oid(&tst.imprint_alg.oid) {
                        Some(h)
                            if external::digest(h, &covered, Some(&tst.imprint)) == tst.imprint => {
                        }
                        Some(_) => {
                            reasons.push(Reason::new(ReasonCode::TimestampImprintMismatch, None))
                        }
                        None => reasons.push(Reason::new(
                            ReasonCode::UnsupportedDigestAlgorithm,
                            Some(tst.imprint_alg.oid.clone()),
                        )),
                    }
                    out.report.timestamp_time = tst.gen_time.map(format_rfc3339);
                }
                Err(e) => {
                    reasons.push(Reason::new(
                        ReasonCode::TimestampMalformed,
                        Some(e.0.to_owned()),
                    ));
                    return out;
                }
            }
            (cms::OID_TST_INFO, vec![ec])
        }
        _ => {
            if econtent.is_some() {
                reasons.push(Reason::new(ReasonCode::CmsNotDetached, None));
            }
            detached = true;
            (cms::OID_DATA, covered.to_vec())
        }
    };

    // 4. Signer, digest, signature value.
    let pool: Vec<Cert> = sdata
        .certificates
        .iter()
        .filter_map(|c| Cert::parse(c).ok())
        .chain(ctx.dss.iter().cloned())
        .collect();
    // The signer's chain links are checked beside the content digest too (the
    // pairs are kept for B-LT; path validation below reuses the checks).
    let max_depth = ctx.limits.max_chain_depth;
    let early = ctx
        .early
        .filter(|_| detached)
        .and_then(|e| e.take([a0, l0, a1, l1], dalg));
    let signer = check_signer(
        &sdata,
        si,
        dalg,
        content_type,
        &content_parts,
        &pool,
        reasons,
        early,
        |signer| revocation::chain_pairs(signer, &pool, ctx.anchors, max_depth),
    );
    let Some((signer, lt_pairs)) = signer else {
        return out;
    };
    out.report.signer = Some(Signer {
        common_name: signer.common_name(),
        subject: cert::name_text(&signer.subject),
        issuer: cert::name_text(&signer.issuer),
        serial: signer.serial_hex(),
        not_before: signer.not_before.map(format_rfc3339),
        not_after: signer.not_after.map(format_rfc3339),
    });
    out.crypto_ok = !reasons.iter().any(|r| r.severity == Severity::Invalid);
    out.lt_pairs = lt_pairs;

    // 5. ESS signing-certificate binding, signing time.
    let v2 = si.signed(cms::OID_SIGNING_CERT_V2).map(|v| (v, true));
    let v1 = si.signed(cms::OID_SIGNING_CERT).map(|v| (v, false));
    if let Some((v, is_v2)) = v2.or(v1) {
        out.has_ess = true;
        match cms::ess_first_cert_id(v, is_v2) {
            Ok(id) => {
                let hash_ok = id.hash_alg.map(|h| h.hash(&[&signer.der]) == id.hash);
                let serial_ok = id
                    .serial
                    .as_deref()
                    .is_none_or(|s| asn1::uint_bytes(s) == asn1::uint_bytes(&signer.serial));
                match hash_ok {
                    Some(true) if serial_ok => {}
                    Some(_) => {
                        reasons.push(Reason::new(ReasonCode::SigningCertificateMismatch, None))
                    }
                    None => reasons.push(Reason::new(
                        ReasonCode::UnsupportedDigestAlgorithm,
                        Some("signing-certificate hash".into()),
                    )),
                }
            }
            Err(e) => reasons.push(Reason::new(
                ReasonCode::SigningCertificateMismatch,
                Some(e.0.to_owned()),
            )),
        }
    } else if sub == "ETSI.CAdES.detached" {
        reasons.push(Reason::new(
            ReasonCode::SigningCertificateAttributeMissing,
            None,
        ));
    }
    if let Some(t) = si.signed(cms::OID_SIGNING_TIME).and_then(cms::signing_time) {
        out.report.signing_time_attribute = Some(format_rfc3339(t));
    }
    let weak_rsa = algs::rsa_bits(&signer.spki).is_some_and(|b| b < 2048);
    if dalg == DigestAlg::Sha1 || weak_rsa {
        reasons.push(Reason::new(ReasonCode::WeakAlgorithm, None));
    }

    // 6. Time-stamps: the signature time-stamp (or, for a document
    // time-stamp, the token itself) is trusted if its authority chains to a
    // trust anchor at the time its own existence is proven (a later trusted
    // document time-stamp) or else at the validation time.
    let limits = PathLimits {
        max_depth: ctx.limits.max_chain_depth,
    };
    let poe = ltv::existence_time(ctx.proofs, end1, ctx.at);
    let mut chain_at = poe;
    if kind == SignatureKind::Signature
        && let Some(tok) = si
            .unsigned_attrs
            .iter()
            .find(|a| a.oid == cms::OID_SIGNATURE_TIMESTAMP)
            .and_then(|a| a.values.first())
    {
        match ltv::parse_token(tok.raw, &pool) {
            Ok(t) if t.imprint_alg.map(|h| h.hash(&[&si.signature])) == Some(t.imprint.clone()) => {
                out.sig_timestamp_ok = true;
                let tsa_pairs = revocation::chain_pairs(
                    &t.tsa,
                    &t.pool,
                    ctx.anchors,
                    ctx.limits.max_chain_depth,
                );
                out.lt_pairs = match (out.lt_pairs.take(), tsa_pairs) {
                    (Some(mut a), Some(b)) => {
                        a.extend(b);
                        Some(a)
                    }
                    _ => None,
                };
                out.report.timestamp_time = t.gen_time.map(format_rfc3339);
                let tsa = ltv::tsa_reasons(&t.tsa, &t.pool, ctx.anchors, poe, limits);
                if ltv::all_info(&tsa) {
                    reasons.push(Reason::new(
                        ReasonCode::TimestampValid,
                        Some("signature time-stamp".into()),
                    ));
                    if let Some(g) = t.gen_time {
                        chain_at = chain_at.min(g);
                    }
                } else {
                    let detail = tsa
                        .iter()
                        .map(|r| match &r.detail {
                            Some(d) => format!("{}: {d}", r.code.code()),
                            None => r.code.code().to_owned(),
                        })
                        .collect::<Vec<_>>()
                        .join("; ");
                    reasons.push(Reason::new(ReasonCode::TimestampNotTrusted, Some(detail)));
                }
            }
            Ok(t) if t.imprint_alg.is_none() => reasons.push(Reason::new(
                ReasonCode::UnsupportedDigestAlgorithm,
                Some("signature time-stamp imprint".into()),
            )),
            Ok(_) => reasons.push(Reason::new(
                ReasonCode::TimestampImprintMismatch,
                Some("signature time-stamp".into()),
            )),
            Err(r) => reasons.push(r),
        }
    }

    // 7. Chain, at the time proven by a time-stamp when there is one.
    let mut path_reasons = if kind == SignatureKind::DocumentTimestamp {
        ltv::tsa_reasons(&signer, &pool, ctx.anchors, chain_at, limits)
    } else {
        cert::validate_path(&signer, &pool, ctx.anchors, chain_at, limits, true)
    };
    if chain_at < ctx.at && ltv::all_info(&path_reasons) {
        path_reasons.push(Reason::new(
            ReasonCode::ValidatedAtTimestampTime,
            Some(format_rfc3339(chain_at)),
        ));
    }
    if kind == SignatureKind::DocumentTimestamp && ltv::all_info(&path_reasons) {
        path_reasons.push(Reason::new(ReasonCode::TimestampValid, None));
    }
    reasons.extend(path_reasons);
    reasons.push(revocation::path_reasons(
        &signer,
        &pool,
        ctx.anchors,
        ctx.revocation,
        chain_at,
        ctx.limits.max_chain_depth,
    ));
    out
}

/// Entry points of the fuzz targets (`signing/fuzz`): the parsers of OCSP
/// responses and CRLs that read `/DSS` data. Not a stable API.
#[doc(hidden)]
pub mod fuzzing {
    /// Decode an `OCSPResponse` (successful, basic): the number of single
    /// responses, or the parser's error text.
    pub fn parse_ocsp_response(der: &[u8]) -> Result<usize, &'static str> {
        super::revocation::parse_ocsp_response(der)
            .map(|o| o.responses.len())
            .map_err(|e| e.0)
    }

    /// Decode a CRL: the number of revoked entries, or the parser's error text.
    pub fn parse_crl(der: &[u8]) -> Result<usize, &'static str> {
        super::revocation::parse_crl(der)
            .map(|c| c.revoked.len())
            .map_err(|e| e.0)
    }
}

/// `gap` must be `<hex>` whose value is `contents`.
fn gap_is_contents(gap: &[u8], contents: &[u8]) -> bool {
    let [b'<', inner @ .., b'>'] = gap else {
        return false;
    };
    if inner.len() % 2 != 0 || inner.len() / 2 != contents.len() {
        return false;
    }
    inner.chunks(2).zip(contents).all(|(pair, want)| {
        let hexval = |c: u8| (c as char).to_digit(16);
        match (hexval(pair[0]), hexval(pair[1])) {
            (Some(h), Some(l)) => h * 16 + l == u32::from(*want),
            _ => false,
        }
    })
}

/// Find the signer certificate and check digest and signature value; `then`
/// runs on the signer while the content digest is still being computed.
#[allow(clippy::too_many_arguments)]
fn check_signer<T: Send>(
    sdata: &SignedData<'_>,
    si: &SignerInfo<'_>,
    dalg: DigestAlg,
    content_type: &str,
    content: &[&[u8]],
    pool: &[Cert],
    reasons: &mut Vec<Reason>,
    early: Option<std::sync::mpsc::Receiver<Vec<u8>>>,
    then: impl Fn(&Cert) -> T + Sync,
) -> Option<(Cert, T)> {
    if sdata.econtent_type != content_type
        && !(content_type == cms::OID_DATA && sdata.econtent.is_none())
    {
        reasons.push(Reason::new(
            ReasonCode::CmsContentTypeMismatch,
            Some(sdata.econtent_type.clone()),
        ));
    }
    let tbs_owned;
    let has_attrs;
    let tbs: Vec<&[u8]> = match si.signed_attrs_for_hash() {
        Some(attrs) => {
            has_attrs = true;
            tbs_owned = attrs;
            vec![tbs_owned.as_slice()]
        }
        None => {
            has_attrs = false;
            content.to_vec()
        }
    };
    // The content digest (the big job: a whole PDF) runs on a second thread
    // beside the signer lookup and signature check, which do not depend on it.
    // `early`: the same digest (same bytes, same algorithm), already running since the start.
    // A deferred verification (`external`) stays on this thread: its session is thread-local.
    let big = content.iter().map(|c| c.len()).sum::<usize>() >= crate::digest::PARALLEL_MIN
        && !external::active();
    let claimed = si.signed(cms::OID_MESSAGE_DIGEST).map(|md| md.content);
    let job = || has_attrs.then(|| external::digest(dalg, content, claimed));
    let meanwhile = || {
        let signer = pool.iter().find(|c| match &si.sid {
            SignerId::IssuerSerial { issuer, serial } => {
                c.issuer.as_slice() == *issuer
                    && asn1::uint_bytes(&c.serial) == asn1::uint_bytes(serial)
            }
            SignerId::KeyId(k) => c.ski.as_deref() == Some(*k),
        })?;
        let problem = || match algs::scheme(&si.sig_alg) {
            Ok(s) => match algs::verify(&signer.spki, s, Some(dalg), &tbs, &si.signature) {
                Check::Good => None,
                Check::Bad => Some(Reason::new(ReasonCode::SignatureInvalid, None)),
                Check::Unsupported(d) => Some(Reason::new(
                    ReasonCode::UnsupportedSignatureAlgorithm,
                    Some(d),
                )),
            },
            Err(d) => Some(Reason::new(
                ReasonCode::UnsupportedSignatureAlgorithm,
                Some(d),
            )),
        };
        // Without a Verifier cache (a cold check of the whole chain), the signer's
        // links are checked on a thread of their own beside the signature value and
        // the content digest; their results join this call's memo.
        if big && !cfg!(target_arch = "wasm32") && !cache::verifier_installed() {
            let (problem, more) = std::thread::scope(|scope| {
                let forked = std::thread::Builder::new()
                    .spawn_scoped(scope, || cache::within_call_links(|| then(signer)));
                let problem = problem();
                let more = match forked.map(|h| h.join()) {
                    Ok(Ok((more, links))) => {
                        cache::absorb(links);
                        more
                    }
                    // The thread could not start (or died): do it here.
                    _ => then(signer),
                };
                (problem, more)
            });
            return Some((signer, problem, more));
        }
        let problem = problem();
        let more = then(signer);
        Some((signer, problem, more))
    };
    let (content_digest, signed) = match early {
        Some(rx) if has_attrs => {
            let signed = meanwhile();
            (
                Some(rx.recv().unwrap_or_else(|_| dalg.hash(content))),
                signed,
            )
        }
        _ => crate::digest::join_beside(has_attrs && big, job, meanwhile),
    };
    if let Some(digest) = content_digest {
        match si.signed(cms::OID_MESSAGE_DIGEST) {
            Some(md) if md.content == digest.as_slice() => {}
            Some(_) => reasons.push(Reason::new(ReasonCode::DigestMismatch, None)),
            None => reasons.push(Reason::new(
                ReasonCode::CmsAttributeMissing,
                Some("message-digest".into()),
            )),
        }
        if let Some(ct) = si.signed(cms::OID_CONTENT_TYPE)
            && asn1::oid_string(ct.content) != content_type
        {
            reasons.push(Reason::new(
                ReasonCode::CmsContentTypeMismatch,
                Some(asn1::oid_string(ct.content)),
            ));
        }
    }
    let Some((signer, problem, more)) = signed else {
        reasons.push(Reason::new(ReasonCode::SignerCertificateMissing, None));
        return None;
    };
    reasons.extend(problem);
    Some((signer.clone(), more))
}

#[cfg(test)]
mod tests {
    use super::byte_range_hint;

    #[test]
    fn byte_range_hint_reads_the_last_range_inside_the_file() {
        let mut f = b"%PDF-1.7 /ByteRange [0 1 2 3] ".to_vec();
        f.extend_from_slice(b"<< /ByteRange [0 10 20 5       ] /Contents <00> >>");
        f.resize(64, b' ');
        assert_eq!(byte_range_hint(&f), Some([0, 10, 20, 5]));
        // Beyond the file, overlapping, malformed, absent: no guess.
        assert_eq!(byte_range_hint(b"/ByteRange [0 10 20 50]"), None);
        assert_eq!(byte_range_hint(b"/ByteRange [0 10 5 1] ............"), None);
        assert_eq!(
            byte_range_hint(b"/ByteRange [0 1 2] ................"),
            None
        );
        assert_eq!(
            byte_range_hint(b"/ByteRange [0 1 2 -3] ............."),
            None
        );
        assert_eq!(
            byte_range_hint(b"/ByteRange [0 1 2 99999999999999999999]"),
            None
        );
        assert_eq!(byte_range_hint(b"no range here"), None);
    }
}
