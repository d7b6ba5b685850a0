//! Photographic and scanner degradations, deterministic by seed.
//!
//! Order of application: geometry (margin, rotation, perspective — one homography), uneven
//! illumination, Gaussian blur, sensor noise, JPEG round trip. The ground truth's quads are
//! mapped through the same homography, which is recorded in [`AppliedDegradation::homography`].

use image::codecs::jpeg::JpegEncoder;
use image::{ImageFormat, Rgb, RgbImage};
use serde::{Deserialize, Serialize};

use crate::Specimen;
use crate::error::SpecimenError;
use crate::rng::Rng;

/// Degradation parameters. Every field is optional (`None` = not applied). Build with
/// [`Degradation::none`], [`Degradation::scan`], [`Degradation::photo`] or by setting fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[non_exhaustive]
pub struct Degradation {
    /// Border added around the document, as a fraction of its shorter side (0..=0.5); the border
    /// is filled with `background`. Gives room for rotation/perspective in a "photo".
    pub margin: Option<f32>,
    /// Colour of the area outside the document (table, scanner lid). Default near-white.
    pub background: Option<[u8; 3]>,
    /// Rotation in degrees, clockwise on screen (-10..=10).
    pub rotation_deg: Option<f32>,
    /// Perspective: each corner moves by up to this fraction of the shorter side in a
    /// seed-chosen direction (0..=0.2).
    pub perspective: Option<f32>,
    /// Uneven illumination: brightness falls by up to this fraction along a seed-chosen
    /// direction, plus a soft vignette (0..=0.8).
    pub illumination: Option<f32>,
    /// Gaussian blur sigma in px (0..=5).
    pub blur_sigma: Option<f32>,
    /// Gaussian noise standard deviation, in 0-255 levels (0..=40).
    pub noise_sigma: Option<f32>,
    /// JPEG round trip at this quality (1..=100).
    pub jpeg_quality: Option<u8>,
}

impl Degradation {
    /// No degradation.
    pub fn none() -> Self {
        Self::default()
    }

    /// A flatbed-scan look, parameters drawn from `seed`: rotation ±1.5°, blur σ 0.3-0.8,
    /// light illumination gradient ≤ 0.12, noise σ 1.5-3, JPEG quality 70-90, white border.
    pub fn scan(seed: u64) -> Self {
        let mut r = Rng::derive(seed, "preset-scan");
        Degradation {
            margin: None,
            background: Some([250, 250, 248]),
            rotation_deg: Some(r.uniform(-1.5, 1.5) as f32),
            perspective: None,
            illumination: Some(r.uniform(0.0, 0.12) as f32),
            blur_sigma: Some(r.uniform(0.3, 0.8) as f32),
            noise_sigma: Some(r.uniform(1.5, 3.0) as f32),
            jpeg_quality: Some(r.range_i64(70, 90) as u8),
        }
    }

    /// A phone/kiosk-camera photo of a card, parameters drawn from `seed`: margin 6-10 %,
    /// a table-coloured background, rotation ±3°, perspective 1-4 %, illumination 0.1-0.35,
    /// blur σ 0.4-1.1, noise σ 2-5, JPEG quality 40-90.
    pub fn photo(seed: u64) -> Self {
        let mut r = Rng::derive(seed, "preset-photo");
        let bg = [
            [92, 70, 52],
            [60, 62, 68],
            [150, 150, 145],
            [35, 35, 40],
            [120, 98, 70],
        ];
        Degradation {
            margin: Some(r.uniform(0.06, 0.10) as f32),
            background: r.pick(&bg).copied(),
            rotation_deg: Some(r.uniform(-3.0, 3.0) as f32),
            perspective: Some(r.uniform(0.01, 0.04) as f32),
            illumination: Some(r.uniform(0.10, 0.35) as f32),
            blur_sigma: Some(r.uniform(0.4, 1.1) as f32),
            noise_sigma: Some(r.uniform(2.0, 5.0) as f32),
            jpeg_quality: Some(r.range_i64(40, 90) as u8),
        }
    }

    /// Set [`Degradation::margin`].
    pub fn with_margin(mut self, fraction: f32) -> Self {
        self.margin = Some(fraction);
        self
    }

    /// Set [`Degradation::background`].
    pub fn with_background(mut self, rgb: [u8; 3]) -> Self {
        self.background = Some(rgb);
        self
    }

    /// Set [`Degradation::rotation_deg`].
    pub fn with_rotation(mut self, degrees: f32) -> Self {
        self.rotation_deg = Some(degrees);
        self
    }

    /// Set [`Degradation::perspective`].
    pub fn with_perspective(mut self, fraction: f32) -> Self {
        self.perspective = Some(fraction);
        self
    }

    /// Set [`Degradation::illumination`].
    pub fn with_illumination(mut self, strength: f32) -> Self {
        self.illumination = Some(strength);
        self
    }

    /// Set [`Degradation::blur_sigma`].
    pub fn with_blur(mut self, sigma: f32) -> Self {
        self.blur_sigma = Some(sigma);
        self
    }

    /// Set [`Degradation::noise_sigma`].
    pub fn with_noise(mut self, sigma: f32) -> Self {
        self.noise_sigma = Some(sigma);
        self
    }

    /// Set [`Degradation::jpeg_quality`].
    pub fn with_jpeg(mut self, quality: u8) -> Self {
        self.jpeg_quality = Some(quality);
        self
    }

    /// `true` when nothing would be applied.
    pub fn is_none(&self) -> bool {
        *self == Self::default()
    }

    fn validate(&self) -> Result<(), SpecimenError> {
        fn check(
            name: &'static str,
            v: Option<f32>,
            lo: f32,
            hi: f32,
            range: &'static str,
        ) -> Result<(), SpecimenError> {
            match v {
                Some(x) if !(x.is_finite() && x >= lo && x <= hi) => {
                    Err(SpecimenError::InvalidParameter {
                        name,
                        value: x.to_string(),
                        range,
                    })
                }
                _ => Ok(()),
            }
        }
        check("margin", self.margin, 0.0, 0.5, "0..=0.5")?;
        check("rotation_deg", self.rotation_deg, -10.0, 10.0, "-10..=10")?;
        check("perspective", self.perspective, 0.0, 0.2, "0..=0.2")?;
        check("illumination", self.illumination, 0.0, 0.8, "0..=0.8")?;
        check("blur_sigma", self.blur_sigma, 0.0, 5.0, "0..=5")?;
        check("noise_sigma", self.noise_sigma, 0.0, 40.0, "0..=40")?;
        if let Some(q) = self.jpeg_quality
            && !(1..=100).contains(&q)
        {
            return Err(SpecimenError::InvalidParameter {
                name: "jpeg_quality",
                value: q.to_string(),
                range: "1..=100",
            });
        }
        Ok(())
    }
}

/// What [`degrade`] did: the parameters, the seed, the source size and the homography.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppliedDegradation {
    /// Parameters applied.
    pub params: Degradation,
    /// Seed that chose directions, corner offsets and noise.
    pub seed: u64,
    /// Size of the clean image `[width, height]`.
    pub source_size: [u32; 2],
    /// Row-major 3x3 homography mapping clean-image coordinates to output coordinates
    /// (`[x', y', w'] = H [x, y, 1]`, then divide by `w'`).
    pub homography: [f64; 9],
}

/// A degraded image with the geometry that produced it.
#[derive(Debug, Clone)]
pub struct Degraded {
    /// The output image (the decoded JPEG when a JPEG round trip was applied).
    pub image: RgbImage,
    /// The JPEG bytes, when a JPEG round trip was applied.
    pub jpeg: Option<Vec<u8>>,
    /// Source → output homography (row-major 3x3).
    pub homography: [f64; 9],
}

/// Apply `d` to a specimen: the image is degraded and every ground-truth quad is mapped into the
/// output image's coordinates; `truth.degradation` records what was done.
pub fn degrade(sp: &Specimen, d: &Degradation, seed: u64) -> Result<Specimen, SpecimenError> {
    let out = degrade_image(&sp.image, d, seed)?;
    let mut truth = sp.truth.clone();
    let h = out.homography;
    truth.map_quads(|x, y| {
        let (a, b) = apply_h(&h, f64::from(x), f64::from(y));
        (a as f32, b as f32)
    });
    truth.width = out.image.width();
    truth.height = out.image.height();
    truth.degradation = Some(AppliedDegradation {
        params: d.clone(),
        seed,
        source_size: [sp.image.width(), sp.image.height()],
        homography: h,
    });
    Ok(Specimen {
        image: out.image,
        truth,
        jpeg: out.jpeg,
    })
}

/// Apply `d` to a bare image (no ground truth); returns the image and the homography.
pub fn degrade_image(
    img: &RgbImage,
    d: &Degradation,
    seed: u64,
) -> Result<Degraded, SpecimenError> {
    d.validate()?;
    let mut rng = Rng::derive(seed, "degrade");
    let (w, h) = (f64::from(img.width()), f64::from(img.height()));
    let short = w.min(h);
    let margin = (f64::from(d.margin.unwrap_or(0.0)) * short).round();
    let (ow, oh) = (w + 2.0 * margin, h + 2.0 * margin);
    let bg = d.background.unwrap_or([250, 250, 248]);

    // Destination corners of the document: offset by the margin, rotated about the canvas
    // centre, then each corner jittered for perspective.
    let theta = f64::from(d.rotation_deg.unwrap_or(0.0)).to_radians();
    let (cx, cy) = (ow / 2.0, oh / 2.0);
    let src = [(0.0, 0.0), (w, 0.0), (w, h), (0.0, h)];
    let persp = f64::from(d.perspective.unwrap_or(0.0)) * short;
    let mut dst = [(0.0, 0.0); 4];
    for (i, (x, y)) in src.iter().enumerate() {
        let (px, py) = (x + margin - cx, y + margin - cy);
        let (rx, ry) = (
            px * theta.cos() - py * theta.sin() + cx,
            px * theta.sin() + py * theta.cos() + cy,
        );
        // Perspective: corners move inward-ish (towards the centre) or sideways, as a tilted
        // card would; a random direction limited to ±persp.
        let (jx, jy) = if persp > 0.0 {
            (rng.uniform(-persp, persp), rng.uniform(-persp, persp))
        } else {
            (0.0, 0.0)
        };
        dst[i] = (rx + jx, ry + jy);
    }
    let identity = margin == 0.0 && theta == 0.0 && persp == 0.0;
    let hmat = if identity {
        [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]
    } else {
        homography(&src, &dst).ok_or(SpecimenError::InvalidParameter {
            name: "perspective",
            value: format!("{:?}", d.perspective),
            range: "a non-degenerate quadrilateral",
        })?
    };

    let mut out = if identity {
        img.clone()
    } else {
        let inv = invert3(&hmat).ok_or(SpecimenError::InvalidParameter {
            name: "perspective",
            value: format!("{:?}", d.perspective),
            range: "an invertible transform",
        })?;
        warp(img, &inv, ow as u32, oh as u32, bg)
    };

    if let Some(s) = d.illumination.filter(|s| *s > 0.0) {
        illuminate(&mut out, f64::from(s), &mut rng);
    }
    if let Some(s) = d.blur_sigma.filter(|s| *s > 0.0) {
        out = gaussian_blur(&out, s);
    }
    if let Some(s) = d.noise_sigma.filter(|s| *s > 0.0) {
        let mut nr = Rng::derive(seed, "noise");
        add_noise(&mut out, s, &mut nr);
    }
    let mut jpeg = None;
    if let Some(q) = d.jpeg_quality {
        let mut buf = Vec::new();
        JpegEncoder::new_with_quality(&mut buf, q)
            .encode_image(&out)
            .map_err(|source| SpecimenError::Image {
                what: "JPEG encoding",
                source,
            })?;
        out = image::load_from_memory_with_format(&buf, ImageFormat::Jpeg)
            .map_err(|source| SpecimenError::Image {
                what: "JPEG decoding",
                source,
            })?
            .to_rgb8();
        jpeg = Some(buf);
    }
    Ok(Degraded {
        image: out,
        jpeg,
        homography: hmat,
    })
}

/// Add Gaussian noise of standard deviation `sigma` to every byte. A table of 4096 normal
/// samples is indexed by fresh random bits: the same distribution as sampling per byte, at a
/// fraction of the cost.
pub(crate) fn add_noise(buf: &mut [u8], sigma: f32, rng: &mut Rng) {
    let table: Vec<f32> = (0..4096).map(|_| rng.normal() as f32 * sigma).collect();
    let mut bits = 0u64;
    for (i, c) in buf.iter_mut().enumerate() {
        if i % 5 == 0 {
            bits = rng.next_u64();
        }
        let n = table[(bits & 0xfff) as usize];
        bits >>= 12;
        *c = to_u8(f32::from(*c) + n);
    }
}

/// Round and clamp to a byte (fast: no libm call).
#[inline]
pub(crate) fn to_u8(v: f32) -> u8 {
    (v.clamp(0.0, 255.0) + 0.5) as u8
}

/// Map (x, y) through a row-major homography.
pub fn apply_h(h: &[f64; 9], x: f64, y: f64) -> (f64, f64) {
    let w = h[6] * x + h[7] * y + h[8];
    let w = if w.abs() < 1e-12 { 1e-12 } else { w };
    (
        (h[0] * x + h[1] * y + h[2]) / w,
        (h[3] * x + h[4] * y + h[5]) / w,
    )
}

/// The homography mapping the four `src` points onto the four `dst` points (h33 = 1).
pub(crate) fn homography(src: &[(f64, f64); 4], dst: &[(f64, f64); 4]) -> Option<[f64; 9]> {
    let mut a = [[0.0f64; 9]; 8];
    for i in 0..4 {
        let (x, y) = src[i];
        let (u, v) = dst[i];
        a[2 * i] = [x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y, u];
        a[2 * i + 1] = [0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y, v];
    }
    // Gaussian elimination with partial pivoting on the 8x9 augmented matrix.
    for col in 0..8 {
        let piv = (col..8).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[piv][col].abs() < 1e-12 {
            return None;
        }
        a.swap(col, piv);
        for row in 0..8 {
            if row != col {
                let f = a[row][col] / a[col][col];
                let pivot_row = a[col];
                for (v, p) in a[row].iter_mut().zip(pivot_row).skip(col) {
                    *v -= f * p;
                }
            }
        }
    }
    let mut h = [0.0; 9];
    for i in 0..8 {
        h[i] = a[i][8] / a[i][i];
    }
    h[8] = 1.0;
    Some(h)
}

fn invert3(m: &[f64; 9]) -> Option<[f64; 9]> {
    let det = m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6])
        + m[2] * (m[3] * m[7] - m[4] * m[6]);
    if det.abs() < 1e-15 {
        return None;
    }
    let d = 1.0 / det;
    Some([
        (m[4] * m[8] - m[5] * m[7]) * d,
        (m[2] * m[7] - m[1] * m[8]) * d,
        (m[1] * m[5] - m[2] * m[4]) * d,
        (m[5] * m[6] - m[3] * m[8]) * d,
        (m[0] * m[8] - m[2] * m[6]) * d,
        (m[2] * m[3] - m[0] * m[5]) * d,
        (m[3] * m[7] - m[4] * m[6]) * d,
        (m[1] * m[6] - m[0] * m[7]) * d,
        (m[0] * m[4] - m[1] * m[3]) * d,
    ])
}

/// Inverse-map warp with bilinear sampling; outside pixels get `bg`, edges are anti-aliased by
/// the bilinear weights of the missing neighbours.
pub(crate) fn warp(src: &RgbImage, inv: &[f64; 9], ow: u32, oh: u32, bg: [u8; 3]) -> RgbImage {
    let (sw, sh) = (src.width() as i64, src.height() as i64);
    let raw = src.as_raw();
    let bgf = bg.map(|v| v as f32);
    let mut out = vec![0u8; ow as usize * oh as usize * 3];
    for (y, orow) in out.chunks_exact_mut(ow as usize * 3).enumerate() {
        let fy = y as f64 + 0.5;
        // numerators and denominator at x = 0.5, then incremented per pixel
        let mut nx = inv[0] * 0.5 + inv[1] * fy + inv[2];
        let mut ny = inv[3] * 0.5 + inv[4] * fy + inv[5];
        let mut nw = inv[6] * 0.5 + inv[7] * fy + inv[8];
        for o in orow.chunks_exact_mut(3) {
            let wz = if nw.abs() < 1e-12 { 1e-12 } else { nw };
            let (fx, fyy) = (nx / wz - 0.5, ny / wz - 0.5);
            nx += inv[0];
            ny += inv[3];
            nw += inv[6];
            if fx < -1.0 || fyy < -1.0 || fx > sw as f64 || fyy > sh as f64 {
                o.copy_from_slice(&bg);
                continue;
            }
            // floor for values ≥ -1 without a libm call
            let (x0, y0) = ((fx + 1.0) as i64 - 1, (fyy + 1.0) as i64 - 1);
            let (ax, ay) = ((fx - x0 as f64) as f32, (fyy - y0 as f64) as f32);
            let mut acc = [0.0f32; 3];
            if x0 >= 0 && y0 >= 0 && x0 + 1 < sw && y0 + 1 < sh {
                // interior: all four taps inside, no per-tap checks
                let i = ((y0 * sw + x0) * 3) as usize;
                let j = i + (sw * 3) as usize;
                let (w00, w10) = ((1.0 - ax) * (1.0 - ay), ax * (1.0 - ay));
                let (w01, w11) = ((1.0 - ax) * ay, ax * ay);
                for (c, a) in acc.iter_mut().enumerate() {
                    *a = w00 * raw[i + c] as f32
                        + w10 * raw[i + 3 + c] as f32
                        + w01 * raw[j + c] as f32
                        + w11 * raw[j + 3 + c] as f32;
                }
            } else {
                let taps = [
                    (x0, y0, (1.0 - ax) * (1.0 - ay)),
                    (x0 + 1, y0, ax * (1.0 - ay)),
                    (x0, y0 + 1, (1.0 - ax) * ay),
                    (x0 + 1, y0 + 1, ax * ay),
                ];
                for (px, py, wgt) in taps {
                    if px >= 0 && py >= 0 && px < sw && py < sh {
                        let i = ((py * sw + px) * 3) as usize;
                        acc[0] += wgt * raw[i] as f32;
                        acc[1] += wgt * raw[i + 1] as f32;
                        acc[2] += wgt * raw[i + 2] as f32;
                    } else {
                        acc[0] += wgt * bgf[0];
                        acc[1] += wgt * bgf[1];
                        acc[2] += wgt * bgf[2];
                    }
                }
            }
            o[0] = to_u8(acc[0]);
            o[1] = to_u8(acc[1]);
            o[2] = to_u8(acc[2]);
        }
    }
    RgbImage::from_raw(ow, oh, out).unwrap_or_else(|| RgbImage::from_pixel(ow, oh, Rgb(bg)))
}

fn illuminate(img: &mut RgbImage, strength: f64, rng: &mut Rng) {
    let angle = rng.uniform(0.0, std::f64::consts::TAU);
    let (dx, dy) = (angle.cos(), angle.sin());
    let (w, h) = (f64::from(img.width()), f64::from(img.height()));
    let (vx, vy) = (rng.uniform(0.3, 0.7) * w, rng.uniform(0.3, 0.7) * h);
    let half_diag = (w * w + h * h).sqrt() / 2.0;
    let width = img.width() as usize;
    if width == 0 {
        return;
    }
    for (y, row) in img.chunks_exact_mut(width * 3).enumerate() {
        let fy = y as f64 - h / 2.0;
        let ry = (y as f64 - vy) / h;
        for (x, p) in row.chunks_exact_mut(3).enumerate() {
            let fx = x as f64 - w / 2.0;
            // linear gradient in 0..1 along the direction, plus a soft vignette
            let t = ((fx * dx + fy * dy) / half_diag + 1.0) / 2.0;
            let rx = (x as f64 - vx) / w;
            let vignette = (rx * rx + ry * ry).min(1.0);
            let gain = (1.0 - strength * (0.75 * t + 0.25 * vignette)) as f32;
            for c in p.iter_mut() {
                *c = to_u8(*c as f32 * gain);
            }
        }
    }
}

/// Separable Gaussian blur (kernel radius ⌈3σ⌉, clamped edges).
pub(crate) fn gaussian_blur(img: &RgbImage, sigma: f32) -> RgbImage {
    let r = (3.0 * sigma).ceil().max(1.0) as usize;
    let kernel: Vec<f32> = (0..=2 * r)
        .map(|i| {
            let d = i as f32 - r as f32;
            (-(d * d) / (2.0 * sigma * sigma)).exp()
        })
        .collect();
    let sum: f32 = kernel.iter().sum();
    let kernel: Vec<f32> = kernel.iter().map(|k| k / sum).collect();
    let (w, h) = (img.width() as usize, img.height() as usize);
    if w == 0 || h == 0 {
        return img.clone();
    }
    let src = img.as_raw();
    // Horizontal pass into f32, one edge-padded row at a time; written as one
    // multiply-add sweep per kernel tap so that it vectorizes.
    let mut tmp = vec![0.0f32; src.len()];
    let mut row = vec![0.0f32; (w + 2 * r) * 3];
    for y in 0..h {
        let line = &src[y * w * 3..(y + 1) * w * 3];
        for (x, px) in row.chunks_exact_mut(3).enumerate() {
            let sx = x.saturating_sub(r).min(w - 1);
            px[0] = f32::from(line[sx * 3]);
            px[1] = f32::from(line[sx * 3 + 1]);
            px[2] = f32::from(line[sx * 3 + 2]);
        }
        let out = &mut tmp[y * w * 3..(y + 1) * w * 3];
        for (k, kv) in kernel.iter().enumerate() {
            for (o, p) in out.iter_mut().zip(&row[k * 3..]) {
                *o += kv * p;
            }
        }
    }
    // Vertical pass: accumulate whole rows.
    let mut out = vec![0u8; src.len()];
    let mut acc = vec![0.0f32; w * 3];
    for y in 0..h {
        acc.iter_mut().for_each(|v| *v = 0.0);
        for (k, kv) in kernel.iter().enumerate() {
            let sy = (y + k).saturating_sub(r).min(h - 1);
            let srow = &tmp[sy * w * 3..(sy + 1) * w * 3];
            for (a, s) in acc.iter_mut().zip(srow) {
                *a += kv * s;
            }
        }
        for (o, a) in out[y * w * 3..(y + 1) * w * 3].iter_mut().zip(&acc) {
            *o = to_u8(*a);
        }
    }
    RgbImage::from_raw(img.width(), img.height(), out).unwrap_or_else(|| img.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn homography_maps_the_four_points() {
        let src = [(0.0, 0.0), (100.0, 0.0), (100.0, 50.0), (0.0, 50.0)];
        let dst = [(10.0, 5.0), (120.0, 12.0), (105.0, 70.0), (3.0, 60.0)];
        let h = homography(&src, &dst).unwrap();
        for (s, d) in src.iter().zip(dst) {
            let (x, y) = apply_h(&h, s.0, s.1);
            assert!((x - d.0).abs() < 1e-6 && (y - d.1).abs() < 1e-6);
        }
        let inv = invert3(&h).unwrap();
        let (x, y) = apply_h(&h, 37.0, 21.0);
        let (bx, by) = apply_h(&inv, x, y);
        assert!((bx - 37.0).abs() < 1e-6 && (by - 21.0).abs() < 1e-6);
        // degenerate target
        assert!(homography(&src, &[(0.0, 0.0); 4]).is_none());
    }

    #[test]
    fn rotation_moves_a_marked_pixel_where_the_homography_says() {
        let mut img = RgbImage::from_pixel(200, 100, Rgb([255, 255, 255]));
        for y in 20..24 {
            for x in 150..154 {
                img.put_pixel(x, y, Rgb([0, 0, 0]));
            }
        }
        let d = Degradation {
            margin: Some(0.2),
            rotation_deg: Some(3.0),
            ..Degradation::none()
        };
        let out = degrade_image(&img, &d, 1).unwrap();
        assert_eq!(out.image.dimensions(), (240, 140));
        let (x, y) = apply_h(&out.homography, 152.0, 22.0);
        let p = out.image.get_pixel(x as u32, y as u32);
        assert!(
            p.0[0] < 60,
            "expected the dark mark at ({x},{y}), got {p:?}"
        );
        // Clockwise on screen: a point right of centre moves down.
        assert!(y > 22.0 + 20.0 + 1.0);
    }

    #[test]
    fn blur_preserves_mean_and_softens_edges() {
        let img = RgbImage::from_fn(40, 40, |x, _| {
            if x < 20 {
                Rgb([0, 0, 0])
            } else {
                Rgb([255, 255, 255])
            }
        });
        let b = gaussian_blur(&img, 1.5);
        let mean = |i: &RgbImage| i.pixels().map(|p| f64::from(p.0[0])).sum::<f64>() / 1600.0;
        assert!((mean(&img) - mean(&b)).abs() < 1.0);
        let edge = b.get_pixel(19, 10).0[0];
        assert!(edge > 40 && edge < 215, "edge pixel {edge}");
    }

    #[test]
    fn out_of_range_parameters_are_rejected() {
        let img = RgbImage::new(10, 10);
        let d = Degradation {
            rotation_deg: Some(45.0),
            ..Degradation::none()
        };
        assert_eq!(
            degrade_image(&img, &d, 0).unwrap_err().code(),
            "specimen.invalid_parameter"
        );
        let d = Degradation {
            jpeg_quality: Some(0),
            ..Degradation::none()
        };
        assert!(degrade_image(&img, &d, 0).is_err());
    }
}
