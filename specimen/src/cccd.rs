//! CCCD (chip-based citizen identity card) front and back.

use std::collections::BTreeMap;

use image::{Rgb, RgbImage, imageops};
use qrcode::{Color, EcLevel, QrCode};

use crate::canvas::{
    Page, fill_ellipse, fill_polygon, fill_rect, line, paste, star, stroke_ellipse, stroke_rect,
};
use crate::error::SpecimenError;
use crate::mrz::td1_lines;
use crate::person::Person;
use crate::rng::Rng;
use crate::text::{FontKind, Fonts, Style};
use crate::truth::{GroundTruth, LineRole, Quad, SpecimenKind};
use crate::{RenderOptions, Specimen};

/// Card width in px (85.6 mm at ~300 dpi).
pub const CARD_WIDTH: u32 = 1012;
/// Card height in px (54 mm at ~300 dpi).
pub const CARD_HEIGHT: u32 = 638;

const INK: [u8; 3] = [25, 25, 35];
const LABEL: [u8; 3] = [45, 45, 55];
const RED: [u8; 3] = [190, 30, 35];
const MARK: [u8; 3] = [200, 40, 40];

fn card_background(rng: &mut Rng, tint: [f32; 3]) -> RgbImage {
    let phase = rng.uniform(0.0, std::f64::consts::TAU) as f32;
    let freq = rng.uniform(0.040, 0.050) as f32;
    let (w, h) = (CARD_WIDTH as f32, CARD_HEIGHT as f32);
    // The inner sines depend on one coordinate only: precompute them.
    let row_wave: Vec<f32> = (0..CARD_HEIGHT)
        .map(|y| 5.0 * (0.011 * y as f32 + phase).sin())
        .collect();
    let col_wave: Vec<f32> = (0..CARD_WIDTH)
        .map(|x| 4.0 * (0.009 * x as f32 - phase).sin())
        .collect();
    RgbImage::from_fn(CARD_WIDTH, CARD_HEIGHT, |x, y| {
        let (fx, fy) = (x as f32, y as f32);
        let t = fx / w;
        let mut c = [
            tint[0] + 6.0 * t,
            tint[1] - 3.0 * t,
            tint[2] - 8.0 * t + 4.0 * fy / h,
        ];
        // Guilloche: thin wavy lines, the classic security-print texture.
        let v = (freq * fx + row_wave[y as usize]).sin();
        let u = (freq * 0.8 * fy + col_wave[x as usize]).sin();
        let k = ((v.abs() - 0.96).max(0.0) + (u.abs() - 0.97).max(0.0)) * 300.0;
        c[0] -= k;
        c[1] -= k * 0.4;
        c[2] -= k * 0.8;
        Rgb(c.map(|v| v.clamp(0.0, 255.0) as u8))
    })
}

fn emblem(img: &mut RgbImage, cx: f32, cy: f32, r: f32) {
    fill_ellipse(img, cx, cy, r, r, [200, 35, 30], 1.0);
    stroke_ellipse(
        img,
        cx,
        cy,
        r * 0.92,
        r * 0.92,
        r * 0.06,
        [240, 200, 40],
        1.0,
    );
    fill_polygon(img, &star(cx, cy - r * 0.08, r * 0.55), [250, 215, 40], 1.0);
    // gear-like base
    fill_ellipse(
        img,
        cx,
        cy + r * 0.62,
        r * 0.45,
        r * 0.16,
        [240, 200, 40],
        1.0,
    );
}

/// Draw a QR symbol (with a white quiet zone of 3 modules) at (`x`, `y`); returns its quad.
pub(crate) fn draw_qr(
    img: &mut RgbImage,
    payload: &str,
    x: i64,
    y: i64,
    module: i64,
) -> Result<Quad, SpecimenError> {
    let code =
        QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::M).map_err(|e| {
            SpecimenError::Qr {
                len: payload.len(),
                reason: e.to_string(),
            }
        })?;
    let n = code.width() as i64;
    let quiet = 3;
    let size = (n + 2 * quiet) * module;
    fill_rect(img, x, y, x + size, y + size, [255, 255, 255]);
    for (i, c) in code.to_colors().iter().enumerate() {
        if *c == Color::Dark {
            let (mx, my) = (i as i64 % n, i as i64 / n);
            let (px, py) = (x + (mx + quiet) * module, y + (my + quiet) * module);
            fill_rect(img, px, py, px + module, py + module, [10, 10, 10]);
        }
    }
    Ok(Quad::rect(
        x as f32,
        y as f32,
        (x + size) as f32,
        (y + size) as f32,
    ))
}

/// Side of the QR symbol (quiet zone included) for `payload` at `module` px per module.
fn qr_size(payload: &str, module: i64) -> Result<i64, SpecimenError> {
    let code =
        QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::M).map_err(|e| {
            SpecimenError::Qr {
                len: payload.len(),
                reason: e.to_string(),
            }
        })?;
    Ok((code.width() as i64 + 6) * module)
}

/// A portrait as printed on a card: cropped to `w`x`h` (cover), lower contrast, warm tint,
/// print noise, slightly soft.
pub(crate) fn print_portrait(src: &RgbImage, w: u32, h: u32, rng: &mut Rng) -> RgbImage {
    let (sw, sh) = (src.width().max(1), src.height().max(1));
    let scale = (w as f32 / sw as f32).max(h as f32 / sh as f32);
    let (rw, rh) = (
        ((sw as f32 * scale).ceil() as u32).max(w),
        ((sh as f32 * scale).ceil() as u32).max(h),
    );
    let resized = imageops::resize(src, rw, rh, imageops::FilterType::Triangle);
    let (ox, oy) = ((rw - w) / 2, (rh - h) / 2);
    let mut out = imageops::crop_imm(&resized, ox, oy, w, h).to_image();
    for p in out.pixels_mut() {
        let n = rng.normal() as f32 * 4.0;
        let luma = 0.3 * f32::from(p.0[0]) + 0.59 * f32::from(p.0[1]) + 0.11 * f32::from(p.0[2]);
        for (i, c) in p.0.iter_mut().enumerate() {
            // slight desaturation, contrast reduction and a warm cast
            let v = 0.8 * f32::from(*c) + 0.2 * luma;
            let v = 22.0 + v * 0.84 + [4.0, 1.0, -4.0][i] + n;
            *c = v.clamp(0.0, 255.0) as u8;
        }
    }
    out
}

/// A neutral head-and-shoulders silhouette, used when no portrait is given.
pub(crate) fn silhouette(w: u32, h: u32) -> RgbImage {
    let mut img = RgbImage::from_pixel(w, h, Rgb([208, 212, 218]));
    let (fw, fh) = (w as f32, h as f32);
    fill_ellipse(
        &mut img,
        fw / 2.0,
        fh * 1.02,
        fw * 0.47,
        fh * 0.36,
        [120, 126, 134],
        1.0,
    );
    fill_ellipse(
        &mut img,
        fw / 2.0,
        fh * 0.40,
        fw * 0.23,
        fh * 0.21,
        [120, 126, 134],
        1.0,
    );
    img
}

fn specimen_from_page(
    page: Page<'_>,
    kind: SpecimenKind,
    person: &Person,
    opts: &RenderOptions,
    fields: BTreeMap<String, String>,
) -> Specimen {
    let (width, height) = page.img.dimensions();
    Specimen {
        truth: GroundTruth {
            kind,
            seed: opts.seed,
            width,
            height,
            fields,
            lines: page.lines,
            mrz: Vec::new(),
            qr_payload: None,
            qr_quad: None,
            portrait_quad: None,
            person: person.clone(),
            degradation: None,
        },
        image: page.img,
        jpeg: None,
    }
}

/// Render the front of a fictional CCCD.
///
/// Fields recorded (as printed): `id_number`, `full_name` (capitals), `date_of_birth`
/// (DD/MM/YYYY), `sex` (Nam/Nữ), `nationality`, `place_of_origin`, `place_of_residence`,
/// `date_of_expiry`. The QR holds [`Person::qr_payload`]. `portrait` (any size) is cropped to
/// the 3:4 portrait box and print-degraded; `None` draws a neutral silhouette.
pub fn render_cccd_front(
    person: &Person,
    portrait: Option<&RgbImage>,
    opts: &RenderOptions,
) -> Result<Specimen, SpecimenError> {
    let fonts = Fonts::load()?;
    let mut rng = Rng::derive(opts.seed, "cccd-front");
    let tint = [
        rng.uniform(228.0, 238.0) as f32,
        rng.uniform(236.0, 244.0) as f32,
        rng.uniform(228.0, 238.0) as f32,
    ];
    let mut page = Page::new(card_background(&mut rng, tint), &fonts);
    let w = CARD_WIDTH as f32;

    // QR, top right.
    let payload = person.qr_payload();
    let module = 4;
    let qsize = qr_size(&payload, module)?;
    let (qx, qy) = (i64::from(CARD_WIDTH) - 18 - qsize, 16);
    let qr_quad = draw_qr(&mut page.img, &payload, qx, qy, module)?;

    // Emblem and headers.
    emblem(&mut page.img, 92.0, 92.0, 62.0);
    let (hx0, hx1) = (170.0, qx as f32 - 12.0);
    let hcx = (hx0 + hx1) / 2.0;
    let hw = hx1 - hx0;
    let s = fonts.fit(
        &Style::new(FontKind::SansBold, 25.0, INK),
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        hw,
    )?;
    page.text_centered(
        &s,
        hcx,
        52.0,
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        LineRole::Header,
        None,
    )?;
    page.newline();
    let s = fonts.fit(
        &Style::new(FontKind::SansBold, 22.0, INK),
        "Độc lập - Tự do - Hạnh phúc",
        hw,
    )?;
    page.text_centered(
        &s,
        hcx,
        84.0,
        "Độc lập - Tự do - Hạnh phúc",
        LineRole::Header,
        None,
    )?;
    page.newline();
    let s = fonts.fit(
        &Style::new(FontKind::SansBold, 38.0, RED),
        "CĂN CƯỚC CÔNG DÂN",
        hw,
    )?;
    page.text_centered(&s, hcx, 140.0, "CĂN CƯỚC CÔNG DÂN", LineRole::Title, None)?;
    page.newline();
    let s = Style::new(FontKind::Sans, 21.0, INK);
    page.text_centered(
        &s,
        hcx,
        172.0,
        "Citizen Identity Card",
        LineRole::Title,
        None,
    )?;
    page.newline();

    // Portrait.
    let (px, py, pw, ph) = (38i64, 212i64, 232u32, 300u32);
    let pimg = match portrait {
        Some(p) => print_portrait(p, pw, ph, &mut rng),
        None => silhouette(pw, ph),
    };
    paste(&mut page.img, &pimg, px, py);
    stroke_rect(
        &mut page.img,
        px - 2,
        py - 2,
        px + i64::from(pw) + 2,
        py + i64::from(ph) + 2,
        2,
        [150, 150, 150],
    );
    let portrait_quad = Quad::rect(
        px as f32,
        py as f32,
        (px + i64::from(pw)) as f32,
        (py + i64::from(ph)) as f32,
    );

    // Fields.
    let mut fields = BTreeMap::new();
    let x0 = 296.0;
    let xmax = w - 22.0;
    let label = Style::new(FontKind::Sans, 20.0, LABEL);
    let value = Style::new(FontKind::SansBold, 23.0, INK);

    let lw = page.text(&label, x0, 250.0, "Số / No.:", LineRole::Label, None)?;
    let idv = Style::new(FontKind::SansBold, 36.0, RED);
    page.text(
        &idv,
        x0 + lw + 18.0,
        252.0,
        &person.id_number,
        LineRole::Value,
        Some("id_number"),
    )?;
    fields.insert("id_number".into(), person.id_number.clone());
    page.newline();

    page.text(
        &label,
        x0,
        290.0,
        "Họ và tên / Full name:",
        LineRole::Label,
        None,
    )?;
    page.newline();
    let name = person.full_name_upper();
    let ns = fonts.fit(&Style::new(FontKind::SansBold, 30.0, INK), &name, xmax - x0)?;
    page.text(&ns, x0, 326.0, &name, LineRole::Value, Some("full_name"))?;
    fields.insert("full_name".into(), name);
    page.newline();

    let lw = page.text(
        &label,
        x0,
        364.0,
        "Ngày sinh / Date of birth:",
        LineRole::Label,
        None,
    )?;
    let dob = person.date_of_birth.dmy();
    page.text(
        &value,
        x0 + lw + 14.0,
        364.0,
        &dob,
        LineRole::Value,
        Some("date_of_birth"),
    )?;
    fields.insert("date_of_birth".into(), dob);
    page.newline();

    let lw = page.text(&label, x0, 400.0, "Giới tính / Sex:", LineRole::Label, None)?;
    page.text(
        &value,
        x0 + lw + 14.0,
        400.0,
        person.sex.vi(),
        LineRole::Value,
        Some("sex"),
    )?;
    fields.insert("sex".into(), person.sex.vi().to_string());
    let nx = x0 + 300.0;
    let lw = page.text(
        &label,
        nx,
        400.0,
        "Quốc tịch / Nationality:",
        LineRole::Label,
        None,
    )?;
    page.text(
        &value,
        nx + lw + 14.0,
        400.0,
        &person.nationality,
        LineRole::Value,
        Some("nationality"),
    )?;
    fields.insert("nationality".into(), person.nationality.clone());
    page.newline();

    let mut y = 436.0;
    page.text(
        &label,
        x0,
        y,
        "Quê quán / Place of origin:",
        LineRole::Label,
        None,
    )?;
    page.newline();
    let addr = Style::new(FontKind::SansBold, 21.0, INK);
    for l in fonts.wrap(&addr, &person.place_of_origin, xmax - x0)? {
        y += 29.0;
        page.text(&addr, x0, y, &l, LineRole::Value, Some("place_of_origin"))?;
        page.newline();
    }
    fields.insert("place_of_origin".into(), person.place_of_origin.clone());
    y += 34.0;
    page.text(
        &label,
        x0,
        y,
        "Nơi thường trú / Place of residence:",
        LineRole::Label,
        None,
    )?;
    page.newline();
    let lines = fonts.wrap(&addr, &person.place_of_residence, xmax - x0)?;
    let step = if lines.len() > 2 { 26.0 } else { 29.0 };
    for l in lines {
        y += step;
        page.text(
            &addr,
            x0,
            y,
            &l,
            LineRole::Value,
            Some("place_of_residence"),
        )?;
        page.newline();
    }
    fields.insert(
        "place_of_residence".into(),
        person.place_of_residence.clone(),
    );

    // Expiry, under the portrait.
    let small = Style::new(FontKind::Sans, 17.0, LABEL);
    page.text(
        &small,
        38.0,
        540.0,
        "Có giá trị đến:",
        LineRole::Label,
        None,
    )?;
    page.newline();
    page.text(&small, 38.0, 562.0, "Date of expiry", LineRole::Label, None)?;
    page.newline();
    let exp = person.expiry_date.dmy();
    page.text(
        &Style::new(FontKind::SansBold, 21.0, INK),
        38.0,
        592.0,
        &exp,
        LineRole::Value,
        Some("date_of_expiry"),
    )?;
    fields.insert("date_of_expiry".into(), exp);
    page.newline();
    if opts.specimen_mark {
        page.text(
            &Style::new(FontKind::SansBold, 17.0, MARK),
            38.0,
            624.0,
            "MẪU - SPECIMEN",
            LineRole::Mark,
            None,
        )?;
        page.newline();
    }

    let mut sp = specimen_from_page(page, SpecimenKind::CccdFront, person, opts, fields);
    sp.truth.qr_payload = Some(payload);
    sp.truth.qr_quad = Some(qr_quad);
    sp.truth.portrait_quad = Some(portrait_quad);
    Ok(sp)
}

fn chip(img: &mut RgbImage, x: i64, y: i64) {
    let (w, h) = (128, 100);
    fill_rect(img, x, y, x + w, y + h, [212, 175, 85]);
    stroke_rect(img, x, y, x + w, y + h, 2, [150, 118, 50]);
    let c = [150, 118, 50];
    let (fx, fy) = (x as f32, y as f32);
    line(img, (fx, fy + 33.0), (fx + 40.0, fy + 33.0), 2.0, c, 1.0);
    line(img, (fx, fy + 67.0), (fx + 40.0, fy + 67.0), 2.0, c, 1.0);
    line(
        img,
        (fx + 88.0, fy + 33.0),
        (fx + 128.0, fy + 33.0),
        2.0,
        c,
        1.0,
    );
    line(
        img,
        (fx + 88.0, fy + 67.0),
        (fx + 128.0, fy + 67.0),
        2.0,
        c,
        1.0,
    );
    stroke_rect(img, x + 40, y + 20, x + 88, y + 80, 2, c);
}

fn fingerprint(img: &mut RgbImage, x0: i64, y0: i64, w: i64, h: i64, rng: &mut Rng) {
    fill_rect(img, x0, y0, x0 + w, y0 + h, [245, 245, 242]);
    stroke_rect(img, x0, y0, x0 + w, y0 + h, 2, [120, 120, 120]);
    let (cx, cy) = (
        (x0 + w / 2) as f32 + rng.uniform(-6.0, 6.0) as f32,
        (y0 + h / 2) as f32 + rng.uniform(-6.0, 6.0) as f32,
    );
    let mut r = 6.0f32;
    while r < (w.min(h) as f32) * 0.42 {
        stroke_ellipse(img, cx, cy, r * 0.8, r, 2.2, [70, 70, 80], 0.8);
        r += 7.0;
    }
}

/// Render the back of a fictional CCCD with its ICAO 9303 TD1 MRZ.
///
/// Fields recorded: `personal_identification` (Đặc điểm nhân dạng), `issue_date` (DD/MM/YYYY),
/// `issuing_authority`. `truth.mrz` holds the three MRZ lines (see [`crate::mrz::td1_lines`]);
/// each MRZ line is also a text line with role `Mrz` and field `mrz`.
pub fn render_cccd_back(person: &Person, opts: &RenderOptions) -> Result<Specimen, SpecimenError> {
    let fonts = Fonts::load()?;
    let mut rng = Rng::derive(opts.seed, "cccd-back");
    let tint = [
        rng.uniform(232.0, 240.0) as f32,
        rng.uniform(236.0, 244.0) as f32,
        rng.uniform(226.0, 236.0) as f32,
    ];
    let mut page = Page::new(card_background(&mut rng, tint), &fonts);
    let mut fields = BTreeMap::new();

    chip(&mut page.img, 44, 36);
    fingerprint(&mut page.img, 620, 24, 170, 190, &mut rng);
    fingerprint(&mut page.img, 810, 24, 170, 190, &mut rng);
    let small = Style::new(FontKind::Sans, 17.0, LABEL);
    page.text_centered(&small, 705.0, 240.0, "Ngón trỏ trái", LineRole::Label, None)?;
    page.text_centered(&small, 895.0, 240.0, "Ngón trỏ phải", LineRole::Label, None)?;
    page.newline();

    let label = Style::new(FontKind::Sans, 19.0, LABEL);
    let value = Style::new(FontKind::SansBold, 20.0, INK);
    page.text(
        &label,
        40.0,
        180.0 + 0.0,
        "Đặc điểm nhân dạng / Personal identification:",
        LineRole::Label,
        None,
    )?;
    page.newline();
    let mut y = 180.0;
    for l in fonts.wrap(&value, &person.identifying_mark, 560.0)? {
        y += 28.0;
        page.text(
            &value,
            40.0,
            y,
            &l,
            LineRole::Value,
            Some("personal_identification"),
        )?;
        page.newline();
    }
    fields.insert(
        "personal_identification".into(),
        person.identifying_mark.clone(),
    );
    y += 40.0;
    let lw = page.text(
        &label,
        40.0,
        y,
        "Ngày, tháng, năm / Date, month, year:",
        LineRole::Label,
        None,
    )?;
    let issue = person.issue_date.dmy();
    page.text(
        &value,
        40.0 + lw + 12.0,
        y,
        &issue,
        LineRole::Value,
        Some("issue_date"),
    )?;
    fields.insert("issue_date".into(), issue);
    page.newline();

    let auth = Style::new(FontKind::SansBold, 17.0, INK);
    let a1 = "CỤC TRƯỞNG CỤC CẢNH SÁT";
    let a2 = "QUẢN LÝ HÀNH CHÍNH VỀ TRẬT TỰ XÃ HỘI";
    page.text_centered(
        &auth,
        790.0,
        290.0,
        a1,
        LineRole::Value,
        Some("issuing_authority"),
    )?;
    page.newline();
    page.text_centered(
        &auth,
        790.0,
        313.0,
        a2,
        LineRole::Value,
        Some("issuing_authority"),
    )?;
    page.newline();
    fields.insert("issuing_authority".into(), format!("{a1} {a2}"));
    // Seal ring and a signature scribble (no name: the signer is not a real person's name).
    stroke_ellipse(
        &mut page.img,
        720.0,
        370.0,
        42.0,
        42.0,
        4.0,
        [200, 40, 40],
        0.55,
    );
    fill_polygon(
        &mut page.img,
        &star(720.0, 370.0, 16.0),
        [200, 40, 40],
        0.55,
    );
    let mut prev = (770.0f32, 380.0f32);
    for i in 1..14 {
        let t = i as f32 / 13.0;
        let p = (
            770.0 + 120.0 * t,
            380.0 - 22.0 * (t * 9.0 + rng.uniform(0.0, 0.6) as f32).sin(),
        );
        line(&mut page.img, prev, p, 2.5, [30, 40, 110], 0.9);
        prev = p;
    }

    // MRZ band.
    fill_rect(
        &mut page.img,
        0,
        438,
        i64::from(CARD_WIDTH),
        i64::from(CARD_HEIGHT),
        [244, 244, 238],
    );
    let mrz = td1_lines(person);
    let probe = Style::new(FontKind::Mono, 50.0, [15, 15, 15]);
    let adv = fonts.width(&probe, "<<<<<<<<<<")? / 10.0;
    let pitch = 30.5f32;
    let ms = Style::new(FontKind::Mono, 50.0 * pitch / adv.max(1.0), [15, 15, 15]);
    let mx = (CARD_WIDTH as f32 - 30.0 * pitch) / 2.0;
    for (i, l) in mrz.iter().enumerate() {
        page.text(
            &ms,
            mx,
            500.0 + 56.0 * i as f32,
            l,
            LineRole::Mrz,
            Some("mrz"),
        )?;
        page.newline();
    }

    let mut sp = specimen_from_page(page, SpecimenKind::CccdBack, person, opts, fields);
    sp.truth.mrz = mrz.to_vec();
    Ok(sp)
}
