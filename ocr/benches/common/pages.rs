//! Synthetic benchmark pages shared by the criterion bench and the
//! side-by-side script (through `ocr_eval bench-images`).

use ab_glyph::{FontRef, PxScale};
use image::{Rgb, RgbImage};

const SANS: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../assets/fonts/DejaVuSans.ttf"
));

const WORDS: &[&str] = &[
    "Cộng",
    "hòa",
    "xã",
    "hội",
    "chủ",
    "nghĩa",
    "Việt",
    "Nam",
    "độc",
    "lập",
    "tự",
    "do",
    "hạnh",
    "phúc",
    "giấy",
    "chứng",
    "nhận",
    "quyết",
    "định",
    "ngày",
    "tháng",
    "năm",
    "2025",
    "Ủy",
    "ban",
    "nhân",
    "dân",
    "phường",
    "bản",
    "sao",
    "y",
    "chính",
    "số",
];

fn render(w: u32, h: u32, px: f32, lines: &[(i32, i32, String)]) -> RgbImage {
    #[allow(clippy::expect_used)] // the font is compiled in: cannot fail at run time
    let font = FontRef::try_from_slice(SANS).expect("font");
    let mut img = RgbImage::from_pixel(w, h, Rgb([255, 255, 255]));
    for (x, y, t) in lines {
        imageproc::drawing::draw_text_mut(
            &mut img,
            Rgb([0, 0, 0]),
            *x,
            *y,
            PxScale::from(px),
            &font,
            t,
        );
    }
    img
}

/// A4 at 200 dpi with 40 lines of 11 pt text.
pub fn a4_page() -> RgbImage {
    let lines: Vec<(i32, i32, String)> = (0..40)
        .map(|i| {
            let text: Vec<&str> = (0..12)
                .map(|k| WORDS[(i * 7 + k * 3) % WORDS.len()])
                .collect();
            (160, 180 + i as i32 * 50, text.join(" "))
        })
        .collect();
    render(1654, 2339, 31.0, &lines)
}

/// A CCCD-sized card (85.6 x 54 mm at 300 dpi) with its labelled rows.
pub fn cccd_card() -> RgbImage {
    let rows = [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "CĂN CƯỚC CÔNG DÂN",
        "Số / No.: 001098012345",
        "Họ và tên / Full name: NGUYỄN VĂN A",
        "Ngày sinh / Date of birth: 15/08/1998",
        "Giới tính / Sex: Nam   Quốc tịch / Nationality: Việt Nam",
        "Quê quán / Place of origin: Hai Bà Trưng, Hà Nội",
        "Nơi thường trú / Place of residence: Số 1 Đại Cồ Việt",
        "Có giá trị đến: 15/08/2038",
    ];
    let lines: Vec<(i32, i32, String)> = rows
        .iter()
        .enumerate()
        .map(|(i, t)| (300, 30 + i as i32 * 58, t.to_string()))
        .collect();
    render(1012, 638, 26.0, &lines)
}
