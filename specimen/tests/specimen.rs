//! Integration tests of saoy-specimen's public API.

use image::RgbImage;
use saoy_specimen::{
    Degradation, FontKind, LineRole, PROVINCES, Person, RenderOptions, Sex, Specimen, SpecimenKind,
    VIETNAMESE_LETTERS, degrade, demo_portrait, missing_glyphs, mrz, render, render_a4_form,
    render_cccd_back, render_cccd_front,
};
use unicode_normalization::is_nfc;

fn luma(img: &RgbImage, x: u32, y: u32) -> u32 {
    let p = img.get_pixel(x, y).0;
    (u32::from(p[0]) * 30 + u32::from(p[1]) * 59 + u32::from(p[2]) * 11) / 100
}

/// Verify the check digits of a TD1 MRZ; returns the names of the failing checks.
fn td1_failures(l: &[String]) -> Vec<&'static str> {
    let mut bad = Vec::new();
    let (l1, l2) = (&l[0], &l[1]);
    let cd = |s: &str| mrz::check_digit(s);
    let at = |s: &str, i: usize| s.chars().nth(i);
    if cd(&l1[5..14]) != at(l1, 14) {
        bad.push("document number");
    }
    if cd(&l1[15..29]) != at(l1, 29) {
        bad.push("optional data");
    }
    if cd(&l2[0..6]) != at(l2, 6) {
        bad.push("birth date");
    }
    if cd(&l2[8..14]) != at(l2, 14) {
        bad.push("expiry date");
    }
    let composite = format!("{}{}{}{}", &l1[5..30], &l2[0..7], &l2[8..15], &l2[18..29]);
    if cd(&composite) != at(l2, 29) {
        bad.push("composite");
    }
    bad
}

#[test]
fn mrz_check_digits_verify_and_a_wrong_digit_is_caught() {
    // The rendered back carries exactly the computed MRZ (rendering is slow in debug builds,
    // so it is checked on a few seeds; the MRZ rules on many).
    for seed in [0u64, 1, 2] {
        let p = Person::generate(seed);
        let back = render_cccd_back(&p, &RenderOptions::new(seed)).unwrap();
        assert_eq!(back.truth.mrz, mrz::td1_lines(&p).to_vec());
    }
    for seed in 0..500u64 {
        let p = Person::generate(seed);
        let m = &mrz::td1_lines(&p).to_vec();
        assert_eq!(m.len(), 3);
        for l in m {
            assert_eq!(l.len(), 30, "{l}");
            assert!(
                l.chars()
                    .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase() || c == '<')
            );
        }
        assert!(
            td1_failures(m).is_empty(),
            "seed {seed}: {:?} in {m:?}",
            td1_failures(m)
        );
        assert_eq!(&m[0][0..5], "IDVNM");
        assert_eq!(&m[0][5..14], &p.id_number[3..12]);
        assert_eq!(&m[0][15..27], p.id_number);
        assert_eq!(&m[1][0..6], p.date_of_birth.yymmdd());
        assert_eq!(&m[1][7..8], if p.sex == Sex::Male { "M" } else { "F" });
        assert_eq!(&m[1][8..14], p.expiry_date.yymmdd());
        assert_eq!(&m[1][15..18], "VNM");
        assert!(m[2].starts_with(&format!("{}<<", mrz::transliterate(&p.family_name))));

        // Change one digit of the document number: the document check and the composite fail.
        let mut tampered = m.clone();
        let mut l1: Vec<char> = tampered[0].chars().collect();
        l1[9] = if l1[9] == '7' { '1' } else { '7' };
        tampered[0] = l1.into_iter().collect();
        let f = td1_failures(&tampered);
        assert!(
            f.contains(&"document number") && f.contains(&"composite"),
            "{f:?}"
        );
        // Swap the birth-date check digit for another digit: caught.
        let mut tampered = m.clone();
        let mut l2: Vec<char> = tampered[1].chars().collect();
        l2[6] = if l2[6] == '0' { '5' } else { '0' };
        tampered[1] = l2.into_iter().collect();
        assert!(td1_failures(&tampered).contains(&"birth date"));
    }
}

#[test]
fn id_numbers_follow_the_cccd_rules() {
    for seed in (0..2000u64).map(|s| s.wrapping_mul(0x9e37_79b9_7f4a_7c15)) {
        let p = Person::generate(seed);
        let id = &p.id_number;
        assert_eq!(id.len(), 12, "{id}");
        assert!(id.chars().all(|c| c.is_ascii_digit()), "{id}");
        assert!(PROVINCES.iter().any(|pr| pr.code == &id[0..3]), "{id}");
        assert_eq!(&id[0..3], p.birth_province.code);
        let year = p.date_of_birth.year;
        let century = match year {
            1900..=1999 => 0,
            2000..=2099 => 2,
            _ => panic!("birth year {year} out of range"),
        };
        let expected = century + u32::from(p.sex == Sex::Female);
        assert_eq!(
            id[3..4].parse::<u32>().unwrap(),
            expected,
            "{id} {year} {:?}",
            p.sex
        );
        assert_eq!(id[4..6].parse::<i32>().unwrap(), year % 100, "{id} {year}");
        assert!(p.old_id_number.is_empty() || p.old_id_number.len() == 9);
        assert!(is_nfc(&p.full_name()) && is_nfc(&p.place_of_residence));
    }
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let portrait = demo_portrait().unwrap();
    let make = |seed: u64| {
        let p = Person::generate(seed);
        let f = render_cccd_front(&p, Some(&portrait), &RenderOptions::new(seed)).unwrap();
        degrade(&f, &Degradation::photo(seed), seed).unwrap()
    };
    let (a, b, c) = (make(11), make(11), make(12));
    assert_eq!(a.image.as_raw(), b.image.as_raw());
    assert_eq!(a.jpeg, b.jpeg);
    assert!(a.jpeg.is_some());
    assert_eq!(
        serde_json::to_string(&a.truth).unwrap(),
        serde_json::to_string(&b.truth).unwrap()
    );
    assert_ne!(a.image.as_raw(), c.image.as_raw());
    assert_ne!(a.truth.person, c.truth.person);
    let p = Person::generate(5);
    let x = render_a4_form(&p, &RenderOptions::new(5)).unwrap();
    let y = render_a4_form(&p, &RenderOptions::new(5)).unwrap();
    assert_eq!(x.encoded().unwrap().0, y.encoded().unwrap().0);
}

#[test]
fn every_shipped_font_covers_the_134_vietnamese_letters() {
    for font in FontKind::ALL {
        let missing = missing_glyphs(font, VIETNAMESE_LETTERS).unwrap();
        if font == FontKind::Mono {
            // DejaVu Sans Mono lacks the 46 letters with a hook above (ả, ẩ, ở, Ỷ, …): it is
            // used for the ASCII-only MRZ and nothing else.
            assert_eq!(missing.len(), 46, "{missing:?}");
            assert!(missing.contains(&'ả') && missing.contains(&'Ở'));
            let mrz_charset = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<";
            assert!(missing_glyphs(font, mrz_charset).unwrap().is_empty());
            assert!(!font.covers_vietnamese());
        } else {
            assert!(
                missing.is_empty(),
                "{}: missing {missing:?}",
                font.file_name()
            );
            assert!(font.covers_vietnamese());
        }
    }
    // The check can fail: a character outside these fonts is reported.
    let missing = missing_glyphs(FontKind::Sans, "aệ\u{10FFFD}").unwrap();
    assert_eq!(missing, vec!['\u{10FFFD}']);
}

#[test]
fn qr_payload_decodes_back_from_the_image() {
    let portrait = demo_portrait().unwrap();
    for seed in [1u64, 2] {
        let p = Person::generate(seed);
        let clean = render_cccd_front(&p, Some(&portrait), &RenderOptions::new(seed)).unwrap();
        let mild = Degradation::none()
            .with_rotation(2.0)
            .with_margin(0.05)
            .with_blur(0.6)
            .with_jpeg(80);
        let degraded = degrade(&clean, &mild, seed).unwrap();
        for sp in [&clean, &degraded] {
            let img = &sp.image;
            let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(
                img.width() as usize,
                img.height() as usize,
                |x, y| luma(img, x as u32, y as u32) as u8,
            );
            let grids = prepared.detect_grids();
            assert_eq!(grids.len(), 1, "seed {seed}");
            let (_, content) = grids[0].decode().unwrap();
            assert_eq!(Some(&content), sp.truth.qr_payload.as_ref());
            assert_eq!(content, p.qr_payload());
            assert_eq!(content.split('|').count(), 7);
            // the grid lies inside the recorded QR quad
            let (x0, y0, x1, y1) = sp.truth.qr_quad.unwrap().bounds();
            for pt in grids[0].bounds {
                assert!(pt.x as f32 >= x0 - 2.0 && (pt.x as f32) <= x1 + 2.0);
                assert!(pt.y as f32 >= y0 - 2.0 && (pt.y as f32) <= y1 + 2.0);
            }
        }
    }
}

fn all_specimens(
    seed: u64,
    kinds: &[SpecimenKind],
) -> Result<Vec<Specimen>, saoy_specimen::SpecimenError> {
    let p = Person::generate(seed);
    let mut out = Vec::new();
    for &kind in kinds {
        let clean = render(kind, &p, None, &RenderOptions::new(seed))?;
        // (each degradation of an A4 page costs seconds in an unoptimized test build)
        let d = match kind {
            SpecimenKind::A4Form => Degradation::scan(seed),
            _ => Degradation::photo(seed),
        };
        out.push(degrade(&clean, &d, seed)?);
        out.push(clean);
    }
    Ok(out)
}

#[test]
fn ground_truth_boxes_lie_inside_the_image_and_cover_ink() {
    use SpecimenKind::{A4Form, CccdBack, CccdFront};
    for (seed, kinds) in [
        (3u64, &[CccdFront, CccdBack, A4Form][..]),
        (17, &[CccdFront, CccdBack]),
    ] {
        for sp in all_specimens(seed, kinds).unwrap() {
            let t = &sp.truth;
            assert_eq!((t.width, t.height), sp.image.dimensions());
            assert!(t.lines.len() > 10, "{:?}: {} lines", t.kind, t.lines.len());
            for l in &t.lines {
                assert!(
                    l.quad.inside(t.width, t.height),
                    "{:?} {:?}",
                    l.text,
                    l.quad
                );
                assert!(is_nfc(&l.text), "{:?}", l.text);
                // There is ink inside each box: its darkest pixel is clearly darker than paper.
                let (x0, y0, x1, y1) = l.quad.bounds();
                let mut darkest = 255;
                for y in (y0.max(0.0) as u32)..(y1.ceil() as u32).min(t.height) {
                    for x in (x0.max(0.0) as u32)..(x1.ceil() as u32).min(t.width) {
                        darkest = darkest.min(luma(&sp.image, x, y));
                    }
                }
                assert!(
                    darkest < 150,
                    "{:?} {:?}: darkest {darkest}",
                    t.kind,
                    l.text
                );
            }
            for q in [t.qr_quad, t.portrait_quad].into_iter().flatten() {
                assert!(q.inside(t.width, t.height));
            }
        }
    }
}

#[test]
fn fields_match_their_rendered_lines() {
    let p = Person::generate(21);
    for kind in SpecimenKind::ALL {
        let sp = render(kind, &p, None, &RenderOptions::new(21)).unwrap();
        let t = &sp.truth;
        assert!(!t.fields.is_empty());
        for (name, value) in &t.fields {
            let joined = t
                .field_lines(name)
                .iter()
                .map(|l| l.text.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            assert_eq!(&joined, value, "{:?} field {name}", t.kind);
        }
        match kind {
            SpecimenKind::CccdFront => {
                assert_eq!(t.fields["id_number"], p.id_number);
                assert_eq!(t.fields["full_name"], p.full_name_upper());
                assert_eq!(t.fields["date_of_birth"], p.date_of_birth.dmy());
                assert_eq!(t.fields["sex"], p.sex.vi());
                assert_eq!(t.fields["date_of_expiry"], p.expiry_date.dmy());
                assert_eq!(t.fields.len(), 8);
                assert!(t.lines.iter().any(|l| l.text == "Họ và tên / Full name:"));
                assert!(t.lines.iter().any(|l| l.role == LineRole::Mark));
            }
            SpecimenKind::CccdBack => {
                let mrz_lines: Vec<String> = t
                    .field_lines("mrz")
                    .iter()
                    .map(|l| l.text.clone())
                    .collect();
                assert_eq!(mrz_lines, t.mrz);
                assert_eq!(t.fields["issue_date"], p.issue_date.dmy());
            }
            _ => {
                assert_eq!(t.fields["personal_id"], p.id_number);
                assert!(t.lines.iter().any(|l| l.text == "GIẤY KHAI SINH"));
                assert!(t.fields["date_of_birth_words"].starts_with("Ngày "));
            }
        }
        // JSON round trip.
        let json = serde_json::to_string(t).unwrap();
        let back: saoy_specimen::GroundTruth = serde_json::from_str(&json).unwrap();
        assert_eq!(&back, t);
    }
}

#[test]
fn image_sizes_and_specimen_mark_option() {
    let p = Person::generate(8);
    let f = render_cccd_front(&p, None, &RenderOptions::new(8)).unwrap();
    assert_eq!(f.image.dimensions(), (1012, 638));
    let a = render_a4_form(&p, &RenderOptions::new(8)).unwrap();
    assert_eq!(a.image.dimensions(), (1654, 2339));
    let nomark =
        render_cccd_front(&p, None, &RenderOptions::new(8).with_specimen_mark(false)).unwrap();
    assert!(nomark.truth.lines.iter().all(|l| l.role != LineRole::Mark));
    assert_eq!(nomark.truth.lines.len() + 1, f.truth.lines.len());
    // photo degradation adds a margin and records the homography mapping the clean corners
    let d = degrade(&f, &Degradation::photo(8), 8).unwrap();
    let applied = d.truth.degradation.as_ref().unwrap();
    assert_eq!(applied.source_size, [1012, 638]);
    assert!(d.image.width() > 1012 && d.image.height() > 638);
    let (x, y) = saoy_specimen::apply_h(&applied.homography, 0.0, 0.0);
    assert!(x > 0.0 && y > 0.0);
}
