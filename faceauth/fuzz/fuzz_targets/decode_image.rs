//! Outside bytes → image: `decode_image` must return a typed error, never
//! panic; a decoded image must letterbox and align without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use saoy_faceauth::detect::letterbox;
use saoy_faceauth::image_ops::Rgb8View;
use saoy_faceauth::{Landmarks, Point, decode_image};

fuzz_target!(|data: &[u8]| {
    let Ok(img) = decode_image(data, 2048) else {
        return;
    };
    let rgb = img.to_rgb8();
    let view = Rgb8View::of(&rgb);
    let lb = letterbox(&view);
    assert_eq!(lb.tensor.len(), 3 * lb.width * lb.height);
    assert!(lb.width.is_multiple_of(32) && lb.height.is_multiple_of(32));
    assert!((32..=640).contains(&lb.width) && (32..=640).contains(&lb.height));
    let (w, h) = (rgb.width() as f32, rgb.height() as f32);
    let l = Landmarks::from_points([
        Point::new(0.3 * w, 0.4 * h),
        Point::new(0.7 * w, 0.4 * h),
        Point::new(0.5 * w, 0.55 * h),
        Point::new(0.35 * w, 0.7 * h),
        Point::new(0.65 * w, 0.7 * h),
    ]);
    let _ = saoy_faceauth::align::align(&view, &l);
});
