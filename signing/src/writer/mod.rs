//! The certified-copy PDF writer (Decree 30/2020/ND-CP, Appendix I).
//!
//! Pages are the scanned images at 100% scale (page size from the image's
//! resolution, at least 200 dpi), with an optional invisible text layer from
//! OCR (text render mode 3, embedded subset Liberation Serif with a ToUnicode
//! map, so Vietnamese copy-pastes correctly). Page 1 gets a band on top whose
//! right side holds an empty signature field ([`SIGNATURE_FIELD`]) whose
//! appearance is the signature text Decree 30 asks for (copy type, agency,
//! ISO 8601 signing time; text only, black, 10 pt Liberation Serif, the
//! metric-compatible Times New Roman substitute): signing fills that field, so
//! the visible text is the signature's own widget. A last page carries the
//! certification block in Vietnamese and a vector QR code.
//!
//! ```
//! use saoy_signing::writer::{CertificationBlock, CertifiedCopy, PageImage, SignatureText};
//!
//! # let jpeg = {
//! #     let img = image::RgbImage::from_pixel(200, 280, image::Rgb([250, 250, 245]));
//! #     let mut out = Vec::new();
//! #     let mut e = image::codecs::jpeg::JpegEncoder::new(&mut out);
//! #     e.set_pixel_density(image::codecs::jpeg::PixelDensity::dpi(200));
//! #     e.encode_image(&img).unwrap();
//! #     out
//! # };
//! let mut copy = CertifiedCopy::new(
//!     "Giấy khai sinh - bản sao",
//!     CertificationBlock::new("UBND phường Hoàn Kiếm", "123/2026/SY", "25/11/2026"),
//! );
//! copy.pages.push(PageImage::new(jpeg));
//! copy.qr_payload = Some("https://example.invalid/v/ABCD-1234".into());
//! copy.signature_text = Some(SignatureText::new("UBND phường Hoàn Kiếm", "2026-11-25T09:30:00+07:00"));
//! let pdf: Vec<u8> = copy.render()?;
//! assert!(pdf.starts_with(b"%PDF-1.7"));
//! # Ok::<(), saoy_signing::writer::WriterError>(())
//! ```

mod font;
mod image;

use std::time::SystemTime;

use pdf_writer::types::TextRenderingMode;
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

pub use self::image::{MAX_IMAGE_BYTES, MAX_IMAGE_PIXELS};
use font::FontSubset;

/// The copy type text of Decree 30/2020 for an electronic certified copy.
pub const COPY_TYPE_VI: &str = "Bản sao điện tử được chứng thực từ bản chính";
/// Minimum resolution of a page image (Decree 30/2020 App. I).
pub const MIN_DPI: f32 = 200.0;
/// Most pages in one copy.
pub const MAX_PAGES: usize = 500;
/// Most OCR text lines in one copy.
pub const MAX_TEXT_LINES: usize = 200_000;
/// Longest QR payload (bytes).
pub const MAX_QR_PAYLOAD: usize = 1024;
/// Name of the empty signature field on page 1 that carries the Decree 30
/// signature text as its appearance; signing fills it.
pub const SIGNATURE_FIELD: &str = "Signature1";

/// Errors of the writer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WriterError {
    /// No page images were given.
    #[error("a certified copy needs at least one page image")]
    NoPages,
    /// A page image could not be read.
    #[error("page {page}: unreadable image: {detail}")]
    BadImage {
        /// Zero-based page index.
        page: usize,
        /// Why.
        detail: String,
    },
    /// A page image has no resolution and the caller gave none.
    #[error("page {page}: the image declares no resolution; pass PageImage::with_dpi")]
    MissingDpi {
        /// Zero-based page index.
        page: usize,
    },
    /// A page image is below 200 dpi.
    #[error("page {page}: {dpi} dpi is below the required {min} dpi")]
    LowResolution {
        /// Zero-based page index.
        page: usize,
        /// Its resolution.
        dpi: f32,
        /// The minimum.
        min: f32,
    },
    /// A text line refers to a page that does not exist or has a bad box.
    #[error("text line {line}: {detail}")]
    BadTextLine {
        /// Zero-based line index.
        line: usize,
        /// Why.
        detail: String,
    },
    /// The QR payload cannot be encoded.
    #[error("QR payload cannot be encoded: {detail}")]
    Qr {
        /// Why.
        detail: String,
    },
    /// An input exceeds a documented cap.
    #[error("{what} exceeds the limit of {limit}")]
    TooLarge {
        /// What.
        what: &'static str,
        /// The cap.
        limit: u64,
    },
    /// The embedded font could not be subset.
    #[error("font error: {detail}")]
    Font {
        /// Why.
        detail: String,
    },
}

impl WriterError {
    /// Stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoPages => "writer_no_pages",
            Self::BadImage { .. } => "writer_bad_image",
            Self::MissingDpi { .. } => "writer_missing_dpi",
            Self::LowResolution { .. } => "writer_low_resolution",
            Self::BadTextLine { .. } => "writer_bad_text_line",
            Self::Qr { .. } => "writer_qr",
            Self::TooLarge { .. } => "writer_too_large",
            Self::Font { .. } => "writer_font",
        }
    }
}

/// One scanned page (JPEG, PNG or any format the `image` crate reads).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct PageImage {
    /// The encoded image file.
    pub data: Vec<u8>,
    /// Resolution in dpi; `None` = read it from the file (JFIF density, PNG pHYs).
    pub dpi: Option<f32>,
}

impl PageImage {
    /// A page whose resolution is read from the file.
    pub fn new(data: Vec<u8>) -> Self {
        Self { data, dpi: None }
    }
    /// A page scanned at `dpi`.
    pub fn with_dpi(data: Vec<u8>, dpi: f32) -> Self {
        Self {
            data,
            dpi: Some(dpi),
        }
    }
}

/// One OCR line: its text and its box in the page image's pixels
/// (`[x0, y0, x1, y1]`, origin top-left).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct TextLine {
    /// Zero-based page index.
    pub page: usize,
    /// Recognized text.
    pub text: String,
    /// Axis-aligned box in image pixels, top-left origin.
    pub bbox: [f32; 4],
}

impl TextLine {
    /// A line on `page` with `text` inside `bbox` (`[x0, y0, x1, y1]` px).
    pub fn new(page: usize, text: impl Into<String>, bbox: [f32; 4]) -> Self {
        Self {
            page,
            text: text.into(),
            bbox,
        }
    }
}

/// The certification statement printed on the certification page.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct CertificationBlock {
    /// Copy type (default [`COPY_TYPE_VI`]).
    pub copy_type: String,
    /// Certifying agency.
    pub agency: String,
    /// Certification number ("Số chứng thực").
    pub number: String,
    /// Certification date as printed (e.g. "25/11/2026").
    pub date: String,
    /// Certifying officer, if printed.
    pub officer: Option<String>,
    /// Further lines (e.g. the verification code), printed as given.
    pub extra_lines: Vec<String>,
}

impl CertificationBlock {
    /// A block with the standard copy type.
    pub fn new(
        agency: impl Into<String>,
        number: impl Into<String>,
        date: impl Into<String>,
    ) -> Self {
        Self {
            copy_type: COPY_TYPE_VI.into(),
            agency: agency.into(),
            number: number.into(),
            date: date.into(),
            officer: None,
            extra_lines: Vec::new(),
        }
    }
}

/// The visible signature text of Decree 30/2020 (top-right of page 1).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct SignatureText {
    /// Signing agency.
    pub agency: String,
    /// Signing time, ISO 8601 (use the same instant as the signature's `/M`).
    pub signing_time: String,
}

impl SignatureText {
    /// Agency and ISO 8601 signing time.
    pub fn new(agency: impl Into<String>, signing_time: impl Into<String>) -> Self {
        Self {
            agency: agency.into(),
            signing_time: signing_time.into(),
        }
    }
}

/// A certified copy to render.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct CertifiedCopy {
    /// Page images in order.
    pub pages: Vec<PageImage>,
    /// Invisible OCR text lines.
    pub text_lines: Vec<TextLine>,
    /// Certification statement.
    pub certification: CertificationBlock,
    /// QR payload (e.g. the verification URL); `None` = no QR.
    pub qr_payload: Option<String>,
    /// Document title (metadata).
    pub title: String,
    /// Decree 30 signature text on page 1; `None` = none.
    pub signature_text: Option<SignatureText>,
    /// Creation time for the metadata (default: now).
    pub created: Option<SystemTime>,
}

impl CertifiedCopy {
    /// A copy with a title and a certification block; add pages next.
    pub fn new(title: impl Into<String>, certification: CertificationBlock) -> Self {
        Self {
            pages: Vec::new(),
            text_lines: Vec::new(),
            certification,
            qr_payload: None,
            title: title.into(),
            signature_text: None,
            created: None,
        }
    }

    /// Render the PDF (unsigned; sign it with [`crate::sign::sign_pdf`]).
    pub fn render(&self) -> Result<Vec<u8>, WriterError> {
        render(self)
    }
}

const PT_PER_IN: f32 = 72.0;
const SIG_BAND: f32 = 52.0;
const SIG_SIZE: f32 = 10.0;
const MARGIN: f32 = 28.0;
const A4: (f32, f32) = (595.28, 841.89);

fn iso_utc(t: SystemTime) -> (String, String) {
    match der::DateTime::from_system_time(t) {
        Ok(d) => (
            format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
                d.year(),
                d.month(),
                d.day(),
                d.hour(),
                d.minutes(),
                d.seconds()
            ),
            format!(
                "D:{:04}{:02}{:02}{:02}{:02}{:02}Z",
                d.year(),
                d.month(),
                d.day(),
                d.hour(),
                d.minutes(),
                d.seconds()
            ),
        ),
        Err(_) => ("1970-01-01T00:00:00Z".into(), "D:19700101000000Z".into()),
    }
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn xmp(title: &str, producer: &str, created: &str) -> String {
    format!(
        "<?xpacket begin=\"\u{feff}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n\
<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n\
<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n\
<rdf:Description rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:pdf=\"http://ns.adobe.com/pdf/1.3/\" xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\">\n\
<dc:format>application/pdf</dc:format>\n\
<dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">{t}</rdf:li></rdf:Alt></dc:title>\n\
<dc:language><rdf:Bag><rdf:li>vi</rdf:li></rdf:Bag></dc:language>\n\
<pdf:Producer>{p}</pdf:Producer>\n\
<xmp:CreatorTool>{p}</xmp:CreatorTool>\n\
<xmp:CreateDate>{c}</xmp:CreateDate>\n\
<xmp:ModifyDate>{c}</xmp:ModifyDate>\n\
</rdf:Description>\n\
</rdf:RDF>\n\
</x:xmpmeta>\n\
<?xpacket end=\"w\"?>",
        t = xml_escape(title),
        p = xml_escape(producer),
        c = created
    )
}

/// Greedy word wrap of `text` to `width` points at `size`.
fn wrap(font: &FontSubset, text: &str, size: f32, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    for word in text.split_whitespace() {
        let candidate = if cur.is_empty() {
            word.to_string()
        } else {
            format!("{cur} {word}")
        };
        if font.width(&candidate, size) <= width || cur.is_empty() {
            cur = candidate;
        } else {
            lines.push(std::mem::take(&mut cur));
            cur = word.to_string();
        }
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

fn show(content: &mut Content, font: &FontSubset, text: &str, size: f32, x: f32, y: f32) {
    content
        .begin_text()
        .set_font(Name(b"F1"), size)
        .set_text_matrix([1.0, 0.0, 0.0, 1.0, x, y])
        .show(Str(&font.encode(text)))
        .end_text();
}

/// Draw a QR code (dark modules as filled rectangles, runs merged) with its
/// lower-left corner at (x, y), `size` points wide including a 4-module quiet zone.
fn draw_qr(
    content: &mut Content,
    payload: &str,
    x: f32,
    y: f32,
    size: f32,
) -> Result<(), WriterError> {
    let code = qrcode::QrCode::with_error_correction_level(payload.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| WriterError::Qr {
            detail: e.to_string(),
        })?;
    let n = code.width();
    let module = size / (n as f32 + 8.0);
    let colors = code.to_colors();
    content.save_state();
    content.set_fill_gray(1.0);
    content.rect(x, y, size, size).fill_nonzero();
    content.set_fill_gray(0.0);
    for row in 0..n {
        let mut col = 0;
        while col < n {
            if colors[row * n + col] == qrcode::Color::Dark {
                let start = col;
                while col < n && colors[row * n + col] == qrcode::Color::Dark {
                    col += 1;
                }
                let rx = x + (start as f32 + 4.0) * module;
                let ry = y + size - (row as f32 + 5.0) * module;
                content.rect(rx, ry, (col - start) as f32 * module, module);
            } else {
                col += 1;
            }
        }
    }
    content.fill_nonzero();
    content.restore_state();
    Ok(())
}

/// Rectangle (page coordinates) and appearance stream of the signature field
/// on page 1: `lines` right-aligned at the top right, Liberation Serif
/// (Times New Roman metrics) at 10 pt, black, text only.
fn signature_widget(font: &FontSubset, lines: &[String], w: f32, page_h: f32) -> (Rect, Vec<u8>) {
    let widest = lines
        .iter()
        .map(|t| font.width(t, SIG_SIZE))
        .fold(0.0, f32::max);
    let size = if widest > w - 2.0 * 8.0 {
        SIG_SIZE * (w - 16.0) / widest
    } else {
        SIG_SIZE
    };
    let right = w - 8.0_f32.min(w * 0.05);
    let first = page_h - 6.0 - size;
    let leading = size * 1.3;
    let last = first - leading * lines.len().saturating_sub(1) as f32;
    let rect = Rect::new(
        (right - widest * size / SIG_SIZE - 2.0).max(0.0),
        (last - 0.3 * size - 2.0).max(0.0),
        (right + 2.0).min(w),
        (page_h - 2.0).max(first + size),
    );
    let mut content = Content::new();
    content.set_fill_gray(0.0);
    let mut y = first;
    for t in lines {
        let tw = font.width(t, size);
        show(
            &mut content,
            font,
            t,
            size,
            (right - tw).max(0.0) - rect.x1,
            y - rect.y1,
        );
        y -= leading;
    }
    (rect, content.finish().to_vec())
}

fn render(copy: &CertifiedCopy) -> Result<Vec<u8>, WriterError> {
    if copy.pages.is_empty() {
        return Err(WriterError::NoPages);
    }
    if copy.pages.len() > MAX_PAGES {
        return Err(WriterError::TooLarge {
            what: "page count",
            limit: MAX_PAGES as u64,
        });
    }
    if copy.text_lines.len() > MAX_TEXT_LINES {
        return Err(WriterError::TooLarge {
            what: "text line count",
            limit: MAX_TEXT_LINES as u64,
        });
    }
    if let Some(q) = &copy.qr_payload
        && q.len() > MAX_QR_PAYLOAD
    {
        return Err(WriterError::TooLarge {
            what: "QR payload bytes",
            limit: MAX_QR_PAYLOAD as u64,
        });
    }

    // Images and their page geometry.
    let mut images = Vec::with_capacity(copy.pages.len());
    for (i, p) in copy.pages.iter().enumerate() {
        let prep = image::prepare(i, &p.data)?;
        let (dx, dy) = match (p.dpi, prep.dpi) {
            (Some(d), _) => (d, d),
            (None, Some(d)) => d,
            (None, None) => return Err(WriterError::MissingDpi { page: i }),
        };
        let dpi = dx.min(dy);
        // Half a dpi of slack: PNG stores pixels per metre (200 dpi = 7874 px/m = 199.9996 dpi).
        if !dpi.is_finite() || dpi < MIN_DPI - 0.5 {
            return Err(WriterError::LowResolution {
                page: i,
                dpi,
                min: MIN_DPI,
            });
        }
        let w = prep.width as f32 * PT_PER_IN / dx;
        let h = prep.height as f32 * PT_PER_IN / dy;
        images.push((prep, dx, dy, w, h));
    }

    let cert = &copy.certification;
    let producer = format!("saoy {}", env!("CARGO_PKG_VERSION"));
    let pages_line = format!("Bản sao gồm {} trang ảnh chụp bản chính.", copy.pages.len());
    let mut cert_lines = vec![
        format!("Cơ quan chứng thực: {}", cert.agency),
        format!("Số chứng thực: {}", cert.number),
        format!("Ngày chứng thực: {}", cert.date),
    ];
    if let Some(o) = &cert.officer {
        cert_lines.push(format!("Người thực hiện chứng thực: {o}"));
    }
    cert_lines.extend(cert.extra_lines.iter().cloned());
    cert_lines.push(pages_line);
    let qr_caption = "Quét mã QR để kiểm tra bản sao";
    let sig_lines: Vec<String> = match &copy.signature_text {
        Some(s) => vec![
            cert.copy_type.clone(),
            s.agency.clone(),
            format!("Thời gian ký: {}", s.signing_time),
        ],
        None => Vec::new(),
    };

    // Validate text lines and collect every string for the font subset.
    for (i, l) in copy.text_lines.iter().enumerate() {
        if l.page >= copy.pages.len() {
            return Err(WriterError::BadTextLine {
                line: i,
                detail: format!("page {} does not exist", l.page),
            });
        }
        let [x0, y0, x1, y1] = l.bbox;
        if !(x0.is_finite() && y0.is_finite() && x1.is_finite() && y1.is_finite())
            || x1 <= x0
            || y1 <= y0
        {
            return Err(WriterError::BadTextLine {
                line: i,
                detail: format!("degenerate box {:?}", l.bbox),
            });
        }
    }
    let mut texts: Vec<&str> = vec![&cert.copy_type, qr_caption];
    texts.extend(cert_lines.iter().map(String::as_str));
    texts.extend(sig_lines.iter().map(String::as_str));
    texts.extend(copy.text_lines.iter().map(|l| l.text.as_str()));
    let font = FontSubset::new(texts)?;

    let mut pdf = Pdf::new();
    pdf.set_version(1, 7);
    let mut counter = 1i32;
    let mut next = || {
        let r = Ref::new(counter);
        counter += 1;
        r
    };
    let catalog = next();
    let tree = next();
    let info = next();
    let meta = next();
    let font_ref = next();
    let n_pages = images.len() + 1;
    let page_refs: Vec<(Ref, Ref)> = (0..n_pages).map(|_| (next(), next())).collect();
    let image_refs: Vec<Ref> = (0..images.len()).map(|_| next()).collect();
    let (acro_form, sig_field, sig_appearance) = (next(), next(), next());

    let created = copy.created.unwrap_or_else(SystemTime::now);
    let (iso, pdfdate) = iso_utc(created);
    let xmp_bytes = xmp(&copy.title, &producer, &iso).into_bytes();
    let mut cat = pdf.catalog(catalog);
    cat.pages(tree).metadata(meta).lang(TextStr("vi"));
    if !sig_lines.is_empty() {
        cat.pair(Name(b"AcroForm"), acro_form);
    }
    cat.finish();
    pdf.pages(tree)
        .kids(page_refs.iter().map(|(p, _)| *p))
        .count(n_pages as i32);
    pdf.document_info(info)
        .title(TextStr(&copy.title))
        .producer(TextStr(&producer))
        .creator(TextStr("saoy certified-copy writer"))
        .subject(TextStr(&cert.copy_type))
        .pair(Name(b"CreationDate"), Str(pdfdate.as_bytes()));
    pdf.metadata(meta, &xmp_bytes).finish();

    for (i, ((prep, dx, dy, w, h), (page_ref, content_ref))) in
        images.iter().zip(page_refs.iter()).enumerate()
    {
        let band = if i == 0 && !sig_lines.is_empty() {
            SIG_BAND
        } else {
            0.0
        };
        let page_h = h + band;
        let im_name = format!("Im{}", i + 1);
        let mut content = Content::new();
        content.save_state();
        content.transform([*w, 0.0, 0.0, *h, 0.0, 0.0]);
        content.x_object(Name(im_name.as_bytes()));
        content.restore_state();
        // Invisible OCR text.
        for l in copy.text_lines.iter().filter(|l| l.page == i) {
            let [x0, y0, x1, y1] = l.bbox;
            let text = l.text.trim();
            if text.is_empty() {
                continue;
            }
            let bw = (x1 - x0) * PT_PER_IN / dx;
            let bh = (y1 - y0) * PT_PER_IN / dy;
            let size = (bh * 0.8).max(1.0);
            let natural = font.width(text, size);
            let scale = if natural > 0.0 {
                (bw / natural * 100.0).clamp(1.0, 1000.0)
            } else {
                100.0
            };
            let base_y = *h - y1 * PT_PER_IN / dy - font.descent() * size / 1000.0 * 0.5;
            // Tr and Tz are graphics state: keep them inside q … Q.
            content.save_state();
            content
                .begin_text()
                .set_font(Name(b"F1"), size)
                .set_text_rendering_mode(TextRenderingMode::Invisible)
                .set_horizontal_scaling(scale)
                .set_text_matrix([1.0, 0.0, 0.0, 1.0, x0 * PT_PER_IN / dx, base_y])
                .show(Str(&font.encode(text)))
                .end_text();
            content.restore_state();
        }
        // Decree 30 signature text, top-right of page 1: the appearance of
        // the (still empty) signature field the signature will fill.
        let widget = if band > 0.0 {
            Some(signature_widget(&font, &sig_lines, *w, page_h))
        } else {
            None
        };
        let data = content.finish();
        let compressed = miniz_oxide::deflate::compress_to_vec_zlib(&data, 6);
        pdf.stream(*content_ref, &compressed)
            .filter(Filter::FlateDecode);
        let mut page = pdf.page(*page_ref);
        page.media_box(Rect::new(0.0, 0.0, *w, page_h))
            .parent(tree)
            .contents(*content_ref);
        if widget.is_some() {
            page.annotations([sig_field]);
        }
        let mut res = page.resources();
        res.x_objects()
            .pair(Name(im_name.as_bytes()), image_refs[i]);
        res.fonts().pair(Name(b"F1"), font_ref);
        res.finish();
        page.finish();
        if let Some((rect, appearance)) = widget {
            let compressed = miniz_oxide::deflate::compress_to_vec_zlib(&appearance, 6);
            let mut ap = pdf.form_xobject(sig_appearance, &compressed);
            ap.filter(Filter::FlateDecode);
            ap.bbox(Rect::new(0.0, 0.0, rect.x2 - rect.x1, rect.y2 - rect.y1));
            ap.resources().fonts().pair(Name(b"F1"), font_ref);
            ap.finish();
            let mut field = pdf.form_field(sig_field);
            field
                .field_type(pdf_writer::types::FieldType::Signature)
                .partial_name(TextStr(SIGNATURE_FIELD));
            let mut annot = field.into_annotation();
            annot
                .rect(rect)
                .page(*page_ref)
                .flags(pdf_writer::types::AnnotationFlags::PRINT)
                .appearance()
                .normal()
                .stream(sig_appearance);
            annot.finish();
            pdf.indirect(acro_form)
                .start::<pdf_writer::writers::Form>()
                .fields([sig_field]);
        }

        let mut img = pdf.image_xobject(image_refs[i], &prep.data);
        img.width(prep.width as i32)
            .height(prep.height as i32)
            .bits_per_component(8);
        match prep.space {
            image::Space::Gray => img.color_space().device_gray(),
            image::Space::Rgb => img.color_space().device_rgb(),
        };
        img.filter(if prep.dct {
            Filter::DctDecode
        } else {
            Filter::FlateDecode
        });
        img.finish();
    }

    // Certification page.
    {
        let (page_ref, content_ref) = page_refs[n_pages - 1];
        let (w, h) = A4;
        let left = 2.0 * MARGIN;
        let width = w - 2.0 * left;
        let mut content = Content::new();
        content.set_fill_gray(0.0);
        let mut y = h - 3.0 * MARGIN;
        for line in wrap(&font, &cert.copy_type, 15.0, width) {
            show(&mut content, &font, &line, 15.0, left, y);
            y -= 20.0;
        }
        y -= 10.0;
        for l in &cert_lines {
            for line in wrap(&font, l, 12.0, width) {
                show(&mut content, &font, &line, 12.0, left, y);
                y -= 16.0;
            }
        }
        if let Some(q) = &copy.qr_payload {
            let size = 140.0;
            y -= 10.0 + size;
            draw_qr(&mut content, q, left, y, size)?;
            y -= 14.0;
            show(&mut content, &font, qr_caption, 9.0, left + 4.0, y);
        }
        let data = content.finish();
        let compressed = miniz_oxide::deflate::compress_to_vec_zlib(&data, 6);
        pdf.stream(content_ref, &compressed)
            .filter(Filter::FlateDecode);
        let mut page = pdf.page(page_ref);
        page.media_box(Rect::new(0.0, 0.0, w, h))
            .parent(tree)
            .contents(content_ref);
        page.resources().fonts().pair(Name(b"F1"), font_ref);
        page.finish();
    }

    font.write(&mut pdf, &mut next, font_ref);

    let id = {
        use sha2::Digest as _;
        let mut hsh = sha2::Sha256::new();
        hsh.update(copy.title.as_bytes());
        hsh.update(cert.number.as_bytes());
        hsh.update(iso.as_bytes());
        for p in &copy.pages {
            hsh.update(sha2::Sha256::digest(&p.data));
        }
        hsh.finalize()[..16].to_vec()
    };
    pdf.set_file_id((id.clone(), id));
    Ok(pdf.finish())
}

#[cfg(test)]
mod tests;
