//! The specimen-set evaluation of `ocr_eval specimen` / `specimen-tess`:
//! fictional CCCD fronts, backs and A4 forms from `saoy-specimen` with
//! scan/photo degradations, scored by line-matched CER, CCCD field exact
//! match, MRZ fully proven and QR decoded. The same matcher scores
//! Tesseract's TSV output on the same image files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use saoy_ocr::cer::{CerCounter, edit_distance, nfc_len};
use saoy_ocr::{LoadLimits, Ocr, load_image_bytes};
use saoy_specimen::{
    Degradation, GroundTruth, Person, RenderOptions, Rng, SpecimenKind, degrade, render,
};

/// A hypothesis line: quadrilateral (top-left, top-right, bottom-right,
/// bottom-left) and text.
pub struct HypLine {
    pub quad: [[f32; 2]; 4],
    pub text: String,
}

fn centre(q: &[[f32; 2]; 4]) -> (f32, f32) {
    let x = q.iter().map(|p| p[0]).sum::<f32>() / 4.0;
    let y = q.iter().map(|p| p[1]).sum::<f32>() / 4.0;
    (x, y)
}

/// Whether `p` lies in the quad after its left and right ends are pushed
/// out by `grow` times its height (word gaps at the ends of detections).
fn inside(q: &[[f32; 2]; 4], p: (f32, f32), grow: f32) -> bool {
    let h = ((q[3][1] - q[0][1]).abs() + (q[2][1] - q[1][1]).abs()) / 2.0;
    let g = grow * h.max(1.0);
    let e = [
        [q[0][0] - g, q[0][1]],
        [q[1][0] + g, q[1][1]],
        [q[2][0] + g, q[2][1]],
        [q[3][0] - g, q[3][1]],
    ];
    let mut sign = 0f32;
    for i in 0..4 {
        let (a, b) = (e[i], e[(i + 1) % 4]);
        let cross = (b[0] - a[0]) * (p.1 - a[1]) - (b[1] - a[1]) * (p.0 - a[0]);
        if cross != 0.0 {
            if sign == 0.0 {
                sign = cross.signum();
            } else if cross.signum() != sign {
                return false;
            }
        }
    }
    true
}

fn find(p: &mut [usize], mut i: usize) -> usize {
    while p[i] != i {
        p[i] = p[p[i]];
        i = p[i];
    }
    i
}

/// A group is one visual line: its pieces are joined left to right.
fn ordered(mut items: Vec<(f32, String)>) -> String {
    items.sort_by(|a, b| a.0.total_cmp(&b.0));
    items
        .into_iter()
        .map(|(_, t)| t)
        .collect::<Vec<_>>()
        .join(" ")
}

fn no_space(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Line-matched CER of a page: truth lines and hypothesis lines are grouped
/// (a hypothesis line takes every truth line whose centre it covers; a
/// hypothesis line covering none joins the truth line its centre falls in),
/// each group's texts are put in reading order and compared without
/// whitespace (the join between separately printed pieces is arbitrary).
/// Truth lines no hypothesis reaches count as deletions; hypothesis lines
/// reaching no truth line count as insertions.
pub fn page_cer(
    truth: &GroundTruth,
    hyp: &[HypLine],
    mut detail: Option<&mut Vec<String>>,
) -> CerCounter {
    let nt = truth.lines.len();
    let n = nt + hyp.len();
    let mut parent: Vec<usize> = (0..n).collect();
    let tb: Vec<[[f32; 2]; 4]> = truth.lines.iter().map(|l| l.quad.0).collect();
    for (hi, h) in hyp.iter().enumerate() {
        let mut any = false;
        for (ti, b) in tb.iter().enumerate() {
            if inside(&h.quad, centre(b), 0.25) {
                let (a, c) = (find(&mut parent, nt + hi), find(&mut parent, ti));
                parent[a] = c;
                any = true;
            }
        }
        if !any {
            let c = centre(&h.quad);
            if let Some(ti) = tb.iter().position(|b| inside(b, c, 0.25)) {
                let (a, c) = (find(&mut parent, nt + hi), find(&mut parent, ti));
                parent[a] = c;
            }
        }
    }
    let mut groups: BTreeMap<usize, (Vec<usize>, Vec<usize>)> = BTreeMap::new();
    for i in 0..n {
        let r = find(&mut parent, i);
        let g = groups.entry(r).or_default();
        if i < nt {
            g.0.push(i)
        } else {
            g.1.push(i - nt)
        }
    }
    let mut c = CerCounter::default();
    for (ts, hs) in groups.values() {
        let t = ordered(
            ts.iter()
                .map(|&i| (centre(&tb[i]).0, truth.lines[i].text.clone()))
                .collect(),
        );
        let h = ordered(
            hs.iter()
                .map(|&i| (centre(&hyp[i].quad).0, hyp[i].text.clone()))
                .collect(),
        );
        let (t, h) = (no_space(&t), no_space(&h));
        let e = edit_distance(&t, &h);
        if e > 0
            && let Some(d) = detail.as_deref_mut()
        {
            d.push(format!("{e} edits: {t:?} -> {h:?}"));
        }
        c.edits += e;
        c.chars += nfc_len(&t);
    }
    c
}

/// Kind of specimen `i` of the set: one A4 form every `a4_every`, else
/// fronts and backs in turn.
fn kind_of(i: usize, a4_every: usize) -> SpecimenKind {
    if a4_every > 0 && i % a4_every == a4_every - 1 {
        SpecimenKind::A4Form
    } else if i.is_multiple_of(2) {
        SpecimenKind::CccdFront
    } else {
        SpecimenKind::CccdBack
    }
}

fn iso(dmy: &str) -> String {
    let p: Vec<&str> = dmy.split('/').collect();
    match p[..] {
        [d, m, y] => format!("{y}-{m}-{d}"),
        _ => dmy.to_string(),
    }
}

/// Truth field → the value saoy's CCCD fields should hold (normalized the
/// same way: ISO dates, sex M/F).
fn expected_fields(t: &GroundTruth) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    for (k, v) in &t.fields {
        let (name, val) = match k.as_str() {
            "id_number" => ("id_number", v.clone()),
            "full_name" => ("full_name", v.clone()),
            "date_of_birth" => ("birth_date", iso(v)),
            "sex" => ("sex", if v == "Nam" { "M".into() } else { "F".into() }),
            "nationality" => ("nationality", v.clone()),
            "place_of_origin" => ("place_of_origin", v.clone()),
            "place_of_residence" => ("place_of_residence", v.clone()),
            "date_of_expiry" => ("expiry_date", iso(v)),
            "issue_date" => ("issue_date", iso(v)),
            _ => continue,
        };
        out.push((name, val));
    }
    out
}

fn got_field(f: &saoy_ocr::CccdFields, name: &str) -> Option<String> {
    let v = match name {
        "id_number" => &f.id_number,
        "full_name" => &f.full_name,
        "birth_date" => &f.birth_date,
        "sex" => &f.sex,
        "nationality" => &f.nationality,
        "place_of_origin" => &f.place_of_origin,
        "place_of_residence" => &f.place_of_residence,
        "expiry_date" => &f.expiry_date,
        "issue_date" => &f.issue_date,
        _ => return None,
    };
    v.as_ref().map(|f| f.value.clone())
}

#[derive(Default)]
struct Tally {
    ok: usize,
    n: usize,
}

impl Tally {
    fn add(&mut self, ok: bool) {
        self.n += 1;
        self.ok += usize::from(ok);
    }
    fn pct(&self) -> f64 {
        if self.n == 0 {
            0.0
        } else {
            100.0 * self.ok as f64 / self.n as f64
        }
    }
}

pub struct SetArgs {
    pub count: usize,
    pub seed: u64,
    pub a4_every: usize,
    pub out: PathBuf,
    pub bars: (f64, f64, f64, f64),
    pub verbose: bool,
    /// Images in flight at once, each worker with its own `Ocr` from the
    /// factory (its own model sessions); the figures do not depend on it,
    /// only the wall time and the per-image times do.
    pub workers: usize,
}

/// What one specimen image contributed to the figures.
struct ImageScore {
    kind: &'static str,
    cer: CerCounter,
    /// CCCD field outcomes (none for an A4 form).
    fields: Vec<(&'static str, bool)>,
    mrz: Option<bool>,
    qr: Option<bool>,
    ms: f64,
    misses: Vec<String>,
}

/// Generate specimen `i` (image + truth JSON into `out`), run saoy on the
/// image file's bytes and score it.
fn score_one(
    ocr: &Ocr,
    a: &SetArgs,
    portrait: &image::RgbImage,
    i: usize,
) -> Result<ImageScore, String> {
    let kind = kind_of(i, a.a4_every);
    let seed = a.seed.wrapping_mul(1_000_003).wrapping_add(i as u64);
    let person = Person::generate(a.seed.wrapping_add(i as u64));
    let clean = render(kind, &person, Some(portrait), &RenderOptions::new(seed))
        .map_err(|e| e.to_string())?;
    let d = match kind {
        SpecimenKind::A4Form if !Rng::derive(seed, "eval-a4-photo").chance(0.3) => {
            Degradation::scan(seed)
        }
        _ => Degradation::photo(seed),
    };
    let sp = degrade(&clean, &d, seed).map_err(|e| e.to_string())?;
    let (bytes, ext) = sp.encoded().map_err(|e| e.to_string())?;
    let stem = format!("{i:04}-{}", kind.name());
    std::fs::write(a.out.join(format!("{stem}.{ext}")), &bytes).map_err(|e| e.to_string())?;
    std::fs::write(
        a.out.join(format!("{stem}.json")),
        serde_json::to_vec(&sp.truth).map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())?;
    let img = load_image_bytes(&bytes, &LoadLimits::default()).map_err(|e| e.to_string())?;
    drop(sp);
    let t = std::time::Instant::now();
    let page = ocr
        .recognize_page(&img)
        .map_err(|e| format!("{stem}: {e}"))?;
    let ms = t.elapsed().as_secs_f64() * 1000.0;
    let truth: GroundTruth = serde_json::from_slice(
        &std::fs::read(a.out.join(format!("{stem}.json"))).map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())?;
    // MRZ lines are scored as the pipeline reports them: the parsed
    // (check-digit-repaired) line closest to the raw MRZ decoding.
    let parsed: &[String] = page.document.mrz.as_ref().map_or(&[], |m| &m.lines);
    let hyp: Vec<HypLine> = page
        .lines
        .iter()
        .map(|l| {
            let raw = l.mrz_text.clone().unwrap_or_else(|| l.text.clone());
            let text = match &l.mrz_text {
                Some(m) => parsed
                    .iter()
                    .map(|p| (edit_distance(p, m), p))
                    .filter(|(d, _)| *d <= 4)
                    .min_by_key(|(d, _)| *d)
                    .map_or(raw, |(_, p)| p.clone()),
                None => raw,
            };
            HypLine {
                quad: l.quad.points,
                text,
            }
        })
        .collect();
    let mut misses = Vec::new();
    let mut detail = Vec::new();
    let cer = page_cer(&truth, &hyp, Some(&mut detail));
    if a.verbose {
        misses.extend(detail.into_iter().map(|d| format!("{stem} {d}")));
    }
    let mut fields = Vec::new();
    if kind != SpecimenKind::A4Form {
        for (name, want) in expected_fields(&truth) {
            let got = got_field(&page.document.fields, name);
            let ok = got.as_deref() == Some(want.as_str());
            fields.push((name, ok));
            if !ok && a.verbose {
                misses.push(format!("{stem} {name}: want {want:?} got {got:?}"));
            }
        }
    }
    let mut mrz = None;
    if !truth.mrz.is_empty() {
        let ok = page.document.mrz.as_ref().is_some_and(|m| {
            m.all_checks_ok
                && m.lines
                    .iter()
                    .map(String::as_str)
                    .eq(truth.mrz.iter().map(String::as_str))
        });
        mrz = Some(ok);
        if !ok && a.verbose {
            misses.push(format!(
                "{stem} mrz: got {:?}",
                page.document.mrz.as_ref().map(|m| &m.lines)
            ));
        }
    }
    let mut qr = None;
    if let Some(p) = &truth.qr_payload {
        let ok = page.document.qr_texts.iter().any(|t| t == p);
        qr = Some(ok);
        if !ok && a.verbose {
            misses.push(format!("{stem} qr: not decoded"));
        }
    }
    Ok(ImageScore {
        kind: kind.name(),
        cer,
        fields,
        mrz,
        qr,
        ms,
        misses,
    })
}

/// Generate the set into `out` (image + truth JSON per specimen), run saoy on
/// each image file's bytes, print the figures and check the bars. `open`
/// makes one `Ocr` per worker; the scores are gathered by image index, so
/// every figure but the times is the same for any number of workers.
pub fn run_set(
    open: &(dyn Fn() -> Result<Ocr, String> + Sync),
    a: &SetArgs,
) -> Result<bool, String> {
    let portrait = saoy_specimen::demo_portrait().map_err(|e| e.to_string())?;
    std::fs::create_dir_all(&a.out).map_err(|e| e.to_string())?;
    let workers = a.workers.clamp(1, 8);
    let engines = (0..workers)
        .map(|_| open())
        .collect::<Result<Vec<_>, _>>()?;
    let t0 = std::time::Instant::now();
    let next = std::sync::atomic::AtomicUsize::new(0);
    // Each worker takes the next image index until none is left (or one failed) and returns its
    // scores with their indices; they are put back in index order below.
    let mut scored: Vec<(usize, Result<ImageScore, String>)> = std::thread::scope(|s| {
        let handles: Vec<_> = engines
            .iter()
            .map(|ocr| {
                let (next, portrait) = (&next, &portrait);
                s.spawn(move || {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        if i >= a.count {
                            break done;
                        }
                        let r = score_one(ocr, a, portrait, i);
                        let failed = r.is_err();
                        done.push((i, r));
                        if failed {
                            // hand out no more images; the first error is returned below
                            next.store(a.count, std::sync::atomic::Ordering::Relaxed);
                        }
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    scored.sort_by_key(|(i, _)| *i);
    if scored.len() != a.count {
        // an error stopped the hand-out: report the first one
        if let Some((_, Err(e))) = scored.into_iter().find(|(_, r)| r.is_err()) {
            return Err(e);
        }
        return Err("specimen set: a worker stopped without a result".into());
    }
    let mut cer: BTreeMap<&'static str, CerCounter> = BTreeMap::new();
    let mut fields = Tally::default();
    let mut per_field: BTreeMap<&'static str, Tally> = BTreeMap::new();
    let mut mrz = Tally::default();
    let mut qr = Tally::default();
    let mut ocr_ms: BTreeMap<&'static str, Vec<f64>> = BTreeMap::new();
    let mut misses: Vec<String> = Vec::new();
    for (_, r) in scored {
        let sc = r?;
        ocr_ms.entry(sc.kind).or_default().push(sc.ms);
        let e = cer.entry(sc.kind).or_default();
        e.edits += sc.cer.edits;
        e.chars += sc.cer.chars;
        for (name, ok) in sc.fields {
            fields.add(ok);
            per_field.entry(name).or_default().add(ok);
        }
        if let Some(ok) = sc.mrz {
            mrz.add(ok);
        }
        if let Some(ok) = sc.qr {
            qr.add(ok);
        }
        misses.extend(sc.misses);
    }
    let mut all = CerCounter::default();
    for (k, c) in &cer {
        all.edits += c.edits;
        all.chars += c.chars;
        let ms = ocr_ms.get(k).cloned().unwrap_or_default();
        println!(
            "specimen {k}: CER {:.2}% ({} / {} chars), median {:.0} ms/image over {} ({workers} at a time)",
            c.percent(),
            c.edits,
            c.chars,
            median(ms.clone()),
            ms.len()
        );
    }
    for m in &misses {
        println!("  miss: {m}");
    }
    let per: Vec<String> = per_field
        .iter()
        .map(|(k, t)| format!("{k} {}/{}", t.ok, t.n))
        .collect();
    let (bar_cer, bar_field, bar_mrz, bar_qr) = a.bars;
    println!(
        "specimen set: {} images, CER {:.2}% [bar {bar_cer}%], field exact-match {:.1}% ({}/{}) [bar {bar_field}%], \
         MRZ fully proven {:.1}% ({}/{}) [bar {bar_mrz}%], QR decoded {:.1}% ({}/{}) [bar {bar_qr}%], {:.0} s",
        a.count,
        all.percent(),
        fields.pct(),
        fields.ok,
        fields.n,
        mrz.pct(),
        mrz.ok,
        mrz.n,
        qr.pct(),
        qr.ok,
        qr.n,
        t0.elapsed().as_secs_f64()
    );
    println!("specimen fields: {}", per.join(", "));
    println!("specimen saoy CER: {:.2}", all.percent());
    Ok(all.percent() <= bar_cer
        && fields.pct() >= bar_field
        && mrz.pct() >= bar_mrz
        && qr.pct() >= bar_qr)
}

fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Lines of a Tesseract TSV (`tesseract IMG BASE tsv`): words grouped by
/// (block, paragraph, line), box = union of the word boxes.
pub fn tesseract_lines(tsv: &str) -> Vec<HypLine> {
    let mut lines: BTreeMap<(u32, u32, u32, u32), HypLine> = BTreeMap::new();
    for row in tsv.lines().skip(1) {
        let f: Vec<&str> = row.split('\t').collect();
        if f.len() < 12 || f[0] != "5" {
            continue;
        }
        let num = |i: usize| f[i].trim().parse::<f32>().unwrap_or(0.0);
        let text = f[11].trim();
        if text.is_empty() {
            continue;
        }
        let key = (num(1) as u32, num(2) as u32, num(3) as u32, num(4) as u32);
        let (x0, y0) = (num(6), num(7));
        let (x1, y1) = (x0 + num(8), y0 + num(9));
        let e = lines.entry(key).or_insert(HypLine {
            quad: [[x0, y0], [x1, y0], [x1, y1], [x0, y1]],
            text: String::new(),
        });
        let q = &e.quad;
        let (a0, b0, a1, b1) = (
            q[0][0].min(x0),
            q[0][1].min(y0),
            q[2][0].max(x1),
            q[2][1].max(y1),
        );
        e.quad = [[a0, b0], [a1, b0], [a1, b1], [a0, b1]];
        if !e.text.is_empty() {
            e.text.push(' ');
        }
        e.text.push_str(text);
    }
    lines.into_values().collect()
}

/// Score Tesseract's `<stem>.tsv` files in `dir` against the truth JSONs.
pub fn tesseract_set(dir: &Path) -> Result<f64, String> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| e.to_string())?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    names.sort();
    let mut cer: BTreeMap<String, CerCounter> = BTreeMap::new();
    let mut missing = 0;
    for j in &names {
        let truth: GroundTruth =
            serde_json::from_slice(&std::fs::read(j).map_err(|e| e.to_string())?)
                .map_err(|e| format!("{}: {e}", j.display()))?;
        let tsv = std::fs::read_to_string(j.with_extension("tsv")).unwrap_or_else(|_| {
            missing += 1;
            String::new()
        });
        let c = page_cer(&truth, &tesseract_lines(&tsv), None);
        let e = cer.entry(truth.kind.name().to_string()).or_default();
        e.edits += c.edits;
        e.chars += c.chars;
    }
    let mut all = CerCounter::default();
    for (k, c) in &cer {
        all.edits += c.edits;
        all.chars += c.chars;
        println!(
            "tesseract specimen {k}: CER {:.2}% ({} / {} chars)",
            c.percent(),
            c.edits,
            c.chars
        );
    }
    if missing > 0 {
        println!("tesseract specimen: {missing} images without output (scored as empty)");
    }
    println!("specimen tesseract CER: {:.2}", all.percent());
    Ok(all.percent())
}
