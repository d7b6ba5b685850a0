//! Evaluation harness over a pairs file (`img_a,img_b,same`), run by
//! `.ci/eval/face.sh`:
//!
//! ```text
//! cargo run -p saoy-faceauth --example face_eval -- \
//!     --data ../shared/data/faces --pairs ../shared/data/faces/pairs.csv \
//!     [--reference ref_scores.csv] [--out scores.csv] [--threads 2] [--quality] [--check] \
//!     [--liveness] [--cross-domain OUT_DIR]
//! ```
//!
//! `--liveness` replays every pair as a live sequence whose person changes
//! half-way and reports how often the identity-consistency check flags it.
//! `--cross-domain` prints each development image as the portrait of a
//! fictional CCCD (saoy-specimen), photographs it (`Degradation::photo`),
//! matches the portrait region against the original images, and reports the
//! same figures.
//!
//! Prints ROC AUC, EER, TAR at FAR 1% and 0.1%, accuracy at the shipped
//! threshold and the failure-to-enrol count; with `--reference` (scores from
//! `benches/peers/face_reference.py`) the largest per-pair score difference;
//! with `--check` exits 1 when a bar is missed (EER ≤ 1%, TAR@FAR1% ≥ 99%,
//! max difference ≤ 0.02).

use saoy_faceauth::liveness::{FrameObservation, LivenessIssue, evaluate};
use saoy_faceauth::metrics::VerificationFigures;
use saoy_faceauth::{
    Challenge, ChallengeKind, Embedding, Face, FaceAuth, LivenessConfig, Pose, Source,
    load_image_file,
};
use saoy_models::{ModelStore, StoreOptions};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

struct Args {
    data: PathBuf,
    pairs: PathBuf,
    reference: Option<PathBuf>,
    out: Option<PathBuf>,
    threads: usize,
    quality: bool,
    check: bool,
    liveness: bool,
    cross_domain: Option<PathBuf>,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        data: PathBuf::new(),
        pairs: PathBuf::new(),
        reference: None,
        out: None,
        threads: 2,
        quality: false,
        check: false,
        liveness: false,
        cross_domain: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let mut val = || it.next().ok_or_else(|| format!("{k} needs a value"));
        match k.as_str() {
            "--data" => a.data = val()?.into(),
            "--pairs" => a.pairs = val()?.into(),
            "--reference" => a.reference = Some(val()?.into()),
            "--out" => a.out = Some(val()?.into()),
            "--threads" => a.threads = val()?.parse().map_err(|e| format!("--threads: {e}"))?,
            "--quality" => a.quality = true,
            "--check" => a.check = true,
            "--liveness" => a.liveness = true,
            "--cross-domain" => a.cross_domain = Some(val()?.into()),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if a.pairs.as_os_str().is_empty() || a.data.as_os_str().is_empty() {
        return Err("--data and --pairs are required".into());
    }
    Ok(a)
}

/// Rows of a CSV with a header; naive split (the files hold no quoted commas).
fn read_csv(path: &PathBuf) -> Result<Vec<BTreeMap<String, String>>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .unwrap_or("")
        .split(',')
        .map(|s| s.trim().to_string())
        .collect();
    Ok(lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            header
                .iter()
                .cloned()
                .zip(l.split(',').map(|s| s.trim().to_string()))
                .collect()
        })
        .collect())
}

fn pct(x: f64) -> String {
    format!("{:.2}%", 100.0 * x)
}

fn run() -> Result<bool, String> {
    let args = parse_args()?;
    let store = ModelStore::open(&StoreOptions::default().quiet()).map_err(|e| e.to_string())?;
    let auth = FaceAuth::builder()
        .threads(args.threads)
        .build(&store)
        .map_err(|e| e.to_string())?;
    let pairs = read_csv(&args.pairs)?;
    let mut names: Vec<String> = pairs
        .iter()
        .flat_map(|p| {
            [
                p.get("img_a").cloned().unwrap_or_default(),
                p.get("img_b").cloned().unwrap_or_default(),
            ]
        })
        .collect();
    names.sort();
    names.dedup();

    let mut emb: BTreeMap<String, Embedding> = BTreeMap::new();
    let mut primary: BTreeMap<String, Face> = BTreeMap::new();
    let mut fte = Vec::new();
    let mut multi = 0usize;
    let t0 = Instant::now();
    for n in &names {
        let img = match load_image_file(&args.data.join(n), 12_000) {
            Ok(i) => i,
            Err(e) => {
                fte.push(format!("{n}: {}", e.code()));
                continue;
            }
        };
        if let Ok(d) = std::env::var("FACE_EVAL_DUMP") {
            let _ = img
                .to_rgb8()
                .save(format!("{d}/{}.png", n.replace('/', "_")));
        }
        match auth.analyze(&img, Source::LiveCapture) {
            Ok(a) => {
                if a.faces.len() > 1 {
                    multi += 1;
                }
                if let (true, Some(f)) = (args.quality, a.primary) {
                    let pts: Vec<String> = f
                        .landmarks
                        .points()
                        .iter()
                        .map(|p| format!("{:.2} {:.2}", p.x, p.y))
                        .collect();
                    println!("landmarks {n}: {:.4} {}", f.score, pts.join(" "));
                }
                if args.quality {
                    let m = a.quality.measures;
                    let codes: Vec<_> = a.quality.issues.iter().map(|q| q.code()).collect();
                    println!(
                        "quality {n}: faces {} eye {:.0}px sharp {:.0} yaw {:.0} pitch {:.0} eyes {:.0} {:?}",
                        m.face_count,
                        m.inter_eye_px,
                        m.sharpness,
                        m.yaw_deg,
                        m.pitch_deg,
                        m.eye_luma,
                        codes
                    );
                }
                if let Some(f) = a.primary {
                    primary.insert(n.clone(), f);
                }
                match a.embedding {
                    Some(e) => {
                        emb.insert(n.clone(), e);
                    }
                    None => fte.push(format!("{n}: no face")),
                }
            }
            Err(e) => fte.push(format!("{n}: {}", e.code())),
        }
    }
    let elapsed = t0.elapsed();
    println!(
        "rust: {} images in {:.1}s ({:.0} ms/image incl. decode), {} with several faces (largest used)",
        names.len(),
        elapsed.as_secs_f64(),
        elapsed.as_secs_f64() * 1000.0 / names.len().max(1) as f64,
        multi
    );

    let reference: BTreeMap<(String, String), f32> = match &args.reference {
        Some(p) => read_csv(p)?
            .into_iter()
            .filter_map(|r| {
                let s = r.get("score")?.parse::<f32>().ok()?;
                Some(((r.get("img_a")?.clone(), r.get("img_b")?.clone()), s))
            })
            .collect(),
        None => BTreeMap::new(),
    };

    let (mut genuine, mut imp) = (Vec::new(), Vec::new());
    let (mut rgenuine, mut rimp) = (Vec::new(), Vec::new());
    let mut max_diff = (0f32, String::new());
    let mut unscored = 0usize;
    let mut out = String::from("img_a,img_b,same,score\n");
    for p in &pairs {
        let (a, b) = (
            p.get("img_a").cloned().unwrap_or_default(),
            p.get("img_b").cloned().unwrap_or_default(),
        );
        let same = p.get("same").map(String::as_str) == Some("1");
        let (Some(ea), Some(eb)) = (emb.get(&a), emb.get(&b)) else {
            unscored += 1;
            out.push_str(&format!("{a},{b},{},\n", u8::from(same)));
            continue;
        };
        let s = auth.compare(ea, eb).score;
        out.push_str(&format!("{a},{b},{},{s:.6}\n", u8::from(same)));
        if same {
            genuine.push(s)
        } else {
            imp.push(s)
        }
        if let Some(&r) = reference.get(&(a.clone(), b.clone())) {
            if same {
                rgenuine.push(r)
            } else {
                rimp.push(r)
            }
            let d = (s - r).abs();
            if d > max_diff.0 {
                max_diff = (d, format!("{a} vs {b}: rust {s:.4} reference {r:.4}"));
            }
        }
    }
    if let Some(o) = &args.out {
        std::fs::write(o, out).map_err(|e| format!("{}: {e}", o.display()))?;
    }

    let f = VerificationFigures::compute(&genuine, &imp, auth.threshold());
    println!(
        "pairs: {} genuine, {} impostor, {} unscored (failure to enrol)",
        f.genuine, f.impostor, unscored
    );
    println!(
        "failure-to-enrol: {} of {} images {:?}",
        fte.len(),
        names.len(),
        fte
    );
    println!("ROC AUC            {:.4}", f.auc);
    println!("EER                {}", pct(f.eer));
    println!("TAR @ FAR 1%       {}", pct(f.tar_far_1));
    println!("TAR @ FAR 0.1%     {}", pct(f.tar_far_01));
    println!(
        "threshold {:.3}: accuracy {} (FAR {}, FRR {})",
        f.threshold,
        pct(f.accuracy),
        pct(f.far),
        pct(f.frr)
    );
    println!(
        "genuine min {:.4}, impostor max {:.4}",
        f.genuine_min, f.impostor_max
    );
    let mut ok = f.eer <= 0.01 && f.tar_far_1 >= 0.99;
    if !reference.is_empty() {
        let rf = VerificationFigures::compute(&rgenuine, &rimp, auth.threshold());
        println!(
            "python reference: AUC {:.4}, EER {}, TAR@FAR1% {}, genuine min {:.4}, impostor max {:.4}",
            rf.auc,
            pct(rf.eer),
            pct(rf.tar_far_1),
            rf.genuine_min,
            rf.impostor_max
        );
        println!(
            "largest per-pair |rust - reference| = {:.4} ({})",
            max_diff.0, max_diff.1
        );
        ok &= max_diff.0 <= 0.02;
    }
    if args.liveness {
        liveness_swaps(&pairs, &emb);
    }
    if let Some(dir) = &args.cross_domain {
        ok &= cross_domain_eval(&auth, &args, &names, &pairs, &emb, &primary, dir)?;
    }
    Ok(ok || !args.check)
}

/// Each pair as a six-frame live sequence: three frames of A, three of B.
/// Reports how often the identity-consistency check fires for impostor pairs
/// (it must, always) and for two different photos of the same person.
fn liveness_swaps(pairs: &[BTreeMap<String, String>], emb: &BTreeMap<String, Embedding>) {
    let cfg = LivenessConfig::default();
    let ch = Challenge::new(ChallengeKind::TurnLeft, 0);
    let (mut imp, mut imp_flagged, mut gen_n, mut gen_flagged) = (0, 0, 0, 0);
    for p in pairs {
        let (Some(a), Some(b)) = (
            p.get("img_a").and_then(|n| emb.get(n)),
            p.get("img_b").and_then(|n| emb.get(n)),
        ) else {
            continue;
        };
        let obs: Vec<FrameObservation> = (0..6)
            .map(|i| FrameObservation {
                t_ms: 200 * i as u64,
                face_count: 1,
                pose: Some(Pose::default()),
                embedding: Some(if i < 3 { a.clone() } else { b.clone() }),
                thumbnail: vec![(i * 30) as u8; 1024],
            })
            .collect();
        let r = evaluate(&ch, &cfg, &obs);
        let flagged = r
            .issues
            .iter()
            .any(|i| matches!(i, LivenessIssue::IdentityChanged { frame: 3, .. }));
        if p.get("same").map(String::as_str) == Some("1") {
            gen_n += 1;
            gen_flagged += usize::from(flagged);
        } else {
            imp += 1;
            imp_flagged += usize::from(flagged);
        }
    }
    println!(
        "liveness identity swap (real people): impostor swaps flagged {imp_flagged}/{imp}; \
         switch between two photos of the same person flagged {gen_flagged}/{gen_n}"
    );
}

/// A 3:4 head-and-shoulders crop around the face, as an ID photo is framed.
fn id_photo_crop(img: &image::RgbImage, f: &Face) -> image::RgbImage {
    let (w, h) = (img.width() as f32, img.height() as f32);
    let cw = (f.bbox.w * 2.0).min(w).min(h * 0.75);
    let ch = cw * 4.0 / 3.0;
    let c = f.bbox.center();
    let x0 = (c.x - cw / 2.0).clamp(0.0, (w - cw).max(0.0));
    let y0 = (c.y - 0.45 * ch).clamp(0.0, (h - ch).max(0.0));
    image::imageops::crop_imm(img, x0 as u32, y0 as u32, cw as u32, ch as u32).to_image()
}

fn cross_domain_eval(
    auth: &FaceAuth,
    args: &Args,
    names: &[String],
    pairs: &[BTreeMap<String, String>],
    emb: &BTreeMap<String, Embedding>,
    primary: &BTreeMap<String, Face>,
    dir: &std::path::Path,
) -> Result<bool, String> {
    use saoy_specimen::{Degradation, Person, RenderOptions, degrade, render_cccd_front};
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut card_emb: BTreeMap<String, Embedding> = BTreeMap::new();
    let (mut fte, mut whole_card_found, mut upscaled) = (Vec::new(), 0usize, 0usize);
    let mut quality_fail = 0usize;
    let t0 = Instant::now();
    for (i, n) in names.iter().enumerate() {
        let Some(face) = primary.get(n) else { continue };
        let img = load_image_file(&args.data.join(n), 12_000)
            .map_err(|e| e.to_string())?
            .to_rgb8();
        let seed = 1000 + i as u64;
        let crop = id_photo_crop(&img, face);
        let person = Person::generate(seed);
        let card = render_cccd_front(&person, Some(&crop), &RenderOptions::new(seed))
            .map_err(|e| e.to_string())?;
        let photo = degrade(&card, &Degradation::photo(seed), seed).map_err(|e| e.to_string())?;
        if i < 3 {
            let _ = photo.image.save(dir.join(format!("card_{i}.png")));
        }
        let Some(q) = photo.truth.portrait_quad else {
            return Err("specimen has no portrait quad".into());
        };
        let (x0, y0, x1, y1) = q.bounds();
        let (mx, my) = ((x1 - x0) * 0.15, (y1 - y0) * 0.15);
        let (iw, ih) = (photo.image.width() as f32, photo.image.height() as f32);
        let (cx0, cy0) = (
            (x0 - mx).clamp(0.0, iw - 1.0),
            (y0 - my).clamp(0.0, ih - 1.0),
        );
        let (cx1, cy1) = (
            (x1 + mx).clamp(cx0 + 1.0, iw),
            (y1 + my).clamp(cy0 + 1.0, ih),
        );
        let region = image::imageops::crop_imm(
            &photo.image,
            cx0 as u32,
            cy0 as u32,
            (cx1 - cx0) as u32,
            (cy1 - cy0) as u32,
        )
        .to_image();
        let a = auth
            .analyze(&image::DynamicImage::ImageRgb8(region), Source::IdPortrait)
            .map_err(|e| e.to_string())?;
        upscaled += usize::from(a.upscaled);
        quality_fail += usize::from(!a.quality.passed());
        match a.embedding {
            Some(e) => {
                card_emb.insert(n.clone(), e);
            }
            None => fte.push(n.clone()),
        }
        // Whole card: the largest face must be the portrait.
        let whole = auth
            .analyze(
                &image::DynamicImage::ImageRgb8(photo.image.clone()),
                Source::IdPortrait,
            )
            .map_err(|e| e.to_string())?;
        if let Some(f) = whole.primary {
            let c = f.bbox.center();
            whole_card_found += usize::from(c.x > x0 && c.x < x1 && c.y > y0 && c.y < y1);
        }
    }
    let (mut genuine, mut impostor) = (Vec::new(), Vec::new());
    let mut self_scores = Vec::new();
    for n in names {
        if let (Some(c), Some(o)) = (card_emb.get(n), emb.get(n)) {
            self_scores.push(auth.compare(c, o).score);
        }
    }
    for p in pairs {
        let (Some(a), Some(b)) = (p.get("img_a"), p.get("img_b")) else {
            continue;
        };
        let same = p.get("same").map(String::as_str) == Some("1");
        for (card, orig) in [(a, b), (b, a)] {
            if let (Some(c), Some(o)) = (card_emb.get(card), emb.get(orig)) {
                let s = auth.compare(c, o).score;
                if same {
                    genuine.push(s)
                } else {
                    impostor.push(s)
                }
            }
        }
    }
    let f = VerificationFigures::compute(&genuine, &impostor, auth.threshold());
    println!(
        "cross-domain (CCCD portrait photographed vs original; {} cards in {:.1}s; examples in {}):",
        names.len(),
        t0.elapsed().as_secs_f64(),
        dir.display()
    );
    println!(
        "  failure-to-enrol {} {:?}; portrait upscaled {}; portrait quality gate failed {}; \
         whole-card detection found the portrait {}/{}",
        fte.len(),
        fte,
        upscaled,
        quality_fail,
        whole_card_found,
        names.len()
    );
    let min_self = self_scores.iter().copied().fold(f32::INFINITY, f32::min);
    println!(
        "  card vs its own source photo: {} images, min score {min_self:.4}",
        self_scores.len()
    );
    println!(
        "  pairs (both directions): {} genuine, {} impostor",
        f.genuine, f.impostor
    );
    println!(
        "  ROC AUC {:.4}  EER {}  TAR@FAR1% {}  TAR@FAR0.1% {}",
        f.auc,
        pct(f.eer),
        pct(f.tar_far_1),
        pct(f.tar_far_01)
    );
    println!(
        "  threshold {:.3}: accuracy {} (FAR {}, FRR {}); genuine min {:.4}, impostor max {:.4}",
        f.threshold,
        pct(f.accuracy),
        pct(f.far),
        pct(f.frr),
        f.genuine_min,
        f.impostor_max
    );
    Ok(true)
}

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!("face_eval: a bar was missed");
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("face_eval: {e}");
            ExitCode::from(2)
        }
    }
}
