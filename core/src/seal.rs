//! The QR seal: a compact, versioned, offline-verifiable signed payload printed as a QR on every
//! certified copy, in the URL `https://HOST/v/CODE#SEAL`. Byte layout: `docs/seal-spec.md`.
//!
//! Builds without SQLite or ONNX (the wasm verifier uses it).

use crate::code::{CodeError, VerificationCode};
use crate::kind::DocumentKind;
use crate::report::{Reason, format_utc};
use base64ct::{Base64UrlUnpadded, Encoding};
use p384::ecdsa::{Signature, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

/// Seal format version written by this crate.
pub const SEAL_VERSION: u8 = 1;
/// Length of the signed part of a v1 seal.
pub const SIGNED_LEN: usize = 61;
/// Length of the P-384 signature (r ‖ s).
pub const SIGNATURE_LEN: usize = 96;
/// Total length of a v1 seal in bytes.
pub const SEAL_LEN: usize = SIGNED_LEN + SIGNATURE_LEN;
/// Largest issue time a v1 seal can carry (40-bit Unix seconds).
pub const MAX_ISSUED_AT: u64 = (1 << 40) - 1;
/// Longest seal text [`parse_seal_text`] looks at.
pub const MAX_SEAL_TEXT: usize = 2048;
/// Domain-separation prefix of the page-image digest.
pub const CONTENT_DIGEST_DOMAIN: &[u8] = b"saoy/pages/v1\0";

/// Why a seal could not be built, parsed or verified.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SealError {
    /// No seal in the text (an URL without `#fragment`, or empty text).
    #[error("no seal found in the text (missing #fragment)")]
    Missing,
    /// The text is longer than [`MAX_SEAL_TEXT`].
    #[error("seal text of {len} bytes is too long")]
    TooLong {
        /// Length in bytes.
        len: usize,
    },
    /// The seal is not valid base64url.
    #[error("the seal is not valid base64url")]
    Base64,
    /// The decoded seal has the wrong length for its version.
    #[error("the seal has {found} bytes, version 1 has {expected}")]
    Length {
        /// Bytes found.
        found: usize,
        /// Bytes required.
        expected: usize,
    },
    /// An unknown format version.
    #[error("seal format version {found} is not supported (this verifier knows version 1)")]
    Version {
        /// The version byte.
        found: u8,
    },
    /// The code field is not a valid verification code.
    #[error("the verification code inside the seal is invalid: {0}")]
    Code(CodeError),
    /// The code in the URL path is malformed.
    #[error("the verification code in the link is invalid: {0}")]
    UrlCode(CodeError),
    /// The code in the URL path is not the code in the seal.
    #[error("the link's code {url} differs from the seal's code {seal}")]
    CodeMismatch {
        /// Code in the URL path.
        url: VerificationCode,
        /// Code in the seal.
        seal: VerificationCode,
    },
    /// The signing key is not among the trusted issuer keys.
    #[error("the seal was signed by key {key_id}, which is not a trusted issuer key")]
    UnknownKey {
        /// Key id carried in the seal.
        key_id: KeyId,
    },
    /// The signature does not verify.
    #[error("the seal's signature does not match its content")]
    BadSignature,
    /// The issue time does not fit the 40-bit field.
    #[error("issue time {seconds} does not fit in a version-1 seal")]
    TimeOutOfRange {
        /// Unix seconds.
        seconds: u64,
    },
    /// The signer failed (e.g. an HSM error).
    #[error("the seal signer failed: {detail}")]
    Signer {
        /// Signer error text.
        detail: String,
    },
    /// A PEM public key could not be read.
    #[error("cannot read the issuer public key: {detail}")]
    Key {
        /// Parser error text.
        detail: String,
    },
}

impl SealError {
    /// Stable machine code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            SealError::Missing => "seal_missing",
            SealError::TooLong { .. } => "seal_too_long",
            SealError::Base64 => "seal_bad_base64",
            SealError::Length { .. } => "seal_wrong_length",
            SealError::Version { .. } => "seal_unsupported_version",
            SealError::Code(_) => "seal_bad_code",
            SealError::UrlCode(_) => "seal_bad_url_code",
            SealError::CodeMismatch { .. } => "seal_code_mismatch",
            SealError::UnknownKey { .. } => "seal_unknown_key",
            SealError::BadSignature => "seal_bad_signature",
            SealError::TimeOutOfRange { .. } => "seal_time_out_of_range",
            SealError::Signer { .. } => "seal_signer_failed",
            SealError::Key { .. } => "seal_bad_key",
        }
    }

    /// This error as a bilingual report reason.
    pub fn reason(&self) -> Reason {
        let vi = match self {
            SealError::Missing => {
                "Không tìm thấy con dấu QR (đường dẫn thiếu phần sau dấu #).".to_string()
            }
            SealError::TooLong { len } => {
                format!("Chuỗi con dấu dài {len} byte, vượt quá giới hạn.")
            }
            SealError::Base64 => "Con dấu QR không phải chuỗi base64url hợp lệ.".to_string(),
            SealError::Length { found, expected } => {
                format!("Con dấu QR có {found} byte; phiên bản 1 phải có {expected} byte.")
            }
            SealError::Version { found } => {
                format!("Không hỗ trợ phiên bản con dấu {found} (chỉ hỗ trợ phiên bản 1).")
            }
            SealError::Code(_) => "Mã xác thực bên trong con dấu không hợp lệ.".to_string(),
            SealError::UrlCode(_) => "Mã xác thực trong đường dẫn không hợp lệ.".to_string(),
            SealError::CodeMismatch { url, seal } => {
                format!("Mã trong đường dẫn ({url}) khác mã trong con dấu ({seal}).")
            }
            SealError::UnknownKey { key_id } => format!(
                "Con dấu được ký bằng khóa {key_id}, không thuộc danh sách khóa tin cậy của cơ quan cấp."
            ),
            SealError::BadSignature => {
                "Chữ ký của con dấu không khớp với nội dung: con dấu đã bị sửa đổi hoặc giả mạo."
                    .to_string()
            }
            SealError::TimeOutOfRange { seconds } => {
                format!("Thời điểm cấp {seconds} vượt quá phạm vi của con dấu phiên bản 1.")
            }
            SealError::Signer { detail } => format!("Không ký được con dấu: {detail}"),
            SealError::Key { detail } => {
                format!("Không đọc được khóa công khai của cơ quan cấp: {detail}")
            }
        };
        Reason::new(self.code(), self.to_string(), vi)
    }
}

/// Identifier of a seal key: the first 8 bytes of SHA-256 over the key's compressed SEC1 point
/// (49 bytes).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(pub [u8; 8]);

impl KeyId {
    /// The id of a P-384 public key.
    pub fn of(key: &VerifyingKey) -> Self {
        let point = key.to_sec1_point(true);
        let digest = Sha256::digest(point.as_bytes());
        let mut id = [0u8; 8];
        id.copy_from_slice(&digest[..8]);
        Self(id)
    }

    /// Lower-case hex.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({self})")
    }
}

impl Serialize for KeyId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

/// Anything that signs seals with a P-384 key: a software `p384::ecdsa::SigningKey`, or any
/// `signature::Signer + Keypair` (an HSM, a remote signing service) through the blanket impl.
pub trait SealSigner: Send + Sync {
    /// The public key (its [`KeyId`] goes into the seal).
    fn seal_verifying_key(&self) -> VerifyingKey;
    /// Sign the seal's signed bytes (ECDSA P-384 with SHA-384).
    fn sign_seal(&self, msg: &[u8]) -> Result<Signature, SealError>;
}

impl<S> SealSigner for S
where
    S: signature::Signer<Signature> + signature::Keypair<VerifyingKey = VerifyingKey> + Send + Sync,
{
    fn seal_verifying_key(&self) -> VerifyingKey {
        self.verifying_key()
    }
    fn sign_seal(&self, msg: &[u8]) -> Result<Signature, SealError> {
        self.try_sign(msg).map_err(|e| SealError::Signer {
            detail: e.to_string(),
        })
    }
}

/// A trusted seal-verification key of an issuing authority.
#[derive(Debug, Clone)]
pub struct IssuerKey {
    /// Human name, e.g. "UBND phường Hoàn Kiếm — seal key 2026".
    pub name: String,
    /// Its key id.
    pub id: KeyId,
    /// The P-384 public key.
    pub key: VerifyingKey,
}

impl IssuerKey {
    /// Wrap a public key.
    pub fn new(name: impl Into<String>, key: VerifyingKey) -> Self {
        Self {
            name: name.into(),
            id: KeyId::of(&key),
            key,
        }
    }

    /// Read an SPKI PEM (`-----BEGIN PUBLIC KEY-----`) P-384 key.
    pub fn from_public_key_pem(name: impl Into<String>, pem: &str) -> Result<Self, SealError> {
        use p384::pkcs8::DecodePublicKey;
        let key = VerifyingKey::from_public_key_pem(pem).map_err(|e| SealError::Key {
            detail: e.to_string(),
        })?;
        Ok(Self::new(name, key))
    }

    /// Read a PEM that is either an SPKI public key or a PKCS#8 private key (a kiosk's own
    /// `seal.key.pem`, of which only the public half is kept).
    pub fn from_pem(name: impl Into<String>, pem: &str) -> Result<Self, SealError> {
        if !pem.contains("PRIVATE KEY") {
            return Self::from_public_key_pem(name, pem);
        }
        use p384::pkcs8::DecodePrivateKey;
        let key = p384::ecdsa::SigningKey::from_pkcs8_pem(pem).map_err(|e| SealError::Key {
            detail: e.to_string(),
        })?;
        Ok(Self::new(name, *key.verifying_key()))
    }

    /// Read a SEC1-encoded public point (compressed or not).
    pub fn from_sec1(name: impl Into<String>, bytes: &[u8]) -> Result<Self, SealError> {
        let key = VerifyingKey::from_sec1_bytes(bytes).map_err(|e| SealError::Key {
            detail: e.to_string(),
        })?;
        Ok(Self::new(name, key))
    }
}

/// The set of trusted issuer keys a verifier accepts.
#[derive(Debug, Clone, Default)]
pub struct IssuerKeys {
    keys: Vec<IssuerKey>,
}

impl IssuerKeys {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Add a key (builder style).
    pub fn with(mut self, key: IssuerKey) -> Self {
        self.keys.push(key);
        self
    }

    /// Add a key.
    pub fn push(&mut self, key: IssuerKey) {
        self.keys.push(key);
    }

    /// The key with this id.
    pub fn find(&self, id: &KeyId) -> Option<&IssuerKey> {
        self.keys.iter().find(|k| &k.id == id)
    }

    /// The keys, in the order they were added.
    pub fn iter(&self) -> impl Iterator<Item = &IssuerKey> {
        self.keys.iter()
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// True if there are no keys.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// SHA-256 over the page images of a certified copy, as the seal carries it:
/// `SHA-256("saoy/pages/v1\0" ‖ u32be(n) ‖ for each page: u32be(len) ‖ bytes)`, where `bytes` are
/// the encoded page image exactly as embedded in the PDF's image XObject stream.
pub fn content_digest<B: AsRef<[u8]>>(pages: &[B]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(CONTENT_DIGEST_DOMAIN);
    h.update((pages.len() as u32).to_be_bytes());
    for p in pages {
        let p = p.as_ref();
        h.update((p.len() as u32).to_be_bytes());
        h.update(p);
    }
    h.finalize().into()
}

/// What a seal says (everything but the signature).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SealContent {
    /// The copy's verification code.
    pub code: VerificationCode,
    /// [`content_digest`] of the copy's page images.
    #[serde(serialize_with = "ser_hex32")]
    pub content_digest: [u8; 32],
    /// Issue time, Unix seconds UTC.
    pub issued_at: u64,
    /// Id of the key that signs the seal.
    pub key_id: KeyId,
    /// Document kind.
    pub kind: DocumentKind,
}

fn ser_hex32<S: serde::Serializer>(v: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&hex::encode(v))
}

impl SealContent {
    /// The 61 signed bytes.
    pub fn to_signed_bytes(&self) -> Result<[u8; SIGNED_LEN], SealError> {
        if self.issued_at > MAX_ISSUED_AT {
            return Err(SealError::TimeOutOfRange {
                seconds: self.issued_at,
            });
        }
        let mut b = [0u8; SIGNED_LEN];
        b[0] = SEAL_VERSION;
        b[1..14].copy_from_slice(&self.code.to_packed());
        b[14..46].copy_from_slice(&self.content_digest);
        b[46..51].copy_from_slice(&self.issued_at.to_be_bytes()[3..8]);
        b[51..59].copy_from_slice(&self.key_id.0);
        b[59..61].copy_from_slice(&self.kind.0.to_be_bytes());
        Ok(b)
    }
}

/// A signed seal (structurally valid; the signature is checked by [`Seal::verify`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seal {
    content: SealContent,
    signature: [u8; SIGNATURE_LEN],
}

impl Seal {
    /// Sign a seal. The key id is derived from the signer's public key. With p384's
    /// `SigningKey` the signature is deterministic (RFC 6979), so seals are reproducible.
    pub fn sign(
        code: VerificationCode,
        content_digest: [u8; 32],
        issued_at: u64,
        kind: DocumentKind,
        signer: &dyn SealSigner,
    ) -> Result<Self, SealError> {
        let content = SealContent {
            code,
            content_digest,
            issued_at,
            key_id: KeyId::of(&signer.seal_verifying_key()),
            kind,
        };
        let msg = content.to_signed_bytes()?;
        let sig = signer.sign_seal(&msg)?;
        let mut signature = [0u8; SIGNATURE_LEN];
        signature.copy_from_slice(&sig.to_bytes());
        Ok(Self { content, signature })
    }

    /// The signed content.
    pub fn content(&self) -> &SealContent {
        &self.content
    }

    /// The raw signature (r ‖ s, 96 bytes).
    pub fn signature(&self) -> &[u8; SIGNATURE_LEN] {
        &self.signature
    }

    /// The 157-byte binary form.
    pub fn to_bytes(&self) -> Result<Vec<u8>, SealError> {
        let mut v = Vec::with_capacity(SEAL_LEN);
        v.extend_from_slice(&self.content.to_signed_bytes()?);
        v.extend_from_slice(&self.signature);
        Ok(v)
    }

    /// Parse the binary form (structure and code check symbol; not the signature).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SealError> {
        let Some(&version) = bytes.first() else {
            return Err(SealError::Length {
                found: 0,
                expected: SEAL_LEN,
            });
        };
        if version != SEAL_VERSION {
            return Err(SealError::Version { found: version });
        }
        if bytes.len() != SEAL_LEN {
            return Err(SealError::Length {
                found: bytes.len(),
                expected: SEAL_LEN,
            });
        }
        let mut packed = [0u8; 13];
        packed.copy_from_slice(&bytes[1..14]);
        let code = VerificationCode::from_packed(&packed).map_err(SealError::Code)?;
        let mut content_digest = [0u8; 32];
        content_digest.copy_from_slice(&bytes[14..46]);
        let mut t = [0u8; 8];
        t[3..8].copy_from_slice(&bytes[46..51]);
        let mut key_id = [0u8; 8];
        key_id.copy_from_slice(&bytes[51..59]);
        let kind = DocumentKind(u16::from_be_bytes([bytes[59], bytes[60]]));
        let mut signature = [0u8; SIGNATURE_LEN];
        signature.copy_from_slice(&bytes[SIGNED_LEN..]);
        Ok(Self {
            content: SealContent {
                code,
                content_digest,
                issued_at: u64::from_be_bytes(t),
                key_id: KeyId(key_id),
                kind,
            },
            signature,
        })
    }

    /// base64url without padding (210 characters).
    pub fn encode(&self) -> Result<String, SealError> {
        Ok(Base64UrlUnpadded::encode_string(&self.to_bytes()?))
    }

    /// Parse the base64url text form.
    pub fn decode(text: &str) -> Result<Self, SealError> {
        if text.len() > MAX_SEAL_TEXT {
            return Err(SealError::TooLong { len: text.len() });
        }
        let bytes = Base64UrlUnpadded::decode_vec(text.trim()).map_err(|_| SealError::Base64)?;
        Self::from_bytes(&bytes)
    }

    /// The QR URL: `https://{host}/v/{CODE}#{SEAL}` (`host` may carry a port or a path prefix).
    pub fn to_url(&self, host: &str) -> Result<String, SealError> {
        Ok(format!(
            "https://{}/v/{}#{}",
            host.trim_end_matches('/'),
            self.content.code.compact(),
            self.encode()?
        ))
    }

    /// Check the signature against the trusted keys; returns the key that signed.
    pub fn verify<'k>(&self, keys: &'k IssuerKeys) -> Result<&'k IssuerKey, SealError> {
        use signature::Verifier;
        let key = keys
            .find(&self.content.key_id)
            .ok_or(SealError::UnknownKey {
                key_id: self.content.key_id,
            })?;
        let sig = Signature::from_slice(&self.signature).map_err(|_| SealError::BadSignature)?;
        let msg = self.content.to_signed_bytes()?;
        key.key
            .verify(&msg, &sig)
            .map_err(|_| SealError::BadSignature)?;
        Ok(key)
    }
}

/// A seal as found in QR text, with the code of the URL path if there was one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealText {
    /// The seal.
    pub seal: Seal,
    /// The code in the `/v/CODE` path, if the text was a URL.
    pub url_code: Option<VerificationCode>,
    /// The host of the URL, if the text was a URL.
    pub host: Option<String>,
}

/// Parse QR text: a full URL `https://HOST/v/CODE#SEAL`, a bare `#SEAL` fragment, or the bare
/// base64url seal. Checks that the path code, if any, equals the seal's code.
pub fn parse_seal_text(text: &str) -> Result<SealText, SealError> {
    if text.len() > MAX_SEAL_TEXT {
        return Err(SealError::TooLong { len: text.len() });
    }
    let text = text.trim();
    if text.is_empty() {
        return Err(SealError::Missing);
    }
    let (before, fragment) = match text.split_once('#') {
        Some((b, f)) => (b, f),
        None if text.contains("://") || text.contains('/') => return Err(SealError::Missing),
        None => ("", text),
    };
    if fragment.is_empty() {
        return Err(SealError::Missing);
    }
    let seal = Seal::decode(fragment)?;
    let (mut url_code, mut host) = (None, None);
    if !before.is_empty() {
        let rest = before.split_once("://").map_or(before, |(_, r)| r);
        let (h, path) = rest.split_once('/').unwrap_or((rest, ""));
        host = Some(h.to_string()).filter(|h| !h.is_empty());
        let path = path.split('?').next().unwrap_or("");
        let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        if let [.., v, code] = segs.as_slice()
            && v.eq_ignore_ascii_case("v")
        {
            url_code = Some(VerificationCode::parse(code).map_err(SealError::UrlCode)?);
        } else {
            return Err(SealError::UrlCode(CodeError::Empty));
        }
    }
    if let Some(u) = url_code
        && u != seal.content.code
    {
        return Err(SealError::CodeMismatch {
            url: u,
            seal: seal.content.code,
        });
    }
    Ok(SealText {
        seal,
        url_code,
        host,
    })
}

/// Overall verdict of a seal check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SealStatus {
    /// Intact and signed by a trusted issuer key.
    Valid,
    /// Malformed, altered or forged.
    Invalid,
    /// Well-formed but signed by a key this verifier does not know.
    Indeterminate,
}

/// The result of [`verify_seal`]: data, not an error.
#[derive(Debug, Clone, Serialize)]
pub struct SealReport {
    /// Verdict.
    pub status: SealStatus,
    /// The seal's content, when it could be decoded.
    pub content: Option<SealContent>,
    /// The issue time as RFC 3339, when decoded.
    pub issued_at_utc: Option<String>,
    /// Name of the trusted key that signed, when valid.
    pub key_name: Option<String>,
    /// Findings, in English and Vietnamese.
    pub reasons: Vec<Reason>,
}

/// Verify QR text (URL, `#fragment` or bare seal) against trusted issuer keys.
pub fn verify_seal(text: &str, keys: &IssuerKeys) -> SealReport {
    let parsed = match parse_seal_text(text) {
        Ok(p) => p,
        Err(e) => {
            // Still show what the seal says when only the link's code is wrong.
            let content = match &e {
                SealError::CodeMismatch { .. } | SealError::UrlCode(_) => text
                    .split_once('#')
                    .and_then(|(_, f)| Seal::decode(f).ok())
                    .map(|s| s.content),
                _ => None,
            };
            return SealReport {
                status: SealStatus::Invalid,
                issued_at_utc: content.as_ref().map(|c| format_utc(c.issued_at)),
                content,
                key_name: None,
                reasons: vec![e.reason()],
            };
        }
    };
    let content = parsed.seal.content.clone();
    let issued_at_utc = Some(format_utc(content.issued_at));
    match parsed.seal.verify(keys) {
        Ok(key) => {
            let reason = Reason::new(
                "seal_valid",
                format!(
                    "The QR seal is intact and signed by trusted issuer key \"{}\" ({}): code {}, {}, issued {}.",
                    key.name,
                    key.id,
                    content.code,
                    content.kind.name_en(),
                    format_utc(content.issued_at)
                ),
                format!(
                    "Con dấu QR nguyên vẹn, được ký bằng khóa tin cậy \"{}\" ({}): mã {}, {}, cấp lúc {}.",
                    key.name,
                    key.id,
                    content.code,
                    content.kind.name_vi(),
                    format_utc(content.issued_at)
                ),
            );
            SealReport {
                status: SealStatus::Valid,
                content: Some(content),
                issued_at_utc,
                key_name: Some(key.name.clone()),
                reasons: vec![reason],
            }
        }
        Err(e) => SealReport {
            status: if matches!(e, SealError::UnknownKey { .. }) {
                SealStatus::Indeterminate
            } else {
                SealStatus::Invalid
            },
            content: Some(content),
            issued_at_utc,
            key_name: None,
            reasons: vec![e.reason()],
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use p384::ecdsa::SigningKey;

    fn key(seed: u8) -> SigningKey {
        let mut b = [0u8; 48];
        b[47] = seed;
        b[0] = 0x11;
        SigningKey::from_slice(&b).unwrap()
    }

    #[test]
    fn issuer_key_from_public_or_private_pem_is_the_same_key() {
        use p384::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
        let k = key(3);
        let private = k.to_pkcs8_pem(LineEnding::LF).unwrap();
        let public = k.verifying_key().to_public_key_pem(LineEnding::LF).unwrap();
        let a = IssuerKey::from_pem("a", &private).unwrap();
        let b = IssuerKey::from_pem("b", &public).unwrap();
        assert_eq!(a.id, b.id);
        assert_eq!(a.id, KeyId::of(k.verifying_key()));
        assert!(
            IssuerKey::from_pem(
                "c",
                "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"
            )
            .is_err()
        );
    }

    fn seal() -> (Seal, IssuerKeys) {
        let sk = key(1);
        let code = VerificationCode::from_random_bytes([9; 12]);
        let s = Seal::sign(
            code,
            content_digest(&[b"page one".as_slice()]),
            1_795_596_756,
            DocumentKind::DIPLOMA,
            &sk,
        )
        .unwrap();
        let keys = IssuerKeys::new().with(IssuerKey::new("test", *sk.verifying_key()));
        (s, keys)
    }

    #[test]
    fn round_trip_and_verify() {
        let (s, keys) = seal();
        let bytes = s.to_bytes().unwrap();
        assert_eq!(bytes.len(), SEAL_LEN);
        assert_eq!(Seal::from_bytes(&bytes).unwrap(), s);
        let url = s.to_url("verify.example.vn").unwrap();
        assert!(url.starts_with("https://verify.example.vn/v/"));
        assert_eq!(s.encode().unwrap().len(), 210);
        let r = verify_seal(&url, &keys);
        assert_eq!(r.status, SealStatus::Valid, "{:?}", r.reasons);
        assert_eq!(r.content.unwrap().kind, DocumentKind::DIPLOMA);
        assert_eq!(r.issued_at_utc.as_deref(), Some("2026-11-25T08:52:36Z"));
        let frag = format!("#{}", s.encode().unwrap());
        assert_eq!(verify_seal(&frag, &keys).status, SealStatus::Valid);
    }

    #[test]
    fn a_flipped_bit_in_any_byte_is_rejected() {
        let (s, keys) = seal();
        let bytes = s.to_bytes().unwrap();
        // One bit per byte (a different bit position each time) keeps this fast in debug builds.
        for i in (0..bytes.len()).map(|byte| byte * 8 + byte % 8) {
            let mut b = bytes.clone();
            b[i / 8] ^= 0x80 >> (i % 8);
            let text = Base64UrlUnpadded::encode_string(&b);
            let r = verify_seal(&text, &keys);
            assert_ne!(r.status, SealStatus::Valid, "bit {i}");
        }
    }

    #[test]
    fn unknown_key_is_indeterminate_and_mismatch_invalid() {
        let (s, _) = seal();
        let other = IssuerKeys::new().with(IssuerKey::new("other", *key(2).verifying_key()));
        let r = verify_seal(&s.encode().unwrap(), &other);
        assert_eq!(r.status, SealStatus::Indeterminate);
        assert_eq!(r.reasons[0].code, "seal_unknown_key");
        let (_, keys) = seal();
        let wrong = VerificationCode::from_random_bytes([8; 12]);
        let url = format!("https://h/v/{}#{}", wrong.compact(), s.encode().unwrap());
        let r = verify_seal(&url, &keys);
        assert_eq!(r.status, SealStatus::Invalid);
        assert_eq!(r.reasons[0].code, "seal_code_mismatch");
        assert!(r.content.is_some());
        assert_eq!(
            verify_seal("https://h/v/X", &keys).reasons[0].code,
            "seal_missing"
        );
        assert_eq!(verify_seal("", &keys).reasons[0].code, "seal_missing");
        assert_eq!(
            verify_seal("#!!!", &keys).reasons[0].code,
            "seal_bad_base64"
        );
        assert_eq!(
            verify_seal("#AQID", &keys).reasons[0].code,
            "seal_wrong_length"
        );
        assert_eq!(
            verify_seal("#AgID", &keys).reasons[0].code,
            "seal_unsupported_version"
        );
    }

    #[test]
    fn time_range_is_enforced() {
        let r = Seal::sign(
            VerificationCode::from_random_bytes([1; 12]),
            [0; 32],
            MAX_ISSUED_AT + 1,
            DocumentKind::OTHER,
            &key(3),
        );
        assert_eq!(r.unwrap_err().code(), "seal_time_out_of_range");
    }
}
