//! `saoy models fetch|list|verify`.

use crate::exit;
use saoy_models::{FetchEvent, ModelError, ModelStore, StoreOptions};
use std::process::ExitCode;
use std::sync::Arc;

/// Arguments of `saoy models`.
#[derive(Debug, clap::Args)]
pub struct ModelsArgs {
    #[command(subcommand)]
    cmd: ModelsCmd,
}

#[derive(Debug, clap::Subcommand)]
enum ModelsCmd {
    /// Download, convert, verify and install every pinned model (idempotent).
    Fetch {
        /// Store directory (same as the global --models-dir).
        #[arg(long, value_name = "DIR")]
        dir: Option<std::path::PathBuf>,
    },
    /// List the pinned models, their sources and whether they are present.
    List,
    /// Hash every installed file against the pinned manifest.
    Verify,
}

/// Store options from the global flags (and an optional explicit dir).
pub fn store_options(g: &crate::Global, dir: Option<std::path::PathBuf>) -> StoreOptions {
    let mut opts = StoreOptions::default().offline(g.offline);
    opts.dir = dir.or_else(|| g.models_dir.clone());
    let json = g.json;
    opts.progress(Arc::new(move |e: &FetchEvent| {
        // progress always goes to stderr so --json stdout stays parseable
        if json {
            eprintln!("{}", serde_json::json!({ "progress": e.to_string() }));
        } else {
            eprintln!("saoy models: {e}");
        }
    }))
}

/// Open the model store for a command that needs models (fetching on first use
/// unless --offline).
pub fn open_store(g: &crate::Global) -> Result<ModelStore, ModelError> {
    ModelStore::open(&store_options(g, None))
}

/// Map a model-store error to an exit code.
pub fn model_error_exit(g: &crate::Global, e: &ModelError) -> ExitCode {
    let code = match e {
        ModelError::Io { .. } => exit::IO,
        ModelError::HashMismatch { .. } | ModelError::BadWheel { .. } => exit::DATA,
        _ => exit::UNAVAILABLE,
    };
    exit::fail(g, e.code(), &e.to_string(), code)
}

/// Run `saoy models`.
pub fn run(args: ModelsArgs, g: &crate::Global) -> ExitCode {
    match args.cmd {
        ModelsCmd::Fetch { dir } => {
            let opts = store_options(g, dir);
            let store = ModelStore::at(opts.dir.clone().unwrap_or_else(ModelStore::default_dir));
            match store.fetch(&opts) {
                Ok(summary) => {
                    if g.json {
                        outln!(
                            "{}",
                            serde_json::json!({
                                "dir": store.dir(),
                                "installed": summary.installed,
                                "downloaded_bytes": summary.downloaded_bytes,
                            })
                        );
                    } else if summary.installed.is_empty() {
                        outln!("models up to date in {}", store.dir().display());
                    } else {
                        outln!(
                            "installed {} file(s) into {} ({:.1} MB of wheels downloaded)",
                            summary.installed.len(),
                            store.dir().display(),
                            summary.downloaded_bytes as f64 / 1e6
                        );
                    }
                    exit::code(exit::OK)
                }
                Err(e) => model_error_exit(g, &e),
            }
        }
        ModelsCmd::List => {
            let store =
                ModelStore::at(g.models_dir.clone().unwrap_or_else(ModelStore::default_dir));
            let status = store.status();
            if g.json {
                outln!(
                    "{}",
                    serde_json::json!({ "dir": store.dir(), "models": status })
                );
            } else {
                outln!("model store: {}", store.dir().display());
                for s in &status {
                    outln!(
                        "{:<26} {:>6.1} MB  {:<8} {}  [{}]",
                        s.file,
                        s.size as f64 / 1e6,
                        if s.present { "present" } else { "missing" },
                        s.source,
                        s.license
                    );
                }
            }
            exit::code(exit::OK)
        }
        ModelsCmd::Verify => {
            let store =
                ModelStore::at(g.models_dir.clone().unwrap_or_else(ModelStore::default_dir));
            match store.verify() {
                Ok(()) => {
                    if g.json {
                        outln!(
                            "{}",
                            serde_json::json!({ "dir": store.dir(), "verified": true })
                        );
                    } else {
                        outln!("all model files match the pinned sha256 manifest");
                    }
                    exit::code(exit::OK)
                }
                Err(e) => model_error_exit(g, &e),
            }
        }
    }
}
