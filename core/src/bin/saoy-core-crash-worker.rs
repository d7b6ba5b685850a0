//! Test helper for the crash-safety test (`core/tests/core.rs`): issues certified copies in an
//! endless loop with the fake recognizer/face/renderer/signer and the real registry + delivery
//! store, so the test can SIGKILL it at random points. Not a user tool.
//!
//! Usage: `saoy-core-crash-worker STORE_DIR (sqlite:PATH | postgresql://URL SCHEMA)`, or
//! `saoy-core-crash-worker --lookups sqlite:PATH CODE`: look CODE up in an endless loop
//! (default options: each lookup audited before it returns) and print the number of lookups
//! answered after each one, so the test can check the audit log after the kill.

use p384::ecdsa::SigningKey;
use saoy_core::registry::sqlite::SqliteRegistry;
use saoy_core::registry::{CitizenIdHasher, Registry};
use saoy_core::workflow::fakes::{FakeFace, FakeRecognizer, FakeRenderer, FakeSigner};
use saoy_core::workflow::{DeliveryStore, IssueInput, Issuer, IssuerConfig, OfficeContext};
use std::process::ExitCode;
use std::sync::Arc;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("crash worker: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> Result<(), String> {
    if args.get(1).map(String::as_str) == Some("--lookups") {
        return lookups(args);
    }
    let (Some(store), Some(db)) = (args.get(1), args.get(2)) else {
        return Err(
            "usage: saoy-core-crash-worker STORE_DIR (sqlite:PATH | postgresql://URL SCHEMA)"
                .into(),
        );
    };
    let registry: Arc<dyn Registry> = if let Some(path) = db.strip_prefix("sqlite:") {
        Arc::new(SqliteRegistry::open(path).map_err(|e| e.to_string())?)
    } else {
        open_pg(db, args.get(3))?
    };
    let seal_key = SigningKey::from_slice(&[0x5a; 48]).map_err(|e| e.to_string())?;
    let issuer = Issuer::new(
        Arc::new(FakeRecognizer::default()),
        Arc::new(FakeFace::default()),
        Arc::new(FakeRenderer),
        Arc::new(FakeSigner {
            key: b"crash".to_vec(),
        }),
        Arc::new(seal_key),
        registry,
        DeliveryStore::open(store).map_err(|e| e.to_string())?,
        CitizenIdHasher::new(&[3; 32]).map_err(|e| e.to_string())?,
        IssuerConfig::default(),
    );
    let page = vec![0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 4];
    let pid = std::process::id();
    for i in 0u64.. {
        let input = IssueInput::new(
            format!("crash-{pid}-{i}"),
            vec![page.clone()],
            b"front".to_vec(),
            None,
            vec![b"live".to_vec()],
            OfficeContext::new("CRASH-01", "Crash test office", "officer-c"),
        );
        issuer.issue(&input).map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn lookups(args: &[String]) -> Result<(), String> {
    use saoy_core::registry::Requester;
    use std::io::Write;
    let (Some(path), Some(code)) = (
        args.get(2).and_then(|d| d.strip_prefix("sqlite:")),
        args.get(3),
    ) else {
        return Err("usage: saoy-core-crash-worker --lookups sqlite:PATH CODE".into());
    };
    let registry = SqliteRegistry::open(path).map_err(|e| e.to_string())?;
    let code = saoy_core::VerificationCode::parse(code).map_err(|e| e.to_string())?;
    let who = Requester::new("crash-lookups");
    let mut out = std::io::stdout().lock();
    for n in 1u64.. {
        registry.lookup(&code, &who).map_err(|e| e.to_string())?;
        writeln!(out, "{n}")
            .and_then(|()| out.flush())
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

#[cfg(feature = "postgres")]
fn open_pg(url: &str, schema: Option<&String>) -> Result<Arc<dyn Registry>, String> {
    use saoy_core::registry::postgres::{PgOptions, PgRegistry};
    let mut opts = PgOptions::default().pool_size(2);
    if let Some(s) = schema {
        opts = opts.schema(s);
    }
    let reg = PgRegistry::open_with(url, opts, Box::new(saoy_core::registry::OsCodeSource))
        .map_err(|e| e.to_string())?;
    Ok(Arc::new(reg))
}

#[cfg(not(feature = "postgres"))]
fn open_pg(_url: &str, _schema: Option<&String>) -> Result<Arc<dyn Registry>, String> {
    Err("built without the postgres feature".into())
}
