//! Image loading: format sniffing, decompression-bomb caps, EXIF
//! orientation, alpha flattened onto white, any bit depth or colour model to
//! 8-bit RGB.

use std::io::Cursor;
use std::path::Path;

use image::{DynamicImage, ImageDecoder, ImageReader, RgbImage, RgbaImage};

use crate::error::OcrError;

/// Caps applied while decoding outside images.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct LoadLimits {
    /// Longest side accepted, in pixels.
    pub max_side: u32,
    /// Most pixels accepted (width × height).
    pub max_pixels: u64,
    /// Most bytes the decoder may allocate.
    pub max_alloc: u64,
    /// Shortest side accepted (smaller images cannot hold text).
    pub min_side: u32,
}

impl Default for LoadLimits {
    fn default() -> Self {
        LoadLimits {
            max_side: 16_384,
            max_pixels: 80_000_000,
            max_alloc: 1 << 30,
            min_side: 8,
        }
    }
}

impl LoadLimits {
    /// Set the shortest side accepted.
    pub fn with_min_side(mut self, min_side: u32) -> Self {
        self.min_side = min_side;
        self
    }
}

/// Read and decode an image file (see [`load_image_bytes`]).
pub fn load_image(path: &Path, limits: &LoadLimits) -> Result<RgbImage, OcrError> {
    let bytes = std::fs::read(path).map_err(|source| OcrError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    load_image_bytes(&bytes, limits)
}

/// Decode an image from memory: PNG, JPEG, TIFF, WebP or BMP, any bit depth,
/// grey/RGB/CMYK/alpha. The EXIF orientation is applied, transparency is
/// flattened onto white, and the dimensions are checked against `limits`
/// before any pixel is decoded.
pub fn load_image_bytes(bytes: &[u8], limits: &LoadLimits) -> Result<RgbImage, OcrError> {
    if bytes.is_empty() {
        return Err(OcrError::Empty);
    }
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| OcrError::NotAnImage {
            reason: e.to_string(),
        })?;
    if reader.format().is_none() {
        return Err(OcrError::NotAnImage {
            reason: "unrecognized file signature".into(),
        });
    }
    // Read the declared size from the header alone, before any allocation.
    let header = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| OcrError::NotAnImage {
            reason: e.to_string(),
        })?;
    let (w, h) = header.into_dimensions().map_err(map_image_error)?;
    check_dimensions(w, h, limits)?;
    let mut reader = reader;
    let mut caps = image::Limits::default();
    caps.max_image_width = Some(limits.max_side);
    caps.max_image_height = Some(limits.max_side);
    caps.max_alloc = Some(limits.max_alloc);
    reader.limits(caps);
    let mut decoder = reader.into_decoder().map_err(map_image_error)?;
    let (w, h) = decoder.dimensions();
    check_dimensions(w, h, limits)?;
    let orientation = decoder.orientation().ok();
    let mut img = DynamicImage::from_decoder(decoder).map_err(map_image_error)?;
    if let Some(o) = orientation {
        img.apply_orientation(o);
    }
    let rgb = if img.color().has_alpha() {
        flatten_on_white(&img.to_rgba8())
    } else {
        img.to_rgb8()
    };
    check_dimensions(rgb.width(), rgb.height(), limits)?;
    Ok(rgb)
}

fn check_dimensions(w: u32, h: u32, limits: &LoadLimits) -> Result<(), OcrError> {
    if w > limits.max_side || h > limits.max_side || u64::from(w) * u64::from(h) > limits.max_pixels
    {
        return Err(OcrError::TooLarge {
            width: w,
            height: h,
            max_side: limits.max_side,
            max_pixels: limits.max_pixels,
        });
    }
    if w < limits.min_side || h < limits.min_side {
        return Err(OcrError::TooSmall {
            width: w,
            height: h,
            min: limits.min_side,
        });
    }
    Ok(())
}

fn flatten_on_white(img: &RgbaImage) -> RgbImage {
    RgbImage::from_fn(img.width(), img.height(), |x, y| {
        let p = img.get_pixel(x, y);
        let a = u32::from(p[3]);
        let mix = |c: u8| ((u32::from(c) * a + 255 * (255 - a) + 127) / 255) as u8;
        image::Rgb([mix(p[0]), mix(p[1]), mix(p[2])])
    })
}

fn map_image_error(e: image::ImageError) -> OcrError {
    use image::ImageError as E;
    match e {
        E::Limits(l) => OcrError::Decode {
            reason: format!("decoder limit exceeded: {l}"),
        },
        E::Unsupported(u) => OcrError::NotAnImage {
            reason: u.to_string(),
        },
        other => OcrError::Decode {
            reason: other.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(img: DynamicImage, fmt: image::ImageFormat) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, fmt).unwrap();
        out.into_inner()
    }

    #[test]
    fn empty_and_garbage_are_typed_errors() {
        let l = LoadLimits::default();
        assert_eq!(
            load_image_bytes(&[], &l).unwrap_err().code(),
            "ocr.empty_input"
        );
        let e = load_image_bytes(b"%PDF-1.7 this is not an image", &l).unwrap_err();
        assert_eq!(e.code(), "ocr.not_an_image");
        assert!(e.is_input_error());
    }

    #[test]
    fn truncated_png_is_corrupt() {
        let png = encode(
            DynamicImage::ImageRgb8(RgbImage::from_pixel(64, 64, image::Rgb([9, 9, 9]))),
            image::ImageFormat::Png,
        );
        let e = load_image_bytes(&png[..png.len() / 2], &LoadLimits::default()).unwrap_err();
        assert_eq!(e.code(), "ocr.corrupt_image", "{e}");
    }

    #[test]
    fn one_pixel_is_too_small() {
        let png = encode(
            DynamicImage::ImageRgb8(RgbImage::new(1, 1)),
            image::ImageFormat::Png,
        );
        let e = load_image_bytes(&png, &LoadLimits::default()).unwrap_err();
        assert!(
            matches!(
                e,
                OcrError::TooSmall {
                    width: 1,
                    height: 1,
                    min: 8
                }
            ),
            "{e}"
        );
    }

    #[test]
    fn huge_declared_dimensions_are_refused_before_decoding() {
        // A valid PNG header declaring 30000x30000, followed by nothing useful.
        let mut png = encode(
            DynamicImage::ImageLuma8(image::GrayImage::new(16, 16)),
            image::ImageFormat::Png,
        );
        png[16..20].copy_from_slice(&30000u32.to_be_bytes());
        png[20..24].copy_from_slice(&30000u32.to_be_bytes());
        // Fix the IHDR CRC so the decoder trusts the header.
        let crc = crc32(&png[12..29]);
        png[29..33].copy_from_slice(&crc.to_be_bytes());
        let e = load_image_bytes(&png, &LoadLimits::default()).unwrap_err();
        assert_eq!(e.code(), "ocr.image_too_large", "{e}");
        assert!(e.to_string().contains("30000"), "{e}");
    }

    fn crc32(data: &[u8]) -> u32 {
        let mut c = 0xFFFF_FFFFu32;
        for &b in data {
            c ^= u32::from(b);
            for _ in 0..8 {
                c = if c & 1 != 0 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
        }
        !c
    }

    #[test]
    fn sixteen_bit_and_alpha_become_8_bit_rgb_on_white() {
        let mut rgba = RgbaImage::from_pixel(16, 16, image::Rgba([0, 0, 0, 0]));
        rgba.put_pixel(3, 3, image::Rgba([10, 20, 30, 255]));
        let png = encode(DynamicImage::ImageRgba8(rgba), image::ImageFormat::Png);
        let img = load_image_bytes(&png, &LoadLimits::default()).unwrap();
        assert_eq!(img.get_pixel(0, 0).0, [255, 255, 255]);
        assert_eq!(img.get_pixel(3, 3).0, [10, 20, 30]);

        let g16 = image::ImageBuffer::<image::Luma<u16>, Vec<u16>>::from_pixel(
            20,
            10,
            image::Luma([0x8000]),
        );
        let png16 = encode(DynamicImage::ImageLuma16(g16), image::ImageFormat::Png);
        let img = load_image_bytes(&png16, &LoadLimits::default()).unwrap();
        assert_eq!(img.dimensions(), (20, 10));
        assert_eq!(img.get_pixel(5, 5).0, [128, 128, 128]);
    }
}
