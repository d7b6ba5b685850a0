//! Quality gates applied before matching, with stable reason codes and
//! messages in English and Vietnamese.

use serde::Serialize;

/// Where a face image comes from; quality thresholds differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum), uniffi(name = "FaceSource"))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Source {
    /// The small printed portrait on an ID card (CCCD), scanned or photographed:
    /// low resolution, print screen, frontal. Faces are upscaled before alignment.
    IdPortrait,
    /// A live camera frame at the kiosk: exactly one face, sharp, roughly frontal.
    LiveCapture,
}

/// Thresholds of the quality gates for one [`Source`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[non_exhaustive]
pub struct QualityThresholds {
    /// Reject images that hold more than one face.
    pub reject_several_faces: bool,
    /// Minimum distance between the eye centres in the source image, pixels.
    pub min_inter_eye_px: f32,
    /// Minimum variance of the Laplacian of the aligned 112x112 crop's luma.
    pub min_sharpness: f32,
    /// Maximum |yaw| in degrees (see [`crate::Pose`]).
    pub max_abs_yaw_deg: f32,
    /// Maximum |pitch| in degrees.
    pub max_abs_pitch_deg: f32,
    /// Minimum mean luma (0..255) of the eye band of the aligned crop.
    pub min_eye_luma: f32,
    /// Maximum mean luma of the eye band.
    pub max_eye_luma: f32,
}

impl QualityThresholds {
    /// The defaults for a source.
    ///
    /// How they were chosen (measured with `cargo run -p saoy-faceauth
    /// --example face_eval -- --quality` on the 41 development photos of
    /// `shared/data/faces`, all usable, and on their aligned crops blurred):
    /// * sharpness (Laplacian variance of the aligned crop): the development
    ///   faces measure 600–5800; a Gaussian blur of σ = 1 px on the crop brings
    ///   them to 45–160, σ = 1.5 px to 17–53, σ = 2 px to 9–24. A live frame
    ///   needs ≥ 60 (rejects σ ≥ 1.5); a printed portrait, softened by print
    ///   and upscaling, ≥ 20.
    /// * inter-eye distance: SFace's template has 35 px between the eyes; a
    ///   live face below 40 px carries less detail than the template (the
    ///   development photos have 63–341 px); a portrait is upscaled and
    ///   accepted down to 16 px.
    /// * pose: the development photos measure |yaw| ≤ 24°, |pitch| ≤ 12°;
    ///   SFace degrades beyond ~30° of yaw; ID photos are frontal.
    /// * eye band luma: the development photos measure 79–186; below 40 the
    ///   eyes are in shadow, above 225 burnt out.
    pub fn for_source(source: Source) -> Self {
        match source {
            Source::LiveCapture => Self {
                reject_several_faces: true,
                min_inter_eye_px: 40.0,
                min_sharpness: 60.0,
                max_abs_yaw_deg: 30.0,
                max_abs_pitch_deg: 25.0,
                min_eye_luma: 40.0,
                max_eye_luma: 225.0,
            },
            Source::IdPortrait => Self {
                reject_several_faces: false,
                min_inter_eye_px: 16.0,
                min_sharpness: 20.0,
                max_abs_yaw_deg: 25.0,
                max_abs_pitch_deg: 25.0,
                min_eye_luma: 30.0,
                max_eye_luma: 235.0,
            },
        }
    }
}

/// One failed quality gate.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
#[non_exhaustive]
pub enum QualityIssue {
    /// No face was detected.
    NoFace,
    /// More than one face in a live capture.
    SeveralFaces {
        /// Faces detected.
        count: usize,
    },
    /// The face is too small.
    TooSmall {
        /// Measured inter-eye distance, px.
        inter_eye_px: f32,
        /// Required minimum.
        min: f32,
    },
    /// The face is blurred.
    Blurred {
        /// Measured Laplacian variance.
        sharpness: f32,
        /// Required minimum.
        min: f32,
    },
    /// The head is turned or tilted too far.
    ExtremePose {
        /// Estimated yaw, degrees.
        yaw_deg: f32,
        /// Estimated pitch, degrees.
        pitch_deg: f32,
    },
    /// The eye region is too dark.
    EyesTooDark {
        /// Mean luma of the eye band.
        luma: f32,
        /// Required minimum.
        min: f32,
    },
    /// The eye region is too bright (glare, over-exposure).
    EyesTooBright {
        /// Mean luma of the eye band.
        luma: f32,
        /// Allowed maximum.
        max: f32,
    },
}

impl QualityIssue {
    /// Stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoFace => "face.quality.no_face",
            Self::SeveralFaces { .. } => "face.quality.several_faces",
            Self::TooSmall { .. } => "face.quality.too_small",
            Self::Blurred { .. } => "face.quality.blurred",
            Self::ExtremePose { .. } => "face.quality.extreme_pose",
            Self::EyesTooDark { .. } => "face.quality.eyes_too_dark",
            Self::EyesTooBright { .. } => "face.quality.eyes_too_bright",
        }
    }

    /// Message in English.
    pub fn message_en(&self) -> String {
        match self {
            Self::NoFace => "No face was found.".into(),
            Self::SeveralFaces { count } => {
                format!("{count} faces are visible; only one person may be in front of the camera.")
            }
            Self::TooSmall { inter_eye_px, min } => {
                format!(
                    "The face is too small ({inter_eye_px:.0} px between the eyes, at least {min:.0} needed)."
                )
            }
            Self::Blurred { sharpness, min } => {
                format!("The face is blurred (sharpness {sharpness:.0}, at least {min:.0} needed).")
            }
            Self::ExtremePose { yaw_deg, pitch_deg } => {
                format!(
                    "The head is turned too far (yaw {yaw_deg:.0}°, pitch {pitch_deg:.0}°); look straight at the camera."
                )
            }
            Self::EyesTooDark { luma, .. } => {
                format!("The eyes are too dark (brightness {luma:.0}/255).")
            }
            Self::EyesTooBright { luma, .. } => {
                format!("The eyes are over-exposed or in glare (brightness {luma:.0}/255).")
            }
        }
    }

    /// Message in Vietnamese.
    pub fn message_vi(&self) -> String {
        match self {
            Self::NoFace => "Không tìm thấy khuôn mặt.".into(),
            Self::SeveralFaces { count } => {
                format!("Có {count} khuôn mặt; chỉ một người được đứng trước camera.")
            }
            Self::TooSmall { inter_eye_px, min } => {
                format!(
                    "Khuôn mặt quá nhỏ ({inter_eye_px:.0} px giữa hai mắt, cần ít nhất {min:.0})."
                )
            }
            Self::Blurred { sharpness, min } => {
                format!("Khuôn mặt bị mờ (độ nét {sharpness:.0}, cần ít nhất {min:.0}).")
            }
            Self::ExtremePose { yaw_deg, pitch_deg } => {
                format!(
                    "Đầu quay quá nhiều (ngang {yaw_deg:.0}°, dọc {pitch_deg:.0}°); hãy nhìn thẳng vào camera."
                )
            }
            Self::EyesTooDark { luma, .. } => format!("Vùng mắt quá tối (độ sáng {luma:.0}/255)."),
            Self::EyesTooBright { luma, .. } => {
                format!("Vùng mắt quá sáng hoặc bị lóa (độ sáng {luma:.0}/255).")
            }
        }
    }
}

/// Measurements of the primary face.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct QualityMeasures {
    /// Faces detected in the image.
    pub face_count: usize,
    /// Inter-eye distance in source pixels.
    pub inter_eye_px: f32,
    /// Laplacian variance of the aligned crop.
    pub sharpness: f32,
    /// Estimated yaw, degrees.
    pub yaw_deg: f32,
    /// Estimated pitch, degrees.
    pub pitch_deg: f32,
    /// Mean luma of the eye band of the aligned crop.
    pub eye_luma: f32,
}

/// The outcome of the quality gates for one image.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QualityReport {
    /// Which thresholds were applied.
    pub source: Source,
    /// What was measured (zeros when there is no face).
    pub measures: QualityMeasures,
    /// Failed gates, empty when the image is usable.
    pub issues: Vec<QualityIssue>,
}

impl QualityReport {
    /// True when no gate failed.
    pub fn passed(&self) -> bool {
        self.issues.is_empty()
    }

    /// The report for an image without a face.
    pub fn no_face(source: Source) -> Self {
        Self {
            source,
            measures: QualityMeasures::default(),
            issues: vec![QualityIssue::NoFace],
        }
    }
}

/// The eye band of the aligned crop: the template eyes sit at y ≈ 51.6 and
/// x ≈ 38 and 74, so rows 42..62 and columns 26..86 cover both eyes and brows' lower edge.
const EYE_BAND: (std::ops::Range<usize>, std::ops::Range<usize>) = (42..62, 26..86);

/// Mean luma of the eye band of a 112x112 luma raster.
pub fn eye_band_luma(luma: &[f32]) -> f32 {
    let side = crate::align::CROP_SIDE;
    let (rows, cols) = EYE_BAND;
    let (mut sum, mut n) = (0f32, 0f32);
    for y in rows {
        for x in cols.clone() {
            if let Some(v) = luma.get(y * side + x) {
                sum += v;
                n += 1.0;
            }
        }
    }
    if n > 0.0 { sum / n } else { 0.0 }
}

/// Apply the gates of `t` to measured values.
pub fn evaluate(source: Source, t: &QualityThresholds, m: QualityMeasures) -> QualityReport {
    let mut issues = Vec::new();
    if m.face_count == 0 {
        return QualityReport::no_face(source);
    }
    if t.reject_several_faces && m.face_count > 1 {
        issues.push(QualityIssue::SeveralFaces {
            count: m.face_count,
        });
    }
    if m.inter_eye_px < t.min_inter_eye_px {
        issues.push(QualityIssue::TooSmall {
            inter_eye_px: m.inter_eye_px,
            min: t.min_inter_eye_px,
        });
    }
    if m.sharpness < t.min_sharpness {
        issues.push(QualityIssue::Blurred {
            sharpness: m.sharpness,
            min: t.min_sharpness,
        });
    }
    if m.yaw_deg.abs() > t.max_abs_yaw_deg || m.pitch_deg.abs() > t.max_abs_pitch_deg {
        issues.push(QualityIssue::ExtremePose {
            yaw_deg: m.yaw_deg,
            pitch_deg: m.pitch_deg,
        });
    }
    if m.eye_luma < t.min_eye_luma {
        issues.push(QualityIssue::EyesTooDark {
            luma: m.eye_luma,
            min: t.min_eye_luma,
        });
    } else if m.eye_luma > t.max_eye_luma {
        issues.push(QualityIssue::EyesTooBright {
            luma: m.eye_luma,
            max: t.max_eye_luma,
        });
    }
    QualityReport {
        source,
        measures: m,
        issues,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> QualityMeasures {
        QualityMeasures {
            face_count: 1,
            inter_eye_px: 80.0,
            sharpness: 300.0,
            yaw_deg: 3.0,
            pitch_deg: -2.0,
            eye_luma: 110.0,
        }
    }

    #[test]
    fn a_good_face_passes_both_sources() {
        for s in [Source::LiveCapture, Source::IdPortrait] {
            let r = evaluate(s, &QualityThresholds::for_source(s), good());
            assert!(r.passed(), "{r:?}");
        }
    }

    #[test]
    fn each_gate_reports_its_code() {
        let live = QualityThresholds::for_source(Source::LiveCapture);
        let cases: [(QualityMeasures, &str); 7] = [
            (
                QualityMeasures {
                    face_count: 0,
                    ..good()
                },
                "face.quality.no_face",
            ),
            (
                QualityMeasures {
                    face_count: 2,
                    ..good()
                },
                "face.quality.several_faces",
            ),
            (
                QualityMeasures {
                    inter_eye_px: 20.0,
                    ..good()
                },
                "face.quality.too_small",
            ),
            (
                QualityMeasures {
                    sharpness: 10.0,
                    ..good()
                },
                "face.quality.blurred",
            ),
            (
                QualityMeasures {
                    yaw_deg: -45.0,
                    ..good()
                },
                "face.quality.extreme_pose",
            ),
            (
                QualityMeasures {
                    eye_luma: 12.0,
                    ..good()
                },
                "face.quality.eyes_too_dark",
            ),
            (
                QualityMeasures {
                    eye_luma: 250.0,
                    ..good()
                },
                "face.quality.eyes_too_bright",
            ),
        ];
        for (m, code) in cases {
            let r = evaluate(Source::LiveCapture, &live, m);
            let codes: Vec<_> = r.issues.iter().map(QualityIssue::code).collect();
            assert_eq!(codes, vec![code]);
            assert!(!r.issues[0].message_en().is_empty() && !r.issues[0].message_vi().is_empty());
        }
    }

    #[test]
    fn portrait_thresholds_are_more_lenient_for_size_and_faces() {
        let portrait = QualityThresholds::for_source(Source::IdPortrait);
        let m = QualityMeasures {
            face_count: 2,
            inter_eye_px: 24.0,
            sharpness: 25.0,
            ..good()
        };
        assert!(evaluate(Source::IdPortrait, &portrait, m).passed());
        let live = evaluate(
            Source::LiveCapture,
            &QualityThresholds::for_source(Source::LiveCapture),
            m,
        );
        assert_eq!(live.issues.len(), 3, "{live:?}");
        assert_eq!(eye_band_luma(&vec![77.0; 112 * 112]), 77.0);
    }
}
