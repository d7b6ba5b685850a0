#![no_main]
//! CCCD QR payload parser (and the OCR field extractor) on arbitrary text: never panics.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(q) = saoy_ocr::parse_cccd_qr(&text) {
        assert_eq!(q.id_number.len(), 12);
        assert_eq!(q.birth_date.len(), 10);
    }
    let lines: Vec<saoy_ocr::cccd::OcrLine<'_>> = text
        .lines()
        .map(|t| saoy_ocr::cccd::OcrLine { text: t, confidence: 0.9 })
        .collect();
    let _ = saoy_ocr::cccd::fields_from_ocr(&lines);
});
