//! The crate's error type.

/// Everything that can go wrong in saoy-faceauth.
///
/// Quality problems with a usable image (blur, pose, several faces...) are
/// not errors: they are [`crate::QualityIssue`]s inside a report. Errors are
/// for input that cannot be processed at all and for infrastructure failures.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FaceError {
    /// The bytes are not an image in a supported format (PNG, JPEG, TIFF, WebP, BMP).
    #[error("unsupported or unrecognised image format{}", detail_suffix(.detail))]
    UnsupportedFormat {
        /// What the decoder said, if anything.
        detail: String,
    },
    /// The image could not be decoded (truncated or corrupt data).
    #[error("corrupt image: {detail}")]
    CorruptImage {
        /// What the decoder said.
        detail: String,
    },
    /// The image is larger than the configured limits.
    #[error("image too large: {width}x{height} px (limit {max_side} px per side)")]
    ImageTooLarge {
        /// Width in pixels (0 if unknown).
        width: u32,
        /// Height in pixels (0 if unknown).
        height: u32,
        /// The largest accepted side.
        max_side: u32,
    },
    /// The image has a zero or too small dimension to hold a face.
    #[error("image too small: {width}x{height} px (at least {min_side} px per side)")]
    ImageTooSmall {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
        /// The smallest accepted side.
        min_side: u32,
    },
    /// No face was found where one is required (e.g. to compute an embedding for `compare`).
    #[error("no face found in the {role} image")]
    NoFace {
        /// Which input: "probe", "reference", "portrait", "frame 3"...
        role: String,
    },
    /// An image file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file path.
        path: String,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The model store could not provide a model or the ONNX Runtime.
    #[error("model store: {0}")]
    Models(#[from] saoy_models::ModelError),
    /// ONNX Runtime failed while running a model.
    #[error("inference failed in {model}: {detail}")]
    Inference {
        /// Which model ("face_det" or "face_embed").
        model: &'static str,
        /// What ONNX Runtime said.
        detail: String,
    },
    /// A model returned outputs of an unexpected name or shape.
    #[error("model {model} returned an unexpected output: {detail}")]
    ModelOutput {
        /// Which model.
        model: &'static str,
        /// What was wrong.
        detail: String,
    },
    /// A caller-provided argument is invalid (e.g. an empty frame list, unsorted timestamps).
    #[error("invalid argument: {detail}")]
    InvalidArgument {
        /// What was wrong.
        detail: String,
    },
    /// The operating system's random source failed (challenge generation).
    #[error("random source unavailable: {detail}")]
    Random {
        /// What the OS said.
        detail: String,
    },
    /// A model session lock was poisoned by a panic in another thread.
    #[error("model {model} is unusable after a panic in another thread")]
    Poisoned {
        /// Which model.
        model: &'static str,
    },
}

fn detail_suffix(d: &str) -> String {
    if d.is_empty() {
        String::new()
    } else {
        format!(": {d}")
    }
}

impl FaceError {
    /// A stable machine-readable code for this error (survives FFI and JSON).
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnsupportedFormat { .. } => "face.unsupported_format",
            Self::CorruptImage { .. } => "face.corrupt_image",
            Self::ImageTooLarge { .. } => "face.image_too_large",
            Self::ImageTooSmall { .. } => "face.image_too_small",
            Self::NoFace { .. } => "face.no_face",
            Self::Io { .. } => "face.io",
            Self::Models(_) => "face.models",
            Self::Inference { .. } => "face.inference",
            Self::ModelOutput { .. } => "face.model_output",
            Self::InvalidArgument { .. } => "face.invalid_argument",
            Self::Random { .. } => "face.random",
            Self::Poisoned { .. } => "face.poisoned",
        }
    }

    /// True when the error is about the caller's input data (a CLI maps this to exit 65),
    /// false for infrastructure failures.
    pub fn is_input_error(&self) -> bool {
        matches!(
            self,
            Self::UnsupportedFormat { .. }
                | Self::CorruptImage { .. }
                | Self::ImageTooLarge { .. }
                | Self::ImageTooSmall { .. }
                | Self::NoFace { .. }
                | Self::InvalidArgument { .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_and_prefixed() {
        let errs = [
            FaceError::UnsupportedFormat {
                detail: String::new(),
            },
            FaceError::CorruptImage { detail: "x".into() },
            FaceError::ImageTooLarge {
                width: 1,
                height: 1,
                max_side: 1,
            },
            FaceError::ImageTooSmall {
                width: 1,
                height: 1,
                min_side: 1,
            },
            FaceError::NoFace {
                role: "probe".into(),
            },
            FaceError::InvalidArgument { detail: "x".into() },
            FaceError::Inference {
                model: "m",
                detail: "x".into(),
            },
        ];
        let mut codes: Vec<_> = errs.iter().map(FaceError::code).collect();
        assert!(codes.iter().all(|c| c.starts_with("face.")));
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), errs.len());
        assert!(errs[4].is_input_error());
        assert!(!errs[6].is_input_error());
        assert_eq!(
            errs[0].to_string(),
            "unsupported or unrecognised image format"
        );
    }
}
