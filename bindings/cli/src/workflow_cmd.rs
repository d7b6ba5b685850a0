//! `saoy issue`, `saoy lookup`, `saoy revoke`, `saoy demo` (filled by the core workflow work).

use std::process::ExitCode;

/// Workflow subcommands (flattened into the top level).
#[derive(Debug, clap::Subcommand)]
pub enum WorkflowCommand {
    /// Run the whole kiosk flow on fictional specimens (README command one).
    Demo,
}

/// Run a workflow subcommand.
pub fn run(_c: WorkflowCommand, g: &crate::Global) -> ExitCode {
    crate::exit::fail(g, "not_implemented", "not implemented yet", crate::exit::SOFTWARE)
}
