//! Long-term validation on the verifier side: RFC 3161 time-stamp tokens
//! (signature, imprint, nonce, TSA key purpose and chain) and the times at
//! which certificates are validated (point-in-time validation with proofs
//! of existence from time-stamps).

use super::algs::DigestAlg;
use super::asn1::{self, tag};
use super::cert::{self, Cert, PathLimits};
use super::cms;
use super::report::{Reason, ReasonCode, Severity};
use super::{VerifyError, VerifyOptions};

/// id-kp-timeStamping.
pub(crate) const OID_KP_TIME_STAMPING: &str = "1.3.6.1.5.5.7.3.8";

/// What a cryptographically checked time-stamp token says.
#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub gen_time: Option<i64>,
    pub nonce: Option<Vec<u8>>,
    pub imprint_alg: Option<DigestAlg>,
    pub imprint_oid: String,
    pub imprint: Vec<u8>,
    pub tsa: Cert,
    /// Certificates of the token plus the caller's pool.
    pub pool: Vec<Cert>,
}

/// Decode `token` (a ContentInfo with SignedData over TSTInfo) and check
/// its signature and message digest. The imprint is not compared here.
pub(crate) fn parse_token(token: &[u8], extra_pool: &[Cert]) -> Result<Token, Reason> {
    let malformed = |d: &str| Reason::new(ReasonCode::TimestampMalformed, Some(d.to_owned()));
    let sd = cms::parse(token).map_err(|e| malformed(e.0))?;
    let ec = sd
        .econtent
        .as_deref()
        .filter(|_| sd.econtent_type == cms::OID_TST_INFO)
        .ok_or_else(|| malformed("no TSTInfo"))?;
    let tst = cms::parse_tst_info(ec).map_err(|e| malformed(e.0))?;
    let nonce = tst_nonce(ec);
    let [si] = sd.signer_infos.as_slice() else {
        return Err(malformed("time-stamp token must have one signer"));
    };
    let dalg = DigestAlg::from_oid(&si.digest_alg.oid).ok_or_else(|| {
        Reason::new(
            ReasonCode::UnsupportedDigestAlgorithm,
            Some(si.digest_alg.oid.clone()),
        )
    })?;
    let mut pool: Vec<Cert> = sd
        .certificates
        .iter()
        .filter_map(|c| Cert::parse(c).ok())
        .collect();
    pool.extend(extra_pool.iter().cloned());
    let mut rs = Vec::new();
    let tsa = super::check_signer(
        &sd,
        si,
        dalg,
        cms::OID_TST_INFO,
        &[ec],
        &pool,
        &mut rs,
        None,
        |_| (),
    )
    .map(|(c, ())| c);
    if let Some(r) = rs
        .into_iter()
        .max_by_key(|r| r.severity)
        .filter(|r| r.severity != Severity::Info)
    {
        return Err(Reason::with_severity(
            r.code,
            r.severity,
            Some(format!("time-stamp token: {}", r.code.code())),
        ));
    }
    let tsa = tsa.ok_or_else(|| Reason::new(ReasonCode::SignerCertificateMissing, None))?;
    Ok(Token {
        gen_time: tst.gen_time,
        nonce,
        imprint_alg: DigestAlg::from_oid(&tst.imprint_alg.oid),
        imprint_oid: tst.imprint_alg.oid.clone(),
        imprint: tst.imprint,
        tsa,
        pool,
    })
}

/// The nonce of a TSTInfo, if any (after the optional accuracy and ordering).
fn tst_nonce(der: &[u8]) -> Option<Vec<u8>> {
    let seq = asn1::first(der).ok()?;
    let mut r = seq.children();
    for _ in 0..5 {
        // version, policy, messageImprint, serialNumber, genTime
        r.next().ok()??;
    }
    while let Ok(Some(t)) = r.next() {
        match t.tag {
            tag::SEQUENCE | tag::BOOLEAN => continue,
            tag::INTEGER => return Some(asn1::uint_bytes(t.content).to_vec()),
            _ => return None,
        }
    }
    None
}

/// Reasons why `tsa` cannot be trusted as a time-stamping authority at `at`:
/// key purpose (extKeyUsage critical, timeStamping only) and the chain.
pub(crate) fn tsa_reasons(
    tsa: &Cert,
    pool: &[Cert],
    anchors: &[Cert],
    at: i64,
    limits: PathLimits,
) -> Vec<Reason> {
    let mut out = Vec::new();
    match &tsa.eku {
        Some((true, p)) if p.len() == 1 && p[0] == OID_KP_TIME_STAMPING => {}
        Some((critical, p)) => out.push(Reason::with_severity(
            ReasonCode::TimestampNotTrusted,
            Severity::Indeterminate,
            Some(format!(
                "TSA extKeyUsage must be critical and timeStamping only (critical={critical}, {p:?})"
            )),
        )),
        None => out.push(Reason::with_severity(
            ReasonCode::TimestampNotTrusted,
            Severity::Indeterminate,
            Some("TSA certificate has no extKeyUsage".into()),
        )),
    }
    out.extend(cert::validate_path(tsa, pool, anchors, at, limits, false));
    out
}

/// Whether `reasons` leave the subject trusted (nothing above Info).
pub(crate) fn all_info(reasons: &[Reason]) -> bool {
    reasons.iter().all(|r| r.severity == Severity::Info)
}

/// Result of [`verify_timestamp_token`].
#[derive(Debug, Clone, serde::Serialize)]
#[non_exhaustive]
pub struct TimestampTokenReport {
    /// Valid, indeterminate (e.g. untrusted TSA) or invalid (bad signature, wrong imprint).
    pub status: super::Status,
    /// genTime, Unix seconds.
    pub gen_time: Option<i64>,
    /// The TSTInfo nonce (big-endian unsigned bytes), if any.
    #[serde(skip)]
    pub nonce: Option<Vec<u8>>,
    /// OID of the imprint's hash algorithm.
    pub imprint_algorithm: Option<String>,
    /// The hashed message the token stamps.
    #[serde(skip)]
    pub imprint: Vec<u8>,
    /// Subject of the TSA certificate.
    pub tsa_subject: Option<String>,
    /// DER of the TSA certificate.
    #[serde(skip)]
    pub tsa_certificate: Option<Vec<u8>>,
    /// DER of the other certificates carried in the token.
    #[serde(skip)]
    pub certificates: Vec<Vec<u8>>,
    /// Findings.
    pub reasons: Vec<Reason>,
}

/// Check an RFC 3161 time-stamp token on its own: its signature, that its
/// imprint is the hash of `data` (when given; otherwise compare
/// [`TimestampTokenReport::imprint`] yourself), the TSA's key purpose, and
/// the TSA chain at `opts.at` (without trust anchors it is reported as
/// untrusted, indeterminate).
pub fn verify_timestamp_token(
    token: &[u8],
    data: Option<&[u8]>,
    opts: &VerifyOptions,
) -> Result<TimestampTokenReport, VerifyError> {
    if token.len() > opts.limits.max_cms_size {
        return Err(VerifyError::TooLarge {
            size: token.len(),
            max: opts.limits.max_cms_size,
        });
    }
    let mut report = TimestampTokenReport {
        status: super::Status::Indeterminate,
        gen_time: None,
        nonce: None,
        imprint_algorithm: None,
        imprint: Vec::new(),
        tsa_subject: None,
        tsa_certificate: None,
        certificates: Vec::new(),
        reasons: Vec::new(),
    };
    match parse_token(token, &[]) {
        Err(r) => report.reasons.push(r),
        Ok(t) => {
            report.gen_time = t.gen_time;
            report.nonce = t.nonce.clone();
            report.imprint = t.imprint.clone();
            report.imprint_algorithm = Some(t.imprint_oid.clone());
            report.tsa_subject = Some(cert::name_text(&t.tsa.subject));
            report.tsa_certificate = Some(t.tsa.der.clone());
            report.certificates = t
                .pool
                .iter()
                .filter(|c| c.der != t.tsa.der)
                .map(|c| c.der.clone())
                .collect();
            match (t.imprint_alg, data) {
                (_, None) => {}
                (Some(h), Some(data)) if h.hash(&[data]) == t.imprint => {}
                (Some(_), Some(_)) => report
                    .reasons
                    .push(Reason::new(ReasonCode::TimestampImprintMismatch, None)),
                (None, Some(_)) => report.reasons.push(Reason::new(
                    ReasonCode::UnsupportedDigestAlgorithm,
                    Some("time-stamp imprint".into()),
                )),
            }
            let anchors: Vec<Cert> = opts
                .trust_anchors
                .iter()
                .filter_map(|d| Cert::parse(d).ok())
                .collect();
            let limits = PathLimits {
                max_depth: opts.limits.max_chain_depth,
            };
            report
                .reasons
                .extend(tsa_reasons(&t.tsa, &t.pool, &anchors, opts.at, limits));
            if all_info(&report.reasons) {
                report
                    .reasons
                    .push(Reason::new(ReasonCode::TimestampValid, None));
            }
        }
    }
    report
        .reasons
        .sort_by_key(|r| std::cmp::Reverse(r.severity));
    report.status = super::report::status_of(&report.reasons);
    Ok(report)
}

/// A document time-stamp whose time is trusted: it proves that the first
/// `covers` bytes of the file existed at `time`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ProofOfExistence {
    pub covers: usize,
    pub time: i64,
}

/// The trusted document time-stamps of a file, latest first. Each is
/// validated at the time proven by the next later trusted one (or at `at`).
pub(crate) fn document_timestamp_proofs(
    bytes: &[u8],
    sigs: &[super::pdf::SigDict],
    anchors: &[Cert],
    dss: &[Cert],
    at: i64,
    limits: PathLimits,
) -> Vec<ProofOfExistence> {
    let mut cands: Vec<(usize, [usize; 4], &[u8])> = sigs
        .iter()
        .filter(|s| s.is_doc_timestamp)
        .filter_map(|s| {
            let b = s.byte_range.as_ref()?;
            let br = [
                usize::try_from(*b.first()?).ok()?,
                usize::try_from(*b.get(1)?).ok()?,
                usize::try_from(*b.get(2)?).ok()?,
                usize::try_from(*b.get(3)?).ok()?,
            ];
            let end = br[2].checked_add(br[3])?;
            (br[0] == 0 && br[1] <= br[2] && end <= bytes.len()).then_some((
                end,
                br,
                s.contents.as_deref()?,
            ))
        })
        .collect();
    cands.sort_by_key(|c| std::cmp::Reverse(c.0));
    let mut out: Vec<ProofOfExistence> = Vec::new();
    for (end, br, contents) in cands {
        let Ok(t) = parse_token(contents, dss) else {
            continue;
        };
        let Some(h) = t.imprint_alg else { continue };
        let parts: [&[u8]; 2] = [&bytes[..br[1]], &bytes[br[2]..end]];
        if super::external::digest(h, &parts, Some(&t.imprint)) != t.imprint {
            continue;
        }
        let Some(gen_time) = t.gen_time else { continue };
        let check_at = out
            .iter()
            .filter(|p| p.covers > end)
            .map(|p| p.time)
            .min()
            .unwrap_or(at)
            .min(at);
        if all_info(&tsa_reasons(&t.tsa, &t.pool, anchors, check_at, limits)) {
            out.push(ProofOfExistence {
                covers: end,
                time: gen_time,
            });
        }
    }
    out
}

/// The earliest time at which the first `end` bytes are proven to exist
/// (by a trusted document time-stamp covering more than them), capped at `at`.
pub(crate) fn existence_time(proofs: &[ProofOfExistence], end: usize, at: i64) -> i64 {
    proofs
        .iter()
        .filter(|p| p.covers > end)
        .map(|p| p.time)
        .min()
        .unwrap_or(at)
        .min(at)
}
