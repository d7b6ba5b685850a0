//! Ground truth recorded for every generated image.
//!
//! **Coordinates**: every quad is in the pixel coordinates of the image it accompanies. When a
//! [`crate::Degradation`] moves pixels (rotation, perspective, margin), [`crate::degrade`] maps
//! every quad through the same homography, and records that homography (source → output) in
//! [`GroundTruth::degradation`], so the boxes always match the image on disk.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::degrade::AppliedDegradation;
use crate::person::Person;

/// A quadrilateral: four corners, clockwise from top-left (top-left, top-right, bottom-right,
/// bottom-left) as `[x, y]` in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Quad(pub [[f32; 2]; 4]);

impl Quad {
    /// An axis-aligned rectangle.
    pub fn rect(x0: f32, y0: f32, x1: f32, y1: f32) -> Quad {
        Quad([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])
    }

    /// Axis-aligned bounds `(min_x, min_y, max_x, max_y)`.
    pub fn bounds(&self) -> (f32, f32, f32, f32) {
        let mut b = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
        for [x, y] in self.0 {
            b.0 = b.0.min(x);
            b.1 = b.1.min(y);
            b.2 = b.2.max(x);
            b.3 = b.3.max(y);
        }
        b
    }

    /// `true` when every corner lies inside a `width` x `height` image.
    pub fn inside(&self, width: u32, height: u32) -> bool {
        self.0
            .iter()
            .all(|[x, y]| *x >= 0.0 && *y >= 0.0 && *x <= width as f32 && *y <= height as f32)
    }

    /// Map every corner through `f`.
    pub fn map(&self, mut f: impl FnMut(f32, f32) -> (f32, f32)) -> Quad {
        let mut q = self.0;
        for c in &mut q {
            let (x, y) = f(c[0], c[1]);
            *c = [x, y];
        }
        Quad(q)
    }
}

/// What kind of specimen an image is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum SpecimenKind {
    /// Front of a chip-based citizen identity card (CCCD).
    CccdFront,
    /// Back of a CCCD, with the TD1 MRZ.
    CccdBack,
    /// An A4 administrative form (birth-certificate-like "GIẤY KHAI SINH"). JSON name `a4`.
    #[serde(rename = "a4")]
    A4Form,
}

impl SpecimenKind {
    /// Every kind.
    pub const ALL: [SpecimenKind; 3] = [
        SpecimenKind::CccdFront,
        SpecimenKind::CccdBack,
        SpecimenKind::A4Form,
    ];

    /// The kebab-case name used on the command line and in JSON (`cccd-front`, …).
    pub fn name(self) -> &'static str {
        match self {
            SpecimenKind::CccdFront => "cccd-front",
            SpecimenKind::CccdBack => "cccd-back",
            SpecimenKind::A4Form => "a4",
        }
    }

    /// Parse a kebab-case name (`a4-form` is accepted for `a4`).
    pub fn parse(s: &str) -> Option<SpecimenKind> {
        match s.trim() {
            "cccd-front" => Some(SpecimenKind::CccdFront),
            "cccd-back" => Some(SpecimenKind::CccdBack),
            "a4" | "a4-form" => Some(SpecimenKind::A4Form),
            _ => None,
        }
    }
}

/// The role of a rendered text line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum LineRole {
    /// National header or issuing-body header.
    Header,
    /// Document title.
    Title,
    /// A field label (e.g. "Họ và tên / Full name:").
    Label,
    /// A field value (its `field` names the field).
    Value,
    /// A machine-readable-zone line.
    Mrz,
    /// Running text (paragraphs, notes).
    Body,
    /// The "MẪU / SPECIMEN" mark that flags the document as fictional.
    Mark,
}

/// One rendered run of text on one visual line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TextLine {
    /// The exact text (NFC).
    pub text: String,
    /// Tight box of the ink, in output-image coordinates.
    pub quad: Quad,
    /// Role of the run.
    pub role: LineRole,
    /// For values (and MRZ lines): the field name it belongs to (a long value may span lines).
    pub field: Option<String>,
    /// Visual row index: runs drawn on the same baseline share it (join them left to right with
    /// a space to get the row's text).
    pub row: u32,
    /// Font pixel size (ab_glyph `PxScale`) before any degradation.
    pub font_px: f32,
}

/// Everything known about a generated image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroundTruth {
    /// Specimen kind.
    pub kind: SpecimenKind,
    /// The seed the image was generated from.
    pub seed: u64,
    /// Image width in px.
    pub width: u32,
    /// Image height in px.
    pub height: u32,
    /// Every field as printed (name → value, NFC). Dates as printed (DD/MM/YYYY). Field names
    /// are documented on each render function.
    pub fields: BTreeMap<String, String>,
    /// Every rendered text run, in drawing order.
    pub lines: Vec<TextLine>,
    /// MRZ lines (CCCD back), top to bottom.
    pub mrz: Vec<String>,
    /// QR payload (CCCD front).
    pub qr_payload: Option<String>,
    /// QR symbol area, including its quiet zone.
    pub qr_quad: Option<Quad>,
    /// Portrait area (CCCD front).
    pub portrait_quad: Option<Quad>,
    /// The person the document is about (fictional).
    pub person: Person,
    /// The degradation applied, if any (parameters, seed and the source → output homography).
    pub degradation: Option<AppliedDegradation>,
}

impl GroundTruth {
    /// The text of every line, one per line, in drawing order.
    pub fn text(&self) -> String {
        self.lines
            .iter()
            .map(|l| l.text.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Lines belonging to `field`, in order.
    pub fn field_lines(&self, field: &str) -> Vec<&TextLine> {
        self.lines
            .iter()
            .filter(|l| l.field.as_deref() == Some(field))
            .collect()
    }

    /// Map every quad through `f` (used by degradations).
    pub(crate) fn map_quads(&mut self, mut f: impl FnMut(f32, f32) -> (f32, f32)) {
        for l in &mut self.lines {
            l.quad = l.quad.map(&mut f);
        }
        if let Some(q) = &mut self.qr_quad {
            *q = q.map(&mut f);
        }
        if let Some(q) = &mut self.portrait_quad {
            *q = q.map(&mut f);
        }
    }
}
