//! The embedded font: Liberation Serif (Times New Roman metrics), subset to the
//! glyphs used, as a Type0/CIDFontType2 font with Identity-H and a ToUnicode map.

use std::collections::BTreeMap;

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Chunk, Filter, Finish, Name, Rect, Ref, Str};

use super::WriterError;

/// Liberation Serif Regular (SIL OFL 1.1, see assets/fonts/Liberation-LICENSE.txt).
pub(crate) const FONT: &[u8] = include_bytes!("../../../assets/fonts/LiberationSerif-Regular.ttf");

/// Glyph mapping and metrics for the characters a document uses.
pub(crate) struct FontSubset {
    /// char → (new gid, advance in 1/1000 em)
    map: BTreeMap<char, (u16, f32)>,
    subset: Vec<u8>,
    widths: Vec<f32>,
    ascent: f32,
    descent: f32,
    cap_height: f32,
    bbox: Rect,
}

fn font_err(detail: impl Into<String>) -> WriterError {
    WriterError::Font {
        detail: detail.into(),
    }
}

impl FontSubset {
    /// Subset the font to the characters of `texts`.
    pub fn new<'a>(texts: impl IntoIterator<Item = &'a str>) -> Result<Self, WriterError> {
        let face = ttf_parser::Face::parse(FONT, 0).map_err(|e| font_err(e.to_string()))?;
        let upm = f32::from(face.units_per_em());
        let scale = 1000.0 / upm;
        let mut chars: BTreeMap<char, u16> = BTreeMap::new();
        for t in texts {
            for c in t.chars() {
                if c.is_control() || chars.contains_key(&c) {
                    continue;
                }
                match face.glyph_index(c) {
                    Some(g) => {
                        chars.insert(c, g.0);
                    }
                    // No glyph: drawn as .notdef, and left out of the ToUnicode map.
                    None => {
                        chars.insert(c, 0);
                    }
                }
            }
        }
        let mut old: Vec<u16> = chars.values().copied().collect();
        old.sort_unstable();
        old.dedup();
        let remapper = subsetter::GlyphRemapper::new_from_glyphs_sorted(&old);
        let subset =
            subsetter::subset(FONT, 0, &remapper).map_err(|e| font_err(format!("{e:?}")))?;
        let advance =
            |g: u16| f32::from(face.glyph_hor_advance(ttf_parser::GlyphId(g)).unwrap_or(0)) * scale;
        let mut widths = vec![0.0; usize::from(remapper.num_gids())];
        let mut map = BTreeMap::new();
        for (c, g) in &chars {
            let new = remapper
                .get(*g)
                .ok_or_else(|| font_err("glyph lost in subsetting"))?;
            let w = advance(*g);
            if let Some(slot) = widths.get_mut(usize::from(new)) {
                *slot = w;
            }
            map.insert(*c, (new, w));
        }
        let bb = face.global_bounding_box();
        Ok(Self {
            map,
            subset,
            widths,
            ascent: f32::from(face.ascender()) * scale,
            descent: f32::from(face.descender()) * scale,
            cap_height: face
                .capital_height()
                .map(|h| f32::from(h) * scale)
                .unwrap_or(660.0),
            bbox: Rect::new(
                f32::from(bb.x_min) * scale,
                f32::from(bb.y_min) * scale,
                f32::from(bb.x_max) * scale,
                f32::from(bb.y_max) * scale,
            ),
        })
    }

    /// The Identity-H bytes (2 per glyph) of `text`.
    pub fn encode(&self, text: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(text.len() * 2);
        for c in text.chars() {
            let g = self.map.get(&c).map(|(g, _)| *g).unwrap_or(0);
            out.extend_from_slice(&g.to_be_bytes());
        }
        out
    }

    /// Width of `text` at `size` points.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        text.chars()
            .map(|c| self.map.get(&c).map(|(_, w)| *w).unwrap_or(0.0))
            .sum::<f32>()
            * size
            / 1000.0
    }

    /// Descent (negative) in 1/1000 em.
    pub fn descent(&self) -> f32 {
        self.descent
    }

    /// Write the font objects; `type0` is the font resource's reference.
    pub fn write(&self, pdf: &mut Chunk, next: &mut impl FnMut() -> Ref, type0: Ref) {
        let cid = next();
        let descriptor = next();
        let file = next();
        let cmap_ref = next();
        let base = Name(b"SAOYAA+LiberationSerif");
        pdf.type0_font(type0)
            .base_font(base)
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(cid)
            .to_unicode(cmap_ref);
        let info = SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"Identity"),
            supplement: 0,
        };
        let mut c = pdf.cid_font(cid);
        c.subtype(CidFontType::Type2)
            .base_font(base)
            .system_info(info)
            .font_descriptor(descriptor)
            .default_width(0.0)
            .cid_to_gid_map_predefined(Name(b"Identity"));
        c.widths().consecutive(0, self.widths.iter().copied());
        c.finish();
        pdf.font_descriptor(descriptor)
            .name(base)
            .flags(FontFlags::SERIF | FontFlags::NON_SYMBOLIC)
            .bbox(self.bbox)
            .italic_angle(0.0)
            .ascent(self.ascent)
            .descent(self.descent)
            .cap_height(self.cap_height)
            .stem_v(80.0)
            .font_file2(file);
        let compressed = miniz_oxide::deflate::compress_to_vec_zlib(&self.subset, 6);
        pdf.stream(file, &compressed)
            .filter(Filter::FlateDecode)
            .pair(Name(b"Length1"), self.subset.len() as i32);
        let mut cmap = UnicodeCmap::new(Name(b"SAOY-UCS"), info);
        for (c, (g, _)) in &self.map {
            if *g != 0 {
                cmap.pair(*g, *c);
            }
        }
        let cmap = cmap.finish();
        pdf.cmap(cmap_ref, &cmap)
            .name(Name(b"SAOY-UCS"))
            .system_info(info);
    }
}
