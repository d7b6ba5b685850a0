//! A fictional kiosk "live capture": frames of a portrait on a background, with small changes of
//! scale, position and light, and an approximate head turn (yaw) or nod (pitch).
//!
//! The head turn is a 2-D approximation: a horizontal (or vertical) perspective squeeze of the
//! portrait, plus a local push of the nose/mouth region towards the turn, so that 5-point
//! landmarks move roughly as they would. It is good enough to exercise challenge-response
//! liveness logic; it is not a 3-D head model.

use image::{ImageFormat, Rgb, RgbImage, imageops};

use crate::degrade::{add_noise, apply_h, homography, to_u8};
use crate::error::SpecimenError;
use crate::rng::Rng;
use crate::truth::Quad;

/// The demo portrait: the NASA astronaut photo shipped in `assets/portraits/astronaut.png`
/// (public domain, see `SOURCE.txt`), cropped to a 3:4 head-and-shoulders portrait (240x320).
pub fn demo_portrait() -> Result<RgbImage, SpecimenError> {
    let bytes = include_bytes!("../../assets/portraits/astronaut.png");
    let img = image::load_from_memory_with_format(bytes, ImageFormat::Png)
        .map_err(|source| SpecimenError::Image {
            what: "decoding the embedded demo portrait",
            source,
        })?
        .to_rgb8();
    Ok(imageops::crop_imm(&img, 105, 0, 240, 320).to_image())
}

/// The head movement a frame sequence shows. Directions are the **subject's**: turning to their
/// left moves the nose towards the image's right in a non-mirrored camera image (positive yaw).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum HeadMotion {
    /// Facing the camera (small natural jitter only).
    Still,
    /// Turn to the subject's left (yaw goes positive: nose towards image right).
    TurnLeft,
    /// Turn to the subject's right (yaw goes negative: nose towards image left).
    TurnRight,
    /// Look up (pitch goes positive: nose towards image top).
    LookUp,
    /// Look down (pitch goes negative).
    LookDown,
}

/// Options of [`live_frames_with`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct LiveOptions {
    /// Number of frames.
    pub frames: usize,
    /// Frame width in px (default 640).
    pub width: u32,
    /// Frame height in px (default 480).
    pub height: u32,
    /// The movement shown (default [`HeadMotion::Still`]).
    pub motion: HeadMotion,
    /// Peak yaw/pitch of the movement in degrees (default 25).
    pub max_angle_deg: f32,
    /// Nose position in the portrait, as fractions of its width and height (default fits
    /// [`demo_portrait`]: 0.5, 0.37).
    pub nose: [f32; 2],
    /// Distance between the eyes as a fraction of the portrait width (default 0.2).
    pub eye_distance: f32,
}

impl LiveOptions {
    /// `frames` frames of `motion` with the defaults above.
    pub fn new(frames: usize, motion: HeadMotion) -> Self {
        LiveOptions {
            frames,
            width: 640,
            height: 480,
            motion,
            max_angle_deg: 25.0,
            nose: [0.5, 0.37],
            eye_distance: 0.2,
        }
    }
}

/// One simulated camera frame.
#[derive(Debug, Clone)]
pub struct LiveFrame {
    /// The frame.
    pub image: RgbImage,
    /// Simulated yaw in degrees (positive: nose towards image right).
    pub yaw_deg: f32,
    /// Simulated pitch in degrees (positive: nose towards image top).
    pub pitch_deg: f32,
    /// Where the portrait rectangle landed in the frame.
    pub portrait_quad: Quad,
}

/// `n` frames of the person in `portrait` facing the camera, deterministic by `seed`.
pub fn live_frames(portrait: &RgbImage, n: usize, seed: u64) -> Vec<LiveFrame> {
    live_frames_with(portrait, &LiveOptions::new(n, HeadMotion::Still), seed)
}

/// Frames following `opts.motion`: frontal for the first ~15 %, turning until ~75 %, then held.
pub fn live_frames_with(portrait: &RgbImage, opts: &LiveOptions, seed: u64) -> Vec<LiveFrame> {
    let mut rng = Rng::derive(seed, "live");
    let (fw, fh) = (opts.width.max(16), opts.height.max(16));
    let wall = [
        rng.uniform(150.0, 215.0) as f32,
        rng.uniform(150.0, 210.0) as f32,
        rng.uniform(140.0, 205.0) as f32,
    ];
    let n = opts.frames;
    (0..n)
        .map(|i| {
            let t = if n > 1 {
                i as f32 / (n - 1) as f32
            } else {
                0.0
            };
            let ramp = smoothstep(0.15, 0.75, t);
            let jitter = rng.normal() as f32 * 1.0;
            let (yaw, pitch) = match opts.motion {
                HeadMotion::Still => (jitter, rng.normal() as f32 * 0.8),
                HeadMotion::TurnLeft => (opts.max_angle_deg * ramp + jitter, 0.0),
                HeadMotion::TurnRight => (-opts.max_angle_deg * ramp + jitter, 0.0),
                HeadMotion::LookUp => (jitter, opts.max_angle_deg * ramp),
                HeadMotion::LookDown => (jitter, -opts.max_angle_deg * ramp),
            };
            frame(portrait, opts, fw, fh, wall, yaw, pitch, &mut rng)
        })
        .collect()
}

fn smoothstep(a: f32, b: f32, t: f32) -> f32 {
    let x = ((t - a) / (b - a)).clamp(0.0, 1.0);
    x * x * (3.0 - 2.0 * x)
}

#[allow(clippy::too_many_arguments)]
fn frame(
    portrait: &RgbImage,
    opts: &LiveOptions,
    fw: u32,
    fh: u32,
    wall: [f32; 3],
    yaw: f32,
    pitch: f32,
    rng: &mut Rng,
) -> LiveFrame {
    // Background: a wall with a soft light gradient.
    let tilt = rng.uniform(-0.15, 0.15) as f32;
    let mut img = RgbImage::from_fn(fw, fh, |x, y| {
        let g = 1.0 + tilt * (x as f32 / fw as f32 - 0.5) - 0.12 * (y as f32 / fh as f32);
        Rgb(wall.map(|c| (c * g).clamp(0.0, 255.0) as u8))
    });

    let (pw, ph) = (
        portrait.width().max(1) as f64,
        portrait.height().max(1) as f64,
    );
    let scale = f64::from(fh) * 0.78 / ph * (1.0 + 0.03 * rng.normal());
    let (w, h) = (pw * scale, ph * scale);
    let cx = f64::from(fw) / 2.0 + rng.uniform(-12.0, 12.0);
    let cy = f64::from(fh) / 2.0 + 20.0 + rng.uniform(-10.0, 10.0);

    // Perspective squeeze: the side turning away shrinks.
    let (sy, sp) = (
        f64::from(yaw).to_radians().sin(),
        f64::from(pitch).to_radians().sin(),
    );
    let half_w = w / 2.0 * (1.0 - 0.35 * sy.abs());
    let half_h = h / 2.0 * (1.0 - 0.35 * sp.abs());
    let far = 0.3;
    // yaw > 0: right edge is far (shorter); pitch > 0 (look up): bottom edge is far.
    let (lh, rh) = (
        half_h * (1.0 - far * (-sy).max(0.0)),
        half_h * (1.0 - far * sy.max(0.0)),
    );
    let (tw, bw) = (
        half_w * (1.0 - far * (-sp).max(0.0)),
        half_w * (1.0 - far * sp.max(0.0)),
    );
    let dst = [
        (cx - tw.min(half_w), cy - lh.min(half_h)),
        (cx + tw.min(half_w), cy - rh.min(half_h)),
        (cx + bw.min(half_w), cy + rh.min(half_h)),
        (cx - bw.min(half_w), cy + lh.min(half_h)),
    ];
    let src = [(0.0, 0.0), (pw, 0.0), (pw, ph), (0.0, ph)];
    let Some(hm) = homography(&dst, &src) else {
        return LiveFrame {
            image: img,
            yaw_deg: yaw,
            pitch_deg: pitch,
            portrait_quad: Quad::rect(0.0, 0.0, 0.0, 0.0),
        };
    };

    // Local push of the nose/mouth region towards the turn (in portrait coordinates).
    let eye = f64::from(opts.eye_distance) * pw;
    let push = (0.35 * eye * sy / 0.5, -0.35 * eye * sp / 0.5);
    let (nx, ny) = (f64::from(opts.nose[0]) * pw, f64::from(opts.nose[1]) * ph);
    let (sgx, sgy) = (0.5 * eye, 0.045 * ph);

    let gain = rng.uniform(0.85, 1.1);
    let cast = [
        rng.uniform(-8.0, 8.0),
        rng.uniform(-5.0, 5.0),
        rng.uniform(-8.0, 8.0),
    ];
    let raw = portrait.as_raw();
    let (iw, ih) = (portrait.width() as i64, portrait.height() as i64);
    let x0 = dst
        .iter()
        .map(|p| p.0)
        .fold(f64::MAX, f64::min)
        .floor()
        .max(0.0) as u32;
    let x1 = dst
        .iter()
        .map(|p| p.0)
        .fold(f64::MIN, f64::max)
        .ceil()
        .min(f64::from(fw)) as u32;
    let y0 = dst
        .iter()
        .map(|p| p.1)
        .fold(f64::MAX, f64::min)
        .floor()
        .max(0.0) as u32;
    let y1 = dst
        .iter()
        .map(|p| p.1)
        .fold(f64::MIN, f64::max)
        .ceil()
        .min(f64::from(fh)) as u32;
    for y in y0..y1 {
        for x in x0..x1 {
            let (u, v) = apply_h(&hm, f64::from(x) + 0.5, f64::from(y) + 0.5);
            if u < 0.0 || v < 0.0 || u >= pw || v >= ph {
                continue;
            }
            let (dx, dy) = ((u - nx) / sgx, (v - ny) / sgy);
            let bump = (-0.5 * (dx * dx + dy * dy)).exp();
            let (su, sv) = (u - push.0 * bump - 0.5, v - push.1 * bump - 0.5);
            let (ux, vy) = (su.floor() as i64, sv.floor() as i64);
            let (ax, ay) = (su - ux as f64, sv - vy as f64);
            let mut acc = [0.0f64; 3];
            for (ddx, ddy, wgt) in [
                (0, 0, (1.0 - ax) * (1.0 - ay)),
                (1, 0, ax * (1.0 - ay)),
                (0, 1, (1.0 - ax) * ay),
                (1, 1, ax * ay),
            ] {
                let (px, py) = ((ux + ddx).clamp(0, iw - 1), (vy + ddy).clamp(0, ih - 1));
                let i = ((py * iw + px) * 3) as usize;
                for (c, a) in acc.iter_mut().enumerate() {
                    *a += wgt * f64::from(raw.get(i + c).copied().unwrap_or(0));
                }
            }
            let p = img.get_pixel_mut(x, y);
            for ((o, a), k) in p.0.iter_mut().zip(acc).zip(cast) {
                *o = to_u8((a * gain + k) as f32);
            }
        }
    }
    // Sensor noise.
    add_noise(&mut img, 2.5, rng);
    let portrait_quad = Quad([
        [dst[0].0 as f32, dst[0].1 as f32],
        [dst[1].0 as f32, dst[1].1 as f32],
        [dst[2].0 as f32, dst[2].1 as f32],
        [dst[3].0 as f32, dst[3].1 as f32],
    ]);
    LiveFrame {
        image: img,
        yaw_deg: yaw,
        pitch_deg: pitch,
        portrait_quad,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_portrait_decodes_to_a_3_by_4_crop() {
        let p = demo_portrait().unwrap();
        assert_eq!(p.dimensions(), (240, 320));
    }

    #[test]
    fn turning_left_narrows_the_right_edge_and_is_deterministic() {
        let p = demo_portrait().unwrap();
        let opts = LiveOptions::new(5, HeadMotion::TurnLeft);
        let a = live_frames_with(&p, &opts, 3);
        let b = live_frames_with(&p, &opts, 3);
        assert_eq!(a.len(), 5);
        assert_eq!(a[4].image.as_raw(), b[4].image.as_raw());
        assert!(a[0].yaw_deg.abs() < 5.0);
        assert!(a[4].yaw_deg > 20.0);
        let q = a[4].portrait_quad.0;
        let left = q[3][1] - q[0][1];
        let right = q[2][1] - q[1][1];
        assert!(right < left * 0.95, "left {left} right {right}");
        let still = live_frames(&p, 3, 3);
        assert!(still.iter().all(|f| f.yaw_deg.abs() < 5.0));
        assert_eq!(still[0].image.dimensions(), (640, 480));
    }
}
