//! Alignment: least-squares similarity transform to the SFace template and a
//! bilinear warp to the 112x112 crop.

use crate::geometry::Landmarks;
use crate::image_ops::{Rgb8View, round_u8};

/// Side of the aligned crop SFace expects.
pub const CROP_SIDE: usize = 112;

/// The five SFace template points (x, y) in the 112x112 crop, in landmark order.
pub const TEMPLATE: [(f32, f32); 5] = [
    (38.2946, 51.6963),
    (73.5318, 51.5014),
    (56.0252, 71.7366),
    (41.5493, 92.3655),
    (70.7299, 92.2041),
];

/// A 2-D similarity `u = a·x − b·y + tx`, `v = b·x + a·y + ty` (rotation, uniform
/// scale, translation: 4 degrees of freedom).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Similarity {
    /// `s·cos θ`.
    pub a: f64,
    /// `s·sin θ`.
    pub b: f64,
    /// Horizontal translation.
    pub tx: f64,
    /// Vertical translation.
    pub ty: f64,
}

impl Similarity {
    /// Least-squares similarity mapping `src[i]` onto `dst[i]`; `None` when the
    /// source points all coincide.
    pub fn estimate(src: &[(f64, f64)], dst: &[(f64, f64)]) -> Option<Self> {
        let n = src.len().min(dst.len());
        if n == 0 {
            return None;
        }
        let nf = n as f64;
        let (mut sx, mut sy, mut dx, mut dy) = (0.0, 0.0, 0.0, 0.0);
        for i in 0..n {
            sx += src[i].0;
            sy += src[i].1;
            dx += dst[i].0;
            dy += dst[i].1;
        }
        let (sx, sy, dx, dy) = (sx / nf, sy / nf, dx / nf, dy / nf);
        let (mut num_a, mut num_b, mut den) = (0.0, 0.0, 0.0);
        for i in 0..n {
            let (x, y) = (src[i].0 - sx, src[i].1 - sy);
            let (u, v) = (dst[i].0 - dx, dst[i].1 - dy);
            num_a += x * u + y * v;
            num_b += x * v - y * u;
            den += x * x + y * y;
        }
        if den.is_nan() || den <= 1e-12 {
            return None;
        }
        let (a, b) = (num_a / den, num_b / den);
        Some(Self {
            a,
            b,
            tx: dx - (a * sx - b * sy),
            ty: dy - (b * sx + a * sy),
        })
    }

    /// Apply to a point.
    pub fn apply(&self, x: f64, y: f64) -> (f64, f64) {
        (
            self.a * x - self.b * y + self.tx,
            self.b * x + self.a * y + self.ty,
        )
    }

    /// The inverse transform (`None` for a degenerate zero scale).
    pub fn inverse(&self) -> Option<Self> {
        let s2 = self.a * self.a + self.b * self.b;
        if s2.is_nan() || s2 <= 1e-18 {
            return None;
        }
        let (a, b) = (self.a / s2, -self.b / s2);
        Some(Self {
            a,
            b,
            tx: -(a * self.tx - b * self.ty),
            ty: -(b * self.tx + a * self.ty),
        })
    }

    /// Uniform scale factor.
    pub fn scale(&self) -> f64 {
        self.a.hypot(self.b)
    }
}

/// An aligned 112x112 RGB face crop (row-major, 3 bytes per pixel).
#[derive(Clone)]
pub struct AlignedFace {
    pub(crate) rgb: Vec<u8>,
}

impl std::fmt::Debug for AlignedFace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AlignedFace(112x112, pixels not shown)")
    }
}

impl Drop for AlignedFace {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.rgb);
    }
}

impl AlignedFace {
    /// RGB bytes, row-major, 112·112·3.
    pub fn rgb(&self) -> &[u8] {
        &self.rgb
    }

    /// Luma (BT.601) of every pixel, row-major 112·112.
    pub fn luma(&self) -> Vec<f32> {
        self.rgb
            .chunks_exact(3)
            .map(|p| 0.299 * f32::from(p[0]) + 0.587 * f32::from(p[1]) + 0.114 * f32::from(p[2]))
            .collect()
    }

    /// Copy into an `image` buffer (for debugging and tests).
    pub fn to_image(&self) -> image::RgbImage {
        image::RgbImage::from_raw(CROP_SIDE as u32, CROP_SIDE as u32, self.rgb.clone())
            .unwrap_or_else(|| image::RgbImage::new(CROP_SIDE as u32, CROP_SIDE as u32))
    }
}

/// The transform that maps `landmarks` onto the template.
pub fn template_transform(landmarks: &Landmarks) -> Option<Similarity> {
    let src = landmarks.points().map(|p| (f64::from(p.x), f64::from(p.y)));
    let dst = TEMPLATE.map(|(x, y)| (f64::from(x), f64::from(y)));
    Similarity::estimate(&src, &dst)
}

/// Warp the face to the 112x112 template with bilinear sampling; pixels that
/// fall outside the source are black (the convention of OpenCV's
/// `warpAffine` with a constant zero border).
pub fn align(img: &Rgb8View<'_>, landmarks: &Landmarks) -> Option<AlignedFace> {
    let t = template_transform(landmarks)?;
    let inv = t.inverse()?;
    let mut rgb = vec![0u8; CROP_SIDE * CROP_SIDE * 3];
    for v in 0..CROP_SIDE {
        for u in 0..CROP_SIDE {
            let (x, y) = inv.apply(u as f64, v as f64);
            let px = img.sample_bilinear(x, y);
            let o = (v * CROP_SIDE + u) * 3;
            for c in 0..3 {
                rgb[o + c] = round_u8(px[c]) as u8;
            }
        }
    }
    Some(AlignedFace { rgb })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::Point;

    #[test]
    fn estimate_recovers_a_known_similarity() {
        let truth = Similarity {
            a: 0.8,
            b: -0.3,
            tx: 12.0,
            ty: -7.5,
        };
        let src = [
            (10.0, 20.0),
            (50.0, 22.0),
            (30.0, 40.0),
            (15.0, 60.0),
            (45.0, 61.0),
        ];
        let dst = src.map(|(x, y)| truth.apply(x, y));
        let est = Similarity::estimate(&src, &dst).unwrap();
        assert!((est.a - truth.a).abs() < 1e-9);
        assert!((est.b - truth.b).abs() < 1e-9);
        assert!((est.tx - truth.tx).abs() < 1e-9);
        assert!((est.ty - truth.ty).abs() < 1e-9);
        let inv = est.inverse().unwrap();
        let (x, y) = inv.apply(est.apply(3.0, 4.0).0, est.apply(3.0, 4.0).1);
        assert!((x - 3.0).abs() < 1e-9 && (y - 4.0).abs() < 1e-9);
        assert!(Similarity::estimate(&[(1.0, 1.0); 5], &dst).is_none());
    }

    #[test]
    fn estimate_is_least_squares_with_noise() {
        // Noisy correspondences: the residual of the estimate must not exceed
        // the residual of the true transform (it is the minimiser).
        let truth = Similarity {
            a: 1.1,
            b: 0.2,
            tx: 3.0,
            ty: 4.0,
        };
        let src = [
            (0.0, 0.0),
            (10.0, 0.0),
            (5.0, 6.0),
            (1.0, 11.0),
            (9.0, 11.0),
        ];
        let noise = [
            (0.3, -0.2),
            (-0.4, 0.1),
            (0.2, 0.5),
            (-0.1, -0.3),
            (0.0, 0.2),
        ];
        let mut dst = src.map(|(x, y)| truth.apply(x, y));
        for (d, n) in dst.iter_mut().zip(noise) {
            d.0 += n.0;
            d.1 += n.1;
        }
        let est = Similarity::estimate(&src, &dst).unwrap();
        let resid = |t: &Similarity| -> f64 {
            src.iter()
                .zip(&dst)
                .map(|(&(x, y), &(u, v))| {
                    let (p, q) = t.apply(x, y);
                    (p - u).powi(2) + (q - v).powi(2)
                })
                .sum()
        };
        assert!(resid(&est) <= resid(&truth));
        // Any small change of a parameter increases the residual.
        for d in [
            (1e-3, 0.0, 0.0, 0.0),
            (0.0, 1e-3, 0.0, 0.0),
            (0.0, 0.0, 1e-2, 0.0),
            (0.0, 0.0, 0.0, -1e-2),
        ] {
            let p = Similarity {
                a: est.a + d.0,
                b: est.b + d.1,
                tx: est.tx + d.2,
                ty: est.ty + d.3,
            };
            assert!(resid(&p) > resid(&est));
        }
    }

    #[test]
    fn align_maps_landmarks_onto_the_template() {
        // Draw a white dot at each landmark of a scaled, shifted template; the
        // aligned crop must have those dots at the template positions.
        let (w, h) = (300u32, 260u32);
        let (s, ox, oy) = (2.0f32, 40.0f32, 25.0f32);
        let pts = TEMPLATE.map(|(x, y)| Point::new(x * s + ox, y * s + oy));
        let mut img = image::RgbImage::new(w, h);
        for p in pts {
            for dy in -2i32..=2 {
                for dx in -2i32..=2 {
                    img.put_pixel(
                        (p.x as i32 + dx) as u32,
                        (p.y as i32 + dy) as u32,
                        image::Rgb([255, 255, 255]),
                    );
                }
            }
        }
        let view = Rgb8View::new(img.as_raw(), w as usize, h as usize);
        let crop = align(&view, &Landmarks::from_points(pts)).unwrap();
        for (x, y) in TEMPLATE {
            let o = ((y.round() as usize) * CROP_SIDE + x.round() as usize) * 3;
            assert!(crop.rgb()[o] > 200, "dot missing at ({x},{y})");
        }
        // A corner far from every dot stays black.
        assert_eq!(crop.rgb()[0], 0);
        assert!(format!("{crop:?}").contains("not shown"));
    }
}
