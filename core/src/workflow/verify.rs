//! [`Verifier`]: a PDF (and optionally a typed code) → signature + seal + registry status, as
//! one bilingual report.

use super::{CopyVerifier, PdfCheck, SignatureStatus};
use crate::code::VerificationCode;
use crate::registry::{Registry, Requester, Status};
use crate::report::{Reason, format_utc};
use crate::seal::{IssuerKeys, SealReport, SealStatus, verify_seal};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// Overall verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Verdict {
    /// Signature, seal and registry all confirm the copy.
    Valid,
    /// Tampered, forged or inconsistent.
    Invalid,
    /// Authentic but revoked.
    Revoked,
    /// The code is not in the registry.
    Unknown,
    /// Could not be decided (untrusted signer, unknown seal key, registry unavailable).
    Indeterminate,
}

/// What the registry says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
#[non_exhaustive]
pub enum RegistryCheck {
    /// No registry configured, or no code.
    NotChecked,
    /// Registered and valid.
    Valid {
        /// Issuing office.
        office_id: String,
        /// Issue time, RFC 3339.
        issued_at_utc: String,
    },
    /// Revoked.
    Revoked {
        /// Why.
        reason: String,
        /// When, RFC 3339.
        at_utc: String,
    },
    /// Not registered (or never completed).
    Unknown,
    /// The registry could not be reached.
    Unavailable {
        /// Error code.
        error: String,
    },
}

/// The verification report.
#[derive(Debug, Clone, Serialize)]
pub struct VerificationReport {
    /// Verdict.
    pub verdict: Verdict,
    /// The code checked.
    pub code: Option<VerificationCode>,
    /// PDF signature check.
    pub signature: Option<PdfCheck>,
    /// QR seal check.
    pub seal: Option<SealReport>,
    /// Registry status.
    pub registry: RegistryCheck,
    /// Whether the PDF's signed revision is the one registered.
    pub document_matches_registry: Option<bool>,
    /// All findings, in English and Vietnamese.
    pub reasons: Vec<Reason>,
}

/// Verifies certified copies.
pub struct Verifier {
    pdf: Arc<dyn CopyVerifier>,
    registry: Option<Arc<dyn Registry>>,
    keys: IssuerKeys,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("keys", &self.keys.len())
            .field("registry", &self.registry.is_some())
            .finish()
    }
}

impl Verifier {
    /// A verifier; without a registry only signature and seal are checked.
    pub fn new(
        pdf: Arc<dyn CopyVerifier>,
        registry: Option<Arc<dyn Registry>>,
        keys: IssuerKeys,
    ) -> Self {
        Self {
            pdf,
            registry,
            keys,
        }
    }

    /// Verify a PDF; `typed_code` is a code the user typed (checked against the seal's).
    pub fn verify(&self, pdf: &[u8], typed_code: Option<&str>) -> VerificationReport {
        let mut reasons = Vec::new();
        let mut invalid = false;
        let mut indeterminate = false;

        let signature = match self.pdf.verify(pdf) {
            Ok(c) => {
                match c.status {
                    SignatureStatus::Valid => {}
                    SignatureStatus::Invalid => invalid = true,
                    _ => indeterminate = true,
                }
                reasons.extend(c.reasons.iter().cloned());
                Some(c)
            }
            Err(e) => {
                invalid = true;
                reasons.push(Reason::new(
                    "pdf_unreadable",
                    format!("The file cannot be checked as a signed PDF: {e}"),
                    format!("Không kiểm tra được tệp như một PDF có chữ ký: {e}"),
                ));
                None
            }
        };

        let seal = signature
            .as_ref()
            .and_then(|s| s.seal_text.as_deref())
            .map(|t| verify_seal(t, &self.keys));
        match &seal {
            Some(s) => {
                match s.status {
                    SealStatus::Valid => {}
                    SealStatus::Invalid => invalid = true,
                    _ => indeterminate = true,
                }
                reasons.extend(s.reasons.iter().cloned());
            }
            None => {
                invalid = true;
                reasons.push(Reason::new(
                    "seal_absent",
                    "No QR seal was found in the document.",
                    "Không tìm thấy con dấu QR trong tài liệu.",
                ));
            }
        }
        let seal_code = seal
            .as_ref()
            .and_then(|s| s.content.as_ref())
            .map(|c| c.code);
        let code = match typed_code.map(VerificationCode::parse) {
            Some(Ok(c)) => {
                if seal_code.is_some_and(|s| s != c) {
                    invalid = true;
                    reasons.push(Reason::new(
                        "code_mismatch",
                        format!("The code you entered ({c}) is not the code of this document."),
                        format!("Mã bạn nhập ({c}) không phải mã của tài liệu này."),
                    ));
                }
                Some(c)
            }
            Some(Err(e)) => {
                invalid = true;
                reasons.push(Reason::new(
                    e.code(),
                    format!("The code you entered is not valid: {e}"),
                    "Mã bạn nhập không hợp lệ (sai ký tự, thiếu/thừa ký tự hoặc sai ký tự kiểm tra).",
                ));
                seal_code
            }
            None => seal_code,
        };

        let mut document_matches_registry = None;
        let mut revoked = false;
        let mut unknown = false;
        let registry = match (&self.registry, code) {
            (Some(reg), Some(code)) => match reg.lookup(&code, &Requester::new("verifier")) {
                Ok(Some(rec)) => {
                    let end = signature
                        .as_ref()
                        .and_then(|s| s.signed_revision_len)
                        .unwrap_or(pdf.len())
                        .min(pdf.len());
                    let digest: [u8; 32] = Sha256::digest(&pdf[..end]).into();
                    let matches = rec.document_digest == Some(digest);
                    document_matches_registry = Some(matches);
                    if !matches {
                        invalid = true;
                        reasons.push(Reason::new(
                            "document_not_registered",
                            "This file is not the copy registered under its code.",
                            "Tệp này không phải bản sao đã được đăng ký với mã này.",
                        ));
                    }
                    if let Some(c) = seal.as_ref().and_then(|s| s.content.as_ref())
                        && c.content_digest != rec.content_digest
                    {
                        invalid = true;
                        reasons.push(Reason::new(
                            "seal_not_registered",
                            "The seal's page digest differs from the registered one.",
                            "Mã băm trang trong con dấu khác với bản đã đăng ký.",
                        ));
                    }
                    match rec.status {
                        Status::Valid => {
                            reasons.push(Reason::new(
                                "registry_valid",
                                format!(
                                    "Registered as valid: issued by {} at {}.",
                                    rec.office_id,
                                    format_utc(rec.issued_at)
                                ),
                                format!(
                                    "Đã đăng ký, còn hiệu lực: cấp bởi {} lúc {}.",
                                    rec.office_id,
                                    format_utc(rec.issued_at)
                                ),
                            ));
                            RegistryCheck::Valid {
                                office_id: rec.office_id,
                                issued_at_utc: format_utc(rec.issued_at),
                            }
                        }
                        Status::Revoked { reason, at } => {
                            revoked = true;
                            reasons.push(Reason::new(
                                "registry_revoked",
                                format!("This copy was revoked at {}: {reason}", format_utc(at)),
                                format!(
                                    "Bản sao này đã bị thu hồi lúc {}: {reason}",
                                    format_utc(at)
                                ),
                            ));
                            RegistryCheck::Revoked {
                                reason,
                                at_utc: format_utc(at),
                            }
                        }
                        _ => {
                            unknown = true;
                            RegistryCheck::Unknown
                        }
                    }
                }
                Ok(None) => {
                    unknown = true;
                    reasons.push(Reason::new(
                        "registry_unknown",
                        format!("No certified copy is registered under code {code}."),
                        format!("Không có bản sao chứng thực nào được đăng ký với mã {code}."),
                    ));
                    RegistryCheck::Unknown
                }
                Err(e) => {
                    indeterminate = true;
                    reasons.push(Reason::new(
                        e.code(),
                        format!("The registry could not be consulted: {e}"),
                        "Không tra cứu được cơ sở dữ liệu đăng ký; vui lòng thử lại sau.",
                    ));
                    RegistryCheck::Unavailable {
                        error: e.code().into(),
                    }
                }
            },
            _ => RegistryCheck::NotChecked,
        };
        let verdict = if invalid {
            Verdict::Invalid
        } else if revoked {
            Verdict::Revoked
        } else if unknown {
            Verdict::Unknown
        } else if indeterminate {
            Verdict::Indeterminate
        } else {
            Verdict::Valid
        };
        VerificationReport {
            verdict,
            code,
            signature,
            seal,
            registry,
            document_matches_registry,
            reasons,
        }
    }
}
