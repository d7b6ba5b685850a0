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
/// CCCD fronts): inverted, blurred, binarized above the mean. Then, only if
/// the image shows a QR code's three finder marks (`finder_area`), the
/// costlier retries run on the part of the image around those marks:
/// enlarged and thresholded against local means, enlarged plainly (see
/// `MARKED`). Each attempt is built only when it is reached. On a card
/// without a QR code (a CCCD back) the enlarged retries were most of the cost
/// (0.2-0.3 s of ~0.3 s); the crop to the marks keeps them small on the few
/// backs that pass the gate.
///
/// Every attempt also re-reads each grid that rqrr locates but cannot decode
/// from the grey pixels (`resample_grid`).
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
    for attempt in FALLBACKS {
        let found = attempt.decode(&base, mean);
        if !found.is_empty() {
            return found;
        }
    }
    // Enlarging costs 2-4x the pixels, and rqrr's search grows with every
    // false candidate on a card full of text: only where the image shows a
    // QR code's three finder marks.
    let Some([x0, y0, x1, y1]) = finder_area(&base) else {
        return Vec::new();
    };
    let code = imageops::crop_imm(&base, x0, y0, x1 - x0, y1 - y0).to_image();
    let mean = mean_luma(&code);
    for attempt in MARKED {
        let found = attempt.decode(&code, mean);
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
    Blur(f32),
    /// Scaled by the factor (bilinear), then each pixel dark if below the
    /// mean of the box around it, the box's half side being the width
    /// divided by the second number. rqrr's own threshold averages along
    /// the row only, which loses codes on a dark background, in uneven
    /// light or with blurred modules.
    Local(f32, u32),
}

impl Fallback {
    /// Decode the image this retry makes from `base` (whose mean luma is
    /// `mean`).
    fn decode(self, base: &GrayImage, mean: u8) -> Vec<String> {
        match self {
            Fallback::Invert => {
                let mut inv = base.clone();
                imageops::invert(&mut inv);
                decode_gray(&inv)
            }
            Fallback::Binarize(delta) => {
                decode_gray(&binarize(base, mean.saturating_add_signed(delta)))
            }
            Fallback::Scale(s, filter) => decode_gray(&scaled(base, s, filter)),
            Fallback::Blur(sigma) => decode_gray(&imageops::blur(base, sigma)),
            Fallback::Local(s, div) => {
                let g = if s == 1.0 {
                    base.clone()
                } else {
                    scaled(base, s, FilterType::Triangle)
                };
                let radius = (g.width() / div).max(3) as usize;
                let dark = local_dark_mask(&g, radius, 100);
                decode_bitmap(&g, &dark)
            }
        }
    }
}

/// The retries on the whole image, in order: they also serve the photos
/// whose marks the gate misses (9 of the 137). With the marked retries
/// behind them, binarizing at and below the mean, scaling to 3/4 and
/// stretching the contrast (in this list before) decoded no photo that
/// another attempt did not; dropping them saved ~25 ms on a card without a
/// QR code.
const FALLBACKS: [Fallback; 3] = [
    Fallback::Invert,
    Fallback::Blur(1.0),
    Fallback::Binarize(30),
];

/// The retries on the area of the finder marks, in order (see
/// [`decode_qr`]), chosen greedily on the 137 photos: with the three above,
/// the plain image (with [`resample_grid`]) decodes 82 expected payloads,
/// and these add 13, 5, 3, 2, 2, 1 and 1 (109); the last, bicubic 2x, adds
/// none there but alone reads codes of 1.6 px a module (a unit test).
/// Before, with bilinear and bicubic 2x only, the set decoded 88.
const MARKED: [Fallback; 8] = [
    Fallback::Local(2.0, 4),
    Fallback::Local(1.5, 4),
    Fallback::Local(1.5, 32),
    Fallback::Scale(2.0, FilterType::Triangle),
    Fallback::Local(2.0, 2),
    Fallback::Scale(1.5, FilterType::Triangle),
    Fallback::Local(1.0, 4),
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

/// The area (x0, y0, x1, y1) of `g` around every three finder-pattern-like
/// marks placed as a QR code's are, or `None` if there are none. A mark is
/// a run of dark, light, dark, light, dark (or the inverse) in the
/// proportions 1:1:3:1:1 along at least two rows, confirmed along the
/// column through its centre; three marks of similar module size must form
/// an isosceles right angle at least 12 modules on a side (version 1 has 14)
/// and at most 170. Each pixel is thresholded at its local mean (a box 1/8
/// of the width across), so uneven lighting does not hide the marks. This is
/// the cheap gate (one pass over the image) in front of [`decode_qr`]'s
/// enlarged retries; most CCCD backs (text, fingerprint boxes, an MRZ) do
/// not pass it. Also checking the diagonal rejected more backs but lost 4
/// of 96 specimen fronts. The retries behind the gate run on this area
/// only: on the 3 of 20 specimen backs that pass it, the marks are glyphs a
/// few dozen pixels apart, so the enlarged retries cost little there (the
/// QR decode on the 20 backs fell from 3.8 s to 1.4 s in all). A margin of
/// 0.6 of a leg lost fewer rotated photos than 0.2 (106 against 104 with
/// the same retries; decoding small turned codes also depends on the
/// pixel phase).
pub(crate) fn finder_area(g: &GrayImage) -> Option<[u32; 4]> {
    let (w, h) = (g.width() as usize, g.height() as usize);
    if w < 21 || h < 21 {
        return None;
    }
    let dark = local_dark_mask(g, (w / 16).max(4), 95);
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
    let [x0, y0, x1, y1] = marks_form_corner(&marks)?;
    let clamp = |v: f32, hi: usize| (v.max(0.0) as u32).min(hi as u32);
    let area = [clamp(x0, w), clamp(y0, h), clamp(x1, w), clamp(y1, h)];
    (area[2] >= area[0] + 21 && area[3] >= area[1] + 21).then_some(area)
}

/// Whether `g` shows a QR code's three finder marks (see [`finder_area`]).
#[cfg(test)]
fn has_finder_marks(g: &GrayImage) -> bool {
    finder_area(g).is_some()
}

/// The bounding box (x0, y0, x1, y1) around every three of `marks`
/// (x, y, module) that sit like a QR code's finder patterns (similar module
/// sizes, two equal legs at a right angle), with the fourth corner and a
/// margin of 8 modules and 0.6 of a leg (the marks' outer half, the quiet
/// zone, perspective); `None` if no three do.
fn marks_form_corner(marks: &[(f32, f32, f32)]) -> Option<[f32; 4]> {
    let n = marks.len().min(64);
    let mut area: Option<[f32; 4]> = None;
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
                let (abx, aby) = (pb.0 - pa.0, pb.1 - pa.1);
                let (acx, acy) = (pc.0 - pa.0, pc.1 - pa.1);
                // A row crosses a mark turned by `turn` over 1/cos(turn) of
                // its width, so the module measured along rows is that much
                // too wide; a leg's direction gives the turn. Without this a
                // version-1 code turned 25-45 degrees (legs of 14 modules)
                // measured under 12 and failed the gate (5 of the rotated
                // photos of qrcode-6, marks of 3.1-3.7 px per row module).
                // Only for marks of 2.75 px and more: smaller turned triples
                // are glyphs (3 of 20 specimen CCCD backs passed with them,
                // all at 2.0 px).
                let turn = if lo >= 2.75 {
                    let t = aby.atan2(abx).rem_euclid(std::f32::consts::FRAC_PI_2);
                    t.min(std::f32::consts::FRAC_PI_2 - t)
                } else {
                    0.0
                };
                let unit = (pa.2 + pb.2 + pc.2) / 3.0 * turn.cos();
                let (ab, ac) = (abx.hypot(aby), acx.hypot(acy));
                if ab.min(ac) < 12.0 * unit || ab.max(ac) > 170.0 * unit {
                    continue;
                }
                let legs_equal = (ab - ac).abs() <= 0.25 * ab.max(ac);
                let cos = (abx * acx + aby * acy) / (ab * ac);
                if legs_equal && cos.abs() <= 0.3 {
                    let pad = 8.0 * unit + 0.6 * ab.max(ac);
                    let d = (pb.0 + pc.0 - pa.0, pb.1 + pc.1 - pa.1);
                    let [mut x0, mut y0, mut x1, mut y1] =
                        area.unwrap_or([f32::MAX, f32::MAX, f32::MIN, f32::MIN]);
                    for (x, y) in [(pa.0, pa.1), (pb.0, pb.1), (pc.0, pc.1), d] {
                        x0 = x0.min(x - pad);
                        y0 = y0.min(y - pad);
                        x1 = x1.max(x + pad);
                        y1 = y1.max(y + pad);
                    }
                    area = Some([x0, y0, x1, y1]);
                }
            }
        }
    }
    area
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

/// Per-pixel "darker than `percent`% of the mean of the box of half side
/// `r` around it" (from an integral image), so a mark in shadow still reads
/// as marks. The gate uses a box of 1/8 of the width and 95%, as rqrr's own
/// threshold; the [`Fallback::Local`] retries 100%.
fn local_dark_mask(g: &GrayImage, r: usize, percent: u64) -> Vec<bool> {
    let (w, h) = (g.width() as usize, g.height() as usize);
    let mut integral = vec![0u64; (w + 1) * (h + 1)];
    for y in 0..h {
        let mut row = 0u64;
        for x in 0..w {
            row += u64::from(g.as_raw()[y * w + x]);
            integral[(y + 1) * (w + 1) + x + 1] = integral[y * (w + 1) + x + 1] + row;
        }
    }
    let mut dark = vec![false; w * h];
    for y in 0..h {
        let (y0, y1) = (y.saturating_sub(r), (y + r + 1).min(h));
        for x in 0..w {
            let (x0, x1) = (x.saturating_sub(r), (x + r + 1).min(w));
            let sum = integral[y1 * (w + 1) + x1] + integral[y0 * (w + 1) + x0]
                - integral[y0 * (w + 1) + x1]
                - integral[y1 * (w + 1) + x0];
            let n = ((y1 - y0) * (x1 - x0)) as u64;
            dark[y * w + x] = u64::from(g.as_raw()[y * w + x]) * 100 * n < sum * percent;
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
        decode_grids(prepared.detect_grids(), g)
    }))
    .unwrap_or_default()
}

/// Decode `dark` (row-major, one flag a pixel of `g`) with rqrr, re-reading
/// failed grids from the grey `g`.
fn decode_bitmap(g: &GrayImage, dark: &[bool]) -> Vec<String> {
    if g.width() < 21 || g.height() < 21 {
        return Vec::new();
    }
    let w = g.width() as usize;
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut prepared =
            rqrr::PreparedImage::prepare_from_bitmap(w, g.height() as usize, |x, y| {
                dark[y * w + x]
            });
        decode_grids(prepared.detect_grids(), g)
    }))
    .unwrap_or_default()
}

/// Every grid rqrr found, decoded from rqrr's own sampling or
/// else from the grey pixels of `g` ([`resample_grid`]).
fn decode_grids<G: rqrr::BitGrid>(grids: Vec<rqrr::Grid<G>>, g: &GrayImage) -> Vec<String> {
    let mut out = Vec::new();
    for grid in grids {
        let mut bytes = Vec::new();
        if grid.decode_to(&mut bytes).is_ok() {
            out.push(payload_text(&bytes));
        } else if let Some(text) = resample_grid(g, &grid.bounds, grid.grid.size()) {
            out.push(text);
        }
    }
    out
}

/// The text of a decoded payload. rqrr hands over raw bytes: byte-mode
/// segments as written, Kanji-mode segments as Shift JIS pairs, and no ECI
/// designator (it reads and drops them). So the encoding is inferred, as
/// phone readers do: UTF-8 when the bytes are valid UTF-8 (every CCCD
/// payload: Vietnamese in UTF-8); else Shift JIS when they decode as Shift
/// JIS without a single error (Japanese codes, the home of the format: byte
/// mode in Shift JIS, or Kanji mode); else ISO 8859-1, the standard's
/// default for byte mode, which maps every byte to a character.
/// `String::from_utf8_lossy` turned the 13 Shift JIS payloads among the real
/// photos of `../shared/data/qr` into replacement characters.
fn payload_text(bytes: &[u8]) -> String {
    if let Ok(text) = std::str::from_utf8(bytes) {
        return text.to_string();
    }
    if let Some(text) =
        encoding_rs::SHIFT_JIS.decode_without_bom_handling_and_without_replacement(bytes)
    {
        return text.into_owned();
    }
    bytes.iter().map(|&b| char::from(b)).collect()
}

/// Re-read a grid rqrr located (`bounds`: the images of the grid corners
/// (0, 0), (n+1, 0), (n+1, n+1), (0, n+1) for `n` modules) from the grey
/// pixels: each module is the mean of five bilinear samples around its
/// centre, dark if below the mean of the 9x9 modules around it (or, failing
/// that, below one threshold for the whole code, Otsu's). rqrr reads one
/// pixel of its row-thresholded image per module, which fails on blurred or
/// small modules that still average right.
fn resample_grid(g: &GrayImage, bounds: &[rqrr::Point; 4], n: usize) -> Option<String> {
    if !(21..=177).contains(&n) {
        return None;
    }
    let span = n as f64 + 1.0;
    let corners = bounds.map(|p| (f64::from(p.x), f64::from(p.y)));
    let h = Homography::square_to(corners)?;
    let mut value = vec![0f32; n * n];
    for my in 0..n {
        for mx in 0..n {
            let mut sum = 0.0;
            for (du, dv) in [(0.5, 0.5), (0.3, 0.3), (0.7, 0.3), (0.3, 0.7), (0.7, 0.7)] {
                let (x, y) = h.map((mx as f64 + du) / span, (my as f64 + dv) / span);
                sum += bilinear(g, x, y);
            }
            value[my * n + mx] = sum / 5.0;
        }
    }
    let local = module_local_means(&value, n, 4);
    let global = otsu(&value);
    for dark_below in [&local[..], &vec![global; n * n][..]] {
        let grid = rqrr::SimpleGrid::from_func(n, |x, y| value[y * n + x] < dark_below[y * n + x]);
        let mut bytes = Vec::new();
        if rqrr::Grid::new(grid).decode_to(&mut bytes).is_ok() {
            return Some(payload_text(&bytes));
        }
    }
    None
}

/// The mean of the (2r+1)² modules around each of an n x n grid of values.
fn module_local_means(value: &[f32], n: usize, r: usize) -> Vec<f32> {
    let mut out = vec![0f32; n * n];
    for y in 0..n {
        for x in 0..n {
            let (mut sum, mut count) = (0.0, 0.0);
            for yy in y.saturating_sub(r)..(y + r + 1).min(n) {
                for xx in x.saturating_sub(r)..(x + r + 1).min(n) {
                    sum += value[yy * n + xx];
                    count += 1.0;
                }
            }
            out[y * n + x] = sum / count;
        }
    }
    out
}

/// Otsu's threshold of `values`: the cut that maximises the variance
/// between the values below and above it.
fn otsu(values: &[f32]) -> f32 {
    let mut v = values.to_vec();
    v.sort_by(f32::total_cmp);
    let total: f32 = v.iter().sum();
    let (mut below, mut best, mut cut) = (0.0, -1.0, v[v.len() / 2]);
    for i in 1..v.len() {
        below += v[i - 1];
        let (nb, na) = (i as f32, (v.len() - i) as f32);
        let diff = below / nb - (total - below) / na;
        let between = nb * na * diff * diff;
        if between > best {
            best = between;
            cut = (v[i - 1] + v[i]) / 2.0;
        }
    }
    cut
}

/// Grey value at (x, y) in pixel coordinates (pixel centres at +0.5),
/// bilinear, clamped at the borders.
fn bilinear(g: &GrayImage, x: f64, y: f64) -> f32 {
    let (w, h) = (i64::from(g.width()), i64::from(g.height()));
    let (x, y) = (x - 0.5, y - 0.5);
    let (x0, y0) = (x.floor() as i64, y.floor() as i64);
    let (fx, fy) = ((x - x0 as f64) as f32, (y - y0 as f64) as f32);
    let px = |xx: i64, yy: i64| {
        f32::from(g.get_pixel(xx.clamp(0, w - 1) as u32, yy.clamp(0, h - 1) as u32)[0])
    };
    let top = px(x0, y0) * (1.0 - fx) + px(x0 + 1, y0) * fx;
    let bottom = px(x0, y0 + 1) * (1.0 - fx) + px(x0 + 1, y0 + 1) * fx;
    top * (1.0 - fy) + bottom * fy
}

/// A plane projective map from the unit square.
struct Homography([f64; 8]);

impl Homography {
    /// The map taking (0, 0), (1, 0), (1, 1), (0, 1) to the four corners
    /// (Heckbert's square-to-quadrilateral form); `None` if degenerate.
    fn square_to(q: [(f64, f64); 4]) -> Option<Self> {
        let [(x0, y0), (x1, y1), (x2, y2), (x3, y3)] = q;
        let (sx, sy) = (x0 - x1 + x2 - x3, y0 - y1 + y2 - y3);
        let (dx1, dx2, dy1, dy2) = (x1 - x2, x3 - x2, y1 - y2, y3 - y2);
        let (g, h) = if sx.abs() < 1e-9 && sy.abs() < 1e-9 {
            (0.0, 0.0)
        } else {
            let den = dx1 * dy2 - dx2 * dy1;
            if den.abs() < 1e-9 {
                return None;
            }
            ((sx * dy2 - dx2 * sy) / den, (dx1 * sy - sx * dy1) / den)
        };
        let m = [
            x1 - x0 + g * x1,
            x3 - x0 + h * x3,
            x0,
            y1 - y0 + g * y1,
            y3 - y0 + h * y3,
            y0,
            g,
            h,
        ];
        ((m[0] * m[4] - m[1] * m[3]).abs() > 1e-9).then_some(Homography(m))
    }

    fn map(&self, u: f64, v: f64) -> (f64, f64) {
        let m = &self.0;
        let den = m[6] * u + m[7] * v + 1.0;
        (
            (m[0] * u + m[1] * v + m[2]) / den,
            (m[3] * u + m[4] * v + m[5]) / den,
        )
    }
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
        rendered(&code, module, pad)
    }

    fn rendered(code: &qrcode::QrCode, module: u32, pad: u32) -> GrayImage {
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
        for attempt in FALLBACKS {
            assert!(attempt.decode(&small, mean).is_empty(), "{attempt:?}");
        }
        assert!(has_finder_marks(&small));
        assert_eq!(decode_qr(&rgb(&small)), vec![PAYLOAD.to_string()]);
    }

    /// `g` turned by `degrees` about its centre, the corners filled light.
    fn turned(g: &GrayImage, degrees: f32) -> GrayImage {
        imageproc::geometric_transformations::rotate_about_center(
            g,
            degrees.to_radians(),
            imageproc::geometric_transformations::Interpolation::Bilinear,
            imageproc::geometric_transformations::Border::Constant(image::Luma([235])),
        )
    }

    #[test]
    fn turned_version_1_codes_pass_the_gate() {
        // Version 1 (21 modules) at 3 px a module: along rows, a mark turned
        // 35-45 degrees looks 1.2-1.4x wider than its module, and its
        // neighbours only 10-11.5 of those apart.
        let code = rendered_qr("SAOY-1", 3, 60);
        assert!(has_finder_marks(&code));
        for degrees in [30.0, 35.0, 40.0, 45.0] {
            assert!(
                has_finder_marks(&turned(&code, degrees)),
                "{degrees} degrees"
            );
        }
    }

    #[test]
    fn the_gate_gives_the_area_of_a_small_code_on_a_large_page() {
        let code = rendered_qr(PAYLOAD, 3, 0);
        let mut page = GrayImage::from_pixel(1200, 900, image::Luma([235]));
        imageops::overlay(&mut page, &code, 700, 400);
        let [x0, y0, x1, y1] = finder_area(&page).expect("marks found");
        // The whole code with its quiet zone, and not much of the page.
        assert!(x0 <= 700 && y0 <= 400, "{x0} {y0}");
        assert!(
            x1 >= 700 + code.width() && y1 >= 400 + code.height(),
            "{x1} {y1}"
        );
        assert!(u64::from(x1 - x0) * u64::from(y1 - y0) < 1200 * 900 / 4);
        let crop = imageops::crop_imm(&page, x0, y0, x1 - x0, y1 - y0).to_image();
        assert_eq!(decode_gray(&crop), vec![PAYLOAD.to_string()]);
    }

    #[test]
    fn the_homography_maps_the_unit_square_onto_the_corners() {
        let q = [(10.0, 20.0), (110.0, 30.0), (120.0, 140.0), (5.0, 120.0)];
        let h = Homography::square_to(q).expect("not degenerate");
        for ((u, v), (x, y)) in [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)]
            .into_iter()
            .zip(q)
        {
            let (mx, my) = h.map(u, v);
            assert!((mx - x).abs() < 1e-9 && (my - y).abs() < 1e-9, "{u},{v}");
        }
        assert!(Homography::square_to([(0.0, 0.0); 4]).is_none());
    }

    /// The payloads rqrr reads from its own sampling alone.
    fn rqrr_alone(g: &GrayImage) -> Vec<String> {
        let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(
            g.width() as usize,
            g.height() as usize,
            |x, y| g.get_pixel(x as u32, y as u32)[0],
        );
        prepared
            .detect_grids()
            .iter()
            .filter_map(|grid| grid.decode().ok().map(|(_, text)| text))
            .collect()
    }

    #[test]
    fn grids_rqrr_misreads_are_read_again_from_the_grey_pixels() {
        // 10 px modules with a 2x2 px speck of the other colour at the
        // centre of every data module (not in the finder marks nor the
        // timing lines, which rqrr needs to find the grid): rqrr reads the
        // centre pixel of each module and gets them all wrong; the mean of
        // five samples around the centre is right.
        let module = 10;
        let (pad, quiet) = (20, 4 * module);
        let mut g = rendered_qr(PAYLOAD, module, pad);
        let n = (g.width() - 2 * pad - 2 * quiet) / module;
        for my in 0..n {
            for mx in 0..n {
                let in_mark = (mx < 8 || mx >= n - 8) && my < 8 || mx < 8 && my >= n - 8;
                if in_mark || mx == 6 || my == 6 {
                    continue;
                }
                let (x0, y0) = (pad + quiet + mx * module, pad + quiet + my * module);
                let v = 255 - g.get_pixel(x0, y0)[0];
                for (dx, dy) in [(4, 4), (5, 4), (4, 5), (5, 5)] {
                    g.put_pixel(x0 + dx, y0 + dy, image::Luma([v]));
                }
            }
        }
        assert!(rqrr_alone(&g).is_empty());
        assert_eq!(decode_gray(&g), vec![PAYLOAD.to_string()]);
    }

    #[test]
    fn a_code_half_in_shadow_decodes_through_the_local_threshold() {
        // 6 px modules on a dark background, the right half of the picture
        // at 35% of the light: rqrr's threshold (a running mean along each
        // row) and the global ones lose the modules at the shadow's edge;
        // the mean of a box around each pixel keeps them.
        let code = rendered_qr(PAYLOAD, 6, 0);
        let side = code.width() + 120;
        let mut g = GrayImage::from_pixel(side, side, image::Luma([25]));
        imageops::overlay(&mut g, &code, 60, 60);
        for (x, _, p) in g.enumerate_pixels_mut() {
            if x > side / 2 {
                p[0] = (f32::from(p[0]) * 0.35) as u8;
            }
        }
        let mean = mean_luma(&g);
        assert!(decode_gray(&g).is_empty());
        for attempt in FALLBACKS {
            assert!(attempt.decode(&g, mean).is_empty(), "{attempt:?}");
        }
        let enlarged = Fallback::Scale(2.0, FilterType::Triangle);
        assert!(enlarged.decode(&g, mean).is_empty());
        let local = Fallback::Local(2.0, 4);
        assert_eq!(local.decode(&g, mean), vec![PAYLOAD.to_string()]);
        assert_eq!(decode_qr(&rgb(&g)), vec![PAYLOAD.to_string()]);
    }

    #[test]
    fn module_means_and_otsu_split_dark_from_light() {
        let values = [10.0, 12.0, 11.0, 200.0, 210.0, 190.0, 205.0];
        let cut = otsu(&values);
        assert!(cut > 12.0 && cut < 190.0, "{cut}");
        // A 3x3 grid: the mean of each cell's neighbours within 1.
        let grid = [0.0, 0.0, 0.0, 0.0, 90.0, 0.0, 0.0, 0.0, 0.0];
        let means = module_local_means(&grid, 3, 1);
        assert_eq!(means[4], 10.0);
        assert_eq!(means[0], 22.5);
    }

    #[test]
    fn light_on_dark_codes_decode_through_the_inverted_retry() {
        let mut g = rendered_qr(PAYLOAD, 4, 20);
        imageops::invert(&mut g);
        assert!(decode_gray(&g).is_empty());
        assert_eq!(decode_qr(&rgb(&g)), vec![PAYLOAD.to_string()]);
    }

    #[test]
    fn payload_bytes_become_text_by_the_first_encoding_that_fits() {
        assert_eq!(payload_text(PAYLOAD.as_bytes()), PAYLOAD);
        let (sjis, _, unmappable) = encoding_rs::SHIFT_JIS.encode("ﾃﾞｻﾞｲﾝQR [内側QRコード]");
        assert!(!unmappable);
        assert!(std::str::from_utf8(&sjis).is_err());
        assert_eq!(payload_text(&sjis), "ﾃﾞｻﾞｲﾝQR [内側QRコード]");
        // ISO 8859-1: 0xE9 is a Shift JIS lead byte; the last one has no
        // trail byte, so Shift JIS fails on it (the first pairs with "t").
        assert_eq!(payload_text(b"\xe9t\xe9"), "été");
        assert_eq!(payload_text(b"Caf\xe9"), "Café");
        assert_eq!(payload_text(b""), "");
    }

    /// A version-3 code of the given segments: (Kanji mode?, bytes).
    fn segmented_code(segments: &[(bool, &[u8])]) -> qrcode::QrCode {
        use qrcode::{EcLevel, Version, bits::Bits};
        let mut bits = Bits::new(Version::Normal(3));
        for &(kanji, data) in segments {
            let pushed = if kanji {
                bits.push_kanji_data(data)
            } else {
                bits.push_byte_data(data)
            };
            pushed.expect("fits version 3");
        }
        bits.push_terminator(EcLevel::M).expect("fits version 3");
        qrcode::QrCode::with_bits(bits, EcLevel::M).expect("encodable")
    }

    #[test]
    fn shift_jis_payloads_decode_in_byte_and_kanji_mode() {
        let sjis = |s: &str| encoding_rs::SHIFT_JIS.encode(s).0.into_owned();
        let byte_mode = segmented_code(&[(false, &sjis("ﾃﾞｻﾞｲﾝQR\nhttp://d-qr.example/"))]);
        assert_eq!(
            decode_qr(&rgb(&rendered(&byte_mode, 4, 20))),
            vec!["ﾃﾞｻﾞｲﾝQR\nhttp://d-qr.example/".to_string()]
        );
        let mixed = segmented_code(&[(true, &sjis("内側")), (false, b" QR")]);
        assert_eq!(
            decode_qr(&rgb(&rendered(&mixed, 4, 20))),
            vec!["内側 QR".to_string()]
        );
    }

    #[test]
    fn rendered_code_decodes_with_its_exact_payload() {
        let found = decode_qr(&rgb(&rendered_qr(PAYLOAD, 4, 20)));
        assert_eq!(found, vec![PAYLOAD.to_string()]);
        let parsed = parse_cccd_qr(&found[0]).expect("a CCCD payload");
        assert_eq!(parsed.id_number, "001098012345");
    }
}
