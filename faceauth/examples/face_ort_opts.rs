//! Experiment: ONNX Runtime session options for the two face models, timed
//! interleaved in one process. `face_ort_opts [--threads N] [--rounds R]`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use saoy_models::ort::session::Session;
use saoy_models::ort::session::builder::GraphOptimizationLevel;
use saoy_models::ort::value::TensorRef;
use saoy_models::{ModelId, ModelStore, StoreOptions, environment, ort};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn build(
    store: &ModelStore,
    id: ModelId,
    threads: usize,
    level: GraphOptimizationLevel,
    spin: bool,
    ftz: bool,
) -> Session {
    let env = environment(&store.runtime_library()).unwrap();
    let mut b = Session::builder(env)
        .unwrap()
        .with_optimization_level(level)
        .unwrap()
        .with_intra_threads(threads)
        .unwrap()
        .with_inter_threads(1)
        .unwrap()
        .with_intra_op_spinning(spin)
        .unwrap();
    if ftz {
        b = b.with_flush_to_zero().unwrap();
    }
    b.commit_from_file(store.path(id)).unwrap()
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
    let configs = [
        ("all", GraphOptimizationLevel::All, true, false),
        ("all+ftz", GraphOptimizationLevel::All, true, true),
    ];
    for (id, name, shape) in [
        (ModelId::FaceEmbedding, "data", [1usize, 3, 112, 112]),
        (ModelId::FaceDetection, "input", [1usize, 3, 640, 640]),
    ] {
        let n: usize = shape.iter().product();
        let input: Vec<f32> = (0..n).map(|i| ((i * 7919) % 256) as f32).collect();
        let mut sessions: Vec<Session> = configs
            .iter()
            .map(|(_, l, s, f)| build(&store, id, threads, *l, *s, *f))
            .collect();
        let mut times = vec![Vec::new(); configs.len()];
        for _ in 0..rounds {
            for (k, s) in sessions.iter_mut().enumerate() {
                let t = TensorRef::from_array_view((shape, &input[..])).unwrap();
                let c0 = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
                let out = s.run(ort::inputs![name => t]).unwrap();
                drop(out);
                let c1 = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
                let ms =
                    (c1.tv_sec - c0.tv_sec) as f64 * 1e3 + (c1.tv_nsec - c0.tv_nsec) as f64 / 1e6;
                times[k].push(ms);
            }
        }
        for ((label, _, _, _), t) in configs.iter().zip(times) {
            let best = t.iter().copied().fold(f64::INFINITY, f64::min);
            println!(
                "{id:?} threads={threads} {label}: median {:.2} ms, best {best:.2} ms",
                median(t)
            );
        }
    }
}
