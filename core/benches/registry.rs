//! Registry throughput: issue (reserve + activate, two transactions), audited lookup, and an
//! unaudited read (`get`, to separate the read from the audit write), on
//! SQLite (synchronous FULL and NORMAL) and, with `SAOY_TEST_PG_URL`, PostgreSQL.
//! Targets (SQLite): ≥ 2,000 issues/s and ≥ 20,000 lookups/s.
//!
//! `audit1` is the default: every lookup returns after its audit entry is committed (concurrent
//! lookups share the commit); `audit64` answers first and commits the entries 64 at a time (see
//! the crate README, "Registry audit log"). `lookup/64t` shows the group commit with more
//! concurrent callers (a busy portal): more entries per commit, the same durability.
//!
//! The machine's load average is printed before each backend (shared machines are noisy).
//!
//! `cargo bench -p saoy-core --bench registry`

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use saoy_core::DocumentKind;
use saoy_core::registry::sqlite::{SqliteOptions, SqliteRegistry};
use saoy_core::registry::{
    CitizenIdHasher, IssueRequest, OsCodeSource, Registry, Requester, Reservation,
};
use saoy_core::seal::KeyId;
use std::sync::atomic::{AtomicU64, Ordering};

static N: AtomicU64 = AtomicU64::new(0);

fn issue_one(reg: &dyn Registry, h: &CitizenIdHasher, tag: &str) -> saoy_core::VerificationCode {
    let n = N.fetch_add(1, Ordering::Relaxed);
    let req = IssueRequest::new(
        format!("bench-{tag}-{}-{n}", std::process::id()),
        DocumentKind::BIRTH_CERTIFICATE,
        "HN-HK-01",
        "officer-1",
        h.hash("001099012345"),
        KeyId([1; 8]),
        1_795_596_756,
        [7; 32],
    );
    match reg.reserve(&req).unwrap() {
        Reservation::New(r) => {
            reg.activate(&r.code, [8; 32]).unwrap();
            r.code
        }
        other => panic!("{other:?}"),
    }
}

/// Run `iters` operations split over `threads` threads; the wall time of the whole batch.
fn parallel(threads: usize, iters: u64, op: &(dyn Fn(u64) + Sync)) -> std::time::Duration {
    let t0 = std::time::Instant::now();
    std::thread::scope(|s| {
        for t in 0..threads as u64 {
            s.spawn(move || {
                let mut i = t;
                while i < iters {
                    op(i);
                    i += threads as u64;
                }
            });
        }
    });
    t0.elapsed()
}

fn bench_backend(c: &mut Criterion, name: &str, reg: &dyn Registry) {
    println!("registry/{name}: load average {}", load());
    let h = CitizenIdHasher::new(&[5; 32]).unwrap();
    let codes: Vec<_> = (0..2000).map(|_| issue_one(reg, &h, name)).collect();
    let mut g = c.benchmark_group(format!("registry/{name}"));
    g.throughput(Throughput::Elements(1));
    let who = Requester::new("bench");
    // 1 thread: one caller's latency; 16 threads: a busy office server or portal, where group
    // commit (SQLite) / concurrent transactions (PostgreSQL) share the fsyncs.
    for threads in [1usize, 16] {
        g.bench_function(format!("issue/{threads}t"), |b| {
            b.iter_custom(|iters| {
                parallel(threads, iters, &|_| {
                    issue_one(reg, &h, name);
                })
            })
        });
        g.bench_function(format!("get-unaudited/{threads}t"), |b| {
            b.iter_custom(|iters| {
                parallel(threads, iters, &|i| {
                    let code = &codes[i as usize % codes.len()];
                    assert!(reg.get(code).unwrap().is_some());
                })
            })
        });
        g.bench_function(format!("lookup/{threads}t"), |b| {
            b.iter_custom(|iters| {
                parallel(threads, iters, &|i| {
                    let code = &codes[i as usize % codes.len()];
                    assert!(reg.lookup(code, &who).unwrap().is_some());
                })
            })
        });
    }
    g.bench_function("lookup/64t", |b| {
        b.iter_custom(|iters| {
            parallel(64, iters, &|i| {
                let code = &codes[i as usize % codes.len()];
                assert!(reg.lookup(code, &who).unwrap().is_some());
            })
        })
    });
    g.finish();
}

/// The load average (Linux), to read the figures against.
fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn registry(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    for (name, full, batch) in [
        ("sqlite-full-audit1", true, 1),
        ("sqlite-normal-audit1", false, 1),
        ("sqlite-normal-audit64", false, 64),
    ] {
        let opts = SqliteOptions::default()
            .synchronous_full(full)
            .lookup_audit_batch(batch);
        let reg = SqliteRegistry::open_with(
            dir.path().join(format!("{name}.sqlite")),
            opts,
            Box::new(OsCodeSource),
        )
        .unwrap();
        bench_backend(c, name, &reg);
    }
    match std::env::var("SAOY_TEST_PG_URL") {
        Ok(url) if !url.is_empty() => {
            use saoy_core::registry::postgres::{PgOptions, PgRegistry};
            let schema = format!("bench_{}", std::process::id());
            for (name, batch) in [("postgres-audit1", 1), ("postgres-audit64", 64)] {
                let reg = PgRegistry::open_with(
                    &url,
                    PgOptions::default()
                        .schema(&schema)
                        .lookup_audit_batch(batch),
                    Box::new(OsCodeSource),
                )
                .unwrap();
                bench_backend(c, name, &reg);
            }
            let mut cl = postgres::Client::connect(&url, postgres::NoTls).unwrap();
            cl.batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
                .unwrap();
        }
        _ => println!("skipped: SAOY_TEST_PG_URL not set (PostgreSQL benchmarks)"),
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(std::time::Duration::from_secs(3));
    targets = registry
}
criterion_main!(benches);
