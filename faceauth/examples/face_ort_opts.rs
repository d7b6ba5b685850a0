//! Experiment: session variants for the two face models, timed interleaved in
//! one process (thread CPU time at 1 thread, wall time otherwise), with the
//! largest output difference against the first variant.
//! `face_ort_opts [--threads N] [--rounds R]`.
//!
//! Variants: the model file as stored, and the pipeline's session (the
//! `PRelu` rewrite of `engine::face_session`), both with every graph
//! optimisation; plus the rewrite with flush-to-zero.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use saoy_faceauth::engine::face_session_with;
use saoy_models::ort::session::Session;
use saoy_models::ort::value::TensorRef;
use saoy_models::{ModelId, ModelStore, StoreOptions, ort};
use std::time::Instant;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn cpu_ms() -> f64 {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    t.tv_sec as f64 * 1e3 + t.tv_nsec as f64 / 1e6
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let get = |k: &str, d: usize| {
        args.iter()
            .position(|a| a == k)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    let threads = get("--threads", 1);
    let rounds = get("--rounds", 20);
    let store = ModelStore::open(&StoreOptions::default().quiet()).unwrap();
    let labels = ["stored", "prelu-rewrite"];
    for (id, name, shape) in [
        (ModelId::FaceEmbedding, "data", [1usize, 3, 112, 112]),
        (ModelId::FaceDetection, "input", [1usize, 3, 480, 640]),
    ] {
        let n: usize = shape.iter().product();
        let input: Vec<f32> = (0..n).map(|i| ((i * 7919) % 256) as f32).collect();
        let mut sessions: Vec<Session> = [false, true]
            .iter()
            .map(|&rewrite| face_session_with(&store, id, threads, true, rewrite).unwrap())
            .collect();
        let mut times = vec![Vec::new(); sessions.len()];
        let mut first: Vec<f32> = Vec::new();
        let mut max_diff = vec![0f32; sessions.len()];
        for _ in 0..rounds {
            for (k, s) in sessions.iter_mut().enumerate() {
                let t = TensorRef::from_array_view((shape, &input[..])).unwrap();
                let (c0, w0) = (cpu_ms(), Instant::now());
                let out = s.run(ort::inputs![name => t]).unwrap();
                let ms = if threads == 1 {
                    cpu_ms() - c0
                } else {
                    w0.elapsed().as_secs_f64() * 1e3
                };
                times[k].push(ms);
                let mut all = Vec::new();
                for (_, v) in out.iter() {
                    all.extend_from_slice(v.try_extract_tensor::<f32>().unwrap().1);
                }
                if k == 0 {
                    first = all;
                } else {
                    let d = first
                        .iter()
                        .zip(&all)
                        .map(|(a, b)| (a - b).abs())
                        .fold(0f32, f32::max);
                    max_diff[k] = max_diff[k].max(d);
                }
            }
        }
        let clock = if threads == 1 { "cpu" } else { "wall" };
        for ((label, t), d) in labels.iter().zip(times).zip(max_diff) {
            let best = t.iter().copied().fold(f64::INFINITY, f64::min);
            println!(
                "{id:?} threads={threads} {label}: {clock} median {:.2} ms, best {best:.2} ms, \
                 max |diff| vs stored {d:.2e}",
                median(t)
            );
        }
    }
}
