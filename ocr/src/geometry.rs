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
    if h as f32 >= 1.5 * w as f32 {
        imageproc::geometric_transformations::rotate270(&out)
    } else {
        out
    }
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
