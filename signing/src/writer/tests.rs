//! Unit tests of the certified-copy writer.

use lopdf::{Document, Object};

use super::*;

pub(crate) fn jpeg(w: u32, h: u32, dpi: u16) -> Vec<u8> {
    let img = ::image::RgbImage::from_fn(w, h, |x, y| {
        ::image::Rgb([(x % 251) as u8, (y % 251) as u8, 200])
    });
    let mut out = Vec::new();
    let mut enc = ::image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85);
    enc.set_pixel_density(::image::codecs::jpeg::PixelDensity::dpi(dpi));
    enc.encode_image(&img).unwrap();
    out
}

fn sample() -> CertifiedCopy {
    let mut block = CertificationBlock::new(
        "Ủy ban nhân dân phường Hoàn Kiếm",
        "123/2026/SY-ĐT",
        "25/11/2026",
    );
    block.officer = Some("Nguyễn Thị Hằng".into());
    block.extra_lines.push("Mã xác thực: ABCD-1234".into());
    let mut c = CertifiedCopy::new("Giấy khai sinh (bản sao điện tử)", block);
    c.pages.push(PageImage::new(jpeg(400, 560, 200)));
    c.pages.push(PageImage::with_dpi(jpeg(300, 300, 72), 300.0));
    c.text_lines.push(TextLine::new(
        0,
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        [40.0, 20.0, 360.0, 44.0],
    ));
    c.text_lines.push(TextLine::new(
        1,
        "Độc lập - Tự do - Hạnh phúc",
        [10.0, 10.0, 200.0, 30.0],
    ));
    c.qr_payload = Some("https://example.invalid/v/ABCD-1234".into());
    c.signature_text = Some(SignatureText::new(
        "UBND phường Hoàn Kiếm",
        "2026-11-25T09:30:00+07:00",
    ));
    c
}

fn stream_bytes(doc: &Document, o: &Object) -> Vec<u8> {
    let id = o.as_reference().unwrap();
    let s = doc.get_object(id).unwrap().as_stream().unwrap();
    s.decompressed_content()
        .unwrap_or_else(|_| s.content.clone())
}

/// Parse `<hex> <hex>` bfchar pairs of a ToUnicode CMap (UTF-16BE targets).
fn parse_tounicode(cmap: &[u8]) -> std::collections::HashMap<u16, char> {
    let text = String::from_utf8_lossy(cmap);
    let mut map = std::collections::HashMap::new();
    let mut in_bf = false;
    for line in text.lines() {
        if line.contains("beginbfchar") {
            in_bf = true;
            continue;
        }
        if line.contains("endbfchar") {
            in_bf = false;
            continue;
        }
        if in_bf {
            let parts: Vec<&str> = line
                .split(['<', '>'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect();
            if parts.len() == 2 {
                let g = u16::from_str_radix(parts[0], 16).unwrap();
                let u: Vec<u16> = (0..parts[1].len() / 4)
                    .map(|i| u16::from_str_radix(&parts[1][i * 4..i * 4 + 4], 16).unwrap())
                    .collect();
                map.insert(g, String::from_utf16(&u).unwrap().chars().next().unwrap());
            }
        }
    }
    map
}

#[test]
fn pages_have_image_size_at_declared_dpi_and_jpeg_passes_through() {
    let copy = sample();
    let pdf = copy.render().unwrap();
    let doc = Document::load_mem(&pdf).unwrap();
    let pages = doc.get_pages();
    assert_eq!(pages.len(), 3, "two image pages + certification page");
    let p1 = doc.get_dictionary(pages[&1]).unwrap();
    let mb: Vec<f32> = p1
        .get(b"MediaBox")
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o.as_float().unwrap())
        .collect();
    // 400 x 560 px at 200 dpi = 144 x 201.6 pt, plus the signature band on page 1.
    assert!((mb[2] - 144.0).abs() < 0.01, "{mb:?}");
    assert!((mb[3] - (201.6 + SIG_BAND)).abs() < 0.01, "{mb:?}");
    let p2 = doc.get_dictionary(pages[&2]).unwrap();
    let mb2: Vec<f32> = p2
        .get(b"MediaBox")
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o.as_float().unwrap())
        .collect();
    // Caller's 300 dpi overrides the file's 72.
    assert!(
        (mb2[2] - 72.0).abs() < 0.01 && (mb2[3] - 72.0).abs() < 0.01,
        "{mb2:?}"
    );
    // The JPEG bytes are embedded unchanged.
    let res = p1.get(b"Resources").unwrap().as_dict().unwrap();
    let xo = res.get(b"XObject").unwrap().as_dict().unwrap();
    let im = doc
        .get_object(xo.get(b"Im1").unwrap().as_reference().unwrap())
        .unwrap()
        .as_stream()
        .unwrap();
    assert_eq!(
        im.dict.get(b"Filter").unwrap().as_name().unwrap(),
        b"DCTDecode"
    );
    assert_eq!(im.content, copy.pages[0].data);
    // Metadata.
    let info = doc.trailer.get(b"Info").unwrap().as_reference().unwrap();
    let info = doc.get_dictionary(info).unwrap();
    assert!(info.has(b"Title") && info.has(b"Producer"));
    let cat = doc.catalog().unwrap();
    let meta = stream_bytes(&doc, cat.get(b"Metadata").unwrap());
    let meta = String::from_utf8(meta).unwrap();
    assert!(meta.contains("Giấy khai sinh (bản sao điện tử)"));
    assert!(meta.contains("<pdf:Producer>saoy "));
}

#[test]
fn text_layer_is_invisible_and_maps_back_to_vietnamese() {
    let copy = sample();
    let pdf = copy.render().unwrap();
    let doc = Document::load_mem(&pdf).unwrap();
    let pages = doc.get_pages();
    let p1 = doc.get_dictionary(pages[&1]).unwrap();
    let content = stream_bytes(&doc, p1.get(b"Contents").unwrap());
    let ops = lopdf::content::Content::decode(&content)
        .unwrap()
        .operations;
    assert!(
        ops.iter()
            .any(|o| o.operator == "Tr" && o.operands[0].as_i64().unwrap() == 3)
    );
    // Font is Type0/Identity-H with an embedded FontFile2 and a ToUnicode map.
    let res = p1.get(b"Resources").unwrap().as_dict().unwrap();
    let f = res
        .get(b"Font")
        .unwrap()
        .as_dict()
        .unwrap()
        .get(b"F1")
        .unwrap()
        .as_reference()
        .unwrap();
    let f = doc.get_dictionary(f).unwrap();
    assert_eq!(f.get(b"Subtype").unwrap().as_name().unwrap(), b"Type0");
    assert_eq!(
        f.get(b"Encoding").unwrap().as_name().unwrap(),
        b"Identity-H"
    );
    let map = parse_tounicode(&stream_bytes(&doc, f.get(b"ToUnicode").unwrap()));
    let desc = f.get(b"DescendantFonts").unwrap().as_array().unwrap()[0]
        .as_reference()
        .unwrap();
    let desc = doc.get_dictionary(desc).unwrap();
    let fd = doc
        .get_dictionary(desc.get(b"FontDescriptor").unwrap().as_reference().unwrap())
        .unwrap();
    let file = stream_bytes(&doc, fd.get(b"FontFile2").unwrap());
    assert!(
        file.len() < font::FONT.len() / 3,
        "subset {} vs full {}",
        file.len(),
        font::FONT.len()
    );
    assert!(ttf_parser::Face::parse(&file, 0).is_ok());
    // Decode every shown string of page 1 through the ToUnicode map, with the
    // text render mode and horizontal scaling in force (graphics state, q/Q).
    let shown = decode_shown(&ops, &map);
    let find = |t: &str| {
        shown
            .iter()
            .find(|s| s.0 == t)
            .unwrap_or_else(|| panic!("{t} not in {shown:?}"))
    };
    assert_eq!(
        find("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM").1,
        3,
        "OCR text is invisible"
    );
    // The Decree 30 text is not page content: it is the appearance of the
    // empty signature field on page 1, top right, in the band above the image.
    assert!(shown.iter().all(|s| s.0 != COPY_TYPE_VI));
    let annots = p1.get(b"Annots").unwrap().as_array().unwrap();
    assert_eq!(annots.len(), 1);
    let wid = doc
        .get_dictionary(annots[0].as_reference().unwrap())
        .unwrap();
    assert_eq!(wid.get(b"FT").unwrap().as_name().unwrap(), b"Sig");
    assert_eq!(wid.get(b"Subtype").unwrap().as_name().unwrap(), b"Widget");
    assert_eq!(
        wid.get(b"T").unwrap().as_str().unwrap(),
        SIGNATURE_FIELD.as_bytes()
    );
    assert!(!wid.has(b"V"), "the field is empty until signed");
    assert_eq!(wid.get(b"F").unwrap().as_i64().unwrap(), 4, "printable");
    let rect: Vec<f32> = wid
        .get(b"Rect")
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o.as_float().unwrap())
        .collect();
    assert!(rect[1] >= 201.6, "above the image: {rect:?}");
    assert!(rect[3] <= 201.6 + SIG_BAND, "inside the page: {rect:?}");
    assert!(
        rect[2] > 144.0 - 12.0 && rect[2] <= 144.0,
        "right-aligned: {rect:?}"
    );
    let cat = doc.catalog().unwrap();
    let form = doc
        .get_dictionary(cat.get(b"AcroForm").unwrap().as_reference().unwrap())
        .unwrap();
    assert_eq!(
        form.get(b"Fields").unwrap().as_array().unwrap()[0],
        annots[0]
    );
    let ap = wid.get(b"AP").unwrap().as_dict().unwrap();
    let ap_ref = ap.get(b"N").unwrap();
    let ap_stream = doc
        .get_object(ap_ref.as_reference().unwrap())
        .unwrap()
        .as_stream()
        .unwrap();
    let bbox: Vec<f32> = ap_stream
        .dict
        .get(b"BBox")
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o.as_float().unwrap())
        .collect();
    assert!((bbox[2] - (rect[2] - rect[0])).abs() < 0.01);
    let ap_ops = lopdf::content::Content::decode(&stream_bytes(&doc, ap_ref))
        .unwrap()
        .operations;
    let ap_shown = decode_shown(&ap_ops, &map);
    let texts: Vec<&str> = ap_shown.iter().map(|s| s.0.as_str()).collect();
    assert_eq!(
        texts,
        [
            COPY_TYPE_VI,
            "UBND phường Hoàn Kiếm",
            "Thời gian ký: 2026-11-25T09:30:00+07:00"
        ]
    );
    assert!(
        ap_shown.iter().all(|s| (s.1, s.2) == (0, 100.0)),
        "signature text is visible and unscaled"
    );
    // Text only: no images or paths in the appearance, 10 pt where it fits.
    assert!(
        ap_ops
            .iter()
            .all(|o| !matches!(o.operator.as_str(), "Do" | "re" | "f" | "S" | "BI"))
    );
    let sizes: Vec<f32> = ap_ops
        .iter()
        .filter(|o| o.operator == "Tf")
        .map(|o| o.operands[1].as_float().unwrap())
        .collect();
    assert!(
        sizes.iter().all(|s| *s <= SIG_SIZE && *s > 5.0),
        "{sizes:?}"
    );
}

/// Strings shown by `ops`, decoded through `map`, with the text render mode
/// and horizontal scaling in force (graphics state, q/Q).
fn decode_shown(
    ops: &[lopdf::content::Operation],
    map: &std::collections::HashMap<u16, char>,
) -> Vec<(String, i64, f32)> {
    let mut stack = vec![(0i64, 100.0f32)];
    let mut shown: Vec<(String, i64, f32)> = Vec::new();
    for o in ops {
        match o.operator.as_str() {
            "q" => stack.push(*stack.last().unwrap()),
            "Q" => {
                stack.pop();
            }
            "Tr" => stack.last_mut().unwrap().0 = o.operands[0].as_i64().unwrap(),
            "Tz" => stack.last_mut().unwrap().1 = o.operands[0].as_float().unwrap(),
            "Tj" => {
                let Object::String(b, _) = &o.operands[0] else {
                    panic!()
                };
                let t: String = b
                    .chunks(2)
                    .map(|c| map[&u16::from_be_bytes([c[0], c[1]])])
                    .collect();
                let (tr, tz) = *stack.last().unwrap();
                shown.push((t, tr, tz));
            }
            _ => {}
        }
    }
    shown
}

#[test]
fn qr_modules_match_the_code() {
    let payload = "https://example.invalid/v/ABCD-1234";
    let mut c = Content::new();
    draw_qr(&mut c, payload, 0.0, 0.0, 132.0).unwrap();
    let data = c.finish();
    let ops = lopdf::content::Content::decode(&data).unwrap().operations;
    let code = qrcode::QrCode::with_error_correction_level(payload.as_bytes(), qrcode::EcLevel::M)
        .unwrap();
    let n = code.width() as f32;
    let module = 132.0 / (n + 8.0);
    let rects: Vec<Vec<f32>> = ops
        .iter()
        .filter(|o| o.operator == "re")
        .map(|o| o.operands.iter().map(|x| x.as_float().unwrap()).collect())
        .collect();
    // First rect is the white quiet-zone background.
    let dark_area: f32 = rects[1..].iter().map(|r| r[2] * r[3]).sum();
    let dark = code
        .to_colors()
        .iter()
        .filter(|c| **c == qrcode::Color::Dark)
        .count() as f32;
    assert!(
        (dark_area / (module * module) - dark).abs() < 0.5,
        "{} vs {dark}",
        dark_area / (module * module)
    );
    assert!(matches!(
        draw_qr(&mut Content::new(), &"x".repeat(5000), 0.0, 0.0, 10.0),
        Err(WriterError::Qr { .. })
    ));
}

#[test]
fn resolution_and_input_errors_are_typed() {
    let block = CertificationBlock::new("A", "1", "1/1/2026");
    let mut c = CertifiedCopy::new("t", block.clone());
    assert_eq!(c.render().unwrap_err().code(), "writer_no_pages");
    c.pages.push(PageImage::new(jpeg(50, 50, 150)));
    assert!(matches!(
        c.render().unwrap_err(),
        WriterError::LowResolution { page: 0, .. }
    ));
    // A PNG without pHYs and no caller dpi.
    let mut png = Vec::new();
    ::image::RgbImage::new(8, 8)
        .write_to(
            &mut std::io::Cursor::new(&mut png),
            ::image::ImageFormat::Png,
        )
        .unwrap();
    let mut c = CertifiedCopy::new("t", block.clone());
    c.pages.push(PageImage::new(png.clone()));
    assert!(matches!(
        c.render().unwrap_err(),
        WriterError::MissingDpi { page: 0 }
    ));
    c.pages[0].dpi = Some(300.0);
    let pdf = c.render().unwrap();
    let doc = Document::load_mem(&pdf).unwrap();
    assert_eq!(doc.get_pages().len(), 2);
    c.text_lines
        .push(TextLine::new(5, "x", [0.0, 0.0, 1.0, 1.0]));
    assert!(matches!(
        c.render().unwrap_err(),
        WriterError::BadTextLine { line: 0, .. }
    ));
    c.text_lines[0] = TextLine::new(0, "x", [5.0, 0.0, 1.0, 1.0]);
    assert!(matches!(
        c.render().unwrap_err(),
        WriterError::BadTextLine { line: 0, .. }
    ));
    let mut c = CertifiedCopy::new("t", block);
    c.pages
        .push(PageImage::with_dpi(b"garbage".to_vec(), 300.0));
    assert!(matches!(
        c.render().unwrap_err(),
        WriterError::BadImage { page: 0, .. }
    ));
}

#[cfg(feature = "sign")]
#[test]
fn rendered_copy_signs_and_keeps_its_pages() {
    let pki = crate::pki::TestPki::generate().unwrap();
    let pdf = sample().render().unwrap();
    let signed = crate::sign::sign_pdf(
        &pdf,
        &pki.signer().unwrap(),
        &crate::sign::SignOptions::default(),
    )
    .unwrap();
    assert!(signed.starts_with(&pdf));
    let doc = Document::load_mem(&signed).unwrap();
    assert_eq!(doc.get_pages().len(), 3);
    let text = String::from_utf8_lossy(&signed[pdf.len()..]);
    assert!(text.contains("/ETSI.CAdES.detached"));
    // The signature fills the visible Decree 30 field: no second field appears.
    let cat = doc.catalog().unwrap();
    let form = doc
        .get_dictionary(cat.get(b"AcroForm").unwrap().as_reference().unwrap())
        .unwrap();
    let fields = form.get(b"Fields").unwrap().as_array().unwrap();
    assert_eq!(fields.len(), 1);
    let f = doc
        .get_dictionary(fields[0].as_reference().unwrap())
        .unwrap();
    assert_eq!(
        f.get(b"T").unwrap().as_str().unwrap(),
        SIGNATURE_FIELD.as_bytes()
    );
    assert!(f.has(b"V") && f.has(b"AP"));
}
