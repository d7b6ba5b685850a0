//! Evaluation harness used by `.ci/eval/ocr.sh`: prints figures, exits 1 if
//! a bar is missed.
//!
//! ```text
//! ocr_eval vitext <dir-with-lines.tsv> [--bar-line 1.0] [--bar-page 1.5] [--dump FILE]
//! ```

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use saoy_ocr::cer::CerCounter;
use saoy_ocr::{LoadLimits, Ocr, load_image};

fn arg_value(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn open_ocr(args: &[String]) -> Result<Ocr, String> {
    let threads: usize = arg_value(args, "--threads")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let store = saoy_models::ModelStore::open(&saoy_models::StoreOptions::default())
        .map_err(|e| e.to_string())?;
    Ocr::builder()
        .threads(threads)
        .recognizer_sessions(rec_sessions(args))
        .config(config_from(args))
        .build(&store)
        .map_err(|e| e.to_string())
}

/// `--rec-sessions N` (default 1; 0 = one recognizer session per thread).
fn rec_sessions(args: &[String]) -> usize {
    arg_value(args, "--rec-sessions")
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
}

/// Pipeline settings with `--det-long N` (detector long-side cap) applied.
fn config_from(args: &[String]) -> saoy_ocr::OcrConfig {
    let mut c = saoy_ocr::OcrConfig::default();
    if let Some(n) = arg_value(args, "--det-long").and_then(|v| v.parse().ok()) {
        c.det.max_long_side = n;
    }
    c
}

fn vitext(args: &[String]) -> Result<bool, String> {
    let dir = PathBuf::from(args.get(2).ok_or("missing dir")?);
    let bar_line: f64 = arg_value(args, "--bar-line")
        .and_then(|v| v.parse().ok())
        .unwrap_or(1.0);
    let bar_page: f64 = arg_value(args, "--bar-page")
        .and_then(|v| v.parse().ok())
        .unwrap_or(1.5);
    let ocr = open_ocr(args)?;
    let tsv = std::fs::read_to_string(dir.join("lines.tsv")).map_err(|e| e.to_string())?;
    let mut line = CerCounter::default();
    let mut page = CerCounter::default();
    let mut dump = String::new();
    let limits = LoadLimits::default().with_min_side(4);
    let t0 = std::time::Instant::now();
    for row in tsv.lines().filter(|l| !l.trim().is_empty()) {
        let Some((rel, truth)) = row.split_once('\t') else {
            continue;
        };
        let img = load_image(&dir.join(rel), &limits).map_err(|e| format!("{rel}: {e}"))?;
        let line_img = match std::env::var("SAOY_LINE_PAD")
            .ok()
            .and_then(|v| v.parse::<f32>().ok())
        {
            Some(f) => pad_by(&img, (img.height() as f32 * f) as u32),
            None => img.clone(),
        };
        let l = ocr.recognize_line(&line_img).map_err(|e| e.to_string())?;
        line.add(truth, &l.text);
        if std::env::var("SAOY_SKIP_PAGE").is_ok() {
            dump.push_str(&format!(
                "{rel}\n  truth: {truth}\n  line:  {}\n  page:\n",
                l.text
            ));
            continue;
        }
        let p = ocr.recognize_page(&pad(&img)).map_err(|e| e.to_string())?;
        let text: Vec<&str> = p.lines.iter().map(|l| l.text.as_str()).collect();
        let text = text.join(" ");
        page.add(truth, &text);
        dump.push_str(&format!(
            "{rel}\n  truth: {truth}\n  line:  {}\n  page:  {text}\n",
            l.text
        ));
    }
    if let Some(f) = arg_value(args, "--dump") {
        std::fs::write(&f, dump).map_err(|e| e.to_string())?;
    }
    println!(
        "vi-text line CER: {:.2}% ({} edits / {} chars) [bar {bar_line}%]",
        line.percent(),
        line.edits,
        line.chars
    );
    println!(
        "vi-text full-pipeline CER: {:.2}% ({} edits / {} chars) [bar {bar_page}%]",
        page.percent(),
        page.edits,
        page.chars
    );
    println!("vi-text time: {:.1}s", t0.elapsed().as_secs_f64());
    Ok(line.percent() <= bar_line && page.percent() <= bar_page)
}

fn pad_by(img: &image::RgbImage, m: u32) -> image::RgbImage {
    let mut out = image::RgbImage::from_pixel(
        img.width() + 2 * m,
        img.height() + 2 * m,
        image::Rgb([255, 255, 255]),
    );
    image::imageops::overlay(&mut out, img, i64::from(m), i64::from(m));
    out
}

/// Put a line crop on a white margin, as it would sit on a page.
fn pad(img: &image::RgbImage) -> image::RgbImage {
    let m = (img.height() / 2).max(8);
    let mut out = image::RgbImage::from_pixel(
        img.width() + 2 * m,
        img.height() + 2 * m,
        image::Rgb([255, 255, 255]),
    );
    image::imageops::overlay(&mut out, img, i64::from(m), i64::from(m));
    out
}

fn norm_sex(s: &str) -> String {
    match s.to_ascii_lowercase().as_str() {
        "male" | "m" | "nam" => "M".into(),
        "female" | "f" | "nữ" | "nu" => "F".into(),
        o => o.to_uppercase(),
    }
}

fn strip_fill(s: &str) -> String {
    s.replace('<', " ").trim().to_string()
}

/// Compare one parsed MRZ with a vector's expected fields; returns mismatches.
fn mrz_mismatches(m: &saoy_ocr::Mrz, exp: &serde_json::Value) -> (usize, Vec<String>) {
    use saoy_ocr::mrz::FieldStatus;
    let mut n = 0;
    let mut bad = Vec::new();
    let Some(obj) = exp.as_object() else {
        return (0, vec!["no expectations".into()]);
    };
    for (k, v) in obj {
        let got: Option<String> = match k.as_str() {
            "documentNumber" | "number" => Some(m.document_number.value.clone()),
            "birthDate" | "dateOfBirth" | "date_of_birth" | "birth" | "birthdate" => {
                Some(m.birth_date.value.clone())
            }
            "expirationDate" | "dateOfExpiry" | "expiration_date" | "expiry" | "expiryDate" => {
                Some(m.expiry_date.value.clone())
            }
            "sex" | "gender" => Some(norm_sex(&m.sex.value)),
            "lastName" | "surname" | "surnames" => Some(m.surname.value.clone()),
            "firstName" | "names" | "givenNames" => Some(m.given_names.value.clone()),
            "optional1" => Some(m.optional1.value.clone()),
            "issuingState" | "country" | "countryCode" => Some(m.issuing_state.value.clone()),
            "nationality" => Some(m.nationality.value.clone()),
            "documentCode" | "type" | "documentType" => Some(m.document_code.value.clone()),
            "cccd_number" => {
                Some(saoy_ocr::cccd::find_id_number(&m.optional1.value).unwrap_or_default())
            }
            "allCheckDigitsValid" | "all_valid" => Some(m.all_checks_ok.to_string()),
            "parse_ok" if v == false => {
                Some((m.birth_date.status != FieldStatus::Invalid && m.all_checks_ok).to_string())
            }
            "personal_number_one_of" => {
                let ok = v.as_array().is_some_and(|a| {
                    a.iter().any(|x| {
                        x.as_str().map(strip_fill).as_deref() == Some(m.optional1.value.as_str())
                    })
                });
                n += 1;
                if !ok {
                    bad.push(format!("{k}: got {}", m.optional1.value));
                }
                None
            }
            _ => None,
        };
        let Some(got) = got else { continue };
        let want = match v {
            serde_json::Value::String(s) => match k.as_str() {
                "sex" | "gender" => norm_sex(s),
                _ => strip_fill(s),
            },
            serde_json::Value::Bool(b) => b.to_string(),
            other => other.to_string(),
        };
        n += 1;
        if got != want {
            bad.push(format!("{k}: got {got:?}, want {want:?}"));
        }
    }
    (n, bad)
}

fn mrz_eval(args: &[String]) -> Result<bool, String> {
    let dir = PathBuf::from(args.get(2).ok_or("missing dir")?);
    let text = std::fs::read_to_string(dir.join("mrz_vectors.json")).map_err(|e| e.to_string())?;
    let vectors: Vec<serde_json::Value> = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let swiss = vectors
        .iter()
        .find(|v| v["id"] == "cheminfo-td1-swiss-valid")
        .map(|v| v["expected"].clone());
    let mut ocr: Option<Ocr> = None;
    let (mut pass, mut total, mut fields, mut field_ok) = (0, 0, 0, 0);
    let (mut img_pass, mut img_total) = (0, 0);
    for v in &vectors {
        let id = v["id"].as_str().unwrap_or("?");
        let mut expected = v["expected"].clone();
        if v["expected"].get("autocorrect").is_some()
            && let Some(s) = &swiss
        {
            expected = s.clone();
        }
        let mrz = if let Some(lines) = v["lines"].as_array() {
            let lines: Vec<&str> = lines.iter().filter_map(|l| l.as_str()).collect();
            saoy_ocr::parse_mrz(&lines).map_err(|e| e.to_string())
        } else {
            // Image-only vectors: run the full pipeline on the image.
            let name = if id.contains("td2") {
                "passport-td2.jpg"
            } else {
                "passport-td3.jpg"
            };
            let path = dir.join("images/tests_data").join(name);
            if ocr.is_none() {
                ocr = Some(open_ocr(args)?);
            }
            let o = ocr.as_ref().ok_or("no engine")?;
            let img = load_image(&path, &LoadLimits::default()).map_err(|e| e.to_string())?;
            let page = o.recognize_page(&img).map_err(|e| e.to_string())?;
            page.document.mrz.clone().ok_or_else(|| {
                let t: Vec<String> = page
                    .lines
                    .iter()
                    .map(|l| l.mrz_text.clone().unwrap_or(l.text.clone()))
                    .collect();
                format!("no MRZ found on {name}; lines: {t:?}")
            })
        };
        let from_image = v["lines"].as_array().is_none();
        if from_image {
            img_total += 1;
        } else {
            total += 1;
        }
        match mrz {
            Ok(m) => {
                let (n, bad) = mrz_mismatches(&m, &expected);
                fields += n;
                field_ok += n - bad.len();
                if bad.is_empty() {
                    if from_image {
                        img_pass += 1;
                    } else {
                        pass += 1;
                    }
                    println!("  ok   {id} ({n} fields)");
                } else {
                    println!("  FAIL {id}: {}", bad.join("; "));
                }
            }
            Err(e) => {
                let want_fail = v["expected"]["parse_ok"] == false;
                if want_fail {
                    pass += 1;
                    println!("  ok   {id} (rejected: {e})");
                } else {
                    println!("  FAIL {id}: {e}");
                }
            }
        }
    }
    println!("mrz text vectors: {pass}/{total} parse as expected [bar: all]");
    println!(
        "mrz image vectors (full pipeline on the passport images): {img_pass}/{img_total} fully as expected [bar: all]"
    );
    println!("mrz fields as expected over both: {field_ok}/{fields}");
    let peer_ok = passporteye_images(&dir.join("images/testdata"), &mut ocr, args)?;
    Ok(pass == total && img_pass == img_total && peer_ok)
}

/// PassportEye's own test images (no text truth): how many MRZs saoy finds
/// with every check digit verified, against PassportEye's recorded
/// `valid_score` (the file name's prefix; 100 = every check digit
/// verified). Bar: not fewer than PassportEye.
fn passporteye_images(dir: &Path, ocr: &mut Option<Ocr>, args: &[String]) -> Result<bool, String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        println!("mrz PassportEye images: {} absent, skipped", dir.display());
        return Ok(true);
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".jpg") || n.ends_with(".png"))
        .collect();
    names.sort();
    if ocr.is_none() {
        *ocr = Some(open_ocr(args)?);
    }
    let o = ocr.as_ref().ok_or("no engine")?;
    let (mut ours, mut theirs) = (0, 0);
    for name in &names {
        let peer_valid = name.starts_with("100_");
        theirs += usize::from(peer_valid);
        let img = load_image(&dir.join(name), &LoadLimits::default()).map_err(|e| e.to_string())?;
        let page = o.recognize_page(&img).map_err(|e| e.to_string())?;
        let verdict = match &page.document.mrz {
            Some(m) if m.all_checks_ok => {
                ours += 1;
                format!("verified  {:?} {}", m.format, m.lines.join(" / "))
            }
            Some(m) => format!("unproven  {:?} {}", m.format, m.lines.join(" / ")),
            None => "no MRZ".to_string(),
        };
        println!(
            "  {name:<20} PassportEye {:<9} saoy {verdict}",
            if peer_valid { "verified" } else { "not" }
        );
    }
    // An empty folder proves nothing: it misses the bar.
    let met = !names.is_empty() && ours >= theirs;
    println!(
        "mrz PassportEye images: saoy {ours}/{n} with every check digit verified, PassportEye {theirs}/{n} (its recorded valid_score 100) [bar: not fewer: {}]",
        if met { "met" } else { "MISSED" },
        n = names.len()
    );
    Ok(met)
}

fn qr_eval(args: &[String]) -> Result<bool, String> {
    // rqrr panics on some inputs; decode_qr contains them, keep the log quiet.
    std::panic::set_hook(Box::new(|_| {}));
    let dir = PathBuf::from(args.get(2).ok_or("missing dir")?);
    let manifest = std::fs::read_to_string(dir.join("MANIFEST.csv")).map_err(|e| e.to_string())?;
    let mut per: std::collections::BTreeMap<String, (usize, usize)> = Default::default();
    let mut missed: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    let t0 = std::time::Instant::now();
    for row in manifest.lines().skip(1) {
        let cols: Vec<&str> = row.split(',').collect();
        if cols.len() < 2 {
            continue;
        }
        let (folder, name) = cols[0].split_once('/').unwrap_or(("?", cols[0]));
        let entry = per.entry(folder.to_string()).or_default();
        entry.1 += 1;
        let read = std::fs::read(dir.join(cols[1]));
        let img = load_image(&dir.join(cols[0]), &LoadLimits::default());
        let hit = match (read, img) {
            (Ok(want), Ok(img)) => {
                let want = String::from_utf8_lossy(&want).to_string();
                saoy_ocr::decode_qr(&img)
                    .iter()
                    .any(|g| g == &want || g.trim_end() == want.trim_end())
            }
            _ => false,
        };
        if hit {
            entry.0 += 1;
        } else {
            missed
                .entry(folder.to_string())
                .or_default()
                .push(name.to_string());
        }
    }
    let (mut ok, mut all) = (0, 0);
    for (folder, (o, n)) in &per {
        let misses = missed.get(folder).map(|m| m.join(" ")).unwrap_or_default();
        println!(
            "  qr {folder}: {o}/{n} decoded ({:.0}%){}{misses}",
            100.0 * *o as f64 / (*n).max(1) as f64,
            if misses.is_empty() { "" } else { "; missed: " }
        );
        ok += o;
        all += n;
    }
    println!(
        "qr decode rate: {ok}/{all} ({:.1}%) in {:.1}s [reported, no bar]",
        100.0 * ok as f64 / all.max(1) as f64,
        t0.elapsed().as_secs_f64()
    );
    Ok(true)
}

fn qr_payloads(args: &[String]) -> Result<bool, String> {
    let path = PathBuf::from(args.get(2).ok_or("missing file")?);
    let text = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
    let doc: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let (mut pass, mut total) = (0, 0);
    for v in doc["vectors"].as_array().ok_or("no vectors")? {
        total += 1;
        let payload = v["payload"].as_str().unwrap_or("");
        let exp = &v["expected"];
        let res = saoy_ocr::parse_cccd_qr(payload);
        let mut bad = Vec::new();
        match (&res, exp.get("is_detected")) {
            (Err(_), Some(serde_json::Value::Bool(false))) => {}
            (Ok(_), Some(serde_json::Value::Bool(false))) => {
                bad.push("parsed a non-CCCD payload".to_string())
            }
            (Err(e), _) => bad.push(e.to_string()),
            (Ok(q), _) => {
                let date = |s: &str| {
                    if s.contains('/') {
                        let p: Vec<&str> = s.split('/').collect();
                        if p.len() == 3 {
                            format!("{}-{}-{}", p[2], p[1], p[0])
                        } else {
                            s.into()
                        }
                    } else {
                        s.into()
                    }
                };
                for (k, want) in exp.as_object().into_iter().flatten() {
                    let got: Option<String> = match k.as_str() {
                        "id" | "cccd" => Some(q.id_number.clone()),
                        "cmnd_old" | "oldId" => Some(q.old_id_number.clone().unwrap_or_default()),
                        "name" | "fullName" => Some(q.full_name.clone()),
                        "dob" => Some(q.birth_date.clone()),
                        "issue_date" | "issueDate" => Some(q.issue_date.clone()),
                        "gender" => Some(q.sex.map(String::from).unwrap_or_default()),
                        "address" => Some(q.address.clone()),
                        "trailing" => Some(format!(
                            "{} empty fields (newer card variant)",
                            q.extra.iter().filter(|e| e.is_empty()).count()
                        )),
                        _ => None,
                    };
                    let Some(got) = got else { continue };
                    let w = match want {
                        serde_json::Value::Null => String::new(),
                        serde_json::Value::String(s) => match k.as_str() {
                            "dob" | "issue_date" | "issueDate" => date(s),
                            "gender" => norm_sex(s),
                            "trailing" => s.clone(),
                            _ => s.clone(),
                        },
                        o => o.to_string(),
                    };
                    if got != w {
                        bad.push(format!("{k}: got {got:?}, want {w:?}"));
                    }
                }
            }
        }
        if bad.is_empty() {
            pass += 1;
        } else {
            println!("  FAIL {payload}: {}", bad.join("; "));
        }
    }
    println!("cccd qr payloads: {pass}/{total} as expected [bar: all]");
    Ok(pass == total)
}

/// CER of a hypothesis TSV (path, text) against a truth TSV; prints the percentage.
fn cer_files(args: &[String]) -> Result<bool, String> {
    let read = |i: usize| -> Result<std::collections::HashMap<String, String>, String> {
        let p = args.get(i).ok_or("usage: cer TRUTH.tsv HYP.tsv")?;
        let t = std::fs::read_to_string(p).map_err(|e| format!("{p}: {e}"))?;
        Ok(t.lines()
            .filter_map(|l| l.split_once('\t'))
            .map(|(a, b)| (a.to_string(), b.trim().to_string()))
            .collect())
    };
    let truth = read(2)?;
    let hyp = read(3)?;
    let mut c = CerCounter::default();
    for (k, t) in &truth {
        c.add(t, hyp.get(k).map(String::as_str).unwrap_or(""));
    }
    println!("{:.2}", c.percent());
    Ok(true)
}

#[path = "common/specimen_eval.rs"]
mod specimen;

/// `specimen [--count 200] [--seed 1] [--a4-every 25] [--out DIR] [--verbose] [--workers N]`:
/// generate the fictional specimen set, score saoy on it, check the bars.
fn specimen_set(args: &[String]) -> Result<bool, String> {
    let num = |k: &str, d: f64| {
        arg_value(args, k)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(d)
    };
    let a = specimen::SetArgs {
        count: num("--count", 200.0) as usize,
        seed: num("--seed", 1.0) as u64,
        a4_every: num("--a4-every", 25.0) as usize,
        out: PathBuf::from(arg_value(args, "--out").unwrap_or_else(|| "specimen-set".into())),
        bars: (
            num("--bar-cer", 1.0),
            num("--bar-fields", 97.0),
            num("--bar-mrz", 99.0),
            num("--bar-qr", 99.0),
        ),
        verbose: args.iter().any(|a| a == "--verbose"),
        workers: num("--workers", 1.0) as usize,
    };
    specimen::run_set(&|| open_ocr(args), &a)
}

#[path = "../benches/common/pages.rs"]
mod pages;

/// Write the benchmark pages (a4.png, cccd.png) into a directory.
fn bench_images(args: &[String]) -> Result<bool, String> {
    let dir = PathBuf::from(args.get(2).ok_or("missing dir")?);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    pages::a4_page()
        .save(dir.join("a4.png"))
        .map_err(|e| e.to_string())?;
    pages::cccd_card()
        .save(dir.join("cccd.png"))
        .map_err(|e| e.to_string())?;
    Ok(true)
}

/// Run the full pipeline N times on an image; print the median and every time.
fn time_page(args: &[String]) -> Result<bool, String> {
    let path = PathBuf::from(args.get(2).ok_or("missing image")?);
    let n: usize = args.get(3).and_then(|v| v.parse().ok()).unwrap_or(5);
    let ocr = open_ocr(args)?;
    let img = load_image(&path, &LoadLimits::default()).map_err(|e| e.to_string())?;
    let mut times = Vec::new();
    let mut lines = 0;
    for _ in 0..n.max(1) {
        let t = std::time::Instant::now();
        let p = ocr.recognize_page(&img).map_err(|e| e.to_string())?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        lines = p.lines.len();
    }
    times.sort_by(f64::total_cmp);
    println!(
        "median_ms={:.1} runs={} lines={lines} all={times:.0?}",
        times[times.len() / 2],
        times.len()
    );
    Ok(true)
}

/// Timing wrapper around the real models: counts calls, time and input size.
struct Timed {
    inner: std::sync::Arc<saoy_ocr::model::OrtModels>,
    det: std::sync::Mutex<(usize, f64, usize)>,
    rec: std::sync::Mutex<(usize, f64, usize)>,
    cls: std::sync::Mutex<(usize, f64, usize)>,
    /// Input shapes of every call, `model:d0xd1x...`.
    shapes: std::sync::Mutex<Vec<String>>,
}

impl Timed {
    fn time<T>(
        &self,
        slot: &std::sync::Mutex<(usize, f64, usize)>,
        name: &str,
        input: &saoy_ocr::model::TensorF32,
        f: impl FnOnce() -> T,
    ) -> T {
        if let Ok(mut s) = self.shapes.lock() {
            let dims: Vec<String> = input.shape.iter().map(|d| d.to_string()).collect();
            s.push(format!("{name}:{}", dims.join("x")));
        }
        let t = std::time::Instant::now();
        let out = f();
        if let Ok(mut s) = slot.lock() {
            s.0 += 1;
            s.1 += t.elapsed().as_secs_f64() * 1000.0;
            s.2 += input.shape.iter().product::<usize>();
        }
        out
    }
}

impl saoy_ocr::model::TextDetector for Timed {
    fn probability_map(
        &self,
        input: &saoy_ocr::model::TensorF32,
    ) -> Result<saoy_ocr::model::TensorF32, saoy_ocr::OcrError> {
        self.time(&self.det, "det", input, || {
            self.inner.probability_map(input)
        })
    }
}

impl saoy_ocr::model::TextRecognizer for Timed {
    fn log_probs(
        &self,
        input: &saoy_ocr::model::TensorF32,
    ) -> Result<saoy_ocr::model::TensorF32, saoy_ocr::OcrError> {
        self.time(&self.rec, "rec", input, || self.inner.log_probs(input))
    }
    fn alphabet(&self) -> &[String] {
        self.inner.alphabet()
    }
    fn parallelism(&self) -> usize {
        self.inner.parallelism()
    }
}

impl saoy_ocr::model::OrientationClassifier for Timed {
    fn classify(
        &self,
        input: &saoy_ocr::model::TensorF32,
    ) -> Result<saoy_ocr::model::TensorF32, saoy_ocr::OcrError> {
        self.time(&self.cls, "cls", input, || self.inner.classify(input))
    }
}

/// Peak and current resident memory of this process (MB), from /proc.
fn mem_mb() -> String {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let get = |k: &str| {
        s.lines()
            .find(|l| l.starts_with(k))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
            .map_or(0, |kb| kb / 1024)
    };
    format!("rss {} MB, peak {} MB", get("VmRSS:"), get("VmHWM:"))
}

/// Stage-by-stage profile of the full pipeline on one image: per-stage
/// times and per-model calls, milliseconds and input elements.
fn profile(args: &[String]) -> Result<bool, String> {
    use saoy_ocr::model::{TextDetector, TextRecognizer};
    let path = PathBuf::from(args.get(2).ok_or("missing image")?);
    let n: usize = args.get(3).and_then(|v| v.parse().ok()).unwrap_or(3);
    let threads: usize = arg_value(args, "--threads")
        .and_then(|v| v.parse().ok())
        .unwrap_or(2);
    let store = saoy_models::ModelStore::open(&saoy_models::StoreOptions::default())
        .map_err(|e| e.to_string())?;
    let t_load = std::time::Instant::now();
    let inner = std::sync::Arc::new(
        saoy_ocr::model::OrtModels::open_with(&store, threads, rec_sessions(args), true)
            .map_err(|e| e.to_string())?,
    );
    println!(
        "model load: {:.0} ms ({})",
        t_load.elapsed().as_secs_f64() * 1000.0,
        mem_mb()
    );
    let timed = std::sync::Arc::new(Timed {
        inner,
        det: Default::default(),
        rec: Default::default(),
        cls: Default::default(),
        shapes: Default::default(),
    });
    let det: std::sync::Arc<dyn TextDetector> = timed.clone();
    let rec: std::sync::Arc<dyn TextRecognizer> = timed.clone();
    let cls: std::sync::Arc<dyn saoy_ocr::model::OrientationClassifier> = timed.clone();
    let ocr = Ocr::builder()
        .config(config_from(args))
        .build_with(det, rec, Some(cls));
    let img = load_image(&path, &LoadLimits::default()).map_err(|e| e.to_string())?;
    println!("image {}x{} ({})", img.width(), img.height(), mem_mb());
    for run in 0..n.max(1) {
        if let Ok(mut s) = timed.shapes.lock() {
            s.clear();
        }
        for s in [&timed.det, &timed.rec, &timed.cls] {
            if let Ok(mut g) = s.lock() {
                *g = (0, 0.0, 0);
            }
        }
        if run == 0 {
            let page = ocr.prepare(&img).map_err(|e| e.to_string())?;
            println!("  after prepare+detect: {}", mem_mb());
            let boxes = ocr.detect_lines(&page).map_err(|e| e.to_string())?;
            let _ = ocr.recognize(&page, &boxes).map_err(|e| e.to_string())?;
            println!("  after recognize: {}", mem_mb());
        }
        let p = ocr.recognize_page(&img).map_err(|e| e.to_string())?;
        let t = p.timings;
        let g =
            |s: &std::sync::Mutex<(usize, f64, usize)>| s.lock().map(|g| *g).unwrap_or_default();
        let (d, r, c) = (g(&timed.det), g(&timed.rec), g(&timed.cls));
        println!(
            "run {run}: total {:.0} ms = prepare {:.0} + detect {:.0} + recognize {:.0} + analyze {:.0} | \
             det {} calls {:.0} ms {:.1} Mel | rec {} calls {:.0} ms (summed over concurrent calls) {:.1} kcol | cls {} calls {:.0} ms | lines {}",
            t.total_ms,
            t.prepare_ms,
            t.detect_ms,
            t.recognize_ms,
            t.analyze_ms,
            d.0,
            d.1,
            d.2 as f64 / 1e6,
            r.0,
            r.1,
            r.2 as f64 / 96.0 / 1e3,
            c.0,
            c.1,
            p.lines.len()
        );
        println!("  memory after run {run}: {}", mem_mb());
        if let Ok(s) = timed.shapes.lock() {
            println!("  shapes: {}", s.join(" "));
        }
    }
    Ok(true)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let res = match args.get(1).map(String::as_str) {
        Some("vitext") => vitext(&args),
        Some("mrz") => mrz_eval(&args),
        Some("bench-images") => bench_images(&args),
        Some("time-page") => time_page(&args),
        Some("profile") => profile(&args),
        Some("specimen") => specimen_set(&args),
        Some("specimen-tess") => specimen::tesseract_set(&PathBuf::from(
            args.get(2).map(String::as_str).unwrap_or("."),
        ))
        .map(|_| true),
        Some("cer") => cer_files(&args),
        Some("qr") => qr_eval(&args),
        Some("qr-payloads") => qr_payloads(&args),
        _ => Err("usage: ocr_eval vitext DIR".into()),
    };
    match res {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            println!("FAILED: a bar was missed");
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("ocr_eval: {e}");
            ExitCode::from(2)
        }
    }
}
