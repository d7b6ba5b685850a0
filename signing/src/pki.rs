//! A **TEST-ONLY** PKI: root CA → issuing CA → document-signing leaf.
//!
//! For tests, CI and demos. Every subject name says "TEST ONLY"; nothing
//! issued here belongs in production. The CAs are always P-384; the leaf is
//! P-384 by default (P-256 and RSA-PSS 2048 on request), with
//! `digitalSignature + nonRepudiation`, SKI/AKI, and a two-year validity.
//!
//! ```no_run
//! let pki = saoy_signing::pki::TestPki::generate()?;
//! let files = pki.write_pem_dir(std::path::Path::new("/tmp/test-pki"))?;
//! println!("trust anchor: {}", files.root_cert.display());
//! # Ok::<(), saoy_signing::pki::PkiError>(())
//! ```

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::{Duration, SystemTime};

use der::asn1::OctetString;
use der::{Encode, EncodePem};
use getrandom::SysRng;
use rsa::Generate as _;
use spki::{EncodePublicKey, SubjectPublicKeyInfoOwned, SubjectPublicKeyInfoRef};
use x509_cert::Certificate;
use x509_cert::builder::profile::BuilderProfile;
use x509_cert::builder::{Builder, CertificateBuilder};
use x509_cert::certificate::TbsCertificate;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, KeyUsage, KeyUsages, SubjectKeyIdentifier,
};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};

use crate::sign::{KeyAlgorithm, SoftwareKey, SoftwareSigner};

/// Errors of the test PKI.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PkiError {
    /// The system random generator failed.
    #[error("random generator failed: {0}")]
    Random(String),
    /// A certificate could not be built or encoded.
    #[error("cannot build the {which} certificate: {detail}")]
    Certificate {
        /// Which certificate (root, issuing, leaf).
        which: &'static str,
        /// What went wrong.
        detail: String,
    },
    /// A key could not be generated or encoded.
    #[error("cannot generate or encode the {which} key: {detail}")]
    Key {
        /// Which key.
        which: &'static str,
        /// What went wrong.
        detail: String,
    },
    /// Writing the PEM files failed.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

impl PkiError {
    /// Stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Random(_) => "pki_random",
            Self::Certificate { .. } => "pki_certificate",
            Self::Key { .. } => "pki_key",
            Self::Io { .. } => "pki_io",
        }
    }
}

/// The label every subject carries.
pub const TEST_ONLY_LABEL: &str = "saoy TEST ONLY - NOT FOR PRODUCTION";

/// A generated test PKI (root, issuing CA, document-signing leaf).
pub struct TestPki {
    /// Self-signed root CA (the trust anchor for tests).
    pub root: Certificate,
    /// Issuing CA, signed by the root.
    pub issuing: Certificate,
    /// Document-signing leaf, signed by the issuing CA.
    pub leaf: Certificate,
    leaf_key: SoftwareKey,
}

impl std::fmt::Debug for TestPki {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestPki")
            .field(
                "leaf_subject",
                &self.leaf.tbs_certificate().subject().to_string(),
            )
            .field("leaf_key", &self.leaf_key.algorithm())
            .finish_non_exhaustive()
    }
}

/// Paths written by [`TestPki::write_pem_dir`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PkiFiles {
    /// `root.pem`: the root certificate (trust anchor).
    pub root_cert: PathBuf,
    /// `issuing-ca.pem`: the issuing CA certificate.
    pub issuing_cert: PathBuf,
    /// `signer.pem`: the leaf certificate.
    pub signer_cert: PathBuf,
    /// `signer.key.pem`: the leaf's PKCS#8 private key.
    pub signer_key: PathBuf,
    /// `chain.pem`: issuing CA then root.
    pub chain: PathBuf,
}

#[derive(Clone, Copy)]
enum Kind {
    Root,
    Issuing,
    Leaf,
}

struct Profile {
    subject: Name,
    issuer: Name,
    kind: Kind,
}

pub(crate) fn ext<T: Encode + der::oid::AssociatedOid>(
    value: &T,
    critical: bool,
) -> der::Result<Extension> {
    Ok(Extension {
        extn_id: T::OID,
        critical,
        extn_value: OctetString::new(value.to_der()?)?,
    })
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
        let (ca, path_len, usage) = match self.kind {
            Kind::Root => (true, None, KeyUsages::KeyCertSign | KeyUsages::CRLSign),
            Kind::Issuing => (true, Some(0), KeyUsages::KeyCertSign | KeyUsages::CRLSign),
            Kind::Leaf => (
                false,
                None,
                KeyUsages::DigitalSignature | KeyUsages::NonRepudiation,
            ),
        };
        Ok(vec![
            ext(
                &BasicConstraints {
                    ca,
                    path_len_constraint: path_len,
                },
                true,
            )?,
            ext(&KeyUsage(usage), true)?,
            ext(&SubjectKeyIdentifier::try_from(spk)?, false)?,
            ext(&AuthorityKeyIdentifier::try_from(issuer_spk)?, false)?,
        ])
    }
}

fn random_serial() -> Result<SerialNumber, PkiError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| PkiError::Random(e.to_string()))?;
    bytes[0] &= 0x7f;
    bytes[0] |= 0x10;
    SerialNumber::new(&bytes).map_err(|e| PkiError::Random(e.to_string()))
}

fn validity(which: &'static str, years: u64) -> Result<Validity, PkiError> {
    let now = SystemTime::now();
    let err = |e: der::Error| PkiError::Certificate {
        which,
        detail: e.to_string(),
    };
    let nb = Time::try_from(now - Duration::from_secs(3600)).map_err(err)?;
    let na = Time::try_from(now + Duration::from_secs(years * 365 * 24 * 3600)).map_err(err)?;
    Ok(Validity::new(nb, na))
}

fn name(which: &'static str, cn: &str) -> Result<Name, PkiError> {
    Name::from_str(&format!("CN={cn},O={TEST_ONLY_LABEL},C=VN")).map_err(|e| {
        PkiError::Certificate {
            which,
            detail: e.to_string(),
        }
    })
}

fn gen_p384(which: &'static str) -> Result<p384::ecdsa::SigningKey, PkiError> {
    p384::ecdsa::SigningKey::try_generate_from_rng(&mut SysRng).map_err(|e| PkiError::Key {
        which,
        detail: e.to_string(),
    })
}

fn issue(
    which: &'static str,
    kind: Kind,
    subject: Name,
    issuer: Name,
    spki: SubjectPublicKeyInfoOwned,
    years: u64,
    ca_key: &p384::ecdsa::SigningKey,
) -> Result<Certificate, PkiError> {
    let err = |e: x509_cert::builder::Error| PkiError::Certificate {
        which,
        detail: e.to_string(),
    };
    let builder = CertificateBuilder::new(
        Profile {
            subject,
            issuer,
            kind,
        },
        random_serial()?,
        validity(which, years)?,
        spki,
    )
    .map_err(err)?;
    builder
        .build::<_, p384::ecdsa::DerSignature>(ca_key)
        .map_err(err)
}

fn spki_of<K: EncodePublicKey>(
    which: &'static str,
    k: &K,
) -> Result<SubjectPublicKeyInfoOwned, PkiError> {
    SubjectPublicKeyInfoOwned::from_key(k).map_err(|e| PkiError::Key {
        which,
        detail: e.to_string(),
    })
}

impl TestPki {
    /// Generate a fresh PKI with a P-384 leaf.
    pub fn generate() -> Result<Self, PkiError> {
        Self::generate_with(KeyAlgorithm::P384)
    }

    /// Generate a fresh PKI whose leaf key uses `leaf_algorithm`
    /// (the CAs are P-384 in every case).
    pub fn generate_with(leaf_algorithm: KeyAlgorithm) -> Result<Self, PkiError> {
        let root_key = gen_p384("root")?;
        let root_name = name("root", "saoy TEST ONLY Root CA")?;
        let root = issue(
            "root",
            Kind::Root,
            root_name.clone(),
            root_name.clone(),
            spki_of("root", root_key.verifying_key())?,
            20,
            &root_key,
        )?;
        let issuing_key = gen_p384("issuing")?;
        let issuing_name = name("issuing", "saoy TEST ONLY Issuing CA")?;
        let issuing = issue(
            "issuing",
            Kind::Issuing,
            issuing_name.clone(),
            root_name,
            spki_of("issuing", issuing_key.verifying_key())?,
            10,
            &root_key,
        )?;
        let leaf_key = SoftwareKey::generate(leaf_algorithm).map_err(|e| PkiError::Key {
            which: "leaf",
            detail: e.to_string(),
        })?;
        let leaf_spki = leaf_key
            .subject_public_key_info()
            .map_err(|e| PkiError::Key {
                which: "leaf",
                detail: e.to_string(),
            })?;
        let leaf = issue(
            "leaf",
            Kind::Leaf,
            name("leaf", "saoy TEST ONLY Document Signer")?,
            issuing_name,
            leaf_spki,
            2,
            &issuing_key,
        )?;
        Ok(Self {
            root,
            issuing,
            leaf,
            leaf_key,
        })
    }

    /// The leaf's private key.
    pub fn leaf_key(&self) -> &SoftwareKey {
        &self.leaf_key
    }

    /// A signer for the leaf, carrying the issuing CA and the root as its chain.
    pub fn signer(&self) -> Result<SoftwareSigner, crate::sign::SignError> {
        SoftwareSigner::new(
            self.leaf_key.clone(),
            self.leaf.clone(),
            vec![self.issuing.clone(), self.root.clone()],
        )
    }

    /// Write `root.pem`, `issuing-ca.pem`, `signer.pem`, `signer.key.pem`
    /// (PKCS#8), `chain.pem` and a `README.txt` saying TEST ONLY into `dir`
    /// (created if missing).
    pub fn write_pem_dir(&self, dir: &Path) -> Result<PkiFiles, PkiError> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| PkiError::Io { path, source }
        };
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let pem = |which: &'static str, c: &Certificate| {
            c.to_pem(der::pem::LineEnding::LF)
                .map_err(|e| PkiError::Certificate {
                    which,
                    detail: e.to_string(),
                })
        };
        let files = PkiFiles {
            root_cert: dir.join("root.pem"),
            issuing_cert: dir.join("issuing-ca.pem"),
            signer_cert: dir.join("signer.pem"),
            signer_key: dir.join("signer.key.pem"),
            chain: dir.join("chain.pem"),
        };
        let root = pem("root", &self.root)?;
        let issuing = pem("issuing", &self.issuing)?;
        let key = self.leaf_key.to_pkcs8_pem().map_err(|e| PkiError::Key {
            which: "leaf",
            detail: e.to_string(),
        })?;
        std::fs::write(&files.root_cert, &root).map_err(io(&files.root_cert))?;
        std::fs::write(&files.issuing_cert, &issuing).map_err(io(&files.issuing_cert))?;
        std::fs::write(&files.signer_cert, pem("leaf", &self.leaf)?)
            .map_err(io(&files.signer_cert))?;
        std::fs::write(&files.chain, format!("{issuing}{root}")).map_err(io(&files.chain))?;
        write_private(&files.signer_key, key.as_bytes()).map_err(io(&files.signer_key))?;
        let readme = dir.join("README.txt");
        std::fs::write(
            &readme,
            "TEST ONLY - NOT FOR PRODUCTION.\n\
             A throw-away PKI made by `saoy pki init` for tests and demos:\n\
             root.pem (trust anchor) -> issuing-ca.pem -> signer.pem (+ signer.key.pem).\n",
        )
        .map_err(io(&readme))?;
        Ok(files)
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(path)?;
        f.write_all(bytes)
    }
    #[cfg(not(unix))]
    {
        std::fs::write(path, bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::Decode;
    use der::oid::AssociatedOid;
    use x509_cert::ext::pkix::KeyUsage;

    fn extension(c: &Certificate, oid: der::oid::ObjectIdentifier) -> &Extension {
        c.tbs_certificate()
            .extensions()
            .and_then(|e| e.iter().find(|x| x.extn_id == oid))
            .unwrap()
    }

    #[test]
    fn chain_has_names_keys_usages_and_identifiers() {
        let pki = TestPki::generate().unwrap();
        let leaf = pki.leaf.tbs_certificate();
        assert_eq!(leaf.issuer(), pki.issuing.tbs_certificate().subject());
        assert_eq!(
            pki.issuing.tbs_certificate().issuer(),
            pki.root.tbs_certificate().subject()
        );
        assert!(leaf.subject().to_string().contains("TEST ONLY"));
        assert!(
            pki.root
                .tbs_certificate()
                .subject()
                .to_string()
                .contains("TEST ONLY")
        );

        let ku = extension(&pki.leaf, KeyUsage::OID);
        assert!(ku.critical);
        let ku = KeyUsage::from_der(ku.extn_value.as_bytes()).unwrap();
        assert!(ku.digital_signature());
        assert!(ku.non_repudiation());
        assert!(!ku.key_cert_sign());

        let ski_issuing = SubjectKeyIdentifier::from_der(
            extension(&pki.issuing, SubjectKeyIdentifier::OID)
                .extn_value
                .as_bytes(),
        )
        .unwrap();
        let aki_leaf = AuthorityKeyIdentifier::from_der(
            extension(&pki.leaf, AuthorityKeyIdentifier::OID)
                .extn_value
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(aki_leaf.key_identifier.as_ref(), Some(&ski_issuing.0));

        let bc = BasicConstraints::from_der(
            extension(&pki.issuing, BasicConstraints::OID)
                .extn_value
                .as_bytes(),
        )
        .unwrap();
        assert!(bc.ca);
        assert_eq!(bc.path_len_constraint, Some(0));

        let v = leaf.validity();
        assert!(v.not_before.to_system_time() < SystemTime::now());
        assert!(
            v.not_after.to_system_time() > SystemTime::now() + Duration::from_secs(86400 * 365)
        );
        assert_eq!(pki.leaf_key.algorithm(), KeyAlgorithm::P384);
    }

    #[test]
    fn written_pems_parse_back() {
        let pki = TestPki::generate().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let files = pki.write_pem_dir(dir.path()).unwrap();
        let root = std::fs::read_to_string(&files.root_cert).unwrap();
        let root = <Certificate as der::DecodePem>::from_pem(&root).unwrap();
        assert_eq!(root, pki.root);
        let chain = std::fs::read(&files.chain).unwrap();
        let chain = Certificate::load_pem_chain(&chain).unwrap();
        assert_eq!(chain, vec![pki.issuing.clone(), pki.root.clone()]);
        let key = std::fs::read_to_string(&files.signer_key).unwrap();
        assert!(key.starts_with("-----BEGIN PRIVATE KEY-----"));
        let key = SoftwareKey::from_pkcs8_pem(&key).unwrap();
        assert_eq!(
            key.subject_public_key_info().unwrap(),
            pki.leaf.tbs_certificate().subject_public_key_info().clone()
        );
    }
}
