//! Points, boxes, detected faces and the pose they imply.

use serde::Serialize;

/// A point in image pixel coordinates (x to the right, y down).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Point {
    /// Horizontal coordinate.
    pub x: f32,
    /// Vertical coordinate.
    pub y: f32,
}

impl Point {
    /// A point.
    pub const fn new(x: f32, y: f32) -> Self {
        Self { x, y }
    }

    /// Euclidean distance to `o`.
    pub fn dist(self, o: Point) -> f32 {
        (self.x - o.x).hypot(self.y - o.y)
    }
}

/// An axis-aligned box: top-left corner and size, in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct BBox {
    /// Left edge.
    pub x: f32,
    /// Top edge.
    pub y: f32,
    /// Width.
    pub w: f32,
    /// Height.
    pub h: f32,
}

impl BBox {
    /// Area in square pixels (0 for degenerate boxes).
    pub fn area(&self) -> f32 {
        self.w.max(0.0) * self.h.max(0.0)
    }

    /// Intersection over union with `o` (0 when either box is empty).
    pub fn iou(&self, o: &BBox) -> f32 {
        let iw = ((self.x + self.w).min(o.x + o.w) - self.x.max(o.x)).max(0.0);
        let ih = ((self.y + self.h).min(o.y + o.h) - self.y.max(o.y)).max(0.0);
        let inter = iw * ih;
        let union = self.area() + o.area() - inter;
        if union > 0.0 { inter / union } else { 0.0 }
    }

    /// Centre of the box.
    pub fn center(&self) -> Point {
        Point::new(self.x + self.w / 2.0, self.y + self.h / 2.0)
    }
}

/// The five YuNet landmarks, in the model's order.
///
/// "Right"/"left" are the subject's: the subject's right eye appears on the
/// image's left in an unmirrored camera frame.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Landmarks {
    /// Subject's right eye (image left).
    pub right_eye: Point,
    /// Subject's left eye (image right).
    pub left_eye: Point,
    /// Nose tip.
    pub nose: Point,
    /// Right mouth corner (image left).
    pub mouth_right: Point,
    /// Left mouth corner (image right).
    pub mouth_left: Point,
}

impl Landmarks {
    /// The five points in model order.
    pub fn points(&self) -> [Point; 5] {
        [
            self.right_eye,
            self.left_eye,
            self.nose,
            self.mouth_right,
            self.mouth_left,
        ]
    }

    /// Build from five points in model order.
    pub fn from_points(p: [Point; 5]) -> Self {
        Self {
            right_eye: p[0],
            left_eye: p[1],
            nose: p[2],
            mouth_right: p[3],
            mouth_left: p[4],
        }
    }

    /// Distance between the eye centres, in pixels.
    pub fn inter_eye_distance(&self) -> f32 {
        self.right_eye.dist(self.left_eye)
    }

    /// Head pose estimated from the five points (see [`Pose`]).
    pub fn pose(&self) -> Pose {
        Pose::from_landmarks(self)
    }
}

/// One detected face.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Face {
    /// Face box in the input image's pixels.
    pub bbox: BBox,
    /// Detector confidence in 0..1 (sqrt of class × objectness).
    pub score: f32,
    /// Five landmarks in the input image's pixels.
    pub landmarks: Landmarks,
}

/// Nose-to-eye-line depth over half the inter-eye distance of an average adult
/// head, used to turn the nose offset into a yaw angle (`tan yaw = offset / k`).
const YAW_K: f32 = 0.55;
/// Frontal value of (nose − eye line) / (mouth line − eye line) for YuNet
/// landmarks: the median over the 41 development photos (portraits taken
/// roughly level; range 0.51–0.63). YuNet's nose point sits lower than the
/// SFace template's (0.494).
const PITCH_FRONTAL: f32 = 0.585;
/// Sensitivity of that ratio to pitch (`tan pitch = Δratio / k`).
const PITCH_K: f32 = 0.55;

/// Head pose estimated from five landmarks.
///
/// With only five 2-D points this is an approximation (±10° on real faces),
/// good for gating extreme poses and following a challenge trajectory, not
/// for metrology. Roll is removed first (the eye line is rotated to
/// horizontal), then:
///
/// * yaw from the nose's horizontal offset from the eye midpoint, in
///   inter-eye units: `tan(yaw) = offset / 0.55`. **Positive yaw = the
///   subject turned to their left** (the nose moves to the image right in an
///   unmirrored camera frame).
/// * pitch from where the nose sits between the eye line and the mouth line
///   (0.494 on a frontal face): **positive pitch = looking up** (the nose
///   rises towards the eye line); 0 where the nose sits at 0.585 of the way
///   from the eye line to the mouth line, the median of real frontal photos.
///
/// A planar photograph rotated in front of the camera keeps these ratios
/// (the squeeze is affine), which is why a tilted print does not fake a turn.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Pose {
    /// Yaw in degrees; positive = subject turned to their left.
    pub yaw_deg: f32,
    /// Pitch in degrees; positive = subject looking up.
    pub pitch_deg: f32,
    /// Roll in degrees (the eye line's angle to horizontal, clockwise positive).
    pub roll_deg: f32,
}

impl Pose {
    /// Estimate the pose from five landmarks.
    pub fn from_landmarks(l: &Landmarks) -> Self {
        let (dx, dy) = (l.left_eye.x - l.right_eye.x, l.left_eye.y - l.right_eye.y);
        let d = dx.hypot(dy);
        if d.is_nan() || d <= 1e-3 {
            return Self::default();
        }
        let roll = dy.atan2(dx);
        let (c, s) = (roll.cos(), roll.sin());
        // Rotate by -roll about the eye midpoint so the eye line is horizontal.
        let mid = Point::new(
            (l.left_eye.x + l.right_eye.x) / 2.0,
            (l.left_eye.y + l.right_eye.y) / 2.0,
        );
        let local = |p: Point| {
            let (x, y) = (p.x - mid.x, p.y - mid.y);
            (x * c + y * s, -x * s + y * c)
        };
        let (nx, ny) = local(l.nose);
        let (_, mr) = local(l.mouth_right);
        let (_, ml) = local(l.mouth_left);
        let mouth_y = (mr + ml) / 2.0;
        let yaw = (nx / d / YAW_K).atan();
        let pitch = if mouth_y > 1e-3 {
            ((PITCH_FRONTAL - ny / mouth_y) / PITCH_K).atan()
        } else {
            0.0
        };
        Self {
            yaw_deg: yaw.to_degrees(),
            pitch_deg: pitch.to_degrees(),
            roll_deg: roll.to_degrees(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::align::TEMPLATE;

    fn template_landmarks() -> Landmarks {
        Landmarks::from_points(TEMPLATE.map(|(x, y)| Point::new(x, y)))
    }

    #[test]
    fn iou_of_known_boxes() {
        let a = BBox {
            x: 0.0,
            y: 0.0,
            w: 10.0,
            h: 10.0,
        };
        let b = BBox {
            x: 5.0,
            y: 0.0,
            w: 10.0,
            h: 10.0,
        };
        assert!((a.iou(&b) - 50.0 / 150.0).abs() < 1e-6);
        assert_eq!(a.iou(&BBox { x: 20.0, ..b }), 0.0);
        assert!((a.iou(&a) - 1.0).abs() < 1e-6);
    }

    #[test]
    fn template_is_frontal() {
        let mut l = template_landmarks();
        let p = l.pose();
        assert!(p.yaw_deg.abs() < 1.0, "{p:?}");
        assert!(p.roll_deg.abs() < 0.5, "{p:?}");
        // The template's nose is higher than YuNet's typical frontal nose.
        assert!(p.pitch_deg > 5.0 && p.pitch_deg < 15.0, "{p:?}");
        // Nose at 0.585 of the eye-to-mouth distance: level.
        let eye_y = (l.right_eye.y + l.left_eye.y) / 2.0;
        let mouth_y = (l.mouth_right.y + l.mouth_left.y) / 2.0;
        l.nose.y = eye_y + 0.585 * (mouth_y - eye_y);
        assert!(l.pose().pitch_deg.abs() < 0.5, "{:?}", l.pose());
    }

    #[test]
    fn nose_right_is_positive_yaw_and_roll_is_removed() {
        let mut l = template_landmarks();
        l.nose.x += 10.0; // towards the image right: subject turned to their left
        let p = l.pose();
        assert!(p.yaw_deg > 15.0 && p.yaw_deg < 35.0, "{p:?}");
        // The same face rotated by 30 degrees keeps yaw and pitch.
        let (c, s) = (30f32.to_radians().cos(), 30f32.to_radians().sin());
        let rot = Landmarks::from_points(
            l.points()
                .map(|q| Point::new(q.x * c - q.y * s, q.x * s + q.y * c)),
        );
        let r = rot.pose();
        assert!((r.yaw_deg - p.yaw_deg).abs() < 0.1);
        assert!((r.roll_deg - (30.0 + p.roll_deg)).abs() < 0.1, "{r:?}");
    }

    #[test]
    fn nose_up_is_positive_pitch_and_affine_squeeze_keeps_pose() {
        let mut l = template_landmarks();
        l.nose.y -= 4.0;
        assert!(l.pose().pitch_deg > 15.0);
        l.nose.y += 16.0;
        assert!(l.pose().pitch_deg < -10.0);
        // A print tilted away from the camera: horizontal squeeze, no yaw.
        let squeezed = Landmarks::from_points(
            template_landmarks()
                .points()
                .map(|q| Point::new(q.x * 0.6, q.y)),
        );
        assert!(squeezed.pose().yaw_deg.abs() < 1.0);
    }
}
