//! The verification report: data, not errors. Every reason carries a stable
//! code and a message in English and in Vietnamese (Circular 15/2025 asks
//! verification software to show signer, time and integrity in Vietnamese).

use serde::Serialize;

/// Outcome of one signature or of the whole document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Status {
    /// Everything checked out, chained to a supplied trust anchor.
    Valid,
    /// Not proven wrong, but not proven right either (no trust anchor,
    /// unsupported algorithm, expired certificate, …).
    Indeterminate,
    /// A proven defect: tampered bytes, bad signature, forbidden change.
    Invalid,
}

impl Status {
    /// `valid`, `indeterminate` or `invalid`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Valid => "valid",
            Status::Indeterminate => "indeterminate",
            Status::Invalid => "invalid",
        }
    }

    /// The word in the given language.
    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Status::Valid, Lang::En) => "VALID",
            (Status::Indeterminate, Lang::En) => "INDETERMINATE",
            (Status::Invalid, Lang::En) => "INVALID",
            (Status::Valid, Lang::Vi) => "HỢP LỆ",
            (Status::Indeterminate, Lang::Vi) => "CHƯA XÁC ĐỊNH",
            (Status::Invalid, Lang::Vi) => "KHÔNG HỢP LỆ",
        }
    }
}

/// Language of a rendered message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Lang {
    /// English.
    En,
    /// Vietnamese.
    Vi,
}

/// How much a reason weighs on the status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Severity {
    /// Information only; does not change the status.
    Info,
    /// Makes the status at most indeterminate.
    Indeterminate,
    /// Makes the status invalid.
    Invalid,
}

macro_rules! reason_codes {
    ($( $(#[$doc:meta])* $variant:ident = $code:literal, $sev:ident, $en:literal, $vi:literal; )*) => {
        /// Stable machine code of a [`Reason`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ReasonCode {
            $( $(#[$doc])* $variant, )*
        }

        impl ReasonCode {
            /// The stable snake_case code.
            pub fn code(self) -> &'static str {
                match self { $( ReasonCode::$variant => $code, )* }
            }
            /// Default severity.
            pub fn severity(self) -> Severity {
                match self { $( ReasonCode::$variant => Severity::$sev, )* }
            }
            /// Message template in English.
            pub fn english(self) -> &'static str {
                match self { $( ReasonCode::$variant => $en, )* }
            }
            /// Message template in Vietnamese.
            pub fn vietnamese(self) -> &'static str {
                match self { $( ReasonCode::$variant => $vi, )* }
            }
            /// Every code (for documentation and tests).
            pub const ALL: &'static [ReasonCode] = &[ $( ReasonCode::$variant, )* ];
        }
    };
}

reason_codes! {
    /// /ByteRange missing or not four non-negative integers.
    ByteRangeMalformed = "byte_range_malformed", Invalid,
        "the /ByteRange is missing or is not four non-negative integers",
        "/ByteRange bị thiếu hoặc không phải bốn số nguyên không âm";
    /// The first range does not start at offset 0.
    ByteRangeNotFromStart = "byte_range_not_from_start", Invalid,
        "the signed byte range does not start at the beginning of the file",
        "vùng dữ liệu được ký không bắt đầu từ đầu tệp";
    /// The two ranges overlap or are out of order.
    ByteRangeOverlap = "byte_range_overlap", Invalid,
        "the two signed byte ranges overlap or are out of order",
        "hai vùng dữ liệu được ký chồng lên nhau hoặc sai thứ tự";
    /// A range reaches past the end of the file.
    ByteRangeOutOfFile = "byte_range_out_of_file", Invalid,
        "the signed byte range points outside the file",
        "vùng dữ liệu được ký trỏ ra ngoài tệp";
    /// The unsigned gap is not exactly the /Contents hex string.
    ByteRangeGapMismatch = "byte_range_gap_mismatch", Invalid,
        "the unsigned gap of the byte range is not exactly the signature's /Contents",
        "khoảng trống không được ký trong vùng dữ liệu không đúng bằng /Contents của chữ ký";
    /// The signed bytes end neither at the end of the file nor at the end of a revision.
    CoverageNotRevision = "coverage_not_revision", Invalid,
        "the signature covers neither the whole file nor a complete earlier revision",
        "chữ ký không bao phủ toàn bộ tệp cũng như một phiên bản trước đó hoàn chỉnh";
    /// /Contents missing or empty.
    ContentsMissing = "contents_missing", Invalid,
        "the signature dictionary has no /Contents",
        "từ điển chữ ký không có /Contents";
    /// Bytes after the CMS in /Contents are not the zero padding an honest signer writes.
    ContentsPaddingModified = "contents_padding_modified", Invalid,
        "the padding after the signature value in /Contents was altered",
        "phần đệm sau giá trị chữ ký trong /Contents đã bị sửa đổi";
    /// The CMS blob cannot be decoded.
    CmsMalformed = "cms_malformed", Invalid,
        "the signature value (CMS) cannot be decoded",
        "không giải mã được giá trị chữ ký (CMS)";
    /// Not exactly one SignerInfo.
    CmsSignerCount = "cms_signer_count", Invalid,
        "the CMS must contain exactly one signer",
        "CMS phải chứa đúng một người ký";
    /// A detached subfilter carries encapsulated content.
    CmsNotDetached = "cms_not_detached", Invalid,
        "the CMS embeds content although the subfilter requires a detached signature",
        "CMS chứa nội dung nhúng trong khi kiểu chữ ký yêu cầu chữ ký tách rời";
    /// The content-type attribute or eContentType is wrong.
    CmsContentTypeMismatch = "cms_content_type_mismatch", Invalid,
        "the signed content type does not match the signature kind",
        "kiểu nội dung được ký không khớp với loại chữ ký";
    /// A required signed attribute is missing (message-digest).
    CmsAttributeMissing = "cms_attribute_missing", Invalid,
        "a required signed attribute is missing",
        "thiếu một thuộc tính được ký bắt buộc";
    /// The digest of the signed bytes differs from the signed message digest.
    DigestMismatch = "digest_mismatch", Invalid,
        "the document bytes were changed after signing (digest mismatch)",
        "dữ liệu tài liệu đã bị thay đổi sau khi ký (giá trị băm không khớp)";
    /// The signature value does not verify with the signer's public key.
    SignatureInvalid = "signature_invalid", Invalid,
        "the signature value does not verify with the signer's public key",
        "giá trị chữ ký không khớp với khóa công khai của người ký";
    /// The signer certificate is not in the CMS or the /DSS.
    SignerCertificateMissing = "signer_certificate_missing", Indeterminate,
        "the signer's certificate is not included",
        "không tìm thấy chứng thư số của người ký";
    /// A certificate could not be decoded.
    CertificateMalformed = "certificate_malformed", Indeterminate,
        "a certificate could not be decoded",
        "không giải mã được một chứng thư số";
    /// The signing-certificate(-v2) attribute names another certificate.
    SigningCertificateMismatch = "signing_certificate_mismatch", Invalid,
        "the signing-certificate attribute does not match the signer's certificate",
        "thuộc tính signing-certificate không khớp với chứng thư số của người ký";
    /// No signing-certificate(-v2) attribute (required for PAdES).
    SigningCertificateAttributeMissing = "signing_certificate_attribute_missing", Info,
        "no signing-certificate attribute: the signature is not PAdES-conformant",
        "không có thuộc tính signing-certificate: chữ ký không tuân thủ PAdES";
    /// The digest algorithm is not supported.
    UnsupportedDigestAlgorithm = "unsupported_digest_algorithm", Indeterminate,
        "the digest algorithm is not supported",
        "thuật toán băm không được hỗ trợ";
    /// The signature algorithm or key type is not supported.
    UnsupportedSignatureAlgorithm = "unsupported_signature_algorithm", Indeterminate,
        "the signature algorithm or key type is not supported",
        "thuật toán chữ ký hoặc loại khóa không được hỗ trợ";
    /// The subfilter is not one the verifier knows.
    UnsupportedSubfilter = "unsupported_subfilter", Indeterminate,
        "the signature format (/SubFilter) is not supported",
        "định dạng chữ ký (/SubFilter) không được hỗ trợ";
    /// No path from the signer to a trust anchor.
    UntrustedChain = "untrusted_chain", Indeterminate,
        "the certificate chain does not lead to a trusted root",
        "chuỗi chứng thư số không dẫn tới chứng thư gốc tin cậy";
    /// A certificate in the path had expired at the validation time.
    CertExpired = "cert_expired", Indeterminate,
        "a certificate in the chain had expired at the validation time",
        "một chứng thư số trong chuỗi đã hết hạn tại thời điểm kiểm tra";
    /// A certificate in the path was not yet valid at the validation time.
    CertNotYetValid = "cert_not_yet_valid", Indeterminate,
        "a certificate in the chain was not yet valid at the validation time",
        "một chứng thư số trong chuỗi chưa có hiệu lực tại thời điểm kiểm tra";
    /// The signer's key usage allows neither digitalSignature nor nonRepudiation.
    KeyUsageInvalid = "key_usage_invalid", Invalid,
        "the signer's certificate is not allowed to sign documents (key usage)",
        "chứng thư số của người ký không được phép ký tài liệu (mục đích sử dụng khóa)";
    /// Chain longer than the cap.
    ChainTooDeep = "chain_too_deep", Indeterminate,
        "the certificate chain is longer than allowed",
        "chuỗi chứng thư số dài hơn mức cho phép";
    /// Revocation status was not checked.
    RevocationNotChecked = "revocation_not_checked", Info,
        "revocation status (OCSP/CRL) was not checked",
        "chưa kiểm tra tình trạng thu hồi (OCSP/CRL)";
    /// SHA-1 or an RSA key under 2048 bits.
    WeakAlgorithm = "weak_algorithm", Info,
        "a weak algorithm is used (SHA-1 or RSA under 2048 bits)",
        "sử dụng thuật toán yếu (SHA-1 hoặc RSA dưới 2048 bit)";
    /// The RFC 3161 token cannot be read.
    TimestampMalformed = "timestamp_malformed", Invalid,
        "the time-stamp token cannot be decoded",
        "không giải mã được dấu thời gian";
    /// The time-stamp imprint is not the hash of what it stamps.
    TimestampImprintMismatch = "timestamp_imprint_mismatch", Invalid,
        "the time-stamp does not match the data it claims to stamp",
        "dấu thời gian không khớp với dữ liệu được đóng dấu";
    /// A time-stamp verified, but its authority's trust/revocation is not fully checked yet.
    TimestampTrustPartial = "timestamp_trust_partial", Info,
        "time-stamp checked (imprint and signature); full TSA trust checking is not implemented yet",
        "đã kiểm tra dấu thời gian (giá trị băm và chữ ký); chưa kiểm tra đầy đủ độ tin cậy của đơn vị cấp dấu thời gian";
    /// The time-stamp token verified and its authority chains to a trust anchor.
    TimestampValid = "timestamp_valid", Info,
        "time-stamp valid: issued by a trusted time-stamping authority",
        "dấu thời gian hợp lệ: do đơn vị cấp dấu thời gian tin cậy cấp";
    /// The time-stamp's authority is not trusted (chain, validity or key purpose): the time is not relied on.
    TimestampNotTrusted = "timestamp_not_trusted", Info,
        "the time-stamp's authority is not trusted, so its time is not relied on",
        "đơn vị cấp dấu thời gian không được tin cậy nên thời gian của dấu không được sử dụng";
    /// The certificate was validated at a time proven by a time-stamp, not at the validation time.
    ValidatedAtTimestampTime = "validated_at_timestamp_time", Info,
        "certificates were validated at the time proven by a time-stamp",
        "các chứng thư số được kiểm tra tại thời điểm được chứng minh bởi dấu thời gian";
    /// Revocation data in the document show the certificate was good.
    RevocationGood = "revocation_good", Info,
        "revocation data (OCSP/CRL) show the certificate was not revoked",
        "dữ liệu thu hồi (OCSP/CRL) cho thấy chứng thư số chưa bị thu hồi";
    /// A certificate was revoked before the time it was relied on.
    CertRevoked = "cert_revoked", Invalid,
        "a certificate in the chain was revoked before it was used",
        "một chứng thư số trong chuỗi đã bị thu hồi trước khi được sử dụng";
    /// Page content or resources changed after signing.
    ModifiedAfterSigningPageContent = "modified_after_signing_page_content", Invalid,
        "page content was changed after signing",
        "nội dung trang đã bị thay đổi sau khi ký";
    /// Pages added, removed or rearranged after signing.
    ModifiedAfterSigningPages = "modified_after_signing_pages", Invalid,
        "pages were added, removed or changed after signing",
        "các trang đã bị thêm, xóa hoặc thay đổi sau khi ký";
    /// Annotations added or changed after signing.
    ModifiedAfterSigningAnnotations = "modified_after_signing_annotations", Invalid,
        "annotations were added or changed after signing",
        "chú thích đã bị thêm hoặc thay đổi sau khi ký";
    /// An existing signature dictionary was changed.
    ModifiedAfterSigningSignatureDictionary = "modified_after_signing_signature_dictionary", Invalid,
        "an existing signature's dictionary was changed after signing",
        "từ điển của một chữ ký đã có bị thay đổi sau khi ký";
    /// Form fields changed in a way that is not form filling.
    ModifiedAfterSigningFormFields = "modified_after_signing_form_fields", Invalid,
        "form fields were changed after signing beyond filling them in",
        "các trường biểu mẫu đã bị thay đổi sau khi ký, vượt quá việc điền thông tin";
    /// The document catalog was changed.
    ModifiedAfterSigningCatalog = "modified_after_signing_catalog", Invalid,
        "the document catalog was changed after signing",
        "danh mục tài liệu (catalog) đã bị thay đổi sau khi ký";
    /// Some other object reachable from the document was changed.
    ModifiedAfterSigningOther = "modified_after_signing_other", Invalid,
        "document objects were changed after signing",
        "các đối tượng của tài liệu đã bị thay đổi sau khi ký";
    /// A change forbidden by the certification signature's DocMDP level.
    DocmdpViolation = "docmdp_violation", Invalid,
        "a change forbidden by the certification signature (DocMDP) was made",
        "đã có thay đổi bị chữ ký chứng nhận (DocMDP) cấm";
    /// Later revisions only made allowed changes.
    AllowedChangesAfterSigning = "allowed_changes_after_signing", Info,
        "later revisions only added signatures, time-stamps, validation data or form input",
        "các phiên bản sau chỉ thêm chữ ký, dấu thời gian, dữ liệu xác thực hoặc thông tin biểu mẫu";
    /// A later revision could not be analysed.
    ChangeAnalysisIncomplete = "change_analysis_incomplete", Indeterminate,
        "changes made after signing could not be fully analysed",
        "không phân tích được đầy đủ các thay đổi sau khi ký";
    /// The document has no signatures.
    NoSignatures = "no_signatures", Indeterminate,
        "the document contains no signatures",
        "tài liệu không có chữ ký";
    /// The document is encrypted.
    Encrypted = "encrypted", Indeterminate,
        "the document is encrypted; its signatures cannot be checked",
        "tài liệu được mã hóa; không kiểm tra được chữ ký";
}

impl Serialize for ReasonCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

/// One finding, with a stable code and bilingual text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Reason {
    /// Stable machine code, e.g. `digest_mismatch`.
    pub code: ReasonCode,
    /// How it weighs on the status.
    pub severity: Severity,
    /// English message.
    pub en: String,
    /// Vietnamese message.
    pub vi: String,
    /// Technical detail (language-neutral: offsets, OIDs, object paths).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl Reason {
    /// A reason with its default severity.
    pub fn new(code: ReasonCode, detail: Option<String>) -> Self {
        Self::with_severity(code, code.severity(), detail)
    }

    /// A reason with an explicit severity.
    pub fn with_severity(code: ReasonCode, severity: Severity, detail: Option<String>) -> Self {
        Reason {
            code,
            severity,
            en: code.english().to_owned(),
            vi: code.vietnamese().to_owned(),
            detail,
        }
    }

    /// The message in `lang`.
    pub fn message(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.en,
            Lang::Vi => &self.vi,
        }
    }
}

/// PAdES conformance level detected for a signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub enum PadesLevel {
    /// PAdES-BASELINE-B.
    #[serde(rename = "B-B")]
    BB,
    /// PAdES-BASELINE-T.
    #[serde(rename = "B-T")]
    BT,
    /// PAdES-BASELINE-LT.
    #[serde(rename = "B-LT")]
    BLt,
    /// PAdES-BASELINE-LTA.
    #[serde(rename = "B-LTA")]
    BLta,
    /// An `adbe.*` signature or a CAdES signature missing PAdES attributes.
    #[serde(rename = "not PAdES")]
    NotPades,
    /// The signature is itself a document time-stamp.
    #[serde(rename = "document timestamp")]
    DocumentTimestamp,
}

impl PadesLevel {
    /// Display text.
    pub fn as_str(self) -> &'static str {
        match self {
            PadesLevel::BB => "B-B",
            PadesLevel::BT => "B-T",
            PadesLevel::BLt => "B-LT",
            PadesLevel::BLta => "B-LTA",
            PadesLevel::NotPades => "not PAdES",
            PadesLevel::DocumentTimestamp => "document timestamp",
        }
    }
}

/// What part of the file a signature covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Coverage {
    /// Every byte but the signature value.
    WholeFile,
    /// A complete earlier revision; later revisions were analysed.
    Revision {
        /// 1-based revision number that was signed.
        revision: usize,
        /// Number of revisions in the file.
        of: usize,
        /// Bytes signed.
        signed_bytes: u64,
        /// File size.
        file_size: u64,
    },
    /// The byte range is broken; coverage is unknown.
    Unknown,
}

/// Signature or document time-stamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SignatureKind {
    /// An approval or certification signature.
    Signature,
    /// A document time-stamp (/DocTimeStamp, ETSI.RFC3161).
    DocumentTimestamp,
}

/// Who signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Signer {
    /// Subject common name.
    pub common_name: Option<String>,
    /// Subject distinguished name (RFC 4514 style, most significant last).
    pub subject: String,
    /// Issuer distinguished name.
    pub issuer: String,
    /// Certificate serial number, hex.
    pub serial: String,
    /// Certificate validity start (RFC 3339).
    pub not_before: Option<String>,
    /// Certificate validity end (RFC 3339).
    pub not_after: Option<String>,
}

/// The result for one signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct SignatureReport {
    /// Position in the document (0-based, in field order).
    pub index: usize,
    /// Fully qualified field name.
    pub field: Option<String>,
    /// Signature or document time-stamp.
    pub kind: SignatureKind,
    /// Outcome.
    pub status: Status,
    /// /SubFilter.
    pub sub_filter: Option<String>,
    /// PAdES level detected.
    pub pades_level: Option<PadesLevel>,
    /// Certification signature's DocMDP permission level (1–3), if any.
    pub certification_level: Option<u8>,
    /// The signer.
    pub signer: Option<Signer>,
    /// Claimed signing time from /M (RFC 3339), as the signer asserted it.
    pub claimed_time: Option<String>,
    /// The CMS signing-time attribute (RFC 3339), if present.
    pub signing_time_attribute: Option<String>,
    /// Time from a verified time-stamp (signature time-stamp or the document time-stamp itself).
    pub timestamp_time: Option<String>,
    /// /Reason, /Location, /Name as written (unverified).
    pub stated_reason: Option<String>,
    /// /Location.
    pub location: Option<String>,
    /// Digest algorithm (OID or name).
    pub digest_algorithm: Option<String>,
    /// Signature algorithm (OID or name).
    pub signature_algorithm: Option<String>,
    /// What the signature covers.
    pub coverage: Coverage,
    /// Findings, most severe first.
    pub reasons: Vec<Reason>,
}

/// The result for a whole document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct DocumentReport {
    /// Worst status over all signatures (indeterminate if there are none).
    pub status: Status,
    /// Number of revisions (incremental updates + 1).
    pub revisions: usize,
    /// File size in bytes.
    pub file_size: u64,
    /// Validation time used (RFC 3339).
    pub validation_time: String,
    /// One entry per signature and document time-stamp.
    pub signatures: Vec<SignatureReport>,
    /// Document-level findings.
    pub reasons: Vec<Reason>,
}

impl DocumentReport {
    /// Every reason code, document and signatures, de-duplicated in order.
    pub fn reason_codes(&self) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = Vec::new();
        let all = self
            .reasons
            .iter()
            .chain(self.signatures.iter().flat_map(|s| s.reasons.iter()));
        for r in all {
            if !out.contains(&r.code.code()) {
                out.push(r.code.code());
            }
        }
        out
    }

    /// Human-readable summary in `lang` (signer, time, integrity for each signature).
    pub fn render_text(&self, lang: Lang) -> String {
        let mut s = String::new();
        let (doc, sig, signer_l, time_l, ts_l, cov_l, lvl_l) = match lang {
            Lang::En => (
                "Document",
                "Signature",
                "Signer",
                "Signing time (claimed)",
                "Time-stamp",
                "Coverage",
                "Level",
            ),
            Lang::Vi => (
                "Tài liệu",
                "Chữ ký",
                "Người ký",
                "Thời gian ký (tự khai)",
                "Dấu thời gian",
                "Phạm vi",
                "Mức",
            ),
        };
        s.push_str(&format!("{doc}: {}\n", self.status.label(lang)));
        for r in &self.reasons {
            s.push_str(&format!("  - [{}] {}\n", r.code.code(), r.message(lang)));
        }
        for sg in &self.signatures {
            s.push_str(&format!(
                "{sig} #{} {}: {}\n",
                sg.index + 1,
                sg.field.as_deref().unwrap_or(""),
                sg.status.label(lang)
            ));
            if let Some(who) = &sg.signer {
                let name = who
                    .common_name
                    .clone()
                    .unwrap_or_else(|| who.subject.clone());
                s.push_str(&format!("  {signer_l}: {name} (serial {})\n", who.serial));
            }
            if let Some(t) = &sg.claimed_time {
                s.push_str(&format!("  {time_l}: {t}\n"));
            }
            if let Some(t) = &sg.timestamp_time {
                s.push_str(&format!("  {ts_l}: {t}\n"));
            }
            let cov = match (&sg.coverage, lang) {
                (Coverage::WholeFile, Lang::En) => "whole file".to_owned(),
                (Coverage::WholeFile, Lang::Vi) => "toàn bộ tệp".to_owned(),
                (Coverage::Revision { revision, of, .. }, Lang::En) => {
                    format!("revision {revision} of {of}")
                }
                (Coverage::Revision { revision, of, .. }, Lang::Vi) => {
                    format!("phiên bản {revision}/{of}")
                }
                (Coverage::Unknown, Lang::En) => "unknown".to_owned(),
                (Coverage::Unknown, Lang::Vi) => "không xác định".to_owned(),
            };
            s.push_str(&format!("  {cov_l}: {cov}\n"));
            if let Some(l) = sg.pades_level {
                s.push_str(&format!("  {lvl_l}: {}\n", l.as_str()));
            }
            for r in &sg.reasons {
                let d = r
                    .detail
                    .as_deref()
                    .map(|d| format!(" ({d})"))
                    .unwrap_or_default();
                s.push_str(&format!("  - [{}] {}{d}\n", r.code.code(), r.message(lang)));
            }
        }
        s
    }
}

/// Status implied by a list of reasons.
pub(crate) fn status_of(reasons: &[Reason]) -> Status {
    match reasons.iter().map(|r| r.severity).max() {
        Some(Severity::Invalid) => Status::Invalid,
        Some(Severity::Indeterminate) => Status::Indeterminate,
        _ => Status::Valid,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_bilingual() {
        let mut seen = std::collections::HashSet::new();
        for c in ReasonCode::ALL {
            assert!(seen.insert(c.code()), "duplicate {}", c.code());
            assert!(!c.english().is_empty() && !c.vietnamese().is_empty());
            assert_ne!(c.english(), c.vietnamese());
        }
        assert_eq!(ReasonCode::DigestMismatch.code(), "digest_mismatch");
    }

    #[test]
    fn status_follows_worst_reason() {
        let info = Reason::new(ReasonCode::RevocationNotChecked, None);
        let ind = Reason::new(ReasonCode::UntrustedChain, None);
        let bad = Reason::new(ReasonCode::DigestMismatch, None);
        assert_eq!(status_of(std::slice::from_ref(&info)), Status::Valid);
        assert_eq!(
            status_of(&[info.clone(), ind.clone()]),
            Status::Indeterminate
        );
        assert_eq!(status_of(&[ind, bad, info]), Status::Invalid);
        let json = serde_json::to_string(&Reason::new(ReasonCode::CertExpired, None)).unwrap();
        assert!(json.contains("\"code\":\"cert_expired\""), "{json}");
        assert!(json.contains("hết hạn"), "{json}");
    }
}
