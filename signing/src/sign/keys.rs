//! Software keys (PKCS#8 PEM) and the signer traits.

use std::marker::PhantomData;

use der::Encode;
use getrandom::SysRng;
use rsa::Generate as _;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use rsa::traits::PublicKeyParts;
use signature::{Keypair, SignatureEncoding, Signer};
use spki::{
    AlgorithmIdentifierOwned, DynSignatureAlgorithmIdentifier, EncodePublicKey,
    SubjectPublicKeyInfoOwned,
};
use x509_cert::Certificate;
use zeroize::Zeroizing;

use super::SignError;
use crate::digest::{DigestAlgorithm, digest_for_signature_algorithm};

/// Minimum RSA modulus size accepted for signing (Circular 15/2025/TT-BKHCN).
pub const MIN_RSA_BITS: usize = 2048;

/// Algorithm of a software signing key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyAlgorithm {
    /// ECDSA on P-256 with SHA-256.
    P256,
    /// ECDSA on P-384 (the default key; hashed with [`DEFAULT_DIGEST`] unless
    /// [`SoftwareSigner::with_digest`] says otherwise).
    P384,
    /// RSASSA-PSS (SHA-256, MGF1-SHA-256, salt 32) with a 2048-bit key when generated.
    RsaPss,
}

/// A private key held in memory (zeroized on drop by the key types).
#[derive(Clone)]
#[non_exhaustive]
pub enum SoftwareKey {
    /// ECDSA P-256.
    P256(p256::ecdsa::SigningKey),
    /// ECDSA P-384.
    P384(p384::ecdsa::SigningKey),
    /// RSASSA-PSS with SHA-256.
    RsaPss(rsa::pss::SigningKey<sha2::Sha256>),
}

impl std::fmt::Debug for SoftwareKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SoftwareKey({:?}, <secret>)", self.algorithm())
    }
}

impl SoftwareKey {
    /// Generate a fresh key (RSA: 2048 bits).
    pub fn generate(algorithm: KeyAlgorithm) -> Result<Self, SignError> {
        let rng_err = |e: getrandom::Error| SignError::Key {
            detail: format!("random generator failed: {e}"),
        };
        Ok(match algorithm {
            KeyAlgorithm::P256 => Self::P256(
                p256::ecdsa::SigningKey::try_generate_from_rng(&mut SysRng).map_err(rng_err)?,
            ),
            KeyAlgorithm::P384 => Self::P384(
                p384::ecdsa::SigningKey::try_generate_from_rng(&mut SysRng).map_err(rng_err)?,
            ),
            KeyAlgorithm::RsaPss => {
                let mut rng = rsa::rand_core::UnwrapErr(SysRng);
                let key =
                    rsa::PrivateKey::new(&mut rng, MIN_RSA_BITS).map_err(|e| SignError::Key {
                        detail: format!("RSA key generation failed: {e}"),
                    })?;
                Self::RsaPss(rsa::pss::SigningKey::new(key))
            }
        })
    }

    /// Parse an unencrypted PKCS#8 PEM private key (P-256, P-384 or RSA ≥ 2048;
    /// RSA keys sign with RSASSA-PSS).
    pub fn from_pkcs8_pem(pem: &str) -> Result<Self, SignError> {
        if pem.contains("ENCRYPTED PRIVATE KEY") {
            return Err(SignError::UnsupportedKey {
                detail: "encrypted PKCS#8 keys are not supported; decrypt the key first".into(),
            });
        }
        if let Ok(k) = p384::ecdsa::SigningKey::from_pkcs8_pem(pem) {
            return Ok(Self::P384(k));
        }
        if let Ok(k) = p256::ecdsa::SigningKey::from_pkcs8_pem(pem) {
            return Ok(Self::P256(k));
        }
        match rsa::PrivateKey::from_pkcs8_pem(pem) {
            Ok(k) => {
                let bits = k.size() * 8;
                if bits < MIN_RSA_BITS {
                    return Err(SignError::UnsupportedKey {
                        detail: format!("RSA key of {bits} bits; at least {MIN_RSA_BITS} required"),
                    });
                }
                Ok(Self::RsaPss(rsa::pss::SigningKey::new(k)))
            }
            Err(e) => Err(SignError::UnsupportedKey {
                detail: format!("not an unencrypted PKCS#8 P-256, P-384 or RSA private key ({e})"),
            }),
        }
    }

    /// The key's algorithm.
    pub fn algorithm(&self) -> KeyAlgorithm {
        match self {
            Self::P256(_) => KeyAlgorithm::P256,
            Self::P384(_) => KeyAlgorithm::P384,
            Self::RsaPss(_) => KeyAlgorithm::RsaPss,
        }
    }

    /// PKCS#8 PEM encoding of the private key (zeroized on drop).
    pub fn to_pkcs8_pem(&self) -> Result<Zeroizing<String>, SignError> {
        let le = der::pem::LineEnding::LF;
        let r = match self {
            Self::P256(k) => k.to_pkcs8_pem(le),
            Self::P384(k) => k.to_pkcs8_pem(le),
            Self::RsaPss(k) => k.to_pkcs8_pem(le),
        };
        r.map_err(|e| SignError::Key {
            detail: e.to_string(),
        })
    }

    /// The public key as a `SubjectPublicKeyInfo`.
    pub fn subject_public_key_info(&self) -> Result<SubjectPublicKeyInfoOwned, SignError> {
        let r = match self {
            Self::P256(k) => SubjectPublicKeyInfoOwned::from_key(k.verifying_key()),
            Self::P384(k) => SubjectPublicKeyInfoOwned::from_key(k.verifying_key()),
            Self::RsaPss(k) => {
                let private: &rsa::PrivateKey = k.as_ref();
                SubjectPublicKeyInfoOwned::from_key(&private.to_public_key())
            }
        };
        r.map_err(|e| SignError::Key {
            detail: e.to_string(),
        })
    }

    fn signature_algorithm(&self) -> Result<AlgorithmIdentifierOwned, SignError> {
        let r = match self {
            Self::P256(k) => k.signature_algorithm_identifier(),
            Self::P384(k) => k.signature_algorithm_identifier(),
            Self::RsaPss(k) => k.signature_algorithm_identifier(),
        };
        r.map_err(|e| SignError::Key {
            detail: e.to_string(),
        })
    }

    /// The CMS signature algorithm when content and signed attributes are
    /// hashed with `digest` (ECDSA: any SHA-2; RSA-PSS keys sign with SHA-256).
    fn signature_algorithm_with(
        &self,
        digest: DigestAlgorithm,
    ) -> Result<AlgorithmIdentifierOwned, SignError> {
        use const_oid::db::rfc5912::{ECDSA_WITH_SHA_256, ECDSA_WITH_SHA_384, ECDSA_WITH_SHA_512};
        match (self, digest) {
            (Self::RsaPss(_), DigestAlgorithm::Sha256) => self.signature_algorithm(),
            (Self::P256(_) | Self::P384(_), d) => {
                let oid = match d {
                    DigestAlgorithm::Sha256 => ECDSA_WITH_SHA_256,
                    DigestAlgorithm::Sha384 => ECDSA_WITH_SHA_384,
                    DigestAlgorithm::Sha512 => ECDSA_WITH_SHA_512,
                    other => return Err(unsupported_digest(self, other)),
                };
                Ok(AlgorithmIdentifierOwned {
                    oid,
                    parameters: None,
                })
            }
            (_, other) => Err(unsupported_digest(self, other)),
        }
    }

    /// Sign `message`, hashing it with `digest` (see [`Self::signature_algorithm_with`]).
    fn sign_message_with(
        &self,
        message: &[u8],
        digest: DigestAlgorithm,
    ) -> Result<Vec<u8>, SignError> {
        use signature::hazmat::PrehashSigner;
        let failed = |e: signature::Error| SignError::SignerFailed {
            detail: e.to_string(),
        };
        match self {
            Self::P256(k) => {
                let sig: p256::ecdsa::Signature =
                    k.sign_prehash(&digest.digest(message)).map_err(failed)?;
                Ok(sig.to_der().to_vec())
            }
            Self::P384(k) => {
                let sig: p384::ecdsa::Signature =
                    k.sign_prehash(&digest.digest(message)).map_err(failed)?;
                Ok(sig.to_der().to_vec())
            }
            Self::RsaPss(_) if digest == DigestAlgorithm::Sha256 => self.sign_message(message),
            Self::RsaPss(_) => Err(unsupported_digest(self, digest)),
        }
    }

    fn sign_message(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        let r = match self {
            Self::P256(k) => {
                Signer::<p256::ecdsa::DerSignature>::try_sign(k, message).map(|s| s.to_vec())
            }
            Self::P384(k) => {
                Signer::<p384::ecdsa::DerSignature>::try_sign(k, message).map(|s| s.to_vec())
            }
            Self::RsaPss(k) => {
                Signer::<rsa::pss::Signature>::try_sign(k, message).map(|s| s.to_vec())
            }
        };
        r.map_err(|e| SignError::SignerFailed {
            detail: e.to_string(),
        })
    }
}

fn unsupported_digest(key: &SoftwareKey, digest: DigestAlgorithm) -> SignError {
    SignError::InvalidOption {
        option: "digest",
        detail: format!(
            "{digest:?} is not available for a {:?} key",
            key.algorithm()
        ),
    }
}

/// Digest of content and signed attributes for [`SoftwareSigner`]s unless
/// changed with [`SoftwareSigner::with_digest`]: SHA-256, which ETSI TS 119 312
/// and Circular 15/2025 allow with P-256, P-384 and RSA keys, and which modern
/// x86 (SHA-NI) and ARMv8 CPUs compute in hardware.
pub const DEFAULT_DIGEST: DigestAlgorithm = DigestAlgorithm::Sha256;

/// Something that can produce the signature of a CMS `SignerInfo`: a
/// certificate (and chain) plus a private-key operation. Implemented by
/// [`SoftwareSigner`] and, for any `signature::Signer + Keypair`, by
/// [`KeypairSigner`]; a PKCS#11 token or a remote service implements it too.
pub trait CmsSigner {
    /// The signer's certificate.
    fn certificate(&self) -> &Certificate;
    /// Further certificates to embed (issuing CAs, optionally the root).
    fn chain(&self) -> &[Certificate];
    /// The CMS `signatureAlgorithm` (its hash also fixes the content digest).
    fn signature_algorithm(&self) -> Result<AlgorithmIdentifierOwned, SignError>;
    /// Sign `message` (the DER of the signed attributes), hashing it with the
    /// algorithm's own hash; return the encoded signature value (ECDSA: DER).
    fn sign_message(&self, message: &[u8]) -> Result<Vec<u8>, SignError>;
}

pub(crate) fn digest_of(alg: &AlgorithmIdentifierOwned) -> Result<DigestAlgorithm, SignError> {
    digest_for_signature_algorithm(alg).ok_or_else(|| SignError::UnsupportedKey {
        detail: format!("unsupported signature algorithm {}", alg.oid),
    })
}

fn check_pair(key_spki: &SubjectPublicKeyInfoOwned, cert: &Certificate) -> Result<(), SignError> {
    let cert_spki = cert.tbs_certificate().subject_public_key_info();
    let a = key_spki.to_der().map_err(|e| SignError::Key {
        detail: e.to_string(),
    })?;
    let b = cert_spki.to_der().map_err(|e| SignError::Key {
        detail: e.to_string(),
    })?;
    if a != b {
        return Err(SignError::KeyCertificateMismatch {
            subject: cert.tbs_certificate().subject().to_string(),
        });
    }
    Ok(())
}

/// A software key with its certificate and chain.
#[derive(Clone)]
pub struct SoftwareSigner {
    key: SoftwareKey,
    certificate: Certificate,
    chain: Vec<Certificate>,
    digest: DigestAlgorithm,
}

impl std::fmt::Debug for SoftwareSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SoftwareSigner")
            .field("key", &self.key)
            .field(
                "subject",
                &self.certificate.tbs_certificate().subject().to_string(),
            )
            .field("chain_len", &self.chain.len())
            .finish()
    }
}

impl SoftwareSigner {
    /// Pair `key` with its `certificate` (checked to hold the same public key)
    /// and the `chain` to embed.
    pub fn new(
        key: SoftwareKey,
        certificate: Certificate,
        chain: Vec<Certificate>,
    ) -> Result<Self, SignError> {
        check_pair(&key.subject_public_key_info()?, &certificate)?;
        Ok(Self {
            key,
            certificate,
            chain,
            digest: DEFAULT_DIGEST,
        })
    }

    /// Hash the content and the signed attributes with `digest` instead of
    /// [`DEFAULT_DIGEST`] (ECDSA keys: SHA-256, SHA-384 or SHA-512; RSA-PSS
    /// keys: SHA-256 only).
    pub fn with_digest(mut self, digest: DigestAlgorithm) -> Result<Self, SignError> {
        self.key.signature_algorithm_with(digest)?;
        self.digest = digest;
        Ok(self)
    }

    /// The digest algorithm this signer uses.
    pub fn digest(&self) -> DigestAlgorithm {
        self.digest
    }

    /// Load a PKCS#8 PEM key, a PEM certificate and zero or more PEM chain
    /// certificates (each input may hold several certificates).
    pub fn from_pem(
        key_pem: &str,
        cert_pem: &[u8],
        chain_pems: &[&[u8]],
    ) -> Result<Self, SignError> {
        let key = SoftwareKey::from_pkcs8_pem(key_pem)?;
        let mut certs =
            Certificate::load_pem_chain(cert_pem).map_err(|e| SignError::Certificate {
                detail: e.to_string(),
            })?;
        if certs.is_empty() {
            return Err(SignError::Certificate {
                detail: "no certificate in the PEM input".into(),
            });
        }
        let certificate = certs.remove(0);
        let mut chain = certs;
        for pem in chain_pems {
            chain.extend(
                Certificate::load_pem_chain(pem).map_err(|e| SignError::Certificate {
                    detail: e.to_string(),
                })?,
            );
        }
        Self::new(key, certificate, chain)
    }

    /// The private key.
    pub fn key(&self) -> &SoftwareKey {
        &self.key
    }
}

impl CmsSigner for SoftwareSigner {
    fn certificate(&self) -> &Certificate {
        &self.certificate
    }
    fn chain(&self) -> &[Certificate] {
        &self.chain
    }
    fn signature_algorithm(&self) -> Result<AlgorithmIdentifierOwned, SignError> {
        self.key.signature_algorithm_with(self.digest)
    }
    fn sign_message(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        self.key.sign_message_with(message, self.digest)
    }
}

/// Adapter: any `signature::Signer<Sig> + Keypair` (with a known signature
/// algorithm identifier) plus its certificate and chain is a [`CmsSigner`].
/// For ECDSA use the DER signature type (`p384::ecdsa::DerSignature`).
pub struct KeypairSigner<S, Sig> {
    key: S,
    certificate: Certificate,
    chain: Vec<Certificate>,
    _sig: PhantomData<fn() -> Sig>,
}

impl<S, Sig> KeypairSigner<S, Sig>
where
    S: Keypair,
    S::VerifyingKey: EncodePublicKey,
{
    /// Pair `key` with its `certificate` (checked to hold the same public key).
    pub fn new(
        key: S,
        certificate: Certificate,
        chain: Vec<Certificate>,
    ) -> Result<Self, SignError> {
        let spki = SubjectPublicKeyInfoOwned::from_key(&key.verifying_key()).map_err(|e| {
            SignError::Key {
                detail: e.to_string(),
            }
        })?;
        check_pair(&spki, &certificate)?;
        Ok(Self {
            key,
            certificate,
            chain,
            _sig: PhantomData,
        })
    }
}

impl<S, Sig> CmsSigner for KeypairSigner<S, Sig>
where
    S: Signer<Sig> + Keypair + DynSignatureAlgorithmIdentifier,
    Sig: SignatureEncoding,
{
    fn certificate(&self) -> &Certificate {
        &self.certificate
    }
    fn chain(&self) -> &[Certificate] {
        &self.chain
    }
    fn signature_algorithm(&self) -> Result<AlgorithmIdentifierOwned, SignError> {
        self.key
            .signature_algorithm_identifier()
            .map_err(|e| SignError::Key {
                detail: e.to_string(),
            })
    }
    fn sign_message(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        self.key
            .try_sign(message)
            .map(|s| s.to_vec())
            .map_err(|e| SignError::SignerFailed {
                detail: e.to_string(),
            })
    }
}
