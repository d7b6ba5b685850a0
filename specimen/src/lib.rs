#![doc = include_str!("../README.md")]

mod a4;
mod canvas;
mod cccd;
mod degrade;
mod error;
mod live;
pub mod mrz;
mod person;
mod rng;
mod text;
mod truth;

use image::RgbImage;
use serde::{Deserialize, Serialize};

pub use a4::{A4_HEIGHT, A4_WIDTH, render_a4_form, vietnamese_date_words};
pub use cccd::{CARD_HEIGHT, CARD_WIDTH, render_cccd_back, render_cccd_front};
pub use degrade::{AppliedDegradation, Degradation, Degraded, apply_h, degrade, degrade_image};
pub use error::SpecimenError;
pub use live::{HeadMotion, LiveFrame, LiveOptions, demo_portrait, live_frames, live_frames_with};
pub use person::{Date, PROVINCES, Person, Province, Sex, century_sex_digit};
pub use rng::Rng;
pub use text::{FontKind, VIETNAMESE_LETTERS, missing_glyphs, nfc};
pub use truth::{GroundTruth, LineRole, Quad, SpecimenKind, TextLine};

/// Options common to every renderer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RenderOptions {
    /// Seed for rendering details (background tint and pattern phase, portrait print noise,
    /// form numbers). Recorded as `GroundTruth::seed`.
    pub seed: u64,
    /// Print the red "MẪU - SPECIMEN" mark (default `true`); it is recorded as a text line with
    /// role [`LineRole::Mark`].
    pub specimen_mark: bool,
}

impl RenderOptions {
    /// Default options with this seed.
    pub fn new(seed: u64) -> Self {
        RenderOptions {
            seed,
            specimen_mark: true,
        }
    }

    /// Print (or not) the "MẪU - SPECIMEN" mark.
    pub fn with_specimen_mark(mut self, on: bool) -> Self {
        self.specimen_mark = on;
        self
    }
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions::new(0)
    }
}

/// A generated image and its ground truth.
#[derive(Debug, Clone)]
pub struct Specimen {
    /// The image (RGB 8-bit). After a JPEG degradation, the decoded JPEG.
    pub image: RgbImage,
    /// Ground truth, in this image's coordinates.
    pub truth: GroundTruth,
    /// The encoded JPEG, when a JPEG degradation produced `image` (write these bytes to get the
    /// exact file the truth describes).
    pub jpeg: Option<Vec<u8>>,
}

impl Specimen {
    /// Encoded file bytes and extension: the JPEG if there is one, else a PNG.
    pub fn encoded(&self) -> Result<(Vec<u8>, &'static str), SpecimenError> {
        if let Some(j) = &self.jpeg {
            return Ok((j.clone(), "jpg"));
        }
        let mut buf = std::io::Cursor::new(Vec::new());
        self.image
            .write_to(&mut buf, image::ImageFormat::Png)
            .map_err(|source| SpecimenError::Image {
                what: "PNG encoding",
                source,
            })?;
        Ok((buf.into_inner(), "png"))
    }
}

/// A copy of the specimen's image with its ground truth drawn on top (text quads in red, MRZ
/// in blue, QR and portrait in green): for eyeballing that boxes match the pixels.
pub fn draw_truth_overlay(sp: &Specimen) -> RgbImage {
    let mut img = sp.image.clone();
    let mut quad = |q: &Quad, c: [u8; 3]| {
        for i in 0..4 {
            let (a, b) = (q.0[i], q.0[(i + 1) % 4]);
            canvas::line(&mut img, (a[0], a[1]), (b[0], b[1]), 2.0, c, 0.9);
        }
    };
    for l in &sp.truth.lines {
        let c = if l.role == LineRole::Mrz {
            [20, 60, 230]
        } else {
            [230, 20, 20]
        };
        quad(&l.quad, c);
    }
    for q in [sp.truth.qr_quad, sp.truth.portrait_quad].iter().flatten() {
        quad(q, [20, 180, 40]);
    }
    img
}

/// Render one specimen of `kind` for `person` (the portrait is used by the CCCD front only).
pub fn render(
    kind: SpecimenKind,
    person: &Person,
    portrait: Option<&RgbImage>,
    opts: &RenderOptions,
) -> Result<Specimen, SpecimenError> {
    match kind {
        SpecimenKind::CccdFront => render_cccd_front(person, portrait, opts),
        SpecimenKind::CccdBack => render_cccd_back(person, opts),
        SpecimenKind::A4Form => render_a4_form(person, opts),
    }
}
