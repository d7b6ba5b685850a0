//! Quadrilaterals, affine maps between page frames, and perspective crops.

use image::{Rgb, RgbImage};
use imageproc::geometric_transformations::{Border, Interpolation, Projection, warp_into};

/// A text quadrilateral: top-left, top-right, bottom-right, bottom-left
/// (reading direction left to right), in pixels.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
#[serde(transparent)]
pub struct Quad {
    /// The four corners.
    pub points: [[f32; 2]; 4],
}

fn dist(a: [f32; 2], b: [f32; 2]) -> f32 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt()
}

impl Quad {
    /// An axis-aligned rectangle.
    pub fn rect(x: f32, y: f32, w: f32, h: f32) -> Quad {
        Quad {
            points: [[x, y], [x + w, y], [x + w, y + h], [x, y + h]],
        }
    }

    /// Length of the top/bottom edges (the longer of the two).
    pub fn width(&self) -> f32 {
        let p = &self.points;
        dist(p[0], p[1]).max(dist(p[3], p[2]))
    }

    /// Length of the left/right edges (the longer of the two).
    pub fn height(&self) -> f32 {
        let p = &self.points;
        dist(p[0], p[3]).max(dist(p[1], p[2]))
    }

    /// Centre of the four corners.
    pub fn center(&self) -> [f32; 2] {
        let p = &self.points;
        [
            (p[0][0] + p[1][0] + p[2][0] + p[3][0]) / 4.0,
            (p[0][1] + p[1][1] + p[2][1] + p[3][1]) / 4.0,
        ]
    }

    /// Axis-aligned bounds `(min_x, min_y, max_x, max_y)`.
    pub fn bounds(&self) -> (f32, f32, f32, f32) {
        let xs = self.points.iter().map(|p| p[0]);
        let ys = self.points.iter().map(|p| p[1]);
        (
            xs.clone().fold(f32::INFINITY, f32::min),
            ys.clone().fold(f32::INFINITY, f32::min),
            xs.fold(f32::NEG_INFINITY, f32::max),
            ys.fold(f32::NEG_INFINITY, f32::max),
        )
    }

    /// Angle of the top edge in degrees (positive = rising to the right,
    /// i.e. y decreasing as x grows).
    pub fn angle_degrees(&self) -> f32 {
        let p = &self.points;
        let dx = p[1][0] - p[0][0];
        let dy = p[1][1] - p[0][1];
        (-dy).atan2(dx).to_degrees()
    }

    /// Apply an affine map to every corner.
    pub fn map(&self, m: &Affine) -> Quad {
        Quad {
            points: self.points.map(|p| m.apply(p)),
        }
    }

    /// Order four arbitrary corners as top-left, top-right, bottom-right,
    /// bottom-left: the two leftmost points give TL (upper) and BL (lower),
    /// the two rightmost TR and BR.
    pub fn from_corners(mut pts: [[f32; 2]; 4]) -> Quad {
        pts.sort_by(|a, b| a[0].total_cmp(&b[0]));
        let (tl, bl) = if pts[0][1] <= pts[1][1] {
            (pts[0], pts[1])
        } else {
            (pts[1], pts[0])
        };
        let (tr, br) = if pts[2][1] <= pts[3][1] {
            (pts[2], pts[3])
        } else {
            (pts[3], pts[2])
        };
        Quad {
            points: [tl, tr, br, bl],
        }
    }
}

/// A 2-D affine map `x' = a x + b y + c`, `y' = d x + e y + f`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Affine(pub [f32; 6]);

impl Affine {
    /// The identity.
    pub const IDENTITY: Affine = Affine([1.0, 0.0, 0.0, 0.0, 1.0, 0.0]);

    /// Map a point.
    pub fn apply(&self, p: [f32; 2]) -> [f32; 2] {
        let m = &self.0;
        [
            m[0] * p[0] + m[1] * p[1] + m[2],
            m[3] * p[0] + m[4] * p[1] + m[5],
        ]
    }

    /// `self` after `first` (apply `first`, then `self`).
    pub fn after(&self, first: &Affine) -> Affine {
        let a = &self.0;
        let b = &first.0;
        Affine([
            a[0] * b[0] + a[1] * b[3],
            a[0] * b[1] + a[1] * b[4],
            a[0] * b[2] + a[1] * b[5] + a[2],
            a[3] * b[0] + a[4] * b[3],
            a[3] * b[1] + a[4] * b[4],
            a[3] * b[2] + a[4] * b[5] + a[5],
        ])
    }

    /// The inverse map (the identity for a singular map).
    pub fn inverse(&self) -> Affine {
        let m = &self.0;
        let det = m[0] * m[4] - m[1] * m[3];
        if det.abs() < 1e-12 {
            return Affine::IDENTITY;
        }
        let (a, b, d, e) = (m[4] / det, -m[1] / det, -m[3] / det, m[0] / det);
        Affine([a, b, -(a * m[2] + b * m[5]), d, e, -(d * m[2] + e * m[5])])
    }
}

/// Cut a quadrilateral out of `image` as an upright rectangle with a
/// perspective warp (bicubic, replicated border). Crops at least 1.5 times
/// taller than wide are turned 90° counter-clockwise (vertical text).
pub fn crop_quad(image: &RgbImage, quad: &Quad) -> RgbImage {
    let w = quad.width().round().max(1.0) as u32;
    let h = quad.height().round().max(1.0) as u32;
    let (w, h) = (w.min(16_384), h.min(16_384));
    let p = quad.points;
    let from = [
        (p[0][0], p[0][1]),
        (p[1][0], p[1][1]),
        (p[2][0], p[2][1]),
        (p[3][0], p[3][1]),
    ];
    let to = [
        (0.0, 0.0),
        (w as f32, 0.0),
        (w as f32, h as f32),
        (0.0, h as f32),
    ];
    let mut out = RgbImage::new(w, h);
    // Every minimum-area rectangle the detector makes is a parallelogram:
    // the map is affine and takes the fast path.
    if !warp_parallelogram(image, &p, w, h, &mut out) {
        match Projection::from_control_points(from, to) {
            Some(proj) => warp_into(
                image,
                proj,
                Interpolation::Bicubic,
                Border::Replicate,
                &mut out,
            ),
            None => {
                let (x0, y0, _, _) = quad.bounds();
                let x0 = x0.max(0.0) as u32;
                let y0 = y0.max(0.0) as u32;
                out = RgbImage::from_fn(w, h, |x, y| {
                    let sx = (x0 + x).min(image.width().saturating_sub(1));
                    let sy = (y0 + y).min(image.height().saturating_sub(1));
                    image
                        .get_pixel_checked(sx, sy)
                        .copied()
                        .unwrap_or(Rgb([255, 255, 255]))
                });
            }
        }
    }
    if h as f32 >= 1.5 * w as f32 {
        imageproc::geometric_transformations::rotate270(&out)
    } else {
        out
    }
}

/// The four Catmull-Rom weights of the samples at -1, 0, 1 and 2 for a
/// position `t` in [0, 1) past sample 0: the kernel of `imageproc`'s
/// bicubic warp, whose crops the recognizer was measured on.
#[inline]
fn catmull_rom_weights(t: f32) -> [f32; 4] {
    let (t2, t3) = (t * t, t * t * t);
    [
        0.5 * (-t + 2.0 * t2 - t3),
        0.5 * (2.0 - 5.0 * t2 + 3.0 * t3),
        0.5 * (t + 4.0 * t2 - 3.0 * t3),
        0.5 * (t3 - t2),
    ]
}

/// `w . v` truncated to a byte (`as u8` saturates and truncates, like
/// imageproc's `Clamp<f32> for u8`, including between its two passes).
#[inline]
fn blend4(w: &[f32; 4], v: [f32; 4]) -> f32 {
    f32::from((w[0] * v[0] + w[1] * v[1] + w[2] * v[2] + w[3] * v[3]) as u8)
}

/// Bicubic crop of a parallelogram `p` (top-left, top-right, bottom-right,
/// bottom-left) into the `w`x`h` image `out`, replicating the border.
///
/// Output pixel (x, y) samples the source at `p0 + x (p1 - p0) / w +
/// y (p3 - p0) / h`, which is exactly the perspective map of the four
/// corners when they form a parallelogram. Same kernel and rounding as
/// `warp_into(.., Interpolation::Bicubic, Border::Replicate, ..)`, without
/// its per-pixel projective division, per-tap bounds checks and two-pass
/// rounding through pixel structs, and with the four weights computed once
/// per pixel: on the A4 benchmark page the crops went from 3.9% to 2.3% of
/// all samples (`perf record` of `ocr_eval profile a4.png 4 --threads 2`).
/// Returns false (and leaves `out` alone) for any other quadrilateral.
fn warp_parallelogram(
    image: &RgbImage,
    p: &[[f32; 2]; 4],
    w: u32,
    h: u32,
    out: &mut RgbImage,
) -> bool {
    let (iw, ih) = image.dimensions();
    if iw == 0 || ih == 0 || w == 0 || h == 0 {
        return false;
    }
    let scale = p
        .iter()
        .flat_map(|q| q.iter())
        .fold(1f32, |m, v| m.max(v.abs()));
    let gap_x = p[0][0] + p[2][0] - p[1][0] - p[3][0];
    let gap_y = p[0][1] + p[2][1] - p[1][1] - p[3][1];
    if !(gap_x.abs() <= 1e-4 * scale && gap_y.abs() <= 1e-4 * scale) {
        return false;
    }
    let ex = [
        (p[1][0] - p[0][0]) / w as f32,
        (p[1][1] - p[0][1]) / w as f32,
    ];
    let ey = [
        (p[3][0] - p[0][0]) / h as f32,
        (p[3][1] - p[0][1]) / h as f32,
    ];
    if !(ex.iter().chain(&ey).all(|v| v.is_finite()) && p[0].iter().all(|v| v.is_finite())) {
        return false;
    }
    let src = image.as_raw();
    let stride = iw as usize * 3;
    let (max_x, max_y) = (i64::from(iw) - 1, i64::from(ih) - 1);
    let dst = out.as_mut();
    for y in 0..h {
        for x in 0..w {
            let sx = p[0][0] + x as f32 * ex[0] + y as f32 * ey[0];
            let sy = p[0][1] + x as f32 * ex[1] + y as f32 * ey[1];
            // Far outside the image: the nearest edge pixels, as the
            // clamped taps would give.
            let sx = sx.clamp(-4.0, iw as f32 + 4.0);
            let sy = sy.clamp(-4.0, ih as f32 + 4.0);
            let left = sx.floor() as i64 - 1;
            let top = sy.floor() as i64 - 1;
            let wx = catmull_rom_weights(sx - (left as f32 + 1.0));
            let wy = catmull_rom_weights(sy - (top as f32 + 1.0));
            let mut cols = [0usize; 4];
            let mut rows = [0usize; 4];
            for k in 0..4 {
                cols[k] = (left + k as i64).clamp(0, max_x) as usize * 3;
                rows[k] = (top + k as i64).clamp(0, max_y) as usize * stride;
            }
            let o = (y as usize * w as usize + x as usize) * 3;
            for c in 0..3 {
                let mut v = [0f32; 4];
                for (vr, r) in v.iter_mut().zip(rows) {
                    let at = |k: usize| f32::from(src[r + cols[k] + c]);
                    *vr = blend4(&wx, [at(0), at(1), at(2), at(3)]);
                }
                dst[o + c] = blend4(&wy, v) as u8;
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corners_are_ordered_whatever_the_input_order() {
        let q = Quad::from_corners([[10.0, 20.0], [0.0, 0.0], [10.0, 0.0], [0.0, 20.0]]);
        assert_eq!(
            q.points,
            [[0.0, 0.0], [10.0, 0.0], [10.0, 20.0], [0.0, 20.0]]
        );
        assert_eq!(q.width(), 10.0);
        assert_eq!(q.height(), 20.0);
        assert_eq!(q.center(), [5.0, 10.0]);
    }

    #[test]
    fn affine_inverse_round_trips() {
        let a = Affine([0.8, -0.6, 10.0, 0.6, 0.8, -5.0]);
        let p = [3.0, 7.0];
        let q = a.inverse().apply(a.apply(p));
        assert!((q[0] - p[0]).abs() < 1e-4 && (q[1] - p[1]).abs() < 1e-4);
        let id = a.inverse().after(&a);
        for (x, y) in id.0.iter().zip(Affine::IDENTITY.0) {
            assert!((x - y).abs() < 1e-5);
        }
    }

    #[test]
    fn crop_of_an_axis_aligned_rect_copies_pixels() {
        let img = RgbImage::from_fn(50, 40, |x, y| Rgb([x as u8, y as u8, 7]));
        let c = crop_quad(&img, &Quad::rect(10.0, 5.0, 20.0, 10.0));
        assert_eq!(c.dimensions(), (20, 10));
        assert_eq!(c.get_pixel(0, 0).0, [10, 5, 7]);
        assert_eq!(c.get_pixel(19, 9).0, [29, 14, 7]);
    }

    /// A deterministic textured test page (pseudo-random bytes).
    fn noise_page(w: u32, h: u32) -> RgbImage {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        RgbImage::from_fn(w, h, |_, _| {
            let mut b = [0u8; 3];
            for v in &mut b {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                *v = (state >> 32) as u8;
            }
            Rgb(b)
        })
    }

    #[test]
    fn the_parallelogram_fast_path_matches_the_generic_warp() {
        let img = noise_page(120, 90);
        // A rotated rectangle reaching past the image edge, a sheared
        // parallelogram, and a sub-pixel axis-aligned box.
        let quads = [
            Quad::from_corners([[-6.3, 20.2], [70.1, 8.4], [74.9, 39.5], [-1.5, 51.3]]),
            Quad::from_corners([[10.5, 10.25], [90.5, 14.25], [100.5, 44.25], [20.5, 40.25]]),
            Quad::rect(30.4, 60.7, 55.3, 21.1),
        ];
        for q in quads {
            let w = q.width().round() as u32;
            let h = q.height().round() as u32;
            let mut fast = RgbImage::new(w, h);
            assert!(warp_parallelogram(&img, &q.points, w, h, &mut fast));
            let p = q.points;
            let proj = Projection::from_control_points(
                [
                    (p[0][0], p[0][1]),
                    (p[1][0], p[1][1]),
                    (p[2][0], p[2][1]),
                    (p[3][0], p[3][1]),
                ],
                [
                    (0.0, 0.0),
                    (w as f32, 0.0),
                    (w as f32, h as f32),
                    (0.0, h as f32),
                ],
            )
            .unwrap();
            let mut slow = RgbImage::new(w, h);
            warp_into(
                &img,
                proj,
                Interpolation::Bicubic,
                Border::Replicate,
                &mut slow,
            );
            // The two maps differ only by float rounding (an affine map
            // against a projective one with ~0 perspective terms): a sample
            // may land across a pixel boundary now and then.
            let diffs: Vec<u8> = fast
                .as_raw()
                .iter()
                .zip(slow.as_raw())
                .map(|(a, b)| a.abs_diff(*b))
                .collect();
            // Measured: no value off by more than 1, 99.9% equal.
            let off = diffs.iter().filter(|d| **d > 1).count();
            assert_eq!(off, 0, "values differing by more than 1");
            let same = diffs.iter().filter(|d| **d == 0).count();
            assert!(
                same * 100 >= diffs.len() * 99,
                "only {same} of {} equal",
                diffs.len()
            );
        }
    }

    #[test]
    fn a_quad_that_is_not_a_parallelogram_takes_the_generic_warp() {
        let img = noise_page(60, 40);
        let trapezoid = [[10.0, 10.0], [50.0, 10.0], [45.0, 30.0], [15.0, 30.0]];
        let mut out = RgbImage::new(40, 20);
        assert!(!warp_parallelogram(&img, &trapezoid, 40, 20, &mut out));
        assert!(out.as_raw().iter().all(|v| *v == 0), "left untouched");
        let c = crop_quad(&img, &Quad::from_corners(trapezoid));
        // Width: the longer of top (40) and bottom (30); height: the slanted sides, 20.6.
        assert_eq!(c.dimensions(), (40, 21));
        // The generic warp maps the top-left corner exactly onto (10, 10).
        assert_eq!(c.get_pixel(0, 0), img.get_pixel(10, 10));
    }

    #[test]
    fn tall_crops_are_turned_to_horizontal() {
        let img = RgbImage::from_fn(50, 80, |x, y| Rgb([x as u8, y as u8, 0]));
        let c = crop_quad(&img, &Quad::rect(0.0, 0.0, 10.0, 40.0));
        assert_eq!(c.dimensions(), (40, 10));
    }

    #[test]
    fn angle_of_rising_line_is_positive() {
        let q = Quad {
            points: [[0.0, 10.0], [10.0, 0.0], [12.0, 2.0], [2.0, 12.0]],
        };
        assert!((q.angle_degrees() - 45.0).abs() < 1e-4);
    }
}
