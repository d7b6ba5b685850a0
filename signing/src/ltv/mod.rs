//! Long-term validation on the signing side: PAdES B-T (RFC 3161 signature
//! time-stamp), B-LT (`/DSS` with certificates, OCSP responses and CRLs in
//! an incremental update) and B-LTA (document time-stamp), and the archive
//! renewal of already-signed PDFs.
//!
//! Network access goes through [`Transport`] (default: [`HttpTransport`],
//! plain HTTP with timeouts). Failures are typed ([`LtvError`]); a caller
//! that allows it ([`LtvOptions::allow_downgrade`]) gets a B-B signature
//! instead of an error when the TSA is unusable. Nothing here writes files:
//! every function returns the complete new PDF or an error, so a half-written
//! PDF cannot happen.

mod dss;
mod http;
mod revocation;
#[cfg(test)]
mod testkit;
#[cfg(test)]
mod tests;
mod tsp;

use std::sync::Arc;

pub use dss::{DOC_TIMESTAMP_RESERVE, add_document_timestamp, add_dss, vri_key};
pub use http::{HttpTransport, MAX_RESPONSE, Transport};
pub use revocation::{
    CertId, ID_PKIX_OCSP_NONCE, OcspRequest, OcspSingleRequest, RevocationClient, TbsRequest,
    ValidationData, crl_urls, ocsp_request, ocsp_urls,
};
pub use tsp::{
    Accuracy, MessageImprint, PkiStatusInfo, TimeStampReq, TimeStampResp, TimestampToken,
    TsaClient, TstInfo,
};

use der::Encode;
use der::asn1::SetOfVec;
use der::{Any, Decode};

use crate::sign::{CmsSigner, PreparedSignature, SignError, SignOptions};

/// id-aa-signatureTimeStampToken.
pub const ID_AA_SIGNATURE_TIME_STAMP_TOKEN: der::oid::ObjectIdentifier =
    der::oid::ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.14");

/// Errors of time-stamping, revocation-data collection and LTV updates.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LtvError {
    /// The URL is not a supported `http://` URL.
    #[error("unsupported URL {url}: {detail}")]
    UnsupportedUrl {
        /// The URL.
        url: String,
        /// Why.
        detail: String,
    },
    /// Connecting failed (refused, no route, DNS).
    #[error("{url} is unreachable: {detail}")]
    Unreachable {
        /// The URL.
        url: String,
        /// The I/O error.
        detail: String,
    },
    /// The peer did not answer in time.
    #[error("{url} timed out")]
    Timeout {
        /// The URL.
        url: String,
    },
    /// The peer answered with an HTTP status other than 200.
    #[error("{url} answered HTTP {status}")]
    HttpStatus {
        /// The URL.
        url: String,
        /// HTTP status.
        status: u16,
    },
    /// The answer is not what the protocol says (garbage, truncated, wrong type).
    #[error("bad response from {url}: {detail}")]
    BadResponse {
        /// The URL.
        url: String,
        /// Why.
        detail: String,
    },
    /// The TSA refused the request (PKIStatus ≥ 2).
    #[error("the TSA at {url} rejected the request (PKIStatus {status})")]
    Rejected {
        /// The URL.
        url: String,
        /// PKIStatus.
        status: u8,
    },
    /// The token's signature or imprint is wrong.
    #[error("the time-stamp token from {url} is invalid: {detail}")]
    BadToken {
        /// The URL.
        url: String,
        /// Why.
        detail: String,
    },
    /// The token's nonce is not the request's.
    #[error("the time-stamp token from {url} does not echo our nonce")]
    NonceMismatch {
        /// The URL.
        url: String,
    },
    /// The TSA certificate is not a usable time-stamping certificate (key purpose, validity, chain).
    #[error("the TSA at {url} is not trusted: {detail}")]
    TsaNotTrusted {
        /// The URL.
        url: String,
        /// Why.
        detail: String,
    },
    /// genTime is too far from the local clock.
    #[error("the time-stamp from {url} is {skew_secs} s away from the local clock")]
    TimeSkew {
        /// The URL.
        url: String,
        /// genTime minus local time.
        skew_secs: i64,
    },
    /// A certificate was reported revoked.
    #[error("certificate {subject} is revoked")]
    Revoked {
        /// Subject of the revoked certificate.
        subject: String,
    },
    /// No revocation data could be obtained for a certificate.
    #[error("no revocation data for {subject}: {detail}")]
    NoRevocationData {
        /// The certificate subject.
        subject: String,
        /// Why.
        detail: String,
    },
    /// An option combination is not usable.
    #[error("invalid option {option}: {detail}")]
    InvalidOption {
        /// The option.
        option: &'static str,
        /// Why.
        detail: String,
    },
    /// Signing (or preparing the PDF) failed.
    #[error(transparent)]
    Sign(#[from] SignError),
    /// An encoding step failed.
    #[error("internal error: {detail}")]
    Internal {
        /// Why.
        detail: String,
    },
}

impl LtvError {
    /// Stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnsupportedUrl { .. } => "ltv_unsupported_url",
            Self::Unreachable { .. } => "ltv_unreachable",
            Self::Timeout { .. } => "ltv_timeout",
            Self::HttpStatus { .. } => "ltv_http_status",
            Self::BadResponse { .. } => "ltv_bad_response",
            Self::Rejected { .. } => "ltv_tsa_rejected",
            Self::BadToken { .. } => "ltv_bad_token",
            Self::NonceMismatch { .. } => "ltv_nonce_mismatch",
            Self::TsaNotTrusted { .. } => "ltv_tsa_not_trusted",
            Self::TimeSkew { .. } => "ltv_time_skew",
            Self::Revoked { .. } => "ltv_revoked",
            Self::NoRevocationData { .. } => "ltv_no_revocation_data",
            Self::InvalidOption { .. } => "ltv_invalid_option",
            Self::Sign(e) => e.code(),
            Self::Internal { .. } => "ltv_internal",
        }
    }

    pub(crate) fn der(e: der::Error) -> Self {
        LtvError::Internal {
            detail: e.to_string(),
        }
    }

    /// Whether the error comes from a network peer (TSA/OCSP/CRL), i.e. one
    /// a downgrade to B-B may cover.
    pub fn is_peer_failure(&self) -> bool {
        !matches!(
            self,
            Self::Sign(_)
                | Self::InvalidOption { .. }
                | Self::Internal { .. }
                | Self::Revoked { .. }
        )
    }
}

/// The PAdES baseline level to sign at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Level {
    /// B-B: no time-stamp.
    BB,
    /// B-T: signature time-stamp.
    BT,
    /// B-LT: B-T plus validation data in `/DSS`.
    BLt,
    /// B-LTA: B-LT plus a document time-stamp.
    BLta,
}

impl Level {
    /// `B-B`, `B-T`, `B-LT` or `B-LTA`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::BB => "B-B",
            Level::BT => "B-T",
            Level::BLt => "B-LT",
            Level::BLta => "B-LTA",
        }
    }
}

/// Options of [`sign_pdf_at_level`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct LtvOptions {
    /// Target level.
    pub level: Level,
    /// The TSA (required from B-T on).
    pub tsa: Option<TsaClient>,
    /// Sign at B-B when the TSA fails, or stop at B-T when revocation data
    /// cannot be had (the error is then returned beside the PDF).
    pub allow_downgrade: bool,
    /// Where OCSP responses and CRLs come from (B-LT, B-LTA); default: HTTP.
    pub revocation: Option<RevocationClient>,
}

impl LtvOptions {
    /// Sign at `level` with `tsa`.
    pub fn new(level: Level, tsa: Option<TsaClient>) -> Self {
        LtvOptions {
            level,
            tsa,
            allow_downgrade: false,
            revocation: None,
        }
    }

    /// Use this revocation client.
    pub fn revocation(mut self, r: RevocationClient) -> Self {
        self.revocation = Some(r);
        self
    }

    /// Allow an explicit downgrade to B-B when the TSA fails.
    pub fn allow_downgrade(mut self, yes: bool) -> Self {
        self.allow_downgrade = yes;
        self
    }
}

/// A signed PDF and the level reached.
#[derive(Debug)]
#[non_exhaustive]
pub struct LtvSigned {
    /// The complete signed PDF.
    pub pdf: Vec<u8>,
    /// The level reached.
    pub level: Level,
    /// Why the level is lower than asked (downgrade allowed by the caller).
    pub downgraded_because: Option<LtvError>,
}

/// Extra `/Contents` room for a time-stamp token and its certificates.
const TOKEN_RESERVE: usize = 12 * 1024;

fn reserve_for<S: CmsSigner + ?Sized>(signer: &S, options: &SignOptions) -> usize {
    options.contents_reserve.unwrap_or_else(|| {
        let certs: usize = std::iter::once(signer.certificate())
            .chain(signer.chain().iter())
            .map(|c| {
                c.encoded_len()
                    .ok()
                    .and_then(|l| usize::try_from(l).ok())
                    .unwrap_or(4096)
            })
            .sum();
        certs + 4096 + TOKEN_RESERVE
    })
}

/// Sign `pdf` at `ltv.level`: B-B, or B-T with a signature time-stamp from
/// the TSA.
pub fn sign_pdf_at_level<S: CmsSigner + ?Sized>(
    pdf: &[u8],
    signer: &S,
    options: &SignOptions,
    ltv: &LtvOptions,
) -> Result<LtvSigned, LtvError> {
    if ltv.level == Level::BB {
        return Ok(LtvSigned {
            pdf: crate::sign::sign_pdf(pdf, signer, options)?,
            level: Level::BB,
            downgraded_because: None,
        });
    }
    let Some(tsa) = &ltv.tsa else {
        return Err(LtvError::InvalidOption {
            option: "tsa",
            detail: format!("{} needs a TSA URL", ltv.level.as_str()),
        });
    };
    let options = options
        .clone()
        .contents_reserve(reserve_for(signer, options));
    let prepared = PreparedSignature::new(
        pdf,
        signer.certificate(),
        signer.chain(),
        signer.signature_algorithm()?,
        &options,
    )?;
    let sig = signer.sign_message(prepared.to_be_signed())?;
    let tsa = tsa.clone().with_digest(prepared.digest_algorithm());
    match tsa.timestamp(&sig) {
        Ok(token) => {
            let attr = signature_timestamp_attribute(&token.der)?;
            let signed = prepared.finish_with_unsigned_attributes(&sig, vec![attr])?;
            if ltv.level == Level::BT {
                return Ok(LtvSigned {
                    pdf: signed,
                    level: Level::BT,
                    downgraded_because: None,
                });
            }
            let rev = ltv.revocation.clone().unwrap_or_default();
            let with_dss = match collect_for(&signed, &rev).and_then(|d| add_dss(&signed, &d)) {
                Ok(p) => p,
                Err(e) if ltv.allow_downgrade && e.is_peer_failure() => {
                    return Ok(LtvSigned {
                        pdf: signed,
                        level: Level::BT,
                        downgraded_because: Some(e),
                    });
                }
                Err(e) => return Err(e),
            };
            if ltv.level == Level::BLt {
                return Ok(LtvSigned {
                    pdf: with_dss,
                    level: Level::BLt,
                    downgraded_because: None,
                });
            }
            match add_document_timestamp(&with_dss, &tsa, None) {
                Ok(p) => Ok(LtvSigned {
                    pdf: p,
                    level: Level::BLta,
                    downgraded_because: None,
                }),
                Err(e) if ltv.allow_downgrade && e.is_peer_failure() => Ok(LtvSigned {
                    pdf: with_dss,
                    level: Level::BLt,
                    downgraded_because: Some(e),
                }),
                Err(e) => Err(e),
            }
        }
        Err(e) if ltv.allow_downgrade && e.is_peer_failure() => Ok(LtvSigned {
            pdf: prepared.finish(&sig)?,
            level: Level::BB,
            downgraded_because: Some(e),
        }),
        Err(e) => Err(e),
    }
}

/// The unsigned attribute carrying a signature time-stamp token.
pub fn signature_timestamp_attribute(
    token_der: &[u8],
) -> Result<x509_cert::attr::Attribute, LtvError> {
    let mut values = SetOfVec::new();
    values
        .insert(Any::from_der(token_der).map_err(LtvError::der)?)
        .map_err(LtvError::der)?;
    Ok(x509_cert::attr::Attribute {
        oid: ID_AA_SIGNATURE_TIME_STAMP_TOKEN,
        values,
    })
}

/// Keep `Arc` in the public signature of [`TsaClient::with_transport`].
pub type SharedTransport = Arc<dyn Transport>;

/// Validation data (certificates, OCSP responses, CRLs) for every signature
/// and time-stamp in `pdf`.
pub fn collect_for(pdf: &[u8], rev: &RevocationClient) -> Result<ValidationData, LtvError> {
    let m = crate::verify::revocation::material(pdf, crate::sign::MAX_DECOMPRESSED_STREAM)
        .ok_or_else(|| {
            LtvError::Sign(SignError::MalformedPdf {
                detail: "cannot read the signatures".into(),
            })
        })?;
    if m.leaves.is_empty() {
        return Err(LtvError::InvalidOption {
            option: "pdf",
            detail: "the PDF has no signature to extend".into(),
        });
    }
    rev.collect(&m.leaves, &m.certs)
}

/// Renew the archive of a signed PDF (the registry's archive job): a new
/// `/DSS` update with current revocation data for every signature and
/// time-stamp in it, then a new document time-stamp over everything
/// (B-LT → B-LTA, or B-LTA → renewed B-LTA). Returns the complete new PDF.
pub fn extend_pdf(
    pdf: &[u8],
    tsa: &TsaClient,
    rev: &RevocationClient,
) -> Result<Vec<u8>, LtvError> {
    let data = collect_for(pdf, rev)?;
    let with_dss = add_dss(pdf, &data)?;
    add_document_timestamp(&with_dss, tsa, None)
}

/// Entry point of the `timestamp_response` fuzz target (`signing/fuzz`):
/// check a `TimeStampResp` as [`TsaClient::timestamp`] does after the HTTP
/// exchange, for a request over `data` with `nonce`. Not a stable API.
#[doc(hidden)]
pub fn fuzz_check_timestamp_response(
    resp: &[u8],
    data: &[u8],
    nonce: &[u8],
) -> Result<TimestampToken, LtvError> {
    tsp::check_response(
        "http://fuzz.invalid/",
        resp,
        data,
        nonce,
        &TsaClient::new("http://fuzz.invalid/"),
    )
}
