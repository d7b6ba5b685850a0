//! The pipeline facade: detection → alignment → quality → embedding →
//! comparison, liveness, and the kiosk's person verification.

use crate::align::{AlignedFace, CROP_SIDE, align};
use crate::detect::{Letterbox, SCORE_THRESHOLD, decode, letterbox_into_threads, unletterbox};
use crate::embedding::Embedding;
use crate::engine::{DetectorModel, EmbedderModel, OrtDetector, OrtEmbedder, face_session};
use crate::error::FaceError;
use crate::geometry::{BBox, Face, Landmarks, Point};
use crate::image_ops::{
    DEFAULT_MAX_SIDE, Rgb8View, check_dimensions, laplacian_variance, resize_rgb, rgb8,
};
use crate::liveness::{Challenge, Frame, FrameObservation, LivenessConfig, LivenessReport};
use crate::quality::{QualityMeasures, QualityReport, QualityThresholds, Source, eye_band_luma};
use image::DynamicImage;
use saoy_models::{ModelId, ModelStore};
use serde::Serialize;
use std::sync::Mutex;

/// The shipped decision threshold on the SFace cosine similarity.
///
/// How it was chosen (`.ci/eval/face.sh`, i.e. `cargo run -p saoy-faceauth
/// --example face_eval` on `shared/data/faces/pairs.csv`: 77 genuine and 258
/// impostor pairs of 41 photos). The operating point asked for is FAR ≤ 0.1%;
/// with 258 impostors that means no impostor may be accepted, so the threshold
/// must exceed the highest impostor score, 0.349 with this pipeline. The
/// lowest genuine score is 0.477 (TAR 100% anywhere in between). On the
/// cross-domain set (the same photos printed as the portrait of a fictional
/// CCCD, photographed, matched against the originals: 154 genuine, 516
/// impostor comparisons) the gap is 0.347–0.448. 0.40 sits inside both gaps,
/// near their middles, leaving margin both ways for unseen data (OpenCV's
/// generic suggestion for SFace is 0.363).
///
/// Caveat: 258 impostor pairs cannot demonstrate a FAR of 0.1% (0 of 258
/// accepted gives a 95% upper bound of about 1.2%). Re-calibrate on a larger,
/// kiosk-representative set (CCCD chip portraits vs kiosk camera frames)
/// before production.
pub const MATCH_THRESHOLD: f32 = 0.40;

/// Portraits whose eyes are closer than this (source pixels) are cropped and
/// upscaled before the second detection pass and the alignment.
pub const PORTRAIT_UPSCALE_BELOW_PX: f32 = 48.0;
/// Inter-eye distance the upscaled portrait crop is brought to.
const PORTRAIT_TARGET_EYE_PX: f32 = 64.0;

/// The result of comparing two embeddings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Comparison {
    /// Cosine similarity in -1..1.
    pub score: f32,
    /// The threshold applied.
    pub threshold: f32,
    /// `score >= threshold`.
    pub is_match: bool,
}

/// Everything the pipeline learnt about one image.
#[derive(Debug, Clone)]
pub struct FaceAnalysis {
    /// All faces, largest first.
    pub faces: Vec<Face>,
    /// The face used (the largest), with landmarks refined by the portrait
    /// upscaling pass when it ran.
    pub primary: Option<Face>,
    /// Quality gates for the primary face.
    pub quality: QualityReport,
    /// Embedding of the primary face.
    pub embedding: Option<Embedding>,
    /// True when the portrait upscaling pass was used.
    pub upscaled: bool,
}

/// One side of an image comparison, for reports (no biometric values).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FaceSummary {
    /// All detected faces, largest first; the first is the one compared.
    pub faces: Vec<Face>,
    /// Quality gates of the compared face.
    pub quality: QualityReport,
}

/// The result of [`FaceAuth::compare_images`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImageComparison {
    /// Score, threshold, decision.
    pub comparison: Comparison,
    /// The probe image's faces and quality.
    pub probe: FaceSummary,
    /// The reference image's faces and quality.
    pub reference: FaceSummary,
}

/// A reason in a [`FaceReport`], with messages in English and Vietnamese.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reason {
    /// Stable machine code.
    pub code: String,
    /// English.
    pub message_en: String,
    /// Vietnamese.
    pub message_vi: String,
}

/// The kiosk's verdict on "is the person at the screen the card holder?".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Verdict {
    /// Live, good quality, and the same person as the portrait.
    Verified,
    /// Live and good quality, but not the same person.
    NotSamePerson,
    /// The liveness challenge failed.
    LivenessFailed,
    /// The portrait or the live capture is unusable (see reasons); retry.
    PoorQuality,
}

impl Verdict {
    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Verified => "face.verified",
            Self::NotSamePerson => "face.not_same_person",
            Self::LivenessFailed => "face.liveness_failed",
            Self::PoorQuality => "face.poor_quality",
        }
    }
}

/// The result of [`FaceAuth::verify_person`]: data for the case record —
/// scores and reasons, never images or embeddings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FaceReport {
    /// The decision.
    pub verdict: Verdict,
    /// Portrait vs best live frame (absent when either has no usable face).
    pub comparison: Option<Comparison>,
    /// Quality of the ID portrait.
    pub portrait_quality: QualityReport,
    /// Quality of the live frame used for matching.
    pub live_quality: QualityReport,
    /// Index of the live frame used for matching.
    pub live_frame: Option<usize>,
    /// The liveness check.
    pub liveness: LivenessReport,
    /// Why the verdict is not `Verified` (empty when it is).
    pub reasons: Vec<Reason>,
}

/// Builder of [`FaceAuth`].
#[derive(Debug, Clone)]
#[must_use]
pub struct FaceAuthBuilder {
    threads: usize,
    spinning: bool,
    threshold: f32,
    max_side: u32,
    live: QualityThresholds,
    portrait: QualityThresholds,
    liveness: LivenessConfig,
}

impl Default for FaceAuthBuilder {
    fn default() -> Self {
        Self {
            threads: 0,
            spinning: true,
            threshold: MATCH_THRESHOLD,
            max_side: DEFAULT_MAX_SIDE,
            live: QualityThresholds::for_source(Source::LiveCapture),
            portrait: QualityThresholds::for_source(Source::IdPortrait),
            liveness: LivenessConfig::default(),
        }
    }
}

impl FaceAuthBuilder {
    /// Inference threads per model (0 = the number of physical cores).
    pub fn threads(mut self, n: usize) -> Self {
        self.threads = n;
        self
    }

    /// Whether ONNX Runtime's intra-op worker threads spin while waiting for
    /// work within one inference run (default true: lowest latency on a
    /// kiosk's own cores; they stop spinning when the run returns). Turn off
    /// when other busy processes share the CPU (on the loaded 2-core CI
    /// machine, 2 threads without spinning were ~2x faster per image);
    /// irrelevant with one thread.
    pub fn spinning(mut self, spin: bool) -> Self {
        self.spinning = spin;
        self
    }

    /// Largest accepted image side in pixels (default 12000).
    pub fn max_image_side(mut self, px: u32) -> Self {
        self.max_side = px;
        self
    }

    /// Replace the quality thresholds of one source.
    pub fn quality_thresholds(mut self, source: Source, t: QualityThresholds) -> Self {
        match source {
            Source::IdPortrait => self.portrait = t,
            Source::LiveCapture => self.live = t,
        }
        self
    }

    /// Replace the liveness thresholds.
    pub fn liveness(mut self, cfg: LivenessConfig) -> Self {
        self.liveness = cfg;
        self
    }

    /// Override the calibrated match threshold. Dangerous: a lower value
    /// accepts impostors; only for re-calibration experiments.
    pub fn dangerous_match_threshold(mut self, t: f32) -> Self {
        self.threshold = t;
        self
    }

    /// Build with ONNX Runtime sessions from the model store.
    pub fn build(self, store: &ModelStore) -> Result<FaceAuth, FaceError> {
        let det = face_session(store, ModelId::FaceDetection, self.threads, self.spinning)?;
        let emb = face_session(store, ModelId::FaceEmbedding, self.threads, self.spinning)?;
        Ok(self.build_with(
            Box::new(OrtDetector::new(det)),
            Box::new(OrtEmbedder::new(emb)),
        ))
    }

    /// Build with given inference back-ends (fakes in tests, other runtimes).
    pub fn build_with(
        self,
        detector: Box<dyn DetectorModel>,
        embedder: Box<dyn EmbedderModel>,
    ) -> FaceAuth {
        FaceAuth {
            detector: Mutex::new(DetectorSlot {
                model: detector,
                input: Letterbox::default(),
            }),
            embedder: Mutex::new(embedder),
            threshold: self.threshold,
            max_side: self.max_side,
            prep_threads: if self.threads == 0 {
                saoy_models::default_threads()
            } else {
                self.threads
            },
            live: self.live,
            portrait: self.portrait,
            liveness: self.liveness,
        }
    }
}

/// Face authentication: detection, alignment, quality, embedding, matching
/// and active liveness. Cheap to share across threads (`&self` methods;
/// inference is serialised per model).
pub struct FaceAuth {
    detector: Mutex<DetectorSlot>,
    embedder: Mutex<Box<dyn EmbedderModel>>,
    threshold: f32,
    max_side: u32,
    /// Threads for the letterbox resize (the inference thread count).
    prep_threads: usize,
    live: QualityThresholds,
    portrait: QualityThresholds,
    liveness: LivenessConfig,
}

/// The detector and its reusable input buffer (a letterboxed frame of up to
/// 640x640x3 floats, rewritten on every detection and wiped on drop).
struct DetectorSlot {
    model: Box<dyn DetectorModel>,
    input: Letterbox,
}

impl Drop for DetectorSlot {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.input.tensor);
    }
}

impl std::fmt::Debug for FaceAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaceAuth")
            .field("threshold", &self.threshold)
            .field("max_side", &self.max_side)
            .finish_non_exhaustive()
    }
}

impl FaceAuth {
    /// A builder with the calibrated defaults.
    pub fn builder() -> FaceAuthBuilder {
        FaceAuthBuilder::default()
    }

    /// The match threshold in use.
    pub fn threshold(&self) -> f32 {
        self.threshold
    }

    /// The liveness configuration in use.
    pub fn liveness_config(&self) -> &LivenessConfig {
        &self.liveness
    }

    /// The quality thresholds for a source.
    pub fn quality_thresholds(&self, source: Source) -> &QualityThresholds {
        match source {
            Source::IdPortrait => &self.portrait,
            Source::LiveCapture => &self.live,
        }
    }

    /// Detect faces, largest first, in the image's pixel coordinates.
    pub fn detect(&self, img: &DynamicImage) -> Result<Vec<Face>, FaceError> {
        check_dimensions(img, self.max_side)?;
        let rgb = rgb8(img);
        self.detect_view(&Rgb8View::of(&rgb))
    }

    fn detect_view(&self, view: &Rgb8View<'_>) -> Result<Vec<Face>, FaceError> {
        let (out, scale_x, scale_y) = {
            let mut det = self
                .detector
                .lock()
                .map_err(|_| FaceError::Poisoned { model: "face_det" })?;
            let DetectorSlot { model, input } = &mut *det;
            letterbox_into_threads(view, input, self.prep_threads);
            (model.run(input)?, input.scale_x, input.scale_y)
        };
        let mut faces: Vec<Face> = decode(&out, SCORE_THRESHOLD)?
            .iter()
            .map(|f| unletterbox(f, scale_x, scale_y))
            .collect();
        faces.sort_by(|a, b| b.bbox.area().total_cmp(&a.bbox.area()));
        Ok(faces)
    }

    /// Align a face to the 112x112 SFace template.
    pub fn align(&self, img: &DynamicImage, face: &Face) -> Result<AlignedFace, FaceError> {
        let rgb = rgb8(img);
        align_checked(&Rgb8View::of(&rgb), &face.landmarks)
    }

    /// Embed an aligned face.
    pub fn embed_aligned(&self, face: &AlignedFace) -> Result<Embedding, FaceError> {
        let plane = CROP_SIDE * CROP_SIDE;
        let mut input = vec![0f32; 3 * plane];
        for (i, px) in face.rgb().chunks_exact(3).enumerate() {
            input[i] = f32::from(px[0]);
            input[plane + i] = f32::from(px[1]);
            input[2 * plane + i] = f32::from(px[2]);
        }
        let raw = {
            let mut emb = self.embedder.lock().map_err(|_| FaceError::Poisoned {
                model: "face_embed",
            })?;
            emb.run(&input)
        };
        zeroize::Zeroize::zeroize(&mut input);
        Embedding::from_raw(raw?).ok_or_else(|| FaceError::ModelOutput {
            model: "face_embed",
            detail: "zero or non-finite feature vector".into(),
        })
    }

    /// Align and embed one detected face.
    pub fn embed(&self, img: &DynamicImage, face: &Face) -> Result<Embedding, FaceError> {
        self.embed_aligned(&self.align(img, face)?)
    }

    /// Compare two embeddings with the calibrated threshold.
    pub fn compare(&self, probe: &Embedding, reference: &Embedding) -> Comparison {
        let score = probe.cosine(reference);
        Comparison {
            score,
            threshold: self.threshold,
            is_match: score >= self.threshold,
        }
    }

    /// Detect, choose the largest face, align (upscaling small ID portraits),
    /// apply the quality gates of `source`, and embed.
    ///
    /// An image without a face is not an error here: the analysis says so
    /// (`quality` has `NoFace`, `embedding` is `None`).
    pub fn analyze(&self, img: &DynamicImage, source: Source) -> Result<FaceAnalysis, FaceError> {
        check_dimensions(img, self.max_side)?;
        let rgb = rgb8(img);
        let view = Rgb8View::of(&rgb);
        let faces = self.detect_view(&view)?;
        let Some(&first) = faces.first() else {
            return Ok(FaceAnalysis {
                faces,
                primary: None,
                quality: QualityReport::no_face(source),
                embedding: None,
                upscaled: false,
            });
        };
        let mut primary = first;
        let mut upscaled = false;
        let aligned = match (source, first.landmarks.inter_eye_distance()) {
            (Source::IdPortrait, d) if d < PORTRAIT_UPSCALE_BELOW_PX => {
                match self.refine_small_face(&view, &first)? {
                    Some((refined, crop)) => {
                        primary = refined;
                        upscaled = true;
                        crop
                    }
                    None => align_checked(&view, &first.landmarks)?,
                }
            }
            _ => align_checked(&view, &first.landmarks)?,
        };
        let luma = aligned.luma();
        let pose = primary.landmarks.pose();
        let measures = QualityMeasures {
            face_count: faces.len(),
            inter_eye_px: primary.landmarks.inter_eye_distance(),
            sharpness: laplacian_variance(&luma, CROP_SIDE, CROP_SIDE),
            yaw_deg: pose.yaw_deg,
            pitch_deg: pose.pitch_deg,
            eye_luma: eye_band_luma(&luma),
        };
        let quality = crate::quality::evaluate(source, self.quality_thresholds(source), measures);
        let embedding = Some(self.embed_aligned(&aligned)?);
        Ok(FaceAnalysis {
            faces,
            primary: Some(primary),
            quality,
            embedding,
            upscaled,
        })
    }

    /// Crop around a small face, upscale the crop (bilinear) so the eyes are
    /// ~64 px apart, detect again for sharper landmarks, and align from the
    /// upscaled crop. Returns the refined face in source coordinates.
    fn refine_small_face(
        &self,
        view: &Rgb8View<'_>,
        face: &Face,
    ) -> Result<Option<(Face, AlignedFace)>, FaceError> {
        let d = face.landmarks.inter_eye_distance().max(1.0);
        let factor = (PORTRAIT_TARGET_EYE_PX / d).clamp(1.0, 8.0);
        let side = face.bbox.w.max(face.bbox.h);
        let (cx, cy) = (face.bbox.center().x, face.bbox.center().y);
        let half = side * 1.0;
        let x0 = (cx - half).floor().max(0.0) as usize;
        let y0 = (cy - half).floor().max(0.0) as usize;
        let x1 = ((cx + half).ceil() as usize).min(view.width());
        let y1 = ((cy + half).ceil() as usize).min(view.height());
        if x1 <= x0 + 8 || y1 <= y0 + 8 {
            return Ok(None);
        }
        let (cw, ch) = (x1 - x0, y1 - y0);
        let crop = view.crop(x0, y0, cw, ch);
        let (uw, uh) = (
            (cw as f32 * factor).round() as usize,
            (ch as f32 * factor).round() as usize,
        );
        let up: Vec<u8> = resize_rgb(&Rgb8View::new(&crop, cw, ch), uw, uh)
            .iter()
            .map(|v| *v as u8)
            .collect();
        let up_view = Rgb8View::new(&up, uw, uh);
        let refaces = self.detect_view(&up_view)?;
        let to_src = |p: Point| Point::new(p.x / factor + x0 as f32, p.y / factor + y0 as f32);
        let expected = face.bbox.center();
        let best = refaces
            .iter()
            .map(|f| {
                let c = to_src(f.bbox.center());
                (c.dist(expected), f)
            })
            .filter(|(dist, _)| *dist < side * 0.5)
            .min_by(|a, b| a.0.total_cmp(&b.0));
        let Some((_, f)) = best else {
            return Ok(None);
        };
        let aligned = align_checked(&up_view, &f.landmarks)?;
        let refined = Face {
            bbox: BBox {
                x: f.bbox.x / factor + x0 as f32,
                y: f.bbox.y / factor + y0 as f32,
                w: f.bbox.w / factor,
                h: f.bbox.h / factor,
            },
            score: f.score,
            landmarks: Landmarks::from_points(f.landmarks.points().map(to_src)),
        };
        Ok(Some((refined, aligned)))
    }

    /// Compare the largest face of two images. Quality is reported, not
    /// enforced (the kiosk path, [`FaceAuth::verify_person`], enforces it).
    ///
    /// Errors with [`FaceError::NoFace`] when either image has no face.
    pub fn compare_images(
        &self,
        probe: &DynamicImage,
        probe_source: Source,
        reference: &DynamicImage,
        reference_source: Source,
    ) -> Result<ImageComparison, FaceError> {
        let p = self.analyze(probe, probe_source)?;
        let r = self.analyze(reference, reference_source)?;
        let (Some(pe), Some(re)) = (&p.embedding, &r.embedding) else {
            let role = if p.embedding.is_none() {
                "probe"
            } else {
                "reference"
            };
            return Err(FaceError::NoFace { role: role.into() });
        };
        Ok(ImageComparison {
            comparison: self.compare(pe, re),
            probe: FaceSummary {
                faces: p.faces,
                quality: p.quality,
            },
            reference: FaceSummary {
                faces: r.faces,
                quality: r.quality,
            },
        })
    }

    fn observe(
        &self,
        frames: &[Frame<'_>],
    ) -> Result<(Vec<FaceAnalysis>, Vec<FrameObservation>), FaceError> {
        if frames.is_empty() {
            return Err(FaceError::InvalidArgument {
                detail: "no frames".into(),
            });
        }
        let mut analyses = Vec::with_capacity(frames.len());
        let mut obs = Vec::with_capacity(frames.len());
        for fr in frames {
            let a = self.analyze(fr.image, Source::LiveCapture)?;
            let rgb = rgb8(fr.image);
            let view = Rgb8View::of(&rgb);
            obs.push(FrameObservation {
                t_ms: fr.t_ms,
                face_count: a.faces.len(),
                pose: a.primary.map(|f| f.landmarks.pose()),
                embedding: a.embedding.clone(),
                thumbnail: thumbnail(&view, a.primary.as_ref().map(|f| f.bbox)),
            });
            analyses.push(a);
        }
        Ok((analyses, obs))
    }

    /// Check a liveness challenge over a frame sequence.
    pub fn check_liveness(
        &self,
        challenge: &Challenge,
        frames: &[Frame<'_>],
    ) -> Result<LivenessReport, FaceError> {
        let (_, obs) = self.observe(frames)?;
        Ok(crate::liveness::evaluate(challenge, &self.liveness, &obs))
    }

    /// The kiosk check: is the live person (`frames`, which must answer
    /// `challenge`) the holder of the ID card whose portrait is `id_portrait`?
    ///
    /// The portrait is gated with [`Source::IdPortrait`] thresholds; the most
    /// frontal live frame is gated with [`Source::LiveCapture`] thresholds
    /// (one face only) and compared with the portrait. Nothing is stored.
    pub fn verify_person(
        &self,
        id_portrait: &DynamicImage,
        challenge: &Challenge,
        frames: &[Frame<'_>],
    ) -> Result<FaceReport, FaceError> {
        let portrait = self.analyze(id_portrait, Source::IdPortrait)?;
        let (analyses, obs) = self.observe(frames)?;
        let liveness = crate::liveness::evaluate(challenge, &self.liveness, &obs);
        let live_frame = analyses
            .iter()
            .enumerate()
            .filter(|(_, a)| a.embedding.is_some())
            .min_by(|(_, a), (_, b)| {
                let k = |x: &FaceAnalysis| {
                    x.quality.measures.yaw_deg.abs() + x.quality.measures.pitch_deg.abs()
                };
                k(a).total_cmp(&k(b))
            })
            .map(|(i, _)| i);
        let live_quality = match live_frame {
            Some(i) => analyses[i].quality.clone(),
            None => QualityReport::no_face(Source::LiveCapture),
        };
        let comparison = match (live_frame, &portrait.embedding) {
            (Some(i), Some(pe)) => analyses[i]
                .embedding
                .as_ref()
                .map(|le| self.compare(le, pe)),
            _ => None,
        };
        let mut reasons = Vec::new();
        for q in &portrait.quality.issues {
            reasons.push(Reason {
                code: q.code().replacen("face.quality.", "face.portrait.", 1),
                message_en: format!("ID portrait: {}", q.message_en()),
                message_vi: format!("Ảnh trên thẻ: {}", q.message_vi()),
            });
        }
        for q in &live_quality.issues {
            reasons.push(Reason {
                code: q.code().replacen("face.quality.", "face.live.", 1),
                message_en: format!("Camera: {}", q.message_en()),
                message_vi: format!("Camera: {}", q.message_vi()),
            });
        }
        for l in &liveness.issues {
            reasons.push(Reason {
                code: l.code().into(),
                message_en: l.message_en(),
                message_vi: l.message_vi(),
            });
        }
        let quality_ok = portrait.quality.passed() && live_quality.passed();
        let verdict = if !quality_ok {
            Verdict::PoorQuality
        } else if !liveness.passed {
            Verdict::LivenessFailed
        } else if comparison.is_some_and(|c| c.is_match) {
            Verdict::Verified
        } else {
            Verdict::NotSamePerson
        };
        if verdict == Verdict::NotSamePerson {
            let score = comparison.map_or(0.0, |c| c.score);
            reasons.push(Reason {
                code: "face.not_same_person".into(),
                message_en: format!(
                    "The face does not match the ID portrait (similarity {score:.2}, threshold {:.2}).",
                    self.threshold
                ),
                message_vi: format!(
                    "Khuôn mặt không khớp với ảnh trên thẻ (độ tương đồng {score:.2}, ngưỡng {:.2}).",
                    self.threshold
                ),
            });
        }
        Ok(FaceReport {
            verdict,
            comparison,
            portrait_quality: portrait.quality,
            live_quality,
            live_frame,
            liveness,
            reasons,
        })
    }
}

fn align_checked(view: &Rgb8View<'_>, l: &Landmarks) -> Result<AlignedFace, FaceError> {
    align(view, l).ok_or_else(|| FaceError::ModelOutput {
        model: "face_det",
        detail: "degenerate landmarks (all five points coincide)".into(),
    })
}

/// 32x32 grey thumbnail of `region` (expanded by 10%) or of the whole frame.
fn thumbnail(view: &Rgb8View<'_>, region: Option<BBox>) -> Vec<u8> {
    const T: usize = 32;
    let (w, h) = (view.width(), view.height());
    let (x0, y0, x1, y1) = match region {
        Some(b) => {
            let (mx, my) = (b.w * 0.1, b.h * 0.1);
            (
                (b.x - mx).floor().clamp(0.0, w as f32) as usize,
                (b.y - my).floor().clamp(0.0, h as f32) as usize,
                (b.x + b.w + mx).ceil().clamp(0.0, w as f32) as usize,
                (b.y + b.h + my).ceil().clamp(0.0, h as f32) as usize,
            )
        }
        None => (0, 0, w, h),
    };
    let (x0, y0, x1, y1) = if x1 > x0 && y1 > y0 {
        (x0, y0, x1, y1)
    } else {
        (0, 0, w, h)
    };
    let crop = view.crop(x0, y0, x1 - x0, y1 - y0);
    resize_rgb(&Rgb8View::new(&crop, x1 - x0, y1 - y0), T, T)
        .chunks_exact(3)
        .map(|p| {
            (0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2])
                .round()
                .clamp(0.0, 255.0) as u8
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::YunetOutput;
    use crate::detect::tests::{empty_output, plant};

    /// Plants one face at stride-32 cell (5, 10), or none, or fails.
    struct FakeDetector {
        mode: u8,
    }

    impl DetectorModel for FakeDetector {
        fn run(&mut self, input: &Letterbox) -> Result<YunetOutput, FaceError> {
            assert_eq!((input.width, input.height), (640, 640));
            assert_eq!(input.tensor.len(), 3 * 640 * 640);
            let mut out = empty_output();
            match self.mode {
                0 => {}
                1 => plant(&mut out, 32, 5, 10, 0.9, 0.9),
                _ => {
                    return Err(FaceError::Inference {
                        model: "face_det",
                        detail: "fake".into(),
                    });
                }
            }
            Ok(out)
        }
    }

    /// The embedding is the crop's mean R, G, B followed by 125 ones.
    struct FakeEmbedder;

    impl EmbedderModel for FakeEmbedder {
        fn run(&mut self, input: &[f32]) -> Result<Vec<f32>, FaceError> {
            let plane = CROP_SIDE * CROP_SIDE;
            let mut v: Vec<f32> = (0..3)
                .map(|c| input[c * plane..(c + 1) * plane].iter().sum::<f32>() / plane as f32)
                .collect();
            v.extend(std::iter::repeat_n(1.0, 125));
            Ok(v)
        }
    }

    fn fake(mode: u8) -> FaceAuth {
        FaceAuth::builder().build_with(Box::new(FakeDetector { mode }), Box::new(FakeEmbedder))
    }

    fn solid(rgb: [u8; 3]) -> DynamicImage {
        DynamicImage::ImageRgb8(image::RgbImage::from_pixel(1280, 1280, image::Rgb(rgb)))
    }

    #[test]
    fn analyze_maps_the_face_back_and_embeds_it() {
        let a = fake(1)
            .analyze(&solid([200, 10, 10]), Source::LiveCapture)
            .unwrap();
        assert_eq!(a.faces.len(), 1);
        let f = a.primary.unwrap();
        // Cell (5, 10) at stride 32 with the planted offsets: centre (336, 168)
        // and size 64x96 in the 640 letterbox; the image is twice as large.
        assert!(
            (f.bbox.center().x - 672.0).abs() < 1e-3 && (f.bbox.center().y - 336.0).abs() < 1e-3
        );
        assert!((f.bbox.w - 128.0).abs() < 1e-3 && (f.bbox.h - 192.0).abs() < 1e-3);
        let e = a.embedding.unwrap();
        assert_eq!(e.len(), 128);
        // A flat image: the crop is the solid colour (the warp stays inside), so the
        // first value is 200 / |(200, 10, 10, 1 x125)|.
        let norm = (200f32 * 200.0 + 200.0 + 125.0).sqrt();
        assert!(
            (e.expose_values()[0] - 200.0 / norm).abs() < 1e-3,
            "{}",
            e.expose_values()[0]
        );
        // A flat crop has no detail: the blur gate fires.
        assert!(
            a.quality
                .issues
                .iter()
                .any(|q| q.code() == "face.quality.blurred")
        );
    }

    #[test]
    fn compare_images_decides_with_the_threshold() {
        let auth = fake(1);
        let red = solid([250, 0, 0]);
        let same = auth
            .compare_images(&red, Source::LiveCapture, &red, Source::IdPortrait)
            .unwrap();
        assert!((same.comparison.score - 1.0).abs() < 1e-5);
        assert!(same.comparison.is_match);
        let blue = solid([0, 0, 250]);
        let diff = auth
            .compare_images(&red, Source::LiveCapture, &blue, Source::IdPortrait)
            .unwrap();
        assert!(diff.comparison.score < 0.01, "{}", diff.comparison.score);
        assert!(!diff.comparison.is_match);
        assert_eq!(diff.comparison.threshold, MATCH_THRESHOLD);
        let strict = FaceAuth::builder()
            .dangerous_match_threshold(1.5)
            .build_with(Box::new(FakeDetector { mode: 1 }), Box::new(FakeEmbedder));
        assert!(
            !strict
                .compare_images(&red, Source::LiveCapture, &red, Source::LiveCapture)
                .unwrap()
                .comparison
                .is_match
        );
    }

    #[test]
    fn missing_faces_and_model_failures_are_typed() {
        let red = solid([250, 0, 0]);
        let e = fake(0)
            .compare_images(&red, Source::LiveCapture, &red, Source::LiveCapture)
            .unwrap_err();
        assert!(matches!(&e, FaceError::NoFace { role } if role == "probe"));
        assert_eq!(fake(2).detect(&red).unwrap_err().code(), "face.inference");
        let r = fake(0).analyze(&red, Source::IdPortrait).unwrap();
        assert_eq!(r.quality.issues, vec![crate::QualityIssue::NoFace]);
    }
}
