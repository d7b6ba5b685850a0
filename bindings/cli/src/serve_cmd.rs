//! `saoy serve`: the verification service (delegates to saoy-server).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `saoy serve`. Every setting can also come from the config file or a
/// `SAOY_SERVE_<FIELD>` environment variable; flags win over both.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// TOML configuration file (fields of saoy_server::ServerConfig).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Listen address (default 127.0.0.1:8080).
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// Registry: postgresql://… or a SQLite path.
    #[arg(long, value_name = "URL")]
    pub db: Option<String>,
    /// PEM trust anchor for PAdES signatures (repeatable).
    #[arg(long = "trust", value_name = "PEM")]
    pub trust: Vec<PathBuf>,
    /// PEM seal public key (repeatable).
    #[arg(long = "seal-key", value_name = "PEM")]
    pub seal_keys: Vec<PathBuf>,
    /// Runtime worker threads (default: one per core).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub workers: usize,
}

/// Run the service until Ctrl-C/SIGTERM.
pub fn run(a: ServeArgs, _g: &crate::Global) -> ExitCode {
    let mut cfg = match saoy_server::ServerConfig::load(a.config.as_deref(), std::env::vars()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error [{}]: {e}", e.code());
            return ExitCode::from(64);
        }
    };
    if let Some(l) = a.listen {
        cfg.listen = l;
    }
    if let Some(db) = a.db {
        cfg.database = db;
    }
    cfg.trust_anchors.extend(a.trust);
    cfg.seal_keys.extend(a.seal_keys);
    saoy_server::init_tracing(cfg.log_json);
    match saoy_server::run(cfg, a.workers) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error [{}]: {e}", e.code());
            ExitCode::from(match &e {
                saoy_server::ServeError::Config { .. } => 64,
                saoy_server::ServeError::Trust { .. } => 66,
                saoy_server::ServeError::Registry(_) | saoy_server::ServeError::Bind { .. } => 69,
                _ => 70,
            })
        }
    }
}
