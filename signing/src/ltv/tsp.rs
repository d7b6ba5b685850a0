//! RFC 3161 time-stamping: request/response types (`der` derives), the
//! client (HTTP POST `application/timestamp-query`, nonce, certReq) and the
//! checks of the returned token (status, imprint, nonce, signature, TSA key
//! purpose, chain when trust anchors are given, genTime skew).

use std::sync::Arc;

use der::asn1::{GeneralizedTime, ObjectIdentifier, OctetString, Uint};
use der::{Any, Decode, Encode, Sequence};
use spki::AlgorithmIdentifierOwned;
use x509_cert::ext::Extensions;
use x509_cert::ext::pkix::name::GeneralName;

use super::LtvError;
use super::http::{HttpTransport, Transport};
use crate::digest::DigestAlgorithm;
use crate::verify::{ReasonCode, Status, VerifyOptions, verify_timestamp_token};

/// `MessageImprint ::= SEQUENCE { hashAlgorithm, hashedMessage }`.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct MessageImprint {
    /// Hash algorithm.
    pub hash_algorithm: AlgorithmIdentifierOwned,
    /// The hash.
    pub hashed_message: OctetString,
}

/// `TimeStampReq` (RFC 3161 §2.4.1).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct TimeStampReq {
    /// v1 = 1.
    pub version: u8,
    /// What to stamp.
    pub message_imprint: MessageImprint,
    /// Requested TSA policy.
    pub req_policy: Option<ObjectIdentifier>,
    /// Random nonce echoed in the TSTInfo.
    pub nonce: Option<Uint>,
    /// Ask the TSA to include its certificate.
    #[asn1(default = "Default::default")]
    pub cert_req: bool,
    /// Extensions.
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    pub extensions: Option<Extensions>,
}

/// `PKIStatusInfo` (RFC 3161 §2.4.2), with the free text kept raw.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct PkiStatusInfo {
    /// 0 granted, 1 grantedWithMods, 2 rejection, 3 waiting, 4 revocationWarning, 5 revocationNotification.
    pub status: u8,
    /// `PKIFreeText` (SEQUENCE OF UTF8String), raw.
    pub status_string: Option<Any>,
    /// `PKIFailureInfo` BIT STRING.
    pub fail_info: Option<der::asn1::BitString>,
}

/// `TimeStampResp` (RFC 3161 §2.4.2).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct TimeStampResp {
    /// Status.
    pub status: PkiStatusInfo,
    /// The token: a ContentInfo with SignedData over a TSTInfo.
    pub time_stamp_token: Option<Any>,
}

/// `Accuracy` (RFC 3161 §2.4.2).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct Accuracy {
    /// Seconds.
    pub seconds: Option<u32>,
    /// Milliseconds.
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    pub millis: Option<u16>,
    /// Microseconds.
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    pub micros: Option<u16>,
}

/// `TSTInfo` (RFC 3161 §2.4.2). Used to build tokens (tests, fixtures);
/// tokens from TSAs are read by the verifier's lenient reader (some TSAs
/// write fractional seconds, which strict DER decoding of `GeneralizedTime` refuses).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct TstInfo {
    /// v1 = 1.
    pub version: u8,
    /// TSA policy.
    pub policy: ObjectIdentifier,
    /// What was stamped.
    pub message_imprint: MessageImprint,
    /// Serial number.
    pub serial_number: Uint,
    /// Generation time.
    pub gen_time: GeneralizedTime,
    /// Accuracy.
    pub accuracy: Option<Accuracy>,
    /// Ordering.
    #[asn1(default = "Default::default")]
    pub ordering: bool,
    /// The request's nonce.
    pub nonce: Option<Uint>,
    /// TSA name.
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub tsa: Option<GeneralName>,
    /// Extensions.
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    pub extensions: Option<Extensions>,
}

/// A checked time-stamp token.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TimestampToken {
    /// DER of the token (ContentInfo).
    pub der: Vec<u8>,
    /// genTime, Unix seconds.
    pub gen_time: i64,
    /// TSA certificate subject.
    pub tsa_subject: String,
    /// TSA certificate and any other certificates in the token (DER).
    pub certificates: Vec<Vec<u8>>,
}

/// An RFC 3161 client.
#[derive(Clone)]
pub struct TsaClient {
    /// TSA URL (`http://`).
    pub url: String,
    /// Imprint hash (default SHA-256... overridden by signers to match their digest).
    pub digest: DigestAlgorithm,
    /// Requested policy.
    pub policy: Option<ObjectIdentifier>,
    /// Largest accepted difference between genTime and the local clock, seconds.
    pub max_skew_secs: i64,
    /// If non-empty, the TSA must chain to one of these (DER certificates).
    pub trust_anchors: Vec<Vec<u8>>,
    transport: Arc<dyn Transport>,
}

impl std::fmt::Debug for TsaClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TsaClient")
            .field("url", &self.url)
            .field("digest", &self.digest)
            .finish_non_exhaustive()
    }
}

impl TsaClient {
    /// A client for `url` over plain HTTP with 10 s timeouts, SHA-256 imprints.
    pub fn new(url: impl Into<String>) -> Self {
        TsaClient {
            url: url.into(),
            digest: DigestAlgorithm::Sha256,
            policy: None,
            max_skew_secs: 300,
            trust_anchors: Vec::new(),
            transport: Arc::new(HttpTransport::default()),
        }
    }

    /// Use another transport (timeouts, proxies, tests).
    pub fn with_transport(mut self, t: Arc<dyn Transport>) -> Self {
        self.transport = t;
        self
    }

    /// Require the TSA to chain to these DER certificates.
    pub fn with_trust_anchors(mut self, anchors: Vec<Vec<u8>>) -> Self {
        self.trust_anchors = anchors;
        self
    }

    /// Use `d` for the imprint.
    pub fn with_digest(mut self, d: DigestAlgorithm) -> Self {
        self.digest = d;
        self
    }

    /// Build a request for `data` with a fresh 8-byte nonce; returns (DER, nonce).
    pub fn request(&self, data: &[u8]) -> Result<(Vec<u8>, Vec<u8>), LtvError> {
        let mut nonce = [0u8; 8];
        getrandom::fill(&mut nonce).map_err(|e| LtvError::Internal {
            detail: format!("random nonce: {e}"),
        })?;
        nonce[0] &= 0x7f;
        nonce[0] |= 0x01;
        let req = TimeStampReq {
            version: 1,
            message_imprint: MessageImprint {
                hash_algorithm: self.digest.algorithm_identifier(),
                hashed_message: OctetString::new(self.digest.digest(data))
                    .map_err(LtvError::der)?,
            },
            req_policy: self.policy,
            nonce: Some(Uint::new(&nonce).map_err(LtvError::der)?),
            cert_req: true,
            extensions: None,
        };
        Ok((req.to_der().map_err(LtvError::der)?, nonce.to_vec()))
    }

    /// Time-stamp `data` (hashed with [`TsaClient::digest`]) and check the token.
    pub fn timestamp(&self, data: &[u8]) -> Result<TimestampToken, LtvError> {
        let (req, nonce) = self.request(data)?;
        let resp = self
            .transport
            .post(&self.url, "application/timestamp-query", &req)?;
        check_response(&self.url, &resp, data, &nonce, self)
    }
}

fn bad(url: &str, detail: impl Into<String>) -> LtvError {
    LtvError::BadResponse {
        url: url.to_owned(),
        detail: detail.into(),
    }
}

/// Check a `TimeStampResp` against the request's data and nonce.
pub(crate) fn check_response(
    url: &str,
    resp: &[u8],
    data: &[u8],
    nonce: &[u8],
    client: &TsaClient,
) -> Result<TimestampToken, LtvError> {
    let parsed =
        TimeStampResp::from_der(resp).map_err(|e| bad(url, format!("not a TimeStampResp: {e}")))?;
    if parsed.status.status > 1 {
        return Err(LtvError::Rejected {
            url: url.to_owned(),
            status: parsed.status.status,
        });
    }
    let token = parsed
        .time_stamp_token
        .ok_or_else(|| bad(url, "granted without a token"))?
        .to_der()
        .map_err(LtvError::der)?;
    let now = now_unix();
    let mut opts = VerifyOptions::new(now);
    for a in &client.trust_anchors {
        opts = opts
            .with_trust_anchor_der(a)
            .map_err(|e| LtvError::Internal {
                detail: format!("TSA trust anchor: {e}"),
            })?;
    }
    let report =
        verify_timestamp_token(&token, Some(data), &opts).map_err(|e| bad(url, e.to_string()))?;
    if report.status == Status::Invalid || report.tsa_certificate.is_none() {
        let detail = report
            .reasons
            .first()
            .map(|r| {
                format!(
                    "{}: {}",
                    r.code.code(),
                    r.detail.clone().unwrap_or_default()
                )
            })
            .unwrap_or_else(|| "invalid token".into());
        return Err(LtvError::BadToken {
            url: url.to_owned(),
            detail,
        });
    }
    if report.nonce.as_deref() != Some(crate_uint(nonce)) {
        return Err(LtvError::NonceMismatch {
            url: url.to_owned(),
        });
    }
    for r in &report.reasons {
        let fatal = match r.code {
            ReasonCode::TimestampNotTrusted => true,
            ReasonCode::UntrustedChain | ReasonCode::ChainTooDeep => {
                !client.trust_anchors.is_empty()
            }
            ReasonCode::CertExpired | ReasonCode::CertNotYetValid => true,
            _ => false,
        };
        if fatal {
            return Err(LtvError::TsaNotTrusted {
                url: url.to_owned(),
                detail: format!(
                    "{}: {}",
                    r.code.code(),
                    r.detail.clone().unwrap_or_default()
                ),
            });
        }
    }
    let gen_time = report
        .gen_time
        .ok_or_else(|| bad(url, "token without a readable genTime"))?;
    if (gen_time - now).abs() > client.max_skew_secs {
        return Err(LtvError::TimeSkew {
            url: url.to_owned(),
            skew_secs: gen_time - now,
        });
    }
    let mut certificates = Vec::new();
    if let Some(c) = report.tsa_certificate {
        certificates.push(c);
    }
    certificates.extend(report.certificates);
    Ok(TimestampToken {
        der: token,
        gen_time,
        tsa_subject: report.tsa_subject.unwrap_or_default(),
        certificates,
    })
}

fn crate_uint(b: &[u8]) -> &[u8] {
    let mut b = b;
    while b.len() > 1 && b[0] == 0 {
        b = &b[1..];
    }
    b
}

pub(crate) fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
