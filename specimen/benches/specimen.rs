//! Generation speed: rendering each kind and the two degradation presets.
//! Target: 200 mixed specimens (render + degrade + encode) well under a minute on 2 cores.

// criterion's macros generate undocumented functions.
#![allow(missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use saoy_specimen::{
    Degradation, Person, RenderOptions, degrade, demo_portrait, render_a4_form, render_cccd_back,
    render_cccd_front,
};

fn benches(c: &mut Criterion) {
    let person = Person::generate(1);
    let opts = RenderOptions::new(1);
    let Ok(portrait) = demo_portrait() else {
        return;
    };
    let mut g = c.benchmark_group("specimen");
    g.sample_size(10);
    g.bench_function("render_cccd_front", |b| {
        b.iter(|| render_cccd_front(&person, Some(&portrait), &opts))
    });
    g.bench_function("render_cccd_back", |b| {
        b.iter(|| render_cccd_back(&person, &opts))
    });
    g.bench_function("render_a4_form", |b| {
        b.iter(|| render_a4_form(&person, &opts))
    });
    if let (Ok(front), Ok(a4)) = (
        render_cccd_front(&person, Some(&portrait), &opts),
        render_a4_form(&person, &opts),
    ) {
        g.bench_function("degrade_photo_card", |b| {
            b.iter(|| degrade(&front, &Degradation::photo(1), 1))
        });
        g.bench_function("degrade_scan_a4", |b| {
            b.iter(|| degrade(&a4, &Degradation::scan(1), 1))
        });
        g.bench_function("encode_png_a4", |b| b.iter(|| a4.encoded()));
        let parts = [
            ("a4_rotate", Degradation::none().with_rotation(1.0)),
            ("a4_blur", Degradation::none().with_blur(0.8)),
            ("a4_noise", Degradation::none().with_noise(3.0)),
            ("a4_light", Degradation::none().with_illumination(0.1)),
            ("a4_jpeg", Degradation::none().with_jpeg(80)),
        ];
        for (name, d) in parts {
            g.bench_function(name, |b| b.iter(|| degrade(&a4, &d, 1)));
        }
    }
    g.finish();
}

criterion_group!(specimen, benches);
criterion_main!(specimen);
