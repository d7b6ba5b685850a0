#![no_main]
//! MRZ parser and zone finder on arbitrary text: never panics.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let lines: Vec<&str> = text.lines().collect();
    if let Ok(m) = saoy_ocr::parse_mrz(&lines) {
        // Re-parsing the normalized lines gives the same verdict.
        let again: Vec<&str> = m.lines.iter().map(String::as_str).collect();
        let _ = saoy_ocr::parse_mrz(&again);
    }
    let owned: Vec<String> = lines.iter().map(|s| s.to_string()).collect();
    let _ = saoy_ocr::mrz::find_mrz(&owned);
});
