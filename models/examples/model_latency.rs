//! First-inference and steady-state latency of each pinned model.
//!
//! `cargo run --release -p saoy-models --example model_latency [-- RUNS]`
//!
//! For 1 and 2 intra-op threads and each model: "first" = build a fresh
//! session and run one inference (what a CLI call pays), repeated RUNS times
//! (default 10) → median; "warm" = RUNS more inferences on one session → median.
//! Inputs are constant tensors at typical shapes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test/example code: a failure is the signal

use ndarray::Array4;
use saoy_models::ort::value::Tensor;
use saoy_models::{ModelId, ModelStore, StoreOptions};
use std::time::Instant;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10);
    let store = ModelStore::open(&StoreOptions::default())?;
    let models: [(ModelId, &str, [usize; 4]); 5] = [
        (ModelId::TextDetection, "x", [1, 3, 736, 1184]),
        (ModelId::TextOrientation, "x", [1, 3, 48, 192]),
        (ModelId::TextRecognition, "images", [1, 3, 32, 320]),
        (ModelId::FaceDetection, "input", [1, 3, 640, 640]),
        (ModelId::FaceEmbedding, "data", [1, 3, 112, 112]),
    ];
    println!("model            input            threads  first(ms)  warm(ms)   [median of {runs}]");
    for threads in [1usize, 2] {
        for (id, name, shape) in models {
            let mut first = Vec::new();
            for _ in 0..runs {
                let t = Instant::now();
                let mut s = store.session(id, threads)?;
                let x = Tensor::from_array(Array4::<f32>::from_elem(shape, 0.5))?;
                let _ = s.run(saoy_models::ort::inputs![name => x])?;
                first.push(t.elapsed().as_secs_f64() * 1e3);
            }
            let mut s = store.session(id, threads)?;
            let mut warm = Vec::new();
            for _ in 0..runs {
                let x = Tensor::from_array(Array4::<f32>::from_elem(shape, 0.5))?;
                let t = Instant::now();
                let _ = s.run(saoy_models::ort::inputs![name => x])?;
                warm.push(t.elapsed().as_secs_f64() * 1e3);
            }
            println!(
                "{:<16} {:<16} {:>7}  {:>9.1}  {:>8.1}",
                id.file_name(),
                format!("{shape:?}"),
                threads,
                median(first),
                median(warm)
            );
        }
    }
    Ok(())
}
