//! Fonts shipped in the repository and Vietnamese text rendering with `ab_glyph`.

use ab_glyph::{Font, FontRef, GlyphId, PxScale, ScaleFont, point};
use image::{Rgb, RgbImage};
use unicode_normalization::UnicodeNormalization;

use crate::error::SpecimenError;
use crate::truth::Quad;

/// The 134 Vietnamese letters with diacritics (67 lower case, 67 upper case), precomposed (NFC).
pub const VIETNAMESE_LETTERS: &str = concat!(
    "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ",
    "ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴĐ",
);

/// A font shipped in `assets/fonts` (embedded in the crate at build time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FontKind {
    /// DejaVu Sans (card fields).
    Sans,
    /// DejaVu Sans Bold (card titles and values).
    SansBold,
    /// DejaVu Serif.
    Serif,
    /// DejaVu Serif Bold.
    SerifBold,
    /// DejaVu Sans Mono (the MRZ; an OCR-B stand-in).
    Mono,
    /// Liberation Serif (Times New Roman metrics; A4 forms).
    LiberationSerif,
    /// Liberation Serif Bold.
    LiberationSerifBold,
}

impl FontKind {
    /// Every shipped font.
    pub const ALL: [FontKind; 7] = [
        FontKind::Sans,
        FontKind::SansBold,
        FontKind::Serif,
        FontKind::SerifBold,
        FontKind::Mono,
        FontKind::LiberationSerif,
        FontKind::LiberationSerifBold,
    ];

    /// The font's file name in `assets/fonts`.
    pub fn file_name(self) -> &'static str {
        match self {
            FontKind::Sans => "DejaVuSans.ttf",
            FontKind::SansBold => "DejaVuSans-Bold.ttf",
            FontKind::Serif => "DejaVuSerif.ttf",
            FontKind::SerifBold => "DejaVuSerif-Bold.ttf",
            FontKind::Mono => "DejaVuSansMono.ttf",
            FontKind::LiberationSerif => "LiberationSerif-Regular.ttf",
            FontKind::LiberationSerifBold => "LiberationSerif-Bold.ttf",
        }
    }

    fn bytes(self) -> &'static [u8] {
        match self {
            FontKind::Sans => include_bytes!("../../assets/fonts/DejaVuSans.ttf"),
            FontKind::SansBold => include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf"),
            FontKind::Serif => include_bytes!("../../assets/fonts/DejaVuSerif.ttf"),
            FontKind::SerifBold => include_bytes!("../../assets/fonts/DejaVuSerif-Bold.ttf"),
            FontKind::Mono => include_bytes!("../../assets/fonts/DejaVuSansMono.ttf"),
            FontKind::LiberationSerif => {
                include_bytes!("../../assets/fonts/LiberationSerif-Regular.ttf")
            }
            FontKind::LiberationSerifBold => {
                include_bytes!("../../assets/fonts/LiberationSerif-Bold.ttf")
            }
        }
    }

    /// `true` for the fonts that have all 134 Vietnamese letters; DejaVu Sans Mono lacks the 46
    /// letters with a hook above and is used only for the (ASCII) MRZ.
    pub fn covers_vietnamese(self) -> bool {
        self != FontKind::Mono
    }

    /// Parse the embedded font.
    pub fn load(self) -> Result<FontRef<'static>, SpecimenError> {
        FontRef::try_from_slice(self.bytes()).map_err(|_| SpecimenError::Font {
            font: self.file_name(),
        })
    }
}

/// The characters of `text` (other than whitespace) that `font` has no glyph for.
pub fn missing_glyphs(font: FontKind, text: &str) -> Result<Vec<char>, SpecimenError> {
    let f = font.load()?;
    let mut out: Vec<char> = text
        .chars()
        .filter(|c| !c.is_whitespace() && f.glyph_id(*c) == GlyphId(0))
        .collect();
    out.dedup();
    Ok(out)
}

/// Normalize to Unicode NFC (every string this crate renders or records is NFC).
pub fn nfc(s: &str) -> String {
    s.nfc().collect()
}

/// A text style: font, pixel size (ab_glyph `PxScale`: ascent-to-descent height) and colour.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Style {
    pub font: FontKind,
    pub px: f32,
    pub color: [u8; 3],
}

impl Style {
    pub fn new(font: FontKind, px: f32, color: [u8; 3]) -> Self {
        Style { font, px, color }
    }
}

/// The loaded fonts of one render call.
pub(crate) struct Fonts {
    fonts: Vec<(FontKind, FontRef<'static>)>,
}

/// What [`Fonts::draw`] put on the image.
#[derive(Debug, Clone)]
pub(crate) struct Drawn {
    /// Advance width in px.
    pub width: f32,
    /// Tight ink box (axis-aligned quad); `None` when nothing was inked.
    pub ink: Option<Quad>,
}

impl Fonts {
    pub fn load() -> Result<Self, SpecimenError> {
        let fonts = FontKind::ALL
            .iter()
            .map(|k| k.load().map(|f| (*k, f)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Fonts { fonts })
    }

    fn get(&self, kind: FontKind) -> Result<&FontRef<'static>, SpecimenError> {
        self.fonts
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, f)| f)
            .ok_or(SpecimenError::Font {
                font: kind.file_name(),
            })
    }

    /// Glyph ids of `text` (NFC), erroring on a missing glyph.
    fn glyphs(&self, style: &Style, text: &str) -> Result<Vec<GlyphId>, SpecimenError> {
        let f = self.get(style.font)?;
        text.chars()
            .map(|c| {
                let id = f.glyph_id(c);
                if id == GlyphId(0) && !c.is_whitespace() {
                    Err(SpecimenError::MissingGlyph {
                        font: style.font.file_name(),
                        ch: c,
                        code: u32::from(c),
                    })
                } else {
                    Ok(id)
                }
            })
            .collect()
    }

    /// Advance width of `text` in px.
    pub fn width(&self, style: &Style, text: &str) -> Result<f32, SpecimenError> {
        let f = self.get(style.font)?;
        let sf = f.as_scaled(PxScale::from(style.px));
        let ids = self.glyphs(style, text)?;
        let mut w = 0.0;
        let mut prev: Option<GlyphId> = None;
        for id in ids {
            if let Some(p) = prev {
                w += sf.kern(p, id);
            }
            w += sf.h_advance(id);
            prev = Some(id);
        }
        Ok(w)
    }

    /// The largest px ≤ `style.px` at which `text` fits in `max_width`.
    pub fn fit(&self, style: &Style, text: &str, max_width: f32) -> Result<Style, SpecimenError> {
        let w = self.width(style, text)?;
        if w <= max_width || w <= 0.0 {
            return Ok(*style);
        }
        Ok(Style {
            px: style.px * max_width / w * 0.995,
            ..*style
        })
    }

    /// Greedy word wrap of `text` into lines no wider than `max_width`.
    pub fn wrap(
        &self,
        style: &Style,
        text: &str,
        max_width: f32,
    ) -> Result<Vec<String>, SpecimenError> {
        let mut lines = Vec::new();
        let mut cur = String::new();
        for word in text.split_whitespace() {
            let candidate = if cur.is_empty() {
                word.to_string()
            } else {
                format!("{cur} {word}")
            };
            if !cur.is_empty() && self.width(style, &candidate)? > max_width {
                lines.push(std::mem::replace(&mut cur, word.to_string()));
            } else {
                cur = candidate;
            }
        }
        if !cur.is_empty() {
            lines.push(cur);
        }
        Ok(lines)
    }

    /// Draw `text` with its baseline starting at (`x`, `baseline`); alpha-blends the coverage.
    pub fn draw(
        &self,
        img: &mut RgbImage,
        style: &Style,
        x: f32,
        baseline: f32,
        text: &str,
    ) -> Result<Drawn, SpecimenError> {
        let f = self.get(style.font)?;
        let scale = PxScale::from(style.px);
        let sf = f.as_scaled(scale);
        let ids = self.glyphs(style, text)?;
        let (iw, ih) = (img.width() as i32, img.height() as i32);
        let mut caret = x;
        let mut prev: Option<GlyphId> = None;
        let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
        for id in ids {
            if let Some(p) = prev {
                caret += sf.kern(p, id);
            }
            let glyph = id.with_scale_and_position(scale, point(caret, baseline));
            caret += sf.h_advance(id);
            prev = Some(id);
            let Some(outlined) = f.outline_glyph(glyph) else {
                continue;
            };
            let b = outlined.px_bounds();
            let (bx, by) = (b.min.x as i32, b.min.y as i32);
            let mut inked = false;
            outlined.draw(|gx, gy, cov| {
                if cov <= 0.02 {
                    return;
                }
                let px = bx + gx as i32;
                let py = by + gy as i32;
                if px < 0 || py < 0 || px >= iw || py >= ih {
                    return;
                }
                inked = true;
                let p = img.get_pixel_mut(px as u32, py as u32);
                blend(p, style.color, cov.min(1.0));
            });
            if inked {
                x0 = x0.min(b.min.x);
                y0 = y0.min(b.min.y);
                x1 = x1.max(b.max.x);
                y1 = y1.max(b.max.y);
            }
        }
        let ink = (x1 > x0 && y1 > y0).then(|| Quad::rect(x0, y0, x1, y1));
        Ok(Drawn {
            width: caret - x,
            ink,
        })
    }
}

/// Alpha-blend `color` onto `p` with coverage `a` in 0..=1.
pub(crate) fn blend(p: &mut Rgb<u8>, color: [u8; 3], a: f32) {
    for (c, t) in p.0.iter_mut().zip(color) {
        let v = f32::from(*c) * (1.0 - a) + f32::from(t) * a;
        *c = crate::degrade::to_u8(v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vietnamese_letter_list_has_134_distinct_nfc_letters() {
        let chars: Vec<char> = VIETNAMESE_LETTERS.chars().collect();
        assert_eq!(chars.len(), 134);
        let mut sorted = chars.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), 134);
        assert_eq!(nfc(VIETNAMESE_LETTERS), VIETNAMESE_LETTERS);
        // each upper-case letter is the upper case of the matching lower-case one
        let (lower, upper) = chars.split_at(67);
        for (l, u) in lower.iter().zip(upper) {
            assert_eq!(l.to_uppercase().collect::<String>(), u.to_string());
        }
    }

    #[test]
    fn drawing_inks_pixels_inside_the_reported_box() {
        let fonts = Fonts::load().unwrap();
        let mut img = RgbImage::from_pixel(300, 80, Rgb([255, 255, 255]));
        let style = Style::new(FontKind::SansBold, 32.0, [0, 0, 0]);
        let d = fonts.draw(&mut img, &style, 10.0, 50.0, "ỆỘỮẰĐ").unwrap();
        let ink = d.ink.unwrap();
        let (x0, y0, x1, y1) = ink.bounds();
        // The stacked diacritics of Ệ reach well above the cap height.
        assert!(y0 < 50.0 - 32.0 * 0.7, "top {y0}");
        let mut dark = 0;
        for (x, y, p) in img.enumerate_pixels() {
            if p.0[0] < 128 {
                dark += 1;
                assert!(x as f32 >= x0 - 1.0 && x as f32 <= x1 + 1.0);
                assert!(y as f32 >= y0 - 1.0 && y as f32 <= y1 + 1.0);
            }
        }
        assert!(dark > 300, "only {dark} dark pixels");
        assert!((d.width - fonts.width(&style, "ỆỘỮẰĐ").unwrap()).abs() < 0.01);
    }

    #[test]
    fn wrap_respects_width_and_keeps_words() {
        let fonts = Fonts::load().unwrap();
        let style = Style::new(FontKind::Sans, 20.0, [0, 0, 0]);
        let text = "Số 12, ngõ 34, đường Hoa Sữa, phường Trung Hòa, quận Cầu Giấy, Hà Nội";
        let lines = fonts.wrap(&style, text, 250.0).unwrap();
        assert!(lines.len() >= 2);
        assert_eq!(lines.join(" "), text);
        for l in &lines {
            assert!(fonts.width(&style, l).unwrap() <= 250.0 || !l.contains(' '));
        }
    }

    #[test]
    fn missing_glyph_is_a_typed_error() {
        let fonts = Fonts::load().unwrap();
        let mut img = RgbImage::new(50, 50);
        let style = Style::new(FontKind::Sans, 20.0, [0, 0, 0]);
        let err = fonts
            .draw(&mut img, &style, 0.0, 30.0, "a\u{10FFFD}")
            .unwrap_err();
        assert_eq!(err.code(), "specimen.missing_glyph");
    }
}
