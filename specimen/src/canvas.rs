//! Internal drawing helpers: a page that records every text run it draws, and simple shapes.

use image::{Rgb, RgbImage};

use crate::error::SpecimenError;
use crate::text::{Fonts, Style, blend, nfc};
use crate::truth::{LineRole, TextLine};

/// An image being drawn, with the text runs drawn so far.
pub(crate) struct Page<'f> {
    pub img: RgbImage,
    pub fonts: &'f Fonts,
    pub lines: Vec<TextLine>,
    row: u32,
    row_used: bool,
}

impl<'f> Page<'f> {
    pub fn new(img: RgbImage, fonts: &'f Fonts) -> Self {
        Page {
            img,
            fonts,
            lines: Vec::new(),
            row: 0,
            row_used: false,
        }
    }

    /// Start a new visual row (no-op if nothing was drawn on the current one).
    pub fn newline(&mut self) {
        if self.row_used {
            self.row += 1;
            self.row_used = false;
        }
    }

    /// Draw `text` at (`x`, `baseline`) and record it; returns the advance width.
    pub fn text(
        &mut self,
        style: &Style,
        x: f32,
        baseline: f32,
        text: &str,
        role: LineRole,
        field: Option<&str>,
    ) -> Result<f32, SpecimenError> {
        let text = nfc(text);
        let drawn = self.fonts.draw(&mut self.img, style, x, baseline, &text)?;
        if let Some(quad) = drawn.ink {
            self.lines.push(TextLine {
                text,
                quad,
                role,
                field: field.map(str::to_string),
                row: self.row,
                font_px: style.px,
            });
            self.row_used = true;
        }
        Ok(drawn.width)
    }

    /// Draw `text` centred on `cx`.
    pub fn text_centered(
        &mut self,
        style: &Style,
        cx: f32,
        baseline: f32,
        text: &str,
        role: LineRole,
        field: Option<&str>,
    ) -> Result<f32, SpecimenError> {
        let w = self.fonts.width(style, text)?;
        self.text(style, cx - w / 2.0, baseline, text, role, field)
    }
}

/// Fill an axis-aligned rectangle (clipped).
pub(crate) fn fill_rect(img: &mut RgbImage, x0: i64, y0: i64, x1: i64, y1: i64, c: [u8; 3]) {
    let (w, h) = (i64::from(img.width()), i64::from(img.height()));
    for y in y0.max(0)..y1.min(h) {
        for x in x0.max(0)..x1.min(w) {
            img.put_pixel(x as u32, y as u32, Rgb(c));
        }
    }
}

/// Stroke an axis-aligned rectangle outline of thickness `t`.
pub(crate) fn stroke_rect(
    img: &mut RgbImage,
    x0: i64,
    y0: i64,
    x1: i64,
    y1: i64,
    t: i64,
    c: [u8; 3],
) {
    fill_rect(img, x0, y0, x1, y0 + t, c);
    fill_rect(img, x0, y1 - t, x1, y1, c);
    fill_rect(img, x0, y0, x0 + t, y1, c);
    fill_rect(img, x1 - t, y0, x1, y1, c);
}

/// Fill the pixels whose centre satisfies `inside(x, y)` within a bounding box, anti-aliased by
/// 2x2 supersampling, blending `c` with opacity `alpha`.
pub(crate) fn fill_shape(
    img: &mut RgbImage,
    bbox: (f32, f32, f32, f32),
    c: [u8; 3],
    alpha: f32,
    inside: impl Fn(f32, f32) -> bool,
) {
    let (w, h) = (img.width() as i64, img.height() as i64);
    let x0 = (bbox.0.floor() as i64).max(0);
    let y0 = (bbox.1.floor() as i64).max(0);
    let x1 = (bbox.2.ceil() as i64).min(w);
    let y1 = (bbox.3.ceil() as i64).min(h);
    for y in y0..y1 {
        for x in x0..x1 {
            let mut n = 0;
            for (dx, dy) in [(0.25, 0.25), (0.75, 0.25), (0.25, 0.75), (0.75, 0.75)] {
                if inside(x as f32 + dx, y as f32 + dy) {
                    n += 1;
                }
            }
            if n > 0 {
                let a = alpha * n as f32 / 4.0;
                blend(img.get_pixel_mut(x as u32, y as u32), c, a);
            }
        }
    }
}

/// Filled ellipse.
pub(crate) fn fill_ellipse(
    img: &mut RgbImage,
    cx: f32,
    cy: f32,
    rx: f32,
    ry: f32,
    c: [u8; 3],
    alpha: f32,
) {
    fill_shape(
        img,
        (cx - rx, cy - ry, cx + rx, cy + ry),
        c,
        alpha,
        |x, y| {
            let (u, v) = ((x - cx) / rx, (y - cy) / ry);
            u * u + v * v <= 1.0
        },
    );
}

/// Elliptic ring (outline) of thickness `t`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn stroke_ellipse(
    img: &mut RgbImage,
    cx: f32,
    cy: f32,
    rx: f32,
    ry: f32,
    t: f32,
    c: [u8; 3],
    alpha: f32,
) {
    let (ox, oy) = (rx + t / 2.0, ry + t / 2.0);
    let (ix, iy) = ((rx - t / 2.0).max(0.1), (ry - t / 2.0).max(0.1));
    fill_shape(
        img,
        (cx - ox, cy - oy, cx + ox, cy + oy),
        c,
        alpha,
        |x, y| {
            let (u, v) = ((x - cx) / ox, (y - cy) / oy);
            let (p, q) = ((x - cx) / ix, (y - cy) / iy);
            u * u + v * v <= 1.0 && p * p + q * q >= 1.0
        },
    );
}

/// Filled polygon (even-odd rule).
pub(crate) fn fill_polygon(img: &mut RgbImage, pts: &[(f32, f32)], c: [u8; 3], alpha: f32) {
    if pts.len() < 3 {
        return;
    }
    let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
    for (x, y) in pts {
        x0 = x0.min(*x);
        y0 = y0.min(*y);
        x1 = x1.max(*x);
        y1 = y1.max(*y);
    }
    fill_shape(img, (x0, y0, x1, y1), c, alpha, |x, y| {
        let mut inside = false;
        let mut j = pts.len() - 1;
        for i in 0..pts.len() {
            let (xi, yi) = pts[i];
            let (xj, yj) = pts[j];
            if (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi {
                inside = !inside;
            }
            j = i;
        }
        inside
    });
}

/// A thick line segment.
pub(crate) fn line(
    img: &mut RgbImage,
    a: (f32, f32),
    b: (f32, f32),
    t: f32,
    c: [u8; 3],
    alpha: f32,
) {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len2 = (dx * dx + dy * dy).max(1e-6);
    let r = t / 2.0;
    let bbox = (
        a.0.min(b.0) - r,
        a.1.min(b.1) - r,
        a.0.max(b.0) + r,
        a.1.max(b.1) + r,
    );
    fill_shape(img, bbox, c, alpha, |x, y| {
        let s = (((x - a.0) * dx + (y - a.1) * dy) / len2).clamp(0.0, 1.0);
        let (px, py) = (a.0 + s * dx - x, a.1 + s * dy - y);
        px * px + py * py <= r * r
    });
}

/// The points of a five-pointed star centred on (`cx`, `cy`).
pub(crate) fn star(cx: f32, cy: f32, r_out: f32) -> Vec<(f32, f32)> {
    let r_in = r_out * 0.382;
    (0..10)
        .map(|i| {
            let r = if i % 2 == 0 { r_out } else { r_in };
            let a = -std::f32::consts::FRAC_PI_2 + i as f32 * std::f32::consts::PI / 5.0;
            (cx + r * a.cos(), cy + r * a.sin())
        })
        .collect()
}

/// Paste `src` with its top-left corner at (`x`, `y`) (clipped).
pub(crate) fn paste(dst: &mut RgbImage, src: &RgbImage, x: i64, y: i64) {
    let (w, h) = (i64::from(dst.width()), i64::from(dst.height()));
    for (sx, sy, p) in src.enumerate_pixels() {
        let (dx, dy) = (x + i64::from(sx), y + i64::from(sy));
        if dx >= 0 && dy >= 0 && dx < w && dy < h {
            dst.put_pixel(dx as u32, dy as u32, *p);
        }
    }
}
