//! Per-stage timing of the face pipeline on given images (release build):
//! `cargo run --release -p saoy-faceauth --example face_stages -- [--threads N] IMG...`
//! Prints the median milliseconds of letterbox, YuNet inference, decode+NMS,
//! alignment and SFace inference, to see where the time goes.

use saoy_faceauth::align::align;
use saoy_faceauth::detect::{SCORE_THRESHOLD, decode, letterbox, unletterbox};
use saoy_faceauth::engine::{DetectorModel, EmbedderModel, OrtDetector, OrtEmbedder};
use saoy_faceauth::image_ops::Rgb8View;
use saoy_faceauth::load_image_file;
use saoy_models::{ModelId, ModelStore, StoreOptions};
use std::process::ExitCode;
use std::time::Instant;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

fn run() -> Result<(), String> {
    let mut threads = 1usize;
    let mut paths = Vec::new();
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        if a == "--threads" {
            threads = it
                .next()
                .and_then(|v| v.parse().ok())
                .ok_or("--threads N")?;
        } else {
            paths.push(a);
        }
    }
    let store = ModelStore::open(&StoreOptions::default().quiet()).map_err(|e| e.to_string())?;
    let s = |id| store.session(id, threads).map_err(|e| e.to_string());
    let mut det = OrtDetector::new(s(ModelId::FaceDetection)?);
    let mut emb = OrtEmbedder::new(s(ModelId::FaceEmbedding)?);
    let imgs: Vec<image::RgbImage> = paths
        .iter()
        .map(|p| {
            load_image_file(p.as_ref(), 12_000)
                .map(|i| i.to_rgb8())
                .map_err(|e| e.to_string())
        })
        .collect::<Result<_, _>>()?;
    let mut t = [Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new()];
    for _ in 0..3 {
        for img in &imgs {
            let view = Rgb8View::of(img);
            let t0 = Instant::now();
            let lb = letterbox(&view);
            let t1 = Instant::now();
            let out = det.run(&lb.tensor).map_err(|e| e.to_string())?;
            let t2 = Instant::now();
            let faces = decode(&out, SCORE_THRESHOLD).map_err(|e| e.to_string())?;
            let t3 = Instant::now();
            let Some(f) = faces
                .first()
                .map(|f| unletterbox(f, lb.scale_x, lb.scale_y))
            else {
                continue;
            };
            let crop = align(&view, &f.landmarks).ok_or("degenerate")?;
            let mut input = vec![0f32; 3 * 112 * 112];
            for (i, p) in crop.rgb().chunks_exact(3).enumerate() {
                for c in 0..3 {
                    input[c * 112 * 112 + i] = f32::from(p[c]);
                }
            }
            let t4 = Instant::now();
            emb.run(&input).map_err(|e| e.to_string())?;
            let t5 = Instant::now();
            for (k, (a, b)) in [(t0, t1), (t1, t2), (t2, t3), (t3, t4), (t4, t5)]
                .into_iter()
                .enumerate()
            {
                t[k].push((b - a).as_secs_f64() * 1000.0);
            }
        }
    }
    let names = ["letterbox", "yunet", "decode+nms", "align", "sface"];
    let parts: Vec<String> = names
        .iter()
        .zip(t)
        .map(|(n, v)| format!("{n} {:.2}", median(v)))
        .collect();
    println!("threads={threads} median ms: {}", parts.join(", "));
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("face_stages: {e}");
            ExitCode::from(2)
        }
    }
}
