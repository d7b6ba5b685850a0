//! `saoy sign`, `saoy verify`, `saoy pki`, `saoy copy` (filled by the signing work).

use std::process::ExitCode;

/// Arguments of `saoy sign`.
#[derive(Debug, clap::Args)]
pub struct SignArgs {
    /// Input PDF.
    pub input: std::path::PathBuf,
}
/// Arguments of `saoy verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// PDF to verify.
    pub file: std::path::PathBuf,
}
/// Arguments of `saoy pki`.
#[derive(Debug, clap::Args)]
pub struct PkiArgs {
    /// Directory.
    pub dir: Option<std::path::PathBuf>,
}
/// Arguments of `saoy copy`.
#[derive(Debug, clap::Args)]
pub struct CopyArgs {
    /// Page images.
    pub images: Vec<std::path::PathBuf>,
}

fn todo(g: &crate::Global) -> ExitCode {
    crate::exit::fail(g, "not_implemented", "not implemented yet", crate::exit::SOFTWARE)
}
/// Run `saoy sign`.
pub fn run_sign(_a: SignArgs, g: &crate::Global) -> ExitCode {
    todo(g)
}
/// Run `saoy verify`.
pub fn run_verify(_a: VerifyArgs, g: &crate::Global) -> ExitCode {
    todo(g)
}
/// Run `saoy pki`.
pub fn run_pki(_a: PkiArgs, g: &crate::Global) -> ExitCode {
    todo(g)
}
/// Run `saoy copy`.
pub fn run_copy(_a: CopyArgs, g: &crate::Global) -> ExitCode {
    todo(g)
}
