//! The staged pipeline (`load_image` → `prepare` → `detect_lines` →
//! `recognize` → `layout`) and the one-call [`Ocr::recognize_page`].

use std::sync::Arc;
use std::time::Instant;

use image::{Rgb, RgbImage};
use saoy_models::ModelStore;

use crate::detect::{self, DetConfig, PreparedPage};
use crate::document::{self, DocumentReport};
use crate::error::OcrError;
use crate::geometry::{self, Quad};
use crate::layout::{self, Block};
use crate::model::{OrientationClassifier, OrtModels, TextDetector, TextRecognizer};
use crate::recognize::{self, LineText};

/// Rec. 601 luma of a pixel (0..=255).
fn luma(p: &Rgb<u8>) -> u8 {
    ((u32::from(p[0]) * 299 + u32::from(p[1]) * 587 + u32::from(p[2]) * 114 + 500) / 1000) as u8
}

/// Spread between the strongest and weakest channel of a pixel.
fn chroma(p: &Rgb<u8>) -> u32 {
    u32::from(p[0].max(p[1]).max(p[2]) - p[0].min(p[1]).min(p[2]))
}

/// Mean chroma by which a line crop's ink (pixels darker than the midpoint
/// of its darkest and lightest luma) must exceed its paper for the ink to
/// count as coloured. Black ink on the specimen cards and on scanned A4
/// pages measured 3-8 above the paper; the red specimen mark and ID number
/// 116-128.
const COLOURED_INK_CHROMA: u32 = 50;

/// Whether a line crop is printed in coloured ink (red, blue) rather than
/// black or grey: the mean chroma of its ink exceeds that of its paper by
/// `COLOURED_INK_CHROMA`. A crop without contrast has no ink: `false`.
pub fn has_coloured_ink(img: &RgbImage) -> bool {
    coloured_ink_range(img).is_some()
}

/// The darkest and lightest luma of a crop printed in coloured ink, or
/// `None` (black or grey ink, or no ink).
fn coloured_ink_range(img: &RgbImage) -> Option<(u8, u8)> {
    let (lo, hi) = img.pixels().fold((255u8, 0u8), |(lo, hi), p| {
        (lo.min(luma(p)), hi.max(luma(p)))
    });
    if u32::from(hi) < u32::from(lo) + 32 {
        return None;
    }
    let mid = ((u32::from(lo) + u32::from(hi)) / 2) as u8;
    let (mut ink, mut n_ink, mut paper, mut n_paper) = (0u64, 0u64, 0u64, 0u64);
    for p in img.pixels() {
        if luma(p) < mid {
            ink += u64::from(chroma(p));
            n_ink += 1;
        } else {
            paper += u64::from(chroma(p));
            n_paper += 1;
        }
    }
    let coloured =
        n_ink > 0 && n_paper > 0 && ink / n_ink > paper / n_paper + u64::from(COLOURED_INK_CHROMA);
    coloured.then_some((lo, hi))
}

/// A line crop as the recognizer should see it: coloured ink is turned to
/// grey and stretched so its darkest pixel is black and the paper keeps its
/// brightness (luma `y` becomes `(y - lo) * hi / (hi - lo)`, in all three
/// channels); anything else is left as it is.
///
/// AsterNet reads dark-on-light text; red ink on white paper is nearly
/// invisible in the red channel, and the recognizer then misreads small
/// red capitals as lower case: the CCCD specimen's red "MẪU - SPECIMEN"
/// came out "Mẫu - specimen" on most cards. 40-image specimen sample,
/// CCCD-front CER: 2.54% as it was, 1.33% with the ink greyed (red ink is
/// still mid-grey then, luma ~90), 0.55% greyed and stretched to black;
/// overall 1.43% → 0.87% → 0.53%. Black-ink lines are not touched:
/// greying every crop flipped small black capitals on the CCCD back to
/// lower case (back CER 0.63% → 2.44%).
pub fn grey_coloured_ink(mut img: RgbImage) -> RgbImage {
    if let Some((lo, hi)) = coloured_ink_range(&img) {
        let (lo, hi) = (u32::from(lo), u32::from(hi));
        // `hi >= lo + 32` (checked above), and every luma is in lo..=hi.
        for p in img.pixels_mut() {
            let y = ((u32::from(luma(p)).saturating_sub(lo)) * hi / (hi - lo)).min(255) as u8;
            *p = Rgb([y, y, y]);
        }
    }
    img
}

/// Pipeline settings.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct OcrConfig {
    /// Detection settings (resizing, DB thresholds).
    pub det: DetConfig,
    /// Lines recognized with a confidence below this are dropped from the page text
    /// (they stay in [`PageResult::rejected`]).
    pub min_line_confidence: f32,
    /// Straighten pages whose lines lean by more than this many degrees.
    pub deskew_min_degrees: f32,
    /// Look for QR codes on pages that look like an ID card (default on: the CCCD front's
    /// QR). The search is the costliest part of understanding a page that has none (about
    /// 0.2 s on an A4 scan at 200 dpi that shows ID-like labels such as "Họ và tên"), so
    /// a caller that only wants a page's text and kind turns it off.
    pub search_qr: bool,
}

impl Default for OcrConfig {
    fn default() -> Self {
        OcrConfig {
            det: DetConfig::default(),
            min_line_confidence: 0.5,
            deskew_min_degrees: 0.5,
            search_qr: true,
        }
    }
}

/// Builder of [`Ocr`].
#[derive(Debug, Clone)]
pub struct OcrBuilder {
    threads: usize,
    recognizer_sessions: usize,
    orientation: bool,
    config: OcrConfig,
}

impl OcrBuilder {
    /// Inference threads per model (0 = one per physical core).
    pub fn threads(mut self, n: usize) -> Self {
        self.threads = n;
        self
    }

    /// Recognizer sessions run side by side (default 1: one session using
    /// every thread, the least memory; 0 = one per thread, faster on a
    /// page of many lines). See [`OrtModels::open_with`] for the trade-off.
    pub fn recognizer_sessions(mut self, n: usize) -> Self {
        self.recognizer_sessions = n;
        self
    }

    /// Load and use the 0°/180° text-line classifier (default: on).
    pub fn orientation(mut self, on: bool) -> Self {
        self.orientation = on;
        self
    }

    /// Replace the pipeline settings.
    pub fn config(mut self, config: OcrConfig) -> Self {
        self.config = config;
        self
    }

    /// Open the models of `store` in ONNX Runtime (see [`OrtModels::open_with`]
    /// for the session options).
    pub fn build(self, store: &ModelStore) -> Result<Ocr, OcrError> {
        let models = Arc::new(OrtModels::open_with(
            store,
            self.threads,
            self.recognizer_sessions,
            self.orientation,
        )?);
        let orientation: Option<Arc<dyn OrientationClassifier>> = if models.has_orientation() {
            Some(models.clone())
        } else {
            None
        };
        Ok(Ocr {
            detector: models.clone(),
            recognizer: models,
            orientation,
            config: self.config,
        })
    }

    /// Build over any implementations of the model traits (fakes in tests,
    /// another runtime elsewhere).
    pub fn build_with(
        self,
        detector: Arc<dyn TextDetector>,
        recognizer: Arc<dyn TextRecognizer>,
        orientation: Option<Arc<dyn OrientationClassifier>>,
    ) -> Ocr {
        Ocr {
            detector,
            recognizer,
            orientation,
            config: self.config,
        }
    }
}

/// The recognition engine. Cheap to share across threads (`&self` methods).
pub struct Ocr {
    detector: Arc<dyn TextDetector>,
    recognizer: Arc<dyn TextRecognizer>,
    orientation: Option<Arc<dyn OrientationClassifier>>,
    config: OcrConfig,
}

impl std::fmt::Debug for Ocr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ocr")
            .field("orientation", &self.orientation.is_some())
            .field("config", &self.config)
            .finish()
    }
}

/// One recognized text line.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct TextLine {
    /// Recognized text (NFC).
    pub text: String,
    /// Mean character probability, `0..=1`.
    pub confidence: f32,
    /// The line's quadrilateral in the input image (top-left, top-right,
    /// bottom-right, bottom-left).
    pub quad: Quad,
    /// Detector score (mean text probability inside the box).
    pub det_score: f32,
    /// The line decoded with MRZ characters only, for MRZ-looking lines.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mrz_text: Option<String>,
    /// Further MRZ readings of an MRZ-looking line, best first (see
    /// [`LineText::mrz_alternatives`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mrz_alternatives: Vec<String>,
}

/// Time spent in each stage, in milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct Timings {
    /// Page normalization (orientation, deskew) and detector input preparation.
    pub prepare_ms: f64,
    /// Text detection and DB post-processing.
    pub detect_ms: f64,
    /// Line crops, orientation check and recognition.
    pub recognize_ms: f64,
    /// Reading order and document understanding (MRZ, QR, fields).
    pub analyze_ms: f64,
    /// Everything.
    pub total_ms: f64,
}

/// Everything recognized on one page.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct PageResult {
    /// Image width (after EXIF orientation).
    pub width: u32,
    /// Image height.
    pub height: u32,
    /// Clockwise rotation applied to the page before detection (0, 90, 180, 270);
    /// quadrilaterals are given in the original image's coordinates regardless.
    pub rotation: u16,
    /// Skew angle that was measured (degrees, positive = text rises to the right).
    pub skew_degrees: f32,
    /// Lines in reading order.
    pub lines: Vec<TextLine>,
    /// Blocks of lines (indices into `lines`) in reading order.
    pub blocks: Vec<Block>,
    /// Lines dropped because of low confidence.
    pub rejected: Vec<TextLine>,
    /// Document kind, fields and consistency report.
    pub document: DocumentReport,
    /// Why the result is empty, when it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub empty_reason: Option<String>,
    /// Stage timings.
    pub timings: Timings,
}

impl PageResult {
    /// Plain text: lines joined by newlines, blocks by blank lines.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for (bi, block) in self.blocks.iter().enumerate() {
            if bi > 0 {
                out.push('\n');
            }
            for &li in &block.lines {
                if let Some(l) = self.lines.get(li) {
                    out.push_str(&l.text);
                    out.push('\n');
                }
            }
        }
        out
    }
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}

impl Ocr {
    /// Start configuring an engine.
    pub fn builder() -> OcrBuilder {
        OcrBuilder {
            threads: 0,
            recognizer_sessions: 1,
            orientation: true,
            config: OcrConfig::default(),
        }
    }

    /// The settings in force.
    pub fn config(&self) -> &OcrConfig {
        &self.config
    }

    /// The same models (shared, not loaded again) with other settings.
    pub fn with_config(&self, config: OcrConfig) -> Ocr {
        Ocr {
            detector: self.detector.clone(),
            recognizer: self.recognizer.clone(),
            orientation: self.orientation.clone(),
            config,
        }
    }

    /// Stage 2: normalize the page (90°/180°/270° orientation and skew) and
    /// build the detector input.
    pub fn prepare(&self, image: &RgbImage) -> Result<PreparedPage, OcrError> {
        detect::prepare_page(
            image,
            self.detector.as_ref(),
            self.orientation.as_deref(),
            self.recognizer.as_ref(),
            &self.config,
        )
    }

    /// Stage 3: detect text-line quadrilaterals (in the prepared page's coordinates).
    pub fn detect_lines(&self, page: &PreparedPage) -> Result<Vec<detect::DetectedBox>, OcrError> {
        if let Some(boxes) = &page.boxes {
            return Ok(boxes.clone());
        }
        detect::detect_boxes(self.detector.as_ref(), &page.image, &self.config.det)
    }

    /// Stage 4: crop and recognize each box (orientation-checked).
    pub fn recognize(
        &self,
        page: &PreparedPage,
        boxes: &[detect::DetectedBox],
    ) -> Result<Vec<TextLine>, OcrError> {
        let crops: Vec<RgbImage> = boxes
            .iter()
            .map(|b| grey_coloured_ink(geometry::crop_quad(&page.image, &b.quad)))
            .collect();
        let texts = recognize::recognize_lines(self.recognizer.as_ref(), &crops)?;
        Ok(boxes
            .iter()
            .zip(texts)
            .map(|(b, t)| TextLine {
                text: t.text,
                confidence: t.confidence,
                quad: page.to_original(&b.quad),
                det_score: b.score,
                mrz_text: t.mrz_text,
                mrz_alternatives: t.mrz_alternatives,
            })
            .collect())
    }

    /// Recognize an image that is a single text line (no detection).
    pub fn recognize_line(&self, line: &RgbImage) -> Result<LineText, OcrError> {
        let grey = grey_coloured_ink(line.clone());
        let mut out =
            recognize::recognize_lines(self.recognizer.as_ref(), std::slice::from_ref(&grey))?;
        out.pop().ok_or(OcrError::BadOutput {
            model: "text_rec",
            got: vec![],
            expected: "one line",
        })
    }

    /// Everything in one call: prepare, detect, recognize, order, understand.
    pub fn recognize_page(&self, image: &RgbImage) -> Result<PageResult, OcrError> {
        let t0 = Instant::now();
        let page = self.prepare(image)?;
        let prepare_ms = ms(t0);
        let t1 = Instant::now();
        let boxes = self.detect_lines(&page)?;
        let detect_ms = ms(t1);
        let t2 = Instant::now();
        let recognized = self.recognize(&page, &boxes)?;
        let recognize_ms = ms(t2);
        let t3 = Instant::now();
        let (kept, rejected): (Vec<TextLine>, Vec<TextLine>) = recognized
            .into_iter()
            .partition(|l| l.confidence >= self.config.min_line_confidence && !l.text.is_empty());
        let (lines, blocks) = layout::layout(kept);
        let document = document::analyze_with(image, &lines, self.config.search_qr);
        let empty_reason = if lines.is_empty() {
            Some(if boxes.is_empty() {
                "no text detected".to_string()
            } else {
                format!(
                    "{} candidate lines, none recognized with confidence",
                    boxes.len()
                )
            })
        } else {
            None
        };
        let analyze_ms = ms(t3);
        Ok(PageResult {
            width: image.width(),
            height: image.height(),
            rotation: page.rotation,
            skew_degrees: page.skew_degrees,
            lines,
            blocks,
            rejected,
            document,
            empty_reason,
            timings: Timings {
                prepare_ms,
                detect_ms,
                recognize_ms,
                analyze_ms,
                total_ms: ms(t0),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 60x20 crop of light paper `paper` with a 30x8 block of `ink`.
    fn line_crop(paper: [u8; 3], ink: [u8; 3]) -> RgbImage {
        RgbImage::from_fn(60, 20, |x, y| {
            if (15..45).contains(&x) && (6..14).contains(&y) {
                Rgb(ink)
            } else {
                Rgb(paper)
            }
        })
    }

    #[test]
    fn red_ink_is_turned_grey_and_stretched_to_black() {
        let mut crop = line_crop([236, 238, 230], [200, 40, 40]);
        // An anti-aliased edge pixel, luma 0.299*218 + 0.587*139 + 0.114*135 = 162.16.
        crop.put_pixel(45, 10, Rgb([218, 139, 135]));
        assert!(has_coloured_ink(&crop));
        let grey = grey_coloured_ink(crop);
        // Linear between ink (88 -> 0) and paper (236 -> 236): (162 - 88) * 236 / 148 = 118.
        assert_eq!(grey.get_pixel(45, 10).0, [118, 118, 118]);
        // Ink luma 0.299*200 + 0.587*40 + 0.114*40 = 87.88 is the darkest: black.
        assert_eq!(grey.get_pixel(20, 10).0, [0, 0, 0]);
        // Paper luma 0.299*236 + 0.587*238 + 0.114*230 = 236.33 keeps its brightness.
        assert_eq!(grey.get_pixel(0, 0).0, [236, 236, 236]);
    }

    #[test]
    fn black_ink_on_tinted_paper_is_left_alone() {
        // Greenish card background, near-black ink.
        let crop = line_crop([214, 232, 216], [38, 40, 46]);
        assert!(!has_coloured_ink(&crop));
        assert_eq!(grey_coloured_ink(crop.clone()), crop);
    }

    #[test]
    fn a_crop_without_contrast_has_no_ink() {
        // A flat red patch: strongly coloured, but nothing printed on it.
        let flat = RgbImage::from_pixel(40, 12, Rgb([200, 40, 40]));
        assert!(!has_coloured_ink(&flat));
        assert_eq!(grey_coloured_ink(flat.clone()), flat);
    }
}
