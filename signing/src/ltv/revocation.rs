//! Revocation-data collection for B-LT: OCSP requests (RFC 6960, `der`
//! derives) to the responders named in each certificate's AIA, CRL
//! downloads from its CRL distribution points, and the checks of what comes
//! back (responder signature, nonce, freshness, revoked or not).

use std::sync::Arc;

use der::asn1::OctetString;
use der::{Any, Decode, Encode, Sequence};
use sha1::Digest as _;
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{AuthorityInfoAccessSyntax, CrlDistributionPoints};
use x509_cert::ext::{Extension, Extensions};
use x509_cert::serial_number::SerialNumber;

use super::LtvError;
use super::http::{HttpTransport, Transport};
use super::tsp::now_unix;
use crate::verify::revocation::{Fetched, check_fetched_crl, check_fetched_ocsp};

/// id-pkix-ocsp-nonce.
pub const ID_PKIX_OCSP_NONCE: der::oid::ObjectIdentifier =
    der::oid::ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.2");
/// id-ad-ocsp.
const ID_AD_OCSP: der::oid::ObjectIdentifier =
    der::oid::ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1");
/// id-sha1.
const ID_SHA1: der::oid::ObjectIdentifier = der::oid::ObjectIdentifier::new_unwrap("1.3.14.3.2.26");

/// `CertID` (RFC 6960 §4.1.1).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct CertId {
    /// Hash of the issuer name and key.
    pub hash_algorithm: AlgorithmIdentifierOwned,
    /// Hash of the issuer's DN.
    pub issuer_name_hash: OctetString,
    /// Hash of the issuer's public key bits.
    pub issuer_key_hash: OctetString,
    /// Serial number of the certificate asked about.
    pub serial_number: SerialNumber,
}

/// `Request`.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct OcspSingleRequest {
    /// Which certificate.
    pub req_cert: CertId,
    /// Extensions.
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub single_request_extensions: Option<Extensions>,
}

/// `TBSRequest`.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct TbsRequest {
    /// v1 = 0 (DEFAULT, omitted).
    #[asn1(
        context_specific = "0",
        tag_mode = "EXPLICIT",
        default = "Default::default"
    )]
    pub version: u8,
    /// Requestor.
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    pub requestor_name: Option<GeneralName>,
    /// Requests.
    pub request_list: Vec<OcspSingleRequest>,
    /// Extensions (the nonce).
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT", optional = "true")]
    pub request_extensions: Option<Extensions>,
}

/// `OCSPRequest` (unsigned).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct OcspRequest {
    /// The request.
    pub tbs_request: TbsRequest,
    /// Signature (unused).
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub optional_signature: Option<Any>,
}

fn public_key_bits(c: &Certificate) -> Vec<u8> {
    c.tbs_certificate()
        .subject_public_key_info()
        .subject_public_key
        .raw_bytes()
        .to_vec()
}

/// Build an OCSP request for `cert` issued by `issuer` with `nonce`.
pub fn ocsp_request(
    cert: &Certificate,
    issuer: &Certificate,
    nonce: &[u8],
) -> Result<Vec<u8>, LtvError> {
    let name = issuer
        .tbs_certificate()
        .subject()
        .to_der()
        .map_err(LtvError::der)?;
    let id = CertId {
        hash_algorithm: AlgorithmIdentifierOwned {
            oid: ID_SHA1,
            parameters: None,
        },
        issuer_name_hash: OctetString::new(sha1::Sha1::digest(&name).to_vec())
            .map_err(LtvError::der)?,
        issuer_key_hash: OctetString::new(sha1::Sha1::digest(public_key_bits(issuer)).to_vec())
            .map_err(LtvError::der)?,
        serial_number: cert.tbs_certificate().serial_number().clone(),
    };
    let nonce_ext = Extension {
        extn_id: ID_PKIX_OCSP_NONCE,
        critical: false,
        extn_value: OctetString::new(
            OctetString::new(nonce)
                .map_err(LtvError::der)?
                .to_der()
                .map_err(LtvError::der)?,
        )
        .map_err(LtvError::der)?,
    };
    OcspRequest {
        tbs_request: TbsRequest {
            version: 0,
            requestor_name: None,
            request_list: vec![OcspSingleRequest {
                req_cert: id,
                single_request_extensions: None,
            }],
            request_extensions: Some(vec![nonce_ext]),
        },
        optional_signature: None,
    }
    .to_der()
    .map_err(LtvError::der)
}

/// http:// URLs of a certificate's OCSP responders (AIA).
pub fn ocsp_urls(cert: &Certificate) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(Some((_, aia))) = cert
        .tbs_certificate()
        .get_extension::<AuthorityInfoAccessSyntax>()
    {
        for ad in aia.0 {
            if ad.access_method == ID_AD_OCSP
                && let GeneralName::UniformResourceIdentifier(u) = ad.access_location
            {
                out.push(u.to_string());
            }
        }
    }
    out
}

/// URLs of a certificate's CRL distribution points.
pub fn crl_urls(cert: &Certificate) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(Some((_, dps))) = cert
        .tbs_certificate()
        .get_extension::<CrlDistributionPoints>()
    {
        for dp in dps.0 {
            if let Some(DistributionPointName::FullName(names)) = dp.distribution_point {
                for n in names {
                    if let GeneralName::UniformResourceIdentifier(u) = n {
                        out.push(u.to_string());
                    }
                }
            }
        }
    }
    out
}

/// Certificates, OCSP responses and CRLs for a `/DSS` (all DER).
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct ValidationData {
    /// Certificates.
    pub certs: Vec<Vec<u8>>,
    /// Complete `OCSPResponse`s.
    pub ocsps: Vec<Vec<u8>>,
    /// CRLs.
    pub crls: Vec<Vec<u8>>,
}

impl ValidationData {
    fn add(list: &mut Vec<Vec<u8>>, x: Vec<u8>) {
        if !list.contains(&x) {
            list.push(x);
        }
    }
}

/// Responses already fetched and checked by a [`RevocationClient::with_cache`] client.
#[derive(Default)]
struct Cache {
    /// Good OCSP responses by certificate DER.
    ocsp: std::collections::HashMap<Vec<u8>, Vec<u8>>,
    /// CRLs (DER) by URL.
    crl: std::collections::HashMap<String, Vec<u8>>,
}

/// Fetches OCSP responses (preferred) and CRLs.
#[derive(Clone)]
pub struct RevocationClient {
    transport: Arc<dyn Transport>,
    cache: Option<Arc<std::sync::Mutex<Cache>>>,
    /// Also fetch CRLs when OCSP answered (default: only as a fallback).
    pub always_crl: bool,
    /// Strict OCSP (`saoy sign --ocsp`): a certificate that names an OCSP responder must get its
    /// answer from it; a failing responder is an error instead of a fallback to the CRL. (A
    /// certificate that names no responder is still covered by its CRL.)
    pub ocsp_only: bool,
    /// The responder must echo the nonce (default false: many responders
    /// serve pre-produced responses without one; freshness is still checked).
    pub require_nonce: bool,
    /// Clock tolerance, seconds.
    pub max_skew_secs: i64,
}

impl std::fmt::Debug for RevocationClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RevocationClient")
            .field("always_crl", &self.always_crl)
            .finish_non_exhaustive()
    }
}

impl Default for RevocationClient {
    fn default() -> Self {
        Self::new(Arc::new(HttpTransport::default()))
    }
}

impl RevocationClient {
    /// A client over `transport`.
    pub fn new(transport: Arc<dyn Transport>) -> Self {
        RevocationClient {
            transport,
            cache: None,
            always_crl: false,
            ocsp_only: false,
            require_nonce: false,
            max_skew_secs: 300,
        }
    }

    /// Strict OCSP: see [`RevocationClient::ocsp_only`].
    pub fn ocsp_only(mut self, on: bool) -> Self {
        self.ocsp_only = on;
        self
    }

    /// Reuse the responses this client (and its clones) fetched: one OCSP
    /// request per certificate and one download per CRL URL for the client's
    /// lifetime. Meant for a batch (`saoy extend` over many copies signed by
    /// the same agency certificate), not for a long-lived service: the
    /// responses are checked when fetched and not refreshed afterwards.
    /// Ignored for OCSP when [`RevocationClient::require_nonce`] is set.
    pub fn with_cache(mut self) -> Self {
        self.cache = Some(Arc::default());
        self
    }

    fn cached_ocsp(&self, cert_der: &[u8]) -> Option<Vec<u8>> {
        if self.require_nonce {
            return None;
        }
        let c = self.cache.as_ref()?.lock().ok()?;
        c.ocsp.get(cert_der).cloned()
    }

    fn cached_crl(&self, url: &str) -> Option<Vec<u8>> {
        let c = self.cache.as_ref()?.lock().ok()?;
        c.crl.get(url).cloned()
    }

    fn remember(&self, f: impl FnOnce(&mut Cache)) {
        if let Some(c) = &self.cache
            && let Ok(mut c) = c.lock()
        {
            f(&mut c);
        }
    }

    /// Ask the responders in `cert`'s AIA; Ok(None) when it names none.
    fn ocsp(&self, cert: &Certificate, issuer: &Certificate) -> Result<Option<Vec<u8>>, LtvError> {
        let cert_der = cert.to_der().map_err(LtvError::der)?;
        if let Some(r) = self.cached_ocsp(&cert_der) {
            return Ok(Some(r));
        }
        let issuer_der = issuer.to_der().map_err(LtvError::der)?;
        let mut last = None;
        for url in ocsp_urls(cert) {
            let mut nonce = [0u8; 16];
            getrandom::fill(&mut nonce).map_err(|e| LtvError::Internal {
                detail: format!("random nonce: {e}"),
            })?;
            let req = ocsp_request(cert, issuer, &nonce)?;
            let resp = match self.transport.post(&url, "application/ocsp-request", &req) {
                Ok(r) => r,
                Err(e) => {
                    last = Some(e);
                    continue;
                }
            };
            match check_fetched_ocsp(
                &resp,
                &cert_der,
                &issuer_der,
                Some(&nonce),
                self.require_nonce,
                now_unix(),
                self.max_skew_secs,
            ) {
                Ok(Fetched::Good) => {
                    self.remember(|c| {
                        c.ocsp.insert(cert_der.clone(), resp.clone());
                    });
                    return Ok(Some(resp));
                }
                Ok(Fetched::Revoked(_)) => {
                    return Err(LtvError::Revoked {
                        subject: cert.tbs_certificate().subject().to_string(),
                    });
                }
                Ok(Fetched::Unknown) => {
                    last = Some(LtvError::BadResponse {
                        url,
                        detail: "OCSP status unknown".into(),
                    })
                }
                Err("nonce mismatch") => last = Some(LtvError::NonceMismatch { url }),
                Err(d) => {
                    last = Some(LtvError::BadResponse {
                        url,
                        detail: d.into(),
                    })
                }
            }
        }
        match last {
            Some(e) => Err(e),
            None => Ok(None),
        }
    }

    fn crl(&self, cert: &Certificate, issuer: &Certificate) -> Result<Option<Vec<u8>>, LtvError> {
        let cert_der = cert.to_der().map_err(LtvError::der)?;
        let issuer_der = issuer.to_der().map_err(LtvError::der)?;
        let mut last = None;
        for url in crl_urls(cert) {
            if let Some(der) = self.cached_crl(&url)
                && !matches!(
                    check_fetched_crl(&der, &cert_der, &issuer_der, now_unix(), self.max_skew_secs),
                    Ok(Fetched::Revoked(_)) | Err(_)
                )
            {
                return Ok(Some(der));
            }
            let body = match self.transport.get(&url) {
                Ok(b) => b,
                Err(e) => {
                    last = Some(e);
                    continue;
                }
            };
            // Some repositories serve PEM.
            let der = if body.starts_with(b"-----BEGIN") {
                match der::pem::decode_vec(&body) {
                    Ok((_, d)) => d,
                    Err(e) => {
                        last = Some(LtvError::BadResponse {
                            url,
                            detail: e.to_string(),
                        });
                        continue;
                    }
                }
            } else {
                body
            };
            match check_fetched_crl(&der, &cert_der, &issuer_der, now_unix(), self.max_skew_secs) {
                Ok(Fetched::Revoked(_)) => {
                    return Err(LtvError::Revoked {
                        subject: cert.tbs_certificate().subject().to_string(),
                    });
                }
                Ok(_) => {
                    self.remember(|c| {
                        c.crl.insert(url.clone(), der.clone());
                    });
                    return Ok(Some(der));
                }
                Err(d) => {
                    last = Some(LtvError::BadResponse {
                        url,
                        detail: d.into(),
                    })
                }
            }
        }
        match last {
            Some(e) => Err(e),
            None => Ok(None),
        }
    }

    /// Revocation data for every non-self-signed certificate on the chains
    /// of `leaves`, built from `pool`. A revoked certificate is an error; a
    /// certificate with neither a working OCSP responder nor a CRL is
    /// [`LtvError::NoRevocationData`].
    pub fn collect(
        &self,
        leaves: &[Vec<u8>],
        pool: &[Vec<u8>],
    ) -> Result<ValidationData, LtvError> {
        let parse = |d: &[u8]| {
            Certificate::from_der(d).map_err(|e| LtvError::Internal {
                detail: format!("certificate: {e}"),
            })
        };
        let pool: Vec<Certificate> = pool.iter().filter_map(|d| parse(d).ok()).collect();
        let mut data = ValidationData::default();
        let mut done: Vec<Vec<u8>> = Vec::new();
        for leaf in leaves {
            let mut cur = parse(leaf)?;
            for _ in 0..10 {
                let cur_der = cur.to_der().map_err(LtvError::der)?;
                ValidationData::add(&mut data.certs, cur_der.clone());
                let tbs = cur.tbs_certificate();
                if tbs.subject() == tbs.issuer() {
                    break;
                }
                let Some(issuer) = pool
                    .iter()
                    .find(|c| c.tbs_certificate().subject() == tbs.issuer() && **c != cur)
                    .cloned()
                else {
                    return Err(LtvError::NoRevocationData {
                        subject: tbs.subject().to_string(),
                        detail: "issuer certificate not available".into(),
                    });
                };
                if !done.contains(&cur_der) {
                    done.push(cur_der);
                    let ocsp = self.ocsp(&cur, &issuer);
                    let got_ocsp = match ocsp {
                        Ok(Some(r)) => {
                            ValidationData::add(&mut data.ocsps, r);
                            true
                        }
                        Err(e @ LtvError::Revoked { .. }) => return Err(e),
                        Ok(None) => false,
                        Err(e) if self.ocsp_only || crl_urls(&cur).is_empty() => return Err(e),
                        Err(_) => false,
                    };
                    if !got_ocsp || self.always_crl {
                        match self.crl(&cur, &issuer)? {
                            Some(c) => ValidationData::add(&mut data.crls, c),
                            None if !got_ocsp => {
                                return Err(LtvError::NoRevocationData {
                                    subject: tbs.subject().to_string(),
                                    detail: "no OCSP responder and no CRL distribution point"
                                        .into(),
                                });
                            }
                            None => {}
                        }
                    }
                }
                cur = issuer;
            }
        }
        Ok(data)
    }
}
