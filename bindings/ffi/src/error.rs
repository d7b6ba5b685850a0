//! [`SaoyError`]: every failure that crosses the FFI, one variant per area, each carrying the
//! originating crate's stable machine code (`ocr.not_an_image`, `registry_not_found`, …).

/// A failure of a saoy call. Verification outcomes (tampered, revoked …) are reports, not errors.
///
/// Every variant carries `code`, the stable machine code of the crate that failed, so callers
/// can branch on it; `detail` is an English description.
// One FFI error for every area: the crates' errors hold non-FFI context (paths, nested errors)
// and expose their stable code as a method, carried here as a field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
#[non_exhaustive]
pub enum SaoyError {
    /// The model store: missing/offline/corrupt model files, ONNX Runtime unavailable.
    #[error("{code}: {detail}")]
    Models {
        /// Stable code (`models.*`).
        code: String,
        /// Description.
        detail: String,
    },
    /// OCR failed (unreadable image, inference error).
    #[error("{code}: {detail}")]
    Ocr {
        /// Stable code (`ocr.*`).
        code: String,
        /// Description.
        detail: String,
    },
    /// Face detection/comparison failed (no face, unreadable image …).
    #[error("{code}: {detail}")]
    Face {
        /// Stable code (`face.*`).
        code: String,
        /// Description.
        detail: String,
    },
    /// The registry failed or refused (not found, invalid state, unavailable …).
    #[error("{code}: {detail}")]
    Registry {
        /// Stable code (`registry_*`).
        code: String,
        /// Description.
        detail: String,
    },
    /// The issuance could not run (bad input, a step failed, disk full …).
    #[error("{code}: {detail}")]
    Issue {
        /// Stable code (`issue_*`, `seal_*`).
        code: String,
        /// Description.
        detail: String,
    },
    /// The signing material (TEST PKI, seal key, trust anchors) is unusable.
    #[error("{code}: {detail}")]
    Pki {
        /// Stable code.
        code: String,
        /// Description.
        detail: String,
    },
    /// An argument is malformed (bad verification code, unreadable file …).
    #[error("{code}: {detail}")]
    Input {
        /// Stable code.
        code: String,
        /// Description.
        detail: String,
    },
    /// The binding itself failed: a worker thread for an `*_async` call could not start
    /// (`worker_spawn`) or ended without a result (`worker_lost`).
    #[error("{code}: {detail}")]
    Internal {
        /// Stable code (`worker_*`).
        code: String,
        /// Description.
        detail: String,
    },
}

impl SaoyError {
    /// The stable machine code.
    pub fn code(&self) -> &str {
        match self {
            SaoyError::Models { code, .. }
            | SaoyError::Ocr { code, .. }
            | SaoyError::Face { code, .. }
            | SaoyError::Registry { code, .. }
            | SaoyError::Issue { code, .. }
            | SaoyError::Pki { code, .. }
            | SaoyError::Input { code, .. }
            | SaoyError::Internal { code, .. } => code,
        }
    }

    /// The English description.
    pub fn detail(&self) -> &str {
        match self {
            SaoyError::Models { detail, .. }
            | SaoyError::Ocr { detail, .. }
            | SaoyError::Face { detail, .. }
            | SaoyError::Registry { detail, .. }
            | SaoyError::Issue { detail, .. }
            | SaoyError::Pki { detail, .. }
            | SaoyError::Input { detail, .. }
            | SaoyError::Internal { detail, .. } => detail,
        }
    }

    /// The area (`models`, `ocr`, `face`, `registry`, `issue`, `pki`, `input`, `internal`).
    pub fn area(&self) -> &'static str {
        match self {
            SaoyError::Models { .. } => "models",
            SaoyError::Ocr { .. } => "ocr",
            SaoyError::Face { .. } => "face",
            SaoyError::Registry { .. } => "registry",
            SaoyError::Issue { .. } => "issue",
            SaoyError::Pki { .. } => "pki",
            SaoyError::Input { .. } => "input",
            SaoyError::Internal { .. } => "internal",
        }
    }

    pub(crate) fn input(code: &str, detail: impl Into<String>) -> Self {
        SaoyError::Input {
            code: code.into(),
            detail: detail.into(),
        }
    }
}

impl From<saoy_models::ModelError> for SaoyError {
    fn from(e: saoy_models::ModelError) -> Self {
        SaoyError::Models {
            code: e.code().into(),
            detail: e.to_string(),
        }
    }
}

impl From<saoy_ocr::OcrError> for SaoyError {
    fn from(e: saoy_ocr::OcrError) -> Self {
        SaoyError::Ocr {
            code: e.code().into(),
            detail: e.to_string(),
        }
    }
}

impl From<saoy_faceauth::FaceError> for SaoyError {
    fn from(e: saoy_faceauth::FaceError) -> Self {
        SaoyError::Face {
            code: e.code().into(),
            detail: e.to_string(),
        }
    }
}

impl From<saoy_core::registry::RegistryError> for SaoyError {
    fn from(e: saoy_core::registry::RegistryError) -> Self {
        SaoyError::Registry {
            code: e.code().into(),
            detail: e.to_string(),
        }
    }
}

impl From<saoy_core::CodeError> for SaoyError {
    fn from(e: saoy_core::CodeError) -> Self {
        SaoyError::Input {
            code: e.code().into(),
            detail: e.to_string(),
        }
    }
}

impl From<saoy_core::workflow::IssueError> for SaoyError {
    fn from(e: saoy_core::workflow::IssueError) -> Self {
        match e {
            saoy_core::workflow::IssueError::Registry(r) => r.into(),
            e => SaoyError::Issue {
                code: e.code().into(),
                detail: e.to_string(),
            },
        }
    }
}

impl From<saoy_core::workflow::StepError> for SaoyError {
    fn from(e: saoy_core::workflow::StepError) -> Self {
        let area = e.code.split(['.', '_']).next().unwrap_or_default();
        match area {
            "models" => SaoyError::Models {
                code: e.code,
                detail: e.detail,
            },
            "ocr" => SaoyError::Ocr {
                code: e.code,
                detail: e.detail,
            },
            "face" => SaoyError::Face {
                code: e.code,
                detail: e.detail,
            },
            _ => SaoyError::Pki {
                code: e.code,
                detail: e.detail,
            },
        }
    }
}

impl From<saoy_core::demo::DemoError> for SaoyError {
    fn from(e: saoy_core::demo::DemoError) -> Self {
        use saoy_core::demo::DemoError;
        match e {
            DemoError::Issue(i) => i.into(),
            DemoError::Models { code, detail } => SaoyError::Models { code, detail },
            DemoError::Io { .. } => SaoyError::Input {
                code: e.code().into(),
                detail: e.to_string(),
            },
            e => SaoyError::Pki {
                code: e.code().into(),
                detail: e.to_string(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_survive_the_mapping() {
        let e: SaoyError = saoy_core::VerificationCode::parse("nope")
            .unwrap_err()
            .into();
        assert_eq!(e.area(), "input");
        assert!(e.code().starts_with("code"), "{}", e.code());
        let e: SaoyError = saoy_core::workflow::StepError::new("ocr.not_an_image", "x").into();
        assert_eq!((e.area(), e.code()), ("ocr", "ocr.not_an_image"));
        let e: SaoyError = saoy_core::workflow::StepError::new("face.no_face", "x").into();
        assert_eq!(
            (e.area(), e.code(), e.detail()),
            ("face", "face.no_face", "x")
        );
        assert_eq!(e.to_string(), "face.no_face: x");
    }
}
