//! A [`CmsSigner`] whose private key lives on a PKCS#11 token (an HSM, a
//! smart card, SoftHSM2 in tests): the key never leaves the token; the
//! signed attributes are hashed here and the token signs the digest
//! (`CKM_ECDSA`). ECDSA P-256 (SHA-256) and P-384 (SHA-384) keys.
//!
//! Feature `pkcs11` (off by default: it loads a native module at run time
//! and is of no use to the wasm verifier).
//!
//! A PKCS#11 module may be initialized once per process; a [`Pkcs11Signer`]
//! owns that initialization until it is dropped, so keep one signer per
//! module and reuse it (it is `Send + Sync`; signing calls are serialized on
//! its session).

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;
use der::asn1::{BitString, ObjectIdentifier, OctetString};
use der::{Decode, Encode};
use sha2::Digest as _;
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::Certificate;

use crate::sign::{CmsSigner, SignError};

/// id-ecPublicKey.
const ID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
/// secp256r1.
const SECP256R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
/// secp384r1.
const SECP384R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
/// ecdsa-with-SHA256.
const ECDSA_WITH_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
/// ecdsa-with-SHA384.
const ECDSA_WITH_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3");

/// Errors of opening a token, finding or generating a key on it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Pkcs11Error {
    /// The PKCS#11 module (shared library) could not be loaded.
    #[error("cannot load the PKCS#11 module {path}: {detail}")]
    Module {
        /// Module path.
        path: PathBuf,
        /// Loader error.
        detail: String,
    },
    /// No slot holds a token with that label.
    #[error("no PKCS#11 token labelled {label:?}")]
    TokenNotFound {
        /// Token label asked for.
        label: String,
    },
    /// The PIN was refused (wrong, locked or expired).
    #[error("the token refused the PIN: {detail}")]
    Login {
        /// The token's answer.
        detail: String,
    },
    /// No private key with that label (or more than one).
    #[error("no unique private key labelled {label:?} on the token ({found} found)")]
    KeyNotFound {
        /// Key label asked for.
        label: String,
        /// How many matched.
        found: usize,
    },
    /// The key is not an ECDSA P-256/P-384 key.
    #[error("unsupported key on the token: {detail}")]
    UnsupportedKey {
        /// Why.
        detail: String,
    },
    /// No certificate was given and none with the key's label is on the token.
    #[error("no certificate for key {label:?} (none given, none on the token)")]
    CertificateNotFound {
        /// Key label.
        label: String,
    },
    /// The certificate does not hold the token key's public key.
    #[error("the certificate of {subject} does not match the key on the token")]
    KeyCertificateMismatch {
        /// Certificate subject.
        subject: String,
    },
    /// A certificate given by the caller does not parse.
    #[error("certificate error: {detail}")]
    Certificate {
        /// Why.
        detail: String,
    },
    /// Any other PKCS#11 call failed.
    #[error("PKCS#11 {operation} failed: {detail}")]
    Call {
        /// What was being done.
        operation: &'static str,
        /// The module's error.
        detail: String,
    },
}

impl Pkcs11Error {
    /// Stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Module { .. } => "pkcs11_module",
            Self::TokenNotFound { .. } => "pkcs11_token_not_found",
            Self::Login { .. } => "pkcs11_login",
            Self::KeyNotFound { .. } => "pkcs11_key_not_found",
            Self::UnsupportedKey { .. } => "pkcs11_unsupported_key",
            Self::CertificateNotFound { .. } => "pkcs11_certificate_not_found",
            Self::KeyCertificateMismatch { .. } => "pkcs11_key_certificate_mismatch",
            Self::Certificate { .. } => "pkcs11_certificate",
            Self::Call { .. } => "pkcs11_call",
        }
    }
}

fn call(operation: &'static str) -> impl Fn(CkError) -> Pkcs11Error {
    move |e| Pkcs11Error::Call {
        operation,
        detail: e.to_string(),
    }
}

/// The curves a token key may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenCurve {
    /// NIST P-256 (signs with SHA-256).
    P256,
    /// NIST P-384 (signs with SHA-384).
    P384,
}

impl TokenCurve {
    fn oid(self) -> ObjectIdentifier {
        match self {
            Self::P256 => SECP256R1,
            Self::P384 => SECP384R1,
        }
    }

    fn from_oid(oid: &ObjectIdentifier) -> Option<Self> {
        if *oid == SECP256R1 {
            Some(Self::P256)
        } else if *oid == SECP384R1 {
            Some(Self::P384)
        } else {
            None
        }
    }

    fn scalar_len(self) -> usize {
        match self {
            Self::P256 => 32,
            Self::P384 => 48,
        }
    }
}

/// Where a token is: the module, the token label and the user PIN.
#[derive(Clone)]
#[non_exhaustive]
pub struct TokenConfig {
    /// Path of the PKCS#11 module (e.g. `/usr/lib/softhsm/libsofthsm2.so`).
    pub module: PathBuf,
    /// Label of the token.
    pub token_label: String,
    /// User PIN (zeroized on drop).
    pub pin: zeroize::Zeroizing<String>,
}

impl std::fmt::Debug for TokenConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenConfig")
            .field("module", &self.module)
            .field("token_label", &self.token_label)
            .finish_non_exhaustive()
    }
}

impl TokenConfig {
    /// A token `token_label` of `module`, logged into with `pin`.
    pub fn new(module: impl Into<PathBuf>, token_label: impl Into<String>, pin: &str) -> Self {
        TokenConfig {
            module: module.into(),
            token_label: token_label.into(),
            pin: zeroize::Zeroizing::new(pin.to_owned()),
        }
    }
}

/// Load and initialize a module; an already-initialized module is accepted.
fn load(module: &Path) -> Result<Pkcs11, Pkcs11Error> {
    let ctx = Pkcs11::new(module).map_err(|e| Pkcs11Error::Module {
        path: module.to_owned(),
        detail: e.to_string(),
    })?;
    match ctx.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        Ok(()) | Err(CkError::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => Ok(ctx),
        Err(e) => Err(call("C_Initialize")(e)),
    }
}

fn find_slot(ctx: &Pkcs11, label: &str) -> Result<Slot, Pkcs11Error> {
    for slot in ctx
        .get_slots_with_initialized_token()
        .map_err(call("C_GetSlotList"))?
    {
        let info = ctx.get_token_info(slot).map_err(call("C_GetTokenInfo"))?;
        if info.label().trim_end() == label {
            return Ok(slot);
        }
    }
    Err(Pkcs11Error::TokenNotFound {
        label: label.to_owned(),
    })
}

/// Open a logged-in read/write session on the token of `cfg`.
fn open(cfg: &TokenConfig) -> Result<(Pkcs11, Session), Pkcs11Error> {
    let ctx = load(&cfg.module)?;
    let slot = find_slot(&ctx, &cfg.token_label)?;
    let session = ctx.open_rw_session(slot).map_err(call("C_OpenSession"))?;
    match session.login(UserType::User, Some(&AuthPin::new(cfg.pin.as_str().into()))) {
        Ok(()) | Err(CkError::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => {}
        Err(e) => {
            return Err(Pkcs11Error::Login {
                detail: e.to_string(),
            });
        }
    }
    Ok((ctx, session))
}

/// The DER `ECParameters` (namedCurve OID) of `curve`.
fn ec_params(curve: TokenCurve) -> Result<Vec<u8>, Pkcs11Error> {
    curve.oid().to_der().map_err(|e| Pkcs11Error::Call {
        operation: "encoding EC parameters",
        detail: e.to_string(),
    })
}

/// The SubjectPublicKeyInfo of an EC public key object (`CKA_EC_PARAMS`, `CKA_EC_POINT`).
fn public_key_info(
    session: &Session,
    key: ObjectHandle,
) -> Result<(SubjectPublicKeyInfoOwned, TokenCurve), Pkcs11Error> {
    let attrs = session
        .get_attributes(key, &[AttributeType::EcParams, AttributeType::EcPoint])
        .map_err(call("C_GetAttributeValue"))?;
    let mut params = None;
    let mut point = None;
    for a in attrs {
        match a {
            Attribute::EcParams(p) => params = Some(p),
            Attribute::EcPoint(p) => point = Some(p),
            _ => {}
        }
    }
    let unsupported = |d: &str| Pkcs11Error::UnsupportedKey { detail: d.into() };
    let params = params.ok_or_else(|| unsupported("no CKA_EC_PARAMS"))?;
    let oid = ObjectIdentifier::from_der(&params)
        .map_err(|_| unsupported("CKA_EC_PARAMS is not a named curve"))?;
    let curve = TokenCurve::from_oid(&oid)
        .ok_or_else(|| unsupported(&format!("curve {oid} (want P-256 or P-384)")))?;
    let point = point.ok_or_else(|| unsupported("no CKA_EC_POINT"))?;
    // CKA_EC_POINT is a DER OCTET STRING around the uncompressed point; some
    // modules return the bare point.
    let raw = match OctetString::from_der(&point) {
        Ok(o) if o.as_bytes().first() == Some(&4) => o.as_bytes().to_vec(),
        _ => point,
    };
    if raw.len() != 1 + 2 * curve.scalar_len() || raw.first() != Some(&4) {
        return Err(unsupported("CKA_EC_POINT is not an uncompressed point"));
    }
    let spki = SubjectPublicKeyInfoOwned {
        algorithm: AlgorithmIdentifierOwned {
            oid: ID_EC_PUBLIC_KEY,
            parameters: Some(der::Any::from(&oid)),
        },
        subject_public_key: BitString::from_bytes(&raw).map_err(|e| unsupported(&e.to_string()))?,
    };
    Ok((spki, curve))
}

fn find_one(
    session: &Session,
    class: ObjectClass,
    label: &str,
) -> Result<Vec<ObjectHandle>, Pkcs11Error> {
    session
        .find_objects(&[
            Attribute::Class(class),
            Attribute::Label(label.as_bytes().to_vec()),
        ])
        .map_err(call("C_FindObjects"))
}

/// Generate an ECDSA key pair on the token (private key sensitive and not
/// extractable, both persistent, labelled `key_label`) and return its
/// public key, for a CA to certify. The private key never leaves the token.
pub fn generate_key_pair(
    cfg: &TokenConfig,
    key_label: &str,
    curve: TokenCurve,
) -> Result<SubjectPublicKeyInfoOwned, Pkcs11Error> {
    let (_ctx, session) = open(cfg)?;
    let label = key_label.as_bytes().to_vec();
    let mut id = [0u8; 16];
    getrandom::fill(&mut id).map_err(|e| Pkcs11Error::Call {
        operation: "random key id",
        detail: e.to_string(),
    })?;
    let public = [
        Attribute::Token(true),
        Attribute::Verify(true),
        Attribute::EcParams(ec_params(curve)?),
        Attribute::Label(label.clone()),
        Attribute::Id(id.to_vec()),
    ];
    let private = [
        Attribute::Token(true),
        Attribute::Private(true),
        Attribute::Sensitive(true),
        Attribute::Extractable(false),
        Attribute::Sign(true),
        Attribute::Label(label),
        Attribute::Id(id.to_vec()),
    ];
    let (pub_key, _) = session
        .generate_key_pair(&Mechanism::EccKeyPairGen, &public, &private)
        .map_err(call("C_GenerateKeyPair"))?;
    Ok(public_key_info(&session, pub_key)?.0)
}

/// Store `certificate` on the token as an X.509 certificate object labelled
/// `label` (so [`Pkcs11Signer::open`] finds it without a file).
pub fn import_certificate(
    cfg: &TokenConfig,
    label: &str,
    certificate: &Certificate,
) -> Result<(), Pkcs11Error> {
    let (_ctx, session) = open(cfg)?;
    let enc = |e: der::Error| Pkcs11Error::Call {
        operation: "encoding the certificate",
        detail: e.to_string(),
    };
    let tbs = certificate.tbs_certificate();
    session
        .create_object(&[
            Attribute::Class(ObjectClass::CERTIFICATE),
            Attribute::CertificateType(cryptoki::object::CertificateType::X_509),
            Attribute::Token(true),
            Attribute::Label(label.as_bytes().to_vec()),
            Attribute::Subject(tbs.subject().to_der().map_err(enc)?),
            Attribute::Issuer(tbs.issuer().to_der().map_err(enc)?),
            Attribute::SerialNumber(tbs.serial_number().to_der().map_err(enc)?),
            Attribute::Value(certificate.to_der().map_err(enc)?),
        ])
        .map_err(call("C_CreateObject"))?;
    Ok(())
}

/// A signer over a private key on a PKCS#11 token.
pub struct Pkcs11Signer {
    session: Mutex<Session>,
    key: ObjectHandle,
    curve: TokenCurve,
    certificate: Certificate,
    chain: Vec<Certificate>,
    // Declared last: the module is finalized after the session is closed.
    _ctx: Pkcs11,
}

impl std::fmt::Debug for Pkcs11Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pkcs11Signer")
            .field("curve", &self.curve)
            .field(
                "subject",
                &self.certificate.tbs_certificate().subject().to_string(),
            )
            .finish_non_exhaustive()
    }
}

impl Pkcs11Signer {
    /// Log into the token of `cfg` and use its private key labelled
    /// `key_label`. The certificate is `certificate`, or else the token's
    /// certificate object with the same label; it must hold the key's public
    /// key (checked against the token's public key object when there is one).
    pub fn open(
        cfg: &TokenConfig,
        key_label: &str,
        certificate: Option<Certificate>,
        chain: Vec<Certificate>,
    ) -> Result<Self, Pkcs11Error> {
        let (ctx, session) = open(cfg)?;
        let keys = find_one(&session, ObjectClass::PRIVATE_KEY, key_label)?;
        let [key] = keys.as_slice() else {
            return Err(Pkcs11Error::KeyNotFound {
                label: key_label.to_owned(),
                found: keys.len(),
            });
        };
        let key = *key;
        let kt = session
            .get_attributes(key, &[AttributeType::KeyType])
            .map_err(call("C_GetAttributeValue"))?;
        if !kt
            .iter()
            .any(|a| matches!(a, Attribute::KeyType(t) if *t == KeyType::EC))
        {
            return Err(Pkcs11Error::UnsupportedKey {
                detail: "not an EC key".into(),
            });
        }
        let certificate = match certificate {
            Some(c) => c,
            None => {
                let found = find_one(&session, ObjectClass::CERTIFICATE, key_label)?;
                let value = match found.first() {
                    Some(h) => session
                        .get_attributes(*h, &[AttributeType::Value])
                        .map_err(call("C_GetAttributeValue"))?
                        .into_iter()
                        .find_map(|a| match a {
                            Attribute::Value(v) => Some(v),
                            _ => None,
                        }),
                    None => None,
                };
                let value = value.ok_or_else(|| Pkcs11Error::CertificateNotFound {
                    label: key_label.to_owned(),
                })?;
                Certificate::from_der(&value).map_err(|e| Pkcs11Error::UnsupportedKey {
                    detail: format!("the token's certificate does not parse: {e}"),
                })?
            }
        };
        let cert_spki = certificate.tbs_certificate().subject_public_key_info();
        let curve = cert_spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.decode_as::<ObjectIdentifier>().ok())
            .and_then(|o| TokenCurve::from_oid(&o))
            .ok_or_else(|| Pkcs11Error::UnsupportedKey {
                detail: "the certificate's key is not ECDSA P-256/P-384".into(),
            })?;
        let subject = certificate.tbs_certificate().subject().to_string();
        let mismatch = || Pkcs11Error::KeyCertificateMismatch {
            subject: subject.clone(),
        };
        let pubs = find_one(&session, ObjectClass::PUBLIC_KEY, key_label)?;
        if let Some(p) = pubs.first() {
            let (spki, _) = public_key_info(&session, *p)?;
            if spki.subject_public_key != cert_spki.subject_public_key {
                return Err(mismatch());
            }
        }
        let signer = Pkcs11Signer {
            session: Mutex::new(session),
            key,
            curve,
            certificate,
            chain,
            _ctx: ctx,
        };
        // Without a public key object, prove the pairing with one signature.
        if pubs.is_empty() {
            signer.check_pairing().map_err(|_| mismatch())?;
        }
        Ok(signer)
    }

    /// [`Pkcs11Signer::open`] with PEM input: the signer's certificate (first
    /// of `cert_pem`, or from the token when `None`) and chain certificates
    /// (each input may hold several).
    pub fn open_pem(
        cfg: &TokenConfig,
        key_label: &str,
        cert_pem: Option<&[u8]>,
        chain_pems: &[&[u8]],
    ) -> Result<Self, Pkcs11Error> {
        let parse = |pem: &[u8]| {
            Certificate::load_pem_chain(pem).map_err(|e| Pkcs11Error::Certificate {
                detail: e.to_string(),
            })
        };
        let certificate =
            match cert_pem {
                Some(pem) => Some(parse(pem)?.into_iter().next().ok_or_else(|| {
                    Pkcs11Error::Certificate {
                        detail: "no certificate in the PEM input".into(),
                    }
                })?),
                None => None,
            };
        let mut chain = Vec::new();
        for pem in chain_pems {
            chain.extend(parse(pem)?);
        }
        Self::open(cfg, key_label, certificate, chain)
    }

    /// The curve of the token key.
    pub fn curve(&self) -> TokenCurve {
        self.curve
    }

    fn check_pairing(&self) -> Result<(), SignError> {
        use signature::Verifier as _;
        let msg = b"saoy pkcs11 pairing check";
        let sig = self.sign_message(msg)?;
        let spki = self
            .certificate
            .tbs_certificate()
            .subject_public_key_info()
            .subject_public_key
            .raw_bytes();
        let bad = |_| SignError::KeyCertificateMismatch {
            subject: self.certificate.tbs_certificate().subject().to_string(),
        };
        match self.curve {
            TokenCurve::P256 => {
                let vk = p256::ecdsa::VerifyingKey::from_sec1_bytes(spki).map_err(bad)?;
                let s = p256::ecdsa::DerSignature::from_bytes(&sig).map_err(bad)?;
                vk.verify(msg, &s).map_err(bad)
            }
            TokenCurve::P384 => {
                let vk = p384::ecdsa::VerifyingKey::from_sec1_bytes(spki).map_err(bad)?;
                let s = p384::ecdsa::DerSignature::from_bytes(&sig).map_err(bad)?;
                vk.verify(msg, &s).map_err(bad)
            }
        }
    }
}

impl CmsSigner for Pkcs11Signer {
    fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    fn chain(&self) -> &[Certificate] {
        &self.chain
    }

    fn signature_algorithm(&self) -> Result<AlgorithmIdentifierOwned, SignError> {
        Ok(AlgorithmIdentifierOwned {
            oid: match self.curve {
                TokenCurve::P256 => ECDSA_WITH_SHA256,
                TokenCurve::P384 => ECDSA_WITH_SHA384,
            },
            parameters: None,
        })
    }

    fn sign_message(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        let digest = match self.curve {
            TokenCurve::P256 => sha2::Sha256::digest(message).to_vec(),
            TokenCurve::P384 => sha2::Sha384::digest(message).to_vec(),
        };
        let raw = {
            let session = self.session.lock().map_err(|_| SignError::SignerFailed {
                detail: "the PKCS#11 session lock is poisoned".into(),
            })?;
            session
                .sign(&Mechanism::Ecdsa, self.key, &digest)
                .map_err(|e| SignError::SignerFailed {
                    detail: format!("PKCS#11 C_Sign: {e}"),
                })?
        };
        // CKM_ECDSA returns r || s; CMS wants the DER Ecdsa-Sig-Value.
        let bad = |e: ecdsa::Error| SignError::SignerFailed {
            detail: format!("the token returned a malformed ECDSA signature: {e}"),
        };
        match self.curve {
            TokenCurve::P256 => Ok(p256::ecdsa::Signature::from_slice(&raw)
                .map_err(bad)?
                .to_der()
                .as_bytes()
                .to_vec()),
            TokenCurve::P384 => Ok(p384::ecdsa::Signature::from_slice(&raw)
                .map_err(bad)?
                .to_der()
                .as_bytes()
                .to_vec()),
        }
    }
}
