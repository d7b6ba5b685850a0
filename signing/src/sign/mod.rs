//! PAdES B-B signing of any PDF in an incremental update.
//!
//! ```no_run
//! use saoy_signing::pki::TestPki;
//! use saoy_signing::sign::{sign_pdf, SignOptions};
//!
//! let pki = TestPki::generate()?;
//! let signer = pki.signer()?;
//! let pdf = std::fs::read("in.pdf")?;
//! let signed = sign_pdf(&pdf, &signer, &SignOptions::default().reason("Sao y bản chính"))?;
//! std::fs::write("out.pdf", signed)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Caps on hostile input: [`MAX_PDF_BYTES`], [`MAX_OBJECTS`], and
//! [`MAX_DECOMPRESSED_STREAM`] per object/xref stream while loading; the
//! form-field tree is walked at most 32 levels deep. Encrypted PDFs are refused
//! ([`SignError::Encrypted`]); a DocMDP P=1 certified PDF is refused
//! ([`SignError::ChangesNotPermitted`]).

mod cms;
mod keys;
mod pdf;

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use der::Encode;
use signature::{AsyncSigner, SignatureEncoding};
use spki::{AlgorithmIdentifierOwned, DynSignatureAlgorithmIdentifier};
use x509_cert::Certificate;

pub use keys::{
    CmsSigner, DEFAULT_DIGEST, KeyAlgorithm, KeypairSigner, MIN_RSA_BITS, SoftwareKey,
    SoftwareSigner,
};
pub(crate) use pdf::pdf_date;
pub use pdf::{MAX_DECOMPRESSED_STREAM, MAX_OBJECTS, MAX_PDF_BYTES};

use crate::digest::DigestAlgorithm;

/// Errors of signing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// The input does not start like a PDF.
    #[error("the input is not a PDF (no %PDF- header)")]
    NotPdf,
    /// The PDF could not be parsed or lacks a required structure.
    #[error("malformed PDF: {detail}")]
    MalformedPdf {
        /// What is wrong.
        detail: String,
    },
    /// The PDF is encrypted; saoy does not sign encrypted PDFs.
    #[error("the PDF is encrypted; decrypt it before signing")]
    Encrypted,
    /// The document has no pages.
    #[error("the PDF has no pages")]
    NoPages,
    /// An input exceeds a documented cap.
    #[error("{what} exceeds the limit of {limit}")]
    TooLarge {
        /// What was too large.
        what: &'static str,
        /// The cap.
        limit: usize,
    },
    /// A certification signature (DocMDP) forbids further changes.
    #[error(
        "the document is certified with DocMDP P={docmdp}: no further signatures are permitted"
    )]
    ChangesNotPermitted {
        /// The DocMDP level found.
        docmdp: i64,
    },
    /// A certification signature must be the document's first signature.
    #[error(
        "a certification signature must come first; the document already has {existing} signature(s)"
    )]
    CertifyNotFirst {
        /// Signatures already present.
        existing: usize,
    },
    /// The named signature field is already signed.
    #[error("signature field {field:?} is already signed")]
    FieldAlreadySigned {
        /// The field name.
        field: String,
    },
    /// An option is invalid.
    #[error("invalid option {option}: {detail}")]
    InvalidOption {
        /// The option.
        option: &'static str,
        /// Why.
        detail: String,
    },
    /// The key is of an unsupported kind or size.
    #[error("unsupported key: {detail}")]
    UnsupportedKey {
        /// Why.
        detail: String,
    },
    /// A key could not be generated, encoded or used.
    #[error("key error: {detail}")]
    Key {
        /// Why.
        detail: String,
    },
    /// A certificate could not be parsed.
    #[error("certificate error: {detail}")]
    Certificate {
        /// Why.
        detail: String,
    },
    /// The private key does not belong to the certificate.
    #[error("the private key does not match the certificate of {subject}")]
    KeyCertificateMismatch {
        /// Subject of the certificate.
        subject: String,
    },
    /// The signer (key, token, remote service) failed.
    #[error("the signer failed: {detail}")]
    SignerFailed {
        /// Its error.
        detail: String,
    },
    /// The signature value has a length the signer's algorithm cannot produce.
    #[error("the CMS structure could not be encoded: {detail}")]
    Cms {
        /// Why.
        detail: String,
    },
    /// The CMS does not fit into the reserved `/Contents` space.
    #[error("the signature ({size} bytes) does not fit the reserved {reserved} bytes")]
    SignatureTooLarge {
        /// CMS size.
        size: usize,
        /// Reserved size.
        reserved: usize,
    },
    /// Reading the input or writing the output failed.
    #[error("I/O error on {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

impl SignError {
    /// Stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotPdf => "sign_not_pdf",
            Self::MalformedPdf { .. } => "sign_malformed_pdf",
            Self::Encrypted => "sign_encrypted_pdf",
            Self::NoPages => "sign_no_pages",
            Self::TooLarge { .. } => "sign_too_large",
            Self::ChangesNotPermitted { .. } => "sign_changes_not_permitted",
            Self::CertifyNotFirst { .. } => "sign_certify_not_first",
            Self::FieldAlreadySigned { .. } => "sign_field_already_signed",
            Self::InvalidOption { .. } => "sign_invalid_option",
            Self::UnsupportedKey { .. } => "sign_unsupported_key",
            Self::Key { .. } => "sign_key",
            Self::Certificate { .. } => "sign_certificate",
            Self::KeyCertificateMismatch { .. } => "sign_key_certificate_mismatch",
            Self::SignerFailed { .. } => "sign_signer_failed",
            Self::Cms { .. } => "sign_cms",
            Self::SignatureTooLarge { .. } => "sign_signature_too_large",
            Self::Io { .. } => "sign_io",
        }
    }
}

/// DocMDP permissions of a certification signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DocMdpPermissions {
    /// P=1: no changes at all (not even further signatures).
    NoChanges,
    /// P=2: form filling and signing (the usual choice for certified copies).
    FormFillingAndSigning,
    /// P=3: as P=2 plus annotations.
    AnnotationsFormsAndSigning,
}

/// Options of [`sign_pdf`]; build from `SignOptions::default()`.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct SignOptions {
    /// `/Reason`.
    pub reason: Option<String>,
    /// `/Location`.
    pub location: Option<String>,
    /// `/ContactInfo`.
    pub contact_info: Option<String>,
    /// `/Name` (the signer's name as shown by viewers).
    pub signer_name: Option<String>,
    /// Make this a certification signature with these DocMDP permissions.
    pub certify: Option<DocMdpPermissions>,
    /// The claimed signing time written as `/M` (default: now). Not a trusted time.
    pub signing_time: Option<SystemTime>,
    /// Sign into this field: an existing empty signature field of that name is
    /// filled, otherwise a new invisible field of that name is made.
    /// Default: the first empty signature field (no `/V`, or a `/V` whose
    /// `/Contents` is an all-zero placeholder), else a new field `SignatureN`.
    pub field_name: Option<String>,
    /// Bytes reserved for the CMS in `/Contents` (default: from the certificates).
    pub contents_reserve: Option<usize>,
}

impl SignOptions {
    /// Set `/Reason`.
    pub fn reason(mut self, r: impl Into<String>) -> Self {
        self.reason = Some(r.into());
        self
    }
    /// Set `/Location`.
    pub fn location(mut self, l: impl Into<String>) -> Self {
        self.location = Some(l.into());
        self
    }
    /// Set `/ContactInfo`.
    pub fn contact_info(mut self, c: impl Into<String>) -> Self {
        self.contact_info = Some(c.into());
        self
    }
    /// Set `/Name`.
    pub fn signer_name(mut self, n: impl Into<String>) -> Self {
        self.signer_name = Some(n.into());
        self
    }
    /// Make a certification signature.
    pub fn certify(mut self, p: DocMdpPermissions) -> Self {
        self.certify = Some(p);
        self
    }
    /// Set the `/M` time.
    pub fn signing_time(mut self, t: SystemTime) -> Self {
        self.signing_time = Some(t);
        self
    }
    /// Choose the signature field name.
    pub fn field_name(mut self, n: impl Into<String>) -> Self {
        self.field_name = Some(n.into());
        self
    }
    /// Override the reserved `/Contents` size in bytes.
    pub fn contents_reserve(mut self, bytes: usize) -> Self {
        self.contents_reserve = Some(bytes);
        self
    }
}

/// Largest `/Contents` reservation accepted.
const MAX_RESERVE: usize = 1024 * 1024;

/// A PDF with a placeholder signature, waiting for the signature value over
/// [`PreparedSignature::to_be_signed`]. Lets a signer that is not a
/// `CmsSigner` (an HSM queue, a remote service) sign in between.
pub struct PreparedSignature {
    placeholder: pdf::Placeholder,
    attrs: cms::SignedAttributesHolder,
    tbs: Vec<u8>,
    signature_algorithm: AlgorithmIdentifierOwned,
    digest: DigestAlgorithm,
    certificate: Certificate,
    chain: Vec<Certificate>,
}

impl std::fmt::Debug for PreparedSignature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreparedSignature")
            .field("byte_range", &self.placeholder.byte_range())
            .field("digest", &self.digest)
            .finish_non_exhaustive()
    }
}

impl PreparedSignature {
    /// Build the incremental update of `pdf` with a placeholder, and the
    /// signed attributes for `certificate` under `signature_algorithm`.
    pub fn new(
        pdf: &[u8],
        certificate: &Certificate,
        chain: &[Certificate],
        signature_algorithm: AlgorithmIdentifierOwned,
        options: &SignOptions,
    ) -> Result<Self, SignError> {
        let digest = keys::digest_of(&signature_algorithm)?;
        let reserve = match options.contents_reserve {
            Some(r) if r > MAX_RESERVE => {
                return Err(SignError::InvalidOption {
                    option: "contents_reserve",
                    detail: format!("{r} exceeds {MAX_RESERVE}"),
                });
            }
            Some(r) => r,
            None => {
                let mut certs = 0usize;
                for c in std::iter::once(certificate).chain(chain.iter()) {
                    certs += c
                        .encoded_len()
                        .map(usize::try_from)
                        .ok()
                        .and_then(Result::ok)
                        .unwrap_or(4096);
                }
                (certs + 4096).min(MAX_RESERVE)
            }
        };
        // Parses the PDF and builds the update while hashing the input beside it.
        let (placeholder, content_digest) = pdf::prepare_hashed(pdf, options, reserve, digest)?;
        let attrs = cms::signed_attributes(&content_digest, certificate, digest)?;
        let tbs = cms::to_be_signed(&attrs)?;
        Ok(Self {
            placeholder,
            attrs: cms::SignedAttributesHolder(attrs),
            tbs,
            signature_algorithm,
            digest,
            certificate: certificate.clone(),
            chain: chain.to_vec(),
        })
    }

    /// The bytes to sign (DER of the signed attributes); the signer hashes
    /// them with the signature algorithm's hash.
    pub fn to_be_signed(&self) -> &[u8] {
        &self.tbs
    }

    /// The digest algorithm of the signature.
    pub fn digest_algorithm(&self) -> DigestAlgorithm {
        self.digest
    }

    /// The `/ByteRange` of the pending signature.
    pub fn byte_range(&self) -> [usize; 4] {
        self.placeholder.byte_range()
    }

    /// Embed `signature` (ECDSA: DER-encoded) and return the signed PDF.
    pub fn finish(self, signature: &[u8]) -> Result<Vec<u8>, SignError> {
        self.finish_with_unsigned_attributes(signature, Vec::new())
    }

    /// Like [`PreparedSignature::finish`], with unsigned attributes in the
    /// SignerInfo (e.g. an RFC 3161 signature time-stamp for PAdES B-T).
    pub fn finish_with_unsigned_attributes(
        mut self,
        signature: &[u8],
        unsigned_attributes: Vec<x509_cert::attr::Attribute>,
    ) -> Result<Vec<u8>, SignError> {
        let der = cms::assemble(
            self.attrs.0,
            signature,
            self.signature_algorithm,
            self.digest,
            &self.certificate,
            &self.chain,
            unsigned_attributes,
        )?;
        self.placeholder.patch_contents(&der)?;
        Ok(self.placeholder.bytes)
    }
}

/// Sign `pdf` with a PAdES B-B signature in a new incremental update.
pub fn sign_pdf<S: CmsSigner + ?Sized>(
    pdf: &[u8],
    signer: &S,
    options: &SignOptions,
) -> Result<Vec<u8>, SignError> {
    let prepared = PreparedSignature::new(
        pdf,
        signer.certificate(),
        signer.chain(),
        signer.signature_algorithm()?,
        options,
    )?;
    let sig = signer.sign_message(prepared.to_be_signed())?;
    prepared.finish(&sig)
}

/// Like [`sign_pdf`], with an asynchronous signer (a remote signing service or
/// a token driven by async I/O): any `signature::AsyncSigner<Sig>` whose
/// signature algorithm is known.
pub async fn sign_pdf_async<S, Sig>(
    pdf: &[u8],
    signer: &S,
    certificate: &Certificate,
    chain: &[Certificate],
    options: &SignOptions,
) -> Result<Vec<u8>, SignError>
where
    S: AsyncSigner<Sig> + DynSignatureAlgorithmIdentifier,
    Sig: SignatureEncoding,
{
    let alg = signer
        .signature_algorithm_identifier()
        .map_err(|e| SignError::Key {
            detail: e.to_string(),
        })?;
    let prepared = PreparedSignature::new(pdf, certificate, chain, alg, options)?;
    let sig = signer
        .sign_async(prepared.to_be_signed())
        .await
        .map_err(|e| SignError::SignerFailed {
            detail: e.to_string(),
        })?;
    prepared.finish(&sig.to_vec())
}

/// Sign the file `input` into `output`, never leaving a half-written output:
/// the result goes to a temporary file beside `output`, then is renamed.
pub fn sign_file<S: CmsSigner + ?Sized>(
    input: &Path,
    output: &Path,
    signer: &S,
    options: &SignOptions,
) -> Result<(), SignError> {
    let pdf = std::fs::read(input).map_err(|source| SignError::Io {
        path: input.to_path_buf(),
        source,
    })?;
    let signed = sign_pdf(&pdf, signer, options)?;
    write_atomically(output, &signed).map_err(|source| SignError::Io {
        path: output.to_path_buf(),
        source,
    })
}

/// Write `bytes` to a temporary file in `path`'s directory, then rename it over `path`.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let tmp = dir.join(format!(".{file_name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
pub(crate) mod tests;
