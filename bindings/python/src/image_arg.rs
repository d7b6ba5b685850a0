//! Image and byte arguments: a path (`str`/`os.PathLike`), encoded bytes, or a numpy array.
//!
//! Two phases: [`ImageArg::extract`] classifies and validates the argument while the GIL is
//! held (so a bad dtype/shape raises `TypeError`/`ValueError`), then [`ImageArg::view`] gives a
//! `Send` borrow of the data that crosses `Python::detach`: bytes and numpy pixels are read in
//! place, without the GIL. The only copy is the one the engines need (they own an `RgbImage`).

use numpy::{PyReadonlyArrayDyn, PyUntypedArray, PyUntypedArrayMethods};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes};
use saoy_ffi as ffi;
use std::borrow::Cow;
use std::path::{Path, PathBuf};

/// Bytes borrowed from a Python `bytes` object, or owned (read from a file, copied from a
/// `bytearray`/`memoryview`).
pub struct BytesArg<'a>(Cow<'a, [u8]>);

impl BytesArg<'_> {
    /// The bytes.
    pub fn as_slice(&self) -> &[u8] {
        &self.0
    }
    /// Owned bytes (copies only when borrowed).
    pub fn into_vec(self) -> Vec<u8> {
        self.0.into_owned()
    }
}

fn io_err(path: &Path, e: std::io::Error) -> ffi::SaoyError {
    ffi::SaoyError::Input {
        code: "io".into(),
        detail: format!("{}: {e}", path.display()),
    }
}

/// `bytes` (borrowed, no copy), `bytearray`/`memoryview` (copied), or a path (read).
pub fn read_bytes_arg<'a>(obj: &'a Bound<'_, PyAny>) -> PyResult<BytesArg<'a>> {
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(BytesArg(Cow::Borrowed(b.as_bytes())));
    }
    if let Ok(b) = obj.cast::<PyByteArray>() {
        return Ok(BytesArg(Cow::Owned(b.to_vec())));
    }
    if let Ok(path) = obj.extract::<PathBuf>() {
        let data = std::fs::read(&path).map_err(|e| crate::errors::to_py(io_err(&path, e)))?;
        return Ok(BytesArg(Cow::Owned(data)));
    }
    if let Ok(v) = obj.extract::<Vec<u8>>() {
        return Ok(BytesArg(Cow::Owned(v)));
    }
    Err(PyTypeError::new_err(format!(
        "expected bytes or a path, got {}",
        obj.get_type().name()?
    )))
}

/// An image argument, classified and validated while the GIL is held.
pub enum ImageArg<'a> {
    /// A file path.
    Path(PathBuf),
    /// Encoded image bytes (PNG, JPEG …).
    Encoded(BytesArg<'a>),
    /// A numpy uint8 array (HxW, HxWx3 or HxWx4), borrowed read-only.
    Pixels(PyReadonlyArrayDyn<'a, u8>),
}

/// A `Send` view of an [`ImageArg`], usable with the GIL released.
pub enum ImageView<'a> {
    /// A file path.
    Path(&'a Path),
    /// Encoded image bytes.
    Encoded(&'a [u8]),
    /// Pixels (shape checked by [`ImageArg::extract`]).
    Pixels(numpy::ndarray::ArrayViewD<'a, u8>),
}

impl<'a> ImageArg<'a> {
    /// Classify a Python argument: numpy array, bytes/bytearray, or a path.
    pub fn extract(obj: &'a Bound<'_, PyAny>) -> PyResult<Self> {
        if obj.cast::<PyUntypedArray>().is_ok() {
            let arr: PyReadonlyArrayDyn<'_, u8> = obj.extract().map_err(|_| {
                PyTypeError::new_err(
                    "numpy images must have dtype uint8 (HxW, HxWx3 RGB or HxWx4 RGBA)",
                )
            })?;
            let shape = arr.shape();
            let ok = match shape {
                [h, w] => *h > 0 && *w > 0,
                [h, w, c] => *h > 0 && *w > 0 && (*c == 3 || *c == 4),
                _ => false,
            };
            if !ok {
                return Err(PyValueError::new_err(format!(
                    "numpy image shape {shape:?}: expected a non-empty (H, W), (H, W, 3) or (H, W, 4)"
                )));
            }
            if shape[0] > u32::MAX as usize || shape[1] > u32::MAX as usize {
                return Err(PyValueError::new_err("numpy image too large"));
            }
            return Ok(ImageArg::Pixels(arr));
        }
        if obj.cast::<PyBytes>().is_ok() || obj.cast::<PyByteArray>().is_ok() {
            return read_bytes_arg(obj).map(ImageArg::Encoded);
        }
        if let Ok(path) = obj.extract::<PathBuf>() {
            return Ok(ImageArg::Path(path));
        }
        Err(PyTypeError::new_err(format!(
            "expected a path, bytes or a numpy uint8 array, got {}",
            obj.get_type().name()?
        )))
    }

    /// The data, for use inside `Python::detach`.
    pub fn view(&self) -> ImageView<'_> {
        match self {
            ImageArg::Path(p) => ImageView::Path(p),
            ImageArg::Encoded(b) => ImageView::Encoded(b.as_slice()),
            ImageArg::Pixels(a) => ImageView::Pixels(a.as_array()),
        }
    }
}

impl ImageView<'_> {
    /// OCR it.
    pub fn recognize(&self, engine: &ffi::OcrEngine) -> Result<ffi::OcrPage, ffi::SaoyError> {
        match self {
            ImageView::Path(p) => engine.recognize_file(p.display().to_string()),
            ImageView::Encoded(b) => engine.recognize_bytes(b),
            ImageView::Pixels(a) => engine.recognize_image(&to_rgb(a)?),
        }
    }

    /// Decode it for the face engine.
    pub fn dynamic(&self) -> Result<image::DynamicImage, ffi::SaoyError> {
        match self {
            ImageView::Path(p) => {
                let b = std::fs::read(p).map_err(|e| io_err(p, e))?;
                ffi::FaceEngine::decode(&b)
            }
            ImageView::Encoded(b) => ffi::FaceEngine::decode(b),
            ImageView::Pixels(a) => Ok(image::DynamicImage::ImageRgb8(to_rgb(a)?)),
        }
    }
}

/// HxW grey, HxWx3 RGB or HxWx4 RGBA pixels → an `RgbImage`: one `memcpy` for a C-contiguous
/// RGB array (the engines own their input image), a single conversion pass otherwise
/// (grey/RGBA, strided views such as `img[:, ::2]` or BGR→RGB `img[..., ::-1]`).
pub fn to_rgb(a: &numpy::ndarray::ArrayViewD<'_, u8>) -> Result<image::RgbImage, ffi::SaoyError> {
    let shape = a.shape();
    let (h, w) = (shape[0], shape[1]);
    let c = shape.get(2).copied().unwrap_or(1);
    let raw: Vec<u8> = match (c, a.as_slice()) {
        (3, Some(s)) => s.to_vec(),
        (1, _) => a.iter().flat_map(|&v| [v, v, v]).collect(),
        (_, _) => {
            let mut out = Vec::with_capacity(h * w * 3);
            for pixel in a.rows() {
                out.extend(pixel.iter().take(3));
            }
            out
        }
    };
    let bad = || ffi::SaoyError::Input {
        code: "image_shape".into(),
        detail: format!("numpy image shape {shape:?} does not fit an RGB image"),
    };
    let (wu, hu) = (
        u32::try_from(w).map_err(|_| bad())?,
        u32::try_from(h).map_err(|_| bad())?,
    );
    image::RgbImage::from_raw(wu, hu, raw).ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::to_rgb;
    use numpy::ndarray::{Array, IxDyn, s};

    #[test]
    fn grey_rgb_rgba_and_strided_views_convert_to_the_same_pixels() {
        let rgb = Array::from_shape_fn(IxDyn(&[2, 3, 3]), |i| (i[0] * 30 + i[1] * 10 + i[2]) as u8);
        let img = to_rgb(&rgb.view()).unwrap();
        assert_eq!((img.width(), img.height()), (3, 2));
        assert_eq!(img.get_pixel(2, 1).0, [50, 51, 52]);

        let rgba = Array::from_shape_fn(IxDyn(&[2, 3, 4]), |i| {
            if i[2] == 3 {
                255
            } else {
                (i[0] * 30 + i[1] * 10 + i[2]) as u8
            }
        });
        assert_eq!(to_rgb(&rgba.view()).unwrap(), img);

        let grey = Array::from_shape_fn(IxDyn(&[2, 2]), |i| (i[0] * 2 + i[1]) as u8);
        assert_eq!(to_rgb(&grey.view()).unwrap().get_pixel(1, 1).0, [3, 3, 3]);

        // A reversed channel axis (BGR view) is a strided, non-contiguous array.
        let bgr = rgb.slice(s![.., .., ..;-1]).into_dyn();
        assert!(bgr.as_slice().is_none());
        assert_eq!(to_rgb(&bgr).unwrap().get_pixel(2, 1).0, [52, 51, 50]);
        // Every other column.
        let half = rgb.slice(s![.., ..;2, ..]).into_dyn();
        let h = to_rgb(&half).unwrap();
        assert_eq!((h.width(), h.height()), (2, 2));
        assert_eq!(h.get_pixel(1, 0).0, [20, 21, 22]);
    }
}
