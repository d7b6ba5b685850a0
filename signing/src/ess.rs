//! ESS signing-certificate attributes (RFC 2634 §5.4 v1, RFC 5035 v2) as
//! hand-written `der` types, shared by the signer and the verifier.
//!
//! ```text
//! SigningCertificateV2 ::= SEQUENCE {
//!     certs    SEQUENCE OF ESSCertIDv2,
//!     policies SEQUENCE OF PolicyInformation OPTIONAL }
//! ESSCertIDv2 ::= SEQUENCE {
//!     hashAlgorithm AlgorithmIdentifier DEFAULT {algorithm id-sha256},
//!     certHash      OCTET STRING,
//!     issuerSerial  IssuerSerial OPTIONAL }
//! SigningCertificate ::= SEQUENCE {
//!     certs    SEQUENCE OF ESSCertID,
//!     policies SEQUENCE OF PolicyInformation OPTIONAL }
//! ESSCertID ::= SEQUENCE { certHash OCTET STRING (SHA-1), issuerSerial IssuerSerial OPTIONAL }
//! IssuerSerial ::= SEQUENCE { issuer GeneralNames, serialNumber CertificateSerialNumber }
//! ```

use const_oid::ObjectIdentifier;
use der::asn1::OctetString;
use der::{Decode, Encode, Sequence};
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_cert::ext::pkix::certpolicy::PolicyInformation;
use x509_cert::ext::pkix::name::{GeneralName, GeneralNames};
use x509_cert::serial_number::SerialNumber;

use crate::digest::DigestAlgorithm;

/// `id-aa-signingCertificate` (ESS v1, SHA-1 hashes).
pub const ID_AA_SIGNING_CERTIFICATE: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.12");
/// `id-aa-signingCertificateV2`.
pub const ID_AA_SIGNING_CERTIFICATE_V2: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.47");

/// The DEFAULT hash algorithm of `ESSCertIDv2` (id-sha256, parameters absent).
pub fn default_cert_hash_algorithm() -> AlgorithmIdentifierOwned {
    DigestAlgorithm::Sha256.algorithm_identifier()
}

/// `IssuerSerial`: the issuer name and serial number of a certificate.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct IssuerSerial {
    /// Issuer of the certificate (one directoryName in practice).
    pub issuer: GeneralNames,
    /// Serial number of the certificate.
    pub serial_number: SerialNumber,
}

impl IssuerSerial {
    /// The `IssuerSerial` that identifies `cert`.
    pub fn for_certificate(cert: &Certificate) -> Self {
        Self {
            issuer: vec![GeneralName::DirectoryName(
                cert.tbs_certificate().issuer().clone(),
            )],
            serial_number: cert.tbs_certificate().serial_number().clone(),
        }
    }

    /// Whether this identifies `cert` (issuer directoryName and serial equal).
    pub fn matches(&self, cert: &Certificate) -> bool {
        let tbs = cert.tbs_certificate();
        self.serial_number == *tbs.serial_number()
            && self
                .issuer
                .iter()
                .any(|n| matches!(n, GeneralName::DirectoryName(d) if d == tbs.issuer()))
    }
}

/// `ESSCertIDv2`.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct EssCertIdV2 {
    /// Hash algorithm of `cert_hash`; `None` means the DEFAULT, SHA-256
    /// (DER omits a default value, so SHA-256 is always `None` when encoded by us).
    #[asn1(optional = "true")]
    pub hash_algorithm: Option<AlgorithmIdentifierOwned>,
    /// Hash of the whole DER certificate.
    pub cert_hash: OctetString,
    /// Issuer and serial of the certificate.
    #[asn1(optional = "true")]
    pub issuer_serial: Option<IssuerSerial>,
}

impl EssCertIdV2 {
    /// The hash algorithm, with the DEFAULT (SHA-256) filled in.
    pub fn effective_hash_algorithm(&self) -> AlgorithmIdentifierOwned {
        self.hash_algorithm
            .clone()
            .unwrap_or_else(default_cert_hash_algorithm)
    }

    /// The identifier of `cert` hashed with `hash` (SHA-1 is refused: use v1 for that).
    pub fn for_certificate(cert: &Certificate, hash: DigestAlgorithm) -> der::Result<Self> {
        let der = cert.to_der()?;
        Ok(Self {
            hash_algorithm: (hash != DigestAlgorithm::Sha256).then(|| hash.algorithm_identifier()),
            cert_hash: OctetString::new(hash.digest(&der))?,
            issuer_serial: Some(IssuerSerial::for_certificate(cert)),
        })
    }

    /// Whether this identifies the certificate whose DER encoding is `cert_der`
    /// (hash equal; `None` when the hash algorithm is unknown).
    pub fn hash_matches(&self, cert_der: &[u8]) -> Option<bool> {
        let alg = DigestAlgorithm::from_oid(&self.effective_hash_algorithm().oid)?;
        Some(alg.digest(cert_der) == self.cert_hash.as_bytes())
    }
}

/// `SigningCertificateV2` (the value of the `id-aa-signingCertificateV2` attribute).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct SigningCertificateV2 {
    /// Certificate identifiers; the first one is the signer's.
    pub certs: Vec<EssCertIdV2>,
    /// Signature policies (unused by saoy).
    #[asn1(optional = "true")]
    pub policies: Option<Vec<PolicyInformation>>,
}

/// `ESSCertID` (v1: SHA-1 certificate hash).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct EssCertId {
    /// SHA-1 hash of the whole DER certificate.
    pub cert_hash: OctetString,
    /// Issuer and serial of the certificate.
    #[asn1(optional = "true")]
    pub issuer_serial: Option<IssuerSerial>,
}

/// `SigningCertificate` (the value of the v1 `id-aa-signingCertificate` attribute).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct SigningCertificate {
    /// Certificate identifiers; the first one is the signer's.
    pub certs: Vec<EssCertId>,
    /// Signature policies (unused by saoy).
    #[asn1(optional = "true")]
    pub policies: Option<Vec<PolicyInformation>>,
}

/// Decode a `SigningCertificateV2` attribute value from DER.
pub fn decode_signing_certificate_v2(der: &[u8]) -> der::Result<SigningCertificateV2> {
    SigningCertificateV2::from_der(der)
}

/// Decode a v1 `SigningCertificate` attribute value from DER.
pub fn decode_signing_certificate(der: &[u8]) -> der::Result<SigningCertificate> {
    SigningCertificate::from_der(der)
}
