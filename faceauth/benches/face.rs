//! Face pipeline speed: detect + align + embed per image, and a full
//! two-image compare, at 1 and 2 inference threads.
//!
//! Images: the paths in `$SAOY_FACE_BENCH_IMAGES` (colon-separated; the
//! side-by-side script `benches/peers/face_side_by_side.sh` passes the
//! development photos so the Python reference times the same inputs), else
//! the specimen portrait at 512 px and enlarged to 1280x960. Decoding is
//! outside the timed region (as in the Python reference).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{Criterion, Throughput, criterion_main};
use image::DynamicImage;
use saoy_faceauth::{FaceAuth, Source, decode_image, load_image_file};
use saoy_models::{ModelStore, StoreOptions};
use std::time::Duration;

fn images() -> Vec<DynamicImage> {
    if let Ok(list) = std::env::var("SAOY_FACE_BENCH_IMAGES") {
        let imgs: Vec<DynamicImage> = list
            .split(':')
            .filter(|p| !p.is_empty())
            .map(|p| load_image_file(p.as_ref(), 12_000).expect("bench image"))
            .collect();
        if !imgs.is_empty() {
            return imgs;
        }
    }
    let a = decode_image(
        include_bytes!("../../assets/portraits/astronaut.png"),
        12_000,
    )
    .expect("portrait");
    let big = a.resize_exact(1280, 960, image::imageops::FilterType::Triangle);
    vec![a, big]
}

fn bench(c: &mut Criterion) {
    let store = ModelStore::open(&StoreOptions::default().offline(true).quiet()).expect("store");
    let imgs = images();
    let mut g = c.benchmark_group("face");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(8))
        .warm_up_time(Duration::from_secs(2));
    for threads in [1usize, 2] {
        let auth = FaceAuth::builder()
            .threads(threads)
            .build(&store)
            .expect("models");
        g.throughput(Throughput::Elements(imgs.len() as u64));
        g.bench_function(format!("detect_align_embed/threads={threads}"), |b| {
            b.iter(|| {
                for img in &imgs {
                    let a = auth.analyze(img, Source::LiveCapture).expect("analyze");
                    std::hint::black_box(a.embedding);
                }
            })
        });
        g.throughput(Throughput::Elements(1));
        g.bench_function(format!("compare/threads={threads}"), |b| {
            b.iter(|| {
                let r = auth
                    .compare_images(
                        &imgs[0],
                        Source::LiveCapture,
                        &imgs[imgs.len() - 1],
                        Source::IdPortrait,
                    )
                    .expect("compare");
                std::hint::black_box(r.comparison.score)
            })
        });
    }
    g.finish();
}

// The macro generates an undocumented function.
#[allow(missing_docs)]
mod group {
    criterion::criterion_group!(benches, super::bench);
}
use group::benches;
criterion_main!(benches);
