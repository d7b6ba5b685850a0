//! The crate's error type.

use std::path::PathBuf;

/// Everything that can go wrong while generating, degrading or writing specimens.
///
/// Each variant has a stable machine code ([`SpecimenError::code`]) that survives FFI and JSON.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SpecimenError {
    /// An embedded font could not be parsed (a corrupted build, never expected at run time).
    #[error("embedded font {font} could not be parsed")]
    Font {
        /// The font's file name.
        font: &'static str,
    },
    /// The text to render needs a glyph the chosen font does not have.
    #[error("font {font} has no glyph for {ch:?} (U+{code:04X})")]
    MissingGlyph {
        /// The font's file name.
        font: &'static str,
        /// The character without a glyph.
        ch: char,
        /// Its code point.
        code: u32,
    },
    /// The QR payload could not be encoded (too long for any QR version).
    #[error("QR payload of {len} bytes could not be encoded: {reason}")]
    Qr {
        /// Payload length in bytes.
        len: usize,
        /// The encoder's reason.
        reason: String,
    },
    /// A parameter is outside its documented range.
    #[error("parameter {name} = {value} is outside {range}")]
    InvalidParameter {
        /// Parameter name.
        name: &'static str,
        /// The value given, as text.
        value: String,
        /// The accepted range, as text.
        range: &'static str,
    },
    /// An image could not be encoded or decoded (JPEG degradation, embedded portrait, output).
    #[error("image {what} failed: {source}")]
    Image {
        /// What was being done.
        what: &'static str,
        /// The image crate's error.
        #[source]
        source: image::ImageError,
    },
    /// A file could not be read or written.
    #[error("I/O error on {path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// Ground truth could not be serialized.
    #[error("JSON serialization failed: {0}")]
    Json(#[from] serde_json::Error),
}

impl SpecimenError {
    /// A stable machine-readable code for this error.
    pub fn code(&self) -> &'static str {
        match self {
            SpecimenError::Font { .. } => "specimen.font",
            SpecimenError::MissingGlyph { .. } => "specimen.missing_glyph",
            SpecimenError::Qr { .. } => "specimen.qr",
            SpecimenError::InvalidParameter { .. } => "specimen.invalid_parameter",
            SpecimenError::Image { .. } => "specimen.image",
            SpecimenError::Io { .. } => "specimen.io",
            SpecimenError::Json(_) => "specimen.json",
        }
    }
}
