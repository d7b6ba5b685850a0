#![allow(clippy::unwrap_used, clippy::expect_used)] // test and bench set-up: a failure here is the failure
#![allow(missing_docs)] // criterion_group! generates undocumented items
//! End-to-end timings with the real models, 2 threads: an A4 page at
//! 200 dpi (1654x2339, 40 lines of 11 pt text) and a CCCD-sized card image
//! (1012x638). Targets: A4 <= 1.5 s, CCCD <= 400 ms.

use criterion::{Criterion, criterion_group, criterion_main};
use saoy_ocr::Ocr;

#[path = "common/pages.rs"]
mod pages;
use pages::{a4_page, cccd_card};

fn bench(c: &mut Criterion) {
    let store = saoy_models::ModelStore::open(&saoy_models::StoreOptions::default().offline(true))
        .expect("model store");
    let ocr = Ocr::builder().threads(2).build(&store).expect("models");
    let a4 = a4_page();
    let card = cccd_card();
    let mut g = c.benchmark_group("ocr");
    g.sample_size(10);
    g.bench_function("a4_200dpi_page", |b| {
        b.iter(|| ocr.recognize_page(&a4).expect("page"))
    });
    g.bench_function("cccd_card", |b| {
        b.iter(|| ocr.recognize_page(&card).expect("card"))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
