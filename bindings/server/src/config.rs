//! Service configuration: a TOML file, overridden by `SAOY_SERVE_<FIELD>` environment variables.

use crate::error::ServeError;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Prefix of the environment variables that override the file (`SAOY_SERVE_POOL_SIZE=32`).
pub const ENV_PREFIX: &str = "SAOY_SERVE_";

/// Configuration of `saoy serve`. Every field has a default; each can be set in a TOML file or by
/// `SAOY_SERVE_<FIELD>` (see the crate README).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct ServerConfig {
    /// Address to listen on (default `127.0.0.1:8080`).
    pub listen: SocketAddr,
    /// Registry: `postgresql://user:pass@host:port/db`, `sqlite:PATH` or a plain file path.
    pub database: String,
    /// PostgreSQL pool size (default 16).
    pub pool_size: u32,
    /// PostgreSQL schema (default: the server's search path).
    pub pg_schema: Option<String>,
    /// PostgreSQL connections of `GET /v/{code}` (default 4): async, each carrying many
    /// pipelined lookups at once; writes, audit flushes and `POST /verify` use the pool.
    pub lookup_connections: usize,
    /// How long a request waits for a database connection before answering 503 (default 1000 ms).
    pub db_timeout_ms: u64,
    /// SQLite read connections (default 4).
    pub sqlite_readers: usize,
    /// Lookup audit entries are written in batches of this many (default 64); a background task
    /// also flushes them every `audit_flush_ms`, and shutdown flushes the rest.
    pub lookup_audit_batch: usize,
    /// Period of the audit flush task (default 1000 ms).
    pub audit_flush_ms: u64,
    /// PEM files with the PAdES trust anchors (root certificates).
    pub trust_anchors: Vec<PathBuf>,
    /// PEM files with trusted seal public keys (SPKI, P-384).
    pub seal_keys: Vec<PathBuf>,
    /// Directory of the built browser verifier (served under `/web/`).
    pub web_dir: Option<PathBuf>,
    /// Largest accepted upload for `POST /verify` (default 10 MiB).
    pub max_upload_bytes: usize,
    /// Deadline for receiving a whole upload (default 30 000 ms), then 408.
    pub upload_timeout_ms: u64,
    /// Deadline for receiving the request headers (default 10 000 ms; slow-loris).
    pub header_timeout_ms: u64,
    /// PDF verifications running at once (default 2; the parsing-work cap).
    pub verify_concurrency: usize,
    /// How long an upload waits for a verification slot before 503 (default 2000 ms).
    pub verify_queue_ms: u64,
    /// Wall-clock budget of one verification before 503 (default 10 000 ms).
    pub verify_timeout_ms: u64,
    /// Minimum response time of `GET /v/{code}` so valid, revoked and unknown codes answer
    /// alike (default 0: off; the lookups already take the same path).
    pub lookup_floor_ms: u64,
    /// Lookups per second per client address (token refill rate; 0 disables; default 20).
    pub rate_per_sec: f64,
    /// Token-bucket size per client address (default 60).
    pub rate_burst: f64,
    /// Take the client address from the last `X-Forwarded-For` entry (behind a trusted proxy).
    pub trust_forwarded_for: bool,
    /// `Retry-After` seconds on 503 (default 2).
    pub retry_after_secs: u64,
    /// Open connections at once (default 10 000); more wait in the accept queue.
    pub max_connections: usize,
    /// Grace period for in-flight requests at shutdown (default 10 000 ms).
    pub shutdown_grace_ms: u64,
    /// Log as JSON lines instead of text.
    pub log_json: bool,
    /// Host printed in QR links, shown on the portal (default `xacthuc.saoy.example.vn`).
    pub public_host: String,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database: "sqlite:saoy-registry.sqlite".into(),
            pool_size: 16,
            pg_schema: None,
            lookup_connections: 4,
            db_timeout_ms: 1000,
            sqlite_readers: 4,
            lookup_audit_batch: 64,
            audit_flush_ms: 1000,
            trust_anchors: Vec::new(),
            seal_keys: Vec::new(),
            web_dir: Some(PathBuf::from("examples/web-verifier")),
            max_upload_bytes: 10 * 1024 * 1024,
            upload_timeout_ms: 30_000,
            header_timeout_ms: 10_000,
            verify_concurrency: 2,
            verify_queue_ms: 2000,
            verify_timeout_ms: 10_000,
            lookup_floor_ms: 0,
            rate_per_sec: 20.0,
            rate_burst: 60.0,
            trust_forwarded_for: false,
            retry_after_secs: 2,
            max_connections: 10_000,
            shutdown_grace_ms: 10_000,
            log_json: false,
            public_host: "xacthuc.saoy.example.vn".into(),
        }
    }
}

impl ServerConfig {
    /// Defaults, overridden by the file (if any), then by `SAOY_SERVE_*` variables of `env`.
    pub fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ServeError> {
        let mut table = match file {
            Some(p) => {
                let text = std::fs::read_to_string(p).map_err(|e| ServeError::Config {
                    detail: format!("cannot read {}: {e}", p.display()),
                })?;
                toml::from_str::<toml::Table>(&text).map_err(|e| ServeError::Config {
                    detail: format!("{}: {e}", p.display()),
                })?
            }
            None => toml::Table::new(),
        };
        for (k, v) in env {
            if let Some(field) = k.strip_prefix(ENV_PREFIX) {
                table.insert(field.to_ascii_lowercase(), env_value(&v));
            }
        }
        let cfg: ServerConfig = table.try_into().map_err(|e| ServeError::Config {
            detail: e.to_string(),
        })?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Check the values that have to be positive.
    pub fn validate(&self) -> Result<(), ServeError> {
        let bad = |what: &str| {
            Err(ServeError::Config {
                detail: format!("{what} must be positive"),
            })
        };
        if self.max_upload_bytes == 0 {
            return bad("max_upload_bytes");
        }
        if self.verify_concurrency == 0 {
            return bad("verify_concurrency");
        }
        if self.max_connections == 0 {
            return bad("max_connections");
        }
        if self.lookup_connections == 0 {
            return bad("lookup_connections");
        }
        if !(self.rate_per_sec >= 0.0 && self.rate_per_sec.is_finite()) {
            return bad("rate_per_sec (or 0 to disable)");
        }
        if self.rate_per_sec > 0.0 && !(self.rate_burst >= 1.0 && self.rate_burst.is_finite()) {
            return Err(ServeError::Config {
                detail: "rate_burst must be at least 1".into(),
            });
        }
        Ok(())
    }

    /// True when `database` names a PostgreSQL server.
    pub fn is_postgres(&self) -> bool {
        self.database.starts_with("postgres://") || self.database.starts_with("postgresql://")
    }
}

/// An environment value as TOML when it parses as one (`32`, `true`, `["a.pem"]`), else a string.
fn env_value(v: &str) -> toml::Value {
    toml::from_str::<toml::Table>(&format!("v = {v}"))
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(v.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_then_env_override() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("serve.toml");
        std::fs::write(
            &p,
            "listen = \"127.0.0.1:9000\"\npool_size = 4\nseal_keys = [\"a.pem\"]\n",
        )
        .unwrap();
        let env = [
            ("SAOY_SERVE_POOL_SIZE".to_string(), "32".to_string()),
            (
                "SAOY_SERVE_DATABASE".to_string(),
                "postgresql://u:p@127.0.0.1:5432/db".to_string(),
            ),
            ("SAOY_SERVE_LOG_JSON".to_string(), "true".to_string()),
            ("UNRELATED".to_string(), "x".to_string()),
        ];
        let c = ServerConfig::load(Some(&p), env).unwrap();
        assert_eq!(c.listen.port(), 9000);
        assert_eq!(c.pool_size, 32);
        assert!(c.is_postgres());
        assert!(c.log_json);
        assert_eq!(c.seal_keys, vec![PathBuf::from("a.pem")]);
        assert_eq!(c.max_upload_bytes, 10 * 1024 * 1024);
    }

    #[test]
    fn unknown_fields_and_bad_values_are_errors() {
        let env = [("SAOY_SERVE_NO_SUCH".to_string(), "1".to_string())];
        assert_eq!(
            ServerConfig::load(None, env).unwrap_err().code(),
            "serve_config"
        );
        let env = [("SAOY_SERVE_VERIFY_CONCURRENCY".to_string(), "0".to_string())];
        assert_eq!(
            ServerConfig::load(None, env).unwrap_err().code(),
            "serve_config"
        );
        let env = [("SAOY_SERVE_LOOKUP_CONNECTIONS".to_string(), "0".to_string())];
        assert_eq!(
            ServerConfig::load(None, env).unwrap_err().code(),
            "serve_config"
        );
        let env = [("SAOY_SERVE_POOL_SIZE".to_string(), "many".to_string())];
        assert!(ServerConfig::load(None, env).is_err());
    }
}
