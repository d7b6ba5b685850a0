//! QR codes: decoding from photos (pure Rust, `rqrr`) with a few retries,
//! and parsing the CCCD front-QR payload.

use image::imageops::{self, FilterType};
use image::{GrayImage, RgbImage};
use serde::Serialize;

/// Decode every QR code found in `image`, stopping at the first attempt that
/// decodes.
///
/// The grey image (scaled down to 1,600 px on its long side) is tried as is.
/// If that fails, retries follow, cheapest and most productive first
/// (measured on the real QR photos of `../shared/data/qr` and the specimen
/// CCCD fronts): inverted, binarized below the mean, scaled to 3/4,
/// contrast-stretched, blurred, binarized at and above the mean; then, only
/// if the image shows a QR code's three finder marks (`has_finder_marks`),
/// scaled up 2x (bilinear, then bicubic). Each attempt is built only
/// when it is reached. On a card without a QR code (a CCCD back) the enlarged
/// retries were most of the cost (0.2-0.3 s of ~0.3 s).
pub fn decode_qr(image: &RgbImage) -> Vec<String> {
    let gray = imageops::grayscale(image);
    let long = gray.width().max(gray.height());
    let base = if long > 1600 {
        let s = 1600.0 / long as f32;
        scaled(&gray, s, FilterType::Triangle)
    } else {
        gray
    };
    let found = decode_gray(&base);
    if !found.is_empty() {
        return found;
    }
    let mean = mean_luma(&base);
    let mut marks: Option<bool> = None;
    for attempt in FALLBACKS {
        // Enlarging costs 2-4x the pixels, and rqrr's search grows with every
        // false candidate on a card full of text: only when the image shows
        // a QR code's three finder marks.
        if attempt.enlarges() && !*marks.get_or_insert_with(|| has_finder_marks(&base)) {
            continue;
        }
        let found = decode_gray(&attempt.apply(&base, mean));
        if !found.is_empty() {
            return found;
        }
    }
    Vec::new()
}

/// One retry of [`decode_qr`] after the plain grey image failed.
#[derive(Debug, Clone, Copy)]
enum Fallback {
    Invert,
    /// Global threshold at the mean luma plus this offset.
    Binarize(i8),
    Scale(f32, FilterType),
    Stretch,
    Blur(f32),
}

impl Fallback {
    fn enlarges(self) -> bool {
        matches!(self, Fallback::Scale(s, _) if s > 1.0)
    }

    /// The image this retry decodes, from the base image and its mean luma.
    fn apply(self, base: &GrayImage, mean: u8) -> GrayImage {
        match self {
            Fallback::Invert => {
                let mut inv = base.clone();
                imageops::invert(&mut inv);
                inv
            }
            Fallback::Binarize(delta) => binarize(base, mean.saturating_add_signed(delta)),
            Fallback::Scale(s, filter) => scaled(base, s, filter),
            Fallback::Stretch => stretch_contrast(base),
            Fallback::Blur(sigma) => imageops::blur(base, sigma),
        }
    }
}

/// The retries in order. On the 137 real photos the plain image decodes 67;
/// the retries add 33 more (any payload; 88 match the expected text, against
/// 85 with the earlier fixed list).
const FALLBACKS: [Fallback; 9] = [
    Fallback::Invert,
    Fallback::Binarize(-30),
    Fallback::Scale(0.75, FilterType::Triangle),
    Fallback::Stretch,
    Fallback::Blur(1.0),
    Fallback::Binarize(0),
    Fallback::Binarize(30),
    Fallback::Scale(2.0, FilterType::Triangle),
    Fallback::Scale(2.0, FilterType::CatmullRom),
];

fn scaled(g: &GrayImage, s: f32, filter: FilterType) -> GrayImage {
    let w = ((g.width() as f32 * s) as u32).max(1);
    let h = ((g.height() as f32 * s) as u32).max(1);
    imageops::resize(g, w, h, filter)
}

fn mean_luma(g: &GrayImage) -> u8 {
    let n = (g.width() as u64 * g.height() as u64).max(1);
    (g.pixels().map(|p| u64::from(p[0])).sum::<u64>() / n) as u8
}

fn binarize(g: &GrayImage, t: u8) -> GrayImage {
    let mut out = g.clone();
    for p in out.pixels_mut() {
        p[0] = if p[0] > t { 255 } else { 0 };
    }
    out
}

/// Linear stretch so the 2nd and 98th luma percentiles become 0 and 255.
fn stretch_contrast(g: &GrayImage) -> GrayImage {
    let mut hist = [0u64; 256];
    for p in g.pixels() {
        hist[usize::from(p[0])] += 1;
    }
    let n: u64 = hist.iter().sum();
    let cut = n / 50;
    let percentile = |iter: &mut dyn Iterator<Item = usize>| {
        let mut seen = 0;
        for i in iter {
            seen += hist[i];
            if seen > cut {
                return i;
            }
        }
        0
    };
    let lo = percentile(&mut (0..256));
    let hi = percentile(&mut (0..256).rev()).max(lo + 1);
    let span = (hi - lo) as f32;
    let mut out = g.clone();
    for p in out.pixels_mut() {
        let v = (f32::from(p[0]) - lo as f32) / span * 255.0;
        p[0] = v.clamp(0.0, 255.0) as u8;
    }
    out
}

/// Whether `g` shows three finder-pattern-like marks placed as a QR code's
/// are. A mark is a run of dark, light, dark, light, dark (or the inverse) in
/// the proportions 1:1:3:1:1 along at least two rows, confirmed along the
/// column through its centre; three marks of similar module size must form
/// an isosceles right angle at least 12 modules on a side (version 1 has 14)
/// and at most 170. Each pixel is thresholded at its local mean (a box 1/8
/// of the width across), so uneven lighting does not hide the marks. This is
/// the cheap gate (one pass over the image) in front of [`decode_qr`]'s
/// enlarged retries; most CCCD backs (text, fingerprint boxes, an MRZ) do
/// not pass it. Also checking the diagonal rejected more backs but lost 4
/// of 96 specimen fronts.
pub(crate) fn has_finder_marks(g: &GrayImage) -> bool {
    let (w, h) = (g.width() as usize, g.height() as usize);
    if w < 21 || h < 21 {
        return false;
    }
    let dark = local_dark_mask(g);
    let at = |x: usize, y: usize| dark[y * w + x];
    // (x, y, module size, rows that hit it) of each confirmed mark.
    let mut marks: Vec<(f32, f32, f32, u32)> = Vec::new();
    let mut runs: Vec<(usize, usize)> = Vec::with_capacity(w);
    for y in 0..h {
        runs.clear();
        let mut start = 0;
        for x in 1..=w {
            if x == w || at(x, y) != at(start, y) {
                runs.push((start, x - start));
                start = x;
            }
        }
        for win in runs.windows(5) {
            let widths = [win[0].1, win[1].1, win[2].1, win[3].1, win[4].1];
            let Some(unit) = finder_ratio(widths) else {
                continue;
            };
            let cx = win[2].0 + win[2].1 / 2;
            let centre = at(cx, y);
            if !finder_along(&dark, w, h, (cx, y), (0, 1), centre) {
                continue;
            }
            let (fx, fy) = (cx as f32, y as f32);
            let known = marks.iter_mut().find(|(x0, y0, u0, _)| {
                (*x0 - fx).abs() <= 3.5 * *u0 && (*y0 - fy).abs() <= 3.5 * *u0
            });
            match known {
                Some(mark) => mark.3 += 1,
                None => marks.push((fx, fy, unit, 1)),
            }
        }
    }
    // A finder's 3x3-module centre is crossed by several rows; a glyph that
    // happens to match once is not a mark.
    let marks: Vec<(f32, f32, f32)> = marks
        .into_iter()
        .filter(|m| m.3 >= 2)
        .map(|(x, y, u, _)| (x, y, u))
        .collect();
    marks_form_corner(&marks)
}

/// Whether three of `marks` (x, y, module) sit like a QR code's finder
/// patterns: similar module sizes, two equal legs at a right angle.
fn marks_form_corner(marks: &[(f32, f32, f32)]) -> bool {
    let n = marks.len().min(64);
    for a in 0..n {
        for b in 0..n {
            for c in (b + 1)..n {
                if a == b || a == c {
                    continue;
                }
                let (pa, pb, pc) = (marks[a], marks[b], marks[c]);
                let units = [pa.2, pb.2, pc.2];
                let (lo, hi) = units
                    .iter()
                    .fold((f32::MAX, 0f32), |(l, h), &u| (l.min(u), h.max(u)));
                if hi > 2.0 * lo {
                    continue;
                }
                let unit = (pa.2 + pb.2 + pc.2) / 3.0;
                let (abx, aby) = (pb.0 - pa.0, pb.1 - pa.1);
                let (acx, acy) = (pc.0 - pa.0, pc.1 - pa.1);
                let (ab, ac) = (abx.hypot(aby), acx.hypot(acy));
                if ab.min(ac) < 12.0 * unit || ab.max(ac) > 170.0 * unit {
                    continue;
                }
                let legs_equal = (ab - ac).abs() <= 0.25 * ab.max(ac);
                let cos = (abx * acx + aby * acy) / (ab * ac);
                if legs_equal && cos.abs() <= 0.3 {
                    return true;
                }
            }
        }
    }
    false
}

/// The module size if five run widths are in the proportions 1:1:3:1:1
/// (each outer run within half a module, the centre 2-4 modules).
fn finder_ratio(r: [usize; 5]) -> Option<f32> {
    let total: usize = r.iter().sum();
    if total < 7 {
        return None;
    }
    let unit = total as f32 / 7.0;
    let ok = |v: usize, want: f32, tol: f32| (v as f32 - want * unit).abs() <= tol * unit;
    (ok(r[0], 1.0, 0.5)
        && ok(r[1], 1.0, 0.5)
        && ok(r[2], 3.0, 1.0)
        && ok(r[3], 1.0, 0.5)
        && ok(r[4], 1.0, 0.5))
    .then_some(unit)
}

/// Whether the line through `from` in direction `dir` also crosses a
/// 1:1:3:1:1 pattern centred there, `centre` being the middle run's colour.
fn finder_along(
    dark: &[bool],
    w: usize,
    h: usize,
    from: (usize, usize),
    dir: (isize, isize),
    centre: bool,
) -> bool {
    let at = |p: (usize, usize)| dark[p.1 * w + p.0];
    let step = |p: (usize, usize), sign: isize| -> Option<(usize, usize)> {
        let x = p.0.checked_add_signed(dir.0 * sign)?;
        let y = p.1.checked_add_signed(dir.1 * sign)?;
        (x < w && y < h).then_some((x, y))
    };
    // Run lengths outward from `from`: [centre half, next, outer] each way.
    let mut widths = [[0usize; 3]; 2];
    for (side, sign) in [(0, -1), (1, 1)] {
        let mut p = from;
        for (i, want) in [centre, !centre, centre].into_iter().enumerate() {
            while let Some(q) = step(p, sign).filter(|&q| at(q) == want) {
                p = q;
                widths[side][i] += 1;
            }
        }
    }
    let mid = widths[0][0] + widths[1][0] + 1;
    finder_ratio([widths[0][2], widths[0][1], mid, widths[1][1], widths[1][2]]).is_some()
}

/// Per-pixel "darker than the local mean" (box of 1/8 of the image width,
/// from an integral image), so a mark in shadow still reads as marks.
fn local_dark_mask(g: &GrayImage) -> Vec<bool> {
    let (w, h) = (g.width() as usize, g.height() as usize);
    let mut integral = vec![0u64; (w + 1) * (h + 1)];
    for y in 0..h {
        let mut row = 0u64;
        for x in 0..w {
            row += u64::from(g.as_raw()[y * w + x]);
            integral[(y + 1) * (w + 1) + x + 1] = integral[y * (w + 1) + x + 1] + row;
        }
    }
    let r = (w / 16).max(4);
    let mut dark = vec![false; w * h];
    for y in 0..h {
        let (y0, y1) = (y.saturating_sub(r), (y + r + 1).min(h));
        for x in 0..w {
            let (x0, x1) = (x.saturating_sub(r), (x + r + 1).min(w));
            let sum = integral[y1 * (w + 1) + x1] + integral[y0 * (w + 1) + x0]
                - integral[y0 * (w + 1) + x1]
                - integral[y1 * (w + 1) + x0];
            let n = ((y1 - y0) * (x1 - x0)) as u64;
            // Darker than 95% of the local mean, as rqrr's own threshold.
            dark[y * w + x] = u64::from(g.as_raw()[y * w + x]) * 100 * n < sum * 95;
        }
    }
    dark
}

fn decode_gray(g: &GrayImage) -> Vec<String> {
    if g.width() < 21 || g.height() < 21 {
        return Vec::new();
    }
    // rqrr is not ours: contain any panic inside it to an empty result.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(
            g.width() as usize,
            g.height() as usize,
            |x, y| g.get_pixel(x as u32, y as u32)[0],
        );
        let mut out = Vec::new();
        for grid in prepared.detect_grids() {
            let mut bytes = Vec::new();
            if grid.decode_to(&mut bytes).is_ok() {
                out.push(String::from_utf8_lossy(&bytes).into_owned());
            }
        }
        out
    }))
    .unwrap_or_default()
}

/// The payload of the QR code on the chip-based CCCD front:
/// `ID12|oldID9|Full name|DDMMYYYY|Nam/Nữ|Address|DDMMYYYY(issue)` (newer
/// cards append more fields, some empty).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct CccdQr {
    /// 12-digit personal identification number.
    pub id_number: String,
    /// The old 9-digit (or 12-digit) CMND number, if present.
    pub old_id_number: Option<String>,
    /// Full name as encoded (NFC).
    pub full_name: String,
    /// Date of birth, ISO 8601.
    pub birth_date: String,
    /// Sex as printed (`Nam` / `Nữ`).
    pub sex_text: String,
    /// `M` or `F`.
    pub sex: Option<char>,
    /// Place of residence.
    pub address: String,
    /// Date of issue, ISO 8601.
    pub issue_date: String,
    /// Fields after the seventh (newer card variants), as given.
    pub extra: Vec<String>,
}

/// Why a QR payload is not a CCCD payload.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QrPayloadError {
    /// Fewer than seven `|`-separated fields.
    #[error("{found} fields, a CCCD payload has at least 7")]
    FieldCount {
        /// Fields found.
        found: usize,
    },
    /// The ID number is not 12 digits.
    #[error("ID number {value:?} is not 12 digits")]
    IdNumber {
        /// The value.
        value: String,
    },
    /// A date is not a valid `DDMMYYYY`.
    #[error("{field} {value:?} is not a valid DDMMYYYY date")]
    Date {
        /// Which field.
        field: &'static str,
        /// The value.
        value: String,
    },
}

impl QrPayloadError {
    /// Stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            QrPayloadError::FieldCount { .. } => "qr.field_count",
            QrPayloadError::IdNumber { .. } => "qr.id_number",
            QrPayloadError::Date { .. } => "qr.date",
        }
    }
}

/// `DDMMYYYY` → ISO `YYYY-MM-DD` (validating the calendar date).
pub fn ddmmyyyy_to_iso(s: &str) -> Option<String> {
    if s.len() != 8 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let d: u32 = s[0..2].parse().ok()?;
    let m: u32 = s[2..4].parse().ok()?;
    let y: u32 = s[4..8].parse().ok()?;
    iso_date(y, m, d)
}

/// A valid calendar date as ISO 8601.
pub fn iso_date(y: u32, m: u32, d: u32) -> Option<String> {
    let leap = (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400);
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    ((1..=days).contains(&d) && (1900..=2199).contains(&y)).then(|| format!("{y:04}-{m:02}-{d:02}"))
}

/// Sex from Vietnamese or English text (`Nam`/`Nữ`/`Nu`/`Male`/`Female`/`M`/`F`).
pub fn parse_sex(s: &str) -> Option<char> {
    use unicode_normalization::UnicodeNormalization;
    let t: String = s.trim().nfc().collect::<String>().to_lowercase();
    match t.as_str() {
        "nam" | "male" | "m" => Some('M'),
        "nữ" | "nu" | "female" | "f" => Some('F'),
        _ => None,
    }
}

/// Parse a CCCD front-QR payload.
pub fn parse_cccd_qr(payload: &str) -> Result<CccdQr, QrPayloadError> {
    use unicode_normalization::UnicodeNormalization;
    let fields: Vec<&str> = payload.trim().split('|').collect();
    if fields.len() < 7 {
        return Err(QrPayloadError::FieldCount {
            found: fields.len(),
        });
    }
    let id = fields[0].trim();
    if id.len() != 12 || !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(QrPayloadError::IdNumber { value: id.into() });
    }
    let date = |field: &'static str, v: &str| {
        ddmmyyyy_to_iso(v.trim()).ok_or(QrPayloadError::Date {
            field,
            value: v.into(),
        })
    };
    let birth_date = date("birth date", fields[3])?;
    let issue_date = date("issue date", fields[6])?;
    let old = fields[1].trim();
    Ok(CccdQr {
        id_number: id.into(),
        old_id_number: (!old.is_empty()).then(|| old.to_string()),
        full_name: fields[2].trim().nfc().collect(),
        birth_date,
        sex_text: fields[4].trim().nfc().collect(),
        sex: parse_sex(fields[4]),
        address: fields[5].trim().nfc().collect(),
        issue_date,
        extra: fields[7..].iter().map(|s| s.to_string()).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_seven_field_payload() {
        let q = parse_cccd_qr("001098012345|012345678|NGUYỄN VĂN A|15081998|Nam|Số 1 Đại Cồ Việt, Hai Bà Trưng, Hà Nội|25052021").unwrap();
        assert_eq!(q.id_number, "001098012345");
        assert_eq!(q.old_id_number.as_deref(), Some("012345678"));
        assert_eq!(q.full_name, "NGUYỄN VĂN A");
        assert_eq!(q.birth_date, "1998-08-15");
        assert_eq!(q.sex, Some('M'));
        assert_eq!(q.issue_date, "2021-05-25");
        assert!(q.extra.is_empty());
    }

    #[test]
    fn newer_payload_with_trailing_fields_and_no_old_id() {
        let q = parse_cccd_qr("012345678912||Trần Thị B|29022000|Nữ|Hà Nội|01012022||||").unwrap();
        assert_eq!(q.old_id_number, None);
        assert_eq!(q.sex, Some('F'));
        assert_eq!(q.birth_date, "2000-02-29");
        assert_eq!(q.extra, vec!["", "", "", ""]);
    }

    #[test]
    fn non_cccd_payloads_are_typed_errors() {
        assert_eq!(
            parse_cccd_qr("https://example.com/x").unwrap_err().code(),
            "qr.field_count"
        );
        assert_eq!(
            parse_cccd_qr("12345|a|b|01011990|Nam|x|01012020")
                .unwrap_err()
                .code(),
            "qr.id_number"
        );
        let e = parse_cccd_qr("001098012345||A|30022001|Nam|x|01012020").unwrap_err();
        assert_eq!(e.code(), "qr.date");
    }

    #[test]
    fn dates_and_sex() {
        assert_eq!(ddmmyyyy_to_iso("31122024").as_deref(), Some("2024-12-31"));
        assert_eq!(ddmmyyyy_to_iso("29021900"), None);
        assert_eq!(ddmmyyyy_to_iso("1x122024"), None);
        assert_eq!(parse_sex("Nữ"), Some('F'));
        assert_eq!(parse_sex("Nu\u{031B}\u{0303}"), Some('F'));
        assert_eq!(parse_sex("Male"), Some('M'));
        assert_eq!(parse_sex("?"), None);
    }

    #[test]
    fn blank_image_has_no_qr() {
        let img = RgbImage::from_pixel(200, 200, image::Rgb([255, 255, 255]));
        assert!(decode_qr(&img).is_empty());
    }

    /// A QR code rendered at `module` px per module with a 4-module quiet
    /// zone, on a light background `pad` px wider on every side.
    fn rendered_qr(text: &str, module: u32, pad: u32) -> GrayImage {
        let code = qrcode::QrCode::new(text.as_bytes()).expect("encodable");
        let n = code.width() as u32;
        let colors = code.to_colors();
        let side = (n + 8) * module + 2 * pad;
        GrayImage::from_fn(side, side, |x, y| {
            let (mx, my) = (
                x.checked_sub(pad + 4 * module),
                y.checked_sub(pad + 4 * module),
            );
            let dark = match (mx, my) {
                (Some(mx), Some(my)) if mx / module < n && my / module < n => {
                    colors[((my / module) * n + mx / module) as usize] == qrcode::Color::Dark
                }
                _ => false,
            };
            image::Luma([if dark { 20 } else { 235 }])
        })
    }

    fn rgb(g: &GrayImage) -> RgbImage {
        RgbImage::from_fn(g.width(), g.height(), |x, y| {
            let v = g.get_pixel(x, y)[0];
            image::Rgb([v, v, v])
        })
    }

    const PAYLOAD: &str =
        "001098012345|123456789|Nguyễn Văn A|15081998|Nam|Số 1 Đại Cồ Việt|01012021";

    #[test]
    fn finder_marks_of_a_rendered_code_pass_the_gate() {
        for module in [2, 3, 5] {
            let g = rendered_qr(PAYLOAD, module, 40);
            assert!(has_finder_marks(&g), "module {module} px");
        }
    }

    #[test]
    fn the_gate_wants_three_marks_in_a_corner() {
        // Finder marks of 7x7 modules of 4 px: dark edge, light ring, dark
        // 3x3 centre.
        let draw = |marks: &[(u32, u32)]| {
            let mut g = GrayImage::from_pixel(400, 400, image::Luma([235]));
            for &(ox, oy) in marks {
                for y in 0..28 {
                    for x in 0..28 {
                        // distance in modules from the mark's edge
                        let (mx, my) = (x / 4, y / 4);
                        let edge = mx.min(my).min(6 - mx).min(6 - my);
                        if edge != 1 {
                            g.put_pixel(ox + x, oy + y, image::Luma([20]));
                        }
                    }
                }
            }
            g
        };
        assert!(has_finder_marks(&draw(&[(40, 40), (200, 40), (40, 200)])));
        assert!(!has_finder_marks(&draw(&[(40, 40), (200, 40), (340, 40)])));
        assert!(!has_finder_marks(&draw(&[(40, 40), (200, 40)])));
        assert!(!has_finder_marks(&GrayImage::from_pixel(
            400,
            400,
            image::Luma([235])
        )));
        // Vertical stripes in the 1:1:3:1:1 proportions along every row, but
        // no matching column: not a mark.
        let stripes = GrayImage::from_fn(400, 400, |x, _| {
            let m = (x / 4) % 9;
            image::Luma([if matches!(m, 0 | 2 | 3 | 4 | 6) {
                20
            } else {
                235
            }])
        });
        assert!(!has_finder_marks(&stripes));
    }

    #[test]
    fn codes_too_small_for_the_plain_image_decode_through_the_enlarged_retries() {
        // 1.6 px per module: neither the plain image nor any retry at its
        // own size reads it; the marks gate lets the enlarged retries run.
        let small = scaled(&rendered_qr(PAYLOAD, 2, 30), 0.8, FilterType::Triangle);
        assert!(decode_gray(&small).is_empty());
        let mean = mean_luma(&small);
        for attempt in FALLBACKS.iter().filter(|a| !a.enlarges()) {
            assert!(
                decode_gray(&attempt.apply(&small, mean)).is_empty(),
                "{attempt:?}"
            );
        }
        assert!(has_finder_marks(&small));
        assert_eq!(decode_qr(&rgb(&small)), vec![PAYLOAD.to_string()]);
    }

    #[test]
    fn light_on_dark_codes_decode_through_the_inverted_retry() {
        let mut g = rendered_qr(PAYLOAD, 4, 20);
        imageops::invert(&mut g);
        assert!(decode_gray(&g).is_empty());
        assert_eq!(decode_qr(&rgb(&g)), vec![PAYLOAD.to_string()]);
    }

    #[test]
    fn rendered_code_decodes_with_its_exact_payload() {
        let found = decode_qr(&rgb(&rendered_qr(PAYLOAD, 4, 20)));
        assert_eq!(found, vec![PAYLOAD.to_string()]);
        let parsed = parse_cccd_qr(&found[0]).expect("a CCCD payload");
        assert_eq!(parsed.id_number, "001098012345");
    }
}
