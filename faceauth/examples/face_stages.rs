//! Per-stage timing of the face pipeline on given images (release build):
//! `cargo run --release -p saoy-faceauth --example face_stages -- [--threads N] [--no-spin] [--stored-model] IMG...`
//! Prints the median milliseconds of letterbox, YuNet inference, decode+NMS,
//! alignment and SFace inference and of the whole image (decoding excluded),
//! as wall time and, with one thread, as on-CPU time of the calling thread
//! (robust to a loaded machine), to see where the time goes. The side-by-side
//! script runs it interleaved with the Python reference's `bench` command.
//! `--stored-model` loads SFace exactly as stored, without the pipeline's
//! `PRelu` rewrite (lines then start with `rust-stored`), to measure what the
//! rewrite gains.

use saoy_faceauth::align::align;
use saoy_faceauth::detect::{
    Letterbox, SCORE_THRESHOLD, decode, letterbox_into, letterbox_into_threads, unletterbox,
};
use saoy_faceauth::engine::{
    DetectorModel, EmbedderModel, OrtDetector, OrtEmbedder, face_session, face_session_with,
};
use saoy_faceauth::image_ops::Rgb8View;
use saoy_faceauth::load_image_file;
use saoy_models::{ModelId, ModelStore, StoreOptions};
use std::process::ExitCode;
use std::time::Instant;

/// CPU time of the calling thread in nanoseconds (`CLOCK_THREAD_CPUTIME_ID`).
/// With one inference thread ONNX Runtime runs every operator on the calling
/// thread, so this is the work done, far less inflated than wall time on a
/// loaded machine.
fn thread_cpu_ns() -> u64 {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    (t.tv_sec as u64) * 1_000_000_000 + t.tv_nsec as u64
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

fn run() -> Result<(), String> {
    let mut threads = 1usize;
    let mut spinning = true;
    let mut rewrite = true;
    let mut repeat = 3usize;
    let mut paths = Vec::new();
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        if a == "--threads" {
            threads = it
                .next()
                .and_then(|v| v.parse().ok())
                .ok_or("--threads N")?;
        } else if a == "--repeat" {
            repeat = it.next().and_then(|v| v.parse().ok()).ok_or("--repeat N")?;
        } else if a == "--no-spin" {
            spinning = false;
        } else if a == "--stored-model" {
            rewrite = false;
        } else {
            paths.push(a);
        }
    }
    let store = ModelStore::open(&StoreOptions::default().quiet()).map_err(|e| e.to_string())?;
    let s = |id| face_session(&store, id, threads, spinning).map_err(|e| e.to_string());
    let mut det = OrtDetector::new(s(ModelId::FaceDetection)?);
    let mut emb = OrtEmbedder::new(
        face_session_with(&store, ModelId::FaceEmbedding, threads, spinning, rewrite)
            .map_err(|e| e.to_string())?,
    );
    let imgs: Vec<image::RgbImage> = paths
        .iter()
        .map(|p| {
            load_image_file(p.as_ref(), 12_000)
                .map(|i| i.to_rgb8())
                .map_err(|e| e.to_string())
        })
        .collect::<Result<_, _>>()?;
    // Per stage: wall ms and thread CPU ms; index 5 is the whole image.
    let mut wall: Vec<Vec<f64>> = vec![Vec::new(); 6];
    let mut cpu: Vec<Vec<f64>> = vec![Vec::new(); 6];
    let mut lb = Letterbox::default();
    for _ in 0..repeat {
        for img in &imgs {
            let view = Rgb8View::of(img);
            let mut marks = Vec::with_capacity(6);
            let mark = |m: &mut Vec<(Instant, u64)>| m.push((Instant::now(), thread_cpu_ns()));
            mark(&mut marks);
            letterbox_into_threads(&view, &mut lb, threads);
            mark(&mut marks);
            let out = det.run(&lb).map_err(|e| e.to_string())?;
            mark(&mut marks);
            let faces = decode(&out, SCORE_THRESHOLD).map_err(|e| e.to_string())?;
            mark(&mut marks);
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
            mark(&mut marks);
            emb.run(&input).map_err(|e| e.to_string())?;
            mark(&mut marks);
            let spans = (0..5).map(|k| (k, k + 1)).chain([(0, 5)]);
            for (k, (i, j)) in spans.enumerate() {
                wall[k].push((marks[j].0 - marks[i].0).as_secs_f64() * 1000.0);
                cpu[k].push(marks[j].1.saturating_sub(marks[i].1) as f64 / 1e6);
            }
        }
    }
    let names = [
        "letterbox",
        "yunet",
        "decode+nms",
        "align",
        "sface",
        "per_image",
    ];
    let fmt = |v: &[Vec<f64>]| -> String {
        names
            .iter()
            .zip(v)
            .map(|(n, v)| format!("{n}={:.2}", median(v.clone())))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let canvas: Vec<String> = imgs
        .iter()
        .map(|img| {
            let mut l = Letterbox::default();
            letterbox_into(&Rgb8View::of(img), &mut l);
            format!("{}x{}", l.width, l.height)
        })
        .collect();
    let who = if rewrite { "rust" } else { "rust-stored" };
    println!("{who} threads={threads} canvases {}", canvas.join(","));
    println!("{who} threads={threads} wall median_ms {}", fmt(&wall));
    if threads == 1 {
        println!("{who} threads={threads} cpu median_ms {}", fmt(&cpu));
    }
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
