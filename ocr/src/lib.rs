#![doc = include_str!("../README.md")]

pub mod cccd;
pub mod cer;
pub mod detect;
pub mod document;
pub mod error;
pub mod geometry;
pub mod input;
pub mod layout;
pub mod model;
pub mod mrz;
pub mod pipeline;
pub mod qr;
pub mod recognize;

pub use cccd::{CccdFields, CheckStatus, ConsistencyReport, Field, Provenance};
pub use detect::{DetConfig, DetectedBox, PreparedPage};
pub use document::{DocumentKind, DocumentReport};
pub use error::OcrError;
pub use geometry::Quad;
pub use input::{LoadLimits, load_image, load_image_bytes};
pub use mrz::{Mrz, MrzError, parse_mrz};
pub use pipeline::{Ocr, OcrBuilder, OcrConfig, PageResult, TextLine, Timings};
pub use qr::{CccdQr, QrPayloadError, decode_qr, parse_cccd_qr};
pub use recognize::LineText;
