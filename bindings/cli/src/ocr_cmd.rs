//! `saoy ocr` (filled by the OCR work).

use std::process::ExitCode;

/// Arguments of `saoy ocr`.
#[derive(Debug, clap::Args)]
pub struct OcrArgs {
    /// Images to recognize.
    pub images: Vec<std::path::PathBuf>,
}

/// Run `saoy ocr`.
pub fn run(_args: OcrArgs, g: &crate::Global) -> ExitCode {
    crate::exit::fail(g, "not_implemented", "saoy ocr is not implemented yet", crate::exit::SOFTWARE)
}
