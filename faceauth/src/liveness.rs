//! Active liveness: a random head-movement challenge checked over a short
//! sequence of frames.
//!
//! No passive anti-spoofing model is available to the project, so liveness is
//! challenge–response. The SDK picks a random movement that five landmarks
//! can prove (turn left, turn right, look up, look down — a blink is not
//! visible in five points), the kiosk films the person for a few seconds, and
//! [`evaluate`] checks that:
//!
//! 1. there are enough distinct frames, time-stamped in order and within the window;
//! 2. every frame holds exactly one face;
//! 3. the movement starts near frontal, reaches the challenged direction
//!    (yaw or pitch past a target) through at least one intermediate pose,
//!    and never goes the other way;
//! 4. the same identity is present throughout (each frame's embedding is
//!    close to the previous frame's and not far from the first frame's);
//! 5. the frames are not a replayed still (near-duplicate frames are
//!    collapsed before counting; a still picture leaves too few).
//!
//! # What it does not stop
//!
//! This raises the cost of the cheapest attacks (holding up a printed photo
//! or a phone showing a still, injecting one repeated frame, swapping people
//! mid-sequence). It does **not** stop:
//! * a replayed or deep-faked **video** of the right person making the right
//!   movement (the challenge is one of four, so a few pre-recorded clips cover
//!   it; only a longer random sequence of moves and a trusted camera path
//!   raise that cost);
//! * a realistic **mask** or a **3-D printed head** worn or moved by someone;
//! * a **photo bent** or moved in ways that shift the nose relative to the
//!   eyes (curved prints can imitate a small yaw);
//! * **frame injection** into the camera driver (the SDK trusts its frames);
//! * the genuine person acting under **coercion**.
//!
//! A certified-copy kiosk should pair it with an attended setting (an officer
//! can see the kiosk), a trusted camera, and the chip portrait of the CCCD.

use crate::embedding::Embedding;
use crate::error::FaceError;
use crate::geometry::Pose;
use serde::Serialize;

/// The movement asked of the person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ChallengeKind {
    /// Turn the head to the person's own left (positive yaw).
    TurnLeft,
    /// Turn the head to the person's own right (negative yaw).
    TurnRight,
    /// Tilt the head up (positive pitch).
    LookUp,
    /// Tilt the head down (negative pitch).
    LookDown,
}

impl ChallengeKind {
    /// All kinds, in a fixed order.
    pub const ALL: [ChallengeKind; 4] = [
        Self::TurnLeft,
        Self::TurnRight,
        Self::LookUp,
        Self::LookDown,
    ];

    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            Self::TurnLeft => "turn_left",
            Self::TurnRight => "turn_right",
            Self::LookUp => "look_up",
            Self::LookDown => "look_down",
        }
    }

    /// Instruction to show, in English.
    pub fn instruction_en(self) -> &'static str {
        match self {
            Self::TurnLeft => "Slowly turn your head to your left, then back.",
            Self::TurnRight => "Slowly turn your head to your right, then back.",
            Self::LookUp => "Slowly look up, then back.",
            Self::LookDown => "Slowly look down, then back.",
        }
    }

    /// Instruction to show, in Vietnamese.
    pub fn instruction_vi(self) -> &'static str {
        match self {
            Self::TurnLeft => "Từ từ quay đầu sang bên trái của bạn, rồi quay lại.",
            Self::TurnRight => "Từ từ quay đầu sang bên phải của bạn, rồi quay lại.",
            Self::LookUp => "Từ từ ngẩng đầu lên, rồi quay lại.",
            Self::LookDown => "Từ từ cúi đầu xuống, rồi quay lại.",
        }
    }

    /// `(is_yaw_axis, sign)`: which pose angle must move, and which way.
    fn axis(self) -> (bool, f32) {
        match self {
            Self::TurnLeft => (true, 1.0),
            Self::TurnRight => (true, -1.0),
            Self::LookUp => (false, 1.0),
            Self::LookDown => (false, -1.0),
        }
    }
}

/// A liveness challenge issued to one session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Challenge {
    /// The movement asked for.
    pub kind: ChallengeKind,
    /// Random nonce identifying this challenge (for the caller's audit trail).
    pub nonce: u64,
}

impl Challenge {
    /// A challenge of a given kind (tests, replays of recorded sessions).
    pub fn new(kind: ChallengeKind, nonce: u64) -> Self {
        Self { kind, nonce }
    }

    /// A challenge drawn from the operating system's random source.
    pub fn random() -> Result<Self, FaceError> {
        let mut b = [0u8; 8];
        getrandom::fill(&mut b).map_err(|e| FaceError::Random {
            detail: e.to_string(),
        })?;
        let nonce = u64::from_le_bytes(b);
        Ok(Self::from_entropy(nonce))
    }

    /// A challenge drawn from caller-provided entropy (e.g. the caller's RNG).
    pub fn from_entropy(entropy: u64) -> Self {
        let kind = ChallengeKind::ALL[(entropy % 4) as usize];
        Self {
            kind,
            nonce: entropy,
        }
    }
}

/// One camera frame with its capture time.
#[derive(Debug, Clone, Copy)]
pub struct Frame<'a> {
    /// The frame, as the camera saw it (not mirrored; see [`LivenessConfig::mirrored`]).
    pub image: &'a image::DynamicImage,
    /// Capture time in milliseconds (any origin, increasing).
    pub t_ms: u64,
}

/// Thresholds of the liveness check.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[non_exhaustive]
pub struct LivenessConfig {
    /// Longest accepted sequence, first to last frame, ms.
    pub window_ms: u64,
    /// Minimum number of distinct frames (after collapsing near-duplicates).
    pub min_distinct_frames: usize,
    /// The first frame must be within this many degrees of frontal (yaw and pitch).
    pub neutral_max_deg: f32,
    /// Yaw to reach for a turn challenge, degrees.
    pub target_yaw_deg: f32,
    /// Pitch to reach for a look-up/down challenge, degrees.
    pub target_pitch_deg: f32,
    /// Largest tolerated movement the other way on the challenged axis, degrees.
    pub wrong_way_max_deg: f32,
    /// Minimum cosine similarity between consecutive frames' embeddings.
    pub min_consecutive_similarity: f32,
    /// Minimum cosine similarity of every frame to the first frame.
    pub min_similarity_to_first: f32,
    /// Two consecutive frames whose 32x32 face thumbnails differ by less than
    /// this mean absolute grey level are the same frame.
    pub duplicate_mean_abs_diff: f32,
    /// The frames are mirrored (a selfie preview): swaps left and right.
    pub mirrored: bool,
}

impl Default for LivenessConfig {
    /// Defaults for a 3–8 s capture at 5–30 frames/s:
    /// * the turn target (18°) and pitch target (12°) are what people reach
    ///   with a comfortable movement as measured by [`Pose`] (which
    ///   under-reads pitch); frontal means within 12°;
    /// * consecutive-frame similarity ≥ 0.5: the same person between two
    ///   nearby poses scores 0.7–0.95 with SFace, different people below 0.35
    ///   on the development pairs;
    /// * similarity to the first frame ≥ 0.3 tolerates the pose change at the
    ///   peak of the movement.
    fn default() -> Self {
        Self {
            window_ms: 8_000,
            min_distinct_frames: 4,
            neutral_max_deg: 12.0,
            target_yaw_deg: 18.0,
            target_pitch_deg: 12.0,
            wrong_way_max_deg: 10.0,
            min_consecutive_similarity: 0.5,
            min_similarity_to_first: 0.3,
            duplicate_mean_abs_diff: 1.0,
            mirrored: false,
        }
    }
}

/// What the pipeline saw in one frame.
#[derive(Debug, Clone)]
pub struct FrameObservation {
    /// Capture time, ms.
    pub t_ms: u64,
    /// Faces detected.
    pub face_count: usize,
    /// Pose of the largest face.
    pub pose: Option<Pose>,
    /// Embedding of the largest face.
    pub embedding: Option<Embedding>,
    /// 32x32 grey thumbnail of the largest face's region (or of the frame).
    pub thumbnail: Vec<u8>,
}

/// One point of the observed trajectory.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PoseSample {
    /// Capture time, ms.
    pub t_ms: u64,
    /// Yaw, degrees (positive = subject's left).
    pub yaw_deg: f32,
    /// Pitch, degrees (positive = up).
    pub pitch_deg: f32,
}

/// A reason the liveness check failed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
#[non_exhaustive]
pub enum LivenessIssue {
    /// Too few distinct frames.
    TooFewFrames {
        /// Distinct frames.
        distinct: usize,
        /// Required.
        min: usize,
    },
    /// Frame timestamps do not strictly increase.
    TimestampsOutOfOrder,
    /// The sequence is longer than the window.
    WindowExceeded {
        /// First to last frame, ms.
        span_ms: u64,
        /// Allowed.
        max_ms: u64,
    },
    /// A frame without a face.
    NoFace {
        /// Frame index.
        frame: usize,
    },
    /// A frame with several faces.
    SeveralFaces {
        /// Frame index.
        frame: usize,
        /// Faces in it.
        count: usize,
    },
    /// The sequence does not start near frontal.
    NotFrontalAtStart {
        /// First frame's yaw.
        yaw_deg: f32,
        /// First frame's pitch.
        pitch_deg: f32,
    },
    /// The head moved the opposite way.
    WrongDirection {
        /// Largest movement the wrong way, degrees.
        degrees: f32,
    },
    /// The head did not move far enough the right way.
    TargetNotReached {
        /// Largest movement the right way, degrees.
        degrees: f32,
        /// Required.
        target: f32,
    },
    /// The movement jumped from frontal to the target with no pose in between.
    NoIntermediatePose,
    /// The person changed between frames.
    IdentityChanged {
        /// Frame index where the similarity dropped.
        frame: usize,
        /// The similarity measured.
        similarity: f32,
    },
    /// Near-duplicate frames: a still image replayed.
    StillFrames {
        /// Consecutive pairs that were near-duplicates.
        duplicate_pairs: usize,
        /// Consecutive pairs in total.
        pairs: usize,
    },
}

impl LivenessIssue {
    /// Stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::TooFewFrames { .. } => "face.liveness.too_few_frames",
            Self::TimestampsOutOfOrder => "face.liveness.timestamps_out_of_order",
            Self::WindowExceeded { .. } => "face.liveness.window_exceeded",
            Self::NoFace { .. } => "face.liveness.no_face",
            Self::SeveralFaces { .. } => "face.liveness.several_faces",
            Self::NotFrontalAtStart { .. } => "face.liveness.not_frontal_at_start",
            Self::WrongDirection { .. } => "face.liveness.wrong_direction",
            Self::TargetNotReached { .. } => "face.liveness.target_not_reached",
            Self::NoIntermediatePose => "face.liveness.no_intermediate_pose",
            Self::IdentityChanged { .. } => "face.liveness.identity_changed",
            Self::StillFrames { .. } => "face.liveness.still_frames",
        }
    }

    /// Message in English.
    pub fn message_en(&self) -> String {
        match self {
            Self::TooFewFrames { distinct, min } => {
                format!("Too few distinct frames ({distinct}, at least {min}).")
            }
            Self::TimestampsOutOfOrder => "Frame times are not in order.".into(),
            Self::WindowExceeded { span_ms, max_ms } => {
                format!("The movement took too long ({span_ms} ms, at most {max_ms}).")
            }
            Self::NoFace { frame } => format!("No face in frame {frame}."),
            Self::SeveralFaces { frame, count } => format!("{count} faces in frame {frame}."),
            Self::NotFrontalAtStart { .. } => "Start by looking straight at the camera.".into(),
            Self::WrongDirection { degrees } => {
                format!("The head moved the wrong way ({degrees:.0}°).")
            }
            Self::TargetNotReached { degrees, target } => {
                format!("The head did not move far enough ({degrees:.0}° of {target:.0}°).")
            }
            Self::NoIntermediatePose => "The movement was not continuous.".into(),
            Self::IdentityChanged { frame, .. } => {
                format!("A different person appears at frame {frame}.")
            }
            Self::StillFrames { .. } => {
                "The frames do not change: a still picture was shown.".into()
            }
        }
    }

    /// Message in Vietnamese.
    pub fn message_vi(&self) -> String {
        match self {
            Self::TooFewFrames { distinct, min } => {
                format!("Quá ít khung hình khác nhau ({distinct}, cần ít nhất {min}).")
            }
            Self::TimestampsOutOfOrder => "Thời gian các khung hình không theo thứ tự.".into(),
            Self::WindowExceeded { span_ms, max_ms } => {
                format!("Động tác kéo dài quá lâu ({span_ms} ms, tối đa {max_ms}).")
            }
            Self::NoFace { frame } => format!("Không có khuôn mặt trong khung hình {frame}."),
            Self::SeveralFaces { frame, count } => {
                format!("Có {count} khuôn mặt trong khung hình {frame}.")
            }
            Self::NotFrontalAtStart { .. } => "Hãy bắt đầu bằng cách nhìn thẳng vào camera.".into(),
            Self::WrongDirection { degrees } => format!("Đầu quay sai hướng ({degrees:.0}°)."),
            Self::TargetNotReached { degrees, target } => {
                format!("Đầu chưa quay đủ ({degrees:.0}° trên {target:.0}°).")
            }
            Self::NoIntermediatePose => "Động tác không liên tục.".into(),
            Self::IdentityChanged { frame, .. } => {
                format!("Một người khác xuất hiện ở khung hình {frame}.")
            }
            Self::StillFrames { .. } => "Các khung hình không thay đổi: đây là ảnh tĩnh.".into(),
        }
    }
}

/// The outcome of a liveness check.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LivenessReport {
    /// The challenge that was checked.
    pub challenge: Challenge,
    /// True when no issue was found.
    pub passed: bool,
    /// What failed.
    pub issues: Vec<LivenessIssue>,
    /// The observed pose trajectory (frames with a face).
    pub trajectory: Vec<PoseSample>,
    /// Peak movement in the challenged direction, degrees.
    pub peak_deg: f32,
    /// Lowest consecutive-frame embedding similarity (1 when not measured).
    pub min_consecutive_similarity: f32,
}

/// Mean absolute difference of two equally sized thumbnails.
fn mean_abs_diff(a: &[u8], b: &[u8]) -> f32 {
    if a.len() != b.len() || a.is_empty() {
        return f32::INFINITY;
    }
    let s: u64 = a
        .iter()
        .zip(b)
        .map(|(x, y)| u64::from(x.abs_diff(*y)))
        .sum();
    s as f32 / a.len() as f32
}

/// Check observations against a challenge.
pub fn evaluate(
    challenge: &Challenge,
    cfg: &LivenessConfig,
    obs: &[FrameObservation],
) -> LivenessReport {
    let mut issues = Vec::new();
    // Timing.
    if obs.windows(2).any(|w| w[1].t_ms <= w[0].t_ms) {
        issues.push(LivenessIssue::TimestampsOutOfOrder);
    }
    if let (Some(f), Some(l)) = (obs.first(), obs.last()) {
        let span = l.t_ms.saturating_sub(f.t_ms);
        if span > cfg.window_ms {
            issues.push(LivenessIssue::WindowExceeded {
                span_ms: span,
                max_ms: cfg.window_ms,
            });
        }
    }
    // Replayed still: collapse near-duplicate consecutive frames.
    let pairs = obs.len().saturating_sub(1);
    let dup = obs
        .windows(2)
        .filter(|w| mean_abs_diff(&w[0].thumbnail, &w[1].thumbnail) < cfg.duplicate_mean_abs_diff)
        .count();
    let distinct = obs.len() - dup;
    if pairs > 0 && dup * 2 >= pairs {
        issues.push(LivenessIssue::StillFrames {
            duplicate_pairs: dup,
            pairs,
        });
    }
    if distinct < cfg.min_distinct_frames {
        issues.push(LivenessIssue::TooFewFrames {
            distinct,
            min: cfg.min_distinct_frames,
        });
    }
    // Faces per frame.
    for (i, o) in obs.iter().enumerate() {
        if o.face_count == 0 || o.pose.is_none() {
            issues.push(LivenessIssue::NoFace { frame: i });
        } else if o.face_count > 1 {
            issues.push(LivenessIssue::SeveralFaces {
                frame: i,
                count: o.face_count,
            });
        }
    }
    // Trajectory.
    let mirror = if cfg.mirrored { -1.0 } else { 1.0 };
    let trajectory: Vec<PoseSample> = obs
        .iter()
        .filter_map(|o| {
            o.pose.map(|p| PoseSample {
                t_ms: o.t_ms,
                yaw_deg: p.yaw_deg * mirror,
                pitch_deg: p.pitch_deg,
            })
        })
        .collect();
    let (is_yaw, sign) = challenge.kind.axis();
    let target = if is_yaw {
        cfg.target_yaw_deg
    } else {
        cfg.target_pitch_deg
    };
    let along: Vec<f32> = trajectory
        .iter()
        .map(|s| sign * if is_yaw { s.yaw_deg } else { s.pitch_deg })
        .collect();
    let mut peak_deg = 0.0f32;
    if let Some(first) = trajectory.first() {
        if first.yaw_deg.abs() > cfg.neutral_max_deg || first.pitch_deg.abs() > cfg.neutral_max_deg
        {
            issues.push(LivenessIssue::NotFrontalAtStart {
                yaw_deg: first.yaw_deg,
                pitch_deg: first.pitch_deg,
            });
        }
        let start = along[0];
        peak_deg = along.iter().fold(f32::MIN, |m, v| m.max(v - start));
        let wrong = along.iter().fold(0.0f32, |m, v| m.max(start - v));
        if wrong > cfg.wrong_way_max_deg {
            issues.push(LivenessIssue::WrongDirection { degrees: wrong });
        }
        if peak_deg < target {
            issues.push(LivenessIssue::TargetNotReached {
                degrees: peak_deg.max(0.0),
                target,
            });
        } else {
            // Some frame before the first one at the target must lie in between.
            let reach = along.iter().position(|v| v - start >= target).unwrap_or(0);
            let between = along[..reach].iter().any(|v| {
                let d = v - start;
                d >= 0.2 * target && d < target
            });
            if !between {
                issues.push(LivenessIssue::NoIntermediatePose);
            }
        }
    }
    // Identity.
    let embs: Vec<(usize, &Embedding)> = obs
        .iter()
        .enumerate()
        .filter_map(|(i, o)| o.embedding.as_ref().map(|e| (i, e)))
        .collect();
    let mut min_consecutive = 1.0f32;
    if let Some(&(_, first)) = embs.first() {
        let mut reported = false;
        for w in embs.windows(2) {
            let s = w[0].1.cosine(w[1].1);
            min_consecutive = min_consecutive.min(s);
            if s < cfg.min_consecutive_similarity && !reported {
                issues.push(LivenessIssue::IdentityChanged {
                    frame: w[1].0,
                    similarity: s,
                });
                reported = true;
            }
        }
        let far_from_first = embs
            .iter()
            .map(|(i, e)| (*i, e.cosine(first)))
            .find(|(_, s)| *s < cfg.min_similarity_to_first);
        if let (false, Some((frame, similarity))) = (reported, far_from_first) {
            issues.push(LivenessIssue::IdentityChanged { frame, similarity });
        }
    }
    LivenessReport {
        challenge: *challenge,
        passed: issues.is_empty() && !obs.is_empty(),
        issues,
        trajectory,
        peak_deg: peak_deg.max(0.0),
        min_consecutive_similarity: min_consecutive,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A unit vector along axis `id` plus a small common part: different ids
    /// have cosine ~0.26, the same id 1.
    fn emb(id: f32) -> Embedding {
        Embedding::from_raw(
            (0..8)
                .map(|i| if i == id as usize { 1.0 } else { 0.1 })
                .collect(),
        )
        .unwrap()
    }

    fn obs(yaws: &[f32], pitches: &[f32], ids: &[f32]) -> Vec<FrameObservation> {
        yaws.iter()
            .zip(pitches)
            .zip(ids)
            .enumerate()
            .map(|(i, ((&y, &p), &id))| FrameObservation {
                t_ms: 200 * i as u64,
                face_count: 1,
                pose: Some(Pose {
                    yaw_deg: y,
                    pitch_deg: p,
                    roll_deg: 0.0,
                }),
                embedding: Some(emb(id)),
                thumbnail: vec![(i * 20) as u8; 1024],
            })
            .collect()
    }

    fn codes(r: &LivenessReport) -> Vec<&'static str> {
        r.issues.iter().map(LivenessIssue::code).collect()
    }

    const YAW_LEFT: [f32; 6] = [1.0, 6.0, 14.0, 24.0, 15.0, 3.0];
    const FLAT: [f32; 6] = [0.0; 6];
    const SAME: [f32; 6] = [1.0; 6];

    #[test]
    fn right_turn_passes_and_wrong_or_other_axis_fails() {
        let cfg = LivenessConfig::default();
        let o = obs(&YAW_LEFT, &FLAT, &SAME);
        let ok = evaluate(&Challenge::new(ChallengeKind::TurnLeft, 1), &cfg, &o);
        assert!(ok.passed, "{:?}", ok.issues);
        assert!((ok.peak_deg - 23.0).abs() < 1e-4);
        let wrong = evaluate(&Challenge::new(ChallengeKind::TurnRight, 1), &cfg, &o);
        assert_eq!(
            codes(&wrong),
            vec![
                "face.liveness.wrong_direction",
                "face.liveness.target_not_reached"
            ]
        );
        let up = evaluate(&Challenge::new(ChallengeKind::LookUp, 1), &cfg, &o);
        assert_eq!(codes(&up), vec!["face.liveness.target_not_reached"]);
        // Mirrored frames swap the meaning.
        let mcfg = LivenessConfig {
            mirrored: true,
            ..cfg
        };
        assert!(evaluate(&Challenge::new(ChallengeKind::TurnRight, 1), &mcfg, &o).passed);
    }

    #[test]
    fn pitch_challenges() {
        let cfg = LivenessConfig::default();
        let o = obs(&FLAT, &[0.0, -5.0, -10.0, -16.0, -8.0, 0.0], &SAME);
        assert!(evaluate(&Challenge::new(ChallengeKind::LookDown, 2), &cfg, &o).passed);
        let up = evaluate(&Challenge::new(ChallengeKind::LookUp, 2), &cfg, &o);
        assert!(codes(&up).contains(&"face.liveness.wrong_direction"));
    }

    #[test]
    fn still_jump_swap_and_timing_fail() {
        let cfg = LivenessConfig::default();
        let ch = Challenge::new(ChallengeKind::TurnLeft, 3);
        // Still: identical thumbnails and pose.
        let mut still = obs(&FLAT, &FLAT, &SAME);
        for o in &mut still {
            o.thumbnail = vec![90; 1024];
        }
        let r = evaluate(&ch, &cfg, &still);
        assert_eq!(
            codes(&r),
            vec![
                "face.liveness.still_frames",
                "face.liveness.too_few_frames",
                "face.liveness.target_not_reached"
            ]
        );
        // Jump from frontal to turned (two photos).
        let jump = obs(&[0.0, 0.0, 0.0, 25.0, 25.0, 25.0], &FLAT, &SAME);
        assert_eq!(
            codes(&evaluate(&ch, &cfg, &jump)),
            vec!["face.liveness.no_intermediate_pose"]
        );
        // Identity swap mid-sequence.
        let swap = obs(&YAW_LEFT, &FLAT, &[1.0, 1.0, 1.0, 2.0, 2.0, 2.0]);
        let r = evaluate(&ch, &cfg, &swap);
        assert_eq!(codes(&r), vec!["face.liveness.identity_changed"]);
        assert!(matches!(
            r.issues[0],
            LivenessIssue::IdentityChanged { frame: 3, .. }
        ));
        // Out of order and too long.
        let mut late = obs(&YAW_LEFT, &FLAT, &SAME);
        late[5].t_ms = 60_000;
        late[1].t_ms = 0;
        assert_eq!(
            codes(&evaluate(&ch, &cfg, &late)),
            vec![
                "face.liveness.timestamps_out_of_order",
                "face.liveness.window_exceeded"
            ]
        );
    }

    #[test]
    fn missing_or_extra_faces_and_empty_input() {
        let cfg = LivenessConfig::default();
        let ch = Challenge::new(ChallengeKind::TurnLeft, 4);
        let mut o = obs(&YAW_LEFT, &FLAT, &SAME);
        o[2].face_count = 2;
        o[4].face_count = 0;
        o[4].pose = None;
        o[4].embedding = None;
        let r = evaluate(&ch, &cfg, &o);
        assert_eq!(
            codes(&r),
            vec!["face.liveness.several_faces", "face.liveness.no_face"]
        );
        let empty = evaluate(&ch, &cfg, &[]);
        assert!(!empty.passed);
        assert_eq!(codes(&empty), vec!["face.liveness.too_few_frames"]);
    }

    #[test]
    fn challenges_cover_all_kinds() {
        let kinds: Vec<_> = (0..4u64).map(|e| Challenge::from_entropy(e).kind).collect();
        assert_eq!(kinds, ChallengeKind::ALL.to_vec());
        let c = Challenge::random().unwrap();
        assert!(ChallengeKind::ALL.contains(&c.kind));
        for k in ChallengeKind::ALL {
            assert!(k.instruction_vi().starts_with("Từ từ"), "{k:?}");
            assert!(k.instruction_en().starts_with("Slowly"), "{k:?}");
        }
    }
}
