//! Image decoding with limits, and the few pixel operations the pipeline needs
//! (letterbox resampling, bilinear sampling, Laplacian variance).

use crate::error::FaceError;
use image::{DynamicImage, ImageDecoder, ImageReader};
use std::borrow::Cow;
use std::io::Cursor;

/// Largest accepted image side by default, in pixels (a 12000 px side is ~
/// a 140-megapixel frame; anything larger is refused before decoding).
pub const DEFAULT_MAX_SIDE: u32 = 12_000;
/// Smallest accepted image side, in pixels.
pub const MIN_SIDE: u32 = 16;

/// Decode image bytes (PNG, JPEG, TIFF, WebP, BMP), refusing images whose
/// side exceeds `max_side`, and applying the EXIF orientation so the face is
/// upright as a viewer would show it.
///
/// Grayscale, 16-bit and alpha images are accepted; they are converted to
/// 8-bit RGB when processed.
pub fn decode_image(bytes: &[u8], max_side: u32) -> Result<DynamicImage, FaceError> {
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| FaceError::CorruptImage {
            detail: e.to_string(),
        })?;
    if reader.format().is_none() {
        return Err(FaceError::UnsupportedFormat {
            detail: String::new(),
        });
    }
    let mut decoder = reader.into_decoder().map_err(map_image_error)?;
    let (w, h) = decoder.dimensions();
    if w > max_side || h > max_side {
        return Err(FaceError::ImageTooLarge {
            width: w,
            height: h,
            max_side,
        });
    }
    if w < MIN_SIDE || h < MIN_SIDE {
        return Err(FaceError::ImageTooSmall {
            width: w,
            height: h,
            min_side: MIN_SIDE,
        });
    }
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut img = DynamicImage::from_decoder(decoder).map_err(map_image_error)?;
    img.apply_orientation(orientation);
    Ok(img)
}

/// Read and decode an image file (see [`decode_image`]).
pub fn load_image_file(path: &std::path::Path, max_side: u32) -> Result<DynamicImage, FaceError> {
    let bytes = std::fs::read(path).map_err(|source| FaceError::Io {
        path: path.display().to_string(),
        source,
    })?;
    decode_image(&bytes, max_side)
}

fn map_image_error(e: image::ImageError) -> FaceError {
    use image::ImageError as E;
    match e {
        E::Unsupported(u) => FaceError::UnsupportedFormat {
            detail: u.to_string(),
        },
        E::Limits(l) => FaceError::CorruptImage {
            detail: format!("decoder memory limit: {l}"),
        },
        other => FaceError::CorruptImage {
            detail: other.to_string(),
        },
    }
}

/// Check the dimensions of an already decoded image against the limits.
pub(crate) fn check_dimensions(img: &DynamicImage, max_side: u32) -> Result<(), FaceError> {
    let (w, h) = (img.width(), img.height());
    if w > max_side || h > max_side {
        return Err(FaceError::ImageTooLarge {
            width: w,
            height: h,
            max_side,
        });
    }
    if w < MIN_SIDE || h < MIN_SIDE {
        return Err(FaceError::ImageTooSmall {
            width: w,
            height: h,
            min_side: MIN_SIDE,
        });
    }
    Ok(())
}

/// 8-bit RGB pixels of `img`, borrowed when it already is RGB8.
pub(crate) fn rgb8(img: &DynamicImage) -> Cow<'_, image::RgbImage> {
    match img {
        DynamicImage::ImageRgb8(b) => Cow::Borrowed(b),
        other => Cow::Owned(other.to_rgb8()),
    }
}

/// A borrowed RGB8 raster.
#[derive(Clone, Copy)]
pub struct Rgb8View<'a> {
    data: &'a [u8],
    w: usize,
    h: usize,
}

impl<'a> Rgb8View<'a> {
    /// Wrap `data` (row-major RGB, at least `w*h*3` bytes).
    pub fn new(data: &'a [u8], w: usize, h: usize) -> Self {
        let n = (w * h * 3).min(data.len());
        let h = (n / 3).checked_div(w).unwrap_or(0);
        Self {
            data: &data[..w * h * 3],
            w,
            h,
        }
    }

    /// View of an `image` buffer.
    pub fn of(img: &'a image::RgbImage) -> Self {
        Self::new(img.as_raw(), img.width() as usize, img.height() as usize)
    }

    /// Width in pixels.
    pub fn width(&self) -> usize {
        self.w
    }

    /// Height in pixels.
    pub fn height(&self) -> usize {
        self.h
    }

    /// Copy of the `cw`x`ch` region at `(x0, y0)`, clipped to the image.
    pub fn crop(&self, x0: usize, y0: usize, cw: usize, ch: usize) -> Vec<u8> {
        let x0 = x0.min(self.w);
        let y0 = y0.min(self.h);
        let cw = cw.min(self.w - x0);
        let ch = ch.min(self.h - y0);
        let mut out = Vec::with_capacity(cw * ch * 3);
        for y in y0..y0 + ch {
            let o = (y * self.w + x0) * 3;
            out.extend_from_slice(&self.data[o..o + cw * 3]);
        }
        out
    }

    #[inline]
    fn px(&self, x: isize, y: isize) -> [f32; 3] {
        if x < 0 || y < 0 || x as usize >= self.w || y as usize >= self.h {
            return [0.0; 3];
        }
        let o = (y as usize * self.w + x as usize) * 3;
        [
            f32::from(self.data[o]),
            f32::from(self.data[o + 1]),
            f32::from(self.data[o + 2]),
        ]
    }

    /// Bilinear sample at `(x, y)` (pixel centres at integer coordinates);
    /// neighbours outside the image count as black.
    pub fn sample_bilinear(&self, x: f64, y: f64) -> [f32; 3] {
        if !(x.is_finite() && y.is_finite())
            || x < -1.0
            || y < -1.0
            || x > self.w as f64
            || y > self.h as f64
        {
            return [0.0; 3];
        }
        // floor() without the libm call baseline x86-64 compiles it to:
        // x, y >= -1 here, so truncating x + 1 is floor(x) + 1.
        let (xi, yi) = ((x + 1.0) as isize - 1, (y + 1.0) as isize - 1);
        let (fx, fy) = ((x - xi as f64) as f32, (y - yi as f64) as f32);
        let p00 = self.px(xi, yi);
        let p10 = self.px(xi + 1, yi);
        let p01 = self.px(xi, yi + 1);
        let p11 = self.px(xi + 1, yi + 1);
        let mut out = [0.0f32; 3];
        for c in 0..3 {
            let top = p00[c] + (p10[c] - p00[c]) * fx;
            let bot = p01[c] + (p11[c] - p01[c]) * fx;
            out[c] = top + (bot - top) * fy;
        }
        out
    }
}

/// Resampling weights of one axis, flattened: output `i` reads source pixels
/// `first[i]..first[i] + (end[i] - start[i])` with weights `weights[start[i]..end[i]]`.
struct AxisWeights {
    first: Vec<usize>,
    span: Vec<(usize, usize)>,
    weights: Vec<f32>,
}

impl AxisWeights {
    /// Area averaging (exact overlap of output and input pixels) when
    /// shrinking, linear interpolation with half-pixel centres and edge
    /// clamping when enlarging — the behaviour of OpenCV's INTER_AREA and
    /// INTER_LINEAR respectively.
    fn new(src: usize, dst: usize) -> Self {
        let r = src as f64 / dst as f64;
        let mut me = Self {
            first: Vec::with_capacity(dst),
            span: Vec::with_capacity(dst),
            weights: Vec::with_capacity(dst * 2),
        };
        let mut push = |first: usize, w: &[f32]| {
            me.first.push(first);
            let start = me.weights.len();
            me.weights.extend_from_slice(w);
            me.span.push((start, me.weights.len()));
        };
        if r >= 1.0 {
            let mut w = Vec::new();
            for i in 0..dst {
                let (lo, hi) = (i as f64 * r, ((i + 1) as f64 * r).min(src as f64));
                let first = lo.floor() as usize;
                let last = (hi.ceil() as usize).clamp(first + 1, src);
                w.clear();
                for s in first..last {
                    let ov = (hi.min((s + 1) as f64) - lo.max(s as f64)).max(0.0);
                    w.push((ov / r) as f32);
                }
                push(first, &w);
            }
        } else {
            for i in 0..dst {
                let f = (i as f64 + 0.5) * r - 0.5;
                let mut s = f.floor();
                let mut t = f - s;
                if s < 0.0 {
                    s = 0.0;
                    t = 0.0;
                }
                let s = s as usize;
                if s + 1 >= src {
                    push(src - 1, &[1.0]);
                } else {
                    push(s, &[(1.0 - t) as f32, t as f32]);
                }
            }
        }
        me
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.first.len()
    }

    /// First source index and weights of output `i`.
    #[inline]
    fn taps(&self, i: usize) -> (usize, &[f32]) {
        let (a, b) = self.span[i];
        (self.first[i], &self.weights[a..b])
    }
}

/// `v` rounded half away from zero and clamped to 0..=255, as a float.
///
/// Same result as `v.round().clamp(0.0, 255.0)` without the `roundf` library
/// call that baseline x86-64 (no SSE4.1) compiles `round` to — it was 15% of
/// the letterbox time. After the clamp `v + 0.5` is positive, so truncation
/// is `floor`.
#[inline]
pub(crate) fn round_u8(v: f32) -> f32 {
    (v.clamp(0.0, 255.0) + 0.5) as i32 as f32
}

/// Resize `src` to `dw`x`dh` (area when shrinking, bilinear when enlarging),
/// streaming: `emit(y, row)` receives each output row as interleaved RGB
/// floats rounded to integers like an 8-bit result (`dw * 3` values).
///
/// Vertical pass first, one output row at a time: as a weighted sum of whole
/// contiguous source rows it vectorises and touches every source byte once or
/// twice; the horizontal pass (a gather) then runs on one row of `sw` pixels.
/// Only two row buffers are allocated whatever the image size.
pub(crate) fn resize_rgb_rows(
    src: &Rgb8View<'_>,
    dw: usize,
    dh: usize,
    emit: impl FnMut(usize, &[f32]),
) {
    resize_rgb_row_range(src, dw, dh, 0..dh, emit);
}

/// [`resize_rgb_rows`] restricted to the output rows `rows` (so that several
/// threads can each produce a band of the same resize; every band gives
/// exactly the rows the whole resize would).
pub(crate) fn resize_rgb_row_range(
    src: &Rgb8View<'_>,
    dw: usize,
    dh: usize,
    rows: std::ops::Range<usize>,
    mut emit: impl FnMut(usize, &[f32]),
) {
    let (sw, sh) = (src.w, src.h);
    if sw == 0 || sh == 0 || dw == 0 || dh == 0 {
        return;
    }
    let hx = AxisWeights::new(sw, dw);
    let vy = AxisWeights::new(sh, dh);
    let row_len = sw * 3;
    let mut acc = vec![0f32; row_len];
    let mut out = vec![0f32; dw * 3];
    for y in rows.start..rows.end.min(dh) {
        let (first, w) = vy.taps(y);
        for (k, &wk) in w.iter().enumerate() {
            let row = &src.data[(first + k) * row_len..(first + k + 1) * row_len];
            if k == 0 {
                for (a, &v) in acc.iter_mut().zip(row) {
                    *a = wk * f32::from(v);
                }
            } else {
                for (a, &v) in acc.iter_mut().zip(row) {
                    *a += wk * f32::from(v);
                }
            }
        }
        for (x, o) in out.chunks_exact_mut(3).enumerate() {
            let (first, w) = hx.taps(x);
            let px = &acc[first * 3..(first + w.len()) * 3];
            let (mut r, mut g, mut b) = (0f32, 0f32, 0f32);
            for (wk, p) in w.iter().zip(px.chunks_exact(3)) {
                r += wk * p[0];
                g += wk * p[1];
                b += wk * p[2];
            }
            o[0] = r;
            o[1] = g;
            o[2] = b;
        }
        // A separate pass so that the rounding vectorises.
        for v in &mut out {
            *v = round_u8(*v);
        }
        emit(y, &out);
    }
}

/// Resize `src` to `dw`x`dh` (area when shrinking, bilinear when enlarging),
/// returning interleaved RGB floats rounded to integers like an 8-bit result.
pub(crate) fn resize_rgb(src: &Rgb8View<'_>, dw: usize, dh: usize) -> Vec<f32> {
    let mut dst = vec![0f32; dh * dw * 3];
    resize_rgb_rows(src, dw, dh, |y, row| {
        dst[y * dw * 3..(y + 1) * dw * 3].copy_from_slice(row);
    });
    dst
}

/// Variance of the 3x3 Laplacian (4-neighbour) over the interior of a
/// `w`x`h` luma raster: a standard sharpness measure (low = blurred).
pub fn laplacian_variance(luma: &[f32], w: usize, h: usize) -> f32 {
    if w < 3 || h < 3 || luma.len() < w * h {
        return 0.0;
    }
    let (mut sum, mut sum2, mut n) = (0f64, 0f64, 0f64);
    for y in 1..h - 1 {
        for x in 1..w - 1 {
            let c = luma[y * w + x];
            let l = luma[y * w + x - 1]
                + luma[y * w + x + 1]
                + luma[(y - 1) * w + x]
                + luma[(y + 1) * w + x]
                - 4.0 * c;
            sum += f64::from(l);
            sum2 += f64::from(l) * f64::from(l);
            n += 1.0;
        }
    }
    let mean = sum / n;
    (sum2 / n - mean * mean).max(0.0) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn area_weights_sum_to_one_and_average_blocks() {
        for (s, d) in [(10usize, 3usize), (2500, 640), (7, 7), (100, 640)] {
            let w = AxisWeights::new(s, d);
            assert_eq!(w.len(), d);
            for i in 0..d {
                let (first, ws) = w.taps(i);
                let sum: f32 = ws.iter().sum();
                assert!((sum - 1.0).abs() < 1e-4, "{s}->{d}: {sum}");
                assert!(first + ws.len() <= s);
            }
        }
        // 4x4 checker of 2x2 blocks halved: every output is one block's value.
        let mut data = Vec::new();
        for y in 0..4 {
            for x in 0..4 {
                let v = if (x / 2 + y / 2) % 2 == 0 { 200u8 } else { 20 };
                data.extend([v, v / 2, 7]);
            }
        }
        let out = resize_rgb(&Rgb8View::new(&data, 4, 4), 2, 2);
        assert_eq!(
            out,
            vec![
                200.0, 100.0, 7.0, 20.0, 10.0, 7.0, 20.0, 10.0, 7.0, 200.0, 100.0, 7.0
            ]
        );
    }

    #[test]
    fn fast_rounding_matches_round_and_clamp() {
        for i in -2000..4000 {
            let v = i as f32 * 0.0625 + 0.001 * (i % 7) as f32;
            assert_eq!(round_u8(v), v.round().clamp(0.0, 255.0), "{v}");
        }
        for v in [
            0.5f32,
            1.5,
            2.5,
            254.5,
            255.49,
            255.5,
            300.0,
            -0.5,
            f32::NAN,
        ] {
            let want = v.round().clamp(0.0, 255.0);
            let got = round_u8(v);
            assert!(
                got == want || (v.is_nan() && got == 0.0),
                "{v}: {got} vs {want}"
            );
        }
    }

    #[test]
    fn linear_upscale_interpolates_between_centres() {
        let data = [0u8, 0, 0, 100, 100, 100];
        let out = resize_rgb(&Rgb8View::new(&data, 2, 1), 4, 1);
        // Centres of the 4 outputs map to -0.25, 0.25, 0.75, 1.25 -> 0, 25, 75, 100.
        let r: Vec<f32> = out.chunks(3).map(|p| p[0]).collect();
        assert_eq!(r, vec![0.0, 25.0, 75.0, 100.0]);
    }

    #[test]
    fn bilinear_sampling_and_black_border() {
        let data = [0u8, 0, 0, 100, 50, 10, 200, 100, 20, 40, 40, 40];
        let v = Rgb8View::new(&data, 2, 2);
        assert_eq!(v.sample_bilinear(1.0, 0.0), [100.0, 50.0, 10.0]);
        let m = v.sample_bilinear(0.5, 0.5);
        assert!((m[0] - 85.0).abs() < 1e-4);
        // Half outside on the right: the missing neighbours are black.
        let e = v.sample_bilinear(1.5, 0.0);
        assert!((e[0] - 50.0).abs() < 1e-4);
        assert_eq!(v.sample_bilinear(-5.0, 0.0), [0.0; 3]);
        assert_eq!(v.sample_bilinear(f64::NAN, 0.0), [0.0; 3]);
    }

    #[test]
    fn laplacian_variance_separates_sharp_from_flat() {
        let flat = vec![128.0f32; 20 * 20];
        assert_eq!(laplacian_variance(&flat, 20, 20), 0.0);
        let checker: Vec<f32> = (0..400)
            .map(|i| {
                if (i % 20 + i / 20) % 2 == 0 {
                    0.0
                } else {
                    255.0
                }
            })
            .collect();
        assert!(laplacian_variance(&checker, 20, 20) > 1e5);
        assert_eq!(laplacian_variance(&flat, 2, 2), 0.0);
    }

    #[test]
    fn decode_rejects_garbage_truncation_and_size() {
        assert_eq!(
            decode_image(b"hello world, not an image", 100)
                .unwrap_err()
                .code(),
            "face.unsupported_format"
        );
        let mut png = Vec::new();
        DynamicImage::new_rgb8(40, 30)
            .write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        let ok = decode_image(&png, 100).unwrap();
        assert_eq!((ok.width(), ok.height()), (40, 30));
        assert_eq!(
            decode_image(&png[..png.len() / 2], 100).unwrap_err().code(),
            "face.corrupt_image"
        );
        let e = decode_image(&png, 32).unwrap_err();
        assert!(
            matches!(
                e,
                FaceError::ImageTooLarge {
                    width: 40,
                    height: 30,
                    max_side: 32
                }
            ),
            "{e:?}"
        );
        let mut tiny = Vec::new();
        DynamicImage::new_luma8(8, 8)
            .write_to(&mut Cursor::new(&mut tiny), image::ImageFormat::Png)
            .unwrap();
        assert_eq!(
            decode_image(&tiny, 100).unwrap_err().code(),
            "face.image_too_small"
        );
    }
}
