//! `saoy face` (filled by the face-authentication work).

use std::process::ExitCode;

/// Arguments of `saoy face`.
#[derive(Debug, clap::Args)]
pub struct FaceArgs {
    /// Images.
    pub images: Vec<std::path::PathBuf>,
}

/// Run `saoy face`.
pub fn run(_args: FaceArgs, g: &crate::Global) -> ExitCode {
    crate::exit::fail(g, "not_implemented", "saoy face is not implemented yet", crate::exit::SOFTWARE)
}
