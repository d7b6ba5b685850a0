//! A small offline PKI for the LTV unit tests: a root, two issuing CAs with
//! one document signer each, a TSA (extKeyUsage critical timeStamping), and
//! the OCSP responses, CRLs and RFC 3161 tokens they sign, built here with
//! the project's own DER helpers. TEST ONLY.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use der::asn1::{GeneralizedTime, ObjectIdentifier};
use der::{Decode, Encode};
use rsa::Generate as _;
use sha2::Digest as _;
use spki::{SubjectPublicKeyInfoOwned, SubjectPublicKeyInfoRef};
use x509_cert::Certificate;
use x509_cert::builder::profile::BuilderProfile;
use x509_cert::builder::{Builder, CertificateBuilder};
use x509_cert::certificate::TbsCertificate;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages,
    SubjectKeyIdentifier,
};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};

use super::http::Transport;
use super::tsp::{TimeStampReq, TsaClient};
use super::{LtvError, revocation::ValidationData};
use crate::ess::{EssCertIdV2, SigningCertificateV2};
use crate::pki::ext;
use crate::sign::{KeyAlgorithm, SoftwareKey, SoftwareSigner};

type Key = p384::ecdsa::SigningKey;

const OID_SHA1: &str = "1.3.14.3.2.26";
const OID_SHA384: &str = "2.16.840.1.101.3.4.2.2";
const OID_ECDSA_SHA384: &str = "1.2.840.10045.4.3.3";
const OID_OCSP_BASIC: &str = "1.3.6.1.5.5.7.48.1.1";
const OID_OCSP_NONCE: &str = "1.3.6.1.5.5.7.48.1.2";
const OID_KP_TIME_STAMPING: &str = "1.3.6.1.5.5.7.3.8";
const OID_SIGNED_DATA: &str = "1.2.840.113549.1.7.2";
const OID_TST_INFO: &str = "1.2.840.113549.1.9.16.1.4";
const OID_CONTENT_TYPE: &str = "1.2.840.113549.1.9.3";
const OID_MESSAGE_DIGEST: &str = "1.2.840.113549.1.9.4";
const OID_SIGNING_CERT_V2: &str = "1.2.840.113549.1.9.16.2.47";

/// One DER TLV with a one-byte tag.
pub(crate) fn tlv(tag: u8, parts: &[&[u8]]) -> Vec<u8> {
    let len: usize = parts.iter().map(|p| p.len()).sum();
    let mut out = vec![tag];
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    for p in parts {
        out.extend_from_slice(p);
    }
    out
}

fn oid(s: &str) -> Vec<u8> {
    ObjectIdentifier::new_unwrap(s).to_der().unwrap()
}

fn alg(s: &str, null: bool) -> Vec<u8> {
    if null {
        tlv(0x30, &[&oid(s), &[0x05, 0x00]])
    } else {
        tlv(0x30, &[&oid(s)])
    }
}

fn gen_time(t: SystemTime) -> Vec<u8> {
    GeneralizedTime::from_system_time(t)
        .unwrap()
        .to_der()
        .unwrap()
}

fn int(bytes: &[u8]) -> Vec<u8> {
    der::asn1::Uint::new(bytes).unwrap().to_der().unwrap()
}

fn sign384(key: &Key, msg: &[u8]) -> Vec<u8> {
    let sig: p384::ecdsa::DerSignature = signature::Signer::sign(key, msg);
    sig.to_bytes().to_vec()
}

#[derive(Clone, Copy)]
enum Kind {
    Ca,
    Signer,
    Tsa,
}

struct Profile {
    subject: Name,
    issuer: Name,
    kind: Kind,
}

impl BuilderProfile for Profile {
    fn get_issuer(&self, _subject: &Name) -> Name {
        self.issuer.clone()
    }

    fn get_subject(&self) -> Name {
        self.subject.clone()
    }

    fn build_extensions(
        &self,
        spk: SubjectPublicKeyInfoRef<'_>,
        issuer_spk: SubjectPublicKeyInfoRef<'_>,
        _tbs: &TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        let (ca, usage) = match self.kind {
            Kind::Ca => (true, KeyUsages::KeyCertSign | KeyUsages::CRLSign),
            Kind::Signer => (
                false,
                KeyUsages::DigitalSignature | KeyUsages::NonRepudiation,
            ),
            Kind::Tsa => (false, KeyUsages::DigitalSignature.into()),
        };
        let mut v = vec![
            ext(
                &BasicConstraints {
                    ca,
                    path_len_constraint: None,
                },
                true,
            )?,
            ext(&KeyUsage(usage), true)?,
            ext(&SubjectKeyIdentifier::try_from(spk)?, false)?,
            ext(&AuthorityKeyIdentifier::try_from(issuer_spk)?, false)?,
        ];
        if let Kind::Tsa = self.kind {
            v.push(ext(
                &ExtendedKeyUsage(vec![ObjectIdentifier::new_unwrap(OID_KP_TIME_STAMPING)]),
                true,
            )?);
        }
        Ok(v)
    }
}

fn name(cn: &str) -> Name {
    Name::from_str(&format!("CN={cn},O=saoy TEST ONLY,C=VN")).unwrap()
}

fn serial(n: u8) -> SerialNumber {
    let mut b = [0u8; 12];
    getrandom::fill(&mut b).unwrap();
    b[0] = 0x10 | (n & 0x0f);
    SerialNumber::new(&b).unwrap()
}

fn issue(
    kind: Kind,
    subject: &str,
    issuer: &Name,
    spki: SubjectPublicKeyInfoOwned,
    ca_key: &Key,
    n: u8,
) -> Certificate {
    let now = SystemTime::now();
    let validity = Validity::new(
        Time::try_from(now - Duration::from_secs(3600)).unwrap(),
        Time::try_from(now + Duration::from_secs(2 * 365 * 24 * 3600)).unwrap(),
    );
    CertificateBuilder::new(
        Profile {
            subject: name(subject),
            issuer: issuer.clone(),
            kind,
        },
        serial(n),
        validity,
        spki,
    )
    .unwrap()
    .build::<_, p384::ecdsa::DerSignature>(ca_key)
    .unwrap()
}

fn gen_key() -> Key {
    Key::try_generate_from_rng(&mut getrandom::SysRng).unwrap()
}

fn spki(k: &Key) -> SubjectPublicKeyInfoOwned {
    SubjectPublicKeyInfoOwned::from_key(k.verifying_key()).unwrap()
}

/// A CA: its certificate and key.
pub(crate) struct Ca {
    pub cert: Certificate,
    pub key: Key,
}

/// The test PKI.
pub(crate) struct Kit {
    pub root: Ca,
    pub issuing_a: Ca,
    pub issuing_b: Ca,
    pub signer_a: SoftwareSigner,
    pub signer_b: SoftwareSigner,
    pub tsa: Ca,
}

fn leaf(kind: Kind, cn: &str, ca: &Ca, n: u8) -> (SoftwareKey, Certificate) {
    let key = SoftwareKey::generate(KeyAlgorithm::P384).unwrap();
    let cert = issue(
        kind,
        cn,
        ca.cert.tbs_certificate().subject(),
        key.subject_public_key_info().unwrap(),
        &ca.key,
        n,
    );
    (key, cert)
}

impl Kit {
    pub fn new() -> Kit {
        let root_key = gen_key();
        let root_name = name("LTV Root");
        let root = Ca {
            cert: issue(
                Kind::Ca,
                "LTV Root",
                &root_name,
                spki(&root_key),
                &root_key,
                1,
            ),
            key: root_key,
        };
        let sub = |cn: &str, n: u8| {
            let key = gen_key();
            Ca {
                cert: issue(
                    Kind::Ca,
                    cn,
                    root.cert.tbs_certificate().subject(),
                    spki(&key),
                    &root.key,
                    n,
                ),
                key,
            }
        };
        let issuing_a = sub("LTV Issuing A", 2);
        let issuing_b = sub("LTV Issuing B", 3);
        let tsa_key = gen_key();
        let tsa = Ca {
            cert: issue(
                Kind::Tsa,
                "LTV TSA",
                root.cert.tbs_certificate().subject(),
                spki(&tsa_key),
                &root.key,
                4,
            ),
            key: tsa_key,
        };
        let (ka, ca) = leaf(Kind::Signer, "LTV Signer A", &issuing_a, 5);
        let (kb, cb) = leaf(Kind::Signer, "LTV Signer B", &issuing_b, 6);
        let signer_a =
            SoftwareSigner::new(ka, ca, vec![issuing_a.cert.clone(), root.cert.clone()]).unwrap();
        let signer_b =
            SoftwareSigner::new(kb, cb, vec![issuing_b.cert.clone(), root.cert.clone()]).unwrap();
        Kit {
            root,
            issuing_a,
            issuing_b,
            signer_a,
            signer_b,
            tsa,
        }
    }

    /// A TSA client whose transport is the in-process [`FakeTsa`] of this kit.
    pub fn tsa_client(&self) -> TsaClient {
        TsaClient::new("http://tsa.test/").with_transport(Arc::new(FakeTsa {
            key: self.tsa.key.clone(),
            cert: self.tsa.cert.clone(),
            chain: vec![self.root.cert.clone()],
        }))
    }

    /// Every certificate of the kit (DER).
    pub fn all_certs(&self) -> Vec<Vec<u8>> {
        use crate::sign::CmsSigner;
        [
            self.signer_a.certificate(),
            &self.issuing_a.cert,
            self.signer_b.certificate(),
            &self.issuing_b.cert,
            &self.root.cert,
            &self.tsa.cert,
        ]
        .iter()
        .map(|c| c.to_der().unwrap())
        .collect()
    }

    /// Validation data for both signers' paths and the TSA's (with or
    /// without signer A's own OCSP response).
    pub fn validation_data(&self, with_a: bool) -> ValidationData {
        use crate::sign::CmsSigner;
        let mut ocsps = vec![
            ocsp_response(self.signer_b.certificate(), &self.issuing_b, None),
            ocsp_response(&self.tsa.cert, &self.root, None),
        ];
        if with_a {
            ocsps.insert(
                0,
                ocsp_response(self.signer_a.certificate(), &self.issuing_a, None),
            );
        }
        ValidationData {
            certs: self.all_certs(),
            ocsps,
            crls: vec![crl(&self.root, &[])],
        }
    }
}

/// A signed `OCSPResponse` (good status, responder = the issuer by name)
/// about `cert`, optionally echoing `nonce`.
pub(crate) fn ocsp_response(cert: &Certificate, issuer: &Ca, nonce: Option<&[u8]>) -> Vec<u8> {
    let issuer_name = issuer.cert.tbs_certificate().subject().to_der().unwrap();
    let issuer_key = issuer
        .cert
        .tbs_certificate()
        .subject_public_key_info()
        .subject_public_key
        .raw_bytes()
        .to_vec();
    let now = SystemTime::now();
    let cert_id = tlv(
        0x30,
        &[
            &alg(OID_SHA1, true),
            &tlv(0x04, &[&sha1::Sha1::digest(&issuer_name)]),
            &tlv(0x04, &[&sha1::Sha1::digest(&issuer_key)]),
            &cert.tbs_certificate().serial_number().to_der().unwrap(),
        ],
    );
    let single = tlv(
        0x30,
        &[
            &cert_id,
            &[0x80, 0x00],
            &gen_time(now - Duration::from_secs(60)),
            &tlv(0xa0, &[&gen_time(now + Duration::from_secs(7 * 24 * 3600))]),
        ],
    );
    let mut tbs_parts: Vec<Vec<u8>> = vec![
        tlv(0xa1, &[&issuer_name]),
        gen_time(now),
        tlv(0x30, &[&single]),
    ];
    if let Some(n) = nonce {
        let value = tlv(0x04, &[n]);
        let ext = tlv(0x30, &[&oid(OID_OCSP_NONCE), &tlv(0x04, &[&value])]);
        tbs_parts.push(tlv(0xa1, &[&tlv(0x30, &[&ext])]));
    }
    let parts: Vec<&[u8]> = tbs_parts.iter().map(Vec::as_slice).collect();
    let tbs = tlv(0x30, &parts);
    let sig = sign384(&issuer.key, &tbs);
    let basic = tlv(
        0x30,
        &[
            &tbs,
            &alg(OID_ECDSA_SHA384, false),
            &tlv(0x03, &[&[0], &sig]),
        ],
    );
    tlv(
        0x30,
        &[
            &[0x0a, 0x01, 0x00],
            &tlv(
                0xa0,
                &[&tlv(0x30, &[&oid(OID_OCSP_BASIC), &tlv(0x04, &[&basic])])],
            ),
        ],
    )
}

/// A v2 CRL signed by `issuer` listing `revoked`.
pub(crate) fn crl(issuer: &Ca, revoked: &[&Certificate]) -> Vec<u8> {
    let now = SystemTime::now();
    let entries: Vec<Vec<u8>> = revoked
        .iter()
        .map(|c| {
            tlv(
                0x30,
                &[
                    &c.tbs_certificate().serial_number().to_der().unwrap(),
                    &gen_time(now - Duration::from_secs(600)),
                ],
            )
        })
        .collect();
    let mut parts: Vec<Vec<u8>> = vec![
        vec![0x02, 0x01, 0x01],
        alg(OID_ECDSA_SHA384, false),
        issuer.cert.tbs_certificate().subject().to_der().unwrap(),
        gen_time(now - Duration::from_secs(60)),
        gen_time(now + Duration::from_secs(7 * 24 * 3600)),
    ];
    if !entries.is_empty() {
        let e: Vec<&[u8]> = entries.iter().map(Vec::as_slice).collect();
        parts.push(tlv(0x30, &e));
    }
    let p: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
    let tbs = tlv(0x30, &p);
    let sig = sign384(&issuer.key, &tbs);
    tlv(
        0x30,
        &[
            &tbs,
            &alg(OID_ECDSA_SHA384, false),
            &tlv(0x03, &[&[0], &sig]),
        ],
    )
}

/// An RFC 3161 token (ContentInfo/SignedData over a TSTInfo) for the
/// `MessageImprint` DER `imprint`, signed by `tsa` carrying `chain`.
pub(crate) fn token(
    imprint: &[u8],
    nonce: Option<&[u8]>,
    tsa: &Key,
    cert: &Certificate,
    chain: &[Certificate],
) -> Vec<u8> {
    let mut fields: Vec<Vec<u8>> = vec![
        vec![0x02, 0x01, 0x01],
        oid("1.3.6.1.4.1.55555.1"),
        imprint.to_vec(),
        int(&[0x01, 0x23, 0x45]),
        gen_time(SystemTime::now()),
    ];
    if let Some(n) = nonce {
        fields.push(int(n));
    }
    let f: Vec<&[u8]> = fields.iter().map(Vec::as_slice).collect();
    let tst = tlv(0x30, &f);
    let scv2 = SigningCertificateV2 {
        certs: vec![
            EssCertIdV2::for_certificate(cert, crate::digest::DigestAlgorithm::Sha256).unwrap(),
        ],
        policies: None,
    }
    .to_der()
    .unwrap();
    let attrs = [
        tlv(
            0x30,
            &[&oid(OID_CONTENT_TYPE), &tlv(0x31, &[&oid(OID_TST_INFO)])],
        ),
        tlv(
            0x30,
            &[
                &oid(OID_MESSAGE_DIGEST),
                &tlv(0x31, &[&tlv(0x04, &[&sha2::Sha384::digest(&tst)])]),
            ],
        ),
        tlv(0x30, &[&oid(OID_SIGNING_CERT_V2), &tlv(0x31, &[&scv2])]),
    ];
    let a: Vec<&[u8]> = attrs.iter().map(Vec::as_slice).collect();
    let signed_attrs = tlv(0x31, &a);
    let sig = sign384(tsa, &signed_attrs);
    let tbs = cert.tbs_certificate();
    let signer_info = tlv(
        0x30,
        &[
            &[0x02, 0x01, 0x01],
            &tlv(
                0x30,
                &[
                    &tbs.issuer().to_der().unwrap(),
                    &tbs.serial_number().to_der().unwrap(),
                ],
            ),
            &alg(OID_SHA384, false),
            &tlv(0xa0, &a),
            &alg(OID_ECDSA_SHA384, false),
            &tlv(0x04, &[&sig]),
        ],
    );
    let certs: Vec<Vec<u8>> = std::iter::once(cert)
        .chain(chain)
        .map(|c| c.to_der().unwrap())
        .collect();
    let c: Vec<&[u8]> = certs.iter().map(Vec::as_slice).collect();
    let sd = tlv(
        0x30,
        &[
            &[0x02, 0x01, 0x03],
            &tlv(0x31, &[&alg(OID_SHA384, false)]),
            &tlv(
                0x30,
                &[&oid(OID_TST_INFO), &tlv(0xa0, &[&tlv(0x04, &[&tst])])],
            ),
            &tlv(0xa0, &c),
            &tlv(0x31, &[&signer_info]),
        ],
    );
    tlv(0x30, &[&oid(OID_SIGNED_DATA), &tlv(0xa0, &[&sd])])
}

/// A `TimeStampResp` granting `token`.
pub(crate) fn timestamp_response(token: &[u8]) -> Vec<u8> {
    tlv(0x30, &[&tlv(0x30, &[&[0x02, 0x01, 0x00]]), token])
}

/// An RFC 3161 TSA in the test process.
pub(crate) struct FakeTsa {
    key: Key,
    cert: Certificate,
    chain: Vec<Certificate>,
}

impl Transport for FakeTsa {
    fn post(&self, url: &str, _content_type: &str, body: &[u8]) -> Result<Vec<u8>, LtvError> {
        let req = TimeStampReq::from_der(body).map_err(|e| LtvError::BadResponse {
            url: url.to_owned(),
            detail: e.to_string(),
        })?;
        let imprint = req.message_imprint.to_der().map_err(LtvError::der)?;
        let nonce = req.nonce.as_ref().map(|n| n.as_bytes().to_vec());
        let tok = token(
            &imprint,
            nonce.as_deref(),
            &self.key,
            &self.cert,
            &self.chain,
        );
        Ok(timestamp_response(&tok))
    }

    fn get(&self, url: &str) -> Result<Vec<u8>, LtvError> {
        Err(LtvError::HttpStatus {
            url: url.to_owned(),
            status: 404,
        })
    }
}
