//! Page images: JPEG passed through (DCTDecode), anything else decoded and
//! re-encoded losslessly (FlateDecode); resolution from JFIF/pHYs or the caller.

use super::WriterError;

/// Largest page image accepted, in pixels.
pub const MAX_IMAGE_PIXELS: u64 = 120_000_000;
/// Largest page image file accepted, in bytes.
pub const MAX_IMAGE_BYTES: usize = 64 * 1024 * 1024;

/// Colour space of an embedded image.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Space {
    Gray,
    Rgb,
}

/// An image ready to embed.
pub(crate) struct Prepared {
    pub width: u32,
    pub height: u32,
    pub space: Space,
    /// `true`: `data` is a JPEG (DCTDecode); `false`: zlib (FlateDecode) samples.
    pub dct: bool,
    pub data: Vec<u8>,
    /// Resolution read from the file, if any.
    pub dpi: Option<(f32, f32)>,
}

fn bad(page: usize, detail: impl Into<String>) -> WriterError {
    WriterError::BadImage {
        page,
        detail: detail.into(),
    }
}

/// JPEG frame size and component count.
type JpegFrame = (u32, u32, u8);

/// JPEG frame header facts and the JFIF density in dpi.
fn jpeg_info(data: &[u8]) -> Option<(JpegFrame, Option<(f32, f32)>)> {
    if !data.starts_with(&[0xff, 0xd8]) {
        return None;
    }
    let mut i = 2usize;
    let mut dpi = None;
    while i + 4 <= data.len() {
        if data[i] != 0xff {
            return None;
        }
        let marker = data[i + 1];
        if marker == 0xff {
            i += 1;
            continue;
        }
        let len = usize::from(u16::from_be_bytes([data[i + 2], data[i + 3]]));
        let seg = data.get(i + 4..i + 2 + len)?;
        match marker {
            0xe0 if seg.starts_with(b"JFIF\0") && seg.len() >= 12 => {
                let units = seg[7];
                let x = f32::from(u16::from_be_bytes([seg[8], seg[9]]));
                let y = f32::from(u16::from_be_bytes([seg[10], seg[11]]));
                dpi = match units {
                    1 if x > 0.0 && y > 0.0 => Some((x, y)),
                    2 if x > 0.0 && y > 0.0 => Some((x * 2.54, y * 2.54)),
                    _ => None,
                };
            }
            0xc0..=0xcf if marker != 0xc4 && marker != 0xc8 && marker != 0xcc => {
                if seg.len() < 6 {
                    return None;
                }
                let h = u32::from(u16::from_be_bytes([seg[1], seg[2]]));
                let w = u32::from(u16::from_be_bytes([seg[3], seg[4]]));
                return Some(((w, h, seg[5]), dpi));
            }
            0xd9 | 0xda => return None,
            _ => {}
        }
        i += 2 + len;
    }
    None
}

/// PNG pHYs resolution (pixels per metre → dpi).
fn png_dpi(data: &[u8]) -> Option<(f32, f32)> {
    if !data.starts_with(b"\x89PNG\r\n\x1a\n") {
        return None;
    }
    let mut i = 8usize;
    while i + 8 <= data.len() {
        let len = u32::from_be_bytes([data[i], data[i + 1], data[i + 2], data[i + 3]]) as usize;
        let kind = &data[i + 4..i + 8];
        if kind == b"pHYs" {
            let c = data.get(i + 8..i + 17)?;
            if c[8] != 1 {
                return None;
            }
            let x = u32::from_be_bytes([c[0], c[1], c[2], c[3]]) as f32 * 0.0254;
            let y = u32::from_be_bytes([c[4], c[5], c[6], c[7]]) as f32 * 0.0254;
            return (x > 0.0 && y > 0.0).then_some((x, y));
        }
        if kind == b"IDAT" || kind == b"IEND" {
            return None;
        }
        i = i.checked_add(12)?.checked_add(len)?;
    }
    None
}

/// Prepare page `page`'s image.
pub(crate) fn prepare(page: usize, data: &[u8]) -> Result<Prepared, WriterError> {
    if data.len() > MAX_IMAGE_BYTES {
        return Err(WriterError::TooLarge {
            what: "page image file",
            limit: MAX_IMAGE_BYTES as u64,
        });
    }
    let has_eoi = data[data.len().saturating_sub(64)..]
        .windows(2)
        .any(|w| w == [0xff, 0xd9]);
    if let Some(((w, h, comps), dpi)) = jpeg_info(data)
        && (comps == 1 || comps == 3)
        && has_eoi
    {
        if w == 0 || h == 0 {
            return Err(bad(page, "JPEG with zero size"));
        }
        if u64::from(w) * u64::from(h) > MAX_IMAGE_PIXELS {
            return Err(WriterError::TooLarge {
                what: "page image pixels",
                limit: MAX_IMAGE_PIXELS,
            });
        }
        return Ok(Prepared {
            width: w,
            height: h,
            space: if comps == 1 { Space::Gray } else { Space::Rgb },
            dct: true,
            data: data.to_vec(),
            dpi,
        });
    }
    let dpi = png_dpi(data);
    let format = image::guess_format(data).map_err(|e| bad(page, e.to_string()))?;
    let mut reader = image::ImageReader::with_format(std::io::Cursor::new(data), format);
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(MAX_IMAGE_PIXELS * 4);
    reader.limits(limits);
    let img = reader.decode().map_err(|e| bad(page, e.to_string()))?;
    let (w, h) = (img.width(), img.height());
    if w == 0 || h == 0 {
        return Err(bad(page, "image with zero size"));
    }
    if u64::from(w) * u64::from(h) > MAX_IMAGE_PIXELS {
        return Err(WriterError::TooLarge {
            what: "page image pixels",
            limit: MAX_IMAGE_PIXELS,
        });
    }
    let gray = !img.color().has_color();
    // Composite any alpha over white.
    let (space, raw) = if gray {
        let la = img.to_luma_alpha8();
        let raw: Vec<u8> = la.pixels().map(|p| blend(p.0[0], p.0[1])).collect();
        (Space::Gray, raw)
    } else {
        let rgba = img.to_rgba8();
        let mut raw = Vec::with_capacity((w * h * 3) as usize);
        for p in rgba.pixels() {
            let [r, g, b, a] = p.0;
            raw.extend_from_slice(&[blend(r, a), blend(g, a), blend(b, a)]);
        }
        (Space::Rgb, raw)
    };
    Ok(Prepared {
        width: w,
        height: h,
        space,
        dct: false,
        data: miniz_oxide::deflate::compress_to_vec_zlib(&raw, 6),
        dpi,
    })
}

fn blend(v: u8, a: u8) -> u8 {
    let v = u32::from(v) * u32::from(a) + 255 * (255 - u32::from(a));
    (v / 255) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg(w: u32, h: u32, dpi: u16) -> Vec<u8> {
        let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([x as u8, y as u8, 128]));
        let mut out = Vec::new();
        let mut enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80);
        enc.set_pixel_density(image::codecs::jpeg::PixelDensity::dpi(dpi));
        enc.encode_image(&img).unwrap();
        out
    }

    #[test]
    fn jpeg_is_passed_through_with_its_dpi() {
        let j = jpeg(40, 30, 300);
        let p = prepare(0, &j).unwrap();
        assert!(p.dct);
        assert_eq!((p.width, p.height, p.space), (40, 30, Space::Rgb));
        assert_eq!(p.data, j);
        assert_eq!(p.dpi, Some((300.0, 300.0)));
    }

    #[test]
    fn png_is_reencoded_with_phys_dpi_and_alpha_over_white() {
        let img = image::RgbaImage::from_fn(4, 2, |x, _| {
            if x == 0 {
                image::Rgba([0, 0, 0, 0])
            } else {
                image::Rgba([10, 20, 30, 255])
            }
        });
        let mut png = Vec::new();
        img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        // Insert a pHYs chunk (7874 px/m ≈ 200 dpi) after IHDR.
        let ihdr_end = 8 + 12 + 13;
        let mut chunk = Vec::new();
        chunk.extend_from_slice(&9u32.to_be_bytes());
        let mut body = b"pHYs".to_vec();
        body.extend_from_slice(&7874u32.to_be_bytes());
        body.extend_from_slice(&7874u32.to_be_bytes());
        body.push(1);
        chunk.extend_from_slice(&body);
        chunk.extend_from_slice(&crc32(&body).to_be_bytes());
        png.splice(ihdr_end..ihdr_end, chunk);
        let p = prepare(0, &png).unwrap();
        assert!(!p.dct);
        assert_eq!(p.space, Space::Rgb);
        let (x, _) = p.dpi.unwrap();
        assert!((x - 200.0).abs() < 0.1, "{x}");
        let raw = miniz_oxide::inflate::decompress_to_vec_zlib(&p.data).unwrap();
        assert_eq!(&raw[..6], &[255, 255, 255, 10, 20, 30]);
    }

    fn crc32(data: &[u8]) -> u32 {
        let mut c = 0xffff_ffffu32;
        for b in data {
            c ^= u32::from(*b);
            for _ in 0..8 {
                c = if c & 1 != 0 {
                    0xedb8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
        }
        !c
    }

    #[test]
    fn garbage_is_a_typed_error() {
        assert!(matches!(
            prepare(3, b"not an image"),
            Err(WriterError::BadImage { page: 3, .. })
        ));
        let mut j = jpeg(8, 8, 300);
        j.truncate(40);
        assert!(prepare(0, &j).is_err());
    }
}
