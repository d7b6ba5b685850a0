//! Document understanding: kind (with confidence), MRZ, QR, CCCD fields and
//! the consistency report.

use image::RgbImage;
use serde::Serialize;

use crate::cccd::{self, CccdFields, ConsistencyReport, OcrLine, fold};
use crate::geometry::Quad;
use crate::mrz::{self, Mrz, MrzFormat};
use crate::pipeline::TextLine;
use crate::qr::{self, CccdQr};

/// The kinds of documents told apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DocumentKind {
    /// Front of the chip-based citizen ID card (CCCD).
    CccdFront,
    /// Back of the CCCD (MRZ, fingerprints, issue data).
    CccdBack,
    /// A passport data page (TD3 MRZ).
    Passport,
    /// Anything else: a page of text.
    Generic,
}

/// What was understood of a page.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct DocumentReport {
    /// Document kind.
    pub kind: DocumentKind,
    /// Confidence in the kind, `0..=1`.
    pub kind_confidence: f32,
    /// The machine-readable zone, if one was found and parsed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mrz: Option<Mrz>,
    /// Raw texts of the QR codes decoded on the page.
    pub qr_texts: Vec<String>,
    /// The CCCD QR payload, if one of the QR codes is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cccd_qr: Option<CccdQr>,
    /// CCCD fields (for CCCD kinds; empty otherwise).
    pub fields: CccdFields,
    /// Consistency report (for CCCD kinds; empty otherwise).
    pub consistency: ConsistencyReport,
    /// Estimated portrait area on a CCCD front (left of the field column),
    /// for face matching; in input-image coordinates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub portrait_hint: Option<Quad>,
}

const FRONT_MARKS: [&str; 8] = [
    "can cuoc",
    "citizen identity",
    "identity card",
    "ho va ten",
    "full name",
    "ngay sinh",
    "date of birth",
    "quoc tich",
];
const BACK_MARKS: [&str; 6] = [
    "dac diem nhan dang",
    "personal identification",
    "ngon tro",
    "finger",
    "cuc truong",
    "ngay, thang, nam",
];

/// Understand a page from its recognized lines (and the image, for QR codes).
pub fn analyze(image: &RgbImage, lines: &[TextLine]) -> DocumentReport {
    analyze_with(image, lines, true)
}

/// [`analyze`], searching ID-looking pages for a QR code only when `search_qr`
/// (see [`crate::OcrConfig::search_qr`]).
pub fn analyze_with(image: &RgbImage, lines: &[TextLine], search_qr: bool) -> DocumentReport {
    // Per line, its readings in order of preference: the MRZ re-readings
    // (greedy, then at the ICAO line lengths), then the first decoding (the
    // MRZ-only one of an MRZ-looking line, else the plain text).
    let readings: Vec<Vec<String>> = lines
        .iter()
        .map(|l| {
            let mut r = l.mrz_alternatives.clone();
            r.push(l.mrz_text.clone().unwrap_or_else(|| l.text.clone()));
            r
        })
        .collect();
    let mrz = mrz::find_mrz_among(&readings);
    let folded: String = lines
        .iter()
        .map(|l| fold(&l.text))
        .collect::<Vec<_>>()
        .join("\n");
    let front_hits = FRONT_MARKS.iter().filter(|m| folded.contains(*m)).count();
    let back_hits = BACK_MARKS.iter().filter(|m| folded.contains(*m)).count();
    // QR decoding costs tens of milliseconds when a code is found, and
    // every retry (rescaled, binarized, inverted: ~0.3 s on a specimen
    // back photo, more on large scans) when none is: only on ID-looking pages. The CCCD carries its QR on the
    // front, so a back whose MRZ passed every check digit and that shows no
    // front label (a page with both sides has some) is not searched.
    let proven_back = mrz.as_ref().is_some_and(|m| m.all_checks_ok) && front_hits == 0;
    let qr_texts = if search_qr && (front_hits >= 1 || mrz.is_some()) && !proven_back {
        qr::decode_qr(image)
    } else {
        Vec::new()
    };
    let cccd_qr = qr_texts.iter().find_map(|t| qr::parse_cccd_qr(t).ok());
    let (kind, kind_confidence) = classify(mrz.as_ref(), cccd_qr.is_some(), front_hits, back_hits);
    let (fields, consistency) = if matches!(kind, DocumentKind::CccdFront | DocumentKind::CccdBack)
    {
        let ocr_lines: Vec<OcrLine<'_>> = lines
            .iter()
            .map(|l| OcrLine {
                text: &l.text,
                confidence: l.confidence,
            })
            .collect();
        let printed = cccd::fields_from_ocr(&ocr_lines);
        let (year, today) = cccd::today();
        cccd::reconcile(&printed, mrz.as_ref(), cccd_qr.as_ref(), &today, year)
    } else {
        (CccdFields::default(), ConsistencyReport::default())
    };
    let portrait_hint = if kind == DocumentKind::CccdFront {
        portrait_hint(lines)
    } else {
        None
    };
    DocumentReport {
        kind,
        kind_confidence,
        mrz,
        qr_texts,
        cccd_qr,
        fields,
        consistency,
        portrait_hint,
    }
}

/// Classify from the evidence: MRZ format, CCCD QR, label hits.
pub fn classify(
    mrz: Option<&Mrz>,
    cccd_qr: bool,
    front_hits: usize,
    back_hits: usize,
) -> (DocumentKind, f32) {
    if let Some(m) = mrz {
        let conf = if m.all_checks_ok { 0.98 } else { 0.8 };
        return match m.format {
            MrzFormat::Td3 => (DocumentKind::Passport, conf),
            // A visa (sticker or page): no kind of its own.
            MrzFormat::MrvA | MrzFormat::MrvB => (DocumentKind::Generic, 0.6),
            _ if m.nationality.value == "VNM"
                || m.issuing_state.value == "VNM"
                || back_hits > 0 =>
            {
                (DocumentKind::CccdBack, conf)
            }
            _ => (DocumentKind::Generic, 0.6),
        };
    }
    if cccd_qr {
        return (
            DocumentKind::CccdFront,
            (0.9 + 0.02 * front_hits as f32).min(0.99),
        );
    }
    if front_hits >= 3 && front_hits >= back_hits {
        return (
            DocumentKind::CccdFront,
            (0.5 + 0.08 * front_hits as f32).min(0.95),
        );
    }
    if back_hits >= 2 {
        return (
            DocumentKind::CccdBack,
            (0.5 + 0.1 * back_hits as f32).min(0.9),
        );
    }
    let generic = 1.0 - 0.15 * (front_hits + back_hits) as f32;
    (DocumentKind::Generic, generic.clamp(0.5, 0.95))
}

/// The area left of the field column, between the ID-number row and the last field row.
fn portrait_hint(lines: &[TextLine]) -> Option<Quad> {
    let field_rows: Vec<&TextLine> = lines
        .iter()
        .filter(|l| {
            let f = fold(&l.text);
            [
                "so",
                "ho va ten",
                "full name",
                "ngay sinh",
                "gioi tinh",
                "quoc tich",
                "que quan",
                "noi thuong tru",
            ]
            .iter()
            .any(|k| f.starts_with(k))
        })
        .collect();
    if field_rows.len() < 2 {
        return None;
    }
    let left = field_rows
        .iter()
        .map(|l| l.quad.bounds().0)
        .fold(f32::INFINITY, f32::min);
    let top = field_rows
        .iter()
        .map(|l| l.quad.bounds().1)
        .fold(f32::INFINITY, f32::min);
    let bottom = field_rows
        .iter()
        .map(|l| l.quad.bounds().3)
        .fold(f32::NEG_INFINITY, f32::max);
    let margin = 0.03 * left;
    (left > 20.0 && bottom > top)
        .then(|| Quad::rect(margin, top, left - 2.0 * margin, bottom - top))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification_from_evidence() {
        assert_eq!(classify(None, false, 0, 0).0, DocumentKind::Generic);
        assert_eq!(classify(None, true, 1, 0).0, DocumentKind::CccdFront);
        assert_eq!(classify(None, false, 4, 0).0, DocumentKind::CccdFront);
        assert_eq!(classify(None, false, 0, 3).0, DocumentKind::CccdBack);
        let td3 = mrz::parse_mrz(&[
            "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
            "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
        ])
        .unwrap();
        let (k, c) = classify(Some(&td3), false, 0, 0);
        assert_eq!(k, DocumentKind::Passport);
        assert!(c > 0.9);
        let (k, c) = classify(None, false, 5, 0);
        assert!(k == DocumentKind::CccdFront && c > 0.8 && c <= 0.95);
    }

    fn line(text: &str, mrz_text: Option<&str>, alternatives: &[&str], y: f32) -> TextLine {
        TextLine {
            text: text.to_string(),
            confidence: 0.9,
            quad: Quad::rect(10.0, y, 600.0, 20.0),
            det_score: 0.9,
            mrz_text: mrz_text.map(str::to_string),
            mrz_alternatives: alternatives.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn the_mrz_reader_prefers_the_re_reading_of_a_line() {
        let image = RgbImage::from_pixel(64, 64, image::Rgb([255, 255, 255]));
        let k_read = "IKUTOERIKSSONKKANNAKMARIA<<<<<<<<<<<";
        let line2 = "D231458907UTO7408122F1204159<<<<<<<6";
        let lines = vec![
            line(
                "I(UTOERIKSSONKKANNA(MARIA<<<<<<<<<<<",
                Some(k_read),
                &["I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<"],
                10.0,
            ),
            line(line2, Some(line2), &[], 40.0),
        ];
        let report = analyze(&image, &lines);
        let m = report.mrz.unwrap();
        assert_eq!(m.surname.value, "ERIKSSON");
        assert_eq!(m.given_names.value, "ANNA MARIA");
        assert_eq!(m.document_code.value, "I");
        // Without the re-reading, the first decoding is what there is.
        let lines = vec![
            line(k_read, Some(k_read), &[], 10.0),
            line(line2, Some(line2), &[], 40.0),
        ];
        let m = analyze(&image, &lines).mrz.unwrap();
        assert_eq!(m.surname.value, "ERIKSSONKKANNAKMARIA");
    }

    #[test]
    fn the_qr_search_runs_on_id_looking_pages_only_when_asked() {
        // A fictional 7-field CCCD payload, rendered as a QR code on a page whose text
        // carries front labels.
        let payload =
            "001099012345|012345678|Nguyễn Văn Mẫu|01011999|Nam|Số 1 Phố Mẫu, Hà Nội|01012021";
        let code = qrcode::QrCode::new(payload.as_bytes()).expect("encodable");
        let colors = code.to_colors();
        let (n, module, quiet) = (code.width() as u32, 4, 16);
        let side = n * module + 2 * quiet;
        let image = RgbImage::from_fn(side, side, |x, y| {
            let dark = x >= quiet
                && y >= quiet
                && (x - quiet) / module < n
                && (y - quiet) / module < n
                && colors[(((y - quiet) / module) * n + (x - quiet) / module) as usize]
                    == qrcode::Color::Dark;
            image::Rgb(if dark { [20; 3] } else { [235; 3] })
        });
        let lines = vec![
            line("Họ và tên:", None, &[], 10.0),
            line("Nguyễn Văn Mẫu", None, &[], 40.0),
        ];
        let searched = analyze_with(&image, &lines, true);
        assert_eq!(searched.qr_texts, vec![payload.to_string()]);
        assert!(searched.cccd_qr.is_some());
        assert_eq!(searched.kind, DocumentKind::CccdFront);
        // `analyze` is the searching default.
        assert_eq!(analyze(&image, &lines).qr_texts, searched.qr_texts);
        let skipped = analyze_with(&image, &lines, false);
        assert!(skipped.qr_texts.is_empty());
        assert!(skipped.cccd_qr.is_none());
        // One label without the QR is not enough for a CCCD front.
        assert_ne!(skipped.kind, DocumentKind::CccdFront);
        // A page without ID-like labels is not searched either way.
        let plain = vec![line("Giấy khai sinh", None, &[], 10.0)];
        assert!(analyze_with(&image, &plain, true).qr_texts.is_empty());
    }
}
