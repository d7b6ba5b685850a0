//! Text detection: detector input preparation, DB post-processing
//! (binarize, dilate, contours, minimum-area rectangles, box score, unclip),
//! and page normalization (quarter-turn orientation, 180° check, deskew).

use image::imageops::{self, FilterType};
use image::{GrayImage, Luma, Rgb, RgbImage};
use imageproc::contours::{BorderType, find_contours};
use imageproc::geometric_transformations::{Border, Interpolation, Projection, warp_into};
use imageproc::geometry::min_area_rect;
use imageproc::point::Point;

use crate::error::OcrError;
use crate::geometry::{Affine, Quad, crop_quad};
use crate::model::{OrientationClassifier, TensorF32, TextDetector, TextRecognizer};
use crate::pipeline::OcrConfig;
use crate::recognize::recognize_lines;

/// Detection settings (defaults reproduce the measured reference, FACTS §2).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct DetConfig {
    /// Scale the image up so its short side is at least this (736).
    pub min_short_side: u32,
    /// Scale the image down so its long side is at most this (1280). Bounds
    /// the detector's time and memory on large scans: an A4 page at 200 dpi
    /// runs at 896x1280 (the detector's peak working memory was ~380 MB at
    /// 1120x1600, ~240 MB at 896x1280), where 11 pt text is still ~17 px
    /// high. Measured on shared/data/vi-text: full-pipeline CER 0.60% at
    /// 1280 vs 1.29% at 1600.
    pub max_long_side: u32,
    /// Pixels with text probability above this are text (0.3).
    pub bin_threshold: f32,
    /// Boxes whose mean probability is below this are dropped (0.5).
    pub box_threshold: f32,
    /// Polygon offset distance = area × ratio / perimeter (1.6).
    pub unclip_ratio: f32,
    /// Most candidate regions examined.
    pub max_candidates: usize,
}

impl Default for DetConfig {
    fn default() -> Self {
        DetConfig {
            min_short_side: 736,
            max_long_side: 1280,
            bin_threshold: 0.3,
            box_threshold: 0.5,
            unclip_ratio: 1.6,
            max_candidates: 1000,
        }
    }
}

/// A detected text box.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct DetectedBox {
    /// The quadrilateral in the page's pixel coordinates.
    pub quad: Quad,
    /// Mean text probability inside the (unexpanded) box.
    pub score: f32,
}

/// A page after normalization, ready for detection.
#[derive(Debug, Clone)]
pub struct PreparedPage {
    /// The normalized page image.
    pub image: RgbImage,
    /// Clockwise quarter-turn rotation applied (0, 90, 180, 270).
    pub rotation: u16,
    /// Skew measured on the page (degrees, positive = rising to the right);
    /// corrected when above the configured threshold.
    pub skew_degrees: f32,
    /// Maps prepared-page coordinates back to the original image.
    pub to_original_map: Affine,
    /// Boxes already found while normalizing, reused by detection.
    pub(crate) boxes: Option<Vec<DetectedBox>>,
}

impl PreparedPage {
    /// A quadrilateral of the prepared page in the original image's coordinates.
    pub fn to_original(&self, q: &Quad) -> Quad {
        q.map(&self.to_original_map)
    }
}

/// Size of the detector input for a `w`x`h` image: short side at least
/// `min_short_side`, long side at most `max_long_side`, both multiples of 32.
pub fn det_input_size(w: u32, h: u32, cfg: &DetConfig) -> (u32, u32) {
    let (w, h) = (w.max(1) as f64, h.max(1) as f64);
    let mut s = 1.0f64;
    let short = w.min(h);
    if short < cfg.min_short_side as f64 {
        s = cfg.min_short_side as f64 / short;
    }
    let long = w.max(h) * s;
    if long > cfg.max_long_side as f64 {
        s *= cfg.max_long_side as f64 / long;
    }
    let r = |v: f64| (((v * s) / 32.0).round().max(1.0) as u32) * 32;
    (r(w), r(h))
}

/// Build the detector input: BGR, `(x/255 - 0.5)/0.5`, NCHW.
pub fn det_input(image: &RgbImage, cfg: &DetConfig) -> TensorF32 {
    let (dw, dh) = det_input_size(image.width(), image.height(), cfg);
    let resized = imageops::resize(image, dw, dh, FilterType::Triangle);
    let plane = (dw * dh) as usize;
    let mut data = vec![0f32; 3 * plane];
    for (i, p) in resized.pixels().enumerate() {
        for (c, &v) in [p[2], p[1], p[0]].iter().enumerate() {
            data[c * plane + i] = f32::from(v) / 127.5 - 1.0;
        }
    }
    TensorF32 {
        shape: vec![1, 3, dh as usize, dw as usize],
        data,
    }
}

/// DB post-processing of a probability map (`w`x`h`, row-major) into boxes in
/// the map's own coordinates.
pub fn db_postprocess(prob: &[f32], w: u32, h: u32, cfg: &DetConfig) -> Vec<DetectedBox> {
    let (wu, hu) = (w as usize, h as usize);
    if prob.len() != wu * hu || wu == 0 || hu == 0 {
        return Vec::new();
    }
    // Binarize, then dilate with a 2x2 kernel.
    let mut mask = GrayImage::new(w, h);
    for y in 0..hu {
        for x in 0..wu {
            let on = |xx: usize, yy: usize| prob[yy * wu + xx] > cfg.bin_threshold;
            let v = on(x, y)
                || (x > 0 && on(x - 1, y))
                || (y > 0 && on(x, y - 1))
                || (x > 0 && y > 0 && on(x - 1, y - 1));
            if v {
                mask.put_pixel(x as u32, y as u32, Luma([255]));
            }
        }
    }
    let mut out = Vec::new();
    let contours = find_contours::<i32>(&mask);
    for c in contours
        .iter()
        .filter(|c| c.border_type == BorderType::Outer && !c.points.is_empty())
        .take(cfg.max_candidates)
    {
        let pts: Vec<Point<f64>> = c
            .points
            .iter()
            .map(|p| Point::new(f64::from(p.x), f64::from(p.y)))
            .collect();
        let rect = min_area_rect(&pts);
        let quad = Quad::from_corners(rect.map(|p| [p.x as f32, p.y as f32]));
        let (rw, rh) = rect_sides(&quad);
        if rw.min(rh) < 3.0 {
            continue;
        }
        let score = mean_inside(prob, wu, hu, &quad);
        if score < cfg.box_threshold {
            continue;
        }
        let grown = unclip_rect(&quad, cfg.unclip_ratio);
        let (gw, gh) = rect_sides(&grown);
        if gw.min(gh) < 5.0 {
            continue;
        }
        let clamp = |p: [f32; 2]| [p[0].clamp(0.0, w as f32), p[1].clamp(0.0, h as f32)];
        out.push(DetectedBox {
            quad: Quad {
                points: grown.points.map(clamp),
            },
            score,
        });
    }
    out
}

/// Side lengths of a rectangle quad (top edge, left edge).
fn rect_sides(q: &Quad) -> (f32, f32) {
    let p = &q.points;
    let d = |a: [f32; 2], b: [f32; 2]| ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt();
    (d(p[0], p[1]), d(p[0], p[3]))
}

/// Expand a rectangle by the DB "unclip" offset `d = area × ratio / perimeter`.
///
/// The reference offsets the polygon with round joins and takes the
/// minimum-area rectangle of the result; for a rectangle that is exactly the
/// rectangle grown by `d` on every side (the rounded corners stay inside it),
/// so the offset is computed directly rather than through a clipping library.
pub fn unclip_rect(q: &Quad, ratio: f32) -> Quad {
    let (w, h) = rect_sides(q);
    if w <= 0.0 || h <= 0.0 {
        return *q;
    }
    let d = w * h * ratio / (2.0 * (w + h));
    let p = &q.points;
    let ux = [(p[1][0] - p[0][0]) / w, (p[1][1] - p[0][1]) / w];
    let uy = [(p[3][0] - p[0][0]) / h, (p[3][1] - p[0][1]) / h];
    let shift = |pt: [f32; 2], sx: f32, sy: f32| {
        [
            pt[0] + d * (sx * ux[0] + sy * uy[0]),
            pt[1] + d * (sx * ux[1] + sy * uy[1]),
        ]
    };
    Quad {
        points: [
            shift(p[0], -1.0, -1.0),
            shift(p[1], 1.0, -1.0),
            shift(p[2], 1.0, 1.0),
            shift(p[3], -1.0, 1.0),
        ],
    }
}

/// Mean of `prob` over the pixels inside a convex quad.
fn mean_inside(prob: &[f32], w: usize, h: usize, q: &Quad) -> f32 {
    let (x0, y0, x1, y1) = q.bounds();
    let xs = (x0.floor().max(0.0) as usize).min(w - 1);
    let xe = (x1.ceil().max(0.0) as usize).min(w - 1);
    let ys = (y0.floor().max(0.0) as usize).min(h - 1);
    let ye = (y1.ceil().max(0.0) as usize).min(h - 1);
    let p = &q.points;
    let inside = |x: f32, y: f32| {
        let mut sign = 0i8;
        for i in 0..4 {
            let a = p[i];
            let b = p[(i + 1) % 4];
            let cross = (b[0] - a[0]) * (y - a[1]) - (b[1] - a[1]) * (x - a[0]);
            let s = if cross > 1e-3 {
                1
            } else if cross < -1e-3 {
                -1
            } else {
                0
            };
            if s != 0 {
                if sign == 0 {
                    sign = s;
                } else if s != sign {
                    return false;
                }
            }
        }
        true
    };
    let (mut sum, mut n) = (0f64, 0usize);
    for y in ys..=ye {
        for x in xs..=xe {
            if inside(x as f32, y as f32) {
                sum += f64::from(prob[y * w + x]);
                n += 1;
            }
        }
    }
    if n == 0 { 0.0 } else { (sum / n as f64) as f32 }
}

/// Run the detector on `image` and return boxes in `image`'s coordinates.
pub fn detect_boxes(
    detector: &dyn TextDetector,
    image: &RgbImage,
    cfg: &DetConfig,
) -> Result<Vec<DetectedBox>, OcrError> {
    let input = det_input(image, cfg);
    let (ih, iw) = (input.shape[2], input.shape[3]);
    let out = detector.probability_map(&input)?;
    let (oh, ow) = match out.shape[..] {
        [1, 1, oh, ow] | [1, oh, ow] => (oh, ow),
        _ => {
            return Err(OcrError::BadOutput {
                model: "text_det",
                got: out.shape.iter().map(|&d| d as i64).collect(),
                expected: "[1, 1, H, W]",
            });
        }
    };
    if oh != ih || ow != iw {
        return Err(OcrError::BadOutput {
            model: "text_det",
            got: out.shape.iter().map(|&d| d as i64).collect(),
            expected: "a map the size of the input",
        });
    }
    let sx = image.width() as f32 / ow as f32;
    let sy = image.height() as f32 / oh as f32;
    let scale = Affine([sx, 0.0, 0.0, 0.0, sy, 0.0]);
    Ok(db_postprocess(&out.data, ow as u32, oh as u32, cfg)
        .into_iter()
        .map(|b| DetectedBox {
            quad: b.quad.map(&scale),
            score: b.score,
        })
        .collect())
}

/// Rotate clockwise by `quarter` quarter turns; return the image and the
/// map from original to rotated coordinates.
fn rotate_quarters(img: &RgbImage, quarter: u16) -> (RgbImage, Affine) {
    let (w, h) = (img.width() as f32, img.height() as f32);
    match quarter % 4 {
        1 => (
            imageops::rotate90(img),
            Affine([0.0, -1.0, h, 1.0, 0.0, 0.0]),
        ),
        2 => (
            imageops::rotate180(img),
            Affine([-1.0, 0.0, w, 0.0, -1.0, h]),
        ),
        3 => (
            imageops::rotate270(img),
            Affine([0.0, 1.0, 0.0, -1.0, 0.0, w]),
        ),
        _ => (img.clone(), Affine::IDENTITY),
    }
}

/// Rotate so that text leaning by `degrees` becomes horizontal; the canvas
/// grows to hold the whole page (white fill). Returns the map original → new.
fn deskew(img: &RgbImage, degrees: f32) -> (RgbImage, Affine) {
    let a = degrees.to_radians();
    let (c, s) = (a.cos(), a.sin());
    let (w, h) = (img.width() as f32, img.height() as f32);
    let nw = (w * c.abs() + h * s.abs()).ceil();
    let nh = (w * s.abs() + h * c.abs()).ceil();
    // x' = R (x - centre) + new centre, with R = [[c, -s], [s, c]] (y down).
    let (cx, cy, ncx, ncy) = (w / 2.0, h / 2.0, nw / 2.0, nh / 2.0);
    let m = Affine([c, -s, ncx - c * cx + s * cy, s, c, ncy - s * cx - c * cy]);
    let mut out = RgbImage::from_pixel(nw as u32, nh as u32, Rgb([255, 255, 255]));
    let mm = &m.0;
    if let Some(p) =
        Projection::from_matrix([mm[0], mm[1], mm[2], mm[3], mm[4], mm[5], 0.0, 0.0, 1.0])
    {
        warp_into(
            img,
            p,
            Interpolation::Bilinear,
            Border::Constant(Rgb([255, 255, 255])),
            &mut out,
        );
        (out, m)
    } else {
        (img.clone(), Affine::IDENTITY)
    }
}

/// Median of a list (None when empty).
fn median(mut v: Vec<f32>) -> Option<f32> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f32::total_cmp);
    Some(v[v.len() / 2])
}

/// Whether the boxes say the text runs vertically (page turned by a quarter).
pub fn looks_turned(boxes: &[DetectedBox]) -> bool {
    let (mut tall, mut wide) = (0f32, 0f32);
    let (mut n_tall, mut n_wide) = (0usize, 0usize);
    for b in boxes {
        let (w, h) = (b.quad.width(), b.quad.height());
        if h >= 2.0 * w {
            tall += w * h;
            n_tall += 1;
        } else if w >= 2.0 * h {
            wide += w * h;
            n_wide += 1;
        }
    }
    n_tall >= 2 && tall > 2.0 * wide && n_tall > n_wide
}

/// Skew of the page from its long lines (median top-edge angle).
pub fn measure_skew(boxes: &[DetectedBox]) -> Option<f32> {
    median(
        boxes
            .iter()
            .filter(|b| b.quad.width() >= 4.0 * b.quad.height())
            .map(|b| b.quad.angle_degrees())
            .filter(|a| a.abs() <= 30.0)
            .collect(),
    )
}

/// The widest boxes, at most `n`, as upright crops.
fn sample_crops(img: &RgbImage, boxes: &[DetectedBox], n: usize) -> Vec<RgbImage> {
    let mut wide: Vec<&DetectedBox> = boxes
        .iter()
        .filter(|b| b.quad.width() >= 2.0 * b.quad.height())
        .collect();
    wide.sort_by(|a, b| {
        (b.quad.width() * b.quad.height()).total_cmp(&(a.quad.width() * a.quad.height()))
    });
    wide.iter()
        .take(n)
        .map(|b| crop_quad(img, &b.quad))
        .collect()
}

/// Classifier input for line crops: height 48, width ≤ 192, BGR, normalized,
/// zero padding on the right.
fn cls_input(crops: &[RgbImage]) -> TensorF32 {
    let (h, w) = (48usize, 192usize);
    let plane = h * w;
    let mut data = vec![0f32; crops.len() * 3 * plane];
    for (i, c) in crops.iter().enumerate() {
        let rw = ((48.0 * c.width() as f32 / c.height().max(1) as f32).ceil() as u32).clamp(1, 192);
        let r = imageops::resize(c, rw, 48, FilterType::Triangle);
        for (x, y, p) in r.enumerate_pixels() {
            for (ch, &v) in [p[2], p[1], p[0]].iter().enumerate() {
                data[(i * 3 + ch) * plane + y as usize * w + x as usize] =
                    f32::from(v) / 127.5 - 1.0;
            }
        }
    }
    TensorF32 {
        shape: vec![crops.len(), 3, h, w],
        data,
    }
}

/// The middle part of a line crop, about four times as wide as high (the
/// classifier's input shape), so long lines are not squeezed.
fn middle_chunk(c: &RgbImage) -> RgbImage {
    let want = (4 * c.height()).max(1);
    if c.width() <= want {
        return c.clone();
    }
    let x = (c.width() - want) / 2;
    imageops::crop_imm(c, x, 0, want, c.height()).to_image()
}

/// Whether the text in `crops` is upside down. The orientation classifier
/// (when loaded) screens; a flip is only accepted when recognition is also
/// more confident on the turned crops (the classifier alone misreads
/// Vietnamese tone marks as upside-down text). Without a classifier the
/// recognizer decides alone.
pub fn upside_down(
    crops: &[RgbImage],
    cls: Option<&dyn OrientationClassifier>,
    rec: &dyn TextRecognizer,
) -> Result<bool, OcrError> {
    if crops.is_empty() {
        return Ok(false);
    }
    if let Some(cls) = cls {
        let chunks: Vec<RgbImage> = crops.iter().map(middle_chunk).collect();
        let out = cls.classify(&cls_input(&chunks))?;
        if out.shape.len() != 2 || out.shape[0] != crops.len() || out.shape[1] != 2 {
            return Err(OcrError::BadOutput {
                model: "text_cls",
                got: out.shape.iter().map(|&d| d as i64).collect(),
                expected: "[B, 2]",
            });
        }
        let flipped: f32 = (0..crops.len()).map(|i| out.data[i * 2 + 1]).sum();
        if flipped / (crops.len() as f32) < 0.5 {
            return Ok(false);
        }
    }
    let sample: Vec<RgbImage> = crops.iter().take(4).cloned().collect();
    let turned: Vec<RgbImage> = sample.iter().map(imageops::rotate180).collect();
    let a = recognize_lines(rec, &sample)?;
    let b = recognize_lines(rec, &turned)?;
    let mean = |v: &[crate::recognize::LineText]| {
        v.iter().map(|l| l.confidence).sum::<f32>() / v.len().max(1) as f32
    };
    Ok(mean(&b) > mean(&a) + 0.05)
}

/// Normalize the page: detect once, turn a sideways page by a quarter, flip
/// an upside-down page, straighten a skewed page (re-detecting only when the
/// page was changed).
pub fn prepare_page(
    image: &RgbImage,
    det: &dyn TextDetector,
    cls: Option<&dyn OrientationClassifier>,
    rec: &dyn TextRecognizer,
    cfg: &OcrConfig,
) -> Result<PreparedPage, OcrError> {
    let boxes = detect_boxes(det, image, &cfg.det)?;
    let mut quarter = 0u16;
    let mut img = image.clone();
    let mut to_page = Affine::IDENTITY;
    let mut boxes = Some(boxes);
    if boxes.as_deref().is_some_and(looks_turned) {
        let (r, m) = rotate_quarters(image, 1);
        img = r;
        to_page = m;
        quarter = 1;
        boxes = Some(detect_boxes(det, &img, &cfg.det)?);
    }
    let found = boxes.clone().unwrap_or_default();
    let skew = measure_skew(&found).unwrap_or(0.0);
    let sample = sample_crops(&img, &found, 8);
    if upside_down(&sample, cls, rec)? {
        let (r, m) = rotate_quarters(&img, 2);
        img = r;
        to_page = m.after(&to_page);
        quarter = (quarter + 2) % 4;
        boxes = Some(
            found
                .iter()
                .map(|b| DetectedBox {
                    quad: Quad::from_corners(b.quad.map(&m).points),
                    score: b.score,
                })
                .collect(),
        );
    }
    let skew = if quarter >= 2 { -skew } else { skew };
    if skew.abs() >= cfg.deskew_min_degrees {
        let (r, m) = deskew(&img, skew);
        img = r;
        to_page = m.after(&to_page);
        // The boxes found on the leaning page are carried over by the same
        // rotation rather than detected again: the detector is the costliest
        // stage after recognition, and the minimum-area rectangles already
        // follow the lines' angle (the crops are perspective warps).
        boxes = boxes.map(|bs| {
            bs.iter()
                .map(|b| DetectedBox {
                    quad: Quad::from_corners(b.quad.map(&m).points),
                    score: b.score,
                })
                .collect()
        });
    }
    Ok(PreparedPage {
        image: img,
        rotation: quarter * 90,
        skew_degrees: skew,
        to_original_map: to_page.inverse(),
        boxes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn det_input_size_follows_the_reference_rules() {
        let cfg = DetConfig::default();
        // Small image: short side scaled up to 736, then multiples of 32.
        assert_eq!(det_input_size(400, 300, &cfg), (992, 736));
        // A4 at 200 dpi: never scaled up, long side capped at 1280.
        let (w, h) = det_input_size(1654, 2339, &cfg);
        assert_eq!((w % 32, h % 32), (0, 0));
        assert_eq!(h, 1280);
        assert_eq!(w, 896);
        // A wide line crop: the short-side rule would make it 736 x 15000;
        // the cap keeps the long side at 1280.
        assert_eq!(det_input_size(600, 46, &cfg), (1280, 96));
    }

    #[test]
    fn det_input_is_bgr_normalized_to_minus_one_one() {
        let cfg = DetConfig {
            min_short_side: 32,
            max_long_side: 32,
            ..DetConfig::default()
        };
        let img = RgbImage::from_pixel(32, 32, Rgb([255, 0, 51]));
        let t = det_input(&img, &cfg);
        assert_eq!(t.shape, vec![1, 3, 32, 32]);
        let plane = 32 * 32;
        assert!((t.data[0] - (51.0 / 127.5 - 1.0)).abs() < 1e-6); // B
        assert!((t.data[plane] + 1.0).abs() < 1e-6); // G
        assert!((t.data[2 * plane] - 1.0).abs() < 1e-6); // R
    }

    /// A probability map with one axis-aligned block of text.
    fn block_map(
        w: usize,
        h: usize,
        x0: usize,
        y0: usize,
        bw: usize,
        bh: usize,
        p: f32,
    ) -> Vec<f32> {
        let mut m = vec![0.0f32; w * h];
        for y in y0..y0 + bh {
            for x in x0..x0 + bw {
                m[y * w + x] = p;
            }
        }
        m
    }

    #[test]
    fn db_finds_a_block_and_unclips_it() {
        let cfg = DetConfig::default();
        // 60x10 block of p=0.9 at (20,30).
        let m = block_map(128, 96, 20, 30, 60, 10, 0.9);
        let boxes = db_postprocess(&m, 128, 96, &cfg);
        assert_eq!(boxes.len(), 1);
        let b = boxes[0];
        // The dilated ring (prob 0) is inside the rectangle: 0.9 * 600 / 671.
        assert!((b.score - 0.805).abs() < 0.01, "{}", b.score);
        // The contour rectangle spans pixel centres 20..80 x 30..40 (dilation adds one
        // pixel right and down): 60 x 10. d = 60*10*1.6/(2*70) = 6.857.
        let (x0, y0, x1, y1) = b.quad.bounds();
        let d = 60.0 * 10.0 * 1.6 / 140.0;
        assert!((x0 - (20.0 - d)).abs() < 1.01, "{x0}");
        assert!((x1 - (80.0 + d)).abs() < 1.01, "{x1}");
        assert!((y0 - (30.0 - d)).abs() < 1.01, "{y0}");
        assert!((y1 - (40.0 + d)).abs() < 1.01, "{y1}");
    }

    #[test]
    fn db_drops_weak_and_tiny_regions() {
        let cfg = DetConfig::default();
        // Above the binarization threshold but below the box threshold.
        let weak = block_map(64, 64, 10, 10, 30, 10, 0.4);
        assert!(db_postprocess(&weak, 64, 64, &cfg).is_empty());
        // A 1-pixel-high sliver: short side < 3 after dilation.
        let tiny = block_map(64, 64, 10, 10, 30, 1, 0.9);
        assert!(db_postprocess(&tiny, 64, 64, &cfg).is_empty());
        // Wrong length: no boxes, no panic.
        assert!(db_postprocess(&[0.5; 10], 64, 64, &cfg).is_empty());
    }

    #[test]
    fn db_handles_a_rotated_region() {
        let cfg = DetConfig::default();
        let (w, h) = (200usize, 200usize);
        let mut m = vec![0f32; w * h];
        // A band 8 px thick along a 20° line.
        let a = 20f32.to_radians();
        for t in 0..120 {
            for s in 0..8 {
                let x = 40.0 + t as f32 * a.cos() + s as f32 * a.sin();
                let y = 140.0 - t as f32 * a.sin() + s as f32 * a.cos();
                m[y as usize * w + x as usize] = 0.95;
            }
        }
        let boxes = db_postprocess(&m, w as u32, h as u32, &cfg);
        assert_eq!(boxes.len(), 1);
        let ang = boxes[0].quad.angle_degrees();
        assert!((ang - 20.0).abs() < 3.0, "{ang}");
        assert!(boxes[0].quad.width() > 120.0);
    }

    #[test]
    fn unclip_grows_every_side_by_the_offset() {
        let q = Quad::rect(10.0, 10.0, 100.0, 20.0);
        let g = unclip_rect(&q, 1.6);
        let d = 100.0 * 20.0 * 1.6 / 240.0;
        assert!((g.width() - (100.0 + 2.0 * d)).abs() < 1e-3);
        assert!((g.height() - (20.0 + 2.0 * d)).abs() < 1e-3);
        let (c, d0) = (g.center(), q.center());
        assert!((c[0] - d0[0]).abs() < 1e-3 && (c[1] - d0[1]).abs() < 1e-3);
    }

    fn boxed(w: f32, h: f32) -> DetectedBox {
        DetectedBox {
            quad: Quad::rect(0.0, 0.0, w, h),
            score: 0.9,
        }
    }

    #[test]
    fn turned_pages_are_recognized_from_box_shapes() {
        assert!(looks_turned(&[
            boxed(20.0, 200.0),
            boxed(20.0, 300.0),
            boxed(20.0, 150.0)
        ]));
        assert!(!looks_turned(&[
            boxed(200.0, 20.0),
            boxed(300.0, 20.0),
            boxed(20.0, 25.0)
        ]));
        assert!(!looks_turned(&[]));
    }

    #[test]
    fn skew_is_the_median_angle_of_long_lines() {
        let rot = |deg: f32| {
            let a = deg.to_radians();
            let (c, s) = (a.cos(), a.sin());
            let pts = [[0.0f32, 0.0], [200.0, 0.0], [200.0, 20.0], [0.0, 20.0]]
                .map(|p| [c * p[0] + s * p[1], -s * p[0] + c * p[1]]);
            DetectedBox {
                quad: Quad { points: pts },
                score: 0.9,
            }
        };
        let s = measure_skew(&[rot(2.0), rot(3.0), rot(2.5), boxed(10.0, 10.0)]).unwrap();
        assert!((s - 2.5).abs() < 0.01, "{s}");
        assert_eq!(measure_skew(&[boxed(10.0, 10.0)]), None);
    }

    #[test]
    fn quarter_turn_maps_invert_back() {
        let img = RgbImage::new(40, 30);
        for q in 0..4 {
            let (r, m) = rotate_quarters(&img, q);
            let p = m.apply([5.0, 7.0]);
            assert!(
                p[0] >= 0.0 && p[0] <= r.width() as f32 && p[1] >= 0.0 && p[1] <= r.height() as f32
            );
            let back = m.inverse().apply(p);
            assert!((back[0] - 5.0).abs() < 1e-4 && (back[1] - 7.0).abs() < 1e-4);
        }
    }

    /// Detector fake: counts calls; draws one band rising at 3° across the map.
    struct LeaningBand(std::sync::atomic::AtomicUsize);

    impl TextDetector for LeaningBand {
        fn probability_map(&self, input: &TensorF32) -> Result<TensorF32, OcrError> {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let (h, w) = (input.shape[2], input.shape[3]);
            let mut data = vec![0f32; h * w];
            let a = 3f32.to_radians();
            for t in 0..(w * 3 / 4) {
                for s in 0..14 {
                    let x = 40.0 + t as f32 * a.cos() + s as f32 * a.sin();
                    let y = (h / 2) as f32 - t as f32 * a.sin() + s as f32 * a.cos();
                    if (x as usize) < w && (y as usize) < h {
                        data[y as usize * w + x as usize] = 0.95;
                    }
                }
            }
            Ok(TensorF32 {
                shape: vec![1, 1, h, w],
                data,
            })
        }
    }

    /// Recognizer fake: blank everywhere.
    struct Blank(Vec<String>);

    impl TextRecognizer for Blank {
        fn log_probs(&self, input: &TensorF32) -> Result<TensorF32, OcrError> {
            let (b, t) = (input.shape[0], input.shape[3] / 4);
            let mut data = vec![-9f32; t * b * 2];
            for i in 0..t * b {
                data[i * 2] = 0.0;
            }
            Ok(TensorF32 {
                shape: vec![t, b, 2],
                data,
            })
        }
        fn alphabet(&self) -> &[String] {
            &self.0
        }
    }

    #[test]
    fn a_skewed_page_is_straightened_without_a_second_detection() {
        let det = LeaningBand(std::sync::atomic::AtomicUsize::new(0));
        let rec = Blank(vec!["x".into()]);
        let img = RgbImage::from_pixel(1000, 700, Rgb([255, 255, 255]));
        let page = prepare_page(&img, &det, None, &rec, &OcrConfig::default()).unwrap();
        assert!(
            (page.skew_degrees - 3.0).abs() < 0.7,
            "{}",
            page.skew_degrees
        );
        assert_eq!(det.0.load(std::sync::atomic::Ordering::SeqCst), 1);
        let boxes = page.boxes.as_ref().unwrap();
        assert_eq!(boxes.len(), 1);
        // The carried box is level on the straightened page and maps back
        // onto the leaning band in the original image.
        assert!(
            boxes[0].quad.angle_degrees().abs() < 0.7,
            "{:?}",
            boxes[0].quad
        );
        let back = page.to_original(&boxes[0].quad);
        assert!((back.angle_degrees() - 3.0).abs() < 0.7, "{back:?}");
    }

    #[test]
    fn deskew_levels_a_leaning_segment() {
        let img = RgbImage::new(100, 60);
        let (_, m) = deskew(&img, 10.0);
        // Direction of a line rising at 10° becomes horizontal.
        let a = 10f32.to_radians();
        let p0 = m.apply([10.0, 50.0]);
        let p1 = m.apply([10.0 + 50.0 * a.cos(), 50.0 - 50.0 * a.sin()]);
        assert!((p1[1] - p0[1]).abs() < 1e-3, "{p0:?} {p1:?}");
    }
}
