//! PAdES B-B signing of a ~1 MB certified copy (P-384, test PKI).
//! The same input and key are timed against pyHanko by
//! `benches/peers/sign_vs_pyhanko.sh` (via `examples/sign_bench.rs`).

#![allow(missing_docs)] // criterion_group! generates an undocumented fn

use criterion::{Criterion, criterion_group, criterion_main};
use saoy_signing::pki::TestPki;
use saoy_signing::sign::{SignOptions, sign_pdf};
use std::hint::black_box;

#[path = "../examples/sign_bench.rs"]
#[allow(dead_code)]
mod helper;

fn bench(c: &mut Criterion) {
    let pdf = match helper::one_mb_copy() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("cannot render the benchmark copy: {e}");
            return;
        }
    };
    let Ok(pki) = TestPki::generate() else { return };
    let Ok(signer) = pki.signer() else { return };
    let opts = SignOptions::default();
    let mut g = c.benchmark_group("sign");
    g.sample_size(30);
    g.bench_function(format!("pades_bb_p384_{}kb", pdf.len() / 1024), |b| {
        b.iter(|| sign_pdf(black_box(&pdf), &signer, &opts))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
