//! `saoy face compare A B` and `saoy face detect IMG`.

use crate::exit;
use crate::models_cmd::{model_error_exit, open_store};
use saoy_faceauth::{
    Face, FaceAuth, FaceError, FaceSummary, ImageComparison, QualityReport, Source, load_image_file,
};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Largest accepted image side for CLI inputs.
const MAX_SIDE: u32 = 12_000;

/// Arguments of `saoy face`.
#[derive(Debug, clap::Args)]
pub struct FaceArgs {
    #[command(subcommand)]
    cmd: FaceCmd,
}

#[derive(Debug, clap::Subcommand)]
enum FaceCmd {
    /// Compare the largest face of two images: score, threshold, decision,
    /// detected faces and quality reasons. Exit 0 = match, 1 = no match,
    /// 65 = unusable input (e.g. no face).
    Compare {
        /// First image (the probe, e.g. a live capture).
        a: PathBuf,
        /// Second image (the reference, e.g. the ID portrait).
        b: PathBuf,
        /// How to judge the quality of A.
        #[arg(long, value_enum, default_value = "live")]
        source_a: SourceArg,
        /// How to judge the quality of B.
        #[arg(long, value_enum, default_value = "live")]
        source_b: SourceArg,
    },
    /// Detect faces: boxes, scores, five landmarks and head pose. Exit 1 when
    /// there is none.
    Detect {
        /// Image file.
        image: PathBuf,
    },
}

/// Quality profile of an input image.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum SourceArg {
    /// A live camera capture (one face, sharp, frontal).
    Live,
    /// A printed ID-card portrait (small; upscaled before matching).
    Portrait,
}

impl From<SourceArg> for Source {
    fn from(s: SourceArg) -> Self {
        match s {
            SourceArg::Live => Source::LiveCapture,
            SourceArg::Portrait => Source::IdPortrait,
        }
    }
}

/// Run `saoy face`.
pub fn run(args: FaceArgs, g: &crate::Global) -> ExitCode {
    let store = match open_store(g) {
        Ok(s) => s,
        Err(e) => return model_error_exit(g, &e),
    };
    let auth = match FaceAuth::builder()
        .threads(g.threads.unwrap_or(0))
        .build(&store)
    {
        Ok(a) => a,
        Err(e) => return face_error(g, &e),
    };
    match args.cmd {
        FaceCmd::Compare {
            a,
            b,
            source_a,
            source_b,
        } => compare(&auth, g, &a, &b, source_a, source_b),
        FaceCmd::Detect { image } => detect(&auth, g, &image),
    }
}

fn face_error(g: &crate::Global, e: &FaceError) -> ExitCode {
    let code = match e {
        FaceError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
            exit::NO_INPUT
        }
        FaceError::Io { .. } => exit::NO_INPUT,
        FaceError::Models(m) => return model_error_exit(g, m),
        e if e.is_input_error() => exit::DATA,
        _ => exit::SOFTWARE,
    };
    exit::fail(g, e.code(), &e.to_string(), code)
}

fn load(g: &crate::Global, p: &Path) -> Result<saoy_faceauth::image::DynamicImage, ExitCode> {
    load_image_file(p, MAX_SIDE).map_err(|e| face_error(g, &e))
}

fn compare(
    auth: &FaceAuth,
    g: &crate::Global,
    a: &Path,
    b: &Path,
    sa: SourceArg,
    sb: SourceArg,
) -> ExitCode {
    let ia = match load(g, a) {
        Ok(x) => x,
        Err(e) => return e,
    };
    let ib = match load(g, b) {
        Ok(x) => x,
        Err(e) => return e,
    };
    let r = match auth.compare_images(&ia, sa.into(), &ib, sb.into()) {
        Ok(r) => r,
        Err(FaceError::NoFace { role }) => {
            let which = if role == "probe" { a } else { b };
            let e = FaceError::NoFace {
                role: which.display().to_string(),
            };
            return face_error(g, &e);
        }
        Err(e) => return face_error(g, &e),
    };
    if g.json {
        outln!("{}", compare_json(&r));
    } else {
        print_compare(&r, a, b);
    }
    exit::code(if r.comparison.is_match {
        exit::OK
    } else {
        exit::NEGATIVE
    })
}

fn reasons_json(q: &QualityReport) -> serde_json::Value {
    q.issues
        .iter()
        .map(
            |i| serde_json::json!({ "code": i.code(), "en": i.message_en(), "vi": i.message_vi() }),
        )
        .collect()
}

fn side_json(s: &FaceSummary) -> serde_json::Value {
    serde_json::json!({
        "faces": s.faces,
        "used_face": 0,
        "other_faces": s.faces.len().saturating_sub(1),
        "quality": s.quality,
        "quality_ok": s.quality.passed(),
        "reasons": reasons_json(&s.quality),
    })
}

fn compare_json(r: &ImageComparison) -> serde_json::Value {
    serde_json::json!({
        "score": r.comparison.score,
        "threshold": r.comparison.threshold,
        "match": r.comparison.is_match,
        "a": side_json(&r.probe),
        "b": side_json(&r.reference),
    })
}

fn face_line(f: &Face) -> String {
    let p = f.landmarks.pose();
    format!(
        "box ({:.0}, {:.0}, {:.0}x{:.0}) score {:.3}, eyes {:.0} px apart, yaw {:+.0}° pitch {:+.0}°",
        f.bbox.x,
        f.bbox.y,
        f.bbox.w,
        f.bbox.h,
        f.score,
        f.landmarks.inter_eye_distance(),
        p.yaw_deg,
        p.pitch_deg
    )
}

fn print_side(label: &str, path: &Path, s: &FaceSummary) {
    outln!("{label} {}: {} face(s)", path.display(), s.faces.len());
    for (i, f) in s.faces.iter().enumerate() {
        let tag = if i == 0 { "used " } else { "other" };
        outln!("  {tag} {}", face_line(f));
    }
    if s.quality.passed() {
        outln!("  quality: ok");
    }
    for q in &s.quality.issues {
        outln!(
            "  quality [{}]: {} / {}",
            q.code(),
            q.message_en(),
            q.message_vi()
        );
    }
}

fn print_compare(r: &ImageComparison, a: &Path, b: &Path) {
    let c = r.comparison;
    let verdict = if c.is_match {
        "MATCH (cùng một người)"
    } else {
        "NO MATCH (không khớp)"
    };
    outln!(
        "score {:.4}  threshold {:.2}  {verdict}",
        c.score,
        c.threshold
    );
    print_side("A", a, &r.probe);
    print_side("B", b, &r.reference);
}

fn detect(auth: &FaceAuth, g: &crate::Global, path: &Path) -> ExitCode {
    let img = match load(g, path) {
        Ok(i) => i,
        Err(e) => return e,
    };
    let faces = match auth.detect(&img) {
        Ok(f) => f,
        Err(e) => return face_error(g, &e),
    };
    if g.json {
        let list: Vec<serde_json::Value> = faces
            .iter()
            .map(|f| serde_json::json!({ "face": f, "pose": f.landmarks.pose() }))
            .collect();
        outln!(
            "{}",
            serde_json::json!({ "image": path.display().to_string(), "width": img.width(), "height": img.height(), "faces": list })
        );
    } else {
        outln!(
            "{}: {}x{}, {} face(s), largest first",
            path.display(),
            img.width(),
            img.height(),
            faces.len()
        );
        for f in &faces {
            outln!("  {}", face_line(f));
            let pts: Vec<String> = f
                .landmarks
                .points()
                .iter()
                .map(|p| format!("({:.1}, {:.1})", p.x, p.y))
                .collect();
            outln!(
                "    landmarks (right eye, left eye, nose, mouth right, mouth left): {}",
                pts.join(" ")
            );
        }
    }
    exit::code(if faces.is_empty() {
        exit::NEGATIVE
    } else {
        exit::OK
    })
}
