//! YuNet pre- and post-processing: letterbox, head decoding, NMS.

use crate::error::FaceError;
use crate::geometry::{BBox, Face, Landmarks, Point};
use crate::image_ops::{Rgb8View, resize_rgb_row_range};

/// Largest detector input side: images are scaled so that they fit a
/// 640x640 square (YuNet's native input, OpenCV Zoo's default).
pub const DETECT_SIDE: usize = 640;
/// The detector input's width and height are multiples of this (the coarsest
/// stride), so every output grid is whole.
pub const CANVAS_MULTIPLE: usize = 32;
/// The three YuNet output strides.
pub const STRIDES: [usize; 3] = [8, 16, 32];
/// Minimum detection score kept (OpenCV Zoo's default for YuNet).
pub const SCORE_THRESHOLD: f32 = 0.6;
/// Non-maximum suppression IoU: a box overlapping a better one by more is dropped.
pub const NMS_IOU: f32 = 0.3;
/// Landmark voting IoU: the kept face's landmarks are the score-weighted mean
/// of every candidate overlapping it at least this much.
///
/// A deliberate addition to the plain YuNet post-processing: neighbouring
/// anchors often tie within 0.001 in score while their landmarks differ by
/// ~10 px, so ±1 grey level of JPEG decoder difference flipped the winner and
/// moved SFace scores by up to 0.05. Voting makes landmarks a continuous
/// function of the input and, on the development pairs, widened the gap between
/// the lowest genuine and highest impostor score from 0.096 to 0.136.
pub const VOTE_IOU: f32 = 0.5;

/// The detector input: the image scaled to fit 640x640 (aspect kept), placed
/// in the top-left corner of a black canvas whose sides are the scaled sides
/// rounded up to multiples of 32, as planar BGR floats in 0..255 (NCHW,
/// batch 1).
///
/// The scale is the one of the classic 640x640 letterbox; only the canvas is
/// smaller (e.g. 640x448 for a 3:2 photo instead of 640x640), so the detector
/// sees the same pixels at the same grid positions and does up to half the
/// work. The converted YuNet has symbolic input height and width.
#[derive(Debug, Clone, Default)]
pub struct Letterbox {
    /// `[1, 3, height, width]` BGR values.
    pub tensor: Vec<f32>,
    /// Canvas width (a multiple of 32, at most 640).
    pub width: usize,
    /// Canvas height (a multiple of 32, at most 640).
    pub height: usize,
    /// Resized width / original width.
    pub scale_x: f32,
    /// Resized height / original height.
    pub scale_y: f32,
}

/// Letterbox an RGB raster for YuNet (shrinking with area averaging,
/// enlarging with bilinear interpolation, so that very large photos are
/// downscaled in one anti-aliased step).
pub fn letterbox(img: &Rgb8View<'_>) -> Letterbox {
    let mut lb = Letterbox::default();
    letterbox_into(img, &mut lb);
    lb
}

/// [`letterbox`] into an existing buffer (its allocation is reused).
pub fn letterbox_into(img: &Rgb8View<'_>, lb: &mut Letterbox) {
    letterbox_into_threads(img, lb, 1);
}

/// [`letterbox_into`] with the resize split into `threads` horizontal bands
/// computed in parallel (scoped threads; 0 or 1 = on the calling thread).
/// The result is identical whatever the thread count.
pub fn letterbox_into_threads(img: &Rgb8View<'_>, lb: &mut Letterbox, threads: usize) {
    let (w, h) = (img.width().max(1), img.height().max(1));
    let s = (DETECT_SIDE as f64 / w as f64).min(DETECT_SIDE as f64 / h as f64);
    let nw = ((w as f64 * s).round() as usize).clamp(1, DETECT_SIDE);
    let nh = ((h as f64 * s).round() as usize).clamp(1, DETECT_SIDE);
    let cw = nw.div_ceil(CANVAS_MULTIPLE) * CANVAS_MULTIPLE;
    let ch = nh.div_ceil(CANVAS_MULTIPLE) * CANVAS_MULTIPLE;
    let plane = cw * ch;
    lb.tensor.clear();
    lb.tensor.resize(3 * plane, 0.0);
    lb.width = cw;
    lb.height = ch;
    lb.scale_x = nw as f32 / w as f32;
    lb.scale_y = nh as f32 / h as f32;
    if img.width() == 0 || img.height() == 0 {
        return;
    }
    let (b, gr) = lb.tensor.split_at_mut(plane);
    let (g, r) = gr.split_at_mut(plane);
    // Bands of whole output rows; each band fills its rows of the three planes.
    let bands = threads.clamp(1, 8).min(nh);
    let band_rows = nh.div_ceil(bands);
    let work = |y0: usize, b: &mut [f32], g: &mut [f32], r: &mut [f32]| {
        let rows = y0..(y0 + band_rows).min(nh);
        resize_rgb_row_range(img, nw, nh, rows, |y, row| {
            let o = (y - y0) * cw;
            let (b, g, r) = (&mut b[o..o + nw], &mut g[o..o + nw], &mut r[o..o + nw]);
            for (((p, b), g), r) in row.chunks_exact(3).zip(b).zip(g).zip(r) {
                *b = p[2];
                *g = p[1];
                *r = p[0];
            }
        });
    };
    let chunk = band_rows * cw;
    let parts = b[..nh * cw]
        .chunks_mut(chunk)
        .zip(g[..nh * cw].chunks_mut(chunk))
        .zip(r[..nh * cw].chunks_mut(chunk))
        .enumerate();
    if bands == 1 {
        for (i, ((b, g), r)) in parts {
            work(i * band_rows, b, g, r);
        }
        return;
    }
    std::thread::scope(|scope| {
        let mut parts = parts;
        // The first band runs on the calling thread.
        let first = parts.next();
        for (i, ((b, g), r)) in parts {
            let work = &work;
            scope.spawn(move || work(i * band_rows, b, g, r));
        }
        if let Some((i, ((b, g), r))) = first {
            work(i * band_rows, b, g, r);
        }
    });
}

/// One YuNet output level (one stride), flattened row-major over the
/// `(height/stride) x (width/stride)` grid cells of the input canvas.
#[derive(Debug, Clone, Default)]
pub struct HeadLevel {
    /// The level's stride in input pixels (8, 16 or 32).
    pub stride: usize,
    /// Class score per cell.
    pub cls: Vec<f32>,
    /// Objectness per cell.
    pub obj: Vec<f32>,
    /// Box regression per cell: dx, dy, log w, log h (4 per cell).
    pub bbox: Vec<f32>,
    /// Landmark offsets per cell: 5 × (dx, dy) (10 per cell).
    pub kps: Vec<f32>,
}

/// Raw YuNet outputs for one image.
#[derive(Debug, Clone, Default)]
pub struct YunetOutput {
    /// Width of the input canvas the heads were computed on.
    pub width: usize,
    /// Height of the input canvas the heads were computed on.
    pub height: usize,
    /// The three levels, any order.
    pub levels: Vec<HeadLevel>,
}

/// Decode YuNet heads into faces in letterbox (canvas) coordinates, keep
/// scores ≥ `threshold`, and apply NMS. Faces are sorted by score, best first.
pub fn decode(out: &YunetOutput, threshold: f32) -> Result<Vec<Face>, FaceError> {
    let mut cands = Vec::new();
    for lv in &out.levels {
        if !STRIDES.contains(&lv.stride) {
            return Err(bad(format!("unexpected stride {}", lv.stride)));
        }
        if !out.width.is_multiple_of(lv.stride)
            || !out.height.is_multiple_of(lv.stride)
            || out.width == 0
        {
            return Err(bad(format!(
                "canvas {}x{} is not a multiple of stride {}",
                out.width, out.height, lv.stride
            )));
        }
        let cols = out.width / lv.stride;
        let n = cols * (out.height / lv.stride);
        if lv.cls.len() != n
            || lv.obj.len() != n
            || lv.bbox.len() != 4 * n
            || lv.kps.len() != 10 * n
        {
            return Err(bad(format!(
                "stride {}: expected {n} cells, got cls {} obj {} bbox {} kps {}",
                lv.stride,
                lv.cls.len(),
                lv.obj.len(),
                lv.bbox.len() / 4,
                lv.kps.len() / 10
            )));
        }
        let s = lv.stride as f32;
        for i in 0..n {
            let score = (lv.cls[i].clamp(0.0, 1.0) * lv.obj[i].clamp(0.0, 1.0)).sqrt();
            if score.is_nan() || score < threshold {
                continue;
            }
            let (r, c) = ((i / cols) as f32, (i % cols) as f32);
            let b = &lv.bbox[4 * i..4 * i + 4];
            let (cx, cy) = ((c + b[0]) * s, (r + b[1]) * s);
            let (bw, bh) = (b[2].exp() * s, b[3].exp() * s);
            if !(bw.is_finite() && bh.is_finite()) {
                continue;
            }
            let k = &lv.kps[10 * i..10 * i + 10];
            let pts =
                [0, 1, 2, 3, 4].map(|j| Point::new((c + k[2 * j]) * s, (r + k[2 * j + 1]) * s));
            cands.push(Face {
                bbox: BBox {
                    x: cx - bw / 2.0,
                    y: cy - bh / 2.0,
                    w: bw,
                    h: bh,
                },
                score,
                landmarks: Landmarks::from_points(pts),
            });
        }
    }
    Ok(nms_vote(cands, NMS_IOU, VOTE_IOU))
}

fn bad(detail: String) -> FaceError {
    FaceError::ModelOutput {
        model: "face_det",
        detail,
    }
}

/// Greedy non-maximum suppression: best score first, drop boxes whose IoU
/// with a kept box exceeds `iou`.
pub fn nms(mut faces: Vec<Face>, iou: f32) -> Vec<Face> {
    faces.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut kept: Vec<Face> = Vec::new();
    for f in faces {
        if kept.iter().all(|k| k.bbox.iou(&f.bbox) <= iou) {
            kept.push(f);
        }
    }
    kept
}

/// [`nms`], then replace each kept face's landmarks by the score-weighted mean
/// of the landmarks of all candidates whose box overlaps it by ≥ `vote_iou`.
pub fn nms_vote(cands: Vec<Face>, iou: f32, vote_iou: f32) -> Vec<Face> {
    let mut kept = nms(cands.clone(), iou);
    for k in &mut kept {
        let mut acc = [(0f64, 0f64); 5];
        let mut wsum = 0f64;
        for c in cands.iter().filter(|c| c.bbox.iou(&k.bbox) >= vote_iou) {
            let w = f64::from(c.score);
            for (a, p) in acc.iter_mut().zip(c.landmarks.points()) {
                a.0 += w * f64::from(p.x);
                a.1 += w * f64::from(p.y);
            }
            wsum += w;
        }
        if wsum > 0.0 {
            k.landmarks = Landmarks::from_points(
                acc.map(|(x, y)| Point::new((x / wsum) as f32, (y / wsum) as f32)),
            );
        }
    }
    kept
}

/// Map a face from letterbox coordinates back to the original image.
pub fn unletterbox(f: &Face, scale_x: f32, scale_y: f32) -> Face {
    let p = |q: Point| Point::new(q.x / scale_x, q.y / scale_y);
    Face {
        bbox: BBox {
            x: f.bbox.x / scale_x,
            y: f.bbox.y / scale_y,
            w: f.bbox.w / scale_x,
            h: f.bbox.h / scale_y,
        },
        score: f.score,
        landmarks: Landmarks::from_points(f.landmarks.points().map(p)),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Empty heads (every score 0) for all three strides, 640x640 canvas.
    pub(crate) fn empty_output() -> YunetOutput {
        empty_output_sized(DETECT_SIDE, DETECT_SIDE)
    }

    /// Empty heads for a `width`x`height` canvas.
    pub(crate) fn empty_output_sized(width: usize, height: usize) -> YunetOutput {
        YunetOutput {
            width,
            height,
            levels: STRIDES
                .iter()
                .map(|&s| {
                    let n = (width / s) * (height / s);
                    HeadLevel {
                        stride: s,
                        cls: vec![0.0; n],
                        obj: vec![0.0; n],
                        bbox: vec![0.0; 4 * n],
                        kps: vec![0.0; 10 * n],
                    }
                })
                .collect(),
        }
    }

    /// Plant a detection at cell (r, c) of the stride level.
    pub(crate) fn plant(
        out: &mut YunetOutput,
        stride: usize,
        r: usize,
        c: usize,
        cls: f32,
        obj: f32,
    ) {
        let cols = out.width / stride;
        let i = r * cols + c;
        let lv = out.levels.iter_mut().find(|l| l.stride == stride).unwrap();
        lv.cls[i] = cls;
        lv.obj[i] = obj;
        lv.bbox[4 * i..4 * i + 4].copy_from_slice(&[0.5, 0.25, 2f32.ln(), 3f32.ln()]);
        let k = [-0.4, -0.3, 0.4, -0.3, 0.0, 0.1, -0.3, 0.5, 0.3, 0.5];
        lv.kps[10 * i..10 * i + 10].copy_from_slice(&k);
    }

    #[test]
    fn decode_follows_the_yunet_formulas() {
        let mut out = empty_output();
        plant(&mut out, 16, 10, 20, 0.81, 0.64);
        let faces = decode(&out, SCORE_THRESHOLD).unwrap();
        assert_eq!(faces.len(), 1);
        let f = faces[0];
        assert!((f.score - (0.81f32 * 0.64).sqrt()).abs() < 1e-6);
        // centre ((20+0.5)*16, (10+0.25)*16) = (328, 164), size (32, 48)
        assert!((f.bbox.w - 32.0).abs() < 1e-3 && (f.bbox.h - 48.0).abs() < 1e-3);
        assert!((f.bbox.x - 312.0).abs() < 1e-3 && (f.bbox.y - 140.0).abs() < 1e-3);
        assert!((f.landmarks.right_eye.x - (19.6 * 16.0)).abs() < 1e-3);
        assert!((f.landmarks.mouth_left.y - (10.5 * 16.0)).abs() < 1e-3);
    }

    #[test]
    fn threshold_clipping_and_nms() {
        let mut out = empty_output();
        // Below threshold: sqrt(0.5*0.5)=0.5 < 0.6.
        plant(&mut out, 32, 3, 3, 0.5, 0.5);
        // Out-of-range values are clipped to 1: score 1.
        plant(&mut out, 8, 40, 40, 1.7, 2.0);
        // A neighbour of the same face (heavy overlap) with a lower score.
        plant(&mut out, 8, 40, 41, 0.8, 0.8);
        // A separate face.
        plant(&mut out, 8, 10, 10, 0.9, 0.9);
        let faces = decode(&out, SCORE_THRESHOLD).unwrap();
        assert_eq!(faces.len(), 2, "{faces:?}");
        assert_eq!(faces[0].score, 1.0);
        assert!((faces[1].score - 0.9).abs() < 1e-6);
    }

    #[test]
    fn landmarks_are_voted_over_overlapping_candidates() {
        let face = |x: f32, score: f32, lx: f32| Face {
            bbox: BBox {
                x,
                y: 0.0,
                w: 100.0,
                h: 100.0,
            },
            score,
            landmarks: Landmarks::from_points([Point::new(lx, 10.0); 5]),
        };
        // Two near-tied overlapping candidates (IoU 0.82) and a far one.
        let kept = nms_vote(
            vec![
                face(0.0, 0.9, 40.0),
                face(10.0, 0.6, 50.0),
                face(500.0, 0.8, 7.0),
            ],
            0.3,
            0.5,
        );
        assert_eq!(kept.len(), 2);
        assert_eq!(kept[0].bbox.x, 0.0);
        assert!(
            (kept[0].landmarks.nose.x - 44.0).abs() < 1e-4,
            "{:?}",
            kept[0].landmarks
        );
        assert_eq!(kept[1].landmarks.nose.x, 7.0);
        // Overlap below the voting IoU: no averaging (IoU 0.33).
        let kept = nms_vote(vec![face(0.0, 0.9, 40.0), face(50.0, 0.6, 50.0)], 0.5, 0.5);
        assert_eq!(kept[0].landmarks.nose.x, 40.0);
    }

    #[test]
    fn malformed_heads_are_errors() {
        let mut out = empty_output();
        out.levels[0].kps.pop();
        assert_eq!(decode(&out, 0.6).unwrap_err().code(), "face.model_output");
        let mut out = empty_output();
        out.levels[1].stride = 12;
        assert!(decode(&out, 0.6).is_err());
        // Heads of a 640x448 canvas declared as 640x640.
        let mut out = empty_output_sized(640, 448);
        out.height = 640;
        assert!(decode(&out, 0.6).is_err());
        let mut out = empty_output_sized(640, 448);
        out.height = 450;
        assert!(decode(&out, 0.6).is_err());
    }

    #[test]
    fn decode_uses_the_canvas_grid() {
        // 640x448 canvas: 40 columns at stride 16, 28 rows.
        let mut out = empty_output_sized(640, 448);
        plant(&mut out, 16, 20, 35, 0.9, 0.9);
        let faces = decode(&out, SCORE_THRESHOLD).unwrap();
        assert_eq!(faces.len(), 1);
        let c = faces[0].bbox.center();
        assert!((c.x - 35.5 * 16.0).abs() < 1e-3, "{c:?}");
        assert!((c.y - 20.25 * 16.0).abs() < 1e-3, "{c:?}");
    }

    #[test]
    fn letterbox_places_bgr_top_left_and_unletterbox_inverts() {
        let mut img = image::RgbImage::new(1280, 650);
        for p in img.pixels_mut() {
            *p = image::Rgb([10, 20, 30]);
        }
        let lb = letterbox(&Rgb8View::of(&img));
        // Scaled to 640x325; the canvas rounds the height up to 352, not 640.
        assert_eq!((lb.width, lb.height), (640, 352));
        assert_eq!(lb.tensor.len(), 3 * 640 * 352);
        assert_eq!((lb.scale_x, lb.scale_y), (0.5, 0.5));
        let plane = 640 * 352;
        assert_eq!(lb.tensor[0], 30.0); // B first
        assert_eq!(lb.tensor[plane], 20.0);
        assert_eq!(lb.tensor[2 * plane], 10.0);
        assert_eq!(lb.tensor[324 * 640 + 5], 30.0); // last resized row
        assert_eq!(lb.tensor[325 * 640 + 5], 0.0); // padding
        assert_eq!(lb.tensor[2 * plane + 351 * 640 + 639], 0.0);
        // Portrait orientation: the width is rounded up, padding on the right,
        // and a reused buffer is fully rewritten.
        let tall = image::RgbImage::from_pixel(650, 1280, image::Rgb([1, 2, 3]));
        let mut reused = lb.clone();
        letterbox_into(&Rgb8View::of(&tall), &mut reused);
        assert_eq!((reused.width, reused.height), (352, 640));
        assert_eq!(reused.tensor.len(), 3 * 352 * 640);
        assert_eq!(reused.tensor[639 * 352 + 324], 3.0);
        assert_eq!(reused.tensor[639 * 352 + 325], 0.0);
        assert_eq!(reused.tensor[2 * 352 * 640 + 5], 1.0);
        // Bands computed in parallel give the same tensor.
        let photo = image::RgbImage::from_fn(1000, 700, |x, y| {
            image::Rgb([(x % 251) as u8, (y % 241) as u8, ((x * y) % 239) as u8])
        });
        let one = letterbox(&Rgb8View::of(&photo));
        for threads in [2, 3, 8] {
            let mut par = Letterbox::default();
            letterbox_into_threads(&Rgb8View::of(&photo), &mut par, threads);
            assert_eq!((par.width, par.height), (one.width, one.height));
            assert!(par.tensor == one.tensor, "{threads} threads differ");
        }
        // A small image is enlarged to fit 640 as before.
        let small = image::RgbImage::from_pixel(100, 50, image::Rgb([9, 9, 9]));
        let s = letterbox(&Rgb8View::of(&small));
        assert_eq!((s.width, s.height), (640, 320));
        assert_eq!((s.scale_x, s.scale_y), (6.4, 6.4));
        let f = Face {
            bbox: BBox {
                x: 10.0,
                y: 20.0,
                w: 30.0,
                h: 40.0,
            },
            score: 0.9,
            landmarks: Landmarks::from_points([Point::new(1.0, 2.0); 5]),
        };
        let g = unletterbox(&f, lb.scale_x, lb.scale_y);
        assert_eq!(
            g.bbox,
            BBox {
                x: 20.0,
                y: 40.0,
                w: 60.0,
                h: 80.0
            }
        );
        assert_eq!(g.landmarks.nose, Point::new(2.0, 4.0));
    }
}
