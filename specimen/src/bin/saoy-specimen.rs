//! `saoy-specimen`: write fictional specimen images with JSON ground truth.
//!
//! `saoy-specimen --out DIR --count N --seed S [--kinds cccd-front,cccd-back,a4] [--clean]
//! [--portrait demo|none|FILE]`
//!
//! Specimen `i` has kind `kinds[i % kinds.len()]`; the specimens of one cycle of kinds show the
//! same fictional person (seed `S + i / kinds.len()`), so a front, a back and a form match.
//! Cards get a photo-like degradation, forms a scan-like one (30 % photo), unless `--clean`.
//! Writes `NNNN-KIND.{png,jpg}` + `NNNN-KIND.json` per specimen and `index.json`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use image::RgbImage;
use saoy_specimen::{
    Degradation, Person, RenderOptions, Rng, Specimen, SpecimenError, SpecimenKind, degrade,
    demo_portrait, draw_truth_overlay, render,
};
use serde::Serialize;

/// Generate fictional CCCD fronts/backs and A4 forms with ground truth.
#[derive(Parser, Debug)]
#[command(name = "saoy-specimen", version)]
struct Args {
    /// Output directory (created if missing).
    #[arg(long)]
    out: PathBuf,
    /// Number of images.
    #[arg(long, default_value_t = 12)]
    count: usize,
    /// Base seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Comma-separated kinds: cccd-front, cccd-back, a4.
    #[arg(long, default_value = "cccd-front,cccd-back,a4")]
    kinds: String,
    /// No degradation: write the clean renderings as PNG.
    #[arg(long)]
    clean: bool,
    /// Portrait for the card front: `demo` (the shipped public-domain photo), `none`
    /// (silhouette) or an image file.
    #[arg(long, default_value = "demo")]
    portrait: String,
    /// Also write `NNNN-KIND-overlay.png` with the ground-truth boxes drawn on the image.
    #[arg(long)]
    overlay: bool,
    /// Worker threads (default: available parallelism).
    #[arg(long)]
    threads: Option<usize>,
}

#[derive(Serialize)]
struct IndexItem {
    image: String,
    truth: String,
    kind: SpecimenKind,
    seed: u64,
    person_seed: u64,
    degraded: bool,
}

#[derive(Serialize)]
struct Index {
    generator: &'static str,
    version: &'static str,
    seed: u64,
    count: usize,
    kinds: Vec<SpecimenKind>,
    clean: bool,
    items: Vec<IndexItem>,
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> SpecimenError + '_ {
    move |source| SpecimenError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn one(
    i: usize,
    args: &Args,
    kinds: &[SpecimenKind],
    portrait: Option<&RgbImage>,
) -> Result<IndexItem, SpecimenError> {
    let kind = kinds[i % kinds.len()];
    let person_seed = args.seed.wrapping_add((i / kinds.len()) as u64);
    let seed = args.seed.wrapping_mul(1_000_003).wrapping_add(i as u64);
    let person = Person::generate(person_seed);
    let clean = render(kind, &person, portrait, &RenderOptions::new(seed))?;
    let sp: Specimen = if args.clean {
        clean
    } else {
        let d = match kind {
            SpecimenKind::A4Form if !Rng::derive(seed, "bin-a4-photo").chance(0.3) => {
                Degradation::scan(seed)
            }
            _ => Degradation::photo(seed),
        };
        degrade(&clean, &d, seed)?
    };
    let stem = format!("{i:04}-{}", kind.name());
    let (bytes, ext) = sp.encoded()?;
    let image = format!("{stem}.{ext}");
    let truth = format!("{stem}.json");
    let ip = args.out.join(&image);
    std::fs::write(&ip, bytes).map_err(io_err(&ip))?;
    if args.overlay {
        let op = args.out.join(format!("{stem}-overlay.png"));
        draw_truth_overlay(&sp)
            .save(&op)
            .map_err(|source| SpecimenError::Image {
                what: "writing the overlay",
                source,
            })?;
    }
    let tp = args.out.join(&truth);
    std::fs::write(&tp, serde_json::to_vec_pretty(&sp.truth)?).map_err(io_err(&tp))?;
    Ok(IndexItem {
        image,
        truth,
        kind,
        seed,
        person_seed,
        degraded: !args.clean,
    })
}

fn run(args: &Args) -> Result<usize, SpecimenError> {
    let kinds: Vec<SpecimenKind> = args
        .kinds
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            SpecimenKind::parse(s).ok_or_else(|| SpecimenError::InvalidParameter {
                name: "kinds",
                value: s.to_string(),
                range: "cccd-front, cccd-back, a4",
            })
        })
        .collect::<Result<_, _>>()?;
    if kinds.is_empty() {
        return Err(SpecimenError::InvalidParameter {
            name: "kinds",
            value: args.kinds.clone(),
            range: "at least one of cccd-front, cccd-back, a4",
        });
    }
    let portrait = match args.portrait.as_str() {
        "none" => None,
        "demo" => Some(demo_portrait()?),
        path => Some(
            image::open(path)
                .map_err(|source| SpecimenError::Image {
                    what: "reading the portrait",
                    source,
                })?
                .to_rgb8(),
        ),
    };
    std::fs::create_dir_all(&args.out).map_err(io_err(&args.out))?;
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let mut results: Vec<Option<Result<IndexItem, SpecimenError>>> =
        (0..args.count).map(|_| None).collect();
    std::thread::scope(|s| {
        let chunks: Vec<_> = results
            .chunks_mut(args.count.div_ceil(threads).max(1))
            .collect();
        let mut start = 0;
        for chunk in chunks {
            let first = start;
            start += chunk.len();
            let (kinds, portrait) = (&kinds, portrait.as_ref());
            s.spawn(move || {
                for (k, slot) in chunk.iter_mut().enumerate() {
                    *slot = Some(one(first + k, args, kinds, portrait));
                }
            });
        }
    });
    let mut items = Vec::with_capacity(args.count);
    for r in results.into_iter().flatten() {
        items.push(r?);
    }
    let n = items.len();
    let index = Index {
        generator: "saoy-specimen",
        version: env!("CARGO_PKG_VERSION"),
        seed: args.seed,
        count: n,
        kinds,
        clean: args.clean,
        items,
    };
    let ip = args.out.join("index.json");
    std::fs::write(&ip, serde_json::to_vec_pretty(&index)?).map_err(io_err(&ip))?;
    Ok(n)
}

fn main() -> ExitCode {
    let args = Args::parse();
    let t0 = Instant::now();
    match run(&args) {
        Ok(n) => {
            println!(
                "wrote {n} specimens to {} in {:.2} s",
                args.out.display(),
                t0.elapsed().as_secs_f64()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("saoy-specimen: error [{}]: {e}", e.code());
            match e {
                SpecimenError::InvalidParameter { .. } => ExitCode::from(64),
                SpecimenError::Io { .. } => ExitCode::from(74),
                _ => ExitCode::from(70),
            }
        }
    }
}
