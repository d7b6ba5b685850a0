#![allow(clippy::unwrap_used, clippy::expect_used)] // test and bench set-up: a failure here is the failure
//! Integration tests with the real models (the test command runs after
//! `saoy models fetch`). Pages are rendered with the repository's fonts.

use ab_glyph::{FontRef, PxScale};
use image::{Rgb, RgbImage};
use saoy_ocr::cer::edit_distance;
use saoy_ocr::{DocumentKind, Ocr};
use std::sync::OnceLock;

fn ocr() -> &'static Ocr {
    static OCR: OnceLock<Ocr> = OnceLock::new();
    OCR.get_or_init(|| {
        let store =
            saoy_models::ModelStore::open(&saoy_models::StoreOptions::default().offline(true))
                .expect("model store (run `saoy models fetch` first)");
        Ocr::builder()
            .threads(2)
            .build(&store)
            .expect("models load")
    })
}

const SANS: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
const MONO: &[u8] = include_bytes!("../../assets/fonts/DejaVuSansMono.ttf");

/// White page with `lines` of text drawn at (x, y) in black.
fn render(w: u32, h: u32, font: &[u8], px: f32, lines: &[(i32, i32, &str)]) -> RgbImage {
    let font = FontRef::try_from_slice(font).unwrap();
    let mut img = RgbImage::from_pixel(w, h, Rgb([255, 255, 255]));
    for (x, y, text) in lines {
        imageproc::drawing::draw_text_mut(
            &mut img,
            Rgb([0, 0, 0]),
            *x,
            *y,
            PxScale::from(px),
            &font,
            text,
        );
    }
    img
}

const L1: &str = "Cộng hòa xã hội chủ nghĩa Việt Nam";
const L2: &str = "Độc lập - Tự do - Hạnh phúc";
const L3: &str = "Giấy chứng nhận số 0123/2025, ngày 15 tháng 8";

#[test]
fn recognizes_a_rendered_vietnamese_line() {
    let img = render(620, 44, SANS, 30.0, &[(6, 6, L1)]);
    let l = ocr().recognize_line(&img).unwrap();
    assert!(edit_distance(L1, &l.text) <= 1, "{:?}", l.text);
    assert!(l.confidence > 0.8, "{}", l.confidence);
}

#[test]
fn full_page_lines_come_back_in_reading_order() {
    let page = render(
        900,
        420,
        SANS,
        30.0,
        &[(40, 40, L1), (40, 160, L2), (40, 300, L3)],
    );
    let r = ocr().recognize_page(&page).unwrap();
    let texts: Vec<&str> = r.lines.iter().map(|l| l.text.as_str()).collect();
    assert_eq!(texts.len(), 3, "{texts:?}");
    for (got, want) in texts.iter().zip([L1, L2, L3]) {
        assert!(edit_distance(want, got) <= 2, "{got:?} vs {want:?}");
    }
    // Boxes sit where the text was drawn.
    let (_, y0, _, y1) = r.lines[1].quad.bounds();
    assert!(y0 > 130.0 && y1 < 215.0, "{y0} {y1}");
    assert_eq!(r.rotation, 0);
    assert_eq!(r.document.kind, DocumentKind::Generic);
    assert!(r.empty_reason.is_none());
    assert!(r.text().contains("Độc lập"));
}

#[test]
fn upside_down_and_sideways_pages_are_turned_back() {
    let page = render(
        900,
        300,
        SANS,
        30.0,
        &[(40, 40, L1), (40, 130, L2), (40, 220, L3)],
    );
    let flipped = image::imageops::rotate180(&page);
    let r = ocr().recognize_page(&flipped).unwrap();
    assert_eq!(r.rotation, 180);
    assert!(
        r.lines.iter().any(|l| edit_distance(L2, &l.text) <= 2),
        "{:?}",
        r.lines
    );
    let sideways = image::imageops::rotate90(&page);
    let r = ocr().recognize_page(&sideways).unwrap();
    assert!(r.rotation == 270 || r.rotation == 90, "{}", r.rotation);
    assert!(
        r.lines.iter().any(|l| edit_distance(L1, &l.text) <= 2),
        "{:?}",
        r.lines
    );
    // Quads are in the sideways image's coordinates: tall boxes.
    assert!(r.lines.iter().all(|l| {
        let (x0, y0, x1, y1) = l.quad.bounds();
        y1 - y0 > x1 - x0
    }));
}

#[test]
fn blank_page_is_an_empty_result_with_a_reason() {
    let r = ocr()
        .recognize_page(&RgbImage::from_pixel(600, 400, Rgb([250, 250, 250])))
        .unwrap();
    assert!(r.lines.is_empty());
    assert_eq!(r.empty_reason.as_deref(), Some("no text detected"));
    assert_eq!(r.document.kind, DocumentKind::Generic);
}

#[test]
fn rendered_td1_mrz_is_found_and_proven() {
    let lines = [
        "IDVNM0980123451001098012345<<<",
        "9808154M3808150VNM<<<<<<<<<<<0",
        "NGUYEN<<VAN<A<<<<<<<<<<<<<<<<<",
    ];
    // Recompute the check digits so the vector is self-consistent.
    let c1 = saoy_ocr::mrz::check_digit("098012345").unwrap();
    let l1 = format!("IDVNM098012345{c1}001098012345<<<");
    let dc = saoy_ocr::mrz::check_digit("980815").unwrap();
    let ec = saoy_ocr::mrz::check_digit("380815").unwrap();
    let cc = saoy_ocr::mrz::check_digit(&format!("{}980815{dc}380815{ec}<<<<<<<<<<<", &l1[5..30]))
        .unwrap();
    let l2 = format!("980815{dc}M380815{ec}VNM<<<<<<<<<<<{cc}");
    let _ = lines;
    let page = render(
        900,
        330,
        MONO,
        34.0,
        &[
            (30, 20, "ĐẶC ĐIỂM NHÂN DẠNG"),
            (30, 140, &l1),
            (30, 200, &l2),
            (30, 260, lines[2]),
        ],
    );
    let r = ocr().recognize_page(&page).unwrap();
    let m = r
        .document
        .mrz
        .as_ref()
        .unwrap_or_else(|| panic!("no MRZ in {:?}", r.lines));
    assert_eq!(m.birth_date.value, "980815");
    assert!(m.all_checks_ok, "{m:?}");
    assert_eq!(r.document.kind, DocumentKind::CccdBack);
    let id = r.document.fields.id_number.as_ref().unwrap();
    assert_eq!(id.value, "001098012345");
    assert_eq!(id.source, saoy_ocr::Provenance::MrzCheckDigit);
}

#[test]
fn the_qr_search_can_be_turned_off_for_text_only_reading() {
    // A page with one ID-like label and a QR code carrying a fictional CCCD payload.
    let payload =
        "001099012345|012345678|Nguyễn Văn Mẫu|01011999|Nam|Số 1 Phố Mẫu, Hà Nội|01012021";
    let mut page = render(
        900,
        420,
        SANS,
        30.0,
        &[(30, 30, "Họ và tên: Nguyễn Văn Mẫu"), (30, 90, L2)],
    );
    let code = qrcode::QrCode::new(payload.as_bytes()).unwrap();
    let colors = code.to_colors();
    let (n, module, x0, y0) = (code.width() as u32, 5, 600, 150);
    for (i, c) in colors.iter().enumerate() {
        if *c == qrcode::Color::Dark {
            let (mx, my) = (i as u32 % n, i as u32 / n);
            for dy in 0..module {
                for dx in 0..module {
                    page.put_pixel(x0 + mx * module + dx, y0 + my * module + dy, Rgb([0, 0, 0]));
                }
            }
        }
    }
    let searched = ocr().recognize_page(&page).unwrap();
    assert_eq!(searched.document.qr_texts, vec![payload.to_string()]);
    assert!(searched.document.cccd_qr.is_some());

    let mut config = ocr().config().clone();
    config.search_qr = false;
    let text_only = ocr().with_config(config);
    let r = text_only.recognize_page(&page).unwrap();
    assert!(r.document.qr_texts.is_empty());
    assert!(r.document.cccd_qr.is_none());
    // The same models read the same text.
    assert_eq!(r.text(), searched.text());
    assert!(r.text().contains("Nguyễn Văn Mẫu"), "{:?}", r.text());
}
