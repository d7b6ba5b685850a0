//! `saoy`: the command-line face of the saoy SDK.
//!
//! Each subcommand lives in its own module and delegates to the library
//! crates; this file only parses arguments and maps outcomes to exit codes.

/// `println!` for standard output that survives a closed pipe (see [`exit::write_stdout`]).
/// Defined before the modules so every subcommand can use it.
macro_rules! outln {
    () => {
        $crate::exit::write_stdout(format_args!(""), true)
    };
    ($($t:tt)*) => {
        $crate::exit::write_stdout(format_args!($($t)*), true)
    };
}

/// `print!` for standard output that survives a closed pipe.
macro_rules! out {
    ($($t:tt)*) => {
        $crate::exit::write_stdout(format_args!($($t)*), false)
    };
}

mod exit;
mod face_cmd;
mod malloc_tuning;
mod models_cmd;
mod ocr_cmd;
mod serve_cmd;
mod sign_cmd;
mod workflow_cmd;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

const EXIT_HELP: &str = "\
Exit codes:
  0   ok (valid signature, face match, command succeeded)
  1   negative result (invalid signature, no face match, revoked copy)
  2   indeterminate (e.g. signature not chained to a trusted root)
  64  usage error (bad arguments)
  65  input data error (corrupt image/PDF, no face, malformed code)
  66  input file not found or unreadable
  69  a required service or tool is unavailable (pip/python3 missing, offline, database down)
  70  internal error
  74  I/O error (cannot write output, model store)";

/// saoy: certified electronic copies of paper documents (OCR, face
/// authentication, PAdES signing and verification).
#[derive(Debug, Parser)]
#[command(name = "saoy", version, about, after_help = EXIT_HELP, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

/// Options every subcommand understands.
#[derive(Debug, Clone, clap::Args)]
pub struct Global {
    /// Print machine-readable JSON on stdout instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// Never download models; fail with a clear error if one is missing.
    #[arg(long, global = true)]
    pub offline: bool,
    /// Model store directory (default: $SAOY_MODELS or ~/.cache/saoy/models).
    #[arg(long = "models-dir", global = true, value_name = "DIR")]
    pub models_dir: Option<PathBuf>,
    /// Inference threads (default: number of physical cores).
    #[arg(long, global = true, value_name = "N")]
    pub threads: Option<usize>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Fetch, list and verify the pinned ONNX models and runtime.
    Models(models_cmd::ModelsArgs),
    /// Recognize text and document fields in scanned images.
    Ocr(ocr_cmd::OcrArgs),
    /// Face detection and comparison.
    Face(face_cmd::FaceArgs),
    /// Sign a PDF with a PAdES signature.
    Sign(sign_cmd::SignArgs),
    /// Verify the signatures of a PDF (and, for certified copies, the registry status).
    Verify(sign_cmd::VerifyArgs),
    /// Test PKI for demos and tests (NOT for production use).
    Pki(sign_cmd::PkiArgs),
    /// Build a certified-copy PDF from page images.
    Copy(sign_cmd::CopyArgs),
    /// Renew the archive of signed PDFs: new /DSS + new document time-stamp (B-LTA).
    Extend(sign_cmd::ExtendArgs),
    /// Run the verification service (the portal behind the QR).
    Serve(serve_cmd::ServeArgs),
    #[command(flatten)]
    Workflow(workflow_cmd::WorkflowCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The subcommands that run ONNX models start once more with glibc's
    // malloc tuned for them (see malloc_tuning.rs).
    let runs_models = matches!(
        cli.command,
        Command::Ocr(_)
            | Command::Face(_)
            | Command::Workflow(workflow_cmd::WorkflowCommand::Demo(_))
            | Command::Workflow(workflow_cmd::WorkflowCommand::Issue(_))
    );
    if runs_models {
        malloc_tuning::apply();
    }
    let g = &cli.global;
    match cli.command {
        Command::Models(a) => models_cmd::run(a, g),
        Command::Ocr(a) => ocr_cmd::run(a, g),
        Command::Face(a) => face_cmd::run(a, g),
        Command::Sign(a) => sign_cmd::run_sign(a, g),
        Command::Verify(a) => sign_cmd::run_verify(a, g),
        Command::Pki(a) => sign_cmd::run_pki(a, g),
        Command::Copy(a) => sign_cmd::run_copy(a, g),
        Command::Extend(a) => sign_cmd::run_extend(a, g),
        Command::Serve(a) => serve_cmd::run(a, g),
        Command::Workflow(c) => workflow_cmd::run(c, g),
    }
}
