//! Load-test helper for `saoy serve` (TEST data only):
//! `seed` bulk-loads N deterministic codes, `issue` issues real signed copies with the TEST PKI,
//! `load` drives a server and prints one JSON report line.

use clap::{Parser, Subcommand};
use saoy_server::fixture::{Kit, seed_postgres, seed_sqlite};
use saoy_server::load::{LoadOptions, Target, run_load};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Debug, Parser)]
#[command(
    name = "saoy-server-tool",
    about = "Load-test helper for saoy serve (TEST data only)"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Bulk-load N load-test codes (PostgreSQL COPY / one SQLite transaction).
    Seed {
        /// `postgresql://…` or a SQLite path.
        #[arg(long)]
        db: String,
        /// PostgreSQL schema.
        #[arg(long)]
        pg_schema: Option<String>,
        /// Rows.
        #[arg(long, default_value_t = 1_000_000)]
        count: u64,
        /// Code seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Issue real signed copies into the registry; writes the trust files into --pki.
    Issue {
        /// `postgresql://…` or a SQLite path.
        #[arg(long)]
        db: String,
        /// PostgreSQL schema.
        #[arg(long)]
        pg_schema: Option<String>,
        /// TEST PKI directory (created on first use).
        #[arg(long)]
        pki: PathBuf,
        /// Output directory of the PDFs.
        #[arg(long)]
        out: PathBuf,
        /// Copies.
        #[arg(long, default_value_t = 1)]
        count: u32,
        /// Approximate page-image size in bytes (sets the PDF size).
        #[arg(long, default_value_t = 1_000_000)]
        page_bytes: usize,
        /// Request-id prefix.
        #[arg(long, default_value = "tool")]
        prefix: String,
    },
    /// Drive a server; prints one JSON line.
    Load {
        /// Server address.
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        /// Seconds.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Connections.
        #[arg(long, default_value_t = 32)]
        connections: usize,
        /// Seed of the seeded registry (lookup).
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Seeded rows (lookup).
        #[arg(long, default_value_t = 1_000_000)]
        count: u64,
        /// Share of unknown codes, percent (lookup).
        #[arg(long, default_value_t = 10)]
        unknown_percent: u64,
        /// POST this PDF to /verify instead of looking codes up.
        #[arg(long)]
        verify: Option<PathBuf>,
        /// A label copied into the report.
        #[arg(long, default_value = "")]
        label: String,
    },
}

fn main() -> ExitCode {
    match run(Cli::parse().cmd) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn open(db: &str, schema: Option<&str>) -> Result<Arc<dyn saoy_core::registry::Registry>, String> {
    let mut cfg = saoy_server::ServerConfig::default();
    cfg.database = db.to_string();
    cfg.pg_schema = schema.map(String::from);
    cfg.lookup_audit_batch = 1;
    saoy_server::app::open_registry(&cfg).map_err(|e| e.to_string())
}

fn run(cmd: Cmd) -> Result<(), String> {
    match cmd {
        Cmd::Seed {
            db,
            pg_schema,
            count,
            seed,
        } => {
            let t0 = Instant::now();
            drop(open(&db, pg_schema.as_deref())?);
            let n = if db.starts_with("postgres") {
                seed_postgres(&db, pg_schema.as_deref(), seed, count)
            } else {
                seed_sqlite(
                    std::path::Path::new(db.strip_prefix("sqlite:").unwrap_or(&db)),
                    seed,
                    count,
                )
            }
            .map_err(|e| e.to_string())?;
            println!(
                "{}",
                serde_json::json!({"seeded": n, "requested": count, "seconds": t0.elapsed().as_secs_f64()})
            );
        }
        Cmd::Issue {
            db,
            pg_schema,
            pki,
            out,
            count,
            page_bytes,
            prefix,
        } => {
            let reg = open(&db, pg_schema.as_deref())?;
            let kit = Kit::new(reg, &pki, &out).map_err(|e| e.to_string())?;
            for i in 0..count {
                let b = kit
                    .issue(&format!("{prefix}-{i}"), page_bytes)
                    .map_err(|e| e.to_string())?;
                println!(
                    "{}",
                    serde_json::json!({"code": b.code.to_string(), "pdf": b.pdf_path, "bytes": b.pdf.len(), "seal_url": b.receipt.seal_url})
                );
            }
            eprintln!(
                "trust: root {} seal {}",
                kit.trust.root_pem.display(),
                kit.trust.seal_pub_pem.display()
            );
        }
        Cmd::Load {
            addr,
            seconds,
            connections,
            seed,
            count,
            unknown_percent,
            verify,
            label,
        } => {
            let target = match verify {
                Some(p) => Target::Verify {
                    pdf: Arc::new(std::fs::read(&p).map_err(|e| format!("{}: {e}", p.display()))?),
                },
                None => Target::Lookup {
                    seed,
                    count,
                    unknown_percent: unknown_percent.min(100),
                },
            };
            let r = run_load(&LoadOptions {
                addr,
                duration: Duration::from_secs(seconds),
                connections,
                target,
            });
            let mut v = serde_json::to_value(&r).map_err(|e| e.to_string())?;
            v["label"] = serde_json::Value::String(label);
            v["connections"] = connections.into();
            println!("{v}");
        }
    }
    Ok(())
}
