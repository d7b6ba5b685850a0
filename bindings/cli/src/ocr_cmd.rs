//! `saoy ocr`: text lines, document kind, fields and consistency report.

use std::path::PathBuf;
use std::process::ExitCode;

use saoy_ocr::{LoadLimits, Ocr, OcrError, load_image};

use crate::exit;

/// Arguments of `saoy ocr`.
#[derive(Debug, clap::Args)]
pub struct OcrArgs {
    /// Images to recognize (PNG, JPEG, TIFF, WebP, BMP).
    #[arg(required = true)]
    pub images: Vec<PathBuf>,
    /// Each image is a single text line: recognition only, no detection.
    #[arg(long)]
    pub line: bool,
}

fn error_exit(g: &crate::Global, e: &OcrError) -> ExitCode {
    let code = match e {
        OcrError::Read { .. } => exit::NO_INPUT,
        OcrError::Models { .. } | OcrError::Vocab { .. } => exit::UNAVAILABLE,
        e if e.is_input_error() => exit::DATA,
        _ => exit::SOFTWARE,
    };
    exit::fail(g, e.code(), &e.to_string(), code)
}

/// Recognizer sessions for this process: one per thread (0) when it runs with saoy's malloc
/// tunables, which keep one arena; else one shared session.
///
/// Measured on 2026-12-08 (AVX-512, 2 threads, `ocr_eval profile --rec-sessions 0|1`): with the
/// tunables, one session per thread read the benchmark A4 page in 1.91-1.93 vs 2.05-2.09 s at a
/// peak of 439-459 vs 342-434 MB, and the card in 427-462 vs 469-473 ms. With glibc's default
/// arenas each worker thread keeps its own, and an A4 page's peak went to 574 vs 316 MB, above
/// the 0.5 GB the OCR aims for; so a process whose tunables saoy did not set keeps one session.
fn recognizer_sessions(tuning: crate::malloc_tuning::Tuning) -> usize {
    match tuning {
        crate::malloc_tuning::Tuning::Applied => 0,
        _ => 1,
    }
}

/// Run `saoy ocr`.
pub fn run(args: OcrArgs, g: &crate::Global) -> ExitCode {
    let store = match crate::models_cmd::open_store(g) {
        Ok(s) => s,
        Err(e) => return crate::models_cmd::model_error_exit(g, &e),
    };
    let ocr = match Ocr::builder()
        .threads(g.threads.unwrap_or(0))
        .recognizer_sessions(recognizer_sessions(crate::malloc_tuning::current()))
        .build(&store)
    {
        Ok(o) => o,
        Err(e) => return error_exit(g, &e),
    };
    let limits = if args.line {
        LoadLimits::default().with_min_side(4)
    } else {
        LoadLimits::default()
    };
    let mut results = Vec::new();
    for path in &args.images {
        let img = match load_image(path, &limits) {
            Ok(i) => i,
            Err(e) => return error_exit(g, &e),
        };
        if args.line {
            match ocr.recognize_line(&img) {
                Ok(l) => {
                    if g.json {
                        results.push(serde_json::json!({ "path": path, "line": l }));
                    } else {
                        outln!("{}", l.text);
                    }
                }
                Err(e) => return error_exit(g, &e),
            }
            continue;
        }
        match ocr.recognize_page(&img) {
            Ok(page) => {
                if g.json {
                    results.push(serde_json::json!({ "path": path, "page": page }));
                } else {
                    print_page(path, &page, args.images.len() > 1);
                }
            }
            Err(e) => return error_exit(g, &e),
        }
    }
    if g.json {
        outln!("{}", serde_json::json!({ "images": results }));
    }
    exit::code(exit::OK)
}

fn print_page(path: &std::path::Path, page: &saoy_ocr::PageResult, header: bool) {
    if header {
        outln!("== {}", path.display());
    }
    out!("{}", page.text());
    if let Some(r) = &page.empty_reason {
        outln!("(no text: {r})");
    }
    let d = &page.document;
    outln!(
        "-- kind: {:?} ({:.0}%), {} lines, {:.0} ms",
        d.kind,
        d.kind_confidence * 100.0,
        page.lines.len(),
        page.timings.total_ms
    );
    let f = &d.fields;
    for (name, v) in [
        ("id_number", &f.id_number),
        ("full_name", &f.full_name),
        ("birth_date", &f.birth_date),
        ("sex", &f.sex),
        ("nationality", &f.nationality),
        ("place_of_origin", &f.place_of_origin),
        ("place_of_residence", &f.place_of_residence),
        ("expiry_date", &f.expiry_date),
        ("issue_date", &f.issue_date),
    ] {
        if let Some(v) = v {
            outln!(
                "   {name}: {} [{:?}, {:.2}]",
                v.value,
                v.source,
                v.confidence
            );
        }
    }
    for c in &d.consistency.checks {
        outln!("   check {}: {:?} — {}", c.name, c.status, c.reason_en);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::malloc_tuning::Tuning;

    #[test]
    fn one_session_per_thread_only_under_saoy_s_malloc_tunables() {
        assert_eq!(recognizer_sessions(Tuning::Applied), 0);
        for t in [Tuning::Inherited, Tuning::Off, Tuning::Unavailable] {
            assert_eq!(recognizer_sessions(t), 1, "{t:?}");
        }
    }
}
