//! The binding's error: a wrapper over the library errors that keeps their stable codes and adds
//! the Vietnamese text the page shows (the library errors carry English only, except the seal's).

use saoy_core::{CodeError, SealError};
use saoy_signing::verify::VerifyError;

/// Why a call could not produce a report. JavaScript receives it as a thrown `SaoyError`
/// (`name`, `code`, `message`, `en`, `vi`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The file is not a PDF, is over a limit, or a trust anchor is unusable.
    #[error(transparent)]
    Pdf(#[from] VerifyError),
    /// An issuer (seal) key cannot be read.
    #[error(transparent)]
    Seal(#[from] SealError),
    /// The text is not a verification code.
    #[error(transparent)]
    Code(#[from] CodeError),
    /// The language is neither `vi` nor `en`.
    #[error("unsupported language {found:?} (use \"vi\" or \"en\")")]
    Lang {
        /// The tag received.
        found: String,
    },
    /// An argument has the wrong shape (e.g. an issuer key that is neither PEM nor hex).
    #[error("bad argument: {detail}")]
    Input {
        /// What is wrong.
        detail: String,
    },
}

impl Error {
    pub(crate) fn json(e: serde_json::Error) -> Self {
        Error::Input {
            detail: e.to_string(),
        }
    }

    /// Stable machine code (the library's code where there is one).
    pub fn code(&self) -> &'static str {
        match self {
            Error::Pdf(e) => e.code(),
            Error::Seal(e) => e.code(),
            Error::Code(e) => e.code(),
            Error::Lang { .. } => "bad_lang",
            Error::Input { .. } => "bad_argument",
        }
    }

    /// English text.
    pub fn en(&self) -> String {
        self.to_string()
    }

    /// Vietnamese text.
    pub fn vi(&self) -> String {
        match self {
            Error::Seal(e) => e.reason().vi,
            Error::Pdf(e) => match e {
                VerifyError::NotPdf => "Tệp không phải là PDF (thiếu phần đầu %PDF-).".into(),
                VerifyError::Unparseable { detail } => {
                    format!("Không đọc được cấu trúc tệp PDF: {detail}")
                }
                VerifyError::TooLarge { size, max } => {
                    format!("Tệp có {size} byte, vượt giới hạn {max} byte.")
                }
                VerifyError::TooManyRevisions { max } => {
                    format!("Tệp có quá {max} lần cập nhật (phiên bản).")
                }
                VerifyError::TooManyObjects { count, max } => {
                    format!("Tệp có {count} đối tượng, vượt giới hạn {max}.")
                }
                VerifyError::BadTrustAnchor { index, detail } => format!(
                    "Chứng thư gốc tin cậy thứ {} không phải chứng thư số hợp lệ: {detail}",
                    index + 1
                ),
                VerifyError::BadPem { detail } => {
                    format!("Tệp PEM không chứa chứng thư số đọc được: {detail}")
                }
                other => format!("Không kiểm tra được tệp: {other}"),
            },
            Error::Code(e) => match e {
                CodeError::Empty => "Mã xác thực trống.".into(),
                CodeError::InvalidCharacter {
                    character,
                    position,
                } => format!(
                    "Ký tự {character:?} ở vị trí {} không được phép trong mã xác thực.",
                    position + 1
                ),
                CodeError::WrongLength { found, expected } => {
                    format!("Mã xác thực phải có {expected} ký tự, mã này có {found}.")
                }
                CodeError::TooLong { len } => {
                    format!("Chuỗi nhập dài {len} ký tự, quá dài cho một mã xác thực.")
                }
                CodeError::CheckMismatch => {
                    "Ký tự kiểm tra của mã không khớp: có ký tự gõ sai hoặc hai ký tự bị đảo chỗ."
                        .into()
                }
                other => format!("Mã xác thực không hợp lệ: {other}"),
            },
            Error::Lang { found } => {
                format!("Ngôn ngữ {found:?} không được hỗ trợ (dùng \"vi\" hoặc \"en\").")
            }
            Error::Input { detail } => format!("Tham số không hợp lệ: {detail}"),
        }
    }
}
