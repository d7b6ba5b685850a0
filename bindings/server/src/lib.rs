#![doc = include_str!("../README.md")]

pub mod app;
pub mod config;
pub mod error;
pub mod fixture;
pub mod load;
pub mod metrics;
pub mod page;
pub mod pglookup;
pub mod ratelimit;
pub mod serve;

pub use app::{AppState, LookupBody, router};
pub use config::ServerConfig;
pub use error::ServeError;
pub use serve::{init_tracing, run, serve, shutdown_signal};

/// The OpenAPI 3.1 description of the JSON API (also served at `GET /openapi.yaml`).
pub const OPENAPI_YAML: &str = include_str!("../openapi.yaml");
