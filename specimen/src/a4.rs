//! An A4 Vietnamese administrative form at 200 dpi: a birth-certificate-like "GIẤY KHAI SINH".

use std::collections::BTreeMap;

use image::{Rgb, RgbImage};

use crate::canvas::{Page, fill_polygon, line, star, stroke_ellipse, stroke_rect};
use crate::error::SpecimenError;
use crate::person::{COMMUNES, DISTRICTS, Date, Person, Sex};
use crate::rng::Rng;
use crate::text::{FontKind, Fonts, Style};
use crate::truth::{GroundTruth, LineRole, SpecimenKind};
use crate::{RenderOptions, Specimen};

/// A4 width at 200 dpi.
pub const A4_WIDTH: u32 = 1654;
/// A4 height at 200 dpi.
pub const A4_HEIGHT: u32 = 2339;

const INK: [u8; 3] = [20, 20, 25];

const DIGITS: [&str; 10] = [
    "không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín",
];

/// Vietnamese words for 0..=999; `full` forces the hundreds ("không trăm …") as in years.
fn under_thousand(n: u32, full: bool) -> String {
    let (h, t, u) = (
        (n / 100) as usize,
        ((n / 10) % 10) as usize,
        (n % 10) as usize,
    );
    let mut parts: Vec<&str> = Vec::new();
    let with_hundreds = full || h > 0;
    if with_hundreds {
        parts.push(DIGITS[h]);
        parts.push("trăm");
    }
    match t {
        0 => {
            if u > 0 {
                if with_hundreds {
                    parts.push("linh");
                }
                parts.push(DIGITS[u]);
            } else if !with_hundreds {
                parts.push(DIGITS[0]);
            }
        }
        1 => {
            parts.push("mười");
            match u {
                0 => {}
                5 => parts.push("lăm"),
                _ => parts.push(DIGITS[u]),
            }
        }
        _ => {
            parts.push(DIGITS[t]);
            parts.push("mươi");
            match u {
                0 => {}
                1 => parts.push("mốt"),
                4 => parts.push("tư"),
                5 => parts.push("lăm"),
                _ => parts.push(DIGITS[u]),
            }
        }
    }
    parts.join(" ")
}

/// A date in words as written on civil-status documents, e.g. 2018-03-15 →
/// "Ngày mười lăm tháng ba năm hai nghìn không trăm mười tám".
pub fn vietnamese_date_words(d: Date) -> String {
    let y = d.year.max(0) as u32;
    let thousands = y / 1000;
    let rest = y % 1000;
    let year = if rest == 0 {
        format!("{} nghìn", under_thousand(thousands, false))
    } else {
        format!(
            "{} nghìn {}",
            under_thousand(thousands, false),
            under_thousand(rest, true)
        )
    };
    format!(
        "Ngày {} tháng {} năm {}",
        under_thousand(u32::from(d.day), false),
        under_thousand(u32::from(d.month), false),
        year
    )
}

struct Form<'f> {
    page: Page<'f>,
    fields: BTreeMap<String, String>,
    y: f32,
    x0: f32,
    xmax: f32,
    label: Style,
    value: Style,
    step: f32,
}

impl Form<'_> {
    /// `label` then `value` on the same row, the value wrapping onto following rows.
    fn row(&mut self, label: &str, value: &str, field: &str) -> Result<(), SpecimenError> {
        self.y += self.step;
        let lw = self
            .page
            .text(&self.label, self.x0, self.y, label, LineRole::Label, None)?;
        let vx = self.x0 + lw + 12.0;
        self.value_from(vx, value, field)?;
        self.fields.insert(field.to_string(), value.to_string());
        Ok(())
    }

    /// Several label/value pairs on one row at the given x offsets.
    fn multi(&mut self, items: &[(&str, &str, &str, f32)]) -> Result<(), SpecimenError> {
        self.y += self.step;
        for (label, value, field, dx) in items {
            let x = self.x0 + dx;
            let lw = self
                .page
                .text(&self.label, x, self.y, label, LineRole::Label, None)?;
            self.page.text(
                &self.value,
                x + lw + 12.0,
                self.y,
                value,
                LineRole::Value,
                Some(field),
            )?;
            self.fields.insert(field.to_string(), value.to_string());
        }
        self.page.newline();
        Ok(())
    }

    fn value_from(&mut self, vx: f32, value: &str, field: &str) -> Result<(), SpecimenError> {
        let fonts = self.page.fonts;
        let words: Vec<&str> = value.split_whitespace().collect();
        let mut first = String::new();
        let mut i = 0;
        while i < words.len() {
            let cand = if first.is_empty() {
                words[i].to_string()
            } else {
                format!("{first} {}", words[i])
            };
            if fonts.width(&self.value, &cand)? > self.xmax - vx && !first.is_empty() {
                break;
            }
            first = cand;
            i += 1;
        }
        self.page.text(
            &self.value,
            vx,
            self.y,
            &first,
            LineRole::Value,
            Some(field),
        )?;
        self.page.newline();
        let rest = words[i..].join(" ");
        if !rest.is_empty() {
            for l in fonts.wrap(&self.value, &rest, self.xmax - self.x0 - 40.0)? {
                self.y += self.step * 0.85;
                self.page.text(
                    &self.value,
                    self.x0 + 40.0,
                    self.y,
                    &l,
                    LineRole::Value,
                    Some(field),
                )?;
                self.page.newline();
            }
        }
        Ok(())
    }
}

/// Render an A4 birth-certificate-like form ("GIẤY KHAI SINH") for `person` at 200 dpi
/// (1654 x 2339 px), with national header, labelled fields, two paragraphs and a signature block.
///
/// Fields recorded (as printed): `registration_number`, `book_number`, `full_name`,
/// `date_of_birth`, `date_of_birth_words`, `sex`, `ethnicity`, `nationality`, `place_of_birth`,
/// `place_of_origin`, `personal_id`, `mother_name`, `mother_birth_year`, `mother_ethnicity`,
/// `mother_nationality`, `mother_residence`, the same five for `father_`, `declarant`,
/// `declarant_relation`, `registration_place`, `registration_date`, `signer_name`,
/// `issuing_body`.
pub fn render_a4_form(person: &Person, opts: &RenderOptions) -> Result<Specimen, SpecimenError> {
    let fonts = Fonts::load()?;
    let mut rng = Rng::derive(opts.seed, "a4");
    let paper = [
        rng.range_i64(248, 254) as u8,
        rng.range_i64(248, 253) as u8,
        rng.range_i64(242, 250) as u8,
    ];
    let mut img = RgbImage::from_pixel(A4_WIDTH, A4_HEIGHT, Rgb(paper));
    stroke_rect(&mut img, 70, 70, 1584, 2269, 3, [60, 60, 70]);
    stroke_rect(&mut img, 82, 82, 1572, 2257, 1, [60, 60, 70]);
    let mut page = Page::new(img, &fonts);
    let mut fields = BTreeMap::new();

    let commune = rng.pick(COMMUNES).copied().unwrap_or("Tân Phú");
    let district = rng.pick(DISTRICTS).copied().unwrap_or("Đông Anh");
    let province = person.birth_province.address_name();
    let level = if rng.chance(0.6) { "XÃ" } else { "PHƯỜNG" };
    let level_lower = if level == "XÃ" { "xã" } else { "phường" };
    let body_upper = format!("{level} {}", commune.to_uppercase());

    // Headers.
    let hb = Style::new(FontKind::LiberationSerifBold, 36.0, INK);
    let (lcx, rcx) = (430.0, 1130.0);
    page.text_centered(
        &hb,
        lcx,
        200.0,
        "ỦY BAN NHÂN DÂN",
        LineRole::Header,
        Some("issuing_body"),
    )?;
    page.text_centered(
        &hb,
        rcx,
        200.0,
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        LineRole::Header,
        None,
    )?;
    page.newline();
    let hb2 = fonts.fit(&hb, &body_upper, 560.0)?;
    page.text_centered(
        &hb2,
        lcx,
        244.0,
        &body_upper,
        LineRole::Header,
        Some("issuing_body"),
    )?;
    fields.insert(
        "issuing_body".into(),
        format!("ỦY BAN NHÂN DÂN {body_upper}"),
    );
    let motto = Style::new(FontKind::LiberationSerifBold, 38.0, INK);
    let mw = page.text_centered(
        &motto,
        rcx,
        246.0,
        "Độc lập - Tự do - Hạnh phúc",
        LineRole::Header,
        None,
    )?;
    page.newline();
    line(
        &mut page.img,
        (rcx - mw / 2.0, 262.0),
        (rcx + mw / 2.0, 262.0),
        2.0,
        INK,
        1.0,
    );
    line(
        &mut page.img,
        (lcx - 80.0, 262.0),
        (lcx + 80.0, 262.0),
        2.0,
        INK,
        1.0,
    );

    let body = Style::new(FontKind::LiberationSerif, 38.0, INK);
    let reg_no = format!("{}", rng.range_i64(1, 350));
    let book = format!("{:02}/{}", rng.range_i64(1, 3), person.date_of_birth.year);
    let w = page.text(&body, 230.0, 310.0, "Số:", LineRole::Label, None)?;
    page.text(
        &body,
        230.0 + w + 12.0,
        310.0,
        &reg_no,
        LineRole::Value,
        Some("registration_number"),
    )?;
    page.newline();
    let w = page.text(&body, 230.0, 354.0, "Quyển số:", LineRole::Label, None)?;
    page.text(
        &body,
        230.0 + w + 12.0,
        354.0,
        &book,
        LineRole::Value,
        Some("book_number"),
    )?;
    page.newline();
    fields.insert("registration_number".into(), reg_no);
    fields.insert("book_number".into(), book);

    let title = Style::new(FontKind::LiberationSerifBold, 68.0, INK);
    page.text_centered(
        &title,
        A4_WIDTH as f32 / 2.0,
        452.0,
        "GIẤY KHAI SINH",
        LineRole::Title,
        None,
    )?;
    page.newline();
    page.text_centered(
        &body,
        A4_WIDTH as f32 / 2.0,
        500.0,
        "(Bản chính)",
        LineRole::Title,
        None,
    )?;
    page.newline();

    let mut f = Form {
        page,
        fields,
        y: 530.0,
        x0: 170.0,
        xmax: 1500.0,
        label: body,
        value: Style::new(FontKind::LiberationSerifBold, 38.0, INK),
        step: 52.0,
    };
    let mother = person.parent(Sex::Female);
    let father = person.parent(Sex::Male);
    let mother_year = person.date_of_birth.year - rng.range_i64(20, 36) as i32;
    let father_year = person.date_of_birth.year - rng.range_i64(22, 40) as i32;
    let place_of_birth = if rng.chance(0.5) {
        format!("Trạm Y tế {level_lower} {commune}, {district}, {province}")
    } else {
        format!("Bệnh viện Đa khoa {district}, {province}")
    };
    let reg_date = Date::from_days(person.date_of_birth.to_days() + rng.range_i64(3, 55));

    f.row("Họ, chữ đệm, tên:", &person.full_name_upper(), "full_name")?;
    f.row(
        "Ngày, tháng, năm sinh:",
        &person.date_of_birth.dmy(),
        "date_of_birth",
    )?;
    f.row(
        "ghi bằng chữ:",
        &vietnamese_date_words(person.date_of_birth),
        "date_of_birth_words",
    )?;
    f.multi(&[
        ("Giới tính:", person.sex.vi(), "sex", 0.0),
        ("Dân tộc:", &person.ethnicity, "ethnicity", 420.0),
        ("Quốc tịch:", &person.nationality, "nationality", 820.0),
    ])?;
    f.row("Nơi sinh:", &place_of_birth, "place_of_birth")?;
    f.row("Quê quán:", &person.place_of_origin, "place_of_origin")?;
    f.row("Số định danh cá nhân:", &person.id_number, "personal_id")?;
    f.y += 14.0;
    for (who, p, year, key) in [
        ("mẹ", &mother, mother_year, "mother"),
        ("cha", &father, father_year, "father"),
    ] {
        f.row(
            &format!("Họ, chữ đệm, tên người {who}:"),
            &p.full_name_upper(),
            &format!("{key}_name"),
        )?;
        f.multi(&[
            (
                "Năm sinh:",
                &year.to_string(),
                &format!("{key}_birth_year"),
                0.0,
            ),
            ("Dân tộc:", &p.ethnicity, &format!("{key}_ethnicity"), 420.0),
            (
                "Quốc tịch:",
                &p.nationality,
                &format!("{key}_nationality"),
                820.0,
            ),
        ])?;
        f.row(
            "Nơi cư trú:",
            &p.place_of_residence,
            &format!("{key}_residence"),
        )?;
        f.y += 14.0;
    }
    f.row(
        "Họ, chữ đệm, tên người đi khai sinh:",
        &father.full_name_upper(),
        "declarant",
    )?;
    f.row(
        "Quan hệ với người được khai sinh:",
        "Cha",
        "declarant_relation",
    )?;
    let reg_place = format!("Ủy ban nhân dân {level_lower} {commune}, {district}, {province}");
    f.row("Nơi đăng ký khai sinh:", &reg_place, "registration_place")?;
    f.row(
        "Ngày, tháng, năm đăng ký:",
        &reg_date.dmy(),
        "registration_date",
    )?;

    // Paragraphs.
    let paragraphs = [
        "Giấy khai sinh được cấp theo quy định của Luật Hộ tịch và là văn bản hộ tịch gốc của cá nhân. \
         Mọi hồ sơ, giấy tờ của cá nhân có nội dung về họ, chữ đệm, tên, ngày, tháng, năm sinh, giới tính, \
         dân tộc, quốc tịch, quê quán phải phù hợp với Giấy khai sinh của người đó.",
        "Nghiêm cấm mọi hành vi tẩy xóa, sửa chữa, làm sai lệch nội dung Giấy khai sinh. \
         Đây là tài liệu mẫu dùng để thử nghiệm, không có giá trị pháp lý.",
    ];
    let para = Style::new(FontKind::LiberationSerif, 33.0, INK);
    f.y += 24.0;
    for p in paragraphs {
        let lines = fonts.wrap(&para, p, f.xmax - f.x0 - 40.0)?;
        for (i, l) in lines.iter().enumerate() {
            f.y += 44.0;
            let x = if i == 0 { f.x0 + 40.0 } else { f.x0 };
            f.page.text(&para, x, f.y, l, LineRole::Body, None)?;
            f.page.newline();
        }
        f.y += 10.0;
    }

    // Signature block.
    let signer = Person::generate(opts.seed ^ 0x51_6e_e7).full_name();
    let sy = (f.y + 60.0).min(1990.0);
    let scx = 1150.0;
    let date_line = format!(
        "{}, ngày {:02} tháng {:02} năm {}",
        commune, reg_date.day, reg_date.month, reg_date.year
    );
    f.page
        .text_centered(&para, scx, sy, &date_line, LineRole::Body, None)?;
    f.page.newline();
    let sb = Style::new(FontKind::LiberationSerifBold, 35.0, INK);
    f.page.text_centered(
        &sb,
        scx,
        sy + 50.0,
        "NGƯỜI KÝ GIẤY KHAI SINH",
        LineRole::Label,
        None,
    )?;
    f.page.newline();
    let small = Style::new(FontKind::LiberationSerif, 28.0, INK);
    f.page.text_centered(
        &small,
        scx,
        sy + 88.0,
        "(Ký, ghi rõ họ, chữ đệm, tên, chức vụ và đóng dấu)",
        LineRole::Label,
        None,
    )?;
    f.page.newline();
    stroke_ellipse(
        &mut f.page.img,
        scx - 70.0,
        sy + 160.0,
        56.0,
        56.0,
        5.0,
        [205, 40, 40],
        0.6,
    );
    fill_polygon(
        &mut f.page.img,
        &star(scx - 70.0, sy + 160.0, 22.0),
        [205, 40, 40],
        0.6,
    );
    let mut prev = (scx - 20.0, sy + 165.0);
    for i in 1..16 {
        let t = i as f32 / 15.0;
        let p = (
            scx - 20.0 + 180.0 * t,
            sy + 165.0 - 24.0 * (t * 10.0 + rng.uniform(0.0, 0.5) as f32).sin(),
        );
        line(&mut f.page.img, prev, p, 3.0, [30, 40, 120], 0.9);
        prev = p;
    }
    f.page.text_centered(
        &sb,
        scx,
        sy + 240.0,
        &signer,
        LineRole::Value,
        Some("signer_name"),
    )?;
    f.page.newline();
    f.fields.insert("signer_name".into(), signer);

    if opts.specimen_mark {
        f.page.text(
            &Style::new(FontKind::SansBold, 30.0, [200, 40, 40]),
            130.0,
            2225.0,
            "MẪU - SPECIMEN",
            LineRole::Mark,
            None,
        )?;
        f.page.newline();
    }

    let (width, height) = f.page.img.dimensions();
    Ok(Specimen {
        truth: GroundTruth {
            kind: SpecimenKind::A4Form,
            seed: opts.seed,
            width,
            height,
            fields: f.fields,
            lines: f.page.lines,
            mrz: Vec::new(),
            qr_payload: None,
            qr_quad: None,
            portrait_quad: None,
            person: person.clone(),
            degradation: None,
        },
        image: f.page.img,
        jpeg: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_words() {
        let d = |y, m, dd| Date::new(y, m, dd).unwrap();
        assert_eq!(
            vietnamese_date_words(d(2018, 3, 15)),
            "Ngày mười lăm tháng ba năm hai nghìn không trăm mười tám"
        );
        assert_eq!(
            vietnamese_date_words(d(2008, 10, 1)),
            "Ngày một tháng mười năm hai nghìn không trăm linh tám"
        );
        assert_eq!(
            vietnamese_date_words(d(1995, 12, 24)),
            "Ngày hai mươi tư tháng mười hai năm một nghìn chín trăm chín mươi lăm"
        );
        assert_eq!(
            vietnamese_date_words(d(2021, 1, 31)),
            "Ngày ba mươi mốt tháng một năm hai nghìn không trăm hai mươi mốt"
        );
        assert_eq!(
            vietnamese_date_words(d(2000, 2, 20)),
            "Ngày hai mươi tháng hai năm hai nghìn"
        );
    }
}
