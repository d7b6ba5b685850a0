//! QR codes: decoding from photos (pure Rust, `rqrr`) with a few retries,
//! and parsing the CCCD front-QR payload.

use image::imageops::{self, FilterType};
use image::{GrayImage, RgbImage};
use serde::Serialize;

/// Decode every QR code found in `image`. Tries the grey image as is, then
/// rescaled (photos too large or codes too small), then binarized at a few
/// thresholds and inverted, stopping at the first attempt that decodes.
pub fn decode_qr(image: &RgbImage) -> Vec<String> {
    let gray = imageops::grayscale(image);
    let (w, h) = gray.dimensions();
    let mut attempts: Vec<GrayImage> = Vec::new();
    let long = w.max(h);
    if long > 1600 {
        let s = 1600.0 / long as f32;
        attempts.push(imageops::resize(
            &gray,
            (w as f32 * s) as u32,
            (h as f32 * s) as u32,
            FilterType::Triangle,
        ));
    }
    attempts.push(gray.clone());
    for attempt in attempts.iter() {
        let found = decode_gray(attempt);
        if !found.is_empty() {
            return found;
        }
    }
    let base = attempts.first().cloned().unwrap_or(gray);
    let mut more: Vec<GrayImage> = Vec::new();
    if long < 1200 {
        more.push(imageops::resize(
            &base,
            base.width() * 2,
            base.height() * 2,
            FilterType::CatmullRom,
        ));
    }
    if long > 800 {
        more.push(imageops::resize(
            &base,
            base.width() / 2,
            base.height() / 2,
            FilterType::Triangle,
        ));
    }
    let mean = mean_luma(&base);
    for t in [mean, mean.saturating_sub(30), mean.saturating_add(30)] {
        more.push(binarize(&base, t));
    }
    let mut inv = base.clone();
    imageops::invert(&mut inv);
    more.push(inv);
    for attempt in more {
        let found = decode_gray(&attempt);
        if !found.is_empty() {
            return found;
        }
    }
    Vec::new()
}

fn mean_luma(g: &GrayImage) -> u8 {
    let n = (g.width() as u64 * g.height() as u64).max(1);
    (g.pixels().map(|p| u64::from(p[0])).sum::<u64>() / n) as u8
}

fn binarize(g: &GrayImage, t: u8) -> GrayImage {
    GrayImage::from_fn(g.width(), g.height(), |x, y| {
        image::Luma([if g.get_pixel(x, y)[0] > t { 255 } else { 0 }])
    })
}

fn decode_gray(g: &GrayImage) -> Vec<String> {
    if g.width() < 21 || g.height() < 21 {
        return Vec::new();
    }
    // rqrr is not ours: contain any panic inside it to an empty result.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(
            g.width() as usize,
            g.height() as usize,
            |x, y| g.get_pixel(x as u32, y as u32)[0],
        );
        let mut out = Vec::new();
        for grid in prepared.detect_grids() {
            let mut bytes = Vec::new();
            if grid.decode_to(&mut bytes).is_ok() {
                out.push(String::from_utf8_lossy(&bytes).into_owned());
            }
        }
        out
    }))
    .unwrap_or_default()
}

/// The payload of the QR code on the chip-based CCCD front:
/// `ID12|oldID9|Full name|DDMMYYYY|Nam/Nữ|Address|DDMMYYYY(issue)` (newer
/// cards append more fields, some empty).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct CccdQr {
    /// 12-digit personal identification number.
    pub id_number: String,
    /// The old 9-digit (or 12-digit) CMND number, if present.
    pub old_id_number: Option<String>,
    /// Full name as encoded (NFC).
    pub full_name: String,
    /// Date of birth, ISO 8601.
    pub birth_date: String,
    /// Sex as printed (`Nam` / `Nữ`).
    pub sex_text: String,
    /// `M` or `F`.
    pub sex: Option<char>,
    /// Place of residence.
    pub address: String,
    /// Date of issue, ISO 8601.
    pub issue_date: String,
    /// Fields after the seventh (newer card variants), as given.
    pub extra: Vec<String>,
}

/// Why a QR payload is not a CCCD payload.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QrPayloadError {
    /// Fewer than seven `|`-separated fields.
    #[error("{found} fields, a CCCD payload has at least 7")]
    FieldCount {
        /// Fields found.
        found: usize,
    },
    /// The ID number is not 12 digits.
    #[error("ID number {value:?} is not 12 digits")]
    IdNumber {
        /// The value.
        value: String,
    },
    /// A date is not a valid `DDMMYYYY`.
    #[error("{field} {value:?} is not a valid DDMMYYYY date")]
    Date {
        /// Which field.
        field: &'static str,
        /// The value.
        value: String,
    },
}

impl QrPayloadError {
    /// Stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            QrPayloadError::FieldCount { .. } => "qr.field_count",
            QrPayloadError::IdNumber { .. } => "qr.id_number",
            QrPayloadError::Date { .. } => "qr.date",
        }
    }
}

/// `DDMMYYYY` → ISO `YYYY-MM-DD` (validating the calendar date).
pub fn ddmmyyyy_to_iso(s: &str) -> Option<String> {
    if s.len() != 8 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let d: u32 = s[0..2].parse().ok()?;
    let m: u32 = s[2..4].parse().ok()?;
    let y: u32 = s[4..8].parse().ok()?;
    iso_date(y, m, d)
}

/// A valid calendar date as ISO 8601.
pub fn iso_date(y: u32, m: u32, d: u32) -> Option<String> {
    let leap = (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400);
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    ((1..=days).contains(&d) && (1900..=2199).contains(&y)).then(|| format!("{y:04}-{m:02}-{d:02}"))
}

/// Sex from Vietnamese or English text (`Nam`/`Nữ`/`Nu`/`Male`/`Female`/`M`/`F`).
pub fn parse_sex(s: &str) -> Option<char> {
    use unicode_normalization::UnicodeNormalization;
    let t: String = s.trim().nfc().collect::<String>().to_lowercase();
    match t.as_str() {
        "nam" | "male" | "m" => Some('M'),
        "nữ" | "nu" | "female" | "f" => Some('F'),
        _ => None,
    }
}

/// Parse a CCCD front-QR payload.
pub fn parse_cccd_qr(payload: &str) -> Result<CccdQr, QrPayloadError> {
    use unicode_normalization::UnicodeNormalization;
    let fields: Vec<&str> = payload.trim().split('|').collect();
    if fields.len() < 7 {
        return Err(QrPayloadError::FieldCount {
            found: fields.len(),
        });
    }
    let id = fields[0].trim();
    if id.len() != 12 || !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(QrPayloadError::IdNumber { value: id.into() });
    }
    let date = |field: &'static str, v: &str| {
        ddmmyyyy_to_iso(v.trim()).ok_or(QrPayloadError::Date {
            field,
            value: v.into(),
        })
    };
    let birth_date = date("birth date", fields[3])?;
    let issue_date = date("issue date", fields[6])?;
    let old = fields[1].trim();
    Ok(CccdQr {
        id_number: id.into(),
        old_id_number: (!old.is_empty()).then(|| old.to_string()),
        full_name: fields[2].trim().nfc().collect(),
        birth_date,
        sex_text: fields[4].trim().nfc().collect(),
        sex: parse_sex(fields[4]),
        address: fields[5].trim().nfc().collect(),
        issue_date,
        extra: fields[7..].iter().map(|s| s.to_string()).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_seven_field_payload() {
        let q = parse_cccd_qr("001098012345|012345678|NGUYỄN VĂN A|15081998|Nam|Số 1 Đại Cồ Việt, Hai Bà Trưng, Hà Nội|25052021").unwrap();
        assert_eq!(q.id_number, "001098012345");
        assert_eq!(q.old_id_number.as_deref(), Some("012345678"));
        assert_eq!(q.full_name, "NGUYỄN VĂN A");
        assert_eq!(q.birth_date, "1998-08-15");
        assert_eq!(q.sex, Some('M'));
        assert_eq!(q.issue_date, "2021-05-25");
        assert!(q.extra.is_empty());
    }

    #[test]
    fn newer_payload_with_trailing_fields_and_no_old_id() {
        let q = parse_cccd_qr("012345678912||Trần Thị B|29022000|Nữ|Hà Nội|01012022||||").unwrap();
        assert_eq!(q.old_id_number, None);
        assert_eq!(q.sex, Some('F'));
        assert_eq!(q.birth_date, "2000-02-29");
        assert_eq!(q.extra, vec!["", "", "", ""]);
    }

    #[test]
    fn non_cccd_payloads_are_typed_errors() {
        assert_eq!(
            parse_cccd_qr("https://example.com/x").unwrap_err().code(),
            "qr.field_count"
        );
        assert_eq!(
            parse_cccd_qr("12345|a|b|01011990|Nam|x|01012020")
                .unwrap_err()
                .code(),
            "qr.id_number"
        );
        let e = parse_cccd_qr("001098012345||A|30022001|Nam|x|01012020").unwrap_err();
        assert_eq!(e.code(), "qr.date");
    }

    #[test]
    fn dates_and_sex() {
        assert_eq!(ddmmyyyy_to_iso("31122024").as_deref(), Some("2024-12-31"));
        assert_eq!(ddmmyyyy_to_iso("29021900"), None);
        assert_eq!(ddmmyyyy_to_iso("1x122024"), None);
        assert_eq!(parse_sex("Nữ"), Some('F'));
        assert_eq!(parse_sex("Nu\u{031B}\u{0303}"), Some('F'));
        assert_eq!(parse_sex("Male"), Some('M'));
        assert_eq!(parse_sex("?"), None);
    }

    #[test]
    fn blank_image_has_no_qr() {
        let img = RgbImage::from_pixel(200, 200, image::Rgb([255, 255, 255]));
        assert!(decode_qr(&img).is_empty());
    }
}
