//! The one error type of the crate.

use std::path::PathBuf;

/// Everything that can go wrong while turning an image into text and fields.
///
/// Each variant has a stable machine code ([`OcrError::code`]) that survives
/// the FFI and the CLI's JSON output.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OcrError {
    /// The input file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The input holds no bytes at all.
    #[error("the input is empty")]
    Empty,
    /// The bytes are not an image in a supported format (PNG, JPEG, TIFF, WebP, BMP).
    #[error("not a supported image: {reason}")]
    NotAnImage {
        /// What the decoder said.
        reason: String,
    },
    /// The image declares dimensions beyond the configured caps (decompression-bomb guard).
    #[error(
        "image is {width}x{height}, above the limit of {max_side} px a side or {max_pixels} pixels"
    )]
    TooLarge {
        /// Declared width.
        width: u32,
        /// Declared height.
        height: u32,
        /// Longest side allowed.
        max_side: u32,
        /// Most pixels allowed.
        max_pixels: u64,
    },
    /// The image is smaller than anything that can hold text.
    #[error("image is {width}x{height}, too small to hold text (minimum {min} px a side)")]
    TooSmall {
        /// Width.
        width: u32,
        /// Height.
        height: u32,
        /// Minimum side.
        min: u32,
    },
    /// The image decoder failed half-way (truncated or corrupt data).
    #[error("corrupt image data: {reason}")]
    Decode {
        /// What the decoder said.
        reason: String,
    },
    /// A model could not be opened from the model store.
    #[error("cannot open model {model}: {reason}")]
    Models {
        /// Which model (`text_det`, `text_cls`, `text_rec`).
        model: &'static str,
        /// The model store's message.
        reason: String,
    },
    /// The recognition vocabulary file is missing or malformed.
    #[error("bad recognition vocabulary {path}: {reason}")]
    Vocab {
        /// The vocabulary file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// ONNX Runtime failed while running a model.
    #[error("inference failed in {model}: {reason}")]
    Inference {
        /// Which model (`text_det`, `text_cls`, `text_rec`).
        model: &'static str,
        /// The runtime's message.
        reason: String,
    },
    /// A model returned a tensor of an unexpected shape.
    #[error("{model} returned shape {got:?}, expected {expected}")]
    BadOutput {
        /// Which model.
        model: &'static str,
        /// The shape it returned.
        got: Vec<i64>,
        /// What was expected, in words.
        expected: &'static str,
    },
}

impl OcrError {
    /// Stable machine code of the error (never changes between releases).
    pub fn code(&self) -> &'static str {
        match self {
            OcrError::Read { .. } => "ocr.read",
            OcrError::Empty => "ocr.empty_input",
            OcrError::NotAnImage { .. } => "ocr.not_an_image",
            OcrError::TooLarge { .. } => "ocr.image_too_large",
            OcrError::TooSmall { .. } => "ocr.image_too_small",
            OcrError::Decode { .. } => "ocr.corrupt_image",
            OcrError::Models { .. } => "ocr.models",
            OcrError::Vocab { .. } => "ocr.bad_vocab",
            OcrError::Inference { .. } => "ocr.inference",
            OcrError::BadOutput { .. } => "ocr.bad_model_output",
        }
    }

    /// Whether the error is about the input data (as opposed to the
    /// installation or the runtime).
    pub fn is_input_error(&self) -> bool {
        matches!(
            self,
            OcrError::Empty
                | OcrError::NotAnImage { .. }
                | OcrError::TooLarge { .. }
                | OcrError::TooSmall { .. }
                | OcrError::Decode { .. }
        )
    }
}
