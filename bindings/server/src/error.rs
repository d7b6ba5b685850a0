//! Errors of starting and running the service (request outcomes are HTTP responses, not these).

use saoy_core::registry::RegistryError;

/// Why the service cannot start or stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// The configuration file or an environment override is invalid.
    #[error("invalid configuration: {detail}")]
    Config {
        /// What is wrong.
        detail: String,
    },
    /// A trust anchor or seal key file cannot be read or parsed.
    #[error("invalid trust material: {detail}")]
    Trust {
        /// What is wrong.
        detail: String,
    },
    /// The registry cannot be opened.
    #[error("cannot open the registry: {0}")]
    Registry(#[from] RegistryError),
    /// The listening socket cannot be bound.
    #[error("cannot listen on {addr}: {detail}")]
    Bind {
        /// The address.
        addr: String,
        /// OS error text.
        detail: String,
    },
    /// Another I/O failure (accept loop, runtime).
    #[error("I/O error: {detail}")]
    Io {
        /// OS error text.
        detail: String,
    },
}

impl ServeError {
    /// Stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            ServeError::Config { .. } => "serve_config",
            ServeError::Trust { .. } => "serve_trust",
            ServeError::Registry(_) => "serve_registry",
            ServeError::Bind { .. } => "serve_bind",
            ServeError::Io { .. } => "serve_io",
        }
    }
}
